"""HF510: a keyword that reaches generate() (or a GenerationConfig) and that nothing takes.

generate() keeps what GenerationConfig has a field for, and hands every other keyword to the
model, raising for those no model input matches. What counts is read from the target's sources
(knowledge_calls.py): the GenerationConfig fields, generate()'s parameters, the union of every
model class's forward / prepare_inputs_for_generation / generate parameters, and each pipeline
class's own keywords. A typo or another library's name (`max_tokens`) fails the first call.
"""

from __future__ import annotations

from collections.abc import Iterator

from hflint.analyzers.facts import Arg
from hflint.analyzers.findings import Finding, Severity
from hflint.analyzers.knowledge import Knowledge
from hflint.analyzers.values import Const
from hflint.rules.base import Example, Rule
from hflint.rules.context import RuleContext
from hflint.rules.generation_contract import (
    GenerationCall,
    Site,
    accepts,
    generation_calls,
    runs_on,
    suggestion,
)
from hflint.rules.pipeline_keywords import FORMER_KEYWORDS
from hflint.rules.release_facts import releases_where

UNUSED_ERROR = (
    "ValueError: The following `model_kwargs` are not used by the model: {names} (note: typos "
    "in the generate arguments will also show up in this list)"
)


class UnknownGenerationArgument(Rule):
    code = "HF510"
    name = "unknown-generation-argument"
    severity = Severity.ERROR
    summary = "A keyword generate() rejects: neither a generation setting nor a model input"
    what = (
        "Checks the keywords of `model.generate(...)`, of a `text-generation` `pipeline(...)` "
        "and of that pipeline's call against what the target transformers takes: the "
        "`GenerationConfig` fields, `generate()`'s own parameters, the inputs of any model "
        "class (`attention_mask`, `pixel_values`, `input_features`, ...) and the pipeline's "
        "own keywords, all read from its sources. Also `GenerationConfig(...)` keywords that "
        "look like a misspelled field. Models of the project's own classes, remote code, PEFT "
        "wrappers and model classes whose `generate()` routes keywords by name (Bark, "
        "SeamlessM4T) are left alone, and so are `**kwargs` the file does not spell out."
    )
    why = (
        "`generate()` keeps the keywords `GenerationConfig` has a field for and hands the "
        "others to the model; those no input of the model takes stop it:\n\n"
        f"    {UNUSED_ERROR.format(names=['max_new_token'])}\n\n"
        "A text-generation pipeline passes the keywords it does not know itself (at build time "
        "or at the call) to `generate()`, so the error comes at its first call. "
        "`GenerationConfig(...)` keeps an unknown keyword as an attribute without a word, and "
        "`generate()` never reads it: the setting silently has no effect."
    )
    example = """
model = AutoModelForCausalLM.from_pretrained(ckpt)
out = model.generate(**batch, max_new_token=64, max_seq_length=2048)
"""
    use_instead = """
model = AutoModelForCausalLM.from_pretrained(ckpt)
out = model.generate(**batch, max_new_tokens=64)
"""
    fix_safety = (
        "Renaming a misspelled keyword (`max_new_token` -> `max_new_tokens`) or another "
        "library's name (`max_tokens` -> `max_new_tokens`) is safe in `generate()` and "
        "pipelines: the call fails today. In `GenerationConfig(...)` it is unsafe: the setting "
        "starts to take effect. A keyword with no counterpart (`max_seq_length`) gets no fix."
    )
    references = (
        "https://huggingface.co/docs/transformers/main_classes/text_generation",
        "transformers/generation/utils.py (GenerationMixin._validate_model_kwargs)",
        "transformers/pipelines/text_generation.py (TextGenerationPipeline._sanitize_parameters)",
    )
    triggers = (
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("outputs/merged_16bit")\n'
            "out = model.generate(**inputs, max_new_tokens=64, max_seq_length=200)\n",
            note="an Unsloth loading option given to generate()",
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "out = model.generate(input_ids, max_new_token=20)\n",
            fixed="from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "out = model.generate(input_ids, max_new_tokens=20)\n",
        ),
        Example(
            "import transformers\n"
            "generate_text = transformers.pipeline(\n"
            '    task="text-generation",\n'
            '    model="meta-llama/Llama-2-13b-chat-hf",\n'
            "    max_new_tokens=256,\n"
            "    repetition_policy=1.1,\n"
            ")\n",
            note="the pipeline hands it to generate() at its first call",
            fixed="import transformers\n"
            "generate_text = transformers.pipeline(\n"
            '    task="text-generation",\n'
            '    model="meta-llama/Llama-2-13b-chat-hf",\n'
            "    max_new_tokens=256,\n"
            "    repetition_penalty=1.1,\n"
            ")\n",
        ),
        Example(
            "from transformers import pipeline\n"
            'chat = pipeline("text-generation", model="Qwen/Qwen2.5-0.5B-Instruct")\n'
            "reply = chat(messages, max_tokens=128)\n",
            fixed="from transformers import pipeline\n"
            'chat = pipeline("text-generation", model="Qwen/Qwen2.5-0.5B-Instruct")\n'
            "reply = chat(messages, max_new_tokens=128)\n",
        ),
        Example(
            "from transformers import GenerationConfig\n"
            "config = GenerationConfig(do_sample=True, temprature=0.7)\n",
            note="kept as an attribute and never read",
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "out = model.generate(input_ids, attention_mask=mask, max_new_tokens=20, "
            "use_cache=True, output_scores=True, return_dict_in_generate=True, "
            "pad_token_id=tok.eos_token_id, tokenizer=tok, stop_strings=['\\n'])\n",
        ),
        Example(
            "from transformers import AutoModelForImageTextToText, WhisperForConditionalGeneration\n"
            'vlm = AutoModelForImageTextToText.from_pretrained("llava-hf/llava-1.5-7b-hf")\n'
            "out = vlm.generate(input_ids=ids, pixel_values=pixels, image_sizes=sizes, "
            "max_new_tokens=64)\n"
            'asr = WhisperForConditionalGeneration.from_pretrained("openai/whisper-tiny")\n'
            'text = asr.generate(input_features=feats, language="fr", task="transcribe", '
            "return_timestamps=True)\n",
            note="inputs some model's forward (or its own generate) takes",
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n"
            "model = AutoModelForCausalLM.from_pretrained(path, trust_remote_code=True)\n"
            "out = model.generate(input_ids, images=img, max_new_tokens=20)\n",
            note="remote code: its generate() may take anything",
        ),
        Example(
            "from transformers import BarkModel\n"
            'bark = BarkModel.from_pretrained("suno/bark-small")\n'
            "audio = bark.generate(**inputs, semantic_max_new_tokens=100)\n",
            note="BarkModel.generate routes prefixed keywords to its sub-models",
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n"
            "class MyLM(AutoModelForCausalLM):\n"
            "    pass\n"
            'model = MyLM.from_pretrained("gpt2")\n'
            "out = model.generate(input_ids, my_option=3)\n",
        ),
        Example(
            "from transformers import pipeline\n"
            'gen = pipeline("text-generation", model="gpt2", batch_size=8, device_map="auto", '
            'model_kwargs={"load_in_4bit": True})\n'
            "out = gen(prompts, max_new_tokens=20, return_full_text=False, batch_size=4, "
            "add_special_tokens=False, stop_sequence='###')\n",
        ),
        Example(
            "from transformers import pipeline\n"
            'clf = pipeline("text-classification", model="distilbert-base-uncased", '
            "max_tokens=3)\n",
            note="not a generation pipeline: its keywords go to the tokenizer",
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "out = model.generate(input_ids, **gen_kwargs)\n",
            note="keys the file does not spell out",
        ),
        Example(
            "from transformers import GenerationConfig\n"
            "config = GenerationConfig(max_new_tokens=64, lang_to_id=LANGS, is_multilingual=True)\n",
            note="custom entries a model's own generate() reads (Whisper)",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        kn = ctx.target_knowledge
        if not kn.generation_config_fields or not kn.model_input_names:
            return  # the target's sources were not read: nothing to compare with
        for gen in generation_calls(ctx):
            unknown = [
                (name, arg)
                for name, arg in gen.call.kwargs.items()
                if arg.value != Const(None)  # generate() skips a None
                and not accepts(kn, gen, name)
                and not self._former_pipeline_keyword(ctx, gen, name)
            ]
            if not unknown:
                continue
            if gen.site is Site.CONFIG:
                for name, arg in unknown:
                    found = self._config_keyword(ctx, gen, name, arg)
                    if found is not None:
                        yield found
                continue
            if runs_on(ctx, gen) is None:
                continue
            names = [name for name, _ in unknown]
            for name, arg in unknown:
                yield self._rejected(ctx, gen, name, arg, names)

    @staticmethod
    def _former_pipeline_keyword(ctx: RuleContext, gen: GenerationCall, name: str) -> bool:
        """A keyword `pipeline()` once took (`framework=`, `use_auth_token=`): HF704's."""
        if gen.site is not Site.PIPELINE:
            return False
        if name in FORMER_KEYWORDS:
            return True
        return bool(releases_where(ctx, lambda k: name in k.pipeline_params))

    def _rejected(
        self, ctx: RuleContext, gen: GenerationCall, name: str, arg: Arg, names: list[str]
    ) -> Finding:
        kn = ctx.target_knowledge
        when = "raises" if gen.site is Site.GENERATE else "raises, at the pipeline's first call,"
        message = (
            f"{gen.shown} takes no `{name}`: it is neither a generation setting nor an input "
            f"of any model, so {ctx.target.phrase()} {when} "
            f"{UNUSED_ERROR.format(names=names)}."
        )
        if gen.site is Site.PIPELINE:
            message = message.replace(
                "takes no", "hands its unknown keywords to `generate()`, which takes no", 1
            )
        meant, why = suggestion(kn, gen, name)
        fix = None
        elsewhere = self._other_pipelines_taking(kn, gen, name)
        if elsewhere:
            message += f" `{name}` is a keyword of the {elsewhere}, not of this one."
        if name == "generate_kwargs" and gen.site is not Site.GENERATE:
            message += " Pass the settings themselves: `**generate_kwargs`."
            fix = ctx.fix(
                "Pass the settings as keywords",
                [ctx.replace(arg.node, f"**{ctx.code(arg.expr)}")],
                safe=True,
            )
            return ctx.report(self, arg.node, message, fix=fix)
        if why:
            message += f" `{name}` is {why}."
        older = releases_where(ctx, lambda k: k.generate_takes(name)) if not why else []
        if older:
            span = older[0] if len(older) == 1 else f"{older[0]} to {older[-1]}"
            message += (
                f" transformers {span} took it (of the releases hflint has facts for); it is "
                "gone since: remove it."
            )
        if meant is not None:
            message += f" Did you mean `{meant}`?"
            if gen.call.kw(meant) is None and (gen.pipeline is None or not gen.kw(meant)):
                keyword = arg.node.keyword
                assert keyword is not None
                fix = ctx.fix(f"Rename to `{meant}`", [ctx.replace(keyword, meant)], safe=True)
        elif not why and not older:
            message += " Check the spelling, or remove it."
        return ctx.report(self, arg.node, message, fix=fix)

    @staticmethod
    def _other_pipelines_taking(kn: Knowledge, gen: GenerationCall, name: str) -> str:
        """ "image-text-to-text and automatic-speech-recognition pipelines": the tasks whose
        pipeline class names `name` (when this call's does not)."""
        if gen.info is None:
            return ""
        tasks = sorted(
            task
            for task, info in kn.tasks.items()
            if info.impl != gen.info.impl
            and name in kn.pipeline_signatures.get(info.impl, {}).get("sanitize", ())
        )
        if not tasks:
            return ""
        return f"{' and '.join(tasks)} pipeline{'s' if len(tasks) > 1 else ''}"

    def _config_keyword(
        self, ctx: RuleContext, gen: GenerationCall, name: str, arg: Arg
    ) -> Finding | None:
        """A GenerationConfig keyword that is no field but looks like one (custom entries
        that model-specific generate() methods read are legitimate: say nothing of those)."""
        meant, why = suggestion(ctx.target_knowledge, gen, name)
        if meant is None or meant not in ctx.target_knowledge.generation_config_fields:
            return None
        message = (
            f"`{name}` is not a `GenerationConfig` field: {ctx.target.phrase()} keeps it as an "
            "extra attribute without a word, and `generate()` never reads it, so the setting "
            f"has no effect. Did you mean `{meant}`?"
        )
        if why:
            message = message.replace(" Did you", f" (`{name}` is {why}.) Did you", 1)
        fix = None
        if gen.call.kw(meant) is None and not gen.call.has_star_kwargs:
            keyword = arg.node.keyword
            assert keyword is not None
            fix = ctx.fix(f"Rename to `{meant}`", [ctx.replace(keyword, meant)], safe=False)
        return ctx.report(self, arg.node, message, fix=fix, severity=Severity.WARNING)
