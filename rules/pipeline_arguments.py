"""Family G, the other arguments of `pipeline()`: `device=` fighting a device map or naming no
device (HF705), and a task left to its default model (HF706). Keywords it no longer has (HF704)
are in pipeline_keywords.py.

Each task's default model and revision are read from the target version's sources (Knowledge),
not listed here.
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
    summary = 'pipeline(device=...) together with a device map, or device="auto"'
    what = (
        "Checks `pipeline(..., device=...)` given together with `device_map=` (directly or in "
        "`model_kwargs`), or with `model=` a model this file loaded with "
        '`from_pretrained(..., device_map=...)`; and `device="auto"` (an error: "auto" is a '
        "device map, not a device)."
    )
    why = (
        "The two place the model differently. With both keywords, transformers warns `Both "
        "device and device_map are specified. device will override device_map. You will most "
        "likely encounter unexpected behavior. Please remove device and keep device_map.` "
        'When the map spreads the model over several devices (`"auto"` on several GPUs, or '
        "offloading to CPU / disk), building the pipeline fails: `ValueError: The model has "
        "been loaded with accelerate and therefore cannot be moved to a specific device. "
        "Please discard the device argument when creating your pipeline object.` Otherwise the "
        'whole model is moved to `device`, undoing the map. `device="auto"` fails once the '
        "model is loaded: `RuntimeError: Expected one of cpu, cuda, ipu, xpu, ... device type "
        "at start of device string: auto`."
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
        'device `device=` named. `device="auto"` becoming `device_map="auto"` (or going, next '
        "to a device map) is safe: the pipeline fails today."
    )
    references = (
        "transformers/pipelines/__init__.py (pipeline)",
        "transformers/pipelines/base.py (Pipeline.__init__)",
    )
    triggers = (
        Example(
            "import torch\n"
            "import transformers\n"
            "pipe = transformers.pipeline(\n"
            '    "text-generation",\n'
            '    model="meta-llama/Meta-Llama-3-8B-Instruct",\n'
            '    model_kwargs={"dtype": torch.bfloat16},\n'
            '    device="auto",\n'
            ")\n",
            fixed="import torch\n"
            "import transformers\n"
            "pipe = transformers.pipeline(\n"
            '    "text-generation",\n'
            '    model="meta-llama/Meta-Llama-3-8B-Instruct",\n'
            '    model_kwargs={"dtype": torch.bfloat16},\n'
            '    device_map="auto",\n'
            ")\n",
        ),
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
            if (const_str(device.value) or "").lower() == "auto":
                yield self._auto(ctx, obj, device)
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

    def _auto(self, ctx: RuleContext, obj: ObjectFact, device: Arg) -> Finding:
        """`device="auto"`: torch knows no such device; automatic placement is a device map."""
        shown = ctx.code(device.expr)
        message = (
            f"`device={shown}` names no device: `pipeline()` of {ctx.target.phrase()} loads the "
            f"model, then fails moving it there with RuntimeError: Expected one of cpu, cuda, "
            f"... device type at start of device string: {const_str(device.value)}. Automatic "
            'placement is `device_map="auto"` (with accelerate installed).'
        )
        keyword = device.node.keyword
        assert keyword is not None
        if given(obj, "device_map") is None:
            fix = ctx.fix(
                'Use `device_map="auto"`', [ctx.replace(keyword, "device_map")], safe=True
            )
        else:
            fix = ctx.fix(
                "Remove `device=` (keep the device map)",
                [ctx.remove_arg(obj.node, device.node)],
                safe=True,
            )
        return ctx.report(self, device.node, message, fix=fix, severity=Severity.ERROR)

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
