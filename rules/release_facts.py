"""What the target transformers release says about a keyword or a member: it takes it, it
takes it but warns that it is deprecated (with the warning's text), or it no longer has it.

Every answer comes from `ctx.target_knowledge` (facts read from that release's sources), never
from a list kept here: a 4.x project is told what its 4.x release does. None means the facts
are missing (no snapshot fits the target, transformers not installed): rules stay silent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum

import libcst as cst

from hflint.analyzers.facts import Arg, Kind, ModuleFacts, ObjectFact
from hflint.analyzers.knowledge import Knowledge
from hflint.analyzers.target_version import release_of
from hflint.rules.context import RuleContext
from hflint.rules.trainer_facts import lineage


class State(Enum):
    ACCEPTED = "accepted"
    DEPRECATED = "deprecated"
    GONE = "gone"


@dataclass(frozen=True)
class Verdict:
    state: State
    warning: str = ""  # the deprecation warning the release gives, verbatim


def library_class(obj: ObjectFact, facts: ModuleFacts) -> str | None:
    """The transformers class (qualified) behind an object, through subclasses in this file;
    None for other libraries (peft, trl) and unresolvable bases."""
    found = lineage(obj, facts)
    if found is None or not found.base.startswith("transformers."):
        return None
    return found.base


def loader_chain(obj: ObjectFact, facts: ModuleFacts) -> tuple[str, ...] | None:
    """The loading functions (knowledge_extract.LOADERS) a `from_pretrained` / `from_config`
    call goes through, Auto class first; None when it is not one hflint has facts for."""
    base = library_class(obj, facts)
    if base is None or obj.method not in ("from_pretrained", "from_config", "_from_config"):
        return None
    short = base.rsplit(".", 1)[-1]
    auto = short.startswith("Auto") and obj.user_class is None
    if obj.method != "from_pretrained":
        if obj.kind is not Kind.MODEL:
            return None
        return ("auto_model_from_config", "model_from_config") if auto else ("model_from_config",)
    kinds = {
        Kind.MODEL: "model",
        Kind.TOKENIZER: "tokenizer",
        Kind.CONFIG: "config",
        Kind.PROCESSOR: "processor",
    }
    loader = kinds.get(obj.kind)
    if loader is None:
        return None
    if obj.kind is Kind.PROCESSOR and (
        not short.endswith("Processor") or short.endswith(("ImageProcessor", "VideoProcessor"))
    ):
        return None  # image processors and feature extractors load through other functions
    if obj.kind is Kind.CONFIG and short == "GenerationConfig":
        return None
    return (f"auto_{loader}", loader) if auto else (loader,)


def keyword_verdict(tk: Knowledge, chain: Iterable[str], keyword: str) -> Verdict | None:
    """Whether the loading functions of the target release take `keyword`."""
    loaders = tuple(chain)
    if not loaders or any(loader not in tk.load_kwargs for loader in loaders):
        return None
    for loader in loaders:
        warning = tk.deprecated_load_kwargs.get(loader, {}).get(keyword)
        if warning:
            return Verdict(State.DEPRECATED, warning)
    if any(keyword in tk.load_kwargs[loader] for loader in loaders):
        return Verdict(State.ACCEPTED)
    return Verdict(State.GONE)


def accepts(tk: Knowledge, chain: Iterable[str], keyword: str) -> bool:
    verdict = keyword_verdict(tk, chain, keyword)
    return verdict is not None and verdict.state is not State.GONE


def releases_where(ctx: RuleContext, holds: Callable[[Knowledge], bool]) -> list[str]:
    """Releases hflint has facts for (installed, cached, bundled) whose knowledge `holds`,
    oldest first."""
    from hflint.analyzers.snapshots import known_releases

    found = {k.version for k in (*known_releases(), ctx.knowledge) if k.version and holds(k)}
    return sorted(found, key=release_of)


def other_releases_with(ctx: RuleContext, has: str, name: str) -> tuple[list[str], list[str]]:
    """Releases whose knowledge field `has` holds `name`: (older than the target, newer than
    the target), oldest first."""
    want = ctx.target.release
    found = releases_where(ctx, lambda k: name in getattr(k, has))
    older = [v for v in found if release_of(v) < want]
    newer = [v for v in found if release_of(v) >= want and release_of(v)[: len(want)] != want]
    return older, newer


def keyword_node(arg: Arg) -> cst.CSTNode:
    """Where a finding about a keyword argument points: the keyword itself."""
    return arg.node.keyword if arg.node.keyword is not None else arg.node


def quoted(text: str) -> str:
    """transformers' own words inside a message, verbatim but for runs of blanks."""
    return '"' + " ".join(text.split()) + '"'
