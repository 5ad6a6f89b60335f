"""Configuration: finding `[tool.hflint]`, reading its keys, and errors that name key and file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_harness import run_cli

from hflint.analyzers.findings import Severity
from hflint.server.config import (
    ConfigError,
    ConfigFinder,
    Overrides,
    load_config,
    parse_selectors,
)
from hflint.server.discovery import discover

FINDINGS = "import transformers\nold_name\nrisky_call()\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_nearest_pyproject_with_a_table_wins(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.hflint]\nselect = ["HF1"]\n')
    write(tmp_path / "pkg" / "pyproject.toml", "[project]\nname = 'x'\n")  # no table: skipped
    write(tmp_path / "pkg" / "sub" / "pyproject.toml", '[tool.hflint]\nignore = ["HF101"]\n')
    finder = ConfigFinder(tmp_path)
    top = finder.for_directory(tmp_path / "pkg")
    assert top.source == tmp_path / "pyproject.toml"
    assert top.root == tmp_path
    assert top.settings.select == ["HF1"]
    inner = finder.for_file(tmp_path / "pkg" / "sub" / "deep" / "a.py")
    assert inner.source == tmp_path / "pkg" / "sub" / "pyproject.toml"
    assert inner.settings.ignore == ["HF101"]
    assert inner.settings.select == ["HF"]


def test_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.hflint]\nselect = ["HF1"]\n')
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    config = ConfigFinder(tmp_path).for_directory(tmp_path / "repo" / "src")
    assert config.source is None
    assert config.settings.select == ["HF"]


def test_all_keys_in_both_spellings(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pyproject.toml",
        """
[tool.hflint]
select = ["hf1", "HF204"]
extend_select = ["HF3"]
ignore = ["HF101"]
exclude = ["generated"]
extend-exclude = ["legacy/*.py"]
online = true
hub_timeout = 1.5

[tool.hflint.per-file-ignores]
"tests/*" = ["HF2"]

[tool.hflint.severity]
HF204 = "warning"
hf3 = "HINT"
""",
    )
    settings = load_config(path).settings
    assert settings.select == ["HF1", "HF204"]
    assert settings.extend_select == ["HF3"]
    assert settings.ignore == ["HF101"]
    assert settings.exclude == ["generated"]
    assert settings.extend_exclude == ["legacy/*.py"]
    assert settings.online is True
    assert settings.hub_timeout == 1.5
    assert settings.per_file_ignores == {"tests/*": ["HF2"]}
    assert settings.severity == {"HF204": Severity.WARNING, "HF3": Severity.HINT}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("selct = ['HF1']", "unknown key `selct` in [tool.hflint] of"),
        ("select = 'HF1'", "`select` in [tool.hflint] of"),
        ("select = ['E501']", "`E501` is not a rule code or prefix"),
        ("online = 'yes'", "`online` in [tool.hflint] of"),
        ("hub-timeout = 0", "expected a number of seconds above 0"),
        ("hub-timeout = true", "expected a number of seconds above 0"),
        ("exclude = [1]", "expected a list of strings"),
        ("per-file-ignores = ['x']", "expected a table of glob"),
        ("per-file-ignores = {'x' = ['Z9']}", "glob `x`: `Z9` is not a rule code"),
        ("severity = {HF101 = 'fatal'}", "`HF101` = 'fatal' is not one of"),
        ("severity = {X1 = 'error'}", "`X1` is not a rule code"),
        ("select = ['HF1']\nextend_select = ['HF2']\nextend-select = ['HF3']", "given twice"),
    ],
)
def test_bad_configuration_names_key_and_file(tmp_path: Path, body: str, expected: str) -> None:
    path = write(tmp_path / "pyproject.toml", f"[tool.hflint]\n{body}\n")
    with pytest.raises(ConfigError) as raised:
        ConfigFinder(tmp_path).for_directory(tmp_path)
    assert expected in str(raised.value)
    assert str(path) in str(raised.value)


def test_invalid_toml(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.hflint\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        ConfigFinder(tmp_path).for_directory(tmp_path)


def test_explicit_config_file(tmp_path: Path) -> None:
    custom = write(tmp_path / "conf" / "hflint.toml", 'select = ["HF3"]\n')
    write(tmp_path / "pyproject.toml", '[tool.hflint]\nselect = ["HF1"]\n')
    finder = ConfigFinder(tmp_path, explicit=custom)
    assert finder.for_directory(tmp_path).settings.select == ["HF3"]
    with pytest.raises(ConfigError, match="not found"):
        ConfigFinder(tmp_path, explicit=tmp_path / "missing.toml")


def test_command_line_overrides() -> None:
    assert parse_selectors("hf1, HF204,", "--select") == ["HF1", "HF204"]
    with pytest.raises(ConfigError, match="--ignore: `F401`"):
        parse_selectors("F401", "--ignore")
    finder = ConfigFinder(Path("/"), Overrides(select=["HF2"], ignore=["HF204"], online=True))
    settings = finder.for_directory(Path("/")).settings
    assert settings.select == ["HF2"] and settings.ignore == ["HF204"] and settings.online


# ---- discovery -------------------------------------------------------------------------------
def test_discovery_walks_sorted_and_skips_default_excludes(tmp_path: Path) -> None:
    for name in ["b.py", "a.ipynb", "sub/c.py", "notes.txt", "types.pyi", ".venv/x.py"]:
        write(tmp_path / name, "")
    for name in ["build/y.py", "node_modules/z.py", "__pycache__/w.py", "sub/.git/h.py"]:
        write(tmp_path / name, "")
    found = discover(["."], ConfigFinder(tmp_path), tmp_path)
    assert [f.path.relative_to(tmp_path).as_posix() for f in found.files] == [
        "a.ipynb",
        "b.py",
        "sub/c.py",
    ]


def test_discovery_excludes_and_explicit_files(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.hflint]\nextend-exclude = ["legacy", "gen_*.py", "docs/*.ipynb"]\n',
    )
    for name in ["legacy/a.py", "gen_x.py", "docs/n.ipynb", "src/gen_y.py", "src/ok.py"]:
        write(tmp_path / name, "")
    write(tmp_path / "build" / "out.py", "")
    finder = ConfigFinder(tmp_path)
    found = discover(["."], finder, tmp_path)
    assert [f.path.name for f in found.files] == ["ok.py"]
    named = discover(["legacy/a.py", "build/out.py", "gen_x.py"], finder, tmp_path)
    assert [f.path.name for f in named.files] == ["out.py", "gen_x.py", "a.py"]  # sorted paths
    forced = discover(["legacy/a.py", "build/out.py", "src/ok.py"], finder, tmp_path, True)
    assert [f.path.name for f in forced.files] == ["ok.py"]


def test_exclude_adds_to_the_defaults(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.hflint]\nexclude = ["skip_me", "legacy/**"]\n')
    for name in ["build/a.py", "skip_me/b.py", "legacy/old/c.py", "src/d.py"]:
        write(tmp_path / name, "")
    found = discover(["."], ConfigFinder(tmp_path), tmp_path)
    assert [f.path.relative_to(tmp_path).as_posix() for f in found.files] == ["src/d.py"]


def test_missing_paths_are_collected(tmp_path: Path) -> None:
    write(tmp_path / "a.py", "")
    found = discover(["nope", "a.py"], ConfigFinder(tmp_path), tmp_path)
    assert found.missing == ["nope"]
    assert [f.path.name for f in found.files] == ["a.py"]


# ---- through the command line -----------------------------------------------------------------
def test_cli_reads_select_ignore_and_severity(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.hflint]\nignore = ["HF099"]\n[tool.hflint.severity]\nHF098 = "hint"\n',
    )
    write(tmp_path / "src" / "a.py", FINDINGS)
    result = run_cli(["check", "--output-format", "json"], tmp_path / "src", tmp_path)
    data = json.loads(result.stdout)
    assert [(d["code"], d["severity"]) for d in data] == [("HF098", "hint")]
    cli = run_cli(
        ["check", "--select", "HF099", "--output-format", "json"], tmp_path / "src", tmp_path
    )
    assert [d["code"] for d in json.loads(cli.stdout)] == ["HF099"]


def test_cli_per_file_ignores_and_excludes(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.hflint]\nextend-exclude = ["vendored"]\n'
        '[tool.hflint.per-file-ignores]\n"tests/*" = ["HF098"]\n',
    )
    write(tmp_path / "tests" / "t.py", FINDINGS)
    write(tmp_path / "vendored" / "v.py", FINDINGS)
    write(tmp_path / "m.py", FINDINGS)
    result = run_cli(["check"], tmp_path, tmp_path)
    assert result.stdout.splitlines()[:3] == [
        "m.py:2:1: HF098 [warning] [*] `old_name` is a test finding",
        "m.py:3:1: HF099 [error] `risky_call` is a test finding",
        "tests/t.py:3:1: HF099 [error] `risky_call` is a test finding",
    ]


def test_cli_bad_config_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[tool.hflint]\nselct = ["HF1"]\n')
    write(tmp_path / "a.py", FINDINGS)
    result = run_cli(["check", "a.py"], tmp_path, tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"hflint: error: unknown key `selct` in [tool.hflint] of {path}" in result.stderr


def test_cli_explicit_config(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.hflint]\nselect = ["HF099"]\n')
    other = write(tmp_path / "other" / "pyproject.toml", '[tool.hflint]\nselect = ["HF098"]\n')
    write(tmp_path / "a.py", FINDINGS)
    plain = run_cli(["check", "a.py", "--output-format", "json"], tmp_path, tmp_path)
    assert [d["code"] for d in json.loads(plain.stdout)] == ["HF099"]
    chosen = run_cli(
        ["check", "a.py", "--config", str(other), "--output-format", "json"], tmp_path, tmp_path
    )
    assert [d["code"] for d in json.loads(chosen.stdout)] == ["HF098"]
