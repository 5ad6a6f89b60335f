"""Function parameters: a default is an overridable value; what every call site in the module
passes is the value; call sites that disagree, or callers we cannot see, leave it unknown."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest
from rule_checks import findings

from hflint.analyzers import flow
from hflint.analyzers.collector import collect
from hflint.analyzers.facts import Kind, ModuleFacts
from hflint.analyzers.findings import Severity
from hflint.analyzers.values import Const, ObjRef


def facts_of(code: str) -> ModuleFacts:
    return collect(cst.parse_module(textwrap.dedent(code)))


def checkpoints(facts: ModuleFacts) -> list[object]:
    return [o.checkpoint.value if isinstance(o.checkpoint, Const) else None for o in facts.objects]


def test_a_default_is_an_overridable_value() -> None:
    facts = facts_of(
        """
        from transformers import AutoModel
        def load(name="bert-base-uncased", revision=None):
            return AutoModel.from_pretrained(name, revision=revision)
        """
    )
    [obj] = facts.objects
    assert isinstance(obj.checkpoint, Const) and obj.checkpoint.value == "bert-base-uncased"
    assert obj.checkpoint.overridable
    assert obj.checkpoint.origin == "the default of parameter `name` of `load()`"
    revision = obj.kw("revision")
    assert revision is not None and isinstance(revision.value, Const)
    assert revision.value.value is None and revision.value.overridable


def test_every_call_site_passing_one_value_gives_it() -> None:
    facts = facts_of(
        """
        from transformers import AutoModel
        def load(name, device="cpu"):
            return AutoModel.from_pretrained(name).to(device)
        encoder = load("roberta-base")
        again = load(name="roberta-base", device="cuda")
        """
    )
    [obj] = facts.objects_of(Kind.MODEL)
    assert obj.checkpoint == Const("roberta-base") and not obj.checkpoint.overridable


@pytest.mark.parametrize(
    "calls",
    [
        'load("roberta-base")\nload("gpt2")',  # two values
        'load("roberta-base")\nload(pick())',  # one unknown
        'load("roberta-base")\nload(*names)',  # unpacked
        'load("roberta-base")\nkw = {}\nload(**kw2)',  # an unknown **
        'load("roberta-base")\nmapped = list(map(load, names))',  # passed as a value
        'load("roberta-base")\nREGISTRY = {"default": load}',  # a reference we cannot follow
    ],
)
def test_call_sites_that_disagree_or_escape_leave_it_unknown(calls: str) -> None:
    code = (
        "from transformers import AutoModel\n"
        "def load(name):\n"
        "    return AutoModel.from_pretrained(name)\n"
    )
    facts = facts_of(code + calls + "\n")
    assert checkpoints(facts) == [None]


def test_callers_passing_another_value_than_the_default_win() -> None:
    facts = facts_of(
        """
        from transformers import AutoModel
        def load(name="bert-base-uncased"):
            return AutoModel.from_pretrained(name)
        model = load("roberta-base")
        model.eval()
        """
    )
    [obj] = facts.objects
    assert obj.checkpoint == Const("roberta-base")
    [call] = [c for c in facts.calls if c.method == "eval"]
    assert isinstance(call.receiver, ObjRef) and call.receiver.obj is obj  # through the return


def test_a_call_passing_what_the_body_did_not_see_gets_no_return_value() -> None:
    facts = facts_of(
        """
        from transformers import AutoModel
        def load(name="bert-base-uncased"):
            return AutoModel.from_pretrained(name)
        first = load()
        second = load("roberta-base")
        first.generate()
        second.generate()
        """
    )
    assert checkpoints(facts) == [None]  # the callers disagree: the body's value is unknown
    first, second = [c for c in facts.calls if c.method == "generate"]
    assert isinstance(first.receiver, ObjRef) and isinstance(second.receiver, ObjRef)


def test_a_callback_keeps_its_defaults_only() -> None:
    facts = facts_of(
        """
        from transformers import AutoTokenizer
        def tokenize(batch, name="bert-base-uncased"):
            return AutoTokenizer.from_pretrained(name)(batch["text"])
        tokenize({"text": "x"}, name="roberta-base")
        ds = ds.map(tokenize, batched=True)
        """
    )
    [tok] = facts.objects
    assert isinstance(tok.checkpoint, Const) and tok.checkpoint.value == "bert-base-uncased"
    assert tok.checkpoint.overridable


def test_a_decorated_function_is_called_by_someone_else() -> None:
    facts = facts_of(
        """
        from transformers import pipeline
        @app.post("/generate")
        def serve(task):
            return pipeline(task)
        serve("summarization")
        """
    )
    [pipe] = facts.objects
    assert pipe.call.arg(0, "task") is not None
    assert pipe.call.arg(0, "task").value is None  # type: ignore[union-attr]


def test_methods_and_constructors_get_their_call_sites_values() -> None:
    facts = facts_of(
        """
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
        class Summarizer:
            def __init__(self, checkpoint, max_new_tokens=60):
                self.tokenizer = AutoTokenizer.from_pretrained(checkpoint)
                self.model = AutoModelForSeq2SeqLM.from_pretrained(checkpoint)
                self.limit = max_new_tokens
            def summarize(self, text, beams=1):
                batch = self.tokenizer(text, return_tensors="pt")
                return self.model.generate(**batch, num_beams=beams, max_new_tokens=self.limit)
        s = Summarizer("t5-small", max_new_tokens=80)
        print(s.summarize("long text", beams=4))
        """
    )
    assert checkpoints(facts) == ["t5-small", "t5-small"]
    [gen] = [c for c in facts.calls if c.method == "generate"]
    assert gen.kw("num_beams").value == Const(4)  # type: ignore[union-attr]
    assert gen.kw("max_new_tokens").value == Const(80)  # type: ignore[union-attr]


def test_a_call_written_before_the_function_it_calls() -> None:
    facts = facts_of(
        """
        from transformers import AutoModel
        def main():
            return build("gpt2")
        def build(name):
            return AutoModel.from_pretrained(name)
        main()
        """
    )
    assert checkpoints(facts) == ["gpt2"]


def test_tuples_returned_and_unpacked() -> None:
    facts = facts_of(
        """
        from transformers import pipeline
        def make(model="gpt2"):
            pipe = pipeline("text-generation", model=model)
            return pipe, 4
        pipe, batch_size = make()
        pipe(["a", "b"], batch_size=batch_size)
        """
    )
    [pipe] = facts.objects
    [call] = [c for c in facts.calls if c.method == "__call__"]
    assert isinstance(call.receiver, ObjRef) and call.receiver.obj is pipe
    assert call.kw("batch_size").value == Const(4)  # type: ignore[union-attr]


def test_recursion_and_long_chains_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    passes = []
    summarize = flow.summarize

    def counted(collector: object) -> flow.Summaries:
        found = summarize(collector)  # type: ignore[arg-type]
        passes.append(found)
        return found

    monkeypatch.setattr(flow, "summarize", counted)
    chain = "".join(f"def f{i}(x):\n    return f{i + 1}(x)\n" for i in range(30))
    head = textwrap.dedent(
        """
        from transformers import AutoModel
        def fact(n, name="gpt2"):
            return fact(n - 1, name) if n else AutoModel.from_pretrained(name)
        def ping(x):
            return pong(x)
        def pong(x):
            return ping(x)
        fact(3, "bert-base-uncased")
        ping("a")
        """
    )
    tail = 'def f30(x):\n    return AutoModel.from_pretrained(x)\nf0("roberta-base")\n'
    facts = collect(cst.parse_module(head + chain + tail))
    assert len(passes) < flow.MAX_PASSES  # the last collection is not summarised again
    assert len(facts.objects) == 2


def test_a_branch_the_call_sites_never_take_does_not_see_their_value() -> None:
    code = """
    from transformers import BartForConditionalGeneration, BartTokenizer, BertTokenizer
    def load(bart_name):
        tokenizer = BertTokenizer.from_pretrained(bart_name) if "chinese" in bart_name else BartTokenizer.from_pretrained(bart_name)
        if bart_name.startswith("fnlp/"):
            model = BartForConditionalGeneration.from_pretrained(bart_name)
        else:
            model = BartForConditionalGeneration.from_pretrained(bart_name + "-en")
        return tokenizer, model
    tokenizer, model = load("fnlp/bart-base-chinese")
    """
    facts = facts_of(code)
    by_class = {o.class_name: o for o in facts.objects if o.kind is not Kind.MODEL}
    assert by_class["BertTokenizer"].checkpoint == Const("fnlp/bart-base-chinese")
    assert by_class["BartTokenizer"].checkpoint is None  # the branch not taken
    models = facts.objects_of(Kind.MODEL)
    assert [m.checkpoint for m in models] == [Const("fnlp/bart-base-chinese"), None]


def test_an_if_decided_by_a_default_keeps_both_paths() -> None:
    facts = facts_of(
        """
        from transformers import AutoModel, AutoModelForCausalLM
        def load(name="gpt2", causal=True):
            if causal:
                model = AutoModelForCausalLM.from_pretrained(name)
            else:
                model = AutoModel.from_pretrained(name)
            return model.generate()
        """
    )
    [gen] = [c for c in facts.calls if c.method == "generate"]
    assert gen.receiver is None  # a caller may pass causal=False: either model


def test_rules_lower_their_severity_on_a_default_only() -> None:
    body = (
        "from transformers import AutoModelForCausalLM\n"
        "def load(name{default}):\n"
        "    return AutoModelForCausalLM.from_pretrained(name)\n"
    )
    [assumed] = findings(body.format(default='="facebook/bart-large-cnn"'), "HF102")
    assert "default of parameter `name`" in assumed.message and "a caller may change" in (
        assumed.message
    )
    called = body.format(default="") + 'model = load("facebook/bart-large-cnn")\n'
    [certain] = findings(called, "HF102")
    assert certain.severity.rank < assumed.severity.rank
    assert certain.severity is Severity.WARNING
    overridden = body.format(default='="facebook/bart-large-cnn"') + 'model = load("gpt2")\n'
    assert not findings(overridden, "HF102")


def test_a_default_every_call_site_leaves_is_certain() -> None:
    facts = facts_of(
        """
        from transformers import pipeline
        SERVING = {"task": "text-generation", "model": "google/flan-t5-base"}
        def load(properties=SERVING):
            return pipeline(task=properties["task"], model=properties["model"])
        def handle(inputs):
            return load()(inputs)
        handle(["hi"])
        """
    )
    [pipe] = facts.objects
    model = pipe.kw("model")
    assert model is not None and model.value == Const("google/flan-t5-base")
    assert isinstance(model.value, Const) and not model.value.overridable


def test_constructors_of_classes_next_to_modules_calling_super() -> None:
    facts = facts_of(
        """
        import torch
        from transformers import AutoModel
        class Head(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.linear = torch.nn.Linear(2, 2)
        class Encoder:
            def __init__(self, name):
                self.model = AutoModel.from_pretrained(name)
        enc = Encoder("roberta-base")
        """
    )
    [obj] = facts.objects
    assert obj.checkpoint == Const("roberta-base")


def test_argparse_defaults_read_in_a_function_defined_before_the_parser() -> None:
    facts = facts_of(
        """
        import argparse
        from transformers import AutoModel
        def main(args):
            return AutoModel.from_pretrained(args.model_name, revision=args.revision)
        if __name__ == "__main__":
            parser = argparse.ArgumentParser()
            parser.add_argument("--model_name", default="bert-base-uncased")
            parser.add_argument("--revision")
            main(parser.parse_args())
        """
    )
    [obj] = facts.objects
    assert isinstance(obj.checkpoint, Const) and obj.checkpoint.value == "bert-base-uncased"
    assert obj.checkpoint.overridable and "argparse" in obj.checkpoint.origin
    assert obj.kw("revision").value is None  # type: ignore[union-attr]  # no default: unknown
