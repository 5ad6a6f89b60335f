"""The language server's check process: same findings as in-process, and survives failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from hflint.analyzers.settings import Settings
from hflint.server.check_worker import CheckWorker, WorkerError
from hflint.server.config import Config
from hflint.server.runner import check_text

CODE = (
    "from transformers import AutoModelForCausalLM\n"
    'model = AutoModelForCausalLM.from_pretrained("facebook/bart-large-cnn")\n'
)


@pytest.fixture
def sabotaged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Child processes that hang on texts containing HANG and fail on BOOM."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import time\n"
        "import hflint.server.runner as runner\n"
        "real = runner.check_text\n"
        "def check_text(text, path, config, *args, **options):\n"
        "    if 'HANG' in text:\n"
        "        time.sleep(600)\n"
        "    if 'BOOM' in text:\n"
        "        raise RuntimeError('boom')\n"
        "    return real(text, path, config, *args, **options)\n"
        "runner.check_text = check_text\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(site))
    return tmp_path


def test_same_findings_as_in_process(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    config = Config(Settings(), tmp_path)
    worker = CheckWorker()
    try:
        assert worker.check(CODE, path, config, "doc") == check_text(CODE, path, config)[0]
        edited = CODE + "tokenizer = None\n"
        assert worker.check(edited, path, config, "doc") == check_text(edited, path, config)[0]
    finally:
        worker.close()


def test_failures_and_hangs_are_reported_and_the_next_check_works(sabotaged: Path) -> None:
    path = sabotaged / "train.py"
    config = Config(Settings(), sabotaged)
    worker = CheckWorker(time_limit=20)
    try:
        with pytest.raises(WorkerError, match="boom"):
            worker.check(CODE + "# BOOM\n", path, config, "doc")
        assert [f.code for f in worker.check(CODE, path, config, "doc")] == ["HF102"]
        assert worker.starts == 1  # an exception in a check does not cost the process
        worker.time_limit = 3
        with pytest.raises(WorkerError, match="longer than 3 s"):
            worker.check(CODE + "# HANG\n", path, config, "doc")
        worker.time_limit = 20
        assert [f.code for f in worker.check(CODE, path, config, "doc")] == ["HF102"]
        assert worker.starts == 2
    finally:
        worker.close()


def _server_config(root: Path, path: Path, settings: object) -> Config:
    """What the server computes for `path` after `initialize` with these editor settings."""
    from hflint.server.lsp_settings import ConfigResolver, parse_editor_settings, unwrap

    resolver = ConfigResolver(root)
    resolver.editor = parse_editor_settings(unwrap(settings))[0]
    return resolver.for_file(path)


def test_a_precheck_answers_the_servers_first_check_of_the_same_inputs(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    settings = {"settings": {"ignore": ["HF5"]}}
    config = _server_config(tmp_path, path, settings)
    worker = CheckWorker()
    try:
        worker.precheck(CODE, path, tmp_path, settings, "doc")
        found = worker.check(CODE, path, config, "doc")
        assert worker.prechecks_used == 1
        assert found == check_text(CODE, path, config)[0]
        assert [f.code for f in found] == ["HF102"]
        # one use only: the same check again is computed
        assert worker.check(CODE, path, config, "doc") == found
        assert worker.prechecks_used == 1
    finally:
        worker.close()


def test_a_precheck_of_other_inputs_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    worker = CheckWorker()
    try:
        # the server's settings changed meanwhile: HF102 is ignored now
        worker.precheck(CODE, path, tmp_path, None, "doc")
        changed = _server_config(tmp_path, path, {"ignore": ["HF102"]})
        assert worker.check(CODE, path, changed, "doc") == []
        # the text changed before the server asked
        worker.precheck(CODE, path, tmp_path, None, "doc")
        config = _server_config(tmp_path, path, None)
        edited = CODE.replace("facebook/bart-large-cnn", "gpt2")
        assert worker.check(edited, path, config, "doc") == check_text(edited, path, config)[0]
        assert worker.prechecks_used == 0
    finally:
        worker.close()
