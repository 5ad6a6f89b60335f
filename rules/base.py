"""A rule: code, name, severity, docs in Ruff's headings, and examples the suite runs."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from hflint.analyzers.findings import Finding, Severity

if TYPE_CHECKING:
    from hflint.rules.context import RuleContext

# The rules page ships inside the package (`hflint.docs`, package data: docs/rules.md in the
# repository), so a rule's link opens the page of the hflint that made the finding, offline.
DOCS_PACKAGE = "hflint.docs"
RULES_PAGE = "rules.md"
# In a `docs-url` setting: replaced by the rule's code in lower case ("hf101"). A URL without
# it names a hosted copy of the rules page, and `#hf101` is appended.
CODE_FIELD = "{code}"


@cache
def rules_page() -> Path | None:
    """The installed rules page, or None when this installation lacks it."""
    try:
        spec = importlib.util.find_spec(DOCS_PACKAGE)
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        page = Path(folder) / RULES_PAGE
        if page.is_file():
            return page.resolve()
    return None


def rule_url(code: str, docs_url: str | None = None) -> str:
    """Where rule `code` is documented: its heading (`#hf101`) in the installed rules page, or
    in the hosted copy `docs_url` names; "" when neither exists."""
    anchor = code.lower()
    if docs_url:
        if CODE_FIELD in docs_url:
            return docs_url.replace(CODE_FIELD, anchor)
        return f"{docs_url}#{anchor}"
    page = rules_page()
    return f"{page.as_uri()}#{anchor}" if page is not None else ""


def finding_url(finding: Finding, docs_url: str | None = None) -> str | None:
    """The link shown with a finding: its rule's section in the copy `docs_url` names, else the
    finding's own (the installed page); None for findings no rule documents."""
    if not finding.url:
        return None
    return rule_url(finding.code, docs_url) if docs_url else finding.url


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
    def url(cls, docs_url: str | None = None) -> str:
        return rule_url(cls.code, docs_url)

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
