"""Which calls make which kind of object: keyed on qualified names, like TorchFix's visitors."""

from __future__ import annotations

from hflint.analyzers.facts import CallFact, ClassFact, Kind, ModuleFacts, ObjectFact
from hflint.analyzers.values import ObjRef

# Class methods that build an object of their class. `from_encoder_decoder_pretrained` takes
# two checkpoints (encoder, decoder), neither of them the model's own: it records none.
LOADERS = frozenset(
    {
        "from_pretrained",
        "from_config",
        "_from_config",
        "from_dict",
        "from_json_file",
        "from_encoder_decoder_pretrained",
    }
)

# Methods that return the object they are called on (so `model = model.to(device)` keeps facts).
_PASSTHROUGH = frozenset(
    {
        "to",
        "cuda",
        "cpu",
        "half",
        "float",
        "bfloat16",
        "double",
        "eval",
        "train",
        "requires_grad_",
        "merge_and_unload",
        "to_bettertransformer",
        "share_memory",
    }
)
_PASSTHROUGH_FUNCTIONS = frozenset(
    {"torch.compile", "peft.prepare_model_for_kbit_training", "accelerate.Accelerator.prepare"}
)
_PEFT_WRAPPERS = frozenset({"peft.get_peft_model", "peft.PeftModel.from_pretrained"})
_PEFT_PREFIXES = ("peft.PeftModel", "peft.AutoPeftModel")


def passthrough_method(name: str) -> bool:
    return name in _PASSTHROUGH


def passthrough_function(qualname: str) -> bool:
    return qualname in _PASSTHROUGH_FUNCTIONS


def kind_of_class(short: str) -> Kind | None:
    """The kind of object a transformers class or factory function makes, from its name."""
    if short == "pipeline":
        return Kind.PIPELINE
    if short == "GenerationConfig":
        return Kind.GENERATION_CONFIG
    if "Tokenizer" in short:
        return Kind.TOKENIZER
    if short.endswith("TrainingArguments") or short in ("SFTConfig", "DPOConfig", "GRPOConfig"):
        return Kind.TRAINING_ARGS
    if short.endswith("Trainer"):
        return Kind.TRAINER
    if short.startswith("DataCollator"):
        return Kind.COLLATOR
    if short.endswith(("Processor", "FeatureExtractor", "ImageProcessor", "VideoProcessor")):
        return Kind.PROCESSOR
    if short == "AutoConfig" or short.endswith("Config"):
        return Kind.CONFIG
    if short.startswith("Auto") or "Model" in short or "For" in short:
        return Kind.MODEL
    return None


def _user_class_base(cls: ClassFact, facts: ModuleFacts, depth: int = 0) -> str | None:
    """The first transformers/trl base class of a class defined in this module."""
    if depth > 10:
        return None
    for base in cls.bases:
        if base.startswith(("transformers.", "trl.")):
            return base
        if base.startswith("<module>."):
            inner = facts.classes.get(base.split(".", 1)[1])
            if inner is not None:
                found = _user_class_base(inner, facts, depth + 1)
                if found:
                    return found
    return None


def classify_call(call: CallFact, facts: ModuleFacts) -> ObjectFact | None:
    qual = call.qualname
    if qual is None:
        return None
    if qual in _PEFT_WRAPPERS:
        base_arg = call.arg(0, "model")
        base = base_arg.value.obj if base_arg and isinstance(base_arg.value, ObjRef) else None
        checkpoint = base.checkpoint if base is not None else None
        return ObjectFact(Kind.MODEL, call, qual.split(".")[-1], qual, None, checkpoint, base=base)
    method: str | None = None
    cls_qual = qual
    head, _, last = qual.rpartition(".")
    if last in LOADERS:
        method, cls_qual = last, head
    user: ClassFact | None = None
    if cls_qual.startswith("<module>."):
        user = facts.classes.get(cls_qual.split(".", 1)[1])
        if user is None:
            return None
        base_name = _user_class_base(user, facts)
        if base_name is None:
            return None
        short = base_name.split(".")[-1]
    elif cls_qual.startswith(("transformers.", "trl.")) or cls_qual.startswith(_PEFT_PREFIXES):
        short = cls_qual.split(".")[-1]
    elif cls_qual in ("evaluate.load", "datasets.load_metric"):
        name = call.arg(0, "path")
        return ObjectFact(Kind.METRIC, call, cls_qual, cls_qual, None, name.value if name else None)
    else:
        return None
    kind = kind_of_class(short)
    if kind is None:
        return None
    if kind is Kind.MODEL and method is None and cls_qual.count(".") > 1 and not user:
        return None  # e.g. transformers.Foo.bar(...): not a constructor
    checkpoint_arg = None
    if kind is Kind.PIPELINE:
        checkpoint_arg = call.arg(1, "model")
    elif method == "from_pretrained":
        checkpoint_arg = call.arg(0, "pretrained_model_name_or_path")
    elif method in ("from_config", "_from_config"):
        checkpoint_arg = call.arg(0, "config")
    base_obj = None
    if cls_qual.startswith(_PEFT_PREFIXES) and method == "from_pretrained" and call.args:
        first = call.args[0].value
        if isinstance(first, ObjRef):
            base_obj = first.obj
            checkpoint_arg = call.arg(1, "model_id")
    checkpoint = checkpoint_arg.value if checkpoint_arg is not None else None
    if method in ("from_config", "_from_config") and isinstance(checkpoint, ObjRef):
        checkpoint = (
            checkpoint.obj.checkpoint
        )  # AutoModel.from_config(AutoConfig.from_pretrained(x))
    return ObjectFact(
        kind,
        call,
        short if not user else user.name,
        cls_qual,
        method,
        checkpoint,
        base=base_obj,
        user_class=user,
    )
