"""Family I, metrics: `preprocess_logits_for_metrics` written for logits, given generated ids.

With `predict_with_generate=True`, `Seq2SeqTrainer` hands the evaluation loop generated token
ids where `Trainer` hands logits, and `preprocess_logits_for_metrics` gets them too.
"""

from __future__ import annotations

from collections.abc import Iterator

from hflint.analyzers.findings import Finding, Related, Severity
from hflint.rules.base import Example, Rule
from hflint.rules.context import RuleContext
from hflint.rules.metric_flow import PRED, flow_of
from hflint.rules.trainer_facts import SEQ2SEQ_TRAINER, all_trainers, describe_assumption, setting

# Trainer methods a subclass may override to produce predictions its own way
_EVAL_OVERRIDES = ("prediction_step", "evaluate", "evaluation_loop", "predict")


class ArgmaxPreprocessWithGenerate(Rule):
    code = "HF909"
    name = "argmax-preprocess-with-generate"
    severity = Severity.ERROR
    summary = "preprocess_logits_for_metrics takes the argmax of generated token ids"
    what = (
        "Checks for a `Seq2SeqTrainer` whose arguments set `predict_with_generate=True` and "
        "whose `preprocess_logits_for_metrics` function takes the `argmax` of its first "
        "argument without looking at its shape (`.ndim`, `.shape`, `.dim()`)."
    )
    why = (
        "With `predict_with_generate=True`, `Seq2SeqTrainer.prediction_step` returns the "
        'generated token ids `(batch, length)` as the "logits", and the evaluation loop hands '
        "them to `preprocess_logits_for_metrics`. An `argmax(dim=-1)` written for logits "
        "collapses each generated sequence to one position index, so `compute_metrics` gets "
        "a 1-D array: decoding it yields one string for the whole set (observed with "
        "transformers 5.23.0, transformers#23100):\n\n"
        "    ValueError: Mismatch in the number of predictions (1) and references (4)"
    )
    example = """
def preprocess_logits_for_metrics(logits, labels):
    return torch.argmax(logits, dim=-1)

args = Seq2SeqTrainingArguments("out", predict_with_generate=True)
trainer = Seq2SeqTrainer(model=model, args=args, compute_metrics=compute_metrics,
                         preprocess_logits_for_metrics=preprocess_logits_for_metrics)
"""
    use_instead = """
args = Seq2SeqTrainingArguments("out", predict_with_generate=True)
trainer = Seq2SeqTrainer(model=model, args=args, compute_metrics=compute_metrics)
"""
    fix_safety = "No fix: drop `preprocess_logits_for_metrics`, or let it pass 2-D ids through."
    references = (
        "https://github.com/huggingface/transformers/issues/23100",
        "transformers/trainer_seq2seq.py (Seq2SeqTrainer.prediction_step)",
    )
    triggers = (
        Example(
            """import torch
from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments


def preprocess_logits_for_metrics(logits, labels):
    if isinstance(logits, tuple):
        logits = logits[0]
    return torch.argmax(logits, dim=-1)


args = Seq2SeqTrainingArguments("t5-sum", predict_with_generate=True)
trainer = Seq2SeqTrainer(model=model, args=args, compute_metrics=compute_metrics,
                         preprocess_logits_for_metrics=preprocess_logits_for_metrics)
""",
            note="transformers#23100",
        ),
    )
    near_misses = (
        Example(
            """import torch
from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments


def preprocess_logits_for_metrics(logits, labels):
    if isinstance(logits, tuple):
        logits = logits[0]
    return logits.argmax(dim=-1) if logits.ndim == 3 else logits


args = Seq2SeqTrainingArguments("out", predict_with_generate=True)
Seq2SeqTrainer(model=model, args=args, preprocess_logits_for_metrics=preprocess_logits_for_metrics)
""",
            note="passes 2-D ids through",
        ),
        Example(
            """import torch
from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments


def preprocess_logits_for_metrics(logits, labels):
    return torch.argmax(logits[0], dim=-1)


args = Seq2SeqTrainingArguments("out", predict_with_generate=False)
Seq2SeqTrainer(model=model, args=args, preprocess_logits_for_metrics=preprocess_logits_for_metrics)
""",
            note="no generation: logits",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for trainer in all_trainers(ctx.facts):
            if trainer.lineage.base != SEQ2SEQ_TRAINER or trainer.overrides(*_EVAL_OVERRIDES):
                continue
            fn = trainer.function("preprocess_logits_for_metrics")
            args = trainer.args()
            if fn is None or args is None:
                continue
            generate = setting(args, "predict_with_generate", ctx.facts, default=False)
            if generate is None or generate.value is not True:
                continue
            flow = flow_of(ctx, fn, preprocess=True)
            argmaxes = [a for a in flow.argmaxes if a.of.origin == PRED]
            if not argmaxes or flow.checks_shape:
                continue
            message = (
                f"`{fn.name}` takes the `argmax` of what it gets, but with "
                f"`predict_with_generate=True`{describe_assumption(generate.assumed)} "
                "`Seq2SeqTrainer` hands it the generated token ids `(batch, length)`, not "
                "logits: the argmax leaves one number per example and `compute_metrics` "
                "decodes them as a single sequence (`ValueError: Mismatch in the number of "
                "predictions (1) and references (4)` from the metric). Drop "
                "`preprocess_logits_for_metrics`, or return 2-D input unchanged."
            )
            pre_arg = trainer.arg("preprocess_logits_for_metrics")
            related = (
                [Related("passed to the trainer here", ctx.range(pre_arg.node))] if pre_arg else []
            )
            if generate.arg is not None:
                related.append(Related("generation turned on here", ctx.range(generate.arg.node)))
            severity = self.severity.lowered() if generate.assumed else self.severity
            yield ctx.report(self, argmaxes[0].node, message, related=related, severity=severity)
