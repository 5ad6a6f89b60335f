"""What code reads from a model's forward pass: `outputs.logits`, `model(**x).loss`, ...

A forward call's result is followed through the names one scope binds to it (`outputs =
model(**batch)`), in source order, until the name is bound to something else. Reads in other
functions, or through containers, are not followed: a read this module does not find is never
reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from hflint.analyzers.facts import CallFact, ObjectFact
from hflint.analyzers.walk import walk
from hflint.rules.context import RuleContext
from hflint.rules.tokenizer_facts import iter_statements, scope_body

# Output fields only models with a head return; a base model's output has none of them.
HEAD_FIELDS = frozenset({"logits", "loss", "start_logits", "end_logits"})
FORWARD_METHODS = frozenset({"__call__", "forward"})


@dataclass(frozen=True)
class OutputRead:
    """`<forward result>.<field>` (or `["<field>"]`) read in the code."""

    call: CallFact  # the forward call whose result is read
    node: cst.CSTNode  # the attribute or subscript that reads it
    field: str
    subscript: bool  # `outputs["logits"]`: a KeyError rather than an AttributeError


class _Reads:
    """The field reads in one statement (or header expression); nested scopes skipped."""

    def __init__(self) -> None:
        self.found: list[tuple[cst.CSTNode, cst.BaseExpression, str, bool]] = []

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def leave_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value in HEAD_FIELDS:
            self.found.append((node, node.value, node.attr.value, False))

    def leave_Subscript(self, node: cst.Subscript) -> None:
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return
        key = node.slice[0].slice.value
        if isinstance(key, cst.SimpleString):
            text = key.evaluated_value
            if isinstance(text, str) and text in HEAD_FIELDS:
                self.found.append((node, node.value, text, True))


def _headers(stmt: cst.CSTNode) -> list[cst.CSTNode]:
    """The expressions a compound statement evaluates itself (its blocks come separately)."""
    if isinstance(stmt, (cst.If, cst.While)):
        return [stmt.test]
    if isinstance(stmt, cst.For):
        return [stmt.iter]
    if isinstance(stmt, cst.With):
        return [item.item for item in stmt.items]
    return []


def _bound_names(stmt: cst.CSTNode) -> list[str]:
    """Names a compound statement's header binds (`for x in`, `with ... as x`)."""
    targets: list[cst.BaseExpression] = []
    if isinstance(stmt, cst.For):
        targets.append(stmt.target)
    elif isinstance(stmt, cst.With):
        targets += [i.asname.name for i in stmt.items if i.asname is not None]
    names: list[str] = []
    for target in targets:
        if isinstance(target, cst.Name):
            names.append(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            names += [e.value.value for e in target.elements if isinstance(e.value, cst.Name)]
    return names


def head_output_reads(ctx: RuleContext, model: ObjectFact) -> list[OutputRead]:
    """Reads of head-only output fields on `model`'s forward calls (or a wrapper's), in source
    order."""
    calls = [c for c in ctx.facts.method_calls(model) if c.method in FORWARD_METHODS]
    found: list[OutputRead] = []
    by_scope: dict[int, list[CallFact]] = {}
    for call in calls:
        by_scope.setdefault(id(call.function), []).append(call)
    for scope_calls in by_scope.values():
        found.extend(_reads_in_scope(ctx, scope_calls))
    return found


def _reads_in_scope(ctx: RuleContext, calls: list[CallFact]) -> Iterator[OutputRead]:
    forward = {id(c.node): c for c in calls}
    bound: dict[str, CallFact] = {}  # name -> the forward call whose result it holds

    def reads(node: cst.CSTNode) -> Iterator[OutputRead]:
        reader = _Reads()
        walk(node, reader)
        for read, value, field, subscript in reader.found:
            source = forward.get(id(value))
            if source is None and isinstance(value, cst.Name):
                source = bound.get(value.value)
            if source is not None:
                yield OutputRead(source, read, field, subscript)

    for stmt in iter_statements(scope_body(ctx, calls[0].function)):
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                yield from reads(small)
                _bind(small, forward, bound)
        elif not isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            for header in _headers(stmt):
                yield from reads(header)
            for name in _bound_names(stmt):
                bound.pop(name, None)


def _bind(
    small: cst.BaseSmallStatement, forward: dict[int, CallFact], bound: dict[str, CallFact]
) -> None:
    targets: list[cst.BaseExpression] = []
    value: cst.BaseExpression | None = None
    if isinstance(small, cst.Assign):
        targets, value = [t.target for t in small.targets], small.value
    elif isinstance(small, cst.AnnAssign):
        targets, value = [small.target], small.value
    elif isinstance(small, cst.AugAssign):
        targets = [small.target]
    source = forward.get(id(value)) if value is not None else None
    for target in targets:
        if isinstance(target, cst.Name):
            if source is not None:
                bound[target.value] = source
            else:
                bound.pop(target.value, None)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for el in target.elements:
                if isinstance(el.value, cst.Name):
                    bound.pop(el.value.value, None)
