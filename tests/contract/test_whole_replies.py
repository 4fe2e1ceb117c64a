"""The contract tools read a reply whole within their timeout and a size bound: a target
that trickles its reply, or sends one without end, is the environment's one line, not a run
held for hours or the machine's memory filled."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import pytest

from mock_baanx.contract import checks
from mock_baanx.contract.whole_replies import MAX_REPLY_BYTES

Body = Callable[[socket.socket], None]


@contextmanager
def one_reply_server(head: bytes, body: Body) -> Iterator[str]:
    """A server on a free loopback port that answers one request with `head`, then lets
    `body` write to the connection (until the client goes away); stopped on leaving."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(head)
            with suppress(OSError):  # the client went away, as it should
                body(connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        listener.close()
        thread.join(timeout=15)
        assert not thread.is_alive()


def trickle(connection: socket.socket) -> None:
    for _ in range(150):  # 15 s at most, far past the client's timeout
        connection.sendall(b" ")
        time.sleep(0.1)


def endless(connection: socket.socket) -> None:
    chunk = b"0" * 65536
    for _ in range(2 * MAX_REPLY_BYTES // len(chunk)):
        connection.sendall(chunk)


def target(url: str, timeout: float = 30.0) -> checks.Target:
    return checks.Target(base_url=url, client_id="demo-client", token="demo-token",
                         timeout=timeout)


def test_a_reply_that_trickles_in_is_cut_at_the_timeout():
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 150\r\n\r\n"
    with one_reply_server(head, trickle) as url:
        started = time.monotonic()
        with pytest.raises(checks.Unreachable, match=r"127\.0\.0\.1 did not answer within 1 s"):
            target(url, timeout=1.0).send("GET", checks.PRODUCTS)
        assert time.monotonic() - started < 10


def test_a_reply_past_the_size_bound_is_cut_there():
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(2 * MAX_REPLY_BYTES).encode() + b"\r\n\r\n")
    with one_reply_server(head, endless) as url, pytest.raises(
            checks.Unreachable, match=r"the reply from 127\.0\.0\.1 was larger than 8 MiB"):
        target(url).send("GET", checks.PRODUCTS)


def test_a_chunked_gzipped_reply_reads_as_any_other():
    packed = gzip.compress(b'[{"id": "P", "description": "d", "isEligible": true}]')
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")

    def chunks(connection: socket.socket) -> None:
        for part in (packed[:10], packed[10:]):
            connection.sendall(f"{len(part):x}\r\n".encode() + part + b"\r\n")
        connection.sendall(b"0\r\n\r\n")

    with one_reply_server(head, chunks) as url:
        reply = target(url).send("GET", checks.PRODUCTS)
    assert reply.json() == [{"id": "P", "description": "d", "isEligible": True}]


def test_a_small_gzip_holding_a_body_past_the_bound_is_cut_there():
    packed = gzip.compress(b" " * (2 * MAX_REPLY_BYTES))
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
            b"Content-Length: " + str(len(packed)).encode() + b"\r\n\r\n")
    with one_reply_server(head, lambda connection: connection.sendall(packed)) as url, \
            pytest.raises(checks.Unreachable,
                          match=r"the reply from 127\.0\.0\.1 was larger than 8 MiB"):
        target(url).send("GET", checks.PRODUCTS)
