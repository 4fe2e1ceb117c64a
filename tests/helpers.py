"""Shared by the unit tests: request headers, a hand-moved clock, reply assertions, races."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask.testing import FlaskClient

from mock_baanx.protocol import schemas

CLIENT_ID = "demo-client"
START = datetime(2026, 3, 27, 14, 7, 12, 662000, tzinfo=UTC)


def headers(token: str | None = "demo-token", client: str | None = CLIENT_ID,
            **extra: str) -> dict[str, str]:
    result = dict(extra)
    if client is not None:
        result["X-Client-ID"] = client
    if token is not None:
        result["Authorization"] = f"Bearer {token}"
    return result


def address_of(url: str) -> tuple[str, int]:
    """(host, port) of a served mock's URL, for raw sockets."""
    parts = urlsplit(url)
    assert parts.hostname is not None, url
    assert parts.port is not None, url
    return parts.hostname, parts.port


ORDER_BODY = {"productId": "PREMIUM_SUBSCRIPTION", "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}


class ManualTime:
    """A clock source that stands still until a test moves it: real time passing while
    a test runs must not change what the test sees."""

    def __init__(self, start: datetime = START) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def tick(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


def assert_error(response: Any, status: int, message: str | None = None) -> None:
    """An error reply as the docs say: the status, JSON, and `{"message": ...}`."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/json"
    body = response.get_json()
    assert schemas.problems("error.json", body) == []
    if message is not None:
        assert body == {"message": message}


def assert_valid(response: Any, schema: str, extended: bool = False) -> Any:
    """A 200 whose JSON body matches `schema` (with extended statuses allowed when
    `extended`)."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/json"
    body = response.get_json()
    assert schemas.problems(schema, body, extended) == []
    return body


def create(client: FlaskClient, token: str = "demo-token", body: Any = None,
           path: str = "/v1/order", **extra: str) -> Any:
    response = client.post(path, json=ORDER_BODY if body is None else body,
                           headers=headers(token, **extra))
    return assert_valid(response, "create-order-response.json")


def poll(client: FlaskClient, order_id: str, token: str = "demo-token",
         path: str = "/v1/order", extended: bool = False, **extra: str) -> Any:
    response = client.get(f"{path}/{order_id}", headers=headers(token, **extra))
    return assert_valid(response, "order-status-response.json", extended)


def in_threads(count: int, work: Callable[[int], None]) -> None:
    """`work(0)` … `work(count - 1)` at once, the interpreter switching threads as often as
    it can, so that any step a race can come between is come between."""
    failures: list[BaseException] = []

    def run(index: int) -> None:
        try:
            work(index)
        except BaseException as error:  # re-raised below, in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
            assert not thread.is_alive(), "a thread did not finish"
    finally:
        sys.setswitchinterval(interval)
    if failures:
        raise failures[0]
