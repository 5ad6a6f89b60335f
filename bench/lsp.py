"""The language server's speed, measured over real JSON-RPC on stdio: prints numbers.

- start: process start -> `initialize` answered, and -> first diagnostics of an opened file,
  the first time ever (empty hflint cache) and as usual (its cache on disk);
- didChange -> publishDiagnostics on a 1,000-line training script, p50 / p95 over 200 edits;
- RSS of the server and its check process after opening 50 files;
- validation (`hflint validate`): config only, and a meta-device build of a Llama-7B-sized config.

Shared virtual machines change speed by tens of percent from one minute to the next: the
first line times a fixed pure-Python loop, so that runs can be compared.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from corpus import generate, long_file


class Client:
    """A minimal LSP client: Content-Length framing, requests, and waiting for notifications."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hflint", "server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self.next_id = 0

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        length = 0
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("server closed the connection")
            if line in (b"\r\n", b"\n"):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        message: dict[str, Any] = json.loads(self.proc.stdout.read(length))
        if "id" in message and "method" in message:  # a request from the server: answer it
            result: Any = None
            if message["method"] == "workspace/configuration":
                result = [{} for _ in message["params"]["items"]]
            self.send({"id": message["id"], "result": result})
        return message

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        while True:
            message = self.read()
            if message.get("id") == self.next_id and "method" not in message:
                return message.get("result")

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def diagnostics_for(self, uri: str, version: int | None = None) -> list[Any]:
        while True:
            message = self.read()
            if message.get("method") != "textDocument/publishDiagnostics":
                continue
            params = message["params"]
            if params["uri"] == uri and (version is None or params.get("version") == version):
                diagnostics: list[Any] = params["diagnostics"]
                return diagnostics

    def close(self) -> None:
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if f"\nPPid:\t{pid}\n" in text:
            found.append(int(status.parent.name))
    return found


def machine_speed() -> float:
    """Median time of a fixed pure-Python loop, in ms (about 20 ms on a quiet 2-core VM)."""
    times = []
    for _ in range(15):
        began = time.process_time()
        total = 0
        for i in range(300_000):
            total += i * i % 7
        times.append(time.process_time() - began)
    return statistics.median(times) * 1000


def byte_compile_hflint() -> Path:
    """Compile hflint's modules, as `pip install` does. A checkout installed in editable mode
    with PYTHONDONTWRITEBYTECODE=1 (this repository's CI) would otherwise compile every module
    on every start, which no installed copy does."""
    import compileall

    import hflint

    package = Path(hflint.__file__).parent
    compileall.compile_dir(package, quiet=1)
    return package


def main() -> None:
    print(
        f"{'machine speed: fixed pure-Python loop (lower is faster)':<58} {machine_speed():8.1f} ms"
    )
    print(f"(hflint's modules byte-compiled, as an install does: {byte_compile_hflint()})")
    work = Path(tempfile.mkdtemp(prefix="hflint-lsp-bench-"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HFLINT_CACHE_DIR": str(work / "cache")}
    script = long_file(work / "train.py", 1000)
    text = script.read_text()
    uri = script.as_uri()

    def start() -> tuple[Client, float, float]:
        began = time.perf_counter()
        client = Client(env)
        client.request(
            "initialize",
            {"processId": os.getpid(), "rootUri": work.as_uri(), "capabilities": {}},
        )
        answered = time.perf_counter() - began
        client.notify("initialized", {})
        client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
        )
        client.diagnostics_for(uri)
        return client, answered, time.perf_counter() - began

    client, answered, first = start()
    client.close()
    print(f"{'first start ever (empty cache): initialize answered':<58} {answered * 1000:8.0f} ms")
    print(f"{'first start ever (empty cache): first diagnostics':<58} {first * 1000:8.0f} ms")
    runs = []
    for _ in range(3):
        client, answered, first = start()
        runs.append((answered, first))
        client.close()
    client, answered, first = start()
    runs.append((answered, first))
    answers = sorted(r[0] for r in runs)
    firsts = sorted(r[1] for r in runs)
    print(
        f"{'usual start: initialize answered, median / worst of 4':<58} "
        f"{statistics.median(answers) * 1000:8.0f} / {answers[-1] * 1000:.0f} ms"
    )
    print(
        f"{'usual start: cold start -> first diagnostics, median / worst':<58} "
        f"{statistics.median(firsts) * 1000:8.0f} / {firsts[-1] * 1000:.0f} ms"
    )

    lines = text.splitlines()
    latencies = []
    for version in range(2, 202):
        row = (version * 37) % len(lines)
        edited = lines[row] + (" " if version % 2 else "")
        change = {
            "range": {
                "start": {"line": row, "character": 0},
                "end": {"line": row, "character": len(lines[row])},
            },
            "text": edited,
        }
        lines[row] = edited
        t0 = time.perf_counter()
        client.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
        )
        client.diagnostics_for(uri, version)
        latencies.append(time.perf_counter() - t0)
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(
        f"{'didChange -> diagnostics, 1,000-line file, p50 / p95':<58} {p50 * 1000:8.1f} / {p95 * 1000:.1f} ms"
    )
    print(f"{'machine speed after the edits':<58} {machine_speed():8.1f} ms")

    files = [p for p in generate(work / "many", 90) if p.suffix == ".py"][:50]
    for path in files:
        client.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": path.as_uri(),
                    "languageId": "python",
                    "version": 1,
                    "text": path.read_text(),
                }
            },
        )
    time.sleep(3)
    server_rss = rss_mb(client.proc.pid)
    child_rss = sum(rss_mb(pid) for pid in children(client.proc.pid))
    print(
        f"{f'RSS after opening {len(files)} more files: server + check process':<58} "
        f"{server_rss + child_rss:8.0f} MB ({server_rss:.0f} + {child_rss:.0f})"
    )
    client.close()
    if "--no-validation" not in sys.argv:
        _validation(work, env)


def _validation(work: Path, env: dict[str, str]) -> None:
    """Config-only and meta-device validation of a Llama-7B-sized config, via the CLI."""
    folder = work / "llama-7b-config"
    folder.mkdir()
    (folder / "config.json").write_text(
        json.dumps(
            {
                "model_type": "llama",
                "architectures": ["LlamaForCausalLM"],
                "hidden_size": 4096,
                "intermediate_size": 11008,
                "num_hidden_layers": 32,
                "num_attention_heads": 32,
                "num_key_value_heads": 32,
                "vocab_size": 32000,
            }
        )
    )
    for cls in ("AutoConfig", "AutoModelForCausalLM"):
        t0 = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "hflint",
                "validate",
                str(folder),
                "--class",
                cls,
                "--output-format",
                "json",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - t0
        try:
            result = json.loads(proc.stdout)
            peak = result.get("details", {}).get("peak_rss_mb", "?")
            status = result.get("status")
        except json.JSONDecodeError:
            peak, status = "?", f"no JSON (exit {proc.returncode})"
        print(
            f"{'validate Llama-7B config with ' + cls:<58} {elapsed * 1000:8.0f} ms  peak RSS {peak} MB ({status})"
        )


if __name__ == "__main__":
    main()
