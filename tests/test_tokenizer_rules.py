"""Family F (HF601-HF603) beyond the rules' own examples.

Checkpoints are tiny local folders whose config.json and tokenizer files transformers and
tokenizers wrote themselves; the analysed file lives in the same temporary tree, so `"./base"`
resolves the way it would at run time. The runtime messages the rules quote are produced
here by the installed transformers and torch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from rule_checks import findings, fixed_text

from hflint.analyzers import knowledge_extract as ex
from hflint.analyzers.findings import Severity
from hflint.analyzers.knowledge import Knowledge, load_knowledge
from hflint.rules.removed_tokenizer_methods import REPLACEMENTS

INDEX_ERROR = "IndexError: index out of range in self"


def save_wordlevel(folder: Path, size: int, pad: bool = False) -> None:
    """A tokenizer of exactly `size` tokens: [UNK], <eos>, maybe [PAD], then w2, w3, ..."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    specials = ["[UNK]", "<eos>"] + (["[PAD]"] if pad else [])
    vocab = {t: i for i, t in enumerate(specials)}
    vocab.update({f"w{i}": i for i in range(len(specials), size)})
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    extra = {"pad_token": "[PAD]"} if pad else {}
    fast = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tok, unk_token="[UNK]", eos_token="<eos>", **extra
    )
    fast.save_pretrained(folder)
    assert len(fast) == size


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """base/: GPT-2 config and tokenizer, 300 tokens; other/: 700 of each; tok-only/: a
    700-token tokenizer without config; adapter/: a LoRA adapter of base; finetuned/: base
    resized by two tokens; padded/: 384 embedding rows for base's 300-token tokenizer;
    bertish/: 300 tokens with a [PAD] token; tapas/: a TAPAS config."""
    from transformers import GPT2Config, TapasConfig

    root = tmp_path_factory.mktemp("family-f")

    def gpt2(folder: str, rows: int) -> None:
        GPT2Config(vocab_size=rows, n_layer=1, n_embd=16, n_head=2).save_pretrained(root / folder)

    gpt2("base", 300)
    save_wordlevel(root / "base", 300)
    gpt2("other", 700)
    save_wordlevel(root / "other", 700)
    save_wordlevel(root / "tok-only", 700)
    (root / "adapter").mkdir()
    (root / "adapter" / "adapter_config.json").write_text(
        json.dumps({"base_model_name_or_path": "./base", "peft_type": "LORA"})
    )
    gpt2("finetuned", 302)
    save_wordlevel(root / "finetuned", 302)
    gpt2("padded", 384)
    save_wordlevel(root / "bertish", 300, pad=True)
    gpt2("bertish", 300)
    TapasConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2).save_pretrained(
        root / "tapas"
    )
    return root


def script(project: Path) -> Path:
    return project / "train.py"


# ---- the runtime messages, from transformers 5.23.0 and torch ---------------------------------
RUNTIME = """
import json, sys, torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
root = sys.argv[1]
out = {}
model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(root + "/base"))
tok = AutoTokenizer.from_pretrained(root + "/other")  # HF601: 700 tokens, 300 rows
try:
    model(**tok(["w650 w2"], return_tensors="pt"))
except Exception as e:
    out["mismatch"] = f"{type(e).__name__}: {e}"
tok = AutoTokenizer.from_pretrained(root + "/base")  # HF602: a new pad token, no resize
out["added"] = tok.add_special_tokens({"pad_token": "[PAD]"})
try:
    model(**tok(["w5 w6", "w7"], padding=True, return_tensors="pt"))
except Exception as e:
    out["no_resize"] = f"{type(e).__name__}: {e}"
model.resize_token_embeddings(len(tok))
model(**tok(["w5 w6", "w7"], padding=True, return_tensors="pt"))
out["resized_rows"] = model.get_input_embeddings().weight.shape[0]
for name in ("encode_plus", "batch_encode_plus", "as_target_tokenizer"):
    try:
        getattr(tok, name)
    except AttributeError as e:
        out[name] = f"AttributeError: {e}"
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def runtime(project: Path) -> dict[str, object]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error"}
    run = subprocess.run(
        [sys.executable, "-c", RUNTIME, str(project)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result: dict[str, object] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def test_quoted_runtime_messages(runtime: dict[str, object]) -> None:
    assert runtime["mismatch"] == INDEX_ERROR
    assert runtime["added"] == 1
    assert runtime["no_resize"] == INDEX_ERROR
    assert runtime["resized_rows"] == 301
    assert (
        runtime["encode_plus"] == "AttributeError: TokenizersBackend has no attribute encode_plus"
    )
    assert runtime["as_target_tokenizer"] == (
        "AttributeError: TokenizersBackend has no attribute as_target_tokenizer"
    )


# ---- HF601 -------------------------------------------------------------------------------------
PAIR = """
from transformers import AutoModelForCausalLM, AutoTokenizer
tok = AutoTokenizer.from_pretrained("{tok}")
model = AutoModelForCausalLM.from_pretrained("{model}")
out = model(**tok("w5 w6", return_tensors="pt"))
"""


def test_hf601_local_checkpoints_that_overflow(project: Path) -> None:
    code = PAIR.format(tok="./other", model="./base")
    [finding] = findings(code, "HF601", script(project))
    assert finding.severity is Severity.ERROR  # ids past the embedding table: a crash
    assert "700 tokens per its config's vocab_size" in finding.message
    assert "300 embedding rows" in finding.message
    assert INDEX_ERROR in finding.message
    assert (finding.range.start.line, finding.range.start.column) == (3, 36)
    assert 'AutoTokenizer.from_pretrained("./base")' in fixed_text(code, finding)


def test_hf601_counts_a_tokenizer_without_config_from_its_files(project: Path) -> None:
    [finding] = findings(PAIR.format(tok="./tok-only", model="./base"), "HF601", script(project))
    assert "700 tokens per its tokenizer files" in finding.message


def test_hf601_smaller_vocabulary_is_silent_garbage(project: Path) -> None:
    [finding] = findings(PAIR.format(tok="./base", model="./other"), "HF601", script(project))
    assert "no error is raised" in finding.message
    assert INDEX_ERROR not in finding.message


@pytest.mark.parametrize(
    ("tok", "model"),
    [
        ("./base", "./finetuned"),  # two tokens added and resized: padding tolerance
        ("./base", "base"),  # one folder, two spellings
        ("./base", "./adapter"),  # an adapter of the tokenizer's checkpoint
        ("./base", "./missing"),  # unknown
    ],
)
def test_hf601_silent_pairs(project: Path, tok: str, model: str) -> None:
    assert not findings(PAIR.format(tok=tok, model=model), "HF601", script(project))


def test_hf601_peft_model_over_the_tokenizer_checkpoint(project: Path) -> None:
    code = """
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer
    tok = AutoTokenizer.from_pretrained("./base")
    base = AutoModelForCausalLM.from_pretrained("./base")
    model = PeftModel.from_pretrained(base, "./adapter")
    trainer = Trainer(model=model, processing_class=tok)
    """
    assert not findings(code, "HF601", script(project))
    other = code.replace(
        'AutoTokenizer.from_pretrained("./base")', 'AutoTokenizer.from_pretrained("./other")'
    )
    assert findings(other, "HF601", script(project))


def test_hf601_fresh_model_only_cares_about_overflow(project: Path) -> None:
    code = """
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    tok = AutoTokenizer.from_pretrained("{tok}")
    model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained("./other"))
    model(**tok("w2", return_tensors="pt"))
    """
    assert not findings(code.format(tok="./base"), "HF601", script(project))  # unused rows
    code = code.replace('"./other"', '"./base"')
    assert findings(code.format(tok="./other"), "HF601", script(project))


# ---- HF602 -------------------------------------------------------------------------------------
ADD = """
from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer
tok = AutoTokenizer.from_pretrained("{tok}")
tok.{add}
model = AutoModelForCausalLM.from_pretrained("{model}")
trainer = Trainer(model=model, processing_class=tok)
"""


def test_hf602_new_pad_token_is_certain_with_local_files(project: Path) -> None:
    code = ADD.format(
        tok="./base", add='add_special_tokens({"pad_token": "[PAD]"})', model="./base"
    )
    [finding] = findings(code, "HF602", script(project))
    assert finding.severity is Severity.WARNING
    assert "(ids from 300)" in finding.message and "assuming" not in finding.message
    assert INDEX_ERROR in finding.message
    assert finding.fix is not None and finding.fix.is_safe
    assert fixed_text(code, finding).splitlines()[4:6] == [
        'model = AutoModelForCausalLM.from_pretrained("./base")',
        "model.resize_token_embeddings(len(tok))",
    ]


@pytest.mark.parametrize(
    ("tok", "add", "model"),
    [
        ("./base", 'add_tokens(["w5", "w6"])', "./base"),  # already in the vocabulary
        ("./bertish", "add_special_tokens({'pad_token': '[PAD]'})", "./bertish"),
        ("./base", 'add_tokens(["<a>", "<b>"])', "./padded"),  # 84 spare rows
    ],
)
def test_hf602_nothing_new_or_room_left(project: Path, tok: str, add: str, model: str) -> None:
    assert not findings(ADD.format(tok=tok, add=add, model=model), "HF602", script(project))


def test_hf602_counts_earlier_additions_against_spare_rows(project: Path) -> None:
    many = ", ".join(f'"<t{i}>"' for i in range(80))
    code = ADD.format(tok="./base", add=f"add_tokens([{many}])", model="./padded")
    assert not findings(code, "HF602", script(project))  # 300 + 80 <= 384 rows
    more = code.replace(
        "\nmodel =", '\ntok.add_tokens(["<y0>", "<y1>", "<y2>", "<y3>", "<y4>"])\nmodel ='
    )
    [finding] = findings(more, "HF602", script(project))
    assert "(ids from 380)" in finding.message


def test_hf602_reads_the_hf_cache(hf_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hflint.analyzers.checkpoints import CheckpointResolver

    monkeypatch.setenv("HF_HUB_CACHE", str(hf_cache))
    facts = CheckpointResolver().lookup("acme/tiny")
    assert facts is not None and facts.source == "cache"
    from hflint.rules.tokenizer_facts import tokenizer_vocab

    vocab = tokenizer_vocab(facts)
    assert vocab is not None and facts.vocab_size is not None
    assert "<pad>" in vocab.tokens and vocab.length < facts.vocab_size
    room = facts.vocab_size - vocab.length
    tokens = ", ".join(f'"<n{i}>"' for i in range(room + 1))
    code = ADD.format(tok="acme/tiny", add=f"add_tokens([{tokens}])", model="acme/tiny")
    [finding] = findings(code, "HF602")
    assert finding.severity is Severity.WARNING
    fits = ADD.format(tok="acme/tiny", add='add_tokens(["<n0>"])', model="acme/tiny")
    assert not findings(fits, "HF602")


def test_hf602_no_fix_for_peft_wrappers(project: Path) -> None:
    code = """
    from peft import get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer
    tok = AutoTokenizer.from_pretrained("./base")
    tok.add_tokens(["<new>"])
    base = AutoModelForCausalLM.from_pretrained("./base")
    model = get_peft_model(base, config)
    trainer = Trainer(model=model, processing_class=tok)
    """
    [finding] = findings(code, "HF602", script(project))
    assert finding.fix is None


# ---- HF603 -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def k4(tmp_path_factory: pytest.TempPathFactory) -> Knowledge:
    """Knowledge of transformers 4.57.6, read from its wheel (torch not needed)."""
    wheels = Path(os.environ.get("HFLINT_TEST_WHEELS", Path(sys.prefix) / "test-wheels"))
    wheel = wheels / "transformers-4.57.6-py3-none-any.whl"
    if not wheel.exists():
        pytest.skip("the transformers 4.57.6 wheel is not available")
    target = tmp_path_factory.mktemp("transformers-4.57.6")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return Knowledge.from_json(ex.extract(target / "transformers"))


REAL_CLASSES = """
import json, sys, transformers
out = {}
for name in sys.argv[2].split(","):
    try:
        cls = getattr(transformers, name)
        out[name] = {a: hasattr(cls, a) for a in sys.argv[1].split(",")}
    except Exception:
        pass
print(json.dumps(out))
"""


def test_tokenizer_knowledge_matches_the_real_classes() -> None:
    knowledge = load_knowledge()
    names = sorted(n for n in knowledge.tokenizer_modules if n[:1].isupper())
    attrs = [*REPLACEMENTS, "batch_decode", "add_tokens", "apply_chat_template", "pad"]
    run = subprocess.run(
        [sys.executable, "-c", REAL_CLASSES, ",".join(attrs), ",".join(names)],
        capture_output=True,
        text=True,
        env={**os.environ, "TRANSFORMERS_VERBOSITY": "error"},
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    real: dict[str, dict[str, bool]] = json.loads(run.stdout.strip().splitlines()[-1])
    assert len(real) > 100
    for cls, has in real.items():
        for attr, present in has.items():
            assert knowledge.tokenizer_has(cls, attr) is present, (cls, attr)


def test_tokenizer_knowledge_of_4x(k4: Knowledge) -> None:
    assert k4.tokenizer_mapping["bert"] == ["BertTokenizer", "BertTokenizerFast"]
    for cls in ("PreTrainedTokenizerFast", "BertTokenizerFast", "GPT2TokenizerFast"):
        for attr in ("encode_plus", "batch_encode_plus", "as_target_tokenizer"):
            assert k4.tokenizer_has(cls, attr) is True
    assert k4.tokenizer_class("TokenizersBackend") is None


@pytest.mark.locked_transformers
def test_hf603_speaks_for_the_target_version(k4: Knowledge) -> None:
    code = """
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained("bert-base-uncased")
    enc = tok.encode_plus("hello")
    with tok.as_target_tokenizer():
        labels = tok("world")
    """
    assert not findings(code, "HF603", knowledge=k4)
    found = findings(code, "HF603")
    assert [f.range.start.line for f in found] == [4, 5]
    assert all("transformers 5.23.0 (installed)" in f.message for f in found)


def test_hf603_unknown_knowledge_is_silent() -> None:
    code = 'from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained("x")\ntok.encode_plus("a")\n'
    assert not findings(code, "HF603", knowledge=Knowledge(version=""))


def test_hf603_known_tapas_checkpoint(project: Path) -> None:
    code = """
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained("./tapas")
    enc = tok.encode_plus(table=table, query="how many?")
    """
    assert not findings(code, "HF603", script(project))
    assert findings(code.replace("./tapas", "./base"), "HF603", script(project))


def test_hf603_target_block_fix_keeps_multiline_calls() -> None:
    code = """
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained("t5-small")
    def prep(batch):
        with tok.as_target_tokenizer():
            labels = tok(
                batch["y"],
                max_length=64,
            )
            ids = labels["input_ids"]
        return ids
    """
    [finding] = findings(code, "HF603")
    assert fixed_text(code, finding) == textwrap.dedent(
        """
        from transformers import AutoTokenizer
        tok = AutoTokenizer.from_pretrained("t5-small")
        def prep(batch):
            labels = tok(
                text_target=batch["y"],
                max_length=64,
            )
            ids = labels["input_ids"]
            return ids
        """
    )


def test_hf603_no_target_fix_when_comments_would_go() -> None:
    code = """
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained("t5-small")
    with tok.as_target_tokenizer():  # targets
        labels = tok(targets)
    """
    [finding] = findings(code, "HF603")
    assert finding.fix is None


def test_hf603_encode_plus_with_positional_flags_gets_no_fix() -> None:
    code = """
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained("gpt2")
    enc = tok.encode_plus("a", None, True)
    batch = tok.batch_encode_plus(batch_text_or_text_pairs=["a", "b"], padding=True)
    """
    first, second = findings(code, "HF603")
    assert first.fix is None  # 4.x's third positional is add_special_tokens
    assert second.fix is not None and second.fix.is_safe
    assert 'batch = tok(text=["a", "b"], padding=True)' in fixed_text(code, second)


def test_hf603_prepare_seq2seq_batch_with_target_length_gets_no_fix() -> None:
    code = """
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained("t5-small")
    batch = tok.prepare_seq2seq_batch(src, tgt, max_length=512, max_target_length=64)
    """
    [finding] = findings(code, "HF603")
    assert finding.severity is Severity.ERROR
    assert finding.fix is None


def test_hf603_never_on_untracked_receivers() -> None:
    code = """
    from transformers import AutoTokenizer
    class Wrapper:
        def __init__(self):
            self.tok = AutoTokenizer.from_pretrained("gpt2")
        def enc(self, x):
            return self.tok.encode_plus(x)
    def f(tok):
        return tok.batch_encode_plus(["a"])
    """
    # `tok` in f() is a parameter no call site fills: never judged. `self.tok` is the gpt2
    # tokenizer once the collector follows attributes of the module's classes (members.py).
    assert all(f.range.start.line == 7 for f in findings(code, "HF603"))


@pytest.mark.parametrize(
    ("pin", "fires"), [("transformers==4.57.6", False), ("transformers>=5", True)]
)
def test_hf603_follows_the_project_pin(tmp_path: Path, pin: str, fires: bool) -> None:
    (tmp_path / "requirements.txt").write_text(pin + "\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    code = """
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained("bert-base-uncased")
    batch = tok.batch_encode_plus(["a", "b"], padding=True)
    """
    found = findings(code, "HF603", tmp_path / "prep.py")
    assert bool(found) is fires
    if fires:
        assert "requirements.txt" in found[0].message or "installed" in found[0].message


# ---- HF601 in program order: each model meets the tokenizer output that reaches it ---------------
SEQUENTIAL_SECTIONS = """\
from transformers import AutoModelForMaskedLM, AutoModelForSeq2SeqLM, AutoTokenizer

tokenizer = AutoTokenizer.from_pretrained("distilbert-base-cased")
model = AutoModelForMaskedLM.from_pretrained("distilbert-base-cased")
inputs = tokenizer("Distilled models are smaller.", return_tensors="pt")
logits = model(**inputs).logits

model = AutoModelForSeq2SeqLM.from_pretrained("t5-base")
tokenizer = AutoTokenizer.from_pretrained("t5-base")
inputs = tokenizer("translate English to German: Hello", return_tensors="pt")
outputs = model.generate(inputs["input_ids"], max_length=40)
"""


def test_hf601_pairs_in_program_order() -> None:
    """A tutorial's sections reuse `tokenizer`, `model` and `inputs`: no section is paired with
    another section's tokenizer (the notebook shape that gave 18 false findings)."""
    assert not findings(SEQUENTIAL_SECTIONS, "HF601")
    crossed = SEQUENTIAL_SECTIONS.replace(
        'outputs = model.generate(inputs["input_ids"], max_length=40)\n',
        'outputs = model.generate(inputs["input_ids"], max_length=40)\n'
        'model = AutoModelForMaskedLM.from_pretrained("distilbert-base-cased")\n'
        "again = model(**inputs)\n",
    )
    [found] = findings(crossed, "HF601")  # the t5 ids now reach a DistilBERT model
    assert found.range.start.line == 12
