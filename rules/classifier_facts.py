"""What a classifier load asks for and what its checkpoint already has (Family D's shared facts).

A checkpoint whose facts are unknown, a config built elsewhere or `**kwargs` make the answer
unknown, and unknown means silence.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace

import libcst as cst

from hflint.analyzers.checkpoints import CheckpointFacts
from hflint.analyzers.facts import Arg, CallFact, Kind, LabelList, ModuleFacts, ObjectFact
from hflint.analyzers.findings import Related
from hflint.analyzers.values import Const, const_value, obj_of
from hflint.rules.context import Checkpoint, RuleContext
from hflint.rules.wrong_auto_class import registered

HEAD_SUFFIXES = ("ForSequenceClassification", "ForTokenClassification")
SEQUENCE_HEAD = "ForSequenceClassification"
_NOT_CLASS_NAMES = ("candidate", "column", "field", "key")


# ---- which loads are classifier loads ---------------------------------------------------------
def is_direct(obj: ObjectFact) -> bool:
    """The object comes from its own transformers call, not from a helper's return value.

    For an object a helper function returns, `obj.call` is the helper call: its keywords
    are the helper's, not the ones `from_pretrained` got.
    """
    expected = f"{obj.qualname}.{obj.method}" if obj.method else obj.qualname
    return obj.call.qualname == expected


def head_suffix(obj: ObjectFact) -> str | None:
    """`ForSequenceClassification` / `ForTokenClassification` for a classifier model, else None."""
    if obj.kind is not Kind.MODEL or obj.user_class is not None or obj.base is not None:
        return None
    return next((s for s in HEAD_SUFFIXES if obj.class_name.endswith(s)), None)


def classifier_loads(
    ctx: RuleContext, suffixes: tuple[str, ...] = HEAD_SUFFIXES
) -> Iterator[ObjectFact]:
    """`<X>For{Sequence,Token}Classification.from_pretrained(...)` calls made in this module."""
    registered_classes, _ = registered(ctx)
    for obj in ctx.objects(Kind.MODEL):
        suffix = head_suffix(obj)
        if (
            suffix in suffixes
            and obj.method == "from_pretrained"
            and is_direct(obj)
            and obj.class_name not in registered_classes
            and not remote_code(obj)
        ):
            yield obj


def standard_checkpoint(ctx: RuleContext, obj: ObjectFact) -> Checkpoint | None:
    """Facts of the checkpoint `obj` loads, unless its classes are not transformers' own:
    remote code (`auto_map`), a PEFT adapter, or a model type this project registers."""
    ckpt = ctx.checkpoint(obj)
    if ckpt is None:
        return None
    facts = ckpt.facts
    if facts.auto_map or facts.base_model or not facts.model_type:
        return None
    _, registered_types = registered(ctx)
    return None if facts.model_type in registered_types else ckpt


def remote_code(obj: ObjectFact) -> bool:
    """`trust_remote_code=` other than a literal False: the checkpoint's own classes decide."""
    flag = obj.kw("trust_remote_code")
    return flag is not None and const_value(flag.value, True) is not False


def wraps(outer: ObjectFact, obj: ObjectFact) -> bool:
    """`outer` is `obj` or a wrapper of it (PEFT)."""
    target: ObjectFact | None = outer
    while target is not None:
        if target is obj:
            return True
        target = target.base
    return False


def head_replaced(facts: ModuleFacts, obj: ObjectFact) -> bool:
    """The code assigns to the model outside its config (`model.classifier = nn.Linear(...)`)."""
    return any(
        use.is_write and wraps(use.obj, obj) and use.path[:1] != ("config",)
        for use in facts.attr_uses
    )


# ---- how many labels a load asks for ---------------------------------------------------------
@dataclass(frozen=True)
class LabelRequest:
    """The label count a load asks for, through its keywords or the config it is given."""

    known: bool  # False: **kwargs, a non-constant value, or a config built elsewhere
    count: int | None = None  # None: not asked for, the checkpoint's own labels are kept
    arg: Arg | None = None  # the keyword that sets the count
    call: CallFact | None = None  # the call holding the keywords: the load or its config
    config: ObjectFact | None = None  # the config object passed as `config=`

    @property
    def overridable(self) -> bool:
        return (
            self.arg is not None
            and isinstance(self.arg.value, Const)
            and self.arg.value.overridable
        )


UNKNOWN_REQUEST = LabelRequest(known=False)


def label_keywords(call: CallFact) -> LabelRequest:
    """The count one `from_pretrained` call's keywords set: it applies them to the config in
    order, so of `num_labels` and `id2label` the later one decides (observed with 5.23.0)."""
    if call.has_star_kwargs:
        return UNKNOWN_REQUEST
    id2label = call.kw("id2label")
    num = call.kw("num_labels")
    if id2label is not None and num is not None and later_arg(call, num, id2label):
        id2label = None
    if id2label is not None and const_value(id2label.value, 0) is not None:
        mapping = const_value(id2label.value)
        if isinstance(mapping, dict):
            return LabelRequest(True, len(mapping), id2label, call)
        return UNKNOWN_REQUEST
    if num is not None:
        count = const_value(num.value)
        if isinstance(count, int) and not isinstance(count, bool):
            return LabelRequest(True, count, num, call)
        return UNKNOWN_REQUEST
    return LabelRequest(True, call=call)


def later_arg(call: CallFact, a: Arg, b: Arg) -> bool:
    """Whether argument `a` comes after `b` in the call."""
    order = [id(arg) for arg in call.node.args]
    return order.index(id(a.node)) > order.index(id(b.node))


def label_request(ctx: RuleContext, obj: ObjectFact) -> LabelRequest:
    """What `obj`'s load says about its label count (see LabelRequest)."""
    call = obj.call
    if not is_direct(obj) or len(call.args) > 1:
        return UNKNOWN_REQUEST
    own = label_keywords(call)
    config_arg = call.kw("config")
    if config_arg is None or const_value(config_arg.value, 0) is None:
        return own
    if not own.known or own.count is not None:
        return UNKNOWN_REQUEST  # with a config object, transformers hands these to __init__
    config = obj_of(config_arg.value)
    if (
        config is None
        or config.kind is not Kind.CONFIG
        or config.method != "from_pretrained"
        or not is_direct(config)
        or len(config.call.args) != 1
        or config.checkpoint is None
        or config.checkpoint != obj.checkpoint
        or any(use.is_write and use.obj is config for use in ctx.facts.attr_uses)
    ):
        return UNKNOWN_REQUEST
    inner = label_keywords(config.call)
    return replace(inner, config=config) if inner.known else UNKNOWN_REQUEST


# ---- the labels the file spells out ----------------------------------------------------------
def class_name_lists(facts: ModuleFacts) -> list[LabelList]:
    """Literal lists that name classes: at least two distinct strings."""
    out = []
    for found in facts.label_lists:
        labels = found.labels
        if found.name != "ClassLabel" and any(w in found.name.lower() for w in _NOT_CLASS_NAMES):
            continue
        if (
            len(labels) >= 2
            and all(isinstance(x, str) for x in labels)
            and len(set(labels)) == len(labels)
        ):
            out.append(found)
    return out


def agreed_labels(facts: ModuleFacts) -> LabelList | None:
    """The file's class names, when every literal list of them agrees."""
    lists = class_name_lists(facts)
    if lists and len({tuple(found.labels) for found in lists}) == 1:
        return lists[0]
    return None


def py_literal(value: object) -> str | None:
    """Python source for a label or id; None for anything but str and int."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return None


def dict_literal(pairs: list[tuple[object, object]]) -> str | None:
    parts = []
    for key, value in pairs:
        k, v = py_literal(key), py_literal(value)
        if k is None or v is None:
            return None
        parts.append(f"{k}: {v}")
    return "{" + ", ".join(parts) + "}"


def preview(labels: list[object] | tuple[object, ...], limit: int = 5) -> str:
    shown = ", ".join(str(x) for x in labels[:limit])
    return shown + (", ..." if len(labels) > limit else "")


def related_labels(ctx: RuleContext, labels: LabelList) -> Related:
    what = "`ClassLabel`" if labels.name == "ClassLabel" else f"`{labels.name}`"
    return Related(f"{what}: {len(labels.labels)} labels defined here", ctx.range(labels.node))


# ---- HF401 -----------------------------------------------------------------------------------
def is_classifier(facts: CheckpointFacts) -> bool | None:
    """Whether a checkpoint already has a classifier head; None when its config cannot tell."""
    if facts.label_count is not None or any("Classification" in a for a in facts.architectures):
        return True
    if facts.id2label is not None and not _default_labels(facts.id2label):
        return True
    if not facts.architectures:
        return None  # no architectures: a 2-label classifier saved without id2label looks the same
    return False


def _default_labels(id2label: dict[int, str]) -> bool:
    """transformers' own two placeholder labels, which a base model's config may carry."""
    return id2label == {0: "LABEL_0", 1: "LABEL_1"}


# ---- how many outputs a classifier head has ----------------------------------------------------
@dataclass(frozen=True)
class HeadSize:
    count: int
    because: str  # e.g. "`num_labels=24`", "the 9 labels of `dslim/bert-base-NER`"
    assumed: str = ""  # an overridable value (a command-line default) it rests on
    multi_label: bool = False  # problem_type="multi_label_classification"


def head_size(ctx: RuleContext, obj: ObjectFact) -> HeadSize | None:
    """The number of outputs of a classifier loaded in this module, when known: from its
    `num_labels` / `id2label` (or those of its config), else from its checkpoint's labels."""
    if head_suffix(obj) is None or obj.method != "from_pretrained" or not is_direct(obj):
        return None
    if remote_code(obj) or head_replaced(ctx.facts, obj):
        return None
    request = label_request(ctx, obj)
    if not request.known:
        return None
    multi = _problem_type(obj, request) == "multi_label_classification"
    if request.count is not None and request.arg is not None:
        key = request.arg.node.keyword.value if request.arg.node.keyword else "num_labels"
        shown = (
            f"`num_labels={request.count}`"
            if key == "num_labels"
            else f"`{key}` with {request.count} entries"
        )
        value = request.arg.value
        assumed = (
            value.origin or "a default" if isinstance(value, Const) and value.overridable else ""
        )
        return HeadSize(request.count, shown, assumed, multi)
    ckpt = standard_checkpoint(ctx, obj)
    if ckpt is None or ckpt.facts.num_labels is None or not is_classifier(ckpt.facts):
        return None
    return HeadSize(
        ckpt.facts.num_labels,
        f"the {ckpt.facts.num_labels} labels of {ckpt.describe()}",
        ckpt.assumed,
        multi,
    )


def _problem_type(obj: ObjectFact, request: LabelRequest) -> object:
    for call in (obj.call, request.call, request.config.call if request.config else None):
        arg = call.kw("problem_type") if call is not None else None
        if arg is not None:
            return const_value(arg.value)
    return None


def checkpoint_label_map(ctx: RuleContext, arg: Arg) -> tuple[int, Checkpoint] | None:
    """`id2label=config.id2label` / `model.config.id2label` read from an object loaded from a
    checkpoint whose labels are known: (their count, the checkpoint)."""
    expr = arg.expr
    if not isinstance(expr, cst.Attribute) or expr.attr.value != "id2label":
        return None
    inner = expr.value
    via_model = isinstance(inner, cst.Attribute) and inner.attr.value == "config"
    node = inner if via_model else expr
    obj = next((u.obj for u in ctx.facts.attr_uses if u.node is node and not u.is_write), None)
    if obj is None or obj.method != "from_pretrained":
        return None
    if obj.kind is not (Kind.MODEL if via_model else Kind.CONFIG):
        return None
    written = [u for n in ("id2label", "num_labels") for u in ctx.facts.attribute_writes(n)]
    if any(use.obj is obj for use in written):
        return None
    if not is_direct(obj) or label_keywords(obj.call).count is not None:
        return None  # the load itself changes the labels
    ckpt = standard_checkpoint(ctx, obj)
    if ckpt is None or ckpt.facts.num_labels is None or not is_classifier(ckpt.facts):
        return None
    return ckpt.facts.num_labels, ckpt
