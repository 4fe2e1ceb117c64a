"""What an order costs in memory, in-process: fresh, and after a load test's polls.

    python bench/order_memory.py [--orders 600000] [--polled 50000] [--polls 40]

Creates `--orders` orders through `Backend` alone (no server) and prints the resident
memory they added, per order; then, in a fresh backend, creates `--polled` orders, polls
each `--polls` times (the docs' two minutes at one poll every 3 s) and prints the same;
then the same once every polled order has cooled (kept with its poll times packed, as the
memory store keeps all but the orders changed most lately: core/compact_orders.py).
The default lifecycle completes an order on a poll, so the polled figure includes what a
completed order carries: its payment id, transaction hash, paidAt and history. Figures go
to docs/performance.md, never into code.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys

from mock_baanx.core import Backend, Identity, MemoryStore, PaymentMethod
from mock_baanx.storage.fixture_files import load_fixtures

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def resident_bytes() -> int:
    gc.collect()
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_BYTES


def created(backend: Backend, identity: Identity, product_id: str, count: int) -> list[str]:
    return [backend.create_order(identity, product_id, PaymentMethod.CRYPTO_EXTERNAL_DAIMO
                                 ).order_id for _ in range(count)]


def measure(phase: str, orders: int, polls: int) -> float:
    """Bytes an order, `phase` "fresh" (created only), "polled" (each polled `polls`
    times) or "cooled" (polled, and all of them cooled); run in a process of its
    own, whose freed memory no other phase reuses."""
    fixtures = load_fixtures()
    identity = Identity(fixtures.clients[0], fixtures.users[0])
    product_id = fixtures.products[0].id
    all_cool = {"hot_poll_times": 0} if phase == "cooled" else {}
    backend = Backend(fixtures, store=MemoryStore(max_orders=orders, **all_cool))
    before = resident_bytes()
    if phase == "fresh":
        for _ in range(orders):
            backend.create_order(identity, product_id, PaymentMethod.CRYPTO_EXTERNAL_DAIMO)
        return (resident_bytes() - before) / orders
    order_ids = created(backend, identity, product_id, orders)
    for _ in range(polls):
        for order_id in order_ids:
            backend.poll_order(identity, order_id)
    # The list of ids is the benchmark's, not the mock's.
    del order_ids
    return (resident_bytes() - before) / orders


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=600_000)
    parser.add_argument("--polled", type=int, default=50_000)
    parser.add_argument("--polls", type=int, default=40)
    parser.add_argument("--phase", choices=("fresh", "polled", "cooled"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(measure(args.phase, args.orders if args.phase == "fresh" else args.polled,
                      args.polls))
        return 0

    def phase(name: str) -> float:
        output = subprocess.run([sys.executable, __file__, "--phase", name,
                                 "--orders", str(args.orders), "--polled", str(args.polled),
                                 "--polls", str(args.polls)],
                                capture_output=True, text=True, check=True).stdout
        return float(output)

    print(f"{args.orders:,} fresh orders: {phase('fresh'):.0f} bytes an order")
    print(f"{args.polled:,} orders polled {args.polls} times each: {phase('polled'):.0f} bytes "
          "an order")
    print(f"the same, all of them cooled: {phase('cooled'):.0f} bytes an order")
    return 0


if __name__ == "__main__":
    sys.exit(main())
