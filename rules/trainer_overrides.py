"""Family C, trainer subclasses: overrides that cannot take what the training loop passes.

`Trainer` calls its own methods with arguments that changed between releases: since 4.46
`training_step` calls `self.compute_loss(model, inputs, num_items_in_batch=...)` and the loop
calls `self.training_step(model, inputs, num_items_in_batch)`; since 4.47 `self.log(logs,
start_time)`. An override written against the old signature fails with a `TypeError` on the
first step. The calls are read from the installed transformers (analyzers/trainer_calls.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import libcst as cst

from hflint.analyzers.facts import ClassFact
from hflint.analyzers.findings import Finding, Fix, Related, Severity
from hflint.analyzers.trainer_calls import (
    SelfCall,
    TrainerSources,
    calls_into,
    signature_of,
    trainer_sources,
)
from hflint.rules.base import Example, Rule
from hflint.rules.context import RuleContext
from hflint.rules.trainer_facts import TRANSFORMERS_TRAINERS, class_lineage


def _package() -> Path | None:
    """The project's transformers (looked up each time: the editor may switch interpreters;
    trainer_sources caches what it reads per package folder)."""
    from hflint.analyzers.knowledge_extract import find_transformers

    return find_transformers()


def _sources(ctx: RuleContext) -> TrainerSources | None:
    """The installed trainer's calls, when the installed transformers is the one the project
    targets (a pinned older release calls its methods its own way)."""
    if not ctx.knowledge.version or ctx.target.version != ctx.knowledge.version:
        return None
    package = _package()
    return trainer_sources(package) if package is not None else None


# Methods every training or evaluation run calls, from the loop itself: an override that
# cannot take the call fails on the first step (or the first log / evaluation). Other methods
# are called with extra arguments only on some paths (`self.create_optimizer(model)` under
# FSDP or DeepSpeed), where an older signature is still fine for most runs.
CHECKED = frozenset({"compute_loss", "training_step", "prediction_step", "log"})


def _methods(cls: ClassFact) -> Iterator[cst.FunctionDef]:
    body = cls.node.body
    if not isinstance(body, cst.IndentedBlock):
        return
    for stmt in body.body:
        if (
            isinstance(stmt, cst.FunctionDef)
            and stmt.asynchronous is None
            and stmt.name.value in CHECKED
        ):
            names = {
                d.decorator.value for d in stmt.decorators if isinstance(d.decorator, cst.Name)
            }
            if not names & {"staticmethod", "classmethod", "property"}:
                yield stmt


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def mismatch(fn: cst.FunctionDef, qualname: str, call: SelfCall) -> tuple[str, list[str]] | None:
    """The `TypeError` Python raises when `call` reaches `fn`, and the positional-or-keyword
    parameters `fn` lacks for it; None when the call binds."""
    p = fn.params
    every = [*p.posonly_params, *p.params]
    if not every:
        return None  # no `self`: not a method we understand
    posonly = {x.name.value for x in p.posonly_params[1:]}
    params = every[1:]
    names = [x.name.value for x in params]
    has_var = isinstance(p.star_arg, cst.Param)
    has_varkw = p.star_kwarg is not None
    kwonly = {x.name.value: x.default is not None for x in p.kwonly_params}
    lacking: list[str] = []
    if call.positional > len(names) and not has_var:
        error = (
            f"{qualname}() takes {_plural(len(names) + 1, 'positional argument')} but "
            f"{call.positional + 1} were given"
        )
        return error, ["?"] * (call.positional - len(names))
    bound = set(names[: call.positional])
    for key in call.keywords:
        if key in bound:
            return f"{qualname}() got multiple values for argument '{key}'", []
        if (key in names and key not in posonly) or key in kwonly:
            bound.add(key)
        elif not has_varkw:
            lacking.append(key)
    if lacking:
        return f"{qualname}() got an unexpected keyword argument '{lacking[0]}'", lacking
    missing = [x.name.value for x in params if x.default is None and x.name.value not in bound]
    if has_var:
        missing = [m for m in missing if names.index(m) >= call.positional]
    kw_missing = [k for k, has_default in kwonly.items() if not has_default and k not in bound]
    if missing:
        shown = " and ".join(f"'{m}'" for m in missing)
        return (
            f"{qualname}() missing {len(missing)} required positional "
            f"{'argument' if len(missing) == 1 else 'arguments'}: {shown}",
            [],
        )
    if kw_missing:
        shown = " and ".join(f"'{m}'" for m in kw_missing)
        return (
            f"{qualname}() missing {len(kw_missing)} required keyword-only "
            f"{'argument' if len(kw_missing) == 1 else 'arguments'}: {shown}",
            [],
        )
    return None


class TrainerOverrideSignature(Rule):
    code = "HF311"
    name = "trainer-override-signature"
    severity = Severity.ERROR
    summary = "A Trainer subclass overrides a method with a signature the training loop cannot call"
    what = (
        "Checks the `compute_loss`, `training_step`, `prediction_step` and `log` a `Trainer` / "
        "`Seq2SeqTrainer` subclass of this file defines against every call the installed "
        "transformers' own trainer code makes to them (read from its `trainer.py` and "
        "`trainer_seq2seq.py`): too many positional arguments, a keyword the override does not "
        "take, or a required parameter the call does not pass. These four are called on every "
        "run; other methods get extra arguments only on some paths (`create_optimizer(model)` "
        "under FSDP or DeepSpeed) and are not checked.\n\n"
        "Calls made from a trainer method the subclass also overrides are left out (they no "
        "longer run), and so are projects that target another transformers release than the "
        "installed one."
    )
    why = (
        "The training and evaluation loops call these methods themselves. Since 4.46 "
        "`training_step` calls `self.compute_loss(model, inputs, "
        "num_items_in_batch=num_items_in_batch)` and the loop calls `self.training_step(model, "
        "inputs, num_items_in_batch)`; since 4.47 logging calls `self.log(logs, start_time)`. "
        "An override with the older signature fails on the first step (observed with "
        "transformers 5.23.0):\n\n"
        "    TypeError: MarginTrainer.compute_loss() got an unexpected keyword argument "
        "'num_items_in_batch'"
    )
    example = """
class MarginTrainer(Trainer):
    def compute_loss(self, model, inputs, return_outputs=False):
        ...
"""
    use_instead = """
class MarginTrainer(Trainer):
    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        ...
"""
    fix_safety = (
        "Safe: the fix adds the missing parameters with a default of `None` at the end of the "
        "positional parameters, so every call that worked still binds the same way. The body "
        "does not use them: with `num_items_in_batch` ignored the loss is averaged per batch, "
        "as before 4.46 (pass it on to the model's loss to average over the whole gradient "
        "accumulation). No fix when the override takes `*args`."
    )
    references = (
        "https://huggingface.co/docs/transformers/main_classes/trainer#transformers.Trainer.compute_loss",
        "https://github.com/huggingface/transformers/pull/34198 (num_items_in_batch)",
        "transformers/trainer.py (Trainer.training_step, Trainer._maybe_log_save_evaluate)",
    )
    triggers = (
        Example(
            """from transformers import Trainer


class MarginTrainer(Trainer):
    def compute_loss(self, model, inputs, return_outputs=False):
        loss = model(**inputs).loss
        return (loss, None) if return_outputs else loss
""",
            note="the pre-4.46 signature",
            fixed="""from transformers import Trainer


class MarginTrainer(Trainer):
    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        loss = model(**inputs).loss
        return (loss, None) if return_outputs else loss
""",
        ),
        Example(
            """import transformers


class Base(transformers.Seq2SeqTrainer):
    pass


class MyTrainer(Base):
    def training_step(self, model, inputs):
        return super().training_step(model, inputs)
""",
            note="through an intermediate class; too many positional arguments",
            fixed="""import transformers


class Base(transformers.Seq2SeqTrainer):
    pass


class MyTrainer(Base):
    def training_step(self, model, inputs, num_items_in_batch=None):
        return super().training_step(model, inputs)
""",
        ),
        Example(
            """from transformers import Trainer


class LoggingTrainer(Trainer):
    def log(self, logs):
        logs["lr"] = self.optimizer.param_groups[0]["lr"]
        super().log(logs)
""",
            note="log() without start_time (4.47)",
        ),
    )
    near_misses = (
        Example(
            """from transformers import Trainer


class WeightedTrainer(Trainer):
    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        return model(**inputs).loss
"""
        ),
        Example(
            """from transformers import Trainer


class FlexibleTrainer(Trainer):
    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
        return model(**inputs).loss

    def log(self, logs, *args):
        super().log(logs, *args)
""",
            note="**kwargs and *args take what comes",
        ),
        Example(
            """from transformers import Trainer


class OwnLoop(Trainer):
    def training_step(self, model, inputs, num_items_in_batch=None):
        return self.compute_loss(model, inputs)

    def prediction_step(self, model, inputs, prediction_loss_only, ignore_keys=None):
        return (self.compute_loss(model, inputs), None, None)

    def compute_loss(self, model, inputs, return_outputs=False):
        return model(**inputs).loss
""",
            note="the trainer methods that pass num_items_in_batch are overridden too",
        ),
        Example(
            """from trl import SFTTrainer


class MySFT(SFTTrainer):
    def compute_loss(self, model, inputs, return_outputs=False):
        return model(**inputs).loss
""",
            note="trl's trainer: not read here",
        ),
        Example(
            """from mylib import BaseTrainer


class MyTrainer(BaseTrainer):
    def compute_loss(self, model, inputs):
        return model(**inputs).loss
""",
            note="not a transformers trainer",
        ),
        Example(
            """from transformers import Trainer


class LlrdTrainer(Trainer):
    def create_optimizer(self):
        return super().create_optimizer()
""",
            note="create_optimizer(model) is called only when the optimizer is created late",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        classes = [
            (cls, found)
            for cls in ctx.facts.classes.values()
            if (found := class_lineage(cls, ctx.facts)) is not None
            and found.base in TRANSFORMERS_TRAINERS
            and cls.methods
        ]
        if not classes:
            return
        sources = _sources(ctx)
        if sources is None:
            return
        for cls, lineage in classes:
            base = lineage.base.rsplit(".", 1)[-1]
            for fn in _methods(cls):
                finding = self._check_method(ctx, sources, cls, base, lineage.overrides, fn)
                if finding is not None:
                    yield finding

    def _check_method(
        self,
        ctx: RuleContext,
        sources: TrainerSources,
        cls: ClassFact,
        base: str,
        overridden: frozenset[str],
        fn: cst.FunctionDef,
    ) -> Finding | None:
        name = fn.name.value
        qualname = f"{cls.name}.{name}"
        for call in calls_into(sources, base, name):
            if call.caller in overridden and not _calls_super(ctx, call.caller):
                continue  # that trainer method is replaced: its call no longer runs
            found = mismatch(fn, qualname, call)
            if found is None:
                continue
            error, lacking = found
            installed = signature_of(sources, base, name)
            if lacking and lacking[0] == "?" and installed is not None:
                have = len([*fn.params.posonly_params, *fn.params.params]) - 1
                lacking = list(installed.positional[have : call.positional])
            where = f"`{call.owner}.{call.caller}`"
            message = (
                f"`{qualname}` cannot be called the way transformers {ctx.knowledge.version} "
                f"calls it: {where} calls `{call.text}`, which raises `TypeError: {error}`."
            )
            if installed is not None:
                message += (
                    f" The installed signature is "
                    f"`{name}({_params_text(installed.positional, installed.defaults)})`."
                )
            fix = self._fix(ctx, fn, lacking)
            related = [Related(f"`{cls.name}` defined here", ctx.range(cls.node.name))]
            return ctx.report(self, fn.name, message, fix=fix, related=related)
        return None

    @staticmethod
    def _fix(ctx: RuleContext, fn: cst.FunctionDef, lacking: list[str]) -> Fix | None:
        p = fn.params
        if (
            not lacking
            or any(not n.isidentifier() for n in lacking)
            or isinstance(p.star_arg, cst.Param)
            or not p.params
        ):
            return None
        last = p.params[-1]
        anchor: cst.CSTNode = last.default or last.annotation or last.name
        text = "".join(f", {n}=None" for n in lacking)
        edit = ctx.insert_after(anchor, text)
        shown = ", ".join(f"`{n}=None`" for n in lacking)
        return ctx.fix(f"Add {shown} to the signature", [edit], safe=True)


def _params_text(names: tuple[str, ...], defaults: int) -> str:
    parts = ["self", *names]
    for i in range(len(parts) - defaults, len(parts)):
        parts[i] += "=..."
    return ", ".join(parts)


def _calls_super(ctx: RuleContext, method: str) -> bool:
    """Whether an override of `method` in this module hands over to the library's own
    (`super().method(...)`), whose calls then still run."""
    for call in ctx.facts.calls_to(method):
        func = call.node.func
        if (
            call.function is not None
            and call.function.name == method
            and call.function.class_name is not None
            and isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Call)
            and isinstance(func.value.func, cst.Name)
            and func.value.func.value == "super"
        ):
            return True
    return False
