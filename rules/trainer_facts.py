"""What the training rules ask about a `Trainer(...)` call: which library class it really is,
which model, arguments and collator it gets, and what a subclass in the file overrides.

Every answer is "known" or None. A rule that gets None stays silent: a trainer from trl or
setfit, a subclass with its own `__init__`, arguments passed through `**kwargs` or a value the
command line decides are not facts to build a finding on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import libcst as cst

from hflint.analyzers.facts import Arg, ClassFact, FunctionFact, Kind, ModuleFacts, ObjectFact
from hflint.analyzers.findings import Edit, Related
from hflint.analyzers.knowledge import UNKNOWN
from hflint.analyzers.values import ClassRef, Const, ObjRef, Value
from hflint.rules.context import RuleContext

TRAINER = "transformers.Trainer"
SEQ2SEQ_TRAINER = "transformers.Seq2SeqTrainer"
TRAINING_ARGS = "transformers.TrainingArguments"
SEQ2SEQ_ARGS = "transformers.Seq2SeqTrainingArguments"
TRANSFORMERS_TRAINERS = frozenset({TRAINER, SEQ2SEQ_TRAINER})
TRANSFORMERS_ARGS = frozenset({TRAINING_ARGS, SEQ2SEQ_ARGS})
DEFAULT_COLLATOR = "transformers.default_data_collator"

# Trainer.__init__ (and Seq2SeqTrainer.__init__) in positional order, transformers 5.23.0.
TRAINER_POSITIONAL = (
    "model",
    "args",
    "data_collator",
    "train_dataset",
    "eval_dataset",
    "processing_class",
    "model_init",
    "compute_loss_func",
    "compute_metrics",
    "callbacks",
    "optimizers",
    "optimizer_cls_and_kwargs",
    "preprocess_logits_for_metrics",
)

# Model classes that generate their output sequence with `generate()`: the Auto classes here,
# and every class their tables list (read from the installed transformers).
SEQ2SEQ_AUTO_CLASSES = ("AutoModelForSeq2SeqLM", "AutoModelForSpeechSeq2Seq")
_SEQ2SEQ_WRAPPERS = frozenset({"AutoPeftModelForSeq2SeqLM", "PeftModelForSeq2SeqLM"})
CAUSAL_LM_AUTO = "AutoModelForCausalLM"
_CAUSAL_WRAPPERS = frozenset({"AutoPeftModelForCausalLM", "PeftModelForCausalLM"})
_MAX_DEPTH = 10


# ---- class hierarchy ----------------------------------------------------------------------
@dataclass(frozen=True)
class Lineage:
    """The library class a (possibly user-defined) class comes from, and what the file adds."""

    base: str  # qualified library class, e.g. transformers.Trainer
    overrides: frozenset[str]  # methods defined by classes of this module in between


def lineage(obj: ObjectFact, facts: ModuleFacts) -> Lineage | None:
    """None when a base class cannot be resolved (imported from elsewhere, several libraries)."""
    if obj.user_class is None:
        return Lineage(obj.qualname, frozenset())
    return class_lineage(obj.user_class, facts)


def class_lineage(cls: ClassFact, facts: ModuleFacts) -> Lineage | None:
    """The library class a class of this module derives from, and the methods the module's
    classes define on the way; None when a base cannot be resolved."""
    bases: set[str] = set()
    methods: set[str] = set()
    if not _walk(cls, facts, bases, methods, 0) or len(bases) != 1:
        return None
    return Lineage(bases.pop(), frozenset(methods))


def _walk(
    cls: ClassFact, facts: ModuleFacts, bases: set[str], methods: set[str], depth: int
) -> bool:
    if depth > _MAX_DEPTH:
        return False
    methods |= cls.methods
    for base in cls.bases:
        if base.startswith("<module>."):
            inner = facts.classes.get(base.split(".", 1)[1])
            if inner is None or not _walk(inner, facts, bases, methods, depth + 1):
                return False
        elif base.startswith(("transformers.", "trl.")):
            bases.add(base)
        elif base not in ("object", "abc.ABC", "typing.Generic"):
            return False  # a class from another module: it may override anything
    return True


# ---- argument values ----------------------------------------------------------------------
@dataclass(frozen=True)
class Setting:
    """The value one argument has, explicit or by default, and what that rests on."""

    name: str
    value: Any
    arg: Arg | None  # None: transformers' default
    assumed: str = ""  # non-empty when the value is an overridable (command-line) default

    @property
    def explicit(self) -> bool:
        return self.arg is not None


_NO_DEFAULT = object()


def enum_value(value: Value) -> Value:
    """`IntervalStrategy.EPOCH` / `SaveStrategy.BEST` read as the strings they stand for."""
    if isinstance(value, ClassRef):
        parts = value.qualname.split(".")
        if len(parts) >= 3 and parts[0] == "transformers" and parts[-2].endswith("Strategy"):
            return Const(parts[-1].lower())
    return value


def setting(
    obj: ObjectFact,
    name: str,
    facts: ModuleFacts,
    default: Any = _NO_DEFAULT,
    positional: int | None = None,
) -> Setting | None:
    """The value of argument `name` of the call that made `obj`; None when not known.

    Unknown: a non-constant value, `**kwargs` that may hold it, positional arguments that may
    be it, or a later `obj.name = ...` (or `trainer.args.name = ...`) assignment.
    """
    if _written_later(obj, name, facts):
        return None
    call = obj.call
    arg = call.kwargs.get(name)
    if arg is None and positional is not None and positional < len(call.args):
        arg = call.args[positional]
    if arg is not None:
        value = enum_value(arg.value)
        if not isinstance(value, Const):
            return None
        assumed = (value.origin or "a default") if value.overridable else ""
        return Setting(name, value.value, arg, assumed)
    if call.has_star_kwargs or default is _NO_DEFAULT:
        return None
    if positional is not None and len(call.args) > positional:
        return None
    return Setting(name, default, None)


def _written_later(obj: ObjectFact, name: str, facts: ModuleFacts) -> bool:
    for use in facts.attribute_writes(name):
        if use.obj is obj:
            return True
        if use.obj.kind is Kind.TRAINER and use.path == ("args", name):
            return True
    return False


def explicit_args(obj: ObjectFact, names: frozenset[str]) -> list[Arg]:
    """The keyword arguments of `obj`'s call that are in `names`, in source order."""
    return [arg for key, arg in obj.call.kwargs.items() if key in names]


# ---- a Trainer(...) call ------------------------------------------------------------------
@dataclass(frozen=True)
class TrainerCall:
    obj: ObjectFact
    lineage: Lineage
    facts: ModuleFacts

    @property
    def call_node(self) -> cst.Call:
        return self.obj.node

    @property
    def is_plain_trainer(self) -> bool:
        """`transformers.Trainer(...)` itself, no subclass in between."""
        return self.obj.user_class is None and self.lineage.base == TRAINER

    def overrides(self, *methods: str) -> bool:
        return any(m in self.lineage.overrides for m in methods)

    @property
    def is_transformers(self) -> bool:
        return (
            self.lineage.base in TRANSFORMERS_TRAINERS and "__init__" not in self.lineage.overrides
        )

    def arg(self, name: str) -> Arg | None:
        """The argument `name` of Trainer.__init__, by keyword, or by position for the
        transformers classes (other libraries order their parameters their own way)."""
        if not self.is_transformers:
            return self.obj.call.kwargs.get(name)
        return self.obj.call.arg(TRAINER_POSITIONAL.index(name), name)

    def passes(self, name: str) -> bool | None:
        """Whether `name` is passed (and not as None); None when `**kwargs` may pass it."""
        arg = self.arg(name)
        if arg is not None:
            return not (isinstance(arg.value, Const) and arg.value.value is None)
        if self.obj.call.has_star_kwargs:
            return None
        return False

    def model(self) -> ObjectFact | None:
        """The model object given as `model=`, or the one `model_init=` always returns."""
        arg = self.arg("model")
        if arg is not None:
            return _object(arg.value, Kind.MODEL)
        init = self.arg("model_init")
        if init is None or not isinstance(init.expr, cst.Name):
            return None
        fn = self.facts.functions.get(init.expr.value)
        if fn is None or not fn.returns:
            return None
        objs = {id(o): o for o in (_object(r, Kind.MODEL) for r in fn.returns)}
        found = list(objs.values())
        return found[0] if len(found) == 1 else None

    def args(self) -> ObjectFact | None:
        arg = self.arg("args")
        return _object(arg.value, Kind.TRAINING_ARGS) if arg is not None else None

    def function(self, name: str) -> FunctionFact | None:
        """The function of this module passed as `name=` (also through functools.partial)."""
        arg = self.arg(name)
        if arg is None:
            return None
        expr = arg.expr
        if isinstance(expr, cst.Call) and expr.args:
            callee = expr.func
            dotted = callee.attr.value if isinstance(callee, cst.Attribute) else None
            if (isinstance(callee, cst.Name) and callee.value == "partial") or dotted == "partial":
                expr = expr.args[0].value
        if isinstance(expr, cst.Name):
            return self.facts.functions.get(expr.value)
        return None


def _object(value: Value, kind: Kind) -> ObjectFact | None:
    if isinstance(value, ObjRef) and value.obj.kind is kind:
        return value.obj
    return None


def all_trainers(facts: ModuleFacts) -> Iterator[TrainerCall]:
    """Every trainer call whose library class is known: transformers', trl's, ..."""
    for obj in facts.objects_of(Kind.TRAINER):
        found = lineage(obj, facts)
        if found is not None:
            yield TrainerCall(obj, found, facts)


def transformers_trainers(facts: ModuleFacts) -> Iterator[TrainerCall]:
    """`Trainer`/`Seq2SeqTrainer` calls (or subclasses of them in this file), never trl's or
    setfit's trainers, and never a subclass whose own `__init__` may take other arguments."""
    return (t for t in all_trainers(facts) if t.is_transformers)


def trainers_using(obj: ObjectFact, facts: ModuleFacts, argument: str) -> Iterator[TrainerCall]:
    """The trainers (of any library) that get `obj` as `argument`, e.g. as their collator."""
    for trainer in all_trainers(facts):
        arg = trainer.arg(argument)
        if arg is not None and isinstance(arg.value, ObjRef) and arg.value.obj is obj:
            yield trainer


# ---- what kind of model -------------------------------------------------------------------
@dataclass(frozen=True)
class ModelKind:
    """Why a model is taken to be of some kind: its class, or its checkpoint's config."""

    model: ObjectFact  # the load call (after unwrapping PEFT wrappers)
    because: str  # e.g. "it is loaded with `AutoModelForSeq2SeqLM`"
    assumed: str = ""


def unwrap(model: ObjectFact) -> ObjectFact:
    """The model a PEFT wrapper wraps (`get_peft_model(model, cfg)`)."""
    seen = 0
    while model.base is not None and seen < _MAX_DEPTH:
        model = model.base
        seen += 1
    return model


def seq2seq_classes(ctx: RuleContext) -> frozenset[str]:
    """Every class the installed transformers builds for AutoModelForSeq2SeqLM/SpeechSeq2Seq."""
    out: set[str] = set()
    for auto in SEQ2SEQ_AUTO_CLASSES:
        for value in ctx.knowledge.auto_tables.get(auto, {}).values():
            out.update((value,) if isinstance(value, str) else value)
    return frozenset(out)


def seq2seq_model(ctx: RuleContext, model: ObjectFact) -> ModelKind | None:
    """Evidence that `model` is an encoder-decoder that produces text with `generate()`.

    A generic Auto class counts only when the checkpoint's model type resolves, through that
    Auto class, to one of the seq2seq classes: `AutoModelForCausalLM` on BART builds the
    decoder-only `BartForCausalLM`, and `AutoModel` on T5 builds the headless `T5Model`.
    """
    model = unwrap(model)
    name = model.class_name
    if name in SEQ2SEQ_AUTO_CLASSES or name in _SEQ2SEQ_WRAPPERS:
        return ModelKind(model, f"it is loaded with `{name}`")
    if not model.qualname.startswith("transformers.") or model.user_class is not None:
        return None
    classes = seq2seq_classes(ctx)
    if name in classes:
        return ModelKind(model, f"`{name}` is an encoder-decoder model class")
    if not name.startswith("Auto") or name not in ctx.knowledge.auto_tables:
        return None
    checkpoint = ctx.checkpoint(model)
    if checkpoint is None or checkpoint.facts.model_type is None:
        return None
    built = ctx.knowledge.resolve(checkpoint.facts.model_type, name, checkpoint.facts.architectures)
    if built is None or built not in classes:
        return None
    return ModelKind(
        model, f"`{name}` builds `{built}` for {checkpoint.describe()}", checkpoint.assumed
    )


def causal_lm_model(ctx: RuleContext, model: ObjectFact) -> ModelKind | None:
    """Evidence that `model` is a causal (decoder-only) language model, from its class."""
    model = unwrap(model)
    name = model.class_name
    if name == CAUSAL_LM_AUTO or name in _CAUSAL_WRAPPERS:
        return ModelKind(model, f"it is loaded with `{name}`")
    if not model.qualname.startswith("transformers.") or model.user_class is not None:
        return None
    if not name.startswith("Auto") and ctx.knowledge.head_of(name) == CAUSAL_LM_AUTO:
        return ModelKind(model, f"`{name}` is a causal language model class")
    return None


# Decoder-only model types whose tokenizer classes still define a mask token (their
# `__init__` defaults in transformers 5.23.0; a test re-derives the set from the installed
# tokenizers). Gemma-family and Cohere tokenizers without a table entry ship one as well.
_MASKED_TOKENIZER_TYPES = frozenset(
    {
        "cohere",
        "cohere2",
        "gemma",
        "gemma2",
        "gemma3",
        "gemma3_text",
        "gemma3n",
        "gemma3n_text",
        "git",
        "recurrent_gemma",
        "trocr",
        "xlnet",
        "zaya",
    }
)
_MASKED_TOKENIZER_PREFIXES = ("gemma", "cohere")


def decoder_only_type(ctx: RuleContext, model_type: str) -> bool:
    """A model type with a causal LM head and neither a masked-LM nor a seq2seq head
    (GPT-2, Llama, Qwen...)."""
    k = ctx.knowledge
    causal = k.resolve(model_type, CAUSAL_LM_AUTO)
    if causal in (None, UNKNOWN):
        return False
    return all(
        k.resolve(model_type, other) is None
        for other in ("AutoModelForMaskedLM", *SEQ2SEQ_AUTO_CLASSES)
    )


def tokenizer_lacks_mask_token(ctx: RuleContext, model_type: str) -> bool:
    """Whether tokenizers of `model_type` come without a mask token: decoder-only types,
    minus those whose tokenizer classes define one anyway."""
    if model_type in _MASKED_TOKENIZER_TYPES or model_type.startswith(_MASKED_TOKENIZER_PREFIXES):
        return False
    return decoder_only_type(ctx, model_type)


def related_places(
    ctx: RuleContext, *items: tuple[cst.CSTNode | ObjectFact | None, str]
) -> list[Related]:
    out: list[Related] = []
    for item, label in items:
        if isinstance(item, ObjectFact):
            out.append(ctx.loaded_here(item, label))
        elif item is not None:
            out.append(Related(label, ctx.range(item)))
    return out


def describe_assumption(assumed: str) -> str:
    return f" (assuming {assumed}; the command line may change it)" if assumed else ""


# ---- fixes --------------------------------------------------------------------------------
def use_classes(ctx: RuleContext, renames: list[tuple[cst.BaseExpression, str]]) -> list[Edit]:
    """Replace each callee with the local spelling of a transformers class, along with the
    import edits each one needs (`ctx.fix` merges them into one edit per import statement)."""
    edits: list[Edit] = []
    for node, qualname in renames:
        spelling, import_edit = ctx.name_for(qualname, like=node)
        edits.append(ctx.replace(node, spelling))
        if import_edit is not None:
            edits.append(import_edit)
    return edits
