"""The served mock through a whole load test's orders: cost flat with the work, an early
order never forgotten while it is polled.

    python bench/scale.py [--orders 600000] [--chunk-seconds 10]

Starts `mock-baanx serve` with room for every order (`--max-orders`), creates one early
order, then drives creates with `wrk` in chunks of `--chunk-seconds` until the mock holds
`--orders` orders, while a thread polls the early order every 3 s, as the docs advise.
Prints: create latency (p50/p99) in the first and the last chunk, poll latency of the
early order (p50/p99 over 2 s of `wrk`) before and after, resident memory at 0, 100k, 300k
and 600k orders and per order, whether the early order ever answered anything but 200,
and how long `GET /__mock/orders` (the dashboard's first page) and a whole dashboard
refresh take at the end. Figures go to docs/performance.md, never into code.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import HEADERS, ORDER, ensure_tools, free_port, running, tree_rss_mb, wrk

POLL_INTERVAL = 3.0
MILESTONES = (0, 100_000, 300_000, 600_000)
# What the dashboard asks for on each refresh (mock_baanx/protocol/ui/dashboard.html).
DASHBOARD_CALLS = ("/__mock/orders?limit=50", "/__mock/requests?limit=50", "/__mock/faults",
                   "/__mock/lifecycle", "/__mock/clock", "/__mock/namespaces",
                   "/__mock/coverage", "/__mock/health")


class EarlyOrderPoller(threading.Thread):
    """Polls one order every 3 s until stopped; keeps every status code it got."""

    def __init__(self, url: str, order_id: str) -> None:
        super().__init__(daemon=True)
        self.address = f"{url}/v1/order/{order_id}"
        self.statuses: list[int] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        session = requests.Session()
        while not self.stopping.wait(POLL_INTERVAL):
            try:
                self.statuses.append(session.get(self.address, headers=HEADERS,
                                                 timeout=10).status_code)
            except requests.RequestException:
                self.statuses.append(0)


def kept(url: str) -> int:
    return int(requests.get(f"{url}/__mock/health", timeout=10).json()["orders"]["kept"])


def timed_ms(url: str, path: str, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        requests.get(url + path, timeout=60).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=600_000)
    parser.add_argument("--chunk-seconds", type=float, default=10.0)
    args = parser.parse_args()
    ensure_tools(with_peers=False)
    port = free_port()
    command = [sys.executable, "-m", "mock_baanx", "serve", "--port", str(port),
               "--max-orders", str(args.orders + 100_000)]
    with tempfile.TemporaryDirectory() as folder, running(command, port) as (process, url, _):
        work = Path(folder)
        memory = {0: tree_rss_mb(process.pid)}
        early = requests.post(f"{url}/v1/order", json=ORDER, headers=HEADERS,
                              timeout=10).json()["orderId"]
        poll_before = wrk(f"{url}/v1/order/{early}", "GET", 2, work)
        poller = EarlyOrderPoller(url, early)
        poller.start()
        chunks = []
        while (count := kept(url)) < args.orders:
            chunks.append(wrk(f"{url}/v1/order", "POST", args.chunk_seconds, work))
            count = kept(url)
            for milestone in MILESTONES:
                if milestone not in memory and count >= milestone:
                    memory[milestone] = tree_rss_mb(process.pid)
            print(f"  {count:,} orders, {tree_rss_mb(process.pid):.0f} MB", flush=True)
        poller.stopping.set()
        poller.join()
        poll_after = wrk(f"{url}/v1/order/{early}", "GET", 2, work)
        count = kept(url)
        memory.setdefault(args.orders, tree_rss_mb(process.pid))
        orders_page = timed_ms(url, "/__mock/orders?limit=50")
        refresh = sum(timed_ms(url, path) for path in DASHBOARD_CALLS)
        first, last = chunks[0], chunks[-1]
        others = [status for status in poller.statuses if status != 200]
        per_order = (memory[max(memory)] - memory[0]) * 1024 * 1024 / count
        print(f"\nmock-baanx serve, {count:,} orders kept, Python {sys.version.split()[0]}, "
              f"wrk -t2 -c16 in {args.chunk_seconds:g} s chunks ({len(chunks)} chunks)")
        print(f"create: first chunk {first[0]:,.0f} rps, p50 {first[1]:.1f} ms, p99 "
              f"{first[2]:.1f} ms; last chunk {last[0]:,.0f} rps, p50 {last[1]:.1f} ms, "
              f"p99 {last[2]:.1f} ms (p99 last/first {last[2] / first[2]:.2f}x)")
        print(f"poll of the early order: before {poll_before[1]:.1f} / {poll_before[2]:.1f} ms, "
              f"after {poll_after[1]:.1f} / {poll_after[2]:.1f} ms (p50 / p99)")
        print("resident memory: " + ", ".join(f"{milestone:,} orders {mb:.0f} MB"
                                                 for milestone, mb in sorted(memory.items()))
              + f"; {per_order:.0f} bytes per order")
        print(f"the early order, polled every 3 s: {len(poller.statuses)} polls, "
              + ("every one 200" if not others else f"{len(others)} not 200: {others[:5]}"))
        print(f"GET /__mock/orders?limit=50: {orders_page:.1f} ms; a dashboard refresh "
              f"({len(DASHBOARD_CALLS)} calls): {refresh:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
