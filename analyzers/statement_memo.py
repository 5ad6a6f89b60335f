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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING, Any

import libcst as cst

from hflint.analyzers.journal import DELETED, WHOLE, Entry, JournalDict
from hflint.analyzers.node_cache import NodeCache
from hflint.analyzers.values import ClassRef, Const, ObjRef
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


class _Memo:
    __slots__ = ("kept", "names")

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names  # every name the statement mentions
        # (signature, effect) of the last collection; one attribute, so it changes atomically
        self.kept: tuple[list[Any], _Effect] | None = None


_MEMOS: NodeCache[cst.CSTNode, _Memo] = NodeCache(8192)


@dataclass
class Counts:
    reused: int = 0
    collected: int = 0


last = Counts()  # of the latest collection, for tests and benchmarks


def collect_reusing(collector: Collector, module: cst.Module) -> ModuleFacts:
    """What Collector gives walking every statement, reusing kept effects where valid."""
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
    for index, statement in enumerate(module.body):
        memo = _MEMOS.get(statement, new_memo)
        kept = memo.kept
        if kept is not None and _still_holds(collector, memo.names, kept[0], statement):
            _apply(kept[1], facts, dicts)
            collector.current_statement = kept[1].last_line
            owners.update(zip(kept[1].ids, repeat(index)))
            counts.reused += 1
            continue
        counts.collected += 1
        signature = _signature(collector, memo.names, statement)
        effect = _collect_one(collector, statement, index, dicts)
        memo.kept = (signature, effect) if effect is not None else None
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
        names = {node.value for _, node, _ in events if type(node) is cst.Name}
        return _Memo(tuple(sorted(names)))

    return new_memo


def _signature(collector: Collector, names: tuple[str, ...], statement: cst.CSTNode) -> list[Any]:
    """What the state holds for the names a statement mentions, plus the state it reads
    whole: the classes, when it can reach one (their bases are looked up by name), and the
    saved folders."""
    facts = collector.facts
    scope, imports = collector.module_scope, facts.imports
    functions, classes, defaults = facts.functions, facts.classes, facts.cli_defaults
    whole = tuple(classes.values()) if _reads_classes(collector, names) else None
    found: list[Any] = [whole, tuple(facts.saved_paths)]
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


def _still_holds(
    collector: Collector, names: tuple[str, ...], old: list[Any], statement: cst.CSTNode
) -> bool:
    """`_signature(...)` would equal `old` (compared without building it: most statements
    of a keystroke are reused, and this runs for each)."""
    facts = collector.facts
    scope, imports = collector.module_scope, facts.imports
    functions, classes, defaults = facts.functions, facts.classes, facts.cli_defaults
    if old[0] is not None and not _same_items(old[0], classes.values()):
        return False
    if not _same_items(old[1], facts.saved_paths):
        return False
    at = 2
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
    if kind is Const or kind is ClassRef or kind is str:
        return bool(a == b)
    if kind is _Returns:
        return len(a) == len(b) and all(x is y or _same(x, y) for x, y in zip(a, b, strict=True))
    return False


def _collect_one(
    collector: Collector, statement: cst.CSTNode, index: int, dicts: dict[str, JournalDict]
) -> _Effect | None:
    """Collect one statement, logging its effect; None when it cannot be replayed."""
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
    if collector.used_helpers:
        return None
    if before is not None:
        log = [entry for entry in log if entry[0] != "scope"]
        log.extend(_scope_changes(before, collector.module_scope))
    if any(entry[1] is WHOLE for entry in log):
        return None
    appended = tuple(
        (name, getattr(facts, name)[length:])
        for name, length in zip(_LISTS, lengths, strict=True)
        if len(getattr(facts, name)) > length
    )
    ids = recording(statement, type(collector)).ids
    return _Effect(appended, tuple(log), collector.current_statement, ids)


def _scope_changes(before: dict[str, Any], after: dict[str, Any]) -> list[Entry]:
    changes: list[Entry] = [("scope", name, DELETED) for name in before if name not in after]
    for name, value in after.items():
        if name not in before or before[name] is not value:
            changes.append(("scope", name, value))
    return changes


def _apply(effect: _Effect, facts: ModuleFacts, dicts: dict[str, JournalDict]) -> None:
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
