"""The calls whose keywords end up in `generate()`: `model.generate(...)`, `GenerationConfig(...)`,
a text-generation `pipeline(...)` and the pipeline's call. What each accepts, and what it sets.

What a name may be is read from the target transformers' sources (Knowledge): the
GenerationConfig fields, generate()'s own parameters, every model class's inputs, the pipeline
classes' signatures. A call is checked only when the classes that will run it are transformers'
own and none of them routes `**kwargs` by name (Bark, SeamlessM4T): a subclass, remote code, a
PEFT wrapper or an unknown class may take anything.
"""

from __future__ import annotations

import difflib
import enum
from dataclasses import dataclass
from typing import Any

import libcst as cst

from hflint.analyzers.facts import Arg, CallFact, Kind, ObjectFact
from hflint.analyzers.knowledge import UNKNOWN, Knowledge, TaskInfo
from hflint.analyzers.values import Const, ObjRef
from hflint.rules.classifier_facts import is_direct, remote_code
from hflint.rules.context import RuleContext
from hflint.rules.generation_facts import (
    generate_calls,
    generation_config_written,
    model_generation_config,
    star_args_are_inputs,
)
from hflint.rules.pipeline_facts import (
    TaskState,
    pipeline_calls,
    task_fate,
    task_of,
    transformers_pipelines,
)

# Names from other libraries, and what transformers calls the same setting. Advice for the
# message only: whether generate() takes a name is read from the sources (Knowledge).
FOREIGN_NAMES: dict[str, tuple[str | None, str]] = {
    "max_tokens": ("max_new_tokens", "the OpenAI / vLLM name of `max_new_tokens`"),
    "max_seq_length": (
        None,
        "a loading option of Unsloth and TRL (the longest input), not a generation setting; "
        "`max_new_tokens` bounds the output",
    ),
    "max_seq_len": (None, "a loading or training option, not a generation setting"),
    "n": ("num_return_sequences", "the OpenAI name of `num_return_sequences`"),
    "stop": ("stop_strings", "the OpenAI name of `stop_strings` (which needs `tokenizer=`)"),
    "seed": (None, "not a generation setting: call `transformers.set_seed()` before generating"),
}


class Site(enum.Enum):
    GENERATE = "generate"  # model.generate(...)
    CONFIG = "config"  # GenerationConfig(...)
    PIPELINE = "pipeline"  # pipeline("text-generation", ...)
    PIPELINE_CALL = "pipeline call"  # pipe(prompt, ...)


@dataclass(frozen=True)
class GenerationCall:
    """A call whose keywords reach generate() (or build its GenerationConfig)."""

    site: Site
    call: CallFact
    model: ObjectFact | None = None  # generate()'s receiver; a pipeline's `model=` object
    pipeline: ObjectFact | None = None  # the pipeline built or called
    info: TaskInfo | None = None  # the pipeline's task

    @property
    def node(self) -> cst.Call:
        return self.call.node

    @property
    def shown(self) -> str:
        if self.site is Site.GENERATE:
            return "`generate()`"
        if self.site is Site.CONFIG:
            return "`GenerationConfig(...)`"
        task = self.info.task if self.info is not None else "text-generation"
        if self.site is Site.PIPELINE:
            return f'`pipeline("{task}")`'
        return f"the `{task}` pipeline's call"

    def kw(self, name: str) -> Arg | None:
        """The keyword as this call, or for a pipeline's call the pipeline's build, gives it
        (a call's own keyword wins, the way the pipeline merges them)."""
        arg = self.call.kw(name)
        if arg is None and self.site is Site.PIPELINE_CALL and self.pipeline is not None:
            arg = self.pipeline.kw(name)
        return arg

    def value(self, name: str) -> Any:
        """The keyword's constant value; None when absent or not a constant."""
        arg = self.kw(name)
        return arg.value.value if arg is not None and isinstance(arg.value, Const) else None

    def unseen(self, ctx: RuleContext) -> bool:
        """Settings may come from where the keywords do not show: `**kwargs` that are not a
        model-input batch, a `generation_config=` (or generate()'s second positional)."""
        calls = [self.call]
        if self.site is Site.PIPELINE_CALL and self.pipeline is not None:
            calls.append(self.pipeline.call)
        for call in calls:
            if "generation_config" in call.kwargs:
                return True
            if call.has_star_kwargs and not (
                self.site is Site.GENERATE and _stars_are_inputs(ctx, call)
            ):
                return True
        return self.site is Site.GENERATE and len(self.call.args) > 1


def _stars_are_inputs(ctx: RuleContext, call: CallFact) -> bool:
    gen = next((g for g in generate_calls(ctx) if g.call is call), None)
    return gen is not None and star_args_are_inputs(ctx, gen)


# ---- finding the calls -------------------------------------------------------------------------
def generation_calls(ctx: RuleContext) -> list[GenerationCall]:
    """Every call of the four kinds the facts track, in source order per kind."""
    return ctx.shared(_generation_calls)


def _generation_calls(ctx: RuleContext) -> list[GenerationCall]:
    found = [GenerationCall(Site.GENERATE, g.call, model=g.model) for g in generate_calls(ctx)]
    found += [
        GenerationCall(Site.CONFIG, obj.call)
        for obj in ctx.objects(Kind.GENERATION_CONFIG)
        if obj.method is None and is_direct(obj) and obj.user_class is None
    ]
    pipes = generation_pipelines(ctx)
    for obj, info in pipes.values():
        found.append(GenerationCall(Site.PIPELINE, obj.call, _model_object(obj), obj, info))
    for call, receiver in pipeline_calls(ctx) if pipes else ():
        if id(receiver) in pipes:
            info = pipes[id(receiver)][1]
            found.append(
                GenerationCall(Site.PIPELINE_CALL, call, _model_object(receiver), receiver, info)
            )
    return found


def _model_object(pipe: ObjectFact) -> ObjectFact | None:
    model = pipe.call.arg(1, "model")
    return model.value.obj if model is not None and isinstance(model.value, ObjRef) else None


def generation_pipelines(ctx: RuleContext) -> dict[int, tuple[ObjectFact, TaskInfo]]:
    """transformers' pipelines of a constant task whose class hands the keywords it does not
    name to generate() (`_sanitize_parameters(..., **generate_kwargs)`) and whose models all
    generate (text-generation; not speech recognition, where CTC models ignore them)."""
    return ctx.shared(_generation_pipelines)


def _generation_pipelines(ctx: RuleContext) -> dict[int, tuple[ObjectFact, TaskInfo]]:
    kn = ctx.target_knowledge
    out: dict[int, tuple[ObjectFact, TaskInfo]] = {}
    for obj in transformers_pipelines(ctx):
        task = task_of(obj)
        if task is None or obj.kw("pipeline_class") is not None or remote_code(obj):
            continue
        fate = task_fate(kn, task.name)
        info = kn.tasks.get(fate.resolved)
        if fate.state not in (TaskState.SUPPORTED, TaskState.ALIAS) or info is None:
            continue
        signature = kn.pipeline_signatures.get(info.impl, {})
        if signature.get("rest") != ["generate_kwargs"] or not info.auto_classes:
            continue
        if all(_table(kn, auto) <= kn.generative_classes for auto in info.auto_classes):
            out[id(obj)] = (obj, info)
    return out


def _table(kn: Knowledge, auto: str) -> set[str]:
    """The model classes an Auto class builds (empty for an unknown one)."""
    out: set[str] = set()
    for value in kn.auto_tables.get(auto, {}).values():
        out.update((value,) if isinstance(value, str) else value)
    return out or {"?"}


# ---- which classes run it ----------------------------------------------------------------------
def model_classes(ctx: RuleContext, model: ObjectFact) -> frozenset[str] | None:
    """The transformers classes `model` may be; None when it may run code of its own (a
    subclass, remote code, a PEFT wrapper, a class the target does not know)."""
    kn = ctx.target_knowledge
    if (
        model.kind is not Kind.MODEL
        or model.base is not None
        or model.user_class is not None
        or not model.qualname.startswith("transformers.")
        or remote_code(model)
    ):
        return None
    name = model.class_name
    if name in kn.auto_tables:
        ckpt = ctx.checkpoint(model)
        if ckpt is None or not ckpt.facts.model_type:
            return frozenset(_table(kn, name))  # any of the table's classes
        built = kn.resolve(ckpt.facts.model_type, name, ckpt.facts.architectures)
        return frozenset({built}) if built not in (None, UNKNOWN) else None
    return frozenset({name}) if name in kn.generative_classes else None


def pipeline_classes(ctx: RuleContext, gen: GenerationCall) -> frozenset[str] | None:
    """The model classes a generation pipeline runs: its `model=` object's, or what the
    task's Auto classes build for the checkpoint (any of their classes when it is unknown)."""
    kn = ctx.target_knowledge
    if gen.pipeline is None or gen.info is None:
        return None
    if gen.model is not None:
        return model_classes(ctx, gen.model)
    model = gen.pipeline.call.arg(1, "model")
    if model is not None and model.value is not None and not isinstance(model.value, Const):
        return None  # a model object the facts do not know
    ckpt = ctx.checkpoint(gen.pipeline)
    if ckpt is None or not ckpt.facts.model_type:
        return frozenset(c for auto in gen.info.auto_classes for c in _table(kn, auto))
    if ckpt.facts.auto_map:
        return None
    built = [
        kn.resolve(ckpt.facts.model_type, auto, ckpt.facts.architectures)
        for auto in gen.info.auto_classes
    ]
    found = next((b for b in built if b is not None), None)
    if found is None:  # the pipeline falls back to `architectures`
        found = ckpt.facts.architectures[0] if ckpt.facts.architectures else None
    return frozenset({found}) if found not in (None, UNKNOWN) else None


def runs_on(ctx: RuleContext, gen: GenerationCall) -> frozenset[str] | None:
    """The model classes whose generate() gets this call's keywords; None when unknown or
    when one of them routes `**kwargs` by name."""
    if gen.site is Site.GENERATE:
        classes = model_classes(ctx, gen.model) if gen.model is not None else None
    else:
        classes = pipeline_classes(ctx, gen)
    if classes is None or classes & ctx.target_knowledge.open_generate_classes:
        return None
    return classes


# ---- names ------------------------------------------------------------------------------------
def accepts(kn: Knowledge, gen: GenerationCall, name: str) -> bool:
    """Whether the call takes `name` without generate() rejecting it."""
    if kn.generate_takes(name):
        return True
    if gen.site in (Site.GENERATE, Site.CONFIG) or gen.info is None:
        return False
    signature = kn.pipeline_signatures.get(gen.info.impl, {})
    if gen.site is Site.PIPELINE:
        named = {*kn.pipeline_params, *signature.get("init", ()), *signature.get("sanitize", ())}
    else:
        named = {*signature.get("call", ()), *signature.get("sanitize", ())}
    return name in named


def suggestion(kn: Knowledge, gen: GenerationCall, name: str) -> tuple[str | None, str]:
    """(the name meant, why) for an unknown keyword: a foreign library's name, or a close
    spelling of a generation setting; (None, "") when nothing is close."""
    if name in FOREIGN_NAMES:
        meant, why = FOREIGN_NAMES[name]
        return (meant if meant is None or kn.generate_takes(meant) else None), why
    pool = sorted(kn.generation_names)
    if gen.info is not None and gen.site is not Site.CONFIG:
        signature = kn.pipeline_signatures.get(gen.info.impl, {})
        pool += signature.get("sanitize", [])
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.8)
    return (close[0], "") if close else (None, "")


# ---- sampling ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sampling:
    on: bool | None  # None: decided where the code does not show
    because: str
    assumed: str = ""


def sampling(ctx: RuleContext, gen: GenerationCall) -> Sampling:
    """Whether generation samples: `do_sample` as given, else the pipeline's own default,
    else the model's generation config (GenerationConfig(...) alone: not yet known)."""
    arg = gen.kw("do_sample")
    if arg is not None:
        value = arg.value.value if isinstance(arg.value, Const) else None
        if not isinstance(value, bool):
            return Sampling(None, "`do_sample` is decided at run time")
        origin = arg.value.origin if isinstance(arg.value, Const) and arg.value.overridable else ""
        return Sampling(value, f"`do_sample={value}` is passed", origin)
    if gen.unseen(ctx) or gen.site is Site.CONFIG:
        return Sampling(None, "`do_sample` may be set where this call does not show")
    if gen.site in (Site.PIPELINE, Site.PIPELINE_CALL) and gen.info is not None:
        defaults = ctx.target_knowledge.pipeline_generation_defaults.get(gen.info.impl, {})
        if defaults.get("do_sample") is True:
            return Sampling(
                True,
                f"the `{gen.info.task}` pipeline samples unless it is given `do_sample=False` "
                f"(its default generation config: {_shown_dict(defaults)})",
            )
        return Sampling(None, "the model's generation config decides")
    if gen.model is None or generation_config_written(ctx, "do_sample"):
        return Sampling(None, "the model's generation config decides")
    defaults_of_model = model_generation_config(ctx, gen.model)
    if defaults_of_model is None:
        return Sampling(None, "the model's generation config decides, and it is not known here")
    on = defaults_of_model.values.get("do_sample") is True
    said = "sets `do_sample: true`" if on else "does not turn sampling on"
    return Sampling(
        on,
        f"the model's generation config {said} ({defaults_of_model.where})",
        defaults_of_model.assumed,
    )


def _shown_dict(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in sorted(values.items()))


def overridable(*args: Arg | None) -> str:
    """What was assumed for a value read from an argparse/dataclass default, or ""."""
    for arg in args:
        if arg is not None and isinstance(arg.value, Const) and arg.value.overridable:
            return arg.value.origin or "a default the command line can change"
    return ""
