"""Family H: `from_pretrained` / `from_config` / `push_to_hub` keywords that the target
transformers release removed, or still takes but warns about: `use_auth_token` (HF801),
`torch_dtype` (HF804), `load_in_8bit` / `load_in_4bit` (HF805).

Which keywords a release takes, and which it warns are deprecated (with the warning text), is
read from its loading functions (`ctx.target_knowledge.load_kwargs`); only the keyword each
rule is about and what to write instead are kept here. `pipeline(...)` keywords are HF704's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from hflint.analyzers.facts import Arg, CallFact, Kind, ObjectFact
from hflint.analyzers.findings import Finding, Fix, Severity
from hflint.analyzers.values import Const, obj_of
from hflint.rules.base import Example, Rule
from hflint.rules.context import RuleContext
from hflint.rules.release_facts import (
    State,
    Verdict,
    accepts,
    keyword_node,
    keyword_verdict,
    library_class,
    loader_chain,
    quoted,
)

_HUB_KINDS = (Kind.MODEL, Kind.TOKENIZER, Kind.CONFIG, Kind.PROCESSOR)


@dataclass(frozen=True)
class Load:
    """One call that loads (or uploads) through transformers' functions."""

    call: CallFact
    chain: tuple[str, ...]  # knowledge_extract.LOADERS names, Auto class first
    cls: str  # the class as written (AutoModel, BertTokenizer, MyModel)
    kind: Kind
    obj: ObjectFact | None  # the object made (None for push_to_hub)

    @property
    def what(self) -> str:
        if self.chain in (("push_to_hub",), ("pipeline",)):
            return self.chain[0]
        return f"{self.cls}.{self.call.method or 'from_pretrained'}"


def loads(ctx: RuleContext) -> list[Load]:
    """Every load the rules of this module check; worked out once per check."""
    return ctx.shared_list(_each_load)


def _each_load(ctx: RuleContext) -> Iterator[Load]:
    for obj in ctx.facts.objects:
        if obj.kind is Kind.PIPELINE:
            continue
        chain = loader_chain(obj, ctx.facts)
        if chain is not None:
            yield Load(obj.call, chain, obj.class_name, obj.kind, obj)
    for call in ctx.facts.calls:
        owner = obj_of(call.receiver) if call.method == "push_to_hub" else None
        if (
            owner is not None
            and owner.kind in _HUB_KINDS
            and library_class(owner, ctx.facts) is not None
        ):
            yield Load(call, ("push_to_hub",), owner.class_name, owner.kind, None)


def _typeerror(load: Load, key: str) -> str:
    """What the call raises once a model loader passes an unknown keyword on."""
    if load.chain == ("push_to_hub",):
        return (
            f"`TypeError: PushToHubMixin.push_to_hub() got an unexpected keyword argument '{key}'`"
        )
    owner = "<model class>" if load.cls.startswith("Auto") else load.cls
    return f"`TypeError: {owner}.__init__() got an unexpected keyword argument '{key}'`"


def _rename(ctx: RuleContext, arg: Arg, new: str, message: str) -> Fix:
    assert arg.node.keyword is not None
    return ctx.fix(message, [ctx.replace(arg.node.keyword, new)], safe=True)


# ---------------------------------------------------------------- HF801


class UseAuthTokenRemoved(Rule):
    code = "HF801"
    name = "use-auth-token-removed"
    severity = Severity.ERROR
    summary = "`use_auth_token=` in a loading or upload call, removed in transformers 5"
    deprecated_api = True
    what = (
        "Checks for `use_auth_token=` in `from_pretrained` of models, tokenizers, configs and "
        "processors and in their `push_to_hub`, against the transformers release the project "
        "targets: an error where that release no longer takes it, a warning where it still "
        "takes it but warns (4.x). `pipeline(use_auth_token=...)` is HF704's."
    )
    why = (
        "transformers 5 removed the keyword. A model load passes it on to the model's "
        "constructor and fails:\n\n"
        "    TypeError: GPT2LMHeadModel.__init__() got an unexpected keyword argument "
        "'use_auth_token'\n\n"
        "Tokenizers and configs ignore it silently, so the token is never sent and a private "
        "or gated repository fails to download with an error that does not name the cause. "
        "`push_to_hub` raises `TypeError: PushToHubMixin.push_to_hub() got an unexpected "
        "keyword argument 'use_auth_token'`. transformers 4.x warned: \"The `use_auth_token` "
        "argument is deprecated and will be removed in v5 of Transformers. Please use `token` "
        'instead."'
    )
    example = """
model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.2-1B", use_auth_token=True)
"""
    use_instead = """
model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.2-1B", token=True)
"""
    fix_safety = (
        "Safe: `token=` takes the same values (a token string or True) in every release that "
        "has it. When `token=` is passed as well, the fix deletes `use_auth_token=` and is "
        "unsafe: the two values may differ."
    )
    references = (
        "https://github.com/huggingface/transformers/blob/main/MIGRATION_GUIDE_V5.md",
        "https://github.com/huggingface/transformers/pull/41666",
    )
    triggers = (
        Example(
            "from transformers import AutoModelForCausalLM\n\n"
            'model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.2-1B", '
            "use_auth_token=True)\n",
            fixed="from transformers import AutoModelForCausalLM\n\n"
            'model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.2-1B", '
            "token=True)\n",
        ),
        Example(
            "import os\n"
            "import transformers as tf\n\n"
            'HF_TOKEN = os.environ["HF_TOKEN"]\n'
            'CKPT = "my-org/private-bert"\n'
            "tok = tf.AutoTokenizer.from_pretrained(CKPT, use_auth_token=HF_TOKEN)\n",
            note="module alias, checkpoint in a variable: a tokenizer ignores it silently",
            fixed="import os\n"
            "import transformers as tf\n\n"
            'HF_TOKEN = os.environ["HF_TOKEN"]\n'
            'CKPT = "my-org/private-bert"\n'
            "tok = tf.AutoTokenizer.from_pretrained(CKPT, token=HF_TOKEN)\n",
        ),
        Example(
            "from transformers.models.bert import BertConfig\n\n"
            "def load(path, secret):\n"
            "    return BertConfig.from_pretrained(path, use_auth_token=secret)\n",
            note="deep import, inside a function",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n\n"
            'model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")\n'
            'model.push_to_hub("me/my-classifier", use_auth_token=True)\n',
            note="push_to_hub",
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoModel\n\n"
            'model = AutoModel.from_pretrained("bert-base-uncased", token=True)\n'
        ),
        Example(
            "from huggingface_hub import hf_hub_download\n\n"
            'path = hf_hub_download("org/repo", "config.json", use_auth_token=True)\n',
            note="not transformers",
        ),
        Example(
            "from transformers import pipeline\n\n"
            'clf = pipeline("text-classification", model="org/private", use_auth_token=True)\n',
            note="pipeline keywords are HF704's",
        ),
        Example(
            "from peft import PeftModel\n\n"
            'model = PeftModel.from_pretrained(base, "org/adapter", use_auth_token=True)\n',
            note="peft's loader",
        ),
        Example(
            "from transformers import AutoModel\n\n"
            "opts = load_options()\n"
            'model = AutoModel.from_pretrained("bert-base-uncased", **opts)\n',
            note="keywords inside a **kwargs built elsewhere are not guessed",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        found = [(load, arg) for load in loads(ctx) if (arg := load.call.kw("use_auth_token"))]
        if not found:
            return
        tk = ctx.target_knowledge
        for load, arg in found:
            verdict = keyword_verdict(tk, load.chain, "use_auth_token")
            if verdict is None or verdict.state is State.ACCEPTED:
                continue
            yield self._report(ctx, load, arg, verdict, accepts(tk, load.chain, "token"))

    def _report(
        self, ctx: RuleContext, load: Load, arg: Arg, verdict: Verdict, token_ok: bool
    ) -> Finding:
        fix: Fix | None = None
        if "token" in load.call.kwargs:
            advice = "`token=` is passed too: delete `use_auth_token=`."
            fix = ctx.fix(
                "Remove `use_auth_token=` (keep `token=`)",
                ctx.remove_args(load.call.node, [arg.node]),
                safe=False,
            )
        elif token_ok:
            advice = "Use `token=`."
            fix = _rename(ctx, arg, "token", "Use `token=`")
        else:
            advice = ""
        if verdict.state is State.DEPRECATED:
            message = (
                f"`use_auth_token` is deprecated in {ctx.target.phrase()}: `{load.what}` warns "
                f"{quoted(verdict.warning)}. {advice}"
            )
            return ctx.report(
                self, keyword_node(arg), message.strip(), fix=fix, severity=Severity.WARNING
            )
        if load.chain == ("push_to_hub",) or load.kind is Kind.MODEL:
            effect = f"the call fails with {_typeerror(load, 'use_auth_token')}"
        else:
            effect = (
                "it is ignored silently: the token is never sent, so a private or gated "
                "repository fails to download with an error that does not name the cause"
            )
        message = (
            f"`{load.what}` no longer takes `use_auth_token` in {ctx.target.phrase()}: "
            f"{effect}. {advice}"
        )
        return ctx.report(self, keyword_node(arg), message.strip(), fix=fix)


# ---------------------------------------------------------------- HF804


class TorchDtypeDeprecated(Rule):
    code = "HF804"
    name = "torch-dtype-deprecated"
    severity = Severity.WARNING
    summary = "`torch_dtype=` where the target transformers release wants `dtype=`"
    deprecated_api = True
    what = (
        "Checks for `torch_dtype=` in a model's `from_pretrained` / `from_config` and in "
        '`pipeline()` (also as a `model_kwargs={"torch_dtype": ...}` key) when the release '
        "the project targets has `dtype=` and deprecates `torch_dtype` (4.56 and later). Older "
        "releases, which only know `torch_dtype`, are left alone."
    )
    why = (
        "The keyword still works, but it is deprecated and goes away in a future release. "
        'transformers says: "`torch_dtype` is deprecated! Use `dtype` instead!" (logged '
        "once, when the Auto classes or `from_config` read it). When both are given, `dtype` "
        "wins."
    )
    example = """
model = AutoModelForCausalLM.from_pretrained(ckpt, torch_dtype=torch.bfloat16, device_map="auto")
"""
    use_instead = """
model = AutoModelForCausalLM.from_pretrained(ckpt, dtype=torch.bfloat16, device_map="auto")
"""
    fix_safety = (
        "Safe: `dtype=` takes the same values; with both keywords the fix deletes "
        "`torch_dtype=`, which transformers ignores then."
    )
    references = (
        "https://github.com/huggingface/transformers/blob/main/MIGRATION_GUIDE_V5.md",
        "transformers/modeling_utils.py",
    )
    triggers = (
        Example(
            "import torch\n"
            "from transformers import AutoModelForCausalLM\n\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2", torch_dtype=torch.bfloat16, '
            'device_map="auto")\n',
            fixed="import torch\n"
            "from transformers import AutoModelForCausalLM\n\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2", dtype=torch.bfloat16, '
            'device_map="auto")\n',
        ),
        Example(
            "import transformers\n\n"
            'cfg = transformers.AutoConfig.from_pretrained("gpt2")\n'
            'model = transformers.AutoModelForCausalLM.from_config(cfg, torch_dtype="auto")\n',
            note="from_config, module import",
            fixed="import transformers\n\n"
            'cfg = transformers.AutoConfig.from_pretrained("gpt2")\n'
            'model = transformers.AutoModelForCausalLM.from_config(cfg, dtype="auto")\n',
        ),
        Example(
            "import torch\n"
            "from transformers import LlamaForCausalLM\n\n"
            "def load(path):\n"
            "    return LlamaForCausalLM.from_pretrained(\n"
            "        path, dtype=torch.float16, torch_dtype=torch.float16\n"
            "    )\n",
            note="both keywords: the old one goes",
            fixed="import torch\n"
            "from transformers import LlamaForCausalLM\n\n"
            "def load(path):\n"
            "    return LlamaForCausalLM.from_pretrained(\n"
            "        path, dtype=torch.float16\n"
            "    )\n",
        ),
        Example(
            "import torch\n"
            "from transformers import pipeline\n\n"
            "gen = pipeline(\n"
            '    "text-generation", model="gpt2", model_kwargs={"torch_dtype": torch.float16}\n'
            ")\n",
            note="pipeline, as a model_kwargs key",
            fixed="import torch\n"
            "from transformers import pipeline\n\n"
            "gen = pipeline(\n"
            '    "text-generation", model="gpt2", model_kwargs={"dtype": torch.float16}\n'
            ")\n",
        ),
        Example(
            "import torch\n"
            "from transformers import pipeline\n\n"
            'gen = pipeline("text-generation", model="gpt2", torch_dtype=torch.float16)\n',
            note="pipeline keyword",
            fixed="import torch\n"
            "from transformers import pipeline\n\n"
            'gen = pipeline("text-generation", model="gpt2", dtype=torch.float16)\n',
        ),
    )
    near_misses = (
        Example(
            "import torch\n"
            "from transformers import AutoModel\n\n"
            'model = AutoModel.from_pretrained("bert-base-uncased", dtype=torch.float16)\n'
        ),
        Example(
            "import torch\n"
            "from transformers import pipeline\n\n"
            'gen = pipeline("text-generation", model="gpt2", model_kwargs={"dtype": torch.float16})\n',
            note="the current key",
        ),
        Example(
            "import torch\n"
            "from diffusers import StableDiffusionPipeline\n\n"
            'pipe = StableDiffusionPipeline.from_pretrained("x", torch_dtype=torch.float16)\n',
            note="diffusers still takes torch_dtype",
        ),
        Example(
            "import torch\n"
            "from transformers import AutoModel\n\n"
            'model = AutoModel.from_pretrained("bert-base-uncased")\n'
            "print(model.config.torch_dtype)\n",
            note="the config attribute is not a keyword argument",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        found: list[tuple[Load, cst.CSTNode, Arg | None]] = []
        for load in loads(ctx):
            arg = load.call.kw("torch_dtype") if load.kind is Kind.MODEL and load.obj else None
            if arg is not None:
                found.append((load, keyword_node(arg), arg))
        for obj in ctx.objects(Kind.PIPELINE):
            if obj.qualname != "transformers.pipeline":
                continue
            load = Load(obj.call, ("pipeline",), "pipeline", Kind.PIPELINE, obj)
            arg = obj.kw("torch_dtype")
            if arg is not None:
                found.append((load, keyword_node(arg), arg))
            key = _model_kwargs_key(obj.kw("model_kwargs"))
            if key is not None:  # handed to the model's from_pretrained
                model_load = Load(obj.call, ("auto_model", "model"), "pipeline", Kind.PIPELINE, obj)
                found.append((model_load, key, None))
        if not found:
            return
        tk = ctx.target_knowledge
        for load, node, arg in found:
            if not accepts(tk, load.chain, "dtype"):
                continue  # a release before `dtype`: torch_dtype is the keyword
            verdict = keyword_verdict(tk, load.chain, "torch_dtype")
            if verdict is None:
                continue
            fix = self._fix(ctx, load, node, arg)
            if verdict.state is State.GONE:
                if arg is not None and load.kind is Kind.MODEL:
                    message = (
                        f"`{load.what}` no longer takes `torch_dtype` in {ctx.target.phrase()}: "
                        f"the call fails with {_typeerror(load, 'torch_dtype')}. Use `dtype=`."
                    )
                    yield ctx.report(self, node, message, fix=fix, severity=Severity.ERROR)
                continue
            warning = verdict.warning or _deprecation(
                tk.deprecated_load_kwargs, tk.deprecated_config_members
            )
            if not warning:
                continue
            spelled = "`torch_dtype`" if arg is not None else '`model_kwargs["torch_dtype"]`'
            message = (
                f"{spelled} is deprecated in {ctx.target.phrase()}, which says "
                f"{quoted(warning)} The loaded model is the same: use "
                f"{'`dtype=`' if arg is not None else 'the key `dtype`'}."
            )
            yield ctx.report(self, node, message, fix=fix)

    @staticmethod
    def _fix(ctx: RuleContext, load: Load, node: cst.CSTNode, arg: Arg | None) -> Fix | None:
        if arg is None:  # the "torch_dtype" key of a literal model_kwargs dict
            if not isinstance(node, cst.SimpleString):
                return None
            quote = node.value[-1]
            return ctx.fix(
                'Use the key "dtype"', [ctx.replace(node, f"{quote}dtype{quote}")], safe=True
            )
        if "dtype" in load.call.kwargs:
            return ctx.fix(
                "Remove `torch_dtype=` (`dtype=` wins)",
                ctx.remove_args(load.call.node, [arg.node]),
                safe=True,
            )
        return _rename(ctx, arg, "dtype", "Use `dtype=`")


def _model_kwargs_key(arg: Arg | None) -> cst.CSTNode | None:
    """The `"torch_dtype"` key of `model_kwargs={...}` written as a literal without `"dtype"`."""
    if arg is None or not isinstance(arg.expr, cst.Dict):
        return None
    keys = {}
    for element in arg.expr.elements:
        if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
            keys[element.key.evaluated_value] = element.key
    return keys.get("torch_dtype") if "dtype" not in keys else None


def _deprecation(loaders: dict[str, dict[str, str]], config: dict[str, str]) -> str:
    """The release's own words about `torch_dtype` where the direct path does not warn: the
    `from_config` path, or the config attribute the Auto classes set."""
    return loaders.get("model_from_config", {}).get("torch_dtype") or config.get("torch_dtype", "")


# ---------------------------------------------------------------- HF805

_KBIT = ("load_in_8bit", "load_in_4bit")
_BNB_PREFIXES = ("bnb_4bit_", "llm_int8_")


class LoadInKbitRemoved(Rule):
    code = "HF805"
    name = "load-in-kbit-kwargs-removed"
    severity = Severity.ERROR
    summary = "`load_in_8bit=` / `load_in_4bit=` in `from_pretrained`, removed in transformers 5"
    deprecated_api = True
    what = (
        "Checks a model's `from_pretrained` for `load_in_8bit=` or `load_in_4bit=` against the "
        "transformers release the project targets: an error where that release no longer "
        "takes them (5.x), a warning where it takes them but warns (4.x)."
    )
    why = (
        "transformers 5 passes the keyword on to the model's constructor:\n\n"
        "    TypeError: GPT2LMHeadModel.__init__() got an unexpected keyword argument "
        "'load_in_8bit'\n\n"
        '4.x warned: "The `load_in_4bit` and `load_in_8bit` arguments are deprecated and will '
        "be removed in the future versions. Please, pass a `BitsAndBytesConfig` object in "
        '`quantization_config` argument instead."'
    )
    example = """
model = AutoModelForCausalLM.from_pretrained(ckpt, load_in_4bit=True, device_map="auto")
"""
    use_instead = """
from transformers import BitsAndBytesConfig
model = AutoModelForCausalLM.from_pretrained(
    ckpt, quantization_config=BitsAndBytesConfig(load_in_4bit=True), device_map="auto"
)
"""
    fix_safety = (
        "Safe when the flags are literally `True`: the fix moves them, and any `bnb_4bit_*` / "
        "`llm_int8_*` keywords, into `quantization_config=BitsAndBytesConfig(...)`, which is "
        "what transformers 4.x built from them. A literal `False` is deleted (safe). A value "
        "decided at run time makes the fix unsafe: with `False`, the config still asks for "
        "bitsandbytes."
    )
    references = (
        "https://github.com/huggingface/transformers/blob/main/MIGRATION_GUIDE_V5.md",
        "https://huggingface.co/docs/transformers/quantization/bitsandbytes",
    )
    triggers = (
        Example(
            "from transformers import AutoModelForCausalLM\n\n"
            'model = AutoModelForCausalLM.from_pretrained("facebook/opt-350m", load_in_4bit=True, '
            'device_map="auto")\n',
            fixed="from transformers import AutoModelForCausalLM, BitsAndBytesConfig\n\n"
            'model = AutoModelForCausalLM.from_pretrained("facebook/opt-350m", '
            'quantization_config=BitsAndBytesConfig(load_in_4bit=True), device_map="auto")\n',
        ),
        Example(
            "import torch\n"
            "import transformers as T\n\n"
            'CKPT = "meta-llama/Llama-3.2-1B"\n'
            "model = T.AutoModelForCausalLM.from_pretrained(\n"
            "    CKPT,\n"
            "    load_in_4bit=True,\n"
            "    bnb_4bit_compute_dtype=torch.bfloat16,\n"
            ")\n",
            note="module alias, sibling bnb_4bit_* keyword moves too",
            fixed="import torch\n"
            "import transformers as T\n\n"
            'CKPT = "meta-llama/Llama-3.2-1B"\n'
            "model = T.AutoModelForCausalLM.from_pretrained(\n"
            "    CKPT,\n"
            "    quantization_config=T.BitsAndBytesConfig(load_in_4bit=True, "
            "bnb_4bit_compute_dtype=torch.bfloat16),\n"
            ")\n",
        ),
        Example(
            "import argparse\n"
            "from transformers import AutoModelForSeq2SeqLM\n\n"
            "parser = argparse.ArgumentParser()\n"
            'parser.add_argument("--int8", action="store_true")\n'
            "args = parser.parse_args()\n"
            'model = AutoModelForSeq2SeqLM.from_pretrained("t5-small", load_in_8bit=args.int8)\n',
            note="a command-line flag: the fix is unsafe",
        ),
        Example(
            "from transformers import OPTForCausalLM\n\n"
            "def load(path):\n"
            "    return OPTForCausalLM.from_pretrained(path, load_in_8bit=False)\n",
            note="a literal False: the fix deletes it",
            fixed="from transformers import OPTForCausalLM\n\n"
            "def load(path):\n"
            "    return OPTForCausalLM.from_pretrained(path)\n",
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoModelForCausalLM, BitsAndBytesConfig\n\n"
            "bnb = BitsAndBytesConfig(load_in_4bit=True)\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2", quantization_config=bnb)\n',
            note="BitsAndBytesConfig takes these keywords",
        ),
        Example(
            "from transformers import pipeline\n\n"
            'gen = pipeline("text-generation", model="gpt2", model_kwargs={"load_in_8bit": True})\n',
            note="pipeline keywords are HF704's",
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n\n"
            "quant = quantization_options()\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2", **quant)\n',
            note="keywords inside a **kwargs built elsewhere are not guessed",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        found = [
            load
            for load in loads(ctx)
            if load.kind is Kind.MODEL and load.call.method == "from_pretrained" and load.obj
            if any(k in load.call.kwargs for k in _KBIT)
        ]
        if not found:
            return
        tk = ctx.target_knowledge
        for load in found:
            for key in _KBIT:
                arg = load.call.kwargs.get(key)
                verdict = keyword_verdict(tk, load.chain, key) if arg is not None else None
                if arg is None or verdict is None or verdict.state is State.ACCEPTED:
                    continue
                fix = self._fix(ctx, load) if tk.has_name("BitsAndBytesConfig") else None
                if verdict.state is State.DEPRECATED:
                    message = (
                        f"`{key}` is deprecated in {ctx.target.phrase()}: `{load.what}` warns "
                        f"{quoted(verdict.warning)}."
                    )
                    yield ctx.report(
                        self, keyword_node(arg), message, fix=fix, severity=Severity.WARNING
                    )
                    continue
                message = (
                    f"`{load.what}` no longer takes `{key}` in {ctx.target.phrase()}: the call "
                    f"fails with {_typeerror(load, key)}. Pass "
                    "`quantization_config=BitsAndBytesConfig(...)` instead."
                )
                yield ctx.report(self, keyword_node(arg), message, fix=fix)

    @staticmethod
    def _fix(ctx: RuleContext, load: Load) -> Fix | None:
        call = load.call
        if "quantization_config" in call.kwargs:
            return None  # 4.x raised on both; which one was meant is the user's call
        flags = [a for k, a in call.kwargs.items() if k in _KBIT]
        values = [
            a.value.value if isinstance(a.value, Const) and not a.value.overridable else None
            for a in flags
        ]
        if all(v is False for v in values):
            return ctx.fix(
                "Remove the `False` quantization flags",
                ctx.remove_args(call.node, [a.node for a in flags]),
                safe=True,
            )
        moved = [a for k, a in call.kwargs.items() if k in _KBIT or k.startswith(_BNB_PREFIXES)]
        name, import_edit = ctx.name_for("transformers.BitsAndBytesConfig")
        inner = ", ".join(f"{k}={ctx.code(a.expr)}" for k, a in call.kwargs.items() if a in moved)
        edits = [ctx.replace(moved[0].node, f"quantization_config={name}({inner})")]
        edits += ctx.remove_args(call.node, [a.node for a in moved[1:]])
        safe = all(v is True for v in values)
        note = "" if safe else " (unsafe: a flag decided at run time may be False)"
        return ctx.fix(
            f"Pass `quantization_config={name}({inner})`{note}",
            [*edits, import_edit],
            safe=safe,
        )
