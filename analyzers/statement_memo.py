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

from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING, Any

import libcst as cst

from hflint.analyzers.journal import DELETED, WHOLE, Entry, JournalDict
from hflint.analyzers.node_cache import NodeCache
from hflint.analyzers.values import ClassRef, Const, ObjRef
from hflint.analyzers.walk import recording, replay, walk

if TYPE_CHECKING:
    from hflint.analyzers.collector import Collector
    from hflint.analyzers.facts import ModuleFacts

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
_DICTS = ("scope", "imports", "functions", "classes", "cli_defaults")
_MISSING = object()
# Statements whose branches rewrite the module's bindings wholesale (see Collector._merge_into_scope)
_SIMPLE = (cst.SimpleStatementLine, cst.FunctionDef, cst.ClassDef)


@dataclass(frozen=True)
class _Effect:
    appended: tuple[tuple[str, list[Any]], ...]  # facts list -> items the statement appended
    log: tuple[Entry, ...]  # writes to the module's dicts, name uses, strings, flags
    last_line: cst.CSTNode | None  # the collector's current statement line afterwards


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
    for index, statement in enumerate(module.body):
        memo = _MEMOS.get(statement, _new_memo)
        signature = _signature(collector, memo.names)
        if not isinstance(statement, cst.SimpleStatementLine):
            # attribute uses before its first line refer to the line before the statement
            signature.append(collector.current_statement)
        kept = memo.kept
        if kept is not None and _same_signature(kept[0], signature):
            _apply(kept[1], facts, dicts)
            collector.current_statement = kept[1].last_line
            counts.reused += 1
            owners.update(zip(recording(statement, type(collector)).ids, repeat(index)))
            continue
        counts.collected += 1
        effect = _collect_one(collector, statement, index, dicts)
        memo.kept = (signature, effect) if effect is not None else None
    for journal in dicts.values():
        journal.log = None
    collector.journal = None
    global last
    last = counts
    return facts


def _new_memo(statement: cst.CSTNode) -> _Memo:
    finder = _Names()
    walk(statement, finder)
    return _Memo(tuple(sorted(finder.names)))


class _Names:
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


def _signature(collector: Collector, names: tuple[str, ...]) -> list[Any]:
    """What the state holds for the names a statement mentions, plus the state it reads
    whole: classes (a base class may be reached through a binding) and saved folders."""
    facts = collector.facts
    scope, imports = collector.module_scope, facts.imports
    functions, classes, defaults = facts.functions, facts.classes, facts.cli_defaults
    found: list[Any] = [tuple(classes.values()), tuple(facts.saved_paths)]
    for name in names:
        found.append(scope.get(name, _MISSING))
        found.append(imports.get(name, _MISSING))
        found.append(functions.get(name, _MISSING))
        found.append(classes.get(name, _MISSING))
        found.append(defaults.get(name, _MISSING))
    return found


def _same_signature(old: list[Any], new: list[Any]) -> bool:
    if len(old) != len(new):
        return False
    for a, b in zip(old, new, strict=True):
        if a is b:
            continue
        kind = type(a)
        if kind is not type(b):
            return False
        if kind is ObjRef:
            if a.obj is not b.obj:
                return False
        elif kind is tuple:
            if len(a) != len(b) or any(x is not y for x, y in zip(a, b, strict=True)):
                return False
        elif kind is Const or kind is ClassRef or kind is str:
            if a != b:
                return False
        else:
            return False
    return True


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
    return _Effect(appended, tuple(log), collector.current_statement)


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
