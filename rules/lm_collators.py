"""Family C, causal-LM half: the collator decides the training objective.

A causal LM computes its loss only from `labels`, and `DataCollatorForLanguageModeling` makes
those labels as masked-LM targets unless told `mlm=False`. Both mistakes are invisible in the
code that builds the trainer and surface only once training starts.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from hflint.analyzers.facts import Kind, ObjectFact
from hflint.analyzers.findings import Edit, Finding, Fix, Related, Severity
from hflint.analyzers.values import ClassRef, ObjRef
from hflint.rules.base import Example, Rule
from hflint.rules.context import RuleContext
from hflint.rules.trainer_facts import (
    DEFAULT_COLLATOR,
    ModelKind,
    TrainerCall,
    causal_lm_model,
    decoder_only_type,
    describe_assumption,
    setting,
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

MASK_TOKEN_ERROR = (
    "ValueError: This tokenizer does not have a mask token which is necessary for masked "
    "language modeling. You should pass mlm=False to train on causal language modeling instead."
)
NO_LOSS_ERROR = (
    "ValueError: The model did not return a loss from the inputs, only the following keys: "
    "logits. For reference, the inputs it received are input_ids,attention_mask."
)


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
            found = self._evidence(ctx, collator)
            if found is None:
                continue
            kind, consequence, related = found
            assumed = mlm.assumed or kind.assumed
            message = (
                "`DataCollatorForLanguageModeling` is in masked-LM mode (`mlm` "
                f"{'is True' if mlm.explicit else 'defaults to True'}"
                f"{describe_assumption(mlm.assumed)}) but {kind.because}: {consequence} "
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
                related=related,
                severity=self.severity.lowered() if assumed else self.severity,
            )

    @staticmethod
    def _evidence(
        ctx: RuleContext, collator: ObjectFact
    ) -> tuple[ModelKind, str, list[Related]] | None:
        """Why the objective must be causal: the trained model, else the tokenizer's type."""
        for trainer in trainers_using(collator, ctx.facts, "data_collator"):
            model = trainer.model()
            kind = causal_lm_model(ctx, model) if model is not None else None
            if kind is not None:
                consequence = (
                    "the collator masks tokens for a masked-LM objective the causal model "
                    f"cannot learn from; a tokenizer without a mask token raises `{MASK_TOKEN_ERROR}`"
                )
                return kind, consequence, [ctx.loaded_here(kind.model, "causal LM loaded here")]
        arg = collator.call.arg(0, "tokenizer")
        tokenizer = arg.value.obj if arg is not None and isinstance(arg.value, ObjRef) else None
        if tokenizer is None or tokenizer.kind is not Kind.TOKENIZER:
            return None
        if _adds_mask_token(ctx, tokenizer):
            return None
        checkpoint = ctx.checkpoint(tokenizer)
        model_type = checkpoint.facts.model_type if checkpoint is not None else None
        if checkpoint is None or model_type is None or not decoder_only_type(ctx, model_type):
            return None
        kind = ModelKind(
            tokenizer,
            f"the tokenizer is for the decoder-only {checkpoint.describe()}",
            checkpoint.assumed,
        )
        consequence = f"it has no mask token, so creating the collator raises `{MASK_TOKEN_ERROR}`"
        return kind, consequence, [ctx.loaded_here(tokenizer, "tokenizer loaded here")]


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
            fixed="""from transformers import AutoModelForCausalLM, AutoTokenizer, DataCollatorWithPadding, Trainer, DataCollatorForLanguageModeling

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
        return any(call.method == "map" for call in facts.calls)

    @staticmethod
    def _has_label_names(ctx: RuleContext, trainer: TrainerCall) -> bool:
        args = trainer.args()
        if args is None:
            return trainer.passes("args") is not False
        names = setting(args, "label_names", ctx.facts, default=None)
        return names is None or names.value is not None

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
            if tokenizer is None or not isinstance(tokenizer.expr, cst.Name) or collator_arg is None:
                return None
            spelling, import_edit = ctx.name_for(MLM_COLLATOR, like=collator_arg.expr)
            new = f"{spelling}({tokenizer.expr.value}, mlm=False)"
            edits = [ctx.replace(collator_arg.expr, new)]
            if import_edit is not None:
                edits.append(import_edit)
        return ctx.fix("Use `DataCollatorForLanguageModeling(tokenizer, mlm=False)`", edits, safe=False)
