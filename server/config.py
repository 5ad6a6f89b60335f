"""Configuration from `[tool.hflint]` in pyproject.toml, found the way Ruff finds its own.

Each checked file uses the nearest pyproject.toml with a `[tool.hflint]` table in its folder or
above; the search stops at a repository root (a folder holding `.git`) so that a checkout never
picks up settings from outside it. `--config PATH` names one file for everything. Keys may be
written kebab-case or snake_case. A key hflint does not know, a value of the wrong kind, or a rule
code that no rule has (nor starts with) is an error naming the key and the file, with the closest
real code as a suggestion: a typo that silently did nothing would be worse.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from hflint.analyzers.findings import Severity
from hflint.analyzers.settings import Settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_SELECTOR = re.compile(r"^(ALL|HF[0-9]{0,3})$", re.IGNORECASE)
_KEYS = (
    "select",
    "extend-select",
    "ignore",
    "per-file-ignores",
    "exclude",
    "extend-exclude",
    "online",
    "severity",
    "hub-timeout",
    "target-version",
    "respect-gitignore",
    "docs-url",
)


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class Config:
    settings: Settings
    root: Path  # exclude and per-file-ignores globs are relative to this folder
    source: Path | None = None  # the file the settings came from; None: defaults
    respect_gitignore: bool = True  # walks skip what .gitignore / .ignore files ignore
    docs_url: str | None = None  # a hosted copy of the rule docs; None: the installed page


@dataclass(frozen=True)
class Overrides:
    """Command-line options, applied over every configuration file."""

    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    online: bool = False
    target_version: str | None = None

    def apply(self, config: Config) -> Config:
        """As in Ruff, `--select` starts the selection afresh: the file's select and ignore go."""
        s = config.settings
        if self.select is not None:
            settings = replace(
                s,
                select=list(self.select),
                extend_select=list(self.extend_select),
                ignore=list(self.ignore),
                online=s.online or self.online,
            )
        else:
            settings = replace(
                s,
                extend_select=[*s.extend_select, *self.extend_select],
                ignore=[*s.ignore, *self.ignore],
                online=s.online or self.online,
            )
        if self.target_version is not None:
            settings = replace(settings, target_version=self.target_version)
        return replace(config, settings=settings)


def parse_target_version(raw: object, where: str) -> str:
    """A release such as "4.44.2", "4.57" or "5.0.0rc1" (what `target-version` takes)."""
    from hflint.analyzers.target_version import VERSION_SETTING

    text = raw.strip() if isinstance(raw, str) else ""
    if not VERSION_SETTING.match(text):
        raise ConfigError(f'{where}: expected a transformers version such as "4.44.2", got {raw!r}')
    return text


def parse_docs_url(raw: object, where: str) -> str:
    """`docs-url`: where rule links point instead of the rules page installed with hflint. A URL
    with `{code}` gets the rule's code there ("hf101"); any other URL names a copy of
    docs/rules.md, and `#hf101` is appended (rules/base.py, rule_url)."""
    from urllib.parse import urlsplit

    from hflint.rules.base import CODE_FIELD

    text = raw.strip() if isinstance(raw, str) else ""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https", "file") or not (parts.netloc or parts.path):
        example = f"https://example.org/rules/{CODE_FIELD}"
        raise ConfigError(
            f'{where}: expected an http(s) or file URL such as "{example}", got {raw!r}'
        )
    if parts.fragment and CODE_FIELD not in text:
        raise ConfigError(
            f"{where}: {raw!r} has a #fragment, but hflint appends `#<code>` itself "
            f"(or put {CODE_FIELD} where the code goes)"
        )
    return text


def parse_selectors(raw: str, option: str) -> list[str]:
    """A comma-separated command-line list of codes or prefixes (`HF1,HF204`)."""
    codes = [part.strip().upper() for part in raw.split(",") if part.strip()]
    check_selectors(codes, option)
    return codes


@cache
def known_codes() -> frozenset[str]:
    """Every code a finding can have: the registry's rules and the engine's and CLI's own."""
    from hflint.analyzers.suppression import INVALID_SUPPRESSION_CODE
    from hflint.server.output import BUILTIN_RULES

    return frozenset({*BUILTIN_RULES, INVALID_SUPPRESSION_CODE, *_rule_codes()})


_RULE_CODE = re.compile(r"^[ \t]+code\s*=\s*[\"'](HF[0-9]+)[\"']", re.MULTILINE)


def _rule_codes() -> set[str]:
    """The registry's codes. Importing every rule (libcst and all) takes three times as long as
    a cached `hflint check`, so unless the rules are loaded already (or were replaced, as tests
    do) the codes are read from the rule modules' sources (tests/test_cli_newuser.py checks
    that both ways agree)."""
    import hflint.rules
    from hflint.rules import registry

    info = getattr(registry.all_rules, "cache_info", None)
    if info is None or info().currsize:
        return {rule.code for rule in registry.all_rules()}
    codes: set[str] = set()
    for folder in hflint.rules.__path__:
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            stem = name.removesuffix(".py")
            if stem == name or stem in registry._NOT_RULES or stem.startswith("_"):
                continue
            try:
                text = Path(folder, name).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            codes.update(_RULE_CODE.findall(text))
    return codes or {rule.code for rule in registry.all_rules()}


def check_selectors(codes: list[str], where: str) -> None:
    """Each of `codes` (upper case) must be `ALL`, a rule code, or the prefix of one: a typo
    that silently selected or ignored nothing would be worse than an error."""
    from hflint.analyzers.suppression import closest_code, is_known_selector

    for code in codes:
        if _SELECTOR.match(code):
            if code in ("ALL", "HF") or is_known_selector(code, known_codes()):
                continue
            problem = f"unknown rule code or prefix `{code}`"
            example = "`hflint rule --all` lists the rules"
        else:
            problem, example = f"`{code}` is not a rule code or prefix", "e.g. HF1, HF204"
        hint = closest_code(code, known_codes()) if code.startswith("HF") else None
        tip = f"; did you mean `{hint}`?" if hint else f" ({example})"
        raise ConfigError(f"{where}: {problem}{tip}")


class ConfigFinder:
    """The configuration of each folder, searched upward once per folder and remembered."""

    def __init__(
        self, cwd: Path, overrides: Overrides | None = None, explicit: Path | None = None
    ) -> None:
        self.cwd = cwd
        self.overrides = overrides or Overrides()
        self._fixed: Config | None = None
        if explicit is not None:
            self._fixed = self.overrides.apply(load_config(explicit))
        self._default = self.overrides.apply(Config(Settings(), cwd))
        self._by_dir: dict[Path, Config] = {}

    def for_directory(self, folder: Path) -> Config:
        if self._fixed is not None:
            return self._fixed
        chain: list[Path] = []
        current: Path | None = folder
        found = self._default
        while current is not None:
            if current in self._by_dir:
                found = self._by_dir[current]
                break
            chain.append(current)
            config = _config_in(current)
            if config is not None:
                found = self.overrides.apply(config)
                break
            if (current / ".git").exists() or current.parent == current:
                break
            current = current.parent
        for visited in chain:
            self._by_dir[visited] = found
        return found

    def for_file(self, path: Path) -> Config:
        return self.for_directory(path.parent)


def _config_in(folder: Path) -> Config | None:
    candidate = folder / "pyproject.toml"
    if not candidate.is_file():
        return None
    data = _read_toml(candidate)
    tool = data.get("tool")
    if not isinstance(tool, dict) or "hflint" not in tool:
        return None
    return _config(tool["hflint"], candidate, "tool.hflint", folder)


def load_config(path: Path) -> Config:
    """`--config PATH`: a pyproject.toml (its `[tool.hflint]`) or a file of bare hflint keys."""
    path = path.resolve()
    if not path.is_file():
        raise ConfigError(f"{path}: configuration file not found")
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        tool = data.get("tool")
        table = tool.get("hflint", {}) if isinstance(tool, dict) else {}
        return _config(table, path, "tool.hflint", path.parent)
    return _config(data, path, "", path.parent)


def _config(table: object, source: Path, prefix: str, root: Path) -> Config:
    settings = settings_from_table(table, source, prefix)  # checks every key, and its value
    respect = True
    if isinstance(table, dict):
        respect = table.get("respect-gitignore", table.get("respect_gitignore", True)) is True
    docs = table.get("docs-url", table.get("docs_url")) if isinstance(table, dict) else None
    return Config(settings, root, source, respect, docs.strip() if isinstance(docs, str) else None)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None


def settings_from_table(table: object, source: Path, prefix: str) -> Settings:
    where = f"[{prefix}] of {source}" if prefix else str(source)
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: `{prefix}` must be a table")
    values: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = raw_key.replace("_", "-")
        if key not in _KEYS:
            known = ", ".join(_KEYS)
            raise ConfigError(f"unknown key `{raw_key}` in {where} (known keys: {known})")
        if key in values:
            raise ConfigError(f"`{raw_key}` is given twice (kebab-case and snake_case) in {where}")
        values[key] = value
    settings = Settings()
    for key, value in values.items():
        _set(settings, key, value, f"`{key}` in {where}")
    return settings


def _set(settings: Settings, key: str, value: object, where: str) -> None:
    if key in ("select", "extend-select", "ignore"):
        setattr(settings, key.replace("-", "_"), _selectors(value, where))
    elif key in ("exclude", "extend-exclude"):
        setattr(settings, key.replace("-", "_"), _strings(value, where))
    elif key == "per-file-ignores":
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table of glob = [codes]")
        settings.per_file_ignores = {
            str(glob): _selectors(codes, f"{where}, glob `{glob}`") for glob, codes in value.items()
        }
    elif key == "online":
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        settings.online = value
    elif key == "hub-timeout":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ConfigError(f"{where}: expected a number of seconds above 0, got {value!r}")
        settings.hub_timeout = float(value)
    elif key == "severity":
        settings.severity = _severities(value, where)
    elif key == "target-version":
        settings.target_version = parse_target_version(value, where)
    elif key == "respect-gitignore" and not isinstance(value, bool):  # kept in Config, not here
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    elif key == "docs-url":  # kept in Config, not here
        parse_docs_url(value, where)


def _strings(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
    return list(value)


def _selectors(value: object, where: str) -> list[str]:
    codes = [code.upper() for code in _strings(value, where)]
    check_selectors(codes, where)
    return codes


def _severities(value: object, where: str) -> dict[str, Severity]:
    if not isinstance(value, dict):
        raise ConfigError(f'{where}: expected a table of code = "error" | "warning" | ...')
    levels = {s.value: s for s in Severity}
    result: dict[str, Severity] = {}
    for code, level in value.items():
        if not isinstance(code, str) or code.upper() == "ALL":
            raise ConfigError(f"{where}: `{code}` is not a rule code or prefix (e.g. HF1, HF204)")
        check_selectors([code.upper()], where)
        if not isinstance(level, str) or level.lower() not in levels:
            raise ConfigError(
                f"{where}: `{code}` = {level!r} is not one of {', '.join(map(repr, levels))}"
            )
        result[code.upper()] = levels[level.lower()]
    return result
