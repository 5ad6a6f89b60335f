"""Family G, the other arguments of `pipeline()`: keywords it no longer has (HF704), `device=`
fighting a device map (HF705), and a task left to its default model (HF706).

Which keywords `pipeline()` accepts, and each task's default model and revision, are read from
the target version's sources (Knowledge), not listed here.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from hflint.analyzers.facts import Arg, ObjectFact
from hflint.analyzers.findings import Finding, Related, Severity
from hflint.analyzers.values import ObjRef, const_str
from hflint.rules.base import Example, Rule
from hflint.rules.context import RuleContext
from hflint.rules.pipeline_facts import (
    TaskState,
    given,
    registered_tasks,
    task_fate,
    task_of,
    transformers_pipelines,
)
from hflint.rules.release_facts import releases_where

# Keywords `pipeline()` once had, and what replaces them (None: nothing, drop it). Whether the
# target still accepts one is decided by its `pipeline()` source (Knowledge.pipeline_params).
# `torch_dtype` is still read (with a deprecation warning): HF804's business.
_FORMER_KEYWORDS: dict[str, str | None] = {"framework": None, "use_auth_token": "token"}
_TF_FRAMEWORKS = ("tf", "flax", "jax")  # HF203 reports those


# ---- HF704 ------------------------------------------------------------------------------------


class PipelineRemovedKwargs(Rule):
    code = "HF704"
    name = "pipeline-removed-kwargs"
    severity = Severity.ERROR
    summary = (
        "A pipeline() keyword the target no longer takes (framework=, use_auth_token=, "
        "grouped_entities=)"
    )
    deprecated_api = True
    what = (
        "Checks `pipeline(..., framework=...)` and `pipeline(..., use_auth_token=...)` when the "
        "target transformers' `pipeline()` neither declares the keyword nor reads it from "
        '`**kwargs`. (`framework="tf"` is HF203, `torch_dtype=` HF804.) Also checks the '
        "keywords of a constant task whose pipeline class takes a fixed set (token "
        "classification, fill-mask, ...: read from the target's `_sanitize_parameters` and "
        "`__init__` along the class's bases), such as 4.x's `grouped_entities=`."
    )
    why = (
        "In transformers 5 the keywords fall through `**kwargs` to the pipeline class, and what "
        "happens depends on the task: `TypeError: FillMaskPipeline._sanitize_parameters() got "
        "an unexpected keyword argument 'framework'` when the pipeline is built "
        "(fill-mask, token-classification); `ValueError: The following model_kwargs are not "
        "used by the model: ['framework'] (note: typos in the generate arguments will also show "
        "up in this list)` at the first call of a generation pipeline; silently ignored by "
        "others (text-classification, feature-extraction). `use_auth_token` is never used as "
        "the token, so private and gated checkpoints fail to download."
    )
    example = (
        "from transformers import pipeline\n"
        'gen = pipeline("text-generation", model=ckpt, framework="pt", use_auth_token=HF_TOKEN)'
    )
    use_instead = (
        "from transformers import pipeline\n"
        'gen = pipeline("text-generation", model=ckpt, token=HF_TOKEN)'
    )
    fix_safety = (
        "Safe: transformers 5 runs PyTorch only, so `framework=` has nothing left to select; "
        "`use_auth_token=` becomes `token=` (the token is then actually used), or is dropped "
        "when `token=` is already given."
    )
    references = (
        "transformers/pipelines/__init__.py (pipeline)",
        "transformers/generation/utils.py (GenerationMixin._validate_model_kwargs)",
        "https://github.com/huggingface/transformers/blob/main/MIGRATION_GUIDE_V5.md",
    )
    triggers = (
        Example(
            "from transformers import pipeline\n"
            'ner = pipeline("ner", model="dslim/bert-base-NER", framework="pt")\n',
            fixed="from transformers import pipeline\n"
            'ner = pipeline("ner", model="dslim/bert-base-NER")\n',
        ),
        Example(
            "import os\n"
            "import transformers as tf\n"
            "gen = tf.pipeline(\n"
            '    "text-generation",\n'
            '    model="meta-llama/Llama-3.2-1B",\n'
            '    use_auth_token=os.environ["HF_TOKEN"],\n'
            ")\n",
            fixed="import os\n"
            "import transformers as tf\n"
            "gen = tf.pipeline(\n"
            '    "text-generation",\n'
            '    model="meta-llama/Llama-3.2-1B",\n'
            '    token=os.environ["HF_TOKEN"],\n'
            ")\n",
        ),
        Example(
            "from transformers import pipeline\n"
            "gen = pipeline(\n"
            '    "text-generation",\n'
            '    model="gpt2",\n'
            '    framework="pt",  # from a 4.x tutorial\n'
            ")\n",
            fixed="from transformers import pipeline\n"
            "gen = pipeline(\n"
            '    "text-generation",\n'
            '    model="gpt2",\n'
            ")\n",
        ),
        Example(
            "from transformers import pipeline\n"
            'ner = pipeline("ner", model="dslim/bert-base-NER", grouped_entities=True)\n',
            fixed="from transformers import pipeline\n"
            'ner = pipeline("ner", model="dslim/bert-base-NER", aggregation_strategy="simple")\n',
        ),
        Example(
            "import transformers\n"
            "tagger = transformers.pipeline(\n"
            '    task="token-classification",\n'
            "    model=MODEL_DIR,\n"
            "    grouped_entities=True,\n"
            "    ignore_subwords=True,\n"
            ")\n",
            note="a 4.x tutorial's NER pipeline; no fix when both are given",
        ),
        Example(
            "from transformers import pipeline\n"
            'unmasker = pipeline("fill-mask", model="bert-base-uncased", return_all_scores=True)\n',
            note="not a keyword of FillMaskPipeline in any release: reported, no fix",
        ),
        Example(
            "from transformers.pipelines import pipeline as make\n"
            "def classifier(framework):\n"
            '    return make("text-classification", framework=framework, token=TOKEN, use_auth_token=TOKEN)\n',
        ),
    )
    near_misses = (
        Example(
            "from transformers import pipeline\n"
            'gen = pipeline("text-generation", model="gpt2", token=HF_TOKEN, dtype="auto")\n'
        ),
        Example(
            "from transformers import pipeline\n"
            'clf = pipeline("text-classification", model="distilbert-base-uncased", framework="tf")\n',
            note='framework="tf": HF203 reports it',
        ),
        Example(
            "from transformers import pipeline\n"
            'gen = pipeline("text-generation", model="gpt2", max_new_tokens=20, batch_size=8, '
            "return_full_text=False)\n",
            note="task parameters that travel through **kwargs on purpose",
        ),
        Example(
            "from transformers import AutoModel\n"
            'model = AutoModel.from_pretrained("bert-base-uncased", use_auth_token=True)\n',
            note="not pipeline(): HF801's business",
        ),
        Example(
            "from transformers import pipeline\n"
            'ner = pipeline("ner", model="dslim/bert-base-NER", aggregation_strategy="simple", '
            "stride=16, batch_size=8)\n",
            note="keywords the token-classification pipeline takes",
        ),
        Example(
            "from transformers import pipeline\n"
            'clf = pipeline("text-classification", model="distilbert-base-uncased", top_k=None, '
            "truncation=True)\n",
            note="text-classification takes any tokenizer keyword: nothing can be said",
        ),
        Example(
            "from transformers import pipeline\n"
            'ner = pipeline("ner", model=ckpt, grouped_entities=True, pipeline_class=MyPipeline)\n',
            note="a pipeline class of the project's own",
        ),
        Example(
            "def pipeline(task, framework=None):\n"
            "    return task, framework\n"
            'p = pipeline("ner", framework="pt")\n'
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        accepted = ctx.target_knowledge.pipeline_params
        if not accepted:
            return  # pipeline()'s source was not read: nothing to compare with
        for obj in transformers_pipelines(ctx):
            for keyword, replacement in _FORMER_KEYWORDS.items():
                arg = obj.kw(keyword)
                if arg is None or keyword in accepted:
                    continue
                if keyword == "framework" and const_str(arg.value) in _TF_FRAMEWORKS:
                    continue
                yield self._report(ctx, obj, arg, keyword, replacement)
            yield from self._task_keywords(ctx, obj, accepted)

    def _task_keywords(
        self, ctx: RuleContext, obj: ObjectFact, accepted: frozenset[str]
    ) -> Iterator[Finding]:
        """Keywords the task's pipeline class stopped taking (4.x `grouped_entities=`): the
        class is built with them, and its `_sanitize_parameters` raises a TypeError."""
        kn = ctx.target_knowledge
        task = task_of(obj)
        if task is None or obj.kw("pipeline_class") is not None:
            return
        fate = task_fate(kn, task.name)
        info = kn.tasks.get(fate.resolved) if fate.state is not TaskState.REMOVED else None
        keywords = kn.pipeline_keywords.get(info.impl) if info is not None else None
        if info is None or keywords is None:
            return  # unknown task, or a class that takes any keyword: nothing to say
        for keyword, arg in obj.call.kwargs.items():
            if keyword in accepted or keyword in keywords or keyword in _FORMER_KEYWORDS:
                continue
            before = _releases_taking(ctx, info.impl, keyword)
            yield self._report_task_keyword(ctx, obj, keyword, arg, info.impl, before, task.assumed)

    def _report_task_keyword(
        self,
        ctx: RuleContext,
        obj: ObjectFact,
        keyword: str,
        arg: Arg,
        impl: str,
        before: list[str],
        assumed: str,
    ) -> Finding:
        taken = f" ({', '.join(before)} took it)" if before else ""
        message = (
            f"`{impl}` of {ctx.target.phrase()} takes no `{keyword}`{taken}: building this "
            f"pipeline fails with `TypeError: {impl}._sanitize_parameters() got an unexpected "
            f"keyword argument '{keyword}'`."
        )
        fix = None
        advice = _TASK_KEYWORDS.get(keyword)
        if advice is not None:
            message += f" {advice}"
            alone = not any(obj.kw(k) for k in ("ignore_subwords", "aggregation_strategy"))
            if keyword == "grouped_entities" and alone and _literal(arg) is True:
                edit = ctx.replace(arg.node, 'aggregation_strategy="simple"')
                fix = ctx.fix('Use `aggregation_strategy="simple"`', [edit], safe=True)
            elif keyword == "grouped_entities" and alone and _literal(arg) is False:
                edit = ctx.remove_arg(obj.node, arg.node)
                fix = ctx.fix("Remove `grouped_entities=False`", [edit], safe=True)
        elif not before:
            message += " Check the spelling, or pass it when calling the pipeline."
        severity = Severity.WARNING if assumed else None
        if assumed:
            message += f" (Assuming the task is {assumed}.)"
        return ctx.report(self, arg.node, message, fix=fix, severity=severity)

    def _report(
        self, ctx: RuleContext, obj: ObjectFact, arg: Arg, keyword: str, replacement: str | None
    ) -> Finding:
        message = (
            f"`pipeline()` of {ctx.target.phrase()} has no `{keyword}` parameter: the keyword is "
            "passed on to the pipeline class, which, depending on the task, raises when it is "
            f"built (`TypeError: FillMaskPipeline._sanitize_parameters() got an unexpected "
            f"keyword argument '{keyword}'`), fails the first call of a generation pipeline "
            f"(`ValueError: The following model_kwargs are not used by the model: ['{keyword}']`)"
            " or ignores it."
        )
        if replacement is None:
            message += " transformers 5 runs PyTorch only: remove it."
            fix = ctx.fix(f"Remove `{keyword}=`", [ctx.remove_arg(obj.node, arg.node)], safe=True)
        elif obj.kw(replacement) is not None:
            message += f" The token is never used for downloads; `{replacement}=` is already given: remove it."
            fix = ctx.fix(f"Remove `{keyword}=`", [ctx.remove_arg(obj.node, arg.node)], safe=True)
        else:
            message += (
                " The token is never used for downloads, so private and gated checkpoints fail: "
                f"use `{replacement}=`."
            )
            keyword_node = arg.node.keyword
            assert keyword_node is not None
            fix = ctx.fix(
                f"Rename to `{replacement}=`", [ctx.replace(keyword_node, replacement)], safe=True
            )
        return ctx.report(self, arg.node, message, fix=fix)


# 4.x keywords of token classification, and what 4.x itself turned them into (its deprecation
# warning: "defaulted to `aggregation_strategy="simple"` instead").
_TASK_KEYWORDS: dict[str, str] = {
    "grouped_entities": (
        'Use `aggregation_strategy="simple"`, what 4.x turned `grouped_entities=True` into.'
    ),
    "ignore_subwords": (
        'Use `aggregation_strategy="first"` (or "average", "max"): 4.x mapped '
        '`ignore_subwords=True` to "first".'
    ),
}


def _literal(arg: Arg) -> bool | None:
    value = arg.node.value
    if isinstance(value, cst.Name) and value.value in ("True", "False"):
        return value.value == "True"
    return None


def _releases_taking(ctx: RuleContext, impl: str, keyword: str) -> list[str]:
    """ "4.40.2 to 4.57.6": the releases hflint has facts for whose `impl` took `keyword`."""
    found = releases_where(ctx, lambda k: keyword in k.pipeline_keywords.get(impl, ()))
    if not found:
        return []
    return [f"{found[0]} to {found[-1]}" if len(found) > 1 else found[0]]


# ---- HF705 ------------------------------------------------------------------------------------


def _dict_key(expr: cst.BaseExpression, key: str) -> cst.DictElement | None:
    """`{"key": value}` in a dict literal."""
    if not isinstance(expr, cst.Dict):
        return None
    for element in expr.elements:
        if (
            isinstance(element, cst.DictElement)
            and isinstance(element.key, cst.SimpleString)
            and element.key.evaluated_value == key
        ):
            return element
    return None


class PipelineDeviceConflict(Rule):
    code = "HF705"
    name = "pipeline-device-conflict"
    severity = Severity.WARNING
    summary = "pipeline(device=...) together with a device map"
    what = (
        "Checks `pipeline(..., device=...)` given together with `device_map=` (directly or in "
        "`model_kwargs`), or with `model=` a model this file loaded with "
        "`from_pretrained(..., device_map=...)`."
    )
    why = (
        "The two place the model differently. With both keywords, transformers warns `Both "
        "device and device_map are specified. device will override device_map. You will most "
        "likely encounter unexpected behavior. Please remove device and keep device_map.` "
        'When the map spreads the model over several devices (`"auto"` on several GPUs, or '
        "offloading to CPU / disk), building the pipeline fails: `ValueError: The model has "
        "been loaded with accelerate and therefore cannot be moved to a specific device. "
        "Please discard the device argument when creating your pipeline object.` Otherwise the "
        "whole model is moved to `device`, undoing the map."
    )
    example = (
        "from transformers import pipeline\n"
        'pipe = pipeline("text-generation", model=ckpt, device=0, device_map="auto")'
    )
    use_instead = (
        "from transformers import pipeline\n"
        'pipe = pipeline("text-generation", model=ckpt, device_map="auto")'
    )
    fix_safety = (
        "Unsafe: without `device=` the model stays where the device map put it (and a "
        "pipeline whose model is on one device defaults to device 0), which may not be the "
        "device `device=` named."
    )
    references = (
        "transformers/pipelines/__init__.py (pipeline)",
        "transformers/pipelines/base.py (Pipeline.__init__)",
    )
    triggers = (
        Example(
            "from transformers import pipeline\n"
            'pipe = pipeline("text-generation", model="gpt2", device=0, device_map="auto")\n',
            fixed="from transformers import pipeline\n"
            'pipe = pipeline("text-generation", model="gpt2", device_map="auto")\n',
        ),
        Example(
            "import torch\n"
            "from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline\n"
            'model = AutoModelForCausalLM.from_pretrained(ckpt, device_map="auto", dtype=torch.bfloat16)\n'
            "tok = AutoTokenizer.from_pretrained(ckpt)\n"
            'gen = pipeline("text-generation", model=model, tokenizer=tok, device="cuda:0")\n'
        ),
        Example(
            "import transformers\n"
            "def build(ckpt, gpu):\n"
            "    return transformers.pipeline(\n"
            '        "fill-mask", model=ckpt, device=gpu, model_kwargs={"device_map": "balanced"}\n'
            "    )\n",
            fixed="import transformers\n"
            "def build(ckpt, gpu):\n"
            "    return transformers.pipeline(\n"
            '        "fill-mask", model=ckpt, model_kwargs={"device_map": "balanced"}\n'
            "    )\n",
        ),
    )
    near_misses = (
        Example(
            "from transformers import pipeline\n"
            'pipe = pipeline("text-generation", model="gpt2", device_map="auto")\n'
            'cpu = pipeline("text-classification", model="distilbert-base-uncased-finetuned-sst-2-english", device=-1)\n'
        ),
        Example(
            "from transformers import AutoModelForCausalLM, pipeline\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            'gen = pipeline("text-generation", model=model, tokenizer=tok, device=0)\n',
            note="a model loaded without a device map",
        ),
        Example(
            "from transformers import pipeline\n"
            'pipe = pipeline("text-generation", model="gpt2", device=None, device_map="auto")\n'
        ),
        Example(
            "from transformers import AutoModelForCausalLM, pipeline\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2", device_map=None)\n'
            'gen = pipeline("text-generation", model=model, tokenizer=tok, device="cpu")\n'
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for obj in transformers_pipelines(ctx):
            device = given(obj, "device")
            if device is None:
                continue
            device_map = given(obj, "device_map")
            if device_map is not None:
                yield self._report(
                    ctx,
                    obj,
                    device,
                    "`device=` and `device_map=` both given: transformers warns `Both device and "
                    "device_map are specified. device will override device_map. You will most "
                    "likely encounter unexpected behavior. Please remove device and keep "
                    "device_map.`",
                    Related("`device_map=` here", ctx.range(device_map.node)),
                )
                continue
            kwargs = given(obj, "model_kwargs")
            element = _dict_key(kwargs.expr, "device_map") if kwargs is not None else None
            if element is not None:
                yield self._report(
                    ctx,
                    obj,
                    device,
                    '`device=` given together with `model_kwargs={"device_map": ...}`: the model '
                    "is loaded with the map, then the pipeline moves it to `device`.",
                    Related("device map here", ctx.range(element)),
                )
                continue
            model = obj.call.arg(1, "model")
            loaded = (
                model.value.obj if model is not None and isinstance(model.value, ObjRef) else None
            )
            while (
                loaded is not None and loaded.kw("device_map") is None and loaded.base is not None
            ):
                loaded = loaded.base
            mapped = given(loaded, "device_map") if loaded is not None else None
            if loaded is not None and mapped is not None:
                yield self._report(
                    ctx,
                    obj,
                    device,
                    "`device=` given for a model loaded with `device_map=`: the pipeline moves it "
                    "to `device`.",
                    ctx.loaded_here(loaded, "loaded with `device_map=` here"),
                )

    def _report(
        self, ctx: RuleContext, obj: ObjectFact, device: Arg, problem: str, related: Related
    ) -> Finding:
        message = (
            f'{problem} When the map spreads the model over several devices (`"auto"` with '
            "several GPUs, or offloading), building the pipeline fails: ValueError: The model has "
            "been loaded with `accelerate` and therefore cannot be moved to a specific device. "
            "Please discard the `device` argument when creating your pipeline object. Remove "
            "`device=` and let the map place the model."
        )
        fix = ctx.fix(
            "Remove `device=` (keep the device map)",
            [ctx.remove_arg(obj.node, device.node)],
            safe=False,
        )
        return ctx.report(self, device.node, message, fix=fix, related=[related])


# ---- HF706 ------------------------------------------------------------------------------------


class PipelineDefaultModel(Rule):
    code = "HF706"
    name = "pipeline-default-model"
    severity = Severity.WARNING
    summary = "pipeline(task) without a model: transformers picks its default"
    what = (
        "Checks `pipeline(task)` calls that give no `model=` for a task of the target "
        "transformers. Also `tokenizer=` / `feature_extractor=` given without `model=`, which "
        "`pipeline()` refuses."
    )
    why = (
        "transformers picks the task's default checkpoint and logs `No model was supplied, "
        "defaulted to distilbert/distilbert-base-uncased-finetuned-sst-2-english and revision "
        "714eb0f.` / `Using a pipeline without specifying a model name and revision in "
        "production is not recommended.` The default is chosen per release and can change "
        "(the `text-generation` default of transformers 5.23.0 is a 3B chat model), so results "
        "and download size change with an upgrade. With a tokenizer but no model: "
        "`RuntimeError: Impossible to instantiate a pipeline with tokenizer specified but not "
        "the model as the provided tokenizer may not be compatible with the default model.`"
    )
    example = 'from transformers import pipeline\nclassifier = pipeline("text-classification")'
    use_instead = (
        "from transformers import pipeline\n"
        'classifier = pipeline("text-classification",\n'
        '                      model="distilbert/distilbert-base-uncased-finetuned-sst-2-english", '
        'revision="714eb0f")'
    )
    fix_safety = (
        "Safe: the fix writes the checkpoint and revision the target transformers would pick "
        "itself. (A `revision=` already given is kept; it applies to the default too.)"
    )
    references = (
        "transformers/pipelines/__init__.py (pipeline, SUPPORTED_TASKS[task]['default'])",
        "transformers/pipelines/base.py (get_default_model_and_revision)",
    )
    triggers = (
        Example(
            'from transformers import pipeline\nclassifier = pipeline("sentiment-analysis")\n',
            fixed="from transformers import pipeline\n"
            'classifier = pipeline("sentiment-analysis", '
            'model="distilbert/distilbert-base-uncased-finetuned-sst-2-english", '
            'revision="714eb0f")\n',
        ),
        Example(
            "import transformers as tf\n"
            "def tagger(device=-1):\n"
            '    return tf.pipeline(task="ner", device=device)\n',
            fixed="import transformers as tf\n"
            "def tagger(device=-1):\n"
            '    return tf.pipeline(task="ner", device=device, '
            'model="dbmdz/bert-large-cased-finetuned-conll03-english", revision="4c53496")\n',
        ),
        Example(
            "from transformers.pipelines import pipeline\n"
            'TASK = "fill-mask"\n'
            "fill = pipeline(TASK, revision=REV)\n",
            fixed="from transformers.pipelines import pipeline\n"
            'TASK = "fill-mask"\n'
            'fill = pipeline(TASK, revision=REV, model="distilbert/distilroberta-base")\n',
        ),
        Example(
            "from transformers import AutoTokenizer, pipeline\n"
            'tok = AutoTokenizer.from_pretrained("bert-base-cased")\n'
            'ner = pipeline("ner", tokenizer=tok)\n',
            note="RuntimeError: a tokenizer without a model",
        ),
    )
    near_misses = (
        Example(
            "from transformers import pipeline\n"
            'classifier = pipeline("text-classification", '
            'model="distilbert/distilbert-base-uncased-finetuned-sst-2-english", revision="714eb0f")\n'
        ),
        Example(
            "from transformers import pipeline\n"
            'kwargs = {"model": "gpt2"}\n'
            'gen = pipeline("text-generation", **kwargs)\n',
            note="the model may come through **kwargs",
        ),
        Example(
            "from transformers import pipeline\n"
            'clf = pipeline("text-classification", "distilbert-base-uncased-finetuned-sst-2-english")\n',
            note="model given positionally",
        ),
        Example(
            'from transformers import pipeline\np = pipeline("summarization")\n',
            note="a removed task: HF702",
        ),
        Example(
            "from transformers import pipeline\n"
            "from transformers.pipelines import PIPELINE_REGISTRY\n"
            'PIPELINE_REGISTRY.register_pipeline("text-classification", pipeline_class=MyPipe, '
            'default={"pt": ("acme/clf", "abc1234")})\n'
            'clf = pipeline("text-classification")\n',
            note="the project re-registers the task with its own default",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        kn = ctx.target_knowledge
        if not kn.tasks:
            return
        pipelines = list(transformers_pipelines(ctx))
        mine = registered_tasks(ctx) if pipelines else set()
        for obj in pipelines:
            task = task_of(obj)
            if task is None or task.name in mine or obj.call.has_star_kwargs:
                continue
            if obj.call.arg(1, "model") is not None or given(obj, "config") is not None:
                continue
            fate = task_fate(kn, task.name)
            if fate.state not in (TaskState.SUPPORTED, TaskState.ALIAS):
                continue
            info = kn.tasks[fate.resolved]
            without = next(
                (a for a in (given(obj, "tokenizer"), given(obj, "feature_extractor")) if a), None
            )
            if without is not None:
                keyword = without.node.keyword.value if without.node.keyword else "tokenizer"
                yield ctx.report(
                    self,
                    without.node,
                    f"`{keyword}=` without `model=`: `pipeline()` of {ctx.target.phrase()} raises "
                    f"RuntimeError: Impossible to instantiate a pipeline with {keyword} specified "
                    f"but not the model as the provided {keyword} may not be compatible with the "
                    "default model. Pass the checkpoint it belongs to as `model=`.",
                    severity=Severity.ERROR,
                )
                continue
            if not info.default_model:
                continue
            revision = f" and revision {info.default_revision}" if info.default_revision else ""
            message = (
                f"No `model=`: {ctx.target.phrase()} picks the `{info.task}` default "
                f"`{info.default_model}`{task.assumption()} and logs `No model was supplied, "
                f"defaulted to {info.default_model}{revision}.` The default changes between "
                "releases: name the model (and its revision)."
            )
            fix = None
            if task.certain:
                pinned = f'model="{info.default_model}"'
                if info.default_revision and given(obj, "revision") is None:
                    pinned += f', revision="{info.default_revision}"'
                fix = ctx.fix(
                    f"Pin the default model `{info.default_model}`",
                    [ctx.add_kwarg(obj.node, pinned)],
                    safe=True,
                )
            yield ctx.report(
                self,
                task.arg.expr,
                message,
                fix=fix,
                severity=self.severity if task.certain else self.severity.lowered(),
            )
