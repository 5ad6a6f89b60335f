"""Family C, seq2seq labels: target ids padded by the tokenizer and trained on.

The loss ignores only label positions set to -100. Labels padded by the tokenizer hold the pad
token's id, which the model then learns to write; nothing fails.
"""

from __future__ import annotations

from collections.abc import Iterator

from hflint.analyzers.facts import ObjectFact
from hflint.analyzers.findings import Finding, Related, Severity
from hflint.analyzers.label_sources import mentions_ignore_index
from hflint.rules.base import Example, Rule
from hflint.rules.context import RuleContext
from hflint.rules.label_data import (
    FIXED,
    LONGEST,
    batched,
    label_writes,
    mapper_calls,
    padding,
    tokenizer_source,
)
from hflint.rules.trainer_facts import describe_assumption, seq2seq_model, transformers_trainers


class Seq2SeqLabelsPadNotMasked(Rule):
    code = "HF309"
    name = "seq2seq-labels-pad-not-masked"
    severity = Severity.WARNING
    summary = "Seq2seq labels padded with the pad token's id instead of -100"
    what = (
        "Checks, in a function run by `.map()`, for `labels` that are the `input_ids` of a "
        'tokenizer call that pads (`padding="max_length"`; `padding=True` in a batched '
        "`.map`), when a trainer of the file trains an encoder-decoder model and neither the "
        "function nor the rest of the file replaces padding with -100."
    )
    why = (
        "The loss ignores only label positions set to -100. Pad positions left at the pad "
        "token's id are training targets: the model learns to write padding, the loss is "
        "dominated by it, and nothing fails (observed with transformers 5.23.0 on BART: 21 of "
        "32 label positions of an example were pad ids counted in the loss). "
        "`DataCollatorForSeq2Seq` pads with -100 only what it pads itself."
    )
    example = """
def convert(batch):
    targets = tokenizer(text_target=batch["summary"], padding="max_length", max_length=32)
    return {"input_ids": ..., "labels": targets["input_ids"]}
"""
    use_instead = """
def convert(batch):
    targets = tokenizer(text_target=batch["summary"], max_length=32, truncation=True)
    return {"input_ids": ..., "labels": targets["input_ids"]}

collator = DataCollatorForSeq2Seq(tokenizer, model=model)  # pads labels with -100
"""
    fix_safety = (
        "No fix: replace the pad ids with -100 (`[[t if t != tokenizer.pad_token_id else -100 "
        "for t in ids] for ids in targets['input_ids']]`), or stop padding and let "
        "`DataCollatorForSeq2Seq` pad."
    )
    references = (
        "https://huggingface.co/docs/transformers/tasks/summarization#preprocess",
        "https://discuss.huggingface.co/t/train-bart-for-conditional-generation-e-g-summarization/1904",
    )
    triggers = (
        Example(
            """from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, Trainer

tokenizer = AutoTokenizer.from_pretrained("facebook/bart-base")
model = AutoModelForSeq2SeqLM.from_pretrained("facebook/bart-base")


def convert_to_features(example_batch):
    inputs = tokenizer(example_batch["text"], padding="max_length", max_length=64, truncation=True)
    targets = tokenizer(text_target=example_batch["summary"], padding="max_length", max_length=32)
    return {"input_ids": inputs["input_ids"], "labels": targets["input_ids"]}


dataset = dataset.map(convert_to_features, batched=True)
trainer = Trainer(model=model, args=args, train_dataset=dataset)
""",
            note="the forum thread's code",
        ),
    )
    near_misses = (
        Example(
            """from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, Trainer

tokenizer = AutoTokenizer.from_pretrained("t5-small")
model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")


def preprocess(batch):
    inputs = tokenizer(batch["document"], max_length=512, padding="max_length", truncation=True)
    labels = tokenizer(text_target=batch["summary"], max_length=64, padding="max_length")
    inputs["labels"] = [
        [(t if t != tokenizer.pad_token_id else -100) for t in ids] for ids in labels["input_ids"]
    ]
    return inputs


Trainer(model=model, train_dataset=raw.map(preprocess, batched=True))
""",
            note="run_summarization.py: pad ids replaced with -100",
        ),
        Example(
            """from transformers import AutoModelForSeq2SeqLM, DataCollatorForSeq2Seq, Trainer

model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")


def preprocess(batch):
    enc = tok(batch["src"], truncation=True)
    enc["labels"] = tok(text_target=batch["tgt"], truncation=True)["input_ids"]
    return enc


Trainer(model=model, train_dataset=raw.map(preprocess, batched=True),
        data_collator=DataCollatorForSeq2Seq(tok, model=model))
""",
            note="no padding in preprocessing: the collator pads with -100",
        ),
        Example(
            """from transformers import AutoModelForSeq2SeqLM, Trainer

model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")


def preprocess(example):
    enc = tok(example["src"], truncation=True)
    targets = tok(text_target=example["tgt"], padding=True)
    enc["labels"] = targets["input_ids"]
    return enc


Trainer(model=model, train_dataset=raw.map(preprocess))
""",
            note="padding=True on one example at a time pads nothing",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        writes = label_writes(ctx)
        if not writes:
            return
        trained = self._trained_seq2seq(ctx)
        if trained is None:
            return
        file_checked = False
        for write in writes:
            found = tokenizer_source(ctx, write)
            maps = mapper_calls(ctx, write.function)
            if found is None or not maps or write.function is None:
                continue
            call, name = found
            pads = padding(call)
            if pads == LONGEST and not all(batched(m) for m in maps):
                continue
            if pads not in (FIXED, LONGEST) or mentions_ignore_index(write.function):
                continue
            if not file_checked:
                if mentions_ignore_index(ctx.module):
                    return
                file_checked = True
            model, because = trained
            how = (
                '`padding="max_length"`' if pads == FIXED else "`padding=True` in a batched `.map`"
            )
            message = (
                f"These `labels` are the `input_ids` of `{name}`, tokenized with {how}, so "
                "every padded position holds the pad token's id, and nothing replaces it with "
                f"-100: the loss trains the encoder-decoder model ({because}) to write padding, "
                "silently. Set pad positions to -100 (`[[t if t != tokenizer.pad_token_id else "
                "-100 for t in ids] for ids in ...]`), or drop the padding and use "
                "`DataCollatorForSeq2Seq`, which pads labels with -100."
            )
            related = [
                Related(f"`{name}` padded here", ctx.range(call.node)),
                ctx.loaded_here(model, "encoder-decoder model loaded here"),
            ]
            node = write.value if write.value is not None else write.node
            yield ctx.report(self, node, message, related=related)

    @staticmethod
    def _trained_seq2seq(ctx: RuleContext) -> tuple[ObjectFact, str] | None:
        for trainer in transformers_trainers(ctx.facts):
            if trainer.overrides("compute_loss", "training_step") or trainer.passes(
                "compute_loss_func"
            ):
                continue
            model = trainer.model()
            kind = seq2seq_model(ctx, model) if model is not None else None
            if kind is not None and trainer.passes("train_dataset") and not kind.assumed:
                return kind.model, kind.because + describe_assumption(kind.assumed)
        return None
