"""Family D, labels: targets encoded the way the head's loss cannot read them.

`*ForSequenceClassification` picks its loss from `problem_type` and the labels' dtype:
`multi_label_classification` needs float multi-hot vectors of length `num_labels`
(BCEWithLogitsLoss); integer labels mean single-label classification, one class id per
example (CrossEntropyLoss). Class-id lists, integer multi-hot rows and one-hot rows break the
loss on the first step. An explicit `id2label=None` leaves the config with no label count.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from hflint.analyzers.facts import CallFact, Kind, ObjectFact
from hflint.analyzers.findings import Edit, Finding, Related, Severity
from hflint.analyzers.label_sources import indicator_row
from hflint.analyzers.values import Const, ObjRef
from hflint.rules.base import Example, Rule
from hflint.rules.classifier_facts import SEQUENCE_HEAD, HeadSize, head_size, is_direct
from hflint.rules.context import RuleContext
from hflint.rules.label_data import label_writes
from hflint.rules.trainer_facts import all_trainers, describe_assumption, unwrap

MULTI_LABEL = "multi_label_classification"
FLOAT_ERROR = "RuntimeError: result type Float can't be cast to the desired output type Long"
_CASTS = frozenset({"float", "double", "half", "astype", "cast", "cast_column", "type", "to"})
_ONE_HOT = frozenset({"torch.nn.functional.one_hot"})


def _casts_somewhere(ctx: RuleContext) -> bool:
    """Something in the file may turn labels into floats: `.float()`, `float(...)`,
    `.astype(...)`, `cast_column(...)`, a `dtype=`, a "float32" string."""
    if any("float" in s for s in ctx.facts.strings):
        return True
    for call in ctx.facts.calls:
        func = call.node.func
        if call.method in _CASTS or "dtype" in call.kwargs:
            return True
        if isinstance(func, cst.Name) and func.value == "float":
            return True
    return False


def _own_loss(ctx: RuleContext, model: ObjectFact) -> bool:
    """A trainer of `model` computes the loss or batches its own way."""
    for trainer in all_trainers(ctx.facts):
        found = trainer.model()
        if found is None or unwrap(found) is not model:
            continue
        if trainer.overrides("compute_loss", "training_step") or trainer.passes(
            "compute_loss_func"
        ):
            return True
        collator = trainer.arg("data_collator")
        if collator is not None and not (
            isinstance(collator.value, ObjRef)
            and collator.value.obj.qualname.startswith("transformers.")
        ):
            return True
    return False


def _multi_label_models(ctx: RuleContext) -> Iterator[tuple[ObjectFact, HeadSize, cst.Arg]]:
    for obj in ctx.objects(Kind.MODEL):
        if not obj.class_name.endswith(SEQUENCE_HEAD):
            continue
        size = head_size(ctx, obj)
        arg = obj.kw("problem_type")
        if size is None or not size.multi_label or arg is None:
            continue
        yield obj, size, arg.node


def _literal_label_rows(ctx: RuleContext) -> Iterator[tuple[CallFact, list[list[object]]]]:
    """Label columns written out in a dict handed to a call (`Dataset.from_dict(data)`)."""
    for call in ctx.facts.calls:
        for arg in call.args:
            value = arg.value
            if isinstance(value, Const) and isinstance(value.value, dict):
                for key in ("labels", "label"):
                    rows = value.value.get(key)
                    if isinstance(rows, list) and rows and all(isinstance(r, list) for r in rows):
                        yield call, rows


class MultiLabelTargetsNotFloat(Rule):
    code = "HF407"
    name = "multi-label-targets-not-float"
    severity = Severity.ERROR
    summary = "Multi-label classifier trained on integer multi-hot rows or lists of class ids"
    what = (
        'Checks a sequence classifier loaded with `problem_type="multi_label_classification"` '
        "and trained by a trainer of this file, against the labels the file builds:\n\n"
        '- rows of integer literals written out (`"labels": [[0, 2], [1]]` in a dict given to '
        "`Dataset.from_dict(...)`): lists of class ids, or integer multi-hot rows;\n"
        "- a `labels` column built as an integer indicator row (`[1 if l in tags else 0 for l "
        "in all_labels]`).\n\n"
        "Files that cast anywhere (`.float()`, `float(...)`, `astype`, `cast_column`, a "
        '`dtype=`, a "float32" string), custom collators and custom losses are left alone.'
    )
    why = (
        "With this problem type the loss is `BCEWithLogitsLoss`, which needs float targets "
        "of the logits' shape `(batch, num_labels)`. Integer rows arrive as a LongTensor and "
        "class-id lists have the wrong width; the first step fails (observed with "
        "transformers 5.23.0):\n\n"
        f"    {FLOAT_ERROR}\n"
        "    ValueError: Target size (torch.Size([4, 2])) must be the same as input size "
        "(torch.Size([4, 3]))"
    )
    example = """
df["labels"] = df["tags"].apply(lambda tags: [1 if l in tags else 0 for l in all_labels])
model = AutoModelForSequenceClassification.from_pretrained(
    ckpt, num_labels=len(all_labels), problem_type="multi_label_classification")
"""
    use_instead = """
df["labels"] = df["tags"].apply(lambda tags: [1.0 if l in tags else 0.0 for l in all_labels])
model = AutoModelForSequenceClassification.from_pretrained(
    ckpt, num_labels=len(all_labels), problem_type="multi_label_classification")
"""
    fix_safety = (
        "Safe for an indicator row: `1`/`0` become `1.0`/`0.0`, the same values as floats, "
        "which is what the loss needs. No fix for class-id lists: turn them into float "
        "multi-hot rows of length `num_labels`."
    )
    references = (
        "https://discuss.huggingface.co/t/dataset-label-format-for-multi-label-text-classification/14998",
        "transformers/models/bert/modeling_bert.py (BertForSequenceClassification.forward)",
    )
    triggers = (
        Example(
            """import pandas as pd
from transformers import AutoModelForSequenceClassification, Trainer

all_labels = ["toxic", "insult", "threat"]
df["labels"] = df["tags"].apply(lambda tags: [1 if l in tags else 0 for l in all_labels])
model = AutoModelForSequenceClassification.from_pretrained(
    "distilbert-base-uncased", num_labels=len(all_labels), problem_type="multi_label_classification"
)
Trainer(model=model, args=args, train_dataset=ds).train()
""",
            note="integer indicator rows",
            fixed="""import pandas as pd
from transformers import AutoModelForSequenceClassification, Trainer

all_labels = ["toxic", "insult", "threat"]
df["labels"] = df["tags"].apply(lambda tags: [1.0 if l in tags else 0.0 for l in all_labels])
model = AutoModelForSequenceClassification.from_pretrained(
    "distilbert-base-uncased", num_labels=len(all_labels), problem_type="multi_label_classification"
)
Trainer(model=model, args=args, train_dataset=ds).train()
""",
        ),
        Example(
            """from datasets import Dataset
from transformers import AutoModelForSequenceClassification, Trainer

data = {"text": ["a", "b", "c"], "labels": [[0, 1], [1, 2], [0, 2]]}
ds = Dataset.from_dict(data)
model = AutoModelForSequenceClassification.from_pretrained(
    "bert-base-uncased", num_labels=3, problem_type="multi_label_classification"
)
Trainer(model=model, args=args, train_dataset=ds).train()
""",
            note="lists of class ids",
        ),
    )
    near_misses = (
        Example(
            """from transformers import AutoModelForSequenceClassification, Trainer

all_labels = ["toxic", "insult", "threat"]
df["labels"] = df["tags"].apply(lambda tags: [1.0 if l in tags else 0.0 for l in all_labels])
model = AutoModelForSequenceClassification.from_pretrained(
    "distilbert-base-uncased", num_labels=3, problem_type="multi_label_classification"
)
Trainer(model=model, train_dataset=ds).train()
""",
            note="float multi-hot rows",
        ),
        Example(
            """from datasets import Dataset
from transformers import AutoModelForSequenceClassification, Trainer

ds = Dataset.from_dict({"text": ["a", "b"], "labels": [[0, 1, 1], [1, 0, 0]]})
ds = ds.map(lambda x: {"labels": [float(v) for v in x["labels"]]})
model = AutoModelForSequenceClassification.from_pretrained(
    "bert-base-uncased", num_labels=3, problem_type="multi_label_classification"
)
Trainer(model=model, train_dataset=ds).train()
""",
            note="cast to float before training",
        ),
        Example(
            """from datasets import Dataset
from transformers import AutoModelForSequenceClassification, Trainer

ds = Dataset.from_dict({"text": ["a", "b"], "labels": [[0, 1, 1], [1, 0, 0]]})
model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=3)
Trainer(model=model, train_dataset=ds).train()
""",
            note="no multi-label problem type: another rule's business",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        models = list(_multi_label_models(ctx))
        if not models or _casts_somewhere(ctx):
            return
        for model, size, problem_arg in models:
            if _own_loss(ctx, model) or not self._trained(ctx, model):
                continue
            finding = self._indicator_rows(ctx, model, size) or self._literal_rows(
                ctx, model, size, problem_arg
            )
            if finding is not None:
                yield finding

    @staticmethod
    def _trained(ctx: RuleContext, model: ObjectFact) -> bool:
        for trainer in all_trainers(ctx.facts):
            found = trainer.model()
            if found is not None and unwrap(found) is model and trainer.passes("train_dataset"):
                return True
        return False

    def _indicator_rows(
        self, ctx: RuleContext, model: ObjectFact, size: HeadSize
    ) -> Finding | None:
        for write in label_writes(ctx):
            if write.value is None or indicator_row(write.value) != "int":
                continue
            message = (
                "These multi-hot `labels` are integers (`1` / `0`), but the classifier is "
                f'multi-label (`problem_type="{MULTI_LABEL}"`, {size.because}): its '
                "BCEWithLogitsLoss needs float targets, and the first step fails with "
                f"`{FLOAT_ERROR}`. Build the rows with `1.0` / `0.0`."
            )
            edits = self._float_edits(ctx, write.value)
            fix = ctx.fix("Use 1.0 / 0.0 in the indicator row", edits, safe=True) if edits else None
            related = [ctx.loaded_here(model, "multi-label classifier loaded here")]
            return ctx.report(self, write.value, message, fix=fix, related=related)
        return None

    @staticmethod
    def _float_edits(ctx: RuleContext, value: cst.BaseExpression) -> list[Edit]:
        node: cst.BaseExpression | None = value
        while node is not None and not isinstance(node, cst.ListComp):
            if isinstance(node, cst.Lambda):
                node = node.body
            elif isinstance(node, cst.Call) and node.args:
                node = node.args[0].value
            else:
                node = None
        if node is None or not isinstance(node.elt, cst.IfExp):
            return []
        parts = (node.elt.body, node.elt.orelse)
        return [ctx.replace(p, f"{p.value}.0") for p in parts if isinstance(p, cst.Integer)]

    def _literal_rows(
        self, ctx: RuleContext, model: ObjectFact, size: HeadSize, problem_arg: cst.Arg
    ) -> Finding | None:
        for call, rows in _literal_label_rows(ctx):
            values = [v for row in rows for v in row]
            if not values or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in values
            ):
                continue
            hot = all(len(row) == size.count for row in rows) and set(values) <= {0, 1}
            if hot:
                what, error = "integer multi-hot rows", FLOAT_ERROR
            else:
                what = "lists of class ids"
                error = "ValueError: Target size (...) must be the same as input size (...)"
            message = (
                f'The classifier is multi-label (`problem_type="{MULTI_LABEL}"`, {size.because}'
                f"{describe_assumption(size.assumed)}) but the `labels` written out for it are "
                f"{what} (`{rows[0]}`, ...): its BCEWithLogitsLoss needs float multi-hot rows "
                f"of length {size.count}, and the first step fails with `{error}`. Encode each "
                "example as a float vector (`[1.0, 0.0, 1.0]`)."
            )
            related = [Related("labels given here", ctx.range(call.node))]
            severity = self.severity.lowered() if size.assumed else self.severity
            return ctx.report(self, problem_arg, message, related=related, severity=severity)
        return None


class OneHotLabelsSingleLabelHead(Rule):
    code = "HF408"
    name = "one-hot-labels-single-label-head"
    severity = Severity.ERROR
    summary = "Integer one-hot labels given to a single-label sequence classifier"
    what = (
        "Checks for `torch.nn.functional.one_hot(...)` whose result is used as labels (passed "
        "to a `TensorDataset`, or as `labels=`) and never cast, in a file whose only sequence "
        "classifier has as many labels as the one-hot width and no multi-label "
        "`problem_type`."
    )
    why = (
        "`one_hot` returns a LongTensor. Integer labels make the classifier a single-label one "
        "(CrossEntropyLoss over class ids); it flattens the `(batch, num_labels)` rows into "
        "`batch * num_labels` targets and fails on the first step (observed with transformers "
        "5.23.0):\n\n"
        "    ValueError: Expected input batch_size (8) to match target batch_size (136)."
    )
    example = """
onehot = F.one_hot(classes, num_classes=17)
loss = model(input_ids, attention_mask=mask, labels=onehot).loss
"""
    use_instead = """
loss = model(input_ids, attention_mask=mask, labels=classes).loss
"""
    fix_safety = (
        "No fix: pass the class ids (`onehot.argmax(dim=1)`), or float rows for multi-label."
    )
    references = (
        "transformers/models/bert/modeling_bert.py (BertForSequenceClassification.forward: "
        "the problem type follows the labels' dtype)",
    )
    triggers = (
        Example(
            """import torch.nn.functional as F
from torch.utils.data import TensorDataset
from transformers import BertForSequenceClassification

model = BertForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=17)
onehot = F.one_hot(classes, num_classes=17)
train = TensorDataset(enc["input_ids"], enc["attention_mask"], onehot)
""",
        ),
    )
    near_misses = (
        Example(
            """import torch.nn.functional as F
from transformers import BertForSequenceClassification

model = BertForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=17)
onehot = F.one_hot(classes, num_classes=17).float()
out = model(**batch, labels=onehot)
""",
            note="float rows: a multi-label target, on purpose",
        ),
        Example(
            """import torch.nn.functional as F
from transformers import BertForSequenceClassification

model = BertForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=17)
mask = F.one_hot(ids, num_classes=17)
out = model(**batch, labels=classes)
""",
            note="the one-hot rows are not the labels",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        calls = [c for c in ctx.facts.calls if c.qualname in _ONE_HOT and c.target]
        if not calls:
            return
        heads = [
            (obj, size)
            for obj in ctx.objects(Kind.MODEL)
            if obj.class_name.endswith(SEQUENCE_HEAD) and is_direct(obj)
            for size in [head_size(ctx, obj)]
        ]
        if len(heads) != 1 or heads[0][1] is None or heads[0][1].multi_label:
            return
        model, size = heads[0]
        assert size is not None
        for call in calls:
            width = call.arg(1, "num_classes")
            if (
                width is None
                or not isinstance(width.value, Const)
                or width.value.value != size.count
            ):
                continue
            name = call.target or ""
            if self._cast(ctx, call, name) or not self._used_as_labels(ctx, name):
                continue
            message = (
                f"`{name}` holds integer one-hot rows of width {size.count}, used as labels of "
                f"a single-label classifier ({size.because}{describe_assumption(size.assumed)}): "
                "integer labels mean one class id per example, so CrossEntropyLoss flattens "
                "the rows and the first step fails with `ValueError: Expected input batch_size "
                f"(N) to match target batch_size (N*{size.count}).` Pass the class ids "
                f"(`{name}.argmax(dim=1)`, or the ids `one_hot` was given)."
            )
            related = [ctx.loaded_here(model, "classifier loaded here")]
            severity = self.severity.lowered() if size.assumed else self.severity
            yield ctx.report(self, call.node, message, related=related, severity=severity)

    @staticmethod
    def _cast(ctx: RuleContext, one_hot: CallFact, name: str) -> bool:
        for call in ctx.facts.calls:
            func = call.node.func
            if not isinstance(func, cst.Attribute):
                continue
            on_it = func.value is one_hot.node or (
                isinstance(func.value, cst.Name) and func.value.value == name
            )
            if on_it and (call.method in _CASTS or call.method == "argmax"):
                return True
        return False

    @staticmethod
    def _used_as_labels(ctx: RuleContext, name: str) -> bool:
        for call in ctx.facts.calls:
            labels = call.kw("labels")
            if (
                labels is not None
                and isinstance(labels.expr, cst.Name)
                and labels.expr.value == name
            ):
                return True
            if (call.qualname or "").endswith("TensorDataset") and any(
                isinstance(a.expr, cst.Name) and a.expr.value == name for a in call.args
            ):
                return True
        return False
