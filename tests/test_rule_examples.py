"""Every rule's own examples: triggers must trigger, near-misses must not, fixes must work."""

from __future__ import annotations

import libcst as cst
import pytest

from hflint.analyzers.engine import check_source
from hflint.analyzers.settings import Settings
from hflint.analyzers.source import apply_edits
from hflint.rules.base import Example, Rule
from hflint.rules.registry import all_rules

RULES = all_rules()
TRIGGERS = [(r, i, e) for r in RULES for i, e in enumerate(r.triggers)]
NEAR_MISSES = [(r, i, e) for r in RULES for i, e in enumerate(r.near_misses)]


def _only(rule: Rule) -> Settings:
    return Settings(select=[rule.code])


def test_every_rule_has_examples_and_docs() -> None:
    assert RULES, "no rules registered"
    for rule in RULES:
        assert rule.triggers, f"{rule.code} has no triggering example"
        assert rule.near_misses, f"{rule.code} has no near-miss example"
        docs = rule.docs()
        for heading in (
            "What it does",
            "Why is this bad?",
            "Example",
            "Use instead",
            "Fix safety",
            "References",
        ):
            assert f"## {heading}" in docs, (rule.code, heading)
        assert rule.name == rule.name.lower() and " " not in rule.name and "_" not in rule.name


def test_codes_and_names_are_unique() -> None:
    assert len({r.code for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)


@pytest.mark.parametrize(
    ("rule", "index", "example"), TRIGGERS, ids=lambda v: getattr(v, "code", str(v))
)
def test_trigger(rule: Rule, index: int, example: Example) -> None:
    findings = check_source(example.code, settings=_only(rule))
    ours = [f for f in findings if f.code == rule.code]
    assert ours, f"{rule.code} example {index} did not trigger:\n{example.code}"
    for finding in ours:
        assert finding.message
        assert finding.range.start <= finding.range.end


@pytest.mark.parametrize(
    ("rule", "index", "example"), NEAR_MISSES, ids=lambda v: getattr(v, "code", str(v))
)
def test_near_miss(rule: Rule, index: int, example: Example) -> None:
    findings = check_source(example.code, settings=_only(rule))
    ours = [f for f in findings if f.code == rule.code]
    assert not ours, (
        f"{rule.code} near-miss {index} triggered: {[f.message for f in ours]}\n{example.code}"
    )


@pytest.mark.parametrize(
    ("rule", "index", "example"), TRIGGERS, ids=lambda v: getattr(v, "code", str(v))
)
def test_fix_applies(rule: Rule, index: int, example: Example) -> None:
    findings = [f for f in check_source(example.code, settings=_only(rule)) if f.code == rule.code]
    fixable = [f for f in findings if f.fix is not None]
    if not fixable:
        assert example.fixed is None, "example declares a fixed text but no fix was offered"
        return
    finding = fixable[0]
    assert finding.fix is not None
    fixed = apply_edits(example.code, list(finding.fix.edits))
    cst.parse_module(fixed)  # the fix must leave valid Python
    if example.fixed is not None:
        assert fixed == example.fixed
    after = [
        f
        for f in check_source(fixed, settings=_only(rule))
        if f.code == rule.code
        and f.range.start.line == finding.range.start.line
        and f.message == finding.message
    ]
    assert not after, f"{rule.code}: the finding is still there after its fix:\n{fixed}"
