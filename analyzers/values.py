"""Abstract values the collector tracks: constants, objects made by transformers calls, or unknown.

A constant read from an argparse/dataclass default is `overridable`: the command line can change
it, so rules that rest on it lower their severity and say what they assumed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hflint.analyzers.facts import ObjectFact


@dataclass(frozen=True)
class Const:
    value: Any
    overridable: bool = False
    origin: str = ""  # e.g. "argparse default of --model_name"


@dataclass(frozen=True)
class ObjRef:
    obj: ObjectFact


@dataclass(frozen=True)
class ClassRef:
    """A name bound to a class or function (e.g. `cls = AutoModelForCausalLM`)."""

    qualname: str


Value = Const | ObjRef | ClassRef | None


def const_str(value: Value) -> str | None:
    if isinstance(value, Const) and isinstance(value.value, str):
        return value.value
    return None


def const_value(value: Value, default: Any = None) -> Any:
    return value.value if isinstance(value, Const) else default


def obj_of(value: Value) -> ObjectFact | None:
    return value.obj if isinstance(value, ObjRef) else None
