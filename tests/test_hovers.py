"""Hovers: Auto and model classes, checkpoints (bundled, HF cache, local folder, unknown),
pipeline tasks, rule codes in suppression comments, and None everywhere else."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hflint.analyzers.knowledge import UNKNOWN, Knowledge, load_knowledge
from hflint.analyzers.settings import Settings
from hflint.rules.registry import rule_by_code
from hflint.server.hovers import hover_at

SETTINGS = Settings()


@pytest.fixture(autouse=True)
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Offline, with an HF cache of our own (empty until a test fills it)."""
    home = tmp_path / "hf-home"
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        monkeypatch.delenv(var, raising=False)
    return home / "hub"


@pytest.fixture(scope="module")
def kn() -> Knowledge:
    knowledge = load_knowledge()
    if not knowledge.version.startswith("5."):
        pytest.skip("these hovers are written against transformers 5")
    return knowledge


def hover(text: str, needle: str, nth: int = 0, path: Path | None = None) -> str | None:
    """The hover with the cursor one character into the `nth` occurrence of `needle`."""
    offset = -1
    for _ in range(nth + 1):
        offset = text.index(needle, offset + 1)
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return hover_at(text, path, line, column, SETTINGS)


def accepted(kn: Knowledge, auto: str) -> int:
    return sum(kn.resolve(t, auto) not in (None, UNKNOWN) for t in kn.config_mapping)


def cache_checkpoint(
    cache: Path, repo_id: str, config: dict[str, object], ref: str = "main"
) -> Path:
    """A repository laid out as huggingface_hub writes it: refs/<ref> -> snapshots/<sha>/."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    sha = f"{abs(hash((repo_id, ref))):040x}"[:40]
    snapshot = repo / "snapshots" / sha
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text(json.dumps(config))
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / ref).write_text(sha)
    return snapshot


# ---- classes --------------------------------------------------------------------------------

SEQ2SEQ = """\
from transformers import AutoModelForSeq2SeqLM, Seq2SeqTrainer

model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")
"""


def test_auto_class_imported_by_name(kn: Knowledge) -> None:
    for text in (
        hover(SEQ2SEQ, "AutoModelForSeq2SeqLM"),
        hover(SEQ2SEQ, "AutoModelForSeq2SeqLM", 1),
    ):
        assert text is not None
        assert "**Architecture:** encoder-decoder" in text
        assert "language-modeling head on the decoder" in text
        assert "`Seq2SeqTrainer`" in text and "predict_with_generate=True" in text
        assert (
            "Are you generating text? → YES → Encoder–decoder generation (translate, "
            "summarize)? → AutoModelForSeq2SeqLM" in text
        )
        count = accepted(kn, "AutoModelForSeq2SeqLM")
        assert f"**Accepts** {count} model types in transformers {kn.version}" in text


def test_auto_class_through_a_module_alias_and_a_name_alias(kn: Knowledge) -> None:
    text = (
        "import transformers as T\n"
        "from transformers import AutoModelForCausalLM as LM\n"
        'a = T.AutoModelForSeq2SeqLM.from_pretrained("t5-small")\n'
        'b = LM.from_pretrained("gpt2")\n'
    )
    assert hover(text, "AutoModelForSeq2SeqLM") == hover(SEQ2SEQ, "AutoModelForSeq2SeqLM")
    assert hover(text, "T.Auto") is None  # the module itself: the editor's business
    causal = hover(text, 'LM.from_pretrained("gpt2')
    assert causal is not None and "**`AutoModelForCausalLM`**" in causal
    assert "**Architecture:** decoder-only" in causal
    assert "`bart` → `BartForCausalLM`" in causal and "is_decoder=True" in causal
    assert "`Trainer` with `TrainingArguments`" in causal and "Seq2SeqTrainer" not in causal
    assert "Left-to-right generation (GPT-style)? → AutoModelForCausalLM" in causal


def test_auto_class_whose_heads_span_families(kn: Knowledge) -> None:
    text = hover("from transformers import AutoModelForTokenClassification\n", "AutoModelFor")
    assert text is not None
    assert "any family:" in text and "encoder-only" in text and "decoder-only" in text
    assert "one label per token" in text
    assert "Token-level label? → AutoModelForTokenClassification" in text


def test_model_class(kn: Knowledge) -> None:
    text = hover(
        "from transformers import BertForSequenceClassification\n"
        'm = BertForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=3)\n',
        "BertForSequenceClassification",
        1,
    )
    assert text is not None
    assert "**Model type:** `bert`, encoder-only" in text
    assert "the one `AutoModelForSequenceClassification` builds for `bert`" in text
    assert "`logits` of shape (batch, num_labels)" in text
    assert "`Trainer` with `TrainingArguments`" in text
    assert "Sentence-level label? → AutoModelForSequenceClassification" in text


def test_model_class_of_an_encoder_decoder_heads_seq2seq(kn: Knowledge) -> None:
    text = hover("from transformers import BartForConditionalGeneration\n", "BartFor")
    assert text is not None
    assert "the one `AutoModelForSeq2SeqLM` builds for `bart`" in text
    assert "**Also built by:** `AutoModelForMaskedLM`" in text
    decoder = hover("from transformers.models.bart import BartForCausalLM\n", "BartFor")
    assert decoder is not None and "the decoder alone" in decoder


def test_nonexistent_classes(kn: Knowledge) -> None:
    text = (
        "from transformers import AutoModelForVision2Seq, AutoModelForConditionalGeneration\n"
        "import transformers\n"
        "transformers.TFAutoModel\n"
        "transformers.AutoModelForSequenceClasification\n"
    )
    removed = hover(text, "AutoModelForVision2Seq")
    assert removed is not None
    assert f"does not exist in transformers {kn.version}" in removed
    assert "Use `AutoModelForImageTextToText`" in removed
    invented = hover(text, "AutoModelForConditionalGeneration")
    assert invented is not None and "not a class of transformers" in invented
    assert "`AutoModelForSeq2SeqLM` for text encoder-decoders" in invented
    tf = hover(text, "TFAutoModel")
    assert tf is not None and "PyTorch class `AutoModel`" in tf
    typo = hover(text, "AutoModelForSequenceClasification")
    assert typo is not None and "Did you mean `AutoModelForSequenceClassification`?" in typo


def test_image_text_to_text_quotes_the_tree_with_its_old_name(kn: Knowledge) -> None:
    text = hover("from transformers import AutoModelForImageTextToText\n", "AutoModelFor")
    assert text is not None
    assert "Image → text? → AutoModelForVision2Seq" in text
    assert "old name, removed in 5" in text


# ---- checkpoints ----------------------------------------------------------------------------


def test_bundled_checkpoint(kn: Knowledge) -> None:
    text = hover(SEQ2SEQ, "t5-small")
    assert text is not None
    assert "**`t5-small`** · checkpoint" in text
    assert "**Model type:** `t5`, encoder-decoder" in text
    assert "pad token `<pad>`" in text
    assert "well-known checkpoints" in text and "checkpoints.json" in text
    assert "**Loads with:** `AutoModelForSeq2SeqLM`" in text
    assert "AutoModelForCausalLM" not in text  # t5 has no causal-LM head


def test_cached_checkpoint_and_its_revision(kn: Knowledge, empty_cache: Path) -> None:
    main = cache_checkpoint(
        empty_cache,
        "acme/tiny-bart",
        {"model_type": "bart", "architectures": ["BartForConditionalGeneration"]},
    )
    v1 = cache_checkpoint(
        empty_cache,
        "acme/tiny-bart",
        {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"]},
        ref="v1",
    )
    code = (
        "from transformers import AutoModelForSeq2SeqLM\n"
        'a = AutoModelForSeq2SeqLM.from_pretrained("acme/tiny-bart")\n'
        "b = AutoModelForSeq2SeqLM.from_pretrained(\n"
        '    "acme/tiny-bart",\n'
        '    revision="v1",\n'
        ")\n"
    )
    text = hover(code, "acme/tiny-bart")
    assert text is not None
    assert "**Model type:** `bart`, encoder-decoder" in text
    assert f"the Hugging Face cache, `{main}`" in text
    assert "**Loads with:** `AutoModelForSeq2SeqLM` (its own head)" in text
    assert "`AutoModelForCausalLM` (the decoder alone" in text
    pinned = hover(code, "acme/tiny-bart", 1)  # revision= comes after the cursor
    assert pinned is not None and "revision `v1`" in pinned
    assert "`gpt2`, decoder-only" in pinned and str(v1) in pinned


def test_local_folder_saved_by_transformers(kn: Knowledge, tmp_path: Path) -> None:
    from transformers import BertConfig

    config = BertConfig(
        vocab_size=99,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=37,
        id2label={0: "negative", 1: "positive"},
        label2id={"negative": 0, "positive": 1},
    )
    config.architectures = ["BertForSequenceClassification"]
    config.save_pretrained(tmp_path / "out" / "sentiment")
    code = (
        "from transformers import AutoModelForSequenceClassification\n"
        'm = AutoModelForSequenceClassification.from_pretrained("out/sentiment")\n'
    )
    text = hover(code, "out/sentiment", path=tmp_path / "train.py")
    assert text is not None
    assert f"the local folder `{tmp_path / 'out' / 'sentiment'}`" in text
    assert "**Labels:** 2 (`negative`, `positive`)" in text
    assert "**Loads with:** `AutoModelForSequenceClassification` (its own head)" in text


def test_unknown_checkpoint_says_why(kn: Knowledge, empty_cache: Path) -> None:
    code = 'from transformers import AutoModel\nm = AutoModel.from_pretrained("acme/nothing")\n'
    text = hover(code, "acme/nothing")
    assert text is not None and "unknown to hflint" in text
    assert f"not in the Hugging Face cache (`{empty_cache}`)" in text
    assert "online lookups are off (`HF_HUB_OFFLINE` is set)" in text


def test_cache_filled_after_a_miss_shows_at_once(kn: Knowledge, empty_cache: Path) -> None:
    code = 'import transformers\ntransformers.AutoModel.from_pretrained("acme/later")\n'
    first = hover(code, "acme/later")
    assert first is not None and "unknown" in first
    cache_checkpoint(empty_cache, "acme/later", {"model_type": "llama"})
    second = hover(code, "acme/later")
    assert second is not None and "`llama`, decoder-only" in second


def test_model_type_unknown_to_transformers(kn: Knowledge, empty_cache: Path) -> None:
    cache_checkpoint(empty_cache, "acme/old-xl", {"model_type": "transfo-xl"})
    remote = {"AutoModelForCausalLM": "modeling_mine.MineForCausalLM"}
    cache_checkpoint(empty_cache, "acme/mine", {"model_type": "mine", "auto_map": remote})
    code = 'AutoModel.from_pretrained("acme/old-xl")\nAutoModel.from_pretrained("acme/mine")\n'
    old = hover(code, "acme/old-xl")
    assert old is not None
    assert f"transformers {kn.version} does not know model type `transfo-xl`" in old
    assert "it cannot load this checkpoint" in old
    mine = hover(code, "acme/mine")
    assert mine is not None and "only its remote code can load it" in mine
    assert "`AutoModelForCausalLM` → `modeling_mine.MineForCausalLM`" in mine


def test_any_string_the_resolver_knows_but_only_arguments_are_unknown(kn: Knowledge) -> None:
    code = 'NAME = "gpt2"\nother = "acme/nothing"\nAutoModel.from_pretrained(base / "acme/x")\n'
    text = hover(code, "gpt2")
    assert text is not None and "`gpt2`, decoder-only" in text
    assert hover(code, "acme/nothing") is None
    assert hover(code, "acme/x") is None  # part of an expression, not the argument


# ---- pipeline tasks -------------------------------------------------------------------------

TASKS = """\
from transformers import pipeline

a = pipeline("summarization", model="t5-small")
b = pipeline("ner")
c = pipeline(
    task="image-to-text",
)
d = pipeline("text-classification")
e = pipeline("translation_en_to_fr")
f = pipeline("no-such-task")
"""


def test_removed_task_with_transformers_message(kn: Knowledge) -> None:
    text = hover(TASKS, "summarization")
    assert text is not None and "**removed**" in text
    assert kn.removed_tasks["summarization"] in text
    assert "KeyError: The task summarization has been removed from transformers." in text
    translation = hover(TASKS, "translation_en")
    assert translation is not None and kn.removed_tasks["translation"] in translation


def test_alias_redirect_and_supported_task(kn: Knowledge) -> None:
    ner = hover(TASKS, "ner")
    assert ner is not None and "alias of `token-classification`" in ner
    assert "`AutoModelForTokenClassification`" in ner
    redirect = hover(TASKS, "image-to-text")
    assert redirect is not None and "replaced by `image-text-to-text`" in redirect
    assert "`AutoModelForImageTextToText`" in redirect
    text = hover(TASKS, "text-classification")
    assert text is not None
    assert "`AutoModelForSequenceClassification`" in text and "`sentiment-analysis`" in text
    default = kn.tasks["text-classification"].default_model
    assert f"**Default model:** `{default}`" in text
    unknown = hover(TASKS, "no-such-task")
    assert unknown is not None and "is not a pipeline task" in unknown


def test_model_argument_of_pipeline_is_a_checkpoint(kn: Knowledge) -> None:
    text = hover(TASKS, "t5-small")
    assert text is not None and "`t5`, encoder-decoder" in text


def test_task_registered_by_the_project_is_left_alone(kn: Knowledge) -> None:
    code = (
        "from transformers import pipeline\n"
        "from transformers.pipelines import PIPELINE_REGISTRY\n"
        'PIPELINE_REGISTRY.register_pipeline("pair-classification", pipeline_class=P)\n'
        'p = pipeline("pair-classification")\n'
    )
    assert hover(code, "pair-classification", 1) is None


# ---- rule codes -----------------------------------------------------------------------------


def test_rule_code_in_suppression_comments() -> None:
    code = (
        'm = AutoModelForSeq2SeqLM.from_pretrained("bert-base-uncased")  # noqa: HF101, HF102\n'
        "x = 1  # hflint: ignore[HF103]\n"
        "y = 2  # hflint: ignore[HF1]\n"
    )
    for code_name in ("HF101", "HF102", "HF103"):
        rule = rule_by_code(code_name)
        assert rule is not None
        assert hover(code, code_name) == rule.docs()
    prefix = hover(code, "HF1]")
    assert prefix is not None and "`HF101`" in prefix and "`HF103`" in prefix


# ---- nothing to say -------------------------------------------------------------------------


def test_none_where_hflint_has_nothing_to_add() -> None:
    code = (
        "import transformers\n"
        "from transformers import AutoTokenizer, AutoModel\n"
        "count = 3  # a comment about AutoModel\n"
        'greeting = "hello"\n'
        'model = AutoModel.from_pretrained("gpt2")\n'
        "tok = AutoTokenizer\n"
        "\n"
    )
    assert hover(code, "count") is None
    assert hover(code, "a comment") is None
    assert hover(code, "AutoModel", 1) is None  # inside the comment
    assert hover(code, "hello") is None
    assert hover(code, "from_pretrained") is None
    assert hover(code, "model =") is None
    assert hover(code, "AutoTokenizer", 1) is None  # not a model class
    assert hover(code, "transformers") is None
    assert hover_at(code, None, 7, 0, SETTINGS) is None  # empty line
    assert hover_at(code, None, 99, 0, SETTINGS) is None
    assert hover_at(code, None, 1, 500, SETTINGS) is None
    assert hover_at(code, None, 0, -1, SETTINGS) is None
    assert hover_at("", None, 1, 0, SETTINGS) is None


def test_unrelated_class_of_the_same_name_is_not_transformers(kn: Knowledge) -> None:
    code = "from mylib import AutoModelForSeq2SeqLM\nAutoModelForSeq2SeqLM()\n"
    assert hover(code, "AutoModelForSeq2SeqLM", 1) is None


def test_file_that_does_not_parse(kn: Knowledge) -> None:
    code = (
        "import transformers as T\n"
        "def broken(:\n"
        'model = T.AutoModelForSeq2SeqLM.from_pretrained("t5-small"\n'
        'pipe = T.pipeline("summarization\n'
    )
    text = hover(code, "AutoModelForSeq2SeqLM")
    assert text is not None and "encoder-decoder" in text
    ckpt = hover(code, "t5-small")
    assert ckpt is not None and "`t5`" in ckpt
    task = hover(code, "summarization")
    assert task is not None and "**removed**" in task


# ---- cost -----------------------------------------------------------------------------------


def long_file(lines: int = 1000) -> str:
    block = (
        "from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, pipeline\n"
        "\n"
        "\n"
        "def train_{i}(data):\n"
        '    """Fine-tune a small seq2seq model."""\n'
        "    model = AutoModelForSeq2SeqLM.from_pretrained(\n"
        '        "t5-small",\n'
        '        revision="main",\n'
        "    )\n"
        '    tokenizer = AutoTokenizer.from_pretrained("t5-small")\n'
        '    clf = pipeline("text-classification", model="distilbert-base-uncased")\n'
        "    total = sum(len(x) for x in data)  # noqa: HF101\n"
        "    return model, tokenizer, clf, total\n"
        "\n"
    )
    count = lines // block.count("\n") + 1
    return "".join(block.format(i=i) for i in range(count))


def test_hover_cost_on_a_1000_line_file(kn: Knowledge) -> None:
    text = long_file()
    assert text.count("\n") >= 1000
    spots = [(n, col) for n in range(900, 1000) for col in (4, 10, 16, 31, 40)]
    hover_at(text, None, 905, 10, SETTINGS)
    times = []
    for line, column in spots:
        start = time.perf_counter()
        hover_at(text, None, line, column, SETTINGS)
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.02


def test_no_torch_import() -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from hflint.analyzers.settings import Settings\n"
        "from hflint.server.hovers import hover_at\n"
        "from hflint.server.completions import completions_at\n"
        "code = 'from transformers import AutoModel\\nAutoModel.from_pretrained(\"gpt2\")\\n'\n"
        "assert hover_at(code, None, 2, 3, Settings())\n"
        "assert hover_at(code, None, 2, 30, Settings())\n"
        "assert completions_at('pipeline(\"te', None, 1, 12, Settings())\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
        "assert 'transformers' not in sys.modules, 'transformers was imported'\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
