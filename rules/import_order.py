"""The order isort, and Ruff's `I001` with its defaults, give the names of `from m import ...`.

`order-by-type`: CONSTANTS first, then Classes, then functions and variables; within a type,
case-insensitive natural order (`Wav2Vec2` before `Wav10`), the exact spelling breaking ties,
then the `as` name. Ruff's `sorting.rs` (`MemberKey`), after isort's `order_by_type`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

_RUNS = re.compile(r"[0-9]+|[^0-9]")

NaturalKey = tuple[tuple[int, int, str], ...]
MemberKey = tuple[int, NaturalKey, NaturalKey, NaturalKey]


def natural_key(text: str) -> NaturalKey:
    """`natord::compare` as a key: a run of digits compares by value (before any other
    character, as its code points do), everything else character by character."""
    return tuple(
        (0, int(run), run) if "0" <= run[0] <= "9" else (1, ord(run), run)
        for run in _RUNS.findall(text)
    )


def member_type(name: str) -> int:
    """0 for a CONSTANT, 1 for a Class, 2 for anything else (isort's `order-by-type`; Ruff
    counts the length in UTF-8 bytes)."""
    if len(name.encode()) > 1 and name.isupper():
        return 0
    return 1 if name[:1].isupper() else 2


def member_key(name: str, asname: str | None = None) -> MemberKey:
    """Where `name` (imported `as asname`) goes in a sorted `from m import ...` list."""
    alias = natural_key(asname) if asname is not None else ()  # no `as` first
    return member_type(name), natural_key(name.lower()), natural_key(name), alias


def is_sorted(keys: Sequence[MemberKey]) -> bool:
    return all(a <= b for a, b in pairwise(keys))


def sorted_names(names: Sequence[str]) -> list[str]:
    return sorted(names, key=member_key)
