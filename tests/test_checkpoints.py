"""Checkpoint facts: local folders, the HF cache, the hub (stand-in) and the bundled table."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from fixtures_checkpoints import MAIN_SHA, V1_SHA, TinyCheckpoints
from hub_stand_in import StandIn

from hflint.analyzers.checkpoints import (
    TABLE_PATH,
    CheckpointFacts,
    CheckpointResolver,
    bundled_table,
    hub_cache_dir,
    is_repo_id,
)


@pytest.fixture(autouse=True)
def offline_and_isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No real download (one costs 23 s) and no facts from this machine's own HF cache."""
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-hf-home"))
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_ENDPOINT"):
        monkeypatch.delenv(var, raising=False)


def lookup(name: str, **kwargs: object) -> CheckpointFacts | None:
    return CheckpointResolver(cwd=Path("/nonexistent-cwd")).lookup(name, **kwargs)  # type: ignore[arg-type]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# local folders


def test_local_folder_relative_to_the_analysed_file(tiny_checkpoints: TinyCheckpoints) -> None:
    facts = lookup("bert", file_dir=tiny_checkpoints.root)
    assert facts is not None
    assert (facts.source, facts.location) == ("local", str(tiny_checkpoints.bert))
    assert (facts.model_type, facts.is_encoder_decoder, facts.vocab_size) == ("bert", False, 99)
    assert facts.pad_token_id == 0
    assert facts.id2label is None and facts.num_labels is None
    assert (facts.tokenizer_pad_token, facts.tokenizer_has_pad_token) == ("<pad>", True)
    assert facts.tokenizer_padding_side == "right"


def test_local_folder_relative_to_cwd_then_absolute(tiny_checkpoints: TinyCheckpoints) -> None:
    by_cwd = CheckpointResolver(cwd=tiny_checkpoints.root).lookup("gpt2", file_dir=Path("/nope"))
    assert by_cwd is not None and by_cwd.location == str(tiny_checkpoints.gpt2)
    absolute = lookup(str(tiny_checkpoints.bart))
    assert absolute is not None and absolute.model_type == "bart"


def test_file_dir_wins_over_cwd(tiny_checkpoints: TinyCheckpoints, tmp_path: Path) -> None:
    shutil.copytree(tiny_checkpoints.bart, tmp_path / "model")
    shutil.copytree(tiny_checkpoints.gpt2, tmp_path / "cwd" / "model")
    resolver = CheckpointResolver(cwd=tmp_path / "cwd")
    facts = resolver.lookup("model", file_dir=tmp_path)
    assert facts is not None and facts.model_type == "bart"
    facts = resolver.lookup("./model")
    assert facts is not None and facts.model_type == "gpt2"


def test_local_hit_wins_over_bundled_table(
    tiny_checkpoints: TinyCheckpoints, tmp_path: Path
) -> None:
    shutil.copytree(tiny_checkpoints.bart, tmp_path / "gpt2")
    facts = lookup("gpt2", file_dir=tmp_path)
    assert facts is not None and (facts.source, facts.model_type) == ("local", "bart")


def test_subfolder(tiny_checkpoints: TinyCheckpoints, tmp_path: Path) -> None:
    shutil.copytree(tiny_checkpoints.bart, tmp_path / "repo" / "text_encoder")
    facts = lookup("repo", subfolder="text_encoder", file_dir=tmp_path)
    assert facts is not None and facts.model_type == "bart"
    assert facts.location == str(tmp_path / "repo" / "text_encoder")
    assert lookup("repo", file_dir=tmp_path) is None  # no config.json at the top


def test_encoder_decoder_flag(tiny_checkpoints: TinyCheckpoints, tmp_path: Path) -> None:
    bart = lookup(str(tiny_checkpoints.bart))
    gpt2 = lookup(str(tiny_checkpoints.gpt2))
    assert bart is not None and bart.is_encoder_decoder is True and bart.pad_token_id == 1
    assert gpt2 is not None and gpt2.is_encoder_decoder is False and gpt2.pad_token_id is None
    write(tmp_path / "ved" / "config.json", '{"model_type": "vision-encoder-decoder"}')
    composite = lookup(str(tmp_path / "ved"))
    assert composite is not None and composite.is_encoder_decoder is True


def test_classifier_labels_have_int_keys(tiny_checkpoints: TinyCheckpoints) -> None:
    facts = lookup(str(tiny_checkpoints.classifier))
    assert facts is not None
    assert facts.id2label == {0: "negative", 1: "neutral", 2: "positive"}
    assert facts.num_labels == 3
    assert facts.architectures == ("BertForSequenceClassification",)


def test_tokenizer_without_pad_token_and_left_padding(tiny_checkpoints: TinyCheckpoints) -> None:
    gpt2 = lookup(str(tiny_checkpoints.gpt2))
    left = lookup(str(tiny_checkpoints.left))
    assert gpt2 is not None and gpt2.tokenizer_class == "TokenizersBackend"
    assert (gpt2.tokenizer_pad_token, gpt2.tokenizer_has_pad_token) == (None, False)
    assert left is not None and left.tokenizer_padding_side == "left"
    assert left.tokenizer_pad_token == "<pad>"


@pytest.mark.parametrize(
    ("files", "pad", "has_pad"),
    [
        (
            {"tokenizer_config.json": {"pad_token": {"content": "<p>", "lstrip": False}}},
            "<p>",
            True,
        ),
        (
            {"tokenizer_config.json": {}, "special_tokens_map.json": {"pad_token": "[PAD]"}},
            "[PAD]",
            True,
        ),
        ({"tokenizer_config.json": {"pad_token": None}}, None, False),
        # BertTokenizer brings "[PAD]" from its __init__: absence in the file proves nothing
        ({"tokenizer_config.json": {"tokenizer_class": "BertTokenizer"}}, None, None),
        ({"tokenizer_config.json": {"tokenizer_class": "PreTrainedTokenizerFast"}}, None, False),
    ],
)
def test_tokenizer_pad_token_forms(
    tmp_path: Path, files: dict[str, object], pad: str | None, has_pad: bool | None
) -> None:
    for filename, content in files.items():
        write(tmp_path / "tok" / filename, json.dumps(content))
    facts = lookup(str(tmp_path / "tok"))
    assert facts is not None and facts.model_type is None
    assert (facts.tokenizer_pad_token, facts.tokenizer_has_pad_token) == (pad, has_pad)


def test_generation_config_and_auto_map(tmp_path: Path) -> None:
    config = {
        "model_type": "custom",
        "auto_map": {
            "AutoModelForCausalLM": "modeling.CustomLM",
            "AutoTokenizer": [None, "t.Fast"],
        },
    }
    write(tmp_path / "m" / "config.json", json.dumps(config))
    write(tmp_path / "m" / "generation_config.json", '{"do_sample": true, "top_p": 0.9}')
    facts = lookup(str(tmp_path / "m"))
    assert facts is not None
    assert facts.auto_map == {
        "AutoModelForCausalLM": "modeling.CustomLM",
        "AutoTokenizer": "t.Fast",
    }
    assert facts.generation_config == {"do_sample": True, "top_p": 0.9}


def test_broken_and_missing_files_are_skipped(tmp_path: Path) -> None:
    write(tmp_path / "m" / "config.json", '{"model_type": "bert", ')
    write(tmp_path / "m" / "tokenizer_config.json", '{"pad_token": "[PAD]"}')
    write(tmp_path / "m" / "generation_config.json", "[1, 2]")
    facts = lookup(str(tmp_path / "m"))
    assert facts is not None and facts.model_type is None and facts.config == {}
    assert facts.tokenizer_pad_token == "[PAD]" and facts.generation_config is None
    write(tmp_path / "broken" / "config.json", "\x00\x01 not json")
    (tmp_path / "broken" / "tokenizer_config.json").mkdir()
    assert lookup(str(tmp_path / "broken")) is None
    (tmp_path / "empty").mkdir()
    assert lookup("empty", file_dir=tmp_path) is None


def test_existing_empty_folder_does_not_fall_back_to_the_table(tmp_path: Path) -> None:
    """transformers would load the folder (and fail), not the hub checkpoint of that name."""
    (tmp_path / "gpt2").mkdir()
    assert lookup("gpt2", file_dir=tmp_path) is None
    assert lookup("gpt2") is not None


# PEFT adapters


def write_adapter(folder: Path, base: str) -> Path:
    config = {
        "base_model_name_or_path": base,
        "peft_type": "LORA",
        "r": 8,
        "task_type": "CAUSAL_LM",
    }
    return write(folder / "adapter_config.json", json.dumps(config)).parent


def test_adapter_takes_the_base_model_facts(
    tiny_checkpoints: TinyCheckpoints, tmp_path: Path
) -> None:
    adapter = write_adapter(tmp_path / "adapter", str(tiny_checkpoints.gpt2))
    facts = lookup(str(adapter))
    assert facts is not None
    assert (facts.source, facts.model_type, facts.base_model) == (
        "local",
        "gpt2",
        str(tiny_checkpoints.gpt2),
    )
    assert facts.location.startswith(str(adapter)) and "adapter" in facts.location
    assert facts.base is not None and facts.base.location == str(tiny_checkpoints.gpt2)
    assert facts.tokenizer_has_pad_token is False  # the base model's tokenizer


def test_adapter_on_a_bundled_base(tmp_path: Path) -> None:
    facts = lookup(str(write_adapter(tmp_path / "lora", "gpt2")))
    assert facts is not None and facts.model_type == "gpt2" and facts.source == "local"
    assert facts.base is not None and facts.base.source == "bundled"


def test_adapter_with_own_tokenizer_and_config(
    tiny_checkpoints: TinyCheckpoints, tmp_path: Path
) -> None:
    adapter = write_adapter(tmp_path / "a", str(tiny_checkpoints.gpt2))
    write(adapter / "tokenizer_config.json", '{"pad_token": "<pad>", "padding_side": "left"}')
    facts = lookup(str(adapter))
    assert facts is not None and facts.model_type == "gpt2"
    assert (facts.tokenizer_pad_token, facts.tokenizer_padding_side) == ("<pad>", "left")
    shutil.copy(tiny_checkpoints.bart / "config.json", adapter / "config.json")
    own = lookup(str(adapter))
    assert own is not None and own.model_type == "bart" and own.base is None
    assert own.base_model == str(tiny_checkpoints.gpt2)


def test_adapter_cycle_and_unknown_base(tmp_path: Path) -> None:
    loop = write_adapter(tmp_path / "loop", str(tmp_path / "loop"))
    facts = lookup(str(loop))
    assert facts is not None and facts.model_type is None and facts.base_model == str(loop)
    orphan = lookup(str(write_adapter(tmp_path / "orphan", "nobody/unknown-model-xyz")))
    assert orphan is not None and orphan.model_type is None
    assert orphan.base_model == "nobody/unknown-model-xyz"


# the HF cache


def test_cache_dir_follows_the_environment_at_call_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HOME", str(tmp_path / "home"))
    assert hub_cache_dir() == tmp_path / "home" / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    assert hub_cache_dir() == tmp_path / "hub"
    monkeypatch.delenv("HF_HUB_CACHE")
    monkeypatch.delenv("HF_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert hub_cache_dir() == tmp_path / ".cache" / "huggingface" / "hub"


def test_cache_through_hf_hub_cache(hf_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(hf_cache))
    facts = lookup("acme/tiny")
    assert facts is not None
    assert facts.source == "cache" and facts.model_type == "bert" and facts.vocab_size == 99
    snapshot = hf_cache / "models--acme--tiny" / "snapshots" / MAIN_SHA
    assert facts.location == str(snapshot)
    assert (facts.tokenizer_pad_token, facts.tokenizer_has_pad_token) == ("<pad>", True)


def test_cache_through_hf_home(hf_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HOME", str(hf_cache.parent))
    facts = lookup("acme/classifier")
    assert facts is not None and facts.source == "cache" and facts.num_labels == 3


def test_cache_revision_branch_and_sha(hf_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(hf_cache))
    resolver = CheckpointResolver()
    for revision in ("v1", V1_SHA):
        facts = resolver.lookup("acme/tiny", revision=revision)
        assert facts is not None and facts.model_type == "bart", revision
        assert facts.revision == revision
    by_sha = resolver.lookup("acme/tiny", revision=MAIN_SHA)
    assert by_sha is not None and by_sha.model_type == "bert"
    assert resolver.lookup("acme/tiny", revision="no-such-branch") is None


def test_cache_subfolder(hf_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(hf_cache))
    facts = lookup("acme/tiny", subfolder="encoder")
    assert facts is not None and facts.model_type == "gpt2"
    assert facts.location.endswith(f"{MAIN_SHA}/encoder")
    assert facts.tokenizer_has_pad_token is False


def test_cache_miss_is_none_and_reads_no_network(
    hf_cache: Path, hub_server: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(hf_cache))
    assert lookup("acme/not-cached") is None
    assert hub_server.requests == []


def test_cached_tokenizer_files_alone(hf_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(hf_cache))
    only = lookup("acme/tokenizer-only")
    assert only is not None and only.source == "cache" and only.model_type is None
    assert only.tokenizer_has_pad_token is False
    # model facts from the table, tokenizer facts from the cached files
    mixed = lookup("openai-community/gpt2")
    assert mixed is not None and mixed.source == "bundled" and mixed.model_type == "gpt2"
    assert mixed.tokenizer_pad_token == "<custom>" and "cache" in mixed.location


# the hub (stand-in server, real huggingface_hub client)


def test_hub_only_when_online(hub_server: StandIn, tmp_path: Path) -> None:
    assert CheckpointResolver(online=False).lookup("acme/classifier") is None
    assert hub_server.requests == []
    facts = CheckpointResolver(online=True).lookup("acme/classifier")
    assert facts is not None and facts.source == "hub"
    assert facts.location == f"{hub_server.url}/acme/classifier/resolve/main"
    assert facts.id2label == {0: "negative", 1: "neutral", 2: "positive"}
    assert ("HEAD", "/acme/classifier/resolve/main/config.json") in hub_server.requests
    # downloaded into the cache: the next resolver finds it offline
    again = CheckpointResolver(online=False).lookup("acme/classifier")
    assert again is not None and again.source == "cache"


def test_hub_revision_subfolder_and_files(hub_server: StandIn) -> None:
    resolver = CheckpointResolver(online=True)
    v1 = resolver.lookup("acme/tiny", revision="v1")
    assert v1 is not None and v1.model_type == "bart" and v1.source == "hub"
    sub = resolver.lookup("acme/tiny", subfolder="encoder")
    assert sub is not None and sub.model_type == "gpt2"
    assert sub.location.endswith("/acme/tiny/resolve/main/encoder")
    main = resolver.lookup("acme/tiny")
    assert main is not None and main.tokenizer_pad_token == "<pad>"


def test_hub_errors_are_unknown(hub_server: StandIn) -> None:
    resolver = CheckpointResolver(online=True)
    assert resolver.lookup("acme/gated") is None
    assert resolver.lookup("acme/missing-repo") is None
    assert resolver.lookup("acme/tiny", revision="no-such-branch") is None
    tok = resolver.lookup("acme/tokenizer-only")
    assert tok is not None and tok.model_type is None and tok.tokenizer_has_pad_token is False


def test_hub_not_used_when_the_environment_says_offline(
    hub_server: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert CheckpointResolver(online=True).lookup("acme/classifier") is None
    assert hub_server.requests == []


def test_hub_time_limit(hub_server: StandIn) -> None:
    hub_server.hang = True
    start = time.monotonic()
    facts = CheckpointResolver(online=True, hub_timeout=1.0).lookup("acme/classifier")
    elapsed = time.monotonic() - start
    assert facts is None
    assert elapsed < 2.0
    assert hub_server.requests  # it was asked, and did not answer in time


def test_hub_falls_back_to_the_table(hub_server: StandIn) -> None:
    facts = CheckpointResolver(online=True).lookup("gpt2")
    assert facts is not None and facts.source == "bundled"
    assert ("HEAD", "/gpt2/resolve/main/config.json") in hub_server.requests


# names, caching


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gpt2", True),
        ("google-bert/bert-base-uncased", True),
        ("Qwen/Qwen2.5-0.5B-Instruct", True),
        ("./out/checkpoint-500", False),
        ("../model", False),
        ("/abs/path", False),
        ("a/b/c", False),
        ("has space", False),
        ("org--name", False),
        ("", False),
        ("x" * 97, False),
    ],
)
def test_repo_id_shape(name: str, expected: bool) -> None:
    assert is_repo_id(name) is expected


def test_unknown_names_are_none() -> None:
    assert lookup("nobody/unknown-model-xyz") is None
    assert lookup("./does/not/exist") is None
    assert lookup("not a repo id!") is None
    assert lookup("") is None


def test_lookups_are_cached_per_key(tiny_checkpoints: TinyCheckpoints, tmp_path: Path) -> None:
    folder = shutil.copytree(tiny_checkpoints.bert, tmp_path / "m")
    resolver = CheckpointResolver(cwd=tmp_path)
    first = resolver.lookup("m")
    shutil.rmtree(folder)
    assert resolver.lookup("m") is first
    assert resolver.lookup("m", revision="other") is None
    resolver.clear()
    assert resolver.lookup("m") is None


def test_import_is_light() -> None:
    code = (
        "import sys, hflint.analyzers.checkpoints as c\n"
        "heavy = {'transformers', 'torch', 'huggingface_hub'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# the bundled table

REQUIRED = {
    "model_type",
    "architectures",
    "is_encoder_decoder",
    "id2label",
    "pad_token_id",
    "vocab_size",
    "tokenizer_pad_token",
    "tokenizer_has_pad_token",
    "padding_side",
    "note",
}


def table_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(TABLE_PATH.read_text())
    assert data["format"].startswith("hflint-checkpoints/")
    assert data["date"]
    return data


def table() -> dict[str, dict[str, Any]]:
    return table_data()["checkpoints"]  # type: ignore[no-any-return]


def test_table_size_and_keys() -> None:
    entries = table()
    assert len(bundled_table()) >= 60
    for name, entry in entries.items():
        assert set(entry) >= REQUIRED, name
        assert is_repo_id(name), name
        assert entry["padding_side"] in ("left", "right", None), name
        has_pad, pad = entry["tokenizer_has_pad_token"], entry["tokenizer_pad_token"]
        assert (pad is not None) == (has_pad is True), name


def test_table_model_types_and_architectures_exist_in_transformers() -> None:
    import transformers
    from transformers.models.auto.configuration_auto import (  # type: ignore[attr-defined]
        CONFIG_MAPPING_NAMES,
    )

    # names some old config.json files still carry, for classes transformers has since renamed
    legacy = set(table_data()["legacy_architectures"])
    exported = set(dir(transformers))
    assert not legacy & exported
    for name, entry in table().items():
        assert entry["model_type"] in CONFIG_MAPPING_NAMES, name
        for arch in entry["architectures"] or []:
            assert arch in exported or arch in legacy, (name, arch)


def test_table_labels_are_consistent() -> None:
    for name, entry in table().items():
        labels = entry["id2label"]
        if labels is not None:
            assert sorted(int(k) for k in labels) == list(range(len(labels))), name
        if labels is not None or entry.get("num_labels") is not None:
            archs = entry["architectures"] or []
            assert any("Classification" in a for a in archs), name
        if entry.get("num_labels") is not None and labels is not None:
            assert entry["num_labels"] == len(labels), name


def test_table_facts_are_marked_bundled() -> None:
    facts = lookup("google-bert/bert-base-uncased")
    assert facts is not None and facts.source == "bundled"
    assert (facts.model_type, facts.vocab_size) == ("bert", 30522)
    assert "bundled" in facts.location
    sst2 = lookup("distilbert-base-uncased-finetuned-sst-2-english")
    assert sst2 is not None and sst2.id2label == {0: "NEGATIVE", 1: "POSITIVE"}
    pinned = lookup("gpt2", revision="abc")
    assert pinned is not None and "not abc" in pinned.location
    assert lookup("gpt2", subfolder="x") is None
