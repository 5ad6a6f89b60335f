"""Knowledge of transformers releases other than the installed one, for the target version.

Three sources, in order: the installed transformers when its major.minor is the target's;
the per-version cache (`<cache dir>/versions/`, filled whenever hflint reads an installed
transformers, so every environment hflint ran in contributes); the snapshots bundled in
`data/knowledge/`, made from the real release wheels by `scripts/snapshot_knowledge.py`.
A target without an exact match uses the nearest release at or below it in the same major.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hflint.analyzers.knowledge_extract import FORMAT_VERSION
from hflint.analyzers.target_version import release_of

if TYPE_CHECKING:
    from hflint.analyzers.knowledge import Knowledge
    from hflint.analyzers.target_version import Target

BUNDLED = Path(__file__).parent / "data" / "knowledge"
_FILE = re.compile(r"^transformers-(.+?)(?:\.f(\d+))?\.json\.gz$")


# ---------------------------------------------------------------- which release answers


@cache
def bundled_versions() -> tuple[str, ...]:
    """Releases with a snapshot shipped in hflint, oldest first."""
    return tuple(sorted(_listing(BUNDLED), key=release_of))


def version_cache_dir() -> Path:
    from hflint.analyzers.cache_home import cache_dir

    return cache_dir() / "versions"


def cached_versions() -> dict[str, Path]:
    """Releases in the per-version cache with this format, re-listed when the folder changes."""
    folder = str(version_cache_dir())
    return _cached_listing(folder, _mtime(folder))


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


@cache
def _cached_listing(folder: str, stamp: int) -> dict[str, Path]:
    if stamp < 0:
        return {}
    return {
        v: Path(folder) / f"transformers-{v}.f{FORMAT_VERSION}.json.gz"
        for v in _listing(Path(folder), FORMAT_VERSION)
    }


def _listing(folder: Path, fmt: int | None = None) -> list[str]:
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    found = []
    for name in names:
        match = _FILE.match(name)
        if match and (fmt is None or match.group(2) == str(fmt)):
            found.append(match.group(1))
    return found


def facts_version(version: str, installed: str) -> str:
    """The release whose facts answer for `version`: the installed one when major.minor
    match; else an exact snapshot; else one of the same major.minor; else the nearest below
    in the same major; for a newer major, the newest release known. "" when nothing fits (a
    release older than every snapshot of its major): rules then stay silent."""
    key = (version, installed, os.environ.get("HFLINT_CACHE_DIR"), os.environ.get("XDG_CACHE_HOME"))
    hit = _FACTS.get(key)
    if hit is not None and _mtime(hit[0]) == hit[1]:
        return hit[2]
    folder = str(version_cache_dir())
    stamp = _mtime(folder)
    cached = tuple(_cached_listing(folder, stamp))
    chosen = _choose(version, installed, cached, bundled_versions())
    _FACTS[key] = (folder, stamp, chosen)
    return chosen


# (version, installed, cache-dir environment) -> (cache folder, its mtime, chosen release)
_FACTS: dict[tuple[str, str, str | None, str | None], tuple[str, int, str]] = {}


@cache
def _choose(version: str, installed: str, cached: tuple[str, ...], bundled: tuple[str, ...]) -> str:
    want = release_of(version)
    if not want:
        return ""
    if installed and release_of(installed)[:2] == want[:2]:
        return installed
    candidates = sorted({*cached, *bundled, *([installed] if installed else [])}, key=release_of)
    if version in candidates:
        return version
    same_minor = [c for c in candidates if release_of(c)[:2] == want[:2]]
    if same_minor:  # patch releases do not change the API
        below = [c for c in same_minor if release_of(c) <= want]
        return below[-1] if below else same_minor[0]
    same_major = [c for c in candidates if release_of(c)[:1] == want[:1]]
    below = [c for c in same_major if release_of(c) <= want]
    if below:
        return below[-1]
    if same_major:
        return ""  # older than every snapshot of its major: what it lacked is unknown
    older = [c for c in candidates if release_of(c) < want]
    return older[-1] if older else ""


def clear_cache() -> None:
    _FACTS.clear()
    _LOADED.clear()
    _choose.cache_clear()
    _cached_listing.cache_clear()
    load_snapshot.cache_clear()


# ---------------------------------------------------------------- loading


def known_releases() -> tuple[Knowledge, ...]:
    """Knowledge of every release with a snapshot (bundled and cached), oldest first; read
    on first use (a rule asks only when a name is missing from its target release)."""
    paths = {v: BUNDLED / f"transformers-{v}.json.gz" for v in bundled_versions()}
    paths.update(cached_versions())
    loaded = (load_snapshot(paths[v]) for v in sorted(paths, key=release_of))
    return tuple(k for k in loaded if k.version)


def knowledge_for(target: Target, installed: Callable[[], Knowledge]) -> Knowledge:
    """Knowledge for the target's facts release; empty (version "") when none can be read,
    so that rules stay silent rather than judge a 4.x project by 5.x facts."""
    from hflint.analyzers.knowledge import Knowledge

    facts = target.facts or target.version
    if not facts:
        return Knowledge(version="")
    have = installed()
    if facts == have.version:
        return have
    known = _LOADED.get(facts)
    if known is not None:
        return known
    path = cached_versions().get(facts)
    if path is None and facts in bundled_versions():
        path = BUNDLED / f"transformers-{facts}.json.gz"
    knowledge = load_snapshot(path) if path is not None else Knowledge(version="")
    if knowledge.version:
        _LOADED[facts] = knowledge
    return knowledge


_LOADED: dict[str, Knowledge] = {}  # release -> its facts, once read


@cache
def load_snapshot(path: Path) -> Knowledge:
    """A snapshot file; empty Knowledge when it is unreadable or of another format."""
    from hflint.analyzers.knowledge import Knowledge

    with contextlib.suppress(OSError, ValueError, KeyError, TypeError, EOFError):
        payload = json.loads(gzip.decompress(path.read_bytes()))
        if payload.get("format") == FORMAT_VERSION:
            return Knowledge.from_json(payload["knowledge"])
    return Knowledge(version="")


# ---------------------------------------------------------------- writing


def snapshot_bytes(data: dict[str, Any]) -> bytes:
    """A snapshot's exact bytes: sorted JSON, gzip without a timestamp (reproducible)."""
    text = json.dumps(
        {"format": FORMAT_VERSION, "knowledge": data},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def remember(data: dict[str, Any]) -> None:
    """Keep an extraction in the per-version cache (atomic; a read-only cache is skipped)."""
    version = data.get("version")
    if not isinstance(version, str) or not release_of(version):
        return
    folder = version_cache_dir()
    target = folder / f"transformers-{version}.f{FORMAT_VERSION}.json.gz"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".snapshot", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(snapshot_bytes(data))
        os.replace(tmp, target)
    except (OSError, TypeError, ValueError):
        with contextlib.suppress(OSError):
            os.unlink(tmp)
