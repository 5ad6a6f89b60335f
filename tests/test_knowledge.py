"""Knowledge read from transformers sources, checked against the real imported package.

The installed 5.x is compared with what `import transformers` reports (in a subprocess, as
the extractor itself must never import it), and the 4.57.6 wheel is read for 4.x facts.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from hflint.analyzers import knowledge_extract as ex
from hflint.analyzers.knowledge import (
    UNKNOWN,
    Knowledge,
    cache_path,
    load_knowledge,
    load_knowledge_from,
)

SEQ2SEQ_ONLY = {
    "generation_config",
    "generation_max_length",
    "generation_num_beams",
    "predict_with_generate",
    "sortish_sampler",
}
RESOLVE_TYPES = ["bert", "gpt2", "gpt-sw3", "bart", "t5", "llava", "funnel", "deit", "clip"]
RESOLVE_TYPES += ["mlcd_vision_model", "EvollaModel"]  # config classes shared by two types
LAZY_SAMPLE = ["BertTokenizerFast", "ViTImageProcessorFast", "ElectraTokenizer", "Phi3Tokenizer"]

# Runs with the real transformers (and torch) in a fresh interpreter; prints JSON facts.
REAL_FACTS = """
import dataclasses, inspect, json, sys
import transformers
pristine = [n for n in dir(transformers) if not n.startswith("_") and "." not in n]
from transformers.models.auto import configuration_auto as ca
import transformers.models.auto.modeling_auto as ma
import transformers.pipelines as pl
autos = {n: getattr(ma, n) for n in ma.__all__ if isinstance(getattr(ma, n), type)}
autos = {n: a for n, a in autos.items() if getattr(a, "_model_mapping", None) is not None}
def names(value):
    return [c.__name__ for c in value] if isinstance(value, tuple) else value.__name__
resolved = {}
for mt in sys.argv[1].split(","):
    for auto_name, auto in autos.items():
        try:
            resolved[f"{mt}|{auto_name}"] = names(auto._model_mapping[ca.CONFIG_MAPPING[mt]])
        except KeyError:
            resolved[f"{mt}|{auto_name}"] = None
lazy = {}
for name in sys.argv[2].split(","):
    try:
        getattr(transformers, name)
        lazy[name] = True
    except (AttributeError, ImportError):  # False, or the backends this environment lacks
        lazy[name] = transformers._object_missing_backend.get(name.removesuffix("Fast")) or False
print(json.dumps({
    "version": transformers.__version__,
    "dir": pristine,
    "dir_after": [n for n in dir(transformers) if not n.startswith("_") and "." not in n],
    "all": [n for n in transformers.__all__ if "." not in n],
    "config": list(ca.CONFIG_MAPPING_NAMES.items()),
    "tables": {n: {k: list(v) if isinstance(v, tuple) else v
                   for k, v in a._model_mapping._model_mapping.items()} for n, a in autos.items()},
    "resolved": resolved,
    "lazy": lazy,
    "tasks": {t: [c.__name__ for c in i["pt"]] for t, i in pl.SUPPORTED_TASKS.items()},
    "aliases": pl.TASK_ALIASES,
    "removed": pl.REMOVED_TASKS,
    "args": [f.name for f in dataclasses.fields(transformers.TrainingArguments) if f.init],
    "s2s": [f.name for f in dataclasses.fields(transformers.Seq2SeqTrainingArguments) if f.init],
    "trainer": [p for p in inspect.signature(transformers.Trainer.__init__).parameters if p != "self"],
}))
"""


@pytest.fixture(scope="session")
def pkg5() -> Path:
    pkg = ex.find_transformers()
    assert pkg is not None
    return pkg


@pytest.fixture(scope="session")
def k5(pkg5: Path) -> Knowledge:
    return Knowledge.from_json(ex.extract(pkg5))


@pytest.fixture(scope="session")
def real5(k5: Knowledge) -> dict[str, Any]:
    args = [",".join(RESOLVE_TYPES), ",".join(sorted(k5.lazy_aliases))]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error"}
    run = subprocess.run(
        [sys.executable, "-c", REAL_FACTS, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    facts: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return facts


@pytest.fixture(scope="session")
def pkg4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """transformers 4.57.6 sources, from the wheel (downloaded once, torch not needed)."""
    wheels = Path(os.environ.get("HFLINT_TEST_WHEELS", Path(sys.prefix) / "test-wheels"))
    wheel = wheels / "transformers-4.57.6-py3-none-any.whl"
    if not wheel.exists():
        cmd = [sys.executable, "-m", "pip", "download", "transformers==4.57.6", "--no-deps", "-d"]
        run = subprocess.run([*cmd, str(wheels)], capture_output=True, text=True, timeout=600)
        if run.returncode != 0 or not wheel.exists():
            pytest.skip(f"cannot download transformers 4.57.6: {run.stderr[-300:]}")
    target = tmp_path_factory.mktemp("transformers-4.57.6")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target / "transformers"


@pytest.fixture(scope="session")
def k4(pkg4: Path) -> Knowledge:
    return Knowledge.from_json(ex.extract(pkg4))


# ------------------------------------------------------------------ extraction imports nothing


def test_extraction_imports_neither_transformers_nor_torch() -> None:
    code = (
        "import sys\n"
        "from hflint.analyzers.knowledge_extract import extract, find_transformers\n"
        "data = extract(find_transformers())\n"
        "print(len(data['auto_tables']), 'transformers' in sys.modules, 'torch' in sys.modules)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["50", "False", "False"]


# ------------------------------------------------------------------ 5.x: Auto tables and resolve


@pytest.mark.locked_transformers
def test_resolve_mirrors_lazy_auto_mapping(k5: Knowledge) -> None:
    assert k5.version == "5.23.0"
    assert k5.resolve("bert", "AutoModelForSeq2SeqLM") is None
    assert k5.resolve("bart", "AutoModelForCausalLM") == "BartForCausalLM"
    assert k5.config_mapping["gpt-sw3"] == "GPT2Config"
    assert k5.resolve("gpt-sw3", "AutoModelForCausalLM") == "GPT2LMHeadModel"
    assert "gpt-sw3" not in k5.auto_tables["AutoModelForQuestionAnswering"]
    assert k5.resolve("gpt-sw3", "AutoModelForQuestionAnswering") == "GPT2ForQuestionAnswering"
    assert k5.auto_tables["AutoModel"]["funnel"] == ("FunnelModel", "FunnelBaseModel")
    assert k5.resolve("funnel", "AutoModel") == "FunnelModel"
    assert k5.resolve("funnel", "AutoModel", ("Other", "FunnelBaseModel")) == "FunnelBaseModel"
    assert k5.resolve("my_custom_type", "AutoModel") == UNKNOWN
    assert k5.resolve("bert", "AutoModelForNonsense") == UNKNOWN


def test_resolve_matches_real_transformers(k5: Knowledge, real5: dict[str, Any]) -> None:
    for key, real in real5["resolved"].items():
        model_type, auto = key.split("|")
        archs = tuple(real) if isinstance(real, list) else ()
        expected = real[0] if isinstance(real, list) else real
        assert k5.resolve(model_type, auto) == expected, key
        assert k5.resolve(model_type, auto, archs[-1:]) == (archs[-1] if archs else expected)


@pytest.mark.locked_transformers
def test_the_locked_release_has_804_model_types(k5: Knowledge) -> None:
    assert len(k5.config_mapping) == 804


def test_config_mapping_and_tables_equal_real(k5: Knowledge, real5: dict[str, Any]) -> None:
    assert list(k5.config_mapping.items()) == [tuple(p) for p in real5["config"]]
    assert next(iter(k5.config_mapping)) == "gpt-sw3"  # prepended by configuration_auto
    assert k5.config_mapping["mimi_decoder"] == "MimiDecoderConfig"  # its .update()
    real_tables = {
        auto: {t: tuple(v) if isinstance(v, list) else v for t, v in table.items()}
        for auto, table in real5["tables"].items()
    }
    assert k5.auto_tables == real_tables
    multimodal = k5.auto_tables["AutoModelForMultimodalLM"]  # built with a *list(...items()) splat
    assert k5.auto_tables["AutoModelForImageTextToText"].items() <= multimodal.items()


def test_auto_classes(k5: Knowledge, real5: dict[str, Any]) -> None:
    assert len(k5.auto_tables) == 50
    assert "AutoBackbone" in k5.auto_tables
    assert set(k5.auto_tables) == set(real5["tables"])
    others = {"AutoConfig", "AutoTokenizer", "AutoProcessor", "AutoImageProcessor"}
    assert others | {"AutoFeatureExtractor", "AutoVideoProcessor"} <= k5.auto_classes
    assert k5.auto_classes <= k5.exported_names
    assert "AutoRoundConfig" in k5.exported_names and "AutoRoundConfig" not in k5.auto_classes
    for removed in ("AutoModelForVision2Seq", "AutoModelWithLMHead", "TFAutoModel"):
        assert removed not in k5.auto_classes and not k5.has_name(removed)
    assert not k5.deprecated_auto_classes


def test_accepting_auto_classes(k5: Knowledge, real5: dict[str, Any]) -> None:
    accepted = k5.accepting_auto_classes("bert")
    assert "AutoModelForMaskedLM" in accepted and "AutoModelForSeq2SeqLM" not in accepted
    for model_type in RESOLVE_TYPES:
        real = {
            key.split("|")[1]
            for key, value in real5["resolved"].items()
            if key.startswith(f"{model_type}|") and value is not None
        }
        assert set(k5.accepting_auto_classes(model_type)) == real, model_type
    assert k5.accepting_auto_classes("my_custom_type") == []


def test_model_classes_and_heads(k5: Knowledge) -> None:
    assert k5.model_class_types["GPT2LMHeadModel"] == "gpt2"
    assert k5.model_class_types["FunnelBaseModel"] == "funnel"
    assert k5.head_of("BertForMaskedLM") == "AutoModelForMaskedLM"
    assert k5.head_of("BertForSequenceClassification") == "AutoModelForSequenceClassification"
    assert k5.head_of("BertModel") == "AutoModel"  # also in AutoModelForTextEncoding
    assert k5.head_of("BertForPreTraining") == "AutoModelForPreTraining"
    assert k5.head_of("CLIPModel") == "AutoModelForZeroShotImageClassification"
    assert k5.head_of("LlavaForConditionalGeneration") == "AutoModelForImageTextToText"
    assert k5.head_of("ResNetBackbone") == "AutoBackbone"
    assert k5.head_of("NotAModel") is None


# ------------------------------------------------------------------ 5.x: exported names


def test_exported_names_cover_the_real_package(k5: Knowledge, real5: dict[str, Any]) -> None:
    real = set(real5["dir"]) | set(real5["all"])
    assert real <= k5.exported_names, sorted(real - k5.exported_names)[:20]
    # after imports: submodules set as attributes and the lazily served aliases
    assert all(k5.has_name(n) for n in real5["dir_after"])
    assert {"conversion_mapping", "modeling_utils", "trainer"} <= k5.exported_names
    # extras are only names listed for backends missing here (Pillow, torchvision)
    assert len(k5.exported_names - real) < 40
    assert {"pipeline", "Trainer", "BertModel", "AutoModel", "pipelines", "models"} <= real


def test_lazy_aliases_are_served(k5: Knowledge, real5: dict[str, Any]) -> None:
    assert all(real5["lazy"].values()), [n for n, ok in real5["lazy"].items() if not ok]
    missing_backend = {n for n, ok in real5["lazy"].items() if ok is not True}
    assert len(missing_backend) < 10, missing_backend  # e.g. sentencepiece tokenizers
    assert set(real5["lazy"]) == k5.lazy_aliases
    for name in LAZY_SAMPLE:  # `XFast` fallbacks and SLOW_TO_FAST_CONVERTERS aliases
        assert name not in k5.exported_names and k5.has_name(name)
    assert not k5.has_name("BertTokenizerFastest")
    assert not k5.has_name("TFBertModel")


# ------------------------------------------------------------------ 5.x: pipelines, Trainer


def test_pipeline_tasks(k5: Knowledge, real5: dict[str, Any]) -> None:
    assert {t: list(i.auto_classes) for t, i in k5.tasks.items()} == real5["tasks"]
    assert len(k5.tasks) == 25
    assert k5.task_aliases == real5["aliases"]
    assert k5.removed_tasks == real5["removed"]
    assert "summarization" in k5.removed_tasks and "summarization" not in k5.tasks
    assert k5.task_redirects == {"image-to-text": "image-text-to-text"}
    assert k5.task_prefixes == {"translation_": "translation"}
    asr = k5.tasks["automatic-speech-recognition"]
    assert asr.auto_classes == ("AutoModelForCTC", "AutoModelForTDT", "AutoModelForSpeechSeq2Seq")
    assert (asr.default_model, asr.default_revision) == ("facebook/wav2vec2-base-960h", "22aad52")
    assert asr.type == "multimodal" and asr.impl == "AutomaticSpeechRecognitionPipeline"
    assert (
        k5.tasks["any-to-any"].default_model == "google/gemma-3n-E4B-it"
    )  # {"model": {"pt": ...}}


def test_training_arguments_and_trainer(k5: Knowledge, real5: dict[str, Any]) -> None:
    assert k5.training_args_fields == set(real5["args"])
    assert k5.seq2seq_training_args_fields == set(real5["s2s"])
    assert k5.trainer_init_params == set(real5["trainer"])
    assert "evaluation_strategy" not in k5.training_args_fields
    assert "predict_with_generate" not in k5.training_args_fields
    assert "eval_strategy" in k5.training_args_fields
    assert k5.seq2seq_training_args_fields - k5.training_args_fields == SEQ2SEQ_ONLY
    assert "processing_class" in k5.trainer_init_params
    assert "tokenizer" not in k5.trainer_init_params and not k5.trainer_renamed_kwargs


# ------------------------------------------------------------------ 4.57.6 sources


def test_v4_has_no_generated_config_mapping(pkg4: Path, k4: Knowledge) -> None:
    assert not (pkg4 / "models" / "auto" / "auto_mappings.py").exists()
    tree = ast.parse((pkg4 / "models" / "auto" / "configuration_auto.py").read_text("utf-8"))
    literal = next(
        node.value.args[0]
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id == "CONFIG_MAPPING_NAMES"
        and isinstance(node.value, ast.Call)
    )
    assert list(k4.config_mapping.items()) == ast.literal_eval(literal)
    assert k4.version == "4.57.6"
    assert k4.resolve("gpt-sw3", "AutoModelForCausalLM") == "GPT2LMHeadModel"


def test_v4_tables_follow_the_literal_names(pkg4: Path, k4: Knowledge) -> None:
    tree = ast.parse((pkg4 / "models" / "auto" / "modeling_auto.py").read_text("utf-8"))
    literals = {
        node.targets[0].id: ast.literal_eval(node.value.args[0])
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id.endswith("_NAMES")
        and isinstance(node.value, ast.Call)
        and node.value.args
        and isinstance(node.value.args[0], ast.List)
    }
    causal = dict(literals["MODEL_FOR_CAUSAL_LM_MAPPING_NAMES"])
    assert k4.auto_tables["AutoModelForCausalLM"] == causal
    assert k4.auto_tables["AutoModelWithLMHead"] == dict(
        literals["MODEL_WITH_LM_HEAD_MAPPING_NAMES"]
    )


def test_v4_deprecated_and_framework_auto_classes(k4: Knowledge) -> None:
    for name in ("AutoModelForVision2Seq", "AutoModelWithLMHead"):
        assert name in k4.auto_tables and name in k4.auto_classes and k4.has_name(name)
    assert {"AutoModelForVision2Seq", "AutoModelWithLMHead"} <= k4.deprecated_auto_classes
    assert k4.resolve("llava", "AutoModelForVision2Seq") == "LlavaForConditionalGeneration"
    assert k4.head_of("LlavaForConditionalGeneration") == "AutoModelForImageTextToText"
    assert k4.resolve("bert", "AutoModelWithLMHead") == "BertForMaskedLM"
    assert k4.resolve("bert", "TFAutoModelForMaskedLM") == "TFBertForMaskedLM"
    assert {"TFAutoModel", "FlaxAutoModel", "AutoBackbone"} <= k4.auto_classes


def test_v4_exported_names(k4: Knowledge) -> None:
    for name in ("BertTokenizerFast", "TFBertModel", "FlaxBertModel", "pipeline", "Trainer"):
        assert k4.has_name(name), name
    assert "BertModel" in k4.exported_names and "models" in k4.exported_names
    assert not k4.lazy_aliases  # 4.x has no `XFast` fallback in _LazyModule


def test_v4_pipeline_tasks(k4: Knowledge) -> None:
    for task in ("summarization", "translation", "text2text-generation", "image-to-text"):
        assert task in k4.tasks, task
    assert k4.tasks["summarization"].auto_classes == ("AutoModelForSeq2SeqLM",)
    assert k4.tasks["summarization"].default_model == "sshleifer/distilbart-cnn-12-6"
    assert not k4.removed_tasks and not k4.task_redirects
    assert k4.task_prefixes == {"translation_": "translation"}
    assert k4.task_aliases["vqa"] == "visual-question-answering"


def test_v4_training_arguments_and_trainer(pkg4: Path, k4: Knowledge) -> None:
    source = (pkg4 / "training_args.py").read_text("utf-8")
    assert "evaluation_strategy" not in source  # already removed before 5.0
    assert "evaluation_strategy" not in k4.training_args_fields
    assert {"eval_strategy", "use_mps_device"} <= k4.training_args_fields
    assert k4.seq2seq_training_args_fields - k4.training_args_fields == SEQ2SEQ_ONLY
    assert "processing_class" in k4.trainer_init_params
    assert k4.trainer_renamed_kwargs == {"tokenizer": "processing_class"}


# ------------------------------------------------------------------ cache


@pytest.mark.locked_transformers
def test_cache_roundtrip_and_reuse(
    pkg5: Path, k5: Knowledge, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HFLINT_CACHE_DIR", str(tmp_path))
    first = load_knowledge_from(pkg5)
    assert first == k5
    path = cache_path(pkg5)
    assert path.parent == tmp_path and path.exists()
    assert "5.23.0" in path.name

    def no_extract(pkg: Path) -> dict[str, object]:
        raise AssertionError("must come from the cache")

    monkeypatch.setattr(ex, "extract", no_extract)
    second = load_knowledge_from(pkg5)
    assert second == k5
    assert second.resolve("funnel", "AutoModel", ("FunnelBaseModel",)) == "FunnelBaseModel"
    assert second.tasks["text-generation"].auto_classes == ("AutoModelForCausalLM",)


def test_corrupt_cache_is_ignored(
    pkg5: Path, k5: Knowledge, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HFLINT_CACHE_DIR", str(tmp_path))
    path = cache_path(pkg5)
    for corrupt in ('{"version": "5.23.0", "auto_tables": [1, 2', '{"version": "5.23.0"}'):
        path.write_text(corrupt, encoding="utf-8")
        assert load_knowledge_from(pkg5) == k5
        assert len(json.loads(path.read_text("utf-8"))["auto_tables"]) == 50  # rewritten


def test_unwritable_cache_dir_still_loads(
    pkg5: Path, k5: Knowledge, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("HFLINT_CACHE_DIR", str(blocker / "hflint"))
    assert load_knowledge_from(pkg5) == k5
    assert not list(tmp_path.glob("**/*.tmp"))


def test_cache_key_follows_the_sources(
    pkg4: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HFLINT_CACHE_DIR", str(tmp_path))
    before = cache_path(pkg4)
    source = pkg4 / "models" / "auto" / "configuration_auto.py"
    os.utime(source, ns=(source.stat().st_atime_ns, source.stat().st_mtime_ns + 10**9))
    assert cache_path(pkg4) != before


@pytest.mark.locked_transformers
def test_load_knowledge_is_memoized() -> None:
    knowledge = load_knowledge()
    assert knowledge is load_knowledge()
    assert knowledge.version == "5.23.0"
