"""Findings as LSP diagnostics, carrying in `data` everything a code action needs: the fix as
ready-made LSP text edits, its applicability, and the edit that adds a `# noqa` comment.

Code actions then read the diagnostics the client sends back, with no second analysis. A
diagnostic's edits fit the text open now when the check of that text produced the very same
diagnostic (`fingerprint`): that holds across versions whose findings did not move, which is
what a pull client keeps when the server answers "unchanged".
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass
from functools import cache
from typing import Any

from lsprotocol import types

from hflint.analyzers.findings import Edit, Finding, Position, Range, Severity
from hflint.server.fix_titles import fix_title
from hflint.server.lsp_documents import CellText, Snapshot
from hflint.server.lsp_positions import LineIndex

SOURCE = "hflint"
SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}
_NOQA_CODES = re.compile(
    r"#\s*noqa:\s*(?P<codes>[A-Za-z]+[0-9]+(?:\s*,\s*[A-Za-z]+[0-9]+|\s+[A-Za-z]+[0-9]+)*)",
    re.IGNORECASE,
)


def to_diagnostics(
    findings: list[Finding], snapshot: Snapshot
) -> dict[str, list[types.Diagnostic]]:
    """Diagnostics per document (every cell of a notebook gets a list, maybe empty).

    A text document's findings are mostly the same from one keystroke to the next: one whose
    lines read the same as last time gets last time's diagnostic (and its JSON) back."""
    out: dict[str, list[types.Diagnostic]] = {uri: [] for uri in snapshot.uris}
    string_lines = _lines_inside_strings(snapshot.text) if findings else frozenset()
    if snapshot.notebook is not None:
        for finding in findings:
            uri, diagnostic = to_diagnostic(finding, snapshot, string_lines)
            out.setdefault(uri, []).append(diagnostic)
        return out
    index = snapshot.indexes[snapshot.uri]
    before = _KEPT.get(snapshot.uri, {})
    kept: dict[tuple[Any, ...], _Converted] = {}
    for finding in findings:
        key = _key(finding, index, string_lines, snapshot.encoding)
        converted = kept.get(key) or before.get(key)
        if converted is None:
            uri, diagnostic = to_diagnostic(finding, snapshot, string_lines)
            converted = _Converted(uri, diagnostic, _converter().unstructure(diagnostic))
        kept[key] = converted
        out[converted.uri].append(converted.diagnostic)
    with _LOCK:
        _KEPT[snapshot.uri] = kept
    return out


@dataclass(frozen=True)
class _Converted:
    uri: str
    diagnostic: types.Diagnostic
    json: dict[str, Any]  # as the client receives it


_LOCK = threading.Lock()
# document -> its latest conversions, by what they depend on
_KEPT: dict[str, dict[tuple[Any, ...], _Converted]] = {}


def _key(
    finding: Finding, index: LineIndex, string_lines: frozenset[int], encoding: str
) -> tuple[Any, ...]:
    """What a finding's diagnostic depends on: the finding, and the text of every line its
    ranges touch (UTF-16 columns, where a noqa comment goes)."""
    ranges = [finding.range, *(r.range for r in finding.related)]
    if finding.fix is not None:
        ranges.extend(edit.range for edit in finding.fix.edits)
    lines = sorted({line for r in ranges for line in (r.start.line, r.end.line)})
    return (
        finding,
        encoding,
        tuple(
            (line, index.line(line - 1), line in string_lines, line <= index.line_count)
            for line in lines
        ),
    )


def diagnostics_json(uri: str, diagnostics: list[types.Diagnostic]) -> list[dict[str, Any]]:
    """The diagnostics as sent to the client, converted once per finding and kept."""
    with _LOCK:
        known = {id(c.diagnostic): c for c in _KEPT.get(uri, {}).values()}
    out = []
    for diagnostic in diagnostics:
        converted = known.get(id(diagnostic))
        if converted is not None and converted.diagnostic is diagnostic:
            out.append(converted.json)
        else:
            out.append(_converter().unstructure(diagnostic))
    return out


def forget_conversions(uri: str) -> None:
    with _LOCK:
        _KEPT.pop(uri, None)


def to_diagnostic(
    finding: Finding, snapshot: Snapshot, string_lines: frozenset[int] = frozenset()
) -> tuple[str, types.Diagnostic]:
    cell = snapshot.cell_at(finding.range.start.line) if snapshot.notebook else None
    uri, rng = lsp_range(finding.range, snapshot, cell)
    related = [
        types.DiagnosticRelatedInformation(types.Location(*lsp_range(r.range, snapshot)), r.message)
        for r in finding.related
    ]
    data: dict[str, Any] = {
        "name": finding.name,
        "fix": _fix_data(finding, snapshot),
        "noqa": _noqa_data(finding, snapshot, cell, string_lines),
    }
    diagnostic = types.Diagnostic(
        range=rng,
        message=finding.message,
        severity=SEVERITIES[finding.severity],
        code=finding.code,
        code_description=types.CodeDescription(href=finding.url) if finding.url else None,
        source=SOURCE,
        related_information=related or None,
        tags=[types.DiagnosticTag.Deprecated] if finding.deprecated else None,
        data=data,
    )
    return uri, diagnostic


def fingerprint(diagnostic: types.Diagnostic) -> str:
    """What identifies a diagnostic and its edits, as sent and as the client sends it back."""
    key = [str(diagnostic.code), range_json(diagnostic.range), diagnostic.message, diagnostic.data]
    return json.dumps(key, sort_keys=True, ensure_ascii=False, default=str)


def result_id(items: list[types.Diagnostic]) -> str:
    """A pull report's id: equal ids mean the client already shows exactly these items."""
    data = json.dumps(_converter().unstructure(items), sort_keys=True, default=str)
    return hashlib.sha256(data.encode()).hexdigest()[:16]


@cache
def _converter() -> Any:
    from lsprotocol.converters import get_converter

    return get_converter()


def lsp_range(
    rng: Range, snapshot: Snapshot, cell: CellText | None = None
) -> tuple[str, types.Range]:
    """The document and LSP range of an engine range; in a notebook the range stays in the
    cell where it starts."""
    if snapshot.notebook is not None and cell is None:
        cell = snapshot.cell_at(rng.start.line)
    uri, start = snapshot.place(rng.start, cell)
    _, end = snapshot.place(rng.end, cell)
    return uri, types.Range(start, end)


def range_json(rng: types.Range) -> dict[str, Any]:
    return {
        "start": {"line": rng.start.line, "character": rng.start.character},
        "end": {"line": rng.end.line, "character": rng.end.character},
    }


def edit_json(uri: str, rng: types.Range, new_text: str) -> dict[str, Any]:
    return {"uri": uri, "range": range_json(rng), "newText": new_text}


def _fix_data(finding: Finding, snapshot: Snapshot) -> dict[str, Any] | None:
    fix = finding.fix
    if fix is None or not fix.edits:
        return None
    if snapshot.notebook is not None and not snapshot.notebook.accepts(fix.edits):
        return None  # spans two cells or touches an IPython line: the CLI skips it too
    return {
        "title": fix_title(finding.code, fix),
        "applicability": fix.applicability.value,
        "edits": [_edit(edit, snapshot) for edit in fix.edits],
    }


def _edit(edit: Edit, snapshot: Snapshot) -> dict[str, Any]:
    uri, rng = lsp_range(edit.range, snapshot)
    return edit_json(uri, rng, edit.content)


def _noqa_data(
    finding: Finding, snapshot: Snapshot, cell: CellText | None, string_lines: frozenset[int]
) -> dict[str, Any] | None:
    """`  # noqa: CODE` at the end of the line the finding starts on (or ends on, when the start
    line cannot take a comment), or the code added to a `# noqa:` list already there."""
    for line in dict.fromkeys((finding.range.start.line, finding.range.end.line)):
        if line in string_lines:
            continue
        if cell is not None and not cell.start_line <= line < cell.start_line + cell.line_count:
            continue  # the comment goes in the finding's own cell
        uri, position = snapshot.place(Position(line, 0), cell)
        index = snapshot.indexes[uri]
        edit = noqa_edit(index, position.line, finding.code)
        if edit is not None:
            return edit_json(uri, *edit)
    return None


def noqa_edit(index: LineIndex, line0: int, code: str) -> tuple[types.Range, str] | None:
    text = index.line(line0)
    existing = _NOQA_CODES.search(text)
    if existing is not None:
        at = index.lsp_position(line0, existing.end("codes"))
        return types.Range(at, at), f", {code}"
    body = text.rstrip()
    if body.endswith("\\"):
        return None  # a comment after a line continuation is a syntax error
    start = index.lsp_position(line0, len(body))
    end = index.lsp_position(line0, len(text))
    return types.Range(start, end), f"  # noqa: {code}"


def _lines_inside_strings(text: str) -> frozenset[int]:
    """Lines (1-based) whose end lies inside a multi-line string: a comment there would be text.

    One regular expression finds every comment and string literal (a keystroke must not pay
    for tokenizing or parsing the whole file again); only strings that span lines count."""
    if '"""' not in text and "'''" not in text and "\\\n" not in text:
        return frozenset()
    inside: set[int] = set()
    line, cursor = 1, 0
    for match in _STRINGISH.finditer(text):
        if match.group("string") is None:
            continue
        start, end = match.span()
        newlines = text.count("\n", start, end)
        if not newlines:
            continue
        line += text.count("\n", cursor, start)
        inside.update(range(line, line + newlines))
        line += newlines
        cursor = end
    return frozenset(inside)


# A comment, or a string literal of any kind (prefixes, triple quotes, escapes, and a
# backslash at the end of a line inside a one-line string).
_STRINGISH = re.compile(
    r"""
    \#[^\r\n]*
    | (?P<string>
        (?<![A-Za-z0-9_])[rRbBuUfF]{0,3}
        (?: \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
          | \'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'
          | "(?:[^"\\\r\n]|\\.)*"
          | '(?:[^'\\\r\n]|\\.)*'
        )
      )
    """,
    re.VERBOSE | re.DOTALL,
)
