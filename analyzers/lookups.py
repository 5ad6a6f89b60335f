"""A record of one checkpoint lookup, so a cached result can be re-validated cheaply.

Kept apart from the rules so that reading the result cache imports neither libcst nor the hub.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from hflint.analyzers.checkpoints import CheckpointFacts


@dataclass(frozen=True)
class Lookup:
    """One checkpoint lookup and a digest of its answer (for result caching)."""

    name: str
    revision: str | None
    subfolder: str | None
    file_dir: str | None
    digest: str


def facts_digest(facts: CheckpointFacts | None) -> str:
    if facts is None:
        return "none"
    return hashlib.sha256(repr(facts).encode()).hexdigest()[:16]
