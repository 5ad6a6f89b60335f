"""What a quick-fix is called in the editor: its message, and why it is unsafe when it is.

The reason comes from the rule's "Fix safety" docs, so it needs the rule registry: the check
process, which has the rules loaded, sends the reasons along with the findings, and the
server (which never loads the rules on the way to the first diagnostics) only reads them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from hflint.analyzers.findings import Finding, Fix

_REASON_LIMIT = 70
_REASONS: dict[str, str | None] = {}  # rule code -> its short unsafe reason (None: none)


def unsafe_reason(code: str) -> str | None:
    """The first clause of the rule's "Unsafe: ..." fix-safety text, when it is short."""
    if code in _REASONS:
        return _REASONS[code]
    from hflint.rules.registry import rule_by_code

    rule = rule_by_code(code)
    text = getattr(rule, "fix_safety", "") if rule is not None else ""
    match = re.match(r"\s*unsafe\s*[:;,]\s*(.+?)(?:[.;](?:\s|$)|$)", text, re.IGNORECASE | re.S)
    reason = " ".join(match.group(1).split()) if match is not None else None
    _REASONS[code] = reason if reason is not None and len(reason) <= _REASON_LIMIT else None
    return _REASONS[code]


def reasons_for(findings: Iterable[Finding]) -> dict[str, str | None]:
    """The unsafe reasons the findings' fixes need (computed where the rules are loaded)."""
    return {f.code: unsafe_reason(f.code) for f in findings if f.fix and not f.fix.is_safe}


def remember(reasons: Mapping[str, str | None]) -> None:
    _REASONS.update(reasons)


def fix_title(code: str, fix: Fix) -> str:
    """The fix's message; an unsafe one says so, with the rule's reason when it is short."""
    if fix.is_safe:
        return fix.message
    reason = unsafe_reason(code)
    return f"{fix.message} (unsafe: {reason})" if reason else f"{fix.message} (unsafe fix)"
