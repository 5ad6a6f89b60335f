"""How preprocessing code builds the columns of a training example: which keys it writes
(`enc["labels"] = ...`, `{"labels": ...}`, `enc["labels"].append(row)`), from what, and what
a `.map()` function returns.

Read from the syntax of the statements the collector already points at (its `labels_evidence`
and the functions it records), never from a second walk of the whole module.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from hflint.analyzers.collector import string_value
from hflint.analyzers.facts import ModuleFacts
from hflint.analyzers.walk import walk


@dataclass(frozen=True, eq=False)
class KeyWrite:
    """One column written into an example or a batch."""

    key: str
    node: cst.CSTNode  # the subscript written, or the key of a dict display
    value: cst.BaseExpression | None  # what is written (for `.append(row)`: the row)
    receiver: str | None  # `enc` of `enc["labels"] = ...`; None for a dict display
    function: cst.FunctionDef | None  # the function holding the write
    appended: bool = False  # `enc["labels"].append(row)`: one row of a batched column


def _key(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        try:
            value = string_value(node.value)
        except (ValueError, SyntaxError):
            return None
        return value if isinstance(value, str) else None
    return None


def _subscript_key(node: cst.Subscript) -> tuple[str, str] | None:
    """`enc["labels"]` -> ("enc", "labels")."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    key = _key(node.slice[0].slice.value)
    if key is None or not isinstance(node.value, cst.Name):
        return None
    return node.value.value, key


class _Writes:
    def __init__(self) -> None:
        self.found: list[KeyWrite] = []
        self.functions: list[cst.FunctionDef] = []

    @property
    def fn(self) -> cst.FunctionDef | None:
        return self.functions[-1] if self.functions else None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.append(node)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Subscript):
                found = _subscript_key(target.target)
                if found is not None:
                    receiver, key = found
                    self.found.append(KeyWrite(key, target.target, node.value, receiver, self.fn))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in ("append", "extend")
            and isinstance(func.value, cst.Subscript)
            and node.args
        ):
            found = _subscript_key(func.value)
            if found is not None:
                receiver, key = found
                self.found.append(
                    KeyWrite(key, func.value, node.args[0].value, receiver, self.fn, appended=True)
                )

    def visit_Dict(self, node: cst.Dict) -> None:
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                key = _key(element.key)
                if key is not None:
                    self.found.append(KeyWrite(key, element.key, element.value, None, self.fn))


def key_writes(node: cst.CSTNode) -> list[KeyWrite]:
    """Every column written inside `node` (a statement or a function), in source order."""
    visitor = _Writes()
    walk(node, visitor)
    return visitor.found


def label_statements(facts: ModuleFacts) -> list[cst.CSTNode]:
    """The top-level statements where the collector saw `labels` being made."""
    indexes = sorted(
        {facts.statement_of[id(n)] for n in facts.labels_evidence if id(n) in facts.statement_of}
    )
    body = facts.module.body
    return [body[i] for i in indexes if 0 <= i < len(body)]


class _Returns:
    def __init__(self, top: cst.FunctionDef) -> None:
        self.top = top
        self.depth = 0
        self.found: list[cst.BaseExpression | None] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth += 1

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth -= 1

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Return(self, node: cst.Return) -> None:
        if self.depth == 1:
            self.found.append(node.value)


def returned(fn: cst.FunctionDef) -> list[cst.BaseExpression | None]:
    """The values `fn` returns (None for a bare `return`), not those of functions inside it."""
    visitor = _Returns(fn)
    walk(fn, visitor)
    return visitor.found


class _Seen:
    def __init__(self) -> None:
        self.ignore_index = False
        self.input_ids: list[str] = []

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        if (
            isinstance(node.operator, cst.Minus)
            and isinstance(node.expression, cst.Integer)
            and node.expression.value == "100"
        ):
            self.ignore_index = True

    def visit_Subscript(self, node: cst.Subscript) -> None:
        found = _subscript_key(node)
        if found is not None and found[1] == "input_ids":
            self.input_ids.append(found[0])

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value == "input_ids" and isinstance(node.value, cst.Name):
            self.input_ids.append(node.value.value)


def mentions_ignore_index(node: cst.CSTNode) -> bool:
    """Whether `-100` (the index the loss ignores) appears in `node`."""
    seen = _Seen()
    walk(node, seen)
    return seen.ignore_index


def input_ids_of(value: cst.CSTNode) -> list[str]:
    """The names whose `["input_ids"]` / `.input_ids` the expression reads (`enc` of
    `[ids.copy() for ids in enc["input_ids"]]`)."""
    seen = _Seen()
    walk(value, seen)
    return seen.input_ids


def literal_rows(value: cst.BaseExpression) -> list[list[object]] | None:
    """A list display of list displays of number literals (`[[0, 1], [1, 2]]`), as values."""
    if not isinstance(value, (cst.List, cst.Tuple)):
        return None
    rows: list[list[object]] = []
    for element in value.elements:
        inner = element.value
        if not isinstance(inner, (cst.List, cst.Tuple)):
            return None
        row: list[object] = []
        for item in inner.elements:
            number = _number(item.value)
            if number is None:
                return None
            row.append(number)
        rows.append(row)
    return rows


def _number(node: cst.BaseExpression) -> int | float | None:
    if isinstance(node, cst.Integer):
        return int(node.value.replace("_", ""), 0)
    if isinstance(node, cst.Float):
        return float(node.value.replace("_", ""))
    return None


def indicator_row(value: cst.BaseExpression) -> str | None:
    """ "int" / "float" for a comprehension building a 0/1 indicator row
    (`[1 if l in tags else 0 for l in all_labels]`), else None."""
    element: cst.BaseExpression | None = None
    if isinstance(value, cst.ListComp):
        element = value.elt
    if isinstance(value, cst.Lambda):
        return indicator_row(value.body)
    if (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value in ("apply", "map")
        and value.args
    ):
        return indicator_row(value.args[0].value)
    if not isinstance(element, cst.IfExp):
        return None
    body, orelse = _number(element.body), _number(element.orelse)
    if body is None or orelse is None or {body, orelse} != {0, 1}:
        return None
    if isinstance(element.body, cst.Integer) and isinstance(element.orelse, cst.Integer):
        return "int"
    return "float"
