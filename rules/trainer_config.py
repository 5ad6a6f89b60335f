"""Family C, configuration: evaluation and checkpointing settings that cannot work together.

`TrainingArguments.__post_init__` and `Trainer.__init__` validate these combinations and raise
before the first step, so the checks mirror those validations, defaults included.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from hflint.analyzers.facts import Kind, ObjectFact
from hflint.analyzers.findings import Edit, Finding, Fix, Related, Severity
from hflint.rules.base import Example, Rule
from hflint.rules.context import RuleContext
from hflint.rules.trainer_facts import (
    TRANSFORMERS_ARGS,
    Setting,
    TrainerCall,
    describe_assumption,
    setting,
    transformers_trainers,
)

# TrainingArguments defaults in transformers 5.23.0 (tests compare them with the installed ones)
DEFAULTS: dict[str, object] = {
    "eval_strategy": "no",
    "save_strategy": "steps",
    "load_best_model_at_end": False,
    "eval_steps": None,
    "save_steps": 500,
    "logging_steps": 500,
}
_INTERVALS = frozenset({"no", "steps", "epoch"})
_SAVES = _INTERVALS | {"best"}


def _steps(value: object) -> int | None:
    """A step count usable in the multiple check: an int >= 1 (ratios below 1 are skipped)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if value < 1 or value != int(value):
        return None
    return int(value)


@dataclass(frozen=True)
class Strategies:
    """The evaluation/saving settings of one arguments call, every one known."""

    eval: Setting
    save: Setting
    best: Setting

    @property
    def assumed(self) -> str:
        return next((s.assumed for s in (self.best, self.eval, self.save) if s.assumed), "")


def _strategies(ctx: RuleContext, args: ObjectFact) -> Strategies | None:
    if args.qualname not in TRANSFORMERS_ARGS or args.user_class is not None:
        return None  # a subclass (trl's configs included) may change the defaults
    if "evaluation_strategy" in args.call.kwargs:
        return None  # the 4.x spelling: HF802's business
    found = [
        setting(args, name, ctx.facts, default=DEFAULTS[name])
        for name in ("eval_strategy", "save_strategy", "load_best_model_at_end")
    ]
    ev, sv, best = found
    if ev is None or sv is None or best is None:
        return None
    if not isinstance(ev.value, str) or not isinstance(sv.value, str):
        return None
    ev = Setting(ev.name, ev.value.lower(), ev.arg, ev.assumed)
    sv = Setting(sv.name, sv.value.lower(), sv.arg, sv.assumed)
    if ev.value not in _INTERVALS or sv.value not in _SAVES:
        return None
    return Strategies(ev, sv, best)


def _where(ctx: RuleContext, *settings: Setting) -> list[Related]:
    return [
        Related(f"`{s.name}` set here", ctx.range(s.arg.node))
        for s in settings
        if s.arg is not None
    ]


def _set_kwargs(
    ctx: RuleContext, call: cst.Call, values: dict[str, tuple[Setting | None, str]]
) -> list[Edit]:
    """Set each keyword to the given source text: replace an explicit value, add the others."""
    edits: list[Edit] = []
    added: list[str] = []
    for name, (current, text) in values.items():
        if current is not None and current.arg is not None:
            edits.append(ctx.replace(current.arg.expr, text))
        else:
            added.append(f"{name}={text}")
    if added:
        edits.append(ctx.add_kwarg(call, ", ".join(added)))
    return edits


class TrainerEvalConfigInconsistent(Rule):
    code = "HF307"
    name = "trainer-eval-config-inconsistent"
    severity = Severity.ERROR
    summary = "Evaluation and saving settings that TrainingArguments or Trainer reject"
    what = (
        "Checks for either of:\n\n"
        "* `TrainingArguments(load_best_model_at_end=True)` whose `eval_strategy` and "
        '`save_strategy` differ (and `save_strategy` is not `"best"`), remembering the '
        'defaults `eval_strategy="no"` and `save_strategy="steps"`; or, with both on '
        '`"steps"`, `save_steps` that is not a multiple of `eval_steps` (which defaults to '
        "`logging_steps`);\n"
        '* `Trainer(args=...)` whose arguments evaluate (`eval_strategy` other than `"no"`) '
        "with no `eval_dataset=`."
    )
    why = (
        "Both are rejected before training starts. The arguments:\n\n"
        "    ValueError: --load_best_model_at_end requires the save and eval strategy to match, "
        'except when --save_strategy="best", but found\n'
        "    - Evaluation strategy: IntervalStrategy.EPOCH\n"
        "    - Save strategy: SaveStrategy.STEPS\n\n"
        "    ValueError: --load_best_model_at_end requires the saving steps to be a round "
        "multiple of the evaluation steps, but found 500, which is not a round multiple of "
        "300.\n\n"
        "The trainer:\n\n"
        "    ValueError: You have set `args.eval_strategy` to IntervalStrategy.EPOCH but you "
        "didn't pass an `eval_dataset` to `Trainer`. Either set `args.eval_strategy` to `no` "
        "or pass an `eval_dataset`."
    )
    example = """
args = TrainingArguments(output_dir="out", eval_strategy="epoch", load_best_model_at_end=True)
"""
    use_instead = """
args = TrainingArguments(output_dir="out", eval_strategy="epoch", save_strategy="epoch",
                         load_best_model_at_end=True, metric_for_best_model="eval_loss")
"""
    fix_safety = (
        'Safe for the strategy mismatch: the fix sets `save_strategy` (and, for `"steps"`, '
        "`save_steps`) to match evaluation, the only way `load_best_model_at_end` can work; "
        "checkpoints are then written at the evaluation points. Unsafe for a missing "
        "`eval_dataset`: the fix either passes the split that looks like the validation set "
        "or turns evaluation off, and only you know which was meant."
    )
    references = (
        "https://huggingface.co/docs/transformers/main_classes/trainer#transformers.TrainingArguments",
        "transformers/training_args.py (TrainingArguments._validate_args); "
        "transformers/trainer.py (Trainer.__init__)",
    )
    triggers = (
        Example(
            """from transformers import TrainingArguments

args = TrainingArguments(output_dir="out", eval_strategy="epoch", load_best_model_at_end=True)
""",
            note="the catalogue's example: save_strategy defaults to steps",
            fixed="""from transformers import TrainingArguments

args = TrainingArguments(output_dir="out", eval_strategy="epoch", load_best_model_at_end=True, save_strategy="epoch")
""",
        ),
        Example(
            """import transformers as T
from transformers.trainer_utils import IntervalStrategy

args = T.Seq2SeqTrainingArguments(
    output_dir="out",
    eval_strategy=IntervalStrategy.STEPS,
    eval_steps=200,
    save_strategy="epoch",
    load_best_model_at_end=True,
)
""",
            note="module alias, enum value, multi-line; the fix aligns save_steps too",
            fixed="""import transformers as T
from transformers.trainer_utils import IntervalStrategy

args = T.Seq2SeqTrainingArguments(
    output_dir="out",
    eval_strategy=IntervalStrategy.STEPS,
    eval_steps=200,
    save_strategy="steps",
    load_best_model_at_end=True, save_steps=200,
)
""",
        ),
        Example(
            """from transformers import TrainingArguments

args = TrainingArguments(
    "out", eval_strategy="steps", eval_steps=300, load_best_model_at_end=True
)
""",
            note="save_steps (500) is not a multiple of eval_steps",
        ),
        Example(
            """from transformers import Trainer, TrainingArguments

args = TrainingArguments(output_dir="out", eval_strategy="epoch")
trainer = Trainer(model=model, args=args, train_dataset=tokenized["train"])
""",
            note="evaluation without an eval_dataset",
        ),
        Example(
            """from transformers import AutoModelForSequenceClassification, Trainer, TrainingArguments

def main():
    model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")
    splits = ds.train_test_split(test_size=0.1)
    args = TrainingArguments("out", eval_strategy="steps", eval_steps=100)
    trainer = Trainer(model, args, None, splits["train"])
    trainer.train()
""",
            note="positional arguments inside a function",
        ),
    )
    near_misses = (
        Example(
            """from transformers import TrainingArguments

args = TrainingArguments(output_dir="out", eval_strategy="epoch", save_strategy="epoch",
                         load_best_model_at_end=True, metric_for_best_model="eval_loss")
"""
        ),
        Example(
            """from transformers import TrainingArguments

args = TrainingArguments(output_dir="out", eval_strategy="epoch", save_strategy="best",
                         metric_for_best_model="accuracy", load_best_model_at_end=True)
""",
            note='save_strategy="best" is exempt',
        ),
        Example(
            """from transformers import TrainingArguments

args = TrainingArguments(output_dir="out", eval_strategy="steps", eval_steps=250,
                         load_best_model_at_end=True)
""",
            note="500 is a multiple of 250",
        ),
        Example(
            """from transformers import Trainer, TrainingArguments

args = TrainingArguments(output_dir="out", eval_strategy="epoch")
Trainer(model=model, args=args, train_dataset=train, eval_dataset=val)
"""
        ),
        Example(
            """from transformers import Trainer, TrainingArguments

args = TrainingArguments(output_dir="out", eval_strategy="epoch")
Trainer(model=model, args=args, train_dataset=train, **more)
""",
            note="eval_dataset may come through **kwargs",
        ),
        Example(
            """from trl import SFTConfig, SFTTrainer

args = SFTConfig(output_dir="out", eval_strategy="epoch", load_best_model_at_end=True)
SFTTrainer(model=model, args=args, train_dataset=train)
""",
            note="trl's config and trainer are not checked",
        ),
        Example(
            """from transformers import TrainingArguments

args = TrainingArguments(output_dir="out", eval_strategy=cfg.eval, load_best_model_at_end=True)
""",
            note="strategy decided at run time",
        ),
        Example(
            """from transformers import TrainingArguments

args = TrainingArguments(output_dir="out", evaluation_strategy="epoch", load_best_model_at_end=True)
""",
            note="the removed 4.x name is HF802's business",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for args in ctx.objects(Kind.TRAINING_ARGS):
            found = _strategies(ctx, args)
            if found is not None and found.best.value is True:
                yield from self._check_best(ctx, args, found)
        for trainer in transformers_trainers(ctx.facts):
            yield from self._check_eval_dataset(ctx, trainer)

    def _check_best(self, ctx: RuleContext, args: ObjectFact, s: Strategies) -> Iterator[Finding]:
        assert s.best.arg is not None
        severity = self.severity.lowered() if s.assumed else self.severity
        ev, sv = s.eval.value, s.save.value
        if sv == "best":
            return
        if ev != sv:
            defaults = [
                f'`{x.name}` defaults to "{x.value}"' for x in (s.eval, s.save) if not x.explicit
            ]
            default_note = f" ({'; '.join(defaults)})" if defaults else ""
            advice = (
                "Turn evaluation on (and pass an `eval_dataset`), or drop `load_best_model_at_end`."
                if ev == "no"
                else f'Set `save_strategy="{ev}"` to match.'
            )
            message = (
                f"`load_best_model_at_end=True` needs matching evaluation and save strategies, "
                f'but `eval_strategy` is "{ev}" and `save_strategy` is "{sv}"{default_note}'
                f"{describe_assumption(s.assumed)}. TrainingArguments raises `ValueError: "
                "--load_best_model_at_end requires the save and eval strategy to match, except "
                'when --save_strategy="best", but found - Evaluation strategy: '
                f"IntervalStrategy.{ev.upper()} - Save strategy: SaveStrategy.{sv.upper()}`. "
                f"{advice}"
            )
            fix = self._align_fix(ctx, args, s) if ev != "no" else None
            yield ctx.report(
                self,
                s.best.arg.node,
                message,
                fix=fix,
                related=_where(ctx, s.eval, s.save),
                severity=severity,
            )
            return
        if ev != "steps":
            return
        steps = self._step_counts(ctx, args)
        if steps is None:
            return
        save_steps, eval_steps, eval_setting, save_setting = steps
        if save_steps % eval_steps == 0:
            return
        assumed = s.assumed or eval_setting.assumed or save_setting.assumed
        message = (
            f"`load_best_model_at_end=True` with step-based saving needs `save_steps` to be a "
            f"multiple of the evaluation steps, but they are {save_steps} and {eval_steps}"
            f"{describe_assumption(assumed)}. TrainingArguments raises `ValueError: "
            "--load_best_model_at_end requires the saving steps to be a round multiple of the "
            f"evaluation steps, but found {save_steps}, which is not a round multiple of "
            f"{eval_steps}.` Set `save_steps={eval_steps}`."
        )
        text = ctx.code(eval_setting.arg.expr) if eval_setting.arg is not None else str(eval_steps)
        edits = _set_kwargs(ctx, args.node, {"save_steps": (save_setting, text)})
        yield ctx.report(
            self,
            s.best.arg.node,
            message,
            fix=ctx.fix(f"Save every {eval_steps} steps", edits, safe=True),
            related=_where(ctx, eval_setting, save_setting),
            severity=self.severity.lowered() if assumed else self.severity,
        )

    @staticmethod
    def _step_counts(
        ctx: RuleContext, args: ObjectFact
    ) -> tuple[int, int, Setting, Setting] | None:
        """(save_steps, effective eval_steps, the setting eval_steps came from, save_steps)."""
        save = setting(args, "save_steps", ctx.facts, default=DEFAULTS["save_steps"])
        ev = setting(args, "eval_steps", ctx.facts, default=DEFAULTS["eval_steps"])
        if save is None or ev is None:
            return None
        if ev.value is None or ev.value == 0:
            ev = setting(args, "logging_steps", ctx.facts, default=DEFAULTS["logging_steps"])
            if ev is None:
                return None
        save_steps, eval_steps = _steps(save.value), _steps(ev.value)
        if save_steps is None or eval_steps is None:
            return None
        return save_steps, eval_steps, ev, save

    def _align_fix(self, ctx: RuleContext, args: ObjectFact, s: Strategies) -> Fix:
        ev = s.eval.value
        values: dict[str, tuple[Setting | None, str]] = {"save_strategy": (s.save, f'"{ev}"')}
        if ev == "steps":
            steps = self._step_counts(ctx, args)
            if steps is not None and steps[0] % steps[1] != 0:
                _, eval_steps, eval_setting, save_setting = steps
                text = (
                    ctx.code(eval_setting.arg.expr)
                    if eval_setting.arg is not None
                    else str(eval_steps)
                )
                values["save_steps"] = (save_setting, text)
        edits = _set_kwargs(ctx, args.node, values)
        return ctx.fix(f'Set `save_strategy="{ev}"`', edits, safe=True)

    def _check_eval_dataset(self, ctx: RuleContext, trainer: TrainerCall) -> Iterator[Finding]:
        args = trainer.args()
        if args is None or trainer.passes("eval_dataset") is not False:
            return
        found = _strategies(ctx, args)
        if found is None or found.eval.value == "no":
            return
        ev = found.eval
        message = (
            f'The arguments evaluate (`eval_strategy` is "{ev.value}"'
            f"{describe_assumption(ev.assumed)}) but this trainer gets no `eval_dataset`: "
            "`Trainer.__init__` raises `ValueError: You have set args.eval_strategy to "
            f"IntervalStrategy.{ev.value.upper()} but you didn't pass an eval_dataset to "
            "Trainer. Either set args.eval_strategy to no or pass an eval_dataset.` "
            'Pass `eval_dataset=` or set `eval_strategy="no"`.'
        )
        related = [ctx.loaded_here(args, "training arguments created here"), *_where(ctx, ev)]
        yield ctx.report(
            self,
            trainer.call_node.func,
            message,
            fix=self._eval_dataset_fix(ctx, trainer, found),
            related=related,
            severity=self.severity.lowered() if ev.assumed else self.severity,
        )

    @staticmethod
    def _eval_dataset_fix(ctx: RuleContext, trainer: TrainerCall, s: Strategies) -> Fix | None:
        """Pass `<ds>["validation"]` when the training split is `<ds>["train"]` and the file
        names a validation split; else turn evaluation off (when nothing else needs it)."""
        train = trainer.arg("train_dataset")
        expr = train.expr if train is not None else None
        if (
            isinstance(expr, cst.Subscript)
            and len(expr.slice) == 1
            and isinstance(expr.slice[0].slice, cst.Index)
            and isinstance(expr.slice[0].slice.value, cst.SimpleString)
            and expr.slice[0].slice.value.evaluated_value == "train"
        ):
            for split in ("validation", "valid", "dev", "test"):
                if split in ctx.facts.strings:
                    text = f'eval_dataset={ctx.code(expr.value)}["{split}"]'
                    return ctx.fix(
                        f"Pass `{text}`", [ctx.add_kwarg(trainer.call_node, text)], safe=False
                    )
        if s.best.value is not False or not s.eval.explicit or s.eval.arg is None:
            return None
        return ctx.fix(
            'Set `eval_strategy="no"`', [ctx.replace(s.eval.arg.expr, '"no"')], safe=False
        )
