"""HF511: generation settings whose values generate() (or GenerationConfig) rejects.

Each check is a `raise` of transformers 5.23.0 reproduced on tiny models: a temperature that is
not a positive float while sampling (`TemperatureLogitsWarper`), more return sequences than
beams, several return sequences from greedy search, and `max_new_tokens` <= 0
(`GenerationConfig.validate`). Whether generation samples comes from `do_sample` as written,
the text-generation pipeline's own default (read from its source), or the model's generation
config; where none of them is known, the finding says what it assumed.
"""

from __future__ import annotations

from collections.abc import Iterator

from hflint.analyzers.facts import Arg
from hflint.analyzers.findings import Finding, Fix, Severity
from hflint.analyzers.values import Const
from hflint.rules.base import Example, Rule
from hflint.rules.context import RuleContext
from hflint.rules.generation_contract import (
    GenerationCall,
    Sampling,
    Site,
    generation_calls,
    overridable,
    sampling,
)
from hflint.rules.generation_facts import model_generation_config

GREEDY_RETURN = (
    "ValueError: Greedy methods (do_sample != True) without beam search do not support "
    "`num_return_sequences` different than 1 (got {n})."
)
BEAMS_RETURN = (
    "ValueError: `num_return_sequences` ({n}) has to be smaller or equal to `num_beams` ({b})."
)
TEMPERATURE = (
    "ValueError: `temperature` (={t}) has to be a strictly positive float, otherwise your next "
    "token scores will be invalid."
)
GREEDY_HINT = " If you're looking for greedy decoding strategies, set `do_sample=False`."


def _number(arg: Arg | None) -> int | float | None:
    if arg is None or not isinstance(arg.value, Const):
        return None
    value = arg.value.value
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


class InvalidGenerationValues(Rule):
    code = "HF511"
    name = "invalid-generation-values"
    severity = Severity.ERROR
    summary = "Generation settings whose values generate() rejects"
    what = (
        "Checks the constant values given to `generate()`, `GenerationConfig(...)`, a "
        "text-generation `pipeline(...)` and its call:\n\n"
        "- `temperature` that is not a positive float (`0.0`, `-1`, or an integer such as "
        "`2`) while generation samples: `do_sample=True`, the text-generation pipeline (which "
        "samples unless told `do_sample=False`), or a model whose generation config samples. "
        "When the model's generation config is not known, the finding is a warning that "
        "says so: `temperature=0` is then either rejected or ignored, never greedy decoding;\n"
        "- `num_return_sequences` larger than `num_beams`;\n"
        "- `num_return_sequences` > 1 with greedy search (`do_sample=False`, one beam), when "
        "nothing else can turn sampling or beam search on;\n"
        "- `max_new_tokens` of 0 or less."
    )
    why = (
        "transformers rejects these values when it builds the generation config or the "
        "sampling processors, so the call fails:\n\n"
        f"    {TEMPERATURE.format(t=0.0)}{GREEDY_HINT}\n"
        f"    {BEAMS_RETURN.format(n=30, b=10)}\n"
        f"    {GREEDY_RETURN.format(n=2)}\n"
        "    ValueError: `max_new_tokens` must be greater than 0, but is 0.\n\n"
        "A zero temperature is a common way to ask for deterministic output, but transformers "
        "does not read it that way: greedy decoding is `do_sample=False`."
    )
    example = """
model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-chat-hf")
out = model.generate(**batch, temperature=0.0, max_new_tokens=50)
"""
    use_instead = """
model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-chat-hf")
out = model.generate(**batch, do_sample=False, max_new_tokens=50)
"""
    fix_safety = (
        "`temperature=0.0` becomes `do_sample=False` (greedy decoding, what a zero temperature "
        "is meant to be): unsafe, since when the model does not sample the call already "
        "ran, and now ignores the model's other sampling defaults too. An integer temperature "
        "becomes the same number as a float: safe, the call fails today. The other checks "
        "get no fix: which value was meant is not known."
    )
    references = (
        "https://huggingface.co/docs/transformers/generation_strategies",
        "transformers/generation/configuration_utils.py (GenerationConfig.validate)",
        "transformers/generation/logits_process.py (TemperatureLogitsWarper)",
    )
    triggers = (
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-chat-hf")\n'
            "out = model.generate(inputs=input_ids, temperature=0.0, max_new_tokens=50)\n",
            note="the checkpoint's generation config is not known here: a warning",
            fixed="from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-chat-hf")\n'
            "out = model.generate(inputs=input_ids, do_sample=False, max_new_tokens=50)\n",
        ),
        Example(
            "from transformers import pipeline\n"
            'chat = pipeline("text-generation", model="gpt2")\n'
            'out = chat("Hello", temperature=0, max_new_tokens=20)\n',
            note="the text-generation pipeline samples by default",
        ),
        Example(
            "from transformers import AutoModelForSeq2SeqLM\n"
            'model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")\n'
            "out = model.generate(**batch, do_sample=True, num_beams=10, "
            "num_return_sequences=30)\n",
        ),
        Example(
            "from transformers import GenerationConfig\n"
            "config = GenerationConfig(num_return_sequences=3, max_new_tokens=20)\n",
            note="greedy search returns one sequence",
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "out = model.generate(**batch, do_sample=True, temperature=2, max_new_tokens=0)\n",
            fixed="from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "out = model.generate(**batch, do_sample=True, temperature=2.0, max_new_tokens=0)\n",
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-chat-hf")\n'
            "out = model.generate(input_ids, do_sample=False, temperature=None, top_p=None, "
            "max_new_tokens=20)\n",
            note="greedy decoding written the way transformers reads it",
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "out = model.generate(**batch, do_sample=False, temperature=0.0)\n",
            note="greedy: the temperature is ignored (HF505's business)",
        ),
        Example(
            "from transformers import AutoModelForSeq2SeqLM\n"
            'model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")\n'
            "out = model.generate(**batch, num_beams=8, num_return_sequences=5)\n",
        ),
        Example(
            "from transformers import pipeline\n"
            'gen = pipeline("text-generation", model="gpt2")\n'
            'out = gen("Hi", num_return_sequences=3, temperature=0.7)\n',
            note="the pipeline samples, so several sequences are fine",
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-chat-hf")\n'
            "out = model.generate(**batch, num_return_sequences=3)\n",
            note="the checkpoint's generation config may sample",
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "out = model.generate(**batch, do_sample=False, num_return_sequences=2, **beam)\n",
            note="`**beam` may set num_beams",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        if not ctx.target_knowledge.generation_config_fields:
            return
        for gen in generation_calls(ctx):
            yield from self._temperature(ctx, gen)
            yield from self._return_sequences(ctx, gen)
            found = self._max_new_tokens(ctx, gen)
            if found is not None:
                yield found

    # -- temperature ---------------------------------------------------------------------------
    def _temperature(self, ctx: RuleContext, gen: GenerationCall) -> Iterator[Finding]:
        arg = gen.call.kw("temperature")
        value = _number(arg)
        if arg is None or value is None:
            return
        bad = value <= 0 or (isinstance(value, int) and value != 1)
        if not bad:
            return
        state = sampling(ctx, gen)
        if state.on is False or (state.on is None and gen.site is Site.CONFIG):
            return  # greedy: ignored (HF505); a GenerationConfig alone does not decide
        quoted = TEMPERATURE.format(t=value) + (GREEDY_HINT if value == 0.0 else "")
        quoted = quoted if isinstance(value, float) else quoted.replace(GREEDY_HINT, "")
        if state.on:
            message = (
                f"`temperature={value}` while sampling ({state.because}): "
                f"{ctx.target.phrase()} raises {quoted}"
            )
        else:
            message = (
                f"`temperature={value}` where sampling is not known to be on or off "
                f"({state.because}). If {gen.shown} samples (the generation config of many "
                f"chat checkpoints sets `do_sample: true`), {ctx.target.phrase()} raises "
                f"{quoted} If it does not, the temperature is ignored."
            )
        fix = None
        if isinstance(value, int):
            message += f" Write it as a float (`{float(value)}`)."
            fix = ctx.fix(
                f"Write `{float(value)}`", [ctx.replace(arg.expr, repr(float(value)))], safe=True
            )
        elif value == 0:
            message += " For greedy decoding pass `do_sample=False` instead."
            if gen.call.kw("do_sample") is None:
                fix = ctx.fix(
                    "Use `do_sample=False` (greedy decoding)",
                    [ctx.replace(arg.node, "do_sample=False")],
                    safe=False,
                )
        else:
            message += " Use a positive temperature, or `do_sample=False` for greedy decoding."
        yield self._report(ctx, arg, message, state, fix)

    # -- num_return_sequences -----------------------------------------------------------------
    def _return_sequences(self, ctx: RuleContext, gen: GenerationCall) -> Iterator[Finding]:
        arg = gen.kw("num_return_sequences")
        count = _number(arg)
        if arg is None or not isinstance(count, int) or count <= 1:
            return
        beams_arg = gen.kw("num_beams")
        beams = _number(beams_arg)
        if isinstance(beams, int) and beams > 1:
            if count > beams:
                message = (
                    f"`num_return_sequences={count}` is more than `num_beams={beams}`: beam "
                    f"search keeps only {beams} hypotheses, so {ctx.target.phrase()} raises "
                    f"{BEAMS_RETURN.format(n=count, b=beams)} Use `num_beams` >= "
                    f"{count}, or drop `num_beams` to draw {count} independent samples."
                )
                assumed = overridable(arg, beams_arg)
                yield self._report(ctx, arg, message, Sampling(None, "", assumed))
            return
        if beams_arg is not None and beams != 1:
            return  # num_beams decided at run time
        state = self._greedy(ctx, gen, beams_arg is not None)
        if state is None:
            return
        message = (
            f"`num_return_sequences={count}` with greedy search ({state.because}, one beam): "
            f"greedy search finds one sequence, and {ctx.target.phrase()} raises "
            f"{GREEDY_RETURN.format(n=count)} Sample (`do_sample=True`) or use beam search "
            f"(`num_beams` >= {count})."
        )
        yield self._report(ctx, arg, message, state, assumed=overridable(arg, gen.kw("do_sample")))

    @staticmethod
    def _greedy(ctx: RuleContext, gen: GenerationCall, beams_given: bool) -> Sampling | None:
        """Greedy search for sure: no sampling, and one beam from the call or the model."""
        if gen.site is Site.CONFIG:
            if gen.call.has_star_kwargs:
                return None
            do_sample = gen.value("do_sample")
            if gen.call.kw("do_sample") is not None and do_sample is not False:
                return None
            return Sampling(False, "this config does not set `do_sample=True`")
        state = sampling(ctx, gen)
        if state.on is not False or gen.unseen(ctx):
            return None
        if beams_given or gen.site is not Site.GENERATE:
            return state
        defaults = model_generation_config(ctx, gen.model) if gen.model is not None else None
        if defaults is None or (defaults.values.get("num_beams") or 1) != 1:
            return None
        return state

    # -- max_new_tokens -----------------------------------------------------------------------
    def _max_new_tokens(self, ctx: RuleContext, gen: GenerationCall) -> Finding | None:
        arg = gen.call.kw("max_new_tokens")
        value = _number(arg)
        if arg is None or not isinstance(value, int) or value > 0:
            return None
        message = (
            f"`max_new_tokens={value}` asks for no new token: {ctx.target.phrase()} raises "
            f"ValueError: `max_new_tokens` must be greater than 0, but is {value}."
        )
        return self._report(ctx, arg, message, Sampling(None, "", overridable(arg)))

    # -- reporting ----------------------------------------------------------------------------
    def _report(
        self,
        ctx: RuleContext,
        arg: Arg,
        message: str,
        state: Sampling,
        fix: Fix | None = None,
        assumed: str = "",
    ) -> Finding:
        assumptions = [a for a in (assumed or overridable(arg), state.assumed) if a]
        severity = self.severity
        if state.on is None and state.because:
            severity = Severity.WARNING  # the model's generation config decides
        if assumptions:
            message += f" (Assuming {'; '.join(assumptions)}.)"
            severity = severity.lowered()
        return ctx.report(self, arg.node, message, fix=fix, severity=severity)
