"""HF506: generation parameters put on the model config, where transformers 5 no longer reads
them: `model.config.num_beams = 4`, `model.config.update({"num_beams": 4})`, a config object a
model is built from, `from_pretrained(..., temperature=0.7)`, `pipeline(model_kwargs=...)`.
A key that misspells a generation parameter (`num_beans`) is reported too: the write succeeds,
and the setting it was meant to be never happens.

Which names are generation parameters (GenerationConfig fields, the defaults generate() falls
back to) and which config classes declare some as their own fields are read from the target's
sources (Knowledge).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from hflint.analyzers.facts import Arg, AttrUse, Kind, ObjectFact
from hflint.analyzers.findings import Finding, Severity
from hflint.analyzers.knowledge import UNKNOWN, Knowledge
from hflint.analyzers.values import Const, ObjRef
from hflint.rules.base import Example, Rule
from hflint.rules.classifier_facts import is_direct, remote_code
from hflint.rules.context import RuleContext
from hflint.rules.generation_settings import MODEL_CONFIG_ERROR
from hflint.rules.model_config_writes import (
    UpdateWrite,
    built_class,
    misspelled_parameter,
    move_after_load,
    unpack_model_kwargs,
    update_writes,
)
from hflint.rules.trainer_facts import unwrap

# GenerationConfig fields generate() never looks for on the model config (no error, no effect).
IGNORED_ON_CONFIG = ("max_new_tokens", "min_new_tokens", "min_p", "max_time", "stop_strings")


def _shown(arg: Arg) -> str:
    """`max_length=50` as written."""
    keyword = arg.node.keyword.value if arg.node.keyword else "?"
    return f"`{keyword}={cst.Module(body=[]).code_for_node(arg.expr)}`"


# ---- HF506 -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConfigParameter:
    """A generation parameter the code puts where generate() does not take it from."""

    name: str
    raises: bool  # generate() rejects it (5.x); False: silently ignored
    severity: Severity
    caveat: str = ""


class GenerationParamsOnModelConfig(Rule):
    code = "HF506"
    name = "generation-params-on-model-config"
    severity = Severity.ERROR
    summary = "Generation parameters set on model.config instead of model.generation_config"
    what = (
        "Checks for generation parameters (`max_length`, `num_beams`, `temperature`, "
        "`do_sample`, `top_k`, `repetition_penalty`, `max_new_tokens`, ...: the fields of "
        "`GenerationConfig`) put on a model's config: `model.config.num_beams = 4`, "
        "`model.config.update({'num_beams': 4})`, "
        "`config.max_length = 128` on a config a model is then built from, "
        "`from_pretrained(..., temperature=0.7)`, or `pipeline(..., model_kwargs="
        "{'temperature': 0.7})`. Token ids (`pad_token_id`, `eos_token_id`, ...) and fields "
        "a model's own config class declares (Whisper's `suppress_tokens`, BART's "
        "`forced_eos_token_id`) are model-config fields and are not reported. A key that "
        "misspells a generation parameter (`num_beans`) is reported as a warning: nothing "
        "reads it. A project that targets transformers 4.x, where the model config still "
        "works (with a deprecation warning), is not checked."
    )
    why = (
        "transformers 5 reads generation settings only from `model.generation_config`. A "
        "parameter with a global default on the model config makes the next `generate()` "
        "raise:\n\n"
        f"    {MODEL_CONFIG_ERROR.format(values={'max_length': 5})}\n\n"
        "and `save_pretrained()` refuses to save (`Some generation parameters are set in the "
        "model config.`). Others (`max_new_tokens`, `min_p`) are silently ignored. As a "
        "`from_pretrained` keyword the parameter reaches the model's `__init__`: "
        "`TypeError: GPT2LMHeadModel.__init__() got an unexpected keyword argument "
        "'temperature'`."
    )
    example = """
model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")
model.config.num_beams = 4
model.config.max_length = 128
out = model.generate(**batch)
"""
    use_instead = """
model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")
model.generation_config.num_beams = 4
model.generation_config.max_length = 128
out = model.generate(**batch)
"""
    fix_safety = (
        "`model.config.X = v` -> `model.generation_config.X = v` is safe for the parameters "
        "generate() rejects (the code fails today), and unsafe for the ones it ignores (the "
        "value starts to take effect). A `from_pretrained` keyword moves to "
        "`model.generation_config.X = v` after the load (unsafe: the value starts to take "
        "effect); `model_kwargs` entries move to `pipeline()`'s own keywords, which it hands "
        "to generation (safe: the load fails today). A config object built elsewhere gets no "
        "fix."
    )
    references = (
        "https://huggingface.co/docs/transformers/generation_strategies"
        "#default-text-generation-configuration",
        "transformers/generation/utils.py (GenerationMixin._prepare_generation_config)",
        "transformers/configuration_utils.py (PreTrainedConfig._get_generation_parameters)",
    )
    triggers = (
        Example(
            "from transformers import AutoModelForSeq2SeqLM\n"
            'model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")\n'
            "model.config.num_beams = 4\n"
            "out = model.generate(**batch)\n",
            fixed="from transformers import AutoModelForSeq2SeqLM\n"
            'model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")\n'
            "model.generation_config.num_beams = 4\n"
            "out = model.generate(**batch)\n",
        ),
        Example(
            "import transformers as tf\n"
            "def load(path):\n"
            "    lm = tf.AutoModelForCausalLM.from_pretrained(path)\n"
            "    lm.config.max_new_tokens = 256\n"
            "    return lm\n",
            note="ignored without a word",
        ),
        Example(
            "from transformers import AutoConfig, AutoModelForSeq2SeqLM\n"
            'config = AutoConfig.from_pretrained("facebook/bart-large-cnn")\n'
            "config.max_length = 142\n"
            'model = AutoModelForSeq2SeqLM.from_pretrained("facebook/bart-large-cnn", '
            "config=config)\n",
            note="a config object the model is built from",
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n"
            "model = AutoModelForCausalLM.from_pretrained(\n"
            '    "gpt2", temperature=0.7, do_sample=True\n'
            ")\n",
            fixed="from transformers import AutoModelForCausalLM\n"
            "model = AutoModelForCausalLM.from_pretrained(\n"
            '    "gpt2"\n'
            ")\n"
            "model.generation_config.temperature = 0.7\n"
            "model.generation_config.do_sample = True\n",
        ),
        Example(
            "from transformers import T5ForConditionalGeneration\n"
            'model = T5ForConditionalGeneration.from_pretrained("t5-base")\n'
            'model.config.update({"num_beans": 4, "max_length": 64})\n',
            note="a misspelled parameter (ignored) and a real one (raises)",
        ),
        Example(
            "from transformers import pipeline\n"
            'pipe = pipeline("text-generation", model="gpt2", device=0,\n'
            '                model_kwargs={"temperature": 0.7, "max_length": 100})\n',
            fixed="from transformers import pipeline\n"
            'pipe = pipeline("text-generation", model="gpt2", device=0, temperature=0.7, '
            "max_length=100)\n",
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoModelForSeq2SeqLM\n"
            'model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")\n'
            "model.generation_config.num_beams = 4\n"
            'model.config.update({"dropout_rate": 0.2, "num_heads": 8})\n',
            note="model-config fields, however close to a generation parameter",
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "model.config.pad_token_id = model.config.eos_token_id\n",
            note="token ids are model-config fields",
        ),
        Example(
            "from transformers import WhisperForConditionalGeneration\n"
            'model = WhisperForConditionalGeneration.from_pretrained("openai/whisper-tiny")\n'
            "model.config.suppress_tokens = []\n",
            note="WhisperConfig declares suppress_tokens",
        ),
        Example(
            "from transformers import AutoConfig\n"
            'config = AutoConfig.from_pretrained("gpt2")\n'
            "config.temperature = 0.7\n"
            "print(config)\n",
            note="no model is built from this config here",
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2", dtype="auto", use_cache=False)\n',
        ),
        Example(
            "from transformers import pipeline\n"
            'pipe = pipeline("text-generation", model="gpt2", model_kwargs={"dtype": "auto"}, '
            "temperature=0.7)\n",
        ),
        Example(
            "from omegaconf import OmegaConf\n"
            'cfg = OmegaConf.load("train.yaml")\n'
            "cfg.config.max_length = 512\n",
            note="not a transformers object",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        kn = ctx.target_knowledge
        if not kn.generation_defaults or not kn.generation_params_on_config_raise:
            return  # 4.x still reads them from the model config (with a deprecation warning)
        for use in ctx.facts.attr_uses:
            if not use.is_write or use.value == Const(None):
                continue  # None hands the parameter back to the generation config
            if use.obj.kind is Kind.MODEL and len(use.path) == 2 and use.path[0] == "config":
                param = self._parameter(ctx, kn, use.path[1], unwrap(use.obj))
                if param is not None:
                    yield self._model_write(ctx, use, param)
                elif not self._remote(ctx, unwrap(use.obj)):
                    yield from self._misspelled(ctx, kn, use.path[1], use.node, use.node)
            elif use.obj.kind is Kind.CONFIG and len(use.path) == 1:
                model = self._built_from(ctx, use.obj)
                if model is None:
                    continue
                param = self._parameter(ctx, kn, use.path[0], model, use.obj)
                if param is not None:
                    yield self._config_write(ctx, use, param, model)
        for write in update_writes(ctx):
            yield from self._update(ctx, kn, write)
        for obj in ctx.objects(Kind.MODEL):
            found = self._load_kwargs(ctx, kn, obj)
            if found is not None:
                yield found
        for pipe in ctx.objects(Kind.PIPELINE):
            found = self._model_kwargs(ctx, kn, pipe)
            if found is not None:
                yield found

    # -- which names count, for which model -------------------------------------------------
    def _parameter(
        self,
        ctx: RuleContext,
        kn: Knowledge,
        name: str,
        model: ObjectFact,
        config: ObjectFact | None = None,
    ) -> ConfigParameter | None:
        raising = set(kn.generation_defaults) - {"use_cache"}
        ignored = set(IGNORED_ON_CONFIG) & kn.generation_config_fields
        if name not in raising and name not in ignored:
            return None
        if self._remote(ctx, model) or (config is not None and self._remote(ctx, config)):
            return None  # a config class of its own may declare anything
        declared = set(kn.generation_fields_on_configs.get(name, ()))
        severity = self.severity if name in raising else Severity.WARNING
        if not declared:
            return ConfigParameter(name, name in raising, severity)
        owner = self._config_class(ctx, kn, model, config)
        if owner is not None:
            return None if owner in declared else ConfigParameter(name, name in raising, severity)
        if self._excluded_by_class(kn, model, declared):
            return ConfigParameter(name, name in raising, severity)
        types = sorted(t for t, c in kn.config_mapping.items() if c in declared)
        caveat = (
            f" (unless the model is of a type whose config declares `{name}`: "
            f"{', '.join(types[:6])}{', ...' if len(types) > 6 else ''})"
        )
        return ConfigParameter(name, name in raising, severity.lowered(), caveat)

    @staticmethod
    def _remote(ctx: RuleContext, obj: ObjectFact) -> bool:
        if remote_code(obj) or obj.user_class is not None:
            return True
        ckpt = ctx.checkpoint(obj)
        return ckpt is not None and bool(ckpt.facts.auto_map)

    @staticmethod
    def _config_class(
        ctx: RuleContext, kn: Knowledge, model: ObjectFact, config: ObjectFact | None
    ) -> str | None:
        """The config class of the model (or of the config object), when known."""
        if config is not None and config.class_name != "AutoConfig":
            return config.class_name
        for source in (config, model):
            if source is None:
                continue
            ckpt = ctx.checkpoint(source)
            if ckpt is not None and ckpt.facts.model_type:
                return kn.config_mapping.get(ckpt.facts.model_type)
        model_type = kn.model_class_types.get(model.class_name)
        return kn.config_mapping.get(model_type) if model_type else None

    @staticmethod
    def _excluded_by_class(kn: Knowledge, model: ObjectFact, declared: set[str]) -> bool:
        """No model type whose config declares the field loads with this Auto class."""
        if model.class_name not in kn.auto_tables:
            return False
        types = [t for t, c in kn.config_mapping.items() if c in declared]
        return all(kn.resolve(t, model.class_name) in (None, UNKNOWN) for t in types)

    @staticmethod
    def _built_from(ctx: RuleContext, config: ObjectFact) -> ObjectFact | None:
        """The model this module builds from `config` (`config=config`, `from_config(config)`)."""
        for obj in ctx.objects(Kind.MODEL):
            arg = obj.call.kw("config")
            if arg is None and obj.method in ("from_config", "_from_config") and obj.call.args:
                arg = obj.call.args[0]
            if arg is not None and isinstance(arg.value, ObjRef) and arg.value.obj is config:
                return obj
        return None

    # -- findings ---------------------------------------------------------------------------
    def _runtime(self, ctx: RuleContext, param: ConfigParameter, value: object) -> str:
        if not param.raises:
            return (
                f"generate() reads `{param.name}` from `model.generation_config` only, so the "
                f"value has no effect, and {ctx.target.phrase()} says nothing about it"
            )
        shown = repr({param.name: value}) if value is not None else f"{{'{param.name}': ...}}"
        return (
            f"in {ctx.target.phrase()} the next `generate()` raises "
            f"{MODEL_CONFIG_ERROR.format(values=shown)}, and `save_pretrained()` refuses to save"
        )

    def _model_write(self, ctx: RuleContext, use: AttrUse, param: ConfigParameter) -> Finding:
        target = use.node
        config_attr = target.value
        assert isinstance(config_attr, cst.Attribute)
        owner = ctx.code(config_attr.value)
        value = use.value.value if isinstance(use.value, Const) else None
        message = (
            f"`{ctx.code(target)}` puts a generation parameter on the model config{param.caveat}: "
            f"{self._runtime(ctx, param, value)}. Set `{owner}.generation_config.{param.name}` "
            "instead."
        )
        fix = ctx.fix(
            f"Set it on `{owner}.generation_config`",
            [ctx.replace(config_attr.attr, "generation_config")],
            safe=param.raises,
        )
        return ctx.report(self, target, message, fix=fix, severity=param.severity)

    def _config_write(
        self, ctx: RuleContext, use: AttrUse, param: ConfigParameter, model: ObjectFact
    ) -> Finding:
        value = use.value.value if isinstance(use.value, Const) else None
        name = model.call.target or "model"
        message = (
            f"`{ctx.code(use.node)}` puts a generation parameter on the config that "
            f"`{name}` is built from{param.caveat}: {self._runtime(ctx, param, value)}. Set "
            f"`{name}.generation_config.{param.name}` after loading instead."
        )
        related = [ctx.loaded_here(model, "model built from this config here")]
        return ctx.report(self, use.node, message, related=related, severity=param.severity)

    def _update(self, ctx: RuleContext, kn: Knowledge, write: UpdateWrite) -> Iterator[Finding]:
        """A key of `model.config.update({...})`, or of `config.update({...})` on a config a
        model of this file is built from."""
        model = unwrap(write.obj) if write.on_model else self._built_from(ctx, write.obj)
        if model is None or self._remote(ctx, model):
            return
        config = None if write.on_model else write.obj
        param = self._parameter(ctx, kn, write.key, model, config)
        shown = ctx.code(write.call.node.func)
        if param is None:
            yield from self._misspelled(ctx, kn, write.key, write.node, write.call.node.func)
            return
        value = write.value.value if isinstance(write.value, Const) else None
        owner = "the model config" if write.on_model else "the config a model is built from"
        message = (
            f"`{shown}(...)` puts the generation parameter `{write.key}` on {owner}"
            f"{param.caveat}: {self._runtime(ctx, param, value)}. Set "
            f"`{model.call.target or 'model'}.generation_config.{write.key}` instead."
        )
        yield ctx.report(self, write.node, message, severity=param.severity)

    def _misspelled(
        self,
        ctx: RuleContext,
        kn: Knowledge,
        name: str,
        node: cst.CSTNode,
        written: cst.BaseExpression,
    ) -> Iterator[Finding]:
        """A key no config reads that misspells a generation parameter (`num_beans`)."""
        parameters = (set(kn.generation_defaults) - {"use_cache"}) | (
            set(IGNORED_ON_CONFIG) & kn.generation_config_fields
        )
        meant = misspelled_parameter(kn, name, parameters)
        if meant is None:
            return
        target = ctx.code(written)
        yield ctx.report(
            self,
            node,
            f"`{target}` sets `{name}`, which nothing in transformers reads: it looks like "
            f"`{meant}`, a generation parameter, misspelled. The write succeeds and "
            f"{ctx.target.phrase()} says nothing, so the setting never takes effect (spelled "
            f"right on the model config, `{meant}` would make `generate()` raise instead). "
            f"Pass `{meant}=...` to `generate()`, or set `model.generation_config.{meant}`.",
            severity=Severity.WARNING,
        )

    def _load_kwargs(self, ctx: RuleContext, kn: Knowledge, obj: ObjectFact) -> Finding | None:
        if (
            obj.method != "from_pretrained"
            or not is_direct(obj)
            or obj.user_class is not None
            or obj.base is not None
            or not obj.qualname.startswith("transformers.")
            or remote_code(obj)
        ):
            return None
        found: list[tuple[Arg, ConfigParameter]] = []
        for key, arg in obj.call.kwargs.items():
            param = self._parameter(ctx, kn, key, obj)
            if param is not None and param.caveat == "":
                found.append((arg, param))
        if not found:
            return None
        built = built_class(ctx, kn, obj)
        first = found[0][0]
        keyword = first.node.keyword.value if first.node.keyword else "?"
        names = ", ".join(_shown(a) for a, _ in found)
        message = (
            f"{names}: `from_pretrained` gives the model config the keywords it declares, and "
            "generation parameters are not among them, so "
            f"{ctx.target.phrase()} passes {'it' if len(found) == 1 else 'them'} on to the "
            f"model's `__init__`, and the load fails with TypeError: {built}.__init__() got an "
            f"unexpected keyword argument '{keyword}'. Set them on "
            "`model.generation_config` after loading, or pass them to `generate()`."
        )
        fix = move_after_load(ctx, obj, [a for a, _ in found])
        return ctx.report(self, first.node, message, fix=fix, severity=found[0][1].severity)

    def _model_kwargs(self, ctx: RuleContext, kn: Knowledge, pipe: ObjectFact) -> Finding | None:
        arg = pipe.kw("model_kwargs")
        if arg is None or not isinstance(arg.value, Const) or not isinstance(arg.value.value, dict):
            return None
        found = []
        for key in arg.value.value:
            param = self._parameter(ctx, kn, key, pipe) if isinstance(key, str) else None
            if param is not None and not param.caveat:
                found.append(key)
        if not found:
            return None
        message = (
            f"`model_kwargs` go to `from_pretrained`, not to generation: "
            f"{', '.join(f'`{k}`' for k in found)} reach the model's `__init__` and "
            f"{ctx.target.phrase()} cannot load the model: ValueError: Could not load model ... "
            "with any of the following classes: ... TypeError: <model class>.__init__() got "
            f"an unexpected keyword argument '{found[0]}'. Pass generation settings to "
            "`pipeline()` itself or to the pipeline call."
        )
        return ctx.report(self, arg.node, message, fix=unpack_model_kwargs(ctx, pipe, arg, found))
