"""Collecting a module again after an edit, reusing what each untouched statement gave last time.

Collection walks the top-level statements in order, and each statement reads the state the
ones before it left: the names bound at module level, imports, functions, classes, argparse
defaults and saved folders. A statement's effect (the facts it appends, the names it binds)
is a function of its own nodes and of that state, read through the names it mentions. So
the effect is kept with the statement, together with a signature of what those names held;
on the next keystroke, a statement whose node is the same (the editor re-parses only edited
statements) and whose signature matches has its effect replayed instead of collected.

Values are compared by identity, except constants and class references, which compare by
value: an edited statement makes new objects, and every statement that reads a name bound to
one of them is collected again, so no kept fact ever points at an object of an older parse.
A statement that consults other modules (crossmodule.py) is always collected again: their
files may have changed.

Comparing a signature name by name still costs, for every statement of every keystroke. So
each document's last run is kept (its statements, and the names each one wrote), and the run
tracks the names that may hold something else than at the same point last time: the ones
written by statements removed, added or collected again. Past a reused statement, the names
it wrote hold what they held last time. A statement mentioning none of the uncertain names is
compared on the state it reads whole only.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING, Any

import libcst as cst

from hflint.analyzers import flow
from hflint.analyzers.journal import DELETED, WHOLE, Entry, JournalDict
from hflint.analyzers.node_cache import NodeCache
from hflint.analyzers.values import (
    ClassRef,
    Const,
    DictValue,
    Instance,
    ObjRef,
    Result,
    TupleValue,
    same_value,
)
from hflint.analyzers.walk import recording, replay

if TYPE_CHECKING:
    from hflint.analyzers.collector import Collector
    from hflint.analyzers.facts import FunctionFact, ModuleFacts

# The facts lists a statement appends to.
_LISTS = (
    "import_facts",
    "calls",
    "objects",
    "attr_uses",
    "saved_paths",
    "downloads",
    "spread_args",
    "label_lists",
    "labels_evidence",
)
_MISSING = object()
# Statements that never rewrite the module's bindings wholesale; the others (if, for, while,
# try, with) merge their branches into them (Collector._merge_into_scope): diffed instead.
_SIMPLE = (cst.SimpleStatementLine, cst.FunctionDef, cst.ClassDef)


@dataclass(frozen=True)
class _Effect:
    appended: tuple[tuple[str, list[Any]], ...]  # facts list -> items the statement appended
    log: tuple[Entry, ...]  # writes to the module's dicts, name uses, strings, flags
    last_line: cst.CSTNode | None  # the collector's current statement line afterwards
    ids: list[int]  # every node of the statement (for statement_of)
    written: frozenset[Any]  # the keys it wrote in the module's dicts


_EVERYTHING = None  # the uncertain names, when a statement rewrote a dict whole


@dataclass(frozen=True)
class _Run:
    """A document's last collection: its statements, and the keys each one wrote."""

    statements: tuple[cst.CSTNode, ...]
    written: tuple[frozenset[Any] | None, ...]  # None: it rewrote a dict whole


_RUNS: OrderedDict[str, _Run] = OrderedDict()
_MAX_RUNS = 64


class _Memo:
    __slots__ = ("attr_counts", "kept", "name_counts", "names")

    def __init__(
        self, names: tuple[str, ...], name_counts: Counter[str], attr_counts: Counter[str]
    ) -> None:
        self.names = names  # every name the statement mentions
        # how often each Name and each `.attr` occurs in it (Collector.name_counts)
        self.name_counts = name_counts
        self.attr_counts = attr_counts
        # (signature, effect) of the last collection; one attribute, so it changes atomically
        self.kept: tuple[list[Any], _Effect] | None = None


_MEMOS: NodeCache[cst.CSTNode, _Memo] = NodeCache(8192)


@dataclass
class Counts:
    reused: int = 0
    collected: int = 0
    compared: int = 0  # statements whose names were compared one by one


last = Counts()  # of the latest collection, for tests and benchmarks


def collect_reusing(
    collector: Collector, module: cst.Module, document: str | None = None
) -> ModuleFacts:
    """What Collector gives walking every statement, reusing kept effects where valid.

    With `document`, the names that may differ from that document's last run are tracked, so
    most statements skip the name by name comparison."""
    facts = collector.facts
    scope = JournalDict("scope")
    collector.module_scope = scope
    collector.scopes = [scope]
    facts.imports = JournalDict("imports")
    facts.functions = JournalDict("functions")
    facts.classes = JournalDict("classes")
    facts.cli_defaults = JournalDict("cli_defaults")
    dicts: dict[str, JournalDict] = {
        "scope": scope,
        "imports": facts.imports,
        "functions": facts.functions,
        "classes": facts.classes,
        "cli_defaults": facts.cli_defaults,
    }
    owners = facts.statement_of
    counts = Counts()
    new_memo = _memo_maker(type(collector))
    previous = _RUNS.pop(document, None) if document is not None else None
    uncertain = _Uncertain(previous)
    written: list[frozenset[Any] | None] = []
    counted, collector.counted = collector.counted, frozenset()  # counted here, from recordings
    names, attrs = collector.name_counts, collector.attr_counts
    for index, statement in enumerate(module.body):
        there, before = uncertain.reach(statement)
        memo = _MEMOS.get(statement, new_memo)
        for name, count in memo.name_counts.items():
            if name in counted:
                names[name] = names.get(name, 0) + count
        for name, count in memo.attr_counts.items():
            if name in counted:
                attrs[name] = attrs.get(name, 0) + count
        kept = memo.kept
        names_hold = there and uncertain.clean(memo.names)
        if kept is not None and not names_hold:
            counts.compared += 1
        if kept is not None and _still_holds(collector, memo.names, kept[0], statement, names_hold):
            replayed = kept[1]
            _apply(replayed, facts, dicts, collector)
            collector.current_statement = replayed.last_line
            owners.update(zip(replayed.ids, repeat(index)))
            counts.reused += 1
            uncertain.settled(replayed.written)
            written.append(replayed.written)
            continue
        counts.collected += 1
        signature = _signature(collector, memo.names, statement)
        effect, keys = _collect_one(collector, statement, index, dicts)
        memo.kept = (signature, effect) if effect is not None else None
        uncertain.changed(keys, before)
        written.append(keys)
    if document is not None:
        _RUNS[document] = _Run(tuple(module.body), tuple(written))
        while len(_RUNS) > _MAX_RUNS:
            _RUNS.popitem(last=False)
    for journal in dicts.values():
        journal.log = None
    collector.journal = None
    global last
    last = counts
    return facts


def _memo_maker(collector_type: type) -> Callable[[cst.CSTNode], _Memo]:
    def new_memo(statement: cst.CSTNode) -> _Memo:
        # The names a statement mentions, read off the walk recorded for collecting it (the
        # collector visits every Name), not found by a walk of their own.
        events = recording(statement, collector_type).events
        visit_name = getattr(collector_type, "visit_Name", None)
        visit_attribute = getattr(collector_type, "visit_Attribute", None)
        counts: Counter[str] = Counter()
        attrs: Counter[str] = Counter()
        for hook, node, _ in events:
            if hook is visit_name and isinstance(node, cst.Name):
                counts[node.value] += 1
            elif hook is visit_attribute and isinstance(node, cst.Attribute):
                attrs[node.attr.value] += 1
        return _Memo(tuple(sorted(counts)), counts, attrs)

    return new_memo


def _signature(collector: Collector, names: tuple[str, ...], statement: cst.CSTNode) -> list[Any]:
    """What the state holds for the names a statement mentions, plus the state it reads
    whole: the classes, when it can reach one (their bases are looked up by name), and the
    saved folders."""
    facts = collector.facts
    scope, imports = collector.module_scope, facts.imports
    functions, classes, defaults = facts.functions, facts.classes, facts.cli_defaults
    whole = tuple(classes.values()) if _reads_classes(collector, names) else None
    found: list[Any] = [
        whole,
        tuple(facts.saved_paths),
        tuple(facts.downloads),
        _Inputs(flow.statement_inputs(collector, statement)),
        collector.scans.writers,
    ]
    for name in names:
        found.append(scope.get(name, _MISSING))
        found.append(imports.get(name, _MISSING))
        found.append(_returns(functions.get(name)))
        found.append(classes.get(name, _MISSING))
        found.append(defaults.get(name, _MISSING))
    if not isinstance(statement, cst.SimpleStatementLine):
        # attribute uses before its first line refer to the line before the statement
        found.append(collector.current_statement)
    return found


class _Uncertain:
    """The names that may hold something else than at the same point of the last run.

    The runs are walked side by side: statements are only ever replaced, added or removed by
    an edit, so the ones kept come in the same order in both."""

    def __init__(self, last: _Run | None) -> None:
        self.last = last
        self.names: set[Any] | None = set() if last is not None else _EVERYTHING
        self._at = {id(node): i for i, node in enumerate(last.statements)} if last else {}
        self._cursor = 0  # the last run's statements before this were passed

    def reach(self, statement: cst.CSTNode) -> tuple[bool, frozenset[Any] | None]:
        """Pass the last run up to `statement`: whether it was there, and what it wrote."""
        at = self._at.get(id(statement))
        if self.last is None or at is None or at < self._cursor:
            return False, frozenset()
        for removed in self.last.written[self._cursor : at]:
            self._add(removed)
        self._cursor = at + 1
        return True, self.last.written[at]

    def clean(self, names: tuple[str, ...]) -> bool:
        return self.names is not None and self.names.isdisjoint(names)

    def settled(self, keys: frozenset[Any]) -> None:
        """A statement replayed its kept effect: the keys it wrote hold what they held."""
        if self.names:
            self.names -= keys

    def changed(self, keys: frozenset[Any] | None, before: frozenset[Any] | None) -> None:
        """A statement was collected: what it wrote now, and what it wrote last time."""
        self._add(keys)
        self._add(before)

    def _add(self, keys: frozenset[Any] | None) -> None:
        if keys is None:
            self.names = _EVERYTHING
        elif self.names is not None:
            self.names |= keys


def _still_holds(
    collector: Collector,
    names: tuple[str, ...],
    old: list[Any],
    statement: cst.CSTNode,
    names_hold: bool = False,
) -> bool:
    """`_signature(...)` would equal `old` (compared without building it: most statements
    of a keystroke are reused, and this runs for each). With `names_hold`, what its names
    hold is known to be what it was, and only the state read whole is compared."""
    facts = collector.facts
    scope, imports = collector.module_scope, facts.imports
    functions, classes, defaults = facts.functions, facts.classes, facts.cli_defaults
    if old[0] is not None and not _same_items(old[0], classes.values()):
        return False
    if not _same_items(old[1], facts.saved_paths) or not _same_items(old[2], facts.downloads):
        return False
    if old[4] != collector.scans.writers:
        return False
    definition = isinstance(statement, (cst.FunctionDef, cst.ClassDef))
    if (definition or old[3]) and not _same(
        old[3], _Inputs(flow.statement_inputs(collector, statement))
    ):
        return False
    at = 5
    if names_hold:
        at += 5 * len(names)
    else:
        for name in names:
            for value in (
                scope.get(name, _MISSING),
                imports.get(name, _MISSING),
                _returns(functions.get(name)),
                classes.get(name, _MISSING),
                defaults.get(name, _MISSING),
            ):
                kept = old[at]
                if kept is not value and not _same(kept, value):
                    return False
                at += 1
    if not isinstance(statement, cst.SimpleStatementLine):
        if old[at] is not collector.current_statement:
            return False
        at += 1
    return at == len(old)


def _returns(function: FunctionFact | None) -> Any:
    """What a statement can learn of a module function: that it exists, and what it returns
    (a call of it evaluates to that). An edit inside a function that leaves its return values
    alone does not reach the statements that call it."""
    return _MISSING if function is None else _Returns(function.returns)


class _Returns(tuple[Any, ...]):
    """A function's return values, compared like the rest of a signature."""

    __slots__ = ()


class _Inputs(tuple[Any, ...]):
    """The parameter values a definition's body was collected with (flow.py)."""

    __slots__ = ()


def _reads_classes(collector: Collector, names: tuple[str, ...]) -> bool:
    """Whether the statement can reach the module's classes: it names one, or a name bound
    to one (a class's bases are then looked up by their own names). Whether it does follows
    from what its names hold, which the signature compares anyway."""
    classes, scope = collector.facts.classes, collector.module_scope
    for name in names:
        if name in classes:
            return True
        value = scope.get(name)
        if type(value) is ClassRef and value.qualname.startswith("<module>."):
            return True
        if type(value) is Instance:
            return True
    return False


def _same_items(kept: tuple[Any, ...], now: Any) -> bool:
    if len(kept) != len(now):
        return False
    return all(a is b for a, b in zip(kept, now, strict=True))


def _same(a: Any, b: Any) -> bool:
    """Equal for replaying: the same object, or equal constants and class references."""
    kind = type(a)
    if kind is not type(b):
        return False
    if kind is ObjRef:
        return bool(a.obj is b.obj)
    if kind is ClassRef or kind is str:
        return bool(a == b)
    if kind in _VALUES:
        return same_value(a, b)
    if kind is Result:
        return len(a.calls) == len(b.calls) and all(
            x is y for x, y in zip(a.calls, b.calls, strict=True)
        )
    if kind is _Returns or kind is _Inputs:
        return len(a) == len(b) and all(x is y or _same(x, y) for x, y in zip(a, b, strict=True))
    return False


_VALUES = (Const, Instance, DictValue, TupleValue)


def _collect_one(
    collector: Collector, statement: cst.CSTNode, index: int, dicts: dict[str, JournalDict]
) -> tuple[_Effect | None, frozenset[Any] | None]:
    """Collect one statement, logging its effect (None when it cannot be replayed), and the
    keys it wrote in the module's dicts (None when it rewrote one whole)."""
    facts = collector.facts
    log: list[Entry] = []
    for journal in dicts.values():
        journal.log = log
    collector.journal = log
    collector.used_helpers = False
    lengths = [len(getattr(facts, name)) for name in _LISTS]
    compound = not isinstance(statement, _SIMPLE)
    before = dict(collector.module_scope) if compound else None
    replay(statement, collector, facts.statement_of, index)
    for journal in dicts.values():
        journal.log = None
    collector.journal = None
    if before is not None:
        log = [entry for entry in log if entry[0] != "scope"]
        log.extend(_scope_changes(before, collector.module_scope))
    # only the module's dicts log WHOLE (journal.py): a statement that rewrote one is not replayed
    state = [entry[1] for entry in log if entry[0] in dicts]
    keys = None if any(key is WHOLE for key in state) else frozenset(state)
    if collector.used_helpers or keys is None:
        return None, keys
    appended = tuple(
        (name, getattr(facts, name)[length:])
        for name, length in zip(_LISTS, lengths, strict=True)
        if len(getattr(facts, name)) > length
    )
    ids = recording(statement, type(collector)).ids
    return _Effect(appended, tuple(log), collector.current_statement, ids, keys), keys


def _scope_changes(before: dict[str, Any], after: dict[str, Any]) -> list[Entry]:
    changes: list[Entry] = [("scope", name, DELETED) for name in before if name not in after]
    for name, value in after.items():
        if name not in before or before[name] is not value:
            changes.append(("scope", name, value))
    return changes


def _apply(
    effect: _Effect, facts: ModuleFacts, dicts: dict[str, JournalDict], collector: Collector
) -> None:
    for name, items in effect.appended:
        getattr(facts, name).extend(items)
    for tag, key, value in effect.log:
        journal = dicts.get(tag)
        if journal is not None:
            if value is DELETED:
                journal.pop(key, None)
            else:
                journal[key] = value
        elif tag == "name_uses":
            facts.name_uses.setdefault(key, []).append(value)
        elif tag == "attr_writes":
            facts.attr_writes.setdefault(key, []).append(value)
        elif tag == "strings":
            facts.strings.add(key)
        elif tag == "mentions_transformers":
            facts.mentions_transformers = True
        elif tag == "missed":
            collector.missed_attrs.add(key)
