"""Validate by loading: tiny checkpoints built here by transformers, a child process per case.

Importing torch costs each child a few seconds, so the cases that need a real child run once,
side by side, in a module fixture; the tests then read their results. Timeouts, cancellation
and crashes use children that never import torch.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fixtures_checkpoints import save_tokenizer

from hflint.server.validation import (
    ValidationRequest,
    ValidationResult,
    child_command,
    locate,
    start_validation,
)
from hflint.server.validation_child import NOT_RUN, compare, read_header, weight_files

SNAPSHOT = "0123456789abcdef0123456789abcdef01234567"
BERT = {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2}
BERT |= {"intermediate_size": 37, "vocab_size": 100}
LLAMA_7B = {
    "hidden_size": 4096,
    "intermediate_size": 11008,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "vocab_size": 32000,
}


def write_hub_cache(cache: Path, repo_id: str, folder: Path, sha: str = SNAPSHOT) -> Path:
    """`folder`'s files as huggingface_hub caches them: blobs, snapshots/<sha> links, refs/main."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / sha
    snapshot.mkdir(parents=True)
    (repo / "blobs").mkdir()
    for path in sorted(folder.iterdir()):
        data = path.read_bytes()
        blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
        blob.write_bytes(data)
        (snapshot / path.name).symlink_to(os.path.relpath(blob, snapshot))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(sha)
    return snapshot


def executable(path: Path, text: str) -> str:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@dataclass(frozen=True)
class Tiny:
    root: Path
    cache: Path
    custom_marker: Path  # written if the custom code ever runs

    def __getitem__(self, name: str) -> str:
        return str(self.root / name)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Tiny:
    from transformers import (
        BartConfig,
        BartForConditionalGeneration,
        BertConfig,
        BertForMaskedLM,
        BertForSequenceClassification,
        LlamaConfig,
    )

    root = tmp_path_factory.mktemp("validation")
    BertForMaskedLM(BertConfig(**BERT)).save_pretrained(root / "bert-mlm")
    labels = {0: "negative", 1: "neutral", 2: "positive"}
    classifier = BertConfig(**BERT, id2label=labels, label2id={v: k for k, v in labels.items()})
    BertForSequenceClassification(classifier).save_pretrained(root / "classifier-3")
    bart = BartConfig(
        vocab_size=100,
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=64,
    )
    BartForConditionalGeneration(bart).save_pretrained(root / "bart")
    LlamaConfig(**LLAMA_7B).save_pretrained(root / "llama-7b")
    save_tokenizer(root / "gpt2-tokenizer", eos_token="</s>")
    custom = root / "custom"
    custom.mkdir()
    marker = root / "custom-code-ran"
    auto_map = {
        "AutoConfig": "configuration_acme.AcmeConfig",
        "AutoModel": "modeling_acme.AcmeModel",
    }
    config = {"model_type": "acme_custom", "auto_map": auto_map, "hidden_size": 8}
    (custom / "config.json").write_text(json.dumps(config))
    (custom / "configuration_acme.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    cache = root / "hub"
    write_hub_cache(cache, "acme/tiny-bert", root / "bert-mlm")
    return Tiny(root, cache, marker)


@dataclass
class Outcome:
    result: ValidationResult
    progress: list[str]
    elapsed: float


@pytest.fixture(scope="module")
def outcomes(tiny: Tiny, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Outcome]]:
    """The cases that need a real child (torch imported), run side by side."""
    wrapper = executable(
        tmp_path_factory.mktemp("interpreter") / "python",
        f'#!/bin/sh\nexec "{sys.executable}" "$@"\n',
    )
    cls = "AutoModelForSequenceClassification"
    requests = {
        "mlm-as-classifier": ValidationRequest(tiny["bert-mlm"], cls, real_load=True),
        "mismatch": ValidationRequest(
            tiny["classifier-3"], cls, config_overrides={"num_labels": 5}
        ),
        "mismatch-ignored": ValidationRequest(
            tiny["classifier-3"],
            cls,
            real_load=True,
            config_overrides={"num_labels": 5, "ignore_mismatched_sizes": True},
        ),
        "bart-causal-lm": ValidationRequest(tiny["bart"], "AutoModelForCausalLM", real_load=True),
        "bert-seq2seq": ValidationRequest(tiny["bert-mlm"], "AutoModelForSeq2SeqLM"),
        "llama-7b": ValidationRequest(tiny["llama-7b"], "AutoModelForCausalLM"),
        "tokenizer": ValidationRequest(
            tiny["gpt2-tokenizer"], "AutoTokenizer", interpreter=wrapper
        ),
        "cached-pipeline": ValidationRequest("acme/tiny-bert", task="text-classification"),
        "custom-code": ValidationRequest(tiny["custom"], "AutoModel"),
    }

    def run(request: ValidationRequest) -> Outcome:
        progress: list[str] = []
        started = time.monotonic()
        result = start_validation(request, progress.append, threading.Event())
        return Outcome(result, progress, time.monotonic() - started)

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_CACHE", str(tiny.cache))
        with ThreadPoolExecutor(max_workers=3) as pool:
            futures = {name: pool.submit(run, request) for name, request in requests.items()}
            yield {name: future.result() for name, future in futures.items()}


def diagnostic(result: ValidationResult, needle: str) -> str:
    found = [d for d in result.diagnostics if needle in d.message]
    assert found, [d.message for d in result.diagnostics]
    return f"{found[0].severity}: {found[0].message}"


def agrees_with_real_load(details: dict[str, Any]) -> None:
    real = details["real_load"]
    assert sorted(details["missing"]) == sorted(real["missing"])
    assert sorted(details["unexpected"]) == sorted(real["unexpected"])
    assert sorted(map(tuple, details["mismatched"])) == sorted(map(tuple, real["mismatched"]))


def test_mlm_checkpoint_as_classifier_reports_new_head(outcomes: dict[str, Outcome]) -> None:
    result = outcomes["mlm-as-classifier"].result
    assert result.status == "ok"
    assert "AutoModelForSequenceClassification builds BertForSequenceClassification" in (
        result.summary
    )
    assert "4 weights newly initialised (bert.pooler.dense.weight" in result.summary
    missing = diagnostic(result, "| MISSING")
    assert missing.startswith("warning:")
    assert "classifier.weight | MISSING" in missing and "classifier.bias | MISSING" in missing
    assert "those params were newly initialized because missing from the checkpoint." in missing
    assert "cls.predictions.bias | UNEXPECTED" in diagnostic(result, "| UNEXPECTED")
    agrees_with_real_load(result.details)


def test_progress_steps_arrive_in_order(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["mlm-as-classifier"]
    assert (
        outcome.progress
        == outcome.result.steps
        == [
            "loading the config",
            "checking that AutoModelForSequenceClassification accepts BertConfig",
            "building BertForSequenceClassification on the meta device",
            "reading the safetensors headers of 1 file(s)",
            "comparing 26 checkpoint tensors with BertForSequenceClassification",
            "loading BertForSequenceClassification with its weights",
        ]
    )


def test_num_labels_against_trained_head_is_a_mismatch(outcomes: dict[str, Outcome]) -> None:
    result = outcomes["mismatch"].result
    assert result.status == "error"
    text = diagnostic(result, "| MISMATCH")
    assert text.startswith("error:")
    assert (
        "classifier.weight | MISMATCH | Reinit due to size mismatch - "
        "ckpt: torch.Size([3, 32]) vs model:torch.Size([5, 32])"
    ) in text
    assert "You set `ignore_mismatched_sizes` to `False`, thus raising an error." in text
    assert "2 weights mismatched (classifier.weight, classifier.bias)" in result.summary

    ignored = outcomes["mismatch-ignored"].result
    assert ignored.status == "ok"
    assert diagnostic(ignored, "| MISMATCH").startswith("warning:")
    agrees_with_real_load(ignored.details)


def test_bart_as_causal_lm_drops_the_encoder(outcomes: dict[str, Outcome]) -> None:
    result = outcomes["bart-causal-lm"].result
    assert result.status == "ok"
    assert "builds BartForCausalLM" in result.summary
    unexpected = diagnostic(result, "| UNEXPECTED")
    assert unexpected.startswith("warning:")  # a large part of the checkpoint is thrown away
    assert "model.encoder.layers.0.fc1.bias | UNEXPECTED" in unexpected
    assert "model.encoder.layers.0.self_attn.q_proj.bias" in result.details["unexpected"]
    assert "lm_head.weight | MISSING" in diagnostic(result, "| MISSING")
    agrees_with_real_load(result.details)


def test_unsupported_auto_class_reports_transformers_error(outcomes: dict[str, Outcome]) -> None:
    result = outcomes["bert-seq2seq"].result
    assert result.status == "error"
    assert "for this kind of AutoModel: AutoModelForSeq2SeqLM." in result.summary
    text = diagnostic(result, "Unrecognized configuration class")
    assert text.startswith(
        "error: ValueError: Unrecognized configuration class "
        "<class 'transformers.models.bert.configuration_bert.BertConfig'> "
        "for this kind of AutoModel: AutoModelForSeq2SeqLM.\nModel type should be one of "
    )
    assert "building" not in " ".join(result.steps)


def test_7b_config_builds_on_meta_device_fast_and_small(outcomes: dict[str, Outcome]) -> None:
    result = outcomes["llama-7b"].result
    assert result.status == "ok", result.summary
    assert "AutoModelForCausalLM builds LlamaForCausalLM; weights not compared" in result.summary
    assert result.details["parameters"] > 6_500_000_000
    assert result.details["meta_build_s"] < 5
    assert result.details["peak_rss_mb"] < 1024
    assert "Weights not compared: no weights at hand." in diagnostic(result, "not compared")


def test_tokenizer_without_pad_token_under_another_interpreter(
    outcomes: dict[str, Outcome],
) -> None:
    outcome = outcomes["tokenizer"]
    assert outcome.result.status == "ok"
    assert outcome.result.summary.endswith("no pad token; padding side right")
    assert outcome.progress == ["loading the tokenizer"]
    text = diagnostic(outcome.result, "no pad token")
    assert text.startswith("warning:")
    assert "Asking to pad but the tokenizer does not have a padding token." in text
    assert "(here '</s>')" in text
    assert outcome.result.details["pad_token"] is None


def test_pipeline_task_on_cached_checkpoint(outcomes: dict[str, Outcome], tiny: Tiny) -> None:
    result = outcomes["cached-pipeline"].result
    assert result.status == "ok"
    assert result.summary.startswith(
        "acme/tiny-bert: pipeline 'text-classification' builds BertForSequenceClassification; "
        "4 weights newly initialised"
    )
    assert result.details["weights"] == [
        str(tiny.cache / "models--acme--tiny-bert" / "snapshots" / SNAPSHOT / "model.safetensors")
    ]


def test_custom_code_is_not_run_without_permission(
    outcomes: dict[str, Outcome], tiny: Tiny
) -> None:
    result = outcomes["custom-code"].result
    assert result.summary.endswith(NOT_RUN)
    assert NOT_RUN == "not run: needs trust_remote_code, which your settings do not allow"
    assert result.details["needs_trust_remote_code"] is True
    assert "configuration_acme.AcmeConfig" in diagnostic(result, NOT_RUN)
    assert not tiny.custom_marker.exists()


# --- the parent side on its own: no torch in the child ------------------------------------------


def children_marked(mark: str) -> list[int]:
    """Processes whose environment carries `mark`: a validation child that outlived its run."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and mark.encode() in (proc / "environ").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


@pytest.fixture
def sleep_mark(monkeypatch: pytest.MonkeyPatch) -> str:
    """Children sleep 30 s in their first step (before importing torch), marked by this."""
    if not Path("/proc/self/environ").exists():
        pytest.skip("needs /proc")
    mark = f"hflint-test-{uuid.uuid4()}"
    monkeypatch.setenv("HFLINT_VALIDATION_TEST_SLEEP", "30")
    monkeypatch.setenv("HFLINT_TEST_MARK", mark)
    return mark


def test_timeout_kills_the_child_and_names_the_step(tiny: Tiny, sleep_mark: str) -> None:
    request = ValidationRequest(tiny["bert-mlm"], "AutoModel", timeout_s=1.5)
    started = time.monotonic()
    result = start_validation(request, None, threading.Event())
    elapsed = time.monotonic() - started
    assert result.status == "timeout"
    assert 1.5 <= elapsed < 2.5
    assert result.summary.endswith("timed out after 1.5 s while loading the config")
    assert result.steps == ["loading the config"]
    assert children_marked(sleep_mark) == []


def test_cancel_kills_the_child_quickly(tiny: Tiny, sleep_mark: str) -> None:
    cancel = threading.Event()
    started = time.monotonic()
    request = ValidationRequest(tiny["bert-mlm"], "AutoModel")
    result = start_validation(request, lambda step: cancel.set(), cancel)
    assert result.status == "cancelled"
    assert result.summary.endswith("cancelled while loading the config")
    assert time.monotonic() - started < 1.5
    assert children_marked(sleep_mark) == []


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (
            'echo "not json"\necho "Traceback: boom" >&2\nexit 3\n',
            "the validation process exited with code 3 without a result",
        ),
        ('echo \'{"progress": "loading the config"}\'\nkill -SEGV $$\n', "killed by SIGSEGV"),
        ('echo \'{"result": {"status": "nonsense"}}\'\n', "exited with code 0 without a result"),
    ],
)
def test_crashing_child_leaves_the_caller_healthy(
    tmp_path: Path, tiny: Tiny, script: str, expected: str
) -> None:
    interpreter = executable(tmp_path / "python", f"#!/bin/sh\ncat > /dev/null\n{script}")
    request = ValidationRequest(tiny["bert-mlm"], interpreter=interpreter, memory_mb=None)
    result = start_validation(request, None, threading.Event())
    assert result.status == "crashed"
    assert expected in result.summary
    if "boom" in script:
        assert result.details["unparsed_output"] == ["not json"]
        assert "Traceback: boom" in result.diagnostics[0].message


def test_missing_interpreter_is_a_crash(tiny: Tiny) -> None:
    request = ValidationRequest(tiny["bert-mlm"], interpreter="/nonexistent/python")
    result = start_validation(request, None, threading.Event())
    assert result.status == "crashed"
    assert "could not start /nonexistent/python" in result.summary


def test_memory_limit_stops_the_child(tiny: Tiny) -> None:
    result = start_validation(ValidationRequest(tiny["bert-mlm"], memory_mb=200))
    assert result.status == "crashed"
    assert "out of memory while loading the config (memory limit 200 MB)" in result.summary


def test_child_runs_offline_unless_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    from hflint.server.validation import child_env

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    offline = child_env(ValidationRequest("x"))
    assert offline["HF_HUB_OFFLINE"] == offline["TRANSFORMERS_OFFLINE"] == "1"
    online = child_env(ValidationRequest("x", allow_online=True))
    assert "HF_HUB_OFFLINE" not in online and "TRANSFORMERS_OFFLINE" not in online


def test_child_command_by_module_or_by_path() -> None:
    assert child_command(sys.executable) == [
        sys.executable,
        "-m",
        "hflint.server.validation_child",
    ]
    other = child_command("/opt/project/bin/python")
    assert other[:2] == ["/opt/project/bin/python", "-c"]
    assert other[3].endswith("validation_child.py")


def test_locate_local_folder_cache_and_unknown(tiny: Tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tiny.cache))
    local = ValidationRequest("bert-mlm", file_dir=str(tiny.root))
    assert locate(local) == (tiny["bert-mlm"], tiny["bert-mlm"])
    snapshot = tiny.cache / "models--acme--tiny-bert" / "snapshots" / SNAPSHOT
    assert locate(ValidationRequest("acme/tiny-bert")) == ("acme/tiny-bert", str(snapshot))
    assert locate(ValidationRequest("acme/not-cached")) == ("acme/not-cached", None)


def test_importing_the_parent_side_imports_no_torch() -> None:
    code = (
        "import sys, hflint.server.validation, hflint.server.validate_cli\n"
        "heavy = {'torch', 'transformers'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# --- the weight comparison against transformers' own loader, in this process ------------------


@pytest.mark.parametrize(
    ("saved", "loaded"),
    [
        ("BertModel", "BertForSequenceClassification"),  # "bert." prefix added
        ("BertForSequenceClassification", "BertModel"),  # "bert." prefix stripped
        ("BertForPreTraining", "BertForMaskedLM"),  # tied decoder, dropped NSP head
    ],
)
def test_compare_matches_from_pretrained(tmp_path: Path, saved: str, loaded: str) -> None:
    import torch
    import transformers

    config = transformers.BertConfig(**BERT)
    getattr(transformers, saved)(config).save_pretrained(tmp_path)
    cls = getattr(transformers, loaded)
    with torch.device("meta"):
        meta = cls._from_config(config)
    report = compare(meta, read_header(tmp_path / "model.safetensors"))
    _, info = cls.from_pretrained(tmp_path, output_loading_info=True)
    assert set(report.missing) == info["missing_keys"]
    assert set(report.unexpected) == info["unexpected_keys"]
    assert report.mismatched == []


def test_sharded_weights_are_read_from_every_shard(tmp_path: Path) -> None:
    import torch
    import transformers

    config = transformers.BertConfig(**BERT)
    transformers.BertForMaskedLM(config).save_pretrained(tmp_path, max_shard_size="40KB")
    files, why = weight_files(tmp_path)
    assert why is None and len(files) > 1
    assert all(f.name.startswith("model-0") for f in files)
    checkpoint = {k: v for f in files for k, v in read_header(f).items()}
    with torch.device("meta"):
        meta = transformers.AutoModelForSequenceClassification.from_config(config)
    report = compare(meta, checkpoint)
    assert report.missing[-2:] == ["classifier.weight", "classifier.bias"]

    files[0].unlink()
    assert weight_files(tmp_path) == ([], f"1 of {len(files)} safetensors shards are not at hand")
    (tmp_path / "model.safetensors.index.json").unlink()
    assert weight_files(tmp_path) == ([], "no weights at hand")
    files[1].write_bytes(b"\x01")
    with pytest.raises(ValueError, match="implausible header length"):
        read_header(files[1])


# --- the command line ---------------------------------------------------------------------------


def cli(*args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "hflint.server.validate_cli", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_cli_text_and_json(tiny: Tiny) -> None:
    text = cli(tiny["bert-mlm"], "--class", "AutoModelForSequenceClassification")
    as_json = cli(tiny["bert-mlm"], "--class", "AutoModelForSeq2SeqLM", "--output-format", "json")
    out, err = text.communicate(timeout=120)
    assert text.returncode == 0, err
    assert out.splitlines()[0].endswith(
        "AutoModelForSequenceClassification builds BertForSequenceClassification; "
        "4 weights newly initialised (bert.pooler.dense.weight, bert.pooler.dense.bias, "
        "classifier.weight, ...); 5 checkpoint tensors unused"
    )
    assert "    classifier.weight | MISSING" in out
    assert out.splitlines()[-1].startswith("status: ok")
    assert "hflint: building BertForSequenceClassification on the meta device" in err

    out, err = as_json.communicate(timeout=120)
    assert as_json.returncode == 1, err
    data = json.loads(out)
    assert data["status"] == "error"
    assert data["steps"][-1] == "checking that AutoModelForSeq2SeqLM accepts BertConfig"
    assert data["diagnostics"][0]["severity"] == "error"


def test_cli_usage_errors(tiny: Tiny) -> None:
    both = cli(tiny["bert-mlm"], "--class", "AutoModel", "--task", "fill-mask")
    bad = cli(tiny["bert-mlm"], "--set", "num_labels")
    for proc, message in ((both, "not both"), (bad, "expected KEY=VALUE")):
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 2
        assert message in err
