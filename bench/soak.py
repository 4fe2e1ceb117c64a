"""Concurrency soak of a served mock: many threads creating and polling orders.

    python bench/soak.py [--threads 16] [--seconds 20] [--rounds 4] [--max-requests N]

Starts `mock-baanx serve` on a free loopback port, then, round after round, has every
thread create orders (under every built-in lifecycle) and poll them as clients do. After
each round it checks that no order was lost, that no request got an unexpected 5xx, that
every status history only moves forward, and that the journal stayed bounded; then it
resets the mock and samples the server's resident memory, which must stay flat from round
to round. Bounded in time and in requests, loopback only; it stops the server it started.
Exit status 0 when everything held, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import requests

HEADERS = {"X-Client-ID": "demo-client", "Authorization": "Bearer demo-token"}
ORDER = {"productId": "METAL_CARD", "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}
LIFECYCLES = ("complete", "fail", "expire", "instant", "never")
FINAL = {"COMPLETED", "FAILED", "EXPIRED"}
# The memory a round may leave behind after a reset, beyond the round before it.
MEMORY_SLACK_KB = 8 * 1024


@dataclass
class Tally:
    created: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    regressions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def worker(url: str, deadline: float, budget: list[int], tally: Tally, index: int) -> None:
    session = requests.Session()
    turn = index
    while time.monotonic() < deadline:
        with tally.lock:
            if budget[0] <= 0:
                return
            budget[0] -= 8
        lifecycle = LIFECYCLES[turn % len(LIFECYCLES)]
        turn += 1
        try:
            created = session.post(f"{url}/v1/order", json=ORDER, timeout=30,
                                   headers={**HEADERS, "X-Mock-Lifecycle": lifecycle})
            with tally.lock:
                tally.statuses[created.status_code] += 1
            if created.status_code != 200:
                continue
            order_id = created.json()["orderId"]
            with tally.lock:
                tally.created.append(order_id)
            seen_final = None
            for _ in range(7):
                polled = session.get(f"{url}/v1/order/{order_id}", headers=HEADERS, timeout=30)
                with tally.lock:
                    tally.statuses[polled.status_code] += 1
                status = polled.json().get("status")
                if seen_final is not None and status != seen_final:
                    with tally.lock:
                        tally.regressions.append(f"{order_id}: {seen_final} then {status}")
                if status in FINAL:
                    seen_final = status
        except requests.RequestException as error:
            with tally.lock:
                tally.errors.append(f"{type(error).__name__}: {error}")


def rss_kb(pid: int) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmRSS:\s+(\d+) kB", text)
    return int(found.group(1)) if found else 0


def drain(stream: IO[str]) -> None:
    for _ in stream:
        pass


def start_server() -> tuple[subprocess.Popen[str], str]:
    # Every order the soak creates is checked at the end of its round: none may be forgotten.
    process = subprocess.Popen([sys.executable, "-m", "mock_baanx", "serve", "--port", "0",
                                "--max-orders", "10000000"], stderr=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, text=True)
    assert process.stderr is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        found = re.search(r"on (http://\S+) ", line)
        if found:
            # Keep draining the access log so that the server never blocks on a full pipe.
            threading.Thread(target=drain, args=(process.stderr,), daemon=True).start()
            return process, found.group(1)
    process.kill()
    raise SystemExit("soak: the mock did not start")


def check_round(url: str, tally: Tally) -> list[str]:
    problems = []
    orders = requests.get(f"{url}/__mock/orders", timeout=60).json()["orders"]
    stored = {order["orderId"]: order for order in orders}
    lost = [order_id for order_id in tally.created if order_id not in stored]
    if lost:
        problems.append(f"{len(lost)} acknowledged order(s) lost, e.g. {lost[0]}")
    for order in orders:
        history = order["history"]
        times = [change["at"] for change in history]
        finals = [change for change in history if change["status"] in FINAL]
        if times != sorted(times) or len(finals) > 1 or (finals and history[-1] != finals[0]):
            problems.append(f"order {order['orderId']} has a history that went back: {history}")
    unexpected = {status: count for status, count in tally.statuses.items() if status >= 500}
    if unexpected:
        problems.append(f"unexpected 5xx answers: {unexpected}")
    problems += [f"status went back: {item}" for item in tally.regressions[:5]]
    problems += [f"request failed: {item}" for item in tally.errors[:5]]
    journal = requests.get(f"{url}/__mock/requests", timeout=60).json()["requests"]
    if len(journal) > 1000:
        problems.append(f"the journal holds {len(journal)} entries, more than 1,000")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20, help="total, over all rounds")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--max-requests", type=int, default=2_000_000,
                        help="stop a round early after about this many requests")
    args = parser.parse_args()

    process, url = start_server()
    problems: list[str] = []
    memory: list[int] = []
    totals = Counter[int]()
    orders = 0
    started = time.monotonic()
    try:
        for round_number in range(1, args.rounds + 1):
            tally = Tally()
            budget = [args.max_requests // args.rounds]
            deadline = time.monotonic() + args.seconds / args.rounds
            threads = [threading.Thread(target=worker, args=(url, deadline, budget, tally, i))
                       for i in range(args.threads)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=args.seconds + 60)
            round_problems = check_round(url, tally)
            problems += [f"round {round_number}: {problem}" for problem in round_problems]
            totals.update(tally.statuses)
            orders += len(tally.created)
            requests.post(f"{url}/__mock/reset", timeout=30)
            memory.append(rss_kb(process.pid))
            print(f"round {round_number}: {len(tally.created)} orders, "
                  f"{sum(tally.statuses.values())} requests, statuses {dict(tally.statuses)}, "
                  f"RSS after reset {memory[-1] / 1024:.1f} MB", flush=True)
    finally:
        process.terminate()
        process.wait(timeout=30)
    elapsed = time.monotonic() - started
    # The first round warms the allocator; from then on a reset must give memory back.
    if len(memory) >= 3 and memory[-1] - memory[1] > MEMORY_SLACK_KB:
        problems.append(f"memory grew from {memory[1] / 1024:.1f} MB to "
                        f"{memory[-1] / 1024:.1f} MB across rounds")
    summary = {"threads": args.threads, "seconds": round(elapsed, 1), "orders": orders,
               "requests": sum(totals.values()), "statuses": dict(totals),
               "rss_mb_after_each_reset": [round(kb / 1024, 1) for kb in memory],
               "problems": problems}
    print(json.dumps(summary, indent=2))
    print("soak: everything held" if not problems else "soak: FAILED")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
