"""Validation as a new user meets it: a mistyped folder, and an interpreter without the extra.

`hflint validate` runs for real (a subprocess) and so does the language server. Interpreters
without torch or transformers are real ones: fresh venvs made here with `python -m venv`, empty
or with a stub package folder (found by importlib, never imported). "hflint's own interpreter
has no transformers" is a fresh venv that sees hflint and its dependencies, not torch,
transformers or accelerate: it runs the CLI and the server itself.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest
from lsp_client import NEOVIM, SERVER, VSCODE, HflintClient, open_doc, pull, session, until
from lsprotocol import types

import hflint
from hflint.server.validation import default_interpreter, folder_problem, looks_like_path

HEAVY = re.compile(r"^(torch|functorch|torchgen|transformers|accelerate|triton|nvidia)", re.I)
ADVICE = "install `hflint[validate]` or point `{setting}` at an environment with {needed}"


def venv(folder: Path, *stubs: str) -> str:
    """A fresh venv (no pip, no packages) with an empty stub package per name in `stubs`."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    for stub in stubs:
        package = Path(site_packages(str(python))) / stub
        package.mkdir()
        (package / "__init__.py").write_text("raise SystemExit('a stub: never imported')\n")
    return str(python)


def site_packages(python: str) -> str:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    out = subprocess.run([python, "-c", code], check=True, capture_output=True, text=True)
    return out.stdout.strip()


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> str:
    return venv(tmp_path_factory.mktemp("bare") / "venv")


@pytest.fixture(scope="module")
def without_extra(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A venv where hflint and its dependencies import, and torch/transformers/accelerate do not:
    `pip install hflint` without `[validate]`."""
    root = tmp_path_factory.mktemp("without-extra")
    python = venv(root / "venv")
    deps = root / "deps"
    deps.mkdir()
    ours = Path(sysconfig.get_paths()["purelib"])
    for entry in ours.iterdir():
        if HEAVY.match(entry.name) or entry.suffix == ".pth" or entry.name.startswith("__"):
            continue
        (deps / entry.name).symlink_to(entry)
    linked = Path(hflint.__file__).parent.parent  # the folder holding the `hflint` package
    (Path(site_packages(python)) / "hflint-test.pth").write_text(f"{deps}\n{linked}\n")
    check = "import importlib.util as u; print(u.find_spec('torch'), u.find_spec('transformers'))"
    out = subprocess.run([python, "-c", check], check=True, capture_output=True, text=True)
    assert out.stdout.split() == ["None", "None"]
    return python


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from transformers import BertConfig

    folder = tmp_path_factory.mktemp("project") / "tiny-bert"
    BertConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2).save_pretrained(folder)
    return folder


@dataclass
class Run:
    code: int
    out: str
    err: str


def hflint_validate(*args: str, cwd: Path, python: str = sys.executable) -> Run:
    """The real `hflint validate` (python -m hflint validate ...), offline."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [python, "-m", "hflint", "validate", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


# ---- 1. a path to no folder ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["./missing-folder", "../missing-folder", "~/hflint-no-such-folder", "org/name/sub", ".m/x"],
)
def test_path_to_no_folder_is_a_usage_error(tmp_path: Path, name: str) -> None:
    cwd = tmp_path / "work"
    cwd.mkdir()
    run = hflint_validate(name, "--class", "AutoModel", cwd=cwd)
    assert run.code == 2, run
    assert run.out == ""
    expected = Path(name).expanduser()
    expected = expected if expected.is_absolute() else cwd / expected
    assert run.err == (
        f"hflint: error: {name}: the folder does not exist (looked for {expected})\n"
    ), run.err
    assert "Repo id" not in run.err and "Traceback" not in run.err


def test_absolute_path_to_no_folder(tmp_path: Path) -> None:
    run = hflint_validate(str(tmp_path / "gone"), cwd=tmp_path)
    assert (run.code, run.out) == (2, "")
    assert f"the folder does not exist (looked for {tmp_path / 'gone'})" in run.err


@pytest.mark.parametrize("name", ["./tiny-bert/config.json", "org/name", "notes.txt"])
def test_a_file_is_not_a_checkpoint_folder(tmp_path: Path, name: str) -> None:
    (tmp_path / "tiny-bert").mkdir()
    (tmp_path / "org").mkdir()
    for file in ("tiny-bert/config.json", "org/name", "notes.txt"):
        (tmp_path / file).write_text("{}")
    run = hflint_validate(name, cwd=tmp_path)
    assert (run.code, run.out) == (2, "")
    path = tmp_path / name
    assert run.err == (
        f"hflint: error: {name}: {path} is a file, not a folder: give the folder that holds the "
        f"checkpoint's config.json ({path.parent}?) or a hub repo id\n"
    )


def test_bare_org_name_not_on_disk_is_still_a_hub_repo_id(tmp_path: Path) -> None:
    run = hflint_validate("acme/not-on-disk", "--class", "AutoModel", cwd=tmp_path)
    assert run.code == 1, run  # the hub lookup failed, offline: a finding, not a usage error
    assert run.out.startswith("acme/not-on-disk: OSError: ")
    assert "validation runs offline" in run.out
    assert "hflint: loading the config" in run.err
    assert "does not exist" not in run.out + run.err


def test_path_rules(tmp_path: Path) -> None:
    paths = ["./m", "../m", ".m", "/abs/m", "~/m", "~", "a/b/c", "org/name/"]
    hub_ids = ["gpt2", "org/name", "org/name.v2", "google-bert/bert-base-uncased"]
    assert [n for n in paths if not looks_like_path(n)] == []
    assert [n for n in hub_ids if looks_like_path(n)] == []
    (tmp_path / "org" / "name").mkdir(parents=True)
    assert folder_problem("org/name", str(tmp_path)) is None  # on disk: a local folder
    assert folder_problem("org/other", str(tmp_path)) is None  # not on disk: a repo id
    problem = folder_problem("./org/other", str(tmp_path))
    assert problem is not None and str(tmp_path / "org" / "other") in problem
    assert default_interpreter() == sys.executable


# ---- 2. an interpreter without torch or transformers --------------------------------------------


def test_interpreter_without_transformers_and_torch(bare: str, checkpoint: Path) -> None:
    run = hflint_validate("./tiny-bert", "--interpreter", bare, cwd=checkpoint.parent)
    assert run.code == 2, run
    lines = run.out.splitlines()
    assert lines[0] == (
        f"./tiny-bert: cannot validate: transformers and torch are not installed in {bare} "
        "(set by `--interpreter`); "
        + ADVICE.format(setting="--interpreter", needed="transformers and torch")
    )
    assert f"`{bare} -m pip install 'hflint[validate]'`" in lines[1]
    assert lines[-1].startswith("status: unavailable")
    assert "Traceback" not in run.out + run.err

    as_json = hflint_validate(
        "./tiny-bert", "--interpreter", bare, "--output-format", "json", cwd=checkpoint.parent
    )
    assert as_json.code == 2
    data = json.loads(as_json.out)
    assert data["status"] == "unavailable"
    assert data["details"]["missing"] == ["transformers", "torch"]
    assert data["details"]["interpreter"] == bare


@pytest.mark.parametrize(
    ("stub", "missing"), [("transformers", "torch"), ("torch", "transformers")]
)
def test_interpreter_missing_one_of_the_two(
    tmp_path: Path, checkpoint: Path, stub: str, missing: str
) -> None:
    python = venv(tmp_path / "venv", stub)
    run = hflint_validate(str(checkpoint), "--interpreter", python, cwd=tmp_path)
    assert run.code == 2, run
    assert run.out.splitlines()[0] == (
        f"{checkpoint}: cannot validate: {missing} is not installed in {python} "
        "(set by `--interpreter`); "
        + ADVICE.format(setting="--interpreter", needed="transformers and torch")
    )
    assert f"which has no {missing}." in run.out


def test_a_tokenizer_needs_transformers_only(bare: str, checkpoint: Path) -> None:
    run = hflint_validate(
        str(checkpoint), "--class", "AutoTokenizer", "--interpreter", bare, cwd=checkpoint.parent
    )
    assert run.code == 2
    first = run.out.splitlines()[0]
    assert "transformers is not installed in" in first and "torch" not in first
    assert first.endswith("at an environment with transformers")


def test_hflint_own_interpreter_without_the_extra(without_extra: str, checkpoint: Path) -> None:
    run = hflint_validate("./tiny-bert", cwd=checkpoint.parent, python=without_extra)
    assert run.code == 2, run
    assert run.out.splitlines()[0] == (
        "./tiny-bert: cannot validate: transformers and torch are not installed in hflint's own "
        f"interpreter ({without_extra}); "
        + ADVICE.format(setting="--interpreter", needed="transformers and torch")
    )
    assert "Traceback" not in run.out + run.err


# ---- the editor ----------------------------------------------------------------------------------

LOAD = 'from transformers import AutoModel\n\nmodel = AutoModel.from_pretrained("{name}")\n'


def _params(uri: str, name: str) -> types.ExecuteCommandParams:
    line = LOAD.format(name=name).splitlines()[2]
    argument = {
        "uri": uri,
        "range": {
            "start": {"line": 2, "character": line.index("AutoModel")},
            "end": {"line": 2, "character": len(line)},
        },
        "checkpoint": name,
        "class": "AutoModel",
    }
    return types.ExecuteCommandParams(command="hflint.validate", arguments=[argument])


def _project(root: Path, name: str) -> tuple[Path, str]:
    (root / ".git").mkdir(exist_ok=True)  # configuration lookups stop here
    path = root / "load.py"
    text = LOAD.format(name=name)
    path.write_text(text)
    return path, text


def _shown(client: HflintClient, text: str) -> types.MessageType:
    """The type of the one window/showMessage saying `text`."""
    [shown] = [m.type for m in client.messages if m.message == text]
    return shown


async def _validation_diagnostics(client: HflintClient, uri: str) -> list[types.Diagnostic]:
    report = await pull(client, uri)
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    return [d for d in report.items if d.source == "hflint (validation)"]


@pytest.mark.asyncio
@pytest.mark.timeout(60)
async def test_editor_path_to_no_folder(tmp_path: Path) -> None:
    path, text = _project(tmp_path, "./missing-folder")
    async with session(tmp_path, VSCODE) as client:
        uri = open_doc(client, path, text)
        result = await client.workspace_execute_command_async(_params(uri, "./missing-folder"))

        def pinned_now() -> list[types.Diagnostic]:
            found = client.diagnostics.get(uri, [])
            return [d for d in found if d.source == "hflint (validation)"]

        await until(pinned_now)
        pinned = pinned_now()
    assert result["status"] == "error"
    assert result["summary"].startswith(
        f"./missing-folder: the folder does not exist (looked for {tmp_path / 'missing-folder'}"
    )
    assert [d.message for d in pinned] == [result["summary"]]
    assert pinned[0].severity == types.DiagnosticSeverity.Error
    assert _shown(client, result["summary"]) == types.MessageType.Error


@pytest.mark.asyncio
@pytest.mark.timeout(60)
async def test_editor_configured_interpreter_without_torch(bare: str, checkpoint: Path) -> None:
    path, text = _project(checkpoint.parent, "./tiny-bert")
    settings = {"validation": {"interpreter": bare}}
    async with session(checkpoint.parent, NEOVIM, init_options=settings) as client:
        uri = open_doc(client, path, text)
        result = await client.workspace_execute_command_async(_params(uri, "./tiny-bert"))
        pinned = await _validation_diagnostics(client, uri)
    assert result == {
        "status": "unavailable",
        "summary": f"./tiny-bert: cannot validate: transformers and torch are not installed in "
        f"{bare} (set by `validation.interpreter`); "
        + ADVICE.format(setting="validation.interpreter", needed="transformers and torch"),
    }
    assert _shown(client, result["summary"]) == types.MessageType.Error
    assert pinned == []  # the load call is not at fault


@pytest.mark.asyncio
@pytest.mark.timeout(60)
async def test_editor_hflint_own_interpreter_without_the_extra(
    without_extra: str, checkpoint: Path
) -> None:
    path, text = _project(checkpoint.parent, "./tiny-bert")
    server = [without_extra, *SERVER[1:]]
    async with session(checkpoint.parent, NEOVIM, command=server) as client:
        uri = open_doc(client, path, text)
        result = await client.workspace_execute_command_async(_params(uri, "./tiny-bert"))
    assert result["status"] == "unavailable"
    assert result["summary"] == (
        "./tiny-bert: cannot validate: transformers and torch are not installed in hflint's own "
        f"interpreter ({without_extra}); "
        + ADVICE.format(setting="validation.interpreter", needed="transformers and torch")
    )
    assert _shown(client, result["summary"]) == types.MessageType.Error
