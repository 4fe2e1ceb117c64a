"""The access log: one line per request, cheap enough to leave on under load."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TextIO
from urllib.parse import quote

log = logging.getLogger("mock_baanx.access")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

FLUSH_INTERVAL_SECONDS = 0.05
BUFFER_BYTES = 64 * 1024
SAFE_PATH_CHARACTERS = "/:@!$&'()*+,;=-._~"


def access_line(method: str, path: str, status: int | str, milliseconds: float) -> str:
    """Method, path, status and milliseconds. Never a header, so never a bearer token;
    never the query string, which may carry secrets too."""
    if not (path.isascii() and path.isprintable() and " " not in path):
        # Re-encoded, so that CR, LF or NUL in a path cannot forge log lines.
        path = quote(path, safe=SAFE_PATH_CHARACTERS)
    return f"{method} {path} {status} {milliseconds:.1f} ms"


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


class BufferedStderr:
    """stderr, written in blocks that a background thread flushes every 50 ms. A flush
    per line (what a line-buffered stderr and logging.StreamHandler do) is a system call
    per request: under load it cost more than the request itself."""

    def __init__(self, target: TextIO | None = None) -> None:
        target = target if target is not None else sys.stderr
        try:
            self.stream: TextIO = open(target.fileno(), "w", buffering=BUFFER_BYTES,  # noqa: SIM115
                                       encoding="utf-8", errors="backslashreplace",
                                       closefd=False)
        except (AttributeError, OSError, ValueError):
            # No file descriptor (a captured stream in a test): write to it as it is.
            self.stream = target
        self._stopped = threading.Event()
        self._flusher = threading.Thread(target=self._flush_periodically,
                                         name="mock-baanx stderr flusher", daemon=True)
        self._flusher.start()

    def write_line(self, line: str) -> None:
        self.stream.write(line + "\n")

    def _flush_periodically(self) -> None:
        while not self._stopped.wait(FLUSH_INTERVAL_SECONDS):
            self.stream.flush()

    def close(self) -> None:
        """Stop the flusher and flush what is left; the stream stays usable."""
        self._stopped.set()
        self._flusher.join()
        self.stream.flush()
