"""What the file's preprocessing does to `labels`, asked in terms of the facts: which labels
it writes, which tokenizer call a name holds, whether that call pads, which functions `.map()`
runs. The syntax is read by analyzers/label_sources.py; this module adds what the facts know.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from hflint.analyzers.facts import CallFact, Kind
from hflint.analyzers.label_sources import KeyWrite, input_ids_of, key_writes, label_statements
from hflint.analyzers.values import Const, ObjRef
from hflint.rules.context import RuleContext

# `.map()`-like calls of datasets that run a function over the examples
_MAPPERS = frozenset({"map", "with_transform", "set_transform"})
NO_PADDING, FIXED, LONGEST, UNKNOWN = "none", "max_length", "longest", "unknown"


def label_writes(ctx: RuleContext) -> list[KeyWrite]:
    """Where the file writes a `labels` column, in source order."""
    return ctx.shared_list(_label_writes)


def _label_writes(ctx: RuleContext) -> Iterator[KeyWrite]:
    for stmt in label_statements(ctx.facts):
        for write in key_writes(stmt):
            if write.key == "labels":
                yield write


def bound_call(ctx: RuleContext, fn: cst.FunctionDef | None, name: str) -> CallFact | None:
    """The one call whose result `name` is bound to in the function `fn` (the module when
    None); None when there is none or more than one."""
    found = [
        call
        for call in ctx.facts.calls_assigned_to(name)
        if (call.function.node if call.function is not None else None) is fn
    ]
    return found[0] if len(found) == 1 else None


def is_tokenizer_call(call: CallFact) -> bool:
    """`tokenizer(...)`, `processor(...)`, `processor.tokenizer(...)`."""
    recv = call.receiver.obj if isinstance(call.receiver, ObjRef) else None
    if recv is None:
        return False
    if call.method == "__call__":
        return recv.kind in (Kind.TOKENIZER, Kind.PROCESSOR)
    return call.method == "tokenizer" and recv.kind is Kind.PROCESSOR


def padding(call: CallFact) -> str:
    """How a tokenizer call pads: NO_PADDING, FIXED (`"max_length"`), LONGEST (`True`,
    `"longest"`), or UNKNOWN (a value decided elsewhere)."""
    if call.has_star_kwargs:
        return UNKNOWN
    arg = call.kw("padding")
    if arg is None:
        legacy = call.kw("pad_to_max_length")
        if legacy is None:
            return NO_PADDING
        arg = legacy
        if isinstance(arg.value, Const) and arg.value.value is True:
            return FIXED
    if not isinstance(arg.value, Const):
        return UNKNOWN
    value = arg.value.value
    if value in (False, None, "do_not_pad"):
        return NO_PADDING
    if value == "max_length":
        return FIXED
    if value in (True, "longest"):
        return LONGEST
    return UNKNOWN


def pads_anywhere(ctx: RuleContext) -> bool:
    """Some call in the file may pad (`padding=` other than off, `pad_to_max_length=`)."""
    for call in ctx.facts.calls:
        for name in ("padding", "pad_to_max_length"):
            arg = call.kwargs.get(name)
            if arg is not None and not (
                isinstance(arg.value, Const) and arg.value.value in (False, "do_not_pad")
            ):
                return True
    return False


def mapper_calls(ctx: RuleContext, fn: cst.FunctionDef | None) -> list[CallFact]:
    """The `.map(fn, ...)` / `.with_transform(fn)` calls that run `fn` over a dataset."""
    if fn is None:
        return []
    name = fn.name.value
    out = []
    for method in _MAPPERS:
        for call in ctx.facts.calls_to(method):
            first = call.arg(0, "function") if method == "map" else call.arg(0, "transform")
            if first is not None and isinstance(first.expr, cst.Name) and first.expr.value == name:
                out.append(call)
    return out


def batched(call: CallFact) -> bool | None:
    arg = call.kw("batched")
    if arg is None:
        return False if not call.has_star_kwargs else None
    return bool(arg.value.value) if isinstance(arg.value, Const) else None


def tokenizer_source(ctx: RuleContext, write: KeyWrite) -> tuple[CallFact, str] | None:
    """The tokenizer call whose `input_ids` a label write copies (`enc["labels"] =
    enc["input_ids"].copy()`, `"labels": targets["input_ids"]`), and the name holding it."""
    if write.value is None:
        return None
    names = set(input_ids_of(write.value))
    if len(names) != 1:
        return None
    name = names.pop()
    call = bound_call(ctx, write.function, name)
    if call is None or not is_tokenizer_call(call):
        return None
    return call, name
