"""Containers of the collector's module-level state that log their writes.

While a top-level statement is collected, its writes to the module's bindings, imports,
functions, classes and argparse defaults are logged, so that the statement's whole effect can
be replayed on the next keystroke instead of collected again (statement_memo.py). Reads stay
plain dict reads.
"""

from __future__ import annotations

from typing import Any

DELETED = object()  # the value logged for a deleted key
# (which container, key, value or DELETED); a key of WHOLE: the container was rewritten
Entry = tuple[str, Any, Any]
WHOLE = object()


class JournalDict(dict[Any, Any]):
    """A dict that appends (tag, key, value) to `log` on every write while `log` is a list."""

    __slots__ = ("log", "tag")

    def __init__(self, tag: str) -> None:
        super().__init__()
        self.tag = tag
        self.log: list[Entry] | None = None

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        if self.log is not None:
            self.log.append((self.tag, key, value))

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        if self.log is not None:
            self.log.append((self.tag, key, DELETED))

    def pop(self, key: Any, *default: Any) -> Any:
        if self.log is not None and key in self:
            self.log.append((self.tag, key, DELETED))
        return super().pop(key, *default)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def clear(self) -> None:
        super().clear()
        if self.log is not None:
            self.log.append((self.tag, WHOLE, None))

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        if self.log is not None:
            self.log.append((self.tag, WHOLE, None))
