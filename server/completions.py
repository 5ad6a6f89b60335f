"""Completions inside `pipeline("...")` (task names) and `from_pretrained("...")` (checkpoints).

While a string is being typed the file does not parse, so the call around the cursor is found
by a token scan from the start of the statement (`cursor_context`), which hovers reuse. The scan
is linear in the statement, not the file: a keystroke costs the same in a 10,000-line file.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

from hflint.analyzers.checkpoints import TABLE_PATH, hub_cache_dir, read_json
from hflint.analyzers.collector import canonical
from hflint.analyzers.knowledge import Knowledge, load_knowledge
from hflint.analyzers.settings import Settings

if TYPE_CHECKING:
    from hflint.analyzers.checkpoints import CheckpointResolver

Role = Literal["task", "checkpoint"]
TokenKind = Literal["name", "string", "comment", "op", "newline"]

_TOKEN = re.compile(
    r"""(?P<comment>\#[^\r\n]*)
      |(?P<prefix>[rRbBuUfFtT]{0,2})(?P<quote>'''|\"\"\"|'|\")
      |(?P<name>[^\W\d]\w*)
      |(?P<newline>\r?\n)
      |(?P<cont>\\\r?\n)
      |(?P<space>[ \t\f]+)
      |(?P<op>[-+*/%@&|^<>!=:]=|->|\*\*|//|.)""",
    re.VERBOSE,
)
_BODY = {
    "'": re.compile(r"(?:[^'\\\r\n]|\\(?:\r\n|.|\n))*"),
    '"': re.compile(r'(?:[^"\\\r\n]|\\(?:\r\n|.|\n))*'),
    "'''": re.compile(r"(?:[^\\']|\\.|'(?!''))*", re.DOTALL),
    '"""': re.compile(r'(?:[^\\"]|\\.|"(?!""))*', re.DOTALL),
}
_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(?P<module>[\w.]+)[ \t]+import[ \t]*(?P<names>\([^)]*\)?|[^\n;#]*)"
    r"|import[ \t]+(?P<modules>[^\n;#]*))",
    re.MULTILINE,
)
_MAX_LINES_BACK = 300  # how far back a statement start is looked for
_FOLLOW_CHARS = 3000  # how far past the cursor the rest of a call is read
_MAX_STRING = 300


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    start: int
    end: int
    text: str
    body_start: int = 0  # strings: the content between the quotes
    body_end: int = 0
    terminated: bool = True
    prefix: str = ""
    triple: bool = False


def tokens(text: str, pos: int = 0) -> Iterator[Token]:
    """Python-ish tokens from `pos`; an unterminated string ends at its line (or the text)."""
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:  # unreachable: the last alternative takes any character
            return
        kind = match.lastgroup
        if match.group("quote"):
            quote = match.group("quote")
            body = _BODY[quote].match(text, match.end())
            body_end = body.end() if body else match.end()
            closed = text.startswith(quote, body_end)
            end = body_end + len(quote) if closed else body_end
            yield Token(
                "string",
                match.start(),
                end,
                text[match.start() : end],
                match.end(),
                body_end,
                closed,
                match.group("prefix"),
                len(quote) == 3,
            )
            pos = end
            continue
        if kind in ("name", "comment", "newline", "op"):
            yield Token(cast(TokenKind, kind), match.start(), match.end(), match.group())
        pos = match.end()


@dataclass
class Call:
    """The call a string at the cursor is an argument of."""

    callee: tuple[str, ...]  # dotted name before "(", e.g. ("T", "AutoModel", "from_pretrained")
    position: int | None  # positional index of the argument; None for a keyword argument
    keyword: str | None
    strings: dict[str, str] = field(default_factory=dict)  # keyword -> plain string, whole call


@dataclass(frozen=True)
class CursorContext:
    offset: int
    line_start: int
    token: Token
    chain: tuple[str, ...] = ()  # names: the dotted name ending at the cursor's name
    rooted: bool = True  # False for `f().name`: the chain starts at an expression
    from_module: str | None = None  # names imported by `from <module> import <name>`
    call: Call | None = None


@dataclass(eq=False)
class _Frame:
    bracket: str
    callee: tuple[str, ...]
    positional: int = 0
    keyword: str | None = None
    count: int = 0  # tokens of the current argument so far
    strings: dict[str, str] = field(default_factory=dict)


def _line_start(text: str, line: int) -> int | None:
    pos = 0
    for _ in range(line - 1):
        pos = text.find("\n", pos) + 1
        if pos == 0:
            return None
    return pos if line >= 1 else None


def _statement_start(text: str, line_start: int) -> int:
    """The nearest line at or above the cursor that starts in column 0 with a name, `@` or `#`."""
    pos = line_start
    for _ in range(_MAX_LINES_BACK):
        first = text[pos : pos + 1]
        if pos == 0 or first.isidentifier() or first in ("@", "#"):
            return pos
        pos = text.rfind("\n", 0, pos - 1) + 1
    return pos


def _contains(token: Token, offset: int) -> bool:
    return token.kind in ("name", "string", "comment") and token.start <= offset <= token.end


class _Scan:
    """Bracket, argument and import-statement state while tokens go by."""

    def __init__(self) -> None:
        self.frames: list[_Frame] = []
        self.chain: list[str] = []
        self.rooted = True
        self.dot = False
        self.prev: Token | None = None
        self.stmt = 0  # 0 start, 1 `from` module, 2 imported names, -1 anything else
        self.module = ""
        self.after_as = False
        self.imported = False  # the last name is one a `from` statement imports

    def feed(self, tok: Token) -> None:
        frame = self.frames[-1] if self.frames else None
        if tok.kind == "comment":
            return
        if tok.kind == "newline":
            if not self.frames:
                self.stmt, self.module, self.after_as = 0, "", False
                self.chain, self.dot = [], False
            return
        if frame is not None and tok.text not in (",", ")", "]", "}"):
            frame.count += 1
        if tok.kind == "name":
            self._name(tok)
        elif tok.kind == "string":
            self.chain, self.dot = [], False
            if frame is not None and frame.keyword and frame.count == 3:  # name = "..."
                value = string_value(tok)
                if value is not None:
                    frame.strings[frame.keyword] = value
        else:
            self._op(tok, frame)
        self.prev = tok

    def _name(self, tok: Token) -> None:
        if self.dot:
            if not self.chain:
                self.rooted = False
            self.chain.append(tok.text)
        else:
            self.chain, self.rooted = [tok.text], True
        self.dot = False
        self.imported = False
        if self.stmt == 0:
            self.stmt = 1 if tok.text == "from" else -1
        elif self.stmt == 1:
            if tok.text == "import":
                self.stmt = 2
            else:
                self.module += tok.text
        elif self.stmt == 2:
            if tok.text == "as":
                self.after_as = True
            else:
                self.imported = not self.after_as
                self.after_as = False

    def _op(self, tok: Token, frame: _Frame | None) -> None:
        text, prev = tok.text, self.prev
        if text == "." and self.stmt == 1:
            self.module += "."
        if text == ";" and not self.frames:
            self.stmt, self.module = 0, ""
        if text == ".":
            self.dot = True
            return
        callee = tuple(self.chain) if self.rooted and prev and prev.kind == "name" else ()
        self.chain, self.dot = [], False
        if text in ("(", "[", "{"):
            self.frames.append(_Frame(text, callee if text == "(" else ()))
        elif text in (")", "]", "}"):
            if self.frames:
                self.frames.pop()
        elif frame is not None and text == ",":
            if frame.keyword is None and frame.count:
                frame.positional += 1
            frame.keyword, frame.count = None, 0
        elif frame is not None and text == "=" and frame.count == 2 and prev is not None:
            frame.keyword = prev.text if prev.kind == "name" else None


def cursor_context(
    text: str, line: int, column: int, *, follow: bool = False
) -> CursorContext | None:
    """The name, string or comment at (1-based line, 0-based column), with its surroundings.

    `follow` reads on to the end of the call, so keyword strings written after the cursor
    (`revision=`, `subfolder=`) are in `call.strings`.
    """
    line_start = _line_start(text, line)
    if line_start is None or column < 0:
        return None
    line_end = text.find("\n", line_start)
    offset = line_start + column
    if offset > (len(text) if line_end == -1 else line_end):
        return None
    scan = _Scan()
    found: CursorContext | None = None
    frame: _Frame | None = None
    for tok in tokens(text, _statement_start(text, line_start)):
        if found is None and tok.start > offset:
            return None
        if found is not None and (frame not in scan.frames or tok.start > offset + _FOLLOW_CHARS):
            break
        scan.feed(tok)
        if found is None and _contains(tok, offset):
            frame = scan.frames[-1] if scan.frames else None
            found = _context(scan, tok, offset, line_start, frame)
            if tok.kind != "string" or not follow or frame is None:
                return found
    return found


def _context(
    scan: _Scan, tok: Token, offset: int, line_start: int, frame: _Frame | None
) -> CursorContext:
    if tok.kind == "name":
        if scan.imported and scan.module and not scan.module.startswith("."):
            return CursorContext(offset, line_start, tok, (tok.text,), True, scan.module)
        return CursorContext(offset, line_start, tok, tuple(scan.chain), scan.rooted)
    call = None
    # The string must start its argument: `folder / "name"` is not a checkpoint argument.
    if (
        tok.kind == "string"
        and frame is not None
        and frame.bracket == "("
        and frame.callee
        and frame.count == (1 if frame.keyword is None else 3)
    ):
        position = frame.positional if frame.keyword is None else None
        call = Call(frame.callee, position, frame.keyword, frame.strings)
    return CursorContext(offset, line_start, tok, call=call)


def string_value(tok: Token) -> str | None:
    """A plain one-line string's value; None for f-, b- and t-strings and long texts."""
    if tok.triple or set(tok.prefix.lower()) & {"b", "f", "t"}:
        return None
    if tok.terminated:
        try:
            value = ast.literal_eval(tok.text)
        except (SyntaxError, ValueError):
            return None
    else:
        value = tok.text[tok.body_start - tok.start :]
    if not isinstance(value, str) or "\n" in value or len(value) > _MAX_STRING:
        return None
    return value


# ---- imports and roles ----------------------------------------------------------------------


@dataclass(frozen=True)
class Imports:
    names: dict[str, str]  # local name -> qualified name
    star: frozenset[str]  # modules imported with `*`


def imports_of(text: str) -> Imports:
    """Every import statement, found by a line scan so that broken files still have them."""
    names: dict[str, str] = {}
    star: set[str] = set()
    for match in _IMPORT.finditer(text):
        module = match.group("module")
        if module is not None and module.startswith("."):
            continue
        raw = match.group("names") if module is not None else match.group("modules")
        raw = re.sub(r"#[^\n]*", "", raw or "").strip("()\\ \t\r\n")
        for part in raw.replace("\\", " ").split(","):
            words = part.split()
            if module is not None and words == ["*"]:
                star.add(module)
                continue
            if not words or not all(w.replace(".", "a").isidentifier() for w in words[::2]):
                continue
            alias = words[2] if len(words) == 3 and words[1] == "as" else None
            if module is not None:
                names[alias or words[0]] = f"{module}.{words[0]}"
            elif alias is not None:
                names[alias] = words[0]
            else:
                names[words[0].split(".")[0]] = words[0].split(".")[0]
    return Imports(names, frozenset(star))


def resolve(
    chain: tuple[str, ...], imports: Imports, knowledge: Knowledge | None = None
) -> str | None:
    """`T.AutoModel` -> `transformers.AutoModel` through the imports (and a transformers `*`)."""
    if not chain:
        return None
    root = imports.names.get(chain[0])
    if root is None and knowledge is not None and "transformers" in imports.star:
        root = f"transformers.{chain[0]}" if knowledge.has_name(chain[0]) else None
    return canonical(".".join((root, *chain[1:]))) if root else None


def string_role(context: CursorContext, imports: Imports) -> Role | None:
    """Whether the string at the cursor is a pipeline task or a checkpoint argument."""
    call = context.call
    if call is None:
        return None
    callee, keyword, position = call.callee, call.keyword, call.position
    if callee[-1] == "from_pretrained" and len(callee) > 1:
        owner = resolve(callee[:1], imports) or ""
        index, name = (1, "model_id") if owner.startswith("peft.") else (0, "")
        if keyword in (name, "pretrained_model_name_or_path") or (
            keyword is None and position == index
        ):
            return "checkpoint"
        return None
    qualname = resolve(callee, imports)
    if qualname == "transformers.pipeline" or (
        callee == ("pipeline",) and "pipeline" not in imports.names
    ):
        if keyword == "task" or (keyword is None and position == 0):
            return "task"
        if keyword in ("model", "tokenizer") or (keyword is None and position == 1):
            return "checkpoint"
    return None


# ---- completion items -----------------------------------------------------------------------


@dataclass(frozen=True)
class CompletionItemData:
    label: str
    detail: str
    kind: Role
    sort_text: str
    documentation: str | None
    replace_start_column: int  # the string content already typed: [start, end) on the line
    replace_end_column: int


def completions_at(
    text: str,
    path: Path | None,
    line: int,
    column: int,
    settings: Settings,
    resolver: CheckpointResolver | None = None,
) -> list[CompletionItemData]:
    """Task names or checkpoint ids for the string at the cursor; [] anywhere else."""
    try:
        return _completions(text, line, column, resolver)
    except Exception:  # a completion request must never take the server down
        return []


def _completions(
    text: str, line: int, column: int, resolver: CheckpointResolver | None
) -> list[CompletionItemData]:
    context = cursor_context(text, line, column)
    if context is None or context.token.kind != "string":
        return []
    tok = context.token
    if tok.triple or set(tok.prefix.lower()) & {"b", "f", "t"}:
        return []
    if not tok.body_start <= context.offset <= tok.body_end:
        return []
    role = string_role(context, imports_of(text))
    if role is None:
        return []
    typed = text[tok.body_start : context.offset]
    start = tok.body_start - context.line_start
    end = (tok.body_end if tok.terminated else context.offset) - context.line_start
    if role == "task":
        items = task_items(load_knowledge())
    else:
        table = resolver.table_path if resolver is not None else TABLE_PATH
        items = checkpoint_items(hub_cache_dir(), table)
    return [
        CompletionItemData(label, detail, role, sort, doc, start, end)
        for label, detail, sort, doc in items
        if _matches(label, typed)
    ]


def _matches(label: str, typed: str) -> bool:
    typed = typed.casefold()
    label = label.casefold()
    return label.startswith(typed) or label.rpartition("/")[2].startswith(typed)


Item = tuple[str, str, str, str | None]  # label, detail, sort text, documentation


def task_items(knowledge: Knowledge) -> list[Item]:
    """Supported tasks, then aliases; removed and redirected names are not offered."""
    items: list[Item] = []
    for task, info in sorted(knowledge.tasks.items()):
        detail = ", ".join(info.auto_classes) or "(no model class)"
        doc = f"`{info.impl}` ({info.type})" if info.impl else None
        if info.default_model:
            doc = f"{doc or ''}\n\nDefault model: `{info.default_model}`".strip()
        items.append((task, detail, f"0{task}", doc))
    for alias, target in sorted(knowledge.task_aliases.items()):
        target_info = knowledge.tasks.get(target)
        classes = ", ".join(target_info.auto_classes) if target_info else ""
        items.append((alias, classes, f"1{alias}", f"Alias of `{target}`."))
    return items


def checkpoint_items(cache_dir: Path, table: Path = TABLE_PATH) -> list[Item]:
    """Checkpoints in the HF cache (first), then the bundled table's, each with its model type."""
    items: list[Item] = []
    seen: set[str] = set()
    for repo_id, model_type, snapshot in cached_checkpoints(cache_dir):
        seen.add(repo_id.casefold())
        where = f"In the HF cache: `{snapshot or cache_dir}`"
        items.append((repo_id, model_type or "model type unknown", f"0{repo_id}", where))
    for repo_id, model_type, doc in _bundled(table):
        if repo_id.casefold() not in seen:
            items.append((repo_id, model_type or "model type unknown", f"1{repo_id}", doc))
    return items


_repo_types: dict[tuple[str, int], tuple[str | None, str | None]] = {}


def cached_checkpoints(cache_dir: Path) -> list[tuple[str, str | None, str | None]]:
    """(repo id, model type, snapshot folder) for each `models--*` folder of the cache.

    Reads the folder names and each main snapshot's config.json, remembered per refs/main
    state, so a call costs a directory listing and one stat per repository.
    """
    found: list[tuple[str, str | None, str | None]] = []
    try:
        entries = sorted(os.scandir(cache_dir), key=lambda e: e.name)
    except OSError:
        return found
    for entry in entries:
        if not entry.name.startswith("models--"):
            continue
        repo_id = entry.name[len("models--") :].replace("--", "/")
        folder = Path(entry.path)
        try:
            stamp = (folder / "refs" / "main").stat().st_mtime_ns
        except OSError:
            stamp = -1
        key = (entry.path, stamp)
        if key not in _repo_types:
            _repo_types[key] = _snapshot_type(folder)
        found.append((repo_id, *_repo_types[key]))
    return found


def _snapshot_type(folder: Path) -> tuple[str | None, str | None]:
    """The model type in the main snapshot's config.json (else the newest snapshot's)."""
    snapshots = folder / "snapshots"
    try:
        sha = (folder / "refs" / "main").read_text(encoding="utf-8").strip()
        candidates = [snapshots / sha]
    except OSError:
        try:
            candidates = sorted(snapshots.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
        except OSError:
            return None, None
    for snapshot in candidates:
        config = read_json(snapshot / "config.json")
        if config is not None:
            model_type = config.get("model_type")
            return (model_type if isinstance(model_type, str) else None), str(snapshot)
    return None, str(candidates[0]) if candidates else None


@cache
def _bundled(table: Path) -> list[tuple[str, str | None, str]]:
    """(id, model type, documentation) for every id of the bundled table, aliases included."""
    data = read_json(table) or {}
    entries = data.get("checkpoints")
    out: list[tuple[str, str | None, str]] = []
    if not isinstance(entries, dict):
        return out
    for key, entry in entries.items():
        if not isinstance(entry, dict):
            continue
        model_type = entry.get("model_type")
        model_type = model_type if isinstance(model_type, str) else None
        note = entry.get("note")
        doc = f"hflint's table of well-known checkpoints ({data.get('date', '?')})"
        doc = f"{note}\n\n{doc}" if isinstance(note, str) else doc
        out.append((key, model_type, doc))
        aliases = entry.get("aliases")
        for alias in aliases if isinstance(aliases, list) else []:
            if isinstance(alias, str):
                out.append((alias, model_type, f"Same repository as `{key}`.\n\n{doc}"))
    return out
