"""Family D, label maps: an explicit `id2label=None`, and literal class ids the head has no
output for.

`from_pretrained` applies its keywords to the config in order, and `num_labels` is derived
from `id2label`, so `id2label=None` leaves the config with no label count. A class id at or
past `num_labels` fails in the loss.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from hflint.analyzers.facts import Arg, Kind, ObjectFact
from hflint.analyzers.findings import Finding, Severity
from hflint.analyzers.values import Const, ObjRef
from hflint.rules.base import Example, Rule
from hflint.rules.classifier_facts import HeadSize, head_size, is_direct
from hflint.rules.context import RuleContext
from hflint.rules.metric_flow import call_of
from hflint.rules.trainer_facts import describe_assumption, unwrap


class Id2LabelNone(Rule):
    code = "HF409"
    name = "id2label-none"
    severity = Severity.ERROR
    summary = "An explicit id2label=None in from_pretrained leaves the config without a label count"
    what = (
        "Checks `from_pretrained(...)` of a classifier or a config (`AutoConfig` and the "
        "`*Config` classes) for `id2label=None` passed explicitly (a literal, or a value known "
        "to be None such as a helper's default), with no `num_labels=` after it."
    )
    why = (
        "`from_pretrained` applies its keywords to the config in order, and `num_labels` is "
        "derived from `id2label`: `id2label=None` leaves `config.num_labels` as None (observed "
        "with transformers 5.23.0, also when `num_labels=1` comes before it). Building a "
        "classifier head from that config fails:\n\n"
        "    TypeError: empty(): argument 'size' (position 1) must be tuple of ints, but found "
        "element of type NoneType at pos 0"
    )
    example = """
config = AutoConfig.from_pretrained(name, num_labels=1, id2label=None, label2id=None)
"""
    use_instead = """
config = AutoConfig.from_pretrained(name, num_labels=1)
"""
    fix_safety = (
        "Safe when `None` is written in the call: dropping `id2label=None` (and "
        "`label2id=None`) lets `num_labels` or the checkpoint's labels decide. No fix when "
        "the None comes from elsewhere (a parameter's default): pass the maps only when set."
    )
    references = ("https://github.com/huggingface/transformers/pull/16709",)
    triggers = (
        Example(
            """from transformers import AutoConfig, AutoModelForSequenceClassification

config = AutoConfig.from_pretrained("bert-base-uncased", num_labels=1, id2label=None, label2id=None)
model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", config=config)
""",
            fixed="""from transformers import AutoConfig, AutoModelForSequenceClassification

config = AutoConfig.from_pretrained("bert-base-uncased", num_labels=1)
model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", config=config)
""",
        ),
    )
    near_misses = (
        Example(
            """from transformers import AutoConfig, AutoModelForSequenceClassification

config = AutoConfig.from_pretrained("bert-base-uncased", id2label=None, label2id=None, num_labels=3)
model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", config=config)
""",
            note="num_labels comes after and sets the map",
        ),
        Example(
            """from transformers import BertConfig

config = BertConfig(num_labels=2, id2label=None)
""",
            note="a constructor: num_labels decides",
        ),
        Example(
            """from transformers import AutoModelForSequenceClassification

model = AutoModelForSequenceClassification.from_pretrained(
    "bert-base-uncased", id2label=id2label, label2id=label2id
)
""",
            note="maps of unknown value",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for obj in ctx.facts.objects:
            if obj.kind not in (Kind.MODEL, Kind.CONFIG) or obj.method != "from_pretrained":
                continue
            if not is_direct(obj) or obj.call.has_star_kwargs:
                continue
            if obj.kind is Kind.MODEL and not obj.class_name.endswith("Classification"):
                continue
            if obj.kind is Kind.CONFIG and not self._configures_classifier(ctx, obj):
                continue
            args = list(obj.node.args)
            keys = [a.keyword.value if a.keyword is not None else None for a in args]
            if "id2label" not in keys:
                continue
            position = keys.index("id2label")
            arg = obj.call.kwargs["id2label"]
            if not (isinstance(arg.value, Const) and arg.value.value is None):
                continue
            if "num_labels" in keys[position + 1 :]:
                continue
            assumed = arg.value.origin or "a default" if arg.value.overridable else ""
            message = (
                f"`id2label=None`{describe_assumption(assumed)} is applied to the config after "
                "everything before it and leaves `config.num_labels` as None, so building a "
                "classifier head fails with `TypeError: empty(): argument 'size' (position 1) "
                "must be tuple of ints, but found element of type NoneType at pos 0`. Pass "
                "`id2label` (and `label2id`) only when you have a map."
            )
            fix = None
            if isinstance(arg.expr, cst.Name) and arg.expr.value == "None":
                dropped = [arg.node]
                label2id = obj.call.kwargs.get("label2id")
                if (
                    label2id is not None
                    and isinstance(label2id.expr, cst.Name)
                    and (label2id.expr.value == "None")
                ):
                    dropped.append(label2id.node)
                fix = ctx.fix(
                    "Remove the None label maps", ctx.remove_args(obj.node, dropped), safe=True
                )
            severity = self.severity.lowered() if assumed else self.severity
            yield ctx.report(self, arg.node, message, fix=fix, severity=severity)

    @staticmethod
    def _configures_classifier(ctx: RuleContext, config: ObjectFact) -> bool:
        """The config is handed to a classifier's `from_pretrained(config=...)` / `from_config`."""
        for obj in ctx.objects(Kind.MODEL):
            if not obj.class_name.endswith("Classification"):
                continue
            arg = obj.kw("config") if obj.method == "from_pretrained" else obj.call.arg(0, "config")
            if arg is not None and isinstance(arg.value, ObjRef) and arg.value.obj is config:
                return True
        return False


_TENSOR_MAKERS = frozenset(
    {"tensor", "LongTensor", "as_tensor", "array", "asarray", "from_numpy", "IntTensor"}
)


def _ids(value: object) -> list[int] | None:
    """The class ids of a literal label list (nested for per-token labels), -100 left out."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return [] if value == -100 else [value]
    if isinstance(value, (list, tuple)):
        out: list[int] = []
        for item in value:
            found = _ids(item)
            if found is None:
                return None
            out += found
        return out
    return None


def _literal_ids(ctx: RuleContext, arg: Arg) -> list[int] | None:
    """`labels=[0, 3]`, `labels=torch.tensor([[0, -100, 2]])`: the ids written out."""
    if isinstance(arg.value, Const):
        return _ids(arg.value.value)
    expr = arg.expr
    if not isinstance(expr, cst.Call):
        return None
    inner = call_of(ctx, expr)
    name = (inner.qualname or inner.method or "") if inner is not None else ""
    if inner is None or name.rsplit(".", 1)[-1] not in _TENSOR_MAKERS or not inner.args:
        return None
    first = inner.args[0].value
    return _ids(first.value) if isinstance(first, Const) else None


class ClassIdOutsideHead(Rule):
    code = "HF410"
    name = "class-id-outside-head"
    severity = Severity.ERROR
    summary = "A literal class id at or past the classifier's num_labels"
    what = (
        "Checks class ids written out as literals against the head they train: `labels=` of a "
        "call of a classifier loaded in this module (a list, or `torch.tensor([...])`), and "
        "`label` / `labels` columns in a dict given to a call (`Dataset.from_dict(...)`) when "
        "the file loads exactly one classifier. The head's size comes from its `num_labels`, "
        "`id2label` or its checkpoint's labels; -100 (ignored by the loss) does not count."
    )
    why = (
        "A classifier with `num_labels=N` has outputs 0..N-1; CrossEntropyLoss fails on any "
        "other id (observed with transformers 5.23.0):\n\n"
        "    IndexError: Target 3 is out of bounds.\n\n"
        "(on GPU: `device-side assert triggered ... t >= 0 && t < n_classes`)."
    )
    example = """
model = BertForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=2)
loss = model(**batch, labels=torch.tensor([0, 2, 1])).loss
"""
    use_instead = """
model = BertForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=3)
loss = model(**batch, labels=torch.tensor([0, 2, 1])).loss
"""
    fix_safety = "No fix: size the head by your classes (`num_labels=len(label2id)`)."
    references = ("https://github.com/TencentGameMate/gnn_cross_lingual/issues/5",)
    triggers = (
        Example(
            """import torch
from transformers import BertForSequenceClassification

model = BertForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=2)
out = model(**batch, labels=torch.tensor([0, 2, 1]))
""",
        ),
        Example(
            """from datasets import Dataset
from transformers import AutoModelForSequenceClassification

ds = Dataset.from_dict({"text": ["a", "b", "c"], "label": [0, 1, 3]})
model = AutoModelForSequenceClassification.from_pretrained("roberta-base", num_labels=3)
""",
            note="the file's only classifier, ids in a dataset dict",
        ),
    )
    near_misses = (
        Example(
            """import torch
from transformers import BertForTokenClassification

model = BertForTokenClassification.from_pretrained("bert-base-cased", num_labels=3)
out = model(**batch, labels=torch.tensor([[-100, 0, 2, -100]]))
""",
            note="-100 is ignored by the loss",
        ),
        Example(
            """from datasets import Dataset
from transformers import AutoModelForSequenceClassification

ds = Dataset.from_dict({"text": ["a", "b"], "label": [0, 4]})
small = AutoModelForSequenceClassification.from_pretrained("roberta-base", num_labels=2)
large = AutoModelForSequenceClassification.from_pretrained("roberta-base", num_labels=5)
""",
            note="two classifiers: which one the data trains is not known",
        ),
        Example(
            """import torch
from transformers import AutoModelForSequenceClassification

model = AutoModelForSequenceClassification.from_pretrained("roberta-base", num_labels=1)
out = model(**batch, labels=torch.tensor([0.5, 3.0]))
""",
            note="regression",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        heads: list[tuple[ObjectFact, HeadSize]] = []
        for obj in ctx.objects(Kind.MODEL):
            size = head_size(ctx, obj)
            if size is not None:
                heads.append((obj, size))
            elif obj.class_name.endswith("Classification") and obj.method == "from_pretrained":
                heads.append((obj, HeadSize(0, "")))  # a classifier of unknown size
        known = {id(obj): size for obj, size in heads if size.count > 1 and not size.multi_label}
        if not known:
            return
        for call in ctx.facts.calls:
            labels = call.kw("labels")
            recv = call.receiver.obj if isinstance(call.receiver, ObjRef) else None
            if labels is None or recv is None or call.method not in ("__call__", "forward"):
                continue
            size = known.get(id(unwrap(recv)))
            ids = _literal_ids(ctx, labels) if size is not None else None
            if size is None or not ids or max(ids) < size.count:
                continue
            yield self._report(ctx, labels.node, max(ids), size, unwrap(recv), self.severity)
        if len(heads) != 1 or id(heads[0][0]) not in known:
            return
        model, size = heads[0]
        for call in ctx.facts.calls:
            for arg in call.args:
                if not isinstance(arg.value, Const) or not isinstance(arg.value.value, dict):
                    continue
                for key in ("label", "labels"):
                    ids = _ids(arg.value.value.get(key))
                    if ids and max(ids) >= size.count:
                        severity = self.severity.lowered()
                        yield self._report(ctx, arg.node, max(ids), size, model, severity)

    def _report(
        self,
        ctx: RuleContext,
        node: cst.CSTNode,
        top: int,
        size: HeadSize,
        model: ObjectFact,
        severity: Severity,
    ) -> Finding:
        message = (
            f"Class id {top} is written out here, but the classifier has {size.count} outputs "
            f"({size.because}{describe_assumption(size.assumed)}), ids 0..{size.count - 1}: the "
            f"loss fails with `IndexError: Target {top} is out of bounds.` Size the head by "
            "your classes (`num_labels=len(labels)`)."
        )
        if size.assumed:
            severity = severity.lowered()
        related = [ctx.loaded_here(model, "classifier loaded here")]
        return ctx.report(self, node, message, related=related, severity=severity)
