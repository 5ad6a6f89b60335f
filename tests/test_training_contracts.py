"""Training, collator, metric and label contracts (HF308-HF311, HF407-HF410, HF904-HF909) and
the false alarms fixed next to them (HF902, HF971, HF301): what the rules' own examples
cannot show."""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Callable
from pathlib import Path

from hflint.analyzers.checkpoints import CheckpointResolver
from hflint.analyzers.engine import check_source
from hflint.analyzers.findings import Finding, Severity
from hflint.analyzers.knowledge import Knowledge, load_knowledge
from hflint.analyzers.package_versions import Release, _lowest, dependency_release
from hflint.analyzers.settings import Settings
from hflint.analyzers.source import apply_edits
from hflint.analyzers.target_version import clear_cache
from hflint.analyzers.trainer_calls import calls_into, signature_of, trainer_sources


def run(
    text: str,
    codes: list[str],
    *,
    path: Path | None = None,
    settings: Settings | None = None,
    knowledge: Callable[[], Knowledge] = load_knowledge,
) -> list[Finding]:
    chosen = settings or Settings(select=codes)
    found = check_source(
        textwrap.dedent(text),
        path=path,
        settings=chosen,
        resolver=CheckpointResolver(),
        knowledge=knowledge,
    )
    return [f for f in found if f.code in codes]


def write_config(folder: Path, **config: object) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")


# ---- HF311: overrides against the installed Trainer's own calls ---------------------------------
OLD_COMPUTE_LOSS = """
from transformers import Trainer


class MarginTrainer(Trainer):
    def compute_loss(self, model, inputs, return_outputs=False):
        return model(**inputs).loss
"""


def test_hf311_reads_the_installed_trainers_calls() -> None:
    from hflint.analyzers.knowledge_extract import find_transformers

    package = find_transformers()
    assert package is not None
    sources = trainer_sources(package)
    assert sources is not None
    loss_calls = calls_into(sources, "Trainer", "compute_loss")
    assert any("num_items_in_batch" in c.keywords for c in loss_calls)
    assert any(c.positional == 2 for c in calls_into(sources, "Trainer", "log"))
    installed = signature_of(sources, "Seq2SeqTrainer", "compute_loss")
    assert installed is not None and "num_items_in_batch" in installed.positional
    assert trainer_sources(package) is sources  # cached while the files stay the same


def test_hf311_reads_a_trainer_package_of_its_own(tmp_path: Path) -> None:
    (tmp_path / "trainer.py").write_text(
        "class Trainer:\n"
        "    def training_step(self, model, inputs):\n"
        "        return self.compute_loss(model, inputs, *extra)\n"
        "    def evaluate(self):\n"
        "        self.log({}, 1.0)\n",
        encoding="utf-8",
    )
    sources = trainer_sources(tmp_path)
    assert sources is not None
    assert calls_into(sources, "Trainer", "compute_loss") == []  # *args: not judged
    assert [c.caller for c in calls_into(sources, "Seq2SeqTrainer", "log")] == ["evaluate"]


def test_hf311_message_quotes_the_call_and_the_type_error() -> None:
    [finding] = run(OLD_COMPUTE_LOSS, ["HF311"])
    assert finding.severity is Severity.ERROR
    assert "Trainer.training_step" in finding.message
    assert "got an unexpected keyword argument 'num_items_in_batch'" in finding.message
    assert finding.fix is not None and finding.fix.applicability.value == "safe"


def test_hf311_silent_when_the_project_targets_another_release() -> None:
    settings = Settings(select=["HF311"], target_version="4.44.2")
    assert run(OLD_COMPUTE_LOSS, ["HF311"], settings=settings) == []


def test_hf311_an_override_that_hands_over_to_super_keeps_the_call() -> None:
    text = """
    from transformers import Trainer


    class T(Trainer):
        def prediction_step(self, model, inputs, prediction_loss_only, ignore_keys=None):
            return super().prediction_step(model, inputs, prediction_loss_only, ignore_keys)

        def training_step(self, model, inputs, num_items_in_batch=None):
            return self.compute_loss(model, inputs)

        def compute_loss(self, model, inputs, return_outputs=False):
            return model(**inputs).loss
    """
    [finding] = run(text, ["HF311"])
    assert "Trainer.prediction_step" in finding.message


def test_hf311_missing_required_parameter() -> None:
    text = """
    from transformers import Trainer


    class T(Trainer):
        def log(self, logs, start_time, extra):
            super().log(logs, start_time)
    """
    [finding] = run(text, ["HF311"])
    assert "missing 2 required positional arguments: 'start_time' and 'extra'" in finding.message
    assert finding.fix is None


# ---- HF904: the datasets release ---------------------------------------------------------------
LOAD_METRIC = "from datasets import load_metric\nmetric = load_metric('accuracy')\n"


def _project(tmp_path: Path, requirements: str | None) -> Path:
    clear_cache()
    (tmp_path / ".git").mkdir(exist_ok=True)
    if requirements is not None:
        (tmp_path / "requirements.txt").write_text(requirements, encoding="utf-8")
    return tmp_path / "train.py"


def test_hf904_is_an_error_when_the_pin_needs_datasets_3(tmp_path: Path) -> None:
    path = _project(tmp_path, "transformers>=5\ndatasets>=3.0\n")
    [finding] = run(LOAD_METRIC, ["HF904"], path=path)
    assert finding.severity is Severity.ERROR
    assert "datasets 3.0 (pin `datasets>=3.0` in requirements.txt)" in finding.message


def test_hf904_stays_info_for_datasets_2(tmp_path: Path) -> None:
    path = _project(tmp_path, "datasets==2.21.0\n")
    [finding] = run(LOAD_METRIC, ["HF904"], path=path)
    assert finding.severity is Severity.INFO
    assert "deprecated in datasets 2.21.0" in finding.message


def test_hf904_lock_file_decides(tmp_path: Path) -> None:
    path = _project(tmp_path, None)
    (tmp_path / "uv.lock").write_text(
        '[[package]]\nname = "datasets"\nversion = "4.1.0"\n', encoding="utf-8"
    )
    [finding] = run(LOAD_METRIC, ["HF904"], path=path)
    assert finding.severity is Severity.ERROR and "locked in uv.lock" in finding.message


def test_hf904_unknown_release_says_so(tmp_path: Path) -> None:
    path = _project(tmp_path, "datasets<4\n")  # an upper bound only
    [finding] = run(LOAD_METRIC, ["HF904"], path=path)
    assert finding.severity is Severity.INFO
    assert "release is not known" in finding.message


def test_release_floors() -> None:
    assert _lowest(">=2.14,<4") == "2.14"
    assert _lowest("~=3.1") == "3.1"
    assert _lowest("<3") is None
    assert Release("3.0", "x").at_least("3.0.0")
    assert not Release("2.21.0", "x").at_least("3.0.0")


def test_the_cache_key_follows_the_datasets_pin(tmp_path: Path) -> None:
    from hflint.server.cache import target_fingerprint

    path = _project(tmp_path, "datasets>=3.0\n")
    before = target_fingerprint(path, Settings())
    (tmp_path / "requirements.txt").write_text("datasets==2.21.0\n", encoding="utf-8")
    os.utime(tmp_path / "requirements.txt", ns=(1, 1))
    assert target_fingerprint(path, Settings()) != before
    assert dependency_release(path, "datasets") == Release(
        "2.21.0", "pin `datasets==2.21.0` in requirements.txt"
    )


# ---- HF902: labels that cannot hold -100 -------------------------------------------------------
TROCR = """
from transformers import Seq2SeqTrainer, TrOCRProcessor, default_data_collator

processor = TrOCRProcessor.from_pretrained("microsoft/trocr-base-handwritten")


def preprocess(batch):
    labels = processor(text=batch["text"], padding="max_length", max_length=64).input_ids
    {clean}
    return {{"pixel_values": batch["pixel_values"], "labels": labels}}


def compute_metrics(pred):
    label_str = processor.batch_decode(pred.label_ids, skip_special_tokens=True)
    return {{"n": len(label_str)}}


trainer = Seq2SeqTrainer(model=model, args=args, train_dataset=train, eval_dataset=val,
                         compute_metrics=compute_metrics, {collator})
"""


def test_hf902_silent_on_max_length_labels_with_the_default_collator() -> None:
    text = TROCR.format(clean="", collator="data_collator=default_data_collator")
    assert run(text, ["HF902"]) == []
    assert run(TROCR.format(clean="", collator="processing_class=processor"), ["HF902"]) == []


def test_hf902_still_reports_when_the_file_puts_minus_100_in_the_labels() -> None:
    clean = "labels = [[t if t != processor.tokenizer.pad_token_id else -100 for t in r] for r in labels]"
    text = TROCR.format(clean=clean, collator="data_collator=default_data_collator")
    assert [f.code for f in run(text, ["HF902"])] == ["HF902"]


def test_hf902_still_reports_with_a_collator_that_pads_labels() -> None:
    text = TROCR.format(clean="", collator="data_collator=DataCollatorForSeq2Seq(processor)")
    assert [f.code for f in run(text, ["HF902"])] == ["HF902"]


# ---- HF971: train() that ends with an evaluation -----------------------------------------------
TRAIN_THEN_PREDICT = """
from transformers import AutoModelForSequenceClassification, Trainer, TrainingArguments

model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased")
args = TrainingArguments("out", eval_strategy={strategy}, save_strategy="epoch")
trainer = Trainer(model=model, args=args, train_dataset=train_ds{eval_ds})
trainer.train()
logits = model(**batch).logits
"""


def test_hf971_train_with_evaluation_leaves_eval_mode() -> None:
    for strategy in ('"epoch"', '"steps"'):
        text = TRAIN_THEN_PREDICT.format(strategy=strategy, eval_ds=", eval_dataset=val_ds")
        assert run(text, ["HF971"]) == []


def test_hf971_still_reports_without_evaluation() -> None:
    text = TRAIN_THEN_PREDICT.format(strategy='"no"', eval_ds=", eval_dataset=val_ds")
    assert [f.code for f in run(text, ["HF971"])] == ["HF971"]
    text = TRAIN_THEN_PREDICT.format(strategy="cli.strategy", eval_ds=", eval_dataset=val_ds")
    assert [f.code for f in run(text, ["HF971"])] == ["HF971"]


# ---- HF402 / label maps: keyword order -----------------------------------------------------------
def test_hf402_id2label_of_the_checkpoint_resets_num_labels(tmp_path: Path) -> None:
    folder = tmp_path / "ner"
    write_config(
        folder,
        model_type="bert",
        architectures=["BertForTokenClassification"],
        id2label={str(i): f"T{i}" for i in range(9)},
    )
    text = f"""
    from transformers import AutoConfig, AutoModelForTokenClassification

    base = AutoConfig.from_pretrained("{folder}")
    model = AutoModelForTokenClassification.from_pretrained(
        "{folder}", num_labels=14, id2label=base.id2label, label2id=base.label2id
    )
    """
    [finding] = run(text, ["HF402"], path=tmp_path / "x.py")
    assert "silently sets the label count back to 9" in finding.message
    assert finding.fix is None  # the checkpoint's map is not the truth: no fix


def test_hf402_num_labels_after_id2label_loses_the_names() -> None:
    text = """
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(
        "roberta-base", id2label={0: "neg", 1: "pos"}, num_labels=3)
    """
    [finding] = run(text, ["HF402"])
    assert "placeholder names" in finding.message


def test_hf402_constructor_keeps_num_labels() -> None:
    text = 'from transformers import BertConfig\nc = BertConfig(num_labels=3, id2label={0: "a", 1: "b"})\n'
    [finding] = run(text, ["HF402"])
    assert "keeps `num_labels=3`" in finding.message


# ---- HF310 -------------------------------------------------------------------------------------
def test_hf310_fixed_evaluate_metric_keys() -> None:
    text = """
    import evaluate
    from transformers import Trainer, TrainingArguments

    accuracy = evaluate.load("accuracy")


    def compute_metrics(p):
        return accuracy.compute(predictions=p.predictions.argmax(-1), references=p.label_ids)


    args = TrainingArguments("o", eval_strategy="epoch", metric_for_best_model="{metric}")
    Trainer(model=m, args=args, eval_dataset=v, compute_metrics=compute_metrics)
    """
    [finding] = run(text.replace("{metric}", "f1"), ["HF310"])
    assert '"accuracy"' in finding.message
    assert run(text.replace("{metric}", "eval_accuracy"), ["HF310"]) == []


def test_hf310_argparse_default_lowers_severity() -> None:
    text = """
    import argparse
    from transformers import Trainer, TrainingArguments

    p = argparse.ArgumentParser()
    p.add_argument("--metric", default="f1")
    a = p.parse_args()
    args = TrainingArguments("o", eval_strategy="epoch", metric_for_best_model=a.metric)
    Trainer(model=m, args=args, eval_dataset=v)
    """
    [finding] = run(text, ["HF310"])
    assert finding.severity is Severity.WARNING
    assert "argparse default" in finding.message


# ---- metric rules --------------------------------------------------------------------------------
def test_hf906_uses_the_checkpoint_label_count() -> None:
    text = """
    import evaluate
    from transformers import AutoModelForSequenceClassification, Trainer

    model = AutoModelForSequenceClassification.from_pretrained("roberta-large-mnli")
    f1 = evaluate.load("f1")


    def compute_metrics(p):
        return f1.compute(predictions=p.predictions.argmax(-1), references=p.label_ids)


    Trainer(model=model, compute_metrics=compute_metrics)
    """
    [finding] = run(text, ["HF906"])
    assert "3 classes" in finding.message and "roberta-large-mnli" in finding.message


def test_hf908_silent_for_an_encoder_decoder() -> None:
    text = """
    import numpy as np
    from transformers import AutoModelForSeq2SeqLM, Trainer

    model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")


    def compute_metrics(p):
        ids = np.argmax(p.predictions[0], axis=-1)
        return rouge.compute(predictions=tok.batch_decode(ids), references=refs)


    Trainer(model=model, compute_metrics=compute_metrics)
    """
    assert run(text, ["HF908"]) == []


def test_hf301_and_hf907_both_report_an_argmax_over_the_whole_tuple() -> None:
    text = """
    import numpy as np
    from transformers import AutoModelForSeq2SeqLM, Trainer

    model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")


    def compute_metrics(p):
        ids = np.argmax(p.predictions, axis=-1)
        return {"n": len(tok.batch_decode(ids))}


    Trainer(model=model, compute_metrics=compute_metrics)
    """
    assert sorted(f.code for f in run(text, ["HF301", "HF907"])) == ["HF301", "HF907"]


# ---- labels ----------------------------------------------------------------------------------------
def test_hf407_fix_turns_the_row_into_floats() -> None:
    text = textwrap.dedent(
        """
        from transformers import AutoModelForSequenceClassification, Trainer

        df["labels"] = df["tags"].map(lambda tags: [1 if t in tags else 0 for t in names])
        model = AutoModelForSequenceClassification.from_pretrained(
            "bert-base-uncased", num_labels=4, problem_type="multi_label_classification")
        Trainer(model=model, train_dataset=ds).train()
        """
    )
    [finding] = run(text, ["HF407"])
    assert finding.fix is not None
    fixed = apply_edits(text, list(finding.fix.edits))
    assert "[1.0 if t in tags else 0.0 for t in names]" in fixed
    assert run(fixed, ["HF407"]) == []


def test_hf409_overridable_none_is_a_warning_without_fix() -> None:
    text = """
    import argparse
    from transformers import AutoModelForSequenceClassification

    p = argparse.ArgumentParser()
    p.add_argument("--id2label", default=None)
    a = p.parse_args()
    model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=1, id2label=a.id2label)
    """
    [finding] = run(text, ["HF409"])
    assert finding.severity is Severity.WARNING and finding.fix is None


def test_hf410_respects_an_argparse_num_labels() -> None:
    text = """
    import argparse, torch
    from transformers import BertForSequenceClassification

    p = argparse.ArgumentParser()
    p.add_argument("--num_labels", type=int, default=2)
    a = p.parse_args()
    model = BertForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=a.num_labels)
    out = model(**batch, labels=torch.tensor([0, 1, 5]))
    """
    [finding] = run(text, ["HF410"])
    assert finding.severity is Severity.WARNING
    assert "Target 5 is out of bounds" in finding.message


def test_hf310_returned_keys_may_carry_the_eval_prefix() -> None:
    text = """
    from transformers import Trainer, TrainingArguments


    def compute_metrics(p):
        return {"eval_f1": 0.5}


    args = TrainingArguments("o", eval_strategy="epoch", metric_for_best_model="f1")
    Trainer(model=m, args=args, eval_dataset=v, compute_metrics=compute_metrics)
    """
    assert run(text, ["HF310"]) == []
