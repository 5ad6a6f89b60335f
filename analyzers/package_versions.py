"""The version of a dependency other than transformers (datasets, ...) a project runs on.

Read the way target_version.py reads transformers': the project's pin first (lock files, then
declarations, walking up from the file), else the copy installed beside the project's
transformers (found by environment.py, nothing run). A range pin speaks for the lowest release
it allows; a pin without a lower bound leaves the question to the installed copy.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hflint.analyzers.target_version import project_pin, release_of


@dataclass(frozen=True)
class Release:
    version: str  # e.g. "3.0.0"
    source: str  # for messages: "pin `datasets>=3.0` in requirements.txt", "installed"

    def at_least(self, version: str) -> bool:
        mine, other = list(release_of(self.version)), list(release_of(version))
        width = max(len(mine), len(other))
        return mine + [0] * (width - len(mine)) >= other + [0] * (width - len(other))


def dependency_release(path: Path | None, package: str) -> Release | None:
    """The release of `package` the project at `path` runs on (its lowest, for a range);
    None when neither a pin nor an installed copy says."""
    pin = project_pin(path, package) if path is not None else None
    if pin is not None:
        if pin.locked:
            return Release(pin.spec[2:], f"locked in {pin.file}")
        lowest = _lowest(pin.spec)
        if lowest is not None:
            return Release(lowest, f"pin `{pin.shown}` in {pin.file}")
        if pin.spec:
            return None  # an upper bound only: the installed copy may not be what runs
    installed = installed_release(package)
    return Release(installed, "installed") if installed else None


def _lowest(spec: str) -> str | None:
    """The lowest version a specifier allows, when it has a lower bound."""
    lower: list[str] = []
    for part in spec.split(","):
        match = re.fullmatch(r"\s*(===?|>=|~=|>)\s*([0-9][\w.]*)\s*", part)
        if match and "*" not in match.group(2):
            lower.append(match.group(2))
    return max(lower, key=release_of) if lower else None


@cache
def installed_release(package: str) -> str:
    """The version of `package` installed beside the project's transformers ("" if none)."""
    from hflint.analyzers import environment

    found = environment.find()
    if found is None:
        return ""
    folder = found.package.parent
    prefix = package.replace("-", "_").lower() + "-"
    try:
        names = [e.name for e in os.scandir(folder) if e.name.lower().startswith(prefix)]
    except OSError:
        return ""
    for name in names:
        if name.endswith(".dist-info"):
            return name[len(prefix) : -len(".dist-info")]
    return ""
