"""The removal rules (HF801-HF806) speak for the project's transformers version: the same code
is an error on 5.x, a deprecation warning on the 4.x releases that warn, and silence on those
that still take it. The target comes from the setting or from a pin in the project; every
message names the version it speaks for. The facts behind them are checked against the
installed transformers at run time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hflint.analyzers import target_version as tv
from hflint.analyzers.engine import check_source
from hflint.analyzers.findings import Finding, Severity
from hflint.analyzers.knowledge import load_knowledge
from hflint.analyzers.settings import Settings

CODE = """\
import torch
from transformers import (
    AutoConfig,
    AutoModelForCausalLM,
    AutoTokenizer,
    Trainer,
    TrainingArguments,
)

tok = AutoTokenizer.from_pretrained("gpt2", use_auth_token=True)
model = AutoModelForCausalLM.from_pretrained(
    "gpt2", torch_dtype=torch.bfloat16, load_in_8bit=True
)
model.gradient_checkpointing_enable()
args = TrainingArguments("out", evaluation_strategy="epoch", gradient_checkpointing=True)
trainer = Trainer(model=model, args=args, tokenizer=tok)
trainer.tokenizer.save_pretrained("out")
"""
RULES = ["HF801", "HF802", "HF803", "HF804", "HF805", "HF806"]
LINE = {
    "use_auth_token": 10,
    "torch_dtype": 12,
    "load_in_8bit": 12,
    "gradient_checkpointing_enable": 14,
    "evaluation_strategy": 15,
    "gradient_checkpointing": 15,
    "tokenizer=": 16,
    ".tokenizer": 17,
}


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    tv.clear_cache()
    yield
    tv.clear_cache()


def run(settings: Settings | None = None, path: Path | None = None) -> dict[str, Finding]:
    """The findings of the removal rules, keyed by `<code>:<line>:<first backticked name>`."""
    found = check_source(
        CODE, path=path, settings=settings or Settings(select=RULES), knowledge=load_knowledge
    )
    out = {}
    for f in found:
        name = f.message.split("`")[1]
        out[f"{f.code}:{f.range.start.line}:{name}"] = f
    return out


def outcome(findings: dict[str, Finding]) -> dict[str, str]:
    return {key: f.severity.value for key, f in findings.items()}


def on(version: str) -> Settings:
    return Settings(select=RULES, target_version=version)


# ------------------------------------------------------------------ the same code, four releases


@pytest.mark.locked_transformers
def test_installed_5x() -> None:
    findings = run()
    assert outcome(findings) == {
        "HF801:10:AutoTokenizer.from_pretrained": "error",
        "HF804:12:torch_dtype": "warning",
        "HF805:12:AutoModelForCausalLM.from_pretrained": "error",
        "HF806:14:gradient_checkpointing_enable": "info",
        "HF802:15:evaluation_strategy": "error",
        "HF806:15:gradient_checkpointing": "info",
        "HF803:16:Trainer": "error",
        "HF803:17:Trainer": "error",
    }
    for finding in findings.values():
        assert "transformers 5.23.0 (installed)" in finding.message
    message = findings["HF802:15:evaluation_strategy"].message
    assert "TypeError: TrainingArguments.__init__() got an unexpected keyword argument" in message


def test_last_4x() -> None:
    findings = run(on("4.57.6"))
    assert outcome(findings) == {
        "HF801:10:use_auth_token": "warning",
        "HF804:12:torch_dtype": "warning",
        "HF805:12:load_in_8bit": "warning",
        "HF802:15:evaluation_strategy": "error",  # gone since 4.51
        "HF803:16:tokenizer=": "warning",
        "HF803:17:Trainer.tokenizer": "warning",
    }
    for finding in findings.values():
        assert "transformers 4.57.6 (`target-version` setting)" in finding.message
    assert (
        '"The `use_auth_token` argument is deprecated and will be removed in v5 of Transformers. '
        'Please use `token` instead."' in findings["HF801:10:use_auth_token"].message
    )
    assert (
        "`tokenizer` is deprecated and will be removed in version 5.0.0 for `Trainer.__init__`. "
        "Use `processing_class` instead." in findings["HF803:16:tokenizer="].message
    )


def test_4_46_still_warns_about_evaluation_strategy() -> None:
    findings = run(on("4.46.3"))
    assert outcome(findings) == {
        "HF801:10:use_auth_token": "warning",
        "HF805:12:load_in_8bit": "warning",
        "HF802:15:evaluation_strategy": "warning",
        "HF803:16:tokenizer=": "warning",
        "HF803:17:Trainer.tokenizer": "warning",
    }  # torch_dtype is the only dtype keyword of 4.46: nothing to say
    message = findings["HF802:15:evaluation_strategy"].message
    assert message.startswith("`evaluation_strategy` is deprecated in transformers 4.46.3")
    assert (
        "`evaluation_strategy` is deprecated and will be removed in version 4.46 of 🤗 "
        "Transformers. Use `eval_strategy` instead" in message
    )


def test_4_40_takes_the_old_names() -> None:
    findings = run(on("4.40.2"))
    assert outcome(findings) == {
        "HF801:10:use_auth_token": "warning",
        "HF805:12:load_in_8bit": "warning",
    }


def test_5_0_has_no_activation_checkpointing_yet() -> None:
    code = (
        "from transformers import AutoModelForCausalLM\n"
        'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
        "model.activation_checkpointing_enable()\n"
    )
    [finding] = check_source(code, settings=Settings(select=["HF806"], target_version="5.0.0"))
    assert finding.severity is Severity.ERROR
    assert (
        "`activation_checkpointing_enable` does not exist in transformers 5.0.0" in finding.message
    )
    assert (
        finding.fix is not None and finding.fix.edits[0].content == "gradient_checkpointing_enable"
    )
    assert not check_source(code, settings=Settings(select=["HF806"]))  # 5.23 has it


# ------------------------------------------------------------------ the target from a pin


def test_a_pinned_requirements_file_decides(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "requirements.txt").write_text("transformers==4.46.3\n", encoding="utf-8")
    path = tmp_path / "train.py"
    findings = run(Settings(select=RULES), path=path)
    assert outcome(findings) == outcome(run(on("4.46.3")))
    for finding in findings.values():
        assert "transformers 4.46.3 (pin `transformers==4.46.3` in requirements.txt)" in (
            finding.message
        )
    (tmp_path / "requirements.txt").write_text("transformers>=4.44,<5\n", encoding="utf-8")
    os.utime(tmp_path / "requirements.txt", ns=(1, 1))  # a surely different mtime
    findings = run(Settings(select=RULES), path=path)
    phrase = (
        "transformers 4.44 (lowest allowed by `transformers>=4.44,<5` in requirements.txt; "
        "facts from 4.41.2)"
    )
    assert findings and all(phrase in f.message for f in findings.values())
    assert findings["HF802:15:evaluation_strategy"].severity is Severity.WARNING
    assert "HF803:16:tokenizer=" not in findings  # deprecated only from 4.46


def test_a_lock_file_decides_over_the_declared_range(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["transformers>=4.40"]\n', encoding="utf-8"
    )
    (tmp_path / "uv.lock").write_text(
        '[[package]]\nname = "transformers"\nversion = "4.57.6"\n', encoding="utf-8"
    )
    findings = run(Settings(select=RULES), path=tmp_path / "train.py")
    assert outcome(findings) == outcome(run(on("4.57.6")))
    assert all("(locked in uv.lock)" in f.message for f in findings.values())


def test_no_facts_for_the_target_means_silence() -> None:
    assert run(on("3.5.1")) == {}


# ------------------------------------------------------------------ facts vs the real release


REAL = r"""
import dataclasses, inspect, json, sys, tempfile, warnings
import transformers
from transformers import GPT2Config, GPT2LMHeadModel, Trainer, TrainingArguments
out = {}
with tempfile.TemporaryDirectory() as tmp:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        TrainingArguments(output_dir=tmp, gradient_checkpointing=True)
    out["args_warning"] = [str(w.message) for w in caught if w.category is FutureWarning]
    model = GPT2LMHeadModel(GPT2Config(n_layer=1, n_embd=32, n_head=2, vocab_size=100))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.gradient_checkpointing_enable()
        model.is_gradient_checkpointing
    out["model_warnings"] = [str(w.message) for w in caught if w.category is FutureWarning]
    try:
        GPT2LMHeadModel(GPT2Config(n_layer=1, n_embd=32, n_head=2, vocab_size=100), use_auth_token=True)
    except TypeError as error:
        out["type_error"] = str(error)
out["trainer_params"] = sorted(inspect.signature(Trainer.__init__).parameters)
out["trainer_has_tokenizer"] = hasattr(Trainer, "tokenizer")
out["has_activation"] = hasattr(GPT2LMHeadModel, "activation_checkpointing_enable")
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def real() -> dict[str, object]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error"}
    done = subprocess.run(
        [sys.executable, "-c", REAL], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    facts: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return facts


def test_the_installed_release_says_what_the_facts_say(real: dict[str, object]) -> None:
    k = load_knowledge()
    assert real["args_warning"] == [k.training_args_deprecated["gradient_checkpointing"]]
    assert real["model_warnings"] == [
        k.deprecated_model_members["gradient_checkpointing_enable"],
        k.deprecated_model_members["is_gradient_checkpointing"],
    ]
    assert real["type_error"] == (
        "GPT2LMHeadModel.__init__() got an unexpected keyword argument 'use_auth_token'"
    )
    assert "use_auth_token" not in k.load_kwargs["model"]
    assert "tokenizer" not in k.trainer_init_params and "tokenizer" not in real["trainer_params"]
    assert real["trainer_has_tokenizer"] is False and "tokenizer" not in k.trainer_members
    assert real["has_activation"] is True and "activation_checkpointing_enable" in k.model_members
