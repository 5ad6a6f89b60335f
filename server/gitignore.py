"""`.gitignore`, `.ignore` and `.git/info/exclude`, read as Ruff reads them (its `ignore` crate).

Each folder's files apply to what is below it, patterns relative to that folder. In one file the
last matching line wins, so `!pattern` re-includes what an earlier line ignored; a nearer folder's
file wins over a farther one. `.ignore` files win over `.gitignore` files, which win over the
repository's `.git/info/exclude`. `.gitignore` files count only inside a git repository (a
folder with `.git` at or above), and only up to its root; `.ignore` files count anywhere. The
folders above a walked folder count too (`hflint check src` uses the repository's root
`.gitignore`). An ignored folder is not entered, so nothing below it can be re-included, as in git.

Line syntax is git's: blank lines and `#` comments are skipped, `\\#` and `\\!` start a pattern
with `#` or `!`, trailing spaces are dropped unless escaped, a trailing `/` matches folders only, a
`/` at the start or in the middle anchors the pattern to the file's folder (otherwise it matches
a name at any depth), and wildcards are those of `hflint.server.globs`. The user's global git
excludes file (`core.excludesFile`) is not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from hflint.server.globs import compile_glob

_TRAILING_SPACES = re.compile(r"(?<!\\)((?:\\\\)*) +$")


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    negated: bool
    folders_only: bool
    anchored: bool  # matched against the path below the file's folder, else against the name


def parse_line(line: str) -> _Pattern | None:
    """One line of an ignore file, or None for a blank line, a comment or a bad pattern."""
    line = line.rstrip("\r\n")
    line = _TRAILING_SPACES.sub(r"\1", line)
    if not line or line.startswith("#"):
        return None
    negated = line.startswith("!")
    if negated:
        line = line[1:]
    folders_only = line.endswith("/") and not line.endswith("\\/")
    line = line.rstrip("/") if folders_only else line
    anchored = "/" in line
    line = line.lstrip("/")
    if not line:
        return None
    regex = compile_glob(line)
    return None if regex is None else _Pattern(regex, negated, folders_only, anchored)


@dataclass(frozen=True)
class IgnoreFile:
    folder: Path  # patterns are relative to this folder
    patterns: tuple[_Pattern, ...]

    def match(self, path: Path, is_dir: bool) -> bool | None:
        """True: ignored; False: re-included by a `!` line; None: no line speaks of `path`."""
        try:
            relative = path.relative_to(self.folder).as_posix()
        except ValueError:
            return None
        if relative == ".":
            return None
        name = path.name
        for pattern in reversed(self.patterns):
            if pattern.folders_only and not is_dir:
                continue
            if pattern.regex.fullmatch(relative if pattern.anchored else name):
                return not pattern.negated
        return None


def read_ignore_file(path: Path, folder: Path) -> IgnoreFile | None:
    """The ignore file at `path` with patterns relative to `folder`; None if absent or empty."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    patterns = tuple(p for p in map(parse_line, text.splitlines()) if p is not None)
    return IgnoreFile(folder, patterns) if patterns else None


def _git_dir(folder: Path) -> Path | None:
    """The folder holding `info/exclude` for a repository rooted at `folder` (worktrees too)."""
    dot_git = folder / ".git"
    if dot_git.is_dir():
        return dot_git
    try:
        text = dot_git.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not text.startswith("gitdir:"):
        return None
    git_dir = folder / text[len("gitdir:") :].strip()
    try:
        common = (git_dir / "commondir").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return git_dir
    return git_dir / common


@dataclass(frozen=True)
class IgnoreRules:
    """The ignore files that apply in one folder: its own, then its parent folder's rules."""

    folder: Path
    parent: IgnoreRules | None
    dot_ignore: IgnoreFile | None
    gitignore: IgnoreFile | None
    git_exclude: IgnoreFile | None
    is_repo_root: bool  # the folder holds `.git`
    in_repo: bool  # this folder or one above holds `.git`

    @classmethod
    def load(cls, folder: Path, parent: IgnoreRules | None) -> IgnoreRules:
        is_repo_root = (folder / ".git").exists()
        git_dir = _git_dir(folder) if is_repo_root else None
        return cls(
            folder,
            parent,
            read_ignore_file(folder / ".ignore", folder),
            read_ignore_file(folder / ".gitignore", folder),
            read_ignore_file(git_dir / "info" / "exclude", folder) if git_dir else None,
            is_repo_root,
            is_repo_root or (parent is not None and parent.in_repo),
        )

    def is_ignored(self, path: Path, is_dir: bool) -> bool:
        """Whether `path`, in this rules' folder or below it, is ignored (its folders unchecked)."""
        by_ignore = by_git = by_exclude = None
        past_repo_root = False
        rules: IgnoreRules | None = self
        while rules is not None:
            if by_ignore is None and rules.dot_ignore is not None:
                by_ignore = rules.dot_ignore.match(path, is_dir)
            if self.in_repo and not past_repo_root:
                if by_git is None and rules.gitignore is not None:
                    by_git = rules.gitignore.match(path, is_dir)
                if by_exclude is None and rules.git_exclude is not None:
                    by_exclude = rules.git_exclude.match(path, is_dir)
            past_repo_root = past_repo_root or rules.is_repo_root
            rules = rules.parent
        for verdict in (by_ignore, by_git, by_exclude):
            if verdict is not None:
                return verdict
        return False


class IgnoreTree:
    """The rules of each folder, read once: a folder's rules extend its parent folder's."""

    def __init__(self) -> None:
        self._rules: dict[Path, IgnoreRules] = {}

    def rules(self, folder: Path) -> IgnoreRules:
        """The rules in `folder` (absolute, normalised), reading the folders above it as needed."""
        known = self._rules.get(folder)
        if known is not None:
            return known
        missing: list[Path] = []
        parent: IgnoreRules | None = None
        for above in folder.parents:
            parent = self._rules.get(above)
            if parent is not None:
                break
            missing.append(above)
        for each in reversed(missing):
            parent = self._rules[each] = IgnoreRules.load(each, parent)
        rules = self._rules[folder] = IgnoreRules.load(folder, parent)
        return rules

    def is_ignored(self, path: Path, is_dir: bool) -> bool:
        """Whether `path` itself is ignored by the rules of its folder (its folders unchecked)."""
        return self.rules(path.parent).is_ignored(path, is_dir)
