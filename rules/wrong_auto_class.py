"""Family A: the Auto class does not fit the checkpoint's architecture.

The tables of the installed transformers decide (Knowledge.resolve mirrors _LazyAutoMapping);
a checkpoint whose facts are unknown is never judged.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from hflint.analyzers.facts import Kind, ObjectFact
from hflint.analyzers.findings import Finding, Severity
from hflint.analyzers.knowledge import UNKNOWN
from hflint.analyzers.values import ObjRef, const_str, const_value
from hflint.rules.base import Example, Rule
from hflint.rules.context import Checkpoint, RuleContext
from hflint.rules.forward_outputs import head_output_reads

# Ranked as the decision tree ranks them: generation first, then labels, then embeddings.
HEAD_PREFERENCE = (
    "AutoModelForCausalLM",
    "AutoModelForSeq2SeqLM",
    "AutoModelForImageTextToText",
    "AutoModelForSpeechSeq2Seq",
    "AutoModelForMaskedLM",
    "AutoModelForSequenceClassification",
    "AutoModelForTokenClassification",
    "AutoModelForQuestionAnswering",
    "AutoModelForImageClassification",
    "AutoModelForAudioClassification",
    "AutoModel",
)
_HEADLESS = ("AutoModel", "AutoModelForTextEncoding")
# Heads a pretrained checkpoint ships with but that say nothing about the task at hand
_NOT_TASK_HEADS = (*_HEADLESS, "AutoModelForPreTraining", "AutoModelForMaskedLM")
_FEATURE_TASKS = (
    "feature-extraction",
    "image-feature-extraction",
    "zero-shot-audio-classification",
)


def class_name_node(obj: ObjectFact) -> cst.BaseExpression:
    """The `AutoModelForX` part of `AutoModelForX.from_pretrained(...)`."""
    func = obj.node.func
    return func.value if isinstance(func, cst.Attribute) and obj.method else func


def registered(ctx: RuleContext) -> tuple[set[str], set[str]]:
    """Auto classes and model types this module or its project registers."""
    return ctx.shared(_registered)


def _registered(ctx: RuleContext) -> tuple[set[str], set[str]]:
    project = ctx.registrations
    classes: set[str] = set(project.auto_classes)
    types: set[str] = set(project.model_types)
    for call in ctx.facts.calls_to("register"):
        if not call.qualname:
            continue
        owner = call.qualname.rsplit(".", 2)[-2]
        classes.add(owner)
        model_type = const_str(call.args[0].value) if call.args else None
        if owner == "AutoConfig" and model_type:
            types.add(model_type)
    return classes, types


def auto_loads(ctx: RuleContext) -> list[tuple[ObjectFact, Checkpoint]]:
    """Auto-class model loads whose checkpoint facts are known and not remote code."""
    return ctx.shared_list(_each_auto_load)


def _each_auto_load(ctx: RuleContext) -> Iterator[tuple[ObjectFact, Checkpoint]]:
    classes, types = registered(ctx)
    for obj in ctx.objects(Kind.MODEL):
        if obj.user_class or obj.method not in ("from_pretrained", "from_config"):
            continue
        if obj.class_name not in ctx.knowledge.auto_tables or obj.class_name in classes:
            continue
        ckpt = ctx.checkpoint(obj)
        if ckpt is None or not ckpt.facts.model_type or ckpt.facts.model_type in types:
            continue
        if obj.class_name in ckpt.facts.auto_map:
            continue  # remote code decides, not the tables
        yield obj, ckpt


def candidates(ctx: RuleContext, ckpt: Checkpoint) -> list[str]:
    """Auto classes that load this checkpoint, the checkpoint's own head first."""
    kn = ctx.knowledge
    model_type = ckpt.facts.model_type or ""
    accepting = set(kn.accepting_auto_classes(model_type))
    ranked: list[str] = []
    for arch in ckpt.facts.architectures:
        head = kn.head_of(arch)
        if head in accepting and head not in ranked:
            ranked.append(head)
    if ckpt.facts.is_encoder_decoder:
        ranked += [
            c for c in ("AutoModelForSeq2SeqLM", "AutoModelForSpeechSeq2Seq") if c in accepting
        ]
    ranked += [c for c in HEAD_PREFERENCE if c in accepting]
    return list(dict.fromkeys(ranked))


def _loads(kn_resolve: str | None) -> bool:
    return kn_resolve not in (None, UNKNOWN)


class AutoClassUnsupportedModelType(Rule):
    code = "HF101"
    name = "auto-class-unsupported-model-type"
    severity = Severity.ERROR
    summary = "The Auto class has no model for the checkpoint's model type"
    what = (
        "Checks `AutoModelForX.from_pretrained(checkpoint)` against the installed transformers' "
        "tables: when the checkpoint's `model_type` is in no row of the table `AutoModelForX` "
        "uses (and its config has no `auto_map` entry for it), the load cannot work."
    )
    why = (
        "The Auto class maps config class -> model class through its table; a missing row "
        "raises before any weight is read:\n\n"
        "    ValueError: Unrecognized configuration class <class "
        "'transformers.models.bert.configuration_bert.BertConfig'> for this kind of AutoModel: "
        "AutoModelForSeq2SeqLM.\n    Model type should be one of BartConfig, ..., T5Config, ...\n\n"
        "A checkpoint whose `model_type` the installed transformers does not know at all (a "
        "family that was removed, or one newer than your transformers) cannot be loaded without "
        "its own remote code either."
    )
    example = (
        "from transformers import AutoModelForSeq2SeqLM\n"
        'model = AutoModelForSeq2SeqLM.from_pretrained("google-bert/bert-base-uncased")'
    )
    use_instead = (
        "from transformers import AutoModelForMaskedLM\n"
        'model = AutoModelForMaskedLM.from_pretrained("google-bert/bert-base-uncased")'
    )
    fix_safety = (
        "Unsafe: the replacement is the Auto class that loads this checkpoint and is closest to "
        "its own head (`config.architectures`), ranked as the decision tree ranks heads; whether "
        "that head fits your task is your call."
    )
    references = (
        "transformers/models/auto/auto_factory.py (_BaseAutoModelClass.from_pretrained)",
        "transformers/models/auto/modeling_auto.py (MODEL_FOR_*_MAPPING_NAMES)",
    )
    triggers = (
        Example(
            "from transformers import AutoModelForSeq2SeqLM\n"
            'model = AutoModelForSeq2SeqLM.from_pretrained("google-bert/bert-base-uncased")\n'
        ),
        Example(
            "import transformers as T\n"
            'CKPT = "t5-small"\n'
            "model = T.AutoModelForCausalLM.from_pretrained(CKPT)\n"
        ),
        Example(
            "from transformers import AutoModelForTokenClassification as Tagger\n"
            'name = "facebook/bart-large-cnn"\n'
            "tagger = Tagger.from_pretrained(\n    name,\n    num_labels=9,\n)\n"
        ),
        Example(
            "from transformers import AutoModelForMaskedLM\n"
            'lm = AutoModelForMaskedLM.from_pretrained("gpt2")\n'
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoModelForSeq2SeqLM\n"
            'model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")\n'
        ),
        Example(
            "from transformers import AutoModelForSeq2SeqLM\n"
            "import sys\n"
            "model = AutoModelForSeq2SeqLM.from_pretrained(sys.argv[1])\n",
            note="unknown checkpoint",
        ),
        Example(
            "from transformers import AutoConfig, AutoModelForSeq2SeqLM\n"
            "AutoModelForSeq2SeqLM.register(MyConfig, MySeq2Seq)\n"
            'model = AutoModelForSeq2SeqLM.from_pretrained("google-bert/bert-base-uncased")\n',
            note="the project registers its own classes",
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("facebook/bart-large-cnn")\n',
            note="loads (the decoder only): HF102's business",
        ),
        Example(
            "from mylib import AutoModelForSeq2SeqLM\n"
            'model = AutoModelForSeq2SeqLM.from_pretrained("google-bert/bert-base-uncased")\n'
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        kn = ctx.knowledge
        for obj, ckpt in auto_loads(ctx):
            model_type = ckpt.facts.model_type or ""
            found = kn.resolve(model_type, obj.class_name, ckpt.facts.architectures)
            if found == UNKNOWN:
                if model_type not in kn.config_mapping and ckpt.facts.source != "bundled":
                    yield self._unknown_type(ctx, obj, ckpt)
                continue
            if found is not None:
                continue
            ranked = candidates(ctx, ckpt)
            config_cls = kn.config_mapping.get(model_type, "PretrainedConfig")
            message = (
                f"`{obj.class_name}` cannot load {ckpt.describe()}: transformers {kn.version} has "
                f"no {obj.class_name} model for `{model_type}`. At run time: ValueError: "
                f"Unrecognized configuration class <class '...{config_cls}'> for this kind of "
                f"AutoModel: {obj.class_name}."
            )
            fix = None
            if ranked:
                message += f" Classes that load it: {', '.join(f'`{c}`' for c in ranked[:4])}."
                if ranked[0] == "AutoModelForImageTextToText":
                    message += (
                        " It is a vision-language model: load it with "
                        "`AutoModelForImageTextToText` and its inputs with `AutoProcessor`."
                    )
                node = class_name_node(obj)
                spelling, import_edit = ctx.name_for(f"transformers.{ranked[0]}", like=node)
                fix = ctx.fix(
                    f"Use `{ranked[0]}`", [ctx.replace(node, spelling), import_edit], safe=False
                )
            severity = self.severity if ckpt.certain else self.severity.lowered()
            yield ctx.report(self, class_name_node(obj), message, fix=fix, severity=severity)

    def _unknown_type(self, ctx: RuleContext, obj: ObjectFact, ckpt: Checkpoint) -> Finding:
        return ctx.report(
            self,
            class_name_node(obj),
            f"{ckpt.describe()} has a model type that transformers {ctx.knowledge.version} does "
            "not know, and its config has no `auto_map` remote code: the load fails with "
            f"`ValueError: The checkpoint you are trying to load has model type "
            f"`{ckpt.facts.model_type}` but Transformers does not recognize this architecture`. "
            "Upgrade transformers, or use a checkpoint of a supported family.",
            severity=Severity.WARNING,
        )


class CausalLmHeadOnNonDecoder(Rule):
    code = "HF102"
    name = "causal-lm-head-on-non-decoder"
    severity = Severity.WARNING
    summary = "AutoModelForCausalLM on an encoder-decoder or encoder-only checkpoint"
    what = (
        "Checks `AutoModelForCausalLM.from_pretrained(checkpoint)` that loads without error but "
        "builds the wrong thing: for an encoder-decoder checkpoint (bart, marian, pegasus, "
        "mbart, whisper, ...) it builds the decoder alone; for an encoder-only checkpoint "
        "(bert, roberta, ...) a masked-LM encoder posing as a causal one."
    )
    why = (
        "The CausalLM table also lists the decoder halves of encoder-decoder models "
        "(`BartForCausalLM`) and LM heads of encoders (`BertLMHeadModel`), so 'it loads' does not "
        "mean 'it is right'. An encoder-decoder checkpoint loses its encoder: the load report "
        "lists `model.encoder.* | UNEXPECTED` and generation only continues the input as a "
        "prompt, with no encoder to read it as a source text. An "
        "encoder gives the warning `If you want to use BertLMHeadModel as a standalone, add "
        "is_decoder=True.` and generates nonsense."
    )
    example = (
        "from transformers import AutoModelForCausalLM\n"
        'model = AutoModelForCausalLM.from_pretrained("facebook/bart-large-cnn")\n'
        'ids = model.generate(**tok(article, return_tensors="pt"))'
    )
    use_instead = (
        "from transformers import AutoModelForSeq2SeqLM\n"
        'model = AutoModelForSeq2SeqLM.from_pretrained("facebook/bart-large-cnn")\n'
        'ids = model.generate(**tok(article, return_tensors="pt"), max_new_tokens=128)'
    )
    fix_safety = (
        "Unsafe: `AutoModelForSeq2SeqLM` (or `AutoModelForSpeechSeq2Seq`) changes the model's "
        "inputs (it needs the encoder input and decoder labels); for an encoder, "
        "`AutoModelForMaskedLM` fills masks and does not generate."
    )
    references = (
        "transformers/models/auto/modeling_auto.py (MODEL_FOR_CAUSAL_LM_MAPPING_NAMES vs "
        "MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES)",
    )
    triggers = (
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("facebook/bart-large-cnn")\n',
            fixed="from transformers import AutoModelForSeq2SeqLM\n"
            'model = AutoModelForSeq2SeqLM.from_pretrained("facebook/bart-large-cnn")\n',
        ),
        Example(
            "import transformers\n"
            'mt = transformers.AutoModelForCausalLM.from_pretrained("Helsinki-NLP/opus-mt-en-de")\n'
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'lm = AutoModelForCausalLM.from_pretrained("bert-base-uncased")\n'
            "out = lm.generate(**batch, max_new_tokens=5)\n"
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'lm = AutoModelForCausalLM.from_pretrained("gpt2")\n'
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'dec = AutoModelForCausalLM.from_pretrained("bert-base-uncased", is_decoder=True)\n',
            note="the user made the encoder a decoder on purpose (e.g. for an EncoderDecoderModel)",
        ),
        Example(
            "from transformers import AutoModelForSeq2SeqLM\n"
            'model = AutoModelForSeq2SeqLM.from_pretrained("facebook/bart-large-cnn")\n'
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n"
            "import os\n"
            'lm = AutoModelForCausalLM.from_pretrained(os.environ["MODEL"])\n'
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        kn = ctx.knowledge
        for obj, ckpt in auto_loads(ctx):
            if obj.class_name != "AutoModelForCausalLM" or obj.method != "from_pretrained":
                continue
            facts = ckpt.facts
            model_type = facts.model_type or ""
            built = kn.resolve(model_type, obj.class_name, facts.architectures)
            if not _loads(built):
                continue
            seq2seq = next(
                (
                    c
                    for c in ("AutoModelForSeq2SeqLM", "AutoModelForSpeechSeq2Seq")
                    if _loads(kn.resolve(model_type, c, facts.architectures))
                ),
                None,
            )
            severity = self.severity if ckpt.certain else self.severity.lowered()
            node = class_name_node(obj)
            if seq2seq and facts.is_encoder_decoder:
                spelling, import_edit = ctx.name_for(f"transformers.{seq2seq}", like=node)
                yield ctx.report(
                    self,
                    node,
                    f"`AutoModelForCausalLM` on encoder-decoder {ckpt.describe()} builds `{built}`, "
                    "the decoder alone: the encoder weights are dropped (the load report lists "
                    "`model.encoder.* | UNEXPECTED`) and generation only continues the input as a "
                    "prompt, with no encoder to read it as a source text. "
                    f"Use `{seq2seq}`.",
                    fix=ctx.fix(
                        f"Use `{seq2seq}`", [ctx.replace(node, spelling), import_edit], safe=False
                    ),
                    severity=severity,
                )
                continue
            if self._encoder_only(ctx, obj, ckpt, built or ""):
                masked = "AutoModelForMaskedLM"
                spelling, import_edit = ctx.name_for(f"transformers.{masked}", like=node)
                yield ctx.report(
                    self,
                    node,
                    f"`AutoModelForCausalLM` on encoder-only {ckpt.describe()} builds `{built}`, a "
                    "bidirectional encoder posing as a causal LM; transformers warns: If you want "
                    f"to use `{built}` as a standalone, add `is_decoder=True.` Use "
                    "`AutoModelForMaskedLM` to fill masks, or a decoder-only checkpoint to "
                    "generate text.",
                    fix=ctx.fix(
                        f"Use `{masked}`", [ctx.replace(node, spelling), import_edit], safe=False
                    ),
                    severity=severity,
                )

    @staticmethod
    def _encoder_only(ctx: RuleContext, obj: ObjectFact, ckpt: Checkpoint, built: str) -> bool:
        facts = ckpt.facts
        if obj.kw("is_decoder") is not None or facts.config.get("is_decoder") is True:
            return False
        if facts.is_encoder_decoder or built in facts.architectures:
            return False
        if any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in facts.architectures):
            return False
        masked = ctx.knowledge.resolve(
            facts.model_type or "", "AutoModelForMaskedLM", facts.architectures
        )
        return _loads(masked) and masked != built


def _head_for(ctx: RuleContext, obj: ObjectFact, field: str) -> str | None:
    """The head class a read of `field` implies: the class that saved the reloaded folder, the
    checkpoint's own head, or the QA head for span logits; None when nothing says which."""
    saved = obj.saved_from
    if saved is not None:
        name = saved.class_name
        head = name if name.startswith("AutoModelFor") else ctx.knowledge.head_of(name)
        return head if head is not None and head not in _NOT_TASK_HEADS else None
    ckpt = ctx.checkpoint(obj)
    if ckpt is not None:
        for arch in ckpt.facts.architectures:
            found = ctx.knowledge.head_of(arch)
            if found is not None and found not in _NOT_TASK_HEADS:
                return found
    if field in ("start_logits", "end_logits"):
        return "AutoModelForQuestionAnswering"
    return None


class HeadlessModelUsedForTask(Rule):
    code = "HF103"
    name = "headless-model-used-for-task"
    severity = Severity.WARNING
    summary = "A base model (no head) used where a head is needed"
    what = (
        "Checks values made by `AutoModel.from_pretrained(...)` (or `AutoModelForTextEncoding`) "
        "that are then trained with `Trainer`, given to a `pipeline()` whose task needs a head, "
        "called with `labels=`, loaded with `num_labels=`, or whose forward output is read for "
        "`.logits` / `.loss` / `.start_logits` / `.end_logits` (through the name it is bound to "
        "in the same function)."
    )
    why = (
        "Base models return hidden states: no logits, no loss. `Trainer` stops with `ValueError: "
        "The model did not return a loss from the inputs, only the following keys: "
        "last_hidden_state...`, and a pipeline logs `The model 'BertModel' is not supported for "
        "text-classification` and returns nonsense. `num_labels=` on `AutoModel` is accepted and "
        "ignored: no classifier is built. Reading the output's logits fails: `AttributeError: "
        "'BaseModelOutput' object has no attribute 'logits'` (verified with transformers 5.23.0 "
        "on a fine-tuned classifier reloaded with `AutoModel`, whose head weights the load "
        "report lists as UNEXPECTED)."
    )
    example = (
        'model = AutoModel.from_pretrained("distilbert-base-uncased", num_labels=3)\n'
        "trainer = Trainer(model=model, args=args, train_dataset=ds)"
    )
    use_instead = (
        'model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased", num_labels=3)\n'
        "trainer = Trainer(model=model, args=args, train_dataset=ds)"
    )
    fix_safety = (
        "Unsafe: the head class is inferred from the use (`num_labels`/`labels` -> sequence "
        "classification, a pipeline task -> that task's Auto class); a token-level or "
        "generation task needs a different head."
    )
    references = (
        "transformers/trainer.py (Trainer.compute_loss)",
        "transformers/pipelines/base.py",
    )
    triggers = (
        Example(
            "from transformers import AutoModel, Trainer\n"
            'model = AutoModel.from_pretrained("distilbert-base-uncased", num_labels=3)\n'
            "trainer = Trainer(model=model, args=args, train_dataset=ds)\n"
        ),
        Example(
            "from transformers import AutoModel, pipeline\n"
            'enc = AutoModel.from_pretrained("bert-base-uncased")\n'
            'clf = pipeline("text-classification", model=enc, tokenizer=tok)\n'
        ),
        Example(
            "import transformers as T\n"
            'model = T.AutoModel.from_pretrained("roberta-base")\n'
            "model = model.to('cuda')\n"
            "trainer = T.Trainer(model, args)\n"
        ),
        Example(
            "from transformers import AutoModel\n"
            'model = AutoModel.from_pretrained("bert-base-uncased")\n'
            "out = model(**batch, labels=labels)\n"
        ),
        Example(
            "import torch\n"
            "from transformers import AutoModel, AutoModelForSequenceClassification\n"
            'model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased")\n'
            'model.save_pretrained("clf")\n'
            'model = AutoModel.from_pretrained("clf")\n'
            "with torch.no_grad():\n"
            "    outputs = model(**batch)\n"
            "preds = outputs.logits.argmax(-1)\n",
            note="a fine-tuned classifier reloaded without its head, then `.logits` read",
            fixed="import torch\n"
            "from transformers import AutoModelForSequenceClassification\n"
            'model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased")\n'
            'model.save_pretrained("clf")\n'
            'model = AutoModelForSequenceClassification.from_pretrained("clf")\n'
            "with torch.no_grad():\n"
            "    outputs = model(**batch)\n"
            "preds = outputs.logits.argmax(-1)\n",
        ),
        Example(
            "import transformers as T\n"
            "def answer(batch):\n"
            '    qa = T.AutoModel.from_pretrained("bert-base-uncased")\n'
            '    return qa(**batch)["start_logits"].argmax(-1)\n',
            note="a span-logits read through a subscript",
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoModel, pipeline\n"
            'enc = AutoModel.from_pretrained("bert-base-uncased")\n'
            'fe = pipeline("feature-extraction", model=enc, tokenizer=tok)\n'
        ),
        Example(
            "from transformers import AutoModel, Trainer\n"
            "class ContrastiveTrainer(Trainer):\n"
            "    def compute_loss(self, model, inputs, return_outputs=False, **kw):\n"
            "        return info_nce(model(**inputs).last_hidden_state)\n"
            'model = AutoModel.from_pretrained("bert-base-uncased")\n'
            "trainer = ContrastiveTrainer(model=model, args=args)\n",
            note="a custom loss on hidden states",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification, Trainer\n"
            'model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=3)\n'
            "trainer = Trainer(model=model, args=args)\n"
        ),
        Example(
            "from transformers import AutoModel, Trainer\n"
            'model = AutoModel.from_pretrained("bert-base-uncased")\n'
            "trainer = Trainer(model=model, args=args, compute_loss_func=my_loss)\n"
        ),
        Example(
            "from transformers import AutoModel\n"
            'model = AutoModel.from_pretrained("bert-base-uncased")\n'
            "emb = model(**batch).last_hidden_state.mean(1)\n"
        ),
        Example(
            "from transformers import AutoModel\n"
            'encoder = AutoModel.from_pretrained("bert-base-uncased")\n'
            "def classify(batch):\n"
            "    out = encoder(**batch)\n"
            "    out = head(out.last_hidden_state[:, 0])\n"
            "    return out.logits\n",
            note="the name is rebound to the output of a head of the project's own",
        ),
        Example(
            "from transformers import AutoModel\n"
            'model = AutoModel.from_pretrained("bert-base-uncased")\n'
            "def step(outputs, batch):\n"
            "    return outputs.logits\n"
            "outputs = model(**batch)\n",
            note="a parameter of another function that happens to share the name",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for obj in ctx.objects(Kind.MODEL):
            if obj.class_name not in _HEADLESS or obj.user_class or not self._headless(ctx, obj):
                continue
            num_labels = obj.kw("num_labels")
            if num_labels is not None:
                yield self._report(
                    ctx,
                    obj,
                    num_labels.node,
                    f"`num_labels=` on `{obj.class_name}` is ignored: a base model has no "
                    "classification head.",
                    "AutoModelForSequenceClassification",
                )
            for call in ctx.facts.method_calls(obj, "__call__"):
                if call.kw("labels") is not None:
                    yield self._report(
                        ctx,
                        obj,
                        call.kw("labels").node,  # type: ignore[union-attr]
                        f"`labels=` passed to a `{obj.class_name}` model: a base model computes no "
                        "loss and returns only hidden states.",
                        "AutoModelForSequenceClassification",
                    )
            yield from self._trainers(ctx, obj)
            yield from self._pipelines(ctx, obj)
            yield from self._output_reads(ctx, obj)

    @staticmethod
    def _headless(ctx: RuleContext, obj: ObjectFact) -> bool:
        """AutoModel is headless unless the table maps this checkpoint to a head class, or
        the checkpoint's own code decides (`auto_map`, `trust_remote_code=True`)."""
        ckpt = ctx.checkpoint(obj)
        if ckpt is not None and obj.class_name in ckpt.facts.auto_map:
            return False  # e.g. internlm2: AutoModel -> modeling_internlm2.InternLM2ForCausalLM
        flag = obj.kw("trust_remote_code")
        if ckpt is None and flag is not None and const_value(flag.value) is not False:
            return False  # an unknown checkpoint whose remote code may build anything
        if ckpt is None or not ckpt.facts.model_type:
            return True
        built = ctx.knowledge.resolve(
            ckpt.facts.model_type, obj.class_name, ckpt.facts.architectures
        )
        if built in (None, UNKNOWN):
            return True
        return not any(k in built for k in ("For", "LMHead", "WithHead"))

    def _trainers(self, ctx: RuleContext, obj: ObjectFact) -> Iterator[Finding]:
        for trainer in ctx.objects(Kind.TRAINER):
            model = trainer.call.arg(0, "model")
            target = (
                model.value.obj if model is not None and isinstance(model.value, ObjRef) else None
            )
            while target is not None and target is not obj:
                target = target.base
            if model is None or target is None:
                continue
            if not trainer.qualname.startswith("transformers.") and trainer.user_class is None:
                continue
            if trainer.kw("compute_loss_func") is not None or trainer.call.has_star_kwargs:
                continue
            if trainer.user_class is not None and "compute_loss" in trainer.user_class.methods:
                continue
            hint = "AutoModelForSequenceClassification" if obj.kw("num_labels") else None
            yield self._report(
                ctx,
                obj,
                model.node,
                f"`{trainer.class_name}` trains a base `{obj.class_name}` model, which returns no loss: "
                "ValueError: The model did not return a loss from the inputs, only the following "
                "keys: last_hidden_state. Load a model with a head (the decision tree: "
                "CausalLM / Seq2SeqLM to generate, SequenceClassification / TokenClassification "
                "for labels), or override `compute_loss`.",
                hint,
                related_obj=trainer,
            )

    def _output_reads(self, ctx: RuleContext, obj: ObjectFact) -> Iterator[Finding]:
        for read in head_output_reads(ctx, obj):
            error = (
                f"KeyError: '{read.field}'"
                if read.subscript
                else f"AttributeError: 'BaseModelOutput' object has no attribute '{read.field}'"
                " (the output class varies with the model)"
            )
            reloaded = ""
            if obj.saved_from is not None:
                reloaded = (
                    f" The folder holds what `{obj.saved_from.class_name}` saved: loading it "
                    "this way leaves the head's weights out (the load report lists them as "
                    "UNEXPECTED)."
                )
            yield self._report(
                ctx,
                obj,
                read.node,
                f"`{ctx.code(read.node)}` reads `{read.field}` from the output of a base "
                f"`{obj.class_name}` model, which returns hidden states only: {error}."
                f"{reloaded}",
                _head_for(ctx, obj, read.field),
            )

    def _pipelines(self, ctx: RuleContext, obj: ObjectFact) -> Iterator[Finding]:
        for pipe in ctx.objects(Kind.PIPELINE):
            model = pipe.call.arg(1, "model")
            if model is None or not isinstance(model.value, ObjRef) or model.value.obj is not obj:
                continue
            task_arg = pipe.call.arg(0, "task")
            task = const_str(task_arg.value) if task_arg is not None else None
            if task is None:
                continue
            task = ctx.knowledge.task_aliases.get(task, task)
            info = ctx.knowledge.tasks.get(task)
            if info is None or task in _FEATURE_TASKS or "AutoModel" in info.auto_classes:
                continue
            head = info.auto_classes[0] if info.auto_classes else None
            yield self._report(
                ctx,
                obj,
                model.node,
                f'`pipeline("{task}")` gets a base `{obj.class_name}` model, which has no head for '
                f"that task: transformers logs `The model '...Model' is not supported for {task}` "
                "and the outputs are meaningless.",
                head,
                related_obj=pipe,
            )

    def _report(
        self,
        ctx: RuleContext,
        obj: ObjectFact,
        node: cst.CSTNode,
        problem: str,
        head: str | None,
        related_obj: ObjectFact | None = None,
    ) -> Finding:
        fix = None
        message = problem
        if head is not None:
            name_node = class_name_node(obj)
            spelling, import_edit = ctx.name_for(f"transformers.{head}", like=name_node)
            message += f" Use `{head}`."
            fix = ctx.fix(
                f"Load with `{head}`", [ctx.replace(name_node, spelling), import_edit], safe=False
            )
        related = [ctx.loaded_here(obj, f"`{obj.class_name}` model loaded here")]
        if related_obj is not None:
            related.append(ctx.loaded_here(related_obj))
        return ctx.report(self, node, message, fix=fix, related=related)
