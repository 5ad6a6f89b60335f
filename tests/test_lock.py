"""The development environment is the lock: every package pinned with hashes, the lock agrees
with what pyproject.toml and requirements/dev.in ask for, and the environment the suite runs
in is the one the lock describes."""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

import pytest
from conftest import LOCKED_TRANSFORMERS
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "dev.lock"
NAMED = [
    "transformers",
    "torch",
    "pygls",
    "lsprotocol",
    "libcst",
    "jedi",
    "huggingface-hub",
    "accelerate",
    "ruff",
    "mypy",
    "pytest",
    "packaging",
    "pip-tools",
    "pipx",
    "uv",
    "setuptools",
    "wheel",
]


def locked() -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes), from the lock's `name==version \\ --hash=...` entries."""
    text = LOCK.read_text(encoding="utf-8").replace("\\\n", " ")
    entries: dict[str, tuple[str, list[str]]] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.match(r"([A-Za-z0-9_.-]+)==(\S+)\s*(.*)", line)
        assert match, f"not pinned exactly: {line!r}"
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", match.group(3))
        entries[canonicalize_name(match.group(1))] = (match.group(2), hashes)
    return entries


def test_every_package_is_pinned_with_hashes() -> None:
    entries = locked()
    assert len(entries) > 50
    assert not [name for name, (_, hashes) in entries.items() if not hashes]
    assert not [name for name in NAMED if canonicalize_name(name) not in entries]


def test_the_lock_satisfies_pyproject_and_dev_in() -> None:
    entries = locked()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted += extra
    dev_in = (ROOT / "requirements" / "dev.in").read_text(encoding="utf-8")
    wanted += [line for line in dev_in.splitlines() if line.strip() and line[0] != "#"]
    unmet = []
    for text in wanted:
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        version, _ = entries.get(canonicalize_name(requirement.name), ("", []))
        pinned = Version(version.split("+")[0]) if version else None
        if pinned is None or not requirement.specifier.contains(pinned, prereleases=True):
            unmet.append(f"{text} (locked: {version or 'absent'})")
    assert not unmet, "run `make lock`: " + ", ".join(unmet)


def test_the_lock_names_the_cpu_torch_and_the_locked_transformers() -> None:
    entries = locked()
    assert entries["torch"][0] == "2.13.0+cpu"
    assert entries["transformers"][0] == LOCKED_TRANSFORMERS
    assert not [name for name in entries if name.startswith("nvidia-")]


@pytest.mark.locked_transformers
def test_the_environment_is_the_lock() -> None:
    """`make test` installed exactly the locked versions (a drifted .venv is caught here)."""
    drift = []
    for name, (version, _) in locked().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            drift.append(f"{name} (not installed)")
            continue
        if Version(installed) != Version(version):
            drift.append(f"{name} {installed} (locked: {version})")
    assert not drift, "run `make clean run`: " + ", ".join(drift)
