"""Where hflint keeps what it learns once per machine: transformers' tables per version, the
answers to editors' `initialize`. A module of its own so that reading the path costs nothing."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    if env := os.environ.get("HFLINT_CACHE_DIR"):
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "hflint"
