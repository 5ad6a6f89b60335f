"""`**kwargs` and dicts: the known items of what a call gets through `**x` become its keyword
arguments, placed where their values were written; what is not known stays unknown (and the
call keeps saying that more keywords may come)."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest
from rule_checks import findings

from hflint.analyzers.collector import collect
from hflint.analyzers.engine import check_source
from hflint.analyzers.facts import CallFact, Kind, ModuleFacts
from hflint.analyzers.findings import Finding
from hflint.analyzers.settings import Settings
from hflint.analyzers.source import apply_edits
from hflint.analyzers.values import Const


def facts_of(code: str) -> ModuleFacts:
    return collect(cst.parse_module(textwrap.dedent(code)))


def training_args(facts: ModuleFacts) -> CallFact:
    [obj] = facts.objects_of(Kind.TRAINING_ARGS)
    return obj.call


def values(call: CallFact) -> dict[str, object]:
    return {
        k: a.value.value if isinstance(a.value, Const) else a.value for k, a in call.kwargs.items()
    }


def test_a_dict_literal_spread_into_a_call() -> None:
    facts = facts_of(
        """
        from transformers import TrainingArguments
        OUT = "runs/x"
        train_config = {"output_dir": OUT, "learning_rate": 2e-5, "report_to": "none"}
        args = TrainingArguments(**train_config, seed=1)
        """
    )
    call = training_args(facts)
    assert values(call) == {
        "output_dir": "runs/x",
        "learning_rate": 2e-5,
        "report_to": "none",
        "seed": 1,
    }
    assert not call.has_star_kwargs  # every keyword is known: absent ones are absent
    spread = facts.spread_of(call.kwargs["learning_rate"].node)
    assert spread is not None and isinstance(spread.at, cst.DictElement)
    assert facts.placed(call.kwargs["learning_rate"].node) is spread.at


def test_dict_calls_and_partly_known_dicts() -> None:
    facts = facts_of(
        """
        from transformers import TrainingArguments
        base = dict(output_dir="out", num_train_epochs=3)
        extra = {**load_overrides(), "seed": 7, "fp16": use_fp16}
        args = TrainingArguments(**base, **extra)
        """
    )
    call = training_args(facts)
    assert values(call) == {"output_dir": "out", "num_train_epochs": 3, "seed": 7, "fp16": None}
    assert call.has_star_kwargs  # load_overrides() may add any keyword
    # `dict(k=v)`'s own argument is the keyword (fixes edit it there)
    assert isinstance(call.kwargs["num_train_epochs"].node, cst.Arg)
    assert call.kwargs["num_train_epochs"].node.keyword.value == "num_train_epochs"  # type: ignore[union-attr]


def test_an_unknown_spread_hides_the_keys_written_before_it() -> None:
    facts = facts_of(
        """
        from transformers import TrainingArguments
        args = TrainingArguments(**{"seed": 1, **user_config, "fp16": True})
        """
    )
    assert values(training_args(facts)) == {"fp16": True}


def test_nested_dict_literals_and_subscripts() -> None:
    facts = facts_of(
        """
        from transformers import AutoModelForSequenceClassification, TrainingArguments
        config = {
            "model": {"name": "bert-base-uncased", "num_labels": 3},
            "training": {"output_dir": "out", "eval_strategy": "epoch"},
        }
        model = AutoModelForSequenceClassification.from_pretrained(
            config["model"]["name"], num_labels=config["model"]["num_labels"])
        args = TrainingArguments(**config["training"])
        """
    )
    [model] = facts.objects_of(Kind.MODEL)
    assert model.checkpoint == Const("bert-base-uncased")
    assert values(training_args(facts)) == {"output_dir": "out", "eval_strategy": "epoch"}


def test_kwargs_pop_and_get_in_a_function() -> None:
    facts = facts_of(
        """
        from transformers import pipeline
        def build(model_name, **kwargs):
            task = kwargs.pop("task", "text-generation")
            device = kwargs.get("device", -1)
            return pipeline(task, model=model_name, device=device, **kwargs)
        build("gpt2", task="summarization", batch_size=8)
        """
    )
    [pipe] = facts.objects
    call = pipe.call
    assert values(call) == {"model": "gpt2", "device": -1, "batch_size": 8}
    assert call.arg(0, "task").value == Const("summarization")  # type: ignore[union-attr]
    assert not call.has_star_kwargs


def test_kwargs_defaults_without_callers_are_overridable() -> None:
    facts = facts_of(
        """
        from transformers import pipeline
        def build(model_name, **kwargs):
            task = kwargs.pop("task", "text-generation")
            return pipeline(task, model=model_name, **kwargs)
        """
    )
    [pipe] = facts.objects
    task = pipe.call.arg(0, "task")
    assert task is not None and isinstance(task.value, Const)
    assert task.value.value == "text-generation" and task.value.overridable
    assert pipe.call.has_star_kwargs  # callers may pass anything else


def test_pop_changes_the_dict_and_mutations_are_followed() -> None:
    facts = facts_of(
        """
        from transformers import TrainingArguments
        cfg = {"output_dir": "out", "logging_dir": "logs", "seed": 1}
        batch = cfg.pop("per_device_train_batch_size", 8)
        cfg.pop("logging_dir")
        cfg["seed"] = 2
        del cfg["output_dir"]
        cfg.update({"fp16": True}, )
        args = TrainingArguments(output_dir="o", per_device_train_batch_size=batch, **cfg)
        """
    )
    assert values(training_args(facts)) == {
        "output_dir": "o",
        "per_device_train_batch_size": 8,
        "seed": 2,
        "fp16": True,
    }


@pytest.mark.parametrize(
    "change",
    [
        "cfg.update(load())",
        'if flag:\n    cfg = {"output_dir": "other"}',
        "for k in keys:\n    cfg[k] = 1",
        'cfg.setdefault("seed", 3)',
    ],
)
def test_a_dict_changed_in_ways_not_followed_is_unknown(change: str) -> None:
    code = (
        "from transformers import TrainingArguments\n"
        'cfg = {"output_dir": "out", "seed": 1}\n' + change + "\n"
        "args = TrainingArguments(**cfg)\n"
    )
    call = training_args(facts_of(code))
    assert call.has_star_kwargs
    assert call.kwargs == {}


def test_vars_of_the_argparse_namespace() -> None:
    facts = facts_of(
        """
        import argparse
        from transformers import TrainingArguments
        parser = argparse.ArgumentParser()
        parser.add_argument("--output_dir", default="out")
        parser.add_argument("--learning_rate", type=float, default=3e-5)
        parser.add_argument("--resume")
        args = parser.parse_args()
        training_args = TrainingArguments(**vars(args))
        """
    )
    call = training_args(facts)
    lr = call.kwargs["learning_rate"].value
    assert isinstance(lr, Const) and lr.value == 3e-5 and lr.overridable
    assert call.has_star_kwargs  # `--resume` has no default: not every key is known
    spread = facts.spread_of(call.kwargs["learning_rate"].node)
    assert spread is not None and not spread.fixable  # written by add_argument, not as an item


# ---- rules: findings land on the item, fixes edit it -------------------------------------------
def check(code: str, rule: str) -> list[Finding]:
    return [f for f in check_source(code, settings=Settings(select=[rule])) if f.code == rule]


def fixed(code: str, finding: Finding) -> str:
    assert finding.fix is not None and finding.fix.edits
    out = apply_edits(code, list(finding.fix.edits))
    cst.parse_module(out)
    return out


LEGACY = (
    "from transformers import TrainingArguments\n"
    "train_config = {\n"
    '    "output_dir": "out",\n'
    '    "evaluation_strategy": "epoch",\n'
    '    "logging_dir": "logs",\n'
    "}\n"
    "args = TrainingArguments(**train_config)\n"
)


def test_removed_arguments_in_a_spread_dict_are_reported_on_their_items() -> None:
    found = check(LEGACY, "HF802")
    assert sorted(f.range.start.line for f in found) == [4, 5]
    renamed = next(f for f in found if "evaluation_strategy" in f.message)
    assert renamed.range.start.column == 4  # the item, not the `**train_config`
    after = fixed(LEGACY, renamed)
    assert '"eval_strategy": "epoch"' in after
    assert not [f for f in check(after, "HF802") if "evaluation_strategy" in f.message]
    dropped = next(f for f in found if "logging_dir" in f.message)
    if dropped.fix is not None:
        assert "logging_dir" not in fixed(LEGACY, dropped)


def test_renames_in_dict_calls_edit_the_keyword() -> None:
    code = (
        "from transformers import AutoModel\n"
        'opts = dict(use_auth_token=True, revision="main")\n'
        'model = AutoModel.from_pretrained("bert-base-uncased", **opts)\n'
    )
    [finding] = check(code, "HF801")
    assert finding.range.start.line == 2
    assert "dict(token=True" in fixed(code, finding)


def test_no_fix_where_the_value_was_not_written_as_an_item() -> None:
    code = (
        "import argparse\n"
        "from transformers import TrainingArguments\n"
        "parser = argparse.ArgumentParser()\n"
        'parser.add_argument("--output_dir", default="out")\n'
        'parser.add_argument("--evaluation_strategy", default="epoch")\n'
        "args = parser.parse_args()\n"
        "training_args = TrainingArguments(**vars(args))\n"
    )
    [finding] = check(code, "HF802")
    assert finding.range.start.line == 5  # the argument that makes the keyword
    assert finding.fix is None  # renaming `--evaluation_strategy` is not this edit's to make


def test_unknown_dicts_stay_silent() -> None:
    code = """
    import json
    from transformers import TrainingArguments
    cfg = json.load(open("train.json"))
    args = TrainingArguments(**cfg)
    """
    assert not findings(code, "HF802")


def test_a_dict_a_module_function_changes_in_place_is_unknown_after_the_call() -> None:
    facts = facts_of(
        """
        from transformers import TrainingArguments
        def modernize(config):
            config["eval_strategy"] = config.pop("evaluation_strategy")
        def describe(config):
            print(sorted(config))
        cfg = {"output_dir": "out", "evaluation_strategy": "epoch"}
        describe(cfg)
        before = TrainingArguments(**cfg)
        modernize(cfg)
        after = TrainingArguments(**cfg)
        """
    )
    before, after = facts.objects_of(Kind.TRAINING_ARGS)
    assert "evaluation_strategy" in before.call.kwargs  # `describe` only reads it
    assert after.call.kwargs == {} and after.call.has_star_kwargs
