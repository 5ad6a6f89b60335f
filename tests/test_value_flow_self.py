"""Objects on `self` and class attributes: methods see what `__init__` (or a class body) set,
as module code sees a module-level name; anything else written to the attribute makes it
unknown, never a guess."""

from __future__ import annotations

import textwrap

import libcst as cst
from rule_checks import findings, fixed_text

from hflint.analyzers.collector import collect
from hflint.analyzers.facts import CallFact, Kind, ModuleFacts
from hflint.analyzers.findings import Severity
from hflint.analyzers.values import Const, ObjRef


def facts_of(code: str) -> ModuleFacts:
    return collect(cst.parse_module(textwrap.dedent(code)))


def calls(facts: ModuleFacts, method: str) -> list[CallFact]:
    return [c for c in facts.calls if c.method == method]


def receiver_checkpoint(call: CallFact) -> object:
    assert isinstance(call.receiver, ObjRef), call
    checkpoint = call.receiver.obj.checkpoint
    return checkpoint.value if isinstance(checkpoint, Const) else checkpoint


CHATBOT = """
from transformers import AutoModelForCausalLM, AutoTokenizer

class ChatBot:
    def __init__(self, repo):
        self.tokenizer = AutoTokenizer.from_pretrained(repo, padding_side="left")
        self.model = AutoModelForCausalLM.from_pretrained(repo)
        self.tokenizer.pad_token = self.tokenizer.eos_token

    def reply(self, prompts):
        batch = self.tokenizer(prompts, padding=True, return_tensors="pt")
        return self.model.generate(**batch, max_new_tokens=20)

bot = ChatBot("Qwen/Qwen2.5-0.5B-Instruct")
"""


def test_init_attributes_are_the_objects_other_methods_use() -> None:
    facts = facts_of(CHATBOT)
    tok = facts.objects_of(Kind.TOKENIZER)[0]
    model = facts.objects_of(Kind.MODEL)[0]
    [encode] = calls(facts, "__call__")
    assert isinstance(encode.receiver, ObjRef) and encode.receiver.obj is tok
    assert encode.kw("padding") is not None
    assert facts.method_calls(model, "generate")  # `self.model.generate` in another method
    # the constructor's only call site gives `repo` its value
    assert tok.checkpoint == Const("Qwen/Qwen2.5-0.5B-Instruct")
    # `self.tokenizer.pad_token = ...` is a write on the tracked tokenizer
    writes = [u.path for u in facts.attr_uses if u.is_write and u.obj is tok]
    assert ("pad_token",) in writes


def test_instance_attributes_are_read_from_module_code_too() -> None:
    facts = facts_of(CHATBOT + "bot.model.generate(max_new_tokens=5)\n")
    [model] = facts.objects_of(Kind.MODEL)
    assert len(facts.method_calls(model, "generate")) == 2


def test_class_attributes_through_self_and_the_class() -> None:
    facts = facts_of(
        """
        from transformers import AutoModel
        class Config:
            MODEL = "bert-base-uncased"
        class Encoder:
            name = "roberta-base"
            def load(self):
                return AutoModel.from_pretrained(self.name)
            def load_other(self):
                return AutoModel.from_pretrained(Config.MODEL)
        """
    )
    first, second = facts.objects
    assert first.checkpoint == Const("roberta-base")
    assert second.checkpoint == Const("bert-base-uncased")


def test_a_none_placeholder_next_to_the_real_object_is_not_a_second_value() -> None:
    facts = facts_of(
        """
        from transformers import AutoModelForCausalLM
        class Lazy:
            def __init__(self):
                self.model = None
            def load(self):
                self.model = AutoModelForCausalLM.from_pretrained("gpt2")
            def run(self, ids):
                return self.model.generate(ids)
        """
    )
    [gen] = calls(facts, "generate")
    assert receiver_checkpoint(gen) == "gpt2"


def test_program_order_inside_a_method() -> None:
    facts = facts_of(
        """
        from transformers import AutoTokenizer
        class Two:
            def __init__(self):
                self.tok = AutoTokenizer.from_pretrained("gpt2")
                a = self.tok("x")
                self.tok = AutoTokenizer.from_pretrained("bert-base-uncased")
                b = self.tok("y")
            def other(self):
                return self.tok("z")
        """
    )
    first, second = calls(facts, "__call__")
    assert receiver_checkpoint(first) == "gpt2"
    assert receiver_checkpoint(second) == "bert-base-uncased"
    # another method sees the class's value: two different tokenizers, so none
    [third] = [c for c in facts.calls if c.function is not None and c.function.name == "other"]
    assert not isinstance(third.receiver, ObjRef) and third.method == "tok"


# ---- near misses: the attribute is not one known value ----------------------------------------
def test_two_different_objects_make_the_attribute_unknown_elsewhere() -> None:
    facts = facts_of(
        """
        from transformers import AutoModel, AutoModelForCausalLM
        class Switch:
            def small(self):
                self.model = AutoModel.from_pretrained("gpt2")
            def large(self):
                self.model = AutoModelForCausalLM.from_pretrained("gpt2-large")
            def run(self):
                return self.model.generate()
        """
    )
    [gen] = calls(facts, "generate")
    assert gen.receiver is None


def test_a_write_from_outside_the_class_makes_it_unknown() -> None:
    facts = facts_of(
        """
        from transformers import AutoModel
        class Holder:
            def __init__(self):
                self.model = AutoModel.from_pretrained("gpt2")
            def run(self):
                return self.model.generate()
        h = Holder()
        h.model = load_something_else()
        """
    )
    [gen] = calls(facts, "generate")
    assert gen.receiver is None


def test_a_subclass_assigning_the_attribute_makes_it_unknown_in_the_base() -> None:
    facts = facts_of(
        """
        from transformers import AutoModel
        class Base:
            checkpoint = "bert-base-uncased"
            def load(self):
                return AutoModel.from_pretrained(self.checkpoint)
        class Chinese(Base):
            checkpoint = "bert-base-chinese"
        """
    )
    [obj] = facts.objects
    assert obj.checkpoint is None


def test_untracked_writes_and_later_methods_stay_unknown() -> None:
    facts = facts_of(
        """
        from transformers import AutoModel
        class Odd:
            def __init__(self, names):
                self.name = "gpt2"
                for self.name in names:
                    pass
            def use(self):
                return self.model.generate(AutoModel.from_pretrained(self.name))
            def load(self):
                self.model = AutoModel.from_pretrained("gpt2")
        """
    )
    [gen] = calls(facts, "generate")
    assert gen.receiver is None  # assigned in a method collected after this one
    first = facts.objects[0]
    assert first.checkpoint is None  # `for self.name in ...` is a write not tracked


def test_a_base_class_not_in_the_module_may_set_the_attribute() -> None:
    facts = facts_of(
        """
        from transformers import Trainer
        class MyTrainer(Trainer):
            def evaluate_more(self):
                return self.model.generate()
        """
    )
    [gen] = calls(facts, "generate")
    assert gen.receiver is None


# ---- what rules make of it ------------------------------------------------------------------------
MISMATCH_IN_CLASS = """
from transformers import AutoModelForSequenceClassification, AutoTokenizer

class Classifier:
    def __init__(self):
        self.tokenizer = AutoTokenizer.from_pretrained("openai-community/gpt2")
        self.model = AutoModelForSequenceClassification.from_pretrained(
            "google-bert/bert-base-uncased", num_labels=2)

    def logits(self, text):
        return self.model(**self.tokenizer(text, return_tensors="pt")).logits
"""


def test_rules_see_methods_as_they_see_module_code() -> None:
    [finding] = findings(MISMATCH_IN_CLASS, "HF601")
    assert finding.severity is Severity.WARNING or finding.severity is Severity.ERROR
    assert finding.range.start.line == 6  # the tokenizer's checkpoint, in __init__
    assert "google-bert/bert-base-uncased" in fixed_text(MISMATCH_IN_CLASS, finding)
    same = MISMATCH_IN_CLASS.replace("openai-community/gpt2", "google-bert/bert-base-uncased")
    assert not findings(same, "HF601")


def test_a_class_attribute_checkpoint_reaches_the_load() -> None:
    code = """
    from transformers import AutoModelForCausalLM
    class Summarizer:
        checkpoint = "facebook/bart-large-cnn"
        def load(self):
            self.model = AutoModelForCausalLM.from_pretrained(self.checkpoint)
    """
    [finding] = findings(code, "HF102")
    assert finding.range.start.line == 6
    overridden = code + "class Other(Summarizer):\n    checkpoint = 'gpt2'\n"
    assert not findings(overridden, "HF102")
