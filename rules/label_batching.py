"""Family C, labels in batches: per-token labels a collator cannot batch, and padded label ids
the loss does not ignore.

`DataCollatorWithPadding` and `DataCollatorForLanguageModeling` pad through `tokenizer.pad`,
which pads the model inputs only: per-token `labels` of different lengths cannot be stacked.
Labels padded by the tokenizer hold the pad token's id, which the loss trains on unless it is
replaced with -100.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from hflint.analyzers.facts import ObjectFact
from hflint.analyzers.findings import Edit, Finding, Fix, Related, Severity
from hflint.analyzers.label_sources import KeyWrite
from hflint.analyzers.values import ObjRef
from hflint.rules.base import Example, Rule
from hflint.rules.collators import MLM_COLLATOR, PADDING_COLLATOR
from hflint.rules.context import RuleContext
from hflint.rules.label_data import (
    NO_PADDING,
    label_writes,
    mapper_calls,
    padding,
    pads_anywhere,
    tokenizer_source,
)
from hflint.rules.trainer_facts import (
    TrainerCall,
    seq2seq_model,
    transformers_trainers,
    unwrap,
    use_classes,
)

TENSOR_ERROR = (
    "ValueError: Unable to create tensor, you should probably activate truncation and/or "
    "padding with 'padding=True' 'truncation=True' to have batched tensors with the same "
    "length. Perhaps your features (`labels` in this case) have excessive nesting (inputs type "
    "`list` where type `int` is expected)."
)
TOKEN_COLLATOR = "transformers.DataCollatorForTokenClassification"
_TOKEN_COLLATOR_KWARGS = frozenset(
    {"tokenizer", "padding", "max_length", "pad_to_multiple_of", "return_tensors"}
)
# Trainer methods a subclass may override to batch (or to compute the loss) its own way
_BATCHING_OVERRIDES = (
    "get_train_dataloader",
    "get_eval_dataloader",
    "_get_collator_with_removed_columns",
    "_prepare_inputs",
    "training_step",
    "compute_loss",
)


@dataclass(frozen=True)
class _Collator:
    name: str  # how messages call it
    obj: ObjectFact | None  # the collator object, when made in this file
    implicit: bool = False  # not passed: Trainer's default for a tokenizer


def _collator(trainer: TrainerCall) -> _Collator | None:
    """The trainer's collator when it pads only the model inputs."""
    arg = trainer.arg("data_collator")
    if arg is None:
        if trainer.obj.call.has_star_kwargs or not trainer.passes("processing_class"):
            return None  # default_data_collator: it fails on the inputs first
        return _Collator(
            "`DataCollatorWithPadding` (Trainer's default with a tokenizer)", None, True
        )
    if not isinstance(arg.value, ObjRef):
        return None
    obj = arg.value.obj
    if obj.user_class is not None or obj.call.has_star_kwargs:
        return None
    if obj.qualname == PADDING_COLLATOR:
        return _Collator("`DataCollatorWithPadding`", obj)
    if obj.qualname == MLM_COLLATOR:
        return _Collator("`DataCollatorForLanguageModeling`", obj)
    return None


class LabelsNotPaddedByCollator(Rule):
    code = "HF308"
    name = "labels-not-padded-by-collator"
    severity = Severity.ERROR
    summary = "Per-token labels of different lengths batched by a collator that pads only inputs"
    what = (
        "Checks for a `Trainer` whose collator pads only the model inputs "
        "(`DataCollatorWithPadding`, Trainer's default when given a tokenizer, or "
        "`DataCollatorForLanguageModeling`) while the examples carry per-token `labels` of "
        "different lengths:\n\n"
        "- a token-classification model (`*ForTokenClassification`) whose labels the file "
        "builds, with no tokenizer call that pads;\n"
        "- labels copied from the `input_ids` of a tokenizer call that does not pad "
        '(`enc["labels"] = enc["input_ids"].copy()`) in a function run by `.map()`.\n\n'
        "Encoder-decoder models are HF304's business; subclasses that batch or compute the "
        "loss their own way are left alone."
    )
    why = (
        "These collators pad through `tokenizer.pad`, which pads `input_ids`, "
        "`attention_mask` and the like, not `labels`; stacking labels of different lengths "
        "fails on the first batch (observed with transformers 5.23.0 for all three):\n\n"
        f"    {TENSOR_ERROR}\n\n"
        "`DataCollatorForTokenClassification` pads labels with -100. "
        "`DataCollatorForLanguageModeling` makes `labels` itself from `input_ids` and "
        "overwrites any given, so premade labels are at best useless."
    )
    example = """
model = AutoModelForTokenClassification.from_pretrained("bert-base-cased", num_labels=5)
collator = DataCollatorWithPadding(tokenizer)
Trainer(model=model, args=args, train_dataset=ds, data_collator=collator).train()
"""
    use_instead = """
model = AutoModelForTokenClassification.from_pretrained("bert-base-cased", num_labels=5)
collator = DataCollatorForTokenClassification(tokenizer)
Trainer(model=model, args=args, train_dataset=ds, data_collator=collator).train()
"""
    fix_safety = (
        "Safe for a token classifier: `DataCollatorForTokenClassification` takes the same "
        "tokenizer and padding arguments, pads the inputs the same way, and pads `labels` with "
        "-100, which the loss ignores. No fix for premade labels: drop them (the language-"
        "modeling collator builds its own) or pad them yourself."
    )
    references = (
        "https://huggingface.co/docs/transformers/main_classes/data_collator",
        "https://github.com/huggingface/transformers/issues/24546",
        "https://github.com/huggingface/transformers/pull/8116",
    )
    triggers = (
        Example(
            """from transformers import (
    AutoModelForTokenClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    Trainer,
)

tokenizer = AutoTokenizer.from_pretrained("bert-base-cased")


def tokenize_and_align(examples):
    enc = tokenizer(examples["tokens"], is_split_into_words=True, truncation=True)
    enc["labels"] = []
    for i, tags in enumerate(examples["ner_tags"]):
        enc["labels"].append([-100 if w is None else tags[w] for w in enc.word_ids(batch_index=i)])
    return enc


ds = raw.map(tokenize_and_align, batched=True)
model = AutoModelForTokenClassification.from_pretrained("bert-base-cased", num_labels=5)
collator = DataCollatorWithPadding(tokenizer)
Trainer(model=model, args=args, train_dataset=ds, data_collator=collator).train()
""",
            note="transformers#8116: NER with the padding collator",
            fixed="""from transformers import (
    AutoModelForTokenClassification,
    AutoTokenizer,
    DataCollatorForTokenClassification,
    Trainer,
)

tokenizer = AutoTokenizer.from_pretrained("bert-base-cased")


def tokenize_and_align(examples):
    enc = tokenizer(examples["tokens"], is_split_into_words=True, truncation=True)
    enc["labels"] = []
    for i, tags in enumerate(examples["ner_tags"]):
        enc["labels"].append([-100 if w is None else tags[w] for w in enc.word_ids(batch_index=i)])
    return enc


ds = raw.map(tokenize_and_align, batched=True)
model = AutoModelForTokenClassification.from_pretrained("bert-base-cased", num_labels=5)
collator = DataCollatorForTokenClassification(tokenizer)
Trainer(model=model, args=args, train_dataset=ds, data_collator=collator).train()
""",
        ),
        Example(
            """from transformers import AutoModelForMaskedLM, AutoTokenizer, DataCollatorForLanguageModeling, Trainer

tokenizer = AutoTokenizer.from_pretrained("roberta-base")
model = AutoModelForMaskedLM.from_pretrained("roberta-base")


def tokenize(batch):
    enc = tokenizer(batch["text"], truncation=True, max_length=128)
    enc["labels"] = [ids.copy() for ids in enc["input_ids"]]
    return enc


lm_dataset = corpus.map(tokenize, batched=True, remove_columns=["text"])
data_collator = DataCollatorForLanguageModeling(tokenizer=tokenizer, mlm_probability=0.15)
trainer = Trainer(model=model, args=args, train_dataset=lm_dataset, data_collator=data_collator)
""",
            note="transformers#24546: premade MLM labels",
        ),
        Example(
            """from transformers import AutoModelForTokenClassification, Trainer

model = AutoModelForTokenClassification.from_pretrained("bert-base-cased", num_labels=3)


def align(ex):
    enc = tok(ex["words"], is_split_into_words=True)
    enc["labels"] = [0] * len(enc["input_ids"])
    return enc


Trainer(model=model, train_dataset=ds.map(align), processing_class=tok)
""",
            note="no collator with a tokenizer: Trainer's DataCollatorWithPadding",
        ),
    )
    near_misses = (
        Example(
            """from transformers import AutoModelForTokenClassification, DataCollatorForTokenClassification, Trainer

model = AutoModelForTokenClassification.from_pretrained("bert-base-cased", num_labels=5)


def align(examples):
    enc = tok(examples["tokens"], is_split_into_words=True, truncation=True)
    enc["labels"] = [[0] * len(ids) for ids in enc["input_ids"]]
    return enc


Trainer(model=model, train_dataset=raw.map(align, batched=True),
        data_collator=DataCollatorForTokenClassification(tok))
""",
            note="the collator pads labels",
        ),
        Example(
            """from transformers import AutoModelForTokenClassification, DataCollatorWithPadding, Trainer

model = AutoModelForTokenClassification.from_pretrained("bert-base-cased", num_labels=5)


def align(ex):
    enc = tok(ex["tokens"], is_split_into_words=True, padding="max_length", max_length=64)
    enc["labels"] = [0] * 64
    return enc


Trainer(model=model, train_dataset=raw.map(align), data_collator=DataCollatorWithPadding(tok))
""",
            note="padded to one length in preprocessing",
        ),
        Example(
            """from transformers import AutoModelForMaskedLM, DataCollatorForLanguageModeling, Trainer

model = AutoModelForMaskedLM.from_pretrained("roberta-base")


def group_texts(examples):
    concatenated = {k: sum(examples[k], []) for k in examples.keys()}
    total = (len(concatenated["input_ids"]) // 128) * 128
    result = {k: [t[i : i + 128] for i in range(0, total, 128)] for k, t in concatenated.items()}
    result["labels"] = result["input_ids"].copy()
    return result


lm = tokenized.map(group_texts, batched=True)
Trainer(model=model, train_dataset=lm, data_collator=DataCollatorForLanguageModeling(tok))
""",
            note="the course's group_texts: fixed-size blocks",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        writes = label_writes(ctx)
        if not writes:
            return
        for trainer in transformers_trainers(ctx.facts):
            if trainer.overrides(*_BATCHING_OVERRIDES) or trainer.passes("compute_loss_func"):
                continue
            if not (trainer.passes("train_dataset") or trainer.passes("eval_dataset")):
                continue
            collator = _collator(trainer)
            model = trainer.model()
            if collator is None or model is None or seq2seq_model(ctx, model) is not None:
                continue
            finding = self._token_labels(ctx, trainer, collator, unwrap(model), writes)
            if finding is None:
                finding = self._copied_ids(ctx, trainer, collator, writes)
            if finding is not None:
                yield finding

    def _token_labels(
        self,
        ctx: RuleContext,
        trainer: TrainerCall,
        collator: _Collator,
        model: ObjectFact,
        writes: list[KeyWrite],
    ) -> Finding | None:
        if not model.class_name.endswith("ForTokenClassification") or (
            collator.obj is not None and (collator.obj.qualname != PADDING_COLLATOR)
        ):
            return None
        if pads_anywhere(ctx):
            return None
        message = (
            f"This trainer batches a token classifier's per-token `labels` with "
            f"{collator.name}, which pads the inputs but not `labels`; the file builds labels "
            "without padding anything to one length, so the first batch of examples of "
            f"different lengths fails with `{TENSOR_ERROR}` Use "
            "`DataCollatorForTokenClassification(tokenizer)`, which pads labels with -100."
        )
        related = [
            Related("labels built here", ctx.range(writes[0].node)),
            ctx.loaded_here(model, "token classifier loaded here"),
        ]
        return ctx.report(
            self,
            self._where(trainer, collator),
            message,
            fix=self._fix(ctx, trainer, collator),
            related=related,
        )

    def _copied_ids(
        self,
        ctx: RuleContext,
        trainer: TrainerCall,
        collator: _Collator,
        writes: list[KeyWrite],
    ) -> Finding | None:
        for write in writes:
            found = tokenizer_source(ctx, write)
            if found is None or not mapper_calls(ctx, write.function):
                continue
            call, name = found
            if padding(call) != NO_PADDING:
                continue
            if collator.obj is not None and collator.obj.qualname == MLM_COLLATOR:
                advice = (
                    "`DataCollatorForLanguageModeling` builds `labels` from `input_ids` "
                    "itself and overwrites these: drop them"
                )
            else:
                advice = (
                    "pad them to one length, or use a collator that pads labels "
                    "(`DataCollatorForLanguageModeling(tokenizer, mlm=False)` for causal "
                    "language modeling)"
                )
            where = f"`{write.function.name.value}`" if write.function is not None else "the file"
            message = (
                f"{collator.name} pads only the model inputs, but the `labels` that {where} "
                f"builds are copies of the `input_ids` of `{name}`, a tokenizer call that does "
                "not pad: the first batch of examples of different lengths fails with "
                f"`{TENSOR_ERROR}` {advice[0].upper()}{advice[1:]}."
            )
            related = [
                Related("labels copied here", ctx.range(write.node)),
                Related(f"`{name}` tokenized here without padding", ctx.range(call.node)),
            ]
            return ctx.report(self, self._where(trainer, collator), message, related=related)
        return None

    @staticmethod
    def _where(trainer: TrainerCall, collator: _Collator) -> cst.CSTNode:
        if collator.obj is not None:
            return collator.obj.node
        return trainer.call_node.func

    @staticmethod
    def _fix(ctx: RuleContext, trainer: TrainerCall, collator: _Collator) -> Fix | None:
        if collator.obj is not None:
            call = collator.obj.call
            if len(call.args) > 1 or not set(call.kwargs) <= _TOKEN_COLLATOR_KWARGS:
                return None
            if not (call.args or "tokenizer" in call.kwargs):
                return None
            edits = use_classes(ctx, [(call.node.func, TOKEN_COLLATOR)])
            return ctx.fix("Use `DataCollatorForTokenClassification`", edits, safe=True)
        tokenizer = trainer.arg("processing_class")
        if tokenizer is None or not isinstance(tokenizer.expr, cst.Name):
            return None
        spelling, import_edit = ctx.name_for(TOKEN_COLLATOR)
        text = f"data_collator={spelling}({tokenizer.expr.value})"
        added: list[Edit | None] = [ctx.add_kwarg(trainer.call_node, text), import_edit]
        return ctx.fix("Pass `DataCollatorForTokenClassification`", added, safe=True)
