"""Import edits made the way a person makes them, so that isort / Ruff (`I001`, `F401`) stay
quiet on the fixed file.

A new name joins the module's existing `from m import ...` list: at its sorted place when the
list is sorted (import_order.py), at the end otherwise; a parenthesised list keeps its layout,
its comments and its trailing-comma style (import_lists.py), and a one-line import that grows
past 88 columns is wrapped the way Ruff wraps it. A name whose last uses the fix replaces
leaves its import, and an import left empty goes with its line.

Rules ask through `RuleContext.name_for` / `import_edit`, which return an `ImportEdit`: a
request, not yet text, saying what to import and which replaced names may have lost their
last use. `RuleContext.fix` settles the requests of a fix together, against its other edits,
into one edit per import statement (`settle`).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from hflint.analyzers.findings import Edit, Position, Range
from hflint.rules.import_lists import INDENT, alias_key, aliases, local_name, with_names, wrapped
from hflint.rules.import_order import MemberKey, member_key, sorted_names

if TYPE_CHECKING:
    from hflint.rules.context import RuleContext

LINE_LENGTH = 88  # Ruff's and Black's default line length
_NOTHING = Range(Position(1, 0), Position(1, 0))
Binding = tuple[cst.ImportFrom, cst.ImportAlias]


@dataclass(frozen=True)
class ImportEdit(Edit):
    """A request for import edits, merged with the others of its fix by `settle`. As an edit
    it inserts nothing: what it asks for becomes text only once the whole fix is known."""

    module: str = ""
    adds: tuple[str, ...] = ()  # names to import from `module`
    drops: tuple[str, ...] = ()  # local names the fix replaces uses of (maybe the last ones)


def open_import_edit(
    ctx: RuleContext, module: str, adds: Sequence[str], drops: Sequence[str] = ()
) -> ImportEdit | None:
    """A request to import `adds` from `module`; None when there is nothing to do."""
    present = {
        local_name(a)
        for stmt in _from_imports(ctx, module)
        for a in aliases(stmt)
        if a.asname is None
    }
    missing = tuple(n for n in adds if n not in present)
    if not missing and not drops:
        return None
    return ImportEdit(_NOTHING, "", module, missing, tuple(drops))


def settle(ctx: RuleContext, edits: Sequence[Edit]) -> list[Edit]:
    """The fix's edits with its `ImportEdit`s turned into text: one edit per import statement.

    A name the other edits replace every use of leaves its import: the names the requests say
    they replace, and the other names of the `from m import` lists they edit.
    """
    opened = [e for e in edits if isinstance(e, ImportEdit)]
    if not opened:
        return list(edits)
    others = [e for e in edits if not isinstance(e, ImportEdit)]
    adds: dict[str, list[str]] = {}
    candidates = dict.fromkeys(d for e in opened for d in e.drops)
    for e in opened:
        names = adds.setdefault(e.module, [])
        names.extend(n for n in e.adds if n not in names)
    for module in adds:
        for stmt in _from_imports(ctx, module):
            candidates.update(dict.fromkeys(filter(None, map(local_name, aliases(stmt)))))
    gone: dict[int, set[int]] = {}  # id(ImportFrom) -> ids of its aliases to remove
    for local in candidates:
        bindings = _bindings(ctx, local)
        if bindings and _last_use_replaced(ctx, local, bindings, others):
            for stmt, alias in bindings:
                gone.setdefault(id(stmt), set()).add(id(alias))
    out = list(others)
    done: set[int] = set()
    for module, names in adds.items():
        out += _module_edits(ctx, module, names, gone, done)
    for line, stmt in _statements(ctx):
        if id(stmt) in gone and id(stmt) not in done:
            out += _rewrite(ctx, line, stmt, [], gone[id(stmt)])
    return out


# ---- which statements ----------------------------------------------------------------------
def _statements(ctx: RuleContext) -> list[tuple[cst.SimpleStatementLine, cst.ImportFrom]]:
    return ctx.shared(_top_level_from_imports)


def _top_level_from_imports(
    ctx: RuleContext,
) -> list[tuple[cst.SimpleStatementLine, cst.ImportFrom]]:
    """`from m import a, b` statements at the top level (no star, not relative), with their
    lines."""
    found = []
    for line in ctx.module.body:
        if isinstance(line, cst.SimpleStatementLine):
            for small in line.body:
                if (
                    isinstance(small, cst.ImportFrom)
                    and not small.relative
                    and small.module is not None
                    and not isinstance(small.names, cst.ImportStar)
                ):
                    found.append((line, small))
    return found


def _from_imports(ctx: RuleContext, module: str) -> list[cst.ImportFrom]:
    return [s for _, s in _statements(ctx) if s.module is not None and ctx.code(s.module) == module]


# ---- is a name still used after the fix? ---------------------------------------------------
def _bindings(ctx: RuleContext, local: str) -> list[Binding]:
    """The top-level `from` imports that bind `local`, when it is still the imported name at
    the end of the module (a module-level rebinding makes the collector forget it)."""
    if local not in ctx.facts.imports:
        return []
    return [
        (stmt, alias)
        for _, stmt in _statements(ctx)
        for alias in aliases(stmt)
        if local_name(alias) == local
    ]


def _last_use_replaced(
    ctx: RuleContext,
    local: str,
    bindings: list[Binding],
    others: Sequence[Edit],
) -> bool:
    """Whether the edits replace the last reads of `local`: at least one, and none is left
    elsewhere, in the code they write, or in a string annotation / `__all__` entry (Ruff
    counts those as uses too). Imports that were unused before stay for F401 to report."""
    own = set()
    for _, alias in bindings:
        own.add(id(alias.name))
        if alias.asname is not None:
            own.add(id(alias.asname.name))
    uses = [n for n in ctx.facts.name_uses.get(local, []) if id(n) not in own]
    if _reads_in_edited_text(ctx, others, local) < len(uses):
        return False  # a read outside the edited text: no need to place every use
    replaced = False
    for node in uses:
        where = ctx.range(node)
        if not any(e.range.start <= where.start and where.end <= e.range.end for e in others):
            return False
        replaced = True
    if not replaced or any(_reads(e.content, local) for e in others):
        return False
    if any(local in s and _names_in_expression(s, local) for s in ctx.facts.strings):
        return False
    # the collector records the reads after the import only: the code above must not name it
    first = min(ctx.range(stmt).start.line for stmt, _ in bindings)
    return not _reads(ctx.source.text[: ctx.source.offset(Position(first, 0))], local)


def _reads_in_edited_text(ctx: RuleContext, others: Sequence[Edit], local: str) -> int:
    """How many reads of `local` the text the edits replace holds (an upper bound on the uses
    they can replace; computing the node positions of every use costs far more)."""
    total = 0
    for edit in others:
        start, end = ctx.source.offset(edit.range.start), ctx.source.offset(edit.range.end)
        total += _count_reads(ctx.source.text[start:end], local)
    return total


def _count_reads(code: str, local: str) -> int:
    """Reads of `local` in `code` as `_reads` sees them; when it does not tokenize, every
    occurrence of the word (never fewer than the reads)."""
    count, previous = 0, ""
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type == tokenize.NAME and token.string == local and previous != ".":
                count += 1
            if token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
                previous = token.string
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return len(re.findall(rf"\b{re.escape(local)}\b", code))
    return count


def _reads(code: str, local: str) -> bool:
    """Whether `code` names `local` outside strings, comments and attributes (when it does
    not tokenize, whether the word appears at all)."""
    previous = ""
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type == tokenize.NAME and token.string == local and previous != ".":
                return True
            if token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
                previous = token.string
    except (tokenize.TokenError, SyntaxError):
        return re.search(rf"\b{re.escape(local)}\b", code) is not None
    return False


def _names_in_expression(text: str, local: str) -> bool:
    """`"Trainer"`, `"Optional[Trainer]"`: a string that reads as an expression naming `local`."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError):
        return False
    return any(isinstance(n, ast.Name) and n.id == local for n in ast.walk(tree))


# ---- the edits ---------------------------------------------------------------------------------
def _module_edits(
    ctx: RuleContext, module: str, adds: list[str], gone: dict[int, set[int]], done: set[int]
) -> list[Edit]:
    """Edits importing `adds` from `module` and removing the `gone` aliases of its statements
    (which join `done`). The names go into the first `from module import` without `as` names,
    else on a new line; either way in isort's order among the module's other statements."""
    lines = {id(s): line for line, s in _statements(ctx)}
    statements = _from_imports(ctx, module)
    target = next((s for s in statements if all(a.asname is None for a in aliases(s))), None)
    edits: list[Edit] = []
    for stmt in statements:
        if stmt is not target and id(stmt) in gone:
            done.add(id(stmt))
            edits += _rewrite(ctx, lines[id(stmt)], stmt, [], gone[id(stmt)])
    staying = [s for s in statements if s is not target and _first_key(s, gone) is not None]
    if target is None:
        if not adds:
            return edits
        names = sorted_names(adds)
        text = f"from {module} import {', '.join(names)}"
        if len(text) > LINE_LENGTH:
            text = f"from {module} import (\n" + "".join(f"{INDENT}{n},\n" for n in names) + ")"
        return [*edits, _insert_line(ctx, staying, gone, member_key(names[0]), text)]
    done.add(id(target))
    line = lines[id(target)]
    present = {local_name(a) for a in aliases(target)}
    missing = [n for n in adds if n not in present]
    dropped = gone.get(id(target), set())
    first, was = _first_key(target, gone, missing), _first_key(target, {})
    if (
        first is None
        or was is None
        or len(line.body) > 1
        or _in_order(ctx, target, staying, gone, first)
        or not _in_order(ctx, target, staying, gone, was)  # out of order already: stays so
    ):
        return [*edits, *_rewrite(ctx, line, target, missing, dropped)]
    # its first name changes: the statement moves among the module's `import ... as` lines
    code = _new_code(ctx, target, missing, dropped)
    return [*edits, _line_gone(ctx, line), _insert_line(ctx, staying, gone, first, code)]


def _first_key(
    stmt: cst.ImportFrom, gone: dict[int, set[int]], adds: Sequence[str] = ()
) -> MemberKey | None:
    """isort's key of what the statement will import first (None: it will import nothing)."""
    dropped = gone.get(id(stmt), set())
    keys = [alias_key(a) for a in aliases(stmt) if id(a) not in dropped]
    return min([*keys, *map(member_key, adds)], default=None)


def _in_order(
    ctx: RuleContext,
    stmt: cst.ImportFrom,
    staying: list[cst.ImportFrom],
    gone: dict[int, set[int]],
    first: MemberKey,
) -> bool:
    """Whether `stmt`, importing `first` first, still sits in isort's order among `staying`."""
    line = ctx.range(stmt).start.line
    for other in staying:
        key = _first_key(other, gone)
        assert key is not None
        above = ctx.range(other).start.line < line
        if (above and key > first) or (not above and key < first):
            return False
    return True


def _insert_line(
    ctx: RuleContext,
    staying: list[cst.ImportFrom],
    gone: dict[int, set[int]],
    first: MemberKey,
    text: str,
) -> Edit:
    """`text` on a line of its own: before the first of the module's other statements whose
    first name sorts after `first`, else after the last of them, else after the last
    top-level import."""
    after: cst.CSTNode | None = None
    for stmt in staying:
        key = _first_key(stmt, gone)
        if key is not None and key > first:
            start = Position(ctx.range(stmt).start.line, 0)
            return Edit(Range(start, start), text + "\n")
        after = stmt
    if after is None:
        for line in ctx.module.body:
            if isinstance(line, cst.SimpleStatementLine) and any(
                isinstance(s, (cst.Import, cst.ImportFrom)) for s in line.body
            ):
                after = line
    at = _NOTHING.start if after is None else Position(ctx.range(after).end.line + 1, 0)
    return Edit(Range(at, at), text + "\n")


def _line_gone(ctx: RuleContext, line: cst.SimpleStatementLine) -> Edit:
    where = ctx.range(line)
    return Edit(Range(Position(where.start.line, 0), Position(where.end.line + 1, 0)), "")


def _rewrite(
    ctx: RuleContext,
    line: cst.SimpleStatementLine,
    stmt: cst.ImportFrom,
    adds: Sequence[str],
    dropped: Collection[int],
) -> list[Edit]:
    """The edits that add `adds` to `stmt` and remove its `dropped` aliases."""
    if not adds and not any(id(a) in dropped for a in aliases(stmt)):
        return []
    code = _new_code(ctx, stmt, adds, dropped)
    if code:
        return [Edit(ctx.range(stmt), code)]
    # `import x; from m import y`: the shared line stays as it is
    return [_line_gone(ctx, line)] if len(line.body) == 1 else []


def _new_code(
    ctx: RuleContext, stmt: cst.ImportFrom, adds: Sequence[str], dropped: Collection[int]
) -> str:
    """The statement's code with `adds` and without `dropped` ("" when it imports nothing).
    A one-line import that grows past 88 columns, or past its own length when it was longer
    already (the project's limit is then unknown), is wrapped."""
    if not adds and all(id(a) in dropped for a in aliases(stmt)):
        return ""
    new = with_names(stmt, adds, dropped)
    code = ctx.module.code_for_node(new)
    where = ctx.range(stmt)
    if where.start.line == where.end.line and "\n" not in code:
        text = ctx.source.line(where.start.line)
        before, after = text[: where.start.column], text[where.end.column :]
        if len(before + code + after) > max(LINE_LENGTH, len(text)):
            code = ctx.module.code_for_node(wrapped(new))
    return code
