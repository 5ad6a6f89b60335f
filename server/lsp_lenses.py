"""Code lenses above each load: what hflint knows of its checkpoint, and "Validate".

The facts come from where hovers get them without the network: a local folder, the HF cache,
hflint's bundled table. Lenses are asked for after every edit, so a Hub lookup (online
setting) is left to hovers and validation.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from hflint.server.lsp_actions import validate_command
from hflint.server.lsp_convert import lsp_range
from hflint.server.lsp_documents import Snapshot
from hflint.server.lsp_loads import LoadSite

if TYPE_CHECKING:
    from hflint.analyzers.checkpoints import CheckpointResolver
    from hflint.analyzers.knowledge import Knowledge


def code_lenses(sites: list[LoadSite], snapshot: Snapshot, uri: str) -> list[types.CodeLens]:
    """Two lenses per load in `uri`: the checkpoint's facts (not clickable), then Validate."""
    from hflint.analyzers.checkpoints import CheckpointResolver
    from hflint.analyzers.knowledge import load_knowledge

    resolver = CheckpointResolver(online=False)
    knowledge = load_knowledge()
    file_dir = snapshot.path.parent
    lenses: list[types.CodeLens] = []
    for site in sites:
        site_uri, rng = lsp_range(site.range, snapshot)
        if site_uri != uri:
            continue
        head = types.Range(rng.start, rng.start)
        summary = describe(site, resolver, knowledge, file_dir)
        lenses.append(types.CodeLens(head, types.Command(title=summary, command="")))
        title = f"Validate ({site.auto_class})"
        lenses.append(types.CodeLens(head, validate_command(title, site, uri, rng)))
    return lenses


def describe(
    site: LoadSite, resolver: CheckpointResolver, knowledge: Knowledge, file_dir: Path | None
) -> str:
    """`t5-small: t5, encoder-decoder · 2 labels · HF cache`."""
    from hflint.server.hovers import shape_of

    try:
        facts = resolver.lookup(
            site.checkpoint, revision=site.revision, subfolder=site.subfolder, file_dir=file_dir
        )
    except Exception:
        facts = None
    name = site.checkpoint if len(site.checkpoint) <= 60 else site.checkpoint[:57] + "..."
    if facts is None:
        return f"{name}: not in a local folder, the HF cache or hflint's table"
    if not facts.model_type:
        return f"{name}: no model type in its config"
    parts = [f"{name}: {facts.model_type}{shape_of(facts, knowledge)}"]
    if facts.id2label:
        parts.append(f"{len(facts.id2label)} labels")
    parts.append(_SOURCES.get(facts.source, facts.source))
    return " · ".join(parts)


_SOURCES = {
    "local": "local folder",
    "cache": "HF cache",
    "hub": "from the Hub",
    "bundled": "hflint's table",
}
