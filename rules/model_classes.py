"""HF104: a model-specific class loaded from a checkpoint of another model type.

`BertForSequenceClassification.from_pretrained(ckpt)` builds a BERT whatever `ckpt` is: the
Auto classes pick the class from the checkpoint's `model_type`, a concrete class does not. The
installed transformers' Auto tables say which model types a class serves; a checkpoint whose
`model_type` is none of them (and whose config class is none of theirs) is reported, as
transformers itself warns at run time.
"""

from __future__ import annotations

from collections.abc import Iterator

from hflint.analyzers.facts import Kind, ObjectFact
from hflint.analyzers.findings import Finding, Severity
from hflint.analyzers.knowledge import UNKNOWN, Knowledge
from hflint.rules.base import Example, Rule
from hflint.rules.context import Checkpoint, RuleContext
from hflint.rules.wrong_auto_class import class_name_node

TYPE_WARNING = (
    "You are using a model of type `{checkpoint}` to instantiate a model of type `{cls}`. This "
    "may be expected if you are loading a checkpoint that shares a subset of the architecture "
    "(e.g., loading a `sam2_video` checkpoint into `Sam2Model`), but is otherwise not supported "
    "and can yield errors. Please verify that the checkpoint is compatible with the model you "
    "are instantiating."
)


# id(knowledge) -> (that knowledge, class name -> model types); Knowledge is not hashable
_BY_CLASS: dict[int, tuple[Knowledge, dict[str, tuple[str, ...]]]] = {}


def _types_by_class(knowledge: Knowledge) -> dict[str, tuple[str, ...]]:
    """Model class name -> the model types whose Auto table rows build it."""
    known = _BY_CLASS.get(id(knowledge))
    if known is not None and known[0] is knowledge:
        return known[1]
    found: dict[str, set[str]] = {}
    for table in knowledge.auto_tables.values():
        for model_type, value in table.items():
            for name in (value,) if isinstance(value, str) else value:
                found.setdefault(name, set()).add(model_type)
    index = {name: tuple(sorted(types)) for name, types in found.items()}
    if len(_BY_CLASS) > 8:
        _BY_CLASS.clear()
    _BY_CLASS[id(knowledge)] = (knowledge, index)
    return index


def class_model_types(knowledge: Knowledge, class_name: str) -> tuple[str, ...]:
    """The model types `class_name` is built for (empty: not a class the tables list)."""
    return _types_by_class(knowledge).get(class_name, ())


def _own_type(class_name: str, types: tuple[str, ...]) -> str:
    """The model type transformers would name for the class (`llama` for LlamaForCausalLM)."""
    squashed = class_name.lower()
    for model_type in types:
        if squashed.startswith(model_type.replace("-", "").replace("_", "")):
            return model_type
    return types[0]


class ModelClassCheckpointMismatch(Rule):
    code = "HF104"
    name = "model-class-checkpoint-mismatch"
    severity = Severity.WARNING
    summary = "A model-specific class loaded from a checkpoint of another model type"
    what = (
        "Checks `XForY.from_pretrained(checkpoint)` with a model-specific class (not an Auto "
        "class) against the checkpoint's `model_type`: when the installed transformers' tables "
        "build that class for other model types only, and the checkpoint's config class is not "
        "theirs either, the class does not fit the checkpoint. Loads that pass `config=` (the "
        "checkpoint's own config is then not read) and composite checkpoints whose config "
        "holds a sub-config of the class's type (`text_config`) are left alone, as "
        "transformers leaves them."
    )
    why = (
        "A concrete class builds its own architecture whatever the checkpoint holds. "
        "transformers only warns:\n\n"
        f"    {TYPE_WARNING.format(checkpoint='gpt2', cls='bert')}\n\n"
        "and then loads the weights by name: the checkpoint's weights that do not fit are "
        "left out (UNEXPECTED in the load report) and the class's own are initialised at "
        "random (MISSING). A BERT class on a GPT-2 checkpoint is an untrained BERT."
    )
    example = (
        "from transformers import BertForSequenceClassification\n"
        'model = BertForSequenceClassification.from_pretrained("roberta-base", num_labels=2)'
    )
    use_instead = (
        "from transformers import AutoModelForSequenceClassification\n"
        'model = AutoModelForSequenceClassification.from_pretrained("roberta-base", num_labels=2)'
    )
    fix_safety = (
        "Unsafe: the fix loads the checkpoint with the Auto class of the same head "
        "(`BertForSequenceClassification` -> `AutoModelForSequenceClassification`), which "
        "builds the checkpoint's own architecture; code that relies on the concrete class "
        "(its attributes, `model.bert`) has to change too."
    )
    references = (
        "transformers/configuration_utils.py (PreTrainedConfig.from_pretrained: the model type "
        "warning)",
        "transformers/models/auto/modeling_auto.py (MODEL_FOR_*_MAPPING_NAMES)",
    )
    triggers = (
        Example(
            "from transformers import BertForSequenceClassification\n"
            'model = BertForSequenceClassification.from_pretrained("roberta-base", num_labels=2)\n',
            fixed="from transformers import AutoModelForSequenceClassification\n"
            'model = AutoModelForSequenceClassification.from_pretrained("roberta-base", '
            "num_labels=2)\n",
        ),
        Example(
            "import transformers as tf\n"
            'CKPT = "gpt2"\n'
            "lm = tf.LlamaForCausalLM.from_pretrained(CKPT)\n",
        ),
        Example(
            "import argparse\n"
            "from transformers import DistilBertModel\n"
            "parser = argparse.ArgumentParser()\n"
            'parser.add_argument("--encoder", default="bert-base-uncased")\n'
            "args = parser.parse_args()\n"
            "encoder = DistilBertModel.from_pretrained(args.encoder)\n",
            note="an argparse default: reported one step lower",
        ),
    )
    near_misses = (
        Example(
            "from transformers import GPT2LMHeadModel\n"
            'model = GPT2LMHeadModel.from_pretrained("distilgpt2")\n',
            note="a GPT-2 checkpoint",
        ),
        Example(
            "from transformers import BertForSequenceClassification\n"
            'model = BertForSequenceClassification.from_pretrained("roberta-base", config=cfg)\n',
            note="an explicit config: the checkpoint's own is not read",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            'model = AutoModelForSequenceClassification.from_pretrained("roberta-base")\n',
            note="an Auto class follows the checkpoint",
        ),
        Example(
            "from transformers import BertModel\n"
            "class Encoder(BertModel):\n"
            "    pass\n"
            'model = Encoder.from_pretrained("roberta-base")\n',
            note="a subclass of the project's own",
        ),
        Example(
            "import os\n"
            "from transformers import BertModel\n"
            'model = BertModel.from_pretrained(os.environ["CKPT"])\n',
            note="unknown checkpoint",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        kn = ctx.knowledge
        for obj in ctx.objects(Kind.MODEL):
            if obj.method != "from_pretrained" or obj.user_class is not None:
                continue
            if obj.class_name.startswith("Auto") or obj.base is not None:
                continue
            if not obj.qualname.startswith("transformers.") or obj.kw("config") is not None:
                continue
            types = class_model_types(kn, obj.class_name)
            if not types:
                continue
            ckpt = ctx.checkpoint(obj)
            if ckpt is None or ckpt.via_save:
                continue
            model_type = ckpt.facts.model_type
            if not model_type or model_type in types or model_type not in kn.config_mapping:
                continue
            config_class = kn.config_mapping[model_type]
            if any(kn.config_mapping.get(t) == config_class for t in types):
                continue  # one config class (gpt-sw3 and gpt2): the weights are the same
            if self._sub_config(ckpt, types):
                continue
            yield self._finding(ctx, obj, ckpt, _own_type(obj.class_name, types))

    @staticmethod
    def _sub_config(ckpt: Checkpoint, types: tuple[str, ...]) -> bool:
        """transformers uses a nested config of the class's type (`text_config`) silently."""
        return any(
            isinstance(v, dict) and v.get("model_type") in types for v in ckpt.facts.config.values()
        )

    def _finding(self, ctx: RuleContext, obj: ObjectFact, ckpt: Checkpoint, own: str) -> Finding:
        kn = ctx.knowledge
        model_type = ckpt.facts.model_type or ""
        warning = TYPE_WARNING.format(checkpoint=model_type, cls=own)
        message = (
            f"`{obj.class_name}` is a `{own}` model, but {ckpt.describe()} is not: the class "
            f"builds its own architecture whatever the checkpoint holds, so the weights that do "
            f"not fit it are dropped and the rest of the model starts from random values. "
            f"transformers only logs: {warning}"
        )
        head = kn.head_of(obj.class_name)
        fix = None
        built = kn.resolve(model_type, head, ckpt.facts.architectures) if head else None
        if head is not None and built not in (None, UNKNOWN):
            message += f" Load it with `{head}`, which picks the class from the checkpoint."
            node = class_name_node(obj)
            spelling, import_edit = ctx.name_for(f"transformers.{head}", like=node)
            fix = ctx.fix(f"Use `{head}`", [ctx.replace(node, spelling), import_edit], safe=False)
        severity = self.severity
        if not ckpt.certain:
            severity = severity.lowered()
        return ctx.report(
            self,
            class_name_node(obj),
            message,
            fix=fix,
            severity=severity,
            related=[ctx.loaded_here(obj, f"`{obj.class_name}` loaded here")],
        )
