"""Diagnostics kept from the last keystroke are exactly what a fresh conversion gives."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from hflint.analyzers.settings import Settings
from hflint.server.config import Config
from hflint.server.lsp_convert import (
    _converter,
    diagnostics_json,
    forget_conversions,
    to_diagnostic,
    to_diagnostics,
)
from hflint.server.lsp_documents import Snapshot
from hflint.server.runner import check_text

CODE = (
    "from transformers import AutoModelForCausalLM, TrainingArguments\n"
    'model = AutoModelForCausalLM.from_pretrained("facebook/bart-large-cnn")\n'
    'args = TrainingArguments("out", evaluation_strategy="epoch")\n'
)


def _convert(text: str, tmp_path: Path, version: int) -> tuple[Snapshot, list[types.Diagnostic]]:
    path = tmp_path / "train.py"
    config = Config(Settings(), tmp_path)
    findings = check_text(text, path, config)[0]
    assert findings
    snapshot = Snapshot(path.as_uri(), version, path, config, text, "utf-16", doc_version=version)
    diagnostics = to_diagnostics(findings, snapshot)[snapshot.uri]
    fresh = [to_diagnostic(f, snapshot)[1] for f in findings]
    assert diagnostics == fresh
    assert diagnostics_json(snapshot.uri, diagnostics) == [
        _converter().unstructure(d) for d in fresh
    ]
    return snapshot, diagnostics


def test_kept_conversions_match_fresh_ones_across_edits(tmp_path: Path) -> None:
    _, first = _convert(CODE, tmp_path, 1)
    _, again = _convert(CODE + "\n", tmp_path, 2)
    assert again[0] is first[0]  # the same lines: kept
    shifted = "# a comment line\n" + CODE
    _, moved = _convert(shifted, tmp_path, 3)
    assert moved[0] is not first[0] and moved[0].range.start.line == first[0].range.start.line + 1
    wide = CODE.replace("model = ", "modèle_𝔪 = model = ")  # UTF-16 columns move on that line
    _, widened = _convert(wide, tmp_path, 4)
    assert [d.range for d in widened] != [d.range for d in moved]
    forget_conversions((tmp_path / "train.py").as_uri())
