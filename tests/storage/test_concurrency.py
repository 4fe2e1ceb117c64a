"""The compound operations of every store are atomic: concurrent polls of one order keep
their moments oldest first, and an order is created in one step that no reset comes into."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from itertools import pairwise

import pytest

from mock_baanx.core import Backend, PaymentMethod, seeded_ids
from mock_baanx.core.store import Store
from mock_baanx.storage.fixture_files import load_fixtures

from ..helpers import in_threads

POLLING_THREADS, POLLS = 8, 300
CREATING_THREADS, CREATES = 4, 150


@pytest.fixture(params=["memory", "state-file",
                        pytest.param("postgres", marks=pytest.mark.postgres)])
def make_backend(request, tmp_path) -> Iterator[Callable[[], Backend]]:
    """A backend on each kind of store, its ids seeded, on the real clock."""
    stores: list[Store] = []

    def make() -> Backend:
        store: Store | None = None
        if request.param == "state-file":
            from mock_baanx.storage.state_file import SqliteStore

            store = SqliteStore(tmp_path / "state.db")
        elif request.param == "postgres":
            from mock_baanx.storage.postgres_store import PostgresStore

            store = PostgresStore(request.getfixturevalue("postgres_url"),
                                  pool_size=POLLING_THREADS)
        if store is not None:
            stores.append(store)
        return Backend(load_fixtures(), ids=seeded_ids(11), store=store)

    yield make
    for store in stores:
        store.close()  # type: ignore[attr-defined]


# Hundreds of polls racing in threads, on each store.
@pytest.mark.slow
def test_concurrent_polls_keep_their_moments_oldest_first(make_backend):
    backend = make_backend()
    identity = backend.authenticate("demo-client", "demo-token")
    backend.set_next_lifecycle("never")
    order = backend.create_order(identity, "PREMIUM_SUBSCRIPTION",
                                 PaymentMethod.CRYPTO_EXTERNAL_DAIMO)
    in_threads(POLLING_THREADS, lambda index: [
        backend.poll_order(identity, order.order_id) for _ in range(POLLS)])
    polled = backend.order(order.order_id)
    assert polled.poll_count == POLLING_THREADS * POLLS
    times = list(polled.poll_times)
    assert len(times) == min(POLLING_THREADS * POLLS, 1000)
    out_of_order = [(earlier, later) for earlier, later in pairwise(times)
                    if later < earlier]
    assert out_of_order == []


def test_creates_racing_resets_leave_no_order_behind_and_never_repeat_an_id(make_backend):
    backend = make_backend()
    identity = backend.authenticate("demo-client", "demo-token")
    creating = threading.Semaphore(0)
    broken: list[list[int]] = []
    resets = 0

    def look() -> None:
        # Whenever one looks, the orders kept are the namespace's numbers from 1 on, each
        # id once: none created before a reset and kept after it.
        kept = backend.orders()
        numbers = sorted(order.number for order in kept)
        if numbers != list(range(1, len(kept) + 1)) or \
                len({order.order_id for order in kept}) != len(kept):
            broken.append(numbers)

    def work(index: int) -> None:
        nonlocal resets
        if index == 0:
            # Looks and resets for as long as any creator is at work (each releases once).
            done = 0
            while done < CREATING_THREADS:
                look()
                backend.reset()
                resets += 1
                done += creating.acquire(blocking=False)
            return
        for _ in range(CREATES):
            backend.create_order(identity, "PREMIUM_SUBSCRIPTION",
                                 PaymentMethod.CRYPTO_EXTERNAL_DAIMO)
        creating.release()

    in_threads(CREATING_THREADS + 1, work)
    look()
    assert resets >= CREATING_THREADS
    assert broken == []
