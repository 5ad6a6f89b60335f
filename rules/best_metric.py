"""Family C, configuration: `metric_for_best_model` naming a metric evaluation never reports.

Whenever it evaluates during training, `Trainer` looks `eval_<metric_for_best_model>` up in
the evaluation's metrics; `load_best_model_at_end=True` sets the metric to "loss" when none is
given. A metric `compute_metrics` does not return, or a loss that cannot be computed because
the evaluation data has no labels, stops training at the first evaluation.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from hflint.analyzers.facts import FunctionFact, ObjectFact
from hflint.analyzers.findings import Finding, Related, Severity
from hflint.analyzers.label_sources import key_writes, returned
from hflint.rules.base import Example, Rule
from hflint.rules.context import RuleContext
from hflint.rules.label_data import bound_call, is_tokenizer_call
from hflint.rules.metric_flow import call_of, metric_name
from hflint.rules.trainer_config import DEFAULTS
from hflint.rules.trainer_facts import (
    TRANSFORMERS_ARGS,
    Setting,
    TrainerCall,
    describe_assumption,
    setting,
    transformers_trainers,
)

KEY_ERROR = (
    "KeyError: \"The `metric_for_best_model` training argument is set to 'eval_{metric}', which "
    "is not found in the evaluation metrics. The available evaluation metrics are: [...]. "
    'Consider changing the `metric_for_best_model` via the TrainingArguments."'
)
# keys every evaluation reports besides the loss and compute_metrics' own
_ALWAYS = frozenset(
    {"runtime", "samples_per_second", "steps_per_second", "epoch", "model_preparation_time"}
)
# what `evaluate.load(name).compute(...)` returns, for the metrics whose keys are fixed
_METRIC_KEYS = {
    "accuracy": frozenset({"accuracy"}),
    "f1": frozenset({"f1"}),
    "precision": frozenset({"precision"}),
    "recall": frozenset({"recall"}),
    "matthews_correlation": frozenset({"matthews_correlation"}),
    "rouge": frozenset({"rouge1", "rouge2", "rougeL", "rougeLsum"}),
}
_LABEL_KEYS = frozenset({"labels", "label", "label_ids"})
_QA_LABEL_KEYS = frozenset({"start_positions", "end_positions"})


def _returned_keys(ctx: RuleContext, fn: FunctionFact) -> frozenset[str] | None:
    """The keys of the dict `compute_metrics` returns, when every return spells them out."""
    keys: set[str] = set()
    values = returned(fn.node)
    if not values:
        return None
    for value in values:
        if isinstance(value, cst.Dict):
            for element in value.elements:
                key = element.key if isinstance(element, cst.DictElement) else None
                text = key.evaluated_value if isinstance(key, cst.SimpleString) else None
                if not isinstance(text, str):
                    return None
                keys.add(text.removeprefix("eval_"))
        elif isinstance(value, cst.Call) and (call := call_of(ctx, value)) is not None:
            known = _METRIC_KEYS.get(metric_name(call) or "") if call.method == "compute" else None
            if known is None or call.has_star_kwargs:
                return None
            keys |= known
        else:
            return None
    return frozenset(keys)


def _columns(ctx: RuleContext, fn: FunctionFact) -> frozenset[str] | None:
    """The columns a `.map()` function's output has, when they are all known: returned dict
    displays, or a tokenizer call's result (with the keys the function writes into it)."""
    out: set[str] = set()
    writes = key_writes(fn.node)
    for value in returned(fn.node):
        if isinstance(value, cst.Dict):
            for element in value.elements:
                if not isinstance(element, cst.DictElement):
                    return None
                key = element.key
                text = key.evaluated_value if isinstance(key, cst.SimpleString) else None
                if not isinstance(text, str):
                    return None
                out.add(text)
        elif isinstance(value, cst.Name):
            call = bound_call(ctx, fn.node, value.value)
            if call is None or not is_tokenizer_call(call) or call.has_star_kwargs:
                return None
            if call.kw("text_target") is not None:
                out.add("labels")
            out |= {w.key for w in writes if w.receiver == value.value and not w.appended}
            if any(
                c.method in ("update", "setdefault", "__setitem__")
                and isinstance(c.node.func, cst.Attribute)
                and isinstance(c.node.func.value, cst.Name)
                and c.node.func.value.value == value.value
                for c in fn.calls
            ):
                return None
        else:
            return None
    return frozenset(out) if out else None


class BestModelMetricUnavailable(Rule):
    code = "HF310"
    name = "best-model-metric-unavailable"
    severity = Severity.ERROR
    summary = "metric_for_best_model names a metric the evaluation never reports"
    what = (
        "Checks a `Trainer` / `Seq2SeqTrainer` whose arguments evaluate during training "
        '(`eval_strategy` other than "no") and name a best-model metric (`metric_for_best_model='
        '`, or "loss", which `load_best_model_at_end=True` picks when none is given):\n\n'
        "- a metric other than the loss while the trainer has no `compute_metrics`, or its "
        "`compute_metrics` returns dicts whose keys are all spelled out (or fixed `evaluate` "
        "metrics: accuracy, f1, precision, recall, matthews_correlation, rouge) and none of "
        "them is that metric;\n"
        "- the loss, while the evaluation dataset comes from a `.map()` function whose output "
        "columns are all known and hold no label (`labels`, or `start_positions` / "
        "`end_positions` for question answering, or the arguments' `label_names`) although the "
        "training dataset's function writes them, and the `.map()` call removes the raw "
        "columns."
    )
    why = (
        "`Trainer` reads `eval_<metric>` from every evaluation's metrics and raises when it is "
        "missing (observed with transformers 5.23.0, transformers#19957):\n\n"
        f"    {KEY_ERROR.format(metric='loss')}\n\n"
        "Evaluation reports `eval_loss` only when the batches carry labels, and other metrics "
        "only when `compute_metrics` returns them (the `eval_` prefix is added by Trainer). "
        "The error comes at the first evaluation, after training time is spent."
    )
    example = """
args = TrainingArguments("out", eval_strategy="epoch", save_strategy="epoch",
                         load_best_model_at_end=True, metric_for_best_model="f1")
trainer = Trainer(model=model, args=args, train_dataset=train, eval_dataset=val)
"""
    use_instead = """
args = TrainingArguments("out", eval_strategy="epoch", save_strategy="epoch",
                         load_best_model_at_end=True, metric_for_best_model="f1")
trainer = Trainer(model=model, args=args, train_dataset=train, eval_dataset=val,
                  compute_metrics=compute_metrics)  # returns {"f1": ...}
"""
    fix_safety = "No fix: the metric to select on, or the labels to evaluate with, are yours."
    references = (
        "https://github.com/huggingface/transformers/issues/19957",
        "transformers/trainer.py (Trainer._determine_best_metric); "
        "transformers/training_args.py (metric_for_best_model defaults to loss)",
    )
    triggers = (
        Example(
            """from transformers import Trainer, TrainingArguments

args = TrainingArguments("out", eval_strategy="epoch", save_strategy="epoch",
                         load_best_model_at_end=True, metric_for_best_model="f1")
trainer = Trainer(model=model, args=args, train_dataset=train, eval_dataset=val)
""",
            note="no compute_metrics: only the loss is reported",
        ),
        Example(
            """import numpy as np
from transformers import Trainer, TrainingArguments


def compute_metrics(p):
    preds = np.argmax(p.predictions, axis=-1)
    return {"accuracy": float((preds == p.label_ids).mean())}


args = TrainingArguments("out", eval_strategy="steps", metric_for_best_model="eval_f1")
Trainer(model=model, args=args, train_dataset=train, eval_dataset=val, compute_metrics=compute_metrics)
""",
            note="compute_metrics returns accuracy only",
        ),
        Example(
            """from transformers import AutoModelForQuestionAnswering, AutoTokenizer, Trainer, TrainingArguments

tokenizer = AutoTokenizer.from_pretrained("bert-base-cased")
model = AutoModelForQuestionAnswering.from_pretrained("bert-base-cased")


def prepare_train_features(examples):
    enc = tokenizer(examples["question"], examples["context"], truncation=True)
    enc["start_positions"] = starts(enc)
    enc["end_positions"] = ends(enc)
    return enc


def prepare_validation_features(examples):
    enc = tokenizer(examples["question"], examples["context"], truncation=True)
    enc["example_id"] = examples["id"]
    return enc


train_dataset = raw.map(prepare_train_features, batched=True, remove_columns=raw.column_names)
validation_dataset = raw.map(prepare_validation_features, batched=True, remove_columns=raw.column_names)
args = TrainingArguments("squad", eval_strategy="steps", save_strategy="steps", load_best_model_at_end=True)
trainer = Trainer(model=model, args=args, train_dataset=train_dataset, eval_dataset=validation_dataset)
""",
            note="transformers#19957: QA validation features without positions",
        ),
    )
    near_misses = (
        Example(
            """from sklearn.metrics import f1_score
from transformers import Trainer, TrainingArguments


def compute_metrics(p):
    return {"f1": f1_score(p.label_ids, p.predictions.argmax(-1), average="macro")}


args = TrainingArguments("out", eval_strategy="steps", save_strategy="steps",
                         load_best_model_at_end=True, metric_for_best_model="f1")
Trainer(model=model, args=args, train_dataset=ds, eval_dataset=ds, compute_metrics=compute_metrics)
""",
            note="f1 is returned (Trainer adds the eval_ prefix)",
        ),
        Example(
            """from transformers import Trainer, TrainingArguments

args = TrainingArguments("out", eval_strategy="epoch", save_strategy="epoch",
                         load_best_model_at_end=True)
Trainer(model=model, args=args, train_dataset=train, eval_dataset=val)
""",
            note="the loss, with evaluation data of unknown columns",
        ),
        Example(
            """from transformers import Trainer, TrainingArguments


def compute_metrics(p):
    return metric.compute(predictions=p.predictions.argmax(-1), references=p.label_ids)


args = TrainingArguments("out", eval_strategy="epoch", metric_for_best_model="macro_f1")
Trainer(model=model, args=args, eval_dataset=val, compute_metrics=compute_metrics)
""",
            note="a metric whose keys are not known",
        ),
        Example(
            """from transformers import Trainer, TrainingArguments

args = TrainingArguments("out", metric_for_best_model="f1")
Trainer(model=model, args=args, train_dataset=train)
""",
            note="no evaluation during training",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for trainer in transformers_trainers(ctx.facts):
            args = trainer.args()
            if args is None or args.qualname not in TRANSFORMERS_ARGS or args.user_class:
                continue
            if trainer.overrides("evaluate", "evaluation_loop", "_determine_best_metric"):
                continue
            found = self._metric(ctx, args)
            if found is None:
                continue
            metric, metric_setting = found
            if metric == "loss":
                finding = self._no_loss(ctx, trainer, args, metric_setting)
            else:
                finding = self._not_returned(ctx, trainer, metric, metric_setting)
            if finding is not None:
                yield finding

    @staticmethod
    def _metric(ctx: RuleContext, args: ObjectFact) -> tuple[str, Setting] | None:
        """The metric Trainer will look up (without `eval_`), when evaluation runs."""
        ev = setting(args, "eval_strategy", ctx.facts, default=DEFAULTS["eval_strategy"])
        if ev is None or not isinstance(ev.value, str) or ev.value.lower() == "no":
            return None
        chosen = setting(args, "metric_for_best_model", ctx.facts, default=None)
        if chosen is None:
            return None
        if chosen.value is None:
            best = setting(args, "load_best_model_at_end", ctx.facts, default=False)
            if best is None or best.value is not True:
                return None
            return "loss", best
        if not isinstance(chosen.value, str):
            return None
        return chosen.value.removeprefix("eval_"), chosen

    def _not_returned(
        self, ctx: RuleContext, trainer: TrainerCall, metric: str, chosen: Setting
    ) -> Finding | None:
        if metric in _ALWAYS or chosen.arg is None:
            return None
        passes = trainer.passes("compute_metrics")
        if passes is None:
            return None
        related: list[Related] = []
        if passes:
            fn = trainer.function("compute_metrics")
            keys = _returned_keys(ctx, fn) if fn is not None else None
            if fn is None or keys is None or metric in keys:
                return None
            shown = ", ".join(f'"{k}"' for k in sorted(keys))
            what = f"`{fn.name}` returns only {shown}"
            related.append(Related(f"`{fn.name}` defined here", ctx.range(fn.node.name)))
        else:
            what = "this trainer has no `compute_metrics`, so evaluation reports only the loss"
        message = (
            f'`metric_for_best_model="{chosen.value}"`{describe_assumption(chosen.assumed)}, '
            f"but {what}: at the first evaluation Trainer raises "
            f"`{KEY_ERROR.format(metric=metric)}` Name a metric the evaluation returns, or "
            f"make `compute_metrics` return `{metric}`."
        )
        related.append(Related("trainer created here", ctx.range(trainer.call_node.func)))
        severity = self.severity.lowered() if chosen.assumed else self.severity
        return ctx.report(self, chosen.arg.node, message, related=related, severity=severity)

    def _no_loss(
        self, ctx: RuleContext, trainer: TrainerCall, args: ObjectFact, chosen: Setting
    ) -> Finding | None:
        eval_arg, train_arg = trainer.arg("eval_dataset"), trainer.arg("train_dataset")
        if eval_arg is None or train_arg is None:
            return None
        label_names = self._label_names(ctx, trainer, args)
        if label_names is None:
            return None
        eval_fn = self._map_function(ctx, trainer, eval_arg.expr, removes_columns=True)
        train_fn = self._map_function(ctx, trainer, train_arg.expr, removes_columns=False)
        if eval_fn is None or train_fn is None or eval_fn is train_fn:
            return None
        eval_cols, train_cols = _columns(ctx, eval_fn), _columns(ctx, train_fn)
        if eval_cols is None or train_cols is None:
            return None
        if eval_cols & label_names or not train_cols & label_names:
            return None
        names = " / ".join(f"`{n}`" for n in sorted(train_cols & label_names))
        if chosen.name == "load_best_model_at_end":
            why = '`load_best_model_at_end=True` makes `metric_for_best_model` "loss"'
        else:
            why = f'`metric_for_best_model="{chosen.value}"`'
        message = (
            f"The evaluation dataset comes from `{eval_fn.name}`, whose features carry no "
            f"{names} (the training features from `{train_fn.name}` do), so evaluation "
            f"computes no loss, and {why}{describe_assumption(chosen.assumed)}: at the first "
            f"evaluation Trainer raises `{KEY_ERROR.format(metric='loss')}` Evaluate on "
            "features that keep the labels, or set `metric_for_best_model` to a metric "
            "`compute_metrics` returns."
        )
        related = [
            Related(f"`{eval_fn.name}` defined here", ctx.range(eval_fn.node.name)),
            Related(f"`{chosen.name}` set here", ctx.range(chosen.arg.node))
            if chosen.arg is not None
            else ctx.loaded_here(args, "training arguments created here"),
        ]
        severity = self.severity.lowered() if chosen.assumed else self.severity
        return ctx.report(self, eval_arg.node, message, related=related, severity=severity)

    @staticmethod
    def _label_names(
        ctx: RuleContext, trainer: TrainerCall, args: ObjectFact
    ) -> frozenset[str] | None:
        given = setting(args, "label_names", ctx.facts, default=None)
        if given is None:
            return None
        if given.value is not None:
            value = given.value
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                return None
            return frozenset(value)
        model = trainer.model()
        if model is None or model.user_class is not None:
            return None
        if "QuestionAnswering" in model.class_name:
            return _QA_LABEL_KEYS
        return _LABEL_KEYS

    @staticmethod
    def _map_function(
        ctx: RuleContext, trainer: TrainerCall, expr: cst.BaseExpression, removes_columns: bool
    ) -> FunctionFact | None:
        if not isinstance(expr, cst.Name):
            return None
        scope = trainer.obj.call.function
        call = bound_call(ctx, scope.node if scope is not None else None, expr.value)
        if call is None or call.method != "map":
            return None
        if removes_columns and call.kw("remove_columns") is None:
            return None  # the raw columns (a `label` among them?) stay
        first = call.arg(0, "function")
        if first is None or not isinstance(first.expr, cst.Name):
            return None
        return ctx.facts.functions.get(first.expr.value)
