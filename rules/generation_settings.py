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

from hflint.analyzers.facts import Arg, CallFact, Kind
from hflint.analyzers.findings import Finding, Severity
from hflint.analyzers.knowledge import Knowledge
from hflint.analyzers.values import Const
from hflint.rules.base import Example, Rule
from hflint.rules.classifier_facts import is_direct
from hflint.rules.context import RuleContext
from hflint.rules.generation_contract import GenerationCall, Site, generation_calls
from hflint.rules.generation_facts import (
    GenerateCall,
    architecture,
    generate_calls,
    generation_config_written,
    model_generation_config,
    star_args_are_inputs,
)

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
MODEL_CONFIG_ERROR = (
    "ValueError: You have modified the pretrained model configuration to control generation "
    "We detected the following values set - {values}. This strategy to control generation is "
    "not supported anymore. Please use and modify `model.generation_config` (see "
    "https://huggingface.co/docs/transformers/generation_strategies"
    "#default-text-generation-configuration )"
)
FLAGS_WARNING = (
    "The following generation flags are not valid and may be ignored: {flags}. Set "
    "`TRANSFORMERS_VERBOSITY=info` for more details."
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


def _value_note(max_length: Arg) -> str:
    """A `max_length` from a command-line or parameter default: its value may change, the
    finding does not (any length counts the prompt), so it is said, not doubted."""
    origin = _overridable(max_length)
    return (
        f" (`max_length` is {origin}: whatever its value, it counts the prompt.)" if origin else ""
    )


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
        "- `max_length=` without `max_new_tokens=` on a decoder-only model, or given to a "
        "text-generation pipeline (when it is built or called) (warning): the limit includes "
        "the prompt;\n"
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
        Example(
            "from transformers import pipeline\n"
            'generator = pipeline("text-generation", model="gpt2")\n'
            'out = generator(prompt, max_length=100, do_sample=True)[0]["generated_text"]\n',
            note="the text-generation pipeline hands max_length to generate()",
            fixed="from transformers import pipeline\n"
            'generator = pipeline("text-generation", model="gpt2")\n'
            'out = generator(prompt, max_new_tokens=100, do_sample=True)[0]["generated_text"]\n',
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
        Example(
            "from transformers import pipeline\n"
            'generator = pipeline("text-generation", model="gpt2", max_length=100)\n'
            "out = generator(prompt, max_new_tokens=40)\n",
            note="the call's max_new_tokens wins over the pipeline's max_length",
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
        yield from self._pipelines(ctx)

    def _pipelines(self, ctx: RuleContext) -> Iterator[Finding]:
        """`max_length=` given to a text-generation pipeline (built with it, or called with
        it) and no `max_new_tokens=`: the pipeline hands it to generate() as it is."""
        sites = [g for g in generation_calls(ctx) if g.site in (Site.PIPELINE, Site.PIPELINE_CALL)]
        for gen in sites:
            max_length = gen.call.kw("max_length")
            if max_length is None or _const(max_length) is None or gen.unseen(ctx):
                continue
            if gen.kw("max_new_tokens") is not None:
                continue  # max_new_tokens wins
            if gen.site is Site.PIPELINE and any(
                g.pipeline is gen.pipeline and (g.call.kw("max_new_tokens") or g.unseen(ctx))
                for g in sites
                if g.site is Site.PIPELINE_CALL
            ):
                continue  # a call overrides the length
            found = self._pipeline_counts_prompt(ctx, gen, max_length)
            if found is not None:
                yield found

    def _pipeline_counts_prompt(
        self, ctx: RuleContext, gen: GenerationCall, max_length: Arg
    ) -> Finding | None:
        assert gen.pipeline is not None and gen.info is not None
        if gen.model is not None:
            arch = architecture(ctx, gen.model)
            if arch is not None and not arch.decoder_only:
                return None
        else:
            ckpt = ctx.checkpoint(gen.pipeline)
            if ckpt is not None and ckpt.facts.is_encoder_decoder:
                return None  # not a decoder-only model: HF703's business
        limit = _const(max_length)
        shown = limit if isinstance(limit, int) else "N"
        default = ctx.target_knowledge.pipeline_generation_defaults.get(gen.info.impl, {})
        dropped = (
            f", and the pipeline's own `max_new_tokens={default['max_new_tokens']}` no longer "
            "applies"
            if "max_new_tokens" in default
            else ""
        )
        message = (
            f"{_shown(max_length)} for the `{gen.info.task}` pipeline goes to `generate()` as "
            f"it is, where it counts the prompt too{dropped}: a longer prompt leaves fewer new "
            f"tokens, and one of {shown} tokens or more makes {ctx.target.phrase()} raise "
            f"ValueError: Input length of input_ids is <prompt length>, but `max_length` is "
            f"set to {shown}. This can lead to unexpected behavior. You should consider "
            "increasing `max_length` or, better yet, setting `max_new_tokens`. Use "
            "`max_new_tokens` to bound the generated text."
        )
        message += _value_note(max_length)
        keyword = max_length.node.keyword
        assert keyword is not None
        fix = ctx.fix(
            "Use `max_new_tokens` (it does not count the prompt)",
            [ctx.replace(keyword, "max_new_tokens")],
            safe=False,
        )
        severity = None
        longest = _literal_prompt_chars(gen)
        if longest is not None:  # the prompt is written out: no longer prompt can come
            severity = Severity.INFO
            if isinstance(limit, int) and longest + 2 < limit:  # a token spans a byte at least
                message += f" (The prompt here has {longest} characters: it cannot reach that.)"
            else:
                message += " (The prompt is written out here: it stays what it is.)"
        return ctx.report(self, max_length.node, message, fix=fix, severity=severity)

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
        assumed = arch.assumed  # what the finding rests on: the model, not the number
        if assumed:
            message += f" (Assuming {assumed}.)"
        message += _value_note(max_length)
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
        "their default) while sampling is off: `do_sample=False` written next to them, or no "
        "`do_sample` at all where the model's generation config is known and does not turn "
        "sampling on either (a checkpoint's generation_config.json often sets "
        "`do_sample: true`, so an unknown one is not judged). A `GenerationConfig(...)` without "
        "`do_sample` is info: the model it is used with may sample. A value read from a "
        "command-line default, or a flag whose value is decided at run time (it may be the "
        "default), lowers the severity one step."
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
            severity = self.severity  # known: the flags are ignored, silently but for a log
        else:
            message = (
                f"`GenerationConfig({shown.replace('`', '')})` without `do_sample=True`: as "
                f"soon as the config is built, {ctx.target.phrase()} logs: {warning} Unless "
                "the model's own generation config turns sampling on, generation stays greedy "
                "and ignores the flags. Add `do_sample=True` to sample."
            )
            assumed = self._assumptions(flags)
            severity = Severity.INFO  # the model's own generation config may sample
        if assumed:
            message += f" (Assuming {'; '.join(assumed)}.)"
            severity = severity.lowered()
        fix = ctx.fix(
            "Add `do_sample=True` (sampled output instead of greedy)",
            [ctx.add_kwarg(call.node, "do_sample=True")],
            safe=False,
        )
        return ctx.report(self, flags[0].node, message, fix=fix, severity=severity)


def _literal_prompt_chars(gen: GenerationCall) -> int | None:
    """The UTF-8 length of the longest prompt a pipeline call passes as literal text (a string
    or a list of strings); None when any prompt is not written out."""
    if gen.site is not Site.PIPELINE_CALL or not gen.call.args:
        return None
    value = gen.call.args[0].value
    if not isinstance(value, Const) or value.overridable:
        return None
    prompts = value.value if isinstance(value.value, list | tuple) else [value.value]
    if not prompts or not all(isinstance(p, str) for p in prompts):
        return None
    return max(len(p.encode("utf-8")) for p in prompts)
