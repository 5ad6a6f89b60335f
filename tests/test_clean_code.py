"""Correct, tutorial-style code gets no finding at all: false positives are the worst bug."""

from __future__ import annotations

from pathlib import Path

import pytest

from hflint.analyzers.engine import check_source

CLEAN = sorted((Path(__file__).parent / "clean_code").glob("*.py"))


@pytest.mark.parametrize("path", CLEAN, ids=lambda p: p.name)
def test_clean_code_has_no_findings(path: Path) -> None:
    findings = check_source(path.read_text(encoding="utf-8"), path=path)
    assert [(f.code, f.range.start.line, f.message) for f in findings] == []
