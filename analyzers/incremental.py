"""Re-parse only the top-level statements an edit touched (the editor's hot path).

A libcst parse of a 1,000-line script takes ~75 ms, most of an editor's latency budget. An edit
usually changes one statement: the text between the unchanged prefix and suffix is mapped to
the top-level statements it overlaps (plus one on each side), only that fragment is parsed,
and its statements replace the old ones in the previous tree. Whenever the fragment does not
stand on its own (a header, a different indentation or newline style, a parse error) the whole
text is parsed, so the result is always what a full parse gives.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace

import libcst as cst

from hflint.analyzers import flow
from hflint.analyzers.node_cache import forget_nodes
from hflint.analyzers.source import parse_ast
from hflint.analyzers.walk import walk

_MAX_DOCUMENTS = 64
_LOCK = threading.Lock()
_LAST: OrderedDict[str, ParsedModule] = OrderedDict()


@dataclass(frozen=True)
class ParsedModule:
    text: str
    module: cst.Module
    starts: tuple[int, ...]  # offset in `text` where each top-level statement's code starts
    end: int  # offset where the footer starts (after the last statement)
    spliced: bool = False  # statements of the previous parse were kept

    def span(self, index: int) -> tuple[int, int]:
        stop = self.starts[index + 1] if index + 1 < len(self.starts) else self.end
        return self.starts[index], stop


def parse(text: str, key: str | None = None) -> cst.Module:
    """Parse `text`; with a `key` (a document), reuse the statements of its previous parse."""
    if key is None:
        return cst.parse_module(text)
    with _LOCK:
        previous = _LAST.get(key)
    parsed = _splice(previous, text) if previous is not None else None
    if parsed is None:
        parsed = _full(text)
    dropped: list[ParsedModule] = []
    with _LOCK:
        _LAST[key] = parsed
        _LAST.move_to_end(key)
        while len(_LAST) > _MAX_DOCUMENTS:
            dropped.append(_LAST.popitem(last=False)[1])
    if previous is not None and previous.module is not parsed.module:
        _forget_replaced(previous.module, parsed.module)
    for old in dropped:
        _forget_replaced(old.module, None)
    return parsed.module


def _latest(key: str, module: cst.Module) -> ParsedModule | None:
    """`key`'s latest parse, if `module` is it."""
    with _LOCK:
        parsed = _LAST.get(key)
    return parsed if parsed is not None and parsed.module is module else None


def kept_statements(key: str, module: cst.Module) -> bool:
    """Whether `module`, `key`'s latest parse, kept statements of the parse before it."""
    parsed = _latest(key, module)
    return parsed is not None and parsed.spliced


def is_latest(key: str, module: cst.Module) -> bool:
    return _latest(key, module) is not None


def first_token_lines(key: str, module: cst.Module) -> list[int] | None:
    """Line of each top-level statement's first token, if `module` is `key`'s latest parse."""
    parsed = _latest(key, module)
    if parsed is None or len(parsed.starts) != len(module.body):
        return None
    text = parsed.text
    lines: list[int] = []
    line, cursor = 1, 0
    for start, stmt in zip(parsed.starts, module.body, strict=True):
        line += text.count("\n", cursor, start)
        cursor = start
        lines.append(line + len(stmt.leading_lines))
    return lines


def forget(key: str) -> None:
    flow.forget(key)  # the parameters its last check learnt
    with _LOCK:
        parsed = _LAST.pop(key, None)
    if parsed is not None:
        _forget_replaced(parsed.module, None)


class _Nodes:
    """A visitor with no hooks: `walk` with `owners` lists every node."""


def _forget_replaced(old: cst.Module, new: cst.Module | None) -> None:
    """What the caches hold for the statements of `old` that `new` no longer has."""
    kept = {id(statement) for statement in new.body} if new is not None else set()
    ids: dict[int, int] = {id(old): 0}
    for statement in old.body:
        if id(statement) not in kept:
            walk(statement, _Nodes(), ids)
    forget_nodes(ids)


def _full(text: str) -> ParsedModule:
    module = cst.parse_module(text)
    starts = _statement_starts(text, module.body, 0)
    if starts is None:
        # Statement offsets unknown (e.g. `ast` disagrees): later edits parse in full.
        return ParsedModule(text, module, (), len(text))
    return ParsedModule(text, module, tuple(starts), _footer_start(text, module))


def _splice(previous: ParsedModule, text: str) -> ParsedModule | None:
    old = previous.text
    if text == old:
        return previous if previous.spliced else replace(previous, spliced=True)
    body = previous.module.body
    if not previous.starts or len(previous.starts) != len(body):
        return None
    prefix = _common_prefix(old, text)
    suffix = _common_suffix(old, text, limit=min(len(old), len(text)) - prefix)
    old_end = len(old) - suffix
    if prefix < previous.starts[0] or old_end > previous.end:
        return None  # the header or footer changed
    first = max(0, _statement_at(previous.starts, prefix) - 1)
    last = min(len(body) - 1, _statement_at(previous.starts, max(prefix, old_end - 1)) + 1)
    delta = len(text) - len(old)
    start, _ = previous.span(first)
    _, stop = previous.span(last)
    fragment_text = text[start : stop + delta]
    try:
        fragment = cst.parse_module(fragment_text)
    except (cst.ParserSyntaxError, RecursionError):
        return None
    module = previous.module
    if (
        (fragment.header and first == 0)
        or fragment.footer
        or fragment.default_newline != module.default_newline
        or not fragment.body
    ):
        return None
    # The module's default indentation is the first indented block's; keep it where it was.
    first_block = _first_block(body)
    if first_block is not None and first <= first_block <= last:
        return None
    if fragment.default_indent != module.default_indent:
        if (first_block is None or first_block > last) and _first_block(fragment.body) is not None:
            return None
        fragment = _with_indent_of(fragment, module.default_indent)
    fragment_body = list(fragment.body)
    if fragment.header:
        # Blank and comment lines above a statement inside a module are its leading lines; at
        # the top of a fragment libcst files them under the fragment's header instead.
        lead = fragment_body[0]
        fragment_body[0] = lead.with_changes(leading_lines=[*fragment.header, *lead.leading_lines])
    local = _statement_starts(fragment_text, fragment_body, start)
    if local is None:
        return None
    _keep_unchanged(previous, text, first, last, fragment_body, [*local, stop + delta])
    new_body = [*body[:first], *fragment_body, *body[last + 1 :]]
    starts = (
        *previous.starts[:first],
        *local,
        *(s + delta for s in previous.starts[last + 1 :]),
    )
    changes: dict[str, object] = {"body": new_body}
    if last == len(body) - 1:
        changes["has_trailing_newline"] = fragment.has_trailing_newline
    return ParsedModule(
        text, module.with_changes(**changes), starts, previous.end + delta, spliced=True
    )


def _keep_unchanged(
    previous: ParsedModule,
    text: str,
    first: int,
    last: int,
    fragment_body: list[cst.SimpleStatementLine | cst.BaseCompoundStatement],
    bounds: list[int],
) -> None:
    """Put back the old node of each statement parsed again only as context (the ones around
    the edit whose text is the same): what was computed for that node stays valid."""
    old_count, new_count = last - first + 1, len(fragment_body)

    def same(old_index: int, new_index: int) -> bool:
        old_start, old_stop = previous.span(old_index)
        return (
            old_stop - old_start == bounds[new_index + 1] - bounds[new_index]
            and previous.text[old_start:old_stop] == text[bounds[new_index] : bounds[new_index + 1]]
        )

    head = 0
    while head < min(old_count, new_count) and same(first + head, head):
        fragment_body[head] = previous.module.body[first + head]
        head += 1
    tail = 0
    while tail < min(old_count, new_count) - head and same(last - tail, new_count - 1 - tail):
        fragment_body[new_count - 1 - tail] = previous.module.body[last - tail]
        tail += 1


class _Reindent(cst.CSTTransformer):
    """Spell each block's indentation relative to the whole module's default, as a full parse
    would (a fragment guesses its own default from its first block)."""

    def __init__(self, fragment_default: str, module_default: str) -> None:
        self.fragment_default = fragment_default
        self.module_default = module_default

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        actual = updated_node.indent if updated_node.indent is not None else self.fragment_default
        return updated_node.with_changes(indent=None if actual == self.module_default else actual)


def _with_indent_of(fragment: cst.Module, default_indent: str) -> cst.Module:
    rewritten = fragment.visit(_Reindent(fragment.default_indent, default_indent))
    assert isinstance(rewritten, cst.Module)
    return rewritten.with_changes(default_indent=default_indent)


def _first_block(body: Sequence[cst.BaseStatement]) -> int | None:
    for index, stmt in enumerate(body):
        if isinstance(getattr(stmt, "body", None), cst.IndentedBlock):
            return index
    return None


def _statement_at(starts: tuple[int, ...], offset: int) -> int:
    """Index of the statement whose span holds `offset`."""
    low, high = 0, len(starts) - 1
    while low < high:
        mid = (low + high + 1) // 2
        if starts[mid] <= offset:
            low = mid
        else:
            high = mid - 1
    return low


def _statement_starts(
    text: str, body: Sequence[cst.SimpleStatementLine | cst.BaseCompoundStatement], base: int
) -> list[int] | None:
    """Offsets where each statement's code starts: its first token's line (from `ast`) less its
    leading blank and comment lines (which belong to it in libcst)."""
    try:
        nodes = parse_ast(text).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    line_starts = [0]
    found = text.find("\n")
    while found != -1:
        line_starts.append(found + 1)
        found = text.find("\n", found + 1)
    starts: list[int] = []
    cursor = 0
    for stmt in body:
        if cursor >= len(nodes):
            return None
        node = nodes[cursor]
        first_line = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        line = first_line - len(stmt.leading_lines)
        if line < 1 or line > len(line_starts):
            return None
        starts.append(base + line_starts[line - 1])
        cursor += len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
    return starts if cursor == len(nodes) else None


def _footer_start(text: str, module: cst.Module) -> int:
    footer = "".join(module.code_for_node(line) for line in module.footer)
    return len(text) - len(footer)


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    low, high = 0, n
    while low < high:  # binary search on slices: C-speed comparisons
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    return low


def _common_suffix(a: str, b: str, limit: int) -> int:
    low, high = 0, max(0, limit)
    while low < high:
        mid = (low + high + 1) // 2
        if a[len(a) - mid :] == b[len(b) - mid :]:
            low = mid
        else:
            high = mid - 1
    return low
