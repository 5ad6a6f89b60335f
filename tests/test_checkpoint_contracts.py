"""Tokenizer vs model, Auto-class and remote-code contracts beyond the rules' own examples:
HF103 (head-only outputs read from a base model), HF104, HF507, HF601-HF605, HF951 (native
architectures), HF203 (computed `from_tf=`) and HF701's suggestion.

Checkpoints are tiny local folders next to the analysed file, written the way transformers
and tokenizers write them; the runtime messages the rules quote are produced here by the
installed transformers (a subprocess, offline).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rule_checks import findings, fixed_text
from test_remote_code import Table

from hflint.analyzers.checkpoints import (
    CheckpointResolver,
    bundled_facts,
    facts_from_files,
    folder_getter,
)
from hflint.analyzers.engine import check_source
from hflint.analyzers.findings import Finding, Severity
from hflint.analyzers.knowledge import load_knowledge
from hflint.analyzers.settings import Settings
from hflint.rules.model_classes import TYPE_WARNING
from hflint.rules.pipeline_batching import BATCHING_ERROR
from hflint.rules.tokenizer_facts import VOCAB_SHAPES, never_learned, vocab_shape


def write(folder: Path, **files: dict[str, object]) -> Path:
    """A checkpoint folder holding the given JSON files (`config`, `tokenizer_config`, ...)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / f"{name}.json").write_text(json.dumps(data))
    return folder


def check(code: str, rule: str, folder: Path) -> list[Finding]:
    """`rule`'s findings on `code` saved as `folder`/train.py (local checkpoints resolve)."""
    return findings(code, rule, folder / "train.py")


# ---- the runtime facts the rules rest on, from the installed transformers ---------------------
RUNTIME = Path(__file__).with_name("checkpoint_contracts_runtime.py")


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("contracts-runtime")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "warning"}
    run = subprocess.run(
        [sys.executable, str(RUNTIME), str(root)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result: dict[str, object] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.locked_transformers
def test_quoted_runtime_messages(runtime: dict[str, object]) -> None:
    assert runtime["logits"] == "AttributeError: 'BaseModelOutput' object has no attribute 'logits'"
    assert runtime["loss_key"] == "KeyError: 'loss'"
    assert runtime["type_warning"] == TYPE_WARNING.format(checkpoint="gpt2", cls="bert")
    assert runtime["batching"] == BATCHING_ERROR
    assert runtime["single_ok"] is True  # one string never pads
    assert runtime["cased_tokens"] == ["Paris", "is", "?"]
    assert runtime["lowered_tokens"] == ["paris", "is", "?"]  # do_lower_case=True is honoured
    assert runtime["added_pad"] == 1  # `[PAD]` is new to a byte-level vocabulary
    assert runtime["added_e1"] == 1  # `<e1>` is new to a WordPiece vocabulary
    assert runtime["forced_differs"] is True  # LlamaTokenizer on another tokenizer's files
    assert runtime["forced_logged"] == []  # ... and not a word about it


# ---- what a learned vocabulary cannot hold -----------------------------------------------------
def test_no_learned_entry_is_judged_impossible() -> None:
    """Train the two vocabulary shapes on text full of markers: none of the learned entries
    is one `never_learned` calls impossible (only the special tokens are)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    text = ["a [PAD] b <e1> c </e1> d <|im_start|> it's 3.14 x-y éte [CLS]"] * 100
    byte_level = Tokenizer(models.BPE())
    byte_level.pre_tokenizer = pre_tokenizers.ByteLevel()
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    byte_level.train_from_iterator(
        text, trainers.BpeTrainer(vocab_size=400, initial_alphabet=alphabet)
    )
    decode = decoders.ByteLevel()
    shape = VOCAB_SHAPES["GPT2Tokenizer"]
    learned = [decode.decode([t]) for t in byte_level.get_vocab()]
    assert not [t for t in learned if never_learned(shape, t) and "\ufffd" not in t]
    wordpiece = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    wordpiece.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    wordpiece.train_from_iterator(
        text, trainers.WordPieceTrainer(vocab_size=400, special_tokens=["[UNK]"])
    )
    shape = VOCAB_SHAPES["BertTokenizer"]
    assert not [t for t in wordpiece.get_vocab() if never_learned(shape, t)]


@pytest.mark.parametrize(
    ("cls", "token", "expected"),
    [
        ("GPT2Tokenizer", "[PAD]", True),
        ("GPT2Tokenizer", "<|endoftext|>", False),  # its own special token
        ("GPT2Tokenizer", " hello", False),
        ("RobertaTokenizer", "<mask>", False),
        ("RobertaTokenizer", "<e1>", True),
        ("BertTokenizer", "<e1>", True),
        ("BertTokenizer", "[E1]", False),  # vocab.txt may reserve bracketed entries
        ("BertTokenizer", "##ing", False),
        ("OpenAIGPTTokenizer", "[CLS]", True),
        ("OpenAIGPTTokenizer", "hello</w>", False),
        ("DistilBertTokenizer", "<e1>", True),  # through its base class
        ("BartTokenizer", "<pad>", False),
    ],
)
def test_vocab_shapes(cls: str, token: str, expected: bool) -> None:
    shape = vocab_shape(load_knowledge(), cls)
    assert shape is not None
    assert never_learned(shape, token) is expected


# ---- HF602 -------------------------------------------------------------------------------------
ADD = """
from transformers import AutoModelForCausalLM, AutoTokenizer
tok = AutoTokenizer.from_pretrained("{ckpt}")
tok.add_special_tokens({{"pad_token": "[PAD]"}})
model = AutoModelForCausalLM.from_pretrained("{ckpt}")
model(**tok(["a", "b c"], padding=True, return_tensors="pt"))
"""


def test_hf602_pad_on_gpt2_is_new_without_files() -> None:
    [finding] = findings(ADD.format(ckpt="gpt2"), "HF602")
    assert finding.severity is Severity.WARNING
    assert "`[PAD]` cannot be in `gpt2`'s vocabulary" in finding.message


def test_hf602_tokens_the_checkpoint_already_added(tmp_path: Path) -> None:
    """A fine-tuned GPT-2 saved with `[PAD]` among its tokens adds nothing."""
    config = {"model_type": "gpt2", "vocab_size": 50258}
    write(tmp_path / "ft", config=config, tokenizer_config={"tokenizer_class": "GPT2Tokenizer"})
    (tmp_path / "ft" / "added_tokens.json").write_text(json.dumps({"[PAD]": 50257}))
    assert not check(ADD.format(ckpt="./ft"), "HF602", tmp_path)
    write(
        tmp_path / "ft2",
        config=config,
        tokenizer_config={
            "tokenizer_class": "GPT2Tokenizer",
            "added_tokens_decoder": {"50257": {"content": "[PAD]", "special": True}},
        },
    )
    assert not check(ADD.format(ckpt="./ft2"), "HF602", tmp_path)


def test_hf602_unknown_family_stays_an_assumption(tmp_path: Path) -> None:
    write(
        tmp_path / "llama",
        config={"model_type": "llama", "vocab_size": 32000},
        tokenizer_config={"tokenizer_class": "LlamaTokenizer"},
    )
    [finding] = check(ADD.format(ckpt="./llama"), "HF602", tmp_path)
    assert finding.severity is Severity.INFO


# ---- HF103: head-only outputs of a base model --------------------------------------------------
def test_hf103_reloaded_classifier_logits() -> None:
    code = """
    import torch
    from transformers import AutoModel, AutoModelForSequenceClassification
    model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased", num_labels=2)
    model.save_pretrained("out")
    model = AutoModel.from_pretrained("out")
    for batch in loader:
        with torch.no_grad():
            outputs = model(**batch)
        preds = torch.argmax(outputs.logits, dim=-1)
    """
    [finding] = findings(code, "HF103")
    assert finding.range.start.line == 10
    assert "AttributeError: 'BaseModelOutput' object has no attribute 'logits'" in finding.message
    assert "UNEXPECTED" in finding.message
    assert 'AutoModelForSequenceClassification.from_pretrained("out")' in fixed_text(code, finding)


def test_hf103_hidden_states_and_other_scopes_are_fine() -> None:
    code = """
    from transformers import AutoModel
    enc = AutoModel.from_pretrained("bert-base-uncased")
    def embed(batch):
        out = enc(**batch)
        return out.last_hidden_state.mean(1)
    def score(out):
        return out.logits
    out = enc(**batch)
    out = classifier(out.pooler_output)
    print(out.logits, out["loss"])
    """
    assert not findings(code, "HF103")


def test_hf103_a_base_table_that_builds_a_head() -> None:
    """AutoModel maps a few model types to generative classes: those have logits."""
    code = """
    from transformers import AutoModel
    model = AutoModel.from_pretrained("./llama4")
    logits = model(**batch).logits
    """
    assert findings(code, "HF103")  # unknown checkpoint: AutoModel is headless
    assert not findings(code.replace("AutoModel.", "AutoModelForCausalLM."), "HF103")


def test_hf103_remote_code_decides() -> None:
    """An `auto_map` (or an unknown checkpoint with trust_remote_code) may map AutoModel to a
    class with a head (internlm2: InternLM2ForCausalLM)."""
    table = Table({"org/custom": {"model_type": "custom", "auto_map": {"AutoModel": "m.LM"}}})
    code = (
        "from transformers import AutoModel\n"
        'm = AutoModel.from_pretrained("org/custom", trust_remote_code=True)\n'
        "n = AutoModel.from_pretrained(name, trust_remote_code=True)\n"
        "print(m(**x).logits, n(**x).logits)\n"
    )
    found = check_source(code, settings=Settings(select=["HF103"]), resolver=table)
    assert not [f for f in found if f.code == "HF103"]


# ---- HF601: the odd model out ------------------------------------------------------------------
def test_hf601_points_at_the_model_that_does_not_match() -> None:
    code = """
    from transformers import AutoModel, AutoModelForMaskedLM, AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained("roberta-base")
    encoder = AutoModel.from_pretrained("roberta-base")
    generator = AutoModelForMaskedLM.from_pretrained("distilbert-base-uncased")
    batch = tokenizer(["a b", "c"], padding=True, return_tensors="pt")
    pred = generator(batch["input_ids"], batch["attention_mask"])[0]
    pooled = encoder(**batch).last_hidden_state
    """
    [finding] = findings(code, "HF601")
    assert finding.range.start.line == 5  # the generator's checkpoint, not the tokenizer's
    assert finding.severity is Severity.ERROR  # 50265 ids for 30522 rows
    assert "`generator` is loaded from `distilbert-base-uncased`" in finding.message
    assert finding.fix is None  # which checkpoint to use instead is the author's call


# ---- HF604 / HF605 -----------------------------------------------------------------------------
@pytest.fixture
def tokenizers_dir(tmp_path: Path) -> Path:
    write(
        tmp_path / "bloom",
        config={"model_type": "bloom"},
        tokenizer_config={"tokenizer_class": "BloomTokenizerFast", "pad_token": "<pad>"},
    )
    write(
        tmp_path / "distil",
        config={"model_type": "distilbert"},
        tokenizer_config={"tokenizer_class": "DistilBertTokenizer", "do_lower_case": True},
    )
    write(
        tmp_path / "cased",
        config={"model_type": "bert"},
        tokenizer_config={"tokenizer_class": "BertTokenizer", "do_lower_case": False},
    )
    write(
        tmp_path / "custom",
        config={"model_type": "internlm2"},
        tokenizer_config={"tokenizer_class": "InternLM2Tokenizer"},
    )
    write(
        tmp_path / "generic",
        config={"model_type": "falcon"},
        tokenizer_config={"tokenizer_class": "PreTrainedTokenizerFast"},
    )
    return tmp_path


@pytest.mark.parametrize(
    ("cls", "ckpt", "reported"),
    [
        ("LlamaTokenizer", "./bloom", True),
        ("AutoTokenizer", "./bloom", False),
        ("BertTokenizer", "./distil", False),  # DistilBertTokenizer derives from it
        ("DistilBertTokenizer", "./cased", False),
        ("BertTokenizerFast", "./cased", False),  # the 4.x name of the same class
        ("GPT2Tokenizer", "./cased", True),
        ("LlamaTokenizer", "./custom", False),  # a class this transformers does not know
        ("GPT2Tokenizer", "./generic", False),  # the generic backend names no family
    ],
)
def test_hf604(tokenizers_dir: Path, cls: str, ckpt: str, reported: bool) -> None:
    code = f'from transformers import {cls}\ntok = {cls}.from_pretrained("{ckpt}")\n'
    found = check(code, "HF604", tokenizers_dir)
    assert bool(found) is reported
    if reported:
        assert found[0].severity is Severity.WARNING
        assert "AutoTokenizer" in fixed_text(code, found[0])


def test_hf605(tokenizers_dir: Path) -> None:
    code = 'from transformers import BertTokenizer\ntok = BertTokenizer.from_pretrained("./cased", do_lower_case=True)\n'
    [finding] = check(code, "HF605", tokenizers_dir)
    assert finding.severity is Severity.ERROR
    assert "`do_lower_case: false`" in finding.message
    assert fixed_text(code, finding).endswith('from_pretrained("./cased")\n')
    assert not check(code.replace("True", "False"), "HF605", tokenizers_dir)
    assert not check(code.replace("./cased", "./distil"), "HF605", tokenizers_dir)
    argparse_code = """
    import argparse
    from transformers import BertTokenizer
    parser = argparse.ArgumentParser()
    parser.add_argument("--do_lower_case", default=True, action="store_true")
    args = parser.parse_args()
    tok = BertTokenizer.from_pretrained("./cased", do_lower_case=args.do_lower_case)
    """
    [finding] = check(argparse_code, "HF605", tokenizers_dir)
    assert finding.severity is Severity.WARNING


def test_tokenizer_facts_from_files(tokenizers_dir: Path) -> None:
    facts = facts_from_files("x", "local", "x", folder_getter(tokenizers_dir / "cased"))
    assert facts is not None
    assert facts.tokenizer_do_lower_case is False
    assert facts.tokenizer_class == "BertTokenizer"
    bloom = facts_from_files("x", "local", "x", folder_getter(tokenizers_dir / "bloom"))
    assert bloom is not None and bloom.tokenizer_tokens == ("<pad>",)
    write(tokenizers_dir / "multi", config={"model_type": "bert", "problem_type": "regression"})
    multi = facts_from_files("x", "local", "x", folder_getter(tokenizers_dir / "multi"))
    assert multi is not None and multi.problem_type == "regression"
    table = bundled_facts("bert-base-multilingual-cased")
    assert table is not None and table.tokenizer_do_lower_case is False
    assert bundled_facts("openai-community/openai-gpt") is not None


# ---- HF104 -------------------------------------------------------------------------------------
def test_hf104_composite_checkpoint_with_a_sub_config(tmp_path: Path) -> None:
    """transformers reads `text_config` when its model type is the class's: no warning."""
    write(
        tmp_path / "llava",
        config={"model_type": "llava", "text_config": {"model_type": "llama"}},
    )
    code = 'from transformers import LlamaForCausalLM\nlm = LlamaForCausalLM.from_pretrained("./llava")\n'
    assert not check(code, "HF104", tmp_path)
    write(tmp_path / "bert", config={"model_type": "bert"})
    [finding] = check(code.replace("./llava", "./bert"), "HF104", tmp_path)
    assert TYPE_WARNING.format(checkpoint="bert", cls="llama") in finding.message


# ---- HF507 -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "reported"),
    [
        ('pipe = pipeline("text-generation", model="gpt2")\npipe(texts, batch_size=4)\n', True),
        ('pipe = pipeline("text-generation", model="gpt2", batch_size=4)\npipe(ds)\n', True),
        ('pipe = pipeline("text-generation", model="gpt2", batch_size=4)\npipe("hi")\n', False),
        ('pipe = pipeline("text-generation", model="gpt2")\npipe(texts, batch_size=1)\n', False),
        (
            'pipe = pipeline("text-generation", model="gpt2")\n'
            "pipe.tokenizer.pad_token = pipe.tokenizer.eos_token\n"
            "pipe(texts, batch_size=4)\n",
            False,
        ),
        (
            'pipe = pipeline("text-classification", model="roberta-base")\npipe(t, batch_size=8)\n',
            False,
        ),
    ],
)
def test_hf507(code: str, reported: bool) -> None:
    found = findings("from transformers import pipeline\n" + code, "HF507")
    assert bool(found) is reported


# ---- HF951: the flag on an architecture transformers builds itself -----------------------------
FALCON: dict[str, object] = {
    "model_type": "falcon",
    "architectures": ["FalconForCausalLM"],
    "auto_map": {
        "AutoConfig": "configuration_falcon.FalconConfig",
        "AutoModelForCausalLM": "modeling_falcon.FalconForCausalLM",
    },
}


def _hf951(code: str, resolver: CheckpointResolver) -> list[Finding]:
    found = check_source(code, settings=Settings(select=["HF951"]), resolver=resolver)
    return [f for f in found if f.code == "HF951"]


def test_hf951_flag_replaces_a_builtin_implementation() -> None:
    table = Table({"tiiuae/falcon-7b": FALCON})
    code = (
        "from transformers import AutoModelForCausalLM, pipeline\n"
        'm = AutoModelForCausalLM.from_pretrained("tiiuae/falcon-7b", trust_remote_code=True)\n'
        'g = pipeline("text-generation", model="tiiuae/falcon-7b", trust_remote_code=True)\n'
    )
    found = _hf951(code, table)
    assert [f.range.start.line for f in found] == [2, 3]
    for finding in found:
        assert finding.severity is Severity.WARNING
        assert "`FalconForCausalLM`" in finding.message and "not pinned" in finding.message
        assert finding.fix is not None
        line = fixed_text(code, finding).splitlines()[finding.range.start.line - 1]
        assert "trust_remote_code" not in line
    # an Auto class the config's auto_map does not name: the built-in class loads anyway
    other = code.replace("AutoModelForCausalLM", "AutoModelForSequenceClassification")
    [first, _] = _hf951(other, table)
    assert first.range.start.line == 2 and "instead of its built-in" not in first.message


def test_hf951_remote_only_type_keeps_the_pin_finding() -> None:
    table = Table({"org/custom": {"model_type": "custom", "auto_map": {"AutoModel": "m.M"}}})
    code = 'from transformers import AutoModel\nm = AutoModel.from_pretrained("org/custom", trust_remote_code=True)\n'
    [finding] = _hf951(code, table)
    assert "no `revision=` pins them" in finding.message


# ---- HF203: computed from_tf -------------------------------------------------------------------
def test_hf203_computed_from_tf_is_a_hint() -> None:
    code = """
    from transformers import AutoModelForSequenceClassification
    model = AutoModelForSequenceClassification.from_pretrained(
        path, from_tf=bool(".ckpt" in path), config=config
    )
    """
    [finding] = findings(code, "HF203")
    assert finding.severity is Severity.HINT
    assert "from_tf" not in fixed_text(code, finding)


# ---- HF701: a suggestion that fits the model ---------------------------------------------------
def test_hf701_suggests_a_task_the_model_serves() -> None:
    code = 'from transformers import pipeline\nasr = pipeline("speech-to-text", model="openai/whisper-small")\n'
    [finding] = findings(code, "HF701")
    assert "Did you mean `automatic-speech-recognition`?" in finding.message
    [plain] = findings(code.replace(', model="openai/whisper-small"', ""), "HF701")
    assert "Did you mean `image-text-to-text`?" in plain.message  # spelling is all there is
