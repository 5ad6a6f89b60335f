"""Results kept per syntax node across edits, keyed by the node's identity.

The editor re-parses only the statements an edit touched and keeps the other node objects,
so what was computed for an untouched node stays valid. libcst nodes compare and hash by
identity and take no weak references: an entry holds its node, which keeps the id from being
reused. When an edit replaces statements, the entries of their nodes go at once
(`forget_nodes`, called by the incremental parser); otherwise the oldest go once a cache is
full.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Generic, TypeVar

import libcst as cst

N = TypeVar("N", bound=cst.CSTNode)
V = TypeVar("V")
_Key = tuple[int, Hashable]
_CACHES: weakref.WeakSet[NodeCache[cst.CSTNode, object]] = weakref.WeakSet()


class NodeCache(Generic[N, V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[_Key, tuple[N, V]] = OrderedDict()
        self._by_id: dict[int, list[_Key]] = {}  # node id -> its keys (one per variant)
        self._lock = threading.Lock()
        _CACHES.add(self)  # type: ignore[arg-type]

    def get(self, node: N, compute: Callable[[N], V], variant: Hashable = None) -> V:
        """The value for `node` (and `variant`), computed once while the node lives here."""
        key = (id(node), variant)
        entries = self._entries
        hit = entries.get(key)  # reads need no lock: each dict operation is atomic
        if hit is not None and hit[0] is node:
            try:  # (not contextlib.suppress: this runs thousands of times per keystroke)  # noqa: SIM105
                entries.move_to_end(key)
            except KeyError:  # another thread just dropped it: the value is still right
                pass
            return hit[1]
        value = compute(node)
        with self._lock:
            if key not in self._entries:
                self._by_id.setdefault(key[0], []).append(key)
            self._entries[key] = (node, value)
            while len(self._entries) > self.size:
                old, _ = self._entries.popitem(last=False)
                self._unindex(old)
        return value

    def forget_ids(self, ids: set[int]) -> None:
        with self._lock:
            for node_id in ids & self._by_id.keys():
                for key in self._by_id.pop(node_id):
                    self._entries.pop(key, None)

    def _unindex(self, key: _Key) -> None:
        keys = self._by_id.get(key[0])
        if keys is not None:
            keys.remove(key)
            if not keys:
                del self._by_id[key[0]]


def forget_nodes(ids: Iterable[int]) -> None:
    """Drop every cache's entries for these nodes (ones an edit replaced): their trees and
    results are freed now, not when the caches fill up."""
    wanted = set(ids)
    if wanted:
        for cache in list(_CACHES):
            cache.forget_ids(wanted)
