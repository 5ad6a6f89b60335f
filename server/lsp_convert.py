"""Findings as LSP diagnostics, carrying in `data` everything a code action needs: the fix as
ready-made LSP text edits, its applicability, and the edit that suppresses the finding (a
`# noqa: CODE` comment, or the code added to the suppression comment already there).

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
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from lsprotocol import types

from hflint.analyzers.findings import Edit, Finding, Position, Range, Severity
from hflint.rules.base import finding_url
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
# The suppression comments with a list of codes (analyzers/suppression.py reads the same):
# a code is added to the list rather than a second comment to the line.
_CODE = r"(?:[A-Za-z]+[0-9]+|HF)"
_LISTS = re.compile(
    rf"#\s*noqa:\s*(?P<noqa>{_CODE}(?:\s*,\s*{_CODE}|\s+{_CODE})*)"
    r"|#\s*hflint:\s*ignore\[(?P<ignore>[^\]]*)\]",
    re.IGNORECASE,
)


def to_diagnostics(
    findings: list[Finding], snapshot: Snapshot
) -> dict[str, list[types.Diagnostic]]:
    """Diagnostics per document (every cell of a notebook gets a list, maybe empty).

    A text document's findings are mostly the same from one keystroke to the next: one whose
    lines read the same as last time gets last time's diagnostic (and its JSON) back."""
    out: dict[str, list[types.Diagnostic]] = {uri: [] for uri in snapshot.uris}
    strings = _strings(snapshot.text) if findings else _NO_STRINGS
    if snapshot.notebook is not None:
        for finding in findings:
            uri, diagnostic = to_diagnostic(finding, snapshot, strings)
            out.setdefault(uri, []).append(diagnostic)
        return out
    index = snapshot.indexes[snapshot.uri]
    before = _KEPT.get(snapshot.uri, {})
    kept: dict[tuple[Any, ...], _Converted] = {}
    for finding in findings:
        key = _key(finding, index, strings, snapshot)
        converted = kept.get(key) or before.get(key)
        if converted is None:
            uri, diagnostic = to_diagnostic(finding, snapshot, strings)
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
    finding: Finding, index: LineIndex, strings: _Strings, snapshot: Snapshot
) -> tuple[Any, ...]:
    """What a finding's diagnostic depends on: the finding, its link, and the text of every line
    its ranges touch (UTF-16 columns, where a noqa comment goes)."""
    ranges = [finding.range, *(r.range for r in finding.related)]
    if finding.fix is not None:
        ranges.extend(edit.range for edit in finding.fix.edits)
    lines = sorted({line for r in ranges for line in (r.start.line, r.end.line)})
    return (
        finding,
        snapshot.encoding,
        snapshot.config.docs_url,
        tuple(
            (
                line,
                index.line(line - 1),
                line in strings.inside,
                strings.closes.get(line),
                line <= index.line_count,
            )
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
    finding: Finding, snapshot: Snapshot, strings: _Strings | None = None
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
        "noqa": _noqa_data(finding, snapshot, cell, strings or _NO_STRINGS),
    }
    href = finding_url(finding, snapshot.config.docs_url)
    diagnostic = types.Diagnostic(
        range=rng,
        message=finding.message,
        severity=SEVERITIES[finding.severity],
        code=finding.code,
        code_description=types.CodeDescription(href=href) if href else None,
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
    finding: Finding, snapshot: Snapshot, cell: CellText | None, strings: _Strings
) -> dict[str, Any] | None:
    rng = finding.range
    # an end at column 0 is the line break before that line: the finding is not on it
    end = rng.end.line if rng.end.column > 0 else rng.start.line
    return _suppression(snapshot, finding.code, rng.start.line, end, cell, strings)


def _suppression(
    snapshot: Snapshot, code: str, start: int, end: int, cell: CellText | None, strings: _Strings
) -> dict[str, Any] | None:
    """The edit that suppresses `code` where analyzers/suppression.py looks: a comment on the
    line a finding starts on, or ends on (the start line of a statement over several lines may
    end inside a string, or in a backslash). A line whose suppression comment lists codes
    already gets the code added to that list; otherwise `  # noqa: CODE` ends the start line."""
    edits: list[tuple[bool, dict[str, Any]]] = []
    for line in dict.fromkeys((start, end)):
        if line in strings.inside:
            continue
        if cell is not None and not cell.start_line <= line < cell.start_line + cell.line_count:
            continue  # the comment goes in the finding's own cell
        uri, position = snapshot.place(Position(line, 0), cell)
        index = snapshot.indexes[uri]
        made = noqa_edit(index, position.line, code, strings.closes.get(line, 0))
        if made is not None:
            edits.append((made[2], edit_json(uri, made[0], made[1])))
    for listed, edit in edits:
        if listed:
            return edit
    return edits[0][1] if edits else None


def noqa_edit(
    index: LineIndex, line0: int, code: str, code_from: int = 0
) -> tuple[types.Range, str, bool] | None:
    """(range, new text, whether the code joins a list already there) for the comment that
    suppresses `code` on the line; None when the line cannot take a comment. Python code on the
    line starts at column `code_from` (before it, a string from the lines above ends)."""
    text = index.line(line0)
    comment = _comment_start(text, code_from)
    if comment is not None:
        listed = _LISTS.search(text, comment)
        if listed is not None and listed.group("noqa") is not None:
            at = index.lsp_position(line0, listed.end("noqa"))
            return types.Range(at, at), f", {code}", True
        if listed is not None and listed.group("ignore").strip():
            inner = listed.group("ignore")
            at = index.lsp_position(line0, listed.start("ignore") + len(inner.rstrip()))
            return types.Range(at, at), f", {code}", True
    body = text.rstrip()
    if comment is None and body.endswith("\\"):
        return None  # a comment after a line continuation is a syntax error
    start = index.lsp_position(line0, len(body))
    end = index.lsp_position(line0, len(text))
    return types.Range(start, end), f"  # noqa: {code}", False


def _comment_start(line: str, code_from: int) -> int | None:
    """Where the line's comment starts (a `#` inside a string does not count)."""
    for match in _STRINGISH.finditer(line, code_from):
        if match.group("string") is None:
            return match.start()
    return None


@dataclass(frozen=True)
class _Strings:
    """Strings over several lines, as Python's tokenizer sees them."""

    inside: frozenset[int] = frozenset()  # lines (1-based) whose end lies inside such a string
    closes: dict[int, int] = field(default_factory=dict)  # line -> column where one ends


_NO_STRINGS = _Strings()


def _lines_inside_strings(text: str) -> frozenset[int]:
    """Lines (1-based) whose end lies inside a multi-line string: a comment there would be text."""
    return _strings(text).inside


def _strings(text: str) -> _Strings:
    """The strings of `text` that span lines: where a comment cannot go, and where code resumes.

    One regular expression finds every comment and string literal (a keystroke must not pay
    for tokenizing or parsing the whole file again); only strings that span lines count."""
    if '"""' not in text and "'''" not in text and "\\\n" not in text:
        return _NO_STRINGS
    inside: set[int] = set()
    closes: dict[int, int] = {}
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
        closes[line] = end - (text.rfind("\n", start, end) + 1)
        cursor = end
    return _Strings(frozenset(inside), closes)


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
