"""`path = snapshot_download(repo)`: a folder filled from a Hub repository is that repository.

Loading such a folder runs what the repository held when it was downloaded, at the revision
the download asked for (none: the moving default branch). So the folder is not a trusted local
path: wherever it is loaded from, the load is of the repository. The value of the download's
result (and of the folder named by `local_dir=`, where loads read it) is the repository's id,
remembering the download; a load of it records the download (`ObjectFact.downloaded`).

A download pinned to a full commit hash is left a local folder: the load reads a fixed
revision, which rules that look at `revision=` of the load itself cannot see.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import libcst as cst

from hflint.analyzers.facts import CallFact, Download, ModuleFacts, ObjectFact
from hflint.analyzers.values import Const, Value, const_str, written_at

if TYPE_CHECKING:
    from hflint.analyzers.collector import Collector

DOWNLOADERS = frozenset(
    {
        "huggingface_hub.snapshot_download",
        "huggingface_hub.hf_hub_download",
        "huggingface_hub._snapshot_download.snapshot_download",
        "huggingface_hub.file_download.hf_hub_download",
    }
)


def _download(collector: Collector, node: cst.Call) -> Download | None:
    call = collector.call_facts.get(id(node))
    if call is None:
        return None
    for download in reversed(collector.facts.downloads):
        if download.call is call:
            return download
    return None


def record(collector: Collector, call: CallFact) -> None:
    """A download call: what it fetches, and the folder it names (`local_dir=`)."""
    repo = call.arg(0, "repo_id")
    if repo is None or const_str(repo.value) is None:
        return
    revision = call.kw("revision")
    local = call.kw("local_dir")
    folder = const_str(local.value) if local is not None else None
    found = Download(
        repo.value,
        revision.value if revision is not None else None,
        call,
        os.path.normpath(folder) if folder else None,
    )
    collector.facts.downloads.append(found)


def value_of(collector: Collector, node: cst.Call) -> Value:
    """The value of a download call's result: the repository, remembering the download."""
    download = _download(collector, node)
    if download is None or download.pinned or not isinstance(download.repo, Const):
        return None
    return written_at(download.repo, node)


def folder_as_repo(facts: ModuleFacts, value: Value) -> Value:
    """A folder a download named with `local_dir=` stands for the repository it fetched."""
    path = const_str(value)
    if path is None or (isinstance(value, Const) and _is_download_call(facts, value.where)):
        return value
    norm = os.path.normpath(path)
    for download in reversed(facts.downloads):
        if download.local_dir == norm:
            if download.pinned or not isinstance(download.repo, Const):
                return value
            return written_at(download.repo, download.call.node)
    return value


def inside_download(facts: ModuleFacts, parts: list[Value]) -> bool:
    """`os.path.join(path, "sub")` of a downloaded folder: a path inside it, no repository."""
    return bool(facts.downloads) and any(
        isinstance(p, Const) and _is_download_call(facts, p.where) for p in parts
    )


def _is_download_call(facts: ModuleFacts, node: cst.CSTNode | None) -> bool:
    return node is not None and any(d.call.node is node for d in facts.downloads)


def link(facts: ModuleFacts, obj: ObjectFact) -> None:
    """An object loaded from a downloaded folder remembers the download."""
    checkpoint = obj.checkpoint
    if not isinstance(checkpoint, Const) or checkpoint.where is None:
        return
    for download in facts.downloads:
        if download.call.node is checkpoint.where:
            obj.downloaded = download
            return
