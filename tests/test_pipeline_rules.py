"""Family G (HF701-HF706) beyond the rules' own examples.

Checkpoint facts come from local folders whose config.json transformers itself wrote; the
analysed file lives in the same temporary project, so `"./gpt2"` resolves the way it would at
run time. A few tests run transformers itself, to hold the quoted messages and the code the
HF702 fix writes to what transformers 5 really does.
"""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path
from typing import Any

import pytest
from fixtures_checkpoints import save_tokenizer
from rule_checks import findings, fixed_text

from hflint.analyzers.findings import Severity
from hflint.analyzers.knowledge import Knowledge, TaskInfo, load_knowledge
from hflint.analyzers.target_version import Target
from hflint.rules.context import RuleContext

BERT: dict[str, Any] = {
    "vocab_size": 99,
    "hidden_size": 32,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "intermediate_size": 37,
}
BART: dict[str, Any] = {
    "vocab_size": 80,
    "d_model": 16,
    "encoder_layers": 1,
    "decoder_layers": 1,
    "encoder_attention_heads": 2,
    "decoder_attention_heads": 2,
    "encoder_ffn_dim": 16,
    "decoder_ffn_dim": 16,
    "pad_token_id": 1,
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Configs written by transformers: gpt2/, bert/ (masked LM), clf/ (sequence classifier),
    bart/ (encoder-decoder), t5/, custom/ (a config with custom_pipelines), remote/ (auto_map);
    plugins.py registers a pipeline task for the whole project."""
    from transformers import BartConfig, BertConfig, GPT2Config, T5Config

    root = tmp_path_factory.mktemp("project")
    (root / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    GPT2Config(
        architectures=["GPT2LMHeadModel"], vocab_size=80, n_layer=1, n_embd=16, n_head=2
    ).save_pretrained(root / "gpt2")
    BertConfig(architectures=["BertForMaskedLM"], **BERT).save_pretrained(root / "bert")
    BertConfig(architectures=["BertForSequenceClassification"], **BERT).save_pretrained(
        root / "clf"
    )
    BartConfig(architectures=["BartForConditionalGeneration"], **BART).save_pretrained(
        root / "bart"
    )
    T5Config(
        architectures=["T5ForConditionalGeneration"],
        vocab_size=80,
        d_model=16,
        d_kv=8,
        d_ff=32,
        num_layers=1,
        num_heads=2,
    ).save_pretrained(root / "t5")
    BertConfig(
        architectures=["BertForSequenceClassification"],
        custom_pipelines={"pair-classification": {"impl": "pair.PairPipeline", "pt": []}},
        **BERT,
    ).save_pretrained(root / "custom")
    remote = BertConfig(architectures=["BertForMaskedLM"], **BERT)
    remote.auto_map = {"AutoModelForCausalLM": "modeling.MyLM"}
    remote.save_pretrained(root / "remote")
    (root / "plugins.py").write_text(
        "from transformers.pipelines import PIPELINE_REGISTRY\n"
        "from .pipes import DocPipeline\n"
        'PIPELINE_REGISTRY.register_pipeline(task="doc-classification", '
        "pipeline_class=DocPipeline)\n"
    )
    return root


def fake_release(monkeypatch: pytest.MonkeyPatch, knowledge: Knowledge, version: str) -> None:
    """Make the rules speak for another transformers release (as a project pin would)."""
    monkeypatch.setattr(RuleContext, "target_knowledge", property(lambda self: knowledge))
    target = Target(version, "pin in requirements.txt")
    monkeypatch.setattr(RuleContext, "target", property(lambda self: target))


def release_4x() -> Knowledge:
    """The pipeline facts of transformers 4.57 (as read from its sources): the seq2seq tasks
    exist, nothing is removed or redirected, and `framework` is a parameter."""
    kn = load_knowledge()
    summarization = TaskInfo(
        "summarization",
        ("AutoModelForSeq2SeqLM",),
        "sshleifer/distilbart-cnn-12-6",
        "a4f8f3e",
        "text",
        "SummarizationPipeline",
    )
    return dataclasses.replace(
        kn,
        version="4.57.1",
        tasks={**kn.tasks, "summarization": summarization},
        removed_tasks={},
        task_redirects={},
        pipeline_params=kn.pipeline_params | {"framework"},
    )


# ---- messages quoted from transformers ---------------------------------------------------------
def test_quoted_key_errors_are_what_transformers_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    """No model: pipeline() rejects the task before any download."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from transformers import pipeline

    for task, rule in (("sentiment-analysiss", "HF701"), ("translation_en_to_fr", "HF702")):
        [finding] = findings(f'from transformers import pipeline\np = pipeline("{task}")\n', rule)
        with pytest.raises(KeyError) as raised:
            pipeline(task)
        said = str(raised.value.args[0])
        quoted = finding.message.split("raises KeyError: ", 1)[1]
        quoted = quoted.split(" Did you mean")[0].split(" To keep")[0].strip('"')
        quoted = quoted.split(", available tasks are")[0]
        assert said.startswith(quoted), (said, quoted)


def test_hf702_rewrite_runs_and_returns_the_old_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The code the fix writes loads the checkpoint and summarises with transformers 5."""
    from transformers import AutoModelForSeq2SeqLM, BartConfig

    AutoModelForSeq2SeqLM.from_config(BartConfig(**BART)).save_pretrained(tmp_path / "bart")
    save_tokenizer(tmp_path / "bart", pad_token="<pad>", eos_token="</s>")
    code = """\
        from transformers import pipeline
        def run(texts):
            summarizer = pipeline("summarization", model="./bart", device="cpu")
            return summarizer(texts, max_new_tokens=3)
        """
    [finding] = findings(code, "HF702", tmp_path / "app.py")
    assert finding.fix is not None and not finding.fix.is_safe
    out = fixed_text(code, finding)
    assert (
        '    summarizer_model = AutoModelForSeq2SeqLM.from_pretrained("./bart").to("cpu")\n' in out
    )
    assert "    def summarizer(texts, **generate_kwargs):\n" in out
    assert not findings(out, "HF702", tmp_path / "app.py")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {}
    exec(compile(out, "app.py", "exec"), namespace)
    records = namespace["run"](["hello world", "a tiny corpus of text"])
    assert [list(r) for r in records] == [["summary_text"], ["summary_text"]]
    assert all(isinstance(r["summary_text"], str) for r in records)


# ---- HF701 ---------------------------------------------------------------------------------------
def test_hf701_custom_task_of_the_checkpoint_is_accepted(project: Path) -> None:
    code = (
        'from transformers import pipeline\np = pipeline("pair-classification", model="./custom")\n'
    )
    assert not findings(code, "HF701", project / "app.py")
    other = (
        'from transformers import pipeline\np = pipeline("pair-classification", model="./clf")\n'
    )
    [finding] = findings(other, "HF701", project / "app.py")
    assert finding.severity is Severity.ERROR


def test_hf701_task_registered_elsewhere_in_the_project(project: Path) -> None:
    code = 'from transformers import pipeline\np = pipeline("doc-classification")\n'
    assert not findings(code, "HF701", project / "app.py")
    assert not findings(code, "HF706", project / "app.py")
    assert findings(code, "HF701", None)  # the same file outside the project


def test_hf701_unknown_checkpoint_without_remote_code_still_fails() -> None:
    code = 'from transformers import pipeline\np = pipeline("my-task", model="acme/unknown")\n'
    [finding] = findings(code, "HF701", None)
    assert finding.fix is None  # nothing close enough to suggest
    assert "get_supported_tasks()" in finding.message
    with_class = code.replace('")', '", pipeline_class=MyPipeline)')
    assert not findings(with_class, "HF701", None)


# ---- HF702 ---------------------------------------------------------------------------------------
@pytest.mark.locked_transformers
def test_hf702_follows_the_target_version(monkeypatch: pytest.MonkeyPatch) -> None:
    code = 'from transformers import pipeline\ns = pipeline("summarization", framework="pt")\n'
    [finding] = findings(code, "HF702")
    assert "transformers 5.23.0 (installed)" in finding.message
    fake_release(monkeypatch, release_4x(), "4.57.1")
    assert not findings(code, "HF702")
    assert not findings(code, "HF704")  # framework= is a parameter of 4.x pipeline()
    [default] = findings(code, "HF706")
    assert "transformers 4.57.1 (pin in requirements.txt)" in default.message
    assert "sshleifer/distilbart-cnn-12-6" in default.message


def test_project_pinned_to_transformers_4(tmp_path: Path) -> None:
    """A pin in requirements.txt makes the rules read the 4.x snapshot's pipeline facts."""
    snapshots = pytest.importorskip("hflint.analyzers.snapshots")
    if "4.57.6" not in snapshots.bundled_versions():
        pytest.skip("no bundled 4.57 snapshot")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    (tmp_path / "requirements.txt").write_text("transformers==4.57.6\n")
    code = """\
        from transformers import pipeline
        s = pipeline("summarization", framework="pt", use_auth_token=TOKEN)
        t = pipeline("translation_en_to_fr", model="t5-small")
        c = pipeline("image-to-text", model="Salesforce/blip-image-captioning-base")
        """
    app = tmp_path / "app.py"
    for rule in ("HF701", "HF702"):
        assert not findings(code, rule, app)
    [auth] = findings(code, "HF704", app)  # 4.57 did not accept it either (only in model_kwargs)
    assert "use_auth_token" in auth.message and "transformers 4.57.6 (pin" in auth.message
    [default] = findings(code, "HF706", app)
    assert "sshleifer/distilbart-cnn-12-6" in default.message


def test_hf702_rewrite_keeps_a_loaded_tokenizer_and_the_load_keywords() -> None:
    code = """\
        import transformers as tf
        tok = tf.AutoTokenizer.from_pretrained("t5-small")
        translate = tf.pipeline("translation_en_to_de", model="t5-small", tokenizer=tok, revision="main")
        """
    [finding] = findings(code, "HF702")
    out = fixed_text(code, finding)
    assert "translate_tokenizer = tok\n" in out
    assert (
        'translate_model = tf.AutoModelForSeq2SeqLM.from_pretrained("t5-small", revision="main")'
        in out
    )
    assert '[{"translation_text": text} for text in decoded]' in out
    assert "from transformers import" not in out  # spelled through the existing alias


@pytest.mark.parametrize(
    "call",
    [
        'pipe = pipeline("summarization")',  # no model: nothing to load instead
        'pipe = pipeline("summarization", model=m, max_length=60)',  # an unknown keyword
        'pipes["s"] = pipeline("summarization", model="t5-small")',  # not a plain name
        'pipe = pipeline("summarization", model="t5-small", device=-1)',  # -1 is not a device
        'run(pipeline("summarization", model="t5-small"))',
    ],
)
def test_hf702_reports_without_a_rewrite_when_it_cannot_keep_the_code(call: str) -> None:
    [finding] = findings(f"from transformers import pipeline\n{call}\n", "HF702")
    assert finding.fix is None


# ---- HF703 ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("task", "folder", "says"),
    [
        ("fill-mask", "./gpt2", "falls back to the checkpoint's own `GPT2LMHeadModel`"),
        ("text-generation", "./bert", "builds `BertLMHeadModel`"),
        ("text-generation", "./bart", "builds `BartForCausalLM`, the decoder alone"),
        ("text-generation", "./t5", "no `text-generation` model exists for this encoder-decoder"),
        ("token-classification", "./clf", "builds `BertForTokenClassification` but the checkpoint"),
        ("text-classification", "./gpt2", "builds `GPT2ForSequenceClassification` but"),
    ],
)
def test_hf703_local_checkpoints(project: Path, task: str, folder: str, says: str) -> None:
    code = f'from transformers import pipeline\np = pipeline("{task}", model="{folder}")\n'
    [finding] = findings(code, "HF703", project / "app.py")
    assert says in finding.message
    assert "its config.json in" in finding.message
    assert finding.severity is Severity.WARNING
    assert (finding.range.start.line, finding.range.start.column) == (2, 13)  # the task string
    assert [r.message for r in finding.related] == ["checkpoint given here"]


@pytest.mark.parametrize(
    ("task", "folder"),
    [
        ("text-generation", "./gpt2"),
        ("fill-mask", "./bert"),
        ("text-classification", "./clf"),
        ("zero-shot-classification", "./clf"),
        ("feature-extraction", "./gpt2"),
        ("text-generation", "./remote"),  # auto_map: remote code decides
        ("text-generation", "./missing"),  # unknown checkpoint
    ],
)
def test_hf703_silent(project: Path, task: str, folder: str) -> None:
    code = f'from transformers import pipeline\np = pipeline("{task}", model="{folder}")\n'
    assert not findings(code, "HF703", project / "app.py")


def test_hf703_argparse_default_lowers_severity_and_drops_the_fix(project: Path) -> None:
    code = """\
        import argparse
        from transformers import pipeline
        parser = argparse.ArgumentParser()
        parser.add_argument("--model", default="./bert")
        args = parser.parse_args()
        gen = pipeline("text-generation", model=args.model)
        """
    [finding] = findings(code, "HF703", project / "app.py")
    assert finding.severity is Severity.INFO
    assert "assuming argparse default of `--model`" in finding.message
    assert finding.fix is None


def test_hf703_loaded_model_uses_its_own_checkpoint(project: Path) -> None:
    code = """\
        from transformers import AutoModelForCausalLM, AutoModelForMaskedLM, pipeline
        lm = AutoModelForMaskedLM.from_pretrained("./bert")
        gen = pipeline("text-generation", model=lm, tokenizer=tok)
        fill = pipeline("fill-mask", model=lm, tokenizer=tok)
        other = AutoModelForCausalLM.from_pretrained(path)
        fill2 = pipeline("fill-mask", model=other, tokenizer=tok)
        """
    [finding] = findings(code, "HF703", project / "app.py")
    assert finding.range.start.line == 3
    assert "`AutoModelForMaskedLM` builds `BertForMaskedLM`" in finding.message
    assert 'gen = pipeline("fill-mask", model=lm' in fixed_text(code, finding)


def test_hf703_peft_wrapper_is_judged_by_its_base(project: Path) -> None:
    code = """\
        from peft import get_peft_model
        from transformers import AutoModelForCausalLM, pipeline
        base = AutoModelForCausalLM.from_pretrained("./gpt2")
        model = get_peft_model(base, lora_config)
        gen = pipeline("text-generation", model=model, tokenizer=tok)
        clf = pipeline("token-classification", model=model, tokenizer=tok)
        """
    [finding] = findings(code, "HF703", project / "app.py")
    assert finding.range.start.line == 6
    assert "`GPT2LMHeadModel`" in finding.message


# ---- HF704-HF706 ---------------------------------------------------------------------------------
def test_hf704_removal_keeps_the_layout_of_a_multiline_call() -> None:
    code = """\
        from transformers import pipeline
        def build():
            return pipeline(
                "text-classification",
                framework="pt",
                model="distilbert-base-uncased-finetuned-sst-2-english",
            )
        """
    [finding] = findings(code, "HF704")
    assert finding.fix is not None and finding.fix.is_safe
    assert fixed_text(code, finding) == textwrap.dedent(
        """\
        from transformers import pipeline
        def build():
            return pipeline(
                "text-classification",
                model="distilbert-base-uncased-finetuned-sst-2-english",
            )
        """
    )


def test_hf705_model_loaded_with_a_map_through_a_peft_wrapper() -> None:
    code = """\
        from peft import PeftModel
        from transformers import AutoModelForCausalLM, pipeline
        base = AutoModelForCausalLM.from_pretrained("gpt2", device_map="auto")
        model = PeftModel.from_pretrained(base, "acme/lora")
        gen = pipeline("text-generation", model=model, tokenizer=tok, device=0)
        """
    [finding] = findings(code, "HF705")
    assert finding.range.start.line == 5
    assert [r.range.start.line for r in finding.related] == [3]
    assert finding.fix is not None and not finding.fix.is_safe


def test_hf706_overridable_task_is_lowered_without_a_fix() -> None:
    code = """\
        import argparse
        from transformers import pipeline
        parser = argparse.ArgumentParser()
        parser.add_argument("--task", default="text-generation")
        args = parser.parse_args()
        gen = pipeline(args.task)
        """
    [finding] = findings(code, "HF706")
    assert finding.severity is Severity.INFO
    assert finding.fix is None
    assert "HuggingFaceTB/SmolLM3-3B" in finding.message


def test_hf706_pins_what_transformers_picks() -> None:
    """The fix writes the model and revision transformers itself reports as its default."""
    from transformers.pipelines import SUPPORTED_TASKS, get_default_model_and_revision

    code = 'from transformers import pipeline\nfill = pipeline("fill-mask")\n'
    [finding] = findings(code, "HF706")
    model, revision = get_default_model_and_revision(SUPPORTED_TASKS["fill-mask"], None)
    assert f'model="{model}", revision="{revision}"' in fixed_text(code, finding)
    assert f"No model was supplied, defaulted to {model} and revision {revision}." in (
        finding.message
    )


def test_knowledge_reads_pipeline_parameters() -> None:
    params = load_knowledge().pipeline_params
    assert {"task", "model", "token", "device", "device_map", "torch_dtype"} <= params
    assert not {"framework", "use_auth_token"} & params


def test_registered_tasks_come_from_real_calls_only() -> None:
    from hflint.analyzers.registrations import scan_pipeline_tasks

    real = 'PIPELINE_REGISTRY.register_pipeline("pair-classification", pipeline_class=P)\n'
    keyword = 'registry.register_pipeline(task="doc-qa", pipeline_class=P)\n'
    quoted = 'HELP = "PIPELINE_REGISTRY.register_pipeline(\\"x\\", pipeline_class=P)"\n'
    assert scan_pipeline_tasks(real + keyword + quoted) == {"pair-classification", "doc-qa"}
