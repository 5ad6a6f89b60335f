"""hflint reads the Hugging Face cache from its layout, without huggingface_hub: every answer
agrees with huggingface_hub's own reader on a cache huggingface_hub filled."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fixtures_checkpoints import MAIN_SHA, V1_SHA
from hub_stand_in import StandIn

from hflint.analyzers.hub_access import cache_getter, cached_file

CASES = [
    ("acme/tiny", "config.json", None),
    ("acme/tiny", "config.json", "main"),
    ("acme/tiny", "config.json", "v1"),
    ("acme/tiny", "config.json", V1_SHA),
    ("acme/tiny", "config.json", MAIN_SHA),
    ("acme/tiny", "tokenizer.json", None),
    ("acme/tiny", "tokenizer.json", "v1"),  # cached on main only
    ("acme/tiny", "encoder/config.json", None),
    ("acme/tiny", "vocab.txt", None),  # never fetched
    ("acme/tiny", "missing.json", None),  # the Hub said: no such file
    ("acme/tiny", "config.json", "no-such-branch"),
    ("acme/classifier", "config.json", None),
    ("acme/never-cached", "config.json", None),
]


def hub_answer(cache: Path, repo: str, filename: str, revision: str | None) -> Path | None:
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(repo, filename, cache_dir=cache, revision=revision)
    return Path(found) if isinstance(found, str) else None


@pytest.fixture
def cache_with_a_miss(hf_cache: Path, hub_server: StandIn, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shared cache plus a `.no_exist` entry, recorded by huggingface_hub itself."""
    import huggingface_hub.constants
    from huggingface_hub import hf_hub_download

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    with pytest.raises(Exception, match=r"(?i)not found|does not exist|404"):
        hf_hub_download("acme/tiny", "missing.json", cache_dir=hf_cache, endpoint=hub_server.url)
    assert list((hf_cache / "models--acme--tiny" / ".no_exist").rglob("missing.json"))
    return hf_cache


@pytest.mark.parametrize(("repo", "filename", "revision"), CASES)
def test_agrees_with_huggingface_hub(
    cache_with_a_miss: Path, repo: str, filename: str, revision: str | None
) -> None:
    ours = cached_file(cache_with_a_miss, repo, filename, revision)
    assert ours == hub_answer(cache_with_a_miss, repo, filename, revision)


def test_some_cases_really_hit(cache_with_a_miss: Path) -> None:
    hits = [c for c in CASES if cached_file(cache_with_a_miss, *c) is not None]
    assert len(hits) == 8


def test_subfolder_getter_and_no_escape_from_the_snapshot(cache_with_a_miss: Path) -> None:
    get = cache_getter("acme/tiny", cache_with_a_miss, None, "encoder/")
    assert get("config.json") == cached_file(
        cache_with_a_miss, "acme/tiny", "encoder/config.json", None
    )
    for subfolder in ("..", "../..", "encoder/../..", "/"):
        escaped = cache_getter("acme/tiny", cache_with_a_miss, None, subfolder)("config.json")
        assert escaped is None or escaped.parent.name == MAIN_SHA
    assert cached_file(cache_with_a_miss, "acme/tiny", "../refs/main", None) is None


def test_reading_the_cache_imports_no_huggingface_hub(cache_with_a_miss: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from hflint.analyzers.checkpoints import CheckpointResolver\n"
        "facts = CheckpointResolver().lookup('acme/tiny')\n"
        "assert facts is not None and facts.source == 'cache', facts\n"
        "assert 'huggingface_hub' not in sys.modules\n"
        "print(facts.model_type)\n"
    )
    env = {"HF_HUB_CACHE": str(cache_with_a_miss), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "bert"
