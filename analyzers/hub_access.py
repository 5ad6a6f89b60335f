"""The Hugging Face cache and Hub, for the few files a checkpoint's facts come from.

The cache is read from its documented layout (`models--org--name/refs/<branch>` holds a
commit; `snapshots/<commit>/<file>` the file; `.no_exist/<commit>/<file>` records a file the
Hub said is absent), the way huggingface_hub's `try_to_load_from_cache` reads it. Reading it
here keeps huggingface_hub optional (the linting core installs beside any transformers) and
keeps its import off the editor's path. Fetching from the Hub (`--online`) needs
huggingface_hub; without it the fetch finds nothing and the checkpoint stays unknown.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Files a checkpoint's facts are read from, in the order the hub path downloads them.
FACT_FILES = (
    "config.json",
    "adapter_config.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "generation_config.json",
)

FileGetter = Callable[[str], "Path | None"]


def repo_folder(cache_dir: Path, repo_id: str) -> Path:
    return cache_dir / ("models--" + repo_id.replace("/", "--"))


def cached_file(cache_dir: Path, repo_id: str, filename: str, revision: str | None) -> Path | None:
    """`filename` of `repo_id` at `revision` (a branch, tag or commit; None: main) in the
    cache; None when it is not there, or the Hub said it does not exist."""
    parts = filename.split("/")
    if any(part in {"", ".", ".."} for part in parts):
        return None  # never leave the snapshot folder
    repo = repo_folder(cache_dir, repo_id)
    commit = revision or "main"
    with contextlib.suppress(OSError, ValueError):  # else a commit hash, or a branch not cached
        commit = (repo / "refs" / commit).read_text(encoding="utf-8").strip() or commit
    if not commit or "/" in commit or commit in {".", ".."}:
        return None
    if (repo / ".no_exist" / commit / filename).is_file():
        return None
    path = repo / "snapshots" / commit / filename
    return path if path.is_file() else None


def cache_getter(
    repo_id: str, cache_dir: Path, revision: str | None, subfolder: str | None
) -> FileGetter:
    """Files of `repo_id` at `revision` (in `subfolder`) in the cache."""
    prefix = f"{subfolder.strip('/')}/" if subfolder and subfolder.strip("/") else ""

    def get(filename: str) -> Path | None:
        return cached_file(cache_dir, repo_id, prefix + filename, revision)

    return get


def download_facts_files(
    repo_id: str,
    *,
    revision: str | None,
    subfolder: str | None,
    cache_dir: Path,
    endpoint: str,
    deadline: float,
) -> dict[str, Path]:
    """Fetches the fact files of `repo_id` into the cache; stops at the deadline.

    Missing files are skipped; a missing, gated or unreachable repo ends the fetch, and so
    does a missing huggingface_hub. Runs in a worker thread, so everything it raises is
    caught here.
    """
    try:
        from huggingface_hub import hf_hub_download
    except ImportError:
        return {}
    missing = _entry_not_found()
    found: dict[str, Path] = {}
    for filename in FACT_FILES:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            path = hf_hub_download(
                repo_id,
                filename,
                subfolder=subfolder or None,
                revision=revision,
                cache_dir=cache_dir,
                endpoint=endpoint,
                etag_timeout=max(remaining, 0.1),
            )
        except missing:
            continue
        except Exception:
            break
        if isinstance(path, str):
            found[filename] = Path(path)
    return found


def _entry_not_found() -> tuple[type[BaseException], ...]:
    """The error a missing file raises, in huggingface_hub 1.x and in 0.x."""
    try:
        from huggingface_hub.errors import RemoteEntryNotFoundError

        return (RemoteEntryNotFoundError,)
    except ImportError:
        pass
    try:
        from huggingface_hub import utils

        return (getattr(utils, "EntryNotFoundError"),)  # noqa: B009 (not in its __all__)
    except (ImportError, AttributeError):
        return ()


def run_with_deadline(fn: Callable[[], Any], timeout: float) -> Any:
    """`fn()` in a daemon thread; None if it has not returned within `timeout` seconds.

    A daemon thread, not an executor: an executor's threads are joined at interpreter exit,
    so a hung request would hang the exit too.
    """
    result: list[Any] = []

    def work() -> None:
        try:
            result.append(fn())
        except Exception:
            result.append(None)

    worker = threading.Thread(target=work, name="hflint-hub-lookup", daemon=True)
    worker.start()
    worker.join(timeout)
    return result[0] if result else None
