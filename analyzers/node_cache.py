"""Results kept per syntax node across edits, keyed by the node's identity.

The editor re-parses only the statements an edit touched and keeps the other node objects,
so what was computed for an untouched node stays valid. libcst nodes compare and hash by
identity and take no weak references: an entry holds its node, which keeps the id from being
reused, and the oldest entries go once the cache is full.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import libcst as cst

N = TypeVar("N", bound=cst.CSTNode)
V = TypeVar("V")


class NodeCache(Generic[N, V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[int, Hashable], tuple[N, V]] = OrderedDict()
        self._lock = threading.Lock()

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
            self._entries[key] = (node, value)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value
