"""Suppression comments, in the forms users know from Ruff and flake8.

On the line where a finding starts (or ends, for calls that span lines):
    `# noqa`                          every finding
    `# noqa: HF101, HF2`              findings whose code starts with one of these
    `# hflint: ignore`                every finding
    `# hflint: ignore[HF101,HF2]`     as with codes above
In the comment block at the top of the file (before the first statement):
    `# hflint: noqa` / `# hflint: skip-file`   the whole file
    `# hflint: noqa: HF101`                    these codes in the whole file

Comments are found with `tokenize`, so a `#` inside a string never counts; a file tokenize
cannot read (a syntax error) falls back to a per-line regex.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass, field

from hflint.analyzers.findings import Finding

_CODE = r"(?:[A-Za-z]+[0-9]+|HF)"
_CODES = rf"{_CODE}(?:\s*,\s*{_CODE}|\s+{_CODE})*"
_NOQA = re.compile(rf"#\s*noqa(?::\s*(?P<codes>{_CODES}))?", re.IGNORECASE)
_IGNORE = re.compile(r"#\s*hflint:\s*ignore\b(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_FILE = re.compile(
    rf"#\s*hflint:\s*(?:skip-file\b|noqa\b(?::\s*(?P<codes>{_CODES}))?)", re.IGNORECASE
)
_SPLIT = re.compile(r"[\s,]+")
ALL: tuple[str, ...] = ()  # an empty code list: every code


@dataclass
class Directives:
    file_codes: tuple[str, ...] | None = None  # None: no file-level directive; ALL: every code
    lines: dict[int, tuple[str, ...]] = field(default_factory=dict)

    def suppresses(self, finding: Finding) -> bool:
        if _matches(self.file_codes, finding.code):
            return True
        start, end = finding.range.start.line, finding.range.end.line
        return _matches(self.lines.get(start), finding.code) or (
            end != start and _matches(self.lines.get(end), finding.code)
        )


def filter_suppressed(findings: list[Finding], text: str) -> list[Finding]:
    """`findings` without those a suppression comment in `text` silences."""
    if not findings or not _may_have_directives(text):
        return findings
    directives = parse_directives(text)
    return [f for f in findings if not directives.suppresses(f)]


def skips_file(text: str) -> bool:
    """True when a top-of-file `# hflint: skip-file` or blanket `# hflint: noqa` is present."""
    if "hflint" not in text.lower():
        return False
    return parse_directives(text).file_codes == ALL


def parse_directives(text: str) -> Directives:
    directives = Directives()
    for line, comment, top in _comments(text):
        if top:
            match = _FILE.search(comment)
            if match:
                directives.file_codes = _merge(directives.file_codes, _codes(match["codes"]))
        for pattern in (_NOQA, _IGNORE):
            for match in pattern.finditer(comment):
                codes = _codes(match["codes"])
                directives.lines[line] = _merge(directives.lines.get(line), codes)
    return directives


def _may_have_directives(text: str) -> bool:
    lowered = text.lower()
    return "noqa" in lowered or "hflint" in lowered


def _codes(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ALL
    return tuple(code.upper() for code in _SPLIT.split(raw.strip()) if code)


def _merge(old: tuple[str, ...] | None, new: tuple[str, ...]) -> tuple[str, ...]:
    if old is None:
        return new
    if old == ALL or new == ALL:
        return ALL
    return old + new


def _matches(codes: tuple[str, ...] | None, code: str) -> bool:
    if codes is None:
        return False
    return codes == ALL or any(code.startswith(prefix) for prefix in codes)


def _comments(text: str) -> Iterable[tuple[int, str, bool]]:
    """(line, comment text, in the top comment block) for every comment."""
    try:
        return list(_tokenized_comments(text))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return list(_regex_comments(text))


def _tokenized_comments(text: str) -> Iterable[tuple[int, str, bool]]:
    top = True
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENCODING}
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string, top
        elif token.type not in skip:
            top = False


def _regex_comments(text: str) -> Iterable[tuple[int, str, bool]]:
    top = True
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            top = False
        index = line.find("#")
        if index != -1:
            yield number, line[index:], top and stripped.startswith("#")
