"""Writes to a model's config that the attribute facts do not show as writes: the keys of
`model.config.update({...})` (and `config.update({...})` on a config object), and the names
that misspell a generation parameter; and the edits that move generation parameters off a load
call. Used by HF506 (generation_model_config.py).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import libcst as cst

from hflint.analyzers.facts import Arg, CallFact, Kind, ObjectFact
from hflint.analyzers.findings import Edit, Fix, Position, Range
from hflint.analyzers.knowledge import UNKNOWN, Knowledge
from hflint.analyzers.values import Const, ObjRef, Value
from hflint.rules.context import RuleContext
from hflint.rules.generation_settings import without_args


@dataclass(frozen=True)
class UpdateWrite:
    """One literal key of `<model>.config.update({...})` or `<config>.update({...})`."""

    obj: ObjectFact  # the model whose config is updated, or the config object
    key: str
    value: Value
    node: cst.DictElement  # the `"key": value` element
    call: CallFact
    on_model: bool  # `<model>.config.update(...)` (else a config object's own update)


def update_writes(ctx: RuleContext) -> list[UpdateWrite]:
    """The literal string keys of every `update({...})` on a model's config or a config."""
    return ctx.shared_list(_update_writes)


def _update_writes(ctx: RuleContext) -> list[UpdateWrite]:
    config_reads = {
        id(use.node): use.obj
        for use in ctx.facts.attr_uses
        if not use.is_write and use.path == ("config",) and use.obj.kind is Kind.MODEL
    }
    out: list[UpdateWrite] = []
    for call in ctx.facts.calls_to("update"):
        func = call.node.func
        if not isinstance(func, cst.Attribute) or len(call.args) != 1 or call.kwargs:
            continue
        owner = config_reads.get(id(func.value))
        on_model = owner is not None
        if owner is None and isinstance(call.receiver, ObjRef):
            owner = call.receiver.obj if call.receiver.obj.kind is Kind.CONFIG else None
        mapping = call.args[0].expr
        if owner is None or not isinstance(mapping, cst.Dict):
            continue
        values = call.args[0].value
        known = values.value if isinstance(values, Const) and isinstance(values.value, dict) else {}
        for element in mapping.elements:
            if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
                key = element.key.evaluated_value
                if isinstance(key, str):
                    value = Const(known[key]) if key in known else None
                    out.append(UpdateWrite(owner, key, value, element, call, on_model))
    return out


def misspelled_parameter(kn: Knowledge, name: str, parameters: set[str]) -> str | None:
    """The generation parameter `name` misspells (`num_beans` -> `num_beams`): a close match
    that is not itself a name transformers knows for a config or a model input."""
    if name in parameters or name in kn.config_members or name in kn.model_input_names:
        return None
    close = difflib.get_close_matches(name, sorted(parameters), n=1, cutoff=0.85)
    return close[0] if close else None


def built_class(ctx: RuleContext, kn: Knowledge, obj: ObjectFact) -> str:
    if obj.class_name not in kn.auto_tables:
        return obj.class_name
    ckpt = ctx.checkpoint(obj)
    if ckpt is not None and ckpt.facts.model_type:
        built = kn.resolve(ckpt.facts.model_type, obj.class_name, ckpt.facts.architectures)
        if built not in (None, UNKNOWN):
            return str(built)
    return "<model class>"


def move_after_load(ctx: RuleContext, obj: ObjectFact, args: list[Arg]) -> Fix | None:
    """Drop the keywords and set them on `<name>.generation_config` on the next lines."""
    name = obj.call.target
    if name is None or obj.call.has_star_kwargs:
        return None
    where = ctx.range(obj.node)
    first = ctx.source.line(where.start.line)
    stripped = first.lstrip()
    if not stripped.replace(" ", "").startswith(f"{name}="):
        return None
    last = ctx.source.line(where.end.line)
    rest = last[where.end.column :].strip()
    if rest and not rest.startswith("#"):
        return None
    node = obj.node
    indent = first[: len(first) - len(stripped)]
    lines = "".join(
        f"\n{indent}{name}.generation_config.{a.node.keyword.value} = {ctx.code(a.expr)}"
        for a in args
        if a.node.keyword is not None
    )
    end = Position(where.end.line, len(last))
    return ctx.fix(
        f"Set them on `{name}.generation_config` after the load",
        [
            ctx.rewrite_call(node, without_args(node, [a.node for a in args])),
            Edit(Range(end, end), lines),
        ],
        safe=False,
    )


def unpack_model_kwargs(
    ctx: RuleContext, pipe: ObjectFact, arg: Arg, found: list[str]
) -> Fix | None:
    """Move the generation entries of a literal `model_kwargs={...}` to keywords."""
    mapping = arg.expr
    if not isinstance(mapping, cst.Dict) or pipe.call.has_star_kwargs:
        return None
    moved: list[str] = []
    kept: list[cst.BaseDictElement] = []
    for element in mapping.elements:
        key = element.key if isinstance(element, cst.DictElement) else None
        if (
            isinstance(key, cst.SimpleString)
            and key.evaluated_value in found
            and isinstance(element, cst.DictElement)
        ):
            if key.evaluated_value in pipe.call.kwargs:
                return None  # would repeat a keyword
            moved.append(f"{key.evaluated_value}={ctx.code(element.value)}")
        else:
            kept.append(element)
    node = pipe.node
    args = list(node.args)
    index = next(i for i, a in enumerate(args) if a is arg.node)
    if kept:
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        args[index] = arg.node.with_changes(value=mapping.with_changes(elements=kept))
    else:
        del args[index]
    text = ", ".join(ctx.code(a).strip().rstrip(",") for a in args)
    callee = ctx.code(node.func)
    new = f"{callee}({text}, {', '.join(moved)})" if text else f"{callee}({', '.join(moved)})"
    return ctx.fix(
        "Pass the generation settings to `pipeline()`", [ctx.replace(node, new)], safe=True
    )
