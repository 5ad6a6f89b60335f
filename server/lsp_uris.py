"""Document URIs as paths, and which are Python, without the LSP types (the server uses
this before pygls loads)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

PYTHON_SUFFIXES = (".py", ".pyi")


def is_python_document(uri: str, language_id: object) -> bool:
    """A text document hflint checks: the client says Python, or its name does."""
    return language_id == "python" or Path(urlparse(uri).path).suffix in PYTHON_SUFFIXES


def uri_to_path(uri: str, root: Path) -> Path:
    """A file URI's path; other schemes (untitled:, vscode-notebook-cell:) get a path under the
    workspace root, so per-file settings and relative lookups still have a place to start."""
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        path = unquote(parsed.path)
        if len(path) > 2 and path[0] == "/" and path[2] == ":":  # file:///c:/x on Windows
            path = path[1:]
        return Path(path)
    name = Path(unquote(parsed.path)).name or "untitled.py"
    return root / name


def workspace_root(params: dict[str, Any]) -> Path:
    """The folder an `initialize` request names: its first file workspace folder, its root URI,
    its root path, else the current folder."""
    folders = params.get("workspaceFolders") or []
    uris = [f.get("uri") for f in folders if isinstance(f, dict)] + [params.get("rootUri")]
    for uri in uris:
        if isinstance(uri, str) and uri.startswith("file:"):
            return uri_to_path(uri, Path.cwd())
    root_path = params.get("rootPath")
    return Path(root_path) if isinstance(root_path, str) and root_path else Path.cwd()
