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

A code no rule has (a typo such as `HF1O1`, or a rule that does not exist) suppresses nothing;
`invalid_suppressions` reports it as HF003, as Ruff's RUF100 does, at the code's own range. In
`# noqa` only `HF` codes are checked (the other codes belong to other tools); in the `hflint:`
forms every code is.
"""

from __future__ import annotations

import difflib
import io
import re
import tokenize
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field

from hflint.analyzers.findings import Finding, Position, Range, Severity

_CODE = r"(?:[A-Za-z]+[0-9]+|HF)"
_CODES = rf"{_CODE}(?:\s*,\s*{_CODE}|\s+{_CODE})*"
_NOQA = re.compile(rf"#\s*noqa(?::\s*(?P<codes>{_CODES}))?", re.IGNORECASE)
_IGNORE = re.compile(r"#\s*hflint:\s*ignore\b(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_FILE = re.compile(
    rf"#\s*hflint:\s*(?:skip-file\b|noqa\b(?::\s*(?P<codes>{_CODES}))?)", re.IGNORECASE
)
_SPLIT = re.compile(r"[\s,]+")
_ITEM = re.compile(r"[^\s,]+")
_GLUED = re.compile(r"\w*")  # the noqa pattern takes `HF1` of `HF1O1`: report all of `HF1O1`
ALL: tuple[str, ...] = ()  # an empty code list: every code
INVALID_SUPPRESSION_CODE = "HF003"
INVALID_SUPPRESSION_NAME = "invalid-suppression"
INVALID_SUPPRESSION_SUMMARY = "A suppression comment names a rule code that does not exist."
INVALID_SUPPRESSION_DOCS = (
    "Reports a code in a suppression comment (`# noqa: HF101`, `# hflint: ignore[HF101]`, "
    "`# hflint: noqa: HF101`) that is neither a rule code nor the prefix of one, such as "
    "`HF1O1` or `HF999`: it suppresses nothing, so the finding it was meant for still shows, "
    "or it silences nothing at all. Like Ruff's RUF100, it is a warning, with the closest real "
    "code as a suggestion. In `# noqa` only `HF` codes are checked (the others belong to "
    "other tools)."
)


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


def invalid_suppressions(text: str, known: Collection[str]) -> list[Finding]:
    """One HF003 warning per code in a suppression comment that no rule code starts with.

    As with Ruff's RUF100, the comment that has the unknown code does not hide the warning
    (`# noqa: HF1, HF199` would, by its prefix `HF1`): only a top-of-file directive or an
    explicit `HF003` on that line does."""
    if not _may_have_directives(text):
        return []
    directives = parse_directives(text)
    if _matches(directives.file_codes, INVALID_SUPPRESSION_CODE):
        return []
    findings = []
    for line, column, comment, top in _comments(text):
        for start, end, code in _directive_codes(comment, top):
            if is_known_selector(code, known):
                continue
            if INVALID_SUPPRESSION_CODE in directives.lines.get(line, ()):
                continue
            message = f"Unknown rule code `{code}` in suppression comment"
            suggestion = closest_code(code, known)
            if suggestion is not None:
                message += f"; did you mean `{suggestion}`?"
            findings.append(
                Finding(
                    code=INVALID_SUPPRESSION_CODE,
                    name=INVALID_SUPPRESSION_NAME,
                    severity=Severity.WARNING,
                    message=message,
                    range=Range(Position(line, column + start), Position(line, column + end)),
                )
            )
    return findings


def is_known_selector(code: str, known: Collection[str]) -> bool:
    """Whether `code` is `ALL`, a known code, or the prefix of one (case does not matter)."""
    code = code.upper()
    return code == "ALL" or any(k.startswith(code) for k in known)


def closest_code(code: str, known: Collection[str]) -> str | None:
    """The known code most like `code` (for a prefix such as `HF9`, the known prefix of that
    length), for a "did you mean"; None when nothing is close or `code` is not an `HF` code."""
    code = code.upper()
    if not code.startswith("HF") or len(code) <= 2:
        return None
    candidates = {k[: len(code)] for k in known if k.startswith("HF")}
    scored = [
        (difflib.SequenceMatcher(None, code, candidate).ratio(), candidate)
        for candidate in candidates
    ]
    close = [(ratio, candidate) for ratio, candidate in scored if ratio >= 0.6]
    if not close:
        return None
    return min(
        close,
        key=lambda item: (-item[0], -_shared(code, item[1]), _distance(code, item[1]), item[1]),
    )[1]


def _shared(a: str, b: str) -> int:
    """The length of the prefix both have: HF299 is more like HF204 (same family) than HF302."""
    shared = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        shared += 1
    return shared


def _distance(a: str, b: str) -> int:
    """How far apart two codes are as numbers (HF999 is nearer HF971 than HF901)."""
    if a[2:].isdigit() and b[2:].isdigit():
        return abs(int(a[2:]) - int(b[2:]))
    return 10**6


def _directive_codes(comment: str, top: bool) -> Iterator[tuple[int, int, str]]:
    """(start, end, CODE) of each code a suppression directive in `comment` names, offsets
    within the comment; `# noqa` codes only when they are `HF` codes."""
    spans: list[tuple[int, int, bool]] = []  # (start, end, every code counts)
    if top:
        spans += [(m.start("codes"), m.end("codes"), True) for m in _FILE.finditer(comment)]
    spans += [(m.start("codes"), m.end("codes"), False) for m in _NOQA.finditer(comment)]
    spans += [(m.start("codes"), m.end("codes"), True) for m in _IGNORE.finditer(comment)]
    for start, end, every in spans:
        if start < 0:
            continue
        glued = _GLUED.match(comment, end)
        end = glued.end() if glued else end
        for item in _ITEM.finditer(comment, start, end):
            code = item.group(0).upper()
            if every or code.startswith("HF"):
                yield item.start(), item.end(), code


def parse_directives(text: str) -> Directives:
    directives = Directives()
    for line, _column, comment, top in _comments(text):
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


def _comments(text: str) -> Iterable[tuple[int, int, str, bool]]:
    """(line, column, comment text, in the top comment block) for every comment."""
    try:
        return list(_tokenized_comments(text))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return list(_regex_comments(text))


def _tokenized_comments(text: str) -> Iterable[tuple[int, int, str, bool]]:
    top = True
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENCODING}
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.start[1], token.string, top
        elif token.type not in skip:
            top = False


def _regex_comments(text: str) -> Iterable[tuple[int, int, str, bool]]:
    top = True
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            top = False
        index = line.find("#")
        if index != -1:
            yield number, index, line[index:], top and stripped.startswith("#")
