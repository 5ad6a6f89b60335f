"""Path globs in which a wildcard stays inside one path segment, as in a shell or `.gitignore`.

`*` matches any run of characters but `/`, `?` one character but `/`, `[abc]`, `[a-z]` and
`[!abc]` (or `[^abc]`) one character of a set (never `/`), and `\\x` the character x itself.
`**` as a whole segment crosses folders: `a/**/b` matches `a/b` and `a/x/y/b`, a leading `**/`
matches in any folder, a trailing `/**` everything inside. Elsewhere `**` is a plain `*`.
Matching is case-sensitive and is against the whole path, `/`-separated.
"""

from __future__ import annotations

import re
from functools import lru_cache


def glob_regex(pattern: str) -> str:
    """The regular expression (without anchors) that matches what `pattern` matches."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if char == "*":
            end = i
            while end < n and pattern[end] == "*":
                end += 1
            whole_segment = (i == 0 or pattern[i - 1] == "/") and (end == n or pattern[end] == "/")
            if end - i < 2 or not whole_segment:
                out.append("[^/]*")
            elif end == n:
                out.append(".*")  # `**` alone, or `dir/**`: anything below
            else:
                out.append("(?:.*/)?")  # `**/`: no folder or any number of them
                end += 1
            i = end
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            i = _char_class(pattern, i, out)
        elif char == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out)


def _char_class(pattern: str, start: int, out: list[str]) -> int:
    """Translate `[...]` at `start`; returns the index after it (a lone `[` is literal)."""
    i = start + 1
    negated = i < len(pattern) and pattern[i] in "!^"
    if negated:
        i += 1
    members: list[str] = []
    first = True
    while i < len(pattern) and (pattern[i] != "]" or first):
        first = False
        if pattern[i] == "\\" and i + 1 < len(pattern):
            i += 1
            members.append(re.escape(pattern[i]))
        elif pattern[i] == "-" and members and i + 1 < len(pattern) and pattern[i + 1] != "]":
            members.append("-")
        else:
            members.append(re.escape(pattern[i]))
        i += 1
    if i >= len(pattern):  # never closed: a literal `[`
        out.append(re.escape("["))
        return start + 1
    body = "".join(members)
    out.append(f"[^/{body}]" if negated else f"(?!/)[{body}]")
    return i + 1


@lru_cache(maxsize=1024)
def compile_glob(pattern: str) -> re.Pattern[str] | None:
    """`pattern` compiled for a whole-path match; None when it cannot match (`[z-a]`)."""
    try:
        return re.compile(glob_regex(pattern), re.DOTALL)
    except re.error:
        return None


def glob_match(pattern: str, path: str) -> bool:
    """Whether the `/`-separated `path` matches `pattern` as a whole."""
    compiled = compile_glob(pattern)
    return compiled is not None and compiled.fullmatch(path) is not None
