"""Shared test set-up: offline, an empty HF cache, and a private hflint cache per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True, scope="session")
def _offline_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    home = tmp_path_factory.mktemp("hf-home")
    saved = {
        k: os.environ.get(k)
        for k in ("HF_HUB_OFFLINE", "HF_HOME", "HF_HUB_CACHE", "HFLINT_CACHE_DIR")
    }
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
