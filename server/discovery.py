"""Which files `hflint check PATHS` looks at.

Folders are walked recursively for `.py` and `.ipynb` files, skipping the folders Ruff skips by
default (virtualenvs, caches, build output, VCS metadata) and the `exclude` / `extend-exclude`
globs, matched against the path relative to the project root and against the bare name. Both
keys add to the defaults (unlike Ruff's `exclude`, which replaces them): a project that lists
its own folders should not start checking its virtualenv. A file named on the command line is
checked even when excluded, unless `--force-exclude` is given (what pre-commit needs, since it
passes every staged file by name). The order is sorted, so output and exit codes never depend
on the file system's listing order.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from hflint.server.config import Config, ConfigFinder

SUFFIXES = (".py", ".ipynb")
DEFAULT_EXCLUDES = frozenset(
    {
        ".bzr",
        ".direnv",
        ".eggs",
        ".git",
        ".git-rewrite",
        ".hg",
        ".hflint_cache",
        ".ipynb_checkpoints",
        ".mypy_cache",
        ".nox",
        ".pants.d",
        ".pyenv",
        ".pytest_cache",
        ".pytype",
        ".ruff_cache",
        ".svn",
        ".tox",
        ".venv",
        ".vscode",
        "__pycache__",
        "__pypackages__",
        "_build",
        "buck-out",
        "build",
        "dist",
        "node_modules",
        "site-packages",
        "venv",
    }
)


@dataclass(frozen=True)
class SourcePath:
    path: Path  # absolute
    config: Config


@dataclass
class Discovery:
    files: list[SourcePath] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # command-line paths that do not exist


def discover(
    paths: Sequence[str], finder: ConfigFinder, cwd: Path, force_exclude: bool = False
) -> Discovery:
    found: dict[Path, SourcePath] = {}
    result = Discovery()
    for raw in paths:
        path = Path(raw)
        path = path if path.is_absolute() else cwd / path
        path = Path(os.path.normpath(path))
        if not path.exists():
            result.missing.append(raw)
            continue
        if path.is_dir():
            config = finder.for_directory(path)
            if force_exclude and is_excluded(path, config):
                continue
            for file in _walk(path, finder):
                found.setdefault(file.path, file)
        else:
            config = finder.for_file(path)
            if force_exclude and is_excluded(path, config):
                continue
            found.setdefault(path, SourcePath(path, config))
    result.files = [found[p] for p in sorted(found, key=str)]
    return result


def _walk(folder: Path, finder: ConfigFinder) -> Iterable[SourcePath]:
    config = finder.for_directory(folder)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            is_file = entry.is_file()
        except OSError:
            continue
        if is_dir:
            if not _excluded_name(path, config):
                yield from _walk(path, finder)
        elif is_file and path.suffix in SUFFIXES and not _excluded_name(path, config):
            yield SourcePath(path, config)


def is_excluded(path: Path, config: Config) -> bool:
    """Whether `path` or one of its folders (below the project root) is excluded."""
    try:
        parts = path.relative_to(config.root).parts
    except ValueError:
        return _excluded_name(path, config)
    return any(_matches(parts[i], "/".join(parts[: i + 1]), config) for i in range(len(parts)))


def _excluded_name(path: Path, config: Config) -> bool:
    try:
        relative = PurePosixPath(path.relative_to(config.root)).as_posix()
    except ValueError:
        relative = path.as_posix()
    return _matches(path.name, relative, config)


def _matches(name: str, relative: str, config: Config) -> bool:
    if name in DEFAULT_EXCLUDES:
        return True
    settings = config.settings
    for pattern in (*settings.exclude, *settings.extend_exclude):
        pattern = pattern.rstrip("/")
        if pattern.startswith("./"):
            pattern = pattern[2:]
        if fnmatchcase(name, pattern) or fnmatchcase(relative, pattern):
            return True
    return False
