"""Family D (HF401-HF406) beyond the rules' own examples.

Checkpoint facts come from local folders whose config.json transformers itself wrote; the
analysed file lives in the same temporary tree, so `"./clf"` resolves the way it would at
run time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rule_checks import findings, fixed_text

from hflint.analyzers.findings import Severity

LOAD = "m = M.from_pretrained"
SMALL: dict[str, Any] = {
    "hidden_size": 32,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "intermediate_size": 37,
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """clf/: a 3-label BERT classifier; base/: a BERT MLM; bare/: a config without architectures;
    gpt2-*/: GPT-2 configs with pad_token_id null, absent, or set; opt-absent/: OPT without it."""
    from transformers import BertConfig, GPT2Config, OPTConfig

    root = tmp_path_factory.mktemp("project")
    BertConfig(
        architectures=["BertForSequenceClassification"],
        id2label={0: "negative", 1: "neutral", 2: "positive"},
        label2id={"negative": 0, "neutral": 1, "positive": 2},
        **SMALL,
    ).save_pretrained(root / "clf")
    BertConfig(architectures=["BertForSequenceClassification"], **SMALL).save_pretrained(
        root / "clf2"
    )
    BertConfig(architectures=["BertForMaskedLM"], **SMALL).save_pretrained(root / "base")
    BertConfig(**SMALL).save_pretrained(root / "bare")
    gpt2: dict[str, Any] = {"vocab_size": 80, "n_layer": 1, "n_embd": 16, "n_head": 2}
    GPT2Config(architectures=["GPT2LMHeadModel"], **gpt2).save_pretrained(root / "gpt2-null")
    GPT2Config(architectures=["GPT2LMHeadModel"], pad_token_id=0, **gpt2).save_pretrained(
        root / "gpt2-set"
    )
    GPT2Config(architectures=["GPT2LMHeadModel"], **gpt2).save_pretrained(root / "gpt2-absent")
    OPTConfig(
        architectures=["OPTForCausalLM"],
        hidden_size=16,
        num_hidden_layers=1,
        ffn_dim=32,
        num_attention_heads=2,
        word_embed_proj_dim=16,
    ).save_pretrained(root / "opt-absent")
    for name in ("gpt2-absent", "opt-absent"):
        path = root / name / "config.json"
        config = json.loads(path.read_text())
        config.pop("pad_token_id", None)
        path.write_text(json.dumps(config))
    return root


# ---- HF403 against a local classifier ----------------------------------------------------------
def test_hf403_local_classifier_with_other_label_count(project: Path) -> None:
    code = """\
        from transformers import AutoModelForSequenceClassification
        model = AutoModelForSequenceClassification.from_pretrained("./clf", num_labels=5)
        """
    [finding] = findings(code, "HF403", project / "train.py")
    assert finding.severity is Severity.ERROR
    assert "3-label classifier head (negative, neutral, positive)" in finding.message
    assert "its config.json in" in finding.message
    assert finding.range.start.line == 2  # the num_labels keyword
    assert fixed_text(code, finding).endswith(
        '("./clf", num_labels=5, ignore_mismatched_sizes=True)\n'
    )
    assert finding.fix is not None and not finding.fix.is_safe
    assert not findings(fixed_text(code, finding), "HF403", project / "train.py")


@pytest.mark.parametrize(
    "call",
    [
        '"./clf", num_labels=3',
        '"./clf", num_labels=5, ignore_mismatched_sizes=True',
        '"./clf2", num_labels=5',  # a classifier saved without id2label: count not stated
        '"./base", num_labels=5',
        '"./missing", num_labels=5',
    ],
)
def test_hf403_silent(project: Path, call: str) -> None:
    code = f"from transformers import AutoModelForSequenceClassification as M\n{LOAD}({call})\n"
    assert not findings(code, "HF403", project / "train.py")


def test_hf403_argparse_default_lowers_severity(project: Path) -> None:
    code = """\
        import argparse
        from transformers import AutoModelForSequenceClassification
        parser = argparse.ArgumentParser()
        parser.add_argument("--model", default="./clf")
        args = parser.parse_args()
        model = AutoModelForSequenceClassification.from_pretrained(args.model, num_labels=4)
        """
    [finding] = findings(code, "HF403", project / "train.py")
    assert finding.severity is Severity.WARNING
    assert "assuming argparse default of `--model`" in finding.message


def test_hf403_reload_of_saved_model_uses_the_code_label_count(project: Path) -> None:
    code = """\
        from transformers import AutoModelForSequenceClassification, Trainer
        model = AutoModelForSequenceClassification.from_pretrained("./base", num_labels=4)
        trainer = Trainer(model=model)
        trainer.save_model("out")
        best = AutoModelForSequenceClassification.from_pretrained("out", num_labels=6)
        """
    [finding] = findings(code, "HF403", project / "train.py")
    assert finding.range.start.line == 5
    assert "loaded with `num_labels=4`" in finding.message
    assert [r.range.start.line for r in finding.related] == [2]


# ---- HF401 against local base models -----------------------------------------------------------
def test_hf401_local_base_model_with_three_labels(project: Path) -> None:
    code = """\
        from transformers import AutoModelForSequenceClassification
        labels = ["neg", "neu", "pos"]
        model = AutoModelForSequenceClassification.from_pretrained("./base")
        """
    [finding] = findings(code, "HF401", project / "train.py")
    assert finding.severity is Severity.WARNING
    assert "IndexError: Target 2 is out of bounds." in finding.message
    assert [r.range.start.line for r in finding.related] == [2]
    out = fixed_text(code, finding)
    assert (
        'from_pretrained("./base", num_labels=len(labels), id2label=dict(enumerate(labels)), '
        "label2id={label: i for i, label in enumerate(labels)})" in out
    )
    assert not findings(out, "HF401", project / "train.py")


def test_hf401_info_without_label_list(project: Path) -> None:
    code = f'from transformers import AutoModelForTokenClassification as M\n{LOAD}("./base")\n'
    [finding] = findings(code, "HF401", project / "train.py")
    assert finding.severity is Severity.INFO
    assert finding.fix is None


@pytest.mark.parametrize("folder", ["./clf", "./clf2", "./bare", "./missing"])
def test_hf401_silent_unless_surely_not_a_classifier(project: Path, folder: str) -> None:
    code = f"""\
        from transformers import AutoModelForSequenceClassification
        labels = ["neg", "neu", "pos"]
        model = AutoModelForSequenceClassification.from_pretrained("{folder}")
        """
    assert not findings(code, "HF401", project / "train.py")


def test_hf401_argparse_default_lowers_severity() -> None:
    code = """\
        import argparse
        from transformers import AutoModelForSequenceClassification
        parser = argparse.ArgumentParser()
        parser.add_argument("--model_name", default="roberta-base")
        args = parser.parse_args()
        labels = ["a", "b", "c", "d"]
        model = AutoModelForSequenceClassification.from_pretrained(args.model_name)
        """
    [finding] = findings(code, "HF401", None)
    assert finding.severity is Severity.INFO
    assert "assuming argparse default of `--model_name`" in finding.message


def test_hf401_silent_for_reload_and_replaced_head(project: Path) -> None:
    reload = """\
        from transformers import AutoModelForSequenceClassification as M
        labels = ["a", "b", "c"]
        model = M.from_pretrained("./base", num_labels=3)
        model.save_pretrained("saved")
        again = M.from_pretrained("saved")
        """
    replaced = """\
        import torch
        from transformers import AutoModelForSequenceClassification as M
        labels = ["a", "b", "c"]
        model = M.from_pretrained("./base")
        model.classifier = torch.nn.Linear(32, 3)
        """
    assert not findings(reload, "HF401", project / "train.py")
    assert not findings(replaced, "HF401", project / "train.py")


def test_hf401_disagreeing_label_lists_give_info_only() -> None:
    code = """\
        from transformers import AutoModelForSequenceClassification
        labels = ["a", "b", "c"]
        ner_labels = ["O", "B-PER", "I-PER", "B-LOC"]
        model = AutoModelForSequenceClassification.from_pretrained("roberta-base")
        """
    [finding] = findings(code, "HF401")
    assert finding.severity is Severity.INFO and finding.fix is None


def test_hf401_list_in_another_function_is_written_out() -> None:
    code = """\
        from transformers import AutoModelForSequenceClassification
        def labels_of():
            labels = ["a", "b", "c"]
            return labels
        model = AutoModelForSequenceClassification.from_pretrained("roberta-base")
        """
    [finding] = findings(code, "HF401")
    out = fixed_text(code, finding)
    assert (
        'num_labels=3, id2label={0: "a", 1: "b", 2: "c"}, label2id={"a": 0, "b": 1, "c": 2})' in out
    )


# ---- HF406 against local decoder configs ---------------------------------------------------------
@pytest.mark.parametrize(
    ("folder", "fires"),
    [
        ("./gpt2-null", True),
        ("./gpt2-absent", True),  # GPT2Config's own default is None
        ("./gpt2-set", False),
        ("./opt-absent", False),  # OPTConfig defaults pad_token_id to 1
        ("./base", False),  # BERT pools the first token
    ],
)
def test_hf406_reads_config_and_class_defaults(project: Path, folder: str, fires: bool) -> None:
    code = f'from transformers import AutoModelForSequenceClassification as M\n{LOAD}("{folder}")\n'
    assert bool(findings(code, "HF406", project / "train.py")) is fires


def test_hf406_fix_inside_a_function_keeps_indentation() -> None:
    code = """\
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        def build():
            model = AutoModelForSequenceClassification.from_pretrained("gpt2", num_labels=2)
            tok = AutoTokenizer.from_pretrained("gpt2")
            tok.pad_token = tok.eos_token  # the usual line
            return model, tok
        """
    [finding] = findings(code, "HF406")
    assert finding.fix is not None and finding.fix.is_safe
    out = fixed_text(code, finding)
    assert (
        "    tok.pad_token = tok.eos_token  # the usual line\n"
        "    model.config.pad_token_id = tok.pad_token_id\n"
        "    return model, tok\n"
    ) in out
    assert not findings(out, "HF406")


def test_hf406_no_fix_with_two_tokenizers() -> None:
    code = """\
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        a = AutoTokenizer.from_pretrained("gpt2")
        b = AutoTokenizer.from_pretrained("distilgpt2")
        a.pad_token = a.eos_token
        b.pad_token = b.eos_token
        model = AutoModelForSequenceClassification.from_pretrained("meta-llama/Llama-3.2-1B")
        """
    [finding] = findings(code, "HF406")
    assert finding.fix is None


def test_hf406_silent_when_the_wrapper_config_is_set() -> None:
    code = """\
        from peft import get_peft_model
        from transformers import AutoModelForSequenceClassification
        model = AutoModelForSequenceClassification.from_pretrained("gpt2")
        peft_model = get_peft_model(model, None)
        peft_model.config.pad_token_id = 50256
        """
    assert not findings(code, "HF406")


# ---- HF402 / HF404 / HF405 fixes ---------------------------------------------------------------
def test_hf402_remove_num_labels_keeps_the_rest_of_a_multiline_call() -> None:
    code = """\
        from transformers import AutoModelForSequenceClassification
        model = AutoModelForSequenceClassification.from_pretrained(
            "roberta-base",
            num_labels=3,  # wrong
            id2label={0: "neg", 1: "pos"},
        )
        """
    [finding] = findings(code, "HF402")
    assert finding.fix is not None and finding.fix.is_safe
    out = fixed_text(code, finding)
    assert "num_labels" not in out and 'id2label={0: "neg", 1: "pos"},\n)' in out
    assert not findings(out, "HF402")


def test_hf402_argparse_default_lowers_severity() -> None:
    code = """\
        import argparse
        from transformers import AutoConfig
        parser = argparse.ArgumentParser()
        parser.add_argument("--num_labels", type=int, default=3)
        args = parser.parse_args()
        config = AutoConfig.from_pretrained("bert-base-uncased", num_labels=args.num_labels,
                                            id2label={0: "a", 1: "b"})
        """
    [finding] = findings(code, "HF402")
    assert finding.severity is Severity.WARNING


def test_hf404_attribute_write_fix() -> None:
    code = """\
        from transformers import AutoModelForSequenceClassification
        model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")
        model.config.problem_type = "multi_label"
        """
    [finding] = findings(code, "HF404")
    assert finding.range.start.line == 3 and finding.range.start.column == 28
    out = fixed_text(code, finding)
    assert 'model.config.problem_type = "multi_label_classification"\n' in out
    assert finding.fix is not None and finding.fix.is_safe


def test_hf404_no_fix_for_nonsense() -> None:
    code = 'from transformers import BertConfig\nc = BertConfig(problem_type="zzz")\n'
    [finding] = findings(code, "HF404")
    assert finding.fix is None


def test_hf405_is_silent_for_a_cross_encoder_scored_with_mse() -> None:
    code = """\
        from transformers import AutoModelForSequenceClassification, TrainingArguments
        model = AutoModelForSequenceClassification.from_pretrained("bert-base-cased", num_labels=1)
        args = TrainingArguments("out", metric_for_best_model="mse")
        labels = ["irrelevant", "relevant"]
        """
    assert not findings(code, "HF405")


@pytest.mark.parametrize(
    ("extra", "fires"),
    [
        ("", True),
        (", trust_remote_code=True", False),
        (
            ")\nfrom transformers import AutoModelForSequenceClassification as A\nA.register(1, 2",
            False,
        ),
    ],
)
def test_custom_classes_are_not_judged(extra: str, fires: bool) -> None:
    code = (
        "from transformers import AutoModelForSequenceClassification\n"
        'labels = ["a", "b", "c"]\n'
        f'm = AutoModelForSequenceClassification.from_pretrained("gpt2"{extra})\n'
    )
    for rule in ("HF401", "HF406"):
        assert bool(findings(code, rule)) is fires, rule
