"""Many connections at once: idle keep-alive clients and clients stalled mid-request, held
while ordinary requests come in — mock-baanx beside Prism and WireMock.

    python bench/connections.py [--idle 5000] [--stalled 5000] [--requests 300] [--skip-peers]

For each server alone: open `--idle` connections that asked once and then say nothing,
and `--stalled` ones that sent half a request line; then send `--requests` ordinary
requests one after another, each on a new connection, and print how many connections were
held, p50/p99/max of the ordinary requests and how many failed. Peers are installed and
started as bench/run.py does. Figures go to docs/performance.md, never into code.
"""

from __future__ import annotations

import argparse
import http.client
import json
import resource
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import (  # noqa: E402 (after the path is set)
    CACHE,
    HEADERS,
    ensure_tools,
    free_port,
    mock_command,
    running,
    tree_rss_mb,
    wiremock_root,
)

PATH = "/v1/order/products/available"


def open_connections(port: int, idle: int, stalled: int) -> list[socket.socket]:
    request = (f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               + "".join(f"{name}: {value}\r\n" for name, value in HEADERS.items())
               + "\r\n").encode()
    held = []
    for index in range(idle + stalled):
        try:
            connection = socket.create_connection(("127.0.0.1", port), timeout=10)
            if index < idle:
                connection.sendall(request)
                connection.recv(65536)
            else:
                connection.sendall(b"GET /v1/order/prod")
        except OSError:
            break
        held.append(connection)
    return held


def ordinary_requests(port: int, count: int) -> tuple[list[float], int]:
    times, failed = [], 0
    for _ in range(count):
        started = time.perf_counter()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", PATH, headers=HEADERS)
            ok = connection.getresponse().status == 200
            connection.close()
        except OSError:
            ok = False
        times.append((time.perf_counter() - started) * 1000)
        failed += not ok
    return times, failed


def measure(name: str, command: Callable[[int], list[str]], args: argparse.Namespace) -> None:
    port = free_port()
    try:
        with running(command(port), port) as (process, _, _):
            held = open_connections(port, args.idle, args.stalled)
            times, failed = ordinary_requests(port, args.requests)
            rss = tree_rss_mb(process.pid)
            for connection in held:
                connection.close()
    except RuntimeError as error:
        print(f"{name}: not measured: {error}", flush=True)
        return
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(f"{name}: {len(held):,} connections held ({args.idle:,} idle, {args.stalled:,} "
          f"stalled asked); ordinary requests p50 {statistics.median(times):.1f} ms, p99 "
          f"{p99:.1f} ms, max {ordered[-1]:.1f} ms, {failed} failed; {rss:.0f} MB", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle", type=int, default=5000)
    parser.add_argument("--stalled", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--skip-peers", action="store_true")
    args = parser.parse_args()
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    ensure_tools(not args.skip_peers)
    print(f"Python {sys.version.split()[0]}; open-file limit {hard:,}", flush=True)
    measure("mock-baanx", mock_command, args)
    if args.skip_peers:
        return 0
    from mock_baanx.protocol import ROUTES, openapi

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        document = work / "openapi.json"
        document.write_text(json.dumps(openapi.document(ROUTES, control=False)))
        prism = CACHE / "node_modules" / ".bin" / "prism"
        jar = next((CACHE / "node_modules" / "wiremock" / "build").glob(
            "wiremock-standalone-*.jar"))
        measure("Prism 5", lambda port: [str(prism), "mock", "-h", "127.0.0.1", "-p",
                                         str(port), str(document)], args)
        measure("WireMock 3", lambda port: [
            "java", "-jar", str(jar), "--port", str(port), "--bind-address", "127.0.0.1",
            "--root-dir", str(wiremock_root(work)), "--no-request-journal",
            "--disable-banner"], args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
