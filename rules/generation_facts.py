"""What the generation rules (Family E) ask about a `generate()` call: which model it runs on,
whether that model is decoder-only, what its generation config says, and which tokenizer call
built the batch it gets.

Every answer is "known" or None. Unknown means silence: a receiver name bound more than once,
a batch rebuilt by code the facts do not follow, or a checkpoint whose files were not read.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import libcst as cst

from hflint.analyzers.facts import Arg, CallFact, FunctionFact, Kind, ObjectFact
from hflint.analyzers.node_cache import NodeCache
from hflint.analyzers.values import Const, ObjRef, const_str
from hflint.analyzers.walk import walk
from hflint.rules.classifier_facts import is_direct, remote_code
from hflint.rules.context import Checkpoint, RuleContext
from hflint.rules.trainer_facts import causal_lm_model, seq2seq_model, unwrap

# Methods that hand back the batch they are called on (`tok(...).to(device)`).
_BATCH_PASSTHROUGH = frozenset({"to", "cuda", "cpu"})
# Tokenizer classes whose pad token and padding side come from the tokenizer files alone.
GENERIC_TOKENIZER_CLASSES = frozenset(
    {"AutoTokenizer", "PreTrainedTokenizerFast", "TokenizersBackend"}
)
# `padding=` values that pad (PaddingStrategy's values and True).
PADDING_VALUES = (True, "longest", "max_length")


# ---- generate() calls -------------------------------------------------------------------------
@dataclass(frozen=True)
class GenerateCall:
    """`<model>.generate(...)` on a model object the facts track."""

    call: CallFact
    model: ObjectFact  # the receiver as written (a PEFT wrapper, or the model itself)

    @property
    def base(self) -> ObjectFact:
        """The model under any PEFT wrappers: it decides what generate() can do."""
        return unwrap(self.model)

    @property
    def node(self) -> cst.Call:
        return self.call.node

    @property
    def method_name(self) -> cst.Name:
        """The `generate` of `model.generate(...)`."""
        func = self.call.node.func
        assert isinstance(func, cst.Attribute)
        return func.attr


def generate_calls(ctx: RuleContext) -> list[GenerateCall]:
    """Every `.generate(...)` whose receiver is a model the facts track, at that point."""
    return ctx.shared(_generate_calls)


def _generate_calls(ctx: RuleContext) -> list[GenerateCall]:
    found = []
    for call in ctx.facts.calls_to("generate"):
        if not isinstance(call.receiver, ObjRef):
            continue
        model = call.receiver.obj
        if model.kind is Kind.MODEL and receiver_is_stable(ctx, call, model):
            found.append(GenerateCall(call, model))
    return found


def receiver_is_stable(ctx: RuleContext, call: CallFact, obj: ObjectFact) -> bool:
    """A call inside a function on a model made outside it sees the name's value at run time,
    not at definition: trust it only if the module binds that name once."""
    if call.function is None or obj.call.function is call.function:
        return True
    func = call.node.func
    receiver = func.value if isinstance(func, cst.Attribute) else func  # `tok(...)`
    held = func if call.method == "__call__" else receiver  # `self.tok(...)`, `self.m.generate`
    if (
        isinstance(held, cst.Attribute)
        and isinstance(held.value, cst.Name)
        and held.value.value == "self"
    ):
        # the collector resolves `self.<name>` only when every place that assigns it agrees
        # (analyzers/members.py), so the object is the one the attribute holds
        return True
    if not isinstance(receiver, cst.Name):
        return False
    name = receiver.value
    return binding_count(ctx.module, name) == 1 and not _binds(call.function, name)


# ---- name bindings ----------------------------------------------------------------------------
class _Bindings:
    """Counts the places one scope binds each name, without entering nested scopes."""

    def __init__(self, root: cst.CSTNode | None) -> None:
        self.root = root
        self.counts: Counter[str] = Counter()

    def _target(self, node: cst.BaseExpression | cst.BaseAssignTargetExpression) -> None:
        if isinstance(node, cst.Name):
            self.counts[node.value] += 1
        elif isinstance(node, (cst.Tuple, cst.List)):
            for element in node.elements:
                self._target(element.value)
        elif isinstance(node, cst.StarredElement):
            self._target(node.value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        if node is self.root:
            return True
        self.counts[node.name.value] += 1
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.counts[node.name.value] += 1
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_CompFor(self, node: cst.CompFor) -> bool:
        return False  # comprehension variables live in their own scope

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._target(target.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._target(node.target)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._target(node.asname.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._target(node.target)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        bound: cst.BaseExpression = node.asname.name if node.asname is not None else node.name
        while isinstance(bound, cst.Attribute):
            bound = bound.value
        if isinstance(bound, cst.Name):
            self._target(bound)

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self.counts[item.name.value] += 100

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        for item in node.names:
            self.counts[item.name.value] += 100


# Scope node -> its binding counts. Counted once per scope, not once per question: rules ask
# about many names, on every keystroke. Functions and top-level statements the edit did not
# touch keep their node, so only the edited statements are counted again; a module's total is
# the sum over its statements.
_FUNCTIONS: NodeCache[cst.FunctionDef, Counter[str]] = NodeCache(512)
_STATEMENTS: NodeCache[cst.CSTNode, Counter[str]] = NodeCache(8192)
_MODULES: NodeCache[cst.Module, Counter[str]] = NodeCache(2)


def _count_bindings(function: cst.FunctionDef) -> Counter[str]:
    counter = _Bindings(function)
    walk(function, counter)
    return counter.counts


def _count_statement(statement: cst.CSTNode) -> Counter[str]:
    """What one top-level statement binds in the module (a `def` binds its name only)."""
    counter = _Bindings(None)
    walk(statement, counter)
    return counter.counts


def _module_bindings(module: cst.Module) -> Counter[str]:
    total: Counter[str] = Counter()
    for statement in module.body:
        total.update(_STATEMENTS.get(statement, _count_statement))
    return total


def _scope_bindings(scope: cst.Module | cst.FunctionDef) -> Counter[str]:
    if isinstance(scope, cst.Module):
        return _MODULES.get(scope, _module_bindings)
    return _FUNCTIONS.get(scope, _count_bindings)


def binding_count(scope: cst.Module | cst.FunctionDef, name: str) -> int:
    """How many places bind `name` in this scope (nested functions and classes excluded);
    a `global`/`nonlocal` declaration counts as many."""
    return _scope_bindings(scope)[name]


def _binds(function: FunctionFact, name: str) -> bool:
    return name in function.params or binding_count(function.node, name) > 0


# ---- decoder-only or encoder-decoder ----------------------------------------------------------
@dataclass(frozen=True)
class Architecture:
    decoder_only: bool
    because: str  # e.g. "it is loaded with `AutoModelForCausalLM`"
    assumed: str = ""


def architecture(ctx: RuleContext, model: ObjectFact) -> Architecture | None:
    """Whether `model` generates as a decoder-only model, from its class or its checkpoint."""
    causal = causal_lm_model(ctx, model)
    if causal is not None:
        return Architecture(True, causal.because, causal.assumed)
    seq2seq = seq2seq_model(ctx, model)
    if seq2seq is not None:
        return Architecture(False, seq2seq.because, seq2seq.assumed)
    base = unwrap(model)
    if base.user_class is not None or not base.qualname.startswith("transformers."):
        return None
    ckpt = ctx.checkpoint(base)
    if ckpt is None or not ckpt.facts.config or ckpt.facts.is_encoder_decoder is None:
        return None
    if ckpt.facts.auto_map or not _generates(ctx, base, ckpt):
        return None
    kind = "an encoder-decoder" if ckpt.facts.is_encoder_decoder else "a decoder-only"
    return Architecture(
        not ckpt.facts.is_encoder_decoder, f"{ckpt.describe()} is {kind} model", ckpt.assumed
    )


def _generates(ctx: RuleContext, model: ObjectFact, ckpt: Checkpoint) -> bool:
    """The class `model` is (or its Auto class builds for the checkpoint) has generate()."""
    kn = ctx.target_knowledge
    built: str | None = model.class_name
    if model.class_name in kn.auto_tables:
        built = kn.resolve(ckpt.facts.model_type or "", model.class_name, ckpt.facts.architectures)
    return built is not None and built in kn.generative_classes


# ---- the model's generation config ------------------------------------------------------------
@dataclass(frozen=True)
class GenerationDefaults:
    """The generation config a model starts with, and where that was read."""

    values: dict[str, Any]
    where: str  # e.g. "per the generation_config.json of `./ckpt`"
    assumed: str = ""


def model_generation_config(ctx: RuleContext, model: ObjectFact) -> GenerationDefaults | None:
    """What `model.generation_config` holds after loading; None when not known.

    A model built from a config (`from_config`, a constructor) starts from the defaults; a
    checkpoint's generation_config.json counts when its files were read (a local folder, or
    a hub download); its absence counts only where a missing file means "no file".
    """
    base = unwrap(model)
    if base.user_class is not None or not base.qualname.startswith("transformers."):
        return None
    if base.method in ("from_config", "_from_config"):
        return GenerationDefaults({}, "a model built from a config starts from the defaults")
    if base.method != "from_pretrained":
        return None
    ckpt = ctx.checkpoint(base)
    if ckpt is None or ckpt.facts.auto_map:
        return None
    facts = ckpt.facts
    if facts.generation_config is not None:
        return GenerationDefaults(
            facts.generation_config,
            f"per the generation_config.json of `{ckpt.name}`",
            ckpt.assumed,
        )
    if facts.source in ("local", "hub") and facts.config and facts.base_model is None:
        return GenerationDefaults({}, f"`{ckpt.name}` has no generation_config.json", ckpt.assumed)
    return None


def generation_config_written(ctx: RuleContext, attribute: str) -> bool:
    """Whether the file may change `<model>.generation_config.<attribute>` (on any receiver),
    or replace a model's generation config altogether."""
    if ctx.facts.attr_writes.get("generation_config"):
        return True
    return any(
        isinstance(target.value, cst.Attribute) and target.value.attr.value == "generation_config"
        for target in ctx.facts.attr_writes.get(attribute, [])
    )


# ---- the batch a generate() call gets ---------------------------------------------------------
@dataclass(frozen=True)
class TokenizerBatch:
    """A `tokenizer(...)` call whose output reaches a generate() argument."""

    call: CallFact  # the tokenizer call
    tokenizer: ObjectFact
    arg: cst.Arg  # the generate() argument that carries it


def tokenizer_calls(ctx: RuleContext) -> dict[int, CallFact]:
    """`tokenizer(...)` calls on tracked tokenizers, by the id of their node."""
    return ctx.shared(_tokenizer_calls)


def _tokenizer_calls(ctx: RuleContext) -> dict[int, CallFact]:
    return {
        id(call.node): call
        for call in ctx.facts.calls_to("__call__")
        if isinstance(call.receiver, ObjRef)
        and call.receiver.obj.kind is Kind.TOKENIZER
        and receiver_is_stable(ctx, call, call.receiver.obj)
    }


def input_calls(ctx: RuleContext) -> dict[int, CallFact]:
    """Calls that build model inputs: a tokenizer or processor called, or its
    `apply_chat_template`, by the id of their node."""
    return ctx.shared(_input_calls)


def _input_calls(ctx: RuleContext) -> dict[int, CallFact]:
    return {
        id(call.node): call
        for call in ctx.facts.calls
        if call.method in ("__call__", "apply_chat_template")
        and isinstance(call.receiver, ObjRef)
        and call.receiver.obj.kind in (Kind.TOKENIZER, Kind.PROCESSOR)
    }


def star_args_are_inputs(ctx: RuleContext, gen: GenerateCall) -> bool:
    """Every `**x` of the call is a batch a tokenizer or processor built (so it holds model
    inputs, not generation settings)."""
    stars = [a for a in gen.node.args if a.star]
    if any(a.star == "*" for a in stars):
        return False
    calls = input_calls(ctx)
    return all(
        _source_call(ctx, gen.call, _unwrap_batch(a.value), calls) is not None for a in stars
    )


def _batch_expr(arg: cst.Arg) -> cst.BaseExpression | None:
    """The expression holding the whole batch: `**batch`, `batch["input_ids"]`, `b.input_ids`."""
    value = arg.value
    if arg.star == "**":
        return value
    if arg.star:
        return None
    if isinstance(value, cst.Subscript) and len(value.slice) == 1:
        index = value.slice[0].slice
        if (
            isinstance(index, cst.Index)
            and isinstance(index.value, cst.SimpleString)
            and index.value.evaluated_value == "input_ids"
        ):
            return value.value
    if isinstance(value, cst.Attribute) and value.attr.value == "input_ids":
        return value.value
    return None


def _unwrap_batch(node: cst.BaseExpression) -> cst.BaseExpression:
    while (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in _BATCH_PASSTHROUGH
    ):
        node = node.func.value
    return node


def batch_of(ctx: RuleContext, gen: GenerateCall) -> TokenizerBatch | None:
    """The tokenizer call that built the input of `gen`, followed through one variable."""
    calls = tokenizer_calls(ctx)
    if not calls:
        return None
    candidates: list[cst.Arg] = [a.node for a in gen.call.args[:1]]
    candidates += [a for a in gen.node.args if a.star == "**"]
    candidates += [gen.call.kwargs[k].node for k in ("input_ids", "inputs") if k in gen.call.kwargs]
    for arg in candidates:
        expr = _batch_expr(arg)
        if expr is None:
            continue
        source = _source_call(ctx, gen.call, _unwrap_batch(expr), calls)
        if source is not None:
            assert isinstance(source.receiver, ObjRef)
            return TokenizerBatch(source, source.receiver.obj, arg)
    return None


def _source_call(
    ctx: RuleContext, user: CallFact, expr: cst.BaseExpression, calls: dict[int, CallFact]
) -> CallFact | None:
    if isinstance(expr, cst.Call):
        return calls.get(id(expr))
    if not isinstance(expr, cst.Name):
        return None
    name = expr.value
    scope: cst.Module | cst.FunctionDef = (
        user.function.node if user.function is not None else ctx.module
    )
    assigned = [c for c in ctx.facts.calls_assigned_to(name) if c.function is user.function]
    if not assigned or binding_count(scope, name) != len(assigned):
        return None  # bound by something other than a call the facts hold
    where = ctx.range(user.node).start
    before = [c for c in assigned if ctx.range(c.node).start < where]
    if not before:
        return None
    latest = max(before, key=lambda c: ctx.range(c.node).start)
    return calls.get(id(_unwrap_batch(latest.node)))


def pads(call: CallFact) -> bool | None:
    """Whether a tokenizer call pads: True, False, or None when `padding=` is not a constant."""
    arg = call.kw("padding")
    if arg is None:
        return None if call.has_star_kwargs else False
    if not isinstance(arg.value, Const):
        return None
    value = arg.value.value
    return value is True or (isinstance(value, str) and value in PADDING_VALUES)


def const_kw(call: CallFact, name: str, default: Any = None) -> Any:
    arg = call.kw(name)
    return arg.value.value if arg is not None and isinstance(arg.value, Const) else default


# ---- tokenizers -------------------------------------------------------------------------------
def describe_tokenizer(ckpt: Checkpoint) -> str:
    """`name` and where its tokenizer facts were read (Checkpoint.describe, for tokenizers)."""
    where = {
        "local": f"its tokenizer files in {ckpt.facts.location}",
        "cache": "its tokenizer files in the Hugging Face cache",
        "hub": "its tokenizer files on the Hub",
        "bundled": "hflint's table of well-known checkpoints",
    }[ckpt.facts.source]
    assumed = f"; assuming {ckpt.assumed}" if ckpt.assumed else ""
    return f"`{ckpt.name}` (per {where}{assumed})"


def tokenizer_checkpoint(ctx: RuleContext, tok: ObjectFact) -> Checkpoint | None:
    """The checkpoint whose tokenizer files describe `tok`: a direct `from_pretrained` of a
    class that takes its special tokens from those files (AutoTokenizer, the generic classes,
    or the class the files name), without remote code or `**kwargs`."""
    if (
        tok.method != "from_pretrained"
        or tok.user_class is not None
        or not tok.qualname.startswith("transformers.")
        or not is_direct(tok)
        or remote_code(tok)
        or tok.call.has_star_kwargs
    ):
        return None
    ckpt = ctx.checkpoint(tok)
    if ckpt is None:
        return None
    named = ckpt.facts.tokenizer_class
    if tok.class_name not in GENERIC_TOKENIZER_CLASSES and (
        named is None or named.removesuffix("Fast") != tok.class_name.removesuffix("Fast")
    ):
        return None  # a model-specific class brings its own defaults
    return ckpt


@dataclass(frozen=True)
class PaddingSide:
    side: str  # "left" or "right"
    because: str
    assumed: str = ""
    arg: Arg | None = None  # the `padding_side=` argument that says so, if any


def padding_side(ctx: RuleContext, tok: ObjectFact, call: CallFact) -> PaddingSide | None:
    """The side `call` (a `tok(...)` call) pads on; None when the file or the facts leave it
    open (a non-constant value, a write to `padding_side` the facts cannot pin down)."""
    own = call.kw("padding_side")
    if own is not None:
        side = const_kw(call, "padding_side")
        if side not in ("left", "right"):
            return None
        return PaddingSide(side, f'this call passes `padding_side="{side}"`', _assumed(own), own)
    writes = ctx.facts.attr_writes.get("padding_side", [])
    if writes:
        tracked = {
            id(use.node): use
            for use in ctx.facts.attr_uses
            if use.is_write and use.path == ("padding_side",)
        }
        uses = [tracked.get(id(node)) for node in writes]
        if all(u is not None and u.obj is tok and const_str(u.value) == "right" for u in uses):
            return PaddingSide("right", f'the code sets `{ctx.code(writes[0])} = "right"`')
        return None
    load = tok.kw("padding_side")
    if load is not None:
        side = const_kw(tok.call, "padding_side")
        if side not in ("left", "right"):
            return None
        return PaddingSide(
            side, f'the tokenizer is loaded with `padding_side="{side}"`', _assumed(load)
        )
    ckpt = tokenizer_checkpoint(ctx, tok)
    if ckpt is None or ckpt.facts.tokenizer_padding_side is None:
        return None
    return PaddingSide(
        ckpt.facts.tokenizer_padding_side,
        f"the tokenizer of {describe_tokenizer(ckpt)} pads on the "
        f"{ckpt.facts.tokenizer_padding_side}",
        ckpt.assumed,
    )


def _assumed(arg: Arg) -> str:
    value = arg.value
    if isinstance(value, Const) and value.overridable:
        return value.origin or "a default"
    return ""
