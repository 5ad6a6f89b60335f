"""The transformers version a project's code runs on, which removal and rename rules speak for.

Chosen, first match wins:

1. the `target-version` setting (`[tool.hflint]`, editor settings, `--target-version`);
2. a pin in the project, read walking up from the file to the repository root (the folder
   holding `.git`; without one, the nearest folder with a pyproject.toml): a lock file's
   exact version (uv.lock, poetry.lock, pdm.lock, Pipfile.lock) first, else the nearest
   declaration (pyproject.toml `[project]` dependencies and optional-dependencies,
   `[dependency-groups]`, `[tool.poetry.*dependencies]`, requirements*.txt with their `-r` /
   `-c` includes, setup.cfg `install_requires` / `extras_require`); an exact `==` pin beats a
   range, and for a range the installed version when it satisfies the range, else the lowest
   version the range allows (the newest known release when it has no lower bound);
3. the installed transformers.

The language server asks on every keystroke: the answer is cached per folder and stays valid
while the walked folders and the files read keep their modification times (a few `stat`s).
"""

from __future__ import annotations

import configparser
import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hflint.analyzers.settings import Settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class Target:
    version: str  # e.g. "5.23.0"; "" when transformers is not installed and nothing is pinned
    source: str  # where the version came from, e.g. "installed", "pin in requirements.txt"
    # the release whose facts answer for it when not the same (nearest bundled snapshot)
    facts: str = ""

    @property
    def release(self) -> tuple[int, ...]:
        return release_of(self.version)

    @property
    def major(self) -> int | None:
        return self.release[0] if self.release else None

    def at_least(self, version: str) -> bool:
        return self.release >= Target(version, "").release

    @property
    def exact_facts(self) -> bool:
        """Whether the facts are of this release (or of its major.minor). Facts of an older
        release cannot tell whether a name added since exists: rules must not say it does not."""
        return not self.facts or release_of(self.facts)[:2] == self.release[:2]

    def phrase(self) -> str:
        """How messages name it: "transformers 5.23.0 (installed)", or with the release the
        facts come from: "transformers 4.44.2 (pin ... in requirements.txt; facts from 4.40.2)"."""
        if self.facts and self.facts != self.version:
            return f"transformers {self.version} ({self.source}; facts from {self.facts})"
        return f"transformers {self.version} ({self.source})"


def release_of(version: str) -> tuple[int, ...]:
    """(4, 44, 2) for "4.44.2", (5, 0) for "5.0rc1": the leading numeric components."""
    parts: list[int] = []
    for piece in version.split("."):
        digits = re.match(r"\d*", piece)
        text = digits.group(0) if digits else ""
        if not text:
            break
        parts.append(int(text))
        if len(text) != len(piece):
            break
    return tuple(parts)


VERSION_SETTING = re.compile(r"^\d+(?:\.\d+){0,2}(?:(?:a|b|rc|\.dev|\.post)\d+)?$")
SETTING_SOURCE = "`target-version` setting"


def find_target(path: Path | None, settings: Settings, installed: str | None = None) -> Target:
    """The version rules speak for when checking the file at `path` (see the module docs).

    `installed` is the installed transformers' version when the caller knows it (the rule
    context passes its knowledge's); by default it is read from the package.
    """
    from hflint.analyzers import snapshots

    have = installed_version() if installed is None else installed
    if settings.target_version:
        version = settings.target_version.strip()
        target = Target(version, SETTING_SOURCE)
    else:
        found = project_pin(path) if path is not None else None
        target = _resolve(found, have) if found is not None else Target(have, "installed")
    if not target.version:
        return Target("", "transformers is not installed")
    return Target(target.version, target.source, snapshots.facts_version(target.version, have))


@cache
def installed_version() -> str:
    """The installed transformers' `__version__`, read from its source (nothing imported)."""
    from hflint.analyzers import knowledge_extract

    pkg = knowledge_extract.find_transformers()
    return knowledge_extract.read_version(pkg) if pkg is not None else ""


# ---------------------------------------------------------------- what the project says


@dataclass(frozen=True)
class Pin:
    """`transformers` as one project file states it."""

    spec: str  # PEP 440 specifier ("==4.44.2", ">=4.40,<5"); "" when any version goes
    shown: str  # as written, for messages: "transformers>=4.40,<5"
    file: str  # relative to the project root: "requirements.txt"
    locked: bool = False  # from a lock file: `spec` is "==<version>"


@dataclass
class _Scan:
    stamps: tuple[tuple[str, int, int], ...]  # (path, mtime_ns, size) of folders and files read
    pin: Pin | None


_SCANS: dict[tuple[str, str], _Scan] = {}
_LOCKS = ("uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock")
_PACKAGE = "transformers"


def clear_cache() -> None:
    """Forget every answer (tests; a language server never needs to: answers are validated)."""
    from hflint.analyzers import snapshots

    _SCANS.clear()
    _resolve.cache_clear()
    installed_version.cache_clear()
    snapshots.clear_cache()


def project_pin(path: Path, package: str = _PACKAGE) -> Pin | None:
    """The project's pin of `package` (transformers unless told) for the file at `path`,
    cached while every folder walked and every file read keeps its modification time and size."""
    key = (os.path.dirname(os.path.abspath(path)), package)
    scan = _SCANS.get(key)
    if scan is not None and _still_valid(scan.stamps):
        return scan.pin
    read: list[str] = []
    folders = _walk(Path(key[0]), read)
    pin = _find_pin(folders, folders[-1], read, package)
    _SCANS[key] = _Scan(tuple(_stamp(p) for p in dict.fromkeys(read)), pin)
    return pin


def _stamp(path: str) -> tuple[str, int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return (path, -1, -1)
    return (path, st.st_mtime_ns, st.st_size)


def _still_valid(stamps: tuple[tuple[str, int, int], ...]) -> bool:
    return all(_stamp(path) == (path, mtime, size) for path, mtime, size in stamps)


def _walk(start: Path, read: list[str]) -> list[Path]:
    """The folders from `start` up to the repository root (`.git`); without a repository,
    up to the nearest folder with a pyproject.toml, else `start` alone."""
    chain: list[Path] = []
    for folder in (start, *start.parents):
        chain.append(folder)
        read.append(str(folder))
        if (folder / ".git").exists():
            return chain
    for i, folder in enumerate(chain):
        if (folder / "pyproject.toml").is_file():
            return chain[: i + 1]
    return chain[:1]


def _find_pin(
    folders: list[Path], root: Path, read: list[str], package: str = _PACKAGE
) -> Pin | None:
    """A lock file's version (nearest folder first) beats any declaration; of the nearest
    folder's declarations an exact pin beats a range."""
    files = {folder: _names(folder) for folder in folders}
    for folder in folders:
        for lock in _LOCKS:
            if lock in files[folder]:
                path = folder / lock
                read.append(str(path))
                version = _locked_version(path, package)
                if version:
                    return Pin(f"=={version}", f"{package}=={version}", _rel(path, root), True)
    for folder in folders:
        pins = list(_declared(folder, files[folder], root, read, package))
        if pins:
            return next((p for p in pins if _exact(p.spec)), pins[0])
    return None


def _names(folder: Path) -> set[str]:
    try:
        with os.scandir(folder) as entries:
            return {e.name for e in entries}
    except OSError:
        return set()


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _exact(spec: str) -> str | None:
    match = re.fullmatch(r"===?\s*([0-9][\w.+!-]*)", spec.strip())
    return match.group(1) if match and "*" not in match.group(1) else None


# ---- lock files


def _locked_version(path: Path, package: str = _PACKAGE) -> str | None:
    """The version of `package` a lock file installs (for transformers the installed one when
    a lock holds several, e.g. per Python version; else the lowest)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if path.name == "Pipfile.lock":
        try:
            data = json.loads(text)
        except ValueError:
            return None
        versions = []
        for section in ("default", "develop"):
            entry = data.get(section, {}).get(package) if isinstance(data, dict) else None
            if isinstance(entry, dict) and isinstance(entry.get("version"), str):
                versions.append(entry["version"].lstrip("="))
    else:  # uv.lock, poetry.lock, pdm.lock: [[package]] tables, name then version
        versions = re.findall(
            r'^\[\[package\]\]\s*\nname\s*=\s*"'
            + re.escape(package)
            + r'"\s*\nversion\s*=\s*"([^"]+)"',
            text,
            re.M | re.I,
        )
    if not versions:
        return None
    have = installed_version() if package == _PACKAGE else ""
    return have if have in versions else min(versions, key=release_of)


# ---- declarations


def _declared(
    folder: Path, names: set[str], root: Path, read: list[str], package: str = _PACKAGE
) -> Iterator[Pin]:
    if "pyproject.toml" in names:
        path = folder / "pyproject.toml"
        read.append(str(path))
        yield from _from_pyproject(path, root, package)
    requirement_files = sorted(
        (n for n in names if n.startswith("requirements") and n.endswith((".txt", ".in"))),
        key=lambda n: (n != "requirements.txt", n.endswith(".in"), n),
    )
    for name in requirement_files:
        yield from _from_requirements(folder / name, root, read, set(), package)
    if "setup.cfg" in names:
        path = folder / "setup.cfg"
        read.append(str(path))
        yield from _from_setup_cfg(path, root, package)


def _pin(line: str, file: str, package: str = _PACKAGE) -> Pin | None:
    """A PEP 508 line naming `package`: `transformers[torch]>=4.40,<5; python_version>...`."""
    text = line.split("#", 1)[0].strip()
    match = re.match(r"(?i)" + re.escape(package) + r"(?![\w.-])\s*(\[[^\]]*\])?\s*(.*)", text)
    if match is None:
        return None
    rest, _, marker = match.group(2).partition(";")
    rest = rest.strip().strip("()").strip()
    if rest.startswith("@"):
        return None  # a URL or a VCS checkout: no version to read
    if marker.strip() and not _marker_holds(marker.strip()):
        return None
    spec = re.sub(r"\s+", "", rest)
    return Pin(spec, f"{package}{spec}", file)


def _marker_holds(marker: str) -> bool:
    try:
        from packaging.markers import Marker
    except ImportError:  # pragma: no cover - packaging ships with transformers
        return True
    try:
        return bool(Marker(marker).evaluate())
    except Exception:
        return True


def _from_pyproject(path: Path, root: Path, package: str = _PACKAGE) -> Iterator[Pin]:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return
    file = _rel(path, root)
    project = data.get("project")
    lines: list[object] = []
    if isinstance(project, dict):
        lines += _strings(project.get("dependencies"))
        optional = project.get("optional-dependencies")
        if isinstance(optional, dict):
            for group in optional.values():
                lines += _strings(group)
    groups = data.get("dependency-groups")
    if isinstance(groups, dict):
        for group in groups.values():
            lines += _strings(group)
    for line in lines:
        pin = _pin(str(line), file, package) if isinstance(line, str) else None
        if pin is not None:
            yield pin
    poetry = data.get("tool", {}).get("poetry") if isinstance(data.get("tool"), dict) else None
    if isinstance(poetry, dict):
        tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
        group_tables = poetry.get("group")
        if isinstance(group_tables, dict):
            tables += [g.get("dependencies") for g in group_tables.values() if isinstance(g, dict)]
        for table in tables:
            if isinstance(table, dict) and package in {k.lower() for k in table}:
                value = next(v for k, v in table.items() if k.lower() == package)
                pin = _poetry_pin(value, file, package)
                if pin is not None:
                    yield pin


def _strings(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _poetry_pin(value: Any, file: str, package: str = _PACKAGE) -> Pin | None:
    """Poetry's constraint syntax (`^4.40`, `~4.40.1`, `4.44.*`, `>=4.40,<5`) in PEP 440."""
    if isinstance(value, list):  # multiple constraints (per Python version): the first
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("version")
    if not isinstance(value, str):
        return None
    spec = ",".join(_poetry_part(p.strip()) for p in value.split(",") if p.strip())
    return Pin(spec, f'{package} = "{value}"', file)


def _poetry_part(part: str) -> str:
    if part in ("*", ""):
        return ""
    if part.startswith("^"):
        base = release_of(part[1:])
        if not base:
            return ""
        index = next((i for i, n in enumerate(base) if n), len(base) - 1)
        upper = [*base[:index], base[index] + 1]
        return f">={part[1:]},<{'.'.join(map(str, upper))}"
    if part.startswith("~") and not part.startswith("~="):
        base = release_of(part[1:])
        if not base:
            return ""
        upper = [base[0] + 1] if len(base) == 1 else [base[0], base[1] + 1]
        return f">={part[1:]},<{'.'.join(map(str, upper))}"
    if re.match(r"^[0-9]", part):
        return f"=={part}"
    return part.replace(" ", "")


def _from_requirements(
    path: Path, root: Path, read: list[str], seen: set[Path], package: str = _PACKAGE
) -> Iterator[Pin]:
    """A requirements file and the files its `-r` / `-c` lines include."""
    if path in seen or len(seen) > 20:
        return
    seen.add(path)
    read.append(str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return
    file = _rel(path, root)
    for raw in text.replace("\\\n", " ").splitlines():
        line = raw.strip()
        include = re.match(r"(?:-r|-c|--requirement|--constraint)[\s=]+(\S+)", line)
        if include:
            yield from _from_requirements(path.parent / include.group(1), root, read, seen, package)
            continue
        pin = _pin(line, file, package) if line and not line.startswith("-") else None
        if pin is not None:
            yield pin


def _from_setup_cfg(path: Path, root: Path, package: str = _PACKAGE) -> Iterator[Pin]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return
    file = _rel(path, root)
    values: list[str] = []
    if parser.has_option("options", "install_requires"):
        values.append(parser.get("options", "install_requires"))
    if parser.has_section("options.extras_require"):
        values += [v for _, v in parser.items("options.extras_require")]
    for value in values:
        for line in value.splitlines():
            pin = _pin(line, file, package)
            if pin is not None:
                yield pin


# ---------------------------------------------------------------- from a pin to a version


@cache
def _resolve(pin: Pin, installed: str) -> Target:
    """The version a pin stands for (see the module docs), with its provenance."""
    if pin.locked:
        return Target(pin.spec[2:], f"locked in {pin.file}")
    exact = _exact(pin.spec)
    if exact:
        return Target(exact, f"pin `{pin.shown}` in {pin.file}")
    where = f"`{pin.shown}` in {pin.file}"
    if not pin.spec:
        return Target(installed, f"installed; {where} allows any version")
    try:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet
        from packaging.version import InvalidVersion, Version
    except ImportError:  # pragma: no cover - packaging ships with transformers
        return Target(installed, f"installed; {where} not read")
    try:
        allowed = SpecifierSet(pin.spec)
    except InvalidSpecifier:
        return Target(installed, f"installed; {where} not understood")

    def allows(version: str) -> bool:
        try:
            return Version(version) in allowed
        except InvalidVersion:
            return False

    if installed and allows(installed):
        return Target(installed, f"installed, allowed by {where}")
    lower = []
    for spec in allowed:
        if spec.operator in (">=", "~=", "==", "==="):
            version = spec.version.removesuffix(".*")
            if allows(version) or spec.version.endswith(".*"):
                lower.append(version)
    if lower:
        return Target(min(lower, key=release_of), f"lowest allowed by {where}")
    from hflint.analyzers import snapshots

    known = [v for v in (*snapshots.bundled_versions(), installed) if v and allows(v)]
    if known:
        newest = max(known, key=release_of)
        return Target(newest, f"newest known release allowed by {where}")
    return Target(installed, f"installed; no known release satisfies {where}")
