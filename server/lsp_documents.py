"""The open documents, kept here rather than in pygls's workspace so that edits are applied with
the client's own line rules (see lsp_positions.py), and notebooks as the CLI reads them.

A notebook's code cells are separate text documents for the client but one module for the
engine: they are joined and masked by analyzers/notebook.py exactly as `hflint check` does
for an .ipynb file, and positions map back to each cell's document through its start line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from lsprotocol import types

from hflint.analyzers.findings import Position
from hflint.analyzers.notebook import Notebook, build_notebook
from hflint.server.config import Config
from hflint.server.lsp_positions import LineIndex, apply_change
from hflint.server.lsp_uris import is_python_document
from hflint.server.lsp_uris import uri_to_path as uri_to_path


@dataclass
class TextDocument:
    uri: str
    text: str
    version: int
    language_id: str
    notebook: str | None = None  # the notebook's uri, for a cell


@dataclass
class NotebookDocument:
    uri: str
    version: int
    cells: list[types.NotebookCell] = field(default_factory=list)


@dataclass(frozen=True)
class CellText:
    uri: str
    version: int
    text: str
    start_line: int  # first line in the joined module (1-based); 0 for a cell not analysed
    line_count: int


@dataclass(frozen=True)
class Snapshot:
    """One version of a file or notebook, as analysed: immutable, safe to hand to a thread."""

    uri: str
    version: int
    path: Path
    config: Config
    text: str  # the module the engine sees
    encoding: str
    cells: tuple[CellText, ...] = ()  # notebooks only, in notebook order
    notebook: Notebook | None = None
    doc_version: int = 0  # the text document's own version (cells carry theirs)

    @cached_property
    def indexes(self) -> dict[str, LineIndex]:
        if self.notebook is None:
            return {self.uri: LineIndex(self.text, self.encoding)}
        return {cell.uri: LineIndex(cell.text, self.encoding) for cell in self.cells}

    @property
    def uris(self) -> list[str]:
        """Every document whose diagnostics this snapshot decides."""
        return list(self.indexes)

    def doc_version_of(self, uri: str) -> int:
        for cell in self.cells:
            if cell.uri == uri:
                return cell.version
        return self.doc_version

    def place(self, pos: Position, cell: CellText | None = None) -> tuple[str, types.Position]:
        """The document and LSP position of an engine position; `cell` keeps an end position
        in the cell its start is in (an end at the next cell's first column)."""
        if self.notebook is None:
            return self.uri, self.indexes[self.uri].lsp_position(pos.line - 1, pos.column)
        cell = cell or self.cell_at(pos.line)
        if cell is None:
            return self.uri, types.Position(0, 0)
        return cell.uri, self.indexes[cell.uri].lsp_position(pos.line - cell.start_line, pos.column)

    def cell_at(self, line: int) -> CellText | None:
        """The analysed cell holding a line of the joined module."""
        found = None
        for cell in self.cells:
            if cell.line_count and cell.start_line <= line:
                found = cell
        return found

    def module_line(self, uri: str, line0: int) -> int | None:
        """The joined module's 1-based line for a 0-based line of `uri`."""
        if self.notebook is None:
            return line0 + 1 if uri == self.uri else None
        for cell in self.cells:
            if cell.uri == uri:
                return cell.start_line + line0 if cell.line_count else None
        return None


def is_python(doc: TextDocument) -> bool:
    return doc.notebook is None and is_python_document(doc.uri, doc.language_id)


class Documents:
    def __init__(self) -> None:
        self.texts: dict[str, TextDocument] = {}
        self.notebooks: dict[str, NotebookDocument] = {}

    # ---- text documents -------------------------------------------------------------------
    def open_text(self, item: types.TextDocumentItem, notebook: str | None = None) -> None:
        self.texts[item.uri] = TextDocument(
            item.uri, item.text, item.version, item.language_id, notebook
        )

    def change_text(
        self,
        identifier: types.VersionedTextDocumentIdentifier,
        changes: Sequence[types.TextDocumentContentChangeEvent],
        encoding: str,
    ) -> TextDocument | None:
        doc = self.texts.get(identifier.uri)
        if doc is None:
            return None
        for change in changes:
            doc.text = apply_change(doc.text, change, encoding)
        doc.version = identifier.version
        return doc

    def close_text(self, uri: str) -> None:
        self.texts.pop(uri, None)

    # ---- notebooks -------------------------------------------------------------------------
    def open_notebook(self, params: types.DidOpenNotebookDocumentParams) -> None:
        notebook = params.notebook_document
        self.notebooks[notebook.uri] = NotebookDocument(
            notebook.uri, notebook.version, list(notebook.cells)
        )
        for item in params.cell_text_documents:
            self.open_text(item, notebook.uri)

    def change_notebook(
        self, params: types.DidChangeNotebookDocumentParams, encoding: str
    ) -> list[str]:
        """Apply the change; returns the uris of cells that were closed."""
        notebook = self.notebooks.get(params.notebook_document.uri)
        if notebook is None:
            return []
        notebook.version = params.notebook_document.version
        changes = params.change.cells
        closed: list[str] = []
        if changes is None:
            return closed
        if changes.structure is not None:
            array = changes.structure.array
            cells = notebook.cells
            notebook.cells = [
                *cells[: array.start],
                *(array.cells or []),
                *cells[array.start + array.delete_count :],
            ]
            for item in changes.structure.did_open or []:
                self.open_text(item, notebook.uri)
            for identifier in changes.structure.did_close or []:
                self.close_text(identifier.uri)
                closed.append(identifier.uri)
        by_uri = {cell.document: cell for cell in notebook.cells}
        for data in changes.data or []:
            if data.document in by_uri:
                by_uri[data.document].kind = data.kind
        for content in changes.text_content or []:
            self.change_text(content.document, content.changes, encoding)
        return closed

    def close_notebook(self, uri: str) -> list[str]:
        """Forget the notebook; returns its cells' uris."""
        notebook = self.notebooks.pop(uri, None)
        cells = [cell.document for cell in notebook.cells] if notebook else []
        for cell in cells:
            self.close_text(cell)
        return cells

    # ---- what gets analysed ----------------------------------------------------------------
    def owner(self, uri: str) -> str | None:
        """The uri analysed for `uri`: itself, or its notebook for a cell."""
        if uri in self.notebooks:
            return uri
        doc = self.texts.get(uri)
        if doc is None:
            return None
        if doc.notebook is not None:
            return doc.notebook
        return uri if is_python(doc) else None

    def version(self, owner: str) -> int | None:
        if owner in self.notebooks:
            return self.notebooks[owner].version
        doc = self.texts.get(owner)
        return doc.version if doc is not None else None

    def snapshot(self, owner: str, path: Path, config: Config, encoding: str) -> Snapshot | None:
        if owner in self.notebooks:
            return self._notebook_snapshot(self.notebooks[owner], path, config, encoding)
        doc = self.texts.get(owner)
        if doc is None:
            return None
        return Snapshot(
            owner, doc.version, path, config, doc.text, encoding, doc_version=doc.version
        )

    def _notebook_snapshot(
        self, notebook: NotebookDocument, path: Path, config: Config, encoding: str
    ) -> Snapshot:
        raw_cells: list[dict[str, Any]] = []
        docs: list[TextDocument | None] = []
        for cell in notebook.cells:
            doc = self.texts.get(cell.document)
            docs.append(doc)
            is_code = cell.kind == types.NotebookCellKind.Code and (
                doc is not None and doc.language_id in ("python", "")
            )
            source = doc.text if doc is not None else ""
            kind = "code" if is_code else "markdown"
            raw_cells.append({"cell_type": kind, "source": source, "metadata": {}})
        raw: dict[str, Any] = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}}
        raw["cells"] = raw_cells
        built = build_notebook(raw)
        assert isinstance(built, Notebook)  # the raw notebook above is always well-formed
        placed = {cell.index: cell for cell in built.cells}
        cells = []
        for index, (cell, doc) in enumerate(zip(notebook.cells, docs, strict=True)):
            code = placed.get(index)
            cells.append(
                CellText(
                    cell.document,
                    doc.version if doc is not None else 0,
                    doc.text if doc is not None else "",
                    code.start_line if code is not None else 0,
                    code.line_count if code is not None else 0,
                )
            )
        return Snapshot(
            notebook.uri,
            notebook.version,
            path,
            config,
            built.text,
            encoding,
            tuple(cells),
            built,
            notebook.version,
        )
