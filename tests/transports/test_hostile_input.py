"""Hostile traffic at a served mock — on a thread of the test process (waitress) and as
`mock-baanx serve` runs (granian): each gets a documented 4xx answer or a clean close, and
the server keeps serving everyone else."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from mock_baanx import create_app
from mock_baanx.transports.thread_server import BackgroundServer

from ..helpers import ORDER_BODY, address_of, headers
from ..served import Served

pytestmark = pytest.mark.served

AUTH = b"X-Client-ID: demo-client\r\nAuthorization: Bearer demo-token\r\n"


@pytest.fixture(scope="module", params=["in-process", "serve"])
def server(request) -> Iterator[BackgroundServer | Served]:
    served = BackgroundServer(create_app()) if request.param == "in-process" else Served()
    yield served
    served.stop()


@pytest.fixture
def address(server) -> tuple[str, int]:
    return address_of(server.url)


def raw(address, data: bytes, timeout: float = 10) -> tuple[int | None, dict, bytes]:
    """Send bytes, read until the server closes; (status, headers, body), or a None status
    when the server closed without answering."""
    received = b""
    with socket.create_connection(address, timeout=timeout) as sock:
        try:
            sock.sendall(data)
            while chunk := sock.recv(65536):
                received += chunk
        except (ConnectionResetError, BrokenPipeError):
            # The server answered and closed while we were still sending: what it said,
            # if it reached us, is in `received`.
            pass
    if not received:
        return None, {}, b""
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    fields = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), {k.lower(): v for k, v in fields.items()}, body


def assert_json_4xx(answer, status=None):
    code, fields, body = answer
    assert code is not None, answer
    assert 400 <= code < 500, answer
    if status is not None:
        assert code == status, answer
    assert fields["content-type"] == "application/json"
    assert set(json.loads(body)) == {"message"}


def assert_refused_before_the_app(server, answer, status):
    """What is not HTTP the server can parse never reaches the app. The in-process server
    still answers the catalogue's JSON; `serve`'s HTTP server answers the status with no
    body, and closes the connection."""
    if isinstance(server, BackgroundServer):
        assert_json_4xx(answer, status)
        return
    code, fields, body = answer
    assert code == status, answer
    assert body == b""
    assert fields["connection"] == "close"


def still_serving(server):
    reply = requests.get(f"{server.url}/v1/order/products/available", headers=headers(),
                         timeout=10)
    assert reply.status_code == 200


def request(path: bytes = b"/v1/order/products/available", extra: bytes = b"",
            method: bytes = b"GET", body: bytes = b"") -> bytes:
    length = f"Content-Length: {len(body)}\r\n".encode() if body else b""
    return (method + b" " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + AUTH
            + extra + length + b"\r\n" + body)


@pytest.mark.parametrize("header", [
    b"X-Note: one\rtwo\r\n",
    b"X-Note: one\x00two\r\n",
    b"X-Note: one\ntwo\r\n",
    b"Bad Header Name: x\r\n",
    b"X-Note\r\n",
])
def test_control_characters_in_headers_are_refused(server, address, header):
    assert_refused_before_the_app(server, raw(address, request(extra=header)), 400)
    still_serving(server)


@pytest.mark.parametrize(("field", "status"), [
    (b"X-Mock-Namespace: caf\xc3\xa9", 400),
    (b"X-Mock-Namespace: team\xe9", 400),
    (b"X-Mock-Lifecycle: f\xc3\xa4il", 422),
    (b"X-Mock-Fault: 5\xc3\xbc3", 422),
    # With a header given twice, so that as many values as names are readable.
    (b"X-Note: a\r\nX-Note: b\r\nX-Mock-Namespace: caf\xc3\xa9", 400),
])
def test_a_header_value_past_ascii_meets_the_mocks_rules_and_is_not_passed_over(
        server, address, field, status):
    order = json.dumps(ORDER_BODY).encode()
    answer = raw(address, request(b"/v1/order", field + b"\r\nContent-Type: application/json\r\n",
                                  b"POST", order))
    assert_json_4xx(answer, status)
    assert requests.get(f"{server.url}/__mock/orders", timeout=10).json()["total"] == 0


def test_a_client_key_past_ascii_is_one_not_recognised(server, address):
    head = (b"GET /v1/order/products/available HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Connection: close\r\nX-Client-ID: d\xc3\xa9mo\r\n"
            b"Authorization: Bearer demo-token\r\n\r\n")
    assert_json_4xx(raw(address, head), 498)


def test_a_100_kb_header_is_read(server, address):
    code, _, body = raw(address, request(extra=b"X-Padding: " + b"a" * 100_000 + b"\r\n"))
    assert code == 200
    assert json.loads(body)[0]["id"] == "PREMIUM_SUBSCRIPTION"


def test_a_1_mb_header_answers_the_catalogues_431(server, address):
    answer = raw(address, request(extra=b"X-Padding: " + b"a" * 1_000_000 + b"\r\n"))
    assert_json_4xx(answer, 431)
    still_serving(server)


def test_past_64_kib_of_request_target_serve_answers_414_by_itself(server, address):
    """granian's HTTP parser reads a request target of at most 64 KiB, and answers past
    that before the mock can, with no setting to change it (docs/reliability.md)."""
    answer = raw(address, request(b"/" + b"a" * 100_000))
    if isinstance(server, BackgroundServer):
        assert_json_4xx(answer, 414)
    else:
        assert_refused_before_the_app(server, answer, 414)
    still_serving(server)


def test_past_64_headers_the_mock_answers_431_json(server, address):
    """The mock's own limit, below granian's (100 header fields): answered with the
    catalogue's body on both servers."""
    code, _, body = raw(address, request(extra=b"".join(b"X-Header-%d: v\r\n" % index
                                                        for index in range(80))))
    assert code == 431
    assert json.loads(body)["message"].startswith("Request header fields are too large")
    still_serving(server)


def test_past_100_headers_serve_answers_431_by_itself(server, address):
    """granian's HTTP parser reads at most 100 headers (documented), and answers past that
    before the mock can; waitress leaves it to the mock."""
    answer = raw(address, request(extra=b"".join(b"X-Header-%d: v\r\n" % index
                                                 for index in range(300))))
    if isinstance(server, BackgroundServer):
        assert answer[0] == 431
        assert json.loads(answer[2])["message"].startswith("Request header fields are too")
    else:
        assert_refused_before_the_app(server, answer, 431)
    still_serving(server)


def test_a_url_past_32_kib_answers_414_json(server, address):
    code, _, body = raw(address, request(b"/" + b"a" * 40_000))
    assert (code, json.loads(body)) == (414, {"message": "Request URL is too long"})
    still_serving(server)


def test_a_garbage_request_line_answers_400_or_closes(server, address):
    answer = raw(address, b"\x00\x01\x02 garbage\r\n\r\n")
    if answer[0] is not None:
        assert_refused_before_the_app(server, answer, 400)
    still_serving(server)


def test_a_request_line_whose_target_is_no_path_answers_400(server, address):
    # granian refuses it itself (with its own empty body); the in-thread server passes it on.
    assert raw(address, b"HELLO THERE\r\n\r\n")[0] == 400
    still_serving(server)


def test_a_refused_header_line_is_never_echoed(server, address):
    answer = raw(address, b"GET /v1/order/products/available HTTP/1.1\r\nHost: x\r\n"
                          b"Authorization: Bearer my-secret-token\rX\r\n\r\n")
    assert answer[0] == 400
    assert b"my-secret-token" not in answer[2]
    still_serving(server)


def test_a_body_longer_than_the_limit_is_refused_before_it_arrives(server, address):
    """A client that declares 100 MB gets its 413 without the server waiting for them."""
    answer = raw(address, request(b"/v1/order", b"Content-Type: application/json\r\n"
                                  b"Content-Length: 100000000\r\n", b"POST", b"") + b"{",
                 timeout=30)
    assert_json_4xx(answer, 413)
    still_serving(server)


@pytest.mark.parametrize(("body", "status"), [
    (b'{"productId": "\xff\xfe", "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}', 422),
    (b"[" * 100_000, 422),
    (b'{"productId": 1e999, "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}', 422),
])
def test_hostile_bodies(server, address, body, status):
    answer = raw(address, request(b"/v1/order", b"Content-Type: application/json\r\n", b"POST",
                                  body))
    assert_json_4xx(answer, status)
    still_serving(server)


def test_duplicate_keys_and_long_integers_elsewhere_are_harmless(address):
    body = (b'{"productId": "X", "productId": "METAL_CARD", "amount": 1' + b"0" * 5000
            + b', "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}')
    code, _, reply = raw(address, request(b"/v1/order", b"Content-Type: application/json\r\n",
                                          b"POST", body))
    assert code == 200
    assert json.loads(reply)["paymentConfig"]["paymentAmount"] == 299


def test_a_slow_client_does_not_hold_up_the_others(server, address):
    data = request(b"/v1/order", b"Content-Type: application/json\r\n", b"POST",
                   json.dumps(ORDER_BODY).encode())
    halfway = threading.Event()
    others_done = threading.Event()
    answers = []

    def trickle():
        with socket.create_connection(address, timeout=30) as sock:
            for index in range(0, len(data), 8):
                sock.sendall(data[index:index + 8])
                if index >= len(data) // 2 and not halfway.is_set():
                    halfway.set()
                    # Hold the request half-sent until everyone else has been served.
                    others_done.wait(timeout=30)
                time.sleep(0.01)
            answers.append(sock.recv(65536))

    slow = threading.Thread(target=trickle)
    slow.start()
    assert halfway.wait(timeout=30)
    for _ in range(20):
        still_serving(server)
    others_done.set()
    slow.join(timeout=60)
    assert answers
    assert answers[0].startswith(b"HTTP/1.1 200")


def test_many_idle_connections_do_not_lock_others_out(server, address):
    idle = [socket.create_connection(address, timeout=10) for _ in range(300)]
    try:
        still_serving(server)
        created = requests.post(f"{server.url}/v1/order", json=ORDER_BODY, headers=headers(),
                                timeout=10)
        assert created.status_code == 200
    finally:
        for sock in idle:
            sock.close()
    still_serving(server)


def test_a_transfer_coding_waitress_does_not_implement_answers_501_json():
    served = BackgroundServer(create_app())
    try:
        code, fields, body = raw(address_of(served.url), request(
            b"/v1/order", b"Transfer-Encoding: gzip\r\n", b"POST", b"{}"))
    finally:
        served.stop()
    assert (code, fields["content-type"]) == (501, "application/json")
    assert json.loads(body) == {"message": "Transfer-Encoding requested is not supported."}
