"""What HF951 asks of a load with `trust_remote_code=True`: which Auto classes it goes
through, whether the checkpoint's `auto_map` replaces a class transformers builds itself, and
where a finding about a keyword spread in from elsewhere goes."""

from __future__ import annotations

from typing import Any

import libcst as cst

from hflint.analyzers.facts import Arg, Kind, ObjectFact
from hflint.analyzers.knowledge import UNKNOWN
from hflint.analyzers.values import const_str
from hflint.rules.context import Checkpoint, RuleContext
from hflint.rules.wrong_auto_class import candidates


def in_call(obj: ObjectFact, arg: Arg) -> bool:
    """The argument is written in the load call itself (not spread into it from a dict)."""
    return any(a is arg.node for a in obj.node.args)


def finding_at(obj: ObjectFact, arg: Arg) -> cst.CSTNode:
    """Where a finding about `arg` goes: the argument when the call spells it, else the load
    call (a value spread in through `**kwargs` is written elsewhere, often far away)."""
    return arg.node if in_call(obj, arg) else obj.node.func


def callee(call: Any) -> str:
    qual = call.qualname or ""
    return qual.rsplit(".", 1)[-1] + "()" if qual else "the download"


def auto_classes_for(ctx: RuleContext, obj: ObjectFact) -> list[str]:
    """The Auto classes a load goes through: its own, or a pipeline task's."""
    kn = ctx.knowledge
    if obj.kind is Kind.PIPELINE:
        task_arg = obj.call.arg(0, "task")
        task = const_str(task_arg.value) if task_arg is not None else None
        info = kn.tasks.get(kn.task_aliases.get(task, task)) if task else None
        return list(info.auto_classes) if info is not None else []
    if obj.class_name in kn.auto_tables or obj.class_name == "AutoConfig":
        return [obj.class_name]
    return []


def builtin_overridden(
    ctx: RuleContext, obj: ObjectFact, ckpt: Checkpoint
) -> tuple[str, str] | None:
    """(Auto class, built-in class) when the config's `auto_map` names code for an Auto class
    that the installed transformers also builds for this model type: with the flag the
    repository's code is used (auto_factory: `has_remote_code and trust_remote_code`), without
    it the built-in class is."""
    kn = ctx.knowledge
    facts = ckpt.facts
    model_type = facts.model_type or ""
    if not facts.auto_map or model_type not in kn.config_mapping:
        return None
    for auto in auto_classes_for(ctx, obj):
        if auto not in facts.auto_map:
            continue
        if auto == "AutoConfig":
            return auto, kn.config_mapping[model_type]
        built = kn.resolve(model_type, auto, facts.architectures)
        if built not in (None, UNKNOWN):
            return auto, built
    return None


def builtin_note(ctx: RuleContext, ckpt: Checkpoint, builtin: tuple[str, str]) -> str:
    auto, built = builtin
    return (
        f"its config's `auto_map` sends `{auto}` to `{ckpt.facts.auto_map[auto]}`, but "
        f"transformers {ctx.knowledge.version} builds model type `{ckpt.facts.model_type}` "
        f"itself (`{built}`), and without the flag it does. Drop `trust_remote_code=True`."
    )


def native_classes(ctx: RuleContext, ckpt: Checkpoint) -> str:
    """A note that transformers builds this model type itself, and with which Auto classes."""
    kn = ctx.knowledge
    model_type = ckpt.facts.model_type or ""
    if model_type not in kn.config_mapping:
        return ""
    accepting = [a for a in candidates(ctx, ckpt) if a != "AutoModel"]
    if not accepting:
        return ""
    return (
        f"transformers {kn.version} has its own implementation of model type `{model_type}` "
        f"(`{accepting[0]}`); check whether this checkpoint loads with it, without remote code."
    )
