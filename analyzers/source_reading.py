"""Reading Python sources without importing them: one statement, one function, the classes of
a file and their bases, the parameters of a `def`.

Shared by the knowledge extractors (knowledge_extract.py, knowledge_calls.py), which read
transformers' own sources this way: parsing a whole file such as trainer.py would cost a
language server ~200 ms, so only the statements that hold a fact are parsed.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from pathlib import Path


def read_source(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


_CODE_LINE = re.compile(
    r" *(?:@|(?:async +)?def |class |from |import |[\w.]+(?:\[[^\]]*\])? *(?::|=|\+=|\())"
)
_BOUNDARY = "^ {0,%d}(?![ \\t)\\]}#\\n]|else\\b|elif\\b|except\\b|finally\\b)"


def block(src: str, start: int) -> ast.stmt | None:
    """Parse the one statement whose first line begins at offset `start`.

    Cuts at each later line indented no deeper, and grows the cut while the parse fails
    (a cut inside a string or bracket fails). Gives up at once on a first line that does not
    look like code (prose inside a docstring).
    """
    eol = src.find("\n", start)
    line = src[start : eol if eol >= 0 else len(src)]
    if not _CODE_LINE.match(line):
        return None
    indent = len(line) - len(line.lstrip(" "))
    boundary = re.compile(_BOUNDARY % indent, re.M)
    head = "if 1:\n" if indent else ""
    pos = start
    for _ in range(200):
        nl = src.find("\n", pos)
        match = boundary.search(src, nl + 1) if nl >= 0 else None
        end = match.start() if match else len(src)
        try:
            body = ast.parse(head + src[start:end]).body
        except SyntaxError:
            if match is None:
                return None
            pos = end
            continue
        stmts = body[0].body if indent and isinstance(body[0], ast.If) else body
        return stmts[0] if stmts else None
    return None


def statements(src: str, pattern: str) -> list[ast.stmt]:
    """The top-level statements whose first line matches `pattern`, in source order."""
    found = (block(src, m.start()) for m in re.finditer(pattern, src, re.M))
    return [s for s in found if s is not None]


def name_of(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.rsplit(".", 1)[-1]
    return ""


def popped_keys(func: ast.FunctionDef, kwargs: str | None) -> set[str]:
    """The keys `func` reads from its `**kwargs` dict: `kwargs.pop("k")`, `kwargs.get("k")`,
    `kwargs["k"]` and `"k" in kwargs`."""
    found: set[str] = set()
    if kwargs is None:
        return found
    for node in ast.walk(func):
        key: ast.expr | None = None
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("pop", "get")
            and name_of(node.func.value) == kwargs
            and node.args
        ):
            key = node.args[0]
        elif isinstance(node, ast.Subscript) and name_of(node.value) == kwargs:
            key = node.slice
        elif (
            isinstance(node, ast.Compare)
            and len(node.ops) == 1
            and isinstance(node.ops[0], ast.In)
            and name_of(node.comparators[0]) == kwargs
        ):
            key = node.left
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            found.add(key.value)
    return found


BOUNDARY_0 = re.compile(_BOUNDARY % 0, re.M)


def class_header(src: str, name: str) -> int:
    match = re.search(rf"^class {name}\b", src, re.M)
    return match.start() if match else -1


_CLASS_HEAD = re.compile(rb"\nclass (\w+)\(([^)]*)\)\s*:")
_TOP_LEVEL = re.compile(rb"\n[^\s#)\]}'\"]")


def class_blocks(data: bytes, bodies: bool = True) -> list[tuple[str, list[str], int, int]]:
    """(name, base names, body start, body end) of each top-level class, read line-based;
    without `bodies` the ends are not looked for (-1)."""
    out = []
    for head in _CLASS_HEAD.finditer(b"\n" + data):
        bases = []
        for raw in head.group(2).decode("utf-8", "replace").split(","):
            base = raw.strip()
            if base and "=" not in base:
                bases.append(base.split("[")[0].rsplit(".", 1)[-1].strip())
        start = head.end() - 1  # offsets in `data`, which lacks the leading newline
        end = _TOP_LEVEL.search(data, start) if bodies else None
        stop = end.start() if end else (len(data) if bodies else -1)
        out.append((head.group(1).decode(), bases, start, stop))
    return out


def python_files(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            if name.endswith(".py") and not name.startswith(("convert_", "modular_")):
                yield Path(root) / name


def class_span(src: str, names: tuple[str, ...] | None) -> tuple[int, int]:
    """Offsets of the first class named in `names` (the whole module for None)."""
    if names is None:
        return 0, len(src)
    for name in names:
        start = class_header(src, name)
        if start >= 0:
            end = BOUNDARY_0.search(src, src.find("\n", start) + 1)
            return start, end.start() if end else len(src)
    return -1, -1


_DEF = re.compile(
    r"^(?P<indent> {4}|)(?:@[^\n]*\n(?P=indent))*(?:async +)?def (?P<name>\w+)\(", re.M
)


def defs(src: str, start: int, end: int, indent: str) -> list[tuple[str, int, int]]:
    """(name, offset of its first decorator, offset of the next def) for each def at `indent`."""
    found = [
        (m.group("name"), m.start())
        for m in _DEF.finditer(src, start, end)
        if m.group("indent") == indent
    ]
    return [
        (name, pos, found[i + 1][1] if i + 1 < len(found) else end)
        for i, (name, pos) in enumerate(found)
    ]


def function(src: str, classes: tuple[str, ...] | None, name: str) -> ast.FunctionDef | None:
    start, end = class_span(src, classes)
    if start < 0:
        return None
    spans = [
        (stop - pos, pos)
        for found, pos, stop in defs(src, start, end, "    " if classes else "")
        if found == name
    ]
    if not spans:
        return None
    node = block(src, max(spans)[1])  # the implementation, not a `@overload` stub
    return node if isinstance(node, ast.FunctionDef) else None


# A bracket, a one-line string or a comment: what stands between a `def`'s parentheses.
_TOKEN = re.compile(rb"[()\[\]{}]|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'|#[^\n]*")
_OPENING, _CLOSING = frozenset(b"([{"), frozenset(b")]}")
# A parameter: its name, right after the opening parenthesis or a comma, before `:`, `=`,
# `,` or the end (annotations and defaults are dropped before this runs).
_PARAMETER = re.compile(rb"(?:^|[(,])\s*(\*{0,2})([A-Za-z_]\w*)\s*(?=[:=,)]|$)")


def def_parameters(data: bytes, start: int) -> list[str]:
    """The parameter names of the `def` whose opening parenthesis is at `start` (`*args` and
    `**kwargs` left out), read without parsing the function: only the header's text at the
    parentheses' own depth counts, so annotations and defaults cannot add names."""
    depth, last = 0, start
    flat = bytearray()
    for token in _TOKEN.finditer(data, start):
        text = token.group()
        if depth == 1:
            flat += data[last : token.start()]
        last = token.end()
        if text[0] in _OPENING and len(text) == 1:
            depth += 1
            if depth == 1:
                flat += b"("
        elif text[0] in _CLOSING and len(text) == 1:
            depth -= 1
            if depth == 0:
                flat += b")"
                break
    return [name.decode() for star, name in _PARAMETER.findall(bytes(flat)) if not star]
