"""HF704: keywords that `pipeline()`, or the pipeline class of its task, no longer takes: when
the pipeline is built, and when it is called.

What each release takes is read from its sources (Knowledge.pipeline_params and
pipeline_signatures: `__init__`, `_sanitize_parameters` and `__call__` along the class's bases).
A class whose `_sanitize_parameters` has no catch-all rejects an unknown keyword (TypeError); one
that collects the rest for its tokenizer ignores a keyword it took in an earlier release without a
word (text-classification's `return_all_scores`). Generation pipelines hand the rest to
`generate()`: that is HF510's business.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from hflint.analyzers.facts import Arg, CallFact, ObjectFact
from hflint.analyzers.findings import Finding, Severity
from hflint.analyzers.knowledge import Knowledge
from hflint.analyzers.values import const_str
from hflint.rules.base import Example, Rule
from hflint.rules.context import RuleContext
from hflint.rules.pipeline_facts import (
    TaskState,
    pipeline_calls,
    task_fate,
    task_of,
    transformers_pipelines,
)
from hflint.rules.release_facts import releases_where

# Keywords `pipeline()` once had, and what replaces them (None: nothing, drop it). Whether the
# target still accepts one is decided by its `pipeline()` source (Knowledge.pipeline_params).
# `torch_dtype` is still read (with a deprecation warning): HF804's business.
FORMER_KEYWORDS: dict[str, str | None] = {"framework": None, "use_auth_token": "token"}
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
        "`__init__` along the class's bases), such as 4.x's `grouped_entities=`, when the "
        "pipeline is built and when it is called; and the keywords an earlier release of the "
        "task's class took that the target's class now collects for its tokenizer and ignores "
        "(text-classification's `return_all_scores=`, a warning)."
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
            "from transformers import pipeline\n"
            "classifier = pipeline(\n"
            '    "text-classification",\n'
            '    model="distilbert/distilbert-base-uncased-finetuned-sst-2-english",\n'
            "    return_all_scores=True,\n"
            ")\n",
            note="4.x's keyword, ignored by 5.x: only the top label comes back",
            fixed="from transformers import pipeline\n"
            "classifier = pipeline(\n"
            '    "text-classification",\n'
            '    model="distilbert/distilbert-base-uncased-finetuned-sst-2-english",\n'
            "    top_k=None,\n"
            ")\n",
        ),
        Example(
            "from transformers import pipeline\n"
            'ner = pipeline("ner", model="dslim/bert-base-NER")\n'
            "entities = ner(text, grouped_entities=True)\n",
            note="at the call: TypeError too",
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
            "from transformers import pipeline\n"
            'clf = pipeline("text-classification", model="distilbert-base-uncased-finetuned-sst-2-english")\n'
            "scores = clf(texts, top_k=None, truncation=True, batch_size=8)\n",
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
            for keyword, replacement in FORMER_KEYWORDS.items():
                arg = obj.kw(keyword)
                if arg is None or keyword in accepted:
                    continue
                if keyword == "framework" and const_str(arg.value) in _TF_FRAMEWORKS:
                    continue
                yield self._report(ctx, obj, arg, keyword, replacement)
            yield from self._task_keywords(ctx, obj, obj.call, accepted)
        for call, obj in pipeline_calls(ctx):
            yield from self._task_keywords(ctx, obj, call, frozenset())

    def _task_keywords(
        self, ctx: RuleContext, obj: ObjectFact, call: CallFact, accepted: frozenset[str]
    ) -> Iterator[Finding]:
        """Keywords the task's pipeline class does not take, when it is built (`call` is the
        `pipeline()` call) or called: its `_sanitize_parameters` raises a TypeError (4.x
        `grouped_entities=`), or, when it collects the rest for the tokenizer, a keyword an
        earlier release took is ignored (4.x `return_all_scores=`)."""
        kn = ctx.target_knowledge
        task = task_of(obj)
        if task is None or obj.kw("pipeline_class") is not None:
            return
        fate = task_fate(kn, task.name)
        info = kn.tasks.get(fate.resolved) if fate.state is not TaskState.REMOVED else None
        signature = kn.pipeline_signatures.get(info.impl) if info is not None else None
        if info is None or signature is None or signature["rest"] == ["generate_kwargs"]:
            return  # unknown task; generation pipelines hand the rest to generate() (HF510)
        built = call is obj.call
        named = {*signature["sanitize"], *(signature["init"] if built else signature["call"])}
        for keyword, arg in call.kwargs.items():
            if keyword in accepted or keyword in named or keyword in FORMER_KEYWORDS:
                continue
            before = _releases_taking(ctx, info.impl, keyword, built)
            if not signature["rest"]:
                yield self._report_task_keyword(
                    ctx, obj, call, keyword, arg, info.impl, before, task.assumed
                )
            elif before:
                yield self._report_ignored(
                    ctx, call, keyword, arg, info.impl, signature["rest"][0], before, task.assumed
                )

    def _report_ignored(
        self,
        ctx: RuleContext,
        call: CallFact,
        keyword: str,
        arg: Arg,
        impl: str,
        rest: str,
        before: list[str],
        assumed: str,
    ) -> Finding:
        message = (
            f"`{impl}` of {ctx.target.phrase()} no longer takes `{keyword}` ({', '.join(before)} "
            f"took it): the keyword lands in its `**{rest}` and is ignored without a word: "
            "the pipeline behaves as if it were not given."
        )
        fix = None
        advice = _IGNORED_KEYWORDS.get(keyword)
        if advice is not None:
            message += f" {advice[0]}"
            value = _literal(arg)
            replacement = advice[1].get(value) if value is not None else None
            if replacement is not None and call.kw(replacement.split("=")[0]) is None:
                fix = ctx.fix(
                    f"Use `{replacement}`", [ctx.replace(arg.node, replacement)], safe=False
                )
        severity = Severity.WARNING
        if assumed:
            message += f" (Assuming the task is {assumed}.)"
            severity = severity.lowered()
        return ctx.report(self, arg.node, message, fix=fix, severity=severity)

    def _report_task_keyword(
        self,
        ctx: RuleContext,
        obj: ObjectFact,
        call: CallFact,
        keyword: str,
        arg: Arg,
        impl: str,
        before: list[str],
        assumed: str,
    ) -> Finding:
        taken = f" ({', '.join(before)} took it)" if before else ""
        when = "building this pipeline" if call is obj.call else "this call of the pipeline"
        message = (
            f"`{impl}` of {ctx.target.phrase()} takes no `{keyword}`{taken}: {when} "
            f"fails with `TypeError: {impl}._sanitize_parameters() got an unexpected "
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
                edit = ctx.remove_arg(call.node, arg.node)
                fix = ctx.fix("Remove `grouped_entities=False`", [edit], safe=True)
        elif not before and call is obj.call:
            message += " Check the spelling, or pass it when calling the pipeline."
        elif not before:
            message += " Check the spelling."
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


# Keywords 4.x text pipelines took and 5.x ignores, and what 4.x itself turned them into (its
# deprecation warnings: "use `top_k=None` instead of `return_all_scores=True` or `top_k=1`
# instead of `return_all_scores=False`"; "`multi_class` ... renamed to `multi_label`").
_IGNORED_KEYWORDS: dict[str, tuple[str, dict[bool, str]]] = {
    "return_all_scores": (
        "Use `top_k=None` for the scores of every label (what `return_all_scores=True` did), "
        "`top_k=1` for the best one.",
        {True: "top_k=None", False: "top_k=1"},
    ),
    "multi_class": (
        "Use `multi_label`, its name since transformers 4.x.",
        {True: "multi_label=True", False: "multi_label=False"},
    ),
}


def _literal(arg: Arg) -> bool | None:
    value = arg.node.value
    if isinstance(value, cst.Name) and value.value in ("True", "False"):
        return value.value == "True"
    return None


def _named_keywords(kn: Knowledge, impl: str, built: bool) -> set[str]:
    """The keywords pipeline class `impl` names when built (else when called), in the release
    `kn` is of."""
    signature = kn.pipeline_signatures.get(impl, {})
    return {*signature.get("sanitize", ()), *signature.get("init" if built else "call", ())}


def _releases_taking(ctx: RuleContext, impl: str, keyword: str, built: bool) -> list[str]:
    """ "4.40.2 to 4.57.6": the releases hflint has facts for whose `impl` took `keyword`."""
    found = releases_where(ctx, lambda k: keyword in _named_keywords(k, impl, built))
    if not found:
        return []
    return [f"{found[0]} to {found[-1]}" if len(found) > 1 else found[0]]
