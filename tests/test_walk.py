"""The planned walk visits the nodes libcst's own visitor does (fields in declaration order,
so a keyword argument's value comes before its name), and its recorded replay calls the same
hooks in the same order."""

from __future__ import annotations

import libcst as cst

from hflint.analyzers.walk import replay, walk

SOURCE = """\
import os
x = f(1, y=[a, b])
if x:
    def g(p):
        return p.q(r)
elif y:
    z = lambda k: k + 1
else:
    class C(Base):
        w: int = 3
for i in range(3):
    try:
        h(i)
    except E:
        pass
"""


class Recorder(cst.CSTVisitor):
    """Logs visits and leaves of a few node types; refuses to enter lambdas."""

    def __init__(self) -> None:
        self.log: list[str] = []

    def visit_Name(self, node: cst.Name) -> None:
        self.log.append(f"name {node.value}")

    def visit_Call(self, node: cst.Call) -> None:
        self.log.append("call")

    def leave_Call(self, original_node: cst.Call) -> None:
        self.log.append("/call")

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        self.log.append("lambda")
        return False

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self.log.append("/lambda")

    def visit_If(self, node: cst.If) -> None:
        self.log.append("if")

    def leave_If(self, original_node: cst.If) -> None:
        self.log.append("/if")


class BodyRecorder(Recorder):
    def leave_If_body(self, node: cst.If) -> None:
        self.log.append("if-body-done")


def _libcst_log(module: cst.Module) -> list[str]:
    recorder = Recorder()
    module.visit(recorder)
    return recorder.log


def test_walk_and_replay_match_libcst() -> None:
    module = cst.parse_module(SOURCE)
    expected = _libcst_log(module)
    assert "lambda" in expected and "name k" not in expected  # the lambda's body is skipped
    walked, replayed, again = Recorder(), Recorder(), Recorder()
    for statement in module.body:
        walk(statement, walked)
        replay(statement, replayed)
        replay(statement, again)  # the recorded events this time
    assert sorted(walked.log) == sorted(expected)
    assert replayed.log == walked.log
    assert again.log == walked.log


def test_if_body_hook_and_owners() -> None:
    module = cst.parse_module(SOURCE)
    walked, replayed = BodyRecorder(), BodyRecorder()
    walked_owners: dict[int, int] = {}
    replayed_owners: dict[int, int] = {}
    for index, statement in enumerate(module.body):
        walk(statement, walked, walked_owners, index)
        replay(statement, replayed, replayed_owners, index)
    assert walked.log.count("if-body-done") == 2  # the `if` and its `elif`
    assert replayed.log == walked.log
    # Replay also records the nodes a hook skipped (inside the lambda): a superset.
    assert walked_owners.items() <= replayed_owners.items()
    assert len(replayed_owners) > len(walked_owners)
    call = module.body[1].body[0].value  # type: ignore[attr-defined]
    assert replayed_owners[id(call)] == 1


def test_replay_keeps_visitor_classes_apart() -> None:
    module = cst.parse_module("if a:\n    b\n")
    plain, with_body = Recorder(), BodyRecorder()
    replay(module.body[0], plain)
    replay(module.body[0], with_body)
    assert "if-body-done" not in plain.log
    assert "if-body-done" in with_body.log
