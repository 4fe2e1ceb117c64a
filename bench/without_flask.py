"""What Flask costs the served mock: `handle` answered straight from granian.

    python bench/without_flask.py PORT

Everything `mock-baanx serve` runs on its defaults — the same granian server in this
process, the same `Backend` on the default fixtures, strict mode, the control API, the
journal and the access log — except the way in: each request becomes a `Request` from
granian's RSGI scope, rather than going through a WSGI environ, Werkzeug and Flask.
bench/run.py measures it beside the mock, so that the price of a choice the project made,
Flask as the framework of the served mock, can be read in requests/s. It is not a way to
serve the mock: what Werkzeug and Flask check on the way in is not done here, and the test
suite does not run against it.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import sys
import threading
import time
from typing import Any

from mock_baanx.core import Backend
from mock_baanx.protocol import Options, handle
from mock_baanx.protocol.messages import Request
from mock_baanx.storage.fixture_files import load_fixtures
from mock_baanx.transports import granian_server
from mock_baanx.transports.access_log import access_line
from mock_baanx.transports.buffered_stderr import BufferedStderr


class WithoutFlask:
    """An RSGI app: the request as granian parsed it, into `handle`, and back."""

    def __init__(self, backend: Backend, deferred: granian_server.DeferredSleep,
                 stderr: BufferedStderr) -> None:
        self.backend = backend
        self.deferred = deferred
        self.options = Options(sleep=deferred)
        self.stderr = stderr

    async def __call__(self, scope: Any, protocol: Any) -> None:
        started = time.perf_counter()
        headers = scope.headers
        body = await granian_server.read_body(headers.get("content-length"),
                                              "transfer-encoding" in headers, protocol)
        request = Request.build(scope.method, scope.path, headers.items(), body,
                                scope.query_string)
        reply = handle(self.backend, request, self.options)
        delay = self.deferred.take()
        if delay:
            await asyncio.sleep(delay)
        protocol.response_bytes(reply.status, list(reply.headers), reply.body)
        self.stderr.write_line(access_line(scope.method, scope.path, reply.status,
                                           (time.perf_counter() - started) * 1000))


def main() -> int:
    port = int(sys.argv[1])
    stderr = BufferedStderr()
    app = WithoutFlask(Backend(load_fixtures()), granian_server.DeferredSleep(), stderr)
    listener = socket.create_server(("127.0.0.1", port), backlog=granian_server.BACKLOG)
    server = granian_server.InProcessGranian(listener, "127.0.0.1", port)
    granian_server.stop_on_signals(stderr.close, threading.Lock())
    gc.freeze()
    server.run(app)  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
