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
