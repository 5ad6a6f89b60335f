"""Editor settings (`initializationOptions`, `workspace/configuration` section "hflint",
`workspace/didChangeConfiguration`) and how they merge over `[tool.hflint]`.

Editor settings win for what they set, with the command line's semantics: `select` starts the
selection afresh (the file's select and ignore go), `extendSelect` and `ignore` add to it.
Severity overrides merge per code; `online` replaces the file's value when given. A value of
the wrong kind is reported and skipped, never fatal: the server keeps checking with the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hflint.analyzers.findings import Severity
from hflint.analyzers.settings import Settings
from hflint.server.config import (
    Config,
    ConfigError,
    ConfigFinder,
    Overrides,
    parse_docs_url,
    parse_selectors,
    parse_target_version,
)

_LEVELS = {s.value: s for s in Severity} | {"information": Severity.INFO}
_KEYS = {
    "select",
    "extendSelect",
    "ignore",
    "severity",
    "online",
    "trustRemoteCode",
    "validation",
    "targetVersion",
    "docsUrl",
}


@dataclass(frozen=True)
class EditorSettings:
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)
    online: bool | None = None
    trust_remote_code: bool = False
    target_version: str | None = None  # None: the file's `target-version`, else detected
    # None: server/validation.py's own defaults (its interpreter is the server's)
    validation_timeout_s: float | None = None
    validation_memory_mb: int | None = None
    validation_interpreter: str | None = None
    docs_url: str | None = None  # None: the file's `docs-url`, else the installed rules page

    def apply(self, config: Config) -> Config:
        """`config` (from pyproject.toml) with these settings over it."""
        overrides = Overrides(
            select=self.select, extend_select=self.extend_select, ignore=self.ignore
        )
        merged = overrides.apply(config)
        settings: Settings = merged.settings
        severity = {**settings.severity, **self.severity}
        online = settings.online if self.online is None else self.online
        target = self.target_version or settings.target_version
        return replace(
            merged,
            settings=replace(settings, severity=severity, online=online, target_version=target),
            docs_url=self.docs_url or merged.docs_url,
        )


def unwrap(options: object) -> object:
    """The hflint settings inside initializationOptions or didChangeConfiguration's `settings`:
    `{"settings": {...}}` (as Ruff's clients send), `{"hflint": {...}}`, or the bare table."""
    if isinstance(options, dict):
        for key in ("settings", "hflint"):
            if isinstance(options.get(key), dict):
                return unwrap(options[key])
    return options


def pushed_settings(settings: object) -> object | None:
    """The hflint settings a didChangeConfiguration carries, or None when it carries none (the
    client then answers workspace/configuration instead)."""
    if not isinstance(settings, dict):
        return None
    if isinstance(settings.get("hflint"), dict) or isinstance(settings.get("settings"), dict):
        return unwrap(settings)
    return settings if _KEYS & settings.keys() else None


def parse_editor_settings(raw: object) -> tuple[EditorSettings, list[str]]:
    """The settings, and one message per value that was skipped."""
    if raw is None:
        return EditorSettings(), []
    if not isinstance(raw, dict):
        return EditorSettings(), [f"hflint settings must be an object, got {raw!r}"]
    problems: list[str] = []
    values: dict[str, Any] = {}
    for key, attr in (("select", "select"), ("extendSelect", "extend_select")):
        if key in raw and raw[key] is not None:
            values[attr] = _selectors(raw[key], key, problems)
    if raw.get("ignore") is not None:
        values["ignore"] = _selectors(raw["ignore"], "ignore", problems) or []
    if raw.get("severity") is not None:
        values["severity"] = _severities(raw["severity"], problems)
    for key, attr in (("online", "online"), ("trustRemoteCode", "trust_remote_code")):
        if raw.get(key) is not None:
            if isinstance(raw[key], bool):
                values[attr] = raw[key]
            else:
                problems.append(f"`{key}` must be true or false, got {raw[key]!r}")
    if raw.get("targetVersion") is not None:
        try:
            values["target_version"] = parse_target_version(raw["targetVersion"], "`targetVersion`")
        except ConfigError as error:
            problems.append(str(error))
    if raw.get("docsUrl") is not None:
        try:
            values["docs_url"] = parse_docs_url(raw["docsUrl"], "`docsUrl`")
        except ConfigError as error:
            problems.append(str(error))
    validation = raw.get("validation")
    if isinstance(validation, dict):
        values.update(_validation(validation, problems))
    elif validation is not None:
        problems.append(f"`validation` must be an object, got {validation!r}")
    if values.get("extend_select") is None:
        values.pop("extend_select", None)
    return EditorSettings(**values), problems


def _selectors(value: object, key: str, problems: list[str]) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"`{key}` must be a list of rule codes, got {value!r}")
        return None
    try:
        return parse_selectors(",".join(value), f"`{key}`")
    except ConfigError as error:
        problems.append(str(error))
        return None


def _severities(value: object, problems: list[str]) -> dict[str, Severity]:
    if not isinstance(value, dict):
        problems.append(f'`severity` must map codes to "error", "warning", ..., got {value!r}')
        return {}
    result: dict[str, Severity] = {}
    for code, level in value.items():
        codes = _selectors([code], "severity", problems)
        if not codes or not isinstance(level, str) or level.lower() not in _LEVELS:
            if codes:
                problems.append(f"`severity.{code}`: {level!r} is not one of {', '.join(_LEVELS)}")
            continue
        result[codes[0]] = _LEVELS[level.lower()]
    return result


def _validation(table: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    timeout = table.get("timeoutSeconds")
    if timeout is not None:
        if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > 0:
            values["validation_timeout_s"] = float(timeout)
        else:
            problems.append(f"`validation.timeoutSeconds` must be above 0, got {timeout!r}")
    memory = table.get("memoryMb")
    if memory is not None:
        if isinstance(memory, int) and not isinstance(memory, bool) and memory > 0:
            values["validation_memory_mb"] = memory
        else:
            problems.append(f"`validation.memoryMb` must be a whole number above 0, got {memory!r}")
    interpreter = table.get("interpreter")
    if interpreter is not None:
        if isinstance(interpreter, str) and interpreter.strip():
            values["validation_interpreter"] = interpreter.strip()
        else:
            problems.append(f"`validation.interpreter` must be a path, got {interpreter!r}")
    return values


class ConfigResolver:
    """Each file's configuration: nearest `[tool.hflint]`, with the editor settings over it.

    A broken pyproject.toml is reported once per message and the defaults are used for files
    under it, so editing the file never leaves the editor without diagnostics.
    """

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.editor = EditorSettings()
        self._finder = ConfigFinder(cwd)
        self._seen: set[str] = set()
        self.problems: list[str] = []  # not yet reported to the user

    def reload(self) -> None:
        """Forget what was read from pyproject.toml files (one of them changed)."""
        self._finder = ConfigFinder(self.cwd)
        self._seen.clear()

    def for_file(self, path: Path) -> Config:
        try:
            config = self._finder.for_file(path)
        except ConfigError as error:
            message = str(error)
            if message not in self._seen:
                self._seen.add(message)
                self.problems.append(message)
            config = Config(Settings(), path.parent)
        return self.editor.apply(config)
