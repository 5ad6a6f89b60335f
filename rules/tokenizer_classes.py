"""Tokenizers built against what their checkpoint's tokenizer_config.json says (Family F).

HF604: a model-specific tokenizer class (`LlamaTokenizer`) loaded from a checkpoint whose
tokenizer_config.json names another, unrelated class (`BloomTokenizerFast`). HF605:
`do_lower_case=` that contradicts the checkpoint's own setting (a cased vocabulary lower-cased).

Both read the checkpoint's tokenizer_config.json (local folder or HF cache) or hflint's table
of well-known checkpoints; a checkpoint whose tokenizer files were not read is never judged.
"""

from __future__ import annotations

from collections.abc import Iterator

from hflint.analyzers.checkpoints import GENERIC_TOKENIZERS
from hflint.analyzers.facts import Kind, ObjectFact
from hflint.analyzers.findings import Finding, Severity
from hflint.analyzers.knowledge import Knowledge
from hflint.analyzers.values import Const
from hflint.rules.base import Example, Rule
from hflint.rules.context import Checkpoint, RuleContext
from hflint.rules.wrong_auto_class import class_name_node

# Tokenizer classes 5.x removed but still maps to its generic backend when a checkpoint names
# them (models/auto/tokenization_auto.py::tokenizer_class_from_name): the checkpoint's own
# tokenizer.json defines the pipeline.
_REMOVED_TO_BACKEND = frozenset({"BloomTokenizer", "BloomTokenizerFast"})


def _lineage(knowledge: Knowledge, name: str) -> set[str]:
    """`name` (as this version knows it) and every tokenizer class it derives from, minus the
    generic backends every tokenizer shares."""
    found: set[str] = set()
    todo = [knowledge.tokenizer_class(name) or name]
    while todo:
        current = todo.pop().lstrip("_")  # `RobertaTokenizer as _RobertaTokenizer`
        current = knowledge.tokenizer_class(current) or current
        if current in found:
            continue
        found.add(current)
        todo.extend(knowledge.tokenizer_bases.get(current, ()))
    return found - GENERIC_TOKENIZERS - {"PreTrainedTokenizerBase", "SentencePieceBackend"}


def related_classes(knowledge: Knowledge, a: str, b: str) -> bool:
    """One class, or one derives from the other (DistilBertTokenizer and BertTokenizer)."""
    line_a, line_b = _lineage(knowledge, a), _lineage(knowledge, b)
    first_a = knowledge.tokenizer_class(a) or a
    first_b = knowledge.tokenizer_class(b) or b
    return first_a in line_b or first_b in line_a


def _flag_assumed(ckpt: Checkpoint, value: Const) -> list[str]:
    found = [ckpt.assumed] if ckpt.assumed else []
    if value.overridable:
        found.append(value.origin or "a default")
    return found


class TokenizerClassCheckpointMismatch(Rule):
    code = "HF604"
    name = "tokenizer-class-checkpoint-mismatch"
    severity = Severity.WARNING
    summary = "A model-specific tokenizer class loaded from a checkpoint of another tokenizer"
    what = (
        "Checks `XTokenizer.from_pretrained(checkpoint)` with a model-specific tokenizer class "
        "(not `AutoTokenizer`) when the checkpoint's tokenizer_config.json names another "
        "tokenizer class that neither derives from nor is derived by it (`LlamaTokenizer` on a "
        "checkpoint whose `tokenizer_class` is `BloomTokenizerFast`). `Fast` and slow names of "
        "one class, subclasses (`DistilBertTokenizer` / `BertTokenizer`), generic classes "
        "(`PreTrainedTokenizerFast`) and classes this transformers does not know (remote code) "
        "are not reported."
    )
    why = (
        "In transformers 5 a model-specific tokenizer class builds its own pipeline "
        "(normalizer, pre-tokenizer, post-processor) around the vocabulary it finds, whatever "
        "the checkpoint's tokenizer was. The ids can then differ from those the model was "
        "trained with, silently: 5.x dropped the 4.x warning `The tokenizer class you load from this "
        "checkpoint is not the same type as the class this function is called from. It may "
        "result in unexpected tokenization.` Observed with 5.23.0: `LlamaTokenizer` on "
        "bigscience/bloomz-7b1-mt loads without a word and encodes text to other ids than the "
        "checkpoint's own tokenizer."
    )
    example = (
        "from transformers import LlamaTokenizer\n"
        'tokenizer = LlamaTokenizer.from_pretrained("bigscience/bloomz-7b1-mt")'
    )
    use_instead = (
        "from transformers import AutoTokenizer\n"
        'tokenizer = AutoTokenizer.from_pretrained("bigscience/bloomz-7b1-mt")'
    )
    fix_safety = (
        "Unsafe: the fix loads the tokenizer with `AutoTokenizer`, which builds the class the "
        "checkpoint names; every id it produces may change, and code relying on the concrete "
        "class may need changes."
    )
    references = (
        "transformers/models/auto/tokenization_auto.py (AutoTokenizer.from_pretrained: "
        "tokenizer_config.json tokenizer_class)",
        "https://github.com/huggingface/transformers/blob/main/MIGRATION_GUIDE_V5.md",
    )
    triggers = (
        Example(
            "from transformers import LlamaTokenizer\n"
            'tokenizer = LlamaTokenizer.from_pretrained("bigscience/bloom-560m")\n',
            fixed="from transformers import AutoTokenizer\n"
            'tokenizer = AutoTokenizer.from_pretrained("bigscience/bloom-560m")\n',
        ),
        Example(
            "import transformers as T\n"
            'MODEL = "Qwen/Qwen2.5-0.5B"\n'
            "def load():\n"
            "    return T.LlamaTokenizer.from_pretrained(MODEL)\n",
            note="a Llama tokenizer on a Qwen2 checkpoint",
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoTokenizer\n"
            'tokenizer = AutoTokenizer.from_pretrained("bigscience/bloomz-7b1-mt")\n',
        ),
        Example(
            "from transformers import BertTokenizer\n"
            'tokenizer = BertTokenizer.from_pretrained("distilbert-base-uncased")\n',
            note="DistilBertTokenizer derives from BertTokenizer",
        ),
        Example(
            "from transformers import GPT2Tokenizer\n"
            'tokenizer = GPT2Tokenizer.from_pretrained("EleutherAI/gpt-neo-125m")\n',
            note="no tokenizer files on this machine: not judged",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        kn = ctx.knowledge
        for tok in ctx.objects(Kind.TOKENIZER):
            if tok.method != "from_pretrained" or tok.user_class is not None:
                continue
            if tok.class_name.startswith("Auto") or not tok.qualname.startswith("transformers."):
                continue
            if kn.tokenizer_class(tok.class_name) is None or tok.class_name in GENERIC_TOKENIZERS:
                continue
            ckpt = ctx.checkpoint(tok)
            own = ckpt.facts.tokenizer_class if ckpt is not None else None
            if ckpt is None or own is None or own in GENERIC_TOKENIZERS:
                continue
            if kn.tokenizer_class(own) is None and own not in _REMOVED_TO_BACKEND:
                continue  # remote code, or a class newer than this transformers
            if related_classes(kn, tok.class_name, own):
                continue
            yield self._finding(ctx, tok, ckpt, own)

    def _finding(self, ctx: RuleContext, tok: ObjectFact, ckpt: Checkpoint, own: str) -> Finding:
        built = (
            "its own tokenizer.json pipeline (5.x maps the removed class to the generic backend)"
            if own in _REMOVED_TO_BACKEND
            else f"`{own}`"
        )
        message = (
            f"`{tok.class_name}` loads the tokenizer of {ckpt.describe()}, whose "
            f"tokenizer_config.json names `{own}`: `{tok.class_name}` builds its own "
            f"normalizer, pre-tokenizer and post-processor around that vocabulary instead of "
            f"{built}, so the ids can differ from those the model was trained with (they do for "
            "`LlamaTokenizer` on a BLOOM checkpoint). transformers 5 loads it without a "
            "warning. Load it with `AutoTokenizer`."
        )
        node = class_name_node(tok)
        spelling, import_edit = ctx.name_for("transformers.AutoTokenizer", like=node)
        fix = ctx.fix("Use `AutoTokenizer`", [ctx.replace(node, spelling), import_edit], safe=False)
        severity = self.severity
        if not ckpt.certain:
            severity = severity.lowered()
            message += f" (Assuming {ckpt.assumed}; with that default the script is wrong.)"
        return ctx.report(self, node, message, fix=fix, severity=severity)


class DoLowerCaseAgainstCheckpoint(Rule):
    code = "HF605"
    name = "do-lower-case-against-checkpoint"
    severity = Severity.ERROR
    summary = "do_lower_case= contradicts the checkpoint's cased or uncased vocabulary"
    what = (
        "Checks `from_pretrained(checkpoint, do_lower_case=True)` on a checkpoint whose "
        "tokenizer_config.json says `do_lower_case: false` (a cased vocabulary, e.g. "
        "bert-base-cased, bert-base-multilingual-cased), and `do_lower_case=False` on one that "
        "says `true` (an uncased vocabulary)."
    )
    why = (
        "The flag is honoured: with transformers 5.23.0 `BertTokenizer(..., do_lower_case=True)` "
        "lower-cases the text and strips its accents before WordPiece. On a cased vocabulary "
        "`Paris` becomes `paris` (another piece, or `[UNK]`), so the model sees other tokens "
        "than it was trained on; on an uncased vocabulary `do_lower_case=False` turns every "
        "capitalised word into `[UNK]` or odd pieces. No error and no warning: accuracy just "
        "drops. The checkpoint's tokenizer_config.json already holds the right value."
    )
    example = (
        "from transformers import BertTokenizer\n"
        'tok = BertTokenizer.from_pretrained("bert-base-cased", do_lower_case=True)'
    )
    use_instead = (
        "from transformers import BertTokenizer\n"
        'tok = BertTokenizer.from_pretrained("bert-base-cased")'
    )
    fix_safety = (
        "Unsafe: the fix removes `do_lower_case=...` so that the checkpoint's own setting "
        "applies; the tokens (and any cached features) change, and a command-line flag the "
        "argument came from no longer has an effect."
    )
    references = (
        "transformers/models/bert/tokenization_bert.py (BertTokenizer.__init__: "
        "BertNormalizer(lowercase=do_lower_case))",
        "https://github.com/google-research/bert#pre-trained-models (cased vs uncased)",
    )
    triggers = (
        Example(
            "from transformers import BertTokenizer\n"
            'tok = BertTokenizer.from_pretrained("bert-base-cased", do_lower_case=True)\n',
            fixed="from transformers import BertTokenizer\n"
            'tok = BertTokenizer.from_pretrained("bert-base-cased")\n',
        ),
        Example(
            "import transformers as tf\n"
            "def load():\n"
            "    return tf.AutoTokenizer.from_pretrained(\n"
            '        "bert-base-uncased", do_lower_case=False\n'
            "    )\n",
            note="an uncased vocabulary without lower-casing",
        ),
        Example(
            "import argparse\n"
            "from transformers import BertTokenizer\n"
            "parser = argparse.ArgumentParser()\n"
            'parser.add_argument("--bert_model", default="bert-base-multilingual-cased")\n'
            'parser.add_argument("--do_lower_case", default=True, action="store_true")\n'
            "args = parser.parse_args()\n"
            "tok = BertTokenizer.from_pretrained(args.bert_model, "
            "do_lower_case=args.do_lower_case)\n",
            note="argparse defaults: reported one step lower",
        ),
    )
    near_misses = (
        Example(
            "from transformers import BertTokenizer\n"
            'tok = BertTokenizer.from_pretrained("bert-base-uncased", do_lower_case=True)\n',
            note="agrees with the checkpoint",
        ),
        Example(
            "from transformers import BertTokenizer\n"
            'tok = BertTokenizer.from_pretrained("bert-base-cased")\n',
        ),
        Example(
            "from transformers import BertTokenizer\n"
            "def load(lower):\n"
            '    return BertTokenizer.from_pretrained("bert-base-cased", do_lower_case=lower)\n',
            note="chosen by the caller",
        ),
        Example(
            "from transformers import AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2", do_lower_case=True)\n',
            note="the checkpoint's files say nothing about lower-casing",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for tok in ctx.objects(Kind.TOKENIZER):
            if tok.method != "from_pretrained":
                continue
            arg = tok.kw("do_lower_case")
            if arg is None or not isinstance(arg.value, Const):
                continue
            wanted = arg.value.value
            if not isinstance(wanted, bool):
                continue
            ckpt = ctx.checkpoint(tok)
            if ckpt is None or ckpt.facts.tokenizer_do_lower_case is None:
                continue
            if ckpt.facts.tokenizer_do_lower_case == wanted:
                continue
            yield self._finding(ctx, tok, ckpt, arg.value)

    def _finding(
        self, ctx: RuleContext, tok: ObjectFact, ckpt: Checkpoint, value: Const
    ) -> Finding:
        arg = tok.kw("do_lower_case")
        assert arg is not None
        if value.value:
            effect = (
                "its vocabulary is cased, and the flag lower-cases the text and strips its "
                "accents before WordPiece: `Paris` becomes `paris`, another piece or `[UNK]`"
            )
        else:
            effect = (
                "its vocabulary is lower-cased, and without lower-casing every capitalised "
                "word becomes `[UNK]` or odd pieces"
            )
        shown = ctx.code(arg.expr)
        message = (
            f"`do_lower_case={shown}` contradicts {ckpt.describe()}, whose "
            f"tokenizer_config.json says `do_lower_case: "
            f"{str(ckpt.facts.tokenizer_do_lower_case).lower()}`: {effect}. The model sees "
            "other tokens than it was trained on; no error, no warning. Leave the argument out "
            "(the checkpoint decides), or match it."
        )
        severity = self.severity
        if _flag_assumed(ckpt, value):
            severity = severity.lowered()  # the checkpoint's default is named in describe()
            if value.overridable:
                message += f" (Assuming {value.origin or 'a default'} for the flag.)"
        fix = ctx.fix(
            "Remove do_lower_case= (use the checkpoint's setting)",
            [ctx.remove_arg(tok.node, arg.node)],
            safe=False,
        )
        return ctx.report(self, arg.node, message, fix=fix, severity=severity)
