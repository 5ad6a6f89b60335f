"""`hflint server`: the language server over stdio (the default), TCP or WebSocket.

This module imports only argparse up front, so that the CLI can add the server's options to
its parser without paying for pygls; the server itself lives in lsp_server.py.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import sys
from collections.abc import Sequence


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    transport = parser.add_mutually_exclusive_group()
    transport.add_argument(
        "--stdio", action="store_true", help="talk LSP over stdin/stdout (the default)"
    )
    transport.add_argument("--tcp", metavar="HOST:PORT", help="listen for one client over TCP")
    transport.add_argument(
        "--ws", metavar="HOST:PORT", help="listen over WebSocket (needs the `websockets` package)"
    )


SWITCH_INTERVAL_S = 0.0005


def main(args: argparse.Namespace | Sequence[str] | None = None) -> int:
    if not isinstance(args, argparse.Namespace):
        parser = argparse.ArgumentParser(prog="hflint server", description=__doc__)
        add_server_arguments(parser)
        args = parser.parse_args(list(args) if args is not None else [])
    tcp: str | None = getattr(args, "tcp", None)
    ws: str | None = getattr(args, "ws", None)
    listen = tcp or ws
    try:
        address = _address(listen) if listen else None
    except ValueError as error:
        print(f"hflint: error: {error}", file=sys.stderr)
        return 2

    if ws and importlib.util.find_spec("websockets") is None:
        print("hflint: error: --ws needs the `websockets` package", file=sys.stderr)
        return 2

    from hflint import __version__
    from hflint.server.check_worker import CheckWorker

    # Started before pygls is imported: the child gets the engine ready on the other core.
    worker = None if os.environ.get("HFLINT_CHECK_IN_PROCESS") else CheckWorker()
    # The event loop, the check thread and the stdin thread hand the GIL to each other on every
    # keystroke; with the default 5 ms switch interval, each hand-off may wait that long.
    sys.setswitchinterval(SWITCH_INTERVAL_S)

    if address is None:
        from hflint.server import lsp_bootstrap

        stdin, early, initialize = lsp_bootstrap.start(sys.stdin.buffer, sys.stdout.buffer)
        from hflint.server.lsp_precheck import first_open_hook
        from hflint.server.lsp_reader import MessageReader

        # Reading starts now: the first document opened is checked while pygls loads.
        hook = first_open_hook(worker, initialize) if worker is not None else None
        reader = MessageReader(stdin, hook)  # type: ignore[arg-type]
        reader.start()
        from hflint.server.lsp_server import HflintServer

        server = HflintServer(worker)
        server.protocol.early_initialize = early
        gc.freeze()  # pygls and lsprotocol live as long as the process: out of the GC's sight
        print(f"hflint {__version__}: language server on stdio", file=sys.stderr, flush=True)
        server.start_io(stdin=reader)
        return 0
    from hflint.server.lsp_server import HflintServer

    server = HflintServer(worker)
    if tcp:
        print(f"hflint {__version__}: language server on tcp {tcp}", file=sys.stderr, flush=True)
        server.start_tcp(*address)
    else:
        print(f"hflint {__version__}: language server on ws {ws}", file=sys.stderr, flush=True)
        server.start_ws(*address)
    return 0


def _address(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"`{value}` is not HOST:PORT (e.g. 127.0.0.1:2087)")
    return host or "127.0.0.1", int(port)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
