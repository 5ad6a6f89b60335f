"""Shared test set-up: offline, an empty HF cache, and a private hflint cache per session."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from hflint.analyzers.target_version import installed_version

ROOT = Path(__file__).resolve().parent.parent


def _locked_transformers() -> str:
    """The transformers release requirements/dev.in locks: the one recorded results need."""
    text = (ROOT / "requirements" / "dev.in").read_text(encoding="utf-8")
    match = re.search(r"^transformers==(\S+)", text, re.M)
    assert match, "requirements/dev.in must pin transformers=="
    return match.group(1)


LOCKED_TRANSFORMERS = _locked_transformers()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "locked_transformers: asserts hflint's behaviour on the locked transformers release "
        "(requirements/dev.in); skipped against any other (`make test-latest`)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    installed = installed_version()
    if installed == LOCKED_TRANSFORMERS:
        return
    skip = pytest.mark.skip(
        reason=f"needs transformers {LOCKED_TRANSFORMERS} (the lock); {installed} is installed"
    )
    for item in items:
        if item.get_closest_marker("locked_transformers") is not None:
            item.add_marker(skip)


@pytest.fixture(autouse=True, scope="session")
def _offline_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    home = tmp_path_factory.mktemp("hf-home")
    saved = {
        k: os.environ.get(k)
        for k in ("HF_HUB_OFFLINE", "HF_HOME", "HF_HUB_CACHE", "HFLINT_CACHE_DIR", "HFLINT_PYTHON")
    }
    os.environ.pop("HFLINT_PYTHON", None)  # the transformers beside hflint, not a user's
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_HOME"] = str(home)
    os.environ.pop("HF_HUB_CACHE", None)
    os.environ.setdefault("HFLINT_CACHE_DIR", str(tmp_path_factory.mktemp("hflint-cache")))
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    return tmp_path


# checkpoints: tiny checkpoints, a stand-in hub and an HF cache (tests/fixtures_checkpoints.py)
from fixtures_checkpoints import hf_cache, hub_repos, hub_server, tiny_checkpoints  # noqa: E402, F401
