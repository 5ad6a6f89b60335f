"""Jupyter notebooks as one Python module, and fixes mapped back into their cells.

The code cells are joined into one module so that names flow from cell to cell as they do in a
kernel. IPython syntax (`!pip install`, `%matplotlib inline`, `obj?`, `%%time`) is not Python:
each such line is replaced by `pass` at the same indentation, keeping the line count, so every
other position maps back unchanged. Cells whose cell magic runs another language (`%%bash`,
`%%html`, ...) are left out entirely, as Ruff does.

Cell numbers count EVERY cell of the notebook (markdown and raw too) from the top, 1-based, as
Jupyter's cell list and Ruff show them; execution counts (`[3]`) play no part, so a number
names the same cell however the notebook was run.

Writing back changes only the `source` of the cells a fix touched; outputs, metadata, key order,
the JSON indentation (1 space as nbformat writes, or whatever the file uses) and the final
newline stay as they were.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hflint.analyzers.files import MAX_NOTEBOOK_BYTES, ReadError, read_bytes
from hflint.analyzers.findings import Edit, Position, Range
from hflint.analyzers.source import apply_edits

# Cell magics whose body is still Python: the cell is checked with the magic line masked.
PYTHON_CELL_MAGICS = frozenset(
    {"capture", "debug", "prun", "pypy", "python", "python3", "time", "timeit"}
)
MASK = "pass"

_NAME = r"[A-Za-z_][\w.]*"
_HELP = re.compile(rf"^(\?{{1,2}}{_NAME}|{_NAME}\?{{1,2}})\s*$")
_MAGIC_ASSIGN = re.compile(rf"^{_NAME}(\s*,\s*{_NAME})*\s*=\s*[!%]")
# IPython's automagic (on by default): `pip install x` runs %pip. Only a name followed by a
# word Python cannot put there (never an operator, a call, or `and`/`if`/`in`...) counts.
_AUTOMAGIC = re.compile(
    r"^(?:pip|conda|mamba|cd)\s+(?!(?:and|or|if|else|in|is|not|for)\b)[\w./~\"'$]"
)
_INDENT = re.compile(r"^\{\r?\n([ \t]+)\"")


class NotebookEditError(ValueError):
    """A fix that cannot be written into the cells (it spans two cells or an IPython line)."""


@dataclass(frozen=True)
class CodeCell:
    index: int  # 0-based among ALL cells
    source: str  # as the notebook holds it
    start_line: int  # first line of this cell in the joined module (1-based)
    line_count: int  # lines it occupies in the module
    masked: frozenset[int]  # cell lines (1-based) replaced by `pass`

    @property
    def number(self) -> int:
        return self.index + 1


@dataclass(frozen=True)
class CellMap:
    """Joined-module lines -> cells; small and picklable, so results and caches can carry it."""

    cells: tuple[tuple[int, int, int], ...]  # (start line, line count, cell number)

    def locate(self, pos: Position) -> tuple[int, Position]:
        """(cell number, position within that cell) for a position in the joined module."""
        found = None
        for start, count, number in self.cells:
            if count and start <= pos.line:
                found = (start, number)
        if found is None:
            return (1, pos)
        start, number = found
        return number, Position(pos.line - start + 1, pos.column)


@dataclass(frozen=True)
class Notebook:
    raw: dict[str, Any]
    cells: tuple[CodeCell, ...]
    text: str  # the joined, masked module that is analysed
    indent: int | str | None
    trailing_newline: bool
    crlf: bool
    ensure_ascii: bool

    @property
    def cell_map(self) -> CellMap:
        return CellMap(tuple((c.start_line, c.line_count, c.number) for c in self.cells))

    def locate(self, pos: Position) -> tuple[int, Position]:
        return self.cell_map.locate(pos)

    def _cell_at(self, line: int) -> CodeCell | None:
        found = None
        for cell in self.cells:
            if cell.line_count and cell.start_line <= line:
                found = cell
        return found

    def apply(self, edits: Sequence[Edit]) -> Notebook:
        """The notebook with `edits` (joined-module positions) written into its cells."""
        per_cell: dict[int, list[Edit]] = {}
        for edit in edits:
            cell, local = self._local_edit(edit)
            per_cell.setdefault(cell.index, []).append(local)
        if not per_cell:
            return self
        raw = dict(self.raw)
        raw_cells = list(raw["cells"])
        for cell in self.cells:
            if cell.index not in per_cell:
                continue
            new_source = _edit_cell(cell.source, per_cell[cell.index])
            old = raw_cells[cell.index]
            as_list = isinstance(old.get("source"), list)
            raw_cells[cell.index] = {
                **old,
                "source": new_source.splitlines(keepends=True) if as_list else new_source,
            }
        raw["cells"] = raw_cells
        rebuilt = build_notebook(raw)
        assert not isinstance(rebuilt, ReadError)
        return replace(
            rebuilt,
            indent=self.indent,
            trailing_newline=self.trailing_newline,
            crlf=self.crlf,
            ensure_ascii=self.ensure_ascii,
        )

    def accepts(self, edits: Sequence[Edit]) -> bool:
        """Whether every edit lands inside one cell and off the masked IPython lines."""
        try:
            for edit in edits:
                self._local_edit(edit)
        except NotebookEditError:
            return False
        return True

    def render(self) -> bytes:
        return self.dumps().encode("utf-8")

    def _local_edit(self, edit: Edit) -> tuple[CodeCell, Edit]:
        start, end = edit.range.start, edit.range.end
        cell = self._cell_at(start.line)
        if cell is None:
            raise NotebookEditError("the notebook has no code cell to edit")
        last = cell.start_line + cell.line_count  # first module line after this cell
        if end.line >= last and not (end.line == last and end.column == 0):
            raise NotebookEditError("the fix spans more than one cell")
        offset = cell.start_line - 1
        if not (start == end and start.column == 0):
            last_touched = end.line if end.column > 0 or end.line == start.line else end.line - 1
            if any(start.line <= n + offset <= last_touched for n in cell.masked):
                raise NotebookEditError("the fix touches an IPython magic line")
        local = Range(
            Position(start.line - offset, start.column), Position(end.line - offset, end.column)
        )
        return cell, Edit(local, edit.content)

    def cell_sources(self) -> dict[int, str]:
        """Cell number -> source of every checked code cell (for diffs)."""
        return {cell.number: cell.source for cell in self.cells}

    def dumps(self) -> str:
        text = json.dumps(self.raw, indent=self.indent, ensure_ascii=self.ensure_ascii)
        if self.trailing_newline:
            text += "\n"
        return text.replace("\n", "\r\n") if self.crlf else text


def _edit_cell(source: str, edits: list[Edit]) -> str:
    added = bool(source) and not source.endswith("\n")
    text = apply_edits(source + "\n" if added else source, edits)
    return text[:-1] if added and text.endswith("\n") else text


def read_notebook(path: Path, max_bytes: int = MAX_NOTEBOOK_BYTES) -> Notebook | ReadError:
    data = read_bytes(path, max_bytes)
    if isinstance(data, ReadError):
        return data
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return ReadError(f"notebook is not valid UTF-8 (byte offset {error.start})")
    return parse_notebook(text)


def parse_notebook(text: str) -> Notebook | ReadError:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        return ReadError(
            f"invalid notebook JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        )
    except RecursionError:
        return ReadError("invalid notebook JSON: nested too deeply")
    if not isinstance(raw, dict):
        return ReadError("not a Jupyter notebook: the top level is not a JSON object")
    built = build_notebook(raw)
    if isinstance(built, ReadError):
        return built
    match = _INDENT.match(text)
    indent: int | str | None = None
    if match:
        indent = "\t" if "\t" in match.group(1) else len(match.group(1))
    return replace(
        built,
        indent=indent,
        trailing_newline=text.endswith("\n"),
        crlf="\r\n" in text[:200],
        ensure_ascii=text.isascii() and "\\u" in text,
    )


def build_notebook(raw: dict[str, Any]) -> Notebook | ReadError:
    version = raw.get("nbformat")
    if not isinstance(version, int) or isinstance(version, bool):
        return ReadError("not a Jupyter notebook: no `nbformat` version number")
    if version != 4:
        return ReadError(
            f"notebook format {version} is not supported, only nbformat 4 "
            "(convert it with `jupyter nbconvert --to notebook --nbformat 4`)"
        )
    cells = raw.get("cells")
    if not isinstance(cells, list):
        return ReadError("not a Jupyter notebook: no `cells` list")
    language = _language(raw.get("metadata"))
    if language is not None and language.lower() != "python":
        return ReadError(f"not a Python notebook (language: {language}), skipped", skipped=True)
    chunks: list[str] = []
    code_cells: list[CodeCell] = []
    line = 1
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            return ReadError(f"cell {index + 1}: not a notebook cell (no `cell_type`)")
        source = _source(cell.get("source", ""))
        if source is None:
            return ReadError(f"cell {index + 1}: `source` must be a string or a list of strings")
        if cell["cell_type"] != "code":
            continue
        masked = mask_cell(source)
        if masked is None:
            continue
        body, masked_lines = masked
        if body and not body.endswith("\n"):
            body += "\n"
        count = body.count("\n")
        code_cells.append(CodeCell(index, source, line, count, frozenset(masked_lines)))
        chunks.append(body)
        line += count
    return Notebook(raw, tuple(code_cells), "".join(chunks), 1, True, False, False)


def _language(metadata: object) -> str | None:
    if not isinstance(metadata, dict):
        return None
    info = metadata.get("language_info")
    if isinstance(info, dict) and isinstance(info.get("name"), str):
        return str(info["name"])
    spec = metadata.get("kernelspec")
    if isinstance(spec, dict) and isinstance(spec.get("language"), str):
        return str(spec["language"])
    return None


def _source(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        return "".join(value)
    return None


def mask_cell(source: str) -> tuple[str, list[int]] | None:
    """The cell with IPython lines replaced by `pass`, and their 1-based numbers.

    None when a cell magic makes the whole cell another language (`%%bash`).
    """
    lines = source.splitlines(keepends=True)
    masked: list[int] = []
    scanner = _Scanner()
    continuing = False  # inside a magic line continued with a trailing backslash
    for number, line in enumerate(lines, start=1):
        body = line.rstrip("\r\n")
        stripped = body.lstrip()
        if continuing:
            masked.append(number)
            continuing = body.endswith("\\")
            continue
        if scanner.at_statement_start and _is_ipython(stripped):
            if stripped.startswith("%%") and _only_comments(lines[: number - 1]):
                words = stripped[2:].split(maxsplit=1)
                if not words or words[0] not in PYTHON_CELL_MAGICS:
                    return None
            masked.append(number)
            continuing = body.endswith("\\")
            continue
        scanner.feed(body)
    if not masked:
        return source, []
    out = list(lines)
    for number in masked:
        line = out[number - 1]
        body = line.rstrip("\r\n")
        indent = body[: len(body) - len(body.lstrip())]
        out[number - 1] = indent + MASK + line[len(body) :]
    return "".join(out), masked


def _only_comments(lines: list[str]) -> bool:
    return all(not line.strip() or line.lstrip().startswith("#") for line in lines)


def _is_ipython(stripped: str) -> bool:
    if not stripped:
        return False
    if stripped[0] in "!%?":
        return True
    return bool(
        _HELP.match(stripped) or _MAGIC_ASSIGN.match(stripped) or _AUTOMAGIC.match(stripped)
    )


class _Scanner:
    """Just enough of Python's lexer to tell whether a line starts a new statement."""

    def __init__(self) -> None:
        self.depth = 0
        self.quote: str | None = None
        self.backslash = False

    @property
    def at_statement_start(self) -> bool:
        return self.depth == 0 and self.quote is None and not self.backslash

    def feed(self, line: str) -> None:
        i, n = 0, len(line)
        while i < n:
            c = line[i]
            if self.quote is not None:
                if c == "\\":
                    i += 2
                    continue
                if line.startswith(self.quote, i):
                    i += len(self.quote)
                    self.quote = None
                    continue
                i += 1
                continue
            if c == "#":
                break
            if c in "([{":
                self.depth += 1
            elif c in ")]}":
                self.depth = max(0, self.depth - 1)
            elif c in "'\"":
                triple = c * 3
                self.quote = triple if line.startswith(triple, i) else c
                i += len(self.quote)
                continue
            i += 1
        self.backslash = line.endswith("\\")
        if self.quote is not None and len(self.quote) == 1 and not self.backslash:
            self.quote = None  # an unterminated short string ends at the line break
