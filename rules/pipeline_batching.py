"""HF507: a pipeline asked to batch with a tokenizer that has no pad token.

`pipeline(...)` batches its inputs only when it is called on a list (or a dataset or a
generator) with a `batch_size` other than 1, given when the pipeline is built or when it is
called. It then pads with the tokenizer's pad token, and refuses when there is none.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from hflint.analyzers.facts import Arg, CallFact, Kind, ObjectFact
from hflint.analyzers.findings import Edit, Finding, Fix, Position, Range, Related, Severity
from hflint.analyzers.values import Const, ObjRef
from hflint.rules.base import Example, Rule
from hflint.rules.context import Checkpoint, RuleContext
from hflint.rules.generation_padding import PaddingWithoutPadToken
from hflint.rules.pipeline_facts import transformers_pipelines

BATCHING_ERROR = (
    "ValueError: Pipeline with tokenizer without pad_token cannot do batching. You can try to "
    "set it with `pipe.tokenizer.pad_token_id = model.config.eos_token_id`."
)


@dataclass(frozen=True)
class Batching:
    """Where the code makes a pipeline batch."""

    arg: Arg  # the batch_size argument
    call: CallFact | None  # the pipeline call that batches (None: only the constructor says)
    assumed: str  # what had to be assumed ("" when the code shows it)


def _batch_size(arg: Arg | None) -> int | None:
    if arg is None or not isinstance(arg.value, Const):
        return None
    value = arg.value.value
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _single_input(call: CallFact) -> bool:
    """The call's input is one string: `pipe("text")` runs one item whatever the batch size."""
    first = call.arg(0, "inputs")
    return (
        first is not None and isinstance(first.value, Const) and isinstance(first.value.value, str)
    )


def batching(ctx: RuleContext, pipe: ObjectFact) -> Batching | None:
    """How the code makes `pipe` batch: a call with `batch_size` > 1, or a pipeline built with
    one and called on something that is not a single string."""
    calls = [c for c in ctx.facts.method_calls(pipe, "__call__") if not _single_input(c)]
    for call in calls:
        arg = call.kw("batch_size")
        size = _batch_size(arg)
        if arg is not None and size is not None and size > 1:
            assumed = (
                arg.value.origin if isinstance(arg.value, Const) and arg.value.overridable else ""
            )
            return Batching(arg, call, assumed)
    built = pipe.kw("batch_size")
    size = _batch_size(built)
    if built is None or size is None or size <= 1 or not calls:
        return None
    if any(c.kw("batch_size") is not None for c in calls):
        return None  # every call chooses its own
    assumed = (
        built.value.origin if isinstance(built.value, Const) and built.value.overridable else ""
    )
    return Batching(built, calls[0], assumed)


def pipeline_tokenizer(
    ctx: RuleContext, pipe: ObjectFact
) -> tuple[Checkpoint, ObjectFact | None] | None:
    """The checkpoint whose tokenizer the pipeline uses, and the tokenizer object if the code
    made one: `tokenizer=` (an object or a checkpoint name), else the model's checkpoint."""
    tok_arg = pipe.call.arg(3, "tokenizer")
    if tok_arg is not None:
        if isinstance(tok_arg.value, ObjRef) and tok_arg.value.obj.kind is Kind.TOKENIZER:
            tok = tok_arg.value.obj
            ckpt = ctx.checkpoint(tok)
            return (ckpt, tok) if ckpt is not None else None
        if isinstance(tok_arg.value, Const):
            ckpt = ctx.checkpoint_of_value(tok_arg.value, pipe)
            return (ckpt, None) if ckpt is not None else None
        return None
    ckpt = ctx.checkpoint(pipe)
    return (ckpt, None) if ckpt is not None else None


class PipelineBatchingWithoutPadToken(Rule):
    code = "HF507"
    name = "pipeline-batching-without-pad-token"
    severity = Severity.ERROR
    summary = "A pipeline batches inputs with a tokenizer that has no pad token"
    what = (
        "Checks for a `pipeline(...)` that batches, called on a list with `batch_size=` "
        "greater than 1 (or built with one and called on something other than one string), "
        "when its tokenizer (the `tokenizer=` it is given, or the model checkpoint's) defines "
        "no pad token (GPT-2, Llama, Mistral, ...) and nothing in the file gives it one "
        "(`pipe.tokenizer.pad_token_id = ...`, `tokenizer.pad_token = ...`, `pad_token=` at "
        "load time)."
    )
    why = (
        "Batching pads the items of a batch to one length with the tokenizer's pad token. "
        "Without one the first batched call stops:\n\n"
        f"    {BATCHING_ERROR}\n\n"
        "A single string, or `batch_size=1`, never pads, which is why the pipeline works in "
        "a quick test and fails once it is given a list."
    )
    example = (
        "from transformers import pipeline\n"
        'pipe = pipeline("text-generation", model="mistralai/Mistral-7B-Instruct-v0.1")\n'
        "outputs = pipe(prompts, batch_size=8, max_new_tokens=32)"
    )
    use_instead = (
        "from transformers import pipeline\n"
        'pipe = pipeline("text-generation", model="mistralai/Mistral-7B-Instruct-v0.1")\n'
        "pipe.tokenizer.pad_token_id = pipe.model.config.eos_token_id\n"
        'pipe.tokenizer.padding_side = "left"  # decoder-only models continue from the right\n'
        "outputs = pipe(prompts, batch_size=8, max_new_tokens=32)"
    )
    fix_safety = (
        "Unsafe: the fix sets `pipe.tokenizer.pad_token_id = pipe.model.config.eos_token_id` "
        "after the pipeline is built, transformers' own suggestion. For text generation the "
        "tokenizer should also pad on the left, which the fix does not change."
    )
    references = (
        "transformers/pipelines/base.py (pad_collate_fn, Pipeline.__call__)",
        "https://huggingface.co/docs/transformers/main_classes/pipelines#pipeline-batching",
    )
    triggers = (
        Example(
            "from transformers import pipeline\n"
            'pipe = pipeline("text-generation", model="mistralai/Mistral-7B-Instruct-v0.1")\n'
            "outputs = pipe(prompts, batch_size=8, max_new_tokens=32)\n",
            fixed="from transformers import pipeline\n"
            'pipe = pipeline("text-generation", model="mistralai/Mistral-7B-Instruct-v0.1")\n'
            "pipe.tokenizer.pad_token_id = pipe.model.config.eos_token_id\n"
            "outputs = pipe(prompts, batch_size=8, max_new_tokens=32)\n",
        ),
        Example(
            "import transformers as tf\n"
            'tok = tf.AutoTokenizer.from_pretrained("gpt2")\n'
            'gen = tf.pipeline("text-generation", model="gpt2", tokenizer=tok, batch_size=4)\n'
            "def run(texts):\n"
            "    return gen(texts, max_new_tokens=10)\n",
            note="batch size given when the pipeline is built",
        ),
    )
    near_misses = (
        Example(
            "from transformers import pipeline\n"
            'pipe = pipeline("text-generation", model="gpt2")\n'
            "pipe.tokenizer.pad_token_id = pipe.model.config.eos_token_id\n"
            "outputs = pipe(prompts, batch_size=8)\n",
        ),
        Example(
            "from transformers import pipeline\n"
            'pipe = pipeline("text-generation", model="gpt2", batch_size=8)\n'
            'print(pipe("Once upon a time"))\n',
            note="one string: nothing to pad",
        ),
        Example(
            "from transformers import pipeline\n"
            'clf = pipeline("text-classification", model="distilbert-base-uncased-finetuned-sst-2-english")\n'
            "preds = clf(texts, batch_size=32)\n",
            note="this tokenizer has a pad token",
        ),
        Example(
            "from transformers import pipeline\n"
            'pipe = pipeline("text-generation", model="gpt2")\n'
            "outputs = pipe(prompts)\n",
            note="batch_size 1 (the default)",
        ),
        Example(
            "from transformers import AutoTokenizer, pipeline\n"
            'tok = AutoTokenizer.from_pretrained("gpt2", pad_token="<|endoftext|>")\n'
            'pipe = pipeline("text-generation", model="gpt2", tokenizer=tok)\n'
            "outputs = pipe(prompts, batch_size=8)\n",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for pipe in transformers_pipelines(ctx):
            found = batching(ctx, pipe)
            if found is None:
                continue
            source = pipeline_tokenizer(ctx, pipe)
            if source is None:
                continue
            ckpt, tok = source
            if ckpt.facts.tokenizer_has_pad_token is not False:
                continue
            if tok is not None and tok.kw("pad_token") is not None:
                continue
            if PaddingWithoutPadToken._pad_token_set(ctx, tok or pipe):
                continue
            yield self._finding(ctx, pipe, found, ckpt)

    def _finding(
        self, ctx: RuleContext, pipe: ObjectFact, found: Batching, ckpt: Checkpoint
    ) -> Finding:
        name = pipe.call.target or "pipe"
        message = (
            f"`{name}` batches its inputs (`{ctx.code(found.arg.node).rstrip(', ')}`), but the "
            f"tokenizer of {ckpt.describe()} has no pad token and nothing in this file sets "
            f"one: the first batched call raises {BATCHING_ERROR} Set "
            f"`{name}.tokenizer.pad_token_id = {name}.model.config.eos_token_id` (and, to "
            f'generate, `{name}.tokenizer.padding_side = "left"`), or use `batch_size=1`.'
        )
        severity = self.severity
        assumed = [a for a in (ckpt.assumed, found.assumed) if a]
        if assumed:
            severity = severity.lowered()
            message += f" (Assuming {'; '.join(dict.fromkeys(assumed))}.)"
        related = [Related("pipeline built here", ctx.range(pipe.node))]
        return ctx.report(
            self,
            found.arg.node,
            message,
            fix=self._fix(ctx, pipe),
            related=related,
            severity=severity,
        )

    @staticmethod
    def _fix(ctx: RuleContext, pipe: ObjectFact) -> Fix | None:
        """`name.tokenizer.pad_token_id = ...` on the line after `name = pipeline(...)`."""
        name = pipe.call.target
        if name is None:
            return None
        where = ctx.range(pipe.node)
        first = ctx.source.line(where.start.line)
        stripped = first.lstrip()
        if not stripped.replace(" ", "").startswith(f"{name}="):
            return None
        last = ctx.source.line(where.end.line)
        rest = last[where.end.column :].strip()
        if rest and not rest.startswith("#"):
            return None
        indent = first[: len(first) - len(stripped)]
        text = f"{name}.tokenizer.pad_token_id = {name}.model.config.eos_token_id"
        end = Position(where.end.line, len(last))
        return ctx.fix(f"Set `{text}`", [Edit(Range(end, end), f"\n{indent}{text}")], safe=False)
