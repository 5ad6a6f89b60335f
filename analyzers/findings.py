"""What a rule reports: a finding with an exact range, related places and an optional fix.

Positions are (line, column) pairs: line 1-based, column 0-based in code points, as libcst
reports them. Front-ends convert (JSON adds 1 to the column; LSP counts UTF-16 units).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    HINT = "hint"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def lowered(self) -> Severity:
        """One step less sure: used when a fact rests on an overridable default."""
        order = [Severity.ERROR, Severity.WARNING, Severity.INFO, Severity.HINT]
        return order[min(order.index(self) + 1, len(order) - 1)]


_RANKS = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2, Severity.HINT: 3}


@dataclass(frozen=True, order=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True)
class Range:
    start: Position
    end: Position

    @staticmethod
    def of(line: int, column: int, end_line: int, end_column: int) -> Range:
        return Range(Position(line, column), Position(end_line, end_column))


@dataclass(frozen=True)
class Edit:
    """Replace the text in `range` with `content` (an empty range inserts)."""

    range: Range
    content: str


class Applicability(enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Fix:
    applicability: Applicability
    message: str
    edits: tuple[Edit, ...]

    @property
    def is_safe(self) -> bool:
        return self.applicability is Applicability.SAFE


@dataclass(frozen=True)
class Related:
    """Another place that explains the finding, e.g. where the model was loaded."""

    message: str
    range: Range


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    severity: Severity
    message: str
    range: Range
    fix: Fix | None = None
    related: tuple[Related, ...] = field(default_factory=tuple)
    url: str = ""
    deprecated: bool = False

    def with_severity(self, severity: Severity) -> Finding:
        return replace(self, severity=severity)
