"""Family D, syntactic: label maps and problem types that transformers accepts but misreads.

HF402, HF404 and HF405 need no checkpoint facts: the literal keywords (or the constants they
resolve to) are enough. transformers 5.23 checks none of these at load time, which is why the
mistakes survive until a loss is silently wrong or a pipeline prints the wrong label.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import libcst as cst

from hflint.analyzers.facts import Arg, AttrUse, CallFact, Kind, ObjectFact
from hflint.analyzers.findings import Finding, Fix, Related, Severity
from hflint.analyzers.values import Const
from hflint.rules.base import Example, Rule
from hflint.rules.classifier_facts import (
    SEQUENCE_HEAD,
    agreed_labels,
    checkpoint_label_map,
    class_name_lists,
    classifier_loads,
    dict_literal,
    is_direct,
    label_request,
    later_arg,
    related_labels,
)
from hflint.rules.context import RuleContext

PROBLEM_TYPES = ("regression", "single_label_classification", "multi_label_classification")


def label_map_calls(ctx: RuleContext) -> Iterator[CallFact]:
    """Model and config loads, and config constructors, made directly in this module."""
    for obj in ctx.facts.objects:
        if obj.kind not in (Kind.MODEL, Kind.CONFIG) or not is_direct(obj):
            continue
        if obj.method == "from_pretrained" or (obj.kind is Kind.CONFIG and obj.method is None):
            yield obj.call


def const_of(arg: Arg | None) -> Const | None:
    return arg.value if arg is not None and isinstance(arg.value, Const) else None


def as_int(value: object) -> int | None:
    """An id as transformers reads it: ints, and strings of ints (JSON keys)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


# ---- HF402 -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class LabelMaps:
    """The constant label keywords of one call."""

    call: CallFact
    num_labels: Arg | None
    id2label: Arg | None
    label2id: Arg | None
    ids: dict[int, Any] | None  # id2label with int keys; None: absent or keys not ids
    overridable: bool


def label_maps(call: CallFact) -> LabelMaps | None:
    num, id2label, label2id = call.kw("num_labels"), call.kw("id2label"), call.kw("label2id")
    consts = [const_of(a) for a in (num, id2label, label2id) if a is not None]
    if not any(c is not None for c in consts):
        return None
    ids: dict[int, Any] | None = None
    mapping = const_of(id2label)
    if mapping is not None and isinstance(mapping.value, dict):
        keys = {k: as_int(k) for k in mapping.value}
        if all(v is not None for v in keys.values()) and len(set(keys.values())) == len(keys):
            ids = {int(keys[k] or 0): v for k, v in mapping.value.items()}
    overridable = any(c is not None and c.overridable for c in consts)
    return LabelMaps(call, num, id2label, label2id, ids, overridable)


class LabelMapsInconsistent(Rule):
    code = "HF402"
    name = "label-maps-inconsistent"
    severity = Severity.ERROR
    summary = "num_labels, id2label and label2id that disagree"
    what = (
        "Checks the constant `num_labels`, `id2label` and `label2id` passed to a model's or "
        "config's `from_pretrained`, or to a `*Config(...)` constructor, for:\n\n"
        "- `num_labels` different from `len(id2label)`;\n"
        "- `id2label` keys that are not `0..n-1`;\n"
        "- a `label2id` that is not the exact inverse of `id2label`.\n\n"
        "Values built by constant propagation count (`{i: l for i, l in enumerate(labels)}`, "
        "`len(labels)`); anything else is not judged."
    )
    why = (
        "In transformers 5, `num_labels` is derived from `id2label`, and on a conflict the dict "
        "wins with only a log line:\n\n"
        "    You passed `num_labels=3` which is incompatible to the `id2label` map of length "
        "`2`.\n\n"
        "`label2id` is then left as the default `{'LABEL_0': 0, 'LABEL_1': 1, 'LABEL_2': 2}`, "
        "and an inconsistent config is saved with the model. A `label2id` that is not the "
        "inverse of `id2label` is accepted silently, and pipelines and label conversion then "
        "disagree about which id is which label. Keys other than `0..n-1` name ids the head "
        "does not have: training with them fails with `IndexError: Target 2 is out of bounds.`"
    )
    example = (
        "model = AutoModelForSequenceClassification.from_pretrained(ckpt, num_labels=3,\n"
        '    id2label={0: "neg", 1: "pos"}, label2id={"neg": 1, "pos": 0})'
    )
    use_instead = (
        'id2label = {0: "neg", 1: "pos"}\n'
        "model = AutoModelForSequenceClassification.from_pretrained(ckpt, id2label=id2label,\n"
        "    label2id={v: k for k, v in id2label.items()})"
    )
    fix_safety = (
        "Safe, taking `id2label` as the truth: the conflicting `num_labels` is removed (it is "
        "ignored at run time anyway), and `label2id` is rewritten as the inverse of `id2label`. "
        "Keys outside `0..n-1` get no fix: only you know which id each label should have."
    )
    references = (
        "https://huggingface.co/docs/transformers/main_classes/configuration",
        "transformers/configuration_utils.py (PreTrainedConfig.__post_init__)",
    )
    triggers = (
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "roberta-base", num_labels=3, id2label={0: "neg", 1: "pos"})\n',
            fixed="from transformers import AutoModelForSequenceClassification\n"
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "roberta-base", id2label={0: "neg", 1: "pos"})\n',
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            'labels = ["neg", "neu", "pos"]\n'
            "id2label = {i: l for i, l in enumerate(labels)}\n"
            "label2id = {l: i for i, l in enumerate(reversed(labels))}\n"
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "roberta-base",\n'
            "    id2label=id2label,\n"
            '    label2id={"neg": 2, "neu": 1, "pos": 0},\n'
            ")\n",
            note="label2id is not the inverse; id2label built with a comprehension",
            fixed="from transformers import AutoModelForSequenceClassification\n"
            'labels = ["neg", "neu", "pos"]\n'
            "id2label = {i: l for i, l in enumerate(labels)}\n"
            "label2id = {l: i for i, l in enumerate(reversed(labels))}\n"
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "roberta-base",\n'
            "    id2label=id2label,\n"
            "    label2id={v: k for k, v in id2label.items()},\n"
            ")\n",
        ),
        Example(
            "from transformers import AutoConfig\n"
            'LABELS = ["O", "B-PER", "I-PER", "B-LOC"]\n'
            'config = AutoConfig.from_pretrained("bert-base-cased", num_labels=len(LABELS) + 1,\n'
            "    id2label=dict(enumerate(LABELS)))\n",
            note="AutoConfig, num_labels from len() of a list",
        ),
        Example(
            "from transformers import BertConfig\n"
            'config = BertConfig(id2label={1: "neg", 2: "pos"}, label2id={"neg": 1, "pos": 2})\n',
            note="1-based ids: no fix",
        ),
        Example(
            "import transformers as tf\n"
            "model = tf.AutoModelForTokenClassification.from_pretrained(\n"
            '    "bert-base-cased", id2label={0: "O", 1: "B-PER"}, label2id={"O": 0, '
            '"B-PER": 0})\n',
            note="token classification, inline dicts: the inverse is written out",
            fixed="import transformers as tf\n"
            "model = tf.AutoModelForTokenClassification.from_pretrained(\n"
            '    "bert-base-cased", id2label={0: "O", 1: "B-PER"}, label2id={"O": 0, '
            '"B-PER": 1})\n',
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            'labels = ["neg", "pos"]\n'
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "roberta-base", num_labels=len(labels), id2label=dict(enumerate(labels)),\n'
            "    label2id={l: i for i, l in enumerate(labels)})\n",
        ),
        Example(
            "from transformers import AutoConfig\n"
            "id2label = {'0': 'neg', '1': 'pos'}\n"
            'config = AutoConfig.from_pretrained("bert-base-cased", id2label=id2label,\n'
            "    label2id={'neg': 0, 'pos': 1})\n",
            note="string keys, as config.json has them, are converted by transformers",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            "def load(id2label, label2id):\n"
            "    return AutoModelForSequenceClassification.from_pretrained(\n"
            '        "roberta-base", num_labels=3, id2label=id2label, label2id=label2id)\n',
            note="unknown maps",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "roberta-base", num_labels=3, id2label={0: "a", 1: "b", 2: "c"})\n',
        ),
        Example(
            'from mylib import Config\nconfig = Config(num_labels=3, id2label={0: "a"})\n',
            note="not transformers",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for call in label_map_calls(ctx):
            maps = label_maps(call)
            if maps is None:
                continue
            severity = self.severity.lowered() if maps.overridable else self.severity
            for finding in (
                self._count(ctx, maps),
                self._keys(ctx, maps),
                self._inverse(ctx, maps),
            ):
                if finding is not None:
                    yield finding.with_severity(severity)

    def _count(self, ctx: RuleContext, maps: LabelMaps) -> Finding | None:
        num, id2label = const_of(maps.num_labels), const_of(maps.id2label)
        if num is None or not isinstance(num.value, int) or maps.id2label is None:
            return None
        assert maps.num_labels is not None
        from_checkpoint = None
        if id2label is not None and isinstance(id2label.value, dict):
            count, source = len(id2label.value), "`id2label`"
        elif maps.call.method == "from_pretrained" and (
            found := checkpoint_label_map(ctx, maps.id2label)
        ):
            count, from_checkpoint = found
            source = f"`id2label` (the labels of {from_checkpoint.describe()})"
        else:
            return None
        if num.value == count:
            return None
        message = f"`num_labels={num.value}` contradicts {source}, which has {count} entries. "
        if maps.call.method != "from_pretrained":
            message += (
                f"The config keeps `num_labels={num.value}`, logs `You passed num_labels="
                f"{num.value} which is incompatible to the id2label map of length {count}.` and "
                "replaces the label names with `LABEL_0`, `LABEL_1`, ... "
            )
        elif later_arg(maps.call, maps.id2label, maps.num_labels):
            message += (
                "`from_pretrained` applies its keywords in order, so `id2label` (after "
                f"`num_labels`) silently sets the label count back to {count}: the head gets "
                f"{count} outputs, and a label id from {count} up fails in the loss "
                f"(`IndexError: Target {count} is out of bounds.`). "
            )
        else:
            message += (
                "`from_pretrained` applies its keywords in order, so `num_labels` (after "
                f"`id2label`) replaces the map with {num.value} placeholder names `LABEL_0`, "
                "`LABEL_1`, ..., silently. "
            )
        if from_checkpoint is not None:
            message += (
                f"Build `id2label` / `label2id` from your {num.value} labels instead of reusing "
                "the checkpoint's (and pass `ignore_mismatched_sizes=True` to re-head it)."
            )
            return ctx.report(self, maps.num_labels.node, message)
        message += "Drop `num_labels`: `id2label` already sets it."
        fix = ctx.fix(
            "Remove num_labels (id2label sets it)",
            [ctx.remove_arg(maps.call.node, maps.num_labels.node)],
            safe=True,
        )
        return ctx.report(self, maps.num_labels.node, message, fix=fix)

    def _keys(self, ctx: RuleContext, maps: LabelMaps) -> Finding | None:
        id2label = const_of(maps.id2label)
        if id2label is None or not isinstance(id2label.value, dict) or not id2label.value:
            return None
        assert maps.id2label is not None
        if maps.ids is not None and sorted(maps.ids) == list(range(len(maps.ids))):
            return None
        count = len(id2label.value)
        shown = ", ".join(repr(k) for k in list(id2label.value)[:6])
        message = f"`id2label` keys must be the ids 0..{count - 1}, but they are {shown}. "
        if maps.ids is None:
            message += (
                "transformers converts every key with `int()`, so this fails with a "
                "`ValueError` when the config is built"
            )
            values = [as_int(v) for v in id2label.value.values()]
            if sorted(v for v in values if v is not None) == list(range(count)):
                message += "; this looks like `label2id` (label -> id) passed as `id2label`"
            message += "."
        else:
            message += (
                f"The head has {count} outputs numbered from 0, so predictions get the wrong "
                "names and a label id past the end fails in the loss (`IndexError: Target "
                f"{count} is out of bounds.`). Number the labels from 0 (and map your dataset's "
                "labels the same way)."
            )
        return ctx.report(self, maps.id2label.node, message)

    def _inverse(self, ctx: RuleContext, maps: LabelMaps) -> Finding | None:
        label2id = const_of(maps.label2id)
        if label2id is None or not isinstance(label2id.value, dict) or maps.ids is None:
            return None
        if sorted(maps.ids) != list(range(len(maps.ids))):
            return None  # reported as bad keys
        labels = list(maps.ids.values())
        if len(set(map(repr, labels))) != len(labels):
            return None  # duplicate names: no inverse exists
        given = {k: as_int(v) for k, v in label2id.value.items()}
        inverse = {label: i for i, label in maps.ids.items()}
        if given == inverse:
            return None
        assert maps.label2id is not None and maps.id2label is not None
        wrong = [k for k in inverse if given.get(k) != inverse[k]] + [
            k for k in given if k not in inverse
        ]
        message = (
            "`label2id` is not the inverse of `id2label` (it disagrees on "
            f"{', '.join(repr(k) for k in wrong[:4])}). "
            "transformers accepts this silently; pipelines then name predictions through "
            "`id2label` while your label encoding uses `label2id`, so labels get swapped. "
            "Derive one from the other: `label2id={v: k for k, v in id2label.items()}`."
        )
        fix = self._inverse_fix(ctx, maps)
        return ctx.report(self, maps.label2id.node, message, fix=fix)

    @staticmethod
    def _inverse_fix(ctx: RuleContext, maps: LabelMaps) -> Fix | None:
        assert maps.label2id is not None and maps.id2label is not None and maps.ids is not None
        source = maps.id2label.expr
        id2label = const_of(maps.id2label)
        keys_are_ints = id2label is not None and all(isinstance(k, int) for k in id2label.value)
        if isinstance(source, cst.Name) and keys_are_ints:
            text = f"{{v: k for k, v in {source.value}.items()}}"
        else:
            text = dict_literal([(label, i) for i, label in sorted(maps.ids.items())]) or ""
        if not text:
            return None
        edit = ctx.replace(maps.label2id.node.value, text)
        return ctx.fix("Rewrite label2id as the inverse of id2label", [edit], safe=True)


# ---- HF404 -----------------------------------------------------------------------------------
def closest_problem_type(value: str) -> tuple[str, bool] | None:
    """The valid problem type `value` means, and whether that reading is certain."""
    norm = re.sub(r"[^a-z]", "", value.lower())
    if "multilabel" in norm:
        return "multi_label_classification", True
    if norm.startswith("regress"):
        return "regression", True
    if "singlelabel" in norm or "multiclass" in norm:
        return "single_label_classification", True
    close = difflib.get_close_matches(value.lower(), PROBLEM_TYPES, n=1, cutoff=0.75)
    if close:
        return close[0], False
    if "class" in norm or "binary" in norm:
        return "single_label_classification", False
    return None


@dataclass(frozen=True)
class ProblemTypeUse:
    value: str
    node: cst.BaseExpression  # the string literal (or expression) to replace
    anchor: cst.CSTNode  # where to report
    overridable: bool


def problem_type_uses(ctx: RuleContext) -> Iterator[ProblemTypeUse]:
    """`problem_type=` keywords of model/config loads, and `model.config.problem_type = ...`."""
    for call in label_map_calls(ctx):
        arg = call.kw("problem_type")
        const = const_of(arg)
        if arg is not None and const is not None and isinstance(const.value, str):
            yield ProblemTypeUse(const.value, arg.expr, arg.expr, const.overridable)
    for use in ctx.facts.attr_uses:
        if use.is_write and _is_problem_type_target(use) and isinstance(use.value, Const):
            value_node = _assigned_value(use)
            if isinstance(use.value.value, str) and value_node is not None:
                yield ProblemTypeUse(use.value.value, value_node, value_node, use.value.overridable)


def _is_problem_type_target(use: AttrUse) -> bool:
    if use.obj.kind is Kind.MODEL:
        return use.path == ("config", "problem_type")
    return use.obj.kind is Kind.CONFIG and use.path == ("problem_type",)


def _assigned_value(use: AttrUse) -> cst.BaseExpression | None:
    """The right-hand side of the `x.problem_type = <value>` statement holding `use`."""
    statement = use.statement
    if not isinstance(statement, cst.SimpleStatementLine):
        return None
    for small in statement.body:
        if isinstance(small, cst.Assign) and any(t.target is use.node for t in small.targets):
            return small.value
    return None


class InvalidProblemType(Rule):
    code = "HF404"
    name = "invalid-problem-type"
    severity = Severity.ERROR
    summary = "problem_type that is not one of transformers' three values"
    what = (
        "Checks for a constant `problem_type=` (on a model's or config's `from_pretrained`, a "
        '`*Config(...)`, or `model.config.problem_type = ...`) that is not `"regression"`, '
        '`"single_label_classification"` or `"multi_label_classification"`, such as '
        '`"multilabel"`, `"multi_label"` or `"classification"`.'
    )
    why = (
        "The field is typed as a `Literal`, but transformers 5.23 does not validate it when "
        "loading. What happens next depends on the model: models with inline loss code (the "
        "BERT family) fall through every branch and silently return `loss=None`; models using "
        "the shared loss raise\n\n"
        "    RuntimeError: Invalid problem type: multilabel\n\n"
        "Note that `multi_label_classification` needs float multi-hot labels; integer labels "
        "give `RuntimeError: result type Float can't be cast to the desired output type Long`."
    )
    example = (
        "model = AutoModelForSequenceClassification.from_pretrained(\n"
        '    ckpt, num_labels=5, problem_type="multilabel")'
    )
    use_instead = (
        "model = AutoModelForSequenceClassification.from_pretrained(\n"
        '    ckpt, num_labels=5, problem_type="multi_label_classification")'
    )
    fix_safety = (
        "Safe when the misspelling can only mean one value (`multilabel`, `multi-label`, "
        "`Regression`, `single_label`, `multiclass`); unsafe when it is a guess (`classification`, "
        "`binary`, or the closest spelling by difflib). No fix when nothing is close."
    )
    references = (
        "https://huggingface.co/docs/transformers/main_classes/configuration",
        "transformers/models/bert/modeling_bert.py (BertForSequenceClassification.forward)",
        "transformers/loss/loss_utils.py (ForSequenceClassificationLoss)",
    )
    triggers = (
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "roberta-base", num_labels=5, problem_type="multilabel")\n',
            fixed="from transformers import AutoModelForSequenceClassification\n"
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "roberta-base", num_labels=5, problem_type="multi_label_classification")\n',
        ),
        Example(
            "import transformers as T\n"
            'PROBLEM = "multi-label"\n'
            'config = T.AutoConfig.from_pretrained("bert-base-uncased", problem_type=PROBLEM)\n',
            note="through a constant: the name is replaced by the valid literal",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            'model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")\n'
            'model.config.problem_type = "classification"\n',
            note="an assignment, and a guess (unsafe)",
        ),
        Example(
            "from transformers import DistilBertConfig\n"
            'config = DistilBertConfig(num_labels=1, problem_type="Regression")\n',
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "roberta-base", num_labels=5, problem_type="multi_label_classification")\n',
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            "def load(kind):\n"
            '    return AutoModelForSequenceClassification.from_pretrained("roberta-base", '
            "problem_type=kind)\n",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "roberta-base", num_labels=1, problem_type=None)\n',
        ),
        Example(
            "from sklearn.linear_model import LogisticRegression\n"
            'clf = LogisticRegression(multi_class="multinomial")\n'
            'problem_type = "multilabel"  # not a transformers argument\n'
            "from transformers import pipeline\n",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for use in problem_type_uses(ctx):
            if use.value in PROBLEM_TYPES:
                continue
            message = (
                f'`problem_type="{use.value}"` is not one of "regression", '
                '"single_label_classification" or "multi_label_classification". transformers '
                "5.23 accepts it at load; then BERT-family models silently return `loss=None` "
                "and models using the shared loss raise "
                f"`RuntimeError: Invalid problem type: {use.value}`."
            )
            fix = None
            suggestion = closest_problem_type(use.value)
            if suggestion is not None:
                value, certain = suggestion
                message += f' Use "{value}".'
                if value == "multi_label_classification":
                    message += " Its labels must be float multi-hot vectors."
                edit = ctx.replace(use.node, f'"{value}"')
                literal = isinstance(use.node, cst.SimpleString)
                fix = ctx.fix(f'Use problem_type="{value}"', [edit], safe=certain and literal)
            severity = self.severity.lowered() if use.overridable else self.severity
            yield ctx.report(self, use.anchor, message, fix=fix, severity=severity)


def _is_num_labels(arg: Arg) -> bool:
    return arg.node.keyword is not None and arg.node.keyword.value == "num_labels"


# ---- HF405 -----------------------------------------------------------------------------------
_CLASSIFICATION_METRICS = frozenset(
    {"accuracy", "f1", "precision", "recall", "matthews_correlation"}
)
_SKLEARN_CLASSIFICATION = frozenset(
    {
        "accuracy_score",
        "f1_score",
        "precision_score",
        "recall_score",
        "classification_report",
        "confusion_matrix",
        "precision_recall_fscore_support",
        "balanced_accuracy_score",
    }
)
_REGRESSION_WORDS = ("regression", "pearson", "spearman", "stsb", "sts-b", "reward", "mean_squared")
_REGRESSION_STRINGS = frozenset({"mse", "rmse", "mae", "r2", "r_squared"})
_REGRESSION_NAMES = (
    "pearsonr",
    "spearmanr",
    "mean_squared_error",
    "mean_absolute_error",
    "r2_score",
    "Reward",
    "ValueHead",
)


@dataclass(frozen=True)
class Intent:
    """Why the file looks like classification, and where."""

    reason: str
    node: cst.CSTNode | None = None


def classification_intent(ctx: RuleContext) -> Intent | None:
    facts = ctx.facts
    for obj in facts.objects_of(Kind.METRIC):
        name = obj.checkpoint.value if isinstance(obj.checkpoint, Const) else None
        if name in _CLASSIFICATION_METRICS:
            return Intent(f'loads the "{name}" metric', obj.node)
    lists = class_name_lists(facts)
    if lists:
        return Intent(
            f"defines the class names {', '.join(map(str, lists[0].labels[:4]))}", lists[0].node
        )
    for call in facts.calls:
        if call.method == "argmax" or (call.qualname or "").endswith(".argmax"):
            return Intent("takes the `argmax` of predictions (always 0 over one output)", call.node)
    for local, qual in facts.imports.items():
        if (
            qual.startswith("sklearn.metrics.")
            and qual.rsplit(".", 1)[-1] in _SKLEARN_CLASSIFICATION
        ):
            return Intent(f"imports `{local}`")
    found = sorted(_CLASSIFICATION_METRICS & facts.strings)
    if found:
        return Intent(f'reports "{found[0]}"')
    return None


def regression_intent(ctx: RuleContext) -> bool:
    facts = ctx.facts
    for text in facts.strings:
        low = text.lower()
        if low in _REGRESSION_STRINGS or any(w in low for w in _REGRESSION_WORDS):
            return True
    return any(any(n in qual for n in _REGRESSION_NAMES) for qual in facts.imports.values())


class NumLabelsOneIsRegression(Rule):
    code = "HF405"
    name = "num-labels-one-is-regression"
    severity = Severity.WARNING
    summary = "num_labels=1 makes a regression head in a file that classifies"
    what = (
        "Checks for a sequence classifier loaded with `num_labels=1` and no `problem_type`, in "
        "a file that shows classification intent (an accuracy/F1/precision/recall metric, a "
        "list of class names or `ClassLabel`, an `argmax` over predictions, sklearn's "
        "classification metrics) and no regression intent (Pearson/Spearman, MSE, STS-B, reward "
        'models). Also `num_labels=1` together with `problem_type="single_label_classification"`.'
    )
    why = (
        "With `num_labels == 1` and no `problem_type`, transformers treats the task as "
        "regression: the loss is MSE on one output, silently, even for integer labels. "
        "`argmax` over one column is always 0. The explicit combination is refused when the "
        "config is built directly:\n\n"
        '    ValueError: `problem_type="single_label_classification"` requires `num_labels > 1`. '
        'For binary classification use `num_labels=2`, or use `problem_type="regression"` for '
        "a single-output regression head.\n\n"
        "but through `from_pretrained(..., num_labels=1, problem_type=...)` it is not, and the "
        "cross-entropy over a single class learns nothing."
    )
    example = (
        "model = AutoModelForSequenceClassification.from_pretrained(ckpt, "
        "num_labels=1)  # spam / ham\n"
        'accuracy = evaluate.load("accuracy")'
    )
    use_instead = (
        "model = AutoModelForSequenceClassification.from_pretrained(ckpt, num_labels=2)\n"
        'accuracy = evaluate.load("accuracy")'
    )
    fix_safety = (
        "Unsafe: the fix sets `num_labels` to the number of class names the file defines, or 2. "
        "If a single output was meant, keep `num_labels=1` and say so with "
        '`problem_type="regression"` (or `"multi_label_classification"` for one sigmoid output).'
    )
    references = (
        "https://huggingface.co/docs/transformers/tasks/sequence_classification",
        "transformers/loss/loss_utils.py (ForSequenceClassificationLoss)",
        "transformers/configuration_utils.py (the problem_type ValueError)",
    )
    triggers = (
        Example(
            "import evaluate\n"
            "from transformers import AutoModelForSequenceClassification\n"
            'model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", '
            "num_labels=1)\n"
            'accuracy = evaluate.load("accuracy")\n',
            fixed="import evaluate\n"
            "from transformers import AutoModelForSequenceClassification\n"
            'model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", '
            "num_labels=2)\n"
            'accuracy = evaluate.load("accuracy")\n',
        ),
        Example(
            "import numpy as np\n"
            "from transformers import AutoModelForSequenceClassification as Clf\n"
            "model = Clf.from_pretrained(\n"
            '    "roberta-base",\n'
            "    num_labels=1,\n"
            ")\n"
            "def compute_metrics(p):\n"
            "    preds = np.argmax(p.predictions, axis=-1)\n"
            '    return {"acc": (preds == p.label_ids).mean()}\n',
            note="argmax over one output",
        ),
        Example(
            "from transformers import AutoConfig, AutoModelForSequenceClassification\n"
            'labels = ["ham", "spam", "phishing"]\n'
            'config = AutoConfig.from_pretrained("roberta-base", num_labels=1)\n'
            'model = AutoModelForSequenceClassification.from_pretrained("roberta-base", '
            "config=config)\n",
            note="through AutoConfig, with class names: fixed to their count",
            fixed="from transformers import AutoConfig, AutoModelForSequenceClassification\n"
            'labels = ["ham", "spam", "phishing"]\n'
            'config = AutoConfig.from_pretrained("roberta-base", num_labels=3)\n'
            'model = AutoModelForSequenceClassification.from_pretrained("roberta-base", '
            "config=config)\n",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "bert-base-uncased", num_labels=1, problem_type="single_label_classification")\n',
            note="the explicit contradiction needs no intent",
        ),
    )
    near_misses = (
        Example(
            "import evaluate\n"
            "from transformers import AutoModelForSequenceClassification\n"
            'model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", '
            "num_labels=1)\n"
            'metric = evaluate.load("glue", "stsb")\n',
            note="STS-B similarity scores: regression",
        ),
        Example(
            "from trl import RewardTrainer\n"
            "from transformers import AutoModelForSequenceClassification\n"
            'model = AutoModelForSequenceClassification.from_pretrained("gpt2", num_labels=1)\n'
            'accuracy = "accuracy"\n',
            note="a reward model",
        ),
        Example(
            "import evaluate\n"
            "from transformers import AutoModelForSequenceClassification\n"
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "bert-base-uncased", num_labels=1, problem_type="regression")\n'
            'accuracy = evaluate.load("accuracy")\n',
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            'model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", '
            "num_labels=1)\n",
            note="no classification intent in the file",
        ),
        Example(
            "import evaluate\n"
            "from transformers import AutoModelForSequenceClassification\n"
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "bert-base-uncased", num_labels=1, problem_type="multi_label_classification")\n'
            'f1 = evaluate.load("f1")\n',
            note="one sigmoid output",
        ),
        Example(
            "from scipy.stats import pearsonr\n"
            "import numpy as np\n"
            "from transformers import AutoModelForSequenceClassification\n"
            'model = AutoModelForSequenceClassification.from_pretrained("roberta-base", '
            "num_labels=1)\n"
            'scores = {"accuracy": 0}\n',
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        intent: Intent | None = None
        intent_known = False
        for obj in classifier_loads(ctx, (SEQUENCE_HEAD,)):
            request = label_request(ctx, obj)
            arg, call = request.arg, request.call
            if request.count != 1 or arg is None or call is None or not _is_num_labels(arg):
                continue
            problem = self._problem_type(obj, call)
            if problem is False:
                continue
            if problem is None:
                if not intent_known:
                    intent = None if regression_intent(ctx) else classification_intent(ctx)
                    intent_known = True
                if intent is None:
                    continue
            yield self._finding(ctx, obj, arg, intent if problem is None else None)

    @staticmethod
    def _problem_type(obj: ObjectFact, call: CallFact) -> bool | None:
        """None: no problem_type; True: single_label_classification; False: anything else."""
        args = [a for a in (obj.call.kw("problem_type"), call.kw("problem_type")) if a is not None]
        values = [const_of(a) for a in args]
        if any(v is None for v in values):
            return False  # not a constant: not judged
        given = [v.value for v in values if v is not None and v.value is not None]
        if not given:
            return None
        return all(v == "single_label_classification" for v in given)

    def _finding(
        self, ctx: RuleContext, obj: ObjectFact, arg: Arg, intent: Intent | None
    ) -> Finding:
        labels = agreed_labels(ctx.facts)
        count = len(labels.labels) if labels is not None else 2
        related: list[Related] = []
        if intent is None:
            message = (
                '`num_labels=1` with `problem_type="single_label_classification"`: a config '
                "built directly refuses it ("
                '`ValueError: problem_type="single_label_classification" '
                "requires num_labels > 1. For binary classification use num_labels=2 ...`), and "
                "through from_pretrained the cross-entropy over a single class learns nothing. "
                f"Use `num_labels={count}`."
            )
        else:
            message = (
                "`num_labels=1` makes this a regression head: with no `problem_type`, "
                "transformers computes an MSE loss on one output (silently, even for integer "
                f"labels), yet this file {intent.reason}. For classification use "
                f'`num_labels={count}`; keep `num_labels=1` only with `problem_type="regression"` '
                '(or "multi_label_classification" for one sigmoid output).'
            )
            if intent.node is not None and (labels is None or intent.node is not labels.node):
                related.append(Related("classification intent here", ctx.range(intent.node)))
        if labels is not None:
            related.append(related_labels(ctx, labels))
        fix = ctx.fix(
            f"Use num_labels={count} (classification)",
            [ctx.replace(arg.expr, str(count))],
            safe=False,
        )
        const = const_of(arg)
        severity = (
            self.severity.lowered() if const is not None and const.overridable else self.severity
        )
        return ctx.report(self, arg.node, message, fix=fix, related=related, severity=severity)
