"""Family I, metrics: decoding label ids that still hold -100, the index the loss ignores.

`DataCollatorForSeq2Seq` pads labels with -100 and the evaluation loop pads arrays of different
lengths with -100 when it concatenates batches, so `compute_metrics` receives -100 in
`label_ids` (and, when generation runs longer than the model's `generation_config.max_length`,
in the generated `predictions`). The fast tokenizer cannot decode a negative id.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import libcst as cst

from hflint.analyzers.facts import CallFact, FunctionFact, Kind, ModuleFacts
from hflint.analyzers.findings import Edit, Finding, Fix, Related, Severity
from hflint.analyzers.label_sources import mentions_ignore_index
from hflint.analyzers.node_cache import NodeCache
from hflint.analyzers.values import ClassRef, Const, ObjRef
from hflint.analyzers.walk import walk
from hflint.rules.base import Example, Rule
from hflint.rules.context import RuleContext
from hflint.rules.statement_order import (
    Interpreter,
    Trail,
    insert_line_before,
    insertion_point,
    module_import_edit,
    scope_body,
)
from hflint.rules.trainer_facts import (
    DEFAULT_COLLATOR,
    SEQ2SEQ_TRAINER,
    TrainerCall,
    all_trainers,
    setting,
)

DECODE_ERROR = "OverflowError: number too small to fit in target type"
_DECODERS = frozenset({"decode", "batch_decode"})
# first-parameter names of functions that read like `compute_metrics(eval_pred)`
_EVAL_PARAMS = frozenset(
    {"eval_pred", "eval_preds", "eval_prediction", "eval_predictions", "p", "pred", "eval_p"}
)
# calls that keep the values of their first argument (a copy, another container type)
_KEEP_FUNCTIONS = frozenset({"array", "asarray", "tensor", "as_tensor", "list", "tuple", "copy"})
_KEEP_METHODS = frozenset(
    {
        "tolist",
        "numpy",
        "cpu",
        "detach",
        "copy",
        "clone",
        "astype",
        "long",
        "int",
        "squeeze",
        "reshape",
        "flatten",
        "ravel",
        "to",
    }
)
# numpy functions that write into their first argument
_IN_PLACE_FUNCTIONS = frozenset({"place", "putmask", "copyto"})
# Trainer methods a subclass may override to produce predictions its own way
_EVAL_OVERRIDES = ("prediction_step", "evaluate", "evaluation_loop", "predict")
LABELS, PREDICTIONS = "labels", "predictions"


@dataclass(frozen=True)
class _Source:
    """An `EvalPrediction` / `PredictionOutput`: `.predictions` / `[0]`, `.label_ids` / `[1]`."""

    padding: str = ""  # why its generated predictions may be padded with -100 ("" if not)
    clean_labels: bool = False  # its label ids cannot hold -100 (see _labels_without_ignore_index)


@dataclass(frozen=True)
class _Taint:
    """Ids that may hold -100, and the expression to clean: a variable of the scope (with the
    statements where it was bound) or an expression written in place (`p.label_ids`)."""

    kind: str  # LABELS or PREDICTIONS
    name: str | None = None
    bound: Trail = ()
    node: cst.BaseExpression | None = None
    why: str = ""  # for predictions: why generation may leave -100 in them


_Value = _Source | _Taint
_State = dict[str, _Value]


@dataclass(eq=False)
class _Decode:
    call: CallFact
    arg: cst.BaseExpression
    taint: _Taint
    trail: Trail


def _dotted_last(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def _index(node: cst.Subscript) -> int | None:
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    value = node.slice[0].slice.value
    if not isinstance(value, cst.Integer):
        return None
    number = value.evaluated_value
    return number if isinstance(number, int) else None


def _plain_index(node: cst.Subscript) -> bool:
    """`x[0]`, `x[i]`, `x[:, 1:]`: picks rows or columns; a mask (`x[x != -100]`) drops ids."""
    for element in node.slice:
        part = element.slice
        if isinstance(part, cst.Index) and not isinstance(
            part.value, (cst.Integer, cst.Name, cst.UnaryOperation)
        ):
            return False
    return True


class _Flow(Interpreter[_State]):
    """Follows, statement by statement, which names hold ids that may contain -100."""

    def __init__(self, decoders: dict[int, CallFact]) -> None:
        super().__init__()
        self.decoders = decoders
        self.found: list[_Decode] = []
        self.predict_sources: dict[int, str] = {}  # id(trainer.predict call) -> padding
        self.clean_predict: set[int] = set()  # trainer.predict calls whose labels hold no -100

    # ---- joins --------------------------------------------------------------------------
    def copy(self, state: _State) -> _State:
        return dict(state)

    def merge(self, a: _State, b: _State) -> _State:
        """A name stays suspect only if it is on both paths: a clean-up on either path may be
        the one that runs (`if ignore_pad_token_for_loss: labels = np.where(...)`)."""
        out: _State = {}
        for name, value in a.items():
            other = b.get(name)
            if other is None:
                continue
            if isinstance(value, _Taint) and isinstance(other, _Taint):
                if value.kind == other.kind:
                    out[name] = value
            elif value == other:
                out[name] = value
        return out

    # ---- values -------------------------------------------------------------------------
    def value(self, expr: cst.BaseExpression, env: _State) -> _Value | None:
        if isinstance(expr, cst.Name):
            return env.get(expr.value)
        if isinstance(expr, cst.Subscript):
            inner = self.value(expr.value, env)
            if isinstance(inner, _Source):
                return _from_source(expr, inner)
            return inner if isinstance(inner, _Taint) and _plain_index(expr) else None
        if isinstance(expr, cst.Attribute):
            inner = self.value(expr.value, env)
            return _from_source(expr, inner) if isinstance(inner, _Source) else None
        if isinstance(expr, cst.Call):
            if id(expr) in self.predict_sources:
                return _Source(self.predict_sources[id(expr)], id(expr) in self.clean_predict)
            func = expr.func
            found: _Value | None = None
            if isinstance(func, cst.Attribute) and func.attr.value in _KEEP_METHODS:
                found = self.value(func.value, env)
            elif (
                _dotted_last(func) in _KEEP_FUNCTIONS
                and expr.args
                and expr.args[0].keyword is None
                and not expr.args[0].star
            ):
                found = self.value(expr.args[0].value, env)
            return found if isinstance(found, _Taint) else None
        return None

    # ---- bindings -----------------------------------------------------------------------
    def bind(
        self, target: cst.BaseExpression, value: _Value | None, env: _State, trail: Trail
    ) -> None:
        """A variable of the scope: decoding it is fixed by cleaning it where it was bound."""
        if isinstance(target, cst.Name):
            if isinstance(value, _Taint):
                env[target.value] = _Taint(value.kind, target.value, trail, why=value.why)
            elif isinstance(value, _Source):
                env[target.value] = value
            else:
                env.pop(target.value, None)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for i, element in enumerate(target.elements):
                part: _Value | None = None
                if isinstance(value, _Source) and not isinstance(element, cst.StarredElement):
                    kind = {0: PREDICTIONS, 1: LABELS}.get(i)
                    if (kind == LABELS and not value.clean_labels) or (
                        kind == PREDICTIONS and value.padding
                    ):
                        part = _Taint(kind, why=value.padding if kind == PREDICTIONS else "")
                self.bind(element.value, part, env, trail)
        elif isinstance(target, cst.StarredElement):
            self.bind(target.value, None, env, trail)
        elif isinstance(target, (cst.Subscript, cst.Attribute)):
            self.clean(target, env)

    def bind_pairs(
        self, target: cst.BaseExpression, value: cst.BaseExpression, env: _State, trail: Trail
    ) -> None:
        """`preds, labels = p.predictions, p.label_ids`: element by element."""
        if (
            isinstance(target, (cst.Tuple, cst.List))
            and isinstance(value, (cst.Tuple, cst.List))
            and len(target.elements) == len(value.elements)
        ):
            values = [self.value(v.value, env) for v in value.elements]
            for element, found in zip(target.elements, values, strict=True):
                self.bind(element.value, found, env, trail)
            return
        self.bind(target, self.value(value, env), env, trail)

    def bind_loop(
        self, target: cst.BaseExpression, iterable: cst.BaseExpression, env: _State, trail: Trail
    ) -> None:
        """`for label in labels`, `zip(preds, labels)`, `enumerate(labels)`: rows keep taint."""
        if isinstance(iterable, cst.Call) and isinstance(target, (cst.Tuple, cst.List)):
            name = _dotted_last(iterable.func)
            args = [a.value for a in iterable.args if a.keyword is None and not a.star]
            if name == "zip" and len(args) == len(target.elements):
                for element, arg in zip(target.elements, args, strict=True):
                    self._bind_row(element.value, self.value(arg, env), env)
                return
            if name == "enumerate" and len(args) == 1 and len(target.elements) == 2:
                self.bind(target.elements[0].value, None, env, trail)
                self._bind_row(target.elements[1].value, self.value(args[0], env), env)
                return
        self._bind_row(target, self.value(iterable, env), env)

    def _bind_row(self, target: cst.BaseExpression, value: _Value | None, env: _State) -> None:
        """A row keeps the taint of what it came from: cleaning means cleaning that."""
        if isinstance(target, cst.Name) and isinstance(value, _Taint):
            env[target.value] = value
        else:
            for name in _names(target):
                env.pop(name, None)

    def clean(self, expr: cst.BaseExpression, env: _State) -> None:
        """`labels[labels == -100] = pad`, `labels.masked_fill_(...)`, `np.place(labels, ...)`:
        any write in place may be the clean-up, of the row and of what it came from."""
        base = expr
        while isinstance(base, (cst.Subscript, cst.Attribute)):
            base = base.value
        if isinstance(base, cst.Name):
            found = env.pop(base.value, None)
            if isinstance(found, _Taint) and found.name is not None:
                env.pop(found.name, None)

    # ---- statements ---------------------------------------------------------------------
    def header(self, stmt: cst.BaseCompoundStatement, state: _State, trail: Trail) -> _State:
        if isinstance(stmt, cst.For):
            self._scan(stmt.iter, state, trail)
            self.bind_loop(stmt.target, stmt.iter, state, trail)
        elif isinstance(stmt, (cst.If, cst.While)):
            self._scan(stmt.test, state, trail)
        elif isinstance(stmt, cst.With):
            for item in stmt.items:
                self._scan(item.item, state, trail)
                if item.asname is not None:
                    for name in _names(item.asname.name):
                        state.pop(name, None)
        return state

    def simple(
        self, line: cst.SimpleStatementLine | cst.SimpleStatementSuite, state: _State, trail: Trail
    ) -> _State:
        for small in line.body:
            self._scan(small, state, trail)
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    self.bind_pairs(target.target, small.value, state, trail)
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                self.bind_pairs(small.target, small.value, state, trail)
            elif isinstance(small, cst.AugAssign):
                self.clean(small.target, state)
        return state

    def _scan(self, node: cst.CSTNode, state: _State, trail: Trail) -> None:
        calls, in_place = _CALLS.get(node, _calls_in)
        if in_place or any(c in self.decoders for c in calls):
            walk(node, _Scanner(self, state, trail))


class _CallCollector:
    def __init__(self) -> None:
        self.calls: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)


def _calls_in(node: cst.CSTNode) -> tuple[tuple[int, ...], bool]:
    """The calls inside a statement, and whether one may clean a variable in place: a scan of
    a statement with neither decoding nor cleaning changes nothing."""
    collector = _CallCollector()
    walk(node, collector)
    in_place = False
    for call in collector.calls:
        func = call.func
        if isinstance(func, cst.Attribute):
            name = func.attr.value
            in_place = in_place or (name.endswith("_") and not name.startswith("_"))
        in_place = in_place or _dotted_last(func) in _IN_PLACE_FUNCTIONS
    return tuple(id(call) for call in collector.calls), in_place


# Statement -> _calls_in(statement); the ids stay valid while the statement is kept
_CALLS: NodeCache[cst.CSTNode, tuple[tuple[int, ...], bool]] = NodeCache(8192)


def _from_source(expr: cst.Attribute | cst.Subscript, source: _Source) -> _Taint | None:
    """`p.label_ids` / `p[1]` (labels), `p.predictions` / `p[0]` (predictions)."""
    kind: str | None
    if isinstance(expr, cst.Attribute):
        kind = {"label_ids": LABELS, "predictions": PREDICTIONS}.get(expr.attr.value)
    else:
        index = _index(expr)
        kind = {0: PREDICTIONS, 1: LABELS}.get(index) if index is not None else None
    if kind is None or (kind == PREDICTIONS and not source.padding):
        return None
    if kind == LABELS and source.clean_labels:
        return None
    return _Taint(kind, node=expr, why=source.padding if kind == PREDICTIONS else "")


def _names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _names(e.value)]
    if isinstance(target, cst.StarredElement):
        return _names(target.value)
    return []


class _Scanner:
    """One statement's calls in evaluation order, with comprehension variables in scope."""

    def __init__(self, flow: _Flow, state: _State, trail: Trail) -> None:
        self.flow = flow
        self.state = state
        self.trail = trail
        self.stack: list[_State] = []

    @property
    def env(self) -> _State:
        return self.stack[-1] if self.stack else self.state

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def _enter(self, node: cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp) -> None:
        env = dict(self.env)
        comp: cst.CompFor | None = node.for_in
        while comp is not None:
            self.flow.bind_loop(comp.target, comp.iter, env, self.trail)
            comp = comp.inner_for_in
        self.stack.append(env)

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._enter(node)

    def leave_ListComp(self, node: cst.ListComp) -> None:
        self.stack.pop()

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._enter(node)

    def leave_SetComp(self, node: cst.SetComp) -> None:
        self.stack.pop()

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._enter(node)

    def leave_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self.stack.pop()

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._enter(node)

    def leave_DictComp(self, node: cst.DictComp) -> None:
        self.stack.pop()

    def leave_Call(self, node: cst.Call) -> None:
        call = self.flow.decoders.get(id(node))
        if call is not None:
            arg = call.arg(0, "token_ids") or call.arg(0, "sequences")
            if arg is not None:
                found = self.flow.value(arg.expr, self.env)
                if isinstance(found, _Taint) and (found.name or found.node is not None):
                    self.flow.found.append(_Decode(call, arg.expr, found, self.trail))
            return
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value.endswith("_")
            and not func.attr.value.startswith("_")
        ):
            self.flow.clean(func.value, self.state)
        elif _dotted_last(func) in _IN_PLACE_FUNCTIONS and node.args:
            self.flow.clean(node.args[0].value, self.state)


# ---- where the ids come from ------------------------------------------------------------------
def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _generated_padding(ctx: RuleContext, trainer: TrainerCall) -> str:
    """Why this trainer's predictions may be generated ids padded with -100 ("" when not
    known to be): `Seq2SeqTrainer` pads each batch with the pad token only up to the model's
    `generation_config.max_length`; when generation is asked to run longer
    (`generation_max_length`, or `max_length` / `max_new_tokens` given to `evaluate` /
    `predict`), batches come back with different lengths and the evaluation loop pads them to
    one array with -100. Needs the checkpoint's generation_config.json: silent without it."""
    if trainer.lineage.base != SEQ2SEQ_TRAINER or trainer.overrides(*_EVAL_OVERRIDES):
        return ""
    args = trainer.args()
    if args is None or args.kw("generation_config") is not None:
        return ""
    generate = setting(args, "predict_with_generate", ctx.facts, default=False)
    if generate is None or not generate.value:
        return ""
    asked: list[tuple[int, str]] = []
    length = setting(args, "generation_max_length", ctx.facts)
    if length is not None and _int(length.value) is not None:
        asked.append((length.value, f"`generation_max_length={length.value}`"))
    for call in ctx.facts.method_calls(trainer.obj):
        if call.method not in ("evaluate", "predict"):
            continue
        for key, extra in (("max_length", 0), ("max_new_tokens", 1)):
            arg = call.kw(key)
            value = _int(arg.value.value) if arg and isinstance(arg.value, Const) else None
            if value is not None:
                asked.append((value + extra, f"`{call.method}({key}={value})`"))
    model = trainer.model()
    checkpoint = ctx.checkpoint(model) if model is not None and asked else None
    generation = checkpoint.facts.generation_config if checkpoint is not None else None
    if checkpoint is None or not isinstance(generation, dict):
        return ""
    pad_to = max(
        _int(generation.get("max_length")) or 20,
        (_int(generation.get("max_new_tokens")) or -1) + 1,
    )
    longest, what = max(asked)
    if longest <= pad_to:
        return ""
    return (
        f"{what} asks for up to {longest} tokens, while the generation config of "
        f"`{checkpoint.name}` pads each batch only to {pad_to}"
    )


# collators that never put -100 into labels (they pad nothing, or only the inputs)
_PLAIN_COLLATORS = frozenset({"transformers.DataCollatorWithPadding"})


def _labels_without_ignore_index(ctx: RuleContext, trainer: TrainerCall) -> bool:
    """Whether this trainer's label ids cannot hold -100: its collator never inserts it
    (none given, `default_data_collator`, `DataCollatorWithPadding`), every `padding=` in the
    file is "max_length" (labels of one length: the evaluation loop has nothing to pad) and
    the file never writes -100 (e.g. `labels[labels == pad] = -100`)."""
    arg = trainer.arg("data_collator")
    if arg is None:
        if trainer.obj.call.has_star_kwargs:
            return False
    elif isinstance(arg.value, ObjRef):
        if arg.value.obj.qualname not in _PLAIN_COLLATORS or arg.value.obj.user_class:
            return False
    elif not (isinstance(arg.value, ClassRef) and arg.value.qualname == DEFAULT_COLLATOR):
        return False
    return ctx.shared(_fixed_length_labels)


def _fixed_length_labels(ctx: RuleContext) -> bool:
    paddings = [c.kwargs["padding"] for c in ctx.facts.calls if "padding" in c.kwargs]
    if not paddings or any(
        not (isinstance(p.value, Const) and p.value.value == "max_length") for p in paddings
    ):
        return False
    if any(c.kw("text_target") is not None and "padding" not in c.kwargs for c in ctx.facts.calls):
        return False
    return not mentions_ignore_index(ctx.module)


def _eval_parameter(fn: FunctionFact) -> str | None:
    params = fn.params[1:] if fn.class_name is not None else fn.params
    return params[0] if params else None


@dataclass
class _Scope:
    fn: FunctionFact | None
    decoders: dict[int, CallFact] = field(default_factory=dict)
    predicts: list[CallFact] = field(default_factory=list)


def _scopes(facts: ModuleFacts) -> dict[int, _Scope]:
    out: dict[int, _Scope] = {}
    for call in facts.calls:
        if call.method in _DECODERS:
            first = call.arg(0, "token_ids") or call.arg(0, "sequences")
            if first is None or isinstance(first.value, Const):
                continue  # `data.decode("utf-8")`: bytes
            key = id(call.function) if call.function is not None else 0
            out.setdefault(key, _Scope(call.function)).decoders[id(call.node)] = call
    if out:
        for call in facts.calls:
            recv = call.receiver.obj if isinstance(call.receiver, ObjRef) else None
            if call.method == "predict" and recv is not None and recv.kind is Kind.TRAINER:
                key = id(call.function) if call.function is not None else 0
                if key in out:
                    out[key].predicts.append(call)
    return out


def _tokenizer_code(ctx: RuleContext, call: CallFact) -> str | None:
    """The tokenizer whose `pad_token_id` replaces -100 (a processor's own tokenizer)."""
    func = call.node.func
    if not isinstance(func, cst.Attribute):
        return None
    code = ctx.code(func.value)
    recv = call.receiver.obj if isinstance(call.receiver, ObjRef) else None
    if (recv is not None and recv.kind is Kind.PROCESSOR) or (
        recv is None and code.lower().endswith("processor")
    ):
        code += ".tokenizer"
    return code


def _numpy(ctx: RuleContext) -> tuple[str, Edit | None] | None:
    """How numpy is spelled here, and the import to add when it is not imported."""
    for local, qualname in ctx.facts.imports.items():
        if qualname == "numpy":
            return local, None
    if "np" in ctx.facts.imports:
        return None
    return "np", module_import_edit(ctx, "import numpy as np")


class DecodeLabelsWithIgnoreIndex(Rule):
    code = "HF902"
    name = "decode-labels-with-ignore-index"
    severity = Severity.WARNING
    summary = "Label ids decoded without replacing -100 first"
    what = (
        "Checks, statement by statement, for `tokenizer.decode(...)` / `batch_decode(...)` of "
        "label ids that come from the evaluation loop and may still hold -100:\n\n"
        "- in a `compute_metrics` function (one passed as `compute_metrics=` to a trainer, or "
        "one whose name says metric and whose parameter is `eval_pred`, `p`, `pred`...): "
        "`eval_pred.label_ids`, `eval_pred[1]`, or the second name of `preds, labels = "
        "eval_pred`;\n"
        "- the `label_ids` of `trainer.predict(...)`;\n"
        "- at info level, the generated `predictions` of a `Seq2SeqTrainer` with "
        "`predict_with_generate=True` that asks for longer generation (`generation_max_length="
        "`, or `max_length`/`max_new_tokens` given to `evaluate`/`predict`) than the "
        "`max_length` in the checkpoint's generation_config.json (read from a local folder or "
        "the Hugging Face cache; silent when it is not known).\n\n"
        "Rows (`for label in labels`, comprehensions, `zip(preds, labels)`) and copies "
        "(`np.array(labels)`, `labels.tolist()`) are followed. Any clean-up before the decode "
        "silences it, on any branch: `np.where(labels != -100, ...)`, `torch.where`, "
        "`labels[labels == -100] = pad`, a comprehension that filters -100, a helper that "
        "returns new labels. Decoding `input_ids`, labels made by the tokenizer in "
        "preprocessing, and `argmax` predictions are not checked."
    )
    why = (
        "-100 is the label index the loss ignores. `DataCollatorForSeq2Seq` pads labels with "
        "it (observed: `[[2, -100, -100], [2, 2, 2]]`), and the evaluation loop pads arrays of "
        "different lengths with it when it concatenates batches (`EvalLoopContainer("
        "padding_index=-100)`). The fast tokenizer cannot decode a negative id; with "
        "transformers 5.23.0 and tokenizers 0.23.3, `tok.decode([-100])` and "
        "`tok.batch_decode(...)` on such arrays raise\n\n"
        f"    {DECODE_ERROR}\n\n"
        "With `predict_with_generate=True`, `Seq2SeqTrainer` pads generated ids with the pad "
        "token only up to the model's `generation_config.max_length`; asked to generate "
        "longer (`generation_max_length=12` on a model whose `max_length` was 5), batches "
        "came back with different lengths and `predictions` held -100 (observed)."
    )
    example = """
def compute_metrics(eval_pred):
    preds, labels = eval_pred
    refs = tok.batch_decode(labels, skip_special_tokens=True)
"""
    use_instead = """
def compute_metrics(eval_pred):
    preds, labels = eval_pred
    labels = np.where(labels != -100, labels, tok.pad_token_id)
    refs = tok.batch_decode(labels, skip_special_tokens=True)
"""
    fix_safety = (
        "Safe when the decode passes `skip_special_tokens=True`: the fix replaces -100 with "
        "the tokenizer's pad token just before the ids are decoded (and adds `import numpy as "
        "np` if numpy is not imported), and the pad tokens are then dropped from the text. "
        "Without `skip_special_tokens=True` the pad token's text appears where -100 was, which "
        "changes the decoded strings: unsafe. A tokenizer without a pad token (GPT-2) needs "
        "another id, e.g. `eos_token_id`."
    )
    references = (
        "https://huggingface.co/docs/transformers/tasks/summarization#evaluate",
        "transformers/data/data_collator.py (DataCollatorForSeq2Seq, label_pad_token_id=-100); "
        "transformers/trainer_pt_utils.py (EvalLoopContainer); "
        "transformers/trainer_seq2seq.py (Seq2SeqTrainer.prediction_step)",
    )
    triggers = (
        Example(
            """import numpy as np
from transformers import AutoTokenizer

tok = AutoTokenizer.from_pretrained("google-t5/t5-small")


def compute_metrics(eval_pred):
    preds, labels = eval_pred
    refs = tok.batch_decode(labels, skip_special_tokens=True)
    return {"refs": len(refs)}
""",
            note="the catalogue's example",
            fixed="""import numpy as np
from transformers import AutoTokenizer

tok = AutoTokenizer.from_pretrained("google-t5/t5-small")


def compute_metrics(eval_pred):
    preds, labels = eval_pred
    labels = np.where(labels != -100, labels, tok.pad_token_id)
    refs = tok.batch_decode(labels, skip_special_tokens=True)
    return {"refs": len(refs)}
""",
        ),
        Example(
            """import evaluate
import transformers as T

tokenizer = T.AutoTokenizer.from_pretrained("facebook/bart-base")
bleu = evaluate.load("sacrebleu")


def score(p):
    refs = tokenizer.batch_decode(p.label_ids, skip_special_tokens=True)
    hyps = tokenizer.batch_decode(p.predictions, skip_special_tokens=True)
    return bleu.compute(predictions=hyps, references=[[r] for r in refs])


trainer = T.Seq2SeqTrainer(model=model, args=args, compute_metrics=score)
""",
            note="module alias, label_ids read in place, numpy not imported yet",
            fixed="""import evaluate
import transformers as T
import numpy as np

tokenizer = T.AutoTokenizer.from_pretrained("facebook/bart-base")
bleu = evaluate.load("sacrebleu")


def score(p):
    refs = tokenizer.batch_decode(np.where(p.label_ids != -100, p.label_ids, tokenizer.pad_token_id), skip_special_tokens=True)
    hyps = tokenizer.batch_decode(p.predictions, skip_special_tokens=True)
    return bleu.compute(predictions=hyps, references=[[r] for r in refs])


trainer = T.Seq2SeqTrainer(model=model, args=args, compute_metrics=score)
""",
        ),
        Example(
            """from transformers import AutoModelForCausalLM, Trainer

model = AutoModelForCausalLM.from_pretrained("gpt2")
trainer = Trainer(model=model, args=args, eval_dataset=test_ds)
output = trainer.predict(test_ds)
references = [tokenizer.decode(ids, skip_special_tokens=True) for ids in output.label_ids]
""",
            note="trainer.predict() at module level, rows decoded in a comprehension",
            fixed="""from transformers import AutoModelForCausalLM, Trainer
import numpy as np

model = AutoModelForCausalLM.from_pretrained("gpt2")
trainer = Trainer(model=model, args=args, eval_dataset=test_ds)
output = trainer.predict(test_ds)
references = [tokenizer.decode(ids, skip_special_tokens=True) for ids in np.where(output.label_ids != -100, output.label_ids, tokenizer.pad_token_id)]
""",
        ),
        Example(
            """import numpy as np
from transformers import Trainer


def compute_metrics(pred):
    labels = pred.label_ids.tolist()
    for row in labels:
        print(processor.decode(row))
    return {}


Trainer(model=model, compute_metrics=compute_metrics)
""",
            note="a processor, a copy, rows in a loop, no skip_special_tokens (unsafe fix)",
            fixed="""import numpy as np
from transformers import Trainer


def compute_metrics(pred):
    labels = pred.label_ids.tolist()
    labels = np.where(labels != -100, labels, processor.tokenizer.pad_token_id)
    for row in labels:
        print(processor.decode(row))
    return {}


Trainer(model=model, compute_metrics=compute_metrics)
""",
        ),
    )
    near_misses = (
        Example(
            """import numpy as np
from transformers import Seq2SeqTrainer


def compute_metrics(eval_pred):
    predictions, labels = eval_pred
    decoded_preds = tokenizer.batch_decode(predictions, skip_special_tokens=True)
    labels = np.where(labels != -100, labels, tokenizer.pad_token_id)
    decoded_labels = tokenizer.batch_decode(labels, skip_special_tokens=True)
    return {"n": len(decoded_labels)}
""",
            note="the tutorial: labels cleaned; predictions padded with the pad token only",
        ),
        Example(
            """from transformers import Trainer


def compute_metrics(p):
    labels = p.label_ids
    labels[labels == -100] = tokenizer.pad_token_id
    return {"refs": tokenizer.batch_decode(labels, skip_special_tokens=True)}
""",
            note="replaced in place",
        ),
        Example(
            """from transformers import Trainer


def compute_metrics(eval_pred):
    preds, labels = eval_pred
    refs = [tok.decode([t for t in row if t != -100]) for row in labels]
    return {"n": len(refs)}
""",
            note="a comprehension that filters -100 out",
        ),
        Example(
            """import numpy as np
from transformers import Seq2SeqTrainer


def compute_metrics(eval_preds):
    preds, labels = eval_preds
    if data_args.ignore_pad_token_for_loss:
        labels = np.where(labels != -100, labels, tokenizer.pad_token_id)
    return {"refs": tokenizer.batch_decode(labels, skip_special_tokens=True)}
""",
            note="cleaned on one branch (the run_summarization.py example)",
        ),
        Example(
            """import torch
from transformers import Trainer


def compute_metrics(eval_pred):
    logits, labels = eval_pred
    refs = tok.batch_decode(torch.where(labels != -100, labels, tok.pad_token_id))
    inputs = tok.batch_decode(eval_pred.inputs)
    return {"n": len(refs) + len(inputs)}
""",
            note="torch.where in place; input ids are not labels",
        ),
        Example(
            """from transformers import AutoTokenizer

tok = AutoTokenizer.from_pretrained("t5-small")


def preprocess(batch):
    labels = tok(text_target=batch["summary"], truncation=True)["input_ids"]
    print(tok.batch_decode(labels))
    return {"labels": labels}
""",
            note="labels made by the tokenizer, not from the evaluation loop",
        ),
        Example(
            """import numpy as np
from transformers import Trainer


def compute_metrics(eval_pred):
    logits, labels = eval_pred
    preds = np.argmax(logits, axis=-1)
    text = tokenizer.batch_decode(preds)
    raw = open("refs.bin", "rb").read().decode("utf-8")
    return {"n": len(text) + len(raw)}
""",
            note="argmax predictions, bytes.decode",
        ),
        Example(
            """from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments


def compute_metrics(eval_pred):
    predictions, labels = eval_pred
    return {"preds": tokenizer.batch_decode(predictions, skip_special_tokens=True)}


args = Seq2SeqTrainingArguments("out", predict_with_generate=True)
Seq2SeqTrainer(model=model, args=args, compute_metrics=compute_metrics)
""",
            note="generation within the model's own max_length: padded with the pad token",
        ),
        Example(
            """import numpy as np
from transformers import AutoModelForSeq2SeqLM, Seq2SeqTrainer, Seq2SeqTrainingArguments


def compute_metrics(eval_preds):
    preds, labels = eval_preds
    labels = np.where(labels != -100, labels, tokenizer.pad_token_id)
    decoded_preds = tokenizer.batch_decode(preds, skip_special_tokens=True)
    return {"n": len(decoded_preds)}


model = AutoModelForSeq2SeqLM.from_pretrained(model_args.model_name_or_path)
args = Seq2SeqTrainingArguments("out", predict_with_generate=True, generation_max_length=128)
trainer = Seq2SeqTrainer(model=model, args=args, compute_metrics=compute_metrics)
""",
            note="predictions: the model's generation config is unknown, so is any -100",
        ),
        Example(
            """from transformers import Trainer


def compute_metrics(eval_pred):
    preds, labels = eval_pred
    labels = postprocess_labels(labels, tokenizer)
    return {"refs": tokenizer.batch_decode(labels)}
""",
            note="a helper returns new labels",
        ),
        Example(
            """from transformers import Seq2SeqTrainer, TrOCRProcessor, default_data_collator

processor = TrOCRProcessor.from_pretrained("microsoft/trocr-base-handwritten")


def preprocess(batch):
    pixel_values = processor(images=batch["image"], return_tensors="np").pixel_values
    labels = processor(text=batch["text"], padding="max_length", max_length=64).input_ids
    return {"pixel_values": pixel_values, "labels": labels}


def compute_metrics(pred):
    label_str = processor.batch_decode(pred.label_ids, skip_special_tokens=True)
    pred_str = processor.batch_decode(pred.predictions, skip_special_tokens=True)
    return {"cer": cer.compute(predictions=pred_str, references=label_str)}


trainer = Seq2SeqTrainer(model=model, args=args, train_dataset=train, eval_dataset=val,
                         compute_metrics=compute_metrics, data_collator=default_data_collator)
""",
            note="labels padded to max_length by the processor, default collator: no -100 anywhere",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        scopes = _scopes(ctx.facts)
        if not scopes:
            return
        trainers = {id(t.obj): t for t in all_trainers(ctx.facts)}
        linked: dict[int, str] = {}
        clean: dict[int, bool] = {}
        for trainer in trainers.values():
            fn = trainer.function("compute_metrics")
            if fn is not None:
                linked[id(fn)] = linked.get(id(fn)) or _generated_padding(ctx, trainer)
                clean[id(fn)] = clean.get(id(fn), True) and _labels_without_ignore_index(
                    ctx, trainer
                )
        for scope in scopes.values():
            yield from self._check_scope(ctx, scope, linked, clean, trainers)

    def _check_scope(
        self,
        ctx: RuleContext,
        scope: _Scope,
        linked: dict[int, str],
        clean: dict[int, bool],
        trainers: dict[int, TrainerCall],
    ) -> Iterator[Finding]:
        state: _State = {}
        fn = scope.fn
        if fn is not None:
            param = _eval_parameter(fn)
            if param is not None and id(fn) in linked:
                state[param] = _Source(linked[id(fn)], clean.get(id(fn), False))
            elif param in _EVAL_PARAMS and "metric" in fn.name.lower():
                state[param] = _Source()
        flow = _Flow(scope.decoders)
        for call in scope.predicts:
            recv = call.receiver.obj if isinstance(call.receiver, ObjRef) else None
            trainer = trainers.get(id(recv)) if recv is not None else None
            flow.predict_sources[id(call.node)] = (
                _generated_padding(ctx, trainer) if trainer is not None else ""
            )
            if trainer is not None and _labels_without_ignore_index(ctx, trainer):
                flow.clean_predict.add(id(call.node))
        if not state and not flow.predict_sources:
            return
        node: cst.Module | cst.FunctionDef = ctx.module if fn is None else fn.node
        flow.run(scope_body(node), state)
        reported: set[object] = set()
        for decode in flow.found:
            taint = decode.taint
            origin: object = taint.name if taint.name is not None else id(taint.node)
            if origin in reported:
                continue
            reported.add(origin)
            yield self._report(ctx, decode)

    def _report(self, ctx: RuleContext, decode: _Decode) -> Finding:
        taint = decode.taint
        tok = _tokenizer_code(ctx, decode.call) or "tokenizer"
        spelled = _numpy(ctx)
        np_name = spelled[0] if spelled is not None else "np"
        target = taint.name if taint.name is not None else ctx.code(taint.node or decode.arg)
        cleaned = f"{np_name}.where({target} != -100, {target}, {tok}.pad_token_id)"
        suggestion = f"{taint.name} = {cleaned}" if taint.name is not None else cleaned
        arg = ctx.code(decode.arg)
        arg = arg if len(arg) <= 40 else arg[:37] + "..."
        method = decode.call.method
        if taint.kind == LABELS:
            where = (
                "it comes from the evaluation loop's label ids, where data collators put -100 "
                "on padding (`DataCollatorForSeq2Seq`, `DataCollatorForLanguageModeling`) and "
                "the loop pads batches of different lengths with -100"
            )
            severity = self.severity
        else:
            where = (
                f"it comes from generated ids, and {taint.why}, so `Seq2SeqTrainer` returns "
                "batches of different lengths that the evaluation loop pads with -100"
            )
            severity = self.severity.lowered()
        message = (
            f"`{arg}` may hold -100, the label index the loss ignores: {where}. `{method}` "
            f"cannot decode it: the tokenizer raises `{DECODE_ERROR}`. Replace -100 with the "
            f"pad token first: `{suggestion}`."
        )
        related: list[Related] = []
        if taint.name is not None and taint.bound:
            related.append(Related(f"`{taint.name}` set here", ctx.range(taint.bound[-1])))
        fix = self._fix(ctx, decode, tok, cleaned, spelled)
        return ctx.report(self, decode.arg, message, fix=fix, related=related, severity=severity)

    @staticmethod
    def _fix(
        ctx: RuleContext,
        decode: _Decode,
        tok: str,
        cleaned: str,
        spelled: tuple[str, Edit | None] | None,
    ) -> Fix | None:
        if spelled is None or _tokenizer_code(ctx, decode.call) is None:
            return None
        taint = decode.taint
        edit: Edit | None
        if taint.name is not None:
            at = insertion_point(taint.bound, decode.trail)
            edit = None if at is None else insert_line_before(ctx, at, f"{taint.name} = {cleaned}")
        elif taint.node is not None:
            edit = ctx.replace(taint.node, cleaned)
        else:
            edit = None
        if edit is None:
            return None
        skip = decode.call.kw("skip_special_tokens")
        safe = skip is not None and isinstance(skip.value, Const) and skip.value.value is True
        message = f"Replace -100 with `{tok}.pad_token_id` before decoding"
        if not safe:
            message += " (the pad token's text then appears in the decoded strings)"
        return ctx.fix(message, [edit, spelled[1]], safe=safe)
