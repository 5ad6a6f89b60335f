"""Fixtures for the checkpoint facts tests: tiny real checkpoints, a stand-in hub, an HF cache.

Configs and tokenizers are written by transformers and tokenizers themselves, and the cache is
filled by huggingface_hub's own hf_hub_download from the stand-in, so the layouts are the real
ones rather than our idea of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hub_stand_in import FakeRepo, Server, StandIn, fake_sha

CORPUS = ["hello world", "a tiny corpus of text", "padding goes left or right"]


def save_tokenizer(folder: Path, **special: str) -> None:
    """A trained byte-pair tokenizer saved by transformers (no download)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    specials = ["<unk>", "<pad>", "</s>"]
    tok.train_from_iterator(CORPUS, trainers.BpeTrainer(vocab_size=80, special_tokens=specials))
    fast = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tok, unk_token="<unk>", **special
    )
    fast.save_pretrained(folder)


@dataclass(frozen=True)
class TinyCheckpoints:
    root: Path
    bert: Path  # BertConfig + tokenizer with pad token
    bart: Path  # BartConfig, no tokenizer
    gpt2: Path  # GPT2Config + generic tokenizer without pad token
    classifier: Path  # BertForSequenceClassification with 3 labels
    left: Path  # GPT2Config + tokenizer padded on the left


@pytest.fixture(scope="session")
def tiny_checkpoints(tmp_path_factory: pytest.TempPathFactory) -> TinyCheckpoints:
    # checkpoints
    from transformers import BartConfig, BertConfig, GPT2Config

    root = tmp_path_factory.mktemp("checkpoints")

    def bert(**labels: object) -> BertConfig:
        small = BertConfig(
            vocab_size=99,
            hidden_size=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=37,
        )
        for key, value in labels.items():
            setattr(small, key, value)
        return small

    bert().save_pretrained(root / "bert")
    save_tokenizer(root / "bert", pad_token="<pad>", eos_token="</s>")
    BartConfig(
        vocab_size=80, d_model=16, encoder_layers=1, decoder_layers=1, pad_token_id=1
    ).save_pretrained(root / "bart")
    GPT2Config(vocab_size=80, n_layer=1, n_embd=16, n_head=2).save_pretrained(root / "gpt2")
    save_tokenizer(root / "gpt2", eos_token="</s>")
    bert(
        architectures=["BertForSequenceClassification"],
        id2label={0: "negative", 1: "neutral", 2: "positive"},
        label2id={"negative": 0, "neutral": 1, "positive": 2},
    ).save_pretrained(root / "classifier")
    GPT2Config(vocab_size=80, n_layer=1, n_embd=16, n_head=2).save_pretrained(root / "left")
    save_tokenizer(root / "left", pad_token="<pad>", eos_token="</s>", padding_side="left")
    return TinyCheckpoints(
        root, root / "bert", root / "bart", root / "gpt2", root / "classifier", root / "left"
    )


def folder_files(folder: Path, prefix: str = "") -> dict[str, bytes]:
    return {f"{prefix}{p.name}": p.read_bytes() for p in folder.iterdir() if p.is_file()}


MAIN_SHA = fake_sha("main")
V1_SHA = fake_sha("v1")


@pytest.fixture
def hub_repos(tiny_checkpoints: TinyCheckpoints) -> dict[str, FakeRepo]:
    """acme/tiny: main = bert + tokenizer, v1 = bart, encoder/ = gpt2 in a subfolder."""
    main = folder_files(tiny_checkpoints.bert) | folder_files(tiny_checkpoints.gpt2, "encoder/")
    return {
        "acme/tiny": FakeRepo(
            commits={MAIN_SHA: main, V1_SHA: folder_files(tiny_checkpoints.bart)},
            refs={"main": MAIN_SHA, "v1": V1_SHA},
        ),
        "acme/classifier": FakeRepo(
            commits={MAIN_SHA: folder_files(tiny_checkpoints.classifier)},
            refs={"main": MAIN_SHA},
        ),
        "acme/tokenizer-only": FakeRepo(
            commits={MAIN_SHA: {"tokenizer_config.json": json.dumps({"pad_token": None}).encode()}},
            refs={"main": MAIN_SHA},
        ),
        "openai-community/gpt2": FakeRepo(
            commits={MAIN_SHA: {"tokenizer_config.json": b'{"pad_token": "<custom>"}'}},
            refs={"main": MAIN_SHA},
        ),
        "acme/gated": FakeRepo(commits={MAIN_SHA: {}}, refs={"main": MAIN_SHA}, gated=True),
    }


@pytest.fixture
def hub_server(
    hub_repos: dict[str, FakeRepo], monkeypatch: pytest.MonkeyPatch
) -> Iterator[StandIn]:
    """The stand-in hub, with HF_ENDPOINT pointing at it and offline mode off."""
    import huggingface_hub.constants

    stand_in = StandIn(repos=hub_repos)
    server = Server(stand_in).start()
    monkeypatch.setenv("HF_ENDPOINT", stand_in.url)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    try:
        yield stand_in
    finally:
        server.stop()


@pytest.fixture
def hf_cache(
    hub_server: StandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A hub cache filled by hf_hub_download from the stand-in, then offline again."""
    import huggingface_hub.constants
    from huggingface_hub import hf_hub_download

    cache = tmp_path / "hf-home" / "hub"
    downloads = [
        ("acme/tiny", "config.json", None, None),
        ("acme/tiny", "tokenizer_config.json", None, None),
        ("acme/tiny", "tokenizer.json", None, None),
        ("acme/tiny", "config.json", "v1", None),
        ("acme/tiny", "config.json", None, "encoder"),
        ("acme/tiny", "tokenizer_config.json", None, "encoder"),
        ("acme/classifier", "config.json", None, None),
        ("acme/tokenizer-only", "tokenizer_config.json", None, None),
        ("openai-community/gpt2", "tokenizer_config.json", None, None),
    ]
    for repo_id, filename, revision, subfolder in downloads:
        hf_hub_download(
            repo_id,
            filename,
            revision=revision,
            subfolder=subfolder,
            cache_dir=cache,
            endpoint=hub_server.url,
        )
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    hub_server.requests.clear()
    yield cache
