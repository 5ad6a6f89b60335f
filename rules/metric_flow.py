"""What a `compute_metrics` (or `preprocess_logits_for_metrics`) function does with what the
evaluation loop hands it: the metric rules' shared reading.

Statement by statement (statement_order.Interpreter), each name holds one of:

- the `EvalPrediction` itself (`eval_pred`, `p`);
- RAW predictions (`p.predictions`, `p[0]`, the first of `preds, labels = p`): for some models
  a tuple of arrays;
- LOGITS: an array of predictions picked out of that tuple (`preds[0]`), or predictions that
  may or may not have been (after `if isinstance(preds, tuple): preds = preds[0]`);
- IDS: token or class ids (`p.label_ids`, `argmax(...)` of predictions, `np.where(...)` of ids);
- TEXT: decoded strings (`batch_decode`, comprehensions over them);

with where it came from (the predictions or the labels). Only the shapes a rule can act on
are followed; anything else is unknown, and unknown values never produce a finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import libcst as cst

from hflint.analyzers.facts import CallFact, FunctionFact, Kind
from hflint.analyzers.values import Const, ObjRef
from hflint.rules.context import RuleContext
from hflint.rules.statement_order import Interpreter, Trail, scope_body
from hflint.rules.trainer_facts import TrainerCall, all_trainers

EVAL, RAW, LOGITS, IDS, TEXT = "eval", "raw", "logits", "ids", "text"
PRED, LABEL = "predictions", "labels"
_KEEP_FUNCTIONS = frozenset(
    {"array", "asarray", "tensor", "as_tensor", "from_numpy", "list", "tuple", "copy", "squeeze"}
)
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
_DECODERS = frozenset({"decode", "batch_decode"})
_TEXT_METHODS = frozenset({"strip", "lower", "split", "replace", "join", "upper"})


@dataclass(frozen=True)
class V:
    kind: str
    origin: str = ""


@dataclass(frozen=True)
class Argmax:
    node: cst.Call
    of: V


@dataclass(frozen=True)
class Compute:
    """A metric's `compute(...)` / `add_batch(...)`, or an sklearn scoring call."""

    call: CallFact
    predictions: V | None
    references: V | None
    prediction_arg: cst.Arg | None
    reference_arg: cst.Arg | None


@dataclass
class Flow:
    fn: FunctionFact
    argmaxes: list[Argmax] = field(default_factory=list)
    computes: list[Compute] = field(default_factory=list)
    decodes: list[cst.Call] = field(default_factory=list)
    shifts: bool = False  # slices like `[:, :-1]` / `[..., 1:]`: the logits are aligned by hand
    checks_shape: bool = False  # reads `.ndim`, `.shape` or `.dim()`: it adapts to what it gets


_State = dict[str, V]


def _call_index(ctx: RuleContext) -> dict[int, CallFact]:
    return {id(call.node): call for call in ctx.facts.calls}


def call_of(ctx: RuleContext, node: cst.CSTNode) -> CallFact | None:
    """The call fact of a call node of this module."""
    return ctx.shared(_call_index).get(id(node))


def flow_of(ctx: RuleContext, fn: FunctionFact, preprocess: bool = False) -> Flow:
    """How `fn` treats its arguments: as `compute_metrics(eval_pred)`, or (`preprocess`) as
    `preprocess_logits_for_metrics(logits, labels)`. Computed once per function and role."""
    flows = ctx.shared(_flows)
    key = (id(fn), preprocess)
    if key not in flows:
        flows[key] = _run(ctx, fn, preprocess)
    return flows[key]


def _flows(ctx: RuleContext) -> dict[tuple[int, bool], Flow]:
    return {}


def _run(ctx: RuleContext, fn: FunctionFact, preprocess: bool) -> Flow:
    params = fn.params[1:] if fn.class_name is not None else fn.params
    state: _State = {}
    if preprocess:
        if params:
            state[params[0]] = V(RAW, PRED)
        if len(params) > 1:
            state[params[1]] = V(IDS, LABEL)
    elif params:
        state[params[0]] = V(EVAL)
    runner = _Runner(ctx, Flow(fn))
    runner.run(scope_body(fn.node), state)
    return runner.flow


def _index(node: cst.Subscript) -> int | None:
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    value = node.slice[0].slice.value
    return int(value.value) if isinstance(value, cst.Integer) and value.value.isdigit() else None


def _shifted(node: cst.Subscript) -> bool:
    """`x[:, :-1]`, `x[..., 1:]`, `x[:, 1:]`: a slice dropping the first or the last position."""
    for element in node.slice:
        part = element.slice
        if not isinstance(part, cst.Slice):
            continue
        lower, upper = part.lower, part.upper
        if isinstance(lower, cst.Integer) and lower.value == "1":
            return True
        if (
            isinstance(upper, cst.UnaryOperation)
            and isinstance(upper.operator, cst.Minus)
            and isinstance(upper.expression, cst.Integer)
            and upper.expression.value == "1"
        ):
            return True
    return False


def _merge_values(a: V, b: V) -> V | None:
    if a == b:
        return a
    if a.origin != b.origin:
        return None
    if {a.kind, b.kind} <= {RAW, LOGITS}:
        return V(LOGITS, a.origin)
    return None


class _Runner(Interpreter[_State]):
    def __init__(self, ctx: RuleContext, flow: Flow) -> None:
        super().__init__()
        self.ctx = ctx
        self.flow = flow
        self.calls = ctx.shared(_call_index)
        self.seen: set[int] = set()

    def copy(self, state: _State) -> _State:
        return dict(state)

    def merge(self, a: _State, b: _State) -> _State:
        out: _State = {}
        for name, value in a.items():
            other = b.get(name)
            merged = _merge_values(value, other) if other is not None else None
            if merged is not None:
                out[name] = merged
        return out

    def header(self, stmt: cst.BaseCompoundStatement, state: _State, trail: Trail) -> _State:
        if isinstance(stmt, (cst.If, cst.While)):
            self.value(stmt.test, state)
        elif isinstance(stmt, cst.For):
            found = self.value(stmt.iter, state)
            self._bind_row(stmt.target, found, state)
        elif isinstance(stmt, cst.With):
            for item in stmt.items:
                self.value(item.item, state)
        return state

    def simple(
        self, line: cst.SimpleStatementLine | cst.SimpleStatementSuite, state: _State, trail: Trail
    ) -> _State:
        for small in line.body:
            if isinstance(small, cst.Assign):
                found = self.value(small.value, state)
                for target in small.targets:
                    self.bind(target.target, small.value, found, state)
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                self.bind(small.target, small.value, self.value(small.value, state), state)
            elif isinstance(small, cst.AugAssign):
                self.value(small.value, state)
                for name in _names(small.target):
                    state.pop(name, None)
            elif isinstance(small, (cst.Expr, cst.Return)):
                returned = small.value
                if returned is not None:
                    self.value(returned, state)
        return state

    # ---- bindings -----------------------------------------------------------------------
    def bind(
        self, target: cst.BaseExpression, expr: cst.BaseExpression, found: V | None, state: _State
    ) -> None:
        if isinstance(target, cst.Name):
            if found is None:
                state.pop(target.value, None)
            else:
                state[target.value] = found
            return
        if isinstance(target, (cst.Tuple, cst.List)):
            parts: list[V | None] = [None] * len(target.elements)
            if found is not None and found.kind == EVAL and len(parts) == 2:
                parts = [V(RAW, PRED), V(IDS, LABEL)]
            elif isinstance(expr, (cst.Tuple, cst.List)) and len(expr.elements) == len(parts):
                parts = [self.value(e.value, state) for e in expr.elements]
            for element, part in zip(target.elements, parts, strict=True):
                if isinstance(element.value, cst.Name):
                    self.bind(element.value, element.value, part, state)
                else:
                    for name in _names(element.value):
                        state.pop(name, None)
            return
        if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            return  # `labels[labels == -100] = pad`: still ids
        for name in _names(target):
            state.pop(name, None)

    def _bind_row(self, target: cst.BaseExpression, found: V | None, state: _State) -> None:
        row = (
            V(found.kind, found.origin) if found is not None and found.kind in (IDS, TEXT) else None
        )
        if isinstance(target, cst.Name) and row is not None:
            state[target.value] = row
        else:
            for name in _names(target):
                state.pop(name, None)

    # ---- values -------------------------------------------------------------------------
    def value(self, expr: cst.BaseExpression, env: _State) -> V | None:
        if isinstance(expr, cst.Name):
            return env.get(expr.value)
        if isinstance(expr, cst.Attribute):
            inner = self.value(expr.value, env)
            if expr.attr.value in ("ndim", "shape"):
                self.flow.checks_shape = True
            if inner is not None and inner.kind == EVAL:
                return {"predictions": V(RAW, PRED), "label_ids": V(IDS, LABEL)}.get(
                    expr.attr.value
                )
            return None
        if isinstance(expr, cst.Subscript):
            return self._subscript(expr, env)
        if isinstance(expr, cst.Call):
            return self._call(expr, env)
        if isinstance(expr, (cst.ListComp, cst.GeneratorExp)):
            return self._comprehension(expr, env)
        if isinstance(expr, cst.IfExp):
            self.value(expr.test, env)
            a, b = self.value(expr.body, env), self.value(expr.orelse, env)
            return _merge_values(a, b) if a is not None and b is not None else None
        if isinstance(expr, (cst.List, cst.Tuple)):
            for element in expr.elements:
                self.value(element.value, env)
            return None
        if isinstance(expr, cst.Dict):
            for item in expr.elements:
                if isinstance(item, cst.DictElement):
                    self.value(item.value, env)
                else:
                    self.value(item.value, env)
            return None
        if isinstance(expr, (cst.BinaryOperation, cst.Comparison, cst.BooleanOperation)):
            for child in _operands(expr):
                self.value(child, env)
            return None
        if isinstance(expr, cst.UnaryOperation):
            self.value(expr.expression, env)
            return None
        return None

    def _subscript(self, expr: cst.Subscript, env: _State) -> V | None:
        if _shifted(expr):
            self.flow.shifts = True
        inner = self.value(expr.value, env)
        for element in expr.slice:
            if isinstance(element.slice, cst.Index):
                self.value(element.slice.value, env)
        if inner is None:
            return None
        index = _index(expr)
        if inner.kind == EVAL:
            return {0: V(RAW, PRED), 1: V(IDS, LABEL)}.get(index) if index is not None else None
        if inner.kind in (RAW, LOGITS) and index == 0:
            return V(LOGITS, inner.origin)
        if inner.kind in (IDS, TEXT):
            return inner  # rows and columns of ids / strings
        return None

    def _comprehension(self, expr: cst.ListComp | cst.GeneratorExp, env: _State) -> V | None:
        inner = dict(env)
        comp: cst.CompFor | None = expr.for_in
        while comp is not None:
            self._bind_row(comp.target, self.value(comp.iter, inner), inner)
            for test in comp.ifs:
                self.value(test.test, inner)
            comp = comp.inner_for_in
        element = expr.elt
        if isinstance(element, (cst.List, cst.Tuple)) and len(element.elements) == 1:
            element = element.elements[0].value
        return self.value(element, inner)

    def _call(self, node: cst.Call, env: _State) -> V | None:
        func = node.func
        receiver = self.value(func.value, env) if isinstance(func, cst.Attribute) else None
        args = [self.value(a.value, env) for a in node.args]
        first = id(node) not in self.seen  # a statement may run on several paths
        self.seen.add(id(node))
        call = self.calls.get(id(node))
        method = func.attr.value if isinstance(func, cst.Attribute) else None
        qualname = call.qualname if call is not None else None
        last = qualname.rsplit(".", 1)[-1] if qualname else _name(func)
        if method in ("dim", "size"):
            self.flow.checks_shape = True
        positional = [v for a, v in zip(node.args, args, strict=True) if a.keyword is None]
        # argmax over predictions
        if last == "argmax" or method == "argmax":
            of = (
                receiver
                if method == "argmax" and qualname is None
                else (positional[0] if positional else None)
            )
            if of is not None and of.kind in (RAW, LOGITS):
                if first:
                    self.flow.argmaxes.append(Argmax(node, of))
                return V(IDS, of.origin)
            return V(IDS, of.origin) if of is not None and of.kind == IDS else None
        if method in _DECODERS and call is not None and positional:
            if first:
                self.flow.decodes.append(node)
            decoded = positional[0]
            return V(TEXT, decoded.origin if decoded is not None else "")
        if (
            method in ("compute", "add_batch", "add") and call is not None and _is_metric(call)
        ) or (call is not None and (qualname or "").startswith("sklearn.metrics.")):
            if first:
                self._compute(call, node, args)
            return None
        if method in _KEEP_METHODS and receiver is not None:
            return receiver
        if method in _TEXT_METHODS and receiver is not None and receiver.kind == TEXT:
            return receiver
        if last == "where" and len(positional) >= 2 and positional[1] is not None:
            return positional[1] if positional[1].kind == IDS else None
        if last in _KEEP_FUNCTIONS and positional and positional[0] is not None:
            return positional[0]
        return None

    def _compute(self, call: CallFact, node: cst.Call, args: list[V | None]) -> None:
        by_key = {
            a.keyword.value: (a, v)
            for a, v in zip(node.args, args, strict=True)
            if a.keyword is not None
        }
        positional = [(a, v) for a, v in zip(node.args, args, strict=True) if a.keyword is None]
        if (call.qualname or "").startswith("sklearn."):
            refs = by_key.get("y_true") or (positional[0] if positional else None)
            preds = by_key.get("y_pred") or (positional[1] if len(positional) > 1 else None)
        else:
            preds, refs = by_key.get("predictions"), by_key.get("references")
        self.flow.computes.append(
            Compute(
                call,
                preds[1] if preds else None,
                refs[1] if refs else None,
                preds[0] if preds else None,
                refs[0] if refs else None,
            )
        )


def _is_metric(call: CallFact) -> bool:
    return isinstance(call.receiver, ObjRef) and call.receiver.obj.kind is Kind.METRIC


def metric_name(call: CallFact) -> str | None:
    """The evaluate metric a `compute` call belongs to (`evaluate.load("f1")` -> "f1"), or the
    sklearn function's name."""
    if _is_metric(call):
        assert isinstance(call.receiver, ObjRef)
        name = call.receiver.obj.checkpoint
        if isinstance(name, Const) and isinstance(name.value, str):
            return name.value.rstrip("/").rsplit("/", 1)[-1].lower()
        return None
    if call.qualname is not None and call.qualname.startswith("sklearn.metrics."):
        return call.qualname.rsplit(".", 1)[-1]
    return None


def _name(func: cst.BaseExpression) -> str | None:
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


def _names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _names(e.value)]
    if isinstance(target, cst.StarredElement):
        return _names(target.value)
    return []


def _operands(expr: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    if isinstance(expr, (cst.BinaryOperation, cst.BooleanOperation)):
        yield expr.left
        yield expr.right
    elif isinstance(expr, cst.Comparison):
        yield expr.left
        for target in expr.comparisons:
            yield target.comparator


# ---- which functions are compute_metrics ---------------------------------------------------
# first-parameter names of functions that read like `compute_metrics(eval_pred)`
EVAL_PARAMS = frozenset(
    {"eval_pred", "eval_preds", "eval_prediction", "eval_predictions", "p", "pred", "eval_p"}
)


@dataclass
class MetricFunction:
    fn: FunctionFact
    trainers: list[TrainerCall] = field(default_factory=list)  # those that get it


def metric_functions(ctx: RuleContext) -> list[MetricFunction]:
    """Functions passed as `compute_metrics=` to a trainer (of any library), and functions
    whose name says metric and whose first parameter reads like an `EvalPrediction`."""
    return ctx.shared_list(_metric_functions)


def _metric_functions(ctx: RuleContext) -> Iterator[MetricFunction]:
    found: dict[int, MetricFunction] = {}
    for trainer in all_trainers(ctx.facts):
        fn = trainer.function("compute_metrics")
        if fn is not None:
            found.setdefault(id(fn), MetricFunction(fn)).trainers.append(trainer)
    for fn in ctx.facts.functions.values():
        params = fn.params[1:] if fn.class_name is not None else fn.params
        named = "metric" in fn.name.lower() and bool(params) and params[0] in EVAL_PARAMS
        if id(fn) not in found and named:
            found[id(fn)] = MetricFunction(fn)
    yield from found.values()
