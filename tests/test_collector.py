"""The one traversal: imports, constants, bindings and objects, as a rule would see them."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import libcst as cst
import pytest

from hflint.analyzers.collector import canonical, collect
from hflint.analyzers.crossmodule import HelperResolver
from hflint.analyzers.facts import Kind, ModuleFacts
from hflint.analyzers.values import Const, ObjRef


def facts_of(code: str) -> ModuleFacts:
    return collect(cst.parse_module(textwrap.dedent(code)))


def test_canonical_drops_submodules_only_for_transformers() -> None:
    assert canonical("transformers.models.auto.modeling_auto.AutoModel") == "transformers.AutoModel"
    assert (
        canonical("transformers.models.auto.AutoModel.from_pretrained")
        == "transformers.AutoModel.from_pretrained"
    )
    assert canonical("transformers.pipelines.pipeline") == "transformers.pipeline"
    assert canonical("torch.nn.functional.relu") == "torch.nn.functional.relu"


@pytest.mark.parametrize(
    "code",
    [
        'from transformers import AutoModelForCausalLM as LM\nm = LM.from_pretrained("gpt2")',
        'import transformers as T\nm = T.AutoModelForCausalLM.from_pretrained("gpt2")',
        'import transformers\nm = transformers.AutoModelForCausalLM.from_pretrained("gpt2")',
        "from transformers.models.auto.modeling_auto import AutoModelForCausalLM\n"
        'm = AutoModelForCausalLM.from_pretrained("gpt2")',
        'from transformers.models import auto\nm = auto.AutoModelForCausalLM.from_pretrained("gpt2")',
    ],
)
def test_import_forms_resolve_to_one_qualified_name(code: str) -> None:
    facts = facts_of(code)
    [obj] = facts.objects
    assert obj.kind is Kind.MODEL
    assert obj.qualname == "transformers.AutoModelForCausalLM"
    assert obj.checkpoint == Const("gpt2")


def test_not_transformers_is_not_tracked() -> None:
    facts = facts_of('from mylib import AutoModel\nm = AutoModel.from_pretrained("x")')
    assert facts.objects == []


def test_rebinding_an_imported_name_shadows_it() -> None:
    facts = facts_of(
        "from transformers import AutoModel\n"
        "AutoModel = MyWrapper\n"
        'm = AutoModel.from_pretrained("x")\n'
    )
    assert facts.objects == []


def test_constants_fstrings_concatenation_and_dicts() -> None:
    facts = facts_of(
        """
        from transformers import AutoModelForSequenceClassification as C
        ORG = "google-bert"
        NAME = ORG + "/" + "bert-base-uncased"
        labels = ["neg", "neu", "pos"]
        id2label = {i: l for i, l in enumerate(labels)}
        label2id = {l: i for i, l in enumerate(labels)}
        m = C.from_pretrained(f"{NAME}", num_labels=len(labels), id2label=id2label, label2id=label2id)
        """
    )
    [obj] = facts.objects
    assert obj.checkpoint == Const("google-bert/bert-base-uncased")
    assert obj.kw("num_labels").value == Const(3)  # type: ignore[union-attr]
    assert obj.kw("id2label").value == Const({0: "neg", 1: "neu", 2: "pos"})  # type: ignore[union-attr]
    assert obj.kw("label2id").value == Const({"neg": 0, "neu": 1, "pos": 2})  # type: ignore[union-attr]
    assert [ll.labels for ll in facts.label_lists] == [["neg", "neu", "pos"]]


def test_argparse_and_dataclass_defaults_are_overridable() -> None:
    facts = facts_of(
        """
        import argparse
        from dataclasses import dataclass, field
        from transformers import AutoModel, AutoTokenizer, HfArgumentParser

        @dataclass
        class ModelArguments:
            model_name_or_path: str = field(default="t5-small", metadata={"help": "x"})
            revision: str = "main"

        parser = argparse.ArgumentParser()
        parser.add_argument("--tokenizer-name", type=str, default="gpt2")
        args = parser.parse_args()
        (model_args,) = HfArgumentParser(ModelArguments).parse_args_into_dataclasses()
        tok = AutoTokenizer.from_pretrained(args.tokenizer_name)
        model = AutoModel.from_pretrained(model_args.model_name_or_path)
        """
    )
    tok, model = facts.objects
    assert isinstance(tok.checkpoint, Const) and tok.checkpoint.value == "gpt2"
    assert tok.checkpoint.overridable and "--tokenizer_name" in tok.checkpoint.origin
    assert isinstance(model.checkpoint, Const) and model.checkpoint.value == "t5-small"
    assert (
        model.checkpoint.overridable
        and "ModelArguments.model_name_or_path" in model.checkpoint.origin
    )


def test_function_level_constants_and_parameter_defaults() -> None:
    facts = facts_of(
        """
        from transformers import AutoModel
        def load(name="bert-base-uncased"):
            suffix = "-v2"
            a = AutoModel.from_pretrained(name)
            b = AutoModel.from_pretrained("albert-base" + suffix)
            return a
        """
    )
    a, b = facts.objects
    # no caller in the module: the default, as an overridable value (callers may pass another)
    assert isinstance(a.checkpoint, Const) and a.checkpoint.value == "bert-base-uncased"
    assert a.checkpoint.overridable and "parameter `name`" in a.checkpoint.origin
    assert b.checkpoint == Const("albert-base-v2")


def test_bindings_follow_reassignment_and_method_chains() -> None:
    facts = facts_of(
        """
        import torch
        from transformers import AutoModelForSeq2SeqLM, Trainer
        model = AutoModelForSeq2SeqLM.from_pretrained("t5-small").to("cuda")
        model = model.half()
        model = torch.compile(model)
        other = model
        trainer = Trainer(model=other)
        out = model.generate(max_new_tokens=5)
        """
    )
    model = facts.objects_of(Kind.MODEL)[0]
    [trainer] = facts.objects_of(Kind.TRAINER)
    assert trainer.kw("model").value == ObjRef(model)  # type: ignore[union-attr]
    assert [c.method for c in facts.method_calls(model, "generate")] == ["generate"]


def test_branches_that_disagree_make_a_name_unknown() -> None:
    facts = facts_of(
        """
        from transformers import AutoModel, AutoModelForCausalLM
        if use_lm:
            model = AutoModelForCausalLM.from_pretrained("gpt2")
        else:
            model = AutoModel.from_pretrained("gpt2")
        model.generate()
        """
    )
    [gen] = [c for c in facts.calls if c.method == "generate"]
    assert gen.receiver is None


def test_a_binding_on_one_branch_only_is_kept() -> None:
    facts = facts_of(
        """
        from transformers import AutoModelForCausalLM
        if do_train:
            model = AutoModelForCausalLM.from_pretrained("gpt2")
        model.generate()
        """
    )
    [gen] = [c for c in facts.calls if c.method == "generate"]
    assert isinstance(gen.receiver, ObjRef)


def test_loops_make_rebound_names_unknown() -> None:
    facts = facts_of(
        """
        from transformers import AutoModel
        model = AutoModel.from_pretrained("bert-base-uncased")
        for name in names:
            model = load(name)
        model.generate()
        """
    )
    [gen] = [c for c in facts.calls if c.method == "generate"]
    assert gen.receiver is None


def test_attribute_writes_on_tracked_objects() -> None:
    facts = facts_of(
        """
        from transformers import AutoModelForCausalLM, AutoTokenizer
        tok = AutoTokenizer.from_pretrained("gpt2")
        tok.pad_token = tok.eos_token
        tok.padding_side = "left"
        model = AutoModelForCausalLM.from_pretrained("gpt2")
        model.config.pad_token_id = tok.pad_token_id
        """
    )
    writes = [(u.obj.kind, u.path, u.value) for u in facts.attr_uses if u.is_write]
    assert (Kind.TOKENIZER, ("pad_token",), None) in writes
    assert (Kind.TOKENIZER, ("padding_side",), Const("left")) in writes
    assert (Kind.MODEL, ("config", "pad_token_id"), None) in writes


def test_save_then_reload_carries_the_saved_object() -> None:
    facts = facts_of(
        """
        import os
        from transformers import AutoModelForSeq2SeqLM, Trainer
        OUT = "runs/t5"
        model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")
        trainer = Trainer(model=model)
        trainer.save_model(OUT)
        again = AutoModelForSeq2SeqLM.from_pretrained(os.path.join("runs", "t5"))
        """
    )
    first, again = facts.objects_of(Kind.MODEL)
    assert again.saved_from is first


def test_trainer_subclasses_are_trainers_with_their_methods() -> None:
    facts = facts_of(
        """
        from transformers import Seq2SeqTrainer
        class MyTrainer(Seq2SeqTrainer):
            def prediction_step(self, *a, **k):
                return super().prediction_step(*a, **k)
        class Deeper(MyTrainer):
            pass
        t = Deeper(model=m)
        """
    )
    [trainer] = facts.objects_of(Kind.TRAINER)
    assert trainer.user_class is not None and trainer.user_class.name == "Deeper"
    assert "prediction_step" in facts.classes["MyTrainer"].methods


def test_helper_function_in_the_same_module() -> None:
    facts = facts_of(
        """
        from transformers import AutoModelForCausalLM
        def load():
            return AutoModelForCausalLM.from_pretrained("gpt2")
        model = load()
        model.generate()
        """
    )
    [gen] = [c for c in facts.calls if c.method == "generate"]
    assert (
        isinstance(gen.receiver, ObjRef) and gen.receiver.obj.class_name == "AutoModelForCausalLM"
    )


def test_peft_wrapper_keeps_its_base() -> None:
    facts = facts_of(
        """
        from peft import LoraConfig, get_peft_model
        from transformers import AutoModelForCausalLM
        base = AutoModelForCausalLM.from_pretrained("gpt2")
        model = get_peft_model(base, LoraConfig())
        """
    )
    base, wrapped = facts.objects_of(Kind.MODEL)
    assert wrapped.base is base and wrapped.checkpoint == Const("gpt2")


def test_labels_evidence() -> None:
    facts = facts_of(
        """
        def prep(batch):
            enc = tok(batch["x"])
            enc["labels"] = tok(text_target=batch["y"])["input_ids"]
            return enc
        def prep2(b):
            return {"input_ids": b["x"], "labels": b["y"]}
        """
    )
    assert len(facts.labels_evidence) == 3


def _write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_helper_in_another_module_of_the_workspace(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "utils.py",
        """
        from transformers import AutoModelForSeq2SeqLM
        def load_model(name, device="cpu"):
            return AutoModelForSeq2SeqLM.from_pretrained(name).to(device)
        """,
    )
    main = _write(
        tmp_path,
        "train.py",
        """
        from utils import load_model
        model = load_model("t5-small")
        """,
    )
    helpers = HelperResolver(main, tmp_path, use_jedi=False)
    facts = collect(cst.parse_module(main.read_text()), helpers)
    [obj] = facts.objects_of(Kind.MODEL)
    assert obj.class_name == "AutoModelForSeq2SeqLM"
    assert obj.checkpoint == Const("t5-small")


def test_jedi_follows_a_reexport_through_a_package(tmp_path: Path) -> None:
    _write(tmp_path, "mypkg/__init__.py", "from .loading import load_model\n")
    _write(
        tmp_path,
        "mypkg/loading.py",
        """
        from transformers import AutoModelForCausalLM
        def load_model():
            return AutoModelForCausalLM.from_pretrained("gpt2")
        """,
    )
    main = _write(tmp_path, "run.py", "from mypkg import load_model\nmodel = load_model()\n")
    helpers = HelperResolver(main, tmp_path, jedi_budget=60.0)
    facts = collect(cst.parse_module(main.read_text()), helpers)
    [obj] = facts.objects_of(Kind.MODEL)
    assert obj.class_name == "AutoModelForCausalLM"
    assert obj.checkpoint == Const("gpt2")


def test_jedi_over_budget_is_dropped_not_waited_for(tmp_path: Path) -> None:
    _write(tmp_path, "pkg2/__init__.py", "from .impl import make\n")
    _write(tmp_path, "pkg2/impl.py", "def make():\n    return None\n")
    main = _write(tmp_path, "run.py", "from pkg2 import make\nm = make()\n")
    helpers = HelperResolver(main, tmp_path, jedi_budget=0.0)
    import time

    start = time.perf_counter()
    collect(cst.parse_module(main.read_text()), helpers)
    assert time.perf_counter() - start < 2.0


def test_project_level_registration_silences_class_mismatches(tmp_path: Path) -> None:
    from hflint.analyzers.engine import check_source
    from hflint.analyzers.settings import Settings

    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    _write(
        tmp_path,
        "mymodels/register.py",
        """
        from transformers import AutoConfig, AutoModelForSeq2SeqLM
        AutoConfig.register("my-bert2bert", MyConfig)
        AutoModelForSeq2SeqLM.register(MyConfig, MyModel)
        """,
    )
    code = (
        "from transformers import AutoModelForSeq2SeqLM\n"
        'model = AutoModelForSeq2SeqLM.from_pretrained("bert-base-uncased")\n'
    )
    main = _write(tmp_path, "train.py", code)
    with_registry = check_source(code, path=main, settings=Settings(select=["HF101"]))
    assert with_registry == []
    alone = check_source(code, settings=Settings(select=["HF101"]))
    assert [f.code for f in alone] == ["HF101"]


def test_registrations_quoted_in_strings_do_not_count() -> None:
    from hflint.analyzers.registrations import scan_text

    quoted = 'EXAMPLE = """\nAutoModelForSeq2SeqLM.register(MyConfig, MyModel)\n"""\n'
    assert scan_text(quoted) == (set(), set())
    real = 'import transformers as T\nT.AutoConfig.register("x-type", XConfig)\n'
    assert scan_text(real) == ({"AutoConfig"}, {"x-type"})


def test_a_helper_module_written_later_is_found_and_edits_to_it_are_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hflint.analyzers import crossmodule

    monkeypatch.setattr(crossmodule, "RECHECK_S", 0.0)
    main = _write(tmp_path, "train.py", "import utils\nmodel = utils.load_model()\n")

    def models() -> list[str]:
        # one resolver for the file, kept from check to check as the editor's engine does
        helpers = crossmodule.helpers_for(main, tmp_path)
        facts = collect(cst.parse_module(main.read_text()), helpers)
        return [o.class_name for o in facts.objects_of(Kind.MODEL)]

    assert models() == []  # utils.py does not exist yet
    assert crossmodule.helpers_for(main, tmp_path) is crossmodule.helpers_for(main, tmp_path)
    _write(
        tmp_path,
        "utils.py",
        """
        from transformers import AutoModelForCausalLM
        def load_model():
            return AutoModelForCausalLM.from_pretrained("gpt2")
        """,
    )
    assert models() == ["AutoModelForCausalLM"]
    time.sleep(0.01)  # a new modification time
    _write(
        tmp_path,
        "utils.py",
        """
        from transformers import AutoModelForSeq2SeqLM
        def load_model():
            return AutoModelForSeq2SeqLM.from_pretrained("t5-small")
        """,
    )
    assert models() == ["AutoModelForSeq2SeqLM"]
