"""`serve --workers N` on one PostgreSQL database, beside the single in-memory process.

    python bench/workers.py [--seconds 5] [--workers 1 2 4]

Starts a throwaway PostgreSQL cluster (tests/postgres.py; the server must be installed:
`apt-get install postgresql`), then for each N serves `mock-baanx serve --state-url …
--workers N` alone under bench/run.py's `wrk` load, endpoint by endpoint, and prints
requests/s, p50 and p99 per endpoint, the CPU time each request cost the mock's processes
and PostgreSQL's, the transactions per request PostgreSQL counted, and the resident memory
of the mock's process tree, beside `mock-baanx serve` in memory; last, whether each target
was met. The polls go round 200 orders, as many clients' do. Last, the round trips each
request makes on a connection in use, counted in this process (as a test counts them).
Figures go to docs/performance.md, never into code.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]
from run import (  # noqa: E402 (after the path is set)
    HEADERS,
    ORDER,
    ensure_tools,
    free_port,
    running,
    tree_cpu_seconds,
    tree_rss_mb,
    wrk,
)

from tests.postgres import Cluster, round_trips_per_request, server_binaries  # noqa: E402

ENDPOINTS = (("GET products", "GET", "/v1/order/products/available"),
             ("POST order", "POST", "/v1/order"),
             ("GET order", "GET", "/v1/order/{order}"))
# The orders the polls go round.
POLLED_ORDERS = 200
# Targets on a 2-core machine with PostgreSQL on the same cores.
LEAST_SHARE_OF_MEMORY = 0.3
MOST_P99_MS = 25.0


@dataclass
class Layout:
    name: str
    rps: dict[str, float] = field(default_factory=dict)
    p99: dict[str, float] = field(default_factory=dict)


def postmaster(cluster: Cluster) -> int:
    return int((Path(cluster.data) / "postmaster.pid").read_text().split()[0])


def commits(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as connection:
        row = connection.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = "
                                 "current_database()").fetchone()
        return 0 if row is None else int(row[0])


def measure(name: str, command: list[str], port: int, seconds: float, work: Path,
            cluster: Cluster | None = None, url: str | None = None) -> Layout:
    layout = Layout(name)
    with running(command, port) as (process, served, started):
        # Polls go round many orders, as many clients' do (each polls its own order every
        # 3 s): one order polled by every connection would measure a lock on one row.
        orders = [requests.post(f"{served}/v1/order", json=ORDER, timeout=10,
                                headers={**HEADERS, "X-Mock-Lifecycle": "never"}
                                ).json()["orderId"] for _ in range(POLLED_ORDERS)]
        figures = []
        for label, method, path in ENDPOINTS:
            polled = [path.format(order=order) for order in orders] if "{" in path else None
            address = served + path.format(order=orders[0])
            wrk(address, method, 1, work, polled)  # warm-up, not counted
            app_before = tree_cpu_seconds(process.pid)
            database_before = tree_cpu_seconds(postmaster(cluster)) if cluster else 0.0
            commits_before = commits(url) if url else 0
            rps, p50, p99, answered = wrk(address, method, seconds, work, polled)
            app = (tree_cpu_seconds(process.pid) - app_before) / answered * 1e6
            figure = f"{label} {rps:,.0f} rps / {p50:.1f} / {p99:.1f} ms / app {app:.0f} µs"
            if cluster is not None and url is not None:
                database = (tree_cpu_seconds(postmaster(cluster)) - database_before) \
                    / answered * 1e6
                # The statistics collector reports with a delay of up to a second or so.
                transactions = (commits(url) - commits_before) / answered
                figure += f" + PostgreSQL {database:.0f} µs, {transactions:.2f} transactions"
            figures.append(figure)
            layout.rps[label], layout.p99[label] = rps, p99
        print(f"{name}: start {started:.2f} s, {tree_rss_mb(process.pid):.0f} MB\n  "
              + "\n  ".join(figures), flush=True)
    return layout


def report(memory: Layout, shared: list[Layout]) -> None:
    print("\ntargets:")
    by_name = {layout.name: layout for layout in shared}
    one = by_name.get("PostgreSQL, 1 worker")
    two = by_name.get("PostgreSQL, 2 workers")
    if one is not None:
        shares = {label: one.rps[label] / memory.rps[label] for label, _, _ in ENDPOINTS}
        print(f"  {'met    ' if min(shares.values()) >= LEAST_SHARE_OF_MEMORY else 'NOT met'}"
              f"  PostgreSQL with 1 worker >= {LEAST_SHARE_OF_MEMORY}x the in-memory "
              "process's requests/s: " + ", ".join(f"{label} {share:.2f}x"
                                                   for label, share in shares.items()))
        print(f"  {'met    ' if max(one.p99.values()) <= MOST_P99_MS else 'NOT met'}"
              f"  PostgreSQL with 1 worker, p99 <= {MOST_P99_MS:g} ms: "
              + ", ".join(f"{label} {p99:.1f} ms" for label, p99 in one.p99.items()))
    if one is not None and two is not None:
        gains = {label: two.rps[label] / one.rps[label] for label, _, _ in ENDPOINTS}
        print(f"  {'met    ' if min(gains.values()) >= 1 else 'NOT met'}"
              "  2 workers at least as fast as 1: " + ", ".join(
                  f"{label} {gain:.2f}x" for label, gain in gains.items()))


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
                  "endpoint; rps / p50 / p99 / CPU per request", flush=True)
            port = free_port()
            memory = measure("in memory, 1 process",
                             [sys.executable, "-m", "mock_baanx", "serve", "--port",
                              str(port)], port, args.seconds, work)
            shared = []
            for count in args.workers:
                url = cluster.new_database(f"bench_workers_{count}")
                port = free_port()
                shared.append(measure(
                    f"PostgreSQL, {count} worker{'s' if count > 1 else ''}",
                    [sys.executable, "-m", "mock_baanx", "serve", "--port", str(port),
                     "--state-url", url, "--workers", str(count)],
                    port, args.seconds, work, cluster, url))
            report(memory, shared)
            counted = round_trips_per_request(cluster.new_database("bench_round_trips"))
            print("  round trips per request (nothing changed elsewhere): " + ", ".join(
                f"{name} {count}" for name, count in counted.items()))
    finally:
        cluster.remove()
    return 0


if __name__ == "__main__":
    sys.exit(main())
