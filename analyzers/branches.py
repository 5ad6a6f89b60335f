"""Branches whose test the known values decide: `x if "chinese" in name else y`.

With `name` known, one branch is the one taken; the other runs only for values we do not
have (an overridable default overridden) or never (a value every call site passes). Inside that
branch the names its test reads are unknown: code written for other values is not judged with
this one. When the test rests on certain values only, the branch not taken is dead: what it
binds does not reach the code after it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import libcst as cst

from hflint.analyzers.values import Const, Value, as_default, same_value
from hflint.analyzers.walk import child_nodes, walk

if TYPE_CHECKING:
    from hflint.analyzers.collector import Collector

_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    cst.Equal: operator.eq,
    cst.NotEqual: operator.ne,
    cst.In: lambda a, b: a in b,
    cst.NotIn: lambda a, b: a not in b,
    cst.Is: lambda a, b: a is b if a is None or b is None or isinstance(a, bool) else a == b,
    cst.IsNot: lambda a, b: (
        not (a is b if a is None or b is None or isinstance(a, bool) else a == b)
    ),
    cst.LessThan: operator.lt,
    cst.GreaterThan: operator.gt,
    cst.LessThanEqual: operator.le,
    cst.GreaterThanEqual: operator.ge,
}


class Truth:
    """A test's truth, and whether it rests on certain values only."""

    __slots__ = ("certain", "value")

    def __init__(self, value: bool, certain: bool) -> None:
        self.value = value
        self.certain = certain


def truth(collector: Collector, test: cst.BaseExpression) -> Truth | None:
    """The test's truth when every value it reads is a known constant."""
    if type(test) is cst.Call and not _string_test(test):
        return None  # `if os.path.exists(...)`, `if torch.cuda.is_available()`: never known
    try:
        return _truth(collector, test, 0)
    except Exception:  # any comparison user values can make
        return None


def _truth(collector: Collector, test: cst.BaseExpression, depth: int) -> Truth | None:
    if depth > 20:
        return None
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = _truth(collector, test.expression, depth + 1)
        return Truth(not inner.value, inner.certain) if inner is not None else None
    if isinstance(test, cst.BooleanOperation):
        left = _truth(collector, test.left, depth + 1)
        right = _truth(collector, test.right, depth + 1)
        deciding = isinstance(test.operator, cst.Or)  # True decides `or`, False decides `and`
        for side in (left, right):
            if side is not None and side.value is deciding and side.certain:
                return side
        if left is None or right is None:
            return None
        return Truth(
            left.value or right.value if deciding else left.value and right.value,
            left.certain and right.certain,
        )
    if isinstance(test, cst.Comparison):
        left_value = _const(collector.eval(test.left))
        if left_value is None:
            return None
        result, certain = True, not left_value.overridable
        current = left_value.value
        for target in test.comparisons:
            compare = _COMPARE.get(type(target.operator))
            other = _const(collector.eval(target.comparator))
            if compare is None or other is None:
                return None
            result = result and bool(compare(current, other.value))
            certain = certain and not other.overridable
            current = other.value
        return Truth(result, certain)
    const = _const(collector.eval(test))
    if const is None:
        return None
    return Truth(bool(const.value), not const.overridable)


def _string_test(test: cst.Call) -> bool:
    func = test.func
    return type(func) is cst.Attribute and func.attr.value in ("startswith", "endswith")


def _const(value: Value) -> Const | None:
    return value if isinstance(value, Const) else None


def read_names(test: cst.CSTNode) -> frozenset[str]:
    """The names a test reads, and `name.attr` for the attributes it reads of them."""
    found: set[str] = set()
    stack = [test]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            found.add(node.value)
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            if isinstance(node.func.value, cst.Name):  # `name.startswith(...)`: the name's value
                found.add(node.func.value.value)
            stack.extend(a.value for a in node.args)
            stack.append(node.func.value)
            continue
        elif isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            found.add(f"{node.value.value}.{node.attr.value}")  # not the whole `self`
            continue
        elif isinstance(node, (cst.Lambda, cst.FunctionDef)):
            continue
        stack.extend(child_nodes(node))
    return frozenset(found)


# ---- the collector's hooks ----------------------------------------------------------------------
def enter_if(collector: Collector, node: cst.If) -> None:
    decided = truth(collector, node.test)
    collector.if_truths.append(decided)
    if decided is not None and not decided.value:
        collector.hidden.append(read_names(node.test))  # the body is not taken


def after_body(collector: Collector, node: cst.If) -> None:
    decided = collector.if_truths[-1]
    if decided is None:
        return
    if decided.value:
        collector.hidden.append(read_names(node.test))  # the else is not taken
    else:
        collector.hidden.pop()


def leave_if(collector: Collector, body_state: dict[str, Any]) -> dict[str, Any] | None:
    """The bindings after an `if` whose test certain values decide (the branch taken's), or
    None: the collector merges both paths."""
    decided = collector.if_truths.pop()
    if decided is not None and decided.value:
        collector.hidden.pop()
    if decided is None or not decided.certain:
        return None
    return body_state if decided.value else dict(collector.scope)


def visit_ifexp(collector: Collector, node: cst.IfExp) -> bool:
    """`a if test else b` with a decided test: the branch not taken is collected with the
    test's names unknown. False: the children were walked here."""
    decided = truth(collector, node.test)
    if decided is None:
        return True
    owners = collector.facts.statement_of
    owner = owners.get(id(node), 0)
    walk(node.test, collector, owners, owner)
    names = read_names(node.test)
    for branch, taken in ((node.body, decided.value), (node.orelse, not decided.value)):
        if not taken:
            collector.hidden.append(names)
        walk(branch, collector, owners, owner)
        if not taken:
            collector.hidden.pop()
    return False


def ifexp_value(collector: Collector, node: cst.IfExp) -> Value:
    decided = truth(collector, node.test)
    if decided is None:
        body, orelse = collector._eval(node.body), collector._eval(node.orelse)
        return body if same_value(body, orelse) else None
    taken = collector._eval(node.body if decided.value else node.orelse)
    return taken if decided.certain else as_default(taken, "the branch a default takes")
