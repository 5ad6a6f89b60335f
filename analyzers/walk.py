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
from typing import Any

import libcst as cst

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
_HOOKS: dict[tuple[type, type], tuple[_Hook, _Hook]] = {}


def _hooks(visitor_type: type, node_type: type) -> tuple[_Hook, _Hook]:
    key = (visitor_type, node_type)
    found = _HOOKS.get(key)
    if found is None:
        name = node_type.__name__
        found = (
            getattr(visitor_type, f"visit_{name}", None),
            getattr(visitor_type, f"leave_{name}", None),
        )
        _HOOKS[key] = found
    return found


_SEQUENCES = (list, tuple)
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
    node_type = type(node)
    if owners is not None:
        owners[id(node)] = owner
    visit, leave = _hooks(type(visitor), node_type)
    if visit is None or visit(visitor, node) is not False:
        is_if = node_type is cst.If
        for name in _child_fields(node_type):
            value = getattr(node, name)
            kind = value.__class__
            if kind in _SEQUENCES:
                for item in value:
                    if _is_node(item.__class__):
                        walk(item, visitor, owners, owner)
            elif _is_node(kind):
                walk(value, visitor, owners, owner)
            if is_if and name == "body":
                after_body = getattr(visitor, "leave_If_body", None)
                if after_body is not None:
                    after_body(node)
    if leave is not None:
        leave(visitor, node)
