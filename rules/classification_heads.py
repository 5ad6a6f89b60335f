"""Family D: classifier heads that do not fit the checkpoint (HF401, HF403).

These rules rest on checkpoint facts: config.json's `id2label` and `architectures`. Unknown
means silence: a wrong finding here would tell users to change a load that works. HF406 is in
pad_token_classifier.py, the syntactic label-map rules (HF402, HF404, HF405) in label_maps.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from hflint.analyzers.facts import Arg, CallFact, LabelList, ObjectFact
from hflint.analyzers.findings import Finding, Fix, Related, Severity
from hflint.analyzers.values import const_value
from hflint.rules.base import Example, Rule
from hflint.rules.classifier_facts import (
    LabelRequest,
    agreed_labels,
    classifier_loads,
    dict_literal,
    head_replaced,
    head_suffix,
    is_classifier,
    label_request,
    preview,
    related_labels,
    standard_checkpoint,
)
from hflint.rules.context import Checkpoint, RuleContext


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
