"""Attributes of the module's own classes: `self.tokenizer = ...` in `__init__` is the object
`self.tokenizer(...)` calls in another method, and a class attribute is its value everywhere.

Before a class's body is collected, its methods are scanned (syntax only) for the places that
assign `self.<name>`; while collecting, each place records the value it assigned. A method
reading `self.<name>` sees, in program order, what it assigned itself; otherwise the value of
the class: every place agreed on it (a `self.x = None` placeholder next to the real value does
not count) and all of them were already collected. Anything else is unknown: a name written in
a way not tracked (`self.x += 1`, a tuple target, `setattr`), written on something that may be
an instance (`obj.x = ...`), or assigned by a subclass. Those last two are found by a scan of
the module's statements (syntax only, kept per statement) before it is collected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from hflint.analyzers.facts import ClassFact, ModuleFacts
from hflint.analyzers.node_cache import NodeCache
from hflint.analyzers.values import Const, Instance, Value, same_value

if TYPE_CHECKING:
    from hflint.analyzers.collector import Collector

_MISSING = object()


# ---- before the body is collected -----------------------------------------------------------
def method_kind(node: cst.FunctionDef) -> str:
    """ "static", "class" or "method", from the decorators."""
    for decorator in node.decorators:
        expr = decorator.decorator
        name = expr.attr.value if isinstance(expr, cst.Attribute) else getattr(expr, "value", "")
        if name == "staticmethod":
            return "static"
        if name == "classmethod":
            return "class"
    return "method"


def self_name(node: cst.FunctionDef) -> str | None:
    """The name a method calls its instance (or class, for a classmethod)."""
    if method_kind(node) == "static":
        return None
    params = [*node.params.posonly_params, *node.params.params]
    return params[0].name.value if params else None


class Scans:
    """What the syntax scans found, for one collection's passes; in the editor also kept per
    node across keystrokes (`keep`: an untouched class or statement is not scanned again)."""

    def __init__(self, module: cst.Module | None, keep: bool) -> None:
        self.module = module
        self.keep = keep
        self.classes: dict[int, _Scanned] = {}
        self.functions: dict[int, frozenset[str]] = {}
        self._writers: Writers | None = None

    def changed_parameters(self, node: cst.FunctionDef) -> frozenset[str]:
        """The parameters a function's body changes in place (`c["k"] = v`, `c.pop(k)`)."""
        if self.keep:
            return _CHANGED.get(node, _changed_parameters)
        found = self.functions.get(id(node))
        if found is None:
            found = self.functions[id(node)] = _changed_parameters(node)
        return found

    @property
    def writers(self) -> Writers:
        """Who else writes attributes: scanned on first use (a module whose code reads no
        attribute of a class of its own never needs it)."""
        if self._writers is None:
            self._writers = writers(self.module, self) if self.module is not None else NO_WRITERS
        return self._writers

    def of_class(self, node: cst.ClassDef) -> _Scanned:
        if self.keep:
            return _PRESCANS.get(node, _prescan)
        found = self.classes.get(id(node))
        if found is None:
            found = self.classes[id(node)] = _prescan(node)
        return found


def prescan(cls: ClassFact, scans: Scans) -> None:
    """Count the places each method assigns `self.<name>`; mark names written otherwise."""
    found = scans.of_class(cls.node)
    cls.attr_sites.update(found.sites)
    cls.opaque.update(found.opaque)


@dataclass(frozen=True)
class _Scanned:
    """What a class's body writes, by syntax alone (kept per class definition)."""

    sites: dict[str, int]  # `self.<name> = value` places in its methods, by name
    opaque: frozenset[str]  # names its methods write otherwise (`self.x += 1`, tuples, ...)
    loose: frozenset[str]  # attributes its methods and body write on other objects
    assigned: frozenset[str]  # everything it gives its instances: the above, class-level names


def _prescan(node: cst.ClassDef) -> _Scanned:
    sites: dict[str, int] = {}
    opaque: set[str] = set()
    loose: set[str] = set()
    names: set[str] = set()
    body = node.body.body if type(node.body) is cst.IndentedBlock else ()
    for stmt in body:
        if type(stmt) is cst.FunctionDef:
            me = self_name(stmt)
            kind = method_kind(stmt)
            for target, simple in targets(stmt.body):
                own = _self_attrs(target, me) if me is not None else []
                if not own:
                    _note_loose(target, me, loose)
                for name in own:
                    if simple and kind == "method":
                        sites[name] = sites.get(name, 0) + 1
                    else:
                        opaque.add(name)
        elif type(stmt) is cst.SimpleStatementLine:
            for small in stmt.body:
                for target, _ in _small_targets(small):
                    if type(target) is cst.Name:
                        names.add(target.value)
                    else:
                        _note_loose(target, None, loose)
    assigned = frozenset(sites) | opaque | names
    return _Scanned(sites, frozenset(opaque), frozenset(loose), assigned)


# class definition -> what its body writes
_PRESCANS: NodeCache[cst.ClassDef, _Scanned] = NodeCache(2048)


def _self_attrs(target: cst.CSTNode, me: str) -> list[str]:
    if type(target) is cst.Attribute:
        base = target.value
        return [target.attr.value] if type(base) is cst.Name and base.value == me else []
    if type(target) is cst.Subscript or type(target) is cst.StarredElement:
        return _self_attrs(target.value, me)  # `self.cfg["lr"] = ...` changes `self.cfg`
    if type(target) is cst.Tuple or type(target) is cst.List:
        found: list[str] = []
        for element in target.elements:
            found.extend(_self_attrs(element.value, me))
        return found
    return []


_BLOCK_PARTS = ("body", "orelse", "finalbody", "handlers", "cases")
Targets = list[tuple[cst.CSTNode, bool]]


def targets(body: cst.BaseSuite) -> Targets:
    """Assignment targets in a method's statements (nested functions included: they can
    assign through the method's `self`), each with whether the collector records its value."""
    found: Targets = []
    stack: list[cst.CSTNode] = [body]
    while stack:
        current = stack.pop()
        if type(current) is cst.SimpleStatementLine or type(current) is cst.SimpleStatementSuite:
            for small in current.body:
                found.extend(_small_targets(small))
            continue
        if type(current) is cst.ClassDef:
            continue
        if type(current) is cst.For:
            found.append((current.target, False))
        elif type(current) is cst.With:
            found.extend((item.asname.name, False) for item in current.items if item.asname)
        for name in _BLOCK_PARTS:
            part = getattr(current, name, None)
            if part is None:
                continue
            if type(part) is list or type(part) is tuple:
                stack.extend(part)
            elif type(part) is cst.IndentedBlock:
                stack.extend(part.body)
            elif isinstance(part, cst.CSTNode):
                stack.append(part)
    return found


def changed_names(body: cst.BaseSuite) -> set[str]:
    """Names whose value a function changes in place: `c["k"] = v`, `del c[k]`, `c.pop(k)`,
    `c.update(...)`, `c += [...]` (syntax only)."""
    found: set[str] = set()
    for target, _ in targets(body):
        root, through = target, type(target) is not cst.Name
        while type(root) is cst.Subscript or type(root) is cst.Attribute:
            root = root.value
        if type(root) is cst.Name and through:
            found.add(root.value)
    stack: list[cst.CSTNode] = [body]
    while stack:  # the rest: methods called for what they change, `+=` on a name
        current = stack.pop()
        if type(current) is cst.SimpleStatementLine or type(current) is cst.SimpleStatementSuite:
            for small in current.body:
                if type(small) is cst.AugAssign and type(small.target) is cst.Name:
                    found.add(small.target.value)
                call = small.value if type(small) is cst.Expr or type(small) is cst.Assign else None
                func = call.func if type(call) is cst.Call else None
                if (
                    type(func) is cst.Attribute
                    and func.attr.value in _CHANGING
                    and type(func.value) is cst.Name
                ):
                    found.add(func.value.value)
            continue
        for name in _BLOCK_PARTS:
            part = getattr(current, name, None)
            if type(part) is list or type(part) is tuple:
                stack.extend(part)
            elif type(part) is cst.IndentedBlock:
                stack.extend(part.body)
            elif isinstance(part, cst.CSTNode):
                stack.append(part)
    return found


def _changed_parameters(node: cst.FunctionDef) -> frozenset[str]:
    params = node.params
    names = {p.name.value for p in [*params.posonly_params, *params.params, *params.kwonly_params]}
    return frozenset(changed_names(node.body) & names)


# function definition -> the parameters it changes in place
_CHANGED: NodeCache[cst.FunctionDef, frozenset[str]] = NodeCache(2048)


def _small_targets(small: cst.BaseSmallStatement) -> Targets:
    if type(small) is cst.Assign:
        found: Targets = [(t.target, type(t.target) is cst.Attribute) for t in small.targets]
        value = small.value
        if type(value) is cst.Call:
            func = value.func
            if type(func) is cst.Attribute and func.attr.value in _CHANGING:
                found.append((func.value, False))  # `lr = self.cfg.pop("lr")`
        return found
    if type(small) is cst.AnnAssign:
        return [(small.target, small.value is not None)]
    if type(small) is cst.AugAssign or type(small) is cst.Del:
        return [(small.target, False)]
    if type(small) is cst.Expr and type(small.value) is cst.Call:
        call = small.value
        found = []
        func = call.func
        if type(func) is cst.Attribute and func.attr.value in _CHANGING:
            found.append((func.value, False))  # `self.cfg.update(...)`, `self.labels.append(x)`
        if _is_setattr(call) and len(call.args) > 1:
            first, name = call.args[0].value, call.args[1].value
            if type(first) is cst.Name and type(name) is cst.SimpleString:
                attr = name.value.strip("'\"")
                if attr.isidentifier():
                    found.append((cst.Attribute(value=first, attr=cst.Name(attr)), False))
        return found
    return []


_CHANGING = frozenset(
    {"update", "setdefault", "clear", "popitem", "pop", "append", "extend", "insert", "remove"}
)


def _is_setattr(call: cst.Call) -> bool:
    func = call.func
    return type(func) is cst.Name and func.value == "setattr"


# ---- while collecting -----------------------------------------------------------------------
def record_write(collector: Collector, target: cst.Attribute, value: Value) -> None:
    """`self.<name> = value` in a method of the class: one of its places."""
    base = target.value
    if not isinstance(base, cst.Name):
        return
    held = collector.lookup(base.value)
    if isinstance(held, Instance) and collector.class_stack_has(held.cls):
        name = target.attr.value
        held.cls.attr_values.setdefault(name, []).append(value)
        if collector.functions:
            collector.functions[-1].stores = True
        collector.bind(f"{base.value}.{name}", value)  # program order inside the method


def class_value(collector: Collector, cls: ClassFact, name: str) -> Value:
    """The value every place of the class (and its local bases) gives `name`, else unknown."""
    if collector.scans.writers.overwritten(cls.name, name):
        return None
    found = _class_value(collector.facts, cls, name, 0)
    return None if found is _MISSING else found  # type: ignore[return-value]


def _class_value(facts: ModuleFacts, cls: ClassFact, name: str, depth: int) -> Value | object:
    if depth > 10 or name in cls.opaque:
        return None
    sites = cls.attr_sites.get(name, 0)
    values = cls.attr_values.get(name, [])
    if name in cls.class_values:
        values = [cls.class_values[name], *values]
        sites += 1
    elif sites == 0:
        if name in cls.methods:
            return None  # a bound method
        for base in cls.bases:
            inner = (
                facts.classes.get(base.split(".", 1)[1]) if base.startswith("<module>.") else None
            )
            if inner is not None and inner is not cls:
                return _class_value(facts, inner, name, depth + 1)
        return _MISSING if not any(b != "object" for b in cls.bases) else None
    if len(values) < sites:
        return None  # a place not collected yet (a later method): not known here
    real = [v for v in values if not (isinstance(v, Const) and v.value is None)] or values
    first = real[0]
    return first if all(same_value(first, v) for v in real[1:]) else None


def instance_attribute(collector: Collector, inst: Instance, name: str, base: str | None) -> Value:
    """`<instance>.<name>`: a dataclass field, what this method assigned, or the class's."""
    if inst.fields is not None and name in inst.fields:
        return (
            None if collector.scans.writers.overwritten(inst.cls.name, name) else inst.fields[name]
        )
    if base is not None:
        local: Value = collector.lookup_local(f"{base}.{name}", _MISSING_LOCAL)
        if local is not _MISSING_LOCAL:
            return local
    return class_value(collector, inst.cls, name)


_MISSING_LOCAL = object()


def forget_locals(collector: Collector, base: str) -> None:
    """A call that may reassign the instance's attributes (`self.reload()`): what this method
    assigned no longer holds in program order."""
    prefix = f"{base}."
    for scope in collector.scopes[1:]:
        for key in [k for k in scope if k.startswith(prefix)]:
            del scope[key]


# ---- who else writes an attribute: the module scanned before it is collected ----------------
@dataclass(frozen=True)
class Writers:
    """Attribute names written on something that may be an instance of a module class
    (`obj.x = ...`, `obj.cfg.update(...)`, outside the class's own methods), and the
    (class, attribute) pairs a subclass of the class assigns."""

    loose: frozenset[str] = frozenset()
    inherited: frozenset[tuple[str, str]] = frozenset()

    def overwritten(self, cls: str, name: str) -> bool:
        return name in self.loose or (cls, name) in self.inherited


NO_WRITERS = Writers()
_ClassInfo = tuple[str, tuple[str, ...], frozenset[str]]  # name, base names, attributes


def writers(module: cst.Module, scans: Scans) -> Writers:
    loose: set[str] = set()
    classes: list[_ClassInfo] = []
    for stmt in module.body:
        if scans.keep:
            found = _STATEMENT_WRITERS.get(stmt, lambda n: _scan_statement(n, scans))
        else:
            found = _scan_statement(stmt, scans)
        loose |= found[0]
        classes.extend(found[1])
    bases = {name: written for name, written, _ in classes}
    inherited: set[tuple[str, str]] = set()
    for name, _, attrs in classes:
        for ancestor in _ancestors(name, bases):
            inherited.update((ancestor, attr) for attr in attrs)
    if not loose and not inherited:
        return NO_WRITERS
    return Writers(frozenset(loose), frozenset(inherited))


def _ancestors(name: str, bases: dict[str, tuple[str, ...]]) -> set[str]:
    found: set[str] = set()
    todo = list(bases.get(name, ()))
    while todo:
        current = todo.pop()
        if current not in found and current != name:
            found.add(current)
            todo.extend(bases.get(current, ()))
    return found


def _scan_statement(
    stmt: cst.CSTNode, scans: Scans
) -> tuple[frozenset[str], tuple[_ClassInfo, ...]]:
    loose: set[str] = set()
    classes: list[_ClassInfo] = []
    _scan(stmt, None, loose, classes, scans)
    return frozenset(loose), tuple(classes)


# top-level statement -> the attributes it writes loose, and the classes it defines
_STATEMENT_WRITERS: NodeCache[cst.CSTNode, tuple[frozenset[str], tuple[_ClassInfo, ...]]] = (
    NodeCache(8192)
)


def _scan(
    node: cst.CSTNode, me: str | None, loose: set[str], classes: list[_ClassInfo], scans: Scans
) -> None:
    """Statements under `node`; `me`: the name of the instance in the method around them."""
    if type(node) is cst.ClassDef:
        _scan_class(node, loose, classes, scans)
        return
    if type(node) is cst.FunctionDef:
        params = {p.name.value for p in [*node.params.posonly_params, *node.params.params]}
        _scan(node.body, None if me in params else me, loose, classes, scans)
        return
    if type(node) is cst.SimpleStatementLine or type(node) is cst.SimpleStatementSuite:
        for small in node.body:
            for target, _ in _small_targets(small):
                _note_loose(target, me, loose)
        return
    if type(node) is cst.For:
        _note_loose(node.target, me, loose)
    elif type(node) is cst.With:
        for item in node.items:
            if item.asname is not None:
                _note_loose(item.asname.name, me, loose)
    for name in _BLOCK_PARTS:
        part = getattr(node, name, None)
        if part is None:
            continue
        if type(part) is list or type(part) is tuple:
            for inner in part:
                _scan(inner, me, loose, classes, scans)
        elif type(part) is cst.IndentedBlock:
            for inner in part.body:
                _scan(inner, me, loose, classes, scans)
        elif isinstance(part, cst.CSTNode):
            _scan(part, me, loose, classes, scans)


def _scan_class(
    node: cst.ClassDef, loose: set[str], classes: list[_ClassInfo], scans: Scans
) -> None:
    found = scans.of_class(node)
    loose |= found.loose
    for stmt in node.body.body if type(node.body) is cst.IndentedBlock else ():
        if type(stmt) is not cst.FunctionDef and type(stmt) is not cst.SimpleStatementLine:
            _scan(stmt, None, loose, classes, scans)  # `if ...:` in a class body, a nested class
    bases = tuple(_base_name(b.value) for b in node.bases)
    classes.append((node.name.value, bases, found.assigned))


def _base_name(expr: cst.BaseExpression) -> str:
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    return expr.value if isinstance(expr, cst.Name) else "?"


def _note_loose(target: cst.CSTNode, me: str | None, loose: set[str]) -> None:
    """An attribute a target writes, unless on the method's own instance."""
    if type(target) is cst.Attribute:
        base = target.value
        if not (type(base) is cst.Name and base.value == me):
            loose.add(target.attr.value)
    elif type(target) is cst.Tuple or type(target) is cst.List:
        for element in target.elements:
            _note_loose(element.value, me, loose)
    elif type(target) is cst.StarredElement or type(target) is cst.Subscript:
        _note_loose(target.value, me, loose)
