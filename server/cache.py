"""A result cache like Ruff's, so re-checking an unchanged tree costs little more than reading it.

The key covers everything a file's findings depend on: hflint's version and code, the installed
transformers version (read from package metadata: importing transformers costs seconds), the
settings, the path and the file's bytes. Findings also depend on checkpoints the rules looked up
(a local folder's config.json, the HF cache), so an entry records each lookup with a digest of
its answer and is used only while the same lookups still give the same digests.

One small JSON file per entry under `.hflint_cache/` in the project root (or $HFLINT_CACHE_DIR),
written atomically; an entry that cannot be read is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hflint.analyzers.findings import Finding
from hflint.analyzers.notebook import CellMap
from hflint.analyzers.serialize import finding_from_json, finding_to_json
from hflint.analyzers.settings import Settings

if TYPE_CHECKING:
    from hflint.analyzers.checkpoints import CheckpointResolver
    from hflint.analyzers.lookups import Lookup

CACHE_DIR_ENV = "HFLINT_CACHE_DIR"
CACHE_DIR_NAME = ".hflint_cache"
FORMAT = 1

LookupTuple = tuple[str, "str | None", "str | None", "str | None", str]


@dataclass(frozen=True)
class CacheEntry:
    findings: list[Finding]
    lookups: list[LookupTuple]  # (name, revision, subfolder, file_dir, digest)
    cell_map: CellMap | None = None


def cache_dir(root: Path) -> Path:
    env = os.environ.get(CACHE_DIR_ENV)
    return Path(env) if env else root / CACHE_DIR_NAME


@cache
def versions() -> str:
    """hflint's version and code fingerprint, and the installed transformers version."""
    from importlib.metadata import PackageNotFoundError, version

    import hflint

    try:
        transformers = version("transformers")
    except PackageNotFoundError:
        transformers = "none"
    return f"hflint {hflint.__version__} {_code_fingerprint()}; transformers {transformers}"


def _code_fingerprint() -> str:
    """Size and mtime of hflint's own modules: a rule edited in a checkout invalidates."""
    import hflint.analyzers
    import hflint.rules
    import hflint.server

    stamp = hashlib.sha256()
    for package in (hflint.analyzers, hflint.rules, hflint.server):
        for folder in package.__path__:
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                if entry.name.endswith((".py", ".json")):
                    st = entry.stat()
                    stamp.update(f"{entry.name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return stamp.hexdigest()[:16]


def settings_fingerprint(settings: Settings) -> str:
    data = {
        "select": settings.select,
        "extend_select": settings.extend_select,
        "ignore": settings.ignore,
        "per_file_ignores": sorted(settings.per_file_ignores.items()),
        "severity": sorted((k, v.value) for k, v in settings.severity.items()),
        "online": settings.online,
        "hub_timeout": settings.hub_timeout,
        "target_version": settings.target_version,
    }
    return json.dumps(data, sort_keys=True)


def target_fingerprint(path: Path, settings: Settings) -> str:
    """The transformers release removal rules speak for in this file, and the datasets release
    HF904 speaks for (a pin in the project may change them while the file stays the same)."""
    from hflint.analyzers.package_versions import dependency_release
    from hflint.analyzers.target_version import find_target

    try:
        target = find_target(path, settings)
        datasets = dependency_release(path, "datasets")
    except Exception:
        return "?"
    return f"{target.version}|{target.source}|{target.facts}|{datasets}"


def cache_key(path: Path, content: bytes, settings: Settings) -> str:
    parts = [
        str(FORMAT),
        versions(),
        settings_fingerprint(settings),
        target_fingerprint(path, settings),
        str(path),
        hashlib.sha256(content).hexdigest(),
    ]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def lookups_to_tuples(lookups: Sequence[Lookup]) -> list[LookupTuple]:
    unique = dict.fromkeys((x.name, x.revision, x.subfolder, x.file_dir, x.digest) for x in lookups)
    return list(unique)


def lookups_still_valid(lookups: Sequence[LookupTuple], resolver: CheckpointResolver) -> bool:
    """Whether every recorded checkpoint lookup gives the same answer now."""
    if not lookups:
        return True
    from hflint.analyzers.lookups import facts_digest

    for name, revision, subfolder, file_dir, digest in lookups:
        try:
            facts = resolver.lookup(
                name,
                revision=revision,
                subfolder=subfolder,
                file_dir=Path(file_dir) if file_dir else None,
            )
        except Exception:
            facts = None
        if facts_digest(facts) != digest:
            return False
    return True


class ResultCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._prepared = False

    def _file(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str, still_valid: Callable[[list[LookupTuple]], bool]) -> CacheEntry | None:
        try:
            with open(self._file(key), "rb") as fh:
                data = json.loads(fh.read())
            entry = _entry_from_json(data)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return entry if still_valid(entry.lookups) else None

    def put(self, key: str, entry: CacheEntry) -> None:
        try:
            self._prepare()
            target = self._file(key)
            target.parent.mkdir(exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as fh:
                json.dump(_entry_to_json(entry), fh, separators=(",", ":"))
            os.replace(temp, target)
        except OSError:
            pass  # a read-only tree is checked all the same, just not cached

    def _prepare(self) -> None:
        if self._prepared:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        tag = self.directory / "CACHEDIR.TAG"
        if not tag.exists():
            tag.write_text("Signature: 8a477f597d28d172789f06886806bc55\n# hflint result cache\n")
            (self.directory / ".gitignore").write_text("# created by hflint\n*\n")
        self._prepared = True


def _entry_to_json(entry: CacheEntry) -> dict[str, Any]:
    return {
        "findings": [finding_to_json(f) for f in entry.findings],
        "lookups": [list(x) for x in entry.lookups],
        "cells": None if entry.cell_map is None else [list(c) for c in entry.cell_map.cells],
    }


def _entry_from_json(data: Any) -> CacheEntry:
    lookups: list[LookupTuple] = []
    for name, revision, subfolder, file_dir, digest in data["lookups"]:
        lookups.append((str(name), revision, subfolder, file_dir, str(digest)))
    cells = data["cells"]
    cell_map = None
    if cells is not None:
        cell_map = CellMap(tuple((int(a), int(b), int(c)) for a, b, c in cells))
    return CacheEntry([finding_from_json(f) for f in data["findings"]], lookups, cell_map)
