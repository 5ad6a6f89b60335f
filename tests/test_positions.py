"""Per-statement positions equal libcst's whole-tree positions for every node we walk."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from hflint.analyzers.collector import collect
from hflint.analyzers.positions import Positions

SAMPLES = [
    "import os; import sys\nx = 1; y = 2\n\n\n# comment\n\n@decorator\n# between\n@other(1)\ndef f(a,\n      b=2):\n    '''doc'''\n    return a\n",
    "class A(B):\n    x: int = 1\n\n    @property\n    def y(self):\n        return f'{self.x!r:>3}'\n\nif __name__ == '__main__':\n    for i in range(3):\n        print(i)\n    else:\n        pass\n",
    "value = {'a': [1, 2, (3, 4)], **rest}\nlambda q: q\ntry:\n    pass\nexcept E as e:\n    raise\nfinally:\n    z = 'é' + \"ü\"\n",
    "async def g():\n    async with a as b:\n        await b\n\n\n\n\nwhile True: break\n",
]
SAMPLES += [p.read_text() for p in sorted((Path(__file__).parent / "clean_code").glob("*.py"))]
SAMPLES += [p.read_text() for p in sorted((Path(__file__).parent.parent / "examples").glob("*.py"))]


@pytest.mark.parametrize("text", SAMPLES)
def test_statement_positions_match_the_whole_tree(text: str) -> None:
    module = cst.parse_module(text)
    facts = collect(module)
    whole = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    positions = Positions(module, text, facts.statement_of)
    checked = 0
    for statement in module.body:
        stack: list[cst.CSTNode] = [statement]
        while stack:
            node = stack.pop()
            stack.extend(node.children)
            if id(node) in facts.statement_of:
                assert positions[node] == whole[node], module.code_for_node(node)
                checked += 1
    assert checked > 0
    assert positions._whole is None, "fell back to whole-tree positions"
