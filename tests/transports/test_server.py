"""`BackgroundServer`, the mock served on a thread of the test process: how it stops."""

from __future__ import annotations

import logging
import socket

import pytest
import requests

from mock_baanx import create_app
from mock_baanx.transports.thread_server import BackgroundServer

from ..helpers import address_of, headers

pytestmark = pytest.mark.served


def test_stop_closes_the_port_and_every_file_it_opened():
    served = BackgroundServer(create_app())
    assert requests.get(f"{served.url}/v1/order/products/available", headers=headers(),
                        timeout=10).status_code == 200
    trigger = served._server.trigger
    served.stop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(address_of(served.url), timeout=5).close()
    assert not served._server._map
    assert trigger._fds == [], "the pipe that wakes the loop was left open"


def test_stop_holds_when_the_loop_runs_its_close_before_stop_has_woken_it(caplog):
    """waitress runs a trigger's callbacks whenever its loop wakes, and its worker threads
    wake it as they finish: stop()'s own callback could end the loop, and close the pipe,
    before stop() had written to that pipe (now and then an EBADF at a test's teardown)."""
    served = BackgroundServer(create_app())
    trigger = served._server.trigger
    wake = trigger._physical_pull

    def wake_and_let_the_loop_end_first() -> None:
        # As if a worker's wake-up came first: the loop runs stop()'s callback and ends,
        # and only then does stop() write its own byte.
        wake()
        served._thread.join(10)
        wake()

    trigger._physical_pull = wake_and_let_the_loop_end_first
    with caplog.at_level(logging.WARNING):
        served.stop()
    assert not served._thread.is_alive()
    assert trigger._fds == []
    assert not [record for record in caplog.records if record.name.startswith("waitress")]


def test_stopping_twice_is_harmless():
    served = BackgroundServer(create_app())
    served.stop()
    served.stop()
    assert not served._thread.is_alive()

