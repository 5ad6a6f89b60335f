"""Generation call contracts (HF510, HF511, and HF504-HF506 where they meet them) beyond the
rules' own examples.

The contract facts (generate()'s parameters, the model classes' inputs, the classes whose
generate() routes keywords by name) are compared with the imported transformers; what the rules
claim transformers does is checked by running transformers on tiny models built here, so a
finding is never about a call that works.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
from fixtures_checkpoints import save_tokenizer
from rule_checks import findings, fixed_text

from hflint.analyzers import knowledge_calls
from hflint.analyzers.findings import Severity
from hflint.analyzers.knowledge import Knowledge, load_knowledge
from hflint.analyzers.source_reading import def_parameters

GPT2: dict[str, Any] = {"vocab_size": 80, "n_layer": 1, "n_embd": 16, "n_head": 2}
T5: dict[str, Any] = {
    "vocab_size": 80,
    "d_model": 16,
    "d_kv": 8,
    "d_ff": 32,
    "num_layers": 1,
    "num_heads": 2,
    "decoder_start_token_id": 0,
}


@pytest.fixture(scope="module")
def kn() -> Knowledge:
    return load_knowledge()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """gpt2/: a tiny causal LM whose generation_config.json does not sample; chat/: one whose
    generation_config.json samples (as chat checkpoints do); t5/: an encoder-decoder."""
    from transformers import (
        GenerationConfig,
        GPT2Config,
        GPT2LMHeadModel,
        T5Config,
        T5ForConditionalGeneration,
    )

    root = tmp_path_factory.mktemp("generation-contract")
    for name, sampling in (("gpt2", False), ("chat", True)):
        model = GPT2LMHeadModel(GPT2Config(architectures=["GPT2LMHeadModel"], **GPT2))
        config = GenerationConfig(bos_token_id=0, eos_token_id=0, pad_token_id=0)
        if sampling:
            config = GenerationConfig(
                do_sample=True, temperature=0.6, top_p=0.9, bos_token_id=0, eos_token_id=0
            )
        model.generation_config = config
        model.save_pretrained(root / name)
        save_tokenizer(root / name, eos_token="</s>", pad_token="<pad>")
    t5 = T5ForConditionalGeneration(T5Config(architectures=["T5ForConditionalGeneration"], **T5))
    t5.save_pretrained(root / "t5")
    save_tokenizer(root / "t5", eos_token="</s>", pad_token="<pad>")
    return root


def _model(project: Path, name: str) -> Any:
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

    auto = AutoModelForSeq2SeqLM if name == "t5" else AutoModelForCausalLM
    return auto.from_pretrained(project / name)


def _batch(project: Path, name: str = "gpt2") -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(project / name)(["hello world"], return_tensors="pt")


def _raises(call: Any) -> str:
    """What a call raises ("" when it runs)."""
    try:
        call()
    except (ValueError, TypeError, RuntimeError) as error:
        return f"{type(error).__name__}: {error}"
    return ""


def _check(code: str, rule: str, project: Path) -> list[Any]:
    return findings(code, rule, project / "app.py")


# ---- the facts, against the imported transformers ----------------------------------------------
def test_generate_params_cover_generates_own_signature(kn: Knowledge) -> None:
    from transformers import GenerationMixin

    own = set(inspect.signature(GenerationMixin.generate).parameters) - {"self", "kwargs"}
    assert own <= kn.generate_params
    assert {"tokenizer", "assistant_tokenizer", "trust_remote_code"} <= kn.generate_params
    assert {"output_attentions", "position_ids"} <= kn.generate_params  # TransformersKwargs


def test_model_inputs_cover_forward_and_generate_signatures(kn: Knowledge) -> None:
    import transformers

    for name, method in (
        ("GPT2LMHeadModel", "forward"),
        ("T5ForConditionalGeneration", "forward"),
        ("LlavaForConditionalGeneration", "forward"),
        ("LlavaForConditionalGeneration", "prepare_inputs_for_generation"),
        ("WhisperForConditionalGeneration", "generate"),
        ("Qwen2VLForConditionalGeneration", "forward"),
    ):
        cls = getattr(transformers, name)
        params = inspect.signature(getattr(cls, method)).parameters.values()
        named = {p.name for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
        assert named - {"self"} <= kn.model_input_names, (name, method)
    for typo in ("max_seq_length", "max_new_token", "repetition_policy", "max_tokens"):
        assert not kn.generate_takes(typo)
    assert kn.generate_takes("decoder_inputs_embeds") and kn.generate_takes("pixel_values")


def test_older_releases_have_their_own_contracts() -> None:
    """Read from each release's wheel: 4.57 still took `use_model_defaults` and its
    text-generation pipeline sampled by default; 4.40's did not."""
    from hflint.analyzers import snapshots

    if not {"4.40.2", "4.57.6"} <= set(snapshots.bundled_versions()):
        pytest.skip("no bundled 4.x snapshots")
    old = {
        v: snapshots.load_snapshot(snapshots.BUNDLED / f"transformers-{v}.json.gz")
        for v in ("4.40.2", "4.57.6")
    }
    assert old["4.57.6"].generate_takes("use_model_defaults")
    assert not load_knowledge().generate_takes("use_model_defaults")
    assert old["4.57.6"].pipeline_generation_defaults["TextGenerationPipeline"]["do_sample"]
    assert "TextGenerationPipeline" not in old["4.40.2"].pipeline_generation_defaults
    for kn in old.values():
        assert {"max_new_tokens", "temperature"} <= kn.generation_names
        assert not kn.generate_takes("max_new_token")
        assert (
            "return_all_scores" in kn.pipeline_signatures["TextClassificationPipeline"]["sanitize"]
        )


def test_routing_generate_classes(kn: Knowledge) -> None:
    assert {"BarkModel", "SeamlessM4TModel", "Qwen2_5OmniForConditionalGeneration"} <= (
        kn.open_generate_classes
    )
    assert not {"GPT2LMHeadModel", "LlamaForCausalLM", "T5ForConditionalGeneration"} & (
        kn.open_generate_classes
    )
    assert "GenerationMixin" not in kn.open_generate_classes


def test_routing_is_read_from_the_generate_body(tmp_path: Path) -> None:
    model = tmp_path / "models" / "foo" / "modeling_foo.py"
    model.parent.mkdir(parents=True)
    model.write_text(
        textwrap.dedent(
            """\
            class FooModel(FooPreTrainedModel, GenerationMixin):
                def generate(self, input_ids=None, **kwargs):
                    text = {k[5:]: v for k, v in kwargs.items() if k.startswith("text_")}
                    return super().generate(input_ids, **text)
            class FooForCausalLM(FooPreTrainedModel, GenerationMixin):
                def generate(self, input_ids=None, *, language: "dict[str, int]" = None, **kwargs):
                    kwargs.pop("task", None)
                    config = self.generation_config.update(**kwargs)
                    return super().generate(input_ids, **kwargs)
            class FooSubModel(FooModel):
                pass
            """
        )
    )
    found = knowledge_calls._model_sources(tmp_path)
    assert found.routes == {"FooModel"}
    assert knowledge_calls._subclasses(found.routes, found.bases) == {"FooModel", "FooSubModel"}
    assert {"input_ids", "language"} <= found.inputs


def test_def_parameters_ignore_annotations_and_defaults() -> None:
    source = (
        b"\n    def forward(\n        self,\n        ids: Optional[dict[str, tuple[int, int]]] = None,"
        b'\n        mode: str = "a, b=(c)",  # note: x=1\n        *args,\n        scale=(1, 2),'
        b"\n        **kwargs,\n    ) -> Tuple[int, str]:\n        return ids\n"
    )
    start = source.index(b"(")
    assert def_parameters(source, start) == ["self", "ids", "mode", "scale"]


def test_pipeline_facts_match_the_pipeline_classes(kn: Knowledge) -> None:
    from transformers import TextClassificationPipeline, TextGenerationPipeline

    sanitize = inspect.signature(TextGenerationPipeline._sanitize_parameters).parameters
    named = {p for p in sanitize if p not in ("self", "generate_kwargs")}
    signature = kn.pipeline_signatures["TextGenerationPipeline"]
    assert named <= set(signature["sanitize"]) and signature["rest"] == ["generate_kwargs"]
    assert {"add_special_tokens", "padding"} <= set(signature["sanitize"])  # popped from the rest
    assert kn.pipeline_signatures["TextClassificationPipeline"]["rest"] == ["tokenizer_kwargs"]
    assert (
        "return_all_scores" not in kn.pipeline_signatures["TextClassificationPipeline"]["sanitize"]
    )
    defaults = TextGenerationPipeline._default_generation_config.to_diff_dict()
    assert kn.pipeline_generation_defaults["TextGenerationPipeline"].items() <= defaults.items()
    assert TextClassificationPipeline.__name__ not in kn.pipeline_generation_defaults


# ---- HF510: what generate() rejects ------------------------------------------------------------
NAMES = ["max_seq_length", "max_new_token", "max_tokens", "token_type_ids", "output_scores"]


@pytest.mark.parametrize("name", NAMES)
def test_hf510_agrees_with_generate(project: Path, name: str) -> None:
    """Reported exactly when transformers rejects the keyword (gpt2 takes token_type_ids)."""
    code = f"""\
        from transformers import AutoModelForCausalLM, AutoTokenizer
        tok = AutoTokenizer.from_pretrained("./gpt2")
        model = AutoModelForCausalLM.from_pretrained("./gpt2")
        batch = tok(["hello world"], return_tensors="pt")
        out = model.generate(**batch, max_new_tokens=2, {name}=batch["input_ids"])
        """
    found = _check(code, "HF510", project)
    model, batch = _model(project, "gpt2"), _batch(project)
    said = _raises(lambda: model.generate(**batch, max_new_tokens=2, **{name: batch["input_ids"]}))
    assert bool(found) == ("are not used by the model" in said), (name, said)
    if found:
        assert f"['{name}']" in said and f"['{name}']" in found[0].message
        assert found[0].severity is Severity.ERROR


def test_hf510_case_316_names_the_loader_option(project: Path) -> None:
    code = """\
        from transformers import AutoModelForCausalLM
        model1 = AutoModelForCausalLM.from_pretrained("outputs/merged_16bit")
        outputs = model1.generate(**inputs, max_new_tokens=64, use_cache=True, max_seq_length=200)
        """
    [finding] = _check(code, "HF510", project)
    assert "loading option of Unsloth and TRL" in finding.message and finding.fix is None


def test_hf510_pipeline_typos_fail_at_the_first_call(project: Path) -> None:
    """Case 317: the typos are given when the pipeline is built; transformers raises when it is
    called, listing both; the renamed keywords run."""
    code = """\
        import transformers
        generate_text = transformers.pipeline(
            model="./gpt2",
            task="text-generation",
            do_sample=False,
            max_new_token=3,
            repetition_policy=1.1,
        )
        """
    found = _check(code, "HF510", project)
    assert [f.range.start.line for f in found] == [6, 7]
    assert all("['max_new_token', 'repetition_policy']" in f.message for f in found)
    fixed = fixed_text(code, found[1])
    assert "repetition_penalty=1.1" in fixed
    from transformers import pipeline

    pipe = pipeline(
        "text-generation",
        model=str(project / "gpt2"),
        do_sample=False,
        max_new_token=3,
        repetition_policy=1.1,
    )  # builds without a word
    said = _raises(lambda: pipe("hello world"))
    assert "['max_new_token', 'repetition_policy']" in said
    good = pipeline(
        "text-generation",
        model=str(project / "gpt2"),
        do_sample=False,
        max_new_tokens=3,
        repetition_penalty=1.1,
    )
    assert _raises(lambda: good("hello world")) == ""


def test_hf510_pipeline_call_and_keywords_of_the_wrong_stage(project: Path) -> None:
    """At the call, `device` (a build keyword) and a dict of settings reach generate() too."""
    code = """\
        from transformers import pipeline
        gen = pipeline("text-generation", model="./gpt2", cache_dir="/tmp/models")
        out = gen("hello", device="cpu", generate_kwargs={"max_new_tokens": 3}, batch_size=1)
        """
    found = _check(code, "HF510", project)
    named = {re.search(r"takes no `(\w+)`", f.message).group(1) for f in found}  # type: ignore[union-attr]
    # `device` is a parameter of some model's forward: the union of every model's inputs lets
    # it through (a miss, never a false alarm), though GPT-2 rejects it
    assert named == {"cache_dir", "generate_kwargs"}
    kwargs = next(f for f in found if "`generate_kwargs`" in f.message)
    assert "automatic-speech-recognition" in kwargs.message
    assert 'gen("hello", device="cpu", **{"max_new_tokens": 3}' in fixed_text(code, kwargs)
    from transformers import pipeline

    pipe = pipeline("text-generation", model=str(project / "gpt2"))
    for bad in ({"device": "cpu"}, {"generate_kwargs": {"max_new_tokens": 3}}):
        assert "are not used by the model" in _raises(lambda b=bad: pipe("hello", **b))  # type: ignore[misc]
    built = pipeline("text-generation", model=str(project / "gpt2"), cache_dir="/tmp/models")
    assert "['cache_dir']" in _raises(lambda: built("hello", max_new_tokens=2))


@pytest.mark.parametrize(
    "code",
    [
        # a PEFT wrapper's generate is peft's
        "from peft import get_peft_model\nfrom transformers import AutoModelForCausalLM\n"
        'base = AutoModelForCausalLM.from_pretrained("./gpt2")\nmodel = get_peft_model(base, cfg)\n'
        "out = model.generate(input_ids=ids, adapter_names=['a'])\n",
        # the value None is skipped by generate()
        "from transformers import AutoModelForCausalLM\n"
        'model = AutoModelForCausalLM.from_pretrained("./gpt2")\n'
        "out = model.generate(ids, my_flag=None)\n",
        # a checkpoint of an unknown model type: its class is not known
        "from transformers import AutoModelForCausalLM\n"
        'model = AutoModelForCausalLM.from_pretrained("acme/brand-new-arch")\n'
        "out = model.generate(ids, speaker_embeddings=emb)\n",
        # a pipeline of the project's own class
        "from transformers import pipeline\n"
        'gen = pipeline("text-generation", model="./gpt2", pipeline_class=MyPipe, my_opt=1)\n',
        # remote code
        "from transformers import pipeline\n"
        'gen = pipeline("text-generation", model="acme/x", trust_remote_code=True, my_opt=1)\n',
    ],
)
def test_hf510_near_misses(project: Path, code: str) -> None:
    assert _check(code, "HF510", project) == []


def test_hf510_generation_config_typo_has_no_effect(project: Path) -> None:
    """GenerationConfig keeps the keyword and says nothing; generate() ignores it."""
    code = """\
        from transformers import GenerationConfig
        cfg = GenerationConfig(max_new_token=3, lang_to_id={"en": 1})
        """
    [finding] = _check(code, "HF510", project)
    assert finding.severity is Severity.WARNING and "max_new_tokens" in finding.message
    from transformers import GenerationConfig

    cfg = GenerationConfig(max_new_token=3)
    model, batch = _model(project, "gpt2"), _batch(project)
    out = model.generate(**batch, generation_config=cfg)
    assert out.shape[-1] - batch["input_ids"].shape[-1] == 20  # the default, not 3


# ---- HF511: values generate() rejects ----------------------------------------------------------
def test_hf511_temperature_zero_by_what_the_model_samples(project: Path) -> None:
    """chat/ samples (error), gpt2/ does not (HF505's business), an unknown checkpoint:
    a warning that says both outcomes."""
    template = """\
        from transformers import AutoModelForCausalLM
        model = AutoModelForCausalLM.from_pretrained("{ckpt}")
        out = model.generate(input_ids, temperature=0.0, max_new_tokens=5)
        """
    [chat] = _check(template.format(ckpt="./chat"), "HF511", project)
    assert chat.severity is Severity.ERROR and "sets `do_sample: true`" in chat.message
    assert _check(template.format(ckpt="./gpt2"), "HF511", project) == []
    [unknown] = _check(template.format(ckpt="acme/llama-chat"), "HF511", project)
    assert unknown.severity is Severity.WARNING and "ignored" in unknown.message
    batch = _batch(project, "chat")
    said = _raises(lambda: _model(project, "chat").generate(**batch, temperature=0.0))
    quoted = chat.message.split("raises ", 1)[1].split(" For greedy")[0]
    assert said == quoted
    fixed = fixed_text(template.format(ckpt="./chat"), chat)
    assert "do_sample=False, max_new_tokens=5" in fixed


def test_hf511_pipeline_samples_by_default(project: Path) -> None:
    code = """\
        from transformers import pipeline
        gen = pipeline("text-generation", model="./gpt2")
        a = gen("hello", temperature=0.0, max_new_tokens=2)
        b = gen("hello", temperature=0.0, max_new_tokens=2, do_sample=False)
        c = gen("hello", num_return_sequences=2, max_new_tokens=2, do_sample=False)
        d = gen("hello", num_return_sequences=2, max_new_tokens=2)
        """
    found = _check(code, "HF511", project)
    assert [(f.range.start.line, f.severity) for f in found] == [
        (3, Severity.ERROR),
        (5, Severity.ERROR),
    ]
    from transformers import pipeline

    pipe = pipeline("text-generation", model=str(project / "gpt2"))
    assert "strictly positive float" in _raises(
        lambda: pipe("hi", temperature=0.0, max_new_tokens=2)
    )
    assert _raises(lambda: pipe("hi", temperature=0.0, do_sample=False, max_new_tokens=2)) == ""
    said = _raises(lambda: pipe("hi", num_return_sequences=2, do_sample=False, max_new_tokens=2))
    assert said in found[1].message
    assert _raises(lambda: pipe("hi", num_return_sequences=2, max_new_tokens=2)) == ""


def test_hf511_messages_are_what_transformers_raises(project: Path) -> None:
    code = """\
        from transformers import AutoModelForSeq2SeqLM, GenerationConfig
        model = AutoModelForSeq2SeqLM.from_pretrained("./t5")
        a = model.generate(ids, do_sample=True, num_beams=2, num_return_sequences=3)
        b = model.generate(ids, do_sample=True, temperature=2, max_new_tokens=2)
        c = GenerationConfig(num_return_sequences=3)
        d = model.generate(ids, max_new_tokens=0)
        """
    found = {f.range.start.line: f for f in _check(code, "HF511", project)}
    assert sorted(found) == [3, 4, 5, 6]
    from transformers import GenerationConfig

    model, batch = _model(project, "t5"), _batch(project, "t5")
    runs = {
        3: lambda: model.generate(**batch, do_sample=True, num_beams=2, num_return_sequences=3),
        4: lambda: model.generate(**batch, do_sample=True, temperature=2, max_new_tokens=2),
        5: lambda: GenerationConfig(num_return_sequences=3),
        6: lambda: model.generate(**batch, max_new_tokens=0),
    }
    for line, run in runs.items():
        said = _raises(run)
        assert said and said in found[line].message, (line, said)
    assert "temperature=2.0" in fixed_text(code, found[4])


def test_hf511_near_misses(project: Path) -> None:
    code = """\
        import argparse
        from transformers import AutoModelForCausalLM, GenerationConfig
        model = AutoModelForCausalLM.from_pretrained("./gpt2")
        a = model.generate(ids, num_beams=4, num_return_sequences=4)
        b = model.generate(ids, do_sample=True, temperature=0.5, num_return_sequences=3)
        c = model.generate(ids, do_sample=False, num_return_sequences=2, **beams)
        d = GenerationConfig(temperature=0.0)
        e = model.generate(ids, do_sample=True, temperature=0.5, top_k=None)
        f = pipe(prompt, temperature=0.0)  # not a pipeline of this file
        """
    assert _check(code, "HF511", project) == []


def test_hf511_sampling_decided_elsewhere_is_a_warning(project: Path) -> None:
    """A zero temperature with `do_sample` decided at run time, or by a config object, is
    rejected when sampling and ignored when not: never greedy decoding by itself."""
    code = """\
        from transformers import AutoModelForCausalLM
        model = AutoModelForCausalLM.from_pretrained("./gpt2")
        e = model.generate(ids, do_sample=sample, temperature=0.0)
        f = model.generate(ids, generation_config=cfg, temperature=0.0)
        """
    found = _check(code, "HF511", project)
    assert [(f.range.start.line, f.severity) for f in found] == [
        (3, Severity.WARNING),
        (4, Severity.WARNING),
    ]


def test_hf511_argparse_default_is_one_step_lower(project: Path) -> None:
    code = """\
        import argparse
        from transformers import AutoModelForSeq2SeqLM
        p = argparse.ArgumentParser()
        p.add_argument("--n", type=int, default=30)
        args = p.parse_args()
        model = AutoModelForSeq2SeqLM.from_pretrained("./t5")
        out = model.generate(ids, num_beams=10, num_return_sequences=args.n)
        """
    [finding] = _check(code, "HF511", project)
    assert finding.severity is Severity.WARNING and "Assuming" in finding.message


# ---- HF505 / HF504 / HF506 where the contracts meet them ---------------------------------------
def test_hf505_known_greedy_checkpoint_is_a_warning(project: Path) -> None:
    """Case 319's shape: the checkpoint's generation config is read and does not sample, so the
    varied temperature is ignored: the outputs are the same."""
    code = """\
        from transformers import AutoModelForCausalLM, AutoTokenizer
        tokenizer = AutoTokenizer.from_pretrained("./gpt2")
        model = AutoModelForCausalLM.from_pretrained("./gpt2")
        inputs = tokenizer("The quick brown fox", return_tensors="pt")
        for temperature in (0.1, 1.0):
            out = model.generate(**inputs, max_new_tokens=5, temperature=temperature)
        """
    [finding] = _check(code, "HF505", project)
    # one step less sure: the loop variable could be the default (1.0) throughout
    assert finding.severity is Severity.INFO
    assert "that `temperature` is not the default" in finding.message
    constant = code.replace("temperature=temperature", "temperature=0.1")
    [known] = _check(constant, "HF505", project)
    assert known.severity is Severity.WARNING
    model, batch = _model(project, "gpt2"), _batch(project)
    outs = [model.generate(**batch, max_new_tokens=5, temperature=t).tolist() for t in (0.1, 1.0)]
    assert outs[0] == outs[1]
    unknown = code.replace("./gpt2", "acme/unknown")
    assert _check(unknown, "HF505", project) == []


def test_hf504_pipeline_max_length(project: Path) -> None:
    code = """\
        from transformers import pipeline
        gen = pipeline("text-generation", model="./gpt2")
        out = gen(prompt, max_length=8, do_sample=True)
        pinned = pipeline("text-generation", model="./gpt2", max_length=8)
        same = pinned(prompt, max_new_tokens=4)
        """
    [finding] = _check(code, "HF504", project)
    assert finding.range.start.line == 3 and finding.severity is Severity.WARNING
    assert "gen(prompt, max_new_tokens=8, do_sample=True)" in fixed_text(code, finding)
    from transformers import pipeline

    pipe = pipeline("text-generation", model=str(project / "gpt2"))
    said = _raises(lambda: pipe("hello world " * 10, max_length=8, do_sample=True))
    assert "but `max_length` is set to 8" in said


def test_hf504_a_default_length_still_counts_the_prompt(project: Path) -> None:
    """A length from a command-line default may change; that it counts the prompt does not."""
    code = """\
        import argparse
        from transformers import pipeline
        p = argparse.ArgumentParser()
        p.add_argument("--max_length", type=int, default=100)
        args = p.parse_args()
        gen = pipeline("text-generation", model="./gpt2")
        out = gen(prompt, max_length=args.max_length)
        """
    [finding] = _check(code, "HF504", project)
    assert finding.severity is Severity.WARNING
    assert "whatever its value, it counts the prompt" in finding.message


def test_hf506_config_update_and_misspelled_parameter(project: Path) -> None:
    """Case 322: `num_beans` is written and never read; `num_beams` on the config raises."""
    code = """\
        from transformers import AutoModelForSeq2SeqLM
        model = AutoModelForSeq2SeqLM.from_pretrained("./t5")
        model.config.update({"num_beans": 4})
        model.config.update({"num_beams": 4, "dropout_rate": 0.2})
        model.config.num_beans = 4
        """
    found = _check(code, "HF506", project)
    assert [(f.range.start.line, f.severity) for f in found] == [
        (3, Severity.WARNING),
        (4, Severity.ERROR),
        (5, Severity.WARNING),
    ]
    assert "`num_beams`, a generation parameter, misspelled" in found[0].message
    model, batch = _model(project, "t5"), _batch(project, "t5")
    model.config.update({"num_beans": 4})
    said = _raises(lambda: model.generate(**batch, max_length=5, num_return_sequences=2))
    assert "Greedy methods" in said  # beam search never happened
    model.config.update({"num_beams": 4})
    assert "You have modified the pretrained model configuration" in _raises(
        lambda: model.generate(**batch, max_length=5)
    )
