"""Code actions: a quick-fix per fixable finding, "Ignore HF123 on this line" for every finding,
fix-all, and "Validate by loading" on each load.

Quick-fixes and ignores come ready-made in the diagnostics' `data` (see lsp_convert.py): every
diagnostic carries its ignore, the edit that adds its code to the suppression comment of its
line (or a new `# noqa: CODE`), whether or not it has a fix. They are offered only while the
check of the text open now made the same diagnostic: a stale one would edit the wrong line.
Fix-all runs server/fixes.py's rounds, so overlapping fixes converge exactly as
`hflint check --fix`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lsprotocol import types

from hflint.server.lsp_convert import SOURCE, fingerprint, lsp_range, range_json
from hflint.server.lsp_documents import Snapshot
from hflint.server.lsp_loads import LoadSite
from hflint.server.lsp_positions import LineIndex, minimal_edit

FIX_ALL_KIND = "source.fixAll.hflint"
FIX_ALL_TITLE = "hflint: Fix all auto-fixable problems"
VALIDATE_COMMAND = "hflint.validate"
KINDS = [types.CodeActionKind.QuickFix, FIX_ALL_KIND, types.CodeActionKind.Empty]


def allowed(kind: str, only: Sequence[str] | None) -> bool:
    """Whether the client asked for actions of this kind (`only` lists kinds or parents)."""
    if only is None:
        return True
    return any(kind == o or (o and kind.startswith(o + ".")) for o in only)


def quick_fixes(
    diagnostics: Sequence[types.Diagnostic], current: set[str], edit: EditBuilder
) -> list[types.CodeAction]:
    """For each of the client's diagnostics that the check of the text open now also made
    (`current` holds their fingerprints; others would edit the wrong place): its fix, if it has
    one, and "Ignore CODE on this line" (once per code and line)."""
    actions: list[types.CodeAction] = []
    ignored: set[tuple[str, int]] = set()
    for diagnostic in diagnostics:
        data = diagnostic.data
        if diagnostic.source != SOURCE or not isinstance(data, dict):
            continue
        if fingerprint(diagnostic) not in current:
            continue
        fix = data.get("fix")
        if isinstance(fix, dict) and fix.get("edits"):
            actions.append(
                types.CodeAction(
                    title=str(fix.get("title", "Apply the fix")),
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    is_preferred=fix.get("applicability") == "safe",
                    edit=edit.from_json(fix["edits"]),
                )
            )
        code = str(diagnostic.code)
        key = (code, diagnostic.range.start.line)
        noqa = data.get("noqa")  # independent of the fix: every finding can be ignored
        if isinstance(noqa, dict) and key not in ignored:
            ignored.add(key)
            actions.append(
                types.CodeAction(
                    title=f"Ignore {code} on this line",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    edit=edit.from_json([noqa]),
                )
            )
    return actions


def fix_all_action(edit: types.WorkspaceEdit | None, data: Any = None) -> types.CodeAction:
    return types.CodeAction(title=FIX_ALL_TITLE, kind=FIX_ALL_KIND, edit=edit, data=data)


def fix_all(snapshot: Snapshot) -> dict[str, str]:
    """New text per changed document after applying every safe fix (runs the engine)."""
    from hflint.analyzers.files import SourceFile
    from hflint.analyzers.notebook import Notebook
    from hflint.server.fixes import fix_document
    from hflint.server.runner import check_text

    def analyse(text: str) -> list[Any]:
        return check_text(text, snapshot.path, snapshot.config)[0]

    if snapshot.notebook is None:
        outcome = fix_document(SourceFile(snapshot.text), analyse, unsafe=False)
        if outcome.error is not None or not outcome.fixed:
            return {}
        return {snapshot.uri: outcome.document.text}
    outcome = fix_document(snapshot.notebook, analyse, unsafe=False)
    if outcome.error is not None or not isinstance(outcome.document, Notebook):
        return {}
    sources = {cell.index: cell.source for cell in outcome.document.cells}
    changed: dict[str, str] = {}
    for index, cell in enumerate(snapshot.cells):
        if index in sources and sources[index] != cell.text:
            changed[cell.uri] = sources[index]
    return changed


def validate_actions(
    sites: list[LoadSite], snapshot: Snapshot, uri: str, wanted: types.Range
) -> list[types.CodeAction]:
    actions = []
    for site in sites:
        site_uri, rng = lsp_range(site.range, snapshot)
        if site_uri != uri or not _overlaps(rng, wanted):
            continue
        title = f"Validate `{site.checkpoint}` by loading it ({site.auto_class})"
        actions.append(
            types.CodeAction(
                title=title,
                kind=types.CodeActionKind.Empty,
                command=validate_command(title, site, uri, rng),
            )
        )
    return actions


def validate_command(title: str, site: LoadSite, uri: str, rng: types.Range) -> types.Command:
    """The `hflint.validate` command for one load (a code action's, or a code lens's)."""
    argument = {
        "uri": uri,
        "range": range_json(rng),
        "checkpoint": site.checkpoint,
        "class": site.auto_class,
        "task": site.task,
        "revision": site.revision,
        "subfolder": site.subfolder,
        "kwargs": site.kwargs,
    }
    return types.Command(title=title, command=VALIDATE_COMMAND, arguments=[argument])


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


class EditBuilder:
    """WorkspaceEdits the client accepts: versioned `documentChanges` when it supports them."""

    def __init__(self, versions: dict[str, int], document_changes: bool) -> None:
        self.versions = versions
        self.document_changes = document_changes

    def build(self, edits: dict[str, list[types.TextEdit]]) -> types.WorkspaceEdit:
        if not self.document_changes:
            return types.WorkspaceEdit(changes=edits)
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    types.OptionalVersionedTextDocumentIdentifier(uri, self.versions.get(uri)),
                    list(changes),
                )
                for uri, changes in edits.items()
            ]
        )

    def from_json(self, edits: list[Any]) -> types.WorkspaceEdit:
        grouped: dict[str, list[types.TextEdit]] = {}
        for edit in edits:
            rng = edit["range"]
            grouped.setdefault(edit["uri"], []).append(
                types.TextEdit(
                    types.Range(
                        types.Position(rng["start"]["line"], rng["start"]["character"]),
                        types.Position(rng["end"]["line"], rng["end"]["character"]),
                    ),
                    edit["newText"],
                )
            )
        return self.build(grouped)

    def replacing(
        self, old: dict[str, str], new: dict[str, str], encoding: str
    ) -> types.WorkspaceEdit:
        """One minimal edit per document whose text changed from `old` to `new`."""
        edits: dict[str, list[types.TextEdit]] = {}
        for uri, text in new.items():
            before = old.get(uri)
            if before is None or before == text:
                continue
            start, end, content = minimal_edit(before, text)
            index = LineIndex(before, encoding)
            rng = types.Range(index.lsp_position_at(start), index.lsp_position_at(end))
            edits[uri] = [types.TextEdit(rng, content)]
        return self.build(edits)
