"""Findings as text, JSON, SARIF 2.1.0 or GitHub Actions workflow commands.

Rows and columns are 1-based everywhere here, as in Ruff's output: a finding's 0-based column
becomes column + 1. In a notebook, row and column count within the cell, and the cell number
(every cell counted from the top, see analyzers/notebook.py) comes with them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from hflint.analyzers.findings import Finding, Position, Range, Severity
from hflint.analyzers.notebook import CellMap
from hflint.analyzers.suppression import (
    INVALID_SUPPRESSION_CODE,
    INVALID_SUPPRESSION_DOCS,
    INVALID_SUPPRESSION_NAME,
    INVALID_SUPPRESSION_SUMMARY,
)
from hflint.rules.base import CODE_FIELD, finding_url, rules_page

FORMATS = ("text", "json", "sarif", "github")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# Findings the engine and the CLI report themselves, outside the rule registry.
BUILTIN_RULES = {
    "HF001": (
        "syntax-error",
        "The file does not parse.",
        "Reports the first syntax error of a file that does not parse. hflint checks the rest "
        "of the file once it parses; the other files are checked all the same.",
    ),
    "HF002": (
        "io-error",
        "The file could not be read.",
        "Reports a file that cannot be checked: a binary file, bytes that are not valid in the "
        "file's encoding (UTF-8 unless a PEP 263 coding line says otherwise), or a notebook "
        "whose JSON is broken. Like Ruff's E902, it is a finding: it shows in every output "
        "format and makes the exit code 1; `--ignore HF002` silences it.",
    ),
    INVALID_SUPPRESSION_CODE: (
        INVALID_SUPPRESSION_NAME,
        INVALID_SUPPRESSION_SUMMARY,
        INVALID_SUPPRESSION_DOCS,
    ),
}
BUILTIN_SEVERITY = {INVALID_SUPPRESSION_CODE: Severity.WARNING}  # the others are errors


@dataclass(frozen=True)
class FileFindings:
    path: Path  # absolute
    display: str  # as shown to the user (relative to the working directory when possible)
    findings: list[Finding]
    cell_map: CellMap | None = None  # notebooks only
    fixed: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class Location:
    row: int  # 1-based
    column: int  # 1-based
    cell: int | None = None


def locate(pos: Position, cell_map: CellMap | None) -> Location:
    if cell_map is None:
        return Location(pos.line, pos.column + 1)
    cell, local = cell_map.locate(pos)
    return Location(local.line, local.column + 1, cell)


def shows_fix(finding: Finding, unsafe_fixes: bool) -> bool:
    fix = finding.fix
    return fix is not None and (fix.is_safe or unsafe_fixes)


# ---- text --------------------------------------------------------------------------------
def format_text(files: Sequence[FileFindings], unsafe_fixes: bool = False) -> str:
    lines = []
    for file in files:
        for finding in file.findings:
            loc = locate(finding.range.start, file.cell_map)
            cell = f"cell {loc.cell}:" if loc.cell is not None else ""
            mark = "[*] " if shows_fix(finding, unsafe_fixes) else ""
            lines.append(
                f"{file.display}:{cell}{loc.row}:{loc.column}: {finding.code} "
                f"[{finding.severity.value}] {mark}{finding.message}"
            )
    return "".join(line + "\n" for line in lines)


def _counted(count: int, severity: Severity) -> str:
    """`1 error`, `2 warnings`, `3 info`, `1 hint`."""
    noun = severity.value
    return f"{count} {noun}" if count == 1 or severity is Severity.INFO else f"{count} {noun}s"


def summary(files: Sequence[FileFindings], unsafe_fixes: bool = False) -> str:
    """`Found 6 findings: 3 errors, 2 warnings, 1 info (...).`: the findings fixed and the
    ones that remain, by severity."""
    remaining = [f for file in files for f in file.findings]
    fixed = sum(len(file.fixed) for file in files)
    total = len(remaining) + fixed
    if total == 0:
        return "All checks passed!\n"
    counts = Counter(f.severity for f in [*remaining, *(f for file in files for f in file.fixed)])
    severities = sorted(counts, key=lambda s: s.rank)
    noun = "finding" if total == 1 else "findings"
    found = f"Found {total} {noun}: {', '.join(_counted(counts[s], s) for s in severities)}"
    if fixed:
        return f"{found} ({fixed} fixed, {len(remaining)} remaining).\n"
    safe = sum(1 for f in remaining if shows_fix(f, unsafe_fixes))
    hidden = sum(1 for f in remaining if f.fix is not None and not shows_fix(f, unsafe_fixes))
    parts = []
    if safe:
        parts.append(f"{safe} fixable with --fix")
    if hidden:
        parts.append(f"{hidden} more with --unsafe-fixes")
    detail = f" ({'; '.join(parts)})" if parts else ""
    return f"{found}{detail}.\n"


def statistics(files: Sequence[FileFindings], unsafe_fixes: bool = False) -> str:
    counts: Counter[str] = Counter()
    names: dict[str, str] = {}
    fixable: dict[str, bool] = {}
    for file in files:
        for f in file.findings:
            counts[f.code] += 1
            names[f.code] = f.name
            fixable[f.code] = fixable.get(f.code, False) or shows_fix(f, unsafe_fixes)
    width = max((len(str(n)) for n in counts.values()), default=1)
    return "".join(
        f"{count:>{width}}\t{code}\t{'[*] ' if fixable[code] else ''}{names[code]}\n"
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    )


def fixed_report(files: Sequence[FileFindings]) -> str:
    """`--show-fixes`: what each file had fixed, grouped by code."""
    out = []
    for file in files:
        if not file.fixed:
            continue
        out.append(f"Fixed in {file.display}:\n")
        counts = Counter((f.code, f.name) for f in file.fixed)
        for (code, name), count in sorted(counts.items()):
            out.append(f"    {count} × {code} ({name})\n")
    return "".join(out)


# ---- json --------------------------------------------------------------------------------
def _json_location(loc: Location) -> dict[str, int]:
    return {"row": loc.row, "column": loc.column}


def finding_json(
    finding: Finding, file: FileFindings, docs_url: str | None = None
) -> dict[str, Any]:
    start = locate(finding.range.start, file.cell_map)
    end = locate(finding.range.end, file.cell_map)
    fix = None
    if finding.fix is not None:
        fix = {
            "applicability": finding.fix.applicability.value,
            "message": finding.fix.message,
            "edits": [
                {
                    "content": edit.content,
                    "location": _json_location(locate(edit.range.start, file.cell_map)),
                    "end_location": _json_location(locate(edit.range.end, file.cell_map)),
                }
                for edit in finding.fix.edits
            ],
        }
    return {
        "code": finding.code,
        "name": finding.name,
        "message": finding.message,
        "severity": finding.severity.value,
        "filename": str(file.path),
        "location": _json_location(start),
        "end_location": _json_location(end),
        "fix": fix,
        "url": finding_url(finding, docs_url),
        "cell": start.cell,
    }


def format_json(files: Sequence[FileFindings], docs_url: str | None = None) -> str:
    """`docs_url`: the `docs-url` setting (rule links to a hosted copy of the rules page)."""
    data = [finding_json(f, file, docs_url) for file in files for f in file.findings]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# ---- sarif -------------------------------------------------------------------------------
_SARIF_LEVEL = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
    Severity.HINT: "note",
}


def _artifact(path: Path, cwd: Path) -> dict[str, str]:
    try:
        relative = path.relative_to(cwd).as_posix()
    except ValueError:
        return {"uri": path.as_uri()}
    return {"uri": quote(relative), "uriBaseId": "%SRCROOT%"}


def _region(finding_range: Range, cell_map: CellMap | None) -> dict[str, int]:
    start = locate(finding_range.start, cell_map)
    end = locate(finding_range.end, cell_map)
    return {
        "startLine": start.row,
        "startColumn": start.column,
        "endLine": end.row,
        "endColumn": end.column,
    }


def _sarif_rules(codes: set[str], docs_url: str | None) -> list[dict[str, Any]]:
    from hflint.rules.registry import all_rules

    rules: list[dict[str, Any]] = []
    for code, (name, short, full) in BUILTIN_RULES.items():
        severity = BUILTIN_SEVERITY.get(code, Severity.ERROR)
        rules.append(_rule_descriptor(code, name, short, full, "", severity))
    for rule in all_rules():
        rules.append(
            _rule_descriptor(
                rule.code,
                rule.name,
                rule.summary,
                getattr(rule, "what", "").strip() or rule.summary,
                rule.url(docs_url),
                rule.severity,
            )
        )
    known = {r["id"] for r in rules}
    for code in sorted(codes - known):
        rules.append(_rule_descriptor(code, code.lower(), code, code, "", Severity.WARNING))
    return rules


def _rule_descriptor(
    code: str, name: str, short: str, full: str, url: str, severity: Severity
) -> dict[str, Any]:
    descriptor: dict[str, Any] = {
        "id": code,
        "name": name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "defaultConfiguration": {"level": _SARIF_LEVEL[severity]},
    }
    if url:
        descriptor["helpUri"] = url
    return descriptor


def information_uri(docs_url: str | None) -> str | None:
    """The tool's page: the rules page hflint installs, or the hosted copy `docs-url` names
    (None when it is a per-rule template: SARIF's `informationUri` is optional)."""
    if docs_url:
        return None if CODE_FIELD in docs_url else docs_url
    page = rules_page()
    return page.as_uri() if page is not None else None


def format_sarif(
    files: Sequence[FileFindings], cwd: Path, version: str, docs_url: str | None = None
) -> str:
    results = []
    codes: set[str] = set()
    for file in files:
        artifact = _artifact(file.path, cwd)
        for finding in file.findings:
            codes.add(finding.code)
            results.append(_sarif_result(finding, file, artifact))
    rules = _sarif_rules(codes, docs_url)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    for result in results:
        result["ruleIndex"] = index[result["ruleId"]]
    driver: dict[str, Any] = {"name": "hflint", "version": version}
    about = information_uri(docs_url)
    if about is not None:
        driver["informationUri"] = about
    driver["rules"] = rules
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "columnKind": "unicodeCodePoints",
                "originalUriBaseIds": {"%SRCROOT%": {"uri": cwd.as_uri().rstrip("/") + "/"}},
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _sarif_result(finding: Finding, file: FileFindings, artifact: dict[str, str]) -> dict[str, Any]:
    cell = locate(finding.range.start, file.cell_map).cell
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": artifact,
            "region": _region(finding.range, file.cell_map),
        }
    }
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "level": _SARIF_LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [location],
    }
    if finding.related:
        result["relatedLocations"] = [
            {
                "id": i,
                "message": {"text": related.message},
                "physicalLocation": {
                    "artifactLocation": artifact,
                    "region": _region(related.range, file.cell_map),
                },
            }
            for i, related in enumerate(finding.related)
        ]
    if finding.fix is not None:
        result["fixes"] = [
            {
                "description": {"text": finding.fix.message},
                "artifactChanges": [
                    {
                        "artifactLocation": artifact,
                        "replacements": [
                            {
                                "deletedRegion": _region(edit.range, file.cell_map),
                                "insertedContent": {"text": edit.content},
                            }
                            for edit in finding.fix.edits
                        ],
                    }
                ],
            }
        ]
    properties: dict[str, Any] = {"severity": finding.severity.value}
    if finding.fix is not None:
        properties["applicability"] = finding.fix.applicability.value
    if cell is not None:
        properties["cell"] = cell
    result["properties"] = properties
    return result


# ---- github ------------------------------------------------------------------------------
_GITHUB_LEVEL = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
    Severity.HINT: "notice",
}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(files: Sequence[FileFindings]) -> str:
    lines = []
    for file in files:
        for finding in file.findings:
            start = locate(finding.range.start, file.cell_map)
            end = locate(finding.range.end, file.cell_map)
            props = (
                f"file={_escape_property(file.display)},line={start.row},col={start.column},"
                f"endLine={end.row},endColumn={end.column},"
                f"title={_escape_property(f'hflint ({finding.code})')}"
            )
            where = f"cell {start.cell}: " if start.cell is not None else ""
            message = _escape_data(f"{where}{finding.code} {finding.message}")
            lines.append(f"::{_GITHUB_LEVEL[finding.severity]} {props}::{message}\n")
    return "".join(lines)
