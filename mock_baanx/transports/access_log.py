"""The access log: one line per request, cheap enough to leave on under load.

`access_line` is the format every server writes; `AccessLog` writes it for a WSGI server
(the in-thread test server). `mock-baanx serve` writes the same line from its own bridge
(granian_server.py), through a buffered stderr (buffered_stderr.py)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from ..protocol.messages import logged_path

log = logging.getLogger("mock_baanx.access")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def access_line(method: str, path: str, status: int | str, milliseconds: float) -> str:
    """Method, path, status and milliseconds. Never a header, so never a bearer token;
    never the query string, which may carry secrets too."""
    return f"{method} {logged_path(path)} {status} {milliseconds:.1f} ms"


class AccessLog:
    """A WSGI app's access log: one `access_line` per request, to the `mock_baanx.access`
    logger."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        started = time.perf_counter()
        status = "-"

        def recording_start_response(status_line: str, headers: Any, exc_info: Any = None
                                     ) -> Any:
            nonlocal status
            status = status_line.split(" ", 1)[0]
            return start_response(status_line, headers, exc_info)

        try:
            return self.app(environ, recording_start_response)
        finally:
            log.info("%s", access_line(environ.get("REQUEST_METHOD", "-"),
                                       environ.get("PATH_INFO", ""), status,
                                       (time.perf_counter() - started) * 1000))
