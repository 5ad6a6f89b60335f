"""The transformers version a project's code runs on, which removal and rename rules speak for.

Placeholder: the installed transformers. (Detection from settings and project pins follows.)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    version: str  # e.g. "5.23.0"; "" when transformers is not installed and nothing is pinned
    source: str  # where the version came from, e.g. "installed", "pin in requirements.txt"

    @property
    def release(self) -> tuple[int, ...]:
        parts: list[int] = []
        for piece in self.version.split("."):
            digits = "".join(ch for ch in piece if ch.isdigit())
            if not digits:
                break
            parts.append(int(digits))
            if len(digits) != len(piece):
                break
        return tuple(parts)

    @property
    def major(self) -> int | None:
        return self.release[0] if self.release else None

    def at_least(self, version: str) -> bool:
        return self.release >= Target(version, "").release

    def phrase(self) -> str:
        """How messages name it: "transformers 5.23.0 (installed)"."""
        return f"transformers {self.version} ({self.source})"
