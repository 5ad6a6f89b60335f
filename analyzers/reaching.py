"""Program order for call results: which assignment reaches a read.

After `inputs = tok(text).to(device)`, the name holds the result of those calls until the next
statement that binds it (branches that bind it differently leave it holding nothing known).
The collector's scopes hold that as a `Result`, which reads of the name turn into an unknown
value; a call on a tracked object records, for each name its arguments read, the calls whose
result reaches it there (`CallFact.inputs`), so `model(**inputs)` pairs with the tokenizer
call just before it, not with the file's last one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from hflint.analyzers.facts import CallFact, Input
from hflint.analyzers.values import ObjRef, Result
from hflint.analyzers.walk import child_nodes

if TYPE_CHECKING:
    from hflint.analyzers.collector import Collector


def result_of(collector: Collector, node: cst.BaseExpression) -> Result | None:
    """The calls an expression is made of (`tok(x).to(d)`: `.to`, then `tok`), when one of
    them is a call on a tracked object (nothing else is worth following)."""
    chain: list[CallFact] = []
    tracked = False
    for _ in range(20):
        if type(node) is cst.Call:
            call = collector.call_facts.get(id(node))
            if call is not None:
                chain.append(call)
                tracked = tracked or type(call.receiver) is ObjRef
            node = node.func
        elif type(node) is cst.Attribute or type(node) is cst.Subscript:
            node = node.value
        else:
            break
    return Result(tuple(chain)) if tracked else None


def record_inputs(collector: Collector, call: CallFact) -> None:
    """The names the arguments of a call on a tracked object read that hold a call's result."""
    stack: list[cst.CSTNode] = [a.value for a in call.node.args]
    seen = 0
    while stack and seen < 500:
        seen += 1
        node = stack.pop()
        if type(node) is cst.Name:
            held = collector.held(node.value)
            if type(held) is Result:
                call.inputs.append(Input(node, held.calls))
            continue
        if type(node) in _OPAQUE:
            continue
        stack.extend(child_nodes(node))


# nodes whose insides hold no name a model input could come from
_OPAQUE = frozenset(
    {
        cst.Lambda,
        cst.SimpleString,
        cst.ConcatenatedString,
        cst.FormattedString,
        cst.Integer,
        cst.Float,
        cst.Ellipsis,
    }
)
