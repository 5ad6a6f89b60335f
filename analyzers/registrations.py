"""Project-level `AutoConfig.register(...)` / `AutoModelForX.register(...)` calls.

A project that registers its own classes extends transformers' tables for every module of the
project, not just the one that calls `register`; the rules must not call those loads wrong.
A text scan is enough: it only has to make rules quieter, never louder.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from hflint.analyzers.source import parse_ast

_AUTO_REGISTER = re.compile(r"\bAuto[A-Za-z0-9]+\.register\(")
_SKIP_DIRS = {
    ".git",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    "build",
    "dist",
    "site-packages",
}
_MAX_FILES = 5000


@dataclass(frozen=True)
class Registrations:
    auto_classes: frozenset[str] = frozenset()  # Auto classes that get extra entries
    model_types: frozenset[str] = frozenset()  # model types registered with AutoConfig
    sources: tuple[str, ...] = field(default=())
    # tasks added with `PIPELINE_REGISTRY.register_pipeline("task", ...)`
    pipeline_tasks: frozenset[str] = frozenset()


def scan_text(text: str) -> tuple[set[str], set[str]]:
    """Real calls only (parsed with `ast`), so code quoted in strings and docs does not count."""
    classes: set[str] = set()
    types: set[str] = set()
    if not _AUTO_REGISTER.search(text):
        return classes, types
    try:
        tree = parse_ast(text)
    except (SyntaxError, ValueError, RecursionError):
        return classes, types
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if node.func.attr != "register" or not name.startswith("Auto"):
            continue
        classes.add(name)
        first = node.args[0] if node.args else None
        if (
            name == "AutoConfig"
            and isinstance(first, ast.Constant)
            and isinstance(first.value, str)
        ):
            types.add(first.value)
    return classes, types


def scan_pipeline_tasks(text: str) -> set[str]:
    """Tasks named by real `<registry>.register_pipeline("task", ...)` calls."""
    tasks: set[str] = set()
    if "register_pipeline(" not in text:
        return tasks
    try:
        tree = parse_ast(text)
    except (SyntaxError, ValueError, RecursionError):
        return tasks
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr != "register_pipeline":
            continue
        first = node.args[0] if node.args else None
        first = next((k.value for k in node.keywords if k.arg == "task"), first)
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            tasks.add(first.value)
    return tasks


def project_registrations(root: Path) -> Registrations:
    try:
        stamp = root.stat().st_mtime
    except OSError:
        return Registrations()
    return _scan(str(root), stamp)


@lru_cache(maxsize=16)
def _scan(root: str, _stamp: float) -> Registrations:
    classes: set[str] = set()
    types: set[str] = set()
    pipeline_tasks: set[str] = set()
    sources: list[str] = []
    seen = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS and not d.startswith(".")]
        for name in files:
            if not name.endswith(".py"):
                continue
            seen += 1
            if seen > _MAX_FILES:
                break
            path = os.path.join(folder, name)
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    text = handle.read(2_000_000)
            except OSError:
                continue
            if "register_pipeline(" in text:
                pipeline_tasks |= scan_pipeline_tasks(text)
            if ".register(" not in text:
                continue
            found_classes, found_types = scan_text(text)
            if found_classes:
                classes |= found_classes
                types |= found_types
                sources.append(path)
    return Registrations(
        frozenset(classes), frozenset(types), tuple(sources), frozenset(pipeline_tasks)
    )
