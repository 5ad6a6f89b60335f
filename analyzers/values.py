"""Abstract values the collector tracks: constants, objects made by transformers calls, or unknown.

A constant read from an argparse/dataclass default, or a function parameter's default, is
`overridable`: the command line or a caller can change it, so rules that rest on it lower their
severity and say what they assumed.

A value that travelled from where it was written (a dict literal's item, a keyword argument of
a constructor) keeps that place in `where`: when it becomes a keyword argument of a call through
`**kwargs`, findings about it point there. Dicts whose items are not all constants, tuples of
objects and instances of the module's own classes have values of their own; a rule that only
knows `Const` and `ObjRef` sees them as unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import libcst as cst

    from hflint.analyzers.facts import CallFact, ClassFact, ObjectFact


@dataclass(frozen=True)
class Const:
    value: Any
    overridable: bool = False
    origin: str = ""  # e.g. "argparse default of --model_name"
    # where the value was written when it came from elsewhere: a dict literal's element, the
    # keyword argument of a constructor (compared by the memo, not by ==)
    where: cst.CSTNode | None = field(default=None, compare=False, repr=False)
    # a dict's items as values (each with its `where`), when the dict was written in this module
    members: Mapping[Any, Value] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ObjRef:
    obj: ObjectFact


@dataclass(frozen=True)
class ClassRef:
    """A name bound to a class or function (e.g. `cls = AutoModelForCausalLM`)."""

    qualname: str


@dataclass(frozen=True)
class Instance:
    """An instance of a class defined in this module (`self` in its methods, `C(...)`).

    `fields`: a dataclass instance's field values (passed, or the field's default)."""

    cls: ClassFact
    fields: Mapping[str, Value] | None = None


@dataclass(frozen=True)
class DictValue:
    """A dict some of whose items are known: `{**defaults, "x": 1}`, `{"model": model}`,
    the `**kwargs` a function's callers pass, `vars(args)`.

    `complete`: no key is missing from `items` (nothing unknown was spread into it).
    `unsure`: keys that may be present with a value not known.
    `passed`: the keywords callers pass (`**kwargs`): a key they never pass takes the default
    of `kwargs.pop(key, default)`, as an overridable default."""

    items: Mapping[Any, Value]
    complete: bool = False
    unsure: frozenset[Any] = frozenset()
    passed: bool = False
    origin: str = ""
    # key -> the node that wrote the item (a dict literal's element, a `k=v` argument)
    parts: Mapping[Any, cst.CSTNode] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class TupleValue:
    """A tuple some of whose items are not constants: `return pipe, batch_size`."""

    items: tuple[Value, ...]


Value = Const | ObjRef | ClassRef | Instance | DictValue | TupleValue | None


@dataclass(frozen=True)
class Result:
    """What a name holds after `inputs = tok(text).to(device)` when nothing else is known:
    the result of these calls (outermost first). Only the collector's scopes hold it, so that
    a later read knows which assignment reaches it (`CallFact.inputs`); reading the name
    gives rules an unknown value."""

    calls: tuple[CallFact, ...]


def const_str(value: Value) -> str | None:
    if isinstance(value, Const) and isinstance(value.value, str):
        return value.value
    return None


def const_value(value: Value, default: Any = None) -> Any:
    return value.value if isinstance(value, Const) else default


def obj_of(value: Value) -> ObjectFact | None:
    return value.obj if isinstance(value, ObjRef) else None


def written_at(value: Const, node: cst.CSTNode | None) -> Const:
    """The constant, remembering where it was written (`dataclasses.replace`, only faster)."""
    return Const(value.value, value.overridable, value.origin, node, value.members)


def as_default(value: Value, origin: str) -> Value:
    """`value` as a default someone else can override (a parameter's, `kwargs.pop`'s)."""
    if isinstance(value, Const):
        if value.overridable:
            return value
        members = value.members
        if members is not None:
            members = {k: as_default(v, origin) for k, v in members.items()}
        return Const(value.value, True, origin, value.where, members)
    if isinstance(value, DictValue):
        items = {k: as_default(v, origin) for k, v in value.items.items()}
        return replace(value, items=items, origin=value.origin or origin)
    if isinstance(value, TupleValue):
        return TupleValue(tuple(as_default(v, origin) for v in value.items))
    return value


def dict_items(value: Value) -> DictValue | None:
    """A dict value's items as a DictValue (a constant dict is a complete one)."""
    if isinstance(value, DictValue):
        return value
    if isinstance(value, Const) and isinstance(value.value, dict):
        members = value.members
        if members is None:
            members = {k: Const(v, value.overridable, value.origin) for k, v in value.value.items()}
        parts = {k: v.where for k, v in members.items() if isinstance(v, Const) and v.where}
        return DictValue(members, complete=True, origin=value.origin, parts=parts)
    return None


def same_value(a: Value, b: Value) -> bool:
    """Two values that are the same for every rule: equal constants written at the same place,
    the same object, the same class."""
    if a is b:
        return True
    kind = type(a)
    if kind is not type(b):
        return False
    if isinstance(a, Const):
        assert isinstance(b, Const)
        if a != b or a.where is not b.where:
            return False
        if a.members is None or b.members is None:
            return a.members is b.members
        return a.members.keys() == b.members.keys() and all(
            same_value(v, b.members[k]) for k, v in a.members.items()
        )
    if isinstance(a, ObjRef):
        assert isinstance(b, ObjRef)
        return a.obj is b.obj
    if isinstance(a, Instance):
        assert isinstance(b, Instance)
        if a.cls is not b.cls:
            return False
        if a.fields is None or b.fields is None:
            return a.fields is b.fields
        return _same_mapping(a.fields, b.fields)
    if isinstance(a, DictValue):
        assert isinstance(b, DictValue)
        return (
            (a.complete, a.unsure, a.passed, a.origin) == (b.complete, b.unsure, b.passed, b.origin)
            and _same_mapping(a.items, b.items)
            and a.parts.keys() == b.parts.keys()
            and all(node is b.parts[k] for k, node in a.parts.items())
        )
    if isinstance(a, TupleValue):
        assert isinstance(b, TupleValue)
        return len(a.items) == len(b.items) and all(
            same_value(x, y) for x, y in zip(a.items, b.items, strict=True)
        )
    return a == b


def _same_mapping(a: Mapping[Any, Value], b: Mapping[Any, Value]) -> bool:
    return a.keys() == b.keys() and all(same_value(v, b[k]) for k, v in a.items())
