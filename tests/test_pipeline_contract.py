"""Pipeline call contracts (HF701, HF702, HF704, HF705 where they meet them) beyond the rules'
own examples.

Each task's keywords come from the pipeline classes' sources, per release (the bundled 4.x
snapshots hold what 4.x took); what the rules say transformers does is checked on tiny models
built here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fixtures_checkpoints import save_tokenizer
from rule_checks import findings, fixed_text
from test_pipeline_rules import fake_release

from hflint.analyzers import snapshots
from hflint.analyzers.findings import Severity

BERT: dict[str, Any] = {
    "vocab_size": 80,
    "hidden_size": 16,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "intermediate_size": 16,
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """clf/: a 2-label sequence classifier; ner/: a token classifier; gpt2/: a causal LM."""
    from transformers import (
        BertConfig,
        BertForSequenceClassification,
        BertForTokenClassification,
        GPT2Config,
        GPT2LMHeadModel,
    )

    root = tmp_path_factory.mktemp("pipeline-contract")
    BertForSequenceClassification(BertConfig(num_labels=2, **BERT)).save_pretrained(root / "clf")
    BertForTokenClassification(BertConfig(num_labels=3, **BERT)).save_pretrained(root / "ner")
    GPT2LMHeadModel(GPT2Config(vocab_size=80, n_layer=1, n_embd=16, n_head=2)).save_pretrained(
        root / "gpt2"
    )
    for name in ("clf", "ner", "gpt2"):
        save_tokenizer(root / name, pad_token="<pad>", eos_token="</s>")
    return root


def _check(code: str, rule: str, project: Path) -> list[Any]:
    return findings(code, rule, project / "app.py")


def _raises(call: Any) -> str:
    try:
        call()
    except (KeyError, ValueError, TypeError, RuntimeError) as error:
        return f"{type(error).__name__}: {error}"
    return ""


def _snapshot(version: str) -> Any:
    if version not in snapshots.bundled_versions():
        pytest.skip(f"no bundled {version} snapshot")
    return snapshots.load_snapshot(snapshots.BUNDLED / f"transformers-{version}.json.gz")


# ---- HF702: a translation task written as an f-string ----------------------------------------
def test_hf702_f_string_translation_task(project: Path) -> None:
    """Case 326: every `translation_*` name is removed in 5.x, whatever the languages."""
    code = """\
        from transformers import pipeline
        def translate(texts, src="en", tgt="fr", model_name="t5-small"):
            translator = pipeline(f"translation_{src}_to_{tgt}", model=model_name)
            return [out["translation_text"] for out in translator(texts)]
        """
    [finding] = _check(code, "HF702", project)
    assert finding.severity is Severity.ERROR and finding.fix is None
    assert "`translation_{src}_to_{tgt}`" in finding.message
    from transformers import pipeline

    for src, tgt in (("en", "fr"), ("de", "en")):
        said = _raises(lambda s=src, t=tgt: pipeline(f"translation_{s}_to_{t}"))  # type: ignore[misc]
        assert f"The task translation_{src}_to_{tgt} has been removed" in said


def test_hf702_f_string_is_a_4x_task(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_release(monkeypatch, _snapshot("4.57.6"), "4.57.6")
    code = 'from transformers import pipeline\nt = pipeline(f"translation_{a}_to_{b}")\n'
    assert _check(code, "HF702", project) == []


def test_hf701_names_the_releases_that_had_the_task(project: Path) -> None:
    """Case 328's task: `conversational` is gone since 4.42 (the 4.40/4.41 snapshots have it)."""
    if "4.41.2" not in snapshots.bundled_versions():
        pytest.skip("no bundled 4.41 snapshot")
    code = 'from transformers import pipeline\nchat = pipeline("conversational", model="gpt2")\n'
    [finding] = _check(code, "HF701", project)
    assert "task of older releases (transformers 4.40.2 to 4.41.2" in finding.message
    from transformers import pipeline

    assert "Unknown task conversational" in _raises(lambda: pipeline("conversational"))


# ---- HF704: keywords a task's class no longer takes -----------------------------------------------
def test_hf704_return_all_scores_is_ignored(project: Path) -> None:
    """Case 330: 5.x collects it for the tokenizer, which ignores it: one label comes back."""
    code = """\
        from transformers import pipeline
        classifier = pipeline("text-classification", model="./clf", return_all_scores=True)
        scores = classifier("hello world", return_all_scores=False)
        """
    found = _check(code, "HF704", project)
    assert [(f.range.start.line, f.severity) for f in found] == [
        (2, Severity.WARNING),
        (3, Severity.WARNING),
    ]
    assert "4.57.6 took it" in found[0].message and "**tokenizer_kwargs" in found[0].message
    assert 'model="./clf", top_k=None)' in fixed_text(code, found[0])
    assert 'classifier("hello world", top_k=1)' in fixed_text(code, found[1])
    from transformers import pipeline

    clf = pipeline("text-classification", model=str(project / "clf"), return_all_scores=True)
    assert len(clf("hello world")) == 1  # one label, not both
    every = pipeline("text-classification", model=str(project / "clf"), top_k=None)
    assert len(every("hello world")[0]) == 2  # [[both labels]], as 4.x gave for this keyword


def test_hf704_ignored_keyword_is_fine_on_4x(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_release(monkeypatch, _snapshot("4.57.6"), "4.57.6")
    code = (
        "from transformers import pipeline\n"
        'clf = pipeline("text-classification", model="./clf", return_all_scores=True)\n'
    )
    assert _check(code, "HF704", project) == []


def test_hf704_closed_class_at_the_call(project: Path) -> None:
    """A token-classification pipeline called with 4.x's keyword: TypeError at the call."""
    code = """\
        from transformers import pipeline
        ner = pipeline("ner", model="./ner")
        entities = ner("hello world", grouped_entities=True)
        fine = ner("hello world", aggregation_strategy="simple", batch_size=2)
        """
    [finding] = _check(code, "HF704", project)
    assert finding.range.start.line == 3 and finding.severity is Severity.ERROR
    assert "this call of the pipeline fails" in finding.message
    from transformers import pipeline

    ner = pipeline("ner", model=str(project / "ner"))
    said = _raises(lambda: ner("hello world", grouped_entities=True))
    assert "got an unexpected keyword argument 'grouped_entities'" in said
    assert _raises(lambda: ner("hello world", aggregation_strategy="simple", batch_size=2)) == ""


def test_hf704_leaves_generation_pipelines_to_hf510(project: Path) -> None:
    code = (
        "from transformers import pipeline\n"
        'gen = pipeline("text-generation", model="./gpt2", max_new_token=5)\n'
    )
    assert _check(code, "HF704", project) == []
    assert len(_check(code, "HF510", project)) == 1


# ---- HF705: device="auto" ---------------------------------------------------------------------
def test_hf705_device_auto(project: Path) -> None:
    """Case 331: "auto" is a device map, not a device; the model loads, then the move fails."""
    code = """\
        import transformers
        pipe = transformers.pipeline("text-generation", model="./gpt2", device="auto")
        both = transformers.pipeline("text-generation", model="./gpt2", device="auto",
                                     device_map="auto")
        """
    found = _check(code, "HF705", project)
    assert [(f.range.start.line, f.severity) for f in found] == [
        (2, Severity.ERROR),
        (3, Severity.ERROR),
    ]
    assert 'model="./gpt2", device_map="auto")' in fixed_text(code, found[0])
    assert 'device="auto"' not in fixed_text(code, found[1]).splitlines()[2]
    from transformers import pipeline

    said = _raises(lambda: pipeline("text-generation", model=str(project / "gpt2"), device="auto"))
    assert said.startswith("RuntimeError: Expected one of cpu, cuda")
    assert said.endswith("device type at start of device string: auto")
    assert _raises(lambda: pipeline("text-generation", model=str(project / "gpt2"))) == ""


def test_hf705_near_misses(project: Path) -> None:
    code = """\
        from transformers import pipeline
        a = pipeline("text-generation", model="./gpt2", device_map="auto")
        b = pipeline("text-generation", model="./gpt2", device="cuda:0" if gpu else "cpu")
        c = pipeline("text-generation", model="./gpt2", device=-1)
        """
    assert _check(code, "HF705", project) == []
