"""Padding for generation: a tokenizer that pads needs a pad token (HF502), and a decoder-only
model that continues a batch needs it padded on the left (HF503).

Both read the tokenizer files of the checkpoint (CheckpointFacts.tokenizer_has_pad_token,
tokenizer_padding_side); a tokenizer whose files were not read is never judged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from hflint.analyzers.facts import Arg, Kind, ObjectFact
from hflint.analyzers.findings import Edit, Finding, Fix, Position, Range, Related, Severity
from hflint.analyzers.values import Const, ObjRef
from hflint.rules.base import Example, Rule
from hflint.rules.context import Checkpoint, RuleContext
from hflint.rules.generation_facts import (
    GenerateCall,
    PaddingSide,
    TokenizerBatch,
    architecture,
    batch_of,
    const_kw,
    describe_tokenizer,
    generate_calls,
    padding_side,
    pads,
    receiver_is_stable,
    tokenizer_checkpoint,
)
from hflint.rules.trainer_facts import transformers_trainers

NO_PAD_ERROR = (
    "ValueError: Asking to pad but the tokenizer does not have a padding token. Please select "
    "a token to use as `pad_token` `(tokenizer.pad_token = tokenizer.eos_token e.g.)` or add a "
    "new pad token via `tokenizer.add_special_tokens({'pad_token': '[PAD]'})`."
)
RIGHT_PADDING_WARNING = (
    "A decoder-only architecture is being used, but right-padding was detected! For correct "
    "generation results, please set `padding_side='left'` when initializing the tokenizer."
)
# Collators that call `tokenizer.pad` on every batch (verified with transformers 5.23.0, even
# when the examples have equal lengths).
PADDING_COLLATORS = frozenset(
    {
        "DataCollatorWithPadding",
        "DataCollatorForSeq2Seq",
        "DataCollatorForTokenClassification",
        "DataCollatorForLanguageModeling",
    }
)
# Trainer methods a subclass may override to batch without the default collator
_BATCHING_OVERRIDES = ("get_train_dataloader", "get_eval_dataloader", "get_test_dataloader")


@dataclass(frozen=True)
class PaddingSite:
    """Code that makes the tokenizer pad: the node to point at and what it is."""

    node: cst.CSTNode
    what: str  # e.g. "`tok(..., padding=True)`"


def _pads_by_default(padding: Arg | None) -> bool:
    """For `tokenizer.pad` and the collators, whose `padding` defaults to True."""
    if padding is None:
        return True
    value = padding.value
    return isinstance(value, Const) and value.value is not False and value.value != "do_not_pad"


class PaddingWithoutPadToken(Rule):
    code = "HF502"
    name = "padding-without-pad-token"
    severity = Severity.ERROR
    summary = "Padding with a tokenizer whose checkpoint defines no pad token"
    what = (
        "Checks for code that makes a tokenizer pad: `tokenizer(..., padding=True | "
        '"longest" | "max_length")`, `tokenizer.pad(...)`, a padding data collator '
        "(`DataCollatorWithPadding`, `DataCollatorForSeq2Seq`, `DataCollatorForTokenClassification`, "
        "`DataCollatorForLanguageModeling`) or a `Trainer` whose default collator pads "
        "(`processing_class=tokenizer` without `data_collator`), when the checkpoint's "
        "tokenizer files define no pad token (GPT-2, Llama, Mistral, ...) and the file never "
        "gives it one (`tokenizer.pad_token = ...`, `add_special_tokens({'pad_token': ...})`, "
        "`pad_token=` at load time)."
    )
    why = (
        "Padding needs a pad token, and the tokenizer refuses before it tokenizes anything:\n\n"
        f"    {NO_PAD_ERROR}\n\n"
        "A collator raises it on the first batch, which for a `Trainer` is after the model "
        "and the datasets have been loaded."
    )
    example = """
from transformers import AutoTokenizer
tok = AutoTokenizer.from_pretrained("openai-community/gpt2")
batch = tok(["short", "a much longer prompt"], padding=True, return_tensors="pt")
"""
    use_instead = """
from transformers import AutoTokenizer
tok = AutoTokenizer.from_pretrained("openai-community/gpt2")
tok.pad_token = tok.eos_token
batch = tok(["short", "a much longer prompt"], padding=True, return_tensors="pt")
"""
    fix_safety = (
        "Unsafe: the fix adds `tokenizer.pad_token = tokenizer.eos_token` after the tokenizer "
        "is loaded. That is transformers' own suggestion, but when the same tokenizer builds "
        "causal-LM training labels, `DataCollatorForLanguageModeling` masks every pad id, and "
        "so every end-of-text token, out of the loss: the model may never learn to stop. Add a "
        "dedicated `[PAD]` token (and resize the embeddings) if that matters."
    )
    references = (
        "https://huggingface.co/docs/transformers/pad_truncation",
        "transformers/tokenization_utils_base.py "
        "(PreTrainedTokenizerBase._get_padding_truncation_strategies)",
        "transformers/trainer.py (Trainer.__init__: the default DataCollatorWithPadding)",
    )
    triggers = (
        Example(
            "from transformers import AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("openai-community/gpt2")\n'
            'batch = tok(["short", "a much longer prompt"], padding=True, return_tensors="pt")\n',
            fixed="from transformers import AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("openai-community/gpt2")\n'
            "tok.pad_token = tok.eos_token\n"
            'batch = tok(["short", "a much longer prompt"], padding=True, return_tensors="pt")\n',
        ),
        Example(
            "import transformers as tf\n"
            'CKPT = "meta-llama/Llama-3.2-1B"\n'
            "tokenizer = tf.AutoTokenizer.from_pretrained(CKPT)\n"
            "def encode(batch):\n"
            '    return tokenizer(batch["text"], truncation=True, padding="max_length", '
            "max_length=128)\n"
            "ds = ds.map(encode, batched=True)\n",
            note="padding inside the function that datasets maps",
        ),
        Example(
            "from transformers import AutoTokenizer, DataCollatorForLanguageModeling\n"
            'tokenizer = AutoTokenizer.from_pretrained("distilgpt2")\n'
            "collator = DataCollatorForLanguageModeling(tokenizer, mlm=False)\n",
            note="the collator pads every batch",
        ),
        Example(
            "from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer\n"
            'tok = AutoTokenizer.from_pretrained("mistralai/Mistral-7B-v0.1")\n'
            'model = AutoModelForCausalLM.from_pretrained("mistralai/Mistral-7B-v0.1")\n'
            "trainer = Trainer(model=model, args=args, train_dataset=ds, processing_class=tok)\n",
            note="no data_collator: Trainer pads with DataCollatorWithPadding",
        ),
        Example(
            "import argparse\n"
            "from transformers import AutoTokenizer\n"
            "parser = argparse.ArgumentParser()\n"
            'parser.add_argument("--model_name", default="gpt2")\n'
            "args = parser.parse_args()\n"
            "tok = AutoTokenizer.from_pretrained(args.model_name)\n"
            'enc = tok.pad({"input_ids": ids})\n',
            note="an argparse default: one step less sure",
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            "tok.pad_token = tok.eos_token\n"
            'batch = tok(["a", "b c"], padding=True)\n',
        ),
        Example(
            "from transformers import AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            "tok.add_special_tokens({'pad_token': '[PAD]'})\n"
            'batch = tok(["a", "b c"], padding="longest")\n',
        ),
        Example(
            "from transformers import AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2", pad_token="<|endoftext|>")\n'
            'batch = tok(["a", "b c"], padding=True)\n',
        ),
        Example(
            "from transformers import AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("bert-base-uncased")\n'
            'batch = tok(["a", "b c"], padding=True)\n',
            note="BERT's tokenizer has [PAD]",
        ),
        Example(
            "from transformers import AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            'ids = tok(["a", "b c"], truncation=True, padding=False)\n',
        ),
        Example(
            "import os\n"
            "from transformers import AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained(os.environ["CKPT"])\n'
            'batch = tok(["a", "b c"], padding=True)\n',
            note="unknown checkpoint",
        ),
        Example(
            "from transformers import AutoTokenizer\n"
            "def setup(tokenizer):\n"
            "    tokenizer.pad_token = tokenizer.unk_token\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            "setup(tok)\n"
            'batch = tok(["a", "b c"], padding=True)\n',
            note="set through another name",
        ),
        Example(
            "from transformers import AutoTokenizer, Trainer, default_data_collator\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            "trainer = Trainer(model=model, args=args, train_dataset=ds, processing_class=tok,\n"
            "                  data_collator=default_data_collator)\n",
            note="a collator that does not pad",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for tok in ctx.objects(Kind.TOKENIZER):
            if tok.kw("pad_token") is not None:
                continue
            ckpt = tokenizer_checkpoint(ctx, tok)
            if ckpt is None or ckpt.facts.tokenizer_has_pad_token is not False:
                continue
            sites = list(self._sites(ctx, tok))
            if not sites or self._pad_token_set(ctx, tok):
                continue
            fix = self._fix(ctx, tok)
            for site in sites:
                yield self._finding(ctx, tok, ckpt, site, fix)

    @staticmethod
    def _pad_token_set(ctx: RuleContext, tok: ObjectFact) -> bool:
        """Anything that may give a tokenizer a pad token, judged generously."""
        facts = ctx.facts
        if "pad_token" in facts.strings:  # add_special_tokens({"pad_token": ...}), setattr
            return True
        if facts.attr_writes.get("pad_token") or facts.attr_writes.get("pad_token_id"):
            return True
        for call in facts.calls:
            if call.method == "add_special_tokens" and not (
                call.args and isinstance(call.args[0].value, Const)
            ):
                return True  # a dict built elsewhere may hold a pad token
            if call.qualname and call.qualname.startswith("<module>."):
                values = [a.value for a in call.args] + [a.value for a in call.kwargs.values()]
                if any(isinstance(v, ObjRef) and v.obj is tok for v in values):
                    return True  # this module's own code may set it
        return False

    @staticmethod
    def _sites(ctx: RuleContext, tok: ObjectFact) -> Iterator[PaddingSite]:
        name = tok.call.target or "tokenizer"
        for call in ctx.facts.method_calls(tok):
            if not isinstance(call.receiver, ObjRef) or call.receiver.obj is not tok:
                continue
            if not receiver_is_stable(ctx, call, tok):
                continue
            if call.method in ("__call__", "encode") and pads(call) is True:
                padding = call.kw("padding")
                assert padding is not None
                shown = f"{name}(..., {ctx.code(padding.node).rstrip(', ')})"
                yield PaddingSite(padding.node, f"`{shown}`")
            elif call.method == "pad" and _pads_by_default(call.kw("padding")):
                func = call.node.func
                assert isinstance(func, cst.Attribute)
                yield PaddingSite(func.attr, f"`{name}.pad(...)`")
        for collator in ctx.objects(Kind.COLLATOR):
            if collator.class_name not in PADDING_COLLATORS or collator.user_class is not None:
                continue
            arg = collator.call.arg(0, "tokenizer")
            if arg is None or not isinstance(arg.value, ObjRef) or arg.value.obj is not tok:
                continue
            if not _pads_by_default(collator.kw("padding")):
                continue
            yield PaddingSite(arg.node, f"`{collator.class_name}`, which pads every batch,")
        for trainer in transformers_trainers(ctx.facts):
            arg = trainer.arg("processing_class")
            if arg is None or not isinstance(arg.value, ObjRef) or arg.value.obj is not tok:
                continue
            if trainer.passes("data_collator") is not False or trainer.overrides(
                *_BATCHING_OVERRIDES
            ):
                continue
            yield PaddingSite(
                arg.node,
                f"`{trainer.obj.class_name}` without `data_collator`, whose default "
                "`DataCollatorWithPadding` pads every batch,",
            )

    def _finding(
        self,
        ctx: RuleContext,
        tok: ObjectFact,
        ckpt: Checkpoint,
        site: PaddingSite,
        fix: Fix | None,
    ) -> Finding:
        name = tok.call.target or "tokenizer"
        message = (
            f"{site.what} asks the tokenizer to pad, but {describe_tokenizer(ckpt)} defines no "
            f"pad token and nothing in this file sets one. It raises {NO_PAD_ERROR} Set "
            f"`{name}.pad_token = {name}.eos_token` after loading it, or add a pad token."
        )
        severity = self.severity if ckpt.certain else self.severity.lowered()
        related = [ctx.loaded_here(tok, f"tokenizer `{name}` loaded here")]
        return ctx.report(self, site.node, message, fix=fix, related=related, severity=severity)

    @staticmethod
    def _fix(ctx: RuleContext, tok: ObjectFact) -> Fix | None:
        """`name.pad_token = name.eos_token` on the line after `name = X.from_pretrained(...)`."""
        name = tok.call.target
        if name is None:
            return None
        where = ctx.range(tok.node)
        first = ctx.source.line(where.start.line)
        stripped = first.lstrip()
        if not stripped.replace(" ", "").startswith((f"{name}=", f"{name}:")):
            return None
        last = ctx.source.line(where.end.line)
        rest = last[where.end.column :].strip()
        if rest and not rest.startswith("#"):
            return None
        indent = first[: len(first) - len(stripped)]
        text = f"{name}.pad_token = {name}.eos_token"
        end = Position(where.end.line, len(last))
        return ctx.fix(f"Set `{text}`", [Edit(Range(end, end), f"\n{indent}{text}")], safe=False)


class RightPaddingBatchedGeneration(Rule):
    code = "HF503"
    name = "right-padding-batched-generation"
    severity = Severity.WARNING
    summary = "Batched generate() with a decoder-only model on a right-padded batch"
    what = (
        'Checks `model.generate(**batch)` (or `input_ids=batch["input_ids"]`) where `model` '
        "is decoder-only, `batch` comes from `tokenizer(prompts, padding=...)`, and that "
        "tokenizer pads on the right: its checkpoint's tokenizer files say so (GPT-2 and every "
        "tokenizer without a `padding_side` of its own), or the code sets "
        '`padding_side="right"`. Encoder-decoder models are fine with right padding.'
    )
    why = (
        "A decoder-only model continues each row from its last position. With right padding "
        "the shorter prompts end in pad tokens, so their continuations are generated after "
        "the padding and are garbage. transformers only logs:\n\n"
        f"    {RIGHT_PADDING_WARNING}\n\n"
        "Right padding is correct for training and classification; it is wrong only here."
    )
    example = """
tok = AutoTokenizer.from_pretrained("openai-community/gpt2")
tok.pad_token = tok.eos_token
model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")
batch = tok(prompts, padding=True, return_tensors="pt")
out = model.generate(**batch, max_new_tokens=32)
"""
    use_instead = """
tok = AutoTokenizer.from_pretrained("openai-community/gpt2")
tok.pad_token = tok.eos_token
model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")
batch = tok(prompts, padding=True, return_tensors="pt", padding_side="left")
out = model.generate(**batch, max_new_tokens=32)
"""
    fix_safety = (
        'Safe: the fix passes `padding_side="left"` to the one tokenizer call that builds the '
        'generation batch (or turns its `padding_side="right"` into `"left"`). The '
        "tokenizer's own setting, which training code may rely on, is left alone."
    )
    references = (
        "https://huggingface.co/docs/transformers/llm_tutorial#wrong-padding-side",
        "transformers/generation/utils.py (GenerationMixin.generate, the right-padding check)",
    )
    triggers = (
        Example(
            "from transformers import AutoModelForCausalLM, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            "tok.pad_token = tok.eos_token\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            'batch = tok(["Hello", "The capital of France is"], padding=True, '
            'return_tensors="pt")\n'
            "out = model.generate(**batch, max_new_tokens=20)\n",
            fixed="from transformers import AutoModelForCausalLM, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            "tok.pad_token = tok.eos_token\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            'batch = tok(["Hello", "The capital of France is"], padding=True, '
            'return_tensors="pt", padding_side="left")\n'
            "out = model.generate(**batch, max_new_tokens=20)\n",
        ),
        Example(
            "import torch\n"
            "import transformers as tf\n"
            'CKPT = "distilgpt2"\n'
            'tokenizer = tf.AutoTokenizer.from_pretrained(CKPT, pad_token="<|endoftext|>")\n'
            "lm = tf.AutoModelForCausalLM.from_pretrained(CKPT).to('cuda')\n"
            "def complete(prompts):\n"
            '    enc = tokenizer(prompts, return_tensors="pt", padding=True).to("cuda")\n'
            "    with torch.no_grad():\n"
            '        return lm.generate(input_ids=enc["input_ids"], '
            'attention_mask=enc["attention_mask"])\n',
            note="prompts of unknown length, padded: several, as padding says",
        ),
        Example(
            "from transformers import AutoModelForCausalLM, AutoTokenizer\n"
            "tok = AutoTokenizer.from_pretrained(\n"
            '    "Qwen/Qwen2.5-0.5B-Instruct", padding_side="right"\n'
            ")\n"
            'model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")\n'
            'out = model.generate(**tok(questions, padding=True, return_tensors="pt"))\n',
            note="the code chose the right side; batch built inline",
        ),
        Example(
            "from transformers import AutoModelForCausalLM, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            "tok.pad_token = tok.eos_token\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            'batch = tok("Once upon a time", padding="max_length", max_length=32, '
            'return_tensors="pt")\n'
            "out = model.generate(**batch, max_new_tokens=20)\n",
            note="max_length padding pads even a single prompt",
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoModelForCausalLM, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2", padding_side="left")\n'
            "tok.pad_token = tok.eos_token\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            'batch = tok(["Hello", "The capital of France is"], padding=True, '
            'return_tensors="pt")\n'
            "out = model.generate(**batch, max_new_tokens=20)\n",
        ),
        Example(
            "from transformers import AutoModelForCausalLM, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            "tok.pad_token = tok.eos_token\n"
            'tok.padding_side = "left"\n'
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            'batch = tok(["Hello", "The capital of France is"], padding=True, '
            'return_tensors="pt")\n'
            "out = model.generate(**batch, max_new_tokens=20)\n",
        ),
        Example(
            "from transformers import AutoModelForSeq2SeqLM, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("t5-small")\n'
            'model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")\n'
            'batch = tok(["translate: a", "translate: b c d"], padding=True, '
            'return_tensors="pt")\n'
            "out = model.generate(**batch, max_new_tokens=20)\n",
            note="encoder-decoder: right padding is fine",
        ),
        Example(
            "from transformers import AutoModelForCausalLM, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            'batch = tok("Hello there", padding=True, return_tensors="pt")\n'
            "out = model.generate(**batch, max_new_tokens=20)\n",
            note="one prompt: longest padding adds nothing",
        ),
        Example(
            "from transformers import AutoModelForCausalLM, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("meta-llama/Llama-3.2-1B")\n'
            "tok.pad_token = tok.eos_token\n"
            'model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.2-1B")\n'
            'batch = tok(["a", "b c"], padding=True, return_tensors="pt")\n'
            "out = model.generate(**batch)\n",
            note="LlamaTokenizer pads on the left by default; the table does not say more",
        ),
        Example(
            "from transformers import AutoModelForCausalLM, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            "tok.pad_token = tok.eos_token\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            'batch = tok(["a", "b c"], padding=True, return_tensors="pt")\n'
            'loss = model(**batch, labels=batch["input_ids"]).loss\n',
            note="training: right padding is correct",
        ),
        Example(
            "from transformers import AutoModelForCausalLM, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            "tok.pad_token = tok.eos_token\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            'batch = tok(["a", "b c"], padding=True, return_tensors="pt")\n'
            "batch = left_pad(batch)\n"
            "out = model.generate(**batch)\n",
            note="the batch is rebuilt by other code",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for gen in generate_calls(ctx):
            arch = architecture(ctx, gen.model)
            if arch is None or not arch.decoder_only:
                continue
            batch = batch_of(ctx, gen)
            if batch is None or pads(batch.call) is not True:
                continue
            side = padding_side(ctx, batch.tokenizer, batch.call)
            if side is None or side.side != "right":
                continue
            several = self._several(ctx, batch)
            if several is None:
                continue
            assumed = [a for a in (arch.assumed, side.assumed, several) if a]
            # Asking to pad a batch whose size is not known is itself the evidence of several
            # prompts (one prompt needs no padding): that assumption is stated, not doubted.
            lower = bool(arch.assumed or side.assumed)
            yield self._finding(ctx, gen, batch, arch.because, side, assumed, lower)

    @staticmethod
    def _several(ctx: RuleContext, batch: TokenizerBatch) -> str | None:
        """ "" when the call certainly pads several rows (or pads to max_length), an assumption
        to state when its input is not a constant, None when it is one prompt."""
        if const_kw(batch.call, "padding") == "max_length":
            return ""
        text = batch.call.arg(0, "text")
        if text is None:
            return None
        value = text.value
        if isinstance(value, Const):
            if isinstance(value.value, (list, tuple)) and len(value.value) > 1:
                return ""
            return None
        return f"that `{ctx.code(text.expr)}` holds several prompts"

    def _finding(
        self,
        ctx: RuleContext,
        gen: GenerateCall,
        batch: TokenizerBatch,
        because: str,
        side: PaddingSide,
        assumed: list[str],
        lower: bool,
    ) -> Finding:
        func = gen.node.func
        model = ctx.code(func.value) if isinstance(func, cst.Attribute) else "model"
        message = (
            f"`{model}.generate()` continues a right-padded batch: `{model}` is decoder-only "
            f"({because}), and {side.because}. The shorter prompts end in pad tokens and their "
            f"continuations are generated after them; transformers only logs: "
            f'{RIGHT_PADDING_WARNING} Pass `padding_side="left"` to the tokenizer call that '
            "builds this batch."
        )
        if assumed:
            message += f" (Assuming {'; '.join(assumed)}.)"
        severity = self.severity.lowered() if lower else self.severity
        related = [Related("batch padded here", ctx.range(batch.call.node))]
        return ctx.report(
            self,
            batch.arg,
            message,
            fix=self._fix(ctx, batch, side),
            related=related,
            severity=severity,
        )

    @staticmethod
    def _fix(ctx: RuleContext, batch: TokenizerBatch, side: PaddingSide) -> Fix | None:
        call = batch.call
        own: Arg | None = call.kw("padding_side")
        if own is not None:
            edit = ctx.replace(own.expr, '"left"')
        elif call.has_star_kwargs:
            return None
        else:
            edit = ctx.add_kwarg(call.node, 'padding_side="left"')
        return ctx.fix('Pad this batch on the left (`padding_side="left"`)', [edit], safe=True)
