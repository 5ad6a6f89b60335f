"""Values through function parameters: defaults, and what every call site passes.

A parameter holds its default as an overridable value (the caller may pass another), like an
argparse default. When the module calls a function, and every call in the module passes the
same known value for a parameter (or leaves it to its default), the parameter holds that value
instead; calls that disagree make it unknown. A function the module uses some other way (passed
as a callback, subclassed, called through a name we cannot follow) keeps its defaults only:
its callers are not all known.

Call sites are known only after the module is collected, so each function is summarised from
one collection (the parameters' values, `Summaries`) and the module is collected again with
them while they change (at most MAX_PASSES collections; one in the usual case, where nothing is
learnt from call sites). The editor starts from the summaries of the document's last check, so
a keystroke usually needs one collection, and the statement memo replays every statement whose
parameters held the same values.

Values of a previous collection are carried over by the syntax that made them: an object by
its call, an instance by its class's definition. One that cannot be carried over (its call is
not collected yet) is unknown.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import libcst as cst

from hflint.analyzers.facts import CallFact, ClassFact, FunctionFact, ModuleFacts
from hflint.analyzers.members import method_kind
from hflint.analyzers.values import (
    ClassRef,
    Const,
    DictValue,
    Instance,
    ObjRef,
    TupleValue,
    Value,
    as_default,
    same_value,
)

if TYPE_CHECKING:
    from hflint.analyzers.collector import Collector

MAX_PASSES = 3
_UNSET = object()


@dataclass(frozen=True)
class Summaries:
    # function key (`f`, `Class.method`) -> parameter -> the value call sites give it, for the
    # parameters whose value is not their default's (None: call sites disagree)
    params: Mapping[str, Mapping[str, Value]] = field(default_factory=dict)
    # argparse defaults a function reads (`args.lr`) that the module defines after it: the
    # function runs once the parser is built (`main(parser.parse_args())` at the end)
    late_defaults: Mapping[str, Const] = field(default_factory=dict)


NO_SUMMARIES = Summaries()
_REMEMBERED: dict[str, Summaries] = {}
_MAX_REMEMBERED = 64


def remembered(document: str | None) -> Summaries:
    return _REMEMBERED.get(document, NO_SUMMARIES) if document else NO_SUMMARIES


def remember(document: str | None, summaries: Summaries) -> None:
    if not document:
        return
    _REMEMBERED.pop(document, None)
    _REMEMBERED[document] = summaries
    while len(_REMEMBERED) > _MAX_REMEMBERED:
        del _REMEMBERED[next(iter(_REMEMBERED))]


def forget(document: str) -> None:
    _REMEMBERED.pop(document, None)


# ---- binding parameters while collecting ----------------------------------------------------
def bind_params(
    collector: Collector, fn: FunctionFact, node: cst.FunctionDef, cls: ClassFact | None, top: bool
) -> dict[str, Value]:
    """The scope a function's body starts with."""
    params = node.params
    positional = [*params.posonly_params, *params.params]
    kind = method_kind(node) if cls is not None else "function"
    known = collector.summaries.params
    summary = known.get(fn.key) if top and known else None
    scope: dict[str, Value] = {}
    for index, param in enumerate([*positional, *params.kwonly_params]):
        name = param.name.value
        if cls is not None and index == 0 and index < len(positional) and kind != "static":
            scope[name] = Instance(cls) if kind == "method" else ClassRef(f"<module>.{cls.name}")
            continue
        value: Value = None
        if param.default is not None:
            default = collector.eval(param.default)
            if default is not None:  # what `fn.param_default(name)` gives, made once
                fn.defaults[name] = default
                value = as_default(default, f"the default of parameter `{name}` of `{fn.name}()`")
        if summary is not None and name in summary:
            value = translate(collector, summary[name])
        scope[name] = value
        fn.param_values[name] = value
    star = params.star_arg
    if isinstance(star, cst.Param):
        scope[star.name.value] = None
    if params.star_kwarg is not None:
        name = params.star_kwarg.name.value
        value = DictValue({}, passed=True)
        if summary is not None and name in summary:
            value = translate(collector, summary[name])
        scope[name] = value
        fn.param_values[name] = value
    return scope


def translate(collector: Collector, value: Value) -> Value:
    """A value of an earlier collection, in this one (unknown when it cannot be carried)."""
    if isinstance(value, ObjRef):
        made = collector.object_made_by(value.obj.call.node)
        return ObjRef(made) if made is not None else None
    if isinstance(value, Instance):
        cls = collector.facts.classes.get(value.cls.name)
        if cls is None or cls.node is not value.cls.node:
            return None
        if value.fields is None:
            return Instance(cls)
        return Instance(cls, {k: translate(collector, v) for k, v in value.fields.items()})
    if isinstance(value, DictValue):
        return replace(value, items={k: translate(collector, v) for k, v in value.items.items()})
    if isinstance(value, TupleValue):
        return TupleValue(tuple(translate(collector, v) for v in value.items))
    return value


def defined_names(module: cst.Module) -> frozenset[str]:
    """The names of the module's functions, classes and their methods: the uses to count."""
    found: set[str] = set()
    for stmt in module.body:
        if type(stmt) is cst.FunctionDef:
            found.add(stmt.name.value)
        elif type(stmt) is cst.ClassDef:
            found.add(stmt.name.value)
            if type(stmt.body) is cst.IndentedBlock:
                found.update(s.name.value for s in stmt.body.body if type(s) is cst.FunctionDef)
    return frozenset(found)


# ---- after a collection: what the call sites pass -------------------------------------------
def summarize(collector: Collector) -> Summaries:
    facts = collector.facts
    functions = _candidates(facts)
    sites: dict[str, list[tuple[CallFact, int]]] = {}
    for call in facts.calls:
        callee = _callee(facts, call, functions)
        if callee is not None:
            sites.setdefault(callee[0], []).append((call, callee[1]))
    params: dict[str, dict[str, Value]] = {}
    if sites:
        counts = _Occurrences(collector)
        relevant = _relevant(facts, functions)
        for key, calls in sites.items():
            fn = functions[key]
            if key not in relevant or counts.escapes(fn, key, sites):
                continue
            found = _from_sites(fn, calls)
            if found:
                params[key] = found
    late = {
        a: facts.cli_defaults[a] for a in sorted(collector.missed_attrs & facts.cli_defaults.keys())
    }
    return Summaries(params, late)


def _candidates(facts: ModuleFacts) -> dict[str, FunctionFact]:
    """Module functions, and methods of module classes, that no outside code calls for us
    (a framework calls a decorated function, or the methods a library base class defines)."""
    found: dict[str, FunctionFact] = {}
    for name, fn in facts.functions.items():
        if fn.top_level and _plain_decorators(fn.node):
            found[name] = fn
    for cls in facts.classes.values():
        if not cls.top_level:
            continue
        external = any(not b.startswith("<module>.") and b != "object" for b in cls.bases)
        for name, fn in cls.functions.items():
            own = name == "__init__" or not (external or name.startswith("__"))
            if own and _plain_decorators(fn.node):
                found[fn.key] = fn
    return found


# decorators that leave who calls the function, and with what, to the module
_PLAIN_DECORATORS = frozenset(
    {"staticmethod", "classmethod", "no_grad", "inference_mode", "cache", "lru_cache", "wraps"}
)


def _plain_decorators(node: cst.FunctionDef) -> bool:
    for decorator in node.decorators:
        expr = decorator.decorator
        if isinstance(expr, cst.Call):
            expr = expr.func
        name = expr.attr.value if isinstance(expr, cst.Attribute) else getattr(expr, "value", "")
        if name not in _PLAIN_DECORATORS:
            return False
    return True


def _relevant(facts: ModuleFacts, functions: Mapping[str, FunctionFact]) -> set[str]:
    """The functions whose parameters can matter to a rule: they make a tracked object (a
    model, a tokenizer, a pipeline, ...) or call one, return what they were given, call such
    a function, or store what they were given on `self` for such a method of their class."""
    made = {id(obj.call.node) for obj in facts.objects}
    found: set[str] = set()
    callers: dict[str, set[str]] = {}
    for key, fn in functions.items():
        for call in fn.calls:
            if id(call.node) in made or isinstance(call.receiver, ObjRef):
                found.add(key)
            callee = _callee(facts, call, functions)
            if callee is not None:
                callers.setdefault(callee[0], set()).add(key)
        if any(_carries(r) for r in fn.returns):
            found.add(key)
    todo = list(found)
    while todo:
        key = todo.pop()
        fn = functions[key]
        linked = set(callers.get(key, ()))
        if fn.class_name is not None:  # through `self.x`: the methods that assign attributes
            prefix = f"{fn.class_name}."
            linked.update(k for k, f in functions.items() if k.startswith(prefix) and f.stores)
        for other in linked - found:
            found.add(other)
            todo.append(other)
    return found


def _carries(value: Value) -> bool:
    """A returned value that may be what the function was given (or an object)."""
    if isinstance(value, Const):
        return value.overridable
    if isinstance(value, (ObjRef, Instance)):
        return True
    if isinstance(value, TupleValue):
        return any(_carries(v) for v in value.items)
    if isinstance(value, DictValue):
        return any(_carries(v) for v in value.items.values())
    return False


def _callee(
    facts: ModuleFacts, call: CallFact, functions: Mapping[str, FunctionFact]
) -> tuple[str, int] | None:
    """The summarised function a call calls, and how many leading parameters it binds itself
    (`self`)."""
    qual = call.qualname
    func = call.node.func
    if qual is not None and qual.startswith("<module>."):
        name = qual.split(".", 1)[1]
        if name in functions:
            return name, 0
        init = f"{name}.__init__"
        if init in functions and name in facts.classes:
            return init, 1
        return None
    if qual is None and call.method is None and isinstance(func, cst.Name):
        name = func.value  # a call written before the function (inside another function)
        if name in functions and call.function is not None and name != call.function.name:
            return name, 0
        return None
    if call.method is not None and isinstance(call.receiver, Instance):
        key = f"{call.receiver.cls.name}.{call.method}"
        if key in functions and functions[key].class_name == call.receiver.cls.name:
            return key, 1
    return None


class _Occurrences:
    """How often each name of interest appears in the module, alone or after a dot (counted
    by the collector's walk: strings and comments are no uses). An appearance not
    recognised as a call site is a use we cannot follow."""

    def __init__(self, collector: Collector) -> None:
        self.names = collector.name_counts
        self.attrs = collector.attr_counts

    def plain(self, name: str) -> int:
        return self.names.get(name, 0) - self.attrs.get(name, 0)

    def dotted(self, name: str) -> int:
        return self.attrs.get(name, 0)

    def escapes(
        self, fn: FunctionFact, key: str, sites: Mapping[str, list[tuple[CallFact, int]]]
    ) -> bool:
        if fn.class_name is None:
            return self.plain(fn.name) != len(sites[key]) + 1  # + its `def`
        if fn.name == "__init__":
            # `C(...)` only: a subclass (`class D(C)`), `C.__init__(self, ...)`, an annotation
            # or any other mention of the class is a use we cannot follow
            constructed = sum(1 for call, _ in sites[key] if call.method is None)
            return self.plain(fn.class_name) != constructed + 1
        recognised = sum(
            len(calls) for other, calls in sites.items() if other.endswith(f".{fn.name}")
        )
        return self.dotted(fn.name) != recognised


def _from_sites(fn: FunctionFact, calls: list[tuple[CallFact, int]]) -> dict[str, Value]:
    node = fn.node.params
    positional = [p.name.value for p in [*node.posonly_params, *node.params]]
    keyword_only = [p.name.value for p in node.kwonly_params]
    kwargs_name = node.star_kwarg.name.value if node.star_kwarg is not None else None
    merged: dict[str, Any] = {}
    for call, skip in calls:
        passed = _bind_site(fn, call, positional[skip:], keyword_only, kwargs_name)
        for name, value in passed.items():
            before = merged.get(name, _UNSET)
            if before is _UNSET:
                merged[name] = value
            elif not equivalent(before, value):
                merged[name] = None
    found: dict[str, Value] = {}
    for name, value in merged.items():
        if not equivalent(value, fn.param_default(name)):
            found[name] = value
    return found


def _bind_site(
    fn: FunctionFact,
    call: CallFact,
    positional: list[str],
    keyword_only: list[str],
    kwargs_name: str | None,
) -> dict[str, Value]:
    """What one call passes each parameter (its default when it passes nothing)."""
    star_positional = any(a.star == "*" for a in call.node.args)
    out: dict[str, Value] = {}
    for index, name in enumerate(positional):
        if name in call.kwargs:
            out[name] = call.kwargs[name].value
        elif index < len(call.args) and not star_positional:
            out[name] = call.args[index].value
        elif star_positional or call.has_star_kwargs:
            out[name] = None
        else:
            out[name] = fn.defaults.get(name)  # this call uses the default
    for name in keyword_only:
        if name in call.kwargs:
            out[name] = call.kwargs[name].value
        else:
            out[name] = None if call.has_star_kwargs else fn.defaults.get(name)
    if kwargs_name is not None:
        named = set(positional) | set(keyword_only)
        extra = {k: a.value for k, a in call.kwargs.items() if k not in named}
        parts = {k: a.node for k, a in call.kwargs.items() if k not in named}
        out[kwargs_name] = DictValue(
            extra, complete=not call.has_star_kwargs, passed=True, parts=parts
        )
    return out


def equivalent(a: Value, b: Value) -> bool:
    """The same value, across collections: objects by the call that made them, instances by
    their class's definition."""
    if isinstance(a, ObjRef) and isinstance(b, ObjRef):
        return a.obj.call.node is b.obj.call.node and a.obj.kind is b.obj.kind
    if isinstance(a, Instance) and isinstance(b, Instance):
        if a.cls.node is not b.cls.node:
            return False
        if a.fields is None or b.fields is None:
            return a.fields is None and b.fields is None
        return _equivalent_items(a.fields, b.fields)
    if isinstance(a, DictValue) and isinstance(b, DictValue):
        return (
            (a.complete, a.unsure, a.passed) == (b.complete, b.unsure, b.passed)
            and _equivalent_items(a.items, b.items)
            and a.parts.keys() == b.parts.keys()
            and all(v is b.parts[k] for k, v in a.parts.items())
        )
    if isinstance(a, TupleValue) and isinstance(b, TupleValue):
        return len(a.items) == len(b.items) and all(
            equivalent(x, y) for x, y in zip(a.items, b.items, strict=True)
        )
    if isinstance(a, Const) and isinstance(b, Const):
        return same_value(a, b) and a.overridable == b.overridable and a.origin == b.origin
    return same_value(a, b)


def _equivalent_items(a: Mapping[Any, Value], b: Mapping[Any, Value]) -> bool:
    return a.keys() == b.keys() and all(equivalent(v, b[k]) for k, v in a.items())


def same_summaries(a: Summaries, b: Summaries) -> bool:
    if a.params.keys() != b.params.keys():
        return False
    if not _equivalent_items(a.late_defaults, b.late_defaults):
        return False
    for key, params in a.params.items():
        other = b.params[key]
        if params.keys() != other.keys():
            return False
        if not all(equivalent(v, other[k]) for k, v in params.items()):
            return False
    return True


def statement_inputs(collector: Collector, statement: cst.CSTNode) -> Iterator[Value]:
    """The summary values a top-level definition's collection reads (for the memo), as this
    collection carries them over."""
    summaries = collector.summaries
    if isinstance(statement, cst.FunctionDef):
        keys = [statement.name.value]
    elif isinstance(statement, cst.ClassDef):
        prefix = f"{statement.name.value}."
        keys = sorted(k for k in summaries.params if k.startswith(prefix))
    else:
        return
    for attr, default in summaries.late_defaults.items():
        yield Const(attr)
        yield default
    for key in keys:
        params = summaries.params.get(key)
        if params:
            yield Const(key)
            for name in sorted(params):
                yield Const(name)
                yield translate(collector, params[name])
