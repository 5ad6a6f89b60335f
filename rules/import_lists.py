"""The list of names of one `from m import ...` statement, edited in place.

The list is read as names with gaps between them: the whitespace after `(`, after each comma,
and before `)`. In a list laid out one name per line a gap holds the comment that ends the
line above, the comment lines above the next name, and that name's indentation; keeping those
apart is what keeps the comments where they were when names come and go.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import libcst as cst

from hflint.rules.import_order import MemberKey, is_sorted, member_key, sorted_names

INDENT = "    "  # Ruff's `indent-width` default, which its isort wraps with
Gap = cst.BaseParenthesizableWhitespace


def aliases(stmt: cst.ImportFrom) -> list[cst.ImportAlias]:
    assert not isinstance(stmt.names, cst.ImportStar)
    return list(stmt.names)


def local_name(alias: cst.ImportAlias) -> str | None:
    """The name the alias binds (`b` in `a as b`)."""
    if alias.asname is not None:
        target = alias.asname.name
        return target.value if isinstance(target, cst.Name) else None
    return alias.name.value if isinstance(alias.name, cst.Name) else None


def alias_key(alias: cst.ImportAlias) -> MemberKey:
    name = alias.name.value if isinstance(alias.name, cst.Name) else ""
    return member_key(name, local_name(alias) if alias.asname is not None else None)


def with_names(stmt: cst.ImportFrom, adds: Sequence[str], gone: Collection[int]) -> cst.ImportFrom:
    """`stmt` with `adds`, each at its sorted place if the list was sorted (else at the end),
    and without the aliases whose ids are in `gone`; at least one name must remain."""
    items = aliases(stmt)
    was_sorted = is_sorted([alias_key(a) for a in items])
    last_comma = items[-1].comma
    gaps: list[Gap] = [stmt.lpar.whitespace_after if stmt.lpar else cst.SimpleWhitespace("")]
    for alias in items[:-1]:
        assert isinstance(alias.comma, cst.Comma)  # another name follows
        gaps.append(alias.comma.whitespace_after)
    if isinstance(last_comma, cst.Comma):
        gaps.append(last_comma.whitespace_after)
    else:
        gaps.append(stmt.rpar.whitespace_before if stmt.rpar else cst.SimpleWhitespace(""))
    indent = next(
        (g.last_line.value for g in gaps[:-1] if isinstance(g, cst.ParenthesizedWhitespace)),
        INDENT,
    )
    for name in sorted_names(adds):
        new = cst.ImportAlias(cst.Name(name))
        at = len(items)
        if was_sorted:
            key = alias_key(new)
            at = next((i for i, a in enumerate(items) if alias_key(a) > key), len(items))
        gaps[at : at + 1] = _split(gaps[at], at, indent)
        items.insert(at, new)
    for i in reversed(range(len(items))):
        if id(items[i]) in gone:
            gaps[i : i + 2] = [_join(gaps[i], gaps[i + 1], i, len(items))]
            del items[i]
    names = [
        a.with_changes(comma=cst.Comma(whitespace_after=gaps[i + 1]))
        for i, a in enumerate(items[:-1])
    ]
    changes: dict[str, object] = {"semicolon": cst.MaybeSentinel.DEFAULT}
    if isinstance(last_comma, cst.Comma):  # the trailing comma stays
        names.append(
            items[-1].with_changes(comma=last_comma.with_changes(whitespace_after=gaps[-1]))
        )
    else:
        names.append(items[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT))
        if stmt.rpar is not None:
            changes["rpar"] = stmt.rpar.with_changes(whitespace_before=gaps[-1])
    if stmt.lpar is not None:
        changes["lpar"] = stmt.lpar.with_changes(whitespace_after=gaps[0])
    return stmt.with_changes(names=names, **changes)


def _split(gap: Gap, at: int, indent: str) -> list[Gap]:
    """The gaps before and after a name inserted where `gap` was. Where names go one per line
    it gets a line of its own: the comment ending the line above stays there, comment lines
    above the next name stay above it."""
    if isinstance(gap, cst.ParenthesizedWhitespace):
        before = gap.with_changes(empty_lines=[], last_line=cst.SimpleWhitespace(indent))
        return [before, gap.with_changes(first_line=cst.TrailingWhitespace())]
    return [gap, cst.SimpleWhitespace(" ")] if at == 0 else [cst.SimpleWhitespace(" "), gap]


def _join(before: Gap, after: Gap, at: int, count: int) -> Gap:
    """The gap left where the name between `before` and `after` was. The comment ending its
    line goes with it; comment lines stay; the first name keeps the gap after `(`, the last
    the gap before `)`; between two names a line break wins."""
    if isinstance(before, cst.ParenthesizedWhitespace) and isinstance(
        after, cst.ParenthesizedWhitespace
    ):
        lines = [*before.empty_lines, *after.empty_lines]
        return after.with_changes(first_line=before.first_line, empty_lines=lines)
    if at == 0:
        return before
    if at == count - 1:
        return after
    return after if isinstance(after, cst.ParenthesizedWhitespace) else before


def wrapped(stmt: cst.ImportFrom) -> cst.ImportFrom:
    """Ruff's wrapped form: one name per line, a trailing comma, the closing paren alone."""

    def line_break(indent: str) -> cst.ParenthesizedWhitespace:
        return cst.ParenthesizedWhitespace(last_line=cst.SimpleWhitespace(indent), indent=True)

    items = aliases(stmt)
    last = len(items) - 1
    names = [
        a.with_changes(comma=cst.Comma(whitespace_after=line_break(INDENT if i < last else "")))
        for i, a in enumerate(items)
    ]
    return stmt.with_changes(
        names=names,
        lpar=cst.LeftParen(whitespace_after=line_break(INDENT)),
        rpar=cst.RightParen(),
        whitespace_after_import=cst.SimpleWhitespace(" "),
    )
