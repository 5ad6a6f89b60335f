"""Which files `hflint check PATHS` looks at.

Folders are walked recursively for `.py` and `.ipynb` files, skipping the folders Ruff skips by
default (virtualenvs, caches, build output, VCS metadata), what `.gitignore`, `.ignore` and
`.git/info/exclude` files ignore (see `hflint.server.gitignore`; off with `respect-gitignore =
false` or `--no-respect-gitignore`), and the `exclude` / `extend-exclude` globs. Those globs
match path segments (see `hflint.server.globs`): a glob without `/` (`build`, `gen_*.py`) matches
a file or folder of that name at any depth; one with `/` (`notebooks/*.ipynb`, `legacy/**`)
matches the path relative to the project root, `./` allowed in front; an absolute glob matches the
absolute path. Both keys add to the defaults (unlike Ruff's `exclude`, which replaces them): a
project that lists its own folders should not start checking its virtualenv.

A file or folder named on the command line is checked even when excluded or ignored (the files
below a named folder are still filtered), unless `--force-exclude` is given (what pre-commit
needs, since it passes every staged file by name): then a named path is skipped when it or one
of its folders below the project root is excluded or ignored. The order is sorted, so output and
exit codes never depend on the file system's listing order.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hflint.server.config import Config, ConfigFinder
from hflint.server.gitignore import IgnoreTree
from hflint.server.globs import glob_match

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
    paths: Sequence[str],
    finder: ConfigFinder,
    cwd: Path,
    force_exclude: bool = False,
    respect_gitignore: bool | None = None,
) -> Discovery:
    """The files to check; `respect_gitignore` None: each path's configuration decides."""
    found: dict[Path, SourcePath] = {}
    result = Discovery()
    ignores = IgnoreTree()
    for raw in paths:
        path = Path(raw)
        path = path if path.is_absolute() else cwd / path
        path = Path(os.path.normpath(path))
        if not path.exists():
            result.missing.append(raw)
            continue
        is_dir = path.is_dir()
        config = finder.for_directory(path) if is_dir else finder.for_file(path)
        respect = config.respect_gitignore if respect_gitignore is None else respect_gitignore
        tree = ignores if respect else None
        if force_exclude and (is_excluded(path, config) or is_ignored(path, config, tree)):
            continue
        if is_dir:
            for file in _walk(path, finder, tree):
                found.setdefault(file.path, file)
        else:
            found.setdefault(path, SourcePath(path, config))
    result.files = [found[p] for p in sorted(found, key=str)]
    return result


def _walk(folder: Path, finder: ConfigFinder, ignores: IgnoreTree | None) -> Iterable[SourcePath]:
    config = finder.for_directory(folder)
    rules = ignores.rules(folder) if ignores is not None else None
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
        if not is_dir and not (is_file and path.suffix in SUFFIXES):
            continue
        if _excluded_name(path, config) or (rules is not None and rules.is_ignored(path, is_dir)):
            continue
        if is_dir:
            yield from _walk(path, finder, ignores)
        else:
            yield SourcePath(path, config)


def _below_root(path: Path, config: Config) -> list[Path]:
    """`path` and its folders below the project root (only `path` when outside the root)."""
    try:
        depth = len(path.relative_to(config.root).parts)
    except ValueError:
        return [path]
    return [path, *list(path.parents)[: depth - 1]] if depth else []


def is_excluded(path: Path, config: Config) -> bool:
    """Whether `path` or one of its folders (below the project root) is excluded."""
    return any(_excluded_name(each, config) for each in _below_root(path, config))


def is_ignored(path: Path, config: Config, ignores: IgnoreTree | None) -> bool:
    """Whether `path` or one of its folders (below the project root) is git-ignored."""
    if ignores is None:
        return False
    return any(
        ignores.is_ignored(each, each != path or path.is_dir())
        for each in _below_root(path, config)
    )


def _excluded_name(path: Path, config: Config) -> bool:
    """Whether `path` is excluded by name or by glob, its folders unchecked."""
    if path.name in DEFAULT_EXCLUDES:
        return True
    try:
        relative: str | None = path.relative_to(config.root).as_posix()
    except ValueError:
        relative = None
    settings = config.settings
    return any(
        _glob_excludes(pattern, path, relative)
        for pattern in (*settings.exclude, *settings.extend_exclude)
    )


def _glob_excludes(pattern: str, path: Path, relative: str | None) -> bool:
    pattern = pattern.rstrip("/")
    while pattern.startswith("./"):
        pattern = pattern[2:]
    if not pattern:
        return False
    if Path(pattern).is_absolute():
        return glob_match(pattern, path.as_posix())
    if "/" not in pattern:
        return glob_match(pattern, path.name)
    return relative is not None and glob_match(pattern, relative)
