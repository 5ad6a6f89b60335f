"""Which files `hflint check` walks: `.gitignore` / `.ignore` files, exclude globs, named paths.

Every test builds a real folder tree; a folder counts as a git repository when it holds `.git`
(as for git and Ruff), so most trees make one. The last test compares the walk with git itself.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cli_harness import run_cli

from hflint.server.config import ConfigError, ConfigFinder, load_config
from hflint.server.discovery import discover
from hflint.server.globs import glob_match


def make(root: Path, files: dict[str, str] | list[str]) -> Path:
    items = files.items() if isinstance(files, dict) else ((name, "") for name in files)
    for name, text in items:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def repo(root: Path, files: dict[str, str] | list[str]) -> Path:
    (root / ".git" / "info").mkdir(parents=True, exist_ok=True)
    return make(root, files)


def walk(
    root: Path,
    paths: list[str] | None = None,
    force_exclude: bool = False,
    respect_gitignore: bool | None = None,
) -> list[str]:
    found = discover(paths or ["."], ConfigFinder(root), root, force_exclude, respect_gitignore)
    assert found.missing == []
    return [f.path.relative_to(root).as_posix() for f in found.files]


def config(root: Path, toml: str) -> None:
    make(root, {"pyproject.toml": f"[tool.hflint]\n{toml}\n"})


# ---- exclude globs ---------------------------------------------------------------------------
def test_star_in_an_exclude_glob_stays_in_one_folder(tmp_path: Path) -> None:
    config(tmp_path, 'extend-exclude = ["notebooks/*.ipynb"]')
    make(tmp_path, ["notebooks/a.ipynb", "notebooks/sub/b.ipynb", "notebooks/c.py"])
    make(tmp_path, ["other/notebooks/d.ipynb", "e.ipynb"])
    assert walk(tmp_path) == [
        "e.ipynb",
        "notebooks/c.py",
        "notebooks/sub/b.ipynb",  # `*` does not cross `/`
        "other/notebooks/d.ipynb",  # a glob with `/` is relative to the project root
    ]


def test_double_star_crosses_folders(tmp_path: Path) -> None:
    config(tmp_path, 'exclude = ["legacy/**/*.py", "**/gen/*.py"]')
    make(tmp_path, ["legacy/a.py", "legacy/x/y/b.py", "legacy/n.ipynb", "legacy_x/c.py"])
    make(tmp_path, ["gen/d.py", "pkg/deep/gen/e.py", "pkg/gen/sub/f.py", "pkg/general/g.py"])
    assert walk(tmp_path) == [
        "legacy/n.ipynb",
        "legacy_x/c.py",
        "pkg/gen/sub/f.py",
        "pkg/general/g.py",
    ]


def test_a_bare_name_matches_a_file_or_folder_at_any_depth(tmp_path: Path) -> None:
    config(tmp_path, 'extend-exclude = ["generated", "gen_*.py", "conftest.py"]')
    make(tmp_path, ["generated/a.py", "pkg/generated/b.py", "pkg/deep/conftest.py"])
    make(tmp_path, ["pkg/gen_x.py", "gen_y.py", "pkg/generated_x/c.py", "pkg/regenerated/d.py"])
    make(tmp_path, ["pkg/gen_z/e.py", "pkg/my_conftest.py"])
    assert walk(tmp_path) == [
        "pkg/gen_z/e.py",  # a folder `gen_z` does not match `gen_*.py`
        "pkg/generated_x/c.py",
        "pkg/my_conftest.py",
        "pkg/regenerated/d.py",
    ]


def test_dot_slash_trailing_slash_and_absolute_globs(tmp_path: Path) -> None:
    absolute = (tmp_path / "abs").as_posix()
    config(tmp_path, f'exclude = ["./src/skip.py", "out/", "{absolute}/*.py"]')
    make(tmp_path, ["src/skip.py", "src/keep.py", "pkg/src/skip.py", "out/a.py", "pkg/out/b.py"])
    make(tmp_path, ["abs/c.py", "abs/sub/d.py"])
    assert walk(tmp_path) == ["abs/sub/d.py", "pkg/src/skip.py", "src/keep.py"]


def test_exclude_globs_are_case_sensitive_and_support_classes(tmp_path: Path) -> None:
    config(tmp_path, 'exclude = ["test_[ab].py", "Scratch", "v?.py", "[!x]y.py"]')
    make(tmp_path, ["test_a.py", "test_b.py", "test_c.py", "scratch/s.py", "Scratch/t.py"])
    make(tmp_path, ["v1.py", "v10.py", "ay.py", "xy.py"])
    assert walk(tmp_path) == ["scratch/s.py", "test_c.py", "v10.py", "xy.py"]


def test_glob_match_edges() -> None:
    assert glob_match("a/**", "a/b/c") and not glob_match("a/**", "a")
    assert glob_match("a/**/b", "a/b") and glob_match("a/**/b", "a/x/y/b")
    assert not glob_match("a/**/b", "a/xb")
    assert glob_match("a**.py", "abc.py") and not glob_match("a**.py", "a/b.py")  # `**` as `*`
    assert glob_match("[]x].py", "].py") and glob_match("\\*.py", "*.py")
    assert not glob_match("\\*.py", "a.py")
    assert glob_match("[a", "[a")  # an unclosed `[` is literal
    assert not glob_match("[z-a].py", "b.py")  # an empty range matches nothing
    assert not glob_match("[!a].py", "/.py") and not glob_match("[/].py", "/.py")


def test_named_excluded_files_need_force_exclude(tmp_path: Path) -> None:
    config(tmp_path, 'extend-exclude = ["notebooks/*.ipynb", "vendored"]')
    make(tmp_path, ["notebooks/a.ipynb", "notebooks/sub/b.ipynb", "vendored/x/v.py", "ok.py"])
    named = ["notebooks/a.ipynb", "notebooks/sub/b.ipynb", "vendored/x/v.py", "ok.py"]
    assert walk(tmp_path, named) == sorted(named)
    assert walk(tmp_path, named, force_exclude=True) == ["notebooks/sub/b.ipynb", "ok.py"]
    assert walk(tmp_path, ["vendored"]) == ["vendored/x/v.py"]  # a named folder is walked
    assert walk(tmp_path, ["vendored"], force_exclude=True) == []


def test_force_exclude_never_excludes_the_project_root_by_its_name(tmp_path: Path) -> None:
    root = tmp_path / "build"  # a default exclude: only folders below the root count
    make(root, ["a.py", "build/b.py"])
    assert walk(root, ["."], force_exclude=True) == ["a.py"]
    assert walk(root, ["a.py", "build/b.py"], force_exclude=True) == ["a.py"]


# ---- .gitignore syntax -----------------------------------------------------------------------
GITIGNORE = """\
# a comment line: not a pattern
#note.py
*.ipynb
!keep.ipynb
gen*/
/top.py
\\#hash.py
\\!bang.py
docs/**/auto.py
space.py   \n\
"""


def test_gitignore_syntax(tmp_path: Path) -> None:
    repo(tmp_path, {".gitignore": GITIGNORE})
    make(tmp_path, ["a.ipynb", "sub/b.ipynb", "keep.ipynb", "sub/keep.ipynb", "#note.py"])
    make(tmp_path, ["gen/a.py", "sub/generated/b.py", "gen_file.py", "top.py", "sub/top.py"])
    make(tmp_path, ["#hash.py", "sub/#hash.py", "hash.py", "!bang.py", "bang.py"])
    make(tmp_path, ["docs/auto.py", "docs/a/b/auto.py", "other/docs/auto.py", "space.py"])
    assert walk(tmp_path) == [
        "#note.py",  # `#note.py` is a comment
        "bang.py",
        "gen_file.py",  # `gen*/` matches folders only
        "hash.py",
        "keep.ipynb",
        "other/docs/auto.py",  # `docs/**/auto.py` is anchored to the .gitignore's folder
        "sub/keep.ipynb",
        "sub/top.py",  # `/top.py` only at the top
    ]


def test_nested_gitignore_files_apply_to_their_subtree(tmp_path: Path) -> None:
    repo(tmp_path, {".gitignore": "x.py\n", "sub/.gitignore": "*.py\n!keep.py\n!x.py\n"})
    make(tmp_path, {"sub/deep/.gitignore": "/local.py\n"})
    make(tmp_path, ["a.py", "x.py", "sibling/a.py", "sibling/x.py", "sub/a.py", "sub/keep.py"])
    make(tmp_path, ["sub/x.py", "sub/deep/keep.py", "sub/deep/local.py", "sub/deep/more/local.py"])
    make(tmp_path, ["sub/n.ipynb"])
    assert walk(tmp_path) == [
        "a.py",
        "sibling/a.py",
        "sub/deep/keep.py",
        "sub/keep.py",
        "sub/n.ipynb",
        "sub/x.py",  # the nearer file re-includes what the root one ignores
    ]
    make(tmp_path, {"sub/deep/more/.gitignore": "!local.py\n"})  # nearer than sub's `*.py`
    assert "sub/deep/more/local.py" in walk(tmp_path)
    assert "sub/deep/local.py" not in walk(tmp_path)


def test_an_ignored_folder_cannot_be_reincluded_from_inside(tmp_path: Path) -> None:
    repo(tmp_path, {".gitignore": "vendor/\n!vendor/keep.py\nlib/*\n!lib/keep.py\n"})
    make(tmp_path, ["vendor/keep.py", "vendor/a.py", "lib/keep.py", "lib/a.py", "lib/sub/b.py"])
    assert walk(tmp_path) == ["lib/keep.py"]


def test_git_info_exclude_and_its_precedence(tmp_path: Path) -> None:
    repo(tmp_path, {".git/info/exclude": "scratch_*.py\n", ".gitignore": "!scratch_keep.py\n"})
    make(tmp_path, ["scratch_a.py", "scratch_keep.py", "sub/scratch_b.py", "ok.py"])
    assert walk(tmp_path) == ["ok.py", "scratch_keep.py"]


def test_gitignore_needs_a_repository_and_ignore_files_do_not(tmp_path: Path) -> None:
    make(tmp_path, {".gitignore": "a.py\n", ".ignore": "b.py\n"})
    make(tmp_path, ["a.py", "b.py", "c.py"])
    assert walk(tmp_path) == ["a.py", "c.py"]
    (tmp_path / ".git").mkdir()
    assert walk(tmp_path) == ["c.py"]


def test_ignore_files_win_over_gitignore(tmp_path: Path) -> None:
    repo(tmp_path, {".gitignore": "a.py\n", ".ignore": "!a.py\nb.py\n", "sub/.gitignore": "c.py\n"})
    make(tmp_path, {"sub/.ignore": "!c.py\n"})
    make(tmp_path, ["a.py", "b.py", "sub/c.py", "sub/d.py"])
    assert walk(tmp_path) == ["a.py", "sub/c.py", "sub/d.py"]


def test_gitignore_files_stop_at_the_repository_root(tmp_path: Path) -> None:
    make(tmp_path, {".gitignore": "*.py\n", ".ignore": "b.py\n"})
    inner = repo(tmp_path / "inner", ["a.py", "b.py", "c.py"])
    make(inner, {"nested/.git/HEAD": "", "nested/n.py": "", ".gitignore": "n.py\n"})
    assert walk(inner) == ["a.py", "c.py", "nested/n.py"]  # `.ignore` above still counts


def test_folders_above_a_walked_folder_count(tmp_path: Path) -> None:
    repo(tmp_path, {".gitignore": "src/gen/\n/src/local.py\n"})
    make(tmp_path, ["src/a.py", "src/local.py", "src/gen/b.py", "src/sub/local.py"])
    assert walk(tmp_path, ["src"]) == ["src/a.py", "src/sub/local.py"]
    assert walk(tmp_path / "src", ["."]) == ["a.py", "sub/local.py"]


def test_a_worktree_reads_the_exclude_file_of_its_common_git_folder(tmp_path: Path) -> None:
    main = repo(tmp_path / "main", {".git/info/exclude": "x.py\n"})
    make(main, {".git/worktrees/wt/commondir": "../..\n"})
    tree = make(tmp_path / "wt", {".git": f"gitdir: {main}/.git/worktrees/wt\n"})
    make(tree, ["x.py", "y.py"])
    assert walk(tree) == ["y.py"]


# ---- named paths, force-exclude and the setting ------------------------------------------------
def test_named_ignored_paths_are_checked_unless_force_exclude(tmp_path: Path) -> None:
    repo(tmp_path, {".gitignore": "gen/\n*_tmp.py\n"})
    make(tmp_path, ["gen/a.py", "gen/b_tmp.py", "c_tmp.py", "src/d.py"])
    named = ["gen/a.py", "c_tmp.py", "src/d.py"]
    assert walk(tmp_path, named) == sorted(named)
    assert walk(tmp_path, named, force_exclude=True) == ["src/d.py"]
    assert walk(tmp_path, ["gen"]) == ["gen/a.py"]  # named folder walked, its files filtered
    assert walk(tmp_path, ["gen"], force_exclude=True) == []
    assert walk(tmp_path, named, force_exclude=True, respect_gitignore=False) == sorted(named)


def test_respect_gitignore_setting_and_override(tmp_path: Path) -> None:
    repo(tmp_path, {".gitignore": "a.py\n", ".ignore": "b.py\n", ".git/info/exclude": "c.py\n"})
    make(tmp_path, ["a.py", "b.py", "c.py", "d.py"])
    everything = ["a.py", "b.py", "c.py", "d.py"]
    assert walk(tmp_path) == ["d.py"]
    assert walk(tmp_path, respect_gitignore=False) == everything
    config(tmp_path, "respect_gitignore = false")
    assert walk(tmp_path) == everything
    assert walk(tmp_path, respect_gitignore=True) == ["d.py"]
    config(tmp_path, 'respect-gitignore = false\nextend-exclude = ["d.py"]')
    assert walk(tmp_path) == ["a.py", "b.py", "c.py"]  # exclude globs still apply


def test_respect_gitignore_must_be_a_boolean(tmp_path: Path) -> None:
    config(tmp_path, 'respect-gitignore = "no"')
    with pytest.raises(ConfigError, match=r"`respect-gitignore` in .*expected true or false"):
        load_config(tmp_path / "pyproject.toml")
    config(tmp_path, "respect-gitignore = false")
    assert load_config(tmp_path / "pyproject.toml").respect_gitignore is False
    assert ConfigFinder(tmp_path).for_directory(tmp_path / "src").respect_gitignore is False
    assert ConfigFinder(tmp_path).for_directory(tmp_path.parent).respect_gitignore  # default


def test_cli_check_skips_gitignored_files(tmp_path: Path) -> None:
    code = "import transformers\nold_name\n"
    repo(tmp_path, {".gitignore": "out/\n", "m.py": code, "out/o.py": code})
    result = run_cli(["check"], tmp_path, tmp_path)
    assert result.stdout.startswith("m.py:2:1: HF098")
    assert "out/o.py" not in result.stdout
    named = run_cli(["check", "out/o.py"], tmp_path, tmp_path)
    assert named.stdout.startswith("out/o.py:2:1: HF098")
    forced = run_cli(["check", "--force-exclude", "out/o.py"], tmp_path, tmp_path)
    assert forced.returncode == 0 and "o.py" not in forced.stdout


# ---- the same verdicts as git ------------------------------------------------------------------
PATTERNS = [
    *["*.py", "/a.py", "a.py", "sub/", "sub", "/sub/", "sub/*.py", "sub/**", "**/deep"],
    *["a/**/b", "**/b.py", "*.py\n!keep.py", "d*/", "[ab].py", "[!a].py", "[^a].py", "?.py"],
    *["\\#x.py", "#x.py", "x.py   ", "**", "/**", "sub/**/*.py", "s*b", "sub/deep/"],
    *["deep/x.py", "**/sub/deep", "!x.py", "a**.py", "sub/*", "*/deep", "\\!b.py", "[a-c]*.py"],
    *["sub/deep/**\n!sub/deep/b.py", "*.py\n!sub/", "sub\n!sub/a.py", "/sub/deep", "deep"],
    *["a?py", "[a-].py", "[]a].py", "sub/deep\n!sub/deep/a.py", "*\n!*/\n!*.py"],
]
FILES = [
    *["a.py", "b.py", "keep.py", "x.py", "#x.py", "!b.py", "]a.py", "-.py", "apy", "a.py.txt"],
    *["sub/a.py", "sub/b.py", "sub/keep.py", "sub/deep/a.py", "sub/deep/b.py", "sub/deep/x.py"],
    *["other/sub/a.py", "other/deep/b.py", "a/b", "a/x/b", "a/x/y/b/c.py", "sb/c.py"],
    *["deep/x.py", "dx/y.py", "sub/sub/a.py"],
]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_walk_agrees_with_git(tmp_path: Path) -> None:
    """One folder per pattern, with its own .gitignore; git lists what it does not ignore."""
    root = tmp_path / "r"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    for i, pattern in enumerate(PATTERNS):
        make(root / f"case{i}", {".gitignore": pattern + "\n"})
        make(root / f"case{i}", FILES)
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard", "-z"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    by_git = sorted(p for p in listed.stdout.split("\0") if p and not p.endswith(".gitignore"))
    found = discover(["."], ConfigFinder(root), root, respect_gitignore=True)
    by_us = [f.path.relative_to(root).as_posix() for f in found.files]
    for i, pattern in enumerate(PATTERNS):
        prefix = f"case{i}/"
        expected = [p for p in by_git if p.startswith(prefix) and p.endswith(".py")]
        assert [p for p in by_us if p.startswith(prefix)] == expected, repr(pattern)
