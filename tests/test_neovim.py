"""A real third-party client: headless Neovim (Debian's) talks to `hflint server`.

It opens a file, receives hflint's diagnostics, applies a quick-fix and the buffer changes.
`.ci/run` installs Neovim; where it is missing this test is skipped, and says so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parent / "neovim" / "fix_first_finding.lua"
NVIM = shutil.which("nvim")

BROKEN = """\
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("facebook/bart-large-cnn")
"""


@pytest.mark.skipif(NVIM is None, reason="Neovim is not installed (.ci/run installs it)")
def test_neovim_gets_diagnostics_and_applies_a_quick_fix(tmp_path: Path) -> None:
    target = tmp_path / "summarize.py"
    target.write_text(BROKEN)
    out = tmp_path / "result.json"
    env = {
        **os.environ,
        "HFLINT_PYTHON": sys.executable,
        "HFLINT_FILE": str(target),
        "HFLINT_OUT": str(out),
        "HFLINT_CODE": "HF102",
        "HF_HUB_OFFLINE": "1",
        "HFLINT_CACHE_DIR": str(tmp_path / "cache"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    assert NVIM is not None
    subprocess.run(
        [NVIM, "--headless", "--clean", "-n", "-c", f"luafile {SCRIPT}"],
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
        capture_output=True,
    )
    result = json.loads(out.read_text())
    assert "error" not in result, result
    codes = {d["code"] for d in result["diagnostics"]}
    assert "HF102" in codes
    hf102 = next(d for d in result["diagnostics"] if d["code"] == "HF102")
    assert (hf102["lnum"], hf102["col"]) == (2, 8)  # 0-based: line 3, `AutoModelForCausalLM`
    assert hf102["source"] == "hflint"
    assert result["applied"] and "AutoModelForSeq2SeqLM" in result["applied"]
    text = "\n".join(result["lines"])
    assert 'model = AutoModelForSeq2SeqLM.from_pretrained("facebook/bart-large-cnn")' in text
    # the import names the new class and drops the one no longer used
    assert text.startswith("from transformers import AutoModelForSeq2SeqLM\n"), text
    assert "AutoModelForCausalLM" not in text
