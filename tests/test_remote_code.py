"""HF951 beyond its own examples: local folders, known configs, code in another repository,
and the messages transformers 5.23.0 prints, produced against a stand-in hub."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from hub_stand_in import FakeRepo, Server, StandIn, fake_sha

from hflint.analyzers.checkpoints import CheckpointFacts, CheckpointResolver
from hflint.analyzers.engine import check_source
from hflint.analyzers.findings import Finding, Severity
from hflint.analyzers.settings import Settings
from hflint.analyzers.source import apply_edits
from hflint.rules.remote_code import CUSTOM_CODE_ERROR, NEW_VERSION_WARNING, PLACEHOLDER

SHA = "0123456789abcdef0123456789abcdef01234567"


class Table(CheckpointResolver):
    """Facts for a few hub ids, as if their config.json were in the HF cache."""

    def __init__(self, configs: dict[str, dict[str, object]]) -> None:
        super().__init__()
        self.configs = configs

    def lookup(
        self,
        name: str,
        *,
        revision: str | None = None,
        subfolder: str | None = None,
        file_dir: Path | None = None,
    ) -> CheckpointFacts | None:
        from hflint.analyzers.checkpoints import with_config

        config = self.configs.get(name)
        if config is None:
            return None
        facts = CheckpointFacts(name=name, source="cache", location=f"/cache/{name}")
        return with_config(facts, config)


def findings(
    code: str, path: Path | None = None, resolver: CheckpointResolver | None = None
) -> list[Finding]:
    text = textwrap.dedent(code)
    found = check_source(text, path=path, settings=Settings(select=["HF951"]), resolver=resolver)
    return [f for f in found if f.code == "HF951"]


def fixed(code: str, finding: Finding) -> str:
    assert finding.fix is not None
    out = apply_edits(textwrap.dedent(code), list(finding.fix.edits))
    cst.parse_module(out)
    return out


LOAD = """
from transformers import AutoModel
model = AutoModel.from_pretrained({args})
"""


def test_existing_folder_that_looks_like_a_repo_id(tmp_path: Path) -> None:
    (tmp_path / "someorg" / "custom").mkdir(parents=True)
    code = LOAD.format(args='"someorg/custom", trust_remote_code=True')
    assert not findings(code, tmp_path / "load.py")
    assert findings(code, None)  # elsewhere it names a hub repository


def test_folder_saved_by_this_file() -> None:
    code = """
    from transformers import AutoModel
    model = AutoModel.from_pretrained("bert-base-uncased")
    model.save_pretrained("runs/custom")
    again = AutoModel.from_pretrained("runs/custom", trust_remote_code=True)
    """
    assert not findings(code)


@pytest.mark.parametrize(
    "revision",
    [SHA, SHA.upper()],
)
def test_full_commit_hashes_pin(revision: str) -> None:
    code = LOAD.format(args=f'"someorg/custom", trust_remote_code=True, revision="{revision}"')
    assert not findings(code)


def test_explicit_none_revision_and_the_placeholder() -> None:
    code = LOAD.format(args='"someorg/custom", trust_remote_code=True, revision=None')
    [finding] = findings(code)
    assert "no `revision=` pins them" in finding.message
    after = fixed(code, finding)
    assert f'revision="{PLACEHOLDER}"' in after
    [again] = findings(after)
    assert "a placeholder" in again.message and again.fix is None


def test_needless_flag_on_a_builtin_model_type() -> None:
    table = Table({"acme/tiny": {"model_type": "bert", "vocab_size": 99}})
    code = LOAD.format(args='"acme/tiny", trust_remote_code=True')
    [finding] = findings(code, resolver=table)
    assert finding.severity is Severity.HINT
    assert "is not needed" in finding.message
    assert 'AutoModel.from_pretrained("acme/tiny")' in fixed(code, finding)
    tokenizer = code.replace("AutoModel", "AutoTokenizer")
    [warning] = findings(tokenizer, resolver=table)  # tokenizer code is declared elsewhere
    assert warning.severity is Severity.WARNING


def test_auto_map_keeps_the_flag_needed() -> None:
    table = Table({"acme/custom": {"model_type": "bert", "auto_map": {"AutoModel": "modeling.M"}}})
    [finding] = findings(LOAD.format(args='"acme/custom", trust_remote_code=True'), resolver=table)
    assert finding.severity is Severity.WARNING


def test_code_in_another_repository_needs_code_revision() -> None:
    auto_map = {"AutoConfig": "other/code--configuration.C", "AutoModel": "other/code--modeling.M"}
    table = Table({"acme/weights": {"model_type": "custom", "auto_map": auto_map}})
    pinned = f'"acme/weights", trust_remote_code=True, revision="{SHA}"'
    [finding] = findings(LOAD.format(args=pinned), resolver=table)
    assert "`other/code`" in finding.message and "code_revision" in finding.message
    assert f'code_revision="{PLACEHOLDER}"' in fixed(LOAD.format(args=pinned), finding)
    assert not findings(LOAD.format(args=f'{pinned}, code_revision="{SHA}"'), resolver=table)
    [moving] = findings(LOAD.format(args=f'{pinned}, code_revision="main"'), resolver=table)
    assert moving.range.start.column > 0
    same_repo = Table({"acme/weights": {"model_type": "custom", "auto_map": {"AutoModel": "m.M"}}})
    assert not findings(LOAD.format(args=pinned), resolver=same_repo)


def test_range_is_the_argument() -> None:
    code = LOAD.format(args='"someorg/custom", trust_remote_code=True')
    [finding] = findings(code)
    line = textwrap.dedent(code).splitlines()[finding.range.start.line - 1]
    assert line[finding.range.start.column : finding.range.end.column] == "trust_remote_code=True"


# ---- what transformers 5.23.0 says, against a stand-in hub --------------------------------------
RUN = """
import sys
from transformers import AutoConfig
repo = sys.argv[1]
try:
    AutoConfig.from_pretrained(repo)
except ValueError as error:
    print("ERROR", repr(str(error)))
AutoConfig.from_pretrained(repo, trust_remote_code=True)
"""
CONFIG_CODE = b"""from transformers import PreTrainedConfig
class XConfig(PreTrainedConfig):
    model_type = "custom-arch"
"""


def test_transformers_messages(tmp_path: Path) -> None:
    config = {"model_type": "custom-arch", "auto_map": {"AutoConfig": "configuration_x.XConfig"}}
    files = {"config.json": json.dumps(config).encode(), "configuration_x.py": CONFIG_CODE}
    sha = fake_sha("custom")
    stand_in = StandIn({"someorg/custom-arch": FakeRepo({sha: files}, {"main": sha})})
    server = Server(stand_in).start()
    env = {
        **os.environ,
        "HF_ENDPOINT": stand_in.url,
        "HF_HOME": str(tmp_path / "home"),
        "HF_HUB_OFFLINE": "0",
        "TRANSFORMERS_OFFLINE": "0",
    }
    try:
        run = subprocess.run(
            [sys.executable, "-c", RUN, "someorg/custom-arch"],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )
    finally:
        server.stop()
    assert run.returncode == 0, run.stderr[-2000:]
    assert CUSTOM_CODE_ERROR.format(repo="someorg/custom-arch") in run.stdout
    warning = NEW_VERSION_WARNING.format(repo="someorg/custom-arch").replace(
        "modeling_x.py", "configuration_x.py"
    )
    assert warning in run.stderr
