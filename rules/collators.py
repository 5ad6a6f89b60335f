"""Family C, data collators: the collator decides what `labels` a batch carries.

Seq2seq labels have variable length and need `DataCollatorForSeq2Seq` to pad them. A causal
LM computes its loss only from `labels`, and `DataCollatorForLanguageModeling` makes them as
masked-LM targets unless told `mlm=False`. These mistakes are invisible in the code that builds
the trainer and surface only once batching or training starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from hflint.analyzers.facts import Arg, Kind, ObjectFact
from hflint.analyzers.findings import Edit, Finding, Fix, Related, Severity
from hflint.analyzers.values import ClassRef, Const, ObjRef
from hflint.rules.base import Example, Rule
from hflint.rules.context import RuleContext
from hflint.rules.trainer_facts import (
    DEFAULT_COLLATOR,
    TrainerCall,
    causal_lm_model,
    describe_assumption,
    related_places,
    seq2seq_model,
    setting,
    tokenizer_lacks_mask_token,
    trainers_using,
    transformers_trainers,
    use_classes,
)

MLM_COLLATOR = "transformers.DataCollatorForLanguageModeling"
PADDING_COLLATOR = "transformers.DataCollatorWithPadding"
# DataCollatorWithPadding arguments DataCollatorForLanguageModeling also takes
_SHARED_COLLATOR_KWARGS = frozenset({"tokenizer", "pad_to_multiple_of", "return_tensors"})
# strings that mean some preprocessing (or DataCollatorWithPadding's rename) yields labels
_LABEL_STRINGS = ("labels", "label", "label_ids")
# Trainer methods a subclass may override to batch its own way
_DATALOADER_OVERRIDES = (
    "get_train_dataloader",
    "get_eval_dataloader",
    "_get_collator_with_removed_columns",
    "_prepare_inputs",
    "training_step",
    "compute_loss",
)

MASK_TOKEN_ERROR = (
    "ValueError: This tokenizer does not have a mask token which is necessary for masked "
    "language modeling. You should pass mlm=False to train on causal language modeling instead."
)
NO_LOSS_ERROR = (
    "ValueError: The model did not return a loss from the inputs, only the following keys: "
    "logits. For reference, the inputs it received are input_ids,attention_mask."
)


@dataclass(frozen=True)
class CausalEvidence:
    """Why a collator must build causal-LM labels, and where that shows."""

    because: str
    consequence: str
    assumed: str
    where: Related


def _adds_mask_token(ctx: RuleContext, tokenizer: ObjectFact) -> bool:
    """Whether the file gives the tokenizer special tokens (possibly a mask token)."""
    if ctx.facts.method_calls(tokenizer, "add_special_tokens"):
        return True
    return any(
        use.is_write and use.obj is tokenizer and use.path[-1:] == ("mask_token",)
        for use in ctx.facts.attr_uses
    )


class MlmCollatorForCausalLm(Rule):
    code = "HF305"
    name = "mlm-collator-for-causal-lm"
    severity = Severity.ERROR
    summary = "DataCollatorForLanguageModeling left in masked-LM mode for a causal LM"
    what = (
        "Checks for `DataCollatorForLanguageModeling(tokenizer)` without `mlm=False` when the "
        "trainer it goes to trains a causal LM (loaded with `AutoModelForCausalLM` or a causal "
        "LM class), or when its tokenizer's checkpoint is of a decoder-only model type (GPT-2, "
        "Llama, Qwen, ...: types with a causal-LM head and no masked-LM head in the installed "
        "transformers)."
    )
    why = (
        "`mlm` defaults to `True`. A decoder-only tokenizer has no mask token, and the collator "
        f"refuses it:\n\n    {MASK_TOKEN_ERROR}\n\nIf the tokenizer does have a mask token, "
        "nothing is raised and the causal model trains on masked-LM targets it cannot use."
    )
    example = """
collator = DataCollatorForLanguageModeling(tokenizer)
trainer = Trainer(model=AutoModelForCausalLM.from_pretrained("gpt2"), data_collator=collator, args=args, train_dataset=ds)
"""
    use_instead = """
collator = DataCollatorForLanguageModeling(tokenizer, mlm=False)
trainer = Trainer(model=AutoModelForCausalLM.from_pretrained("gpt2"), data_collator=collator, args=args, train_dataset=ds)
"""
    fix_safety = (
        "Safe: `mlm=False` is the causal-LM mode of the same collator: it copies `input_ids` "
        "into `labels` and masks padding with -100."
    )
    references = (
        "https://huggingface.co/docs/transformers/main_classes/data_collator#transformers.DataCollatorForLanguageModeling",
        "transformers/data/data_collator.py (DataCollatorForLanguageModeling.__post_init__)",
    )
    triggers = (
        Example(
            """from transformers import AutoModelForCausalLM, DataCollatorForLanguageModeling, Trainer

collator = DataCollatorForLanguageModeling(tokenizer)
trainer = Trainer(model=AutoModelForCausalLM.from_pretrained("gpt2"), data_collator=collator, args=args, train_dataset=ds)
""",
            note="the catalogue's example",
            fixed="""from transformers import AutoModelForCausalLM, DataCollatorForLanguageModeling, Trainer

collator = DataCollatorForLanguageModeling(tokenizer, mlm=False)
trainer = Trainer(model=AutoModelForCausalLM.from_pretrained("gpt2"), data_collator=collator, args=args, train_dataset=ds)
""",
        ),
        Example(
            """import transformers as T

tok = T.AutoTokenizer.from_pretrained("gpt2")
collator = T.DataCollatorForLanguageModeling(
    tokenizer=tok,
    mlm_probability=0.15,
)
""",
            note="no model in sight: the gpt2 tokenizer has no mask token",
        ),
        Example(
            """from peft import get_peft_model
from transformers import DataCollatorForLanguageModeling, LlamaForCausalLM, Trainer

base = LlamaForCausalLM.from_pretrained(MODEL_DIR)
model = get_peft_model(base, lora_config)
trainer = Trainer(
    model=model,
    args=args,
    train_dataset=train,
    data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=True),
)
""",
            note="a PEFT-wrapped causal LM class, explicit mlm=True",
            fixed="""from peft import get_peft_model
from transformers import DataCollatorForLanguageModeling, LlamaForCausalLM, Trainer

base = LlamaForCausalLM.from_pretrained(MODEL_DIR)
model = get_peft_model(base, lora_config)
trainer = Trainer(
    model=model,
    args=args,
    train_dataset=train,
    data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False),
)
""",
        ),
    )
    near_misses = (
        Example(
            """from transformers import AutoModelForCausalLM, DataCollatorForLanguageModeling, Trainer

collator = DataCollatorForLanguageModeling(tokenizer, mlm=False)
Trainer(model=AutoModelForCausalLM.from_pretrained("gpt2"), data_collator=collator)
"""
        ),
        Example(
            """from transformers import AutoModelForMaskedLM, AutoTokenizer
from transformers import DataCollatorForLanguageModeling, Trainer

tok = AutoTokenizer.from_pretrained("bert-base-uncased")
model = AutoModelForMaskedLM.from_pretrained("bert-base-uncased")
Trainer(model=model, data_collator=DataCollatorForLanguageModeling(tok))
""",
            note="masked-LM training is what mlm=True is for",
        ),
        Example(
            """from transformers import AutoTokenizer, DataCollatorForLanguageModeling

tok = AutoTokenizer.from_pretrained(args.tokenizer_name)
collator = DataCollatorForLanguageModeling(tok)
""",
            note="unknown checkpoint",
        ),
        Example(
            """from transformers import AutoModelForCausalLM, DataCollatorForLanguageModeling, Trainer

collator = DataCollatorForLanguageModeling(tok, mlm=args.mlm)
Trainer(model=AutoModelForCausalLM.from_pretrained("gpt2"), data_collator=collator)
""",
            note="mlm decided at run time",
        ),
        Example(
            """from transformers import AutoTokenizer, DataCollatorForLanguageModeling

tok = AutoTokenizer.from_pretrained("gpt2")
tok.add_special_tokens({"mask_token": "<mask>"})
collator = DataCollatorForLanguageModeling(tok)
""",
            note="a mask token is added; the model side is unknown",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for collator in ctx.objects(Kind.COLLATOR):
            if collator.qualname != MLM_COLLATOR or collator.user_class is not None:
                continue
            mlm = setting(collator, "mlm", ctx.facts, default=True, positional=1)
            if mlm is None or mlm.value is not True:
                continue
            why = self._causal_evidence(ctx, collator)
            if why is None:
                continue
            assumed = mlm.assumed or why.assumed
            message = (
                "`DataCollatorForLanguageModeling` is in masked-LM mode (`mlm` "
                f"{'is True' if mlm.explicit else 'defaults to True'}"
                f"{describe_assumption(mlm.assumed)}) but {why.because}: {why.consequence} "
                "Pass `mlm=False` for causal language modeling."
            )
            node: cst.CSTNode = mlm.arg.node if mlm.arg is not None else collator.node.func
            edit = (
                ctx.replace(mlm.arg.expr, "False")
                if mlm.arg is not None
                else ctx.add_kwarg(collator.node, "mlm=False")
            )
            yield ctx.report(
                self,
                node,
                message,
                fix=ctx.fix("Pass `mlm=False`", [edit], safe=True),
                related=[why.where],
                severity=self.severity.lowered() if assumed else self.severity,
            )

    @staticmethod
    def _causal_evidence(ctx: RuleContext, collator: ObjectFact) -> CausalEvidence | None:
        """Why the objective must be causal: the trained model, else the tokenizer's type."""
        for trainer in trainers_using(collator, ctx.facts, "data_collator"):
            model = trainer.model()
            kind = causal_lm_model(ctx, model) if model is not None else None
            if kind is not None:
                return CausalEvidence(
                    f"the trainer trains a causal LM ({kind.because})",
                    "the collator masks tokens for a masked-LM objective the causal model "
                    f"cannot learn from; a tokenizer without a mask token raises `{MASK_TOKEN_ERROR}`",
                    kind.assumed,
                    ctx.loaded_here(kind.model, "causal LM loaded here"),
                )
        arg = collator.call.arg(0, "tokenizer")
        tokenizer = arg.value.obj if arg is not None and isinstance(arg.value, ObjRef) else None
        if tokenizer is None or tokenizer.kind is not Kind.TOKENIZER:
            return None
        if _adds_mask_token(ctx, tokenizer):
            return None
        checkpoint = ctx.checkpoint(tokenizer)
        model_type = checkpoint.facts.model_type if checkpoint is not None else None
        if (
            checkpoint is None
            or model_type is None
            or not tokenizer_lacks_mask_token(ctx, model_type)
        ):
            return None
        return CausalEvidence(
            f"the tokenizer is for the decoder-only {checkpoint.describe()}",
            f"it has no mask token, so creating the collator raises `{MASK_TOKEN_ERROR}`",
            checkpoint.assumed,
            ctx.loaded_here(tokenizer, "tokenizer loaded here"),
        )


class CausalLmTrainerWithoutLabels(Rule):
    code = "HF306"
    name = "causal-lm-trainer-without-labels"
    severity = Severity.WARNING
    summary = "Causal LM trained with a collator that makes no labels"
    what = (
        "Checks for a `Trainer` that trains a causal LM (`AutoModelForCausalLM` or a causal LM "
        "class) with `data_collator=DataCollatorWithPadding(...)` or `default_data_collator`, "
        "where the file preprocesses the data (`.map(...)`) and nothing in it ever mentions "
        "`labels`."
    )
    why = (
        "The model computes a loss only when the batch has `labels`; neither collator makes "
        "them. The first training step fails (format from `Trainer.compute_loss`):\n\n"
        f"    {NO_LOSS_ERROR}"
    )
    example = """
trainer = Trainer(model=lm, args=args, train_dataset=tokenized, data_collator=DataCollatorWithPadding(tok))
trainer.train()
"""
    use_instead = """
trainer = Trainer(model=lm, args=args, train_dataset=tokenized,
                  data_collator=DataCollatorForLanguageModeling(tok, mlm=False))
trainer.train()
"""
    fix_safety = (
        "Unsafe: `DataCollatorForLanguageModeling(tok, mlm=False)` copies `input_ids` into "
        "`labels` and sets padding positions to -100. When `pad_token == eos_token` it also "
        "masks the real end-of-sequence token, so the model never learns to stop: prefer a "
        "dedicated pad token, or append EOS after collation."
    )
    references = (
        "https://huggingface.co/docs/transformers/tasks/language_modeling",
        "transformers/trainer.py (Trainer.compute_loss); transformers/data/data_collator.py",
    )
    triggers = (
        Example(
            """from transformers import AutoModelForCausalLM, AutoTokenizer, DataCollatorWithPadding, Trainer

tok = AutoTokenizer.from_pretrained("gpt2")
lm = AutoModelForCausalLM.from_pretrained("gpt2")
tokenized = ds.map(lambda b: tok(b["text"], truncation=True), batched=True)
trainer = Trainer(model=lm, args=args, train_dataset=tokenized, data_collator=DataCollatorWithPadding(tok))
trainer.train()
""",
            note="the catalogue's example",
            fixed="""from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    DataCollatorForLanguageModeling,
    Trainer,
)

tok = AutoTokenizer.from_pretrained("gpt2")
lm = AutoModelForCausalLM.from_pretrained("gpt2")
tokenized = ds.map(lambda b: tok(b["text"], truncation=True), batched=True)
trainer = Trainer(model=lm, args=args, train_dataset=tokenized, data_collator=DataCollatorForLanguageModeling(tok, mlm=False))
trainer.train()
""",
        ),
        Example(
            """import transformers as T

tokenizer = T.AutoTokenizer.from_pretrained(MODEL)
model = T.AutoModelForCausalLM.from_pretrained(MODEL)

def tokenize(batch):
    return tokenizer(batch["text"], truncation=True, max_length=512)

train = raw["train"].map(tokenize, batched=True, remove_columns=["text"])
trainer = T.Trainer(
    model=model,
    args=training_args,
    train_dataset=train,
    processing_class=tokenizer,
    data_collator=T.default_data_collator,
)
""",
            note="module alias, default_data_collator, tokenizer from processing_class",
        ),
        Example(
            """from transformers import DataCollatorWithPadding, MistralForCausalLM, Trainer

model = MistralForCausalLM.from_pretrained("./base")
collator = DataCollatorWithPadding(tokenizer=tok, pad_to_multiple_of=8)
ds = ds.map(encode, batched=True)
Trainer(model, args, collator, ds).train()
""",
            note="a causal LM class, collator in a variable, positional arguments",
        ),
    )
    near_misses = (
        Example(
            """from transformers import AutoModelForCausalLM, DataCollatorWithPadding, Trainer

lm = AutoModelForCausalLM.from_pretrained("gpt2")

def tokenize(b):
    out = tok(b["text"], truncation=True)
    out["labels"] = out["input_ids"].copy()
    return out

ds = ds.map(tokenize, batched=True)
Trainer(model=lm, train_dataset=ds, data_collator=DataCollatorWithPadding(tok))
""",
            note="labels made in preprocessing",
        ),
        Example(
            """from transformers import AutoModelForCausalLM, DataCollatorForLanguageModeling, Trainer

lm = AutoModelForCausalLM.from_pretrained("gpt2")
ds = ds.map(lambda b: tok(b["text"]), batched=True)
Trainer(model=lm, train_dataset=ds, data_collator=DataCollatorForLanguageModeling(tok, mlm=False))
"""
        ),
        Example(
            """from transformers import AutoModelForCausalLM, DataCollatorWithPadding, Trainer

class LossTrainer(Trainer):
    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        return my_loss(model, inputs)

lm = AutoModelForCausalLM.from_pretrained("gpt2")
ds = ds.map(lambda b: tok(b["text"]), batched=True)
LossTrainer(model=lm, train_dataset=ds, data_collator=DataCollatorWithPadding(tok))
""",
            note="a subclass computes its own loss",
        ),
        Example(
            """from datasets import load_from_disk
from transformers import AutoModelForCausalLM, Trainer, default_data_collator

lm = AutoModelForCausalLM.from_pretrained("gpt2")
Trainer(model=lm, train_dataset=load_from_disk("packed"), data_collator=default_data_collator)
""",
            note="no visible preprocessing: the saved dataset may hold labels",
        ),
        Example(
            """from trl import SFTTrainer
from transformers import AutoModelForCausalLM, DataCollatorWithPadding

lm = AutoModelForCausalLM.from_pretrained("gpt2")
ds = ds.map(lambda b: tok(b["text"]), batched=True)
SFTTrainer(model=lm, train_dataset=ds, data_collator=DataCollatorWithPadding(tok))
""",
            note="trl's trainer",
        ),
        Example(
            """from transformers import AutoModelForCausalLM, DataCollatorWithPadding, Trainer

lm = AutoModelForCausalLM.from_pretrained("gpt2")
ds = ds.map(lambda b: {"labels": b["input_ids"]}, batched=True)
Trainer(model=lm, train_dataset=ds, data_collator=DataCollatorWithPadding(tok))
""",
            note="labels made in a lambda",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        if not self._no_visible_labels(ctx):
            return
        for trainer in transformers_trainers(ctx.facts):
            if trainer.overrides("compute_loss", "training_step"):
                continue
            if trainer.passes("compute_loss_func") is not False:
                continue
            if not trainer.passes("train_dataset"):
                continue
            collator_arg = trainer.arg("data_collator")
            if collator_arg is None:
                continue
            collator: ObjectFact | None = None
            if isinstance(collator_arg.value, ObjRef) and (
                collator_arg.value.obj.qualname == PADDING_COLLATOR
            ):
                collator = collator_arg.value.obj
                name = "DataCollatorWithPadding"
            elif isinstance(collator_arg.value, ClassRef) and (
                collator_arg.value.qualname == DEFAULT_COLLATOR
            ):
                name = "default_data_collator"
            else:
                continue
            model = trainer.model()
            kind = causal_lm_model(ctx, model) if model is not None else None
            if kind is None or self._has_label_names(ctx, trainer):
                continue
            message = (
                f"This trainer trains a causal LM ({kind.because}) with `{name}`, which "
                "makes no `labels`, and the preprocessing in this file never sets them: the "
                f"model returns no loss and training fails with `{NO_LOSS_ERROR}` Use "
                "`DataCollatorForLanguageModeling(tokenizer, mlm=False)`, which copies "
                "`input_ids` into `labels`."
            )
            related: list[Related] = [ctx.loaded_here(kind.model, "causal LM loaded here")]
            if collator is not None:
                related.append(ctx.loaded_here(collator, "collator created here"))
            yield ctx.report(
                self,
                collator_arg.node,
                message,
                fix=self._fix(ctx, trainer, collator),
                related=related,
                severity=self.severity.lowered() if kind.assumed else self.severity,
            )

    @staticmethod
    def _no_visible_labels(ctx: RuleContext) -> bool:
        """The file preprocesses data (`.map`) and nothing in it names labels."""
        facts = ctx.facts
        if facts.labels_evidence or any(s in facts.strings for s in _LABEL_STRINGS):
            return False
        if any("labels" in call.kwargs or "label" in call.kwargs for call in facts.calls):
            return False
        return bool(facts.calls_to("map"))

    @staticmethod
    def _has_label_names(ctx: RuleContext, trainer: TrainerCall) -> bool:
        """`label_names=` says the batches carry labels under another name."""
        args = trainer.args()
        return args is not None and "label_names" in args.call.kwargs

    @staticmethod
    def _fix(ctx: RuleContext, trainer: TrainerCall, collator: ObjectFact | None) -> Fix | None:
        edits: list[Edit] = []
        if collator is not None:
            call = collator.call
            tok = call.arg(0, "tokenizer")
            if (
                call.has_star_kwargs
                or len(call.args) > 1
                or tok is None
                or not set(call.kwargs) <= _SHARED_COLLATOR_KWARGS
            ):
                return None
            edits = use_classes(ctx, [(call.node.func, MLM_COLLATOR)])
            edits.append(ctx.add_kwarg(call.node, "mlm=False"))
        else:
            tokenizer = trainer.arg("processing_class")
            collator_arg = trainer.arg("data_collator")
            if (
                tokenizer is None
                or not isinstance(tokenizer.expr, cst.Name)
                or collator_arg is None
            ):
                return None
            spelling, import_edit = ctx.name_for(MLM_COLLATOR, like=collator_arg.expr)
            new = f"{spelling}({tokenizer.expr.value}, mlm=False)"
            edits = [ctx.replace(collator_arg.expr, new)]
            if import_edit is not None:
                edits.append(import_edit)
        return ctx.fix(
            "Use `DataCollatorForLanguageModeling(tokenizer, mlm=False)`", edits, safe=False
        )


class Seq2SeqLabelsWithoutSeq2SeqCollator(Rule):
    code = "HF304"
    name = "seq2seq-labels-without-seq2seq-collator"
    severity = Severity.WARNING
    summary = "Variable-length seq2seq labels batched by a collator that does not pad labels"
    what = (
        "Checks for a `Trainer` / `Seq2SeqTrainer` training an encoder-decoder model whose "
        "`data_collator` is `DataCollatorWithPadding(...)`, `default_data_collator` or omitted, "
        "while the file's preprocessing creates `labels` (`tokenizer(..., text_target=...)`, "
        '`["labels"] = ...`). Preprocessing that pads (`padding="max_length"`, or any '
        "`padding=` that may give the labels one length) is left alone."
    )
    why = (
        "`DataCollatorWithPadding` pads the inputs but not the variable-length `labels`, and "
        "the default collator pads nothing; batching fails with:\n\n"
        "    ValueError: Unable to create tensor, you should probably activate truncation "
        "and/or padding with 'padding=True' 'truncation=True' to have batched tensors with the "
        "same length. Perhaps your features (`labels` in this case) have excessive nesting "
        "(inputs type `list` where type `int` is expected).\n\n"
        "`DataCollatorForSeq2Seq` pads labels with -100, which the loss ignores."
    )
    example = """
collator = DataCollatorWithPadding(tokenizer)
trainer = Seq2SeqTrainer(model=t5, args=args, train_dataset=tok_ds, data_collator=collator)
"""
    use_instead = """
collator = DataCollatorForSeq2Seq(tokenizer, model=t5)
trainer = Seq2SeqTrainer(model=t5, args=args, train_dataset=tok_ds, data_collator=collator)
"""
    fix_safety = (
        "Safe: `DataCollatorForSeq2Seq` takes the same tokenizer and padding arguments, pads the "
        "inputs the same way and also pads `labels` (with -100, ignored by the loss); given the "
        "model it also prepares `decoder_input_ids`."
    )
    references = (
        "https://huggingface.co/docs/transformers/main_classes/data_collator#transformers.DataCollatorForSeq2Seq",
        "transformers/data/data_collator.py (DataCollatorForSeq2Seq)",
    )
    triggers = (
        Example(
            """from transformers import (
    AutoModelForSeq2SeqLM,
    AutoTokenizer,
    DataCollatorWithPadding,
    Seq2SeqTrainer,
)

tokenizer = AutoTokenizer.from_pretrained("t5-small")
t5 = AutoModelForSeq2SeqLM.from_pretrained("t5-small")

def preprocess(batch):
    return tokenizer(batch["document"], text_target=batch["summary"], truncation=True)

tok_ds = raw.map(preprocess, batched=True)
collator = DataCollatorWithPadding(tokenizer)
trainer = Seq2SeqTrainer(model=t5, args=args, train_dataset=tok_ds, data_collator=collator)
""",
            note="the catalogue's example",
            fixed="""from transformers import (
    AutoModelForSeq2SeqLM,
    AutoTokenizer,
    DataCollatorForSeq2Seq,
    Seq2SeqTrainer,
)

tokenizer = AutoTokenizer.from_pretrained("t5-small")
t5 = AutoModelForSeq2SeqLM.from_pretrained("t5-small")

def preprocess(batch):
    return tokenizer(batch["document"], text_target=batch["summary"], truncation=True)

tok_ds = raw.map(preprocess, batched=True)
collator = DataCollatorForSeq2Seq(tokenizer, model=t5)
trainer = Seq2SeqTrainer(model=t5, args=args, train_dataset=tok_ds, data_collator=collator)
""",
        ),
        Example(
            """from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, Trainer

tok = AutoTokenizer.from_pretrained("facebook/bart-base")
model = AutoModelForSeq2SeqLM.from_pretrained("facebook/bart-base")

def preprocess(examples):
    inputs = tok(examples["src"], truncation=True)
    inputs["labels"] = tok(examples["tgt"], truncation=True)["input_ids"]
    return inputs

train = ds.map(preprocess, batched=True)
trainer = Trainer(model=model, args=args, train_dataset=train, processing_class=tok)
""",
            note="collator omitted: Trainer pads inputs only",
            fixed="""from transformers import (
    AutoModelForSeq2SeqLM,
    AutoTokenizer,
    DataCollatorForSeq2Seq,
    Trainer,
)

tok = AutoTokenizer.from_pretrained("facebook/bart-base")
model = AutoModelForSeq2SeqLM.from_pretrained("facebook/bart-base")

def preprocess(examples):
    inputs = tok(examples["src"], truncation=True)
    inputs["labels"] = tok(examples["tgt"], truncation=True)["input_ids"]
    return inputs

train = ds.map(preprocess, batched=True)
trainer = Trainer(model=model, args=args, train_dataset=train, processing_class=tok, data_collator=DataCollatorForSeq2Seq(tok, model=model))
""",
        ),
        Example(
            """import transformers as T

tok = T.AutoTokenizer.from_pretrained("t5-small")
model = T.T5ForConditionalGeneration.from_pretrained("t5-small")
train = ds.map(lambda b: tok(b["x"], text_target=b["y"]), batched=True)
trainer = T.Seq2SeqTrainer(
    model=model,
    args=args,
    train_dataset=train,
    data_collator=T.DataCollatorWithPadding(tok, pad_to_multiple_of=8),
)
""",
            note="module alias, inline collator, concrete model class",
        ),
        Example(
            """from transformers import AutoModelForSeq2SeqLM, Seq2SeqTrainer, default_data_collator

model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")
train = ds.map(lambda b: tok(b["x"], text_target=b["y"]), batched=True)
Seq2SeqTrainer(model=model, train_dataset=train, data_collator=default_data_collator)
""",
            note="default_data_collator pads nothing",
        ),
    )
    near_misses = (
        Example(
            """from transformers import AutoModelForSeq2SeqLM, DataCollatorForSeq2Seq, Seq2SeqTrainer

model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")
train = ds.map(lambda b: tok(b["x"], text_target=b["y"]), batched=True)
Seq2SeqTrainer(model=model, train_dataset=train, data_collator=DataCollatorForSeq2Seq(tok))
"""
        ),
        Example(
            """from transformers import AutoModelForSeq2SeqLM, DataCollatorWithPadding, Trainer

model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")
def prep(b):
    return tok(b["x"], text_target=b["y"], padding="max_length", max_length=128)
train = ds.map(prep, batched=True)
Trainer(model=model, train_dataset=train, data_collator=DataCollatorWithPadding(tok))
""",
            note="labels padded to a fixed length in preprocessing",
        ),
        Example(
            """from transformers import AutoModelForCausalLM, DataCollatorWithPadding, Trainer

model = AutoModelForCausalLM.from_pretrained("gpt2")
train = ds.map(lambda b: tok(b["x"], text_target=b["y"]), batched=True)
Trainer(model=model, train_dataset=train, data_collator=DataCollatorWithPadding(tok))
""",
            note="not an encoder-decoder",
        ),
        Example(
            """from datasets import load_from_disk
from transformers import AutoModelForSeq2SeqLM, Seq2SeqTrainer

model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")
Seq2SeqTrainer(model=model, train_dataset=load_from_disk("tokenized"))
""",
            note="no visible preprocessing of labels",
        ),
        Example(
            """from transformers import AutoModelForSeq2SeqLM, Seq2SeqTrainer

model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")
train = ds.map(lambda b: tok(b["x"], text_target=b["y"]), batched=True)
Seq2SeqTrainer(model=model, train_dataset=train, **trainer_kwargs)
""",
            note="the collator may come through **kwargs",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        labels = ctx.facts.labels_evidence
        if not labels or self._pads_to_fixed_length(ctx):
            return
        for trainer in transformers_trainers(ctx.facts):
            if trainer.overrides(*_DATALOADER_OVERRIDES):
                continue
            if not (trainer.passes("train_dataset") or trainer.passes("eval_dataset")):
                continue
            collator_arg = trainer.arg("data_collator")
            collator: ObjectFact | None = None
            if collator_arg is None:
                if trainer.obj.call.has_star_kwargs:
                    continue
                what = (
                    "no `data_collator` (so `Trainer` uses `DataCollatorWithPadding`, which "
                    "pads the inputs but not `labels`)"
                    if trainer.passes("processing_class")
                    else "no `data_collator` (so `Trainer` uses `default_data_collator`, which "
                    "pads nothing)"
                )
            elif isinstance(collator_arg.value, ObjRef) and (
                collator_arg.value.obj.qualname == "transformers.DataCollatorWithPadding"
            ):
                collator = collator_arg.value.obj
                what = "`DataCollatorWithPadding`, which pads the inputs but not `labels`"
            elif isinstance(collator_arg.value, ClassRef) and (
                collator_arg.value.qualname == DEFAULT_COLLATOR
            ):
                what = "`default_data_collator`, which pads nothing"
            else:
                continue
            model = trainer.model()
            kind = seq2seq_model(ctx, model) if model is not None else None
            if kind is None:
                continue
            message = (
                f"This trainer batches seq2seq `labels` with {what}: the model is an "
                f"encoder-decoder ({kind.because}) and the preprocessing creates "
                "variable-length `labels`, so batching fails with `ValueError: Unable to create "
                "tensor, you should probably activate truncation and/or padding ... Perhaps your "
                "features (labels in this case) have excessive nesting`. Use "
                "`DataCollatorForSeq2Seq(tokenizer, model=model)`, which pads labels with -100."
            )
            node: cst.CSTNode = (
                collator_arg.node if collator_arg is not None else trainer.call_node.func
            )
            related = related_places(
                ctx,
                (kind.model, "encoder-decoder model loaded here"),
                (collator, "collator created here"),
                (labels[0], "labels created here"),
            )
            yield ctx.report(
                self,
                node,
                message,
                fix=self._fix(ctx, trainer, collator),
                related=related,
                severity=self.severity.lowered() if kind.assumed else self.severity,
            )

    @staticmethod
    def _pads_to_fixed_length(ctx: RuleContext) -> bool:
        """Preprocessing that may pad (`padding="max_length"`, `padding=True` over a small
        dataset, or a value not known here): labels may then already share one length."""
        for call in ctx.facts.calls:
            for name in ("padding", "pad_to_max_length"):
                arg = call.kwargs.get(name)
                if arg is None:
                    continue
                value = arg.value
                if not (isinstance(value, Const) and value.value in (False, "do_not_pad")):
                    return True
        return False

    @staticmethod
    def _fix(ctx: RuleContext, trainer: TrainerCall, collator: ObjectFact | None) -> Fix | None:
        model_arg = trainer.arg("model")
        model_name = (
            model_arg.expr.value
            if model_arg is not None and isinstance(model_arg.expr, cst.Name)
            else None
        )
        if collator is not None:
            call = collator.call
            if len(call.args) > 1 or call.has_star_kwargs or not (call.args or call.kwargs):
                return None  # a second positional argument means something else in the new class
            edits = use_classes(ctx, [(call.node.func, "transformers.DataCollatorForSeq2Seq")])
            if model_name is not None and _bound_before(ctx, model_arg, collator):
                edits.append(ctx.add_kwarg(call.node, f"model={model_name}"))
            return ctx.fix("Use `DataCollatorForSeq2Seq`", edits, safe=True)
        tokenizer = _tokenizer_spelling(ctx, trainer)
        if tokenizer is None:
            return None
        spelling, import_edit = ctx.name_for("transformers.DataCollatorForSeq2Seq")
        model_part = f", model={model_name}" if model_name is not None else ""
        new = f"{spelling}({tokenizer}{model_part})"
        collator_arg = trainer.arg("data_collator")
        edit = (
            ctx.replace(collator_arg.expr, new)
            if collator_arg is not None
            else ctx.add_kwarg(trainer.call_node, f"data_collator={new}")
        )
        return ctx.fix("Use `DataCollatorForSeq2Seq`", [edit, import_edit], safe=True)


def _bound_before(ctx: RuleContext, model_arg: Arg | None, collator: ObjectFact) -> bool:
    """Whether the model variable the trainer gets already exists where the collator is made."""
    if model_arg is None or not isinstance(model_arg.value, ObjRef):
        return False
    model = model_arg.value.obj
    if not isinstance(model_arg.expr, cst.Name) or model.call.target != model_arg.expr.value:
        return False
    if model.call.function is not collator.call.function:
        return False
    return ctx.range(model.node).end <= ctx.range(collator.node).start


def _tokenizer_spelling(ctx: RuleContext, trainer: TrainerCall) -> str | None:
    """The tokenizer variable to hand a new collator: `processing_class=`, or the one tokenizer
    this scope loads before the trainer."""
    arg = trainer.arg("processing_class")
    if arg is not None:
        return arg.expr.value if isinstance(arg.expr, cst.Name) else None
    fn = trainer.obj.call.function
    start = ctx.range(trainer.call_node).start
    found = [
        t
        for t in ctx.objects(Kind.TOKENIZER)
        if t.call.target is not None and t.call.function is fn and ctx.range(t.node).end <= start
    ]
    names = {t.call.target for t in found}
    return names.pop() if len(names) == 1 else None
