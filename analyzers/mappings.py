"""Dicts and `**kwargs`: what a call gets through `f(**cfg)`.

A dict literal (`{**defaults, "x": 1}`), `dict(a=1, **other)`, `vars(args)` and the keywords a
function's callers pass (`**kwargs`) are values whose known items stay known when another item
is not; `cfg["training"]`, `cfg.get(k, d)` and `kwargs.pop(k, d)` read them, and `pop` (or
`cfg[k] = v`) changes what the name holds from there on. Spread into a call, each known item
becomes a keyword argument of the call, placed where its value was written (the dict literal's
element, the `k=v` that wrote it), so findings and fixes land on the exact text.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import libcst as cst

from hflint.analyzers.facts import Arg, CallFact, SpreadArg
from hflint.analyzers.node_cache import NodeCache
from hflint.analyzers.values import (
    Const,
    DictValue,
    TupleValue,
    Value,
    as_default,
    dict_items,
    written_at,
)

if TYPE_CHECKING:
    from hflint.analyzers.collector import Collector


# ---- building dict values -----------------------------------------------------------------
class _Builder:
    """Items in insertion order; an unknown spread makes the keys before it unsure."""

    def __init__(self) -> None:
        self.items: dict[Any, Value] = {}
        self.parts: dict[Any, cst.CSTNode] = {}
        self.complete = True
        self.unsure: set[Any] = set()
        self.passed = False

    def put(self, key: Any, value: Value, node: cst.CSTNode) -> None:
        self.items[key] = _written(value, key, node)
        self.parts[key] = node
        self.unsure.discard(key)

    def spread(self, value: Value) -> None:
        inner = dict_items(value)
        if inner is None or not inner.complete:
            self.unsure.update(self.items)  # an unknown key may override them
            self.items.clear()
            self.complete = False
        if inner is None:
            return
        self.unsure.update(inner.unsure)
        self.passed = self.passed or inner.passed
        for key, item in inner.items.items():
            self.items[key] = item
            self.unsure.discard(key)
            where = _where(item, inner, key)
            if where is not None:
                self.parts[key] = where

    def unknown_key(self) -> None:
        self.unsure.update(self.items)
        self.items.clear()
        self.complete = False

    def value(self) -> Value:
        if (
            self.complete
            and not self.unsure
            and all(isinstance(v, Const) for v in self.items.values())
        ):
            consts = [v for v in self.items.values() if isinstance(v, Const)]
            over = next((c for c in consts if c.overridable), None)
            return Const(
                {k: v.value for k, v in self.items.items() if isinstance(v, Const)},
                over is not None,
                over.origin if over is not None else "",
                members=dict(self.items),
            )
        return DictValue(
            dict(self.items),
            self.complete,
            frozenset(self.unsure),
            self.passed,
            parts=dict(self.parts),
        )


def _written(value: Value, key: Any, node: cst.CSTNode) -> Value:
    """`value` as written at `node`, unless it keeps the `key=value` argument that wrote it."""
    if not isinstance(value, Const):
        return value
    if _keyword_arg(value.where, key):
        return value
    return written_at(value, node)


def _keyword_arg(node: cst.CSTNode | None, key: Any) -> bool:
    return isinstance(node, cst.Arg) and node.keyword is not None and node.keyword.value == key


def _where(item: Value, holder: DictValue, key: Any) -> cst.CSTNode | None:
    if isinstance(item, Const) and item.where is not None:
        return item.where
    return holder.parts.get(key)


_TRACKED_ITEMS = 64  # a bigger dict literal (a vocabulary, a table) is a plain constant


def eval_dict(collector: Collector, node: cst.Dict) -> Value:
    if len(node.elements) > _TRACKED_ITEMS:
        return _plain_dict(collector, node)
    built = _Builder()
    for element in node.elements:
        if not isinstance(element, cst.DictElement):
            built.spread(collector._eval(element.value))
            continue
        key = collector._eval(element.key)
        if not isinstance(key, Const) or not hashable(key.value):
            built.unknown_key()
            continue
        built.put(key.value, collector._eval(element.value), element)
    return built.value()


def _plain_dict(collector: Collector, node: cst.Dict) -> Value:
    """A constant when every key and value is one (no items kept: nothing spreads it)."""
    out: dict[Any, Any] = {}
    for element in node.elements:
        if type(element) is not cst.DictElement:
            return None
        key, value = collector._eval(element.key), collector._eval(element.value)
        if type(key) is not Const or type(value) is not Const or not hashable(key.value):
            return None
        out[key.value] = value.value
    return Const(out)


def eval_dict_call(collector: Collector, node: cst.Call) -> Value:
    """`dict(other)`, `dict(a=1, **other)`, `dict([(k, v), ...])`."""
    built = _Builder()
    positional = [a for a in node.args if a.keyword is None and not a.star]
    if len(positional) > 1:
        return None
    for arg in node.args:
        if arg.star == "*":
            return None
        if arg.star == "**":
            built.spread(collector._eval(arg.value))
        elif arg.keyword is not None:
            built.put(arg.keyword.value, collector._eval(arg.value), arg)
        else:
            first = collector._eval(arg.value)
            if isinstance(first, Const) and isinstance(first.value, (list, tuple)):
                pairs = first.value
                if not all(isinstance(p, (tuple, list)) and len(p) == 2 for p in pairs):
                    return None
                try:
                    built.spread(Const(dict(pairs), first.overridable, first.origin))
                except TypeError:
                    return None
            else:
                built.spread(first)
    return built.value()


def hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


# ---- reading them ---------------------------------------------------------------------------
def item(value: Value, key: Any) -> Value:
    """`value[key]`: the item (with where it was written), or unknown."""
    if isinstance(value, TupleValue):
        if isinstance(key, int) and -len(value.items) <= key < len(value.items):
            return value.items[key]
        return None
    if isinstance(value, Const):
        if value.members is not None and hashable(key):
            return value.members.get(key)
        try:
            return Const(value.value[key], value.overridable, value.origin)
        except (KeyError, IndexError, TypeError):
            return None
    if isinstance(value, DictValue) and hashable(key):
        return value.items.get(key)
    return None


def get_or_default(value: Value, key: Any, default: Value) -> Value:
    """`d.get(key, default)` / `d.pop(key, default)`."""
    found = dict_items(value)
    if found is None:
        return None
    if key in found.items:
        return found.items[key]
    if key in found.unsure:
        return None
    if found.complete:
        return default
    if found.passed:  # the keywords callers pass: the default, unless one passes it
        return as_default(default, f"the default of `{key}` when the caller does not pass it")
    return None


def without(value: Value, key: Any, known_key: bool) -> Value:
    """What the dict holds after `d.pop(key)`."""
    found = dict_items(value)
    if found is None:
        return None
    if not known_key:
        return replace(found, items={}, complete=False, unsure=found.unsure | set(found.items))
    items = {k: v for k, v in found.items.items() if k != key}
    parts = {k: v for k, v in found.parts.items() if k != key}
    shrunk = replace(found, items=items, unsure=found.unsure - {key}, parts=parts)
    return _as_const(shrunk)


def with_item(value: Value, key: Any, new: Value, node: cst.CSTNode, known_key: bool) -> Value:
    """What the dict holds after `d[key] = new`."""
    found = dict_items(value)
    if found is None:
        return None
    if not known_key:
        return replace(found, items={}, complete=False, unsure=found.unsure | set(found.items))
    items = {**found.items, key: _written(new, key, node)}
    shrunk = replace(
        found, items=items, unsure=found.unsure - {key}, parts={**found.parts, key: node}
    )
    return _as_const(shrunk)


def merged(value: Value, other: Value) -> Value:
    """What `d.update(other)` leaves in `d`."""
    built = _Builder()
    built.spread(value)
    built.spread(other)
    return built.value()


def _as_const(found: DictValue) -> Value:
    if (
        found.complete
        and not found.unsure
        and all(isinstance(v, Const) for v in found.items.values())
    ):
        built = _Builder()
        for key, val in found.items.items():
            built.items[key] = val
        return built.value()
    return found


# ---- spreading them into a call -------------------------------------------------------------
# keywords made for spread values, kept while the node that wrote them lives (the memo replays
# the facts that hold them)
_FOR_ELEMENT: NodeCache[cst.DictElement, cst.Arg] = NodeCache(4096)
_FOR_STAR: NodeCache[cst.Arg, cst.Arg] = NodeCache(4096)


def spread_into(collector: Collector, star: cst.Arg, value: Value, kwargs: dict[str, Arg]) -> bool:
    """Add the known items of `value` (the `**x` of a call) to the call's keywords; whether
    every keyword the call gets is then known."""
    found = dict_items(value)
    if found is None:
        return False
    for key, val in found.items.items():
        if not isinstance(key, str) or not key.isidentifier() or key in kwargs:
            continue
        spread = _spread_arg(star, key, _where(val, found, key))
        kwargs[key] = Arg(val, spread.arg)
        collector.facts.spread_args.append(spread)
    return found.complete and not found.unsure


def _spread_arg(star: cst.Arg, key: str, where: cst.CSTNode | None) -> SpreadArg:
    if isinstance(where, cst.Arg) and _keyword_arg(where, key):
        assert where.keyword is not None
        return SpreadArg(where, where, where.keyword, True, star)
    if isinstance(where, cst.DictElement):
        made = _FOR_ELEMENT.get(where, lambda el: _made_arg(key, el.value), key)
        return SpreadArg(made, where, where.key, True, star)
    made = _FOR_STAR.get(star, lambda s: _made_arg(key, s.value), key)
    return SpreadArg(made, where if where is not None else star, None, False, star)


def _made_arg(key: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(value=value, keyword=cst.Name(key), equal=cst.AssignEqual())


# ---- changing them in place --------------------------------------------------------------------
# methods that change a dict, list or set in place (`pop` has its own handling)
MUTATORS = frozenset(
    {
        "update",
        "setdefault",
        "clear",
        "popitem",
        "append",
        "extend",
        "insert",
        "remove",
        "sort",
        "reverse",
        "add",
        "discard",
    }
)


def _receiver_name(call: CallFact) -> str | None:
    func = call.node.func
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
        return func.value.value
    return None


def _literal_collection(value: Value) -> bool:
    return isinstance(value, Const) and isinstance(value.value, (list, set))


def pop(collector: Collector, call: CallFact) -> None:
    """`d.pop(key, default)`: its value, and `d` without the key from here on."""
    name = _receiver_name(call)
    if name is None:
        return
    current = collector.lookup(name)
    if _literal_collection(current):
        collector.bind(name, None)  # `labels.pop()`: no longer the literal
        return
    if dict_items(current) is None or not call.args:
        return
    key = call.args[0].value
    default = call.args[1].value if len(call.args) > 1 else None
    if isinstance(key, Const) and hashable(key.value):
        collector.call_values[id(call.node)] = get_or_default(current, key.value, default)
        collector.bind(name, without(current, key.value, True))
    else:
        collector.bind(name, without(current, None, False))


def mutated(collector: Collector, call: CallFact) -> None:
    """`d.update(...)`, `d.clear()`, `labels.append(x)`: what the name holds from here on."""
    name = _receiver_name(call)
    if name is None:
        return
    current = collector.lookup(name)
    if dict_items(current) is None:
        if _literal_collection(current):
            collector.bind(name, None)
        return
    updated: Value = None
    if call.method == "clear" and not call.args:
        updated = Const({}, members={})
    elif call.method == "update" and len(call.node.args) == 1 and call.args:
        updated = merged(current, call.args[0].value)
    elif call.method == "update" and not call.args and not call.has_star_kwargs:
        updated = merged(current, eval_dict_call(collector, call.node))  # update(k=v, ...)
    collector.bind(name, updated)


def item_written(collector: Collector, target: cst.Subscript, value: Value) -> None:
    """`d[key] = value`: what `d` holds from here on."""
    if not isinstance(target.value, cst.Name):
        return
    name = target.value.value
    current = collector.lookup(name)
    if dict_items(current) is None:
        return
    key = _key(collector, target)
    known = isinstance(key, Const) and hashable(key.value)
    collector.bind(
        name,
        with_item(current, key.value if isinstance(key, Const) else None, value, target, known),
    )


def deleted(collector: Collector, node: cst.Del) -> None:
    """`del d[key]`: the dict without it; `del name`: unbound."""
    target = node.target
    targets = [e.value for e in target.elements] if isinstance(target, cst.Tuple) else [target]
    for item in targets:
        if isinstance(item, cst.Subscript) and isinstance(item.value, cst.Name):
            name = item.value.value
            current = collector.lookup(name)
            if dict_items(current) is None:
                continue
            key = _key(collector, item)
            known = isinstance(key, Const) and hashable(key.value)
            collector.bind(
                name, without(current, key.value if isinstance(key, Const) else None, known)
            )
        elif isinstance(item, cst.Name):
            collector.bind(item.value, None)


def _key(collector: Collector, target: cst.Subscript) -> Value:
    sl = target.slice[0].slice if len(target.slice) == 1 else None
    return collector.eval(sl.value) if isinstance(sl, cst.Index) else None


def namespace(collector: Collector, node: cst.BaseExpression) -> Value:
    """`vars(args)`: the argparse defaults, as overridable values (not every key known)."""
    if not isinstance(node, cst.Name) or collector.eval(node) is not None:
        return None
    defaults = {
        k: v for k, v in collector.facts.cli_defaults.items() if v.origin.startswith("argparse")
    }
    if not defaults:
        return None
    return DictValue(defaults, complete=False, origin="argparse defaults")
