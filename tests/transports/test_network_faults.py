"""Network-level faults, side by side: a `requests` client meets the same outcome from the
in-process mock, from `mock-baanx serve`, and from the server on a thread of the process."""

from __future__ import annotations

import os
import threading
import time

import pytest
import requests

from mock_baanx import BaanxMock, create_app
from mock_baanx.transports.thread_server import BackgroundServer

from ..helpers import headers
from ..served import Served

pytestmark = pytest.mark.served

PRODUCTS = "/v1/order/products/available"
EXPECTED = {
    "reset": "ConnectionError: ConnectionResetError(104, 'Connection reset by peer')",
    "empty": "ConnectionError: RemoteDisconnected('Remote end closed connection without "
             "response')",
    "malformed": "200 JSONDecodeError",
    "truncated": "ChunkedEncodingError: IncompleteRead(43 bytes read, 53 more expected)",
    "hang": "ReadTimeout",
    "503": "503 {'message': 'Service Unavailable'}",
}


def outcome(base_url: str, fault: str) -> str:
    try:
        # Only a hang is waited out; the others end by themselves, however busy the machine.
        reply = requests.get(base_url + PRODUCTS, timeout=0.3 if fault == "hang" else 10,
                             headers=headers(**{"X-Mock-Fault": fault}))
    except requests.exceptions.ReadTimeout:
        return "ReadTimeout"
    except requests.RequestException as error:
        inner = error.args[0]
        reason = inner.args[1] if len(getattr(inner, "args", ())) > 1 else inner
        return f"{type(error).__name__}: {reason!r}"
    try:
        return f"{reply.status_code} {reply.json()}"
    except requests.exceptions.JSONDecodeError:
        return f"{reply.status_code} JSONDecodeError"


@pytest.mark.parametrize("fault", list(EXPECTED))
def test_each_fault_has_one_outcome_whatever_answers(servers, fault):
    with BaanxMock() as mock:
        outcomes = {"in-process": outcome(mock.base_url, fault)}
    outcomes.update({name: outcome(url, fault) for name, url in servers.items()})
    assert outcomes == dict.fromkeys(outcomes, EXPECTED[fault])
    for url in servers.values():
        # The server carries on, on new connections and old ones.
        assert requests.get(url + PRODUCTS, headers=headers(), timeout=5).status_code == 200


def test_many_severed_connections_leave_no_descriptor_behind():
    served = Served()
    try:
        descriptors = f"/proc/{served.process.pid}/fd"
        if not os.path.isdir(descriptors):
            pytest.skip("needs /proc to count a process's descriptors")
        counts = []
        for _ in range(3):
            for fault in ("reset", "empty") * 25:
                outcome(served.url, fault)
            for _ in range(5):
                assert requests.get(served.url + PRODUCTS, headers=headers(), timeout=5).ok
            counts.append(settled_count(descriptors))
        # 150 severed connections: the count after the second and third rounds of 50 is the
        # count after the first.
        assert max(counts) - min(counts) <= 2, counts
    finally:
        served.stop()


def settled_count(descriptors: str) -> int:
    """The process's descriptor count once the server has closed what it closes by itself
    (the last connections): the same over ten polls in a row, within a few seconds."""
    deadline = time.monotonic() + 5
    seen = [len(os.listdir(descriptors))]
    while len(set(seen[-10:])) > 1 or len(seen) < 10:
        assert time.monotonic() < deadline, f"the descriptor count never settled: {seen}"
        time.sleep(0.01)
        seen.append(len(os.listdir(descriptors)))
    return seen[-1]


def test_a_hang_ends_when_the_thread_server_stops():
    server = BackgroundServer(create_app())
    # A hang set through the control API, so that its being taken says the request is in.
    requests.post(server.url + "/__mock/faults", json={"endpoint": "*", "kind": "hang",
                                                       "times": 1}, timeout=5)
    seen: list[str] = []
    client = threading.Thread(target=lambda: seen.append(outcome_without_timeout(server.url)))
    client.start()
    deadline = time.monotonic() + 10
    while requests.get(server.url + "/__mock/faults", timeout=5).json()["faults"]:
        assert time.monotonic() < deadline, "the request never reached the server"
        time.sleep(0.01)
    started = time.monotonic()
    server.stop()
    client.join(timeout=10)
    assert time.monotonic() - started < 5
    assert seen == ["ConnectionError"]


def outcome_without_timeout(base_url: str) -> str:
    try:
        requests.get(base_url + PRODUCTS, headers=headers())
    except requests.RequestException as error:
        return type(error).__name__
    return "answered"


def test_in_process_a_hang_without_timeout_ends_at_its_maximum_under_virtual_time():
    with BaanxMock() as mock, mock.virtual_time() as virtual:
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(mock.base_url + PRODUCTS, headers=mock.headers(x_mock_fault="hang"))
        assert virtual.elapsed == 60
