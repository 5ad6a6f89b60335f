"""HF602: tokens added to a tokenizer whose model's embedding table is never resized.

A token is new only when the tokenizer does not already know it: a pad token that is already
in the vocabulary (BERT's `[PAD]`) or another special token of the same tokenizer
(`tokenizer.eos_token`) adds nothing, and neither does `tokenizer.pad_token = ...`. Whether a
literal token is in the vocabulary is read from the checkpoint's tokenizer files when they are
on this machine; otherwise the finding says what it assumed, one severity step lower.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import libcst as cst

from hflint.analyzers.facts import CallFact, Kind, ObjectFact
from hflint.analyzers.findings import Edit, Finding, Fix, Position, Range, Severity
from hflint.analyzers.values import ObjRef
from hflint.rules.added_token_facts import (
    checkpoint_vocab_shape,
    requested_tokens,
    shape_why,
)
from hflint.rules.base import Example, Rule
from hflint.rules.classifier_facts import wraps
from hflint.rules.context import Checkpoint, RuleContext
from hflint.rules.tokenizer_facts import (
    MODEL_INPUT_METHODS,
    Pairing,
    TokenizerVocab,
    enclosing_line,
    never_learned,
    pairings,
    root_model,
    tokenizer_vocab,
)

INDEX_ERROR = "IndexError: index out of range in self"
ADD_METHODS = ("add_tokens", "add_special_tokens")


@dataclass(frozen=True)
class Added:
    """What one add call brings in."""

    new: tuple[str, ...]  # literal tokens not in the vocabulary (as far as known)
    unknown: bool  # some tokens are not literals: at least one is assumed new
    certain: bool  # the vocabulary was read, and every token is a literal
    # tokens no vocabulary of the checkpoint's tokenizer family can hold, when its files
    # were not read (`[PAD]` on GPT-2, `<e1>` on BERT); with `why` for the message
    surely_new: tuple[str, ...] = ()
    why: str = ""

    @property
    def count(self) -> int:
        return len(self.new) + (1 if self.unknown else 0)


class NewTokensWithoutResize(Rule):
    code = "HF602"
    name = "new-tokens-without-resize"
    severity = Severity.WARNING
    summary = "Tokens added to a tokenizer, but the model's embeddings are never resized"
    what = (
        "Checks for `tokenizer.add_tokens(...)` or `tokenizer.add_special_tokens({...})` that "
        "add tokens the tokenizer does not know yet, when the model that tokenizer feeds (the "
        "same `Trainer`, `pipeline()` or collator, or its calls; otherwise the file's only "
        "model) is never given `model.resize_token_embeddings(len(tokenizer))`. Tokens already "
        "in the vocabulary (BERT's `[PAD]`, `{'pad_token': tokenizer.eos_token}`) and "
        "`tokenizer.pad_token = tokenizer.eos_token` add nothing and are not reported."
    )
    why = (
        "A new token gets the id `len(tokenizer)` before the call, one past the last row of "
        "the model's embedding table (unless the checkpoint padded its table). The first batch "
        "holding it fails in the embedding lookup:\n\n"
        f"    {INDEX_ERROR}\n\n"
        "A new pad token is in every padded batch, so the first padded batch fails."
    )
    example = (
        "from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer\n"
        'tok = AutoTokenizer.from_pretrained("gpt2")\n'
        'tok.add_special_tokens({"pad_token": "[PAD]"})\n'
        'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
        "trainer = Trainer(model=model, processing_class=tok, train_dataset=ds)"
    )
    use_instead = (
        "from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer\n"
        'tok = AutoTokenizer.from_pretrained("gpt2")\n'
        'tok.add_special_tokens({"pad_token": "[PAD]"})\n'
        'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
        "model.resize_token_embeddings(len(tok))\n"
        "trainer = Trainer(model=model, processing_class=tok, train_dataset=ds)"
    )
    fix_safety = (
        "Inserts `model.resize_token_embeddings(len(tokenizer))` after both the addition and "
        "the model exist (same block). Safe when the tokenizer files and the model config "
        "prove the new ids fall past the embedding table: the code could only crash, and now "
        "runs. Unsafe otherwise: resizing changes the model's output size and the saved "
        "checkpoint, and shrinks a table the checkpoint had padded. Either way the new rows are "
        "drawn around the old embeddings' mean and covariance (`mean_resizing=True`) and need "
        "training."
    )
    references = (
        "https://huggingface.co/docs/transformers/main_classes/model"
        "#transformers.PreTrainedModel.resize_token_embeddings",
        "https://huggingface.co/docs/transformers/main_classes/tokenizer"
        "#transformers.PreTrainedTokenizerBase.add_tokens",
    )
    triggers = (
        Example(
            "from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            'tok.add_special_tokens({"pad_token": "[PAD]"})\n'
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "trainer = Trainer(model=model, processing_class=tok)\n",
            note="vocabulary not on this machine, but no GPT-2 vocabulary entry mixes "
            "brackets and letters: `[PAD]` is new; fix unsafe (the table size is not known)",
            fixed="from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            'tok.add_special_tokens({"pad_token": "[PAD]"})\n'
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "model.resize_token_embeddings(len(tok))\n"
            "trainer = Trainer(model=model, processing_class=tok)\n",
        ),
        Example(
            "import transformers as tf\n"
            "def build(ckpt):\n"
            "    model = tf.AutoModelForTokenClassification.from_pretrained(ckpt, num_labels=5)\n"
            "    tokenizer = tf.AutoTokenizer.from_pretrained(ckpt)\n"
            '    tokenizer.add_tokens(["<e1>", "</e1>", "<e2>", "</e2>"])\n'
            "    collator = tf.DataCollatorForTokenClassification(tokenizer)\n"
            "    return tf.Trainer(model=model, processing_class=tokenizer, data_collator=collator)\n",
            note="inside a function, unknown checkpoint",
            fixed="import transformers as tf\n"
            "def build(ckpt):\n"
            "    model = tf.AutoModelForTokenClassification.from_pretrained(ckpt, num_labels=5)\n"
            "    tokenizer = tf.AutoTokenizer.from_pretrained(ckpt)\n"
            '    tokenizer.add_tokens(["<e1>", "</e1>", "<e2>", "</e2>"])\n'
            "    model.resize_token_embeddings(len(tokenizer))\n"
            "    collator = tf.DataCollatorForTokenClassification(tokenizer)\n"
            "    return tf.Trainer(model=model, processing_class=tokenizer, data_collator=collator)\n",
        ),
        Example(
            "from transformers import AddedToken, AutoModelForSeq2SeqLM, AutoTokenizer\n"
            'MODEL = "t5-small"\n'
            "tokenizer = AutoTokenizer.from_pretrained(MODEL)\n"
            "model = AutoModelForSeq2SeqLM.from_pretrained(MODEL)\n"
            'tokenizer.add_special_tokens({"additional_special_tokens": [AddedToken("<sql>")]})\n'
            'batch = tokenizer(["<sql> select 1"], return_tensors="pt")\n'
            "out = model.generate(**batch)\n",
            note="AddedToken, the model fed directly",
        ),
        Example(
            "from transformers import OpenAIGPTDoubleHeadsModel, OpenAIGPTTokenizer\n"
            'tokenizer = OpenAIGPTTokenizer.from_pretrained("openai-gpt")\n'
            'model = OpenAIGPTDoubleHeadsModel.from_pretrained("openai-gpt")\n'
            'tokenizer.add_special_tokens({"cls_token": "[CLS]"})\n'
            "outputs = model(input_ids, mc_token_ids=mc_token_ids)\n",
            note="the file's one model; `[CLS]` is no entry of a punctuation-splitting vocabulary",
        ),
        Example(
            "from transformers import AutoModelForCausalLM, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("meta-llama/Llama-2-7b-hf")\n'
            "new_words = load_domain_terms()\n"
            "tok.add_tokens(new_words)\n"
            'model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf")\n'
            'model(**tok("text", return_tensors="pt"))\n',
            note="tokens computed at run time",
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            "tok.pad_token = tok.eos_token\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "trainer = Trainer(model=model, processing_class=tok)\n",
            note="reuses an existing token",
        ),
        Example(
            "from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            'tok.add_special_tokens({"pad_token": tok.eos_token})\n'
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "trainer = Trainer(model=model, processing_class=tok)\n",
            note="the value is a token the tokenizer already has",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification, AutoTokenizer, Trainer\n"
            'tok = AutoTokenizer.from_pretrained("bert-base-uncased")\n'
            "tok.add_special_tokens({'pad_token': '[PAD]'})\n"
            'model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")\n'
            "trainer = Trainer(model=model, processing_class=tok)\n",
            note="BERT's pad token is already [PAD]",
        ),
        Example(
            "from transformers import AutoModelForCausalLM, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            'num_added = tok.add_tokens(["<think>", "</think>"])\n'
            "if num_added:\n"
            "    model.resize_token_embeddings(len(tok), pad_to_multiple_of=64)\n"
            'model.generate(**tok("<think>", return_tensors="pt"))\n',
        ),
        Example(
            "from transformers import AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            'tok.add_tokens(["<user>", "<bot>"])\n'
            'tok.save_pretrained("tokenizer-with-chat-tokens")\n',
            note="no model in this file",
        ),
        Example(
            "from transformers import AutoModelForMaskedLM, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("roberta-base")\n'
            'tok.add_special_tokens({"pad_token": "<pad>", "mask_token": "<mask>"})\n'
            'model = AutoModelForMaskedLM.from_pretrained("roberta-base")\n'
            'model(**tok("a <mask>", return_tensors="pt"))\n',
            note="RoBERTa's vocabulary already holds its special tokens",
        ),
        Example(
            "from trl import setup_chat_format\n"
            "from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            'tok.add_special_tokens({"pad_token": "<pad>"})\n'
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "model, tok = setup_chat_format(model, tok)\n"
            "trainer = Trainer(model=model, processing_class=tok)\n",
            note="handed to a helper that may resize",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        calls = ctx.facts.calls
        if "resize_token_embeddings" in ctx.facts.strings or any(
            c.method == "resize_token_embeddings" for c in calls
        ):
            return
        pairs: list[Pairing] | None = None
        for tok in ctx.objects(Kind.TOKENIZER):
            adds = [c for c in ctx.facts.method_calls(tok) if c.method in ADD_METHODS]
            if not adds:
                continue
            if pairs is None:
                pairs = pairings(ctx)
            model = self._model(ctx, tok, pairs)
            if model is None or self._handed_together(ctx, tok, model):
                continue
            tok_ckpt = ctx.checkpoint(tok)
            vocab = tokenizer_vocab(tok_ckpt.facts) if tok_ckpt is not None else None
            model_ckpt = ctx.checkpoint(model)
            added_before = 0
            for call in adds:
                added = self._added(ctx, call, tok, tok_ckpt, vocab)
                if added is None or not added.count:
                    continue
                first_id = vocab.length + added_before if vocab is not None else None
                added_before += added.count
                rows = model_ckpt.facts.vocab_size if model_ckpt is not None else None
                if first_id is not None and rows is not None and first_id + added.count <= rows:
                    continue  # the checkpoint's padded table has room for them
                crash_certain = added.certain and first_id is not None and rows is not None
                yield self._finding(ctx, call, tok, model, added, tok_ckpt, first_id, crash_certain)

    @staticmethod
    def _model(ctx: RuleContext, tok: ObjectFact, pairs: Sequence[Pairing]) -> ObjectFact | None:
        """The model `tok` feeds; else the file's one model, if the file uses it."""
        for pair in pairs:
            if pair.tokenizer_obj is tok:
                return pair.model
        roots = {id(root_model(m)): m for m in ctx.objects(Kind.MODEL)}
        if len(roots) != 1:
            return None
        model = next(iter(roots.values()))
        used = any(wraps(p.model, model) for p in pairs) or any(
            c.method in MODEL_INPUT_METHODS
            and isinstance(c.receiver, ObjRef)
            and wraps(c.receiver.obj, model)
            for c in ctx.facts.calls
        )
        return model if used else None

    @staticmethod
    def _handed_together(ctx: RuleContext, tok: ObjectFact, model: ObjectFact) -> bool:
        """Both go to code outside transformers (`setup_chat_format(model, tok)`, a helper of
        this project), which may resize the embeddings itself."""
        for call in ctx.facts.calls:
            qual = call.qualname
            if qual is None or qual.startswith(("transformers.", "torch.")):
                continue
            values = [a.value for a in call.args] + [a.value for a in call.kwargs.values()]
            objs = [v.obj for v in values if isinstance(v, ObjRef)]
            if any(o is tok for o in objs) and any(wraps(o, model) for o in objs):
                return True
        return False

    @staticmethod
    def _added(
        ctx: RuleContext,
        call: CallFact,
        tok: ObjectFact,
        ckpt: Checkpoint | None,
        vocab: TokenizerVocab | None,
    ) -> Added | None:
        requested = requested_tokens(ctx, call, tok)
        if requested is None:
            return None
        tokens, unknown = requested
        known: set[str] = set(vocab.tokens) if vocab is not None else set()
        if ckpt is not None and ckpt.facts.tokenizer_pad_token:
            known.add(ckpt.facts.tokenizer_pad_token)
        if ckpt is not None and ckpt.facts.tokenizer_tokens:
            known.update(ckpt.facts.tokenizer_tokens)
        new = tuple(dict.fromkeys(t for t in tokens if t not in known))
        surely: tuple[str, ...] = ()
        why = ""
        if vocab is None and new:
            shape, name = checkpoint_vocab_shape(ctx, tok, ckpt)
            if shape is not None:
                new = tuple(t for t in new if t not in shape.specials)
                surely = tuple(t for t in new if never_learned(shape, t))
                why = shape_why(shape, name)
        return Added(new, unknown, vocab is not None and not unknown, surely, why)

    def _finding(
        self,
        ctx: RuleContext,
        call: CallFact,
        tok: ObjectFact,
        model: ObjectFact,
        added: Added,
        ckpt: Checkpoint | None,
        first_id: int | None,
        crash_certain: bool,
    ) -> Finding:
        tok_name = (
            ctx.code(call.node.func.value)
            if isinstance(call.node.func, cst.Attribute)
            else "tokenizer"
        )
        model_name = root_model(model).call.target or "model"
        if model.kind is Kind.PIPELINE:
            model_name = f"{model.call.target or 'pipe'}.model"
        listed = ", ".join(f"`{t}`" for t in added.new[:5])
        if len(added.new) > 5:
            listed += f" and {len(added.new) - 5} more"
        what = f"adds {listed}" if listed else "adds tokens"
        if added.unknown and listed:
            what += " and more tokens"
        where = f" (ids from {first_id})" if first_id is not None else ""
        assumed = ""
        if added.surely_new and not added.certain:
            listed_new = ", ".join(f"`{t}`" for t in added.surely_new[:5])
            assumed = (
                f" ({listed_new} cannot be in `{ckpt.name if ckpt else 'its'}`'s vocabulary: "
                f"{added.why})"
            )
        elif added.unknown:
            assumed = " (assuming the tokens computed at run time are new)"
        elif not added.certain and ckpt is None:
            assumed = " (assuming they are new: the checkpoint's vocabulary is unknown here)"
        elif not added.certain and ckpt is not None:
            assumed = (
                f" (assuming they are not in `{ckpt.name}`'s vocabulary yet: its tokenizer "
                "files are not on this machine)"
            )
        message = (
            f"`{tok_name}.{call.method}(...)` {what}{where}{assumed}, but nothing in this file "
            f"calls `{model_name}.resize_token_embeddings(len({tok_name}))`: the model's "
            "embedding table keeps its size, and the first batch holding a new id fails with "
            f"`{INDEX_ERROR}` (a new pad token is in every padded batch). Resize the embeddings "
            "after adding the tokens."
        )
        sure = added.certain or bool(added.surely_new)
        severity = self.severity if sure else self.severity.lowered()
        fix = self._fix(ctx, call, tok_name, model, crash_certain)
        return ctx.report(
            self,
            call.node,
            message,
            fix=fix,
            severity=severity,
            related=[ctx.loaded_here(root_model(model), "the model is loaded here")],
        )

    @staticmethod
    def _fix(
        ctx: RuleContext, call: CallFact, tok_name: str, model: ObjectFact, safe: bool
    ) -> Fix | None:
        if model is not root_model(model) or model.kind is not Kind.MODEL:
            return None  # a PEFT wrapper: resize the base before wrapping it, by hand
        model_name = model.call.target
        func = call.node.func
        if (
            model_name is None
            or model.call.function is not call.function
            or not isinstance(func, cst.Attribute)
            or not isinstance(func.value, cst.Name)
        ):
            return None
        add_line = enclosing_line(ctx, call.function, call.node)
        load_line = enclosing_line(ctx, call.function, model.node)
        if add_line is None or load_line is None or add_line[1] is not load_line[1]:
            return None
        later = max(add_line[0], load_line[0], key=lambda s: ctx.range(s).start)
        span = ctx.range(later)
        end = Position(span.end.line, len(ctx.source.line(span.end.line)))
        text = f"{model_name}.resize_token_embeddings(len({tok_name}))"
        edit = Edit(Range(end, end), f"\n{' ' * span.start.column}{text}")
        how = "" if safe else " (check: it changes the model's vocabulary size)"
        return ctx.fix(f"Add {text}{how}", [edit], safe=safe)
