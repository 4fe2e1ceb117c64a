"""`serve --workers N` on one PostgreSQL database, beside the single in-memory process.

    python bench/workers.py [--seconds 5] [--workers 1 2 4]

Starts a throwaway PostgreSQL cluster (tests/postgres.py; the server must be installed:
`apt-get install postgresql`), then for each N serves `mock-baanx serve --state-url …
--workers N` alone under bench/run.py's `wrk` load, endpoint by endpoint, and prints
requests/s, p50 and p99 per endpoint and the resident memory of the process tree, beside
`mock-baanx serve` in memory. Figures go to docs/performance.md, never into code.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]
from run import (  # noqa: E402 (after the path is set)
    HEADERS,
    ORDER,
    ensure_tools,
    free_port,
    running,
    tree_rss_mb,
    wrk,
)

from tests.postgres import Cluster, server_binaries  # noqa: E402

ENDPOINTS = (("GET products", "GET", "/v1/order/products/available"),
             ("POST order", "POST", "/v1/order"),
             ("GET order", "GET", "/v1/order/{order}"))


def measure(name: str, command: list[str], port: int, seconds: float, work: Path) -> None:
    with running(command, port) as (process, url, started):
        order = requests.post(f"{url}/v1/order", json=ORDER, headers=HEADERS,
                              timeout=10).json()["orderId"]
        figures = []
        for label, method, path in ENDPOINTS:
            address = url + path.format(order=order)
            wrk(address, method, 1, work)  # warm-up, not counted
            rps, p50, p99 = wrk(address, method, seconds, work)
            figures.append(f"{label} {rps:,.0f} rps / {p50:.1f} / {p99:.1f} ms")
        print(f"{name}: start {started:.2f} s, {tree_rss_mb(process.pid):.0f} MB; "
              + "; ".join(figures), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    binaries = server_binaries()
    if binaries is None:
        print("bench/workers.py needs a PostgreSQL server: apt-get install postgresql")
        return 2
    ensure_tools(with_peers=False)
    cluster = Cluster(binaries)
    try:
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            print(f"Python {sys.version.split()[0]}; wrk -t2 -c16, {args.seconds:g} s per "
                  "endpoint; rps / p50 / p99", flush=True)
            port = free_port()
            measure("in memory, 1 process",
                    [sys.executable, "-m", "mock_baanx", "serve", "--port", str(port)],
                    port, args.seconds, work)
            for count in args.workers:
                url = cluster.new_database(f"bench_workers_{count}")
                port = free_port()
                measure(f"PostgreSQL, {count} worker{'s' if count > 1 else ''}",
                        [sys.executable, "-m", "mock_baanx", "serve", "--port", str(port),
                         "--state-url", url, "--workers", str(count)],
                        port, args.seconds, work)
    finally:
        cluster.remove()
    return 0


if __name__ == "__main__":
    sys.exit(main())
