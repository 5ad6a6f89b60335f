"""HF971 inference-in-train-mode: what the rule's own examples cannot show."""

from __future__ import annotations

from pathlib import Path

import pytest

from hflint.analyzers.engine import check_source
from hflint.analyzers.findings import Finding
from hflint.analyzers.settings import Settings
from hflint.analyzers.source import apply_edits


def run(text: str) -> list[Finding]:
    return [f for f in check_source(text, settings=Settings(select=["HF971"])) if f.code == "HF971"]


def span(text: str, finding: Finding) -> str:
    start, end = finding.range.start, finding.range.end
    assert start.line == end.line
    return text.splitlines()[start.line - 1][start.column : end.column]


HEAD = """import torch
from transformers import AutoModelForSequenceClassification, Trainer

model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")
trainer = Trainer(model=model, train_dataset=ds)
"""


def test_the_installed_transformers_behaves_as_the_rule_says(tmp_path: Path) -> None:
    """from_pretrained returns eval mode; Trainer.train() leaves train mode; evaluate() and
    predict() switch back. Checked on a 1-layer BERT, a few CPU steps."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("accelerate")
    transformers = pytest.importorskip("transformers")
    config = transformers.BertConfig(
        num_hidden_layers=1,
        hidden_size=16,
        num_attention_heads=2,
        intermediate_size=16,
        vocab_size=50,
        num_labels=2,
    )
    transformers.BertForSequenceClassification(config).save_pretrained(tmp_path / "tiny")
    model = transformers.AutoModelForSequenceClassification.from_pretrained(tmp_path / "tiny")
    assert model.training is False
    rows = [
        {"input_ids": torch.tensor([1, 2 + i, 3]), "labels": torch.tensor(i % 2)} for i in range(4)
    ]
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "out"),
        per_device_train_batch_size=2,
        num_train_epochs=1,
        report_to=[],
        save_strategy="no",
        use_cpu=True,
        disable_tqdm=True,
    )
    trainer = transformers.Trainer(model=model, args=args, train_dataset=rows, eval_dataset=rows)
    trainer.train()
    assert model.training is True
    trainer.evaluate()
    assert model.training is False
    trainer.train()
    trainer.predict(rows)
    assert model.training is False


def test_range_is_the_forward_call_and_related_is_the_train_call() -> None:
    text = HEAD + "trainer.train()\nscores = model(**batch).logits.softmax(-1)\n"
    (finding,) = run(text)
    assert span(text, finding) == "model(**batch)"
    assert finding.related[0].range.start.line == 6
    assert "`trainer.train()` on line 6" in finding.message


def test_one_finding_per_train_call() -> None:
    text = HEAD + (
        "trainer.train()\n"
        "a = model(**x).logits\n"
        "b = model(**y).logits\n"
        "trainer.train()\n"
        "c = model.forward(**z).logits\n"
    )
    findings = run(text)
    assert [span(text, f) for f in findings] == ["model(**x)", "model.forward(**z)"]


def test_a_branch_that_may_train_counts() -> None:
    text = HEAD + "if args.do_train:\n    trainer.train()\nlogits = model(**batch).logits\n"
    (finding,) = run(text)
    fixed = apply_edits(text, list(finding.fix.edits)) if finding.fix else ""
    assert "    trainer.train()\nmodel.eval()\nlogits" in fixed


def test_no_fix_when_training_continues_in_the_same_loop() -> None:
    text = HEAD + (
        "model.train()\n"
        "for epoch in range(2):\n"
        "    for batch in train_loader:\n"
        "        model(**batch).loss.backward()\n"
        "    with torch.no_grad():\n"
        "        val = model(**val_batch)\n"
    )
    (finding,) = run(text)
    assert finding.fix is None, "epoch 2 would train in eval mode"


def test_semicolons_report_without_a_fix() -> None:
    text = HEAD + "trainer.train(); out = model(**batch).logits\n"
    (finding,) = run(text)
    assert finding.fix is None


def test_decorated_no_grad_function_and_trainer_model_eval() -> None:
    text = HEAD + (
        "@torch.no_grad()\n"
        "def predict(batch):\n"
        "    trainer.train()\n"
        "    return model(**batch)\n"
        "\n"
        "def predict_clean(batch):\n"
        "    trainer.train()\n"
        "    trainer.model.eval()\n"
        "    return model(**batch).logits\n"
    )
    findings = run(text)
    assert len(findings) == 1 and findings[0].range.start.line == 9


def test_forward_inside_a_loss_computation_is_training() -> None:
    text = HEAD + (
        "model.train()\n"
        "outputs = model(**batch)\n"
        "print(outputs.logits.shape)\n"
        "outputs.loss.backward()\n"
    )
    assert run(text) == []


def test_model_init_trainers_are_not_linked_to_a_model() -> None:
    text = """from transformers import AutoModelForSequenceClassification, Trainer

model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")
trainer = Trainer(model_init=lambda: model, train_dataset=ds)
trainer.train()
logits = model(**batch).logits
"""
    assert run(text) == []
