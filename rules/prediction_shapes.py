"""Family I, metrics: `argmax` over predictions that are not what the code expects.

What the evaluation loop hands `compute_metrics` depends on the model and the trainer: a tuple
of arrays for encoder-decoder models, generated token ids (not logits) with
`predict_with_generate=True`, teacher-forced logits that predict the NEXT token for causal
LMs. An `argmax` copied from a classification recipe then crashes or measures nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hflint.analyzers.facts import ObjectFact
from hflint.analyzers.findings import Finding, Related, Severity
from hflint.analyzers.values import Const
from hflint.rules.base import Example, Rule
from hflint.rules.context import RuleContext
from hflint.rules.metric_flow import PRED, RAW, flow_of, metric_functions
from hflint.rules.pad_token_classifier import class_source
from hflint.rules.trainer_facts import (
    SEQ2SEQ_TRAINER,
    TRANSFORMERS_TRAINERS,
    TrainerCall,
    all_trainers,
    causal_lm_model,
    describe_assumption,
    setting,
    unwrap,
)

TUPLE_ERROR = (
    "ValueError: setting an array element with a sequence. The requested array has an "
    "inhomogeneous shape after 2 dimensions."
)
_SEQ2SEQ_OUTPUT = re.compile(r"\breturn\s+Seq2Seq\w*Output\w*\(")
# Trainer methods a subclass may override to produce predictions its own way
_EVAL_OVERRIDES = ("prediction_step", "evaluate", "evaluation_loop", "predict")


def tuple_predictions(ctx: RuleContext, trainer: TrainerCall) -> tuple[str, str] | None:
    """Why this trainer's `EvalPrediction.predictions` is a tuple of arrays, and what that
    rests on; None when it may be a single array."""
    if trainer.lineage.base not in TRANSFORMERS_TRAINERS or trainer.overrides(
        *_EVAL_OVERRIDES, "compute_loss"
    ):
        return None
    if trainer.passes("preprocess_logits_for_metrics") is not False:
        return None
    assumed = ""
    if trainer.lineage.base == SEQ2SEQ_TRAINER:
        args = trainer.args()
        generate = (
            setting(args, "predict_with_generate", ctx.facts, default=False) if args else None
        )
        if generate is None or generate.value:
            return None  # generated ids: one array
        assumed = generate.assumed
    model = trainer.model()
    if model is None:
        return None
    model = unwrap(model)
    for flag in ("output_hidden_states", "output_attentions"):
        arg = model.kw(flag)
        if arg is not None and isinstance(arg.value, Const) and arg.value.value is True:
            return f"the model is loaded with `{flag}=True`, so its outputs carry more arrays", ""
    built = _built_class(ctx, model)
    if built is None:
        return None
    name, model_type, why_assumed = built
    source = class_source("modeling", name, model_type)
    if source is None or not _SEQ2SEQ_OUTPUT.search(source):
        return None
    return (
        f"`{name}` is an encoder-decoder model whose outputs carry `encoder_last_hidden_state` "
        "next to the logits",
        assumed or why_assumed,
    )


def _built_class(ctx: RuleContext, model: ObjectFact) -> tuple[str, str, str] | None:
    """(model class, model type, assumption) of a model loaded in this module."""
    if not model.qualname.startswith("transformers.") or model.user_class is not None:
        return None
    name = model.class_name
    if not name.startswith("Auto"):
        model_type = ctx.knowledge.model_class_types.get(name)
        return (name, model_type, "") if model_type else None
    checkpoint = ctx.checkpoint(model)
    if checkpoint is None or not checkpoint.facts.model_type or checkpoint.facts.auto_map:
        return None
    model_type = checkpoint.facts.model_type
    built = ctx.knowledge.resolve(model_type, name, checkpoint.facts.architectures)
    if built is None or built == "?":
        return None
    return built, model_type, checkpoint.assumed


class ArgmaxOnPredictionTuple(Rule):
    code = "HF907"
    name = "argmax-on-prediction-tuple"
    severity = Severity.ERROR
    summary = "np.argmax over EvalPrediction.predictions that is a tuple of arrays"
    what = (
        "Checks for `argmax` over the whole `predictions` of an `EvalPrediction` (`np.argmax("
        "p.predictions, ...)`, `preds.argmax(-1)` after `preds, labels = eval_pred`) in the "
        "`compute_metrics` of a `Trainer` / `Seq2SeqTrainer` whose predictions are a tuple: "
        "an encoder-decoder model (BART, T5, ... any head whose class returns a `Seq2Seq*Output`) "
        "evaluated without generation, or a model loaded with `output_hidden_states=True` / "
        "`output_attentions=True`.\n\n"
        "Picking the logits first (`p.predictions[0]`, `if isinstance(preds, tuple): ...`), "
        "`preprocess_logits_for_metrics=` and subclasses that override `prediction_step` or "
        "`evaluate` are left alone."
    )
    why = (
        "`Trainer.prediction_step` returns every output but the loss (minus the config's "
        "`keys_to_ignore_at_inference`), so for `BartForSequenceClassification` "
        "`predictions` is `(logits, encoder_last_hidden_state)` with shapes `(n, 2)` and "
        "`(n, seq, hidden)`. numpy cannot make one array of them (observed with transformers "
        "5.23.0, transformers#7247):\n\n"
        f"    {TUPLE_ERROR} The detected shape was (2, 4) + inhomogeneous part."
    )
    example = """
def compute_metrics_fn(p: EvalPrediction):
    preds = np.argmax(p.predictions, axis=1)
    return {"acc": (preds == p.label_ids).mean()}
"""
    use_instead = """
def compute_metrics_fn(p: EvalPrediction):
    logits = p.predictions[0] if isinstance(p.predictions, tuple) else p.predictions
    preds = np.argmax(logits, axis=1)
    return {"acc": (preds == p.label_ids).mean()}
"""
    fix_safety = "No fix: where the logits sit in the tuple depends on the model's outputs."
    references = (
        "https://github.com/huggingface/transformers/issues/7247",
        "transformers/trainer.py (Trainer.prediction_step)",
    )
    triggers = (
        Example(
            """import numpy as np
from transformers import AutoModelForSequenceClassification, EvalPrediction, Trainer

model = AutoModelForSequenceClassification.from_pretrained("facebook/bart-base", num_labels=2)


def compute_metrics_fn(p: EvalPrediction):
    preds = np.argmax(p.predictions, axis=1)
    return {"acc": (preds == p.label_ids).mean()}


trainer = Trainer(model=model, args=args, eval_dataset=ds, compute_metrics=compute_metrics_fn)
""",
            note="transformers#7247: BART classifier",
        ),
        Example(
            """from transformers import BertForSequenceClassification, Trainer

model = BertForSequenceClassification.from_pretrained("bert-base-uncased", output_hidden_states=True)


def compute_metrics(eval_pred):
    logits, labels = eval_pred
    return {"acc": (logits.argmax(-1) == labels).mean()}


Trainer(model=model, compute_metrics=compute_metrics)
""",
            note="hidden states returned with the logits",
        ),
    )
    near_misses = (
        Example(
            """import numpy as np
from transformers import AutoModelForSequenceClassification, EvalPrediction, Trainer

model = AutoModelForSequenceClassification.from_pretrained("facebook/bart-base", num_labels=3)


def compute_metrics(p: EvalPrediction):
    preds = p.predictions[0] if isinstance(p.predictions, tuple) else p.predictions
    preds = np.argmax(preds, axis=1)
    return {"acc": (preds == p.label_ids).mean()}


Trainer(model=model, compute_metrics=compute_metrics)
""",
            note="the tuple is handled",
        ),
        Example(
            """import numpy as np
from transformers import AutoModelForSequenceClassification, Trainer

model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=2)


def compute_metrics(p):
    return {"acc": (np.argmax(p.predictions, axis=1) == p.label_ids).mean()}


Trainer(model=model, compute_metrics=compute_metrics)
""",
            note="an encoder-only classifier: one array of logits",
        ),
        Example(
            """import numpy as np
from transformers import AutoModelForSeq2SeqLM, Seq2SeqTrainer, Seq2SeqTrainingArguments

model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")


def compute_metrics(p):
    return {"n": np.argmax(p.predictions, axis=-1).size}


args = Seq2SeqTrainingArguments("out", predict_with_generate=True)
Seq2SeqTrainer(model=model, args=args, compute_metrics=compute_metrics)
""",
            note="generated ids: one array",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for found in metric_functions(ctx):
            raw = [a for a in flow_of(ctx, found.fn).argmaxes if a.of.kind == RAW]
            if not raw:
                continue
            for trainer in found.trainers:
                why = tuple_predictions(ctx, trainer)
                if why is None:
                    continue
                reason, assumed = why
                message = (
                    f"`predictions` is a tuple of arrays here: {reason}"
                    f"{describe_assumption(assumed)}. `argmax` over the whole tuple fails with "
                    f"`{TUPLE_ERROR}` Take the logits first: `preds = p.predictions[0] if "
                    "isinstance(p.predictions, tuple) else p.predictions`."
                )
                related = [Related("trainer created here", ctx.range(trainer.call_node.func))]
                severity = self.severity.lowered() if assumed else self.severity
                yield ctx.report(self, raw[0].node, message, related=related, severity=severity)
                break


class UnshiftedCausalLmArgmax(Rule):
    code = "HF908"
    name = "unshifted-causal-lm-argmax"
    severity = Severity.WARNING
    summary = "compute_metrics scores the argmax of a causal LM's logits against unshifted labels"
    what = (
        "Checks for a trainer of a causal language model (`AutoModelForCausalLM` or a causal LM "
        "class) whose `compute_metrics` (or `preprocess_logits_for_metrics`) takes the `argmax` "
        "of the predictions and then decodes it or scores it with a metric, while neither "
        "function shifts positions (`[:, :-1]` against `[:, 1:]`)."
    )
    why = (
        "During evaluation a causal LM runs teacher-forced: the logits at position t predict "
        "token t+1, and `labels` are the unshifted input ids (the model shifts them inside "
        "its loss). Comparing `argmax(logits)[t]` with `labels[t]` scores every token against "
        "the one before it, prompt included. Nothing fails: the metric is silently "
        "meaningless (observed with transformers 5.23.0: an untrained tiny GPT-2 scored "
        "`eval_wer 0.19`, unsloth#3470). Shift both, and to measure what the model writes, "
        "`generate()` and score that."
    )
    example = """
def compute_metrics(eval_pred):
    predictions, labels = eval_pred
    predictions = np.argmax(predictions, axis=-1)
    return wer.compute(predictions=tok.batch_decode(predictions), references=tok.batch_decode(labels))
"""
    use_instead = """
def compute_metrics(eval_pred):
    logits, labels = eval_pred
    preds = np.argmax(logits, axis=-1)[:, :-1]
    labels = labels[:, 1:]
    mask = labels != -100
    return {"accuracy": float((preds[mask] == labels[mask]).mean())}
"""
    fix_safety = "No fix: aligning positions and masking the prompt depends on the data."
    references = (
        "https://github.com/unslothai/unsloth/issues/3470",
        "transformers/examples/pytorch/language-modeling/run_clm.py (compute_metrics shifts)",
    )
    triggers = (
        Example(
            """import evaluate
import numpy as np
from transformers import AutoModelForCausalLM, Trainer

wer = evaluate.load("wer")
model = AutoModelForCausalLM.from_pretrained("gpt2")


def compute_metrics(eval_pred):
    predictions, labels = eval_pred
    if predictions.ndim == 3:
        predictions = np.argmax(predictions, axis=-1)
    decoded = tok.batch_decode(predictions, skip_special_tokens=True)
    labels = np.where(labels != -100, labels, tok.pad_token_id)
    refs = tok.batch_decode(labels, skip_special_tokens=True)
    return {"wer": wer.compute(predictions=decoded, references=refs)}


Trainer(model=model, args=args, eval_dataset=ds, compute_metrics=compute_metrics)
""",
            note="unsloth#3470",
        ),
        Example(
            """import evaluate
import torch
from transformers import AutoModelForCausalLM, Trainer

accuracy = evaluate.load("accuracy")


def preprocess_logits_for_metrics(logits, labels):
    return torch.argmax(logits, dim=-1)


def compute_metrics(p):
    preds, labels = p
    return accuracy.compute(predictions=preds.reshape(-1), references=labels.reshape(-1))


model = AutoModelForCausalLM.from_pretrained("gpt2")
Trainer(model=model, compute_metrics=compute_metrics,
        preprocess_logits_for_metrics=preprocess_logits_for_metrics)
""",
            note="argmax in preprocess_logits_for_metrics, no shift",
        ),
    )
    near_misses = (
        Example(
            """from transformers import AutoModelForCausalLM, Trainer


def preprocess_logits_for_metrics(logits, labels):
    if isinstance(logits, tuple):
        logits = logits[0]
    return logits.argmax(dim=-1)


def compute_metrics(eval_preds):
    preds, labels = eval_preds
    labels = labels[:, 1:].reshape(-1)
    preds = preds[:, :-1].reshape(-1)
    return metric.compute(predictions=preds, references=labels)


model = AutoModelForCausalLM.from_pretrained("gpt2")
Trainer(model=model, compute_metrics=compute_metrics,
        preprocess_logits_for_metrics=preprocess_logits_for_metrics)
""",
            note="run_clm.py: shifted",
        ),
        Example(
            """import numpy as np
from transformers import AutoModelForSequenceClassification, Trainer

model = AutoModelForSequenceClassification.from_pretrained("gpt2", num_labels=2)


def compute_metrics(p):
    preds = np.argmax(p.predictions, axis=-1)
    return accuracy.compute(predictions=preds, references=p.label_ids)


Trainer(model=model, compute_metrics=compute_metrics)
""",
            note="a classifier on a decoder: one prediction per example",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for trainer in all_trainers(ctx.facts):
            if trainer.overrides(*_EVAL_OVERRIDES):
                continue
            model = trainer.model()
            kind = causal_lm_model(ctx, model) if model is not None else None
            metrics = trainer.function("compute_metrics")
            if kind is None or metrics is None:
                continue
            flow = flow_of(ctx, metrics)
            pre_fn = trainer.function("preprocess_logits_for_metrics")
            pre = flow_of(ctx, pre_fn, preprocess=True) if pre_fn is not None else None
            argmaxes = [
                a for a in (pre.argmaxes if pre else []) + flow.argmaxes if a.of.origin == PRED
            ]
            if not argmaxes or flow.shifts or (pre is not None and pre.shifts):
                continue
            if not flow.decodes and not any(c.predictions is not None for c in flow.computes):
                continue
            message = (
                "The `argmax` of a causal LM's evaluation logits is compared with the labels "
                f"position by position, without shifting ({kind.because}"
                f"{describe_assumption(kind.assumed)}): the logits at position t predict token "
                "t+1, so each prediction is scored against the token before it, prompt "
                "included, and the metric is silently meaningless. Compare `preds[:, :-1]` "
                "with `labels[:, 1:]` (masking -100), or score `generate()` output."
            )
            related = [Related("trainer created here", ctx.range(trainer.call_node.func))]
            severity = self.severity.lowered() if kind.assumed else self.severity
            yield ctx.report(self, argmaxes[0].node, message, related=related, severity=severity)
