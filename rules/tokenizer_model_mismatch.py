"""HF601: a tokenizer and a model from checkpoints whose vocabularies differ.

Only what the checkpoints' facts prove is reported: both must be known and their vocabulary
sizes must differ by more than padding (`vocab_size` is often rounded up to a multiple of 64
or 128, and a few special tokens may be missing from the embedding). Equal sizes stay silent
even across model types: distilbert and bert-base-uncased, gpt-neo and gpt2, bart and roberta
share their vocabularies.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from hflint.analyzers.facts import Kind, ObjectFact
from hflint.analyzers.findings import Finding, Fix, Related, Severity
from hflint.analyzers.values import obj_of
from hflint.rules.base import Example, Rule
from hflint.rules.context import Checkpoint, RuleContext
from hflint.rules.tokenizer_facts import (
    Pairing,
    iter_statements,
    pairings,
    root_model,
    tokenizer_vocab,
)

INDEX_ERROR = "IndexError: index out of range in self"


def padding_tolerance(a: int, b: int) -> int:
    """Size differences that padding or a few missing special tokens explain (Qwen2.5's
    151936 vs 152064 rows, bart-large-cnn's 50264 rows for a 50265-token tokenizer)."""
    return max(128, max(a, b) // 100)


@dataclass(frozen=True)
class Mismatch:
    tokenizer_size: int  # tokens the tokenizer knows (config vocab_size, or its files)
    model_rows: int  # the model's embedding rows (config vocab_size)
    exact: bool  # tokenizer_size counted from its files

    @property
    def overflows(self) -> bool:
        return self.tokenizer_size > self.model_rows


def _same_repo(a: str | None, b: str | None) -> bool:
    def norm(name: str) -> str:
        return os.path.normpath(name.strip()).casefold()

    return a is not None and b is not None and norm(a) == norm(b)


def related(tok: Checkpoint, model: Checkpoint) -> bool:
    """One checkpoint, or an adapter and its base model (either way round)."""
    return (
        _same_repo(tok.name, model.name)
        or _same_repo(tok.name, model.facts.base_model)
        or _same_repo(tok.facts.base_model, model.name)
        or _same_repo(tok.facts.base_model, model.facts.base_model)
    )


def compare(tok: Checkpoint, model: Checkpoint, fresh_model: bool) -> Mismatch | None:
    """The mismatch the facts prove, or None (unknown sizes, or a difference padding explains).

    `fresh_model`: the model is built from a config (random weights), so only ids past its
    embedding matter; a smaller vocabulary is then just unused rows.
    """
    rows = model.facts.vocab_size
    if rows is None:
        return None
    size, exact = tok.facts.vocab_size, False
    if size is None:
        vocab = tokenizer_vocab(tok.facts)
        if vocab is None:
            return None
        size, exact = vocab.length, True
    if abs(size - rows) <= padding_tolerance(size, rows):
        return None
    if not exact:  # the files can only sharpen the count: added tokens beyond vocab_size
        vocab = tokenizer_vocab(tok.facts)
        if vocab is not None and vocab.length > size:
            size, exact = vocab.length, True
    if fresh_model and size <= rows:
        return None
    return Mismatch(size, rows, exact)


def _resized(ctx: RuleContext, model: ObjectFact) -> bool:
    """The code changes the model's vocabulary size itself."""
    if ctx.facts.calls_to("resize_token_embeddings"):
        return True
    if "vocab_size" in ctx.facts.attr_writes:
        return True
    base = root_model(model)
    calls = [base.call]
    from_config = base.method in ("from_config", "_from_config") and base.call.args
    config = base.kw("config") or (base.call.args[0] if from_config else None)
    config_obj = obj_of(config.value) if config is not None else None
    if config_obj is not None:
        calls.append(config_obj.call)
    return any(c.kw("vocab_size") is not None for c in calls)


def bound_before(ctx: RuleContext, expr: cst.BaseExpression, node: cst.CSTNode) -> bool:
    """`expr` (a name, or `name.attr`) names something already bound where `node` is."""
    root: cst.BaseExpression = expr
    while isinstance(root, cst.Attribute):
        root = root.value
    if not isinstance(root, cst.Name):
        return False
    name, start = root.value, ctx.range(node).start
    if name in ctx.facts.imports:
        return True
    for stmt in iter_statements(ctx.module.body):
        if not isinstance(stmt, cst.SimpleStatementLine) or ctx.range(stmt).end > start:
            continue
        for small in stmt.body:
            targets: list[cst.BaseExpression] = []
            if isinstance(small, cst.Assign):
                targets = [t.target for t in small.targets]
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                targets = [small.target]
            if any(isinstance(t, cst.Name) and t.value == name for t in targets):
                return True
    return False


def checkpoint_arg(obj: ObjectFact) -> cst.BaseExpression | None:
    """The checkpoint expression of a load or a `pipeline(model=...)`."""
    obj = root_model(obj)
    if obj.kind is Kind.PIPELINE:
        arg = obj.call.arg(1, "model")
    elif obj.method == "from_pretrained":
        arg = obj.call.arg(0, "pretrained_model_name_or_path")
    else:
        return None
    expected = f"{obj.qualname}.{obj.method}" if obj.method else obj.qualname
    if obj.call.qualname != expected:
        return None  # made inside a helper: its argument is not this call's
    return arg.expr if arg is not None else None


def _assumed(tok: Checkpoint, model: Checkpoint) -> str:
    defaults = [c.assumed for c in (tok, model) if c.assumed]
    return (
        f"Reported one step lower: it rests on {' and '.join(defaults)}; the command line may "
        "pass checkpoints that match, but these defaults do not."
    )


class TokenizerModelCheckpointMismatch(Rule):
    code = "HF601"
    name = "tokenizer-model-checkpoint-mismatch"
    severity = Severity.WARNING
    summary = "A tokenizer and a model from checkpoints with different vocabularies"
    what = (
        "Checks for a tokenizer and a model that the code pairs (both passed to `Trainer`, "
        "`pipeline()` or a data collator, or the tokenizer's output fed to the model or to "
        "`generate()`) but loads from different checkpoints whose vocabularies differ: the "
        "checkpoints' `vocab_size` (or the tokenizer's own files) differ by more than padding "
        "explains. Unknown checkpoints, one checkpoint under two names, a base model with its "
        "PEFT adapter, a folder this file saved, and checkpoints sharing a vocabulary "
        "(distilbert and bert-base-uncased) are not reported."
    )
    why = (
        "Token ids mean nothing outside the vocabulary they come from. When the tokenizer "
        "knows more tokens than the model has embedding rows, the first id past the table "
        "crashes the forward pass:\n\n"
        f"    {INDEX_ERROR}\n\n"
        "and every smaller id names a different token in the model's vocabulary, so even a "
        "run that does not crash feeds the model garbage, silently.\n\n"
        "When the tokenizer's ids run past the model's embedding table the finding is an "
        "error (the forward pass crashes); when they fit, a warning. A checkpoint that is only "
        "an argparse or dataclass default lowers it one step: the command line may pass "
        "matching checkpoints, but the defaults themselves do not match."
    )
    example = (
        "from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
        'tok = AutoTokenizer.from_pretrained("openai-community/gpt2")\n'
        "model = AutoModelForSequenceClassification.from_pretrained(\n"
        '    "google-bert/bert-base-uncased", num_labels=2)\n'
        'logits = model(**tok("hello", return_tensors="pt")).logits'
    )
    use_instead = (
        "from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
        'ckpt = "google-bert/bert-base-uncased"\n'
        "tok = AutoTokenizer.from_pretrained(ckpt)\n"
        "model = AutoModelForSequenceClassification.from_pretrained(ckpt, num_labels=2)\n"
        'logits = model(**tok("hello", return_tensors="pt")).logits'
    )
    fix_safety = (
        "Unsafe: the fix loads the tokenizer from the model's checkpoint. That is what the "
        "model was trained with, but tokenization changes (lengths, special tokens, anything "
        "saved with the old ids)."
    )
    references = (
        "https://huggingface.co/docs/transformers/fast_tokenizers",
        "https://docs.pytorch.org/docs/stable/generated/torch.nn.functional.embedding.html",
    )
    triggers = (
        Example(
            "from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("openai-community/gpt2")\n'
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "google-bert/bert-base-uncased", num_labels=2)\n'
            'logits = model(**tok("hello", return_tensors="pt")).logits\n',
            note="50257 tokens for 30522 embedding rows",
            fixed="from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("google-bert/bert-base-uncased")\n'
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "google-bert/bert-base-uncased", num_labels=2)\n'
            'logits = model(**tok("hello", return_tensors="pt")).logits\n',
        ),
        Example(
            "import transformers as tf\n"
            'MODEL = "bert-base-uncased"\n'
            'tokenizer = tf.AutoTokenizer.from_pretrained("bert-base-cased")\n'
            "model = tf.AutoModelForTokenClassification.from_pretrained(MODEL, num_labels=9)\n"
            "args = tf.TrainingArguments(output_dir='out')\n"
            "trainer = tf.Trainer(model=model, args=args, processing_class=tokenizer)\n",
            note="cased and uncased BERT vocabularies: no crash, wrong tokens",
            fixed="import transformers as tf\n"
            'MODEL = "bert-base-uncased"\n'
            "tokenizer = tf.AutoTokenizer.from_pretrained(MODEL)\n"
            "model = tf.AutoModelForTokenClassification.from_pretrained(MODEL, num_labels=9)\n"
            "args = tf.TrainingArguments(output_dir='out')\n"
            "trainer = tf.Trainer(model=model, args=args, processing_class=tokenizer)\n",
        ),
        Example(
            "from transformers import pipeline\n"
            'gen = pipeline("text-generation", model="gpt2", tokenizer="meta-llama/Llama-2-7b-hf")\n',
            fixed="from transformers import pipeline\n"
            'gen = pipeline("text-generation", model="gpt2", tokenizer="gpt2")\n',
        ),
        Example(
            "from transformers import AutoModelForSeq2SeqLM, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("t5-small")\n'
            'model = AutoModelForSeq2SeqLM.from_pretrained("facebook/bart-base")\n'
            "def summarize(text):\n"
            '    inputs = tok(text, return_tensors="pt").to(model.device)\n'
            "    out = model.generate(**inputs, max_new_tokens=60)\n"
            "    return tok.decode(out[0], skip_special_tokens=True)\n",
            note="through a variable inside a function",
        ),
        Example(
            "import argparse\n"
            "from transformers import AutoModelForCausalLM, AutoTokenizer\n"
            "parser = argparse.ArgumentParser()\n"
            'parser.add_argument("--model", default="Qwen/Qwen2.5-0.5B")\n'
            "args = parser.parse_args()\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            "model = AutoModelForCausalLM.from_pretrained(args.model)\n"
            'model.generate(**tok("Hi", return_tensors="pt"))\n',
            note="an argparse default: reported one step lower",
        ),
        Example(
            "from transformers import AutoModel, AutoModelForMaskedLM, AutoTokenizer\n"
            'tokenizer = AutoTokenizer.from_pretrained("roberta-base")\n'
            'encoder = AutoModel.from_pretrained("roberta-base")\n'
            'generator = AutoModelForMaskedLM.from_pretrained("distilbert-base-uncased")\n'
            'batch = tokenizer(sentences, padding=True, return_tensors="pt")\n'
            'g_pred = generator(batch["input_ids"], batch["attention_mask"])[0]\n'
            "pooled = encoder(**batch).last_hidden_state[:, 0]\n",
            note="the tokenizer matches the encoder: the generator is the odd one out and is "
            "reported (an error: RoBERTa ids run past DistilBERT's table)",
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoModelForCausalLM, AutoTokenizer\n"
            'ckpt = "gpt2"\n'
            "tok = AutoTokenizer.from_pretrained(ckpt)\n"
            'model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n'
            'model.generate(**tok("Hello", return_tensors="pt"))\n',
            note="one checkpoint under two names",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification, AutoTokenizer, Trainer\n"
            'tok = AutoTokenizer.from_pretrained("bert-base-uncased")\n'
            "student = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "distilbert-base-uncased", num_labels=2)\n'
            "trainer = Trainer(model=student, processing_class=tok)\n",
            note="distilbert shares bert-base-uncased's vocabulary (30522 tokens)",
        ),
        Example(
            "from transformers import AutoModelForSeq2SeqLM, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("facebook/bart-base")\n'
            'model = AutoModelForSeq2SeqLM.from_pretrained("facebook/bart-large-cnn")\n'
            'summary = model.generate(**tok(["long text"], return_tensors="pt"))\n',
            note="50265 vs 50264: one special token, not another vocabulary",
        ),
        Example(
            "from transformers import AutoModel, AutoTokenizer\n"
            'counter = AutoTokenizer.from_pretrained("gpt2")\n'
            'encoder = AutoModel.from_pretrained("bert-base-uncased")\n'
            'n_tokens = len(counter("some text")["input_ids"])\n',
            note="never paired: the tokenizer only counts tokens",
        ),
        Example(
            "import os\n"
            "from transformers import AutoModelForCausalLM, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            'model = AutoModelForCausalLM.from_pretrained(os.environ["MODEL"])\n'
            'model(**tok("hi", return_tensors="pt"))\n',
            note="unknown checkpoint",
        ),
        Example(
            "from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer\n"
            'tok = AutoTokenizer.from_pretrained("meta-llama/Meta-Llama-3-8B")\n'
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "model.resize_token_embeddings(len(tok))\n"
            "trainer = Trainer(model=model, processing_class=tok)\n",
            note="the model is resized to the new tokenizer on purpose",
        ),
        Example(
            "from transformers import AutoModelForCausalLM, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            'base = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            'base.save_pretrained("out/finetuned")\n'
            'model = AutoModelForCausalLM.from_pretrained("out/finetuned")\n'
            'model.generate(**tok("Hi", return_tensors="pt"))\n',
            note="a folder saved from the same checkpoint in this file",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        seen: set[tuple[object, int]] = set()
        for pair in pairings(ctx):
            tok_obj = pair.tokenizer_obj
            model = pair.model
            key = (id(tok_obj) if tok_obj else repr(pair.tokenizer), id(root_model(model)))
            if key in seen:
                continue
            seen.add(key)
            tok_ckpt = (
                ctx.checkpoint(tok_obj) if tok_obj else ctx.checkpoint_of_value(pair.tokenizer)
            )
            model_ckpt = ctx.checkpoint(model) if tok_ckpt is not None else None
            if tok_ckpt is None or model_ckpt is None or related(tok_ckpt, model_ckpt):
                continue
            if _resized(ctx, model):
                continue
            fresh = root_model(model).method in ("from_config", "_from_config")
            mismatch = compare(tok_ckpt, model_ckpt, fresh)
            if mismatch is not None:
                matched = self._matched_model(ctx, pair, tok_ckpt)
                yield self._finding(ctx, pair, tok_ckpt, model_ckpt, mismatch, matched)

    @staticmethod
    def _matched_model(ctx: RuleContext, pair: Pairing, tok: Checkpoint) -> ObjectFact | None:
        """Another model the same tokenizer feeds that comes from the tokenizer's own
        checkpoint: then the tokenizer is right, and this model is the odd one out."""
        if pair.tokenizer_obj is None:
            return None
        for other in pairings(ctx):
            if other.tokenizer_obj is not pair.tokenizer_obj:
                continue
            if root_model(other.model) is root_model(pair.model):
                continue
            ckpt = ctx.checkpoint(other.model)
            if ckpt is not None and related(tok, ckpt):
                return root_model(other.model)
        return None

    def _finding(
        self,
        ctx: RuleContext,
        pair: Pairing,
        tok: Checkpoint,
        model: Checkpoint,
        mismatch: Mismatch,
        matched: ObjectFact | None = None,
    ) -> Finding:
        tok_obj = pair.tokenizer_obj
        tok_expr = checkpoint_arg(tok_obj) if tok_obj is not None else None
        if tok_obj is None:
            tok_expr = (
                pair.tokenizer_node if isinstance(pair.tokenizer_node, cst.BaseExpression) else None
            )
        node: cst.CSTNode = tok_expr or (tok_obj.node if tok_obj is not None else pair.where)
        counted = "its tokenizer files" if mismatch.exact else "its config's vocab_size"
        if mismatch.overflows:
            effect = (
                f"ids {mismatch.model_rows} and up fall past the model's embedding table: "
                f"`{INDEX_ERROR}`; the ids below name different tokens in the model's "
                "vocabulary"
            )
        else:
            effect = (
                "no error is raised, but the ids name different tokens in the model's "
                "vocabulary: the model silently reads garbage"
            )
        message = (
            f"The tokenizer comes from {tok.describe()}, {mismatch.tokenizer_size} tokens per "
            f"{counted}, but the model from {model.describe()}, with "
            f"{mismatch.model_rows} embedding rows; {pair.how}. The vocabularies differ: "
            f"{effect}. Load the tokenizer from `{model.name}` (one checkpoint variable for "
            "both)."
        )
        related_places = [ctx.loaded_here(root_model(pair.model), "the model is loaded here")]
        model_expr = checkpoint_arg(pair.model)
        if matched is not None and model_expr is not None:
            # The tokenizer is right for the other model it feeds: point at this model.
            name = root_model(pair.model).call.target or "this model"
            other = matched.call.target or "another model"
            message = (
                f"`{name}` is loaded from {model.describe()}, with {mismatch.model_rows} "
                f"embedding rows, but is fed ids of the tokenizer of {tok.describe()}, "
                f"{mismatch.tokenizer_size} tokens per {counted}, which also feeds `{other}` "
                f"(its own checkpoint); {pair.how}. The vocabularies differ: {effect}. Load "
                f"`{name}` from a checkpoint that shares `{tok.name}`'s vocabulary, or give it "
                "a tokenizer of its own."
            )
            related_places = [
                ctx.loaded_here(tok_obj, "the tokenizer is loaded here")
                if tok_obj is not None
                else ctx.loaded_here(root_model(pair.model))
            ]
            node, tok_expr = model_expr, None
        if pair.where is not pair.model.node:
            related_places.append(Related("they meet here", ctx.range(pair.where)))
        # ids past the embedding table crash the forward pass: an error; ids that fit are read
        # as other tokens, silently: the rule's warning. Either one step lower when a
        # checkpoint is only a default the command line may change.
        severity = Severity.ERROR if mismatch.overflows else self.severity
        if not (tok.certain and model.certain):
            severity = severity.lowered()
            message += f" ({_assumed(tok, model)})"
        fix = self._fix(ctx, tok_expr, pair.model, model)
        return ctx.report(self, node, message, fix=fix, related=related_places, severity=severity)

    @staticmethod
    def _fix(
        ctx: RuleContext,
        tok_expr: cst.BaseExpression | None,
        model_obj: ObjectFact,
        model: Checkpoint,
    ) -> Fix | None:
        if tok_expr is None or model.via_save:
            return None
        model_expr = checkpoint_arg(model_obj)
        text: str | None = None
        if isinstance(model_expr, cst.SimpleString) or (
            isinstance(model_expr, (cst.Name, cst.Attribute))
            and bound_before(ctx, model_expr, tok_expr)
        ):
            text = ctx.code(model_expr)
        elif model.certain:
            text = json.dumps(model.name)
        if text is None:
            return None
        edit = ctx.replace(tok_expr, text)
        return ctx.fix(f"Load the tokenizer from {text}", [edit], safe=False)
