"""Family I, metrics: a metric given inputs it cannot score.

Text metrics (sacreBLEU, ROUGE, WER...) compare strings, so token ids must be decoded first;
`f1` / `precision` / `recall` average with `average="binary"` unless told otherwise, which
only works for two classes. Both fail on the first evaluation, after a whole epoch of training.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from hflint.analyzers.facts import CallFact, Kind
from hflint.analyzers.findings import Finding, Severity
from hflint.rules.base import Example, Rule
from hflint.rules.classifier_facts import HeadSize, head_size
from hflint.rules.context import RuleContext
from hflint.rules.metric_flow import (
    IDS,
    LABEL,
    LOGITS,
    RAW,
    V,
    flow_of,
    metric_functions,
    metric_name,
)
from hflint.rules.seq2seq_trainer import TEXT_METRICS
from hflint.rules.trainer_facts import describe_assumption, unwrap

FORMAT_ERROR = "ValueError: Predictions and/or references don't match the expected format."
_AVERAGED_EVALUATE = frozenset({"f1", "precision", "recall"})
_AVERAGED_SKLEARN = frozenset(
    {"f1_score", "precision_score", "recall_score", "fbeta_score", "jaccard_score"}
)
BINARY_ERROR = (
    "ValueError: Target is multiclass but average='binary'. Please choose another average "
    "setting, one of [None, 'micro', 'macro', 'weighted']."
)


def _describe(value: V) -> str:
    if value.kind == IDS and value.origin == LABEL:
        return "the label ids the evaluation loop hands over"
    if value.kind == IDS:
        return "token ids (the `argmax` of the logits)"
    if value.kind in (RAW, LOGITS):
        return "the raw predictions (logits or token ids)"
    return "token ids"


class TextMetricOnTokenIds(Rule):
    code = "HF905"
    name = "text-metric-on-token-ids"
    severity = Severity.ERROR
    summary = "A text metric (sacreBLEU, ROUGE, WER...) given token ids instead of decoded text"
    what = (
        "Checks, in a `compute_metrics` function (one passed as `compute_metrics=` to a trainer "
        "of any library, or one whose name says metric and whose parameter is `eval_pred`, "
        "`p`, ...), for `metric.compute(...)` / `metric.add_batch(...)` of an `evaluate` text "
        "metric (rouge, bleu, sacrebleu, google_bleu, meteor, chrf, wer, cer) whose "
        "`predictions=` or `references=` are the evaluation loop's arrays or the `argmax` of "
        "the logits, not strings from `batch_decode`. Values that pass through a helper are "
        "not judged."
    )
    why = (
        "These metrics tokenize and compare strings. Handed arrays of token ids, evaluate "
        "rejects them on the first evaluation (observed with evaluate 0.4.6 and sacrebleu "
        "2.6.0, case trl#2376):\n\n"
        f"    {FORMAT_ERROR}\n\n"
        "The ids must be decoded first (`tokenizer.batch_decode(ids, skip_special_tokens="
        "True)`, after replacing -100 in the labels), and sacreBLEU wants a list of reference "
        "lists."
    )
    example = """
def compute_metrics(eval_pred):
    logits, labels = eval_pred
    predictions = np.argmax(logits, axis=-1)
    return bleu.compute(predictions=predictions, references=labels)
"""
    use_instead = """
def compute_metrics(eval_pred):
    logits, labels = eval_pred
    predictions = np.argmax(logits, axis=-1)
    labels = np.where(labels != -100, labels, tokenizer.pad_token_id)
    preds = tokenizer.batch_decode(predictions, skip_special_tokens=True)
    refs = tokenizer.batch_decode(labels, skip_special_tokens=True)
    return bleu.compute(predictions=preds, references=[[r] for r in refs])
"""
    fix_safety = "No fix: decoding needs the tokenizer, and the -100 in the labels replaced first."
    references = (
        "https://huggingface.co/spaces/evaluate-metric/sacrebleu",
        "https://github.com/huggingface/trl/issues/2376",
    )
    triggers = (
        Example(
            """import evaluate
import numpy as np
from transformers import Trainer

bleu = evaluate.load("sacrebleu")


def compute_metrics(eval_pred):
    logits, labels = eval_pred
    predictions = np.argmax(logits, axis=-1)
    return bleu.compute(predictions=predictions, references=labels)
""",
            note="the case from trl#2376",
        ),
        Example(
            """import evaluate
from transformers import Seq2SeqTrainer

rouge = evaluate.load("rouge")


def score(p):
    refs = tokenizer.batch_decode(p.label_ids, skip_special_tokens=True)
    return rouge.compute(predictions=p.predictions, references=refs)


Seq2SeqTrainer(model=model, args=args, compute_metrics=score)
""",
            note="generated ids passed on undecoded",
        ),
    )
    near_misses = (
        Example(
            """import evaluate
import numpy as np
from transformers import Trainer

sacrebleu = evaluate.load("sacrebleu")


def compute_metrics(eval_preds):
    preds, labels = eval_preds
    if isinstance(preds, tuple):
        preds = preds[0]
    preds = np.where(preds != -100, preds, tokenizer.pad_token_id)
    labels = np.where(labels != -100, labels, tokenizer.pad_token_id)
    decoded_preds = [p.strip() for p in tokenizer.batch_decode(preds, skip_special_tokens=True)]
    decoded_labels = [[l.strip()] for l in tokenizer.batch_decode(labels, skip_special_tokens=True)]
    return sacrebleu.compute(predictions=decoded_preds, references=decoded_labels)
""",
            note="decoded strings, list-of-list references",
        ),
        Example(
            """import evaluate
import numpy as np
from transformers import Trainer

accuracy = evaluate.load("accuracy")


def compute_metrics(eval_pred):
    logits, labels = eval_pred
    return accuracy.compute(predictions=np.argmax(logits, axis=-1), references=labels)
""",
            note="accuracy takes ids",
        ),
        Example(
            """import evaluate
from transformers import Trainer

wer = evaluate.load("wer")


def compute_metrics(pred):
    texts, refs = postprocess(pred)
    return {"wer": wer.compute(predictions=texts, references=refs)}
""",
            note="a helper makes the strings",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for found in metric_functions(ctx):
            flow = flow_of(ctx, found.fn)
            for compute in flow.computes:
                metric = metric_name(compute.call)
                if metric not in TEXT_METRICS or compute.call.method == "add":
                    continue
                for key, value, arg in (
                    ("predictions", compute.predictions, compute.prediction_arg),
                    ("references", compute.references, compute.reference_arg),
                ):
                    if value is None or arg is None or value.kind not in (RAW, LOGITS, IDS):
                        continue
                    message = (
                        f"`{key}=` gets {_describe(value)}, but `{metric}` scores text: "
                        f"evaluate fails on the first evaluation with `{FORMAT_ERROR}` Decode the "
                        "ids first "
                        "(`tokenizer.batch_decode(ids, skip_special_tokens=True)`, replacing "
                        "-100 in the labels before)."
                    )
                    yield ctx.report(self, arg, message)
                    break


class BinaryAverageOnMulticlass(Rule):
    code = "HF906"
    name = "binary-average-on-multiclass"
    severity = Severity.ERROR
    summary = "f1 / precision / recall left at average='binary' for a classifier of more classes"
    what = (
        'Checks for `evaluate.load("f1")` (or `"precision"`, `"recall"`) `.compute(...)` and '
        "sklearn's `f1_score`, `precision_score`, `recall_score`, `fbeta_score`, "
        "`jaccard_score` without `average=`, in a `compute_metrics` of a trainer whose model is "
        "a classifier with more than two labels (its `num_labels`, `id2label`, or its "
        "checkpoint's labels). Outside such a function, the file's only classifier counts. "
        "Calls on indexed or sliced arrays (per-class scores) are left alone."
    )
    why = (
        'All of them default to `average="binary"`, which scores one positive class and '
        "refuses more than two (observed with evaluate 0.4.6 and scikit-learn on 24 classes, "
        "transformers#16641):\n\n"
        f"    {BINARY_ERROR}\n\n"
        "The error comes at the first evaluation, after a whole epoch of training."
    )
    example = """
model = AutoModelForSequenceClassification.from_pretrained("bert-base-cased", num_labels=24)
metric = evaluate.load("f1")

def compute_metrics(eval_pred):
    logits, labels = eval_pred
    return metric.compute(predictions=np.argmax(logits, axis=-1), references=labels)
"""
    use_instead = """
def compute_metrics(eval_pred):
    logits, labels = eval_pred
    return metric.compute(predictions=np.argmax(logits, axis=-1), references=labels,
                          average="macro")
"""
    fix_safety = (
        'Unsafe: the fix passes `average="macro"` (every class counts the same); '
        '`"weighted"` (by support) or `"micro"` (= accuracy for single-label tasks) may be '
        "what you want to report."
    )
    references = (
        "https://huggingface.co/spaces/evaluate-metric/f1",
        "https://scikit-learn.org/stable/modules/generated/sklearn.metrics.f1_score.html",
        "https://github.com/huggingface/transformers/issues/16641",
    )
    triggers = (
        Example(
            """import evaluate
import numpy as np
from transformers import AutoModelForSequenceClassification, Trainer

model = AutoModelForSequenceClassification.from_pretrained("bert-base-cased", num_labels=24)
metric = evaluate.load("f1")


def compute_metrics(eval_pred):
    logits, labels = eval_pred
    predictions = np.argmax(logits, axis=-1)
    return metric.compute(predictions=predictions, references=labels)


Trainer(model=model, compute_metrics=compute_metrics)
""",
            note="transformers#16641",
            fixed="""import evaluate
import numpy as np
from transformers import AutoModelForSequenceClassification, Trainer

model = AutoModelForSequenceClassification.from_pretrained("bert-base-cased", num_labels=24)
metric = evaluate.load("f1")


def compute_metrics(eval_pred):
    logits, labels = eval_pred
    predictions = np.argmax(logits, axis=-1)
    return metric.compute(predictions=predictions, references=labels, average="macro")


Trainer(model=model, compute_metrics=compute_metrics)
""",
        ),
        Example(
            """from sklearn.metrics import f1_score
from transformers import AutoModelForSequenceClassification

labels = ["neg", "neu", "pos"]
model = AutoModelForSequenceClassification.from_pretrained(
    "roberta-base", id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)}
)
print(f1_score(y_true, y_pred))
""",
            note="sklearn, the file's only classifier (3 labels from id2label)",
        ),
    )
    near_misses = (
        Example(
            """import evaluate
from transformers import AutoModelForSequenceClassification, Trainer

model = AutoModelForSequenceClassification.from_pretrained("bert-base-cased", num_labels=2)
f1 = evaluate.load("f1")


def compute_metrics(p):
    return f1.compute(predictions=p.predictions.argmax(-1), references=p.label_ids)


Trainer(model=model, compute_metrics=compute_metrics)
""",
            note="two classes: binary is right",
        ),
        Example(
            """import evaluate
from transformers import AutoModelForSequenceClassification, Trainer

model = AutoModelForSequenceClassification.from_pretrained("bert-base-cased", num_labels=3)
f1 = evaluate.load("f1")


def compute_metrics(p):
    preds = p.predictions.argmax(-1)
    return f1.compute(predictions=preds, references=p.label_ids, average="macro")


Trainer(model=model, compute_metrics=compute_metrics)
"""
        ),
        Example(
            """from sklearn.metrics import f1_score
from transformers import AutoModelForSequenceClassification

model = AutoModelForSequenceClassification.from_pretrained(
    "bert-base-cased", num_labels=4, problem_type="multi_label_classification"
)
scores = [f1_score(y_true[:, i], y_pred[:, i]) for i in range(4)]
""",
            note="per-class binary scores",
        ),
        Example(
            """import evaluate
from transformers import AutoModelForSequenceClassification

a = AutoModelForSequenceClassification.from_pretrained("bert-base-cased", num_labels=5)
b = AutoModelForSequenceClassification.from_pretrained("bert-base-cased", num_labels=2)
f1 = evaluate.load("f1")
print(f1.compute(predictions=preds, references=refs))
""",
            note="two classifiers, not linked: which one is scored is unknown",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        linked: dict[int, list[HeadSize]] = {}
        for found in metric_functions(ctx):
            sizes: list[HeadSize] = []
            for trainer in found.trainers:
                model = trainer.model()
                size = head_size(ctx, unwrap(model)) if model is not None else None
                if size is not None:
                    sizes.append(size)
                else:
                    sizes = []
                    break
            if found.trainers:
                linked[id(found.fn)] = sizes
        only = self._only_classifier(ctx)
        for call in ctx.facts.calls:
            metric = self._averaged(call)
            if metric is None or "average" in call.kwargs or call.has_star_kwargs:
                continue
            if any(isinstance(a.expr, cst.Subscript) for a in call.args) or any(
                isinstance(a.expr, cst.Subscript) for a in call.kwargs.values()
            ):
                continue
            key = id(call.function) if call.function is not None else None
            sizes = linked.get(key, []) if key in linked else ([only] if only else [])
            size = min(sizes, key=lambda s: s.count) if sizes else None
            if size is None or size.count <= 2 or size.multi_label:
                continue
            message = (
                f'`{metric}` averages with `average="binary"` by default, but the classifier '
                f"it scores has {size.count} classes ({size.because}"
                f"{describe_assumption(size.assumed)}): the first evaluation fails with "
                f'`{BINARY_ERROR}` Pass `average="macro"` (or "weighted" / "micro").'
            )
            fix = ctx.fix(
                'Pass `average="macro"`', [ctx.add_kwarg(call.node, 'average="macro"')], safe=False
            )
            severity = self.severity.lowered() if size.assumed else self.severity
            yield ctx.report(self, call.node, message, fix=fix, severity=severity)

    @staticmethod
    def _averaged(call: CallFact) -> str | None:
        name = metric_name(call)
        if name is None:
            return None
        if call.method == "compute" and name in _AVERAGED_EVALUATE:
            return f'evaluate.load("{name}")'
        if (call.qualname or "").startswith("sklearn.metrics.") and name in _AVERAGED_SKLEARN:
            return name
        return None

    @staticmethod
    def _only_classifier(ctx: RuleContext) -> HeadSize | None:
        sizes = []
        for obj in ctx.objects(Kind.MODEL):
            if obj.method == "from_pretrained" and obj.class_name.endswith("Classification"):
                sizes.append(head_size(ctx, obj))
        return sizes[0] if len(sizes) == 1 else None
