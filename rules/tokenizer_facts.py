"""Which tokenizer feeds which model, and what a checkpoint's tokenizer files say (Family F).

A tokenizer and a model are paired only on evidence in the code: both handed to the same
`Trainer`, `pipeline()` or data collator, or the tokenizer's output fed to the model's call
or `generate()`. Two objects that merely live in the same file are not a pair.

Tokenizer files are read only from folders on this machine (a local checkpoint or the HF
cache), and only when a rule needs them: `tokenizer.json` can be tens of MB.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import libcst as cst

from hflint.analyzers.checkpoints import CheckpointFacts, read_json
from hflint.analyzers.facts import CallFact, FunctionFact, Kind, ObjectFact
from hflint.analyzers.knowledge import Knowledge
from hflint.analyzers.node_cache import NodeCache
from hflint.analyzers.values import Const, ObjRef, Value
from hflint.analyzers.walk import child_nodes
from hflint.rules.context import RuleContext

# Calls on a tokenizer whose result is model input.
ENCODING_METHODS = frozenset(
    {
        "__call__",
        "encode",
        "encode_plus",
        "batch_encode_plus",
        "apply_chat_template",
        "pad",
        "prepare_seq2seq_batch",
    }
)
# Calls on a model that read token ids.
MODEL_INPUT_METHODS = frozenset({"__call__", "forward", "generate"})
_MAX_TOKENIZER_FILE = 64 * 1024 * 1024


# ---- tokenizer files ---------------------------------------------------------------------------
@dataclass(frozen=True)
class TokenizerVocab:
    """The vocabulary a checkpoint's tokenizer files define (added tokens included)."""

    tokens: frozenset[str]
    length: int  # highest id + 1: what `len(tokenizer)` returns, and the first id a new token gets


_VOCAB_CACHE: dict[tuple[str, int, int], TokenizerVocab | None] = {}


def tokenizer_vocab(facts: CheckpointFacts) -> TokenizerVocab | None:
    """The vocabulary in the checkpoint's folder (local or HF cache); None when not readable.

    Only `tokenizer.json` (fast tokenizers) or `vocab.txt` (WordPiece) are read; a
    sentencepiece model or a hub-only checkpoint stays unknown.
    """
    marker = "; tokenizer files from the cache: "  # see checkpoints._tokenizer_over
    if marker in facts.location:
        folder = Path(facts.location.rsplit(marker, 1)[1])
    elif facts.source in ("local", "cache"):
        folder = Path(facts.location)
    else:
        return None
    for name in ("tokenizer.json", "vocab.txt"):
        path = folder / name
        try:
            stat = path.stat()
        except (OSError, ValueError):
            continue
        if stat.st_size > _MAX_TOKENIZER_FILE:
            return None
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        if key not in _VOCAB_CACHE:
            if len(_VOCAB_CACHE) > 64:
                _VOCAB_CACHE.clear()
            reader = _read_tokenizer_json if name == "tokenizer.json" else _read_vocab_txt
            _VOCAB_CACHE[key] = reader(path, folder)
        return _VOCAB_CACHE[key]
    return None


def _read_tokenizer_json(path: Path, folder: Path) -> TokenizerVocab | None:
    data = read_json(path)
    model = data.get("model") if data is not None else None
    if data is None or not isinstance(model, dict):
        return None
    ids: dict[str, int] = {}
    vocab = model.get("vocab")
    if isinstance(vocab, dict):
        ids.update((k, v) for k, v in vocab.items() if isinstance(v, int))
    elif isinstance(vocab, list):  # Unigram: [[piece, score], ...], ids are positions
        ids.update((p[0], i) for i, p in enumerate(vocab) if isinstance(p, list) and p)
    else:
        return None
    for added in data.get("added_tokens") or []:
        if (
            isinstance(added, dict)
            and isinstance(added.get("content"), str)
            and isinstance(added.get("id"), int)
        ):
            ids[added["content"]] = added["id"]
    _add_config_tokens(ids, folder)
    return TokenizerVocab(frozenset(ids), max(ids.values(), default=-1) + 1)


def _read_vocab_txt(path: Path, folder: Path) -> TokenizerVocab | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    ids = {line.rstrip("\n"): i for i, line in enumerate(lines)}
    _add_config_tokens(ids, folder)
    return TokenizerVocab(frozenset(ids), max(ids.values(), default=-1) + 1)


def _add_config_tokens(ids: dict[str, int], folder: Path) -> None:
    """Added tokens recorded in tokenizer_config.json (`added_tokens_decoder`)."""
    config = read_json(folder / "tokenizer_config.json") or {}
    decoder = config.get("added_tokens_decoder")
    for key, value in decoder.items() if isinstance(decoder, dict) else ():
        content = value.get("content") if isinstance(value, dict) else None
        if isinstance(content, str) and str(key).isdigit():
            ids.setdefault(content, int(key))


# ---- what a learned vocabulary cannot hold -----------------------------------------------------
@dataclass(frozen=True)
class VocabShape:
    """What the vocabulary a tokenizer class learned can hold, besides its special tokens.

    The vocabulary was learned on pre-tokenized text, and no entry crosses a pre-token
    boundary. GPT-2's byte-level pre-tokenizer cuts runs of letters, of digits and of other
    characters apart (`[PAD]` is `[`, `PAD`, `]`); BERT's cuts at whitespace and at every
    punctuation character (`<e1>` is `<`, `e1`, `>`).
    """

    splits: str  # "byte-level" or "punctuation"
    specials: frozenset[str]  # the special tokens the class's __init__ defaults name
    brackets: bool = False  # vocab.txt also lists reserved "[...]" entries ([unused0], ...)
    suffix: str = ""  # end-of-word suffix entries carry ("</w>")


# Tokenizer classes (and their subclasses) by the shape of the vocabulary their checkpoints
# learned; the specials are the class's __init__ defaults in transformers 5.23.0.
VOCAB_SHAPES = {
    "GPT2Tokenizer": VocabShape("byte-level", frozenset({"<|endoftext|>"})),
    "RobertaTokenizer": VocabShape(
        "byte-level", frozenset({"<s>", "</s>", "<pad>", "<unk>", "<mask>"})
    ),
    "OpenAIGPTTokenizer": VocabShape("punctuation", frozenset({"<unk>"}), suffix="</w>"),
    "BertTokenizer": VocabShape(
        "punctuation", frozenset({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}), brackets=True
    ),
}
_CONTRACTIONS = frozenset({"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"})


def vocab_shape(knowledge: Knowledge, class_name: str | None) -> VocabShape | None:
    """The shape of the vocabulary `class_name` (or a class it derives from) learns."""
    todo = [class_name] if class_name else []
    seen: set[str] = set()
    while todo:
        current = todo.pop().lstrip("_")  # `RobertaTokenizer as _RobertaTokenizer`
        known = knowledge.tokenizer_class(current) or current
        if known in VOCAB_SHAPES:
            return VOCAB_SHAPES[known]
        if known not in seen:
            seen.add(known)
            todo.extend(knowledge.tokenizer_bases.get(known, ()))
    return None


def _char_class(char: str) -> str:
    if char.isalpha():
        return "letter"
    if char.isnumeric():
        return "number"
    return "space" if char.isspace() else "other"


def _punctuation(char: str) -> bool:
    """BERT's pre-tokenizer: ASCII symbols and Unicode punctuation are cut apart."""
    return (char.isascii() and not char.isalnum() and not char.isspace()) or (
        unicodedata.category(char).startswith("P")
    )


def never_learned(shape: VocabShape, token: str) -> bool:
    """Whether `token` can only be in this vocabulary as a special or added token."""
    if token in shape.specials or not token:
        return False
    if shape.splits == "byte-level":
        body = token[1:] if token[0] == " " else token
        if not body or body in _CONTRACTIONS:
            return False
        return len({_char_class(c) for c in body}) > 1
    body = token.removeprefix("##")
    if shape.suffix:
        body = body.removesuffix(shape.suffix)
    if shape.brackets and body.startswith("[") and body.endswith("]"):
        return False  # maybe a reserved entry of vocab.txt
    return len(body) > 1 and any(_punctuation(c) or c.isspace() for c in body)


# ---- tokenizer and model pairs -----------------------------------------------------------------
@dataclass(frozen=True)
class Pairing:
    """A tokenizer whose output reaches a model, and where the code says so."""

    tokenizer: Value  # ObjRef to the tokenizer object, or a Const checkpoint (pipeline tokenizer=)
    tokenizer_node: cst.CSTNode  # the tokenizer's expression where they meet
    model: ObjectFact  # the model, or the pipeline itself for `pipeline(model="<checkpoint>")`
    where: cst.CSTNode  # the call that pairs them
    how: str  # e.g. "both go to `Trainer`"

    @property
    def tokenizer_obj(self) -> ObjectFact | None:
        return self.tokenizer.obj if isinstance(self.tokenizer, ObjRef) else None


def _obj(value: Value, *kinds: Kind) -> ObjectFact | None:
    return value.obj if isinstance(value, ObjRef) and value.obj.kind in kinds else None


def root_model(model: ObjectFact) -> ObjectFact:
    """The model under PEFT wrappers."""
    while model.base is not None:
        model = model.base
    return model


def pairings(ctx: RuleContext) -> list[Pairing]:
    """Every tokenizer/model pair the code shows, in source order of the evidence."""
    return ctx.shared(_pairings)


def _pairings(ctx: RuleContext) -> list[Pairing]:
    found: list[Pairing] = []
    for obj in ctx.facts.objects:
        call = obj.call
        if obj.kind is Kind.TRAINER:
            model_arg = call.arg(0, "model")
            tok_arg = call.kw("processing_class") or call.kw("tokenizer")
            where = f"both go to `{obj.class_name}`"
        elif obj.kind is Kind.COLLATOR:
            model_arg = call.kw("model")
            tok_arg = call.arg(0, "tokenizer")
            where = f"both go to `{obj.class_name}`"
        elif obj.kind is Kind.PIPELINE:
            model_arg = call.arg(1, "model")
            tok_arg = call.arg(3, "tokenizer")
            where = "both go to `pipeline()`"
        else:
            continue
        if model_arg is None or tok_arg is None:
            continue
        model = _obj(model_arg.value, Kind.MODEL)
        if model is None and obj.kind is Kind.PIPELINE and isinstance(model_arg.value, Const):
            model = obj  # pipeline(model="<checkpoint>"): the pipeline loads it
        tok_value = tok_arg.value
        if model is None or not (_obj(tok_value, Kind.TOKENIZER) or isinstance(tok_value, Const)):
            continue
        if isinstance(tok_value, Const) and obj.kind is not Kind.PIPELINE:
            continue
        found.append(Pairing(tok_value, tok_arg.expr, model, call.node, where))
    found.extend(_direct_pairings(ctx))
    return found


def _direct_pairings(ctx: RuleContext) -> Iterator[Pairing]:
    """`model(**tok(...))`, `inputs = tok(...)` then `model.generate(**inputs)`, ..."""
    tok_calls = {
        id(c.node): c
        for c in ctx.facts.calls
        if c.method in ENCODING_METHODS and _obj(c.receiver, Kind.TOKENIZER) is not None
    }
    if not tok_calls:
        return
    scopes: dict[int, dict[str, CallFact]] = {}
    for call in ctx.facts.calls:
        if call.method not in MODEL_INPUT_METHODS:
            continue
        model = _obj(call.receiver, Kind.MODEL)
        if model is None:
            continue
        names = _scope_names(ctx, call.function, tok_calls, scopes)
        if call.function is not None:  # module names, unless a parameter shadows them
            module = _scope_names(ctx, None, tok_calls, scopes)
            params = set(call.function.params)
            names = {**{k: v for k, v in module.items() if k not in params}, **names}
        for arg in call.node.args:
            for source in _sources(arg.value, tok_calls, names, call):
                tok = source.receiver
                method = "call" if call.method == "__call__" else f"`{call.method}()`"
                yield Pairing(
                    tok, source.node, model, call.node, f"its output feeds the model's {method}"
                )


def _sources(
    node: cst.CSTNode, tok_calls: dict[int, CallFact], names: dict[str, CallFact], call: CallFact
) -> Iterator[CallFact]:
    """Tokenizer calls whose result `node` uses, directly or through a variable: the binding
    that reaches `call` in program order when the engine knows it (a notebook that tokenizes
    with several tokenizers in turn pairs each model with the one before it)."""
    stack: list[cst.CSTNode] = [node]
    seen = 0
    while stack and seen < 500:
        seen += 1
        current = stack.pop()
        if isinstance(current, cst.Call) and id(current) in tok_calls:
            yield tok_calls[id(current)]
            continue
        if isinstance(current, cst.Name):
            reaching = call.reaching(current)
            if reaching is not None:
                yield from (tok_calls[id(c.node)] for c in reaching if id(c.node) in tok_calls)
                continue
            if current.value in names and not call.inputs:
                yield names[current.value]
                continue
        if isinstance(current, (cst.Lambda, cst.FunctionDef)):
            continue
        stack.extend(child_nodes(current))


def _call_chain(node: cst.BaseExpression) -> list[int]:
    """The calls an expression is made from, outermost first (`tok(x).to(d)`: `.to`, `tok`)."""
    chain: list[int] = []
    for _ in range(20):
        if isinstance(node, cst.Call):
            chain.append(id(node))
            node = node.func
        elif isinstance(node, (cst.Attribute, cst.Subscript)):
            node = node.value
        else:
            break
    return chain


def _scope_names(
    ctx: RuleContext,
    function: FunctionFact | None,
    tok_calls: dict[int, CallFact],
    cache: dict[int, dict[str, CallFact]],
) -> dict[str, CallFact]:
    """Names a scope binds to a tokenizer call's result (`inputs = tok(...)`)."""
    key = id(function)
    if key in cache:
        return cache[key]
    names: dict[str, CallFact] = {}
    for stmt in scope_body(ctx, function):
        for name, chain in _ASSIGNED_CALLS.get(stmt, _assigned_calls):
            source = next((tok_calls[c] for c in chain if c in tok_calls), None)
            if source is not None:
                names[name] = source
    cache[key] = names
    return names


def _assigned_calls(top: cst.CSTNode) -> tuple[tuple[str, list[int]], ...]:
    """`name = <expression made from calls>` in a statement and its nested blocks (not nested
    functions): each name and the calls."""
    found = []
    for stmt in _STATEMENTS.get(top, _flatten):
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                target = small.targets[0].target
                if isinstance(target, cst.Name):
                    chain = _call_chain(small.value)
                    if chain:
                        found.append((target.value, chain))
    return tuple(found)


# Statement -> its `name = call(...)...` assignments (the node ids stay valid while it is kept)
_ASSIGNED_CALLS: NodeCache[cst.CSTNode, tuple[tuple[str, list[int]], ...]] = NodeCache(8192)


# ---- statements --------------------------------------------------------------------------------
def iter_statements(body: Sequence[cst.BaseStatement | cst.BaseSmallStatement]) -> Iterator[Any]:
    """Every statement of a scope, nested blocks included, nested functions and classes not."""
    for stmt in body:
        yield from _STATEMENTS.get(stmt, _flatten)


# Statement -> it and the statements of its nested blocks, kept while the node is (rules ask
# on every keystroke, and only the edited statements are new).
_STATEMENTS: NodeCache[cst.CSTNode, tuple[Any, ...]] = NodeCache(8192)


def _flatten(stmt: cst.CSTNode) -> tuple[Any, ...]:
    found: list[Any] = [stmt]
    if not isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
        for block in _blocks(stmt):
            found.extend(iter_statements(block))
    return tuple(found)


def _blocks(stmt: cst.CSTNode) -> Iterator[Sequence[cst.BaseStatement]]:
    for name in ("body", "orelse", "finalbody"):
        part = getattr(stmt, name, None)
        if isinstance(part, cst.IndentedBlock):
            yield part.body
        elif isinstance(part, (cst.Else, cst.Finally, cst.If)):
            if isinstance(part, cst.If):
                yield [part]
            elif isinstance(part.body, cst.IndentedBlock):
                yield part.body.body
    for handler in getattr(stmt, "handlers", ()) or ():
        if isinstance(handler.body, cst.IndentedBlock):
            yield handler.body.body


def scope_body(ctx: RuleContext, function: FunctionFact | None) -> Sequence[cst.BaseStatement]:
    if function is None:
        return ctx.module.body
    body = function.node.body
    return body.body if isinstance(body, cst.IndentedBlock) else []


def enclosing_line(
    ctx: RuleContext, function: FunctionFact | None, node: cst.CSTNode
) -> tuple[cst.SimpleStatementLine, Sequence[cst.BaseStatement]] | None:
    """The simple statement line holding `node`, and the block it sits in."""
    where = ctx.range(node)

    def search(
        block: Sequence[cst.BaseStatement],
    ) -> tuple[cst.SimpleStatementLine, Sequence[cst.BaseStatement]] | None:
        for stmt in block:
            span = ctx.range(stmt)
            if not (span.start <= where.start and where.end <= span.end):
                continue
            if isinstance(stmt, cst.SimpleStatementLine):
                return stmt, block
            if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
                return None
            for inner in _blocks(stmt):
                found = search(inner)
                if found is not None:
                    return found
            return None
        return None

    return search(scope_body(ctx, function))
