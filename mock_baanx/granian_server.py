"""`mock-baanx serve`'s HTTP server: granian, whose HTTP handling is Rust, in this process.

Chosen by measurement (bench/run.py): on waitress, parsing and writing HTTP in Python cost
more than the mock itself. Granian calls the same Flask app from a pool of Python threads
(`--threads`). The default, 8, lets a delayed reply (X-Mock-Delay-Ms, a fault's delay)
hold only its own thread; under a saturating load, `--threads 1` answers fastest, since
threads that take turns at the GIL spend their time handing it over. Either way the state
stays in this process's memory, so an order created by one request is there for the very
next one.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from granian.constants import HTTPModes, Interfaces
from granian.log import LogLevels
from granian.net import SocketHolder  # type: ignore[attr-defined]
from granian.server import MTServer

from .access_log import AccessLog, WsgiApp

BACKLOG = 1024
DEFAULT_THREADS = 8
GRANIAN_LOGGING = {
    "handlers": {
        "console": {"formatter": "generic", "class": "logging.StreamHandler",
                    "stream": "ext://sys.stderr"},
        "access": {"formatter": "access", "class": "logging.StreamHandler",
                   "stream": "ext://sys.stderr"},
    },
}


class InProcessGranian(MTServer):
    """Granian with its worker as a thread of this process, not a child process.

    Granian ships this server for free-threaded Python and refuses it where the GIL is on
    (`_check_gil`). The mock wants it anyway: one worker, one process, the app and its
    state built once in memory — a forked worker would double the memory and could not
    share an open state file. With the GIL on, its Python threads take turns, as any
    threaded WSGI server's do.
    """

    def __init__(self, listener: socket.socket, **options: Any) -> None:
        super().__init__(**options)
        self._listener = listener

    def _check_gil(self) -> None:
        pass

    def _init_shared_socket(self) -> None:
        # The socket this process bound and listens on, rather than one granian binds per
        # worker with SO_REUSEPORT: a second mock on a busy port must fail, not share it.
        # (fd, is a Unix socket, backlog): what granian's own pickling of a holder passes.
        holder = SocketHolder(self._listener.detach(), False, self.backlog)  # type: ignore[call-arg]
        self._shd = holder  # type: ignore[assignment]
        self._ssp = None


def serve(app: WsgiApp, host: str, port: int, threads: int,
          on_listening: Callable[[int], None], write_log_line: Callable[[str], None]) -> None:
    """Serve `app` until SIGINT or SIGTERM; `on_listening(port)` is called once the socket
    listens, before the first request is taken; each request's access log line goes to
    `write_log_line`. Raises OSError when the address cannot be bound."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    listener = socket.create_server((host, port), family=family, backlog=BACKLOG)
    bound_port = int(listener.getsockname()[1])
    server = InProcessGranian(
        listener, target="mock-baanx", address=host, port=bound_port,
        interface=Interfaces.WSGI, workers=1, blocking_threads=threads, backlog=BACKLOG,
        http=HTTPModes.http1,
        log_level=LogLevels.error, log_dictconfig=GRANIAN_LOGGING, websockets=False)
    server.on_startup(lambda: on_listening(bound_port))
    logged = AccessLog(app, write_log_line)
    server.serve(target_loader=lambda *args: logged, wrap_loader=False)
