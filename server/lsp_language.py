"""Hovers and completions (server/hovers.py, server/completions.py) behind LSP requests.

Both take the engine's coordinates: the analysed module's 1-based line (a notebook cell's line
becomes the joined module's) and a code-point column. They run on a worker thread, and they are
imported only when first asked for: completions import libcst, which the server must not wait
for at start-up. A module that is not installed answers nothing instead of failing.
"""

from __future__ import annotations

from lsprotocol import types

from hflint.server.lsp_documents import Snapshot
from hflint.server.lsp_positions import column_from_units

TRIGGER_CHARACTERS = ['"', "'"]
_KINDS = {
    "task": types.CompletionItemKind.EnumMember,
    "checkpoint": types.CompletionItemKind.Module,
}


def module_position(
    snapshot: Snapshot, uri: str, position: types.Position
) -> tuple[int, int] | None:
    """(module line, code-point column) of an LSP position in `uri`."""
    line = snapshot.module_line(uri, position.line)
    index = snapshot.indexes.get(uri)
    if line is None or index is None:
        return None
    text = index.line(position.line)
    return line, column_from_units(text, position.character, snapshot.encoding)


def hover(snapshot: Snapshot, uri: str, position: types.Position) -> types.Hover | None:
    try:
        from hflint.server.hovers import hover_at
    except ImportError:
        return None
    where = module_position(snapshot, uri, position)
    if where is None:
        return None
    markdown = hover_at(snapshot.text, snapshot.path, where[0], where[1], snapshot.config.settings)
    if not markdown:
        return None
    return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, markdown))


def completions(
    snapshot: Snapshot, uri: str, position: types.Position
) -> types.CompletionList | None:
    try:
        from hflint.server.completions import completions_at
    except ImportError:
        return None
    where = module_position(snapshot, uri, position)
    if where is None:
        return None
    found = completions_at(
        snapshot.text, snapshot.path, where[0], where[1], snapshot.config.settings
    )
    index = snapshot.indexes[uri]
    items = []
    for item in found:
        rng = types.Range(
            index.lsp_position(position.line, item.replace_start_column),
            index.lsp_position(position.line, item.replace_end_column),
        )
        documentation = (
            types.MarkupContent(types.MarkupKind.Markdown, item.documentation)
            if item.documentation
            else None
        )
        items.append(
            types.CompletionItem(
                label=item.label,
                kind=_KINDS.get(item.kind, types.CompletionItemKind.Value),
                detail=item.detail,
                sort_text=item.sort_text,
                filter_text=item.label,
                documentation=documentation,
                text_edit=types.TextEdit(rng, item.label),
            )
        )
    return types.CompletionList(is_incomplete=False, items=items)
