"""The target transformers version: the setting, pins in every project file hflint reads, lock
files, ranges, the walk up to the repository root, caching, and the knowledge that answers."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hflint.analyzers import knowledge_extract, snapshots
from hflint.analyzers import target_version as tv
from hflint.analyzers.knowledge import Knowledge, load_knowledge
from hflint.analyzers.settings import Settings
from hflint.analyzers.target_version import Target, find_target, release_of

INSTALLED = "5.23.0"


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    tv.clear_cache()
    yield
    tv.clear_cache()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "src").mkdir()
    return tmp_path


def target(repo: Path, settings: Settings | None = None, *, where: str = "src/train.py") -> Target:
    return find_target(repo / where, settings or Settings(), installed=INSTALLED)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def touch_later(path: Path, text: str) -> None:
    """Rewrite a file with a modification time surely different from the cached one."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 10**9, before + 10**9))


# ------------------------------------------------------------------ the setting, the installed


def test_the_setting_wins_over_any_pin(repo: Path) -> None:
    write(repo / "requirements.txt", "transformers==4.44.2\n")
    write(repo / "uv.lock", '[[package]]\nname = "transformers"\nversion = "4.46.3"\n')
    found = target(repo, Settings(target_version="4.57.6"))
    assert (found.version, found.source) == ("4.57.6", "`target-version` setting")
    assert found.phrase() == "transformers 4.57.6 (`target-version` setting)"


def test_no_pin_means_the_installed_version(repo: Path) -> None:
    found = target(repo)
    assert found == Target(INSTALLED, "installed", INSTALLED)
    assert found.phrase() == f"transformers {INSTALLED} (installed)"
    assert find_target(None, Settings(), installed=INSTALLED).source == "installed"
    assert find_target(None, Settings(), installed="").version == ""


@pytest.mark.locked_transformers
def test_the_installed_version_is_read_without_importing_transformers() -> None:
    code = (
        "import sys\n"
        "from hflint.analyzers.target_version import installed_version\n"
        "print(installed_version())\n"
        "assert 'transformers' not in sys.modules and 'torch' not in sys.modules\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == INSTALLED


# ------------------------------------------------------------------ each kind of file


def test_exact_pin_in_requirements_uses_the_nearest_snapshot_below(repo: Path) -> None:
    write(repo / "requirements.txt", "numpy>=1.26\ntransformers==4.44.2  # pinned for prod\n")
    found = target(repo)
    assert found.version == "4.44.2"
    assert found.source == "pin `transformers==4.44.2` in requirements.txt"
    assert found.facts == "4.41.2"
    assert found.phrase() == (
        "transformers 4.44.2 (pin `transformers==4.44.2` in requirements.txt; facts from 4.41.2)"
    )


def test_requirement_includes_and_other_requirement_files(repo: Path) -> None:
    write(repo / "requirements.txt", "-r requirements/base.txt\ntorch\n")
    write(repo / "requirements" / "base.txt", "transformers[torch] == 4.46.3\n")
    found = target(repo)
    assert found.version == "4.46.3"
    assert found.source == "pin `transformers==4.46.3` in requirements/base.txt"
    assert found.facts == "4.46.3"
    tv.clear_cache()
    (repo / "requirements.txt").unlink()
    write(repo / "requirements-train.txt", "--constraint constraints.txt\n")
    write(repo / "constraints.txt", "transformers==4.57.6\n")
    assert target(repo).version == "4.57.6"


def test_pyproject_dependencies_optional_and_groups(repo: Path) -> None:
    write(
        repo / "pyproject.toml",
        '[project]\nname = "x"\ndependencies = ["numpy"]\n'
        '[project.optional-dependencies]\ntrain = ["transformers==4.51.3", "datasets"]\n',
    )
    found = target(repo)
    assert (found.version, found.source) == (
        "4.51.3",
        "pin `transformers==4.51.3` in pyproject.toml",
    )
    touch_later(
        repo / "pyproject.toml",
        '[project]\nname = "x"\n[dependency-groups]\ndev = ["transformers==4.46.3"]\n',
    )
    assert target(repo).version == "4.46.3"


def test_poetry_constraints(repo: Path) -> None:
    write(repo / "pyproject.toml", '[tool.poetry.dependencies]\ntransformers = "^4.44"\n')
    found = target(repo)  # ^4.44 is >=4.44,<5: the installed 5.23.0 is outside
    assert (found.version, found.source) == (
        "4.44",
        'lowest allowed by `transformers = "^4.44"` in pyproject.toml',
    )
    assert found.facts == "4.41.2"
    touch_later(
        repo / "pyproject.toml",
        '[tool.poetry.dependencies]\ntransformers = { version = "4.46.3", extras = ["torch"] }\n',
    )
    assert target(repo).version == "4.46.3"
    touch_later(repo / "pyproject.toml", '[tool.poetry.dependencies]\ntransformers = "^5.0"\n')
    found = target(repo)
    assert found.version == INSTALLED and found.source.startswith("installed, allowed by")


def test_setup_cfg(repo: Path) -> None:
    write(
        repo / "setup.cfg",
        "[metadata]\nname = x\n[options]\ninstall_requires =\n    numpy\n"
        "    transformers>=4.46,<4.50\n",
    )
    found = target(repo)
    assert found.version == "4.46"
    assert found.source == "lowest allowed by `transformers>=4.46,<4.50` in setup.cfg"
    assert found.facts == "4.46.3"


@pytest.mark.parametrize(
    ("lock", "text"),
    [
        ("uv.lock", 'version = 1\n\n[[package]]\nname = "transformers"\nversion = "4.46.3"\n'),
        (
            "poetry.lock",
            '[[package]]\nname = "transformers"\nversion = "4.46.3"\ndescription = ""\n',
        ),
        ("pdm.lock", '[[package]]\nname = "transformers"\nversion = "4.46.3"\n'),
        (
            "Pipfile.lock",
            json.dumps({"default": {"transformers": {"version": "==4.46.3"}}, "develop": {}}),
        ),
    ],
)
def test_a_lock_file_wins_over_ranges(repo: Path, lock: str, text: str) -> None:
    write(repo / "pyproject.toml", '[project]\nname = "x"\ndependencies = ["transformers>=4.40"]\n')
    write(repo / lock, text)
    found = target(repo)
    assert (found.version, found.source) == ("4.46.3", f"locked in {lock}")


def test_a_lock_file_without_transformers_does_not_count(repo: Path) -> None:
    write(repo / "uv.lock", '[[package]]\nname = "numpy"\nversion = "2.0.0"\n')
    write(repo / "requirements.txt", "transformers==4.40.2\n")
    assert target(repo).source == "pin `transformers==4.40.2` in requirements.txt"


# ------------------------------------------------------------------ ranges


@pytest.mark.parametrize(
    ("spec", "version", "source"),
    [
        ("transformers>=4.40", INSTALLED, "installed, allowed by `transformers>=4.40`"),
        ("transformers>=4.40,<5", "4.40", "lowest allowed by `transformers>=4.40,<5`"),
        ("transformers~=4.46.0", "4.46.0", "lowest allowed by `transformers~=4.46.0`"),
        ("transformers==4.44.*", "4.44", "lowest allowed by `transformers==4.44.*`"),
        ("transformers<5", "4.57.6", "newest known release allowed by `transformers<5`"),
        ("transformers", INSTALLED, "installed; `transformers` in requirements.txt allows any"),
    ],
)
def test_ranges(repo: Path, spec: str, version: str, source: str) -> None:
    write(repo / "requirements.txt", spec + "\n")
    found = target(repo)
    assert found.version == version
    assert found.source.startswith(source)


def test_markers_and_urls(repo: Path) -> None:
    write(
        repo / "requirements.txt",
        'transformers==4.40.2; python_version < "3.0"\n'
        "transformers @ git+https://github.com/huggingface/transformers\n",
    )
    assert target(repo).source == "installed"  # neither line says a version that applies here


# ------------------------------------------------------------------ where the walk goes


def test_the_nearest_declaration_wins_and_the_walk_stops_at_the_repository(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "transformers==4.40.2\n")  # outside the repository
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write(repo / "requirements.txt", "transformers==4.46.3\n")
    write(repo / "services" / "train" / "requirements.txt", "transformers==4.57.6\n")
    assert target(repo, where="services/train/job.py").version == "4.57.6"
    assert target(repo, where="services/infer/job.py").version == "4.46.3"
    (repo / "requirements.txt").unlink()
    tv.clear_cache()
    assert target(repo, where="services/infer/job.py").source == "installed"


def test_without_a_repository_the_nearest_pyproject_is_the_root(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "transformers==4.40.2\n")
    project = tmp_path / "project"
    write(project / "pyproject.toml", '[project]\nname = "x"\n')
    assert target(project, where="pkg/mod.py").source == "installed"
    write(project / "requirements.txt", "transformers==4.46.3\n")
    assert target(project, where="pkg/mod.py").version == "4.46.3"


# ------------------------------------------------------------------ caching


def test_cached_until_a_file_changes(repo: Path) -> None:
    req = write(repo / "requirements.txt", "transformers==4.44.2\n")
    first = target(repo)
    assert target(repo) == first
    touch_later(req, "transformers==4.46.3\n")
    assert target(repo).version == "4.46.3"
    write(repo / "src" / "poetry.lock", '[[package]]\nname = "transformers"\nversion = "4.57.6"\n')
    assert target(repo).source == "locked in src/poetry.lock"  # a new file: its folder changed


def test_a_cached_answer_costs_well_under_a_millisecond(repo: Path) -> None:
    write(repo / "requirements.txt", "transformers>=4.40,<5\n")
    path, settings = repo / "src" / "train.py", Settings()
    find_target(path, settings)
    runs = 2000
    start = time.perf_counter()
    for _ in range(runs):
        find_target(path, settings)
    per_call = (time.perf_counter() - start) / runs
    assert per_call < 0.5e-3, f"{per_call * 1e6:.0f} µs per cached call"


# ------------------------------------------------------------------ versions and facts


def test_release_and_phrase() -> None:
    assert release_of("4.44.2") == (4, 44, 2)
    assert release_of("5.0.0rc1") == (5, 0, 0)
    assert release_of("4.46") == (4, 46)
    target = Target("4.44", "lowest allowed by `transformers>=4.44` in setup.cfg", "4.40.2")
    assert target.major == 4 and target.at_least("4.40") and not target.at_least("4.45")
    assert target.phrase().endswith("; facts from 4.40.2)")


@pytest.mark.parametrize(
    ("version", "facts"),
    [
        ("5.23.1", INSTALLED),  # same major.minor as the installed one
        ("4.46.3", "4.46.3"),  # an exact snapshot
        ("4.46.0", "4.46.3"),  # same major.minor
        ("4.48.1", "4.46.3"),  # the nearest below in the same major
        ("4.44.2", "4.41.2"),
        ("4.40.0", "4.40.2"),  # same major.minor
        ("4.39.0", ""),  # below every 4.x snapshot: unknown
        ("5.10.0", "5.0.0"),
        # a newer major: the newest release known (the installed one, when it is the lock's)
        pytest.param("6.1.0", INSTALLED, marks=pytest.mark.locked_transformers),
        ("3.5.1", ""),  # an older major than any snapshot: no facts
    ],
)
def test_which_release_answers(version: str, facts: str) -> None:
    assert snapshots.facts_version(version, INSTALLED) == facts


def test_bundled_snapshots_are_current_and_load() -> None:
    """Regenerate them with `python scripts/snapshot_knowledge.py` when this fails."""
    assert snapshots.bundled_versions() == (
        "4.40.2",
        "4.41.2",
        "4.46.3",
        "4.51.3",
        "4.56.2",
        "4.57.6",
        "5.0.0",
    )
    total = 0
    for version in snapshots.bundled_versions():
        path = snapshots.BUNDLED / f"transformers-{version}.json.gz"
        total += path.stat().st_size
        knowledge = snapshots.load_snapshot(path)
        assert knowledge.version == version, f"{path.name} is stale: rerun the snapshot script"
        assert knowledge.training_args_fields and knowledge.load_kwargs["model"]
    assert total < 512 * 1024


def test_a_snapshot_is_reproducible_from_its_wheel(tmp_path: Path) -> None:
    wheels = Path(os.environ.get("HFLINT_TEST_WHEELS", Path(sys.prefix) / "test-wheels"))
    wheel = wheels / "transformers-4.57.6-py3-none-any.whl"
    if not wheel.exists():
        pytest.skip("no transformers 4.57.6 wheel at hand (tests/test_knowledge.py fetches it)")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(
            tmp_path, [m for m in archive.namelist() if m.startswith("transformers/")]
        )
    data = knowledge_extract.extract(tmp_path / "transformers")
    bundled = (snapshots.BUNDLED / "transformers-4.57.6.json.gz").read_bytes()
    assert snapshots.snapshot_bytes(data) == bundled


@pytest.mark.locked_transformers
def test_target_knowledge_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HFLINT_CACHE_DIR", str(tmp_path))
    installed = load_knowledge()
    pinned = Target("4.44.2", "pin", snapshots.facts_version("4.44.2", installed.version))
    assert snapshots.knowledge_for(pinned, lambda: installed).version == "4.41.2"
    same = Target("5.23.1", "pin", snapshots.facts_version("5.23.1", installed.version))
    assert snapshots.knowledge_for(same, lambda: installed) is installed
    assert snapshots.knowledge_for(Target("3.5.1", "pin", ""), lambda: installed).version == ""
    # an exact release from the per-version cache beats the nearest bundled snapshot
    data = json.loads(json.dumps(dataclasses.asdict(installed), default=sorted))
    data["version"] = "4.44.2"
    snapshots.remember(data)
    assert snapshots.facts_version("4.44.2", installed.version) == "4.44.2"
    exact = Target("4.44.2", "pin", "4.44.2")
    assert snapshots.knowledge_for(exact, lambda: installed).version == "4.44.2"


def test_cold_and_cached_knowledge_loading_times() -> None:
    path = snapshots.BUNDLED / "transformers-4.46.3.json.gz"
    snapshots.load_snapshot.cache_clear()
    start = time.perf_counter()
    snapshots.load_snapshot(path)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(1000):
        snapshots.load_snapshot(path)
    cached = (time.perf_counter() - start) / 1000
    assert cold < 0.5 and cached < 1e-4, (cold, cached)


# ------------------------------------------------------------------ where the setting comes from


def test_the_setting_in_pyproject_the_editor_and_the_command_line(repo: Path) -> None:
    from hflint.server.config import ConfigError, load_config
    from hflint.server.lsp_settings import parse_editor_settings

    pyproject = write(repo / "pyproject.toml", '[tool.hflint]\ntarget-version = "4.46.3"\n')
    config = load_config(pyproject)
    assert config.settings.target_version == "4.46.3"
    write(pyproject, '[tool.hflint]\ntarget_version = "four"\n')
    with pytest.raises(ConfigError, match="target-version"):
        load_config(pyproject)
    editor, problems = parse_editor_settings({"targetVersion": "4.57.6"})
    assert not problems and editor.apply(config).settings.target_version == "4.57.6"
    _, problems = parse_editor_settings({"targetVersion": 4})
    assert problems and "targetVersion" in problems[0]


@pytest.mark.locked_transformers
def test_the_command_line_flag(repo: Path) -> None:
    source = write(
        repo / "src" / "train.py",
        "from transformers import TrainingArguments\n"
        'args = TrainingArguments("out", evaluation_strategy="epoch")\n',
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    base = [str(Path(sys.executable).parent / "hflint"), "check", "--no-cache", "--select", "HF802"]
    base += ["--output-format", "json", str(source)]
    results = {}
    for flag in ([], ["--target-version", "4.46.3"], ["--target-version", "4.40.2"]):
        run = subprocess.run(
            [*base, *flag], capture_output=True, text=True, env=env, cwd=repo, timeout=120
        )
        assert run.returncode in (0, 1), run.stderr
        results[tuple(flag)] = [(f["severity"], f["message"]) for f in json.loads(run.stdout)]
    [(severity, message)] = results[()]
    assert severity == "error" and "transformers 5.23.0 (installed)" in message
    [(severity, message)] = results[("--target-version", "4.46.3")]
    assert severity == "warning" and "4.46.3 (`target-version` setting)" in message
    assert results[("--target-version", "4.40.2")] == []
    bad = subprocess.run([*base, "--target-version", "latest"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--target-version" in bad.stderr


def test_knowledge_objects_are_what_the_rules_get() -> None:
    assert isinstance(
        snapshots.load_snapshot(snapshots.BUNDLED / "transformers-5.0.0.json.gz"), Knowledge
    )
