"""Family G, the task of `pipeline()`: names the target transformers does not know (HF701),
tasks it removed or renamed (HF702), and checkpoints the task's model classes cannot serve
(HF703).

Task names, aliases, removed tasks, redirects and the Auto classes of each task come from the
target version's sources (Knowledge); a project's `register_pipeline` tasks and a checkpoint's
`custom_pipelines` are honoured.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hflint.analyzers.checkpoints import CheckpointFacts
from hflint.analyzers.facts import Kind, ObjectFact
from hflint.analyzers.findings import Edit, Finding, Fix, Position, Range, Related, Severity
from hflint.analyzers.knowledge import UNKNOWN, Knowledge, TaskInfo
from hflint.analyzers.values import Const, ObjRef, const_value
from hflint.rules.base import Example, Rule
from hflint.rules.context import RuleContext
from hflint.rules.pipeline_facts import (
    PipelineTask,
    TaskState,
    given,
    is_false,
    quoted,
    registered_tasks,
    task_fate,
    task_of,
    task_pattern_of,
    transformers_pipelines,
)
from hflint.rules.release_facts import releases_where
from hflint.rules.task_suggestions import suggest_task
from hflint.rules.wrong_auto_class import registered

_GENERIC = ("AutoModel", "AutoModelForTextEncoding", "AutoModelForPreTraining")


def _tasks(ctx: RuleContext) -> list[PipelineTask]:
    """Constant task arguments of transformers' pipeline(), unless the project registers them."""
    if not ctx.target_knowledge.tasks:
        return []  # transformers is not installed: nothing is known about tasks
    tasks = [t for obj in transformers_pipelines(ctx) if (t := task_of(obj)) is not None]
    if not tasks:
        return []  # no project scan for files without pipelines
    mine = registered_tasks(ctx)
    return [t for t in tasks if t.name not in mine]


def _task_patterns(ctx: RuleContext) -> list[PipelineTask]:
    """f-string tasks whose constant start decides the task (`f"translation_{a}_to_{b}"`)."""
    kn = ctx.target_knowledge
    if not kn.task_prefixes:
        return []
    found = [t for obj in transformers_pipelines(ctx) if (t := task_pattern_of(kn, obj))]
    return [t for t in found if t.name not in registered_tasks(ctx)] if found else []


def _releases_with_task(ctx: RuleContext, name: str) -> list[str]:
    """Releases hflint has facts for whose `pipeline()` knows the task `name`."""

    def has(kn: Knowledge) -> bool:
        return name in kn.tasks or name in kn.task_aliases

    return releases_where(ctx, has)


def _severity(rule: Rule, *certain: bool) -> Severity:
    return rule.severity if all(certain) else rule.severity.lowered()


def _rename_task(ctx: RuleContext, task: PipelineTask, new: str, message: str, safe: bool) -> Fix:
    literal = task.literal
    assert literal is not None
    return ctx.fix(message, [ctx.replace(literal, quoted(literal, new))], safe=safe)


# ---- HF701 ------------------------------------------------------------------------------------


class UnknownPipelineTask(Rule):
    code = "HF701"
    name = "unknown-pipeline-task"
    severity = Severity.ERROR
    summary = "A pipeline() task that the target transformers does not have"
    what = (
        "Checks the task of `pipeline(...)` (first argument or `task=`, a literal or a constant) "
        "against the task registry of the target transformers: `SUPPORTED_TASKS`, "
        "`TASK_ALIASES`, the parametrised forms such as `translation_en_to_fr`, and tasks "
        "removed or renamed (those are HF702). Tasks the project registers with "
        "`PIPELINE_REGISTRY.register_pipeline(...)` and custom tasks of the checkpoint "
        "(`custom_pipelines` in its config) are accepted. A task that older releases had "
        "(`conversational`) is reported with the releases hflint knows had it."
    )
    why = (
        "`pipeline()` looks the name up before it builds anything and stops with\n\n"
        "    KeyError: \"Unknown task text-classfication, available tasks are ['any-to-any', "
        "'audio-classification', ...]\"\n\n"
        "Without a `model=` this happens before any download; with one, after the config is "
        "fetched. Tasks of older releases (`conversational`) end the same way."
    )
    example = (
        "from transformers import pipeline\n"
        'clf = pipeline("text-classfication", model="distilbert-base-uncased-finetuned-sst-2-english")'
    )
    use_instead = (
        "from transformers import pipeline\n"
        'clf = pipeline("text-classification", model="distilbert-base-uncased-finetuned-sst-2-english")'
    )
    fix_safety = (
        "Unsafe: the replacement is the closest task name by spelling (difflib over the target's "
        "tasks and aliases); check that it is the task you meant."
    )
    references = (
        "transformers/pipelines/base.py (PipelineRegistry.check_task)",
        "transformers/pipelines/__init__.py (SUPPORTED_TASKS, TASK_ALIASES)",
    )
    triggers = (
        Example(
            'from transformers import pipeline\nclf = pipeline("sentiment-analysiss")\n',
            fixed='from transformers import pipeline\nclf = pipeline("sentiment-analysis")\n',
        ),
        Example(
            "import transformers as tf\n"
            "ner = tf.pipeline(task='token-clasification', model='dslim/bert-base-NER')\n",
            fixed="import transformers as tf\n"
            "ner = tf.pipeline(task='token-classification', model='dslim/bert-base-NER')\n",
        ),
        Example(
            "from transformers.pipelines import pipeline as make_pipeline\n"
            'TASK = "conversational"\n'
            "def build(model_id):\n"
            "    return make_pipeline(TASK, model=model_id)\n",
            note="a 4.x task, held in a constant",
        ),
        Example(
            "import argparse\n"
            "from transformers import pipeline\n"
            "parser = argparse.ArgumentParser()\n"
            'parser.add_argument("--task", default="text-generaton")\n'
            "args = parser.parse_args()\n"
            "gen = pipeline(args.task)\n",
            note="an argparse default: reported one step lower",
        ),
    )
    near_misses = (
        Example(
            "from transformers import pipeline\n"
            'clf = pipeline("sentiment-analysis")\n'
            'ner = pipeline(task="ner", model="dslim/bert-base-NER")\n'
        ),
        Example(
            "from transformers import pipeline\n"
            "from transformers.pipelines import PIPELINE_REGISTRY\n"
            "from my_pipelines import PairClassificationPipeline\n"
            "PIPELINE_REGISTRY.register_pipeline(\n"
            '    "pair-classification", pipeline_class=PairClassificationPipeline\n'
            ")\n"
            'clf = pipeline("pair-classification", model="sgugger/finetuned-bert-mrpc")\n',
            note="a task the project registers",
        ),
        Example(
            "from transformers import pipeline\n"
            'pipe = pipeline("my-custom-task", model="acme/custom", trust_remote_code=True)\n',
            note="a custom task the (unknown) checkpoint may define with remote code",
        ),
        Example(
            'def pipeline(task, **kw):\n    return task\np = pipeline("text-classfication")\n',
            note="a project's own function named pipeline",
        ),
        Example(
            "from transformers import pipeline\n"
            "import os\n"
            'p = pipeline(os.environ["TASK"], model="gpt2")\n',
            note="task not known statically",
        ),
        Example(
            'from transformers import pipeline\nsummarizer = pipeline("summarization")\n',
            note="a removed task: HF702's business",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        kn = ctx.target_knowledge
        for task in _tasks(ctx):
            if task_fate(kn, task.name).state is not TaskState.UNKNOWN:
                continue
            if self._custom_task_possible(ctx, task):
                continue
            names = sorted([*kn.tasks, *kn.task_aliases])
            close = suggest_task(ctx, task, names)  # spelling, among tasks fitting the model
            shown = ", ".join(repr(n) for n in names[:3])
            message = (
                f"`{task.name}` is not a pipeline task of {ctx.target.phrase()}"
                f'{task.assumption()}: `pipeline()` raises KeyError: "Unknown task {task.name}, '
                f'available tasks are [{shown}, ...]".'
            )
            fix = None
            older = _releases_with_task(ctx, task.name)
            if older:
                span = older[0] if len(older) == 1 else f"{older[0]} to {older[-1]}"
                message += (
                    f" It is a task of older releases (transformers {span}, of those hflint "
                    "has facts for), removed since."
                )
                close = [c for c in close if c == "text-generation"]
            if close:
                message += f" Did you mean `{close[0]}`?"
                if task.literal is not None and task.certain:
                    fix = _rename_task(ctx, task, close[0], f'Use "{close[0]}"', safe=False)
            else:
                message += (
                    " Pick one of `transformers.pipelines.get_supported_tasks()`, or register "
                    "the task with `PIPELINE_REGISTRY.register_pipeline`."
                )
            yield ctx.report(
                self, task.arg.expr, message, fix=fix, severity=_severity(self, task.certain)
            )

    @staticmethod
    def _custom_task_possible(ctx: RuleContext, task: PipelineTask) -> bool:
        """A checkpoint's config may bring its own tasks (`custom_pipelines`)."""
        obj = task.obj
        if given(obj, "config") is not None:
            return True  # a config given separately may name custom pipelines
        model = obj.call.arg(1, "model")
        if model is None or isinstance(model.value, ObjRef):
            return False  # custom tasks come from a config pipeline() loads itself
        ckpt = ctx.checkpoint(obj)
        if ckpt is None:
            remote = given(obj, "trust_remote_code")
            return (remote is not None and not is_false(remote)) or given(
                obj, "pipeline_class"
            ) is not None
        custom = ckpt.facts.config.get("custom_pipelines")
        return isinstance(custom, dict) and task.name in custom


# ---- HF702 ------------------------------------------------------------------------------------

# Output keys of the removed seq2seq pipelines (`return_name + "_text"` in transformers 4.x):
# the rewrite returns the same records, so `result[0]["summary_text"]` keeps working.
_SEQ2SEQ_OUTPUT = {
    "summarization": "summary_text",
    "translation": "translation_text",
    "text2text-generation": "generated_text",
}
_ADVICE = {
    "question-answering": (
        " For extractive answers, run `AutoModelForQuestionAnswering` yourself and take the "
        "argmax of `start_logits` / `end_logits`."
    ),
}
# pipeline() keywords the seq2seq rewrite knows how to carry over
_REWRITE_LOAD_KWARGS = ("revision", "token", "trust_remote_code", "dtype", "device_map")
_REWRITE_KWARGS = frozenset({"task", "model", "tokenizer", "device", *_REWRITE_LOAD_KWARGS})


class RemovedPipelineTask(Rule):
    code = "HF702"
    name = "removed-pipeline-task"
    severity = Severity.ERROR
    summary = "A pipeline() task that the target transformers removed or renamed"
    deprecated_api = True
    what = (
        "Checks the task of `pipeline(...)` against the target transformers' `REMOVED_TASKS` "
        "(transformers 5 removed `summarization`, `translation` and every "
        "`translation_xx_to_yy`, `text2text-generation`, `question-answering`, "
        "`visual-question-answering` / `vqa` and `image-to-image`) and its redirects "
        "(`image-to-text` now builds `image-text-to-text`). An f-string task whose constant "
        'start decides it (`f"translation_{src}_to_{tgt}"`) is judged whatever its fields '
        "hold."
    )
    why = (
        "A removed task stops `pipeline()` with transformers' own advice:\n\n"
        "    KeyError: 'The task summarization has been removed from transformers. Use the "
        "`text-generation` pipeline with a chat model instead. See the migration guide for "
        "more details: https://github.com/huggingface/transformers/blob/main/"
        "MIGRATION_GUIDE_V5.md#pipelines'\n\n"
        "A redirected task still works, with a warning (`The task image-to-text has been "
        "removed and has been replaced by image-text-to-text. The pipeline will be "
        "instantiated with the new task name.`). A project pinned to transformers 4 keeps "
        "these pipelines: the rule follows the target version."
    )
    example = (
        "from transformers import pipeline\n"
        'summarizer = pipeline("summarization", model="facebook/bart-large-cnn")\n'
        'print(summarizer(article)[0]["summary_text"])'
    )
    use_instead = (
        "from transformers import AutoModelForSeq2SeqLM, AutoTokenizer\n"
        'tok = AutoTokenizer.from_pretrained("facebook/bart-large-cnn")\n'
        'model = AutoModelForSeq2SeqLM.from_pretrained("facebook/bart-large-cnn")\n'
        'ids = model.generate(**tok(article, return_tensors="pt", truncation=True), max_new_tokens=142)\n'
        "print(tok.batch_decode(ids, skip_special_tokens=True)[0])"
    )
    fix_safety = (
        "Renaming a redirected task (`image-to-text` -> `image-text-to-text`) is safe: it is "
        "what transformers does at run time. For `summarization`, `translation*` and "
        "`text2text-generation` the fix replaces `name = pipeline(...)` with the same "
        "checkpoint loaded by `AutoTokenizer` + `AutoModelForSeq2SeqLM` and a function `name` "
        "that tokenizes, calls `generate()` and decodes into the records the pipeline returned "
        "(`[{'summary_text': ...}]`); unsafe, because the pipeline also added the task prefix "
        "T5-style checkpoints expect (`translate English to German: `, from "
        "`config.task_specific_params`) and its own length defaults. Other removed tasks get "
        "no fix."
    )
    references = (
        "transformers/pipelines/__init__.py (REMOVED_TASKS, _resolve_deprecated_task)",
        "https://github.com/huggingface/transformers/blob/main/MIGRATION_GUIDE_V5.md#pipelines",
    )
    triggers = (
        Example(
            "from transformers import pipeline\n"
            'summarizer = pipeline("summarization", model="facebook/bart-large-cnn")\n'
            'print(summarizer(article)[0]["summary_text"])\n',
            fixed="from transformers import AutoModelForSeq2SeqLM, AutoTokenizer\n"
            'summarizer_tokenizer = AutoTokenizer.from_pretrained("facebook/bart-large-cnn")\n'
            'summarizer_model = AutoModelForSeq2SeqLM.from_pretrained("facebook/bart-large-cnn")\n'
            "\n\n"
            "def summarizer(texts, **generate_kwargs):\n"
            '    """What the removed `summarization` pipeline did: tokenize, generate, decode."""\n'
            '    batch = summarizer_tokenizer(texts, return_tensors="pt", padding=True, truncation=True)\n'
            "    ids = summarizer_model.generate(**batch.to(summarizer_model.device), **generate_kwargs)\n"
            "    decoded = summarizer_tokenizer.batch_decode(ids, skip_special_tokens=True)\n"
            '    return [{"summary_text": text} for text in decoded]\n'
            'print(summarizer(article)[0]["summary_text"])\n',
        ),
        Example(
            "import transformers\n"
            "def make_translator(device=0):\n"
            "    translator = transformers.pipeline(\n"
            '        "translation_en_to_de", model="Helsinki-NLP/opus-mt-en-de", device=device\n'
            "    )\n"
            "    return translator\n",
            note="a parametrised translation task inside a function",
        ),
        Example(
            "from transformers import pipeline\n"
            'def translate(texts, src="en", tgt="fr"):\n'
            '    translator = pipeline(f"translation_{src}_to_{tgt}", model="t5-small")\n'
            "    return translator(texts)\n",
            note="an f-string: every translation_ task is removed, whatever the languages",
        ),
        Example(
            "from transformers import pipeline\n"
            'captioner = pipeline("image-to-text", model="Salesforce/blip-image-captioning-base")\n',
            fixed="from transformers import pipeline\n"
            'captioner = pipeline("image-text-to-text", model="Salesforce/blip-image-captioning-base")\n',
        ),
        Example(
            "from transformers import pipeline as hf_pipeline\n"
            "qa = hf_pipeline(task='question-answering', model='deepset/roberta-base-squad2')\n"
            'answer = qa(question="Who?", context=text)\n'
        ),
        Example(
            "import argparse\n"
            "from transformers import pipeline\n"
            "parser = argparse.ArgumentParser()\n"
            'parser.add_argument("--task", default="text2text-generation")\n'
            "args = parser.parse_args()\n"
            'gen = pipeline(args.task, model="google/flan-t5-base")\n',
            note="an argparse default: reported one step lower, no fix",
        ),
    )
    near_misses = (
        Example(
            "from transformers import pipeline\n"
            'gen = pipeline("text-generation", model="Qwen/Qwen2.5-0.5B-Instruct")\n'
            'out = gen([{"role": "user", "content": "Summarize: " + article}], max_new_tokens=128)\n'
        ),
        Example(
            "from transformers import pipeline\n"
            'captioner = pipeline("image-text-to-text", model="Salesforce/blip-image-captioning-base")\n'
        ),
        Example(
            "from transformers import AutoModelForSeq2SeqLM, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("facebook/bart-large-cnn")\n'
            'model = AutoModelForSeq2SeqLM.from_pretrained("facebook/bart-large-cnn")\n'
        ),
        Example(
            "from langchain.chains.summarize import load_summarize_chain\n"
            "from mylib import pipeline\n"
            'summarizer = pipeline("summarization")\n',
            note="not transformers' pipeline",
        ),
        Example(
            "from transformers import pipeline\n"
            'task = "summarization" if False else "text-generation"\n'
            "pipe = pipeline(task)\n",
            note="the task is not a single constant",
        ),
        Example(
            "from transformers import pipeline\n"
            'def build(kind, ckpt):\n    return pipeline(f"{kind}-classification", model=ckpt)\n',
            note="an f-string whose start does not decide the task",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        kn = ctx.target_knowledge
        patterns = _task_patterns(ctx)
        decided = {id(t.obj) for t in patterns}  # the f-string's start, not its fields
        for task in [*(t for t in _tasks(ctx) if id(t.obj) not in decided), *patterns]:
            fate = task_fate(kn, task.decides)
            if fate.state is TaskState.REDIRECTED:
                yield self._redirected(ctx, task, fate.resolved)
            elif fate.state is TaskState.REMOVED:
                yield self._removed(ctx, task, fate.resolved, kn.removed_tasks[fate.resolved])

    def _redirected(self, ctx: RuleContext, task: PipelineTask, target: str) -> Finding:
        fix = None
        if task.literal is not None and task.certain:
            fix = _rename_task(ctx, task, target, f'Use "{target}"', safe=True)
        return ctx.report(
            self,
            task.arg.expr,
            f"The `{task.name}` task was replaced by `{target}` in {ctx.target.phrase()}"
            f"{task.assumption()}: `pipeline()` warns `The task {task.name} has been removed and "
            f"has been replaced by {target}. The pipeline will be instantiated with the new task "
            f"name.` and builds the `{target}` pipeline. Name that task.",
            fix=fix,
            severity=Severity.WARNING if task.certain else Severity.INFO,
        )

    def _removed(self, ctx: RuleContext, task: PipelineTask, removed: str, advice: str) -> Finding:
        message = (
            f"The `{task.name}` pipeline was removed in {ctx.target.phrase()}{task.assumption()}: "
            f"`pipeline()` raises KeyError: The task {task.name} has been removed from "
            f"transformers. {advice}"
        )
        if task.pattern:
            message = message.replace(
                ": `pipeline()` raises",
                f" (every `{task.pattern}...` task is, whatever the f-string's fields hold): "
                "`pipeline()` raises",
                1,
            )
        fix = None
        if removed in _SEQ2SEQ_OUTPUT:
            message += (
                " To keep using a seq2seq checkpoint, load it with `AutoModelForSeq2SeqLM` and "
                "call `generate()`."
            )
            if task.certain and not task.pattern:
                fix = self._seq2seq_rewrite(ctx, task, _SEQ2SEQ_OUTPUT[removed])
        message += _ADVICE.get(removed, "")
        return ctx.report(
            self, task.arg.expr, message, fix=fix, severity=_severity(self, task.certain)
        )

    def _seq2seq_rewrite(self, ctx: RuleContext, task: PipelineTask, key: str) -> Fix | None:
        """`name = pipeline(task, model=X)` -> tokenizer + seq2seq model + a function `name`."""
        obj, call = task.obj, task.obj.call
        name = call.target
        model = call.arg(1, "model")
        if (
            name is None
            or not name.isidentifier()
            or model is None
            or call.has_star_kwargs
            or len(call.args) > 2
            or not set(call.kwargs) <= _REWRITE_KWARGS
            or not ctx.target_knowledge.has_name("AutoModelForSeq2SeqLM")
        ):
            return None
        span = self._assignment_span(ctx, obj, name)
        if span is None:
            return None
        start, indent = span
        tokenizer = given(obj, "tokenizer")
        loads = "".join(
            f", {k}={ctx.code(arg.expr)}"
            for k in _REWRITE_LOAD_KWARGS
            if (arg := given(obj, k)) is not None
        )
        tok_name, tok_import = ctx.name_for("transformers.AutoTokenizer")
        s2s_name, s2s_import = ctx.name_for("transformers.AutoModelForSeq2SeqLM")
        if isinstance(model.value, ObjRef):
            if tokenizer is None:
                return None
            model_line = ctx.code(model.expr)
        else:
            model_line = f"{s2s_name}.from_pretrained({ctx.code(model.expr)}{loads})"
        device = given(obj, "device")
        if device is not None:
            where = const_value(device.value)
            if not isinstance(device.value, Const) or (isinstance(where, int) and where < 0):
                return None  # pipeline's -1 (CPU) or an expression: no simple `.to(...)`
            model_line += f".to({ctx.code(device.expr)})"
        if tokenizer is None:
            tok_line = f"{tok_name}.from_pretrained({ctx.code(model.expr)}{loads})"
        elif isinstance(tokenizer.value, Const):
            tok_line = f"{tok_name}.from_pretrained({ctx.code(tokenizer.expr)})"
        else:
            tok_line = ctx.code(tokenizer.expr)
        lines = [f"{name}_tokenizer = {tok_line}", f"{name}_model = {model_line}"]
        if not indent:
            lines += ["", ""]  # two blank lines before a top-level def
        lines += [
            f"def {name}(texts, **generate_kwargs):",
            f'    """What the removed `{task.name}` pipeline did: tokenize, generate, decode."""',
            f'    batch = {name}_tokenizer(texts, return_tensors="pt", padding=True, '
            "truncation=True)",
            f"    ids = {name}_model.generate(**batch.to({name}_model.device), **generate_kwargs)",
            f"    decoded = {name}_tokenizer.batch_decode(ids, skip_special_tokens=True)",
            f'    return [{{"{key}": text}} for text in decoded]',
        ]
        text = "\n".join(indent + line if line and i else line for i, line in enumerate(lines))
        end = ctx.range(call.node).end
        edits: list[Edit | None] = [Edit(Range(start, end), text)]
        if tokenizer is None or isinstance(tokenizer.value, Const):
            edits.append(tok_import)
        if not isinstance(model.value, ObjRef):
            edits.append(s2s_import)
        return ctx.fix(
            f"Replace the pipeline with `AutoModelForSeq2SeqLM` + `generate()` (`{name}(...)` "
            "keeps returning the same records)",
            edits,
            safe=False,
        )

    @staticmethod
    def _assignment_span(
        ctx: RuleContext, obj: ObjectFact, name: str
    ) -> tuple[Position, str] | None:
        """Where `name = pipeline(...)` starts, and its indentation, when it is a statement alone."""
        rng = ctx.range(obj.node)
        head = ctx.source.line(rng.start.line)[: rng.start.column]
        match = re.fullmatch(rf"([ \t]*){re.escape(name)}\s*=\s*", head)
        tail = ctx.source.line(rng.end.line)[rng.end.column :]
        if match is None or not re.fullmatch(r"\s*(#.*)?", tail):
            return None
        indent = match.group(1)
        return Position(rng.start.line, len(indent)), indent


# ---- HF703 ------------------------------------------------------------------------------------


def _implied_task(kn: Knowledge, classes: tuple[str, ...] | list[str]) -> str | None:
    """The task whose first Auto class heads one of these model classes (BertForMaskedLM ->
    fill-mask); none for base models, whose task (text or image features) is ambiguous."""
    for cls in classes:
        head = kn.head_of(cls)
        if head is None or head in _GENERIC:
            continue
        for task, info in kn.tasks.items():
            if info.auto_classes[:1] == (head,):
                return task
    return None


def _supported_classes(kn: Knowledge, info: TaskInfo) -> set[str]:
    """Model classes of the task's Auto tables (what `check_model_type` accepts)."""
    out: set[str] = set()
    for auto in info.auto_classes:
        for value in kn.auto_tables.get(auto, {}).values():
            out.update((value,) if isinstance(value, str) else value)
    return out


class PipelineTaskModelMismatch(Rule):
    code = "HF703"
    name = "pipeline-task-model-mismatch"
    severity = Severity.WARNING
    summary = "A pipeline() task whose model classes cannot serve the given checkpoint or model"
    what = (
        "Checks `pipeline(task, model=...)` when the checkpoint's config is known (or `model=` "
        "is a model loaded in this file): the task's Auto classes (from the target's "
        "`SUPPORTED_TASKS`) have no model for its `model_type`; `text-generation` gets an "
        "encoder-decoder or encoder-only checkpoint; a classification task gets a checkpoint "
        "without that classification head; or the loaded model's class is not one the task "
        "supports. Unknown checkpoints, remote code (`auto_map`) and classes the project "
        "registers are left alone."
    )
    why = (
        "`pipeline()` tries the task's Auto classes and then falls back to the classes in "
        "`config.architectures`, so a mismatch often loads anyway, with the wrong head: "
        '`pipeline("fill-mask", model=<gpt2>)` loads `GPT2LMHeadModel` and fails with '
        "`PipelineException: The tokenizer does not define a mask_token.`; `text-generation` "
        "on a BART checkpoint builds `BartForCausalLM` (the decoder alone, the encoder weights "
        "`UNEXPECTED`); `text-classification` on `gpt2` adds a random `score` head (`score.weight"
        " | MISSING`) and predicts `LABEL_0` / `LABEL_1` at random; a loaded model of the wrong "
        "class gets `The model 'BertForSequenceClassification' is not supported for "
        "token-classification. Supported models are [...]`."
    )
    example = (
        "from transformers import pipeline\n"
        'fill = pipeline("text-generation", model="bert-base-uncased")'
    )
    use_instead = (
        'from transformers import pipeline\nfill = pipeline("fill-mask", model="bert-base-uncased")'
    )
    fix_safety = (
        "Unsafe, and offered only when the checkpoint's own head names a task: the fix changes "
        "the task to that one (`fill-mask` for `BertForMaskedLM`), which changes what the "
        "pipeline returns. Often the checkpoint is what should change."
    )
    references = (
        "transformers/pipelines/base.py (load_model, Pipeline.check_model_type)",
        "transformers/pipelines/__init__.py (SUPPORTED_TASKS)",
    )
    triggers = (
        Example(
            "from transformers import pipeline\n"
            'gen = pipeline("text-generation", model="bert-base-uncased")\n',
            fixed="from transformers import pipeline\n"
            'gen = pipeline("fill-mask", model="bert-base-uncased")\n',
        ),
        Example(
            "import transformers as tf\n"
            'CKPT = "gpt2"\n'
            'fill = tf.pipeline(task="fill-mask", model=CKPT)\n',
            fixed="import transformers as tf\n"
            'CKPT = "gpt2"\n'
            'fill = tf.pipeline(task="text-generation", model=CKPT)\n',
        ),
        Example(
            "from transformers import pipeline\n"
            "def summarize(text):\n"
            '    gen = pipeline("text-generation", model="facebook/bart-large-cnn")\n'
            "    return gen(text)\n",
            note="an encoder-decoder: only its decoder would load",
        ),
        Example(
            "from transformers import pipeline\n"
            'clf = pipeline("sentiment-analysis", model="distilbert-base-uncased")\n',
            note="no fine-tuned classification head: a random one is added",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline\n"
            'ckpt = "distilbert-base-uncased-finetuned-sst-2-english"\n'
            "model = AutoModelForSequenceClassification.from_pretrained(ckpt)\n"
            "tok = AutoTokenizer.from_pretrained(ckpt)\n"
            'ner = pipeline("ner", model=model, tokenizer=tok)\n',
            fixed="from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline\n"
            'ckpt = "distilbert-base-uncased-finetuned-sst-2-english"\n'
            "model = AutoModelForSequenceClassification.from_pretrained(ckpt)\n"
            "tok = AutoTokenizer.from_pretrained(ckpt)\n"
            'ner = pipeline("text-classification", model=model, tokenizer=tok)\n',
        ),
    )
    near_misses = (
        Example(
            "from transformers import pipeline\n"
            'fill = pipeline("fill-mask", model="bert-base-uncased")\n'
            'gen = pipeline("text-generation", model="gpt2")\n'
            'clf = pipeline("text-classification", model="distilbert-base-uncased-finetuned-sst-2-english")\n'
        ),
        Example(
            "from transformers import pipeline\n"
            'emb = pipeline("feature-extraction", model="sentence-transformers/all-MiniLM-L6-v2")\n',
            note="feature extraction runs the base model of any checkpoint",
        ),
        Example(
            "from transformers import pipeline\n"
            "import sys\n"
            'gen = pipeline("text-generation", model=sys.argv[1])\n',
            note="unknown checkpoint",
        ),
        Example(
            "from transformers import AutoModelForCausalLM, pipeline\n"
            "model = AutoModelForCausalLM.from_pretrained(path)\n"
            'gen = pipeline("text-generation", model=model, tokenizer=tok)\n',
            note="a loaded model whose checkpoint is unknown, of the task's own class",
        ),
        Example(
            "from transformers import AutoModel, pipeline\n"
            'enc = AutoModel.from_pretrained("bert-base-uncased")\n'
            'clf = pipeline("text-classification", model=enc, tokenizer=tok)\n',
            note="a base model: HF103's business",
        ),
        Example(
            "from transformers import pipeline\n"
            'zs = pipeline("zero-shot-classification", model="facebook/bart-large-mnli")\n'
            'asr = pipeline("automatic-speech-recognition", model="openai/whisper-tiny")\n'
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        kn = ctx.target_knowledge
        tasks = _tasks(ctx)
        classes, types = registered(ctx) if tasks else (set(), set())
        for task in tasks:
            fate = task_fate(kn, task.name)
            info = kn.tasks.get(fate.resolved)
            if fate.state is TaskState.REMOVED or info is None or not info.auto_classes:
                continue
            if "AutoModel" in info.auto_classes or classes & set(info.auto_classes):
                continue  # any model serves feature extraction; registered classes extend tables
            obj = task.obj
            model = obj.call.arg(1, "model")
            if model is None or given(obj, "config") is not None:
                continue
            if isinstance(model.value, ObjRef):
                finding = self._instance(ctx, task, info, model.value.obj, types)
            else:
                finding = self._checkpoint(ctx, task, info, types)
            if finding is not None:
                yield finding

    def _checkpoint(
        self, ctx: RuleContext, task: PipelineTask, info: TaskInfo, types: set[str]
    ) -> Finding | None:
        kn = ctx.target_knowledge
        ckpt = ctx.checkpoint(task.obj)
        if ckpt is None:
            return None
        facts = ckpt.facts
        if facts.model_type is None and facts.base is not None:
            facts = facts.base  # a PEFT adapter: pipeline() loads its base model
        model_type = facts.model_type
        if not model_type or facts.auto_map or model_type in types:
            return None
        archs = facts.architectures
        built = [kn.resolve(model_type, auto, archs) for auto in info.auto_classes]
        if UNKNOWN in built:
            return None
        loaded = next((b for b in built if b is not None), None)
        head = info.auto_classes[0]
        where = ckpt.describe()
        problem: str | None = None
        better: str | None = None  # a task the checkpoint's own head serves, for the fix
        if head == "AutoModelForCausalLM" and facts.is_encoder_decoder:
            problem = self._encoder_decoder(loaded, archs, info.task)
        elif head == "AutoModelForCausalLM" and loaded and self._encoder_only(kn, facts, loaded):
            problem = (
                f"it builds `{loaded}`, a bidirectional encoder posing as a causal LM "
                f"(transformers warns `If you want to use {loaded} as a standalone, add "
                "is_decoder=True.`), and generates nonsense"
            )
            better = _implied_task(kn, archs)
        elif loaded is None:
            problem = self._fallback(kn, info, archs)
            better = _implied_task(kn, archs)
        elif self._untrained_head(loaded, archs):
            problem = (
                f"it builds `{loaded}` but the checkpoint has no such head (`architectures`: "
                f"{', '.join(archs)}): it is newly initialised (`| MISSING` in the load report) "
                "or filled from another head with the same weight names, so its predictions are "
                "meaningless"
            )
        if problem is None:
            return None
        if better == info.task:
            better = None
        message = f'`pipeline("{task.name}")` cannot serve {where}{task.assumption()}: {problem}.'
        message += self._advice(better, info.task, facts)
        fix = None
        if better and task.literal is not None and task.certain and ckpt.certain:
            fix = _rename_task(ctx, task, better, f'Use the "{better}" task', safe=False)
        model = task.obj.call.arg(1, "model")
        related = [Related("checkpoint given here", ctx.range(model.expr))] if model else []
        return ctx.report(
            self,
            task.arg.expr,
            message,
            fix=fix,
            related=related,
            severity=_severity(self, task.certain, ckpt.certain),
        )

    @staticmethod
    def _encoder_decoder(loaded: str | None, archs: tuple[str, ...], task: str) -> str:
        if loaded is not None:
            return (
                f"for this encoder-decoder checkpoint it builds `{loaded}`, the decoder alone: "
                "the encoder weights are dropped (`model.encoder.* | UNEXPECTED`) and the "
                "output only continues the input as a prompt, with no encoder to read it"
            )
        own = f"`{archs[0]}`" if archs else "its own class"
        return (
            f"no `{task}` model exists for this encoder-decoder checkpoint; the pipeline falls "
            f"back to {own}, which it does not support"
        )

    @staticmethod
    def _encoder_only(kn: Knowledge, facts: CheckpointFacts, loaded: str) -> bool:
        if facts.config.get("is_decoder") is True or loaded in facts.architectures:
            return False
        if not facts.architectures:
            return False
        if any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in facts.architectures):
            return False
        masked = kn.resolve(facts.model_type or "", "AutoModelForMaskedLM", facts.architectures)
        return masked not in (None, UNKNOWN) and masked != loaded

    @staticmethod
    def _fallback(kn: Knowledge, info: TaskInfo, archs: tuple[str, ...]) -> str | None:
        """None of the task's classes loads it: pipeline() falls back to `architectures`.

        Some pipelines take such models on purpose (Donut in document-question-answering,
        TAPEX in table-question-answering, special speech models): only text tasks, and only
        when the checkpoint's own head is that of another task, are judged.
        """
        other = _implied_task(kn, archs)
        if info.type != "text" or other is None or other == info.task:
            return None
        autos = ", ".join(f"`{a}`" for a in info.auto_classes)
        return (
            f"{autos} has no model for its model type, so the pipeline falls back to the "
            f"checkpoint's own `{archs[0]}`, a `{other}` model it cannot use"
        )

    @staticmethod
    def _untrained_head(loaded: str, archs: tuple[str, ...]) -> bool:
        """A classification head the checkpoint does not have is initialised at random."""
        at = loaded.find("For")
        if at < 0 or not loaded.endswith("Classification") or not archs:
            return False
        head = loaded[at:]
        return loaded not in archs and not any(a.endswith(head) for a in archs)

    @staticmethod
    def _advice(better: str | None, task: str, facts: CheckpointFacts) -> str:
        if better is not None:
            return (
                f" Use the `{better}` task (the checkpoint's own head), or a checkpoint made for "
                f"`{task}`."
            )
        if facts.is_encoder_decoder:
            return (
                " Load it with `AutoModelForSeq2SeqLM` and call `generate()`, or use a "
                "decoder-only (chat) checkpoint."
            )
        return f" Use a checkpoint fine-tuned for `{task}`."

    def _instance(
        self,
        ctx: RuleContext,
        task: PipelineTask,
        info: TaskInfo,
        model: ObjectFact,
        types: set[str],
    ) -> Finding | None:
        kn = ctx.target_knowledge
        while model.base is not None:  # PEFT wrappers: pipelines accept PeftModelFor*
            model = model.base
        if model.kind is not Kind.MODEL or model.user_class is not None:
            return None
        cls = model.class_name
        if cls in _GENERIC:
            return None  # a base model given to a head task: HF103
        assumed = ""
        if cls in kn.auto_tables:
            ckpt = ctx.checkpoint(model)
            if ckpt is None or not ckpt.facts.model_type or ckpt.facts.auto_map:
                return None
            if ckpt.facts.model_type in types:
                return None
            built = kn.resolve(ckpt.facts.model_type, cls, ckpt.facts.architectures)
            if built in (None, UNKNOWN):
                return None  # does not load at all: HF101
            assumed = ckpt.assumed
            where = f"`{cls}` builds `{built}` for {ckpt.describe()}"
        elif cls in kn.model_class_types:
            built = cls
            where = f"`{cls}`"
        else:
            return None
        assert built is not None
        if built in _supported_classes(kn, info):
            return None
        better = _implied_task(kn, [built])
        message = (
            f'`pipeline("{task.name}")` gets a model it does not support{task.assumption()}: '
            f"{where}, not one of the `{info.task}` classes "
            f"({', '.join(f'`{a}`' for a in info.auto_classes)}). The pipeline runs it anyway "
            f"(logging `The model '{built}' is not supported for {info.task}. Supported models "
            "are [...]` where it checks) and fails or returns meaningless outputs."
        )
        fix = None
        if better is not None and better != info.task:
            message += f" `{built}` is a `{better}` model: use that task, or load the model with `{info.auto_classes[0]}`."
            if task.literal is not None and task.certain and not assumed:
                fix = _rename_task(ctx, task, better, f'Use the "{better}" task', safe=False)
        return ctx.report(
            self,
            task.arg.expr,
            message,
            fix=fix,
            related=[ctx.loaded_here(model, f"`{cls}` model loaded here")],
            severity=_severity(self, task.certain, not assumed),
        )
