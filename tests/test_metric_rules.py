"""Metric rules (HF901-HF904): what the rules' own examples cannot show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hflint.analyzers.engine import check_source
from hflint.analyzers.findings import Finding, Severity
from hflint.analyzers.settings import Settings
from hflint.analyzers.source import apply_edits
from hflint.rules.decode_ignore_index import DECODE_ERROR
from hflint.rules.metric_names import DATA, did_you_mean, known_modules


def run(text: str, code: str, path: Path | None = None) -> list[Finding]:
    return [
        f for f in check_source(text, path=path, settings=Settings(select=[code])) if f.code == code
    ]


def span(text: str, finding: Finding) -> str:
    start, end = finding.range.start, finding.range.end
    assert start.line == end.line
    return text.splitlines()[start.line - 1][start.column : end.column]


def fixed(text: str, finding: Finding) -> str:
    assert finding.fix is not None
    return apply_edits(text, list(finding.fix.edits))


# ---- HF902 --------------------------------------------------------------------------------------
def test_hf902_quotes_what_the_installed_tokenizer_raises() -> None:
    tokenizers = pytest.importorskip("tokenizers")
    transformers = pytest.importorskip("transformers")
    model = tokenizers.models.WordLevel({"[PAD]": 0, "[UNK]": 1, "hi": 2}, unk_token="[UNK]")
    tok = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tokenizers.Tokenizer(model), pad_token="[PAD]"
    )
    for decode in (lambda: tok.decode([2, -100]), lambda: tok.batch_decode([[2], [-100]])):
        with pytest.raises(OverflowError) as raised:
            decode()
        assert f"{type(raised.value).__name__}: {raised.value}" == DECODE_ERROR


def test_hf902_points_at_the_argument_and_reports_each_source_once() -> None:
    text = """import numpy as np
from transformers import Trainer


def compute_metrics(eval_pred):
    preds, labels = eval_pred
    refs = tok.batch_decode(labels, skip_special_tokens=True)
    again = tok.batch_decode(labels)
    return {"n": len(refs) + len(again)}
"""
    findings = run(text, "HF902")
    assert len(findings) == 1
    assert span(text, findings[0]) == "labels"
    assert findings[0].severity is Severity.WARNING
    assert findings[0].related and findings[0].related[0].range.start.line == 6


def _seq2seq_checkpoint(folder: Path, **generation: object) -> None:
    folder.mkdir(parents=True)
    config = {"model_type": "t5", "architectures": ["T5ForConditionalGeneration"]}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    (folder / "generation_config.json").write_text(json.dumps(generation), encoding="utf-8")


PREDICTIONS = """from transformers import AutoModelForSeq2SeqLM, Seq2SeqTrainer, Seq2SeqTrainingArguments


def compute_metrics(eval_pred):
    predictions, labels = eval_pred
    return {{"p": tokenizer.batch_decode(predictions, skip_special_tokens=True)}}


model = AutoModelForSeq2SeqLM.from_pretrained("./ckpt")
args = Seq2SeqTrainingArguments("out", predict_with_generate=True{extra})
trainer = {trainer}(model=model, args=args, compute_metrics=compute_metrics)
{after}
"""


def test_hf902_predictions_longer_than_the_generation_config_are_info(tmp_path: Path) -> None:
    _seq2seq_checkpoint(tmp_path / "ckpt", max_length=20)
    script = tmp_path / "train.py"
    longer = PREDICTIONS.format(
        extra=", generation_max_length=64", trainer="Seq2SeqTrainer", after=""
    )
    (finding,) = run(longer, "HF902", path=script)
    assert finding.severity is Severity.INFO and span(longer, finding) == "predictions"
    assert "`generation_max_length=64` asks for up to 64 tokens" in finding.message
    assert "pads each batch only to 20" in finding.message
    by_call = PREDICTIONS.format(
        extra="", trainer="Seq2SeqTrainer", after="trainer.evaluate(max_new_tokens=128)"
    )
    assert len(run(by_call, "HF902", path=script)) == 1
    within = PREDICTIONS.format(
        extra=", generation_max_length=16", trainer="Seq2SeqTrainer", after=""
    )
    assert run(within, "HF902", path=script) == []
    plain = longer.replace("Seq2SeqTrainer(", "Trainer(").replace(
        "Seq2SeqTrainer, ", "Seq2SeqTrainer, Trainer, "
    )
    assert run(plain, "HF902", path=script) == [], "plain Trainer never generates"


def test_hf902_predictions_are_silent_without_generation_facts(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    text = PREDICTIONS.format(
        extra=", generation_max_length=64", trainer="Seq2SeqTrainer", after=""
    )
    assert run(text, "HF902", path=script) == [], "no generation_config.json: unknown"
    _seq2seq_checkpoint(tmp_path / "ckpt", max_length=448)  # Whisper's
    assert run(text, "HF902", path=script) == []


def test_hf902_prediction_output_unpacked_and_rows_from_enumerate() -> None:
    text = """from transformers import Trainer

trainer = Trainer(model=model, args=args)
preds, labels, metrics = trainer.predict(test_ds)
for i, row in enumerate(labels):
    print(i, tokenizer.decode(row, skip_special_tokens=True))
"""
    (finding,) = run(text, "HF902")
    assert span(text, finding) == "row"
    assert fixed(text, finding) == (
        """from transformers import Trainer
import numpy as np

trainer = Trainer(model=model, args=args)
preds, labels, metrics = trainer.predict(test_ds)
labels = np.where(labels != -100, labels, tokenizer.pad_token_id)
for i, row in enumerate(labels):
    print(i, tokenizer.decode(row, skip_special_tokens=True))
"""
    )
    assert finding.fix is not None and finding.fix.is_safe


def test_hf902_fix_is_unsafe_without_skip_special_tokens() -> None:
    text = """import numpy as np
from transformers import Trainer


def compute_metrics(p):
    return {"refs": tok.batch_decode(p.label_ids)}
"""
    (finding,) = run(text, "HF902")
    assert finding.fix is not None and not finding.fix.is_safe
    assert "np.where(p.label_ids != -100, p.label_ids, tok.pad_token_id)" in fixed(text, finding)


def test_hf902_no_fix_when_np_means_something_else() -> None:
    text = """import mylib as np
from transformers import Trainer


def compute_metrics(eval_pred):
    preds, labels = eval_pred
    return {"refs": tok.batch_decode(labels, skip_special_tokens=True)}
"""
    (finding,) = run(text, "HF902")
    assert finding.fix is None


def test_hf902_method_of_a_class_and_merged_branches() -> None:
    text = """from transformers import Trainer


class Metrics:
    def compute_metrics(self, eval_pred):
        preds, labels = eval_pred
        if self.strip:
            labels = labels[:, 1:]
        return self.tok.batch_decode(labels, skip_special_tokens=True)
"""
    (finding,) = run(text, "HF902")
    assert span(text, finding) == "labels"
    assert "self.tok.pad_token_id" in finding.message


def test_hf902_unrelated_functions_stay_silent() -> None:
    text = """from transformers import Trainer


def show(batch):
    labels = batch["labels"]
    print(tok.batch_decode(labels))


def compute(eval_pred):
    preds, labels = eval_pred
    return tok.batch_decode(labels)
"""
    assert run(text, "HF902") == []


# ---- HF903 --------------------------------------------------------------------------------------
def test_hf903_data_file_names_its_source() -> None:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    assert data["source"] == "https://github.com/huggingface/evaluate"
    assert len(data["commit"]) == 40
    for name in ("accuracy", "f1", "rouge", "sacrebleu", "seqeval", "squad_v2", "wer"):
        assert name in data["metric"]
    assert "mcnemar" in data["comparison"] and "word_length" in data["measurement"]
    names = known_modules()
    assert all(n == n.strip() and "/" not in n for n in names)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("acuracy", "accuracy"),
        ("precison", "precision"),
        ("recal", "recall"),
        ("rogue", "rouge"),
        ("blue", "bleu"),
        ("rouge_score", "rouge"),
        ("f1_score", "f1"),
        ("accuracy_score", "accuracy"),
        ("bert_score", "bertscore"),
        ("sacre_bleu", "sacrebleu"),
        ("squadv2", "squad_v2"),
        ("Accuracy", "accuracy"),
        ("roc-auc", "roc_auc"),
        ("rougeL", "rouge"),
        ("pearson", "pearsonr"),
        # silence: known, paths, community modules, merely unknown or ambiguous names
        ("seqeval", None),
        ("exact_match", None),
        ("word_length", None),
        ("gleu", None),
        ("myorg/acuracy", None),
        ("./acuracy", None),
        ("acuracy.py", None),
        ("bartscore", None),
        ("squad2", None),
        ("rmse", None),
        ("bleu4", None),
        ("word_error_rate", None),
        ("my_metric", None),
        ("", None),
    ],
)
def test_hf903_did_you_mean(name: str, expected: str | None) -> None:
    assert did_you_mean(name) == expected


def test_hf903_local_folder_of_that_name_is_silent(tmp_path: Path) -> None:
    text = """import evaluate
from transformers import Trainer

metric = evaluate.load("acuracy")
"""
    script = tmp_path / "train.py"
    assert len(run(text, "HF903", path=script)) == 1
    (tmp_path / "acuracy").mkdir()
    assert run(text, "HF903", path=script) == []


def test_hf903_load_metric_quotes_the_datasets_message() -> None:
    text = """from datasets import load_metric
from transformers import Trainer

metric = load_metric("acuracy")
"""
    (finding,) = run(text, "HF903")
    assert "Couldn't find a metric script" in finding.message
    assert fixed(text, finding).endswith('load_metric("accuracy")\n')


# ---- HF904 --------------------------------------------------------------------------------------
def test_hf904_reports_the_import_once_not_every_call() -> None:
    text = """from datasets import load_metric
from transformers import Trainer

a = load_metric("accuracy")
b = load_metric("f1")
"""
    (finding,) = run(text, "HF904")
    assert span(text, finding) == "load_metric"
    assert "ImportError: cannot import name 'load_metric' from 'datasets'" in finding.message


# ---- HF901 --------------------------------------------------------------------------------------
def test_hf901_argparse_default_dataset_lowers_severity() -> None:
    text = """import argparse
import evaluate
from datasets import load_dataset
from transformers import AutoModelForSeq2SeqLM

parser = argparse.ArgumentParser()
parser.add_argument("--dataset", default="EdinburghNLP/xsum")
args = parser.parse_args()
ds = load_dataset(args.dataset)
bleu = evaluate.load("bleu")
"""
    (finding,) = run(text, "HF901")
    assert finding.severity is Severity.HINT
    assert "argparse default of `--dataset`" in finding.message
    assert span(text, finding) == '"bleu"'


def test_hf901_canonical_prefix_counts_and_community_metrics_do_not() -> None:
    base = """import evaluate
from datasets import load_dataset
from transformers import AutoModelForSeq2SeqLM

ds = load_dataset("knkarthick/samsum")
metric = evaluate.load("{name}")
"""
    assert len(run(base.format(name="evaluate-metric/google_bleu"), "HF901")) == 1
    assert run(base.format(name="someone/bleu"), "HF901") == []


def test_hf901_related_points_at_the_evidence() -> None:
    text = """import evaluate
from datasets import load_dataset
from transformers import AutoModelForSeq2SeqLM

ds = load_dataset("Helsinki-NLP/kde4", lang1="en", lang2="fr")
rouge = evaluate.load("rouge")
"""
    (finding,) = run(text, "HF901")
    assert finding.related and finding.related[0].range.start.line == 5
    assert "translation" in finding.message
