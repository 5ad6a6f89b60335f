"""A rule: code, name, severity, docs in Ruff's headings, and examples the suite runs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from hflint.analyzers.findings import Finding, Severity

if TYPE_CHECKING:
    from hflint.rules.context import RuleContext

DOCS_URL = "https://github.com/hflint/hflint/blob/main/docs/rules.md#{code}"


@dataclass(frozen=True)
class Example:
    """Code that must trigger the rule (or, in `near_misses`, must not)."""

    code: str
    note: str = ""
    # For triggering examples: the text the (first) fix must produce, when the fix is exact.
    fixed: str | None = None


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]  # kebab-case
    severity: ClassVar[Severity]
    summary: ClassVar[str]  # one line, shown by `hflint rule --all`
    # Ruff's headings: What it does / Why is this bad? / Example / Use instead / Fix safety / References
    what: ClassVar[str]
    why: ClassVar[str]
    example: ClassVar[str]
    use_instead: ClassVar[str]
    fix_safety: ClassVar[str]
    references: ClassVar[tuple[str, ...]] = ()
    triggers: ClassVar[tuple[Example, ...]] = ()
    near_misses: ClassVar[tuple[Example, ...]] = ()
    deprecated_api: ClassVar[bool] = False  # findings tagged Deprecated in editors

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        raise NotImplementedError

    @classmethod
    def url(cls) -> str:
        return DOCS_URL.format(code=cls.code.lower())

    @classmethod
    def docs(cls) -> str:
        refs = "\n".join(f"- {r}" for r in cls.references) or "- (none)"
        return (
            f"# {cls.name} ({cls.code})\n\n"
            f"Default severity: {cls.severity.value}\n\n"
            f"## What it does\n{cls.what.strip()}\n\n"
            f"## Why is this bad?\n{cls.why.strip()}\n\n"
            f"## Example\n```python\n{cls.example.strip()}\n```\n\n"
            f"## Use instead\n```python\n{cls.use_instead.strip()}\n```\n\n"
            f"## Fix safety\n{cls.fix_safety.strip()}\n\n"
            f"## References\n{refs}\n"
        )
