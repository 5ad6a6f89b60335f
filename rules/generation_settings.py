"""Generation settings that do not do what they say: a length that counts the prompt (HF504),
sampling flags without sampling (HF505), generation parameters on the model config (HF506).

The defaults, the GenerationConfig fields and what transformers does with parameters on a
model config are read from the transformers sources (Knowledge.generation_*); the model's own
generation_config.json decides whenever a default could come from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import libcst as cst

from hflint.analyzers.facts import Arg, AttrUse, CallFact, Kind, ObjectFact
from hflint.analyzers.findings import Edit, Finding, Fix, Position, Range, Severity
from hflint.analyzers.knowledge import UNKNOWN, Knowledge
from hflint.analyzers.values import Const, ObjRef
from hflint.rules.base import Example, Rule
from hflint.rules.classifier_facts import is_direct, remote_code
from hflint.rules.context import RuleContext
from hflint.rules.generation_facts import (
    GenerateCall,
    architecture,
    generate_calls,
    generation_config_written,
    model_generation_config,
    star_args_are_inputs,
)
from hflint.rules.trainer_facts import unwrap

# The flags GenerationConfig.validate reports when `do_sample` is not True (5.23.0); a flag at
# its default value (Knowledge.generation_defaults) is not reported.
SAMPLING_FLAGS = (
    "temperature",
    "top_p",
    "top_k",
    "min_p",
    "typical_p",
    "top_h",
    "epsilon_cutoff",
    "eta_cutoff",
)
FLAGS_WARNING = (
    "The following generation flags are not valid and may be ignored: {flags}. Set "
    "`TRANSFORMERS_VERBOSITY=info` for more details."
)
# GenerationConfig fields generate() never looks for on the model config (no error, no effect).
IGNORED_ON_CONFIG = ("max_new_tokens", "min_new_tokens", "min_p", "max_time", "stop_strings")
MODEL_CONFIG_ERROR = (
    "ValueError: You have modified the pretrained model configuration to control generation "
    "We detected the following values set - {values}. This strategy to control generation is "
    "not supported anymore. Please use and modify `model.generation_config` (see "
    "https://huggingface.co/docs/transformers/generation_strategies"
    "#default-text-generation-configuration )"
)


def _const(arg: Arg | None) -> Any:
    return arg.value.value if arg is not None and isinstance(arg.value, Const) else None


def _shown(arg: Arg) -> str:
    """`max_length=50` as written."""
    return f"`{arg.node.keyword.value if arg.node.keyword else '?'}={_code(arg.expr)}`"


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def _overridable(*args: Arg | None) -> str:
    for arg in args:
        if arg is not None and isinstance(arg.value, Const) and arg.value.overridable:
            return arg.value.origin or "a default"
    return ""


def _other_settings(ctx: RuleContext, gen: GenerateCall) -> bool:
    """`**kwargs` that are not a model-input batch, `generation_config=`, or a second
    positional argument (the config) may set anything the keywords do not show."""
    call = gen.call
    if "generation_config" in call.kwargs or len(call.args) > 1:
        return True
    return call.has_star_kwargs and not star_args_are_inputs(ctx, gen)


def without_args(call: cst.Call, drop: list[cst.Arg]) -> cst.Call:
    """`call` without the arguments in `drop`; the last kept one takes over the punctuation
    and line break of the last argument, so the closing bracket stays where it was."""
    kept = [a for a in call.args if all(a is not d for d in drop)]
    if kept and kept[-1] is not call.args[-1]:
        last = call.args[-1]
        kept[-1] = kept[-1].with_changes(
            comma=last.comma, whitespace_after_arg=last.whitespace_after_arg
        )
    return call.with_changes(args=kept)


# ---- HF504 -----------------------------------------------------------------------------------
class MaxLengthInsteadOfMaxNewTokens(Rule):
    code = "HF504"
    name = "max-length-instead-of-max-new-tokens"
    severity = Severity.WARNING
    summary = "generate() bounded by max_length, which counts the prompt"
    what = (
        "Checks the length settings of `model.generate(...)`:\n\n"
        "- `max_length=` without `max_new_tokens=` on a decoder-only model (warning): the "
        "limit includes the prompt;\n"
        "- both `max_length=` and `max_new_tokens=` (info): `max_length` is ignored;\n"
        "- neither, when the model's generation config (its checkpoint's "
        "generation_config.json, read when available) sets no length either (info): "
        "generation stops after 20 new tokens."
    )
    why = (
        "For a decoder-only model `max_length` is prompt plus answer. A prompt of `max_length` "
        "tokens or more raises\n\n"
        "    ValueError: Input length of input_ids is 7, but `max_length` is set to 3. This can "
        "lead to unexpected behavior. You should consider increasing `max_length` or, better "
        "yet, setting `max_new_tokens`.\n\n"
        "and a shorter one gets only what is left. With both set, transformers warns "
        "`Both max_new_tokens (=3) and max_length(=10) seem to have been set. max_new_tokens "
        "will take precedence.` With neither, it generates 20 new tokens and warns "
        "`UserWarning: Using the model-agnostic default max_length (=27) to control the "
        "generation length.`"
    )
    example = """
model = AutoModelForCausalLM.from_pretrained("gpt2")
out = model.generate(**batch, max_length=50)
"""
    use_instead = """
model = AutoModelForCausalLM.from_pretrained("gpt2")
out = model.generate(**batch, max_new_tokens=50)
"""
    fix_safety = (
        "`max_length` -> `max_new_tokens` is unsafe: the number no longer includes the prompt, "
        "so outputs get longer. Removing `max_length` next to `max_new_tokens` is safe: "
        "transformers already ignores it. Adding `max_new_tokens=20` is unsafe: it matches the "
        "default except near the model's `max_position_embeddings`, where the default stops "
        "at the model's limit."
    )
    references = (
        "https://huggingface.co/docs/transformers/generation_strategies",
        "transformers/generation/utils.py (GenerationMixin._prepare_generated_length, "
        "_validate_generated_length)",
    )
    triggers = (
        Example(
            "from transformers import AutoModelForCausalLM, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            'batch = tok("Once upon a time", return_tensors="pt")\n'
            "out = model.generate(**batch, max_length=50)\n",
            fixed="from transformers import AutoModelForCausalLM, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            'batch = tok("Once upon a time", return_tensors="pt")\n'
            "out = model.generate(**batch, max_new_tokens=50)\n",
        ),
        Example(
            "import transformers as tf\n"
            'model = tf.AutoModelForSeq2SeqLM.from_pretrained("t5-small")\n'
            "ids = model.generate(input_ids, max_new_tokens=64, max_length=128)\n",
            note="both: max_length is dead code",
            fixed="import transformers as tf\n"
            'model = tf.AutoModelForSeq2SeqLM.from_pretrained("t5-small")\n'
            "ids = model.generate(input_ids, max_new_tokens=64)\n",
        ),
        Example(
            "from transformers import AutoModelForCausalLM, AutoTokenizer, GPT2Config\n"
            "def sample(texts, tok):\n"
            "    lm = AutoModelForCausalLM.from_config(GPT2Config(n_layer=2))\n"
            '    return lm.generate(input_ids=tok(texts, return_tensors="pt").input_ids)\n',
            note="neither: a model built from a config has no length of its own",
            fixed="from transformers import AutoModelForCausalLM, AutoTokenizer, GPT2Config\n"
            "def sample(texts, tok):\n"
            "    lm = AutoModelForCausalLM.from_config(GPT2Config(n_layer=2))\n"
            '    return lm.generate(input_ids=tok(texts, return_tensors="pt").input_ids, '
            "max_new_tokens=20)\n",
        ),
        Example(
            "import argparse\n"
            "from transformers import AutoModelForCausalLM\n"
            "p = argparse.ArgumentParser()\n"
            'p.add_argument("--model", default="Qwen/Qwen2.5-0.5B")\n'
            "args = p.parse_args()\n"
            "llm = AutoModelForCausalLM.from_pretrained(args.model)\n"
            "text = llm.generate(enc.input_ids, attention_mask=enc.attention_mask, "
            "max_length=256)\n",
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "out = model.generate(**batch, max_new_tokens=50)\n",
        ),
        Example(
            "from transformers import AutoModelForSeq2SeqLM\n"
            'model = AutoModelForSeq2SeqLM.from_pretrained("facebook/bart-large-cnn")\n'
            "summary = model.generate(**batch, max_length=142, num_beams=4)\n",
            note="encoder-decoder: max_length counts only the output",
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "out = model.generate(**batch, max_length=50, **gen_kwargs)\n",
            note="**gen_kwargs may hold max_new_tokens",
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "out = model.generate(**batch)\n",
            note="neither, but the checkpoint's generation_config.json is not known here",
        ),
        Example(
            "from transformers import AutoModelForCausalLM, GPT2Config\n"
            "lm = AutoModelForCausalLM.from_config(GPT2Config())\n"
            "lm.generation_config.max_new_tokens = 40\n"
            "out = lm.generate(**batch)\n",
        ),
        Example(
            "from transformers import AutoModelForCausalLM, GenerationConfig\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "out = model.generate(**batch, generation_config=GenerationConfig(max_new_tokens=9))\n",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for gen in generate_calls(ctx):
            call = gen.call
            max_length, max_new = call.kw("max_length"), call.kw("max_new_tokens")
            if (
                max_length is not None
                and _const(max_length) is None
                and isinstance(max_length.value, Const)
            ):
                max_length = None  # max_length=None
            if max_new is not None and _const(max_new) is None and isinstance(max_new.value, Const):
                max_new = None
            if max_length is not None and max_new is not None:
                yield self._both(ctx, gen, max_length, max_new)
            elif max_length is not None and not _other_settings(ctx, gen):
                found = self._counts_prompt(ctx, gen, max_length)
                if found is not None:
                    yield found
            elif max_length is None and max_new is None and not _other_settings(ctx, gen):
                found = self._neither(ctx, gen)
                if found is not None:
                    yield found

    def _both(self, ctx: RuleContext, gen: GenerateCall, max_length: Arg, max_new: Arg) -> Finding:
        shown_new = _const(max_new) if _const(max_new) is not None else "..."
        shown_len = _const(max_length) if _const(max_length) is not None else "..."
        message = (
            f"{_shown(max_length)} next to {_shown(max_new)}: `max_new_tokens` wins and "
            f"`max_length` is ignored; {ctx.target.phrase()} warns: Both `max_new_tokens` "
            f"(={shown_new}) and `max_length`(={shown_len}) seem to have been set. "
            "`max_new_tokens` will take precedence. Remove `max_length`."
        )
        fix = ctx.fix("Remove `max_length`", [ctx.remove_arg(gen.node, max_length.node)], True)
        return ctx.report(self, max_length.node, message, fix=fix, severity=Severity.INFO)

    def _counts_prompt(
        self, ctx: RuleContext, gen: GenerateCall, max_length: Arg
    ) -> Finding | None:
        arch = architecture(ctx, gen.model)
        if arch is None or not arch.decoder_only:
            return None
        limit = _const(max_length)
        shown = limit if isinstance(limit, int) else "N"
        message = (
            f"{_shown(max_length)} on a decoder-only model ({arch.because}) counts the prompt "
            f"too: a shorter prompt leaves fewer new tokens, and one of {shown} tokens or more "
            f"raises ValueError: Input length of input_ids is <prompt length>, but "
            f"`max_length` is set to {shown}. This can lead to unexpected behavior. You should "
            "consider increasing `max_length` or, better yet, setting `max_new_tokens`. Use "
            "`max_new_tokens` to bound the generated text."
        )
        assumed = arch.assumed or _overridable(max_length)
        if assumed:
            message += f" (Assuming {assumed}.)"
        keyword = max_length.node.keyword
        assert keyword is not None
        fix = ctx.fix(
            "Use `max_new_tokens` (it does not count the prompt)",
            [ctx.replace(keyword, "max_new_tokens")],
            safe=False,
        )
        severity = self.severity.lowered() if assumed else self.severity
        return ctx.report(self, max_length.node, message, fix=fix, severity=severity)

    def _neither(self, ctx: RuleContext, gen: GenerateCall) -> Finding | None:
        defaults = model_generation_config(ctx, gen.model)
        if defaults is None:
            return None
        if defaults.values.get("max_length") is not None:
            return None
        if defaults.values.get("max_new_tokens") is not None:
            return None
        if generation_config_written(ctx, "max_length") or generation_config_written(
            ctx, "max_new_tokens"
        ):
            return None
        fallback = ctx.target_knowledge.generation_defaults.get("max_length", 20)
        message = (
            f"`generate()` without `max_new_tokens`, and the model's generation config sets no "
            f"length either ({defaults.where}): it stops after {fallback} new tokens, "
            f"and {ctx.target.phrase()} warns: UserWarning: Using the model-agnostic default "
            f"`max_length` (=<prompt length + {fallback}>) to control the generation length. "
            "We recommend setting `max_new_tokens` to control the maximum length of the "
            "generation. Set `max_new_tokens`."
        )
        if defaults.assumed:
            message += f" (Assuming {defaults.assumed}.)"
        fix = ctx.fix(
            f"Add `max_new_tokens={fallback}` (the default length, stated)",
            [ctx.add_kwarg(gen.node, f"max_new_tokens={fallback}")],
            safe=False,
        )
        return ctx.report(self, gen.method_name, message, fix=fix, severity=Severity.INFO)


# ---- HF505 -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SamplingSite:
    """A call that takes sampling flags: generate() on a model, or GenerationConfig(...)."""

    call: CallFact
    gen: GenerateCall | None  # None for GenerationConfig(...)


class SamplingFlagsWithoutDoSample(Rule):
    code = "HF505"
    name = "sampling-flags-without-do-sample"
    severity = Severity.WARNING
    summary = "temperature / top_p / top_k without do_sample=True are ignored"
    what = (
        "Checks `generate(...)` calls and `GenerationConfig(...)` with sampling flags "
        "(`temperature`, `top_p`, `top_k`, `min_p`, `typical_p`, ... at a value other than "
        "their default) while sampling is off: `do_sample=False` written next to them "
        "(warning), or no `do_sample` at all where the model's generation config does not turn "
        "sampling on either (info; a checkpoint's generation_config.json often sets "
        "`do_sample: true`, so an unknown one is not judged)."
    )
    why = (
        "Without sampling, generation is greedy (or beam search) and the flags do nothing. "
        "transformers only logs:\n\n"
        "    The following generation flags are not valid and may be ignored: ['temperature', "
        "'top_p']. Set `TRANSFORMERS_VERBOSITY=info` for more details.\n\n"
        "Text that was meant to vary comes out the same every time."
    )
    example = """
model = AutoModelForCausalLM.from_pretrained(ckpt)
out = model.generate(**batch, max_new_tokens=64, temperature=0.7, top_p=0.9)
"""
    use_instead = """
model = AutoModelForCausalLM.from_pretrained(ckpt)
out = model.generate(**batch, max_new_tokens=64, do_sample=True, temperature=0.7, top_p=0.9)
"""
    fix_safety = (
        "With `do_sample=False` written, the fix removes the ignored flags: safe, the output "
        "stays the same. Without `do_sample`, the fix adds `do_sample=True`: unsafe, the "
        "output changes from deterministic to sampled."
    )
    references = (
        "https://huggingface.co/docs/transformers/generation_strategies#multinomial-sampling",
        "transformers/generation/configuration_utils.py (GenerationConfig.validate)",
    )
    triggers = (
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "out = model.generate(**batch, do_sample=False, temperature=0.7, top_p=0.9)\n",
            fixed="from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "out = model.generate(**batch, do_sample=False)\n",
        ),
        Example(
            "from transformers import GenerationConfig\n"
            "gen_cfg = GenerationConfig(max_new_tokens=64, temperature=0.6, top_k=20)\n",
            note="logged as soon as the config is built",
            fixed="from transformers import GenerationConfig\n"
            "gen_cfg = GenerationConfig(max_new_tokens=64, temperature=0.6, top_k=20, "
            "do_sample=True)\n",
        ),
        Example(
            "import transformers as tf\n"
            'tok = tf.AutoTokenizer.from_pretrained("./tokenizer")\n'
            "model = tf.AutoModelForCausalLM.from_config(tf.LlamaConfig())\n"
            'inputs = tok(prompt, return_tensors="pt").to(model.device)\n'
            "ids = model.generate(**inputs, max_new_tokens=8, top_p=0.95)\n",
            note="a model built from a config: no do_sample anywhere",
        ),
        Example(
            "import argparse\n"
            "from transformers import AutoModelForSeq2SeqLM\n"
            "parser = argparse.ArgumentParser()\n"
            'parser.add_argument("--temperature", type=float, default=0.8)\n'
            "args = parser.parse_args()\n"
            'model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")\n'
            "out = model.generate(**enc, num_beams=4, do_sample=False, "
            "temperature=args.temperature)\n",
            note="the value is an argparse default: one step less sure",
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "out = model.generate(**batch, do_sample=True, temperature=0.7, top_p=0.9)\n",
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")\n'
            "out = model.generate(**batch, temperature=0.7)\n",
            note="the checkpoint's generation_config.json may set do_sample: not known here",
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "out = model.generate(**batch, do_sample=False, temperature=1.0, top_k=50)\n",
            note="flags at their defaults are not reported",
        ),
        Example(
            "from transformers import AutoModelForCausalLM, GPT2Config\n"
            "model = AutoModelForCausalLM.from_config(GPT2Config())\n"
            "model.generation_config.do_sample = True\n"
            "out = model.generate(**batch, temperature=0.7)\n",
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "out = model.generate(**batch, do_sample=args.sample, temperature=0.7)\n",
            note="do_sample decided at run time",
        ),
        Example(
            "from transformers import pipeline\n"
            'pipe = pipeline("text-generation", model="gpt2")\n'
            'out = pipe("Hello", temperature=0.7, max_new_tokens=20)\n',
            note="the text-generation pipeline samples by default",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        kn = ctx.target_knowledge
        if not kn.generation_defaults:
            return  # a release whose defaults are not known: flags at them cannot be told apart
        sites = [SamplingSite(gen.call, gen) for gen in generate_calls(ctx)]
        sites += [
            SamplingSite(obj.call, None)
            for obj in ctx.objects(Kind.GENERATION_CONFIG)
            if obj.method is None and is_direct(obj) and obj.user_class is None
        ]
        for site in sites:
            flags = [a for name in SAMPLING_FLAGS if (a := self._flag(kn, site.call, name))]
            if not flags:
                continue
            do_sample = site.call.kw("do_sample")
            if do_sample is not None:
                if isinstance(do_sample.value, Const) and do_sample.value.value is False:
                    yield self._explicit(ctx, site, flags, do_sample)
                continue
            found = self._absent(ctx, site, flags)
            if found is not None:
                yield found

    @staticmethod
    def _flag(kn: Knowledge, call: CallFact, name: str) -> Arg | None:
        """The keyword `name` when it takes effect only in sampling (not at its default)."""
        arg = call.kw(name)
        if arg is None:
            return None
        if isinstance(arg.value, Const):
            value = arg.value.value
            if value is None or (
                name in kn.generation_defaults and value == kn.generation_defaults[name]
            ):
                return None
        return arg

    @staticmethod
    def _flag_list(flags: list[Arg]) -> str:
        return repr([a.node.keyword.value for a in flags if a.node.keyword is not None])

    def _assumptions(self, flags: list[Arg], *args: Arg | None) -> list[str]:
        out = []
        origin = _overridable(*args, *flags)
        if origin:
            out.append(origin)
        for arg in flags:
            if not isinstance(arg.value, Const):
                out.append(f"that `{_code(arg.expr)}` is not the default")
        return out

    def _explicit(
        self, ctx: RuleContext, site: SamplingSite, flags: list[Arg], do_sample: Arg
    ) -> Finding:
        shown = ", ".join(_shown(a) for a in flags)
        message = (
            f"{shown} only {'applies' if len(flags) == 1 else 'apply'} when sampling, and this "
            f"call sets `do_sample=False`: {ctx.target.phrase()} ignores "
            f"{'it' if len(flags) == 1 else 'them'} and logs: "
            f"{FLAGS_WARNING.format(flags=self._flag_list(flags))} Remove "
            f"{'it' if len(flags) == 1 else 'them'}, or set `do_sample=True` to sample."
        )
        assumed = self._assumptions(flags, do_sample)
        if assumed:
            message += f" (Assuming {'; '.join(assumed)}.)"
        node = site.call.node
        fix = ctx.fix(
            "Remove the ignored sampling flags",
            [ctx.rewrite_call(node, without_args(node, [f.node for f in flags]))],
            safe=True,
        )
        severity = self.severity.lowered() if assumed else self.severity
        return ctx.report(self, flags[0].node, message, fix=fix, severity=severity)

    def _absent(self, ctx: RuleContext, site: SamplingSite, flags: list[Arg]) -> Finding | None:
        call = site.call
        if site.gen is None and call.has_star_kwargs:
            return None
        shown = ", ".join(_shown(a) for a in flags)
        warning = FLAGS_WARNING.format(flags=self._flag_list(flags))
        if site.gen is not None:
            if _other_settings(ctx, site.gen):
                return None
            defaults = model_generation_config(ctx, site.gen.model)
            if defaults is None or defaults.values.get("do_sample") is True:
                return None
            if generation_config_written(ctx, "do_sample"):
                return None
            message = (
                f"{shown} without `do_sample=True`, and the model's generation config does not "
                f"turn sampling on either ({defaults.where}): generation is greedy, "
                f"{ctx.target.phrase()} ignores the flags and logs: {warning} Add "
                "`do_sample=True` to sample."
            )
            assumed = self._assumptions(flags)
            if defaults.assumed:
                assumed.append(defaults.assumed)
        else:
            message = (
                f"`GenerationConfig({shown.replace('`', '')})` without `do_sample=True`: as "
                f"soon as the config is built, {ctx.target.phrase()} logs: {warning} Unless "
                "the model's own generation config turns sampling on, generation stays greedy "
                "and ignores the flags. Add `do_sample=True` to sample."
            )
            assumed = self._assumptions(flags)
        if assumed:
            message += f" (Assuming {'; '.join(assumed)}.)"
        fix = ctx.fix(
            "Add `do_sample=True` (sampled output instead of greedy)",
            [ctx.add_kwarg(call.node, "do_sample=True")],
            safe=False,
        )
        severity = Severity.INFO if not assumed else Severity.HINT
        return ctx.report(self, flags[0].node, message, fix=fix, severity=severity)


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
        "`config.max_length = 128` on a config a model is then built from, "
        "`from_pretrained(..., temperature=0.7)`, or `pipeline(..., model_kwargs="
        "{'temperature': 0.7})`. Token ids (`pad_token_id`, `eos_token_id`, ...) and fields "
        "a model's own config class declares (Whisper's `suppress_tokens`, BART's "
        "`forced_eos_token_id`) are model-config fields and are not reported. A project that "
        "targets transformers 4.x, where the model config still works (with a deprecation "
        "warning), is not checked."
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
            "model.generation_config.num_beams = 4\n",
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
            elif use.obj.kind is Kind.CONFIG and len(use.path) == 1:
                model = self._built_from(ctx, use.obj)
                if model is None:
                    continue
                param = self._parameter(ctx, kn, use.path[0], model, use.obj)
                if param is not None:
                    yield self._config_write(ctx, use, param, model)
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
        built = self._built_class(ctx, kn, obj)
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
        fix = self._move_after_load(ctx, obj, [a for a, _ in found])
        return ctx.report(self, first.node, message, fix=fix, severity=found[0][1].severity)

    @staticmethod
    def _built_class(ctx: RuleContext, kn: Knowledge, obj: ObjectFact) -> str:
        if obj.class_name not in kn.auto_tables:
            return obj.class_name
        ckpt = ctx.checkpoint(obj)
        if ckpt is not None and ckpt.facts.model_type:
            built = kn.resolve(ckpt.facts.model_type, obj.class_name, ckpt.facts.architectures)
            if built not in (None, UNKNOWN):
                return str(built)
        return "<model class>"

    @staticmethod
    def _move_after_load(ctx: RuleContext, obj: ObjectFact, args: list[Arg]) -> Fix | None:
        """Drop the keywords and set them on `<name>.generation_config` on the next lines."""
        name = obj.call.target
        if name is None or obj.call.has_star_kwargs:
            return None
        where = ctx.range(obj.node)
        first = ctx.source.line(where.start.line)
        stripped = first.lstrip()
        if not stripped.replace(" ", "").startswith(f"{name}="):
            return None
        last = ctx.source.line(where.end.line)
        rest = last[where.end.column :].strip()
        if rest and not rest.startswith("#"):
            return None
        node = obj.node
        indent = first[: len(first) - len(stripped)]
        lines = "".join(
            f"\n{indent}{name}.generation_config.{a.node.keyword.value} = {ctx.code(a.expr)}"
            for a in args
            if a.node.keyword is not None
        )
        end = Position(where.end.line, len(last))
        return ctx.fix(
            f"Set them on `{name}.generation_config` after the load",
            [
                ctx.rewrite_call(node, without_args(node, [a.node for a in args])),
                Edit(Range(end, end), lines),
            ],
            safe=False,
        )

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
        return ctx.report(
            self, arg.node, message, fix=self._unpack_model_kwargs(ctx, pipe, arg, found)
        )

    @staticmethod
    def _unpack_model_kwargs(
        ctx: RuleContext, pipe: ObjectFact, arg: Arg, found: list[str]
    ) -> Fix | None:
        """Move the generation entries of a literal `model_kwargs={...}` to keywords."""
        mapping = arg.expr
        if not isinstance(mapping, cst.Dict) or pipe.call.has_star_kwargs:
            return None
        moved: list[str] = []
        kept: list[cst.BaseDictElement] = []
        for element in mapping.elements:
            key = element.key if isinstance(element, cst.DictElement) else None
            if (
                isinstance(key, cst.SimpleString)
                and key.evaluated_value in found
                and isinstance(element, cst.DictElement)
            ):
                if key.evaluated_value in pipe.call.kwargs:
                    return None  # would repeat a keyword
                moved.append(f"{key.evaluated_value}={ctx.code(element.value)}")
            else:
                kept.append(element)
        node = pipe.node
        args = list(node.args)
        index = next(i for i, a in enumerate(args) if a is arg.node)
        if kept:
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            args[index] = arg.node.with_changes(value=mapping.with_changes(elements=kept))
        else:
            del args[index]
        text = ", ".join(ctx.code(a).strip().rstrip(",") for a in args)
        callee = ctx.code(node.func)
        new = f"{callee}({text}, {', '.join(moved)})" if text else f"{callee}({', '.join(moved)})"
        return ctx.fix(
            "Pass the generation settings to `pipeline()`", [ctx.replace(node, new)], safe=True
        )
