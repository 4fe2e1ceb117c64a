"""`mock-baanx serve` holds many connections at once — idle keep-alive ones and ones that
stall mid-request — without locking a newcomer out, and lets a stalled one go after its
documented timeout."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests

from mock_baanx.transports.granian_server import BODY_READ_DEADLINE_SECONDS

from ..helpers import headers
from ..served import Served

pytestmark = pytest.mark.served
PRODUCTS = "/v1/order/products/available"
# Past granian's default of 1,024 connections, which used to lock newcomers out.
HELD = 1500


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    server = Served()
    yield server
    server.stop()


def address(served: Served) -> tuple[str, int]:
    parts = urlsplit(served.url)
    return str(parts.hostname), int(parts.port or 80)


def idle_connection(where: tuple[str, int]) -> socket.socket:
    """A keep-alive connection that asked once and now says nothing."""
    connection = socket.create_connection(where, timeout=10)
    connection.sendall(f"GET {PRODUCTS} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Client-ID: demo-client\r\n"
                       "Authorization: Bearer demo-token\r\n\r\n".encode())
    connection.recv(65536)
    return connection


def stalled_connection(where: tuple[str, int]) -> socket.socket:
    """A connection that sent half a request line and stopped."""
    connection = socket.create_connection(where, timeout=10)
    connection.sendall(b"GET /v1/order/prod")
    return connection


def test_many_idle_and_stalled_connections_do_not_lock_a_newcomer_out(served):
    where = address(served)
    held = [idle_connection(where) for _ in range(HELD // 2)]
    held += [stalled_connection(where) for _ in range(HELD // 2)]
    try:
        for _ in range(5):
            reply = requests.get(served.url + PRODUCTS, headers=headers(), timeout=5)
            assert reply.status_code == 200
    finally:
        for connection in held:
            connection.close()


@pytest.mark.slow
def test_a_client_stalled_mid_body_gets_a_408_and_one_stalled_mid_headers_is_dropped(served):
    where = address(served)
    mid_body = socket.create_connection(where, timeout=BODY_READ_DEADLINE_SECONDS * 3)
    mid_body.sendall(b"POST /v1/order HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
                     b"\r\nContent-Length: 100\r\n\r\n{\"productId\":")
    mid_headers = socket.create_connection(where, timeout=BODY_READ_DEADLINE_SECONDS * 3)
    mid_headers.sendall(b"GET /v1/order/products/available HTTP/1.1\r\nHost: mo")
    replies: dict[str, bytes] = {}

    def read_all(name: str, connection: socket.socket) -> None:
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
        replies[name] = b"".join(chunks)

    started = time.monotonic()
    readers = [threading.Thread(target=read_all, args=item)
               for item in (("body", mid_body), ("headers", mid_headers))]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    waited = time.monotonic() - started
    mid_body.close()
    mid_headers.close()
    head, _, body = replies["body"].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), replies["body"]
    assert json.loads(body) == {"message": "Request Timeout: the body did not arrive in time"}
    assert not replies["headers"].startswith(b"HTTP/1.1 200")
    # Let go after the documented timeout, not before and not never.
    assert BODY_READ_DEADLINE_SECONDS - 1 <= waited < BODY_READ_DEADLINE_SECONDS * 3
