"""Family E (HF501-HF506) beyond the rules' own examples.

Checkpoint facts come from local folders that transformers and tokenizers wrote themselves
(config.json, tokenizer files, generation_config.json); the analysed file lives in the same
temporary tree, so `"./gpt2"` resolves the way it would at run time. The knowledge the rules
read (generative classes, generation defaults) is compared with the imported transformers, and
the runtime messages the rules quote are reproduced on tiny models.
"""

from __future__ import annotations

import json
import logging
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures_checkpoints import save_tokenizer
from rule_checks import findings, fixed_text

from hflint.analyzers import knowledge_extract as ex
from hflint.analyzers.findings import Severity
from hflint.analyzers.knowledge import load_knowledge

GPT2: dict[str, Any] = {"vocab_size": 80, "n_layer": 1, "n_embd": 16, "n_head": 2}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """gpt2/: GPT-2 config, a generic tokenizer without pad token, no generation_config.json;
    left/: the same with a pad token and padding_side left; sample/: a generation_config.json
    with do_sample and max_length; maxnew/: one with max_new_tokens; nullpad/: pad_token null
    written out; bart/: an encoder-decoder with a padded tokenizer; bert/: a masked LM."""
    from transformers import BartConfig, BertConfig, GenerationConfig, GPT2Config

    root = tmp_path_factory.mktemp("generation")
    for name in ("gpt2", "left", "sample", "maxnew", "nullpad"):
        GPT2Config(architectures=["GPT2LMHeadModel"], **GPT2).save_pretrained(root / name)
    save_tokenizer(root / "gpt2", eos_token="</s>")
    save_tokenizer(root / "left", pad_token="<pad>", eos_token="</s>", padding_side="left")
    save_tokenizer(root / "sample", eos_token="</s>")
    GenerationConfig(do_sample=True, temperature=0.6, top_p=0.9, max_length=64).save_pretrained(
        root / "sample"
    )
    GenerationConfig(max_new_tokens=40).save_pretrained(root / "maxnew")
    save_tokenizer(root / "nullpad", eos_token="</s>")
    tok_config = root / "nullpad" / "tokenizer_config.json"
    data = json.loads(tok_config.read_text())
    data.update(pad_token=None, tokenizer_class="GPT2Tokenizer")
    tok_config.write_text(json.dumps(data))
    BartConfig(
        architectures=["BartForConditionalGeneration"],
        vocab_size=80,
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
    ).save_pretrained(root / "bart")
    save_tokenizer(root / "bart", pad_token="<pad>", eos_token="</s>")
    BertConfig(
        architectures=["BertForMaskedLM"],
        vocab_size=80,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
    ).save_pretrained(root / "bert")
    return root


# ---- knowledge read from the sources ----------------------------------------------------------
SAMPLE_CLASSES = [
    "GPT2Model",
    "GPT2LMHeadModel",
    "GPT2ForSequenceClassification",
    "BertModel",
    "BertForMaskedLM",
    "BertLMHeadModel",
    "BertForQuestionAnswering",
    "T5Model",
    "T5EncoderModel",
    "T5ForConditionalGeneration",
    "BartForConditionalGeneration",
    "BartForCausalLM",
    "WhisperModel",
    "WhisperForConditionalGeneration",
    "LlamaModel",
    "LlamaForCausalLM",
    "LlamaForTokenClassification",
    "Llama4ForConditionalGeneration",
    "CsmForConditionalGeneration",
    "BarkModel",
    "SpeechT5ForTextToSpeech",
    "BlipForQuestionAnswering",
    "LlavaForConditionalGeneration",
    "ElectraForPreTraining",
    "XLMWithLMHeadModel",
]


def test_generative_classes_match_the_imported_classes() -> None:
    import transformers

    kn = load_knowledge()
    for name in SAMPLE_CLASSES:
        cls = getattr(transformers, name)
        assert (name in kn.generative_classes) == hasattr(cls, "generate"), name


def test_generation_defaults_and_fields_match_generation_config() -> None:
    from transformers import GenerationConfig

    kn = load_knowledge()
    assert kn.generation_defaults == GenerationConfig._get_default_generation_params()
    public = {k for k in vars(GenerationConfig()) if not k.startswith("_")}
    assert kn.generation_config_fields <= public
    assert {"max_new_tokens", "temperature", "do_sample", "min_p", "top_h"} <= (
        kn.generation_config_fields
    )
    assert kn.generation_params_on_config_raise is True
    assert "WhisperConfig" in kn.generation_fields_on_configs["suppress_tokens"]
    assert "BartConfig" in kn.generation_fields_on_configs["forced_eos_token_id"]
    assert "temperature" not in kn.generation_fields_on_configs or (
        "GPT2Config" not in kn.generation_fields_on_configs["temperature"]
    )


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def test_generative_classes_before_and_after_4_52(tmp_path: Path) -> None:
    """Up to 4.51 PreTrainedModel inherited GenerationMixin: only can_generate()'s classes
    (own prepare_inputs_for_generation, or GenerationMixin listed) count."""
    model = """\
        class FooPreTrainedModel(PreTrainedModel):
            pass
        class FooModel(FooPreTrainedModel):
            pass
        class FooForCausalLM(FooPreTrainedModel):
            def prepare_inputs_for_generation(self, input_ids):
                return {}
        class FooLMHeadModel(FooPreTrainedModel, GenerationMixin):
            pass
        class FooForSpeech(
            FooPreTrainedModel,
        ):
            def generate(self, x):
                return x
        class FooSubclass(FooLMHeadModel):
            pass
        """
    old = _write(
        tmp_path / "old",
        {
            "modeling_utils.py": "class PreTrainedModel(nn.Module, GenerationMixin):\n    pass\n",
            "models/foo/modeling_foo.py": model,
        },
    )
    new = _write(
        tmp_path / "new",
        {
            "modeling_utils.py": "class PreTrainedModel(nn.Module):\n    pass\n",
            "models/foo/modeling_foo.py": model,
        },
    )
    both = {"FooLMHeadModel", "FooForSpeech", "FooSubclass"}
    assert ex._generative_classes(old) & {*both, "FooModel", "FooForCausalLM"} == {
        *both,
        "FooForCausalLM",
    }
    assert ex._generative_classes(new) & {*both, "FooModel", "FooForCausalLM"} == both


def test_generation_facts_of_a_tree_without_them(tmp_path: Path) -> None:
    facts = ex._generation_facts(tmp_path)
    assert facts["generation_defaults"] == {} and facts["generation_config_fields"] == []
    assert facts["generation_params_on_config_raise"] is False


# ---- HF501 --------------------------------------------------------------------------------------
def test_hf501_local_gpt2_base_model(project: Path) -> None:
    code = """\
        from transformers import AutoModel
        model = AutoModel.from_pretrained("./gpt2")
        out = model.generate(input_ids, max_new_tokens=5)
        """
    [finding] = findings(code, "HF501", project / "gen.py")
    assert finding.severity is Severity.ERROR
    assert "`AutoModel` builds `GPT2Model`" in finding.message
    assert "its config.json in" in finding.message
    assert "AttributeError: 'GPT2Model' object has no attribute 'generate'" in finding.message
    assert (finding.range.start.line, finding.range.start.column) == (3, 12)  # `generate`
    assert "AutoModelForCausalLM.from_pretrained" in fixed_text(code, finding)


def test_hf501_encoder_decoder_base_model_gets_seq2seq(project: Path) -> None:
    code = 'from transformers import AutoModel\nm = AutoModel.from_pretrained("./bart")\nm.generate(x)\n'
    [finding] = findings(code, "HF501", project / "gen.py")
    assert "`BartModel`" in finding.message
    assert "AutoModelForSeq2SeqLM.from_pretrained" in fixed_text(code, finding)


@pytest.mark.parametrize(
    ("load", "fires"),
    [
        ('AutoModelForMaskedLM.from_pretrained("./bart")', False),  # BartForConditionalGeneration
        ('AutoModelForMaskedLM.from_pretrained("./bert")', True),
        ('AutoModelForMaskedLM.from_pretrained("./missing")', False),  # ambiguous, unknown
        ('AutoModelForPreTraining.from_pretrained("./gpt2")', False),  # GPT2LMHeadModel
        ('AutoModelForCausalLM.from_pretrained("./bert")', False),  # BertLMHeadModel: HF102's
        ('AutoModelForTokenClassification.from_pretrained("./missing")', True),
    ],
)
def test_hf501_table_value_decides(project: Path, load: str, fires: bool) -> None:
    code = f"import transformers as t\nm = t.{load}\nm.generate(x)\n"
    assert bool(findings(code, "HF501", project / "gen.py")) is fires


def test_hf501_unknown_automodel_is_a_warning_naming_the_exceptions(project: Path) -> None:
    code = (
        "from transformers import AutoModel\nm = AutoModel.from_pretrained(path)\nm.generate(x)\n"
    )
    [finding] = findings(code, "HF501", project / "gen.py")
    assert finding.severity is Severity.WARNING
    assert "llama4" in finding.message and "csm" in finding.message
    assert finding.fix is None


def test_hf501_from_config_reads_the_config_class() -> None:
    code = """\
        from transformers import AutoModel, GPT2Config
        model = AutoModel.from_config(GPT2Config(n_layer=2))
        model.generate(ids)
        """
    [finding] = findings(code, "HF501")
    assert "`GPT2Model`" in finding.message
    assert "AutoModelForCausalLM.from_config(GPT2Config(n_layer=2))" in fixed_text(code, finding)


def test_hf501_registered_and_remote_code_are_silent(project: Path) -> None:
    for code in (
        "from transformers import AutoModelForSequenceClassification as A\n"
        "A.register(MyConfig, MyGenerator)\nm = A.from_pretrained(p)\nm.generate(x)\n",
        "from transformers import AutoModelForSequenceClassification as A\n"
        "m = A.from_pretrained(p, trust_remote_code=True)\nm.generate(x)\n",
    ):
        assert not findings(code, "HF501", project / "gen.py")


# ---- HF502 --------------------------------------------------------------------------------------
def test_hf502_local_tokenizer_without_pad_token(project: Path) -> None:
    code = """\
        from transformers import AutoTokenizer
        tok = AutoTokenizer.from_pretrained(
            "./gpt2",
        )
        batch = tok(["a", "b c"], padding="longest")
        """
    [finding] = findings(code, "HF502", project / "gen.py")
    assert finding.severity is Severity.ERROR
    assert "its tokenizer files in" in finding.message
    assert "ValueError: Asking to pad but the tokenizer does not have a padding token" in (
        finding.message
    )
    assert finding.range.start.line == 5  # the padding= keyword
    fixed = fixed_text(code, finding)
    assert ")\ntok.pad_token = tok.eos_token\nbatch = tok(" in fixed
    assert not findings(fixed, "HF502", project / "gen.py")


TOKENIZER_IMPORTS = (
    "from transformers import AutoTokenizer, GPT2TokenizerFast, PreTrainedTokenizerFast\n"
)


@pytest.mark.parametrize(
    "load",
    [
        'AutoTokenizer.from_pretrained("./nullpad")',  # pad_token: null written out
        'PreTrainedTokenizerFast.from_pretrained("./gpt2")',  # the generic class itself
    ],
)
def test_hf502_fires(project: Path, load: str) -> None:
    code = f"{TOKENIZER_IMPORTS}tok = {load}\nenc = tok(texts, padding=True)\n"
    assert findings(code, "HF502", project / "gen.py")


@pytest.mark.parametrize(
    "load",
    [
        'AutoTokenizer.from_pretrained("./left")',  # has a pad token
        'AutoTokenizer.from_pretrained("./bart")',
        'AutoTokenizer.from_pretrained("./gpt2", pad_token="</s>")',
        'GPT2TokenizerFast.from_pretrained("./gpt2")',  # another class: its own defaults
        'AutoTokenizer.from_pretrained("./gpt2", **kw)',
        'AutoTokenizer.from_pretrained("./missing")',
    ],
)
def test_hf502_silent(project: Path, load: str) -> None:
    code = f"{TOKENIZER_IMPORTS}tok = {load}\nenc = tok(texts, padding=True)\n"
    assert not findings(code, "HF502", project / "gen.py")


def test_hf502_collator_padding_false_and_overriding_trainer(project: Path) -> None:
    code = """\
        from transformers import AutoTokenizer, DataCollatorWithPadding, Trainer
        tok = AutoTokenizer.from_pretrained("./gpt2")
        c = DataCollatorWithPadding(tok, padding=False)
        class MyTrainer(Trainer):
            def get_train_dataloader(self):
                return my_loader
        trainer = MyTrainer(model=model, args=args, processing_class=tok)
        """
    assert not findings(code, "HF502", project / "gen.py")


# ---- HF503 --------------------------------------------------------------------------------------
GENERATE = """\
    from transformers import {model_class}, AutoTokenizer
    tok = AutoTokenizer.from_pretrained("./{tok}"{tok_args})
    tok.pad_token = tok.eos_token
    model = {model_class}.from_pretrained("./{ckpt}")
    batch = tok(["a", "b c d"], padding=True, return_tensors="pt")
    out = model.generate(**batch, max_new_tokens=5)
    """


def test_hf503_local_right_padding_tokenizer(project: Path) -> None:
    code = GENERATE.format(model_class="AutoModelForCausalLM", tok="gpt2", tok_args="", ckpt="gpt2")
    [finding] = findings(code, "HF503", project / "gen.py")
    assert finding.severity is Severity.WARNING
    assert "pads on the right" in finding.message and "its tokenizer files in" in finding.message
    assert "right-padding was detected" in finding.message
    assert finding.range.start.line == 6  # **batch
    assert finding.fix is not None and finding.fix.is_safe
    fixed = fixed_text(code, finding)
    assert 'return_tensors="pt", padding_side="left")' in fixed
    assert not findings(fixed, "HF503", project / "gen.py")


@pytest.mark.parametrize(
    ("model_class", "tok", "tok_args", "ckpt"),
    [
        ("AutoModelForCausalLM", "left", "", "gpt2"),  # tokenizer files say left
        ("AutoModelForCausalLM", "gpt2", ', padding_side="left"', "gpt2"),
        ("AutoModelForSeq2SeqLM", "bart", "", "bart"),  # encoder-decoder
        ("AutoModelForCausalLM", "missing", "", "gpt2"),  # tokenizer unknown
        ("AutoModelForCausalLM", "gpt2", ", padding_side=side", "gpt2"),
    ],
)
def test_hf503_silent(project: Path, model_class: str, tok: str, tok_args: str, ckpt: str) -> None:
    code = GENERATE.format(model_class=model_class, tok=tok, tok_args=tok_args, ckpt=ckpt)
    assert not findings(code, "HF503", project / "gen.py")


def test_hf503_decoder_only_from_the_checkpoint_config(project: Path) -> None:
    """A class that does not say (`AutoModelForPreTraining`): the config's is_encoder_decoder."""
    code = GENERATE.format(
        model_class="AutoModelForPreTraining", tok="gpt2", tok_args="", ckpt="gpt2"
    )
    [finding] = findings(code, "HF503", project / "gen.py")
    assert "is a decoder-only model" in finding.message


# ---- HF504 --------------------------------------------------------------------------------------
NO_LENGTH = """\
    from transformers import AutoModelForCausalLM, AutoTokenizer
    tok = AutoTokenizer.from_pretrained("./{ckpt}")
    model = AutoModelForCausalLM.from_pretrained("./{ckpt}")
    inputs = tok("Hello", return_tensors="pt")
    out = model.generate(**inputs)
    """


def test_hf504_no_length_and_no_generation_config(project: Path) -> None:
    code = NO_LENGTH.format(ckpt="gpt2")
    [finding] = findings(code, "HF504", project / "gen.py")
    assert finding.severity is Severity.INFO
    assert "`./gpt2` has no generation_config.json" in finding.message
    assert "Using the model-agnostic default `max_length`" in finding.message
    assert fixed_text(code, finding).endswith("model.generate(**inputs, max_new_tokens=20)\n")


@pytest.mark.parametrize("ckpt", ["sample", "maxnew", "missing"])
def test_hf504_length_from_the_generation_config(project: Path, ckpt: str) -> None:
    assert not findings(NO_LENGTH.format(ckpt=ckpt), "HF504", project / "gen.py")


def test_hf504_max_length_on_encoder_decoder_from_config(project: Path) -> None:
    code = """\
        from transformers import AutoModelForPreTraining
        model = AutoModelForPreTraining.from_pretrained("./{ckpt}")
        out = model.generate(input_ids, max_length=30)
        """
    assert not findings(code.format(ckpt="bart"), "HF504", project / "gen.py")
    [finding] = findings(code.format(ckpt="gpt2"), "HF504", project / "gen.py")
    assert "counts the prompt" in finding.message


def test_hf504_unknown_star_kwargs_are_silent() -> None:
    code = """\
        from transformers import AutoModelForCausalLM
        model = AutoModelForCausalLM.from_pretrained("gpt2")
        gen_kwargs = load_settings()
        out = model.generate(input_ids, max_length=30, **gen_kwargs)
        """
    assert not findings(code, "HF504")


# ---- HF505 --------------------------------------------------------------------------------------
SAMPLING = """\
    from transformers import AutoModelForCausalLM
    model = AutoModelForCausalLM.from_pretrained("./{ckpt}")
    out = model.generate(input_ids, max_new_tokens=5, temperature=0.7{extra})
    """


def test_hf505_checkpoint_without_do_sample(project: Path) -> None:
    # the checkpoint's generation config is read and does not sample: the flag is ignored for
    # sure, a warning (the catalogue's gotcha 12: read the file before claiming it)
    [finding] = findings(SAMPLING.format(ckpt="gpt2", extra=""), "HF505", project / "gen.py")
    assert finding.severity is Severity.WARNING
    assert "['temperature']" in finding.message
    assert fixed_text(SAMPLING.format(ckpt="gpt2", extra=""), finding).endswith(
        "temperature=0.7, do_sample=True)\n"
    )


def test_hf505_checkpoint_that_samples(project: Path) -> None:
    assert not findings(SAMPLING.format(ckpt="sample", extra=""), "HF505", project / "gen.py")
    [finding] = findings(
        SAMPLING.format(ckpt="sample", extra=", do_sample=False"), "HF505", project / "gen.py"
    )
    assert finding.severity is Severity.WARNING
    assert fixed_text(SAMPLING.format(ckpt="sample", extra=", do_sample=False"), finding).endswith(
        "max_new_tokens=5, do_sample=False)\n"
    )


def test_hf505_non_constant_flag_is_one_step_less_sure() -> None:
    code = """\
        from transformers import AutoModelForCausalLM
        model = AutoModelForCausalLM.from_pretrained("gpt2")
        out = model.generate(input_ids, do_sample=False, top_p=cfg.top_p)
        """
    [finding] = findings(code, "HF505")
    assert finding.severity is Severity.INFO
    assert "that `cfg.top_p` is not the default" in finding.message


# ---- HF506 --------------------------------------------------------------------------------------
def test_hf506_known_config_class_decides(project: Path) -> None:
    code = """\
        from transformers import AutoModelForSeq2SeqLM
        model = AutoModelForSeq2SeqLM.from_pretrained("{ckpt}")
        model.config.max_length = 64
        """
    [certain] = findings(code.format(ckpt="./bart"), "HF506", project / "gen.py")
    assert certain.severity is Severity.ERROR
    assert "{'max_length': 64}" in certain.message
    # FSMT (a seq2seq type) declares max_length in its config: unknown checkpoint, less sure
    [unsure] = findings(code.format(ckpt="./missing"), "HF506", project / "gen.py")
    assert unsure.severity is Severity.WARNING
    assert "fsmt" in unsure.message


def test_hf506_config_field_of_the_model_type_is_silent(project: Path) -> None:
    code = """\
        from transformers import AutoModelForSeq2SeqLM
        model = AutoModelForSeq2SeqLM.from_pretrained("./bart")
        model.config.forced_eos_token_id = 2
        """
    assert not findings(code, "HF506", project / "gen.py")


def test_hf506_from_pretrained_keyword_names_the_class(project: Path) -> None:
    code = """\
        from transformers import AutoModelForCausalLM
        model = AutoModelForCausalLM.from_pretrained("./gpt2", num_beams=4)  # beams
        """
    [finding] = findings(code, "HF506", project / "gen.py")
    assert (
        "TypeError: GPT2LMHeadModel.__init__() got an unexpected keyword argument 'num_beams'"
        in (finding.message)
    )
    assert fixed_text(code, finding) == (
        "from transformers import AutoModelForCausalLM\n"
        'model = AutoModelForCausalLM.from_pretrained("./gpt2")  # beams\n'
        "model.generation_config.num_beams = 4\n"
    )


def test_hf506_peft_wrapper_config() -> None:
    code = """\
        from peft import get_peft_model
        from transformers import AutoModelForCausalLM
        base = AutoModelForCausalLM.from_pretrained("gpt2")
        model = get_peft_model(base, lora)
        model.config.temperature = 0.2
        """
    [finding] = findings(code, "HF506")
    assert fixed_text(code, finding).endswith("model.generation_config.temperature = 0.2\n")


# ---- the messages quoted are the ones transformers 5.23.0 produces ---------------------------
@pytest.fixture(scope="module")
def tiny(project: Path) -> Iterator[tuple[Any, Any]]:
    pytest.importorskip("torch")
    from transformers import AutoModelForCausalLM, AutoTokenizer, GPT2Config

    tok = AutoTokenizer.from_pretrained(project / "gpt2")
    model = AutoModelForCausalLM.from_config(GPT2Config(bos_token_id=2, eos_token_id=2, **GPT2))
    yield tok, model


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def transformers_log() -> Iterator[_Records]:
    handler = _Records()
    logger = logging.getLogger("transformers")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def test_quoted_messages_are_real(
    tiny: tuple[Any, Any], transformers_log: _Records, recwarn: pytest.WarningsRecorder
) -> None:
    from transformers import AutoModel, GPT2Config

    from hflint.rules.generation_padding import NO_PAD_ERROR, RIGHT_PADDING_WARNING
    from hflint.rules.generation_settings import FLAGS_WARNING, MODEL_CONFIG_ERROR

    tok, model = tiny
    with pytest.raises(ValueError) as no_pad:
        tok(["a", "b c"], padding=True)
    assert f"ValueError: {no_pad.value}" == NO_PAD_ERROR

    tok.pad_token = tok.eos_token
    batch = tok(["hello world", "a tiny corpus of text"], padding=True, return_tensors="pt")
    model.generate(**batch, max_new_tokens=2, do_sample=False, temperature=0.7, top_p=0.9)
    assert RIGHT_PADDING_WARNING in transformers_log.messages
    assert FLAGS_WARNING.format(flags="['temperature', 'top_p']") in transformers_log.messages

    model.generate(**batch)
    assert any(
        "Using the model-agnostic default `max_length`" in str(w.message) for w in recwarn.list
    )

    with pytest.raises(ValueError, match=r"Input length of input_ids is \d+, but `max_length`"):
        model.generate(**batch, max_length=3)

    model.config.num_beams = 4
    with pytest.raises(ValueError) as on_config:
        model.generate(**batch, max_new_tokens=2)
    assert f"ValueError: {on_config.value}" == MODEL_CONFIG_ERROR.format(values={"num_beams": 4})

    headless = AutoModel.from_config(GPT2Config(**GPT2))
    with pytest.raises(AttributeError, match="'GPT2Model' object has no attribute 'generate'"):
        headless.generate(batch["input_ids"])


# ---- HF504 on a pipeline call whose prompt is written out ------------------------------------
def test_hf504_pipeline_with_a_written_out_prompt_is_info() -> None:
    """The course's `generator("In this course, ...", max_length=30)`: the prompt cannot grow,
    so counting it is worth knowing, not a warning; a prompt from a variable still warns."""
    head = 'from transformers import pipeline\ngen = pipeline("text-generation", model="gpt2")\n'
    cases = {
        'gen("In this course, we will teach you how to", max_length=30)\n': "info",
        'gen(["Hello, my dog", "Hi"], max_length=30)\n': "info",
        "gen(prompt, max_length=30)\n": "warning",
    }
    for line, severity in cases.items():
        found = findings(head + line, "HF504")
        assert [f.severity.value for f in found] == [severity], line
    [short] = findings(head + 'gen("Hi there", max_length=30)\n', "HF504")
    assert "cannot reach that" in short.message
