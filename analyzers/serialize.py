"""Findings to plain JSON values and back, exactly: the result cache stores them this way."""

from __future__ import annotations

from typing import Any

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


def range_to_json(rng: Range) -> list[int]:
    return [rng.start.line, rng.start.column, rng.end.line, rng.end.column]


def range_from_json(data: Any) -> Range:
    line, column, end_line, end_column = (int(v) for v in data)
    return Range(Position(line, column), Position(end_line, end_column))


def finding_to_json(finding: Finding) -> dict[str, Any]:
    fix = finding.fix
    return {
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity.value,
        "message": finding.message,
        "range": range_to_json(finding.range),
        "fix": None
        if fix is None
        else {
            "applicability": fix.applicability.value,
            "message": fix.message,
            "edits": [[range_to_json(e.range), e.content] for e in fix.edits],
        },
        "related": [[r.message, range_to_json(r.range)] for r in finding.related],
        "url": finding.url,
        "deprecated": finding.deprecated,
    }


def finding_from_json(data: Any) -> Finding:
    """The inverse of finding_to_json; raises (KeyError, TypeError, ValueError) on bad data."""
    raw_fix = data["fix"]
    fix = None
    if raw_fix is not None:
        fix = Fix(
            Applicability(raw_fix["applicability"]),
            str(raw_fix["message"]),
            tuple(Edit(range_from_json(r), str(c)) for r, c in raw_fix["edits"]),
        )
    return Finding(
        code=str(data["code"]),
        name=str(data["name"]),
        severity=Severity(data["severity"]),
        message=str(data["message"]),
        range=range_from_json(data["range"]),
        fix=fix,
        related=tuple(Related(str(m), range_from_json(r)) for m, r in data["related"]),
        url=str(data["url"]),
        deprecated=bool(data["deprecated"]),
    )
