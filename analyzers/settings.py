"""What the user chose: rule selection, severities, exclusions, online access."""

from __future__ import annotations

from dataclasses import dataclass, field

from hflint.analyzers.findings import Severity


@dataclass
class Settings:
    select: list[str] = field(default_factory=lambda: ["HF"])
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)  # glob -> codes
    exclude: list[str] = field(default_factory=list)
    extend_exclude: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)  # code or prefix -> severity
    online: bool = False
    hub_timeout: float = 3.0
    # the transformers version removal rules speak for; None: a project pin, else the installed
    target_version: str | None = None

    def is_enabled(self, code: str, extra_ignores: list[str] | None = None) -> bool:
        """Ruff's precedence: the longest matching prefix decides; ignore wins a tie."""
        chosen = _longest(code, [*self.select, *self.extend_select])
        ignored = _longest(code, [*self.ignore, *(extra_ignores or [])])
        if chosen < 0:
            return False
        return ignored < chosen

    def severity_for(self, code: str, default: Severity) -> Severity:
        best, length = default, -1
        for prefix, sev in self.severity.items():
            if code.startswith(prefix) and len(prefix) > length:
                best, length = sev, len(prefix)
        return best


def _longest(code: str, prefixes: list[str]) -> int:
    best = -1
    for prefix in prefixes:
        p = prefix.strip().upper()
        if p == "ALL":
            p = ""
        if code.startswith(p) and len(p) > best:
            best = len(p)
    return best
