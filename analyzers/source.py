"""Source text with a line index: converts between offsets and (line, column) positions."""

from __future__ import annotations

import ast
import bisect
import warnings
from dataclasses import dataclass, field
from itertools import accumulate

from hflint.analyzers.findings import Edit, Position, Range


@dataclass
class SourceText:
    text: str
    _line_starts: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # each line starts one past the end of the one before it (built in C: every keystroke)
        lines = self.text.split("\n")
        lines.pop()
        self._line_starts = list(accumulate(map((1).__add__, map(len, lines)), initial=0))

    @property
    def line_count(self) -> int:
        return len(self._line_starts)

    def line(self, line: int) -> str:
        """The text of a 1-based line, without its line break."""
        if line < 1 or line > len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self._line_starts[line] if line < len(self._line_starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def offset(self, pos: Position) -> int:
        if pos.line > len(self._line_starts):
            return len(self.text)
        return min(self._line_starts[max(pos.line, 1) - 1] + pos.column, len(self.text))

    def position(self, offset: int) -> Position:
        line = bisect.bisect_right(self._line_starts, offset)
        return Position(line, offset - self._line_starts[line - 1])

    def slice(self, rng: Range) -> str:
        return self.text[self.offset(rng.start) : self.offset(rng.end)]


def parse_ast(text: str) -> ast.Module:
    """`ast.parse` without the SyntaxWarnings user code provokes (invalid escapes in regexes):
    hflint parses for positions and syntax errors, not to run the code."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text)


class OverlappingEditsError(ValueError):
    pass


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits; raises OverlappingEditsError when two overlap."""
    src = SourceText(text)
    spans = sorted(
        ((src.offset(e.range.start), src.offset(e.range.end), e.content) for e in edits),
        key=lambda s: (s[0], s[1]),
    )
    out: list[str] = []
    cursor = 0
    for start, end, content in spans:
        if start < cursor:
            raise OverlappingEditsError(f"edit at offset {start} overlaps an earlier edit")
        out.append(text[cursor:start])
        out.append(content)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
