"""The result cache: exact round trips, hits, misses, invalidation by checkpoint facts."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_harness import CALLS_ENV, run_cli

from hflint.analyzers.findings import (
    Applicability,
    Edit,
    Finding,
    Fix,
    Range,
    Related,
    Severity,
)
from hflint.analyzers.notebook import CellMap
from hflint.analyzers.serialize import finding_from_json, finding_to_json
from hflint.analyzers.settings import Settings
from hflint.server.cache import CacheEntry, ResultCache, cache_key, settings_fingerprint

FULL = Finding(
    code="HF101",
    name="auto-class-unsupported-model-type",
    severity=Severity.HINT,
    message='`ü` with "quotes"\nand a second line',
    range=Range.of(3, 4, 5, 0),
    fix=Fix(
        Applicability.UNSAFE,
        "Use `AutoModelForSeq2SeqLM`",
        (Edit(Range.of(3, 4, 3, 9), "X"), Edit(Range.of(1, 0, 1, 0), "import y\n")),
    ),
    related=(Related("loaded here", Range.of(1, 0, 1, 3)),),
    url="https://example.org/hf101",
    deprecated=True,
)


@pytest.mark.parametrize(
    "finding",
    [FULL, Finding("HF001", "syntax-error", Severity.ERROR, "m", Range.of(1, 0, 1, 1))],
)
def test_findings_round_trip_exactly(finding: Finding) -> None:
    data = json.loads(json.dumps(finding_to_json(finding)))
    assert finding_from_json(data) == finding


def test_put_get_and_corrupt_entries(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "c")
    entry = CacheEntry([FULL], [("./ckpt", None, "sub", "/x", "abc")], CellMap(((1, 2, 3),)))
    cache.put("ab" * 32, entry)
    assert cache.get("ab" * 32, lambda lookups: True) == entry
    assert cache.get("ab" * 32, lambda lookups: False) is None
    assert cache.get("cd" * 32, lambda lookups: True) is None
    assert (tmp_path / "c" / "CACHEDIR.TAG").is_file()
    assert (tmp_path / "c" / ".gitignore").read_text().endswith("*\n")
    for junk in (b"", b"{", b"[]", b'{"findings": [{"code": 1}], "lookups": [], "cells": null}'):
        (tmp_path / "c" / "ab" / f"{'ab' * 32}.json").write_bytes(junk)
        assert cache.get("ab" * 32, lambda lookups: True) is None


def test_key_covers_content_settings_and_path(tmp_path: Path) -> None:
    base = cache_key(tmp_path / "a.py", b"x = 1\n", Settings())
    assert base == cache_key(tmp_path / "a.py", b"x = 1\n", Settings())
    assert base != cache_key(tmp_path / "a.py", b"x = 2\n", Settings())
    assert base != cache_key(tmp_path / "b.py", b"x = 1\n", Settings())
    assert base != cache_key(tmp_path / "a.py", b"x = 1\n", Settings(ignore=["HF1"]))
    assert settings_fingerprint(Settings(online=True)) != settings_fingerprint(Settings())


def test_versions_come_from_metadata_without_importing_transformers() -> None:
    code = (
        "import sys; from hflint.server.cache import versions; v = versions(); "
        "from importlib.metadata import version; "
        "assert f'transformers {version(\"transformers\")}' in v, v; "
        "assert 'transformers' not in sys.modules and 'torch' not in sys.modules; print(v)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("hflint ")


def test_unwritable_cache_is_not_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    ResultCache(blocker / "cache").put("ab" * 32, CacheEntry([], []))


# ---- through the command line -----------------------------------------------------------------
def calls(log: Path) -> list[str]:
    if not log.exists():
        return []
    names = [Path(line).name for line in log.read_text().splitlines()]
    log.unlink()
    return sorted(names)


def write_config(folder: Path, model_type: str) -> None:
    folder.mkdir(exist_ok=True)
    config = {"model_type": model_type, "architectures": ["X"], "vocab_size": 10}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.hflint]\n", encoding="utf-8")
    write_config(root / "ckpt", "bert")
    (root / "load.py").write_text(
        'import transformers\nm = transformers.AutoModel.from_pretrained("./ckpt")\n',
        encoding="utf-8",
    )
    (root / "plain.py").write_text("import transformers\nold_name = 1\n", encoding="utf-8")
    return root


def test_cache_hit_miss_and_invalidation(project: Path, tmp_path: Path) -> None:
    log = tmp_path / "calls.log"
    env = {CALLS_ENV: str(log), "HFLINT_CACHE_DIR": ""}  # empty: the project's .hflint_cache/

    def check() -> str:
        result = run_cli(["check", "--output-format", "json"], project, tmp_path, env=env)
        assert result.returncode == 1, result.stderr
        data = json.loads(result.stdout)
        return "; ".join(f"{Path(d['filename']).name}:{d['message']}" for d in data)

    first = check()
    assert first == "load.py:model_type is bert; plain.py:`old_name` is a test finding"
    assert calls(log) == ["load.py", "plain.py"]
    assert (project / ".hflint_cache" / "CACHEDIR.TAG").is_file()

    assert check() == first  # a hit: nothing analysed
    assert calls(log) == []

    (project / "plain.py").write_text("import transformers\nold_name = 2\n", encoding="utf-8")
    assert check() == first
    assert calls(log) == ["plain.py"]  # only the changed file

    write_config(project / "ckpt", "gpt2")  # the checkpoint's facts change: load.py is stale
    assert check() == "load.py:model_type is gpt2; plain.py:`old_name` is a test finding"
    assert calls(log) == ["load.py"]

    assert check().startswith("load.py:model_type is gpt2")
    assert calls(log) == []

    no_cache = run_cli(["check", "--no-cache"], project, tmp_path, env=env)
    assert no_cache.returncode == 1
    assert calls(log) == ["load.py", "plain.py"]


def test_no_cache_writes_nothing(project: Path, tmp_path: Path) -> None:
    run_cli(["check", "--no-cache"], project, tmp_path, env={"HFLINT_CACHE_DIR": ""})
    assert not (project / ".hflint_cache").exists()


def test_fix_refreshes_the_cache(project: Path, tmp_path: Path) -> None:
    log = tmp_path / "calls.log"
    env = {CALLS_ENV: str(log)}
    assert run_cli(["check"], project, tmp_path, env=env).returncode == 1
    calls(log)
    fixed = run_cli(["check", "--fix", "--select", "HF098"], project, tmp_path, env=env)
    assert fixed.returncode == 0, fixed.stdout
    assert (project / "plain.py").read_text() == "import transformers\nnew_name = 1\n"
    calls(log)
    again = run_cli(["check", "--select", "HF098"], project, tmp_path, env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert calls(log) == []


def test_recheck_of_a_thousand_files_is_fast(tmp_path: Path) -> None:
    """The cached path reads and hashes each file and one cache entry; it analyses nothing."""
    root = tmp_path / "big"
    for i in range(1000):
        folder = root / f"pkg{i // 100}"
        folder.mkdir(parents=True, exist_ok=True)
        text = f"import transformers\nvalue_{i} = {i}\n" if i % 2 else f"x = {i}\n"
        (folder / f"m{i}.py").write_text(text, encoding="utf-8")
    log = tmp_path / "calls.log"
    env = {CALLS_ENV: str(log)}
    first = run_cli(["check", "--quiet"], root, tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    assert len(calls(log)) == 500  # only the files that mention transformers reach the rules
    started = time.perf_counter()
    second = run_cli(["check", "--quiet"], root, tmp_path, env=env)
    elapsed = time.perf_counter() - started
    assert second.returncode == 0
    assert calls(log) == []
    print(f"re-check of 1,000 cached files: {elapsed:.2f} s")
    assert elapsed < 5  # about 0.5 s on the development machine; generous for loaded CI hosts
