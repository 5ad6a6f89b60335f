"""hflint installs next to any project and outside it, and never changes the project's
environment: pip into a project pinned to transformers 4.44.2, and as a tool (pipx, uv tool)
reading that project's transformers from its environment.

Each test makes fresh virtual environments; packages come from the package index the set-up
already uses, through pip's and uv's caches, so a second run downloads nothing.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT_PIN = "transformers==4.44.2"
# Fine in 4.44.2 (a deprecation warning); an error on 5.x, where the argument was removed.
CODE = 'from transformers import TrainingArguments\n\nargs = TrainingArguments("out", evaluation_strategy="epoch")\n'
HEAVY = ("torch", "accelerate")
TIMEOUT = 900

pytestmark = pytest.mark.timeout(TIMEOUT)


@pytest.fixture(autouse=True, scope="module")
def own_hflint_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The installed hflints remember the project's release in a cache of their own, not in the
    suite's (other tests choose releases from what that cache holds)."""
    saved = os.environ.get("HFLINT_CACHE_DIR")
    os.environ["HFLINT_CACHE_DIR"] = str(tmp_path_factory.mktemp("install-hflint-cache"))
    yield
    if saved is None:
        os.environ.pop("HFLINT_CACHE_DIR", None)
    else:
        os.environ["HFLINT_CACHE_DIR"] = saved


def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("HFLINT_PYTHON", None)
    env.pop("VIRTUAL_ENV", None)
    env.update(kwargs.pop("env", {}))  # type: ignore[call-overload]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=TIMEOUT, env=env, **kwargs
    )  # type: ignore[call-overload]
    return done  # type: ignore[no-any-return]


def ok(command: list[str], **kwargs: object) -> str:
    done = run(command, **kwargs)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def venv(path: Path) -> Path:
    ok([sys.executable, "-m", "venv", str(path)])
    return path / "bin" / "python"


def importable(python: Path, names: tuple[str, ...]) -> list[str]:
    """Which of `names` the interpreter can import (found, not imported)."""
    code = f"import importlib.util as u; print([n for n in {names!r} if u.find_spec(n)])"
    return list(ast.literal_eval(ok([str(python), "-c", code])))


def packages(python: Path) -> dict[str, str]:
    out = ok([str(python), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"])
    pairs = (line.split("==", 1) for line in out.splitlines() if "==" in line)
    return {name.lower(): version for name, version in pairs}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """hflint's wheel, built from this checkout with the locked setuptools."""
    out = tmp_path_factory.mktemp("wheel")
    ok([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
        "-w", str(out), str(ROOT)])  # fmt: skip
    (found,) = out.glob("hflint-*.whl")
    return found


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A project whose venv has transformers 4.44.2 (no torch), and a file to check."""
    root = tmp_path_factory.mktemp("project")
    python = venv(root / ".venv")
    ok([str(python), "-m", "pip", "install", "-q", PROJECT_PIN])
    (root / "train.py").write_text(CODE)
    yield root


def check(hflint: Path, project: Path, **env: str) -> subprocess.CompletedProcess[str]:
    command = [str(hflint), "check", "--no-cache", "--select", "HF802", "train.py"]
    return run(command, cwd=project, env={"HF_HUB_OFFLINE": "1", **env})


def test_pip_into_a_project_pinned_to_4_44_2_changes_nothing(project: Path, wheel: Path) -> None:
    python = project / ".venv" / "bin" / "python"
    before = packages(python)
    ok([str(python), "-m", "pip", "install", "-q", str(wheel)])  # unpinned: no upgrade
    ok([str(python), "-m", "pip", "install", "-q", PROJECT_PIN, str(wheel)])  # pinned: resolves
    after = packages(python)
    assert after["transformers"] == "4.44.2"
    assert {k: v for k, v in after.items() if k in before} == before
    assert not [name for name in HEAVY if name in after]
    ok([str(python), "-m", "pip", "check"])

    found = check(project / ".venv" / "bin" / "hflint", project)
    assert found.returncode == 1, found.stderr
    assert "evaluation_strategy" in found.stdout
    assert "transformers 4.44.2 (installed)" in found.stdout


@pytest.mark.skipif(shutil.which("pipx", path=str(Path(sys.executable).parent)) is None,
                    reason="pipx is in the lock (requirements/dev.lock)")  # fmt: skip
def test_pipx_install_from_the_clone(project: Path, tmp_path: Path) -> None:
    pipx = Path(sys.executable).parent / "pipx"
    env = {
        "PIPX_HOME": str(tmp_path / "pipx"),
        "PIPX_BIN_DIR": str(tmp_path / "bin"),
        "PIPX_MAN_DIR": str(tmp_path / "man"),
    }
    ok([str(pipx), "install", str(ROOT)], env=env)
    hflint = tmp_path / "bin" / "hflint"
    tool_python = tmp_path / "pipx" / "venvs" / "hflint" / "bin" / "python"
    assert importable(tool_python, ("hflint", "transformers", *HEAVY)) == ["hflint"]
    assert_reads_the_projects_transformers(hflint, project)


@pytest.mark.skipif(shutil.which("uv", path=str(Path(sys.executable).parent)) is None,
                    reason="uv is in the lock (requirements/dev.lock)")  # fmt: skip
def test_uv_tool_install_from_the_clone(project: Path, tmp_path: Path) -> None:
    uv = Path(sys.executable).parent / "uv"
    env = {
        "UV_TOOL_DIR": str(tmp_path / "tools"),
        "UV_TOOL_BIN_DIR": str(tmp_path / "bin"),
        "UV_PYTHON_DOWNLOADS": "never",
    }
    ok([str(uv), "tool", "install", "--python", sys.executable, str(ROOT)], env=env)
    hflint = tmp_path / "bin" / "hflint"
    tool_python = tmp_path / "tools" / "hflint" / "bin" / "python"
    assert importable(tool_python, ("hflint", "transformers", *HEAVY)) == ["hflint"]
    assert_reads_the_projects_transformers(hflint, project)


def assert_reads_the_projects_transformers(hflint: Path, project: Path) -> None:
    """From the project's folder (its .venv), from anywhere with `--python`, and with nothing
    to read: no transformers known, so the version rules stay silent rather than guess."""
    found = check(hflint, project)
    assert found.returncode == 1, found.stdout + found.stderr
    assert "transformers 4.44.2 (installed)" in found.stdout

    python = project / ".venv" / "bin" / "python"
    elsewhere = project.parent / f"{project.name}-elsewhere"
    elsewhere.mkdir(exist_ok=True)
    shutil.copy(project / "train.py", elsewhere / "train.py")
    configured = run(
        [str(hflint), "check", "--no-cache", "--select", "HF802", "--python", str(python),
         "train.py"], cwd=elsewhere, env={"HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    assert "transformers 4.44.2 (installed)" in configured.stdout, configured.stderr

    alone = check(hflint, elsewhere, PATH="/nonexistent")
    assert alone.returncode == 0, alone.stdout + alone.stderr
