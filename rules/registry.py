"""All rules, found by importing every module of this package once."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

import hflint.rules
from hflint.rules.base import Rule

_NOT_RULES = {"base", "context", "registry"}


@cache
def all_rules() -> tuple[Rule, ...]:
    found: dict[str, Rule] = {}
    for info in pkgutil.iter_modules(hflint.rules.__path__):
        if info.name in _NOT_RULES or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"hflint.rules.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value is not Rule
                and getattr(value, "code", None)
                and value.__module__ == module.__name__
            ):
                found[value.code] = value()
    return tuple(found[c] for c in sorted(found))


def rule_by_code(code: str) -> Rule | None:
    for rule in all_rules():
        if rule.code == code.upper():
            return rule
    return None
