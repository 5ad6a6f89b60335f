"""Fix edits for keywords a call gets through `**x` (see mappings.py, `SpreadArg`).

Such a keyword is written elsewhere: a dict literal's `"key": value`, a `key=value` argument
of `dict(...)` or of a constructor. A fix that renames the keyword renames the key (quoted,
in a dict literal); one that removes it removes the item or argument there, with its comma.
Where the value was not written as an item (`vars(args)`, a dict built at run time), no edit
can do it: the edit is VOID, and a fix holding one is dropped (rules/context.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import libcst as cst

from hflint.analyzers.facts import ModuleFacts, SpreadArg
from hflint.analyzers.findings import Edit, Position, Range
from hflint.analyzers.walk import child_nodes

VOID = Edit(Range(Position(1, 0), Position(1, 0)), "")  # a fix holding it is dropped


class _Context(Protocol):
    facts: ModuleFacts

    def range(self, node: cst.CSTNode) -> Range: ...

    def remove_args(self, call: cst.Call, dropped: Sequence[cst.Arg]) -> list[Edit]: ...

    def _remove_run(self, args: list[Any], first: int, last: int) -> Edit: ...


def _spread(facts: ModuleFacts, node: cst.CSTNode) -> SpreadArg | None:
    spread = facts.spread_of(node)
    return spread if spread is not None and spread.arg is not spread.at else None


def replace(ctx: _Context, node: cst.CSTNode, content: str) -> Edit | None:
    """The edit replacing a made keyword (or its name) with `content`; None for other nodes."""
    spread = _spread(ctx.facts, node)
    if spread is None:
        return None
    if not spread.fixable:
        return VOID
    if node is spread.arg.keyword and isinstance(spread.key, cst.SimpleString):
        if not content.isidentifier():
            return VOID
        quote = spread.key.quote
        return Edit(ctx.range(spread.key), f"{quote}{content}{quote}")
    if node is spread.arg and isinstance(spread.at, cst.DictElement):
        item = _as_item(content, spread.key)
        return Edit(ctx.range(spread.at), item) if item is not None else VOID
    return VOID


def _as_item(content: str, key: cst.CSTNode | None) -> str | None:
    """`name=value` written as a dict item, `"name": value`."""
    try:
        call = cst.parse_expression(f"f({content})")
    except cst.ParserSyntaxError:
        return None
    if not isinstance(call, cst.Call) or len(call.args) != 1:
        return None
    arg = call.args[0]
    if arg.keyword is None or arg.star:
        return None
    quote = key.quote if isinstance(key, cst.SimpleString) else '"'
    value = cst.Module(body=()).code_for_node(arg.value)
    return f"{quote}{arg.keyword.value}{quote}: {value}"


def remove(ctx: _Context, call: cst.Call, dropped: Sequence[cst.Arg]) -> list[Edit] | None:
    """Edits removing arguments, some of them made keywords: those go from where they were
    written. None when all are the call's own."""
    own = {id(a) for a in call.args}
    foreign = [a for a in dropped if id(a) not in own]
    if not foreign:
        return None
    mine = [a for a in dropped if id(a) in own]
    edits = ctx.remove_args(call, mine) if mine else []
    groups: dict[int, tuple[list[Any], set[int]]] = {}
    for arg in foreign:
        spread = ctx.facts.spread_of(arg)
        if spread is None or not spread.fixable:
            return [VOID]
        items = _container_items(ctx.facts, spread.at)
        if items is None:
            return [VOID]
        groups.setdefault(id(items[0]), (items, set()))[1].add(id(spread.at))
    for items, gone in groups.values():
        index = 0
        while index < len(items):
            if id(items[index]) not in gone:
                index += 1
                continue
            first = index
            while index + 1 < len(items) and id(items[index + 1]) in gone:
                index += 1
            edits.append(ctx._remove_run(items, first, index))
            index += 1
    return edits


def _container_items(facts: ModuleFacts, node: cst.CSTNode) -> list[Any] | None:
    """The argument list or dict items `node` is one of."""
    index = facts.statement_of.get(id(node))
    if index is None or index >= len(facts.module.body):
        return None
    stack: list[cst.CSTNode] = [facts.module.body[index]]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Call) and any(a is node for a in current.args):
            return list(current.args)
        if isinstance(current, cst.Dict) and any(e is node for e in current.elements):
            return list(current.elements)
        stack.extend(child_nodes(current))
    return None
