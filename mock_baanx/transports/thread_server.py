"""Serving a mock on a thread of the caller's process, with waitress: for test suites
whose code under test speaks HTTP. `mock-baanx serve` runs on granian instead
(granian_server.py); both serve the same Flask app."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import ErrorTask

from ..core import FaultKind
from ..protocol import Reply
from ..protocol.errors import error_reply, reason_phrase, transport_error
from .access_log import AccessLog, WsgiApp
from .connections import (
    FAULT_KEY,
    MAX_HANG_SECONDS,
    client_left,
    peer_of,
    sever,
    truncated_headers,
)

# Bodies past the mock's own 1 MiB limit still reach the app, which answers its JSON 413;
# only beyond this does waitress refuse by itself, before the app could read anything.
WAITRESS_BODY_LIMIT = 64 * 1024 * 1024
DEFAULT_THREADS = 8
# Idle keep-alive connections are cheap for waitress's event loop; a test suite (or a load
# test) may well hold hundreds, and must not lock newcomers out.
CONNECTION_LIMIT = 1000
IDLE_TIMEOUT_SECONDS = 60


class JsonErrorTask(ErrorTask):  # type: ignore[misc]
    """What waitress refuses before the app could see it — a malformed request line or
    header, headers past its size limit, a body past its limit — still answers in the
    catalogue's JSON shape, built by the one function that builds every error body."""

    def execute(self) -> None:
        error = self.request.error
        # waitress quotes the header line it refused, which may carry a credential: only
        # its own words go back.
        detail = str(error.body).partition(' "')[0]
        reply = error_reply(transport_error(error.code, detail))
        self.status = f"{reply.status} {reason_phrase(reply.status)}"
        self.response_headers.extend(reply.headers)
        self.set_close_on_finish()
        self.content_length = len(reply.body)
        self.write(reply.body)


class JsonErrorChannel(HTTPChannel):  # type: ignore[misc]
    error_task_class = JsonErrorTask


class ActOutFaults:
    """The network faults the app's replies carry (connections.py), acted out on this
    server's connections from the worker thread that answers."""

    HANG_POLL_SECONDS = 0.05

    def __init__(self, app: WsgiApp, stopping: threading.Event) -> None:
        self.app = app
        self.stopping = stopping

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        started: list[Any] = []

        def deferred_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            started[:] = [status, headers, exc_info]
            return lambda data: None

        body = b"".join(self.app(environ, deferred_start_response))
        status, headers, exc_info = started
        reply: Reply | None = environ.get(FAULT_KEY)
        if reply is None:
            start_response(status, headers, exc_info)
            return [body]
        if reply.fault == FaultKind.TRUNCATED:
            # waitress sends what it has and closes the connection short of the length.
            start_response(status, truncated_headers(reply))
            return [reply.body]
        peer = peer_of(environ["REMOTE_ADDR"], environ["REMOTE_PORT"])
        if reply.fault == FaultKind.HANG:
            deadline = time.monotonic() + MAX_HANG_SECONDS
            while not (client_left(peer) or time.monotonic() >= deadline
                       or self.stopping.wait(self.HANG_POLL_SECONDS)):
                pass
        sever(peer, reset=reply.fault == FaultKind.RESET)
        start_response(status, [])
        return [b""]


def make_server(app: WsgiApp, host: str, port: int, threads: int = DEFAULT_THREADS,
                stopping: threading.Event | None = None,
                channels: dict[int, Any] | None = None) -> Any:
    """A waitress server, bound and listening but not yet running: call `.run()` (blocks
    until `.close()` or Ctrl-C) — `.effective_port` tells the port when `port` was 0.
    `stopping`, once set, ends any hang a fault holds a connection in. `channels`: the map
    waitress keeps its sockets in (listening, connections, its wake-up pipe), by number."""
    served = ActOutFaults(app, stopping or threading.Event())
    server = create_server(AccessLog(served), map=channels, host=host, port=port,
                           threads=threads,
                           ident="mock-baanx", max_request_body_size=WAITRESS_BODY_LIMIT,
                           clear_untrusted_proxy_headers=True,
                           connection_limit=CONNECTION_LIMIT,
                           channel_timeout=IDLE_TIMEOUT_SECONDS)
    server.channel_class = JsonErrorChannel
    return server


class BackgroundServer:
    """A mock served on a thread of this process: for test suites that need a real
    HTTP server (their app under test speaks HTTP) without a child process."""

    def __init__(self, app: WsgiApp, host: str = "127.0.0.1", port: int = 0,
                 threads: int = DEFAULT_THREADS) -> None:
        self._stopping_event = threading.Event()
        self._channels: dict[int, Any] = {}
        self._server = make_server(app, host, port, threads, self._stopping_event,
                                   self._channels)
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self._server.effective_port}"
        self._thread = threading.Thread(target=self._server.run, name=f"mock-baanx {self.url}",
                                        daemon=True)
        self._thread.start()
        self._stopping = threading.Lock()
        self._stopped = False

    def stop(self, timeout: float = 10) -> None:
        """Close the listening socket and every open connection, wait for the loop and the
        worker threads to end, then close the pipe that wakes the loop (waitress's trigger).
        Sockets are closed on the server's own thread, which owns them. Stopping again does
        nothing: it would write to a pipe whose numbers may belong to another file by then."""
        with self._stopping:
            if not self._stopped:
                self._stopped = True
                self._stopping_event.set()
                self._stop(timeout)

    def _stop(self, timeout: float) -> None:
        server = self._server
        trigger = server.trigger

        def close_all_but_the_trigger() -> None:
            for dispatcher in list(self._channels.values()):
                if dispatcher is trigger:
                    # Out of the loop's map, so that the loop ends, but still open. waitress
                    # runs a trigger's callbacks whenever its loop wakes, so this one may run
                    # before pull_trigger below has written to the pipe; and worker threads
                    # pull the trigger as they finish. Closed, the pipe's numbers could
                    # already belong to another file when they write (seen: EBADF in stop).
                    trigger.del_channel()
                elif dispatcher is server:
                    # The listening socket alone: the server's own close() closes the
                    # trigger too.
                    wasyncore.dispatcher.close(server)
                else:
                    dispatcher.close()

        trigger.pull_trigger(close_all_but_the_trigger)
        self._thread.join(timeout)
        server.task_dispatcher.shutdown(timeout=timeout)
        # Past the timeout, a thread that might still write to the pipe leaves it open.
        if not self._thread.is_alive() and not server.task_dispatcher.threads:
            trigger.close()
