"""The VS Code extension end to end, in a real VS Code: code-server in headless Chromium.

The .vsix that `make vsix` builds is installed into code-server, which opens a script with a
known mistake: the Problems panel must list hflint's finding, the code lens must say what is
known of the checkpoint, the status bar the transformers version, the quick-fix must change
the file on disk, and "hflint: Validate model at cursor" must show its progress and result in
notifications. A second run sets an interpreter without hflint: the user must be told what to
install, with buttons to the settings and the install command. Screenshots are kept in
editor-client/e2e/artifacts/.

`.ci/run` installs code-server, Chromium and their Debian packages
(editor-client/e2e/install-code-server.sh); where they are missing this test is skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CLIENT = Path(__file__).parent.parent / "editor-client"
SCRIPT = CLIENT / "e2e" / "vscode.e2e.mjs"
ARTIFACTS = CLIENT / "e2e" / "artifacts"
VSIX = CLIENT / "hflint.vsix"
CODE_SERVER = Path(
    os.environ.get(
        "HFLINT_CODE_SERVER",
        Path.home()
        / ".cache"
        / "hflint-e2e"
        / "code-server"
        / "node_modules"
        / ".bin"
        / "code-server",
    )
)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NODE = shutil.which("node")

missing = [
    what
    for what, there in (
        ("code-server", CODE_SERVER.is_file()),
        ("Chromium", CHROMIUM is not None),
        ("node", NODE is not None),
        ("the .vsix (make vsix)", VSIX.is_file()),
        (
            "playwright-core (make extension)",
            (CLIENT / "node_modules" / "playwright-core").is_dir(),
        ),
    )
    if not there
]


needs = pytest.mark.skipif(
    bool(missing), reason=f"not installed: {', '.join(missing)} (.ci/run installs them)"
)


def _run(scenario: str, tmp_path: Path) -> dict[str, Any]:
    assert NODE is not None and CHROMIUM is not None
    env = {
        **os.environ,
        "CODE_SERVER": str(CODE_SERVER),
        "CHROMIUM": CHROMIUM,
        "VSIX": str(VSIX),
        "HFLINT_PYTHON": sys.executable,
        "E2E_OUT": str(ARTIFACTS / scenario),
        "E2E_SCENARIO": scenario,
        "HF_HUB_OFFLINE": "1",
        "HFLINT_CACHE_DIR": str(tmp_path / "cache"),
        "TMPDIR": str(tmp_path),
    }
    run = subprocess.run(
        [NODE, str(SCRIPT)], env=env, cwd=CLIENT, capture_output=True, text=True, timeout=400
    )
    lines = run.stdout.strip().splitlines()
    assert lines, f"no result; stderr:\n{run.stderr[-3000:]}"
    result: dict[str, Any] = json.loads(lines[-1])
    assert result["ok"], result.get("error") or result
    return result


@needs
def test_vscode_shows_the_finding_and_applies_the_quick_fix(tmp_path: Path) -> None:
    result = _run("fix", tmp_path)
    problems = "\n".join(result["problems"])
    assert "HF102" in problems and "hflint" in problems
    assert "encoder-decoder" in problems
    lenses = result["codeLenses"]
    assert any("facebook/bart-large-cnn: bart, encoder-decoder" in lens for lens in lenses)
    assert any("Validate (AutoModelForCausalLM)" in lens for lens in lenses)
    assert "transformers" in result["statusBar"]
    assert result["fixTitle"].startswith("Use `AutoModelForSeq2SeqLM`")
    assert 'AutoModelForSeq2SeqLM.from_pretrained("facebook/bart-large-cnn")' in result["fixed"]
    validating = result["validating"]
    assert "hflint: validating" in validating and "tiny-bart" in validating
    assert "Cancel" in validating  # cancellable, from the notification
    built = "tiny-bart: AutoModelForSeq2SeqLM builds BartForConditionalGeneration"
    assert built in result["validated"]
    assert (ARTIFACTS / "fix" / "problems.png").stat().st_size > 10_000


@needs
def test_vscode_says_what_to_install_when_the_interpreter_lacks_hflint(tmp_path: Path) -> None:
    result = _run("missing", tmp_path)
    message = result["message"]
    assert "hflint is not installed in" in message and "python-without-hflint" in message
    assert "Open Settings" in message and "Copy Install Command" in message
    assert "hflint is not installed" in result["statusBar"]
