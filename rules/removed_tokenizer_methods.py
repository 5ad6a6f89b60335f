"""HF603: tokenizer methods of the 4.x API that the target transformers no longer has.

Whether a method exists is read from the target version's tokenizer classes (their bases and
the names their bodies define, see knowledge_extract.py); the table below only lists the 4.x
names and what replaces them. Some model-specific tokenizers keep a method the generic ones
dropped (TAPAS and LayoutLMv3 keep `encode_plus`, NLLB keeps `prepare_seq2seq_batch`): when
the class is known and has it, nothing is reported, and when `AutoTokenizer` loads an
unknown checkpoint the finding is one step lower and names those exceptions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from hflint.analyzers.facts import CallFact, Kind, ObjectFact
from hflint.analyzers.findings import Edit, Finding, Fix, Position, Range, Severity
from hflint.analyzers.knowledge import Knowledge
from hflint.analyzers.values import ObjRef, const_str, const_value
from hflint.rules.base import Example, Rule
from hflint.rules.classifier_facts import remote_code
from hflint.rules.context import Checkpoint, RuleContext
from hflint.rules.tokenizer_facts import iter_statements, scope_body

_BASE = "PreTrainedTokenizerBase"


@dataclass(frozen=True)
class Replacement:
    advice: str  # `{tok}` is the receiver's code
    fix: str | None = None  # "call", "seq2seq", "target", "rename:<attr>"


# The 4.x tokenizer API (PreTrainedTokenizerBase, SpecialTokensMixin, the fast and slow
# bases) and its replacements. Whether each is gone is decided by the target's knowledge.
REPLACEMENTS: dict[str, Replacement] = {
    "encode_plus": Replacement(
        "call the tokenizer itself, `{tok}(...)`, with the same keywords", "call"
    ),
    "batch_encode_plus": Replacement(
        "call the tokenizer itself on the list, `{tok}(...)`, with the same keywords", "call"
    ),
    "prepare_seq2seq_batch": Replacement(
        "call `{tok}(src_texts, text_target=tgt_texts, ...)`; its `labels` are the targets' ids",
        "seq2seq",
    ),
    "as_target_tokenizer": Replacement(
        "drop the `with` block and pass the targets as `text_target=` to `{tok}(...)`", "target"
    ),
    "build_inputs_with_special_tokens": Replacement(
        "let `{tok}(...)` or `{tok}.encode(...)` add the special tokens"
    ),
    "create_token_type_ids_from_sequences": Replacement(
        "ask `{tok}(text, text_pair, return_token_type_ids=True)` for them"
    ),
    "prepare_for_model": Replacement(
        "encode the text with `{tok}(...)` (ids you already have are padded by `{tok}.pad(...)`)"
    ),
    "truncate_sequences": Replacement("pass `truncation=` and `max_length=` to `{tok}(...)`"),
    "sanitize_special_tokens": Replacement(
        "drop the call: special tokens are added to the vocabulary when the tokenizer loads"
    ),
    "special_tokens_map_extended": Replacement(
        "read `{tok}.special_tokens_map` (strings instead of AddedToken objects)",
        "rename:special_tokens_map",
    ),
    "all_special_tokens_extended": Replacement(
        "read `{tok}.all_special_tokens` (strings instead of AddedToken objects)",
        "rename:all_special_tokens",
    ),
}
_SEQ2SEQ_PARAMS = (
    "src_texts",
    "tgt_texts",
    "max_length",
    "max_target_length",
    "padding",
    "return_tensors",
    "truncation",
)
_SEQ2SEQ_DEFAULTS = {"padding": '"longest"', "truncation": "True"}  # 4.x defaults, not __call__'s


@dataclass(frozen=True)
class Use:
    """`<receiver>.<name>` on a tokenizer."""

    tokenizer: ObjectFact  # the tokenizer, or the processor whose `.tokenizer` it is
    attribute: cst.Attribute
    via_processor: bool


@dataclass(frozen=True)
class Classes:
    """The tokenizer classes the receiver may be; `names` None: any AutoTokenizer can return."""

    names: frozenset[str] | None
    ckpt: Checkpoint | None
    checkpoint_name: str | None  # the checkpoint as written, when constant


def _uses(ctx: RuleContext) -> Iterator[Use]:
    for use in ctx.facts.attr_uses:
        if use.is_write or len(use.path) != 1:
            continue
        obj = use.obj
        if obj.kind is Kind.TOKENIZER and use.path[0] in REPLACEMENTS:
            yield Use(obj, use.node, False)
        elif obj.kind is Kind.PROCESSOR and use.path == ("tokenizer",):
            for call in ctx.facts.calls:
                func = call.node.func
                if (
                    isinstance(func, cst.Attribute)
                    and func.value is use.node
                    and func.attr.value in REPLACEMENTS
                ):
                    yield Use(obj, func, True)


def _tokenizer_class_of_processor(knowledge: Knowledge, class_name: str) -> str | None:
    prefix = class_name.removesuffix("Processor")
    return knowledge.tokenizer_class(f"{prefix}Tokenizer") if prefix != class_name else None


def candidate_classes(ctx: RuleContext, use: Use) -> Classes | None:
    """What the receiver may be; None when it cannot be judged (user or remote-code class)."""
    obj, knowledge = use.tokenizer, ctx.target_knowledge
    if obj.user_class is not None or remote_code(obj):
        return None
    if not obj.class_name.startswith("Auto"):
        if use.via_processor:
            concrete = _tokenizer_class_of_processor(knowledge, obj.class_name)
        else:
            concrete = knowledge.tokenizer_class(obj.class_name)
        if concrete is None:
            return None if not use.via_processor else Classes(None, None, None)
        return Classes(frozenset({concrete}), None, None)
    ckpt = ctx.checkpoint(obj)
    written = const_str(obj.checkpoint)
    if ckpt is None:
        return Classes(None, None, written)
    facts = ckpt.facts
    if any(key.startswith(("AutoTokenizer", "AutoProcessor")) for key in facts.auto_map):
        return None
    names = {facts.tokenizer_class} if facts.tokenizer_class else set()
    names.update(knowledge.tokenizer_mapping.get(facts.model_type or "", ()))
    known = {k for k in (knowledge.tokenizer_class(n) for n in names if n) if k}
    if not known:
        return Classes(None, ckpt, written)
    return Classes(frozenset(known), ckpt, written)


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def named_like(checkpoint: str | None, folders: set[str]) -> bool:
    """The checkpoint's name mentions a model family that keeps the method (tapas, nllb)."""
    if not checkpoint:
        return False
    name = _normal(checkpoint)
    for folder in folders:
        stem = _normal(folder)
        short = stem.rstrip("0123456789")
        if (len(stem) >= 4 and stem in name) or (len(short) >= 4 and short in name):
            return True
    return False


class RemovedTokenizerMethods(Rule):
    code = "HF603"
    name = "removed-tokenizer-methods"
    severity = Severity.ERROR
    summary = "A 4.x tokenizer method the target transformers no longer has"
    deprecated_api = True
    what = (
        "Checks for methods and properties of the 4.x tokenizer API (`encode_plus`, "
        "`batch_encode_plus`, `prepare_seq2seq_batch`, `as_target_tokenizer`, "
        "`build_inputs_with_special_tokens`, `special_tokens_map_extended`, ...) used on a "
        "tokenizer this file loads (or a processor's `.tokenizer`), when no class that "
        "tokenizer can be in the target transformers defines it. Model-specific tokenizers "
        "that keep the method (TAPAS, LayoutLMv3, MarkupLM, NLLB, ...) are not reported."
    )
    why = (
        "transformers 5 dropped these from its tokenizers; the lookup fails at run time:\n\n"
        "    AttributeError: BertTokenizer has no attribute encode_plus\n\n"
        "(the class name is the tokenizer's: `TokenizersBackend` for a generic one). "
        "transformers 4.x had deprecated some of them: `as_target_tokenizer is deprecated and "
        "will be removed in v5 of Transformers. You can tokenize your labels by using the "
        "argument text_target of the regular __call__ method`."
    )
    example = (
        "from transformers import AutoTokenizer\n"
        'tok = AutoTokenizer.from_pretrained("t5-small")\n'
        "enc = tok.batch_encode_plus(sources, padding=True)\n"
        "with tok.as_target_tokenizer():\n"
        "    labels = tok(targets, max_length=128, truncation=True)"
    )
    use_instead = (
        "from transformers import AutoTokenizer\n"
        'tok = AutoTokenizer.from_pretrained("t5-small")\n'
        "enc = tok(sources, padding=True)\n"
        "labels = tok(text_target=targets, max_length=128, truncation=True)"
    )
    fix_safety = (
        "Safe for `encode_plus` / `batch_encode_plus` on literal texts (at most two, or one, "
        "positional arguments): calling the tokenizer takes the same keywords and returns the "
        "same `BatchEncoding`. Unsafe on other inputs, which 4.x also accepted as tokens or "
        "token ids, and for the rest: `as_target_tokenizer` blocks are unwrapped "
        "(the block structure changes), `prepare_seq2seq_batch` becomes one call with its old "
        'defaults written out (`padding="longest"`, `truncation=True`), and the '
        "`*_extended` properties become ones that return strings instead of AddedToken "
        "objects. The other methods get no fix."
    )
    references = (
        "https://github.com/huggingface/transformers/blob/main/MIGRATION_GUIDE_V5.md",
        "https://huggingface.co/docs/transformers/main_classes/tokenizer"
        "#transformers.PreTrainedTokenizerBase.__call__",
        "transformers/tokenization_utils_base.py (PreTrainedTokenizerBase.__getattr__)",
    )
    triggers = (
        Example(
            "from transformers import AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("bert-base-uncased")\n'
            'enc = tok.encode_plus("hello", "world", truncation=True, return_tensors="pt")\n',
            fixed="from transformers import AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("bert-base-uncased")\n'
            'enc = tok("hello", "world", truncation=True, return_tensors="pt")\n',
        ),
        Example(
            "import transformers as tf\n"
            'tokenizer = tf.AutoTokenizer.from_pretrained("t5-small")\n'
            "def preprocess(batch):\n"
            '    inputs = tokenizer(batch["document"], max_length=512, truncation=True)\n'
            "    with tokenizer.as_target_tokenizer():\n"
            '        labels = tokenizer(batch["summary"], max_length=128, truncation=True)\n'
            '    inputs["labels"] = labels["input_ids"]\n'
            "    return inputs\n",
            fixed="import transformers as tf\n"
            'tokenizer = tf.AutoTokenizer.from_pretrained("t5-small")\n'
            "def preprocess(batch):\n"
            '    inputs = tokenizer(batch["document"], max_length=512, truncation=True)\n'
            '    labels = tokenizer(text_target=batch["summary"], max_length=128, truncation=True)\n'
            '    inputs["labels"] = labels["input_ids"]\n'
            "    return inputs\n",
        ),
        Example(
            "from transformers.models.gpt2 import GPT2TokenizerFast\n"
            'tok = GPT2TokenizerFast.from_pretrained("gpt2")\n'
            "batch = tok.batch_encode_plus(texts, padding=True)\n",
            note="a concrete class, through a deep import",
            fixed="from transformers.models.gpt2 import GPT2TokenizerFast\n"
            'tok = GPT2TokenizerFast.from_pretrained("gpt2")\n'
            "batch = tok(texts, padding=True)\n",
        ),
        Example(
            "from transformers import AutoTokenizer\n"
            "import sys\n"
            "tok = AutoTokenizer.from_pretrained(sys.argv[1])\n"
            'batch = tok.prepare_seq2seq_batch(src, tgt, return_tensors="pt")\n',
            note="unknown checkpoint, and NLLB / M2M100 still have it: one step lower",
            fixed="from transformers import AutoTokenizer\n"
            "import sys\n"
            "tok = AutoTokenizer.from_pretrained(sys.argv[1])\n"
            'batch = tok(src, text_target=tgt, padding="longest", return_tensors="pt", '
            "truncation=True)\n",
        ),
        Example(
            "from transformers import AutoProcessor\n"
            'processor = AutoProcessor.from_pretrained("openai/whisper-small")\n'
            'batch = processor.tokenizer.batch_encode_plus(["a", "b"], padding=True)\n'
            "ids = processor.tokenizer.build_inputs_with_special_tokens([1, 2])\n",
            note="a processor's tokenizer; WhisperTokenizer keeps build_inputs_with_special_tokens",
            fixed="from transformers import AutoProcessor\n"
            'processor = AutoProcessor.from_pretrained("openai/whisper-small")\n'
            'batch = processor.tokenizer(["a", "b"], padding=True)\n'
            "ids = processor.tokenizer.build_inputs_with_special_tokens([1, 2])\n",
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("bert-base-uncased")\n'
            'enc = tok("hello", "world", truncation=True)\n'
            'text = tok.batch_decode(enc["input_ids"])\n',
            note="batch_decode is still there",
        ),
        Example(
            "from transformers import TapasTokenizer\n"
            'tok = TapasTokenizer.from_pretrained("google/tapas-base")\n'
            "enc = tok.encode_plus(table=table, query=query)\n",
            note="TAPAS keeps encode_plus",
        ),
        Example(
            "from transformers import AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("facebook/nllb-200-distilled-600M")\n'
            'batch = tok.prepare_seq2seq_batch(["hi"], src_lang="eng_Latn")\n',
            note="unknown checkpoint, but named after a tokenizer that keeps it",
        ),
        Example(
            "import tiktoken\n"
            'tok = tiktoken.get_encoding("cl100k_base")\n'
            'enc = tok.encode_plus("hello")\n',
            note="not a transformers tokenizer",
        ),
        Example(
            "from transformers import AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("Helsinki-NLP/opus-mt-en-de")\n'
            "ids = tok.build_inputs_with_special_tokens([5, 6])\n",
            note="MarianTokenizer (a Python tokenizer) still has it",
        ),
        Example(
            "from transformers import AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("t5-small")\n'
            "specials = tok.special_tokens_map\n"
            "def encode_plus(text):\n"
            "    return tok(text)\n"
            'encode_plus("x")\n',
            note="the 5.x property, and a function of the same name",
        ),
        Example(
            "from transformers import AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("someorg/custom", trust_remote_code=True)\n'
            'enc = tok.encode_plus("x")\n',
            note="remote code: its class may define anything",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        knowledge = ctx.target_knowledge
        if _BASE not in knowledge.tokenizer_bases:
            return  # this version's tokenizers are unknown: nothing can be judged
        for use in _uses(ctx):
            attr = use.attribute.attr.value
            classes = candidate_classes(ctx, use)
            if classes is None:
                continue
            if classes.names is not None:
                if any(knowledge.tokenizer_has(c, attr) for c in classes.names):
                    continue
                yield self._finding(ctx, use, attr, classes, sorted(classes.names), [])
                continue
            keeping = knowledge.tokenizer_classes_with(attr, _BASE)
            folders = {knowledge.tokenizer_modules.get(c, "") for c in keeping} - {""}
            if named_like(classes.checkpoint_name, folders):
                continue
            yield self._finding(ctx, use, attr, classes, [], sorted(folders))

    def _finding(
        self,
        ctx: RuleContext,
        use: Use,
        attr: str,
        classes: Classes,
        names: list[str],
        keeping: list[str],
    ) -> Finding:
        recv = ctx.code(use.attribute.value)
        replacement = REPLACEMENTS[attr]
        example = names[0] if len(names) == 1 else "TokenizersBackend"
        owner = f"`{names[0]}`" if len(names) == 1 else "the tokenizer class"
        if len(names) > 1:
            owner = "none of " + ", ".join(f"`{n}`" for n in names)
        message = (
            f"`{recv}.{attr}` does not exist in {ctx.target.phrase()}: {owner} has no "
            f"`{attr}` (the 4.x tokenizer API lost it in transformers 5), so this raises "
            f"`AttributeError: {example} has no attribute {attr}`. "
            f"Instead, {replacement.advice.format(tok=recv)}."
        )
        severity = self.severity
        if keeping:
            shown = ", ".join(keeping[:8]) + (", ..." if len(keeping) > 8 else "")
            subject = (
                f"`{classes.checkpoint_name}`" if classes.checkpoint_name else "the checkpoint"
            )
            message += (
                f" (Assuming {subject} does not load one of the model-specific tokenizers that "
                f"still define it: {shown}.)"
            )
            severity = severity.lowered()
        if classes.ckpt is not None and not classes.ckpt.certain:
            message += f" (Assuming {classes.ckpt.assumed}.)"
            severity = severity.lowered()
        fix = self._fix(ctx, use, attr, replacement)
        return ctx.report(self, use.attribute.attr, message, fix=fix, severity=severity)

    # ---- fixes ----------------------------------------------------------------------------
    def _fix(self, ctx: RuleContext, use: Use, attr: str, replacement: Replacement) -> Fix | None:
        kind = replacement.fix
        if kind is None:
            return None
        recv = ctx.code(use.attribute.value)
        if kind.startswith("rename:"):
            new = kind.split(":", 1)[1]
            edit = ctx.replace(use.attribute.attr, new)
            return ctx.fix(f"Use {recv}.{new} (returns strings)", [edit], safe=False)
        call = next((c for c in ctx.facts.calls if c.node.func is use.attribute), None)
        if call is None or call.has_star_kwargs or any(a.star for a in call.node.args):
            return None
        if kind == "call":
            return self._call_fix(ctx, call, attr, recv)
        if kind == "seq2seq":
            return self._seq2seq_fix(ctx, call, recv)
        if kind == "target" and not use.via_processor:
            return self._target_fix(ctx, call, use.tokenizer)
        return None

    @staticmethod
    def _call_fix(ctx: RuleContext, call: CallFact, attr: str, recv: str) -> Fix | None:
        limit = 2 if attr == "encode_plus" else 1  # 4.x's third (second) positional differs
        if len(call.args) > limit:
            return None
        node = call.node
        args = list(node.args)
        for i, arg in enumerate(args):
            if arg.keyword is not None and arg.keyword.value == "batch_text_or_text_pairs":
                args[i] = arg.with_changes(keyword=cst.Name("text"))
        new = node.with_changes(func=use_func(node), args=args)
        edit = ctx.rewrite_call(node, new)
        first = call.arg(0, "text" if attr == "encode_plus" else "batch_text_or_text_pairs")
        safe = first is not None and _texts(const_value(first.value), attr == "encode_plus")
        note = "" if safe else " (4.x also took token ids here; the call does not)"
        message = f"Call {recv}(...) instead of {recv}.{attr}(...){note}"
        return ctx.fix(message, [edit], safe=safe)

    @staticmethod
    def _seq2seq_fix(ctx: RuleContext, call: CallFact, recv: str) -> Fix | None:
        given: dict[str, str] = {}
        for index, arg in enumerate(call.args):
            if index >= len(_SEQ2SEQ_PARAMS):
                return None
            given[_SEQ2SEQ_PARAMS[index]] = ctx.code(arg.expr)
        rest: list[str] = []
        for name, arg in call.kwargs.items():
            if name in ("src_lang", "tgt_lang"):
                continue  # 4.x's generic method dropped them
            if name in _SEQ2SEQ_PARAMS:
                given[name] = ctx.code(arg.expr)
            else:
                rest.append(f"{name}={ctx.code(arg.expr)}")
        if "src_texts" not in given or given.get("max_target_length", "None") != "None":
            return None  # a separate target length needs two calls
        parts = [given["src_texts"]]
        if "tgt_texts" in given:
            parts.append(f"text_target={given['tgt_texts']}")
        for name in ("max_length", "padding", "return_tensors", "truncation"):
            value = given.get(name, _SEQ2SEQ_DEFAULTS.get(name))
            if value is not None:
                parts.append(f"{name}={value}")
        edit = ctx.replace(call.node, f"{recv}({', '.join(parts + rest)})")
        return ctx.fix(
            f"Call {recv}(src, text_target=tgt, ...) with the old defaults", [edit], safe=False
        )

    @staticmethod
    def _target_fix(ctx: RuleContext, call: CallFact, tok: ObjectFact) -> Fix | None:
        """`with tok.as_target_tokenizer(): labels = tok(y, ...)` -> `labels = tok(text_target=y, ...)`."""
        block = next(
            (
                s
                for s in iter_statements(scope_body(ctx, call.function))
                if isinstance(s, cst.With)
                and len(s.items) == 1
                and s.items[0].item is call.node
                and s.items[0].asname is None
            ),
            None,
        )
        if (
            block is None
            or not isinstance(block.body, cst.IndentedBlock)
            or not block.body.body
            or block.body.header.comment is not None
            or (
                isinstance(block.body.body[0], (cst.SimpleStatementLine, cst.BaseCompoundStatement))
                and bool(block.body.body[0].leading_lines)
            )
        ):
            return None  # nothing to unwrap, or comments the edit would drop
        span = ctx.range(block)
        body = block.body.body
        if '"""' in ctx.code(block) or "'''" in ctx.code(block):
            return None  # dedenting would change a multi-line string
        inner = [
            c
            for c in ctx.facts.calls_to("__call__")
            if isinstance(c.receiver, ObjRef)
            and c.receiver.obj is tok
            and span.start <= ctx.range(c.node).start
            and ctx.range(c.node).end <= span.end
        ]
        if not inner or any(not c.args or c.kw("text_target") for c in inner):
            return None
        first = ctx.range(body[0])
        shift = first.start.column - span.start.column
        edits = [Edit(Range(span.start, first.start), "")]
        for line in range(first.start.line + 1, span.end.line + 1):
            text = ctx.source.line(line)
            if len(text) - len(text.lstrip(" ")) >= shift:
                edits.append(Edit(Range(Position(line, 0), Position(line, shift)), ""))
        for c in inner:
            start = ctx.range(c.args[0].node).start
            edits.append(Edit(Range(start, start), "text_target="))
        return ctx.fix("Pass the targets as text_target= instead", edits, safe=False)


def _texts(value: object, single: bool) -> bool:
    """A text (`single`) or a batch of texts or text pairs, known from constants: the inputs
    `encode_plus` / `batch_encode_plus` and calling the tokenizer treat alike. 4.x also
    accepted token ids and tokens there, which the call does not."""
    if single:
        return isinstance(value, str)
    if not isinstance(value, (list, tuple)) or not value:
        return False
    return all(
        isinstance(v, str)
        or (isinstance(v, (list, tuple)) and len(v) == 2 and all(isinstance(x, str) for x in v))
        for v in value
    )


def use_func(node: cst.Call) -> cst.BaseExpression:
    """`tok.encode_plus` -> `tok`."""
    func = node.func
    return func.value if isinstance(func, cst.Attribute) else func
