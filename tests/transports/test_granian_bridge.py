"""The bridge `mock-baanx serve` runs the Flask app through: a request as granian hands it
over (RSGI scope and protocol), the reply as it goes back."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import pytest

from mock_baanx import create_app
from mock_baanx.core import Backend
from mock_baanx.protocol import Options
from mock_baanx.storage.fixture_files import load_fixtures
from mock_baanx.transports import granian_server
from mock_baanx.transports.granian_server import DeferredSleep, RsgiBridge

from ..helpers import ORDER_BODY

AUTH = [("x-client-id", "demo-client"), ("authorization", "Bearer demo-token")]


class Headers:
    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def items(self) -> list[tuple[str, str]]:
        return list(self.pairs)

    def keys(self) -> list[str]:
        return list(dict(self.pairs))


class Scope:
    def __init__(self, method: str, path: str, headers: list[tuple[str, str]],
                 query_string: str = "") -> None:
        self.method, self.path, self.query_string = method, path, query_string
        self.headers = Headers(headers)
        self.server, self.client = "127.0.0.1:4010", "127.0.0.1:50000"
        self.http_version, self.scheme = "1.1", "http"


class Protocol:
    """Hands over a body, in chunks, and records the reply and when it was sent."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.chunks_read = 0
        self.reply: tuple[int, dict[str, str], bytes] | None = None

    async def __call__(self) -> bytes:
        self.chunks_read = len(self.chunks)
        return b"".join(self.chunks)

    def __aiter__(self) -> Protocol:
        return self

    async def __anext__(self) -> bytes:
        if self.chunks_read == len(self.chunks):
            raise StopAsyncIteration
        self.chunks_read += 1
        return self.chunks[self.chunks_read - 1]

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.reply = (status, {name.lower(): value for name, value in headers}, body)


def served(scope: Scope, protocol: Protocol, app: Any = None,
           deferred: DeferredSleep | None = None) -> tuple[int, dict[str, str], Any]:
    deferred = deferred or DeferredSleep()
    if app is None:
        app = create_app(Backend(load_fixtures()), Options(sleep=deferred))
    lines: list[str] = []
    asyncio.run(RsgiBridge(app, deferred, lines.append)(scope, protocol))
    assert protocol.reply is not None
    assert len(lines) == 1
    status, headers, body = protocol.reply
    return status, headers, json.loads(body) if body else None


def test_a_create_goes_through_with_its_body():
    body = json.dumps(ORDER_BODY).encode()
    scope = Scope("POST", "/v1/order", [*AUTH, ("content-type", "application/json"),
                                        ("content-length", str(len(body)))])
    status, headers, reply = served(scope, Protocol([body]))
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert reply["orderId"].startswith("ord_")


def test_a_chunked_body_is_read_and_one_past_the_limit_is_refused_without_the_rest():
    body = json.dumps(ORDER_BODY).encode()
    chunked = [*AUTH, ("content-type", "application/json"), ("transfer-encoding", "chunked")]
    assert served(Scope("POST", "/v1/order", chunked), Protocol([body[:10], body[10:]]))[0] == 200
    huge = Protocol([b" " * (512 * 1024)] * 10)
    status, _, reply = served(Scope("POST", "/v1/order", chunked), huge)
    assert (status, reply) == (413, {"message": "Request body is larger than 1 MiB"})
    # Two chunks reach the limit, the third passes it: the other seven are never read.
    assert huge.chunks_read == 3


@pytest.mark.parametrize(("method", "path", "length", "status"), [
    ("POST", "/v1/order", "100000000", 413),
    # What load tools send on a GET: there is nothing to wait for.
    ("GET", "/v1/order/products/available", "0", 200),
])
def test_a_body_announced_empty_or_past_the_limit_is_not_awaited(method, path, length, status):
    protocol = Protocol([b"x"])
    assert served(Scope(method, path, [*AUTH, ("content-length", length)]), protocol)[0] == status
    assert protocol.chunks_read == 0


def test_repeated_headers_join_and_underscored_ones_are_dropped():
    seen: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.update(environ)
        start_response("204 No Content", [])
        return []

    scope = Scope("GET", "/caf\u00e9", [("accept", "a"), ("accept", "b"),
                                       ("x_client_id", "forged")], query_string="q=%20")
    assert served(scope, Protocol([]), app)[0] == 204
    assert seen["HTTP_ACCEPT"] == "a, b"
    assert "HTTP_X_CLIENT_ID" not in seen
    # WSGI's way: the path's UTF-8 bytes read as Latin-1.
    assert seen["PATH_INFO"] == "/caf\u00c3\u00a9"
    assert seen["QUERY_STRING"] == "q=%20"


def test_an_app_that_fails_still_answers_the_documented_500():
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise RuntimeError("broken")

    status, _, reply = served(Scope("GET", "/v1/order/products/available", AUTH),
                              Protocol([]), app)
    assert status == 500
    assert set(reply) == {"message"}


def test_a_delay_is_awaited_after_the_reply_is_decided():
    """The app never sleeps: the bridge awaits the delay, so the event loop serves others."""
    deferred = DeferredSleep()
    app = create_app(Backend(load_fixtures()), Options(sleep=deferred))
    events: list[str] = []

    async def scenario() -> None:
        slow = Protocol([])
        slow_scope = Scope("GET", "/v1/order/products/available",
                           [*AUTH, ("x-mock-delay-ms", "300")])
        bridge = RsgiBridge(app, deferred, events.append)
        delayed = asyncio.create_task(bridge(slow_scope, slow))
        await asyncio.sleep(0)
        fast = Protocol([])
        await bridge(Scope("GET", "/v1/order/products/available", AUTH), fast)
        assert fast.reply is not None
        assert slow.reply is None
        await delayed
        assert slow.reply is not None
        assert slow.reply[0] == 200

    asyncio.run(scenario())
    assert [line.split()[0:3] for line in events] == [
        ["GET", "/v1/order/products/available", "200"]] * 2


def test_other_requests_are_answered_while_a_faulted_connection_is_sought(monkeypatch):
    """Among thousands of connections, finding a faulted one's socket takes milliseconds:
    the search runs off the event loop, which serves the others meanwhile."""
    deferred = DeferredSleep()
    app = create_app(Backend(load_fixtures()), Options(sleep=deferred))
    seeking, found = threading.Event(), threading.Event()

    def slow_search(peer: Any, reset: bool, local: Any = None) -> bool:
        seeking.set()
        assert found.wait(5), "the other request was never answered"
        return False  # not found: the fault's own reply goes out

    monkeypatch.setattr(granian_server, "sever", slow_search)

    async def scenario() -> None:
        bridge = RsgiBridge(app, deferred, lambda line: None)
        faulted = Protocol([])
        seeking_task = asyncio.create_task(bridge(
            Scope("GET", "/v1/order/products/available", [*AUTH, ("x-mock-fault", "reset")]),
            faulted))
        deadline = asyncio.get_running_loop().time() + 5
        while not seeking.is_set():
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.001)
        other = Protocol([])
        await bridge(Scope("GET", "/v1/order/products/available", AUTH), other)
        assert other.reply is not None
        assert other.reply[0] == 200
        assert faulted.reply is None
        found.set()
        await seeking_task
        assert faulted.reply is not None
        assert faulted.reply[0] == 502

    asyncio.run(scenario())
