"""The project's transformers is found from the layouts environments have, never by running
their interpreter: the configured one, hflint's own, the activated one, the project's .venv,
then the one on PATH."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from hflint.analyzers import environment
from hflint.analyzers.knowledge_extract import find_transformers, read_version

VERSION = f"{sys.version_info[0]}.{sys.version_info[1]}"


def make_venv(root: Path, transformers: str | None, *, marker: Path | None = None) -> Path:
    """A venv's layout: pyvenv.cfg, bin/python (a script that would leave `marker` if it ever
    ran), and transformers `transformers` in its site-packages. Returns bin/python."""
    (root / "bin").mkdir(parents=True)
    (root / "pyvenv.cfg").write_text(
        f"home = /nonexistent/bin\ninclude-system-site-packages = false\nversion = {VERSION}.1\n"
    )
    python = root / "bin" / "python"
    python.write_text(f"#!/bin/sh\ntouch {marker or root / 'RAN'}\n")
    python.chmod(0o755)
    site = root / "lib" / f"python{VERSION}" / "site-packages"
    site.mkdir(parents=True)
    if transformers is not None:
        package = site / "transformers"
        package.mkdir()
        (package / "__init__.py").write_text(f'__version__ = "{transformers}"\n')
    return python


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No configured, activated or PATH interpreter; cwd an empty folder."""
    for name in (environment.ENV_VAR, "VIRTUAL_ENV", "CONDA_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def without_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """hflint installed as a tool: its own interpreter has no transformers."""
    monkeypatch.setattr(environment, "_own_package", lambda: None)


def found_version() -> str | None:
    package = find_transformers()
    return read_version(package) if package is not None else None


def test_own_interpreter_when_nothing_is_configured(clean_env: Path) -> None:
    found = environment.find()
    assert found is not None and found.source == "hflint's own interpreter"
    assert found.interpreter == sys.executable


def test_configured_interpreter_wins_and_is_never_run(
    clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = make_venv(tmp_path / "proj" / ".venv", "4.44.2")
    monkeypatch.setenv(environment.ENV_VAR, str(python))
    found = environment.find()
    assert found is not None and found.source == "the configured interpreter"
    assert read_version(found.package) == "4.44.2"
    assert not (tmp_path / "proj" / ".venv" / "RAN").exists()


def test_set_interpreter_reaches_child_processes_and_can_be_cleared(
    clean_env: Path, tmp_path: Path
) -> None:
    python = make_venv(tmp_path / "env", "4.40.2")
    environment.set_interpreter(str(python))
    try:
        assert os.environ[environment.ENV_VAR] == str(python)
        assert found_version() == "4.40.2"
    finally:
        environment.set_interpreter(None)
    assert environment.ENV_VAR not in os.environ
    assert found_version() != "4.40.2"


def test_configured_environment_without_transformers_falls_through(
    clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(environment.ENV_VAR, str(make_venv(tmp_path / "empty", None)))
    found = environment.find()
    assert found is not None and found.source == "hflint's own interpreter"


def test_activated_environment_when_hflint_is_a_tool(
    clean_env: Path, without_own: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_venv(tmp_path / "active", "4.57.6")
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "active"))
    found = environment.find()
    assert found is not None and found.source == "the activated environment ($VIRTUAL_ENV)"
    assert read_version(found.package) == "4.57.6"


def test_project_venv_found_from_a_subfolder(
    clean_env: Path, without_own: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_venv(clean_env / ".venv", "4.46.3")
    sub = clean_env / "src" / "pkg"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    found = environment.find()
    assert found is not None and found.source == "the project's .venv folder"
    assert read_version(found.package) == "4.46.3"


def test_a_folder_named_venv_without_pyvenv_cfg_is_not_an_environment(
    clean_env: Path, without_own: None
) -> None:
    (clean_env / ".venv" / "lib" / f"python{VERSION}" / "site-packages" / "transformers").mkdir(
        parents=True
    )
    assert environment.find() is None


def test_python_on_path(
    clean_env: Path, without_own: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = make_venv(tmp_path / "onpath", "5.0.0")
    monkeypatch.setenv("PATH", str(python.parent))
    (python.parent / "python3").symlink_to(python)
    found = environment.find()
    assert found is not None and found.source == "`python3` on PATH"
    assert read_version(found.package) == "5.0.0"
    assert not (tmp_path / "onpath" / "RAN").exists()


def test_nothing_anywhere(clean_env: Path, without_own: None) -> None:
    assert environment.find() is None
    assert find_transformers() is None


def test_base_install_layout_and_system_site_packages(tmp_path: Path) -> None:
    prefix = tmp_path / "usr"
    (prefix / "bin").mkdir(parents=True)
    python = prefix / "bin" / f"python{VERSION}"
    python.write_text("")
    site = prefix / "lib" / f"python{VERSION}" / "site-packages"
    site.mkdir(parents=True)
    assert site in environment.site_packages(python)

    venv = tmp_path / "v"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text(
        f"home = {prefix / 'bin'}\ninclude-system-site-packages = true\nversion = {VERSION}.2\n"
    )
    own_site = venv / "lib" / f"python{VERSION}" / "site-packages"
    own_site.mkdir(parents=True)
    folders = environment.site_packages(venv / "bin" / "python")
    assert folders[0] == own_site and site in folders


def test_editable_checkout_through_a_pth_file_never_runs_its_imports(
    clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = make_venv(tmp_path / "dev", None)
    checkout = tmp_path / "transformers-src" / "src"
    (checkout / "transformers").mkdir(parents=True)
    (checkout / "transformers" / "__init__.py").write_text('__version__ = "5.26.0.dev0"\n')
    site = tmp_path / "dev" / "lib" / f"python{VERSION}" / "site-packages"
    marker = tmp_path / "pth-ran"
    (site / "a.pth").write_text(f"import os; open({str(marker)!r}, 'w')\n")
    (site / "transformers.pth").write_text(f"{checkout}\n")
    monkeypatch.setenv(environment.ENV_VAR, str(python))
    assert found_version() == "5.26.0.dev0"
    assert not marker.exists()


# ---- which interpreter a validation loads with when none is configured


def test_validation_uses_hflints_own_interpreter_when_it_loads_models(
    clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hflint.server import validation

    make_venv(tmp_path / "active", "4.57.6")
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "active"))
    assert validation.default_interpreter() == sys.executable


def test_validation_uses_the_activated_environment_when_hflint_cannot_load(
    clean_env: Path, without_own: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hflint.server import validation

    monkeypatch.setattr(validation, "_loads_models", lambda: False)
    python = make_venv(tmp_path / "active", "4.57.6")
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "active"))
    assert validation.default_interpreter() == str(python)
    monkeypatch.delenv("VIRTUAL_ENV")
    monkeypatch.setenv(environment.ENV_VAR, str(python))
    assert validation.default_interpreter() == str(python)


def test_validation_never_runs_a_venv_it_only_found_in_the_folder(
    clean_env: Path, without_own: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hflint.server import validation

    monkeypatch.setattr(validation, "_loads_models", lambda: False)
    make_venv(clean_env / ".venv", "4.46.3")
    found = environment.find()
    assert found is not None and found.source in environment.UNASKED  # its facts are read
    assert validation.default_interpreter() == sys.executable  # but it is not run
