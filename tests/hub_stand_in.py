"""A stand-in for the hub's resolve endpoint, on 127.0.0.1, for huggingface_hub's real client.

It answers HEAD and GET /{repo_id}/resolve/{revision}/{path} with the headers
huggingface_hub's file_download reads (X-Repo-Commit, ETag, Content-Length) and the
X-Error-Code values hf_raise_for_status maps to its errors. Every request is recorded,
so a test can prove the hub was never asked.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

_RESOLVE = re.compile(r"^/(?P<repo>[^/]+(?:/[^/]+)?)/resolve/(?P<rev>[^/]+)/(?P<file>.+)$")


@dataclass
class FakeRepo:
    """Files per commit sha, and branch -> sha refs (main included)."""

    commits: dict[str, dict[str, bytes]]
    refs: dict[str, str]
    gated: bool = False

    def commit_of(self, revision: str) -> str | None:
        if revision in self.commits:
            return revision
        return self.refs.get(revision)


@dataclass
class StandIn:
    repos: dict[str, FakeRepo] = field(default_factory=dict)
    hang: bool = False  # every request sleeps until the stand-in stops
    requests: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""
    _released: threading.Event = field(default_factory=threading.Event)

    def answer(self, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
        self.requests.append((method, path))
        if self.hang:
            self._released.wait(timeout=30)
        match = _RESOLVE.match(path.split("?", 1)[0])
        if match is None:
            return 404, {"X-Error-Code": "RepoNotFound"}, b"{}"
        repo = self.repos.get(match["repo"])
        if repo is None:
            return 404, {"X-Error-Code": "RepoNotFound"}, b'{"error": "Repository not found"}'
        if repo.gated:
            return 403, {"X-Error-Code": "GatedRepo"}, b'{"error": "gated"}'
        commit = repo.commit_of(unquote(match["rev"]))
        if commit is None:
            return 404, {"X-Error-Code": "RevisionNotFound"}, b'{"error": "Invalid rev id"}'
        content = repo.commits[commit].get(unquote(match["file"]))
        if content is None:
            headers = {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": commit}
            return 404, headers, b'{"error": "Entry not found"}'
        headers = {
            "X-Repo-Commit": commit,
            "ETag": f'"{hashlib.sha1(content).hexdigest()}"',
            "Content-Type": "application/json",
        }
        return 200, headers, content

    def stop(self) -> None:
        self._released.set()


def make_handler(stand_in: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _reply(self, body: bool) -> None:
            status, headers, content = stand_in.answer(self.command, self.path)
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            if body:
                self.wfile.write(content)

        def do_HEAD(self) -> None:
            self._reply(body=False)

        def do_GET(self) -> None:
            self._reply(body=True)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


class Server:
    """Runs a StandIn in a thread on a random loopback port until stop()."""

    def __init__(self, stand_in: StandIn) -> None:
        self.stand_in = stand_in
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(stand_in))
        self.httpd.daemon_threads = True
        host, port = self.httpd.server_address[:2]
        stand_in.url = f"http://{host!s}:{port}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def start(self) -> Server:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stand_in.stop()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def fake_sha(seed: str) -> str:
    """A 40-hex commit id, as the hub uses, derived from `seed`."""
    return hashlib.sha1(seed.encode()).hexdigest()
