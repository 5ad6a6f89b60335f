"""A read-only walk over a libcst tree that calls a visitor's visit_X / leave_X methods.

libcst's own `visit` rebuilds every node it passes (it shares the code path of transformers),
which makes a visitor cost several times the parse. Reading the node fields directly, and
skipping the fields that only hold whitespace and punctuation, visits the same nodes in the
same order for a fraction of that.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import cache
from itertools import repeat
from typing import Any

import libcst as cst

from hflint.analyzers.node_cache import NodeCache

# Fields that hold only whitespace, punctuation or operator tokens: nothing a rule reads.
_TOKEN_FIELDS = frozenset(
    {
        "lpar",
        "rpar",
        "dot",
        "equal",
        "semicolon",
        "colon",
        "operator",
        "lbracket",
        "rbracket",
        "lbrace",
        "rbrace",
        "leading_lines",
        "lines_after_decorators",
        "header",
        "footer",
        "trailing_whitespace",
        "newline",
        "asynchronous",
        "star",
        "arrow",
        "whitespace",
        "default_indent",
        "default_newline",
        "encoding",
        "has_trailing_newline",
        "first_line",
        "indent",
        "prefix",
        "start",
        "end",
        "quote",
        "value_token",
    }
)


@cache
def _child_fields(node_type: type[cst.CSTNode]) -> tuple[str, ...]:
    return tuple(
        f.name
        for f in dataclasses.fields(node_type)
        if f.name not in _TOKEN_FIELDS and not f.name.startswith("whitespace")
    )


_Hook = Callable[..., Any] | None
# node class -> (visit hook, leave hook, child fields, whether to call leave_If_body)
_Plan = tuple[_Hook, _Hook, tuple[str, ...], bool]
_PLANS: dict[type, dict[type, _Plan]] = {}  # per visitor class


def _plan(visitor_type: type, node_type: type) -> _Plan:
    """What a walk with this visitor does at a node of this class, worked out once."""
    name = node_type.__name__
    found = (
        getattr(visitor_type, f"visit_{name}", None),
        getattr(visitor_type, f"leave_{name}", None),
        _child_fields(node_type),
        node_type is cst.If and hasattr(visitor_type, "leave_If_body"),
    )
    _PLANS.setdefault(visitor_type, {})[node_type] = found
    return found


_NODE_CLASSES: dict[type, bool] = {}


def _is_node(kind: type) -> bool:
    """`issubclass(kind, CSTNode)`, memoised: CSTNode is an ABC and its checks are slow."""
    known = _NODE_CLASSES.get(kind)
    if known is None:
        known = _NODE_CLASSES[kind] = issubclass(kind, cst.CSTNode)
    return known


def walk(
    node: cst.CSTNode, visitor: object, owners: dict[int, int] | None = None, owner: int = 0
) -> None:
    """Visit `node` and its descendants in source order (If: test, body, then orelse).

    With `owners`, records `owner` (e.g. the top-level statement index) for every node walked.
    """
    visitor_type = type(visitor)
    walker = _WALKERS.get(visitor_type)
    if walker is None:
        walker = _WALKERS[visitor_type] = _make_walker(visitor_type)
    walker(node, visitor, owners, owner)


_Walker = Callable[[cst.CSTNode, object, "dict[int, int] | None", int], None]
_WALKERS: dict[type, _Walker] = {}


def _make_walker(visitor_type: type) -> _Walker:
    """The walk for one visitor class. It runs on every keystroke in the editor: lookups are
    local variables, and each node class's hooks and fields are planned once."""
    plans = _PLANS.setdefault(visitor_type, {})
    node_classes = _NODE_CLASSES
    after_body = getattr(visitor_type, "leave_If_body", None)

    def go(node: cst.CSTNode, visitor: object, owners: dict[int, int] | None, owner: int) -> None:
        node_type = node.__class__
        visit, leave, fields, body_hook = plans.get(node_type) or _plan(visitor_type, node_type)
        if owners is not None:
            owners[id(node)] = owner
        if visit is None or visit(visitor, node) is not False:
            for name in fields:
                value = getattr(node, name)
                kind = value.__class__
                if kind is list or kind is tuple:
                    for item in value:
                        known = node_classes.get(item.__class__)
                        if known if known is not None else _is_node(item.__class__):
                            go(item, visitor, owners, owner)
                else:
                    known = node_classes.get(kind)
                    if known if known is not None else _is_node(kind):
                        go(value, visitor, owners, owner)
                if body_hook and name == "body" and after_body is not None:
                    after_body(visitor, node)
        if leave is not None:
            leave(visitor, node)

    return go


def child_nodes(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The children a walk visits, in source order: libcst's `children` rebuilds the node to
    find them, this reads its fields."""
    found: list[cst.CSTNode] = []
    for name in _child_fields(node.__class__):
        value = getattr(node, name)
        if value.__class__ is list or value.__class__ is tuple:
            found.extend(item for item in value if _is_node(item.__class__))
        elif _is_node(value.__class__):
            found.append(value)
    return found


# ---- the same walk, recorded once per statement and replayed ---------------------------------
# One event: (hook, node, where to go on when a visit hook returns False).
_Event = tuple[Callable[..., Any], cst.CSTNode, int]


class Recording:
    __slots__ = ("events", "ids")

    def __init__(self, events: list[_Event], ids: list[int]) -> None:
        self.events = events
        self.ids = ids  # every node walked, for `owners`


_RECORDINGS: NodeCache[cst.CSTNode, Recording] = NodeCache(8192)


def replay(
    node: cst.CSTNode, visitor: object, owners: dict[int, int] | None = None, owner: int = 0
) -> None:
    """`walk`, for a node that outlives the edit (a top-level statement the editor did not
    touch): the hooks it reaches, and the nodes it passes, are recorded the first time and
    replayed afterwards, so nodes no hook looks at cost nothing on the next keystroke.
    `owners` gets every node under `node`, including any a visit hook skipped."""
    recorded = recording(node, type(visitor))
    if owners is not None:
        owners.update(zip(recorded.ids, repeat(owner)))
    events = recorded.events
    index, count = 0, len(events)
    while index < count:
        hook, item, skip = events[index]
        index = skip if hook(visitor, item) is False else index + 1


def recording(node: cst.CSTNode, visitor_type: type) -> Recording:
    """The hooks a walk of `node` reaches with this visitor class, and the nodes it passes."""
    return _RECORDINGS.get(
        node,
        lambda n: _record(n, visitor_type),
        f"{visitor_type.__module__}.{visitor_type.__qualname__}",
    )


def _record(root: cst.CSTNode, visitor_type: type) -> Recording:
    events: list[_Event] = []
    ids: list[int] = []
    after_body = getattr(visitor_type, "leave_If_body", None)
    plans = _PLANS.setdefault(visitor_type, {})
    node_classes = _NODE_CLASSES
    append_event, append_id = events.append, ids.append

    def go(node: cst.CSTNode) -> None:
        node_type = node.__class__
        visit, leave, fields, body_hook = plans.get(node_type) or _plan(visitor_type, node_type)
        append_id(id(node))
        at = len(events)
        if visit is not None:
            append_event((visit, node, 0))
        for name in fields:
            value = getattr(node, name)
            kind = value.__class__
            if kind is list or kind is tuple:
                for item in value:
                    known = node_classes.get(item.__class__)
                    if known if known is not None else _is_node(item.__class__):
                        go(item)
            else:
                known = node_classes.get(kind)
                if known if known is not None else _is_node(kind):
                    go(value)
            if body_hook and name == "body" and after_body is not None:
                append_event((after_body, node, len(events) + 1))
        if visit is not None:
            # A visit returning False skips the children and goes on with the leave hook.
            events[at] = (visit, node, len(events))
        if leave is not None:
            append_event((leave, node, len(events) + 1))

    go(root)
    return Recording(events, ids)
