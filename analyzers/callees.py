"""What calls of the module's own code evaluate to: a function's or method's return value, an
instance of a class (a dataclass's fields included), a string method on a constant.

A function's body was collected once, with the values its parameters held then (flow.py). A
call that passes something else cannot use what the body returned: it is unknown there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from hflint.analyzers import flow, mappings
from hflint.analyzers.facts import CallFact, ClassFact, FunctionFact
from hflint.analyzers.values import (
    Const,
    Instance,
    TupleValue,
    Value,
    dict_items,
    same_value,
    written_at,
)

if TYPE_CHECKING:
    from hflint.analyzers.collector import Collector


def returned(collector: Collector, fn: FunctionFact, node: cst.Call, skip: int) -> Value:
    """What a call of a module function returns: what its body returned, every return the
    same, when this call passes what the body's parameters held (`skip`: `self`)."""
    if not fn.returns or not _passes_what_body_saw(collector, fn, node, skip):
        return None
    first = fn.returns[0]
    return first if all(same_value(first, r) for r in fn.returns[1:]) else None


def _passes_what_body_saw(
    collector: Collector, fn: FunctionFact, node: cst.Call, skip: int
) -> bool:
    params = fn.node.params
    positional = [p.name.value for p in [*params.posonly_params, *params.params]][skip:]
    given: dict[str, cst.BaseExpression] = {}
    index = 0
    for arg in node.args:
        if arg.star:
            return all(v is None for v in fn.param_values.values())
        if arg.keyword is not None:
            given[arg.keyword.value] = arg.value
        elif index < len(positional):
            given[positional[index]] = arg.value
            index += 1
    for name, held in fn.param_values.items():
        if held is None:
            continue
        if name in given:
            if not flow.equivalent(collector.eval(given[name]), held):
                return False
        elif not (
            flow.equivalent(fn.param_default(name), held)
            or flow.equivalent(fn.defaults.get(name), held)
        ):
            return False
    return True


def instance(collector: Collector, cls: ClassFact, node: cst.Call) -> Value:
    """`C(...)` for a class of this module; a dataclass's fields are what it is passed (or
    the field's default)."""
    if not cls.is_dataclass or "__init__" in cls.methods or any(a.star for a in node.args):
        return Instance(cls)
    fields: dict[str, Value] = {}
    positional = [a for a in node.args if a.keyword is None]
    for index, arg in enumerate(positional):
        if index < len(cls.fields):
            fields[cls.fields[index]] = collector.eval(arg.value)
    for arg in node.args:
        if arg.keyword is not None:
            fields[arg.keyword.value] = _keyword_value(collector.eval(arg.value), arg)
    for name in cls.fields:
        if name not in fields:
            default = cls.field_defaults.get(name)
            fields[name] = Const(default.value) if default is not None else None
    return Instance(cls, fields)


def _keyword_value(value: Value, arg: cst.Arg) -> Value:
    """A constant passed as `k=v` remembers that argument (spread later, findings go there)."""
    if isinstance(value, Const) and arg.keyword is not None:
        return written_at(value, arg)
    return value


def method_value(collector: Collector, node: cst.Call, method: str) -> Value:
    """`<value>.<method>(...)` on a constant, a dict or an instance of a module class."""
    assert isinstance(node.func, cst.Attribute)
    receiver = node.func.value
    if method not in _VALUE_METHODS and type(receiver) is not cst.Name:
        return None  # only a name can hold an instance of a module class: skip the rest
    recv = collector._eval(receiver)
    if recv is None:
        return None
    if method == "items" and not node.args:
        if isinstance(recv, Const) and isinstance(recv.value, dict):
            return Const(list(recv.value.items()), recv.overridable)
        return None
    if method in ("get", "pop") and node.args and dict_items(recv) is not None:
        key = collector._eval(node.args[0].value)
        default = collector._eval(node.args[1].value) if len(node.args) > 1 else Const(None)
        if isinstance(key, Const) and mappings.hashable(key.value):
            return mappings.get_or_default(recv, key.value, default)
        return None
    if method == "copy" and not node.args and dict_items(recv) is not None:
        return recv
    if isinstance(recv, Const) and isinstance(recv.value, str):
        return _string_method(recv, method, [collector._eval(a.value) for a in node.args])
    if isinstance(recv, Instance):
        fn = recv.cls.functions.get(method)
        if fn is not None and fn.key == f"{recv.cls.name}.{method}":
            return returned(collector, fn, node, 1)
    return None


_STRING_METHODS = frozenset(
    {
        "split",
        "rsplit",
        "replace",
        "lower",
        "upper",
        "strip",
        "lstrip",
        "rstrip",
        "startswith",
        "endswith",
    }
)


_VALUE_METHODS = _STRING_METHODS | {"items", "get", "pop", "copy"}


def _string_method(recv: Const, method: str, args: list[Value]) -> Value:
    """`name.rsplit("/", 1)`, `name.lower()`: string methods with constant arguments."""
    if method not in _STRING_METHODS or not all(isinstance(a, Const) for a in args):
        return None
    values = [a.value for a in args if isinstance(a, Const)]
    try:
        result = getattr(recv.value, method)(*values)
    except (TypeError, ValueError):
        return None
    return Const(result, recv.overridable, recv.origin)


def unpacked(value: Value, count: int) -> list[Value] | None:
    """The items `a, b = value` binds, when `value` has exactly `count` of them."""
    if isinstance(value, TupleValue) and len(value.items) == count:
        return list(value.items)
    if (
        isinstance(value, Const)
        and isinstance(value.value, (tuple, list))
        and len(value.value) == count
    ):
        return [Const(v, value.overridable, value.origin) for v in value.value]
    return None


def changes_arguments(collector: Collector, call: CallFact) -> None:
    """`fix(cfg)` where `fix` changes its parameter in place (`c["k"] = v`, `c.pop(k)`): the
    dict or list `cfg` holds is no longer known after the call."""
    name = call.qualname.split(".", 1)[1] if call.qualname else ""
    fn = collector.facts.functions.get(name)
    if fn is None or not fn.top_level:
        return
    changed = collector.scans.changed_parameters(fn.node)
    if not changed:
        return
    params = fn.node.params
    positional = [p.name.value for p in [*params.posonly_params, *params.params]]
    index = 0
    for arg in call.node.args:
        if arg.star:
            break
        param = arg.keyword.value if arg.keyword is not None else None
        if param is None:
            param = positional[index] if index < len(positional) else None
            index += 1
        value = arg.value
        if param in changed and type(value) is cst.Name:
            held = collector.lookup(value.value)
            if dict_items(held) is not None or (
                isinstance(held, Const) and isinstance(held.value, (list, set))
            ):
                collector.bind(value.value, None)
