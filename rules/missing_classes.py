"""Family B: classes that do not exist in the installed transformers, or were removed.

The installed transformers is the judge: a name is reported only when its package does not
export it. The seeds' invented Auto classes land here.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

import libcst as cst

from hflint.analyzers.facts import ImportFact
from hflint.analyzers.findings import Edit, Finding, Severity
from hflint.rules.base import Example, Rule
from hflint.rules.context import RuleContext

# Names that were never transformers classes but that tutorials teach, with what to use instead.
INVENTED = {
    "AutoModelForConditionalGeneration": (
        "AutoModelForSeq2SeqLM",
        "conditional generation is `AutoModelForSeq2SeqLM` for text encoder-decoders, "
        "`AutoModelForImageTextToText` for vision-language models and `AutoModelForSpeechSeq2Seq` "
        "for speech recognition",
    ),
    "AutoModelForZeroShotClassification": (
        "AutoModelForSequenceClassification",
        'zero-shot classification is `pipeline("zero-shot-classification")` over an NLI checkpoint, '
        "which loads with `AutoModelForSequenceClassification`",
    ),
    "AutoModelForContrastiveLearning": (
        "AutoModel",
        "contrastive embeddings come from `AutoModel` (a bi-encoder plus pooling), or "
        "`AutoModelForZeroShotImageClassification` for CLIP-style models",
    ),
}

# Removed in 5.x, with the replacement the deprecation warning named.
REMOVED = {
    "AutoModelForVision2Seq": "AutoModelForImageTextToText",
    "AutoModelWithLMHead": None,  # depends on the architecture: CausalLM / MaskedLM / Seq2SeqLM
}


def _uses(ctx: RuleContext) -> list[tuple[str, cst.CSTNode, ImportFact | None]]:
    """Every place a `transformers.X` name is imported or used through a module alias."""
    return ctx.shared_list(_each_use)


def _each_use(ctx: RuleContext) -> Iterator[tuple[str, cst.CSTNode, ImportFact | None]]:
    seen: set[int] = set()
    for imp in ctx.facts.import_facts:
        if imp.module.split(".")[0] == "transformers":
            seen.add(id(imp.alias))
            yield imp.name, imp.alias.name, imp
    for call in ctx.facts.calls:
        func = call.node.func
        target = (
            func.value
            if isinstance(func, cst.Attribute)
            and call.method in ("from_pretrained", "from_config", "register")
            else func
        )
        if (
            isinstance(target, cst.Attribute)
            and call.qualname is not None
            and call.qualname.startswith("transformers.")
            and id(target) not in seen
        ):
            seen.add(id(target))
            yield target.attr.value, target.attr, None


def _exists(ctx: RuleContext, name: str) -> bool:
    """Unknown counts as existing: without an installed transformers nothing is judged."""
    return not ctx.knowledge.version or ctx.knowledge.has_name(name)


class NonexistentAutoClass(Rule):
    code = "HF201"
    name = "nonexistent-auto-class"
    severity = Severity.ERROR
    summary = "An Auto class that transformers does not have"
    what = (
        "Checks for `Auto*` names imported from or used on `transformers` that the installed "
        "transformers does not export, such as `AutoModelForConditionalGeneration`."
    )
    why = (
        "The import fails before anything runs:\n\n"
        "    ImportError: cannot import name 'AutoModelForConditionalGeneration' from "
        "'transformers'\n\n"
        "or, through the module: `AttributeError: module transformers has no attribute ...`. "
        "Several tutorials list invented classes (`AutoModelForConditionalGeneration`, "
        "`AutoModelForZeroShotClassification`, `AutoModelForContrastiveLearning`)."
    )
    example = (
        "from transformers import AutoModelForZeroShotClassification\n"
        'clf = AutoModelForZeroShotClassification.from_pretrained("facebook/bart-large-mnli")'
    )
    use_instead = (
        "from transformers import pipeline\n"
        'clf = pipeline("zero-shot-classification", model="facebook/bart-large-mnli")\n'
        'clf("I love this", candidate_labels=["positive", "negative"])'
    )
    fix_safety = (
        "Unsafe: the replacement class is a suggestion (the closest real class, or the one the "
        "decision tree names for the invented one); check that its head fits your task."
    )
    references = (
        "https://huggingface.co/docs/transformers/model_doc/auto",
        "transformers/models/auto/modeling_auto.py (__all__)",
    )
    triggers = (
        Example(
            "from transformers import AutoModelForConditionalGeneration\n"
            'model = AutoModelForConditionalGeneration.from_pretrained("t5-small")\n'
        ),
        Example(
            "import transformers as T\n"
            'm = T.AutoModelForContrastiveLearning.from_pretrained("bert-base-uncased")\n'
        ),
        Example("from transformers import AutoModelForSequenceClasification\n", note="a typo"),
    )
    near_misses = (
        Example(
            'from transformers import AutoModelForSeq2SeqLM\nm = AutoModelForSeq2SeqLM.from_pretrained("t5-small")\n'
        ),
        Example("from mylib import AutoModelForConditionalGeneration\n", note="not transformers"),
        Example(
            "from transformers import AutoModelForVision2Seq\n", note="removed: HF202's business"
        ),
        Example("from transformers import TFAutoModel\n", note="TensorFlow: HF203's business"),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for name, node, imp in _uses(ctx):
            if not name.startswith("Auto") or name in REMOVED or _exists(ctx, name):
                continue
            suggestion, explanation = INVENTED.get(name, (None, ""))
            if suggestion is None:
                close = difflib.get_close_matches(
                    name, sorted(n for n in ctx.knowledge.auto_classes), n=1, cutoff=0.8
                )
                suggestion = close[0] if close else None
            version = ctx.knowledge.version
            message = f"`{name}` is not a class of transformers {version}"
            if explanation:
                message += f": {explanation}"
            message += (
                f". At run time: ImportError: cannot import name '{name}' from 'transformers'."
            )
            fix = None
            if suggestion is not None:
                message += f" Use `{suggestion}`."
                edits = (
                    _rename_everywhere(ctx, name, suggestion, imp)
                    if imp is not None
                    else [ctx.replace(node, suggestion)]
                )
                fix = ctx.fix(f"Replace with `{suggestion}`", edits, safe=False)
            yield ctx.report(self, node, message, fix=fix)


def _rename_everywhere(ctx: RuleContext, old: str, new: str, imp: ImportFact | None) -> list[Edit]:
    """Rename the import and every use of the imported name in this module."""
    if imp is None:
        return []
    edits = [ctx.replace(imp.alias.name, new)]
    if imp.alias.asname is None:
        for node in ctx.facts.name_uses.get(old, []):
            if node is not imp.alias.name:
                edits.append(ctx.replace(node, new))
    return edits


def _is_v5(ctx: RuleContext) -> bool:
    major = ctx.knowledge.version.split(".")[0]
    return major.isdigit() and int(major) >= 5


class RemovedAutoClass(Rule):
    code = "HF202"
    name = "removed-auto-class"
    severity = Severity.ERROR
    summary = "An Auto class that transformers 5 removed"
    deprecated_api = True
    what = (
        "Checks for `AutoModelForVision2Seq` and `AutoModelWithLMHead`, deprecated in 4.x and "
        "absent from the installed transformers."
    )
    why = (
        "Both fail on import in transformers 5: "
        "`AttributeError: module transformers has no attribute AutoModelForVision2Seq`. "
        "Users of 4.x saw the warning `The class AutoModelForVision2Seq is deprecated and will be "
        "removed in v5.0. Please use AutoModelForImageTextToText instead.` and, for "
        "`AutoModelWithLMHead`, `Please use AutoModelForCausalLM for causal language models, "
        "AutoModelForMaskedLM for masked language models and AutoModelForSeq2SeqLM for "
        "encoder-decoder models.`"
    )
    example = (
        "from transformers import AutoModelForVision2Seq\n"
        'model = AutoModelForVision2Seq.from_pretrained("Salesforce/blip-image-captioning-base")'
    )
    use_instead = (
        "from transformers import AutoModelForImageTextToText\n"
        'model = AutoModelForImageTextToText.from_pretrained("Salesforce/blip-image-captioning-base")'
    )
    fix_safety = (
        "`AutoModelForVision2Seq` -> `AutoModelForImageTextToText` is safe: every model type the "
        "old class loaded is in the new class's table. `AutoModelWithLMHead` is replaced by the "
        "class whose table holds the checkpoint's model type (unsafe; offered only when the "
        "checkpoint is known)."
    )
    references = (
        "https://github.com/huggingface/transformers/blob/main/MIGRATION_GUIDE_V5.md",
        "huggingface/transformers#38900",
    )
    triggers = (
        Example(
            "from transformers import AutoModelForVision2Seq\n"
            'model = AutoModelForVision2Seq.from_pretrained("Salesforce/blip-image-captioning-base")\n',
            fixed="from transformers import AutoModelForImageTextToText\n"
            'model = AutoModelForImageTextToText.from_pretrained("Salesforce/blip-image-captioning-base")\n',
        ),
        Example(
            "import transformers\n"
            'model = transformers.AutoModelWithLMHead.from_pretrained("gpt2")\n'
        ),
        Example(
            "from transformers import AutoModelWithLMHead as LM\n"
            'model = LM.from_pretrained("t5-small")\n'
        ),
    )
    near_misses = (
        Example("from transformers import AutoModelForImageTextToText\n"),
        Example("from my_compat import AutoModelWithLMHead\n", note="not transformers"),
        Example('AutoModelWithLMHead = None\nprint("AutoModelForVision2Seq")\n'),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for name, node, imp in _uses(ctx):
            if name not in REMOVED or _exists(ctx, name):
                continue
            replacement = REMOVED[name] or self._lm_head_replacement(ctx, name)
            message = (
                f"`{name}` was removed in transformers 5 (installed: {ctx.knowledge.version}); "
                f"at run time: AttributeError: module transformers has no attribute {name}."
            )
            fix = None
            if replacement:
                message += f" Use `{replacement}`."
                edits = (
                    _rename_everywhere(ctx, name, replacement, imp)
                    if imp is not None
                    else [ctx.replace(node, replacement)]
                )
                safe = name == "AutoModelForVision2Seq"
                fix = ctx.fix(f"Replace with `{replacement}`", edits, safe=safe)
            else:
                message += (
                    " Use `AutoModelForCausalLM` (decoder-only), `AutoModelForMaskedLM` (fill-mask) "
                    "or `AutoModelForSeq2SeqLM` (encoder-decoder), whichever fits the checkpoint."
                )
            yield ctx.report(self, node, message, fix=fix)

    def _lm_head_replacement(self, ctx: RuleContext, name: str) -> str | None:
        """The one LM Auto class that accepts every checkpoint this file loads with `name`."""
        from hflint.analyzers.knowledge import UNKNOWN

        choices: set[str] = set()
        for obj in ctx.facts.objects:
            if obj.class_name != name and not obj.qualname.endswith(f".{name}"):
                continue
            ckpt = ctx.checkpoint(obj)
            if ckpt is None or ckpt.facts.model_type is None:
                return None
            order = ["AutoModelForSeq2SeqLM", "AutoModelForCausalLM", "AutoModelForMaskedLM"]
            if not ckpt.facts.is_encoder_decoder:
                order = order[1:]
            for candidate in order:
                found = ctx.knowledge.resolve(
                    ckpt.facts.model_type, candidate, ckpt.facts.architectures
                )
                if found not in (None, UNKNOWN):
                    choices.add(candidate)
                    break
            else:
                return None
        return choices.pop() if len(choices) == 1 else None


class TensorflowFlaxRemoved(Rule):
    code = "HF203"
    name = "tensorflow-flax-removed"
    severity = Severity.ERROR
    summary = "TensorFlow or Flax classes and arguments, gone in transformers 5"
    deprecated_api = True
    what = (
        "Checks for `TF*` / `Flax*` classes imported from transformers when the installed "
        "version has none, `from_tf=` / `from_flax=` in `from_pretrained`, "
        '`return_tensors="tf"` / `"jax"` and `framework="tf"` in `pipeline()`.'
    )
    why = (
        "transformers 5 dropped TensorFlow and JAX. Importing a class fails with "
        "`AttributeError: module transformers has no attribute TFAutoModel`; "
        '`return_tensors="tf"` raises `ValueError: tf is not a valid TensorType, please select '
        "one of ['pt', 'np', 'mlx']`; and `from_tf=` / `from_flax=` are silently dropped, so a "
        "TensorFlow-only checkpoint fails later with missing weights."
    )
    example = (
        "from transformers import TFAutoModelForSequenceClassification\n"
        'model = TFAutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased")\n'
        'batch = tok(texts, return_tensors="tf")'
    )
    use_instead = (
        "from transformers import AutoModelForSequenceClassification\n"
        'model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased")\n'
        'batch = tok(texts, return_tensors="pt")'
    )
    fix_safety = (
        "Removing `from_tf=` / `from_flax=` is safe (transformers 5 ignores them). Renaming a "
        'class to its PyTorch twin and `return_tensors="tf"` to `"pt"` is unsafe: the Keras or '
        "JAX code around it must change too."
    )
    references = ("https://github.com/huggingface/transformers/blob/main/MIGRATION_GUIDE_V5.md",)
    triggers = (
        Example(
            "from transformers import TFAutoModelForSequenceClassification\n"
            'model = TFAutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased")\n'
        ),
        Example(
            "from transformers import AutoModel\n"
            'model = AutoModel.from_pretrained("./converted", from_tf=True)\n',
            fixed="from transformers import AutoModel\n"
            'model = AutoModel.from_pretrained("./converted")\n',
        ),
        Example(
            "from transformers import AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("bert-base-uncased")\n'
            'batch = tok(["a", "b"], padding=True, return_tensors="tf")\n'
        ),
        Example(
            "from transformers import pipeline\n"
            'clf = pipeline("text-classification", model="distilbert-base-uncased", framework="tf")\n'
        ),
        Example("from transformers import FlaxBertModel\n"),
    )
    near_misses = (
        Example(
            "from sklearn.feature_extraction.text import TfidfVectorizer\nv = TfidfVectorizer()\n"
        ),
        Example('import tensorflow as tf\nx = tf.constant([1])\nprint(x, return_tensors="tf")\n'),
        Example(
            "from transformers import AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("bert-base-uncased")\n'
            'batch = tok(["a"], return_tensors="pt")\n'
        ),
        Example(
            'from transformers import AutoModel\nm = AutoModel.from_pretrained("x", from_tf=False)\n'
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        yield from self._classes(ctx)
        if not _is_v5(ctx):
            return
        yield from self._kwargs(ctx)

    def _classes(self, ctx: RuleContext) -> Iterator[Finding]:
        for name, node, imp in _uses(ctx):
            if not name.startswith(("TF", "Flax")) or _exists(ctx, name):
                continue
            twin = name[2:] if name.startswith("TF") else name[4:]
            message = (
                f"`{name}` does not exist in transformers {ctx.knowledge.version}: TensorFlow and "
                f"Flax support was removed in v5 (AttributeError: module transformers has no "
                f"attribute {name})."
            )
            fix = None
            if twin and ctx.knowledge.version and ctx.knowledge.has_name(twin):
                message += f" Use the PyTorch class `{twin}`."
                edits = (
                    _rename_everywhere(ctx, name, twin, imp)
                    if imp is not None
                    else [ctx.replace(node, twin)]
                )
                fix = ctx.fix(f"Use `{twin}` (PyTorch)", edits, safe=False)
            yield ctx.report(self, node, message, fix=fix)

    def _kwargs(self, ctx: RuleContext) -> Iterator[Finding]:
        from hflint.analyzers.facts import Kind
        from hflint.analyzers.values import Const, const_str, const_value, obj_of

        for obj in ctx.facts.objects:
            for key in ("from_tf", "from_flax"):
                arg = obj.kw(key)
                if (
                    arg is None
                    or obj.method != "from_pretrained"
                    or const_value(arg.value) is False
                ):
                    continue
                fix = ctx.fix(f"Remove `{key}=`", [ctx.remove_arg(obj.node, arg.node)], safe=True)
                if const_value(arg.value) is not True:
                    # computed (`from_tf=bool(".ckpt" in path)`, the example scripts' idiom):
                    # true only for a TensorFlow checkpoint, which this code may never see
                    yield ctx.report(
                        self,
                        arg.node,
                        f"`{key}=` is ignored by transformers 5; the argument does nothing "
                        "here, and when it would be true (a TensorFlow or Flax checkpoint) the "
                        "load fails with missing weights instead. Drop it.",
                        fix=fix,
                        severity=Severity.HINT,
                    )
                    continue
                severity = (
                    self.severity.lowered()
                    if isinstance(arg.value, Const) and arg.value.overridable
                    else self.severity
                )
                yield ctx.report(
                    self,
                    arg.node,
                    f"`{key}=` is silently ignored by transformers 5 (TensorFlow/Flax weights can "
                    "no longer be converted on load); a TensorFlow-only checkpoint will fail with "
                    "missing weights. Convert it once with transformers 4.x and save PyTorch "
                    "weights, then drop the argument.",
                    fix=fix,
                    severity=severity,
                )
            if obj.kind is Kind.PIPELINE:
                arg = obj.kw("framework")
                value = const_str(arg.value) if arg is not None else None
                if arg is not None and value in ("tf", "flax", "jax"):
                    yield ctx.report(
                        self,
                        arg.node,
                        f'`framework="{value}"`: transformers 5 runs PyTorch only and `pipeline()` '
                        "has no `framework` parameter any more. Remove the argument.",
                        fix=ctx.fix(
                            "Remove `framework=`", [ctx.remove_arg(obj.node, arg.node)], safe=False
                        ),
                    )
        for call in ctx.facts.calls:
            arg = call.kw("return_tensors")
            value = const_str(arg.value) if arg is not None else None
            if arg is None or value not in ("tf", "jax"):
                continue
            owner = obj_of(call.receiver)
            if owner is None or owner.kind not in (Kind.TOKENIZER, Kind.PROCESSOR):
                continue
            yield ctx.report(
                self,
                arg.node,
                f'`return_tensors="{value}"` is not supported by transformers 5: '
                f"ValueError: {value} is not a valid TensorType, please select one of "
                "['pt', 'np', 'mlx']. Use \"pt\".",
                fix=ctx.fix('Use return_tensors="pt"', [ctx.replace(arg.expr, '"pt"')], safe=False),
                related=[ctx.loaded_here(owner)],
            )


class NspHeadObsolete(Rule):
    code = "HF204"
    name = "nsp-head-obsolete"
    severity = Severity.HINT
    summary = "Next-sentence prediction used as a sentence-pair classifier"
    what = "Checks for `AutoModelForNextSentencePrediction` and `*ForNextSentencePrediction` loads."
    why = (
        "Next-sentence prediction is a pretraining objective that later work (RoBERTa) found "
        "unhelpful; only bert, ernie, fnet, megatron-bert and mobilebert have the head. It is not "
        "a sentence-pair classifier: for entailment, paraphrase or reranking, fine-tune "
        "`AutoModelForSequenceClassification` on `(text_a, text_b)` pairs. There is no runtime "
        "error."
    )
    example = (
        "from transformers import AutoModelForNextSentencePrediction\n"
        'model = AutoModelForNextSentencePrediction.from_pretrained("bert-base-uncased")'
    )
    use_instead = (
        "from transformers import AutoModelForSequenceClassification\n"
        'model = AutoModelForSequenceClassification.from_pretrained("cross-encoder/ms-marco-MiniLM-L-6-v2")'
    )
    fix_safety = (
        "Unsafe: the sequence-classification head is newly initialised and must be fine-tuned; "
        "its logits mean something else."
    )
    references = (
        "transformers/models/auto/modeling_auto.py (MODEL_FOR_NEXT_SENTENCE_PREDICTION_MAPPING_NAMES)",
    )
    triggers = (
        Example(
            "from transformers import AutoModelForNextSentencePrediction\n"
            'model = AutoModelForNextSentencePrediction.from_pretrained("bert-base-uncased")\n'
        ),
        Example(
            "from transformers import BertForNextSentencePrediction\n"
            'model = BertForNextSentencePrediction.from_pretrained("bert-base-uncased")\n'
        ),
        Example(
            "import transformers as T\n"
            'nsp = T.AutoModelForNextSentencePrediction.from_pretrained("bert-base-cased")\n'
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            'model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=2)\n'
        ),
        Example(
            "from transformers import BertForPreTraining\nm = BertForPreTraining.from_pretrained('bert-base-uncased')\n"
        ),
        Example(
            "class MyForNextSentencePrediction:\n    pass\nm = MyForNextSentencePrediction()\n"
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        from hflint.analyzers.facts import Kind

        for obj in ctx.objects(Kind.MODEL):
            if not obj.class_name.endswith("ForNextSentencePrediction") or obj.user_class:
                continue
            func = obj.node.func
            name_node = func.value if isinstance(func, cst.Attribute) else func
            spelling, import_edit = ctx.name_for(
                "transformers.AutoModelForSequenceClassification", like=name_node
            )
            yield ctx.report(
                self,
                name_node,
                f"`{obj.class_name}` loads the next-sentence-prediction pretraining head, which "
                "is not a sentence-pair classifier. For entailment, paraphrase or reranking, "
                "fine-tune `AutoModelForSequenceClassification` on (text_a, text_b) pairs.",
                fix=ctx.fix(
                    "Use `AutoModelForSequenceClassification`",
                    [ctx.replace(name_node, spelling), import_edit],
                    safe=False,
                ),
            )
