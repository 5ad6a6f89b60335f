"""Positions as the client counts them: lines split at \\n, \\r\\n or \\r only (not at the form
feeds and Unicode separators `str.splitlines` breaks at), columns in the negotiated encoding.

The engine counts columns in code points; LSP clients count UTF-16 code units unless they
negotiated UTF-8 or UTF-32, so a column after `é` or `😀` differs between the two.
"""

from __future__ import annotations

import re
from functools import cached_property

from lsprotocol import types

UTF8 = types.PositionEncodingKind.Utf8.value
UTF16 = types.PositionEncodingKind.Utf16.value
UTF32 = types.PositionEncodingKind.Utf32.value

_BREAK = re.compile(r"\r\n|\r|\n")


def units(text: str, encoding: str) -> int:
    """Length of `text` in the encoding's code units."""
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def column_from_units(line: str, count: int, encoding: str) -> int:
    """The code-point column `count` code units into `line` (clamped to its end)."""
    if encoding == UTF32:
        return max(0, min(count, len(line)))
    seen = 0
    for index, char in enumerate(line):
        if seen >= count:
            return index
        seen += units(char, encoding)
    return len(line)


class LineIndex:
    """A text's line starts, to convert between offsets, engine positions and LSP positions."""

    def __init__(self, text: str, encoding: str = UTF16) -> None:
        self.text = text
        self.encoding = encoding
        self.starts = [0]
        self.ends: list[int] = []
        for match in _BREAK.finditer(text):
            self.ends.append(match.start())
            self.starts.append(match.end())
        self.ends.append(len(text))

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def line(self, line0: int) -> str:
        """The 0-based line's text, without its line break ("" past the end)."""
        if not 0 <= line0 < len(self.starts):
            return ""
        return self.text[self.starts[line0] : self.ends[line0]]

    def offset(self, position: types.Position) -> int:
        """The string offset of an LSP position (clamped into the text)."""
        if position.line < 0:
            return 0
        if position.line >= len(self.starts):
            return len(self.text)
        column = column_from_units(self.line(position.line), position.character, self.encoding)
        return self.starts[position.line] + column

    def lsp_position(self, line0: int, column: int) -> types.Position:
        """The LSP position of a 0-based line and code-point column (clamped into the text)."""
        if line0 < 0:
            return types.Position(0, 0)
        if line0 >= len(self.starts):
            last = len(self.starts) - 1
            return types.Position(last, units(self.line(last), self.encoding))
        text = self.line(line0)
        return types.Position(line0, units(text[: max(0, column)], self.encoding))

    def lsp_position_at(self, offset: int) -> types.Position:
        offset = max(0, min(offset, len(self.text)))
        line0 = _bisect(self.starts, offset)
        column = min(offset, self.ends[line0]) - self.starts[line0]
        return self.lsp_position(line0, column)

    @cached_property
    def end(self) -> types.Position:
        return self.lsp_position_at(len(self.text))


def _bisect(starts: list[int], offset: int) -> int:
    low, high = 0, len(starts)
    while high - low > 1:
        middle = (low + high) // 2
        if starts[middle] <= offset:
            low = middle
        else:
            high = middle
    return low


def apply_change(text: str, change: types.TextDocumentContentChangeEvent, encoding: str) -> str:
    """`text` after one didChange event (a ranged edit, or the whole new text)."""
    if isinstance(change, types.TextDocumentContentChangePartial):
        index = LineIndex(text, encoding)
        start = index.offset(change.range.start)
        end = max(start, index.offset(change.range.end))
        return text[:start] + change.text + text[end:]
    return change.text


def minimal_edit(old: str, new: str) -> tuple[int, int, str]:
    """(start, end, replacement) in `old` that turns it into `new`: one edit over the changed
    middle, so the editor keeps the cursor and folds elsewhere."""
    limit = min(len(old), len(new))
    start = 0
    while start < limit and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old -= 1
        end_new -= 1
    # Never cut a \r\n in two: a position between \r and \n does not exist for the client.
    if 0 < start < len(old) and old[start - 1] == "\r" and old[start] == "\n":
        start -= 1
    if 0 < end_old < len(old) and old[end_old - 1] == "\r" and old[end_old] == "\n":
        end_old += 1
        end_new += 1
    return start, end_old, new[start:end_new]
