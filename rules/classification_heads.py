"""Family D: classifier heads that do not fit the checkpoint (HF401, HF403, HF406).

These rules rest on checkpoint facts: config.json's `id2label`, `architectures` and
`pad_token_id`. A checkpoint whose facts are unknown, a config built elsewhere or `**kwargs`
make the answer unknown, and unknown means silence: a wrong finding here would tell users to
change a load that works. The syntactic label-map rules (HF402, HF404, HF405) are in
label_maps.py and share the helpers below.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import libcst as cst

from hflint.analyzers.checkpoints import CheckpointFacts, bundled_table
from hflint.analyzers.facts import Arg, CallFact, Kind, LabelList, ModuleFacts, ObjectFact
from hflint.analyzers.findings import Edit, Finding, Fix, Position, Range, Related, Severity
from hflint.analyzers.knowledge import UNKNOWN, Knowledge
from hflint.analyzers.values import Const, ObjRef, const_value, obj_of
from hflint.rules.base import Example, Rule
from hflint.rules.context import Checkpoint, RuleContext
from hflint.rules.wrong_auto_class import registered

HEAD_SUFFIXES = ("ForSequenceClassification", "ForTokenClassification")
SEQUENCE_HEAD = "ForSequenceClassification"
_NOT_CLASS_NAMES = ("candidate", "column", "field", "key")


# ---- which loads are classifier loads ---------------------------------------------------------
def is_direct(obj: ObjectFact) -> bool:
    """The object comes from its own transformers call, not from a helper's return value.

    For an object a helper function returns, `obj.call` is the helper call: its keywords
    are the helper's, not the ones `from_pretrained` got.
    """
    expected = f"{obj.qualname}.{obj.method}" if obj.method else obj.qualname
    return obj.call.qualname == expected


def head_suffix(obj: ObjectFact) -> str | None:
    """`ForSequenceClassification` / `ForTokenClassification` for a classifier model, else None."""
    if obj.kind is not Kind.MODEL or obj.user_class is not None or obj.base is not None:
        return None
    return next((s for s in HEAD_SUFFIXES if obj.class_name.endswith(s)), None)


def classifier_loads(
    ctx: RuleContext, suffixes: tuple[str, ...] = HEAD_SUFFIXES
) -> Iterator[ObjectFact]:
    """`<X>For{Sequence,Token}Classification.from_pretrained(...)` calls made in this module."""
    registered_classes, _ = registered(ctx)
    for obj in ctx.objects(Kind.MODEL):
        suffix = head_suffix(obj)
        if (
            suffix in suffixes
            and obj.method == "from_pretrained"
            and is_direct(obj)
            and obj.class_name not in registered_classes
            and not remote_code(obj)
        ):
            yield obj


def standard_checkpoint(ctx: RuleContext, obj: ObjectFact) -> Checkpoint | None:
    """Facts of the checkpoint `obj` loads, unless its classes are not transformers' own:
    remote code (`auto_map`), a PEFT adapter, or a model type this project registers."""
    ckpt = ctx.checkpoint(obj)
    if ckpt is None:
        return None
    facts = ckpt.facts
    if facts.auto_map or facts.base_model or not facts.model_type:
        return None
    _, registered_types = registered(ctx)
    return None if facts.model_type in registered_types else ckpt


def remote_code(obj: ObjectFact) -> bool:
    """`trust_remote_code=` other than a literal False: the checkpoint's own classes decide."""
    flag = obj.kw("trust_remote_code")
    return flag is not None and const_value(flag.value, True) is not False


def wraps(outer: ObjectFact, obj: ObjectFact) -> bool:
    """`outer` is `obj` or a wrapper of it (PEFT)."""
    target: ObjectFact | None = outer
    while target is not None:
        if target is obj:
            return True
        target = target.base
    return False


def head_replaced(facts: ModuleFacts, obj: ObjectFact) -> bool:
    """The code assigns to the model outside its config (`model.classifier = nn.Linear(...)`)."""
    return any(
        use.is_write and wraps(use.obj, obj) and use.path[:1] != ("config",)
        for use in facts.attr_uses
    )


# ---- how many labels a load asks for ---------------------------------------------------------
@dataclass(frozen=True)
class LabelRequest:
    """The label count a load asks for, through its keywords or the config it is given."""

    known: bool  # False: **kwargs, a non-constant value, or a config built elsewhere
    count: int | None = None  # None: not asked for, the checkpoint's own labels are kept
    arg: Arg | None = None  # the keyword that sets the count
    call: CallFact | None = None  # the call holding the keywords: the load or its config
    config: ObjectFact | None = None  # the config object passed as `config=`

    @property
    def overridable(self) -> bool:
        return (
            self.arg is not None
            and isinstance(self.arg.value, Const)
            and self.arg.value.overridable
        )


UNKNOWN_REQUEST = LabelRequest(known=False)


def label_keywords(call: CallFact) -> LabelRequest:
    """The count one call's keywords set. `id2label` wins over `num_labels`, as in 5.x."""
    if call.has_star_kwargs:
        return UNKNOWN_REQUEST
    id2label = call.kw("id2label")
    if id2label is not None and const_value(id2label.value, 0) is not None:
        mapping = const_value(id2label.value)
        if isinstance(mapping, dict):
            return LabelRequest(True, len(mapping), id2label, call)
        return UNKNOWN_REQUEST
    num = call.kw("num_labels")
    if num is not None:
        count = const_value(num.value)
        if isinstance(count, int) and not isinstance(count, bool):
            return LabelRequest(True, count, num, call)
        return UNKNOWN_REQUEST
    return LabelRequest(True, call=call)


def label_request(ctx: RuleContext, obj: ObjectFact) -> LabelRequest:
    """What `obj`'s load says about its label count (see LabelRequest)."""
    call = obj.call
    if not is_direct(obj) or len(call.args) > 1:
        return UNKNOWN_REQUEST
    own = label_keywords(call)
    config_arg = call.kw("config")
    if config_arg is None or const_value(config_arg.value, 0) is None:
        return own
    if not own.known or own.count is not None:
        return UNKNOWN_REQUEST  # with a config object, transformers hands these to __init__
    config = obj_of(config_arg.value)
    if (
        config is None
        or config.kind is not Kind.CONFIG
        or config.method != "from_pretrained"
        or not is_direct(config)
        or len(config.call.args) != 1
        or config.checkpoint is None
        or config.checkpoint != obj.checkpoint
        or any(use.is_write and use.obj is config for use in ctx.facts.attr_uses)
    ):
        return UNKNOWN_REQUEST
    inner = label_keywords(config.call)
    return replace(inner, config=config) if inner.known else UNKNOWN_REQUEST


# ---- the labels the file spells out ----------------------------------------------------------
def class_name_lists(facts: ModuleFacts) -> list[LabelList]:
    """Literal lists that name classes: at least two distinct strings."""
    out = []
    for found in facts.label_lists:
        labels = found.labels
        if found.name != "ClassLabel" and any(w in found.name.lower() for w in _NOT_CLASS_NAMES):
            continue
        if (
            len(labels) >= 2
            and all(isinstance(x, str) for x in labels)
            and len(set(labels)) == len(labels)
        ):
            out.append(found)
    return out


def agreed_labels(facts: ModuleFacts) -> LabelList | None:
    """The file's class names, when every literal list of them agrees."""
    lists = class_name_lists(facts)
    if lists and len({tuple(found.labels) for found in lists}) == 1:
        return lists[0]
    return None


def py_literal(value: object) -> str | None:
    """Python source for a label or id; None for anything but str and int."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return None


def dict_literal(pairs: list[tuple[object, object]]) -> str | None:
    parts = []
    for key, value in pairs:
        k, v = py_literal(key), py_literal(value)
        if k is None or v is None:
            return None
        parts.append(f"{k}: {v}")
    return "{" + ", ".join(parts) + "}"


def preview(labels: list[object] | tuple[object, ...], limit: int = 5) -> str:
    shown = ", ".join(str(x) for x in labels[:limit])
    return shown + (", ..." if len(labels) > limit else "")


def related_labels(ctx: RuleContext, labels: LabelList) -> Related:
    what = "`ClassLabel`" if labels.name == "ClassLabel" else f"`{labels.name}`"
    return Related(f"{what}: {len(labels.labels)} labels defined here", ctx.range(labels.node))


# ---- HF401 -----------------------------------------------------------------------------------
def is_classifier(facts: CheckpointFacts) -> bool | None:
    """Whether a checkpoint already has a classifier head; None when its config cannot tell."""
    if facts.label_count is not None or any("Classification" in a for a in facts.architectures):
        return True
    if facts.id2label is not None and not _default_labels(facts.id2label):
        return True
    if not facts.architectures:
        return None  # no architectures: a 2-label classifier saved without id2label looks the same
    return False


def _default_labels(id2label: dict[int, str]) -> bool:
    """transformers' own two placeholder labels, which a base model's config may carry."""
    return id2label == {0: "LABEL_0", 1: "LABEL_1"}


class ClassificationHeadDefaultNumLabels(Rule):
    code = "HF401"
    name = "classification-head-default-num-labels"
    severity = Severity.WARNING
    summary = "A classifier head loaded from a base checkpoint without num_labels gets 2 labels"
    what = (
        "Checks for `AutoModelForSequenceClassification` / `AutoModelForTokenClassification` "
        "(or a concrete `*For{Sequence,Token}Classification`) loaded with `from_pretrained` "
        "from a checkpoint that is not a classifier (its config.json has no `id2label` and no "
        "`*Classification` architecture), without `num_labels=` or `id2label=`.\n\n"
        "Severity depends on what the file shows. When its literal label list (`labels = [...]`, "
        "`ClassLabel(names=[...])`) has more than 2 entries, the default head is certainly too "
        "small: a warning, with a fix built from that list. When the file shows no label list "
        "(or lists that disagree) it is an info: the head has 2 outputs and nobody said so. When "
        "the list has exactly 2 entries the default fits and the rule stays silent. A checkpoint "
        "whose facts are unknown (a variable, an environment variable, an unknown repo, a "
        "config.json without `architectures`) is never judged; a checkpoint name taken from an "
        "argparse or dataclass default lowers the severity one step."
    )
    why = (
        "With no `id2label`, transformers 5 sets `num_labels=2` "
        '(`self.num_labels = kwargs.get("num_labels", ... else 2)` in configuration_utils.py) '
        "and initialises a new 2-output head. A 3-class dataset then crashes in the loss:\n\n"
        "    IndexError: Target 2 is out of bounds.\n\n"
        "(on GPU a device-side assert `t >= 0 && t < n_classes`). The load report says so too:\n\n"
        "    classifier.weight | MISSING\n"
        "    MISSING: those params were newly initialized because missing from the checkpoint. "
        "Consider training on your downstream task.\n\n"
        "and pipelines label predictions `LABEL_0`, `LABEL_1` instead of your class names."
    )
    example = (
        "from transformers import AutoModelForSequenceClassification\n"
        'labels = ["neg", "neu", "pos"]\n'
        'model = AutoModelForSequenceClassification.from_pretrained("FacebookAI/roberta-base")'
    )
    use_instead = (
        "from transformers import AutoModelForSequenceClassification\n"
        'labels = ["neg", "neu", "pos"]\n'
        "model = AutoModelForSequenceClassification.from_pretrained(\n"
        '    "FacebookAI/roberta-base",\n'
        "    num_labels=len(labels),\n"
        "    id2label=dict(enumerate(labels)),\n"
        "    label2id={label: i for i, label in enumerate(labels)},\n"
        ")"
    )
    fix_safety = (
        "Unsafe: the fix inserts `num_labels`, `id2label` and `label2id` built from the label "
        "list the file spells out; check that this list, in this order, is the one your dataset "
        "encodes as 0..n-1. It refers to the list by name when the name is visible at the call, "
        "and writes the labels out otherwise."
    )
    references = (
        "https://huggingface.co/docs/transformers/tasks/sequence_classification",
        "https://huggingface.co/docs/transformers/main_classes/configuration",
        "transformers/configuration_utils.py (PreTrainedConfig.__post_init__, num_labels)",
    )
    triggers = (
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            'labels = ["neg", "neu", "pos"]\n'
            'model = AutoModelForSequenceClassification.from_pretrained("roberta-base")\n',
            note="the catalogue's case",
            fixed="from transformers import AutoModelForSequenceClassification\n"
            'labels = ["neg", "neu", "pos"]\n'
            'model = AutoModelForSequenceClassification.from_pretrained("roberta-base", '
            "num_labels=len(labels), id2label=dict(enumerate(labels)), "
            "label2id={label: i for i, label in enumerate(labels)})\n",
        ),
        Example(
            "import transformers as T\n"
            "from datasets import ClassLabel\n"
            'feature = ClassLabel(names=["sports", "politics", "tech", "health"])\n'
            "clf = T.AutoModelForSequenceClassification.from_pretrained(\n"
            '    "bert-base-uncased",\n'
            ")\n",
            note="module alias, ClassLabel, multi-line call: the labels are written out",
            fixed="import transformers as T\n"
            "from datasets import ClassLabel\n"
            'feature = ClassLabel(names=["sports", "politics", "tech", "health"])\n'
            "clf = T.AutoModelForSequenceClassification.from_pretrained(\n"
            '    "bert-base-uncased", num_labels=4, id2label={0: "sports", 1: "politics", '
            '2: "tech", 3: "health"}, label2id={"sports": 0, "politics": 1, "tech": 2, '
            '"health": 3},\n'
            ")\n",
        ),
        Example(
            "from transformers import AutoModelForTokenClassification as TokModel\n"
            'label_list = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]\n'
            "def build():\n"
            '    return TokModel.from_pretrained("distilbert-base-uncased")\n',
            note="token classification, aliased import, inside a function",
        ),
        Example(
            "from transformers import AutoConfig, AutoModelForSequenceClassification\n"
            'ckpt = "google-bert/bert-base-uncased"\n'
            'label_names = ["anger", "joy", "sadness"]\n'
            "config = AutoConfig.from_pretrained(ckpt)\n"
            "model = AutoModelForSequenceClassification.from_pretrained(ckpt, config=config)\n",
            note="through AutoConfig: the keywords go to the config call",
        ),
        Example(
            "from transformers import BertForSequenceClassification\n"
            'model = BertForSequenceClassification.from_pretrained("bert-base-cased")\n',
            note="no label list in the file: an info that the head defaults to 2 labels",
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            'labels = ["negative", "neutral", "positive"]\n'
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "cardiffnlp/twitter-roberta-base-sentiment-latest")\n',
            note="already a 3-label classifier",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            'labels = ["neg", "neu", "pos"]\n'
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "roberta-base", num_labels=len(labels))\n',
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            'labels = ["ham", "spam"]\n'
            'model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")\n',
            note="two labels: the default head fits",
        ),
        Example(
            "import os\n"
            "from transformers import AutoModelForSequenceClassification\n"
            'labels = ["a", "b", "c"]\n'
            'model = AutoModelForSequenceClassification.from_pretrained(os.environ["MODEL"])\n',
            note="unknown checkpoint",
        ),
        Example(
            "from transformers import AutoModelForTokenClassification\n"
            'labels = ["O", "B-PER", "I-PER"]\n'
            "def load(**kwargs):\n"
            '    return AutoModelForTokenClassification.from_pretrained("bert-base-cased", '
            "**kwargs)\n",
            note="**kwargs may carry num_labels",
        ),
        Example(
            "from transformers import AutoConfig, AutoModelForSequenceClassification\n"
            'labels = ["a", "b", "c"]\n'
            'config = AutoConfig.from_pretrained("roberta-base", num_labels=3)\n'
            'model = AutoModelForSequenceClassification.from_pretrained("roberta-base", '
            "config=config)\n",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            'labels = ["a", "b", "c"]\n'
            'model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-cased")\n',
            note="the checkpoint's config names no architectures: cannot tell",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            'labels = ["O", "B-PER", "I-PER"]\n'
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "dslim/bert-base-NER")\n',
            note="a token classifier's labels are reused by the sequence head",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for obj in classifier_loads(ctx):
            request = label_request(ctx, obj)
            if not request.known or request.count is not None or obj.saved_from is not None:
                continue
            ckpt = standard_checkpoint(ctx, obj)
            if ckpt is None or ckpt.via_save or is_classifier(ckpt.facts) is not False:
                continue
            if head_replaced(ctx.facts, obj):
                continue
            labels = agreed_labels(ctx.facts)
            if labels is not None and len(labels.labels) <= 2:
                continue
            yield self._finding(ctx, obj, ckpt, request, labels)

    def _finding(
        self,
        ctx: RuleContext,
        obj: ObjectFact,
        ckpt: Checkpoint,
        request: LabelRequest,
        labels: LabelList | None,
    ) -> Finding:
        target = request.config.call if request.config is not None else obj.call
        lead = (
            f"`{obj.class_name}.from_pretrained` gets a new, randomly initialised 2-label head: "
            f"{ckpt.describe()} is not a classifier and no `num_labels=` or `id2label=` is passed"
        )
        if request.config is not None:
            lead += " (neither to the model nor to its `AutoConfig.from_pretrained`)"
        related = [ctx.loaded_here(request.config, "config loaded here")] if request.config else []
        if labels is None:
            severity = Severity.INFO
            message = (
                f"{lead}. transformers defaults to `num_labels=2` and reports "
                "`classifier.weight | MISSING ... newly initialized`; if your task does not "
                "have exactly 2 labels, training fails with `IndexError: Target 2 is out of "
                "bounds.` Pass `num_labels=` and `id2label=` for your label set."
            )
            fix = None
        else:
            count = len(labels.labels)
            related.append(related_labels(ctx, labels))
            severity = self.severity
            message = (
                f"{lead}, but the file defines {count} labels ({preview(labels.labels)}). "
                "Training with any label from 2 up fails: `IndexError: Target 2 is out of "
                f"bounds.` Pass `num_labels={count}` with `id2label`/`label2id`."
            )
            fix = self._fix(ctx, target, labels)
        if not ckpt.certain:
            severity = severity.lowered()
        return ctx.report(self, obj.node, message, fix=fix, related=related, severity=severity)

    @staticmethod
    def _fix(ctx: RuleContext, call: CallFact, labels: LabelList) -> Fix | None:
        name = _label_reference(ctx, labels, call)
        if name is not None:
            text = (
                f"num_labels=len({name}), id2label=dict(enumerate({name})), "
                f"label2id={{label: i for i, label in enumerate({name})}}"
            )
        else:
            id2label = dict_literal(list(enumerate(labels.labels)))
            label2id = dict_literal([(label, i) for i, label in enumerate(labels.labels)])
            if id2label is None or label2id is None:
                return None
            text = f"num_labels={len(labels.labels)}, id2label={id2label}, label2id={label2id}"
        return ctx.fix(
            f"Pass num_labels, id2label and label2id for the {len(labels.labels)} labels",
            [ctx.add_kwarg(call.node, text)],
            safe=False,
        )


def _label_reference(ctx: RuleContext, labels: LabelList, call: CallFact) -> str | None:
    """The label list's variable name, when that name surely holds the list at `call`."""
    name = labels.name
    if labels.name == "ClassLabel" or not name.isidentifier():
        return None
    if sum(1 for found in ctx.facts.label_lists if found.name == name) != 1:
        return None
    if labels.function is not None and labels.function is not call.function:
        return None
    if labels.function is None and call.function is not None and name in call.function.params:
        return None
    if ctx.range(labels.node).start >= ctx.range(call.node).start:
        return None
    return name


# ---- HF403 -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExistingHead:
    """The size of the head a load starts from, and where that fact comes from."""

    count: int
    where: str
    labels: tuple[str, ...] = ()
    assumed: bool = False
    related: tuple[Related, ...] = ()


class ClassifierSizeMismatch(Rule):
    code = "HF403"
    name = "classifier-size-mismatch"
    severity = Severity.ERROR
    summary = "num_labels differs from the label count of a checkpoint that already is a classifier"
    what = (
        "Checks for `from_pretrained(ckpt, num_labels=N)` (or an `id2label` of N entries) on "
        "a checkpoint that already has a classifier head of the same kind with M != N labels "
        "(config.json's `id2label` and `architectures`), "
        "without `ignore_mismatched_sizes=True`.\n\n"
        "A checkpoint reloaded from a folder this file saved counts only when the label count "
        "of the saved model is visible in the code (the `num_labels=` of the load that was "
        "saved). Unknown checkpoints, `**kwargs` and configs built elsewhere are never judged."
    )
    why = (
        "The checkpoint's head has M rows and the new one N, so the weights do not fit and "
        "transformers 5 refuses to load:\n\n"
        "    classifier.weight | MISMATCH | Reinit due to size mismatch - ckpt: "
        "torch.Size([3, 32]) vs model:torch.Size([5, 32])\n"
        "    RuntimeError: You set `ignore_mismatched_sizes` to `False`, thus raising an error. "
        "For details look at the above report!"
    )
    example = (
        "from transformers import AutoModelForSequenceClassification\n"
        "model = AutoModelForSequenceClassification.from_pretrained(\n"
        '    "cardiffnlp/twitter-roberta-base-sentiment-latest", num_labels=5)'
    )
    use_instead = (
        "from transformers import AutoModelForSequenceClassification\n"
        "model = AutoModelForSequenceClassification.from_pretrained(\n"
        '    "cardiffnlp/twitter-roberta-base-sentiment-latest", num_labels=5,\n'
        "    ignore_mismatched_sizes=True)"
    )
    fix_safety = (
        "Unsafe: `ignore_mismatched_sizes=True` discards the checkpoint's trained head and "
        "starts a new N-label one, which must be trained. If you meant to use the checkpoint's "
        "own labels, remove `num_labels` instead (the message says which keyword)."
    )
    references = (
        "https://huggingface.co/docs/transformers/main_classes/model"
        "#transformers.PreTrainedModel.from_pretrained",
        "transformers/utils/loading_report.py (log_state_dict_report)",
        "transformers/modeling_utils.py (_finalize_model_loading)",
    )
    triggers = (
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "cardiffnlp/twitter-roberta-base-sentiment-latest", num_labels=5)\n',
            fixed="from transformers import AutoModelForSequenceClassification\n"
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "cardiffnlp/twitter-roberta-base-sentiment-latest", num_labels=5, '
            "ignore_mismatched_sizes=True)\n",
        ),
        Example(
            "from transformers import AutoModelForTokenClassification as ATC\n"
            'labels = ["O", "B-ORG", "I-ORG"]\n'
            "id2label = {i: l for i, l in enumerate(labels)}\n"
            "model = ATC.from_pretrained(\n"
            '    "dslim/bert-base-NER",\n'
            "    id2label=id2label,\n"
            "    label2id={l: i for i, l in id2label.items()},\n"
            "    ignore_mismatched_sizes=False,\n"
            ")\n",
            note="id2label built with a comprehension; an explicit False is rewritten",
        ),
        Example(
            "from transformers import AutoConfig, AutoModelForSequenceClassification\n"
            'name = "nlptown/bert-base-multilingual-uncased-sentiment"\n'
            "config = AutoConfig.from_pretrained(name, num_labels=3)\n"
            "model = AutoModelForSequenceClassification.from_pretrained(name, config=config)\n",
            note="through AutoConfig",
        ),
        Example(
            "from transformers import DistilBertForSequenceClassification\n"
            'LABELS = ["sad", "ok", "happy"]\n'
            "model = DistilBertForSequenceClassification.from_pretrained(\n"
            '    "distilbert-base-uncased-finetuned-sst-2-english", num_labels=len(LABELS))\n',
            note="a concrete class; num_labels from len() of a literal list",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification as M\n"
            'model = M.from_pretrained("roberta-base", num_labels=4)\n'
            'model.save_pretrained("out/clf")\n'
            'again = M.from_pretrained("out/clf", num_labels=2)\n',
            note="reloaded from a folder this file saved, whose label count the code shows",
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "cardiffnlp/twitter-roberta-base-sentiment-latest", num_labels=5,\n'
            "    ignore_mismatched_sizes=True)\n",
            note="deliberate re-heading",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "cardiffnlp/twitter-roberta-base-sentiment-latest", num_labels=3)\n',
            note="same label count",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            'model = AutoModelForSequenceClassification.from_pretrained("roberta-base", '
            "num_labels=5)\n",
            note="a base checkpoint has no head to mismatch",
        ),
        Example(
            "import sys\n"
            "from transformers import AutoModelForSequenceClassification\n"
            "model = AutoModelForSequenceClassification.from_pretrained(sys.argv[1], "
            "num_labels=5)\n",
            note="unknown checkpoint",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            "opts = {'ignore_mismatched_sizes': True}\n"
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "dslim/bert-base-NER", num_labels=5, **opts)\n',
            note="**kwargs",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            'model = AutoModelForSequenceClassification.from_pretrained("dslim/bert-base-NER", '
            "num_labels=5)\n",
            note="a token classifier loaded into a sequence head: not the same head",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification as M\n"
            'model = M.from_pretrained("cardiffnlp/twitter-roberta-base-sentiment-latest")\n'
            'model.save_pretrained("out/clf")\n'
            'again = M.from_pretrained("out/clf", num_labels=5)\n',
            note="the saved model's label count is not in the code",
        ),
        Example(
            "from transformers import AutoConfig, AutoModelForSequenceClassification\n"
            "config = AutoConfig.from_pretrained(\n"
            '    "cardiffnlp/twitter-roberta-base-sentiment-latest", num_labels=5)\n'
            "model = AutoModelForSequenceClassification.from_config(config)\n",
            note="from_config builds a new model: no head is loaded",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for obj in classifier_loads(ctx):
            request = label_request(ctx, obj)
            if request.count is None or request.arg is None or request.call is None:
                continue
            flag = obj.kw("ignore_mismatched_sizes")
            if flag is not None and const_value(flag.value, True) is not False:
                continue
            head = self._existing_head(ctx, obj)
            if head is None or head.count == request.count:
                continue
            yield self._finding(ctx, obj, request, head, flag)

    def _existing_head(self, ctx: RuleContext, obj: ObjectFact) -> ExistingHead | None:
        suffix = head_suffix(obj)
        saved = obj.saved_from
        if saved is not None:
            return self._saved_head(ctx, saved, suffix)
        ckpt = standard_checkpoint(ctx, obj)
        if ckpt is None or ckpt.via_save or suffix is None:
            return None
        facts = ckpt.facts
        if not any(a.endswith(suffix) for a in facts.architectures):
            return None
        count = facts.num_labels
        if count is None:
            return None
        labels = tuple(facts.id2label[i] for i in sorted(facts.id2label)) if facts.id2label else ()
        return ExistingHead(count, ckpt.describe(), labels, assumed=not ckpt.certain)

    @staticmethod
    def _saved_head(ctx: RuleContext, saved: ObjectFact, suffix: str | None) -> ExistingHead | None:
        """The head of a model this file saved, when its load shows the label count."""
        if head_suffix(saved) != suffix or head_replaced(ctx.facts, saved):
            return None
        request = label_request(ctx, saved)
        if request.count is None or request.arg is None:
            return None
        setting = ctx.code(request.arg.node).rstrip(", \n")
        where = f"The model this file saves (loaded with `{setting}`)"
        related = (ctx.loaded_here(saved, "the saved model is loaded here"),)
        return ExistingHead(request.count, where, assumed=request.overridable, related=related)

    def _finding(
        self,
        ctx: RuleContext,
        obj: ObjectFact,
        request: LabelRequest,
        head: ExistingHead,
        flag: Arg | None,
    ) -> Finding:
        assert request.arg is not None and request.call is not None
        given = [k for k in ("num_labels", "id2label", "label2id") if request.call.kw(k)]
        keywords = ", ".join(f"`{k}`" for k in given[:-1])
        keywords = f"{keywords} and `{given[-1]}`" if keywords else f"`{given[-1]}`"
        names = f" ({preview(head.labels)})" if head.labels else ""
        message = (
            f"{head.where} already has a {head.count}-label classifier head{names}; this load "
            f"asks for {request.count} labels. Without "
            "`ignore_mismatched_sizes=True`, from_pretrained stops with `RuntimeError: You set "
            "ignore_mismatched_sizes to False, thus raising an error.` after reporting "
            "`classifier.weight | MISMATCH | Reinit due to size mismatch`. Pass "
            f"`ignore_mismatched_sizes=True` to train a new {request.count}-label head, or "
            f"drop {keywords} to keep the checkpoint's {head.count} labels."
        )
        if flag is not None:
            edit = ctx.replace(flag.node.value, "True")
        else:
            edit = ctx.add_kwarg(obj.node, "ignore_mismatched_sizes=True")
        fix = ctx.fix(
            f"Pass ignore_mismatched_sizes=True (a new {request.count}-label head)",
            [edit],
            safe=False,
        )
        related = list(head.related)
        if request.config is not None:
            related.append(ctx.loaded_here(obj, "the model is loaded with this config here"))
        severity = self.severity
        if head.assumed or request.overridable:
            severity = severity.lowered()
        return ctx.report(
            self, request.arg.node, message, fix=fix, related=related, severity=severity
        )


# ---- HF406: what the installed transformers' sources say -------------------------------------
PAD_MESSAGE = "Cannot handle batch sizes > 1 if no padding token is defined."
_CLASS_END = re.compile(r"^(?=[^\s)#])", re.M)
_PAD_DEFAULT = re.compile(r"\bpad_token_id\s*(?::\s*[\w\[\]|. ]+?)?\s*=\s*(None|\d+)\b")


@cache
def _transformers_dir() -> Path | None:
    from hflint.analyzers.knowledge_extract import find_transformers

    return find_transformers()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


@cache
def class_source(prefix: str, class_name: str, model_type: str) -> str | None:
    """The text of `class <class_name>(...)` in transformers' `models/*/<prefix>_*.py`.

    The model type's own folder is tried first; the other folders only when it does not
    define the class. Nothing is imported.
    """
    pkg = _transformers_dir()
    if pkg is None or not class_name.isidentifier():
        return None
    folder = model_type.replace("-", "_")
    own = pkg / "models" / folder / f"{prefix}_{folder}.py"
    header = f"\nclass {class_name}("
    for path in [own, *sorted((pkg / "models").glob(f"*/{prefix}_*.py"))]:
        text = _read(path)
        start = text.find(header)
        if start >= 0:
            body = text.find("\n", start + 1)
            end = _CLASS_END.search(text, body + 1) if body >= 0 else None
            return text[start + 1 : end.start() if end else len(text)]
    return None


def _bases(block: str) -> list[str]:
    match = re.match(r"class \w+\((.*?)\)\s*:", block, re.S)
    if match is None:
        return []
    return [b.strip().split(".")[-1] for b in match.group(1).split(",") if b.strip()]


def needs_pad_token_id(
    knowledge: Knowledge, class_name: str, model_type: str, depth: int = 0
) -> bool | None:
    """Whether the class pools the last non-pad token (and so needs config.pad_token_id)."""
    block = class_source("modeling", class_name, model_type)
    if block is None or depth > 3:
        return None
    bases = _bases(block)
    if PAD_MESSAGE in block or "GenericForSequenceClassification" in bases:
        return True
    for base in bases:
        if base.endswith(SEQUENCE_HEAD):
            base_type = knowledge.model_class_types.get(base)
            return needs_pad_token_id(knowledge, base, base_type, depth + 1) if base_type else None
    return False


def config_pad_default_is_none(knowledge: Knowledge, model_type: str) -> bool:
    """Whether the model type's config class defaults `pad_token_id` to None."""
    config_class = knowledge.config_mapping.get(model_type)
    block = class_source("configuration", config_class, model_type) if config_class else None
    if block is None or "sub_configs" in block:
        return False
    defaults = set(_PAD_DEFAULT.findall(block))
    return defaults == {"None"}


def checkpoint_has_no_pad_token_id(ctx: RuleContext, ckpt: Checkpoint) -> bool:
    """config.pad_token_id is certainly None for this checkpoint (absent is not enough)."""
    facts = ckpt.facts
    if facts.pad_token_id is not None or not facts.model_type:
        return False
    if facts.source == "bundled":
        entry = bundled_table(ctx.resolver.table_path).get(ckpt.name.casefold())
        return entry is not None and "pad_token_id" in entry and entry["pad_token_id"] is None
    config = facts.config
    if not config or "text_config" in config:
        return False
    if "pad_token_id" in config:
        return config["pad_token_id"] is None
    return config_pad_default_is_none(ctx.knowledge, facts.model_type)


# ---- HF406 -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PadSource:
    """A tokenizer variable whose pad token is set, and when it is set relative to the load."""

    name: str
    before_load: bool
    statement: cst.CSTNode | None = None  # the line that sets the pad token, when after the load


class DecoderClassifierWithoutPadTokenId(Rule):
    code = "HF406"
    name = "decoder-classifier-without-pad-token-id"
    severity = Severity.WARNING
    summary = "A decoder-only sequence classifier whose config has no pad_token_id"
    what = (
        "Checks for `AutoModelForSequenceClassification.from_pretrained(ckpt)` (or the concrete "
        "class) where the class the installed transformers builds pools the last non-pad token "
        "(GPT-2, Llama, Mistral, Qwen2, ...: its forward raises the error below), the "
        "checkpoint's config has `pad_token_id: null`, and nothing in the file sets it: no "
        "`pad_token_id=` keyword, no `model.config.pad_token_id = ...`, no config passed in."
    )
    why = (
        "These heads find the last real token of each row through `config.pad_token_id`. "
        "Without it, any batch of more than one sequence fails:\n\n"
        "    ValueError: Cannot handle batch sizes > 1 if no padding token is defined.\n\n"
        "`tokenizer.pad_token = tokenizer.eos_token` does not help by itself: it sets the "
        "tokenizer's pad token, not the model config's."
    )
    example = (
        "from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
        'tok = AutoTokenizer.from_pretrained("openai-community/gpt2")\n'
        "tok.pad_token = tok.eos_token\n"
        "model = AutoModelForSequenceClassification.from_pretrained(\n"
        '    "openai-community/gpt2", num_labels=2)\n'
        'model(**tok(["a", "b c"], padding=True, return_tensors="pt"))'
    )
    use_instead = (
        "from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
        'tok = AutoTokenizer.from_pretrained("openai-community/gpt2")\n'
        "tok.pad_token = tok.eos_token\n"
        "model = AutoModelForSequenceClassification.from_pretrained(\n"
        '    "openai-community/gpt2", num_labels=2, pad_token_id=tok.pad_token_id)\n'
        'model(**tok(["a", "b c"], padding=True, return_tensors="pt"))'
    )
    fix_safety = (
        "Safe: the fix passes `pad_token_id=<tokenizer>.pad_token_id` when a tokenizer variable "
        "with a pad token is visible at the load, or adds "
        "`<model>.config.pad_token_id = <tokenizer>.pad_token_id` right after the line that "
        "gives the tokenizer its pad token. Without such a tokenizer no fix is offered."
    )
    references = (
        "https://huggingface.co/docs/transformers/model_doc/gpt2"
        "#transformers.GPT2ForSequenceClassification",
        "transformers/modeling_layers.py (GenericForSequenceClassification.forward)",
        "transformers/models/gpt2/modeling_gpt2.py (GPT2ForSequenceClassification.forward)",
    )
    triggers = (
        Example(
            "from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            "tok.pad_token = tok.eos_token\n"
            'model = AutoModelForSequenceClassification.from_pretrained("gpt2", num_labels=2)\n',
            fixed="from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            "tok.pad_token = tok.eos_token\n"
            'model = AutoModelForSequenceClassification.from_pretrained("gpt2", num_labels=2, '
            "pad_token_id=tok.pad_token_id)\n",
        ),
        Example(
            "import transformers\n"
            'ckpt = "meta-llama/Llama-3.2-1B"\n'
            "model = transformers.AutoModelForSequenceClassification.from_pretrained(\n"
            "    ckpt,\n"
            "    num_labels=3,\n"
            ")\n"
            "tokenizer = transformers.AutoTokenizer.from_pretrained(ckpt)\n"
            "tokenizer.pad_token = tokenizer.eos_token\n",
            note="pad token set after the load: the fix adds a line after it",
            fixed="import transformers\n"
            'ckpt = "meta-llama/Llama-3.2-1B"\n'
            "model = transformers.AutoModelForSequenceClassification.from_pretrained(\n"
            "    ckpt,\n"
            "    num_labels=3,\n"
            ")\n"
            "tokenizer = transformers.AutoTokenizer.from_pretrained(ckpt)\n"
            "tokenizer.pad_token = tokenizer.eos_token\n"
            "model.config.pad_token_id = tokenizer.pad_token_id\n",
        ),
        Example(
            "from transformers import GPT2ForSequenceClassification as Clf\n"
            "def train(texts):\n"
            '    model = Clf.from_pretrained("distilgpt2")\n'
            "    return model\n",
            note="a concrete class, no tokenizer in sight: no fix",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-0.5B")\n'
            "tok.pad_token = tok.eos_token\n"
            "tok.pad_token_id = tok.eos_token_id\n"
            'model = AutoModelForSequenceClassification.from_pretrained("Qwen/Qwen2.5-0.5B")\n',
            note="the tokenizer's pad_token_id is not the model's",
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            "tok.pad_token = tok.eos_token\n"
            'model = AutoModelForSequenceClassification.from_pretrained("gpt2")\n'
            "model.config.pad_token_id = tok.pad_token_id\n",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "gpt2", pad_token_id=tok.eos_token_id)\n',
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            'model = AutoModelForSequenceClassification.from_pretrained("facebook/opt-125m")\n',
            note="OPT's config has pad_token_id 1",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            'model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")\n',
            note="BERT pools the first token",
        ),
        Example(
            "import os\n"
            "from transformers import AutoModelForSequenceClassification\n"
            'model = AutoModelForSequenceClassification.from_pretrained(os.environ["CKPT"])\n',
            note="unknown checkpoint",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            "def setup(model):\n"
            "    cfg = model.config\n"
            "    cfg.pad_token_id = 0\n"
            'model = AutoModelForSequenceClassification.from_pretrained("gpt2")\n'
            "setup(model)\n",
            note="set through another name",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            'model = AutoModelForSequenceClassification.from_pretrained("gpt2")\n'
            'model.config.update({"pad_token_id": 50256})\n',
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n',
            note="not a classifier",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for obj in classifier_loads(ctx, (SEQUENCE_HEAD,)):
            call = obj.call
            if (
                call.has_star_kwargs
                or len(call.args) > 1
                or call.kw("config")
                or call.kw("pad_token_id")
            ):
                continue
            ckpt = standard_checkpoint(ctx, obj)
            if ckpt is None or ckpt.via_save or obj.saved_from is not None:
                continue
            class_name = self._built_class(ctx, obj, ckpt)
            if class_name is None or ckpt.facts.model_type is None:
                continue
            class_type = ctx.knowledge.model_class_types.get(class_name, ckpt.facts.model_type)
            if needs_pad_token_id(ctx.knowledge, class_name, class_type) is not True:
                continue
            if not checkpoint_has_no_pad_token_id(ctx, ckpt) or self._set_somewhere(ctx, obj):
                continue
            yield self._finding(ctx, obj, ckpt, class_name)

    @staticmethod
    def _built_class(ctx: RuleContext, obj: ObjectFact, ckpt: Checkpoint) -> str | None:
        """The model class from_pretrained builds: the Auto class resolved, or the class itself."""
        if not obj.class_name.startswith("Auto"):
            return obj.class_name
        model_type = ckpt.facts.model_type or ""
        built = ctx.knowledge.resolve(model_type, obj.class_name, ckpt.facts.architectures)
        return None if built in (None, UNKNOWN) else built

    @staticmethod
    def _set_somewhere(ctx: RuleContext, obj: ObjectFact) -> bool:
        """Anything that may set the model's pad_token_id, judged generously."""
        facts = ctx.facts
        if "pad_token_id" in facts.strings:  # config.update({...}), setattr(..., "pad_token_id")
            return True
        # writes on other tracked objects (`tok.pad_token_id = ...`) do not count; writes on
        # this model, or on a receiver the collector cannot name, do
        elsewhere = {
            id(use.node) for use in facts.attr_uses if use.is_write and not wraps(use.obj, obj)
        }
        if any(id(node) not in elsewhere for node in facts.attr_writes.get("pad_token_id", [])):
            return True
        if any(
            use.is_write and wraps(use.obj, obj) and use.path == ("config",)
            for use in facts.attr_uses
        ):
            return True
        for call in facts.calls:  # handed to this module's own code, which may set it
            if call.qualname and not call.qualname.startswith(("transformers.", "peft.", "torch.")):
                values = [a.value for a in call.args] + [a.value for a in call.kwargs.values()]
                if any(isinstance(v, ObjRef) and wraps(v.obj, obj) for v in values):
                    return True
        return False

    def _finding(
        self, ctx: RuleContext, obj: ObjectFact, ckpt: Checkpoint, class_name: str
    ) -> Finding:
        pad = self._pad_source(ctx, obj)
        model = obj.call.target or "model"
        if pad is None:
            todo = (
                f"pass `pad_token_id=tokenizer.pad_token_id` or set `{model}.config.pad_token_id`"
            )
        elif pad.before_load:
            todo = f"pass `pad_token_id={pad.name}.pad_token_id`"
        else:
            todo = f"set `{model}.config.pad_token_id = {pad.name}.pad_token_id` once it has one"

        message = (
            f"`{class_name}` pools the last non-pad token, and {ckpt.describe()} has "
            "`pad_token_id: null` in its config; nothing in this file sets "
            f"`{model}.config.pad_token_id`. Any batch of more than one sequence fails: "
            f"`ValueError: {PAD_MESSAGE}` (setting the tokenizer's pad token does not change the "
            f"model's config). Give the model a pad token id: {todo}."
        )
        fix = self._fix(ctx, obj, pad) if pad is not None else None
        severity = self.severity if ckpt.certain else self.severity.lowered()
        return ctx.report(self, obj.node, message, fix=fix, severity=severity)

    @staticmethod
    def _pad_source(ctx: RuleContext, obj: ObjectFact) -> PadSource | None:
        """The one tokenizer variable in the load's scope that has a pad token."""
        load_start = ctx.range(obj.node).start
        found: dict[str, PadSource] = {}
        for tok in ctx.objects(Kind.TOKENIZER):
            name = tok.call.target
            if name is None or tok.call.function is not obj.call.function or not is_direct(tok):
                continue
            created_before = ctx.range(tok.node).start < load_start
            ckpt = ctx.checkpoint(tok) if created_before else None
            has_pad = ckpt is not None and ckpt.facts.tokenizer_has_pad_token is True
            after: cst.CSTNode | None = None
            for use in ctx.facts.attr_uses:
                if (
                    use.obj is not tok
                    or not use.is_write
                    or use.path not in (("pad_token",), ("pad_token_id",))
                ):
                    continue
                if ctx.range(use.node).start < load_start:
                    has_pad = True
                elif isinstance(use.statement, cst.SimpleStatementLine):
                    after = use.statement
            if has_pad:
                found[name] = PadSource(name, True)
            elif after is not None:
                found[name] = PadSource(name, False, after)
        return next(iter(found.values())) if len(found) == 1 else None

    @staticmethod
    def _fix(ctx: RuleContext, obj: ObjectFact, pad: PadSource) -> Fix | None:
        if pad.before_load:
            edit = ctx.add_kwarg(obj.node, f"pad_token_id={pad.name}.pad_token_id")
            return ctx.fix(f"Pass pad_token_id={pad.name}.pad_token_id", [edit], safe=True)
        model = obj.call.target
        if model is None or pad.statement is None:
            return None
        where = ctx.range(pad.statement)
        line = ctx.source.line(where.end.line)
        indent = " " * where.start.column
        text = f"{model}.config.pad_token_id = {pad.name}.pad_token_id"
        edit = Edit(
            Range(Position(where.end.line, len(line)), Position(where.end.line, len(line))),
            f"\n{indent}{text}",
        )
        return ctx.fix(f"Set {text}", [edit], safe=True)
