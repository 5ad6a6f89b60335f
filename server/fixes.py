"""Applying fixes as Ruff does: safe ones with --fix, unsafe ones too with --unsafe-fixes.

Each round applies every fix that does not overlap one chosen before it, then analyses the
result again, because one fix can enable or replace another (an added import, a renamed class).
At most ten rounds. A result that does not parse is never written: the file keeps its original
text and the run reports an internal error, since a fix that breaks code is a bug in hflint.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from hflint.analyzers.findings import Edit, Finding
from hflint.analyzers.notebook import Notebook, NotebookEditError
from hflint.analyzers.source import OverlappingEditsError, SourceText

MAX_ROUNDS = 10


class Document(Protocol):
    """What fixes edit: a source file or a notebook (see analyzers/files.py, notebook.py)."""

    @property
    def text(self) -> str: ...

    def accepts(self, edits: Sequence[Edit]) -> bool: ...

    def apply(self, edits: Sequence[Edit]) -> Document: ...

    def render(self) -> bytes: ...


Analyse = Callable[[str], list[Finding]]


@dataclass
class FixOutcome:
    document: Document  # the fixed document (the original one after an error)
    findings: list[Finding]  # what remains
    fixed: list[Finding] = field(default_factory=list)
    error: str | None = None


def applicable(finding: Finding, unsafe: bool) -> bool:
    fix = finding.fix
    return fix is not None and bool(fix.edits) and (fix.is_safe or unsafe)


def fix_document(document: Document, analyse: Analyse, unsafe: bool) -> FixOutcome:
    original = document
    findings = first = analyse(document.text)
    fixed: list[Finding] = []
    for _ in range(MAX_ROUNDS):
        chosen = select_fixes(document, findings, unsafe)
        if not chosen:
            break
        edits = [edit for f in chosen for edit in _edits(f)]
        try:
            updated = document.apply(edits)
        except (OverlappingEditsError, NotebookEditError):
            break
        if updated.text == document.text:
            break
        problem = parse_problem(updated.text)
        if problem is not None:
            codes = ", ".join(sorted({f.code for f in chosen}))
            return FixOutcome(
                original,
                first,
                error=f"the fix for {codes} produced code that does not parse ({problem}); "
                "the file was left unchanged. This is a bug in hflint: please report it",
            )
        fixed.extend(chosen)
        document = updated
        findings = analyse(document.text)
    return FixOutcome(document, findings, fixed)


def select_fixes(document: Document, findings: list[Finding], unsafe: bool) -> list[Finding]:
    """Fixes to apply together: in source order, skipping any that overlaps one chosen before."""
    source = SourceText(document.text)
    candidates = []
    for finding in findings:
        if not applicable(finding, unsafe) or not document.accepts(_edits(finding)):
            continue
        spans = [
            (source.offset(e.range.start), source.offset(e.range.end)) for e in _edits(finding)
        ]
        candidates.append((min(s for s, _ in spans), finding.code, spans, finding))
    candidates.sort(key=lambda c: (c[0], c[1]))
    taken: list[tuple[int, int]] = []
    chosen: list[Finding] = []
    for _, _, spans, finding in candidates:
        if any(_overlap(a, b) for a in spans for b in taken):
            continue
        taken.extend(spans)
        chosen.append(finding)
    return chosen


def _edits(finding: Finding) -> tuple[Edit, ...]:
    return finding.fix.edits if finding.fix is not None else ()


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    if a[0] < b[1] and b[0] < a[1]:
        return True
    # Two insertions at one point: their order would be arbitrary (and both may add one import).
    return a[0] == a[1] == b[0] == b[1]


def parse_problem(text: str) -> str | None:
    import libcst

    try:
        libcst.parse_module(text)
    except libcst.ParserSyntaxError as error:
        return f"line {error.raw_line}: {error.message.strip().splitlines()[0]}"
    except (RecursionError, MemoryError) as error:
        return type(error).__name__
    return None


def unified_diff(display: str, before: Document, after: Document) -> str:
    """The change as a unified diff; a notebook's per changed cell, named `path:cell N`."""
    if isinstance(before, Notebook) and isinstance(after, Notebook):
        old, new = before.cell_sources(), after.cell_sources()
        return "".join(
            _diff(old[n], new.get(n, ""), f"{display}:cell {n}")
            for n in sorted(old)
            if old[n] != new.get(n, "")
        )
    return _diff(before.text, after.text, display)


def _diff(old: str, new: str, name: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), name, name
    )
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step, keeping its permissions."""
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".hflint", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as fh:
            fh.write(data)
        with contextlib.suppress(OSError):
            os.chmod(temp, path.stat().st_mode & 0o7777)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
