"""Statements of one scope in execution order, for rules that ask "does A happen before B?".

The collector's facts are flat lists; ordering questions (was `labels` cleaned before it was
decoded, was the model put back in eval mode before inference) need the statements of one
function or module body, with branches and loops. Rules read them from the libcst nodes the
facts already hold (`FunctionFact.node`, `facts.module.body`) and only for the few scopes where
the flat facts show both ends of the question, so no module pays for a second walk.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

import libcst as cst

from hflint.analyzers.findings import Edit, Position, Range
from hflint.rules.context import RuleContext

S = TypeVar("S")

# The statements enclosing a point, outermost first: the scope's own statement, then the
# statements of the blocks inside it down to the one that holds the point.
Trail = tuple[cst.BaseStatement, ...]
_LOOPS = (cst.For, cst.While)


def _block(
    body: cst.BaseSuite,
) -> Sequence[cst.BaseStatement] | cst.SimpleStatementSuite:
    if isinstance(body, cst.IndentedBlock):
        return body.body
    assert isinstance(body, cst.SimpleStatementSuite)
    return body


class Interpreter(Generic[S]):
    """Runs a body statement by statement over an abstract state `S`.

    Subclasses say what one simple statement or compound header does to the state and how two
    paths join (`merge`); branches run on copies, and a loop body may run zero times.
    Nested functions and classes are other scopes and are skipped.
    """

    def __init__(self) -> None:
        # id(statement) -> its rank in source order, for statements run so far
        self.order: dict[int, int] = {}

    def copy(self, state: S) -> S:
        raise NotImplementedError

    def merge(self, a: S, b: S) -> S:
        raise NotImplementedError

    def simple(
        self, line: cst.SimpleStatementLine | cst.SimpleStatementSuite, state: S, trail: Trail
    ) -> S:
        raise NotImplementedError

    def header(self, stmt: cst.BaseCompoundStatement, state: S, trail: Trail) -> S:
        """The expressions a compound statement evaluates before its body (test, iterable,
        context managers); by default nothing happens."""
        return state

    # ---- control flow -------------------------------------------------------------------
    def run(self, body: Sequence[cst.BaseStatement], state: S, trail: Trail = ()) -> S:
        for stmt in body:
            state = self.statement(stmt, state, trail)
        return state

    def suite(self, body: cst.BaseSuite, state: S, trail: Trail) -> S:
        block = _block(body)
        if isinstance(block, cst.SimpleStatementSuite):
            return self.simple(block, state, trail)
        return self.run(block, state, trail)

    def statement(self, stmt: cst.BaseStatement, state: S, trail: Trail) -> S:
        self.order.setdefault(id(stmt), len(self.order))
        here = (*trail, stmt)
        if isinstance(stmt, cst.SimpleStatementLine):
            return self.simple(stmt, state, here)
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            return state
        if isinstance(stmt, cst.If):
            return self._if(stmt, state, here)
        if isinstance(stmt, _LOOPS):
            state = self.header(stmt, state, here)
            after_body = self.suite(stmt.body, self.copy(state), here)
            state = self.merge(state, after_body)
            if stmt.orelse is not None:
                state = self.suite(stmt.orelse.body, state, here)
            return state
        if isinstance(stmt, cst.With):
            return self.suite(stmt.body, self.header(stmt, state, here), here)
        if isinstance(stmt, (cst.Try, cst.TryStar)):
            return self._try(stmt, state, here)
        if isinstance(stmt, cst.Match):
            state = self.header(stmt, state, here)
            joined = self.copy(state)
            for case in stmt.cases:
                joined = self.merge(joined, self.suite(case.body, self.copy(state), here))
            return joined
        return state

    def _if(self, stmt: cst.If, state: S, here: Trail) -> S:
        state = self.header(stmt, state, here)
        taken = self.suite(stmt.body, self.copy(state), here)
        orelse = stmt.orelse
        if isinstance(orelse, cst.If):
            other = self._if(orelse, self.copy(state), here)
        elif isinstance(orelse, cst.Else):
            other = self.suite(orelse.body, self.copy(state), here)
        else:
            other = state
        return self.merge(taken, other)

    def _try(self, stmt: cst.Try | cst.TryStar, state: S, here: Trail) -> S:
        before = self.copy(state)
        state = self.suite(stmt.body, state, here)
        joined = self.merge(before, state)
        for handler in stmt.handlers:
            state = self.merge(state, self.suite(handler.body, self.copy(joined), here))
        if stmt.orelse is not None:
            state = self.suite(stmt.orelse.body, state, here)
        if stmt.finalbody is not None:
            state = self.suite(stmt.finalbody.body, state, here)
        return state


def scope_body(node: cst.Module | cst.FunctionDef) -> Sequence[cst.BaseStatement]:
    if isinstance(node, cst.Module):
        return node.body
    block = _block(node.body)
    return () if isinstance(block, cst.SimpleStatementSuite) else block


def enclosing_loops(trail: Trail) -> list[cst.BaseStatement]:
    return [s for s in trail if isinstance(s, _LOOPS)]


def comes_after(interpreter: Interpreter[S], trail: Trail, reference: Trail) -> bool:
    """Whether the statement at `trail` is later in the source than the one at `reference`
    (statements on exclusive branches compare by source order too)."""
    for a, b in zip(trail, reference, strict=False):
        if a is not b:
            return interpreter.order.get(id(a), -1) > interpreter.order.get(id(b), -1)
    return False


def insertion_point(earlier: Trail, later: Trail) -> cst.BaseStatement | None:
    """The statement to insert a line before so that it runs after `earlier` and before
    `later`: the first statement of `later`'s trail that is not shared with `earlier`.

    None when both are in the same statement (nothing fits between them)."""
    shared = 0
    while shared < min(len(earlier), len(later)) and earlier[shared] is later[shared]:
        shared += 1
    if shared >= len(later):
        return None
    return later[shared]


def insert_line_before(ctx: RuleContext, stmt: cst.BaseStatement, text: str) -> Edit | None:
    """An edit that puts `text` on a line of its own before `stmt`, at its indentation.

    None when `stmt` does not start its line (`a = 1; b = 2`): the line would land mid-line.
    """
    start = ctx.range(stmt).start
    line = ctx.source.line(start.line)
    indent = line[: start.column]
    if indent.strip():
        return None
    return Edit(Range(Position(start.line, 0), Position(start.line, 0)), f"{indent}{text}\n")


def module_import_edit(ctx: RuleContext, line: str) -> Edit:
    """Insert `line` (e.g. `import numpy as np`) after the last top-level import."""
    last: cst.CSTNode | None = None
    for stmt in ctx.module.body:
        if isinstance(stmt, cst.SimpleStatementLine) and any(
            isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body
        ):
            last = stmt
    at = Position(1, 0) if last is None else Position(ctx.range(last).end.line + 1, 0)
    return Edit(Range(at, at), f"{line}\n")
