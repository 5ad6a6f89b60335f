"""Training-setup rules (HF301-HF307): what the rules' own examples cannot show."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from hflint.analyzers.checkpoints import CheckpointResolver
from hflint.analyzers.engine import check_source
from hflint.analyzers.findings import Finding, Severity
from hflint.analyzers.knowledge import Knowledge, load_knowledge
from hflint.analyzers.settings import Settings
from hflint.analyzers.source import apply_edits
from hflint.rules.trainer_config import DEFAULTS

CODES = ["HF301", "HF302", "HF303", "HF304", "HF305", "HF306", "HF307"]


def run(
    text: str,
    codes: list[str] | None = None,
    *,
    path: Path | None = None,
    knowledge: Callable[[], Knowledge] = load_knowledge,
) -> list[Finding]:
    settings = Settings(select=codes or CODES)
    return check_source(
        text, path=path, settings=settings, resolver=CheckpointResolver(), knowledge=knowledge
    )


def fix_once(text: str, finding: Finding) -> str:
    assert finding.fix is not None
    return apply_edits(text, list(finding.fix.edits))


def write_config(folder: Path, **config: object) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")


def span(text: str, finding: Finding) -> str:
    start, end = finding.range.start, finding.range.end
    assert start.line == end.line
    return text.splitlines()[start.line - 1][start.column : end.column]


def imported_names(text: str) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom):
            names += [a.asname or a.name for a in node.names]
    return names


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# ---- severity follows what was assumed --------------------------------------------------
def test_hf301_predict_with_generate_from_argparse_default_lowers_severity() -> None:
    text = """import argparse
import evaluate
from transformers import AutoModelForSeq2SeqLM, Seq2SeqTrainer, Seq2SeqTrainingArguments

parser = argparse.ArgumentParser()
parser.add_argument("--predict_with_generate", type=bool, default=False)
cli = parser.parse_args()
rouge = evaluate.load("rouge")
model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")

def compute_metrics(p):
    return rouge.compute(predictions=p.predictions, references=p.label_ids)

args = Seq2SeqTrainingArguments(output_dir="o", predict_with_generate=cli.predict_with_generate)
Seq2SeqTrainer(model=model, args=args, compute_metrics=compute_metrics)
"""
    [finding] = run(text, ["HF301"])
    assert finding.severity is Severity.INFO
    assert "argparse default of `--predict_with_generate`" in finding.message


def test_hf301_checkpoint_facts_through_a_generic_auto_class(tmp_path: Path) -> None:
    """AutoModelForMaskedLM on BART builds BartForConditionalGeneration (an encoder-decoder);
    AutoModelForCausalLM on BART builds the decoder-only BartForCausalLM."""
    write_config(
        tmp_path / "bart",
        model_type="bart",
        is_encoder_decoder=True,
        architectures=["BartForConditionalGeneration"],
    )
    body = """import argparse
import evaluate
from transformers import {auto}, Trainer

parser = argparse.ArgumentParser()
parser.add_argument("--model", default="./bart")
rouge = evaluate.load("rouge")
model = {auto}.from_pretrained(parser.parse_args().model)
model = {auto}.from_pretrained({checkpoint})

def compute_metrics(p):
    return rouge.compute(predictions=tok.batch_decode(p.predictions), references=refs)

Trainer(model=model, compute_metrics=compute_metrics)
"""
    path = tmp_path / "train.py"
    certain = body.format(auto="AutoModelForMaskedLM", checkpoint='"./bart"')
    [finding] = run(certain, ["HF301"], path=path)
    assert finding.severity is Severity.WARNING
    assert "builds `BartForConditionalGeneration`" in finding.message

    assumed = body.format(auto="AutoModelForMaskedLM", checkpoint="args.model").replace(
        'parser.add_argument("--model", default="./bart")',
        'parser.add_argument("--model", default="./bart")\nargs = parser.parse_args()',
    )
    [finding] = run(assumed, ["HF301"], path=path)
    assert finding.severity is Severity.INFO
    assert "argparse default of `--model`" in finding.message

    decoder_only = body.format(auto="AutoModelForCausalLM", checkpoint='"./bart"')
    assert run(decoder_only, ["HF301"], path=path) == []


def test_hf305_tokenizer_from_argparse_default_lowers_severity() -> None:
    text = """import argparse
from transformers import AutoTokenizer, DataCollatorForLanguageModeling

parser = argparse.ArgumentParser()
parser.add_argument("--tokenizer", default="gpt2")
args = parser.parse_args()
tok = AutoTokenizer.from_pretrained(args.tokenizer)
collator = DataCollatorForLanguageModeling(tok)
"""
    [finding] = run(text, ["HF305"])
    assert finding.severity is Severity.WARNING
    assert "assuming argparse default of `--tokenizer`" in finding.message
    certain = text.replace("args.tokenizer", '"gpt2"')
    [finding] = run(certain, ["HF305"])
    assert finding.severity is Severity.ERROR


def test_hf305_tokenizer_types_with_a_mask_token_stay_silent(tmp_path: Path) -> None:
    write_config(tmp_path / "gemma", model_type="gemma", architectures=["GemmaForCausalLM"])
    write_config(tmp_path / "llama", model_type="llama", architectures=["LlamaForCausalLM"])
    text = """from transformers import AutoTokenizer, DataCollatorForLanguageModeling

tok = AutoTokenizer.from_pretrained("./{name}")
collator = DataCollatorForLanguageModeling(tok)
"""
    path = tmp_path / "train.py"
    assert run(text.format(name="gemma"), ["HF305"], path=path) == []
    assert [f.code for f in run(text.format(name="llama"), ["HF305"], path=path)] == ["HF305"]


def test_hf307_strategy_from_argparse_default_lowers_severity() -> None:
    text = """import argparse
from transformers import TrainingArguments

parser = argparse.ArgumentParser()
parser.add_argument("--eval_strategy", default="epoch")
cfg = parser.parse_args()
args = TrainingArguments(output_dir="o", eval_strategy=cfg.eval_strategy, load_best_model_at_end=True)
"""
    [finding] = run(text, ["HF307"])
    assert finding.severity is Severity.WARNING
    assert "argparse default of `--eval_strategy`" in finding.message


# ---- where findings point, and what they relate to -------------------------------------
def test_related_places_name_the_model_the_args_and_the_metric() -> None:
    text = """import evaluate
from transformers import AutoModelForSeq2SeqLM, Trainer, TrainingArguments

rouge = evaluate.load("rouge")
t5 = AutoModelForSeq2SeqLM.from_pretrained("t5-small")
args = TrainingArguments(output_dir="out")

def compute_metrics(p):
    return rouge.compute(predictions=p.predictions, references=p.label_ids)

trainer = Trainer(model=t5, args=args, compute_metrics=compute_metrics)
"""
    [finding] = run(text, ["HF301"])
    assert finding.range.start.line == line_of(text, "trainer = Trainer(")
    assert span(text, finding) == "Trainer"
    lines = {r.message: r.range.start.line for r in finding.related}
    assert lines["encoder-decoder model loaded here"] == line_of(text, "t5 = ")
    assert lines["training arguments created here"] == line_of(text, "args = ")
    assert lines["`compute_metrics` uses generated text here"] == line_of(text, "rouge.compute")


def test_hf303_points_at_each_offending_keyword() -> None:
    text = """from transformers import TrainingArguments

args = TrainingArguments(
    output_dir="out",
    generation_num_beams=4,
    predict_with_generate=True,
)
"""
    findings = run(text, ["HF303"])
    assert [span(text, f) for f in findings] == ["generation_num_beams", "predict_with_generate"]
    assert all(f.fix is not None and f.fix.is_safe for f in findings)


def test_hf304_relates_the_labels() -> None:
    text = """from transformers import AutoModelForSeq2SeqLM, DataCollatorWithPadding, Seq2SeqTrainer

model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")

def prep(batch):
    out = tok(batch["x"], truncation=True)
    out["labels"] = tok(batch["y"], truncation=True)["input_ids"]
    return out

train = ds.map(prep, batched=True)
Seq2SeqTrainer(model=model, train_dataset=train, data_collator=DataCollatorWithPadding(tok))
"""
    [finding] = run(text, ["HF304"])
    lines = {r.message: r.range.start.line for r in finding.related}
    assert lines["labels created here"] == line_of(text, 'out["labels"]')
    assert lines["collator created here"] == line_of(text, "Seq2SeqTrainer(")


# ---- fixes ---------------------------------------------------------------------------------
def test_hf302_fix_text_with_an_aliased_trainer_swaps_the_imports() -> None:
    text = """from transformers import Seq2SeqTrainingArguments
from transformers import Trainer as HFTrainer

args = Seq2SeqTrainingArguments("out", predict_with_generate=True)
trainer = HFTrainer(model=model, args=args)
"""
    [finding] = run(text, ["HF302"])
    assert finding.fix is not None and finding.fix.is_safe
    assert fix_once(text, finding) == (
        """from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments

args = Seq2SeqTrainingArguments("out", predict_with_generate=True)
trainer = Seq2SeqTrainer(model=model, args=args)
"""
    )


def test_hf302_fix_through_a_module_alias_needs_no_import() -> None:
    text = """import transformers as T

args = T.Seq2SeqTrainingArguments("out", generation_max_length=64)
trainer = T.Trainer(model=model, args=args)
"""
    [finding] = run(text, ["HF302"])
    assert fix_once(text, finding) == text.replace("T.Trainer(", "T.Seq2SeqTrainer(")


def test_hf302_fix_uses_an_existing_import() -> None:
    text = """from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments, Trainer

args = Seq2SeqTrainingArguments("out", predict_with_generate=True)
Trainer(model=model, args=args)
"""
    [finding] = run(text, ["HF302"])
    fixed = text.replace("\nTrainer(", "\nSeq2SeqTrainer(").replace(", Trainer\n", "\n")
    assert fix_once(text, finding) == fixed  # `Trainer` is no longer used: its import goes


@pytest.mark.parametrize(
    "text",
    [
        """from transformers import Seq2SeqTrainingArguments, Trainer

args = Seq2SeqTrainingArguments(output_dir="out", predict_with_generate=True)
trainer = Trainer(model=model, args=args)
""",
        """from transformers import Trainer, TrainingArguments

args = TrainingArguments(output_dir="out", predict_with_generate=True, generation_num_beams=2)
trainer = Trainer(model=model, args=args)
""",
        """from transformers import TrainingArguments

args = TrainingArguments(output_dir="out", eval_strategy="steps", eval_steps=300,
                         save_strategy="epoch", load_best_model_at_end=True)
""",
    ],
)
def test_fixing_until_clean_is_idempotent(text: str) -> None:
    """Applying the offered fixes reaches a text with no finding, and the text stays put."""
    current = text
    for _ in range(5):
        findings = [f for f in run(current) if f.fix is not None]
        if not findings:
            break
        current = fix_once(current, findings[0])
    assert current != text
    assert run(current) == []
    names = imported_names(current)
    assert len(names) == len(set(names)), names


def test_hf307_steps_fix_aligns_save_steps() -> None:
    text = """from transformers import TrainingArguments

args = TrainingArguments(output_dir="out", eval_strategy="steps", eval_steps=300,
                         save_strategy="epoch", load_best_model_at_end=True)
"""
    [finding] = run(text, ["HF307"])
    fixed = fix_once(text, finding)
    assert 'save_strategy="steps"' in fixed and "save_steps=300" in fixed
    assert run(fixed, ["HF307"]) == []


def test_hf307_missing_eval_dataset_fix_passes_the_validation_split() -> None:
    text = """from transformers import Trainer, TrainingArguments

ds = load_dataset("glue", "mrpc")
print(ds["validation"])
args = TrainingArguments(output_dir="out", eval_strategy="epoch")
Trainer(model=model, args=args, train_dataset=ds["train"])
"""
    [finding] = run(text, ["HF307"])
    assert finding.fix is not None and not finding.fix.is_safe
    fixed = fix_once(text, finding)
    assert 'eval_dataset=ds["validation"]' in fixed
    assert run(fixed, ["HF307"]) == []


def test_hf307_no_eval_and_load_best_has_no_fix() -> None:
    text = """from transformers import TrainingArguments

args = TrainingArguments(output_dir="out", load_best_model_at_end=True)
"""
    [finding] = run(text, ["HF307"])
    assert finding.fix is None
    assert '`eval_strategy` defaults to "no"' in finding.message


def test_hf306_fix_is_unsafe_and_mentions_nothing_it_cannot_do() -> None:
    rule_text = """from transformers import AutoModelForCausalLM, Trainer, default_data_collator

lm = AutoModelForCausalLM.from_pretrained("gpt2")
ds = ds.map(lambda b: tok(b["text"]), batched=True)
Trainer(model=lm, train_dataset=ds, data_collator=default_data_collator)
"""
    [finding] = run(rule_text, ["HF306"])
    assert finding.fix is None  # no tokenizer in reach to build the new collator with
    with_tok = rule_text.replace("data_collator=", "processing_class=tok, data_collator=")
    [finding] = run(with_tok, ["HF306"])
    assert finding.fix is not None and not finding.fix.is_safe
    fixed = fix_once(with_tok, finding)
    assert "data_collator=DataCollatorForLanguageModeling(tok, mlm=False)" in fixed
    assert "import AutoModelForCausalLM, DataCollatorForLanguageModeling, Trainer\n" in fixed


# ---- the rules work together -------------------------------------------------------------
def test_hf303_and_hf302_on_one_file() -> None:
    """HF303 fires on the arguments; its fix switches the trainer as well, so HF302 never
    has to follow up. HF301 stays out: generation is asked for, the classes are wrong."""
    text = """import evaluate
from transformers import AutoModelForSeq2SeqLM, Trainer, TrainingArguments

rouge = evaluate.load("rouge")
model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")

def compute_metrics(p):
    return rouge.compute(predictions=p.predictions, references=p.label_ids)

args = TrainingArguments(output_dir="out", predict_with_generate=True)
trainer = Trainer(model=model, args=args, compute_metrics=compute_metrics)
"""
    assert [f.code for f in run(text)] == ["HF303"]
    [finding] = run(text)
    fixed = fix_once(text, finding)
    assert "Seq2SeqTrainingArguments(" in fixed and "Seq2SeqTrainer(" in fixed
    assert run(fixed) == []


def test_hf302_then_hf301_on_one_file() -> None:
    text = """import evaluate
from transformers import AutoModelForSeq2SeqLM, Seq2SeqTrainingArguments, Trainer

rouge = evaluate.load("rouge")
model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")

def compute_metrics(p):
    return rouge.compute(predictions=p.predictions, references=p.label_ids)

args = Seq2SeqTrainingArguments(output_dir="out", generation_num_beams=4)
trainer = Trainer(model=model, args=args, compute_metrics=compute_metrics)
"""
    codes = sorted(f.code for f in run(text))
    assert codes == ["HF301", "HF302"]
    hf302 = next(f for f in run(text) if f.code == "HF302")
    after = fix_once(text, hf302)
    [hf301] = run(after)
    assert hf301.code == "HF301" and "Seq2SeqTrainer" in hf301.message
    final = fix_once(after, hf301)
    assert "predict_with_generate=True" in final
    assert run(final) == []


# ---- the installed transformers decides ----------------------------------------------------
def test_fields_that_exist_on_training_arguments_stay_unreported() -> None:
    """A transformers whose TrainingArguments has the field (e.g. a fork or another release)
    gets no HF303: the field sets come from the knowledge, not from a list in the rule."""
    real = load_knowledge()
    widened = dataclasses.replace(
        real, training_args_fields=real.training_args_fields | {"predict_with_generate"}
    )
    text = """from transformers import TrainingArguments

args = TrainingArguments(output_dir="out", predict_with_generate=True, sortish_sampler=True)
"""
    assert [f.message.split("`")[1] for f in run(text, ["HF303"])] == [
        "predict_with_generate",
        "sortish_sampler",
    ]
    assert [f.message.split("`")[1] for f in run(text, ["HF303"], knowledge=lambda: widened)] == [
        "sortish_sampler"
    ]


def test_transformers_4_only_arguments_are_not_hf303s_business() -> None:
    text = """from transformers import TrainingArguments

args = TrainingArguments(output_dir="out", evaluation_strategy="epoch", overwrite_output_dir=True)
"""
    assert run(text, ["HF303", "HF307"]) == []


def test_without_knowledge_the_field_rules_stay_silent() -> None:
    text = """from transformers import Trainer, TrainingArguments, Seq2SeqTrainingArguments

a = TrainingArguments(output_dir="out", predict_with_generate=True)
b = Seq2SeqTrainingArguments(output_dir="out", predict_with_generate=True)
Trainer(model=model, args=b)
"""
    assert {f.code for f in run(text, ["HF302", "HF303"])} == {"HF302", "HF303"}
    empty = Knowledge(version="")
    assert run(text, ["HF302", "HF303"], knowledge=lambda: empty) == []


def test_hf307_defaults_match_the_installed_training_arguments() -> None:
    transformers = pytest.importorskip("transformers")
    fields = {f.name: f.default for f in dataclasses.fields(transformers.TrainingArguments)}
    for name, default in DEFAULTS.items():
        assert fields[name] == default, name


def test_masked_tokenizer_exceptions_cover_the_installed_tokenizers() -> None:
    """Every decoder-only model type whose tokenizer class defaults to a mask token is
    exempt from HF305's tokenizer evidence."""
    transformers = pytest.importorskip("transformers")
    from transformers.models.auto.tokenization_auto import TOKENIZER_MAPPING_NAMES

    from hflint.rules import trainer_facts

    class Ctx:
        knowledge = load_knowledge()

    ctx = Ctx()
    missing = []
    for model_type, names in TOKENIZER_MAPPING_NAMES.items():
        if not trainer_facts.decoder_only_type(ctx, model_type):  # type: ignore[arg-type]
            continue
        for name in (names,) if isinstance(names, str) else (names or ()):
            cls = getattr(transformers, name, None) if name else None
            if cls is None:
                continue
            param = inspect.signature(cls.__init__).parameters.get("mask_token")
            has_mask = param is not None and param.default not in (None, inspect.Parameter.empty)
            if has_mask and trainer_facts.tokenizer_lacks_mask_token(ctx, model_type):  # type: ignore[arg-type]
                missing.append(model_type)
    assert missing == []
