"""The Python environment whose transformers the rules speak for, found without running it.

hflint is often installed apart from the code it checks (pipx, `uv tool`, an editor's copy):
its own interpreter then has no transformers, and the project's has the one that matters. The
project's environment is looked for in this order:

1. the interpreter the user configured (`--python`, the editor's interpreter): `HFLINT_PYTHON`;
2. hflint's own interpreter, when transformers is installed beside hflint;
3. the activated environment (`VIRTUAL_ENV`, `CONDA_PREFIX`);
4. a `.venv` or `venv` folder in the current folder or one of its parents;
5. `python3` / `python` on PATH.

Nothing here runs an interpreter: a `.venv/bin/python` in a cloned repository can be any
program. Site-packages are found from the layouts venv, conda and installers create, and a
`.pth` file is read for folder lines only (its `import` lines are code, and are never run).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "HFLINT_PYTHON"
_PACKAGE = "transformers"
_VENV_FOLDERS = (".venv", "venv")
_VERSIONED = re.compile(r"python(\d+\.\d+)t?(?:\.exe)?\Z")
# Sources found by looking in the user's folder rather than chosen by the user: their files are
# read, but their interpreter is never run (validation asks the user to configure it).
UNASKED = frozenset(f"the project's {name} folder" for name in _VENV_FOLDERS)


@dataclass(frozen=True)
class Found:
    """Where the project's transformers was found, for messages and the editor's status."""

    package: Path  # the `transformers` package folder
    interpreter: str  # the interpreter or environment it belongs to
    source: str  # how that interpreter was chosen: "the configured interpreter", ...


def set_interpreter(path: str | None) -> None:
    """Records the user's choice for this process and the processes it starts (the check
    process, validation); None forgets it."""
    if path:
        os.environ[ENV_VAR] = path
    else:
        os.environ.pop(ENV_VAR, None)


def configured_interpreter() -> str | None:
    value = os.environ.get(ENV_VAR, "").strip()
    return value or None


def find() -> Found | None:
    """The project's transformers (see the module docs); None when no environment has it.

    Not cached: callers cache what they derive, and clear it when the settings change."""
    for interpreter, source in _candidates():
        if interpreter is None:
            own = _own_package()
            if own is not None:
                return Found(own, sys.executable, source)
            continue
        for folder in site_packages(Path(interpreter)):
            package = _package_in(folder)
            if package is not None:
                return Found(package, interpreter, source)
    return None


def _candidates() -> Iterator[tuple[str | None, str]]:
    """(interpreter or environment folder, how it was chosen); None stands for hflint's own."""
    configured = configured_interpreter()
    if configured:
        yield os.path.expanduser(configured), "the configured interpreter"
    yield None, "hflint's own interpreter"
    for variable in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        prefix = os.environ.get(variable)
        if prefix:
            yield prefix, f"the activated environment (${variable})"
    folder = Path.cwd()
    for parent in (folder, *folder.parents):
        for name in _VENV_FOLDERS:
            if (parent / name / "pyvenv.cfg").is_file():
                yield str(parent / name), f"the project's {name} folder"
    for name in ("python3", "python"):
        found = shutil.which(name)
        if found:
            yield found, f"`{name}` on PATH"


def interpreter_of(where: str) -> str:
    """An interpreter path for `where`, which may name an environment's folder."""
    if not os.path.isdir(where):
        return where
    for name in ("bin/python", "bin/python3", "Scripts/python.exe"):
        candidate = os.path.join(where, name)
        if os.path.exists(candidate):
            return candidate
    return os.path.join(where, "bin", "python")


def _own_package() -> Path | None:
    spec = importlib.util.find_spec(_PACKAGE)  # finds, imports nothing
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def site_packages(where: Path) -> list[Path]:
    """The site-packages folders of an interpreter or an environment's folder, in the order
    Python searches them; only folders that exist."""
    prefix, version = _prefix_and_version(where)
    if prefix is None:
        return []
    config = _venv_config(prefix)
    version = version or config.get("version_info", config.get("version", ""))[:4].rstrip(".")
    folders = _layout(prefix, version)
    if config:
        if config.get("include-system-site-packages", "").lower() == "true" and config.get("home"):
            folders += site_packages(Path(config["home"]) / f"python{version or '3'}")
        return [f for f in folders if f.is_dir()]
    user = Path.home() / ".local" / "lib"
    return [f for f in [*_layout(user.parent, version), *folders] if f.is_dir()]


def _prefix_and_version(where: Path) -> tuple[Path | None, str]:
    """The installation prefix of an interpreter path (or of a prefix given directly)."""
    if where.is_dir():
        return where, ""
    match = _VERSIONED.search(where.name)
    version = match.group(1) if match else ""
    folder = where.parent
    if (folder.parent / "pyvenv.cfg").is_file():  # a venv's bin/python is a link: keep it
        return folder.parent, version
    try:
        real = where.resolve(strict=True)
    except (OSError, RuntimeError):
        return None, version
    match = _VERSIONED.search(real.name)
    version = version or (match.group(1) if match else "")
    folder = real.parent
    if (folder / "pyvenv.cfg").is_file():  # Windows venvs keep python.exe beside the config
        return folder, version
    if folder.name.lower() in {"bin", "scripts"}:
        return folder.parent, version
    return folder, version  # Windows installs keep python.exe in the prefix


def _venv_config(prefix: Path) -> dict[str, str]:
    try:
        text = (prefix / "pyvenv.cfg").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    pairs = (line.partition("=") for line in text.splitlines() if "=" in line)
    return {key.strip().lower(): value.strip() for key, _, value in pairs}


def _layout(prefix: Path, version: str) -> list[Path]:
    """Where installers put packages under `prefix` for Python `version` (any 3.x if "")."""
    folders: list[Path] = []
    for lib in ("lib", "lib64"):
        base = prefix / lib
        names = [f"python{version}"] if version else _versions_in(base)
        for name in names:
            folders += [base / name / "site-packages", base / name / "dist-packages"]
        folders.append(base / "python3" / "dist-packages")  # Debian's system packages
    folders.append(prefix / "local" / "lib" / f"python{version}" / "dist-packages")
    folders.append(prefix / "Lib" / "site-packages")  # Windows
    return folders


def _versions_in(base: Path) -> list[str]:
    try:
        names = [e.name for e in os.scandir(base) if e.is_dir() and e.name.startswith("python3.")]
    except OSError:
        return []
    return sorted(names, key=lambda n: tuple(int(p) for p in re.findall(r"\d+", n)), reverse=True)


def _package_in(folder: Path) -> Path | None:
    direct = folder / _PACKAGE
    if (direct / "__init__.py").is_file():
        return direct
    for extra in _pth_folders(folder):  # an editable install of a transformers checkout
        candidate = extra / _PACKAGE
        if (candidate / "__init__.py").is_file():
            return candidate
    return None


def _pth_folders(folder: Path) -> Iterator[Path]:
    try:
        entries = [e.path for e in os.scandir(folder) if e.name.endswith(".pth")]
    except OSError:
        return
    for path in sorted(entries):
        try:
            lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            line = line.strip()
            if line and not line.startswith(("#", "import ", "import\t")):
                yield (folder / line) if not os.path.isabs(line) else Path(line)
