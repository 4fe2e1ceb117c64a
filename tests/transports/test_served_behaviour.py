"""Behaviour over real HTTP on a served mock: the docs' polling loop, and concurrency."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from mock_baanx import create_app
from mock_baanx.transports.thread_server import BackgroundServer

from ..helpers import ORDER_BODY, headers

pytestmark = pytest.mark.served

TERMINAL = {"COMPLETED", "FAILED", "EXPIRED"}


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    served = BackgroundServer(create_app(), threads=8)
    yield served
    served.stop()


@pytest.fixture
def mock(server) -> str:
    requests.post(f"{server.url}/__mock/reset", timeout=10)
    return server.url


def docs_polling_loop(url: str, order_id: str, interval: float = 3.0,
                      attempts: int = 40) -> tuple[dict, int]:
    """The docs' sample client: poll every `interval` s, at most `attempts` times, stop
    on a final status; any non-2xx answer is an error."""
    session = requests.Session()
    body: dict = {}
    for attempt in range(1, attempts + 1):
        response = session.get(f"{url}/v1/order/{order_id}", headers=headers(), timeout=10)
        response.raise_for_status()
        body = response.json()
        if body["status"] in TERMINAL:
            return body, attempt
        time.sleep(interval)
    return body, attempts


@pytest.mark.parametrize(("lifecycle", "final", "polls"), [
    ("complete", "COMPLETED", 3),
    ("fail", "FAILED", 3),
    ("expire", "EXPIRED", 3),
    ("instant", "COMPLETED", 1),
    ("never", "STARTED", 40),
])
def test_the_docs_polling_loop_reaches_each_outcome(mock, lifecycle, final, polls):
    requests.post(f"{mock}/__mock/lifecycle", json={"name": lifecycle, "count": 1}, timeout=10)
    created = requests.post(f"{mock}/v1/order", json=ORDER_BODY, headers=headers(), timeout=10)
    order_id = created.json()["orderId"]
    body, attempts = docs_polling_loop(mock, order_id, interval=0.005)
    assert (body["status"], attempts) == (final, polls)
    if final == "FAILED":
        assert body["metadata"]["note"] == "payment_refunded"
    detail = requests.get(f"{mock}/__mock/orders/{order_id}", timeout=10).json()
    assert detail["pollCount"] == polls


def test_concurrent_polls_of_one_order_each_count_once(mock):
    order_id = requests.post(f"{mock}/v1/order", json=ORDER_BODY, headers=headers(),
                             timeout=10).json()["orderId"]

    def poll_many(_: int) -> list[str]:
        session = requests.Session()
        return [session.get(f"{mock}/v1/order/{order_id}", headers=headers(), timeout=10)
                .json()["status"] for _ in range(20)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        seen = Counter(status for batch in pool.map(poll_many, range(8)) for status in batch)
    # Exactly the first two polls, whichever threads made them, saw STARTED.
    assert seen == {"STARTED": 2, "COMPLETED": 158}
    detail = requests.get(f"{mock}/__mock/orders/{order_id}", timeout=10).json()
    assert detail["pollCount"] == 160
    assert [change["status"] for change in detail["history"]] == ["STARTED", "COMPLETED"]
    assert detail["history"][1]["afterPolls"] == 2


def test_concurrent_creates_lose_nothing(mock):
    def create_many(_: int) -> list[str]:
        session = requests.Session()
        return [session.post(f"{mock}/v1/order", json=ORDER_BODY, headers=headers(),
                             timeout=10).json()["orderId"] for _ in range(25)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        created = [order_id for batch in pool.map(create_many, range(8)) for order_id in batch]
    assert len(set(created)) == 200
    listed = requests.get(f"{mock}/__mock/orders", timeout=10).json()["orders"]
    assert {order["orderId"] for order in listed} == set(created)
