"""What a rule gets: the facts, lazy knowledge and checkpoint lookups, and edit builders.

Positions are computed only when a rule reports something: resolving libcst's PositionProvider
over every tree would cost several times the parse.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import libcst as cst

from hflint.analyzers import spread_edits
from hflint.analyzers.checkpoints import CheckpointFacts, CheckpointResolver
from hflint.analyzers.facts import Kind, ModuleFacts, ObjectFact
from hflint.analyzers.findings import (
    Applicability,
    Edit,
    Finding,
    Fix,
    Position,
    Range,
    Related,
    Severity,
)
from hflint.analyzers.knowledge import Knowledge
from hflint.analyzers.lookups import Lookup, facts_digest
from hflint.analyzers.node_cache import NodeCache
from hflint.analyzers.positions import Positions
from hflint.analyzers.registrations import Registrations, project_registrations
from hflint.analyzers.settings import Settings
from hflint.analyzers.source import SourceText
from hflint.analyzers.target_version import Target
from hflint.analyzers.values import Const, ObjRef, Value, const_str
from hflint.rules.base import Rule
from hflint.rules.import_edits import open_import_edit, settle


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint argument resolved to facts, with what was assumed to get there."""

    name: str
    facts: CheckpointFacts
    assumed: str = ""  # e.g. "the argparse default of `--model`": the command line may differ
    via_save: bool = False  # reloaded from a folder this file saved the model to

    @property
    def certain(self) -> bool:
        return not self.assumed

    def describe(self) -> str:
        where = {
            "local": f"its config.json in {self.facts.location}",
            "cache": "the Hugging Face cache",
            "hub": "the Hub",
            "bundled": "hflint's table of well-known checkpoints",
        }[self.facts.source]
        text = f"`{self.name}` (model_type `{self.facts.model_type}`, per {where}"
        if self.assumed:  # inside the parentheses: the sentence goes on after the name
            who = "the command line" if _from_command_line(self.assumed) else "a caller"
            text += f"; assuming {self.assumed}, which {who} may change"
        return text + ")"


def _from_command_line(assumed: str) -> bool:
    """An argparse or HfArgumentParser default (else a parameter's default, a caller's)."""
    return "argparse" in assumed or "dataclass field" in assumed


T = TypeVar("T")
_UNKNOWN = object()
# Node -> its source code: generating it is slow, and the nodes of untouched statements (and
# most findings) are the same from one keystroke to the next.
_CODE: NodeCache[cst.CSTNode, str] = NodeCache(4096)


class RuleContext:
    def __init__(
        self,
        facts: ModuleFacts,
        source: SourceText,
        path: Path | None,
        settings: Settings,
        knowledge: Callable[[], Knowledge],
        resolver: CheckpointResolver,
    ) -> None:
        self.facts = facts
        self.source = source
        self.path = path
        self.settings = settings
        self._knowledge = knowledge
        self.resolver = resolver
        self._positions: Positions | None = None
        self._ranges: dict[int, Range] = {}  # id(node) -> range; the tree outlives the check
        self.lookups: list[Lookup] = []
        self._looked_up: dict[tuple[str, str | None, str | None], CheckpointFacts | None] = {}
        # each top-level statement's first line, when the parse already knows them
        self.first_lines: list[int] | None = None
        self._shared: dict[Callable[..., Any], Any] = {}
        self._checkpoints: dict[int, object] = {}  # id(object) -> its Checkpoint or None

    def shared(self, compute: Callable[[RuleContext], T]) -> T:
        """`compute(self)`, once per check: what several rules (or one rule, many times) derive
        from the facts. The result is shared: callers must not change it."""
        if compute not in self._shared:
            self._shared[compute] = compute(self)
        found: T = self._shared[compute]
        return found

    def shared_list(self, each: Callable[[RuleContext], Iterable[T]]) -> list[T]:
        """`list(each(self))`, once per check (see `shared`)."""
        if each not in self._shared:
            self._shared[each] = list(each(self))
        found: list[T] = self._shared[each]
        return found

    @cached_property
    def knowledge(self) -> Knowledge:
        return self._knowledge()

    @cached_property
    def target(self) -> Target:
        """The transformers version removal/rename rules speak for (see target_version.py):
        the `target-version` setting, else the project's pin, else the installed one."""
        from hflint.analyzers.target_version import find_target

        return find_target(self.path, self.settings, installed=self.knowledge.version)

    @cached_property
    def target_knowledge(self) -> Knowledge:
        """Knowledge of the target version (installed, cached or bundled snapshot, see
        snapshots.py); empty (version "") when no facts fit it: rules then stay silent."""
        from hflint.analyzers.snapshots import knowledge_for

        return knowledge_for(self.target, lambda: self.knowledge)

    @cached_property
    def registrations(self) -> Registrations:
        if self.path is None:
            return Registrations()
        from hflint.analyzers.engine import project_root

        return project_registrations(project_root(self.path))

    @property
    def module(self) -> cst.Module:
        return self.facts.module

    # ---- positions ----------------------------------------------------------------------
    def range(self, node: cst.CSTNode) -> Range:
        known = self._ranges.get(id(node))
        if known is not None:
            return known
        if self._positions is None:
            self._positions = Positions(
                self.module, self.source.text, self.facts.statement_of, self.first_lines
            )
        code_range = self._positions[self.facts.placed(node)]  # a `**x` keyword: its item
        found = self._ranges[id(node)] = Range(
            Position(code_range.start.line, code_range.start.column),
            Position(code_range.end.line, code_range.end.column),
        )
        return found

    def code(self, node: cst.CSTNode) -> str:
        module = self.module
        return _CODE.get(
            node, module.code_for_node, (module.default_indent, module.default_newline)
        )

    # ---- findings -----------------------------------------------------------------------
    def report(
        self,
        rule: Rule,
        node: cst.CSTNode,
        message: str,
        *,
        fix: Fix | None = None,
        related: Sequence[Related] = (),
        severity: Severity | None = None,
    ) -> Finding:
        return Finding(
            code=rule.code,
            name=rule.name,
            severity=severity or rule.severity,
            message=message,
            range=self.range(node),
            fix=fix if fix is None or fix.edits else None,  # a fix no edit can make
            related=tuple(related),
            url=rule.url(),
            deprecated=rule.deprecated_api,
        )

    def loaded_here(self, obj: ObjectFact, what: str | None = None) -> Related:
        label = what or f"{obj.kind.value} created here ({obj.class_name})"
        return Related(label, self.range(obj.node))

    # ---- checkpoints --------------------------------------------------------------------
    def checkpoint(self, obj: ObjectFact) -> Checkpoint | None:
        """Facts of the checkpoint `obj` was loaded from; None when unknown (stay silent)."""
        known = self._checkpoints.get(id(obj), _UNKNOWN)
        if known is _UNKNOWN:
            known = self._checkpoints[id(obj)] = self._checkpoint(obj)
        return known  # type: ignore[return-value]

    def _checkpoint(self, obj: ObjectFact) -> Checkpoint | None:
        if obj.saved_from is not None:
            inner = self.checkpoint(obj.saved_from)
            if inner is None:
                return None
            return Checkpoint(inner.name, inner.facts, inner.assumed, via_save=True)
        if obj.base is not None and obj.checkpoint is None:
            return self.checkpoint(obj.base)
        return self.checkpoint_of_value(obj.checkpoint, obj)

    def checkpoint_of_value(self, value: Value, obj: ObjectFact | None = None) -> Checkpoint | None:
        if isinstance(value, ObjRef):
            return self.checkpoint(value.obj)
        name = const_str(value)
        if not name or len(name) > 300 or "\n" in name:
            return None
        revision = subfolder = None
        if obj is not None:
            rev_arg, sub_arg = obj.kw("revision"), obj.kw("subfolder")
            revision = const_str(rev_arg.value) if rev_arg is not None else None
            subfolder = const_str(sub_arg.value) if sub_arg is not None else None
        file_dir = self.path.parent if self.path is not None else None
        key = (name, revision, subfolder)
        if key in self._looked_up:  # rules ask about the same checkpoints again and again
            facts = self._looked_up[key]
        else:
            try:
                facts = self.resolver.lookup(
                    name, revision=revision, subfolder=subfolder, file_dir=file_dir
                )
            except Exception:
                facts = None
            self._looked_up[key] = facts
            where = str(file_dir) if file_dir else None
            self.lookups.append(Lookup(name, revision, subfolder, where, facts_digest(facts)))
        if facts is None:
            return None
        assumed = (
            value.origin or "a default" if isinstance(value, Const) and value.overridable else ""
        )
        return Checkpoint(name, facts, assumed)

    # ---- edits --------------------------------------------------------------------------
    def replace(self, node: cst.CSTNode, content: str) -> Edit:
        edit = spread_edits.replace(self, node, content) if self.facts.spread_args else None
        return edit if edit is not None else Edit(self.range(node), content)

    def insert_after(self, node: cst.CSTNode, content: str) -> Edit:
        end = self.range(node).end
        return Edit(Range(end, end), content)

    def add_kwarg(self, call: cst.Call, text: str) -> Edit:
        """Append `text` (e.g. `mlm=False`) as the last argument of `call`."""
        if not call.args:
            end = self.range(call).end
            inside = Position(end.line, end.column - 1)
            return Edit(Range(inside, inside), text)
        return self.insert_after(call.args[-1].value, f", {text}")

    def rewrite_call(self, call: cst.Call, new_call: cst.Call) -> Edit:
        return Edit(self.range(call), self.module.code_for_node(new_call))

    def remove_arg(self, call: cst.Call, arg: cst.Arg) -> Edit:
        """Remove one argument and its comma, leaving the rest of the call's text untouched."""
        return self.remove_args(call, [arg])[0]

    def remove_args(self, call: cst.Call, dropped: Sequence[cst.Arg]) -> list[Edit]:
        """Edits removing arguments and their commas, one per run of adjacent ones.

        Edits of the text, not a regenerated call: libcst writes a call's continuation lines
        without the indentation of the block around it. Arguments on lines of their own take
        those lines (and a comment on them) along.
        """
        spread = spread_edits.remove(self, call, dropped) if self.facts.spread_args else None
        if spread is not None:  # keywords from `**x`: removed where they are written
            return spread
        gone = {id(a) for a in dropped}
        args = list(call.args)
        edits: list[Edit] = []
        i = 0
        while i < len(args):
            if id(args[i]) not in gone:
                i += 1
                continue
            first = i
            while i + 1 < len(args) and id(args[i + 1]) in gone:
                i += 1
            edits.append(self._remove_run(args, first, i))
            i += 1
        return edits

    def _remove_run(self, args: list[Any], first: int, last: int) -> Edit:
        head, tail = self.range(args[first]), self.range(args[last])
        before = self.source.line(head.start.line)[: head.start.column]
        after = self.source.line(tail.end.line)[tail.end.column :]
        own_lines = not before.strip() and re.fullmatch(r"\s*,?\s*(#.*)?", after)
        if len(args) > last - first + 1 and own_lines:
            return Edit(Range(Position(head.start.line, 0), Position(tail.end.line + 1, 0)), "")
        if last + 1 < len(args):  # up to the next argument, with the gap before it
            return Edit(Range(head.start, self.range(args[last + 1]).start), "")
        comma = args[last].comma
        own_comma = comma if isinstance(comma, cst.Comma) else None
        if first == 0:  # every argument
            end = self.range(own_comma).end if own_comma is not None else tail.end
            return Edit(Range(head.start, end), "")
        previous = args[first - 1].comma
        assert isinstance(previous, cst.Comma)  # an argument follows it
        if own_comma is not None:  # a trailing comma stays: drop from after the previous one
            return Edit(Range(self.range(previous).end, self.range(own_comma).end), "")
        return Edit(Range(self.range(previous).start, tail.end), "")

    def fix(self, message: str, edits: Sequence[Edit | None], safe: bool) -> Fix:
        """A fix of `edits`; its import edits are merged here (see import_edits.settle)."""
        applicability = Applicability.SAFE if safe else Applicability.UNSAFE
        if any(e is spread_edits.VOID for e in edits):
            return Fix(applicability, message, ())
        kept = settle(self, [e for e in edits if e is not None])
        return Fix(applicability, message, tuple(kept))

    def name_for(
        self, qualname: str, like: cst.BaseExpression | None = None
    ) -> tuple[str, Edit | None]:
        """How to spell `transformers.X` here, and the import edit needed (if any).

        `like` is the expression being replaced: `T.Trainer` becomes `T.Seq2SeqTrainer`, and
        an imported name it spells leaves its import once the fix replaces its last use.
        """
        module, _, short = qualname.rpartition(".")
        drops = (
            (like.value,) if isinstance(like, cst.Name) and like.value in self.facts.imports else ()
        )
        for local, qual in self.facts.imports.items():
            if qual == qualname:
                return local, self._drops_only(module, drops, local)
        if isinstance(like, cst.Attribute):
            return f"{self.code(like.value)}.{short}", None
        if any(imp.module == module for imp in self.facts.import_facts):
            return short, open_import_edit(self, module, [short], drops)
        for local, qual in self.facts.imports.items():
            if qual == module:
                return f"{local}.{short}", self._drops_only(module, drops, local)
        return short, open_import_edit(self, module, [short], drops)

    def _drops_only(self, module: str, drops: tuple[str, ...], spelling: str) -> Edit | None:
        kept = tuple(d for d in drops if d != spelling.split(".")[0])
        return open_import_edit(self, module, [], kept) if kept else None

    def import_edit(self, module: str, name: str) -> Edit | None:
        """Import `name` from `module`: into its `from module import ...` list (sorted in if the
        list is sorted), else on a line of its own. None when it is imported already."""
        return open_import_edit(self, module, [name])

    # ---- small queries ------------------------------------------------------------------
    def objects(self, kind: Kind) -> list[ObjectFact]:
        return self.facts.objects_of(kind)
