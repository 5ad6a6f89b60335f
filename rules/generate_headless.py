"""HF501: `generate()` on a model class without a language-model head.

Whether a class can generate is read from the transformers sources (Knowledge.
generative_classes: GenerationMixin, or a `generate` method, somewhere in its bases), and the
class an Auto class builds from the Auto table's value for the checkpoint's model type, never
from the class name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from hflint.analyzers.facts import Kind, ObjectFact
from hflint.analyzers.findings import Finding, Fix, Severity
from hflint.analyzers.knowledge import UNKNOWN, Knowledge
from hflint.analyzers.values import ObjRef
from hflint.rules.base import Example, Rule
from hflint.rules.classifier_facts import is_direct, remote_code
from hflint.rules.context import Checkpoint, RuleContext
from hflint.rules.generation_facts import GenerateCall, generate_calls
from hflint.rules.trainer_facts import decoder_only_type, use_classes
from hflint.rules.wrong_auto_class import class_name_node, registered

# Generative Auto classes, in the order a fix prefers them.
GENERATIVE_AUTOS = (
    "AutoModelForCausalLM",
    "AutoModelForSeq2SeqLM",
    "AutoModelForImageTextToText",
    "AutoModelForSpeechSeq2Seq",
)
_ENCODER_DECODER_AUTOS = (
    "AutoModelForSeq2SeqLM",
    "AutoModelForSpeechSeq2Seq",
    "AutoModelForImageTextToText",
)


def table_classes(knowledge: Knowledge, auto_class: str) -> list[str]:
    """Every class the Auto class's table lists."""
    out: list[str] = []
    for value in knowledge.auto_tables.get(auto_class, {}).values():
        out.extend((value,) if isinstance(value, str) else value)
    return out


def config_model_type(knowledge: Knowledge, obj: ObjectFact) -> str | None:
    """For `AutoX.from_config(GPT2Config(...))`: the model type of the config class."""
    if obj.method not in ("from_config", "_from_config"):
        return None
    arg = obj.call.arg(0, "config")
    config = arg.value.obj if arg is not None and isinstance(arg.value, ObjRef) else None
    if config is None or config.kind is not Kind.CONFIG or config.method is not None:
        return None
    types = [t for t, cls in knowledge.config_mapping.items() if cls == config.class_name]
    return types[-1] if types else None  # _LazyAutoMapping looks the last one up first


@dataclass(frozen=True)
class Verdict:
    """A model that cannot generate: the class it is, and how sure that is."""

    built: str | None  # the concrete class; None when every class of the Auto table lacks it
    because: str
    severity: Severity
    checkpoint: Checkpoint | None = None
    model_type: str | None = None
    caveat: str = ""


class GenerateOnNonGenerativeModel(Rule):
    code = "HF501"
    name = "generate-on-non-generative-model"
    severity = Severity.ERROR
    summary = "generate() called on a model class without a language-model head"
    what = (
        "Checks `model.generate(...)` where `model` is a class that has no `generate` in the "
        "targeted transformers: a base model (`AutoModel` builds `GPT2Model`, `T5Model`, "
        "`LlamaModel`, ...), or a classification, token-classification, question-answering, "
        "multiple-choice or encoder head. For `AutoModelForMaskedLM` and "
        "`AutoModelForPreTraining` the class depends on the checkpoint (BART's masked-LM class "
        "is `BartForConditionalGeneration`, which generates), so the checkpoint's config "
        "decides. Whether a class generates is read from the transformers sources "
        "(`GenerationMixin` or a `generate` method in its bases)."
    )
    why = (
        "Since transformers 4.52 `PreTrainedModel` no longer inherits `GenerationMixin`: only "
        "classes with a language-model head have `generate`. On the others the call fails:\n\n"
        "    AttributeError: 'GPT2Model' object has no attribute 'generate'\n\n"
        "Up to 4.51 every model inherited it, and the call raised `TypeError: The current "
        "model class (GPT2Model) is not compatible with .generate(), as it doesn't have a "
        "language model head.` instead. A few model types are exceptions whose `AutoModel` class does generate (llama4, csm, "
        "clvp, bark, seamless_m4t, ...); the Auto table tells them apart."
    )
    example = """
from transformers import AutoModel, AutoTokenizer
tok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-0.5B")
model = AutoModel.from_pretrained("Qwen/Qwen2.5-0.5B")
out = model.generate(**tok("Hello", return_tensors="pt"), max_new_tokens=20)
"""
    use_instead = """
from transformers import AutoModelForCausalLM, AutoTokenizer
tok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-0.5B")
model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B")
out = model.generate(**tok("Hello", return_tensors="pt"), max_new_tokens=20)
"""
    fix_safety = (
        "Unsafe: the fix loads the model with the generative Auto class that the checkpoint's "
        "config points to (its `architectures`, then encoder-decoder or decoder-only). That "
        "class adds a language-model head (newly initialised when the checkpoint has none) and "
        "its forward returns logits instead of hidden states, which other code in the file may "
        "use. Without checkpoint facts, or for an encoder-only checkpoint, no fix is offered."
    )
    references = (
        "https://huggingface.co/docs/transformers/main_classes/text_generation",
        "transformers/generation/utils.py (GenerationMixin)",
        "transformers/modeling_utils.py (PreTrainedModel.can_generate)",
        "transformers/models/auto/modeling_auto.py (MODEL_MAPPING_NAMES)",
    )
    triggers = (
        Example(
            "from transformers import AutoModel, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            'model = AutoModel.from_pretrained("gpt2")\n'
            'out = model.generate(**tok("Hello", return_tensors="pt"), max_new_tokens=20)\n',
            fixed="from transformers import AutoModelForCausalLM, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            'out = model.generate(**tok("Hello", return_tensors="pt"), max_new_tokens=20)\n',
        ),
        Example(
            "import sys\n"
            "import transformers as tf\n"
            "clf = tf.AutoModelForSequenceClassification.from_pretrained(sys.argv[1])\n"
            "ids = clf.generate(input_ids, max_new_tokens=5)\n",
            note="unknown checkpoint, but no class of this Auto table generates",
        ),
        Example(
            "from transformers.models.bert.modeling_bert import BertForMaskedLM\n"
            'mlm = BertForMaskedLM.from_pretrained("bert-base-uncased")\n'
            "filled = mlm.generate(**batch)\n",
            note="a concrete class: no fix for an encoder-only checkpoint",
        ),
        Example(
            "from peft import LoraConfig, get_peft_model\n"
            "from transformers import AutoModel\n"
            "def build():\n"
            '    base = AutoModel.from_pretrained("Qwen/Qwen2.5-0.5B")\n'
            "    lora = get_peft_model(base, LoraConfig(r=8))\n"
            "    return lora.generate(**inputs, max_new_tokens=8)\n",
            note="the PEFT wrapper keeps the base model's (missing) head",
        ),
        Example(
            "from transformers import AutoModelForMaskedLM\n"
            'model = AutoModelForMaskedLM.from_pretrained("distilbert-base-uncased")\n'
            "model.generate(input_ids)\n",
            note="masked LM: the checkpoint's config decides, and DistilBERT's class cannot",
        ),
        Example(
            "import argparse\n"
            "from transformers import AutoModel\n"
            "parser = argparse.ArgumentParser()\n"
            'parser.add_argument("--model", default="t5-small")\n'
            "args = parser.parse_args()\n"
            "model = AutoModel.from_pretrained(args.model)\n"
            "summary = model.generate(**enc, max_new_tokens=60)\n",
            note="an argparse default: one step less sure",
            fixed="import argparse\n"
            "from transformers import AutoModelForSeq2SeqLM\n"
            "parser = argparse.ArgumentParser()\n"
            'parser.add_argument("--model", default="t5-small")\n'
            "args = parser.parse_args()\n"
            "model = AutoModelForSeq2SeqLM.from_pretrained(args.model)\n"
            "summary = model.generate(**enc, max_new_tokens=60)\n",
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoModelForMaskedLM\n"
            'model = AutoModelForMaskedLM.from_pretrained("facebook/bart-large")\n'
            "out = model.generate(**batch, max_new_tokens=20)\n",
            note="BART's masked-LM class is BartForConditionalGeneration, which generates",
        ),
        Example(
            "import sys\n"
            "from transformers import AutoModelForMaskedLM\n"
            "model = AutoModelForMaskedLM.from_pretrained(sys.argv[1])\n"
            "out = model.generate(**batch)\n",
            note="unknown checkpoint and an Auto class with generative members",
        ),
        Example(
            "from transformers import AutoModel, AutoModelForCausalLM\n"
            'model = AutoModel.from_pretrained("gpt2")\n'
            "emb = model(**batch).last_hidden_state\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "out = model.generate(**batch, max_new_tokens=5)\n",
            note="the name is rebound to a causal LM before generate()",
        ),
        Example(
            "from transformers import AutoModel, AutoModelForCausalLM\n"
            'model = AutoModel.from_pretrained("gpt2")\n'
            "def run(batch):\n"
            "    return model.generate(**batch, max_new_tokens=5)\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n',
            note="the function runs after the rebinding",
        ),
        Example(
            "from transformers import GenerationMixin, GPT2Model\n"
            "class Generator(GPT2Model, GenerationMixin):\n"
            "    pass\n"
            'model = Generator.from_pretrained("gpt2")\n'
            "model.generate(**batch)\n",
            note="a user subclass may add generation",
        ),
        Example(
            "from transformers import AutoModel, Llama4Config\n"
            "model = AutoModel.from_config(Llama4Config())\n"
            "out = model.generate(**batch, max_new_tokens=5)\n",
            note="llama4's AutoModel class is Llama4ForConditionalGeneration",
        ),
        Example(
            "from transformers import AutoModel\n"
            'model = AutoModel.from_pretrained("my-org/custom", trust_remote_code=True)\n'
            "model.generate(**batch)\n",
            note="remote code brings its own classes",
        ),
        Example(
            "from transformers import pipeline\n"
            'pipe = pipeline("text-generation", model="gpt2")\n'
            "out = pipe.model.generate(**batch)\n",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        kn = ctx.target_knowledge
        if not kn.generative_classes:
            return
        for gen in generate_calls(ctx):
            verdict = self._verdict(ctx, kn, gen.base)
            if verdict is not None:
                yield self._finding(ctx, kn, gen, verdict)

    def _verdict(self, ctx: RuleContext, kn: Knowledge, obj: ObjectFact) -> Verdict | None:
        if (
            obj.user_class is not None
            or not obj.qualname.startswith("transformers.")
            or remote_code(obj)
        ):
            return None
        name = obj.class_name
        if name not in kn.auto_tables:  # a concrete class
            if name not in kn.model_class_types or name in kn.generative_classes:
                return None
            because = f"`{name}` has no `generate` in {{version}}"
            return Verdict(name, because, self.severity, model_type=kn.model_class_types[name])
        classes, types = registered(ctx)
        if name in classes:
            return None
        ckpt = ctx.checkpoint(obj)
        model_type = ckpt.facts.model_type if ckpt is not None else config_model_type(kn, obj)
        if model_type is None and ckpt is None and self._unknown_config_class(obj):
            return None  # a config class this release does not know (custom or newer)
        if ckpt is not None and ckpt.facts.auto_map:
            return None  # remote code may bring its own classes
        if model_type:
            if model_type in types:
                return None
            archs = ckpt.facts.architectures if ckpt is not None else ()
            built = kn.resolve(model_type, name, archs)
            if built in (None, UNKNOWN) or built in kn.generative_classes:
                return None
            where = ckpt.describe() if ckpt is not None else f"a `{model_type}` config"
            severity = self.severity
            if ckpt is not None and not ckpt.certain:
                severity = severity.lowered()
            because = (
                f"`{name}` builds `{built}` for {where}, which has no `generate` in {{version}}"
            )
            return Verdict(built, because, severity, ckpt, model_type)
        members = table_classes(kn, name)
        generative = [c for c in members if c in kn.generative_classes]
        if not generative:
            because = f"no class that `{name}` builds has `generate` in {{version}}"
            return Verdict(None, because, self.severity)
        if name != "AutoModel":
            return None  # ambiguous without the checkpoint's config
        exceptions = sorted(
            t
            for t, value in kn.auto_tables[name].items()
            if any(
                c in kn.generative_classes for c in ((value,) if isinstance(value, str) else value)
            )
        )
        caveat = (
            " (assuming the checkpoint is not one of the few model types whose `AutoModel` "
            f"class generates: {', '.join(exceptions)})"
        )
        return Verdict(
            None,
            "`AutoModel` builds a base model, which has no `generate` in {version}",
            Severity.WARNING,
            caveat=caveat,
        )

    @staticmethod
    def _unknown_config_class(obj: ObjectFact) -> bool:
        """`from_config(SomeConfig(...))` with a config class other than AutoConfig."""
        if obj.method not in ("from_config", "_from_config"):
            return False
        arg = obj.call.arg(0, "config")
        config = arg.value.obj if arg is not None and isinstance(arg.value, ObjRef) else None
        return config is not None and config.class_name != "AutoConfig"

    def _finding(
        self, ctx: RuleContext, kn: Knowledge, gen: GenerateCall, verdict: Verdict
    ) -> Finding:
        func = gen.node.func
        assert isinstance(func, cst.Attribute)
        receiver = ctx.code(func.value)
        shown = verdict.built or "<model class>"
        if ctx.target.at_least("4.52"):
            runtime = f"AttributeError: '{shown}' object has no attribute 'generate'"
        else:  # every model inherited GenerationMixin, and generate() refused
            runtime = (
                f"TypeError: The current model class ({shown}) is not compatible with "
                "`.generate()`, as it doesn't have a language model head. Classes that support "
                "generation often end in one of these names: ['ForCausalLM', "
                "'ForConditionalGeneration', 'ForSpeechSeq2Seq', 'ForVision2Seq']."
            )
        wrapper = " (through its PEFT wrapper)" if gen.model is not gen.base else ""
        because = verdict.because.format(version=ctx.target.phrase())
        message = (
            f"`{receiver}.generate()` needs a model with a language-model head{wrapper}: "
            f"{because}{verdict.caveat}. The call fails with {runtime}."
        )
        target = self._generative_auto(ctx, kn, verdict)
        fix: Fix | None = None
        if (
            target is not None
            and gen.base.method in ("from_pretrained", "from_config")
            and is_direct(gen.base)  # not a helper's return value: its call is the helper's
        ):
            message += f" Load it with `{target}` to generate."
            fix = ctx.fix(
                f"Load the model with `{target}`",
                use_classes(ctx, [(class_name_node(gen.base), f"transformers.{target}")]),
                safe=False,
            )
        elif verdict.model_type and self._encoder_only(kn, verdict.model_type):
            message += (
                f" `{verdict.model_type}` is an encoder: to generate text, use a decoder-only "
                "or encoder-decoder checkpoint."
            )
        else:
            message += (
                " Load a class with a language-model head: `AutoModelForCausalLM` "
                "(decoder-only), `AutoModelForSeq2SeqLM` (encoder-decoder), "
                "`AutoModelForImageTextToText` or `AutoModelForSpeechSeq2Seq`."
            )
        related = [ctx.loaded_here(gen.base, f"`{gen.base.class_name}` model created here")]
        return ctx.report(
            self, gen.method_name, message, fix=fix, related=related, severity=verdict.severity
        )

    @staticmethod
    def _generative_auto(ctx: RuleContext, kn: Knowledge, verdict: Verdict) -> str | None:
        """The generative Auto class the model type (and the checkpoint's config) points to:
        the head of a generative class in `architectures`, else by encoder-decoder or
        decoder-only. None for encoder-only types (BERT's causal-LM head is HF102's trap)."""
        model_type = verdict.model_type
        if not model_type:
            return None
        facts = verdict.checkpoint.facts if verdict.checkpoint is not None else None
        archs = facts.architectures if facts is not None else ()
        for arch in archs:
            if arch not in kn.generative_classes:
                continue
            for auto in GENERATIVE_AUTOS:
                if kn.resolve(model_type, auto, archs) == arch:
                    return auto
        encoder_decoder = facts.is_encoder_decoder if facts is not None else None
        options: tuple[str, ...] = ()
        if decoder_only_type(ctx, model_type) and not encoder_decoder:
            options = ("AutoModelForCausalLM",)
        elif encoder_decoder is not False:
            options = _ENCODER_DECODER_AUTOS
        for auto in options:
            if kn.resolve(model_type, auto, archs) in kn.generative_classes:
                return auto
        return None

    @staticmethod
    def _encoder_only(kn: Knowledge, model_type: str) -> bool:
        """A model type whose masked-LM class does not generate and that has no seq2seq
        class (BERT, RoBERTa, DistilBERT, ...)."""
        masked = kn.resolve(model_type, "AutoModelForMaskedLM")
        if masked in (None, UNKNOWN) or masked in kn.generative_classes:
            return False
        return all(
            kn.resolve(model_type, auto) in (None, UNKNOWN) for auto in _ENCODER_DECODER_AUTOS[:2]
        )
