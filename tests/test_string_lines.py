"""Where a `# noqa` comment cannot go: lines that end inside a string. The quick scan agrees
with Python's own tokenizer."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

import pytest

from hflint.server.lsp_convert import _lines_inside_strings

ROOT = Path(__file__).parent.parent

TRICKY = [
    'x = """a\nb\nc"""\ny = 1\n',
    "x = '''it's\n'''  # done\n",
    's = "one \\\nline"\n',
    '# a comment with """ quotes\nx = 1\n',
    "x = 'a\"\"\"b'  # quotes inside quotes\ny = '''\n'''\n",
    'f = rf"""\\d{x}\n"""\n',
    'x = ("a"  # comment\n     "b")\n',
    'x = """escaped \\""" still\ninside"""\n',
    'b = Rb"""\n\\"""\n"""\n',
    'd = {\'k\': """\nv"""}\n',
]


def _tokenized(text: str) -> frozenset[int]:
    inside: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.STRING and token.end[0] > token.start[0]:
            inside.update(range(token.start[0], token.end[0]))
    return frozenset(inside)


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_strings(text: str) -> None:
    assert _lines_inside_strings(text) == _tokenized(text)


def test_agrees_with_the_tokenizer_on_real_files() -> None:
    files = [
        *sorted((ROOT / "tests" / "corpus").rglob("*.py")),
        *sorted((ROOT / "examples").rglob("*.py")),
        *sorted((ROOT / "analyzers").glob("*.py")),
        *sorted((ROOT / "rules").glob("*.py")),
    ]
    with_strings = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        expected = _tokenized(text)
        assert _lines_inside_strings(text) == expected, path
        with_strings += bool(expected)
    assert with_strings > 20


def test_no_multiline_string_costs_nothing() -> None:
    assert _lines_inside_strings("x = 1\ny = 'a'\n") == frozenset()
