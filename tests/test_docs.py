"""The published rule docs match the code, and every documented example runs."""

from __future__ import annotations

from pathlib import Path

from test_rule_links import github_slugs

from hflint.rules.catalogue_page import render_rules_page
from hflint.rules.registry import all_rules

ROOT = Path(__file__).resolve().parent.parent


def test_rules_page_is_current() -> None:
    page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert page == render_rules_page(), (
        "docs/rules.md is stale: run `python -m hflint.rules.catalogue_page > docs/rules.md`"
    )


def test_every_rule_has_an_anchor_matching_its_url() -> None:
    """Each rule's link ends in the anchor of its heading (test_rule_links.py checks the page
    installed with hflint the same way)."""
    slugs = github_slugs(render_rules_page())
    for rule in all_rules():
        anchor = rule.url().rsplit("#", 1)[1]
        assert anchor in slugs, rule.code
