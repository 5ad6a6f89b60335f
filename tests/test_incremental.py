"""Re-parsing only the edited statements gives exactly the tree a full parse gives."""

from __future__ import annotations

import random
from pathlib import Path

import libcst as cst
import pytest

from hflint.analyzers import incremental
from hflint.analyzers.positions import Positions

ROOT = Path(__file__).resolve().parent
FILES = sorted([*(ROOT / "clean_code").glob("*.py"), *(ROOT.parent / "examples").glob("*.py")])
SNIPPETS = ["x", " ", "\n", "(", ")", '"', "#", ":", "\n    ", "import os\n", "    ", "'''", "\\"]


def _edit(rng: random.Random, text: str) -> str:
    at = rng.randrange(len(text) + 1)
    choice = rng.random()
    if choice < 0.5:
        return text[:at] + rng.choice(SNIPPETS) + text[at:]
    if choice < 0.8:
        return text[:at] + text[at + rng.randint(1, 12) :]
    line_start = text.rfind("\n", 0, at) + 1
    return text[:line_start] + "    " + text[line_start:]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_random_edits_parse_like_a_full_parse(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    full_parses = 0
    real_full = incremental._full

    def counting_full(text: str) -> incremental.ParsedModule:
        nonlocal full_parses
        result = real_full(text)  # raises on a syntax error: only successful parses count
        full_parses += 1
        return result

    monkeypatch.setattr(incremental, "_full", counting_full)
    rng = random.Random(path.name)
    text = path.read_text()
    key = f"test:{path}"
    incremental.forget(key)
    incremental.parse(text, key)
    parsed = 0
    for _ in range(150):
        candidate = _edit(rng, text)
        try:
            expected = cst.parse_module(candidate)
        except cst.ParserSyntaxError:
            with pytest.raises(cst.ParserSyntaxError):
                incremental.parse(candidate, key)
            continue
        got = incremental.parse(candidate, key)
        assert got.code == candidate
        assert got.deep_equals(expected), candidate
        lines = incremental.first_token_lines(key, got)
        if lines is not None:  # what positions.py would otherwise ask `ast` for
            assert lines == Positions(got, candidate, {})._ast_first_lines()
        text = candidate
        parsed += 1
    assert parsed > 20
    assert full_parses < parsed / 2, "most edits should re-parse only a fragment"


def test_a_one_statement_edit_reuses_the_other_statements() -> None:
    text = "import os\n\na = 0\nx = 1\nb = 2\n\n\ndef f():\n    return 2\n\ny = f()\n"
    key = "test:reuse"
    incremental.forget(key)
    before = incremental.parse(text, key)
    after = incremental.parse(text.replace("x = 1", "x = 10"), key)
    assert after.code == text.replace("x = 1", "x = 10")
    assert after.body[0] is before.body[0]  # import os
    assert after.body[4] is before.body[4] and after.body[5] is before.body[5]
    assert after.body[2] is not before.body[2]  # the edited statement
