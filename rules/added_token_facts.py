"""What a tokenizer's add call brings in, and what its checkpoint's vocabulary can hold (HF602).

The tokens of `add_tokens(...)` / `add_special_tokens({...})` are read from literals (strings,
`AddedToken("...")`, lists and dicts of them); a token read from the tokenizer itself
(`tokenizer.eos_token`) adds nothing. Whether a literal token can be new without the
vocabulary at hand is judged from how the checkpoint's tokenizer family learns vocabularies
(tokenizer_facts.VocabShape).
"""

from __future__ import annotations

import libcst as cst

from hflint.analyzers.facts import CallFact, ObjectFact
from hflint.analyzers.values import Const
from hflint.rules.context import Checkpoint, RuleContext
from hflint.rules.tokenizer_facts import VocabShape, vocab_shape


def _literal(node: cst.BaseExpression) -> str | None:
    """`"<x>"` or `AddedToken("<x>", ...)`."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(node, cst.Call) and node.args:
        func = node.func
        name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
        if name == "AddedToken" and node.args[0].keyword is None:
            return _literal(node.args[0].value)
    return None


def _tokens_of(value: object, node: cst.BaseExpression | None) -> tuple[list[str], bool]:
    """(literal tokens, whether some are not literals) of a token or a list of them."""
    if isinstance(value, str):
        return [value], False
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return [str(v) for v in value], False
    if node is None:
        return [], True
    if isinstance(node, (cst.List, cst.Tuple)):
        found: list[str] = []
        unknown = False
        for el in node.elements:
            text = _literal(el.value) if isinstance(el, cst.Element) else None
            if text is None:
                unknown = True
            else:
                found.append(text)
        return found, unknown
    text = _literal(node)
    return ([text], False) if text is not None else ([], True)


def _is_tokenizer_attr(node: cst.BaseExpression, tok: ObjectFact, ctx: RuleContext) -> bool:
    """`tok.eos_token`: a token the tokenizer already has."""
    return any(use.node is node and use.obj is tok for use in ctx.facts.attr_uses)


def requested_tokens(
    ctx: RuleContext, call: CallFact, tok: ObjectFact
) -> tuple[list[str], bool] | None:
    """The tokens an add call names, and whether some are not literals; None: not an add."""
    if call.method == "add_tokens":
        arg = call.arg(0, "new_tokens")
        if arg is None:
            return None
        return _tokens_of(arg.value.value if isinstance(arg.value, Const) else None, arg.expr)
    arg = call.arg(0, "special_tokens_dict")
    if arg is None:
        return None
    if isinstance(arg.value, Const) and isinstance(arg.value.value, dict):
        tokens: list[str] = []
        unknown = False
        for value in arg.value.value.values():
            found, more = _tokens_of(value, None)
            tokens += found
            unknown = unknown or more
        return tokens, unknown
    if not isinstance(arg.expr, cst.Dict):
        return [], True
    tokens, unknown = [], False
    for el in arg.expr.elements:
        if not isinstance(el, cst.DictElement):
            unknown = True
            continue
        if _is_tokenizer_attr(el.value, tok, ctx):
            continue
        found, more = _tokens_of(None, el.value)
        tokens += found
        unknown = unknown or more
    return tokens, unknown


def checkpoint_vocab_shape(
    ctx: RuleContext, tok: ObjectFact, ckpt: Checkpoint | None
) -> tuple[VocabShape | None, str]:
    """How the checkpoint's vocabulary was learned, and the class that learned it; only for a
    checkpoint whose own added tokens are known (its tokenizer files were read, or hflint's
    table lists the original release)."""
    facts = ckpt.facts if ckpt is not None else None
    if facts is None or (facts.tokenizer_tokens is None and facts.source != "bundled"):
        return None, ""
    kn = ctx.knowledge
    # The class that learned the vocabulary: the one tokenizer_config.json names, else the
    # model type's, else (neither known) the one the code loads it with.
    names = kn.tokenizer_mapping.get(facts.model_type or "") or []
    if facts.tokenizer_class:
        names = [facts.tokenizer_class]
    elif not names and not tok.class_name.startswith("Auto"):
        names = [tok.class_name]
    if not names:
        return None, ""
    return vocab_shape(kn, names[0]), names[0]


def shape_why(shape: VocabShape, name: str) -> str:
    if shape.splits == "byte-level":
        how = "between runs of letters, of digits and of other characters, so only its "
        how += "special tokens mix them"
    else:
        how = "at every punctuation character, so only its special tokens hold punctuation "
        how += "next to other characters"
    return f"`{name}` learns its vocabulary from text cut {how}"
