"""Running one rule over a snippet, and applying a finding's fix: shared by the rule tests."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import libcst as cst

from hflint.analyzers.engine import check_source
from hflint.analyzers.findings import Finding
from hflint.analyzers.knowledge import Knowledge, load_knowledge
from hflint.analyzers.settings import Settings
from hflint.analyzers.source import apply_edits


def findings(
    code: str, rule: str, path: Path | None = None, knowledge: Knowledge | None = None
) -> list[Finding]:
    """`rule`'s findings on the dedented `code` (as if saved at `path`)."""
    source: Callable[[], Knowledge] = (
        (lambda: knowledge) if knowledge is not None else load_knowledge
    )
    text = textwrap.dedent(code)
    found = check_source(text, path=path, settings=Settings(select=[rule]), knowledge=source)
    return [f for f in found if f.code == rule]


def fixed_text(code: str, finding: Finding) -> str:
    """The dedented `code` with the finding's fix applied; it must still parse."""
    assert finding.fix is not None
    out = apply_edits(textwrap.dedent(code), list(finding.fix.edits))
    cst.parse_module(out)
    return out
