"""Completions: pipeline task names and checkpoint ids, on half-typed code, nowhere else."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import pytest

from hflint.analyzers.checkpoints import bundled_table
from hflint.analyzers.knowledge import Knowledge, load_knowledge
from hflint.analyzers.settings import Settings
from hflint.server.completions import CompletionItemData, completions_at

SETTINGS = Settings()


@pytest.fixture(autouse=True)
def hf_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HF_HOME of our own, so the cache holds exactly what a test puts there."""
    home = tmp_path / "hf-home"
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture(scope="module")
def kn() -> Knowledge:
    knowledge = load_knowledge()
    if not knowledge.tasks:
        pytest.skip("no transformers installed")
    return knowledge


def complete(text: str, cursor: str = "|") -> list[CompletionItemData]:
    """Completions at the `|` in `text` (the marker is removed)."""
    offset = text.index(cursor)
    code = text[:offset] + text[offset + len(cursor) :]
    line = code.count("\n", 0, offset) + 1
    column = offset - (code.rfind("\n", 0, offset) + 1)
    return completions_at(code, None, line, column, SETTINGS)


def labels(items: list[CompletionItemData]) -> list[str]:
    return [i.label for i in items]


def cache_repo(cache: Path, repo_id: str, model_type: str | None) -> Path:
    """A repository laid out as huggingface_hub writes it."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / ("a" * 40)
    snapshot.mkdir(parents=True)
    if model_type is not None:
        (snapshot / "config.json").write_text(json.dumps({"model_type": model_type}))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("a" * 40)
    return snapshot


# ---- tasks ----------------------------------------------------------------------------------


def test_tasks_after_a_typed_prefix(kn: Knowledge) -> None:
    items = complete('from transformers import pipeline\np = pipeline("te|')
    assert set(labels(items)) == {t for t in [*kn.tasks, *kn.task_aliases] if t.startswith("te")}
    by_label = {i.label: i for i in items}
    text = by_label["text-classification"]
    assert (text.kind, text.detail) == ("task", "AutoModelForSequenceClassification")
    assert (text.replace_start_column, text.replace_end_column) == (14, 16)
    assert by_label["text-generation"].detail == "AutoModelForCausalLM"


def test_every_supported_task_and_alias_but_no_removed_one(kn: Knowledge) -> None:
    items = complete('import transformers\ntransformers.pipeline("|")')
    found = labels(items)
    assert set(found) == set(kn.tasks) | set(kn.task_aliases)
    assert not set(found) & (set(kn.removed_tasks) | set(kn.task_redirects))
    assert complete('pipeline("summ|') == []
    alias = next(i for i in items if i.label == "ner")
    assert alias.detail == "AutoModelForTokenClassification"
    assert alias.documentation == "Alias of `token-classification`."
    assert max(i.sort_text for i in items if i.label in kn.tasks) < alias.sort_text


def test_task_keyword_and_closed_string(kn: Knowledge) -> None:
    items = complete('from transformers import pipeline\npipeline(task="tok|en-cl", device=0)')
    assert labels(items) == ["token-classification"]
    # the whole content between the quotes is replaced, also what follows the cursor
    assert (items[0].replace_start_column, items[0].replace_end_column) == (15, 23)


# ---- checkpoints ----------------------------------------------------------------------------


def test_bundled_checkpoints_after_a_prefix() -> None:
    items = complete('from transformers import AutoModel\nAutoModel.from_pretrained("goo|')
    assert items and all(i.kind == "checkpoint" for i in items)
    found = labels(items)
    assert "google/flan-t5-small" in found and "google-bert/bert-base-uncased" in found
    assert all(label.casefold().startswith("goo") for label in found)
    flan = next(i for i in items if i.label == "google/flan-t5-small")
    assert flan.detail == bundled_table()["google/flan-t5-small"]["model_type"] == "t5"
    assert (flan.replace_start_column, flan.replace_end_column) == (27, 30)


def test_prefix_matches_the_name_after_the_organisation() -> None:
    found = labels(complete('AutoModelForSeq2SeqLM.from_pretrained("flan-t5-s|")'))
    assert found == ["google/flan-t5-small"]


def test_cached_checkpoints_come_first(hf_home: Path) -> None:
    cache = hf_home / "hub"
    cache_repo(cache, "acme/tiny-bart", "bart")
    cache_repo(cache, "gpt2", "gpt2")  # also in the bundled table: listed once
    cache_repo(cache, "acme/no-config", None)
    (cache / "datasets--acme--data").mkdir()
    items = complete('import transformers as T\nT.AutoTokenizer.from_pretrained("|")')
    by_label = {i.label: i for i in items}
    assert labels(items).count("gpt2") == 1
    assert by_label["acme/tiny-bart"].detail == "bart"
    assert by_label["acme/no-config"].detail == "model type unknown"
    assert "acme/data" not in by_label
    ordered = sorted(items, key=lambda i: i.sort_text)
    assert {i.label for i in ordered[:3]} == {"acme/tiny-bart", "gpt2", "acme/no-config"}
    assert "HF cache" in (by_label["acme/tiny-bart"].documentation or "")
    assert labels(complete('AutoModel.from_pretrained("acme/t|')) == ["acme/tiny-bart"]


def test_cache_follows_hf_hub_cache_at_call_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert complete('AutoModel.from_pretrained("acme/|') == []
    cache_repo(tmp_path / "elsewhere", "acme/moved", "llama")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "elsewhere"))
    assert labels(complete('AutoModel.from_pretrained("acme/|')) == ["acme/moved"]


def test_pipeline_model_and_peft_adapter_arguments() -> None:
    assert "gpt2-medium" in labels(complete('pipeline("text-generation", model="gpt2-m|'))
    assert "gpt2-medium" in labels(complete('pipeline("text-generation", "gpt2-m|'))
    peft = 'from peft import PeftModel\nPeftModel.from_pretrained(base, "gpt2-m|'
    assert labels(complete(peft)) == ["gpt2-medium", "openai-community/gpt2-medium"]


def test_half_typed_multi_line_call() -> None:
    code = (
        "from transformers import AutoModelForCausalLM\n"
        "\n"
        "def load():\n"
        "    model = AutoModelForCausalLM.from_pretrained(\n"
        '        "distilg|\n'
        "\n"
        "x = 1\n"
    )
    items = complete(code)
    assert labels(items) == ["distilgpt2", "distilbert/distilgpt2"]
    assert (items[0].replace_start_column, items[0].replace_end_column) == (9, 16)


def test_nothing_outside_those_contexts() -> None:
    for code in (
        'x = "te|',
        'print("te|")',
        '# pipeline("te|',
        'pipeline(model_kwargs={"te|',
        'pipeline("text-generation", device="cu|")',
        'AutoModel.from_pretrained(path, "goo|")',
        'AutoModel.from_pretrained(f"goo|")',
        'AutoModel.from_pretrained(base / "goo|")',
        'AutoModel.from_pretrained("""goo|',
        "AutoModel.from_pretrained(goo|",
        'pipeline("te")|',
        'from mylib import pipeline\npipeline("te|',
    ):
        assert complete(code) == [], code


def test_out_of_range_positions_are_empty() -> None:
    assert completions_at('pipeline("te', None, 5, 0, SETTINGS) == []
    assert completions_at('pipeline("te', None, 1, 99, SETTINGS) == []
    assert completions_at('pipeline("te', None, 0, 0, SETTINGS) == []
    assert completions_at("", None, 1, 0, SETTINGS) == []


def test_completion_cost_on_a_1000_line_file() -> None:
    body = "".join(
        f"def step_{i}(x):\n    y = [v * 2 for v in x]  # {i}\n    return sum(y)\n\n"
        for i in range(250)
    )
    code = body + 'p = pipeline("te'
    line = code.count("\n") + 1
    completions_at(code, None, line, 16, SETTINGS)
    times = []
    for _ in range(30):
        start = time.perf_counter()
        items = completions_at(code, None, line, 16, SETTINGS)
        times.append(time.perf_counter() - start)
    assert items and statistics.median(times) < 0.02
