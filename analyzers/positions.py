"""Positions of syntax nodes, computed only for what is reported, one statement at a time.

Whole-tree positions (libcst's PositionProvider) regenerate the code of the entire module:
about twice the cost of parsing it. A finding needs the positions of a few nodes only, so the
code of just the top-level statement that holds them is generated, and its lines are shifted
to where `ast` (cheap) says that statement starts. Whatever cannot be placed that way falls back
to the whole-tree computation.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider
from libcst.metadata.position_provider import PositionProvidingCodegenState

from hflint.analyzers.node_cache import NodeCache
from hflint.analyzers.source import parse_ast

Local = Mapping[cst.CSTNode, CodeRange]
# Ranges inside a top-level statement, counted from its own first line, depend on that statement
# (and the module's indent and newline) only: kept for the statements an edit did not touch.
_STATEMENTS: NodeCache[cst.CSTNode, Local] = NodeCache(2048)


def statement_ranges(stmt: cst.CSTNode, indent: str, newline: str) -> Local:
    def compute(node: cst.CSTNode) -> Local:
        provider = PositionProvider()
        state = PositionProvidingCodegenState(
            default_indent=indent, default_newline=newline, provider=provider
        )
        node._codegen(state)
        return provider._computed  # type: ignore[return-value]

    return _STATEMENTS.get(stmt, compute, (indent, newline))


class Positions:
    def __init__(
        self,
        module: cst.Module,
        text: str,
        statement_of: Mapping[int, int],
        first_lines: list[int] | None = None,
    ) -> None:
        self._module = module
        self._text = text
        self._statement_of = statement_of
        self._local: dict[int, tuple[Local, int] | None] = {}
        self._first_lines: list[int] | None = first_lines
        self._whole: Mapping[cst.CSTNode, CodeRange] | None = None

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        index = self._statement_of.get(id(node))
        local = self._statement(index) if index is not None else None
        if local is not None and node in local[0]:
            found, shift = local[0][node], local[1]
            return CodeRange(
                CodePosition(found.start.line + shift, found.start.column),
                CodePosition(found.end.line + shift, found.end.column),
            )
        return self._whole_tree()[node]

    def _statement(self, index: int) -> tuple[Local, int] | None:
        """The statement's own ranges (lines counted from 1) and the shift to the file's lines."""
        if index not in self._local:
            self._local[index] = None
            first_lines = self._ast_first_lines()
            if first_lines is None or index >= len(first_lines):
                return None
            stmt = self._module.body[index]
            try:
                computed = statement_ranges(
                    stmt, self._module.default_indent, self._module.default_newline
                )
            except Exception:
                return None
            shift = first_lines[index] - (1 + len(stmt.leading_lines))
            self._local[index] = (computed, shift)
        return self._local[index]

    def _ast_first_lines(self) -> list[int] | None:
        """Line of the first token of each libcst top-level statement, from `ast`."""
        if self._first_lines is None:
            try:
                body = parse_ast(self._text).body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return None
            lines: list[int] = []
            cursor = 0
            for stmt in self._module.body:
                count = len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
                if cursor >= len(body):
                    return None
                first = body[cursor]
                decorators = getattr(first, "decorator_list", [])
                lines.append(min([first.lineno, *(d.lineno for d in decorators)]))
                cursor += count
            if cursor != len(body):
                return None
            self._first_lines = lines
        return self._first_lines

    def _whole_tree(self) -> Mapping[cst.CSTNode, CodeRange]:
        if self._whole is None:
            self._whole = MetadataWrapper(self._module, unsafe_skip_copy=True).resolve(
                PositionProvider
            )
        return self._whole
