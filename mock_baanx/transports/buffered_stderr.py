"""stderr written in blocks, for a log line per request under load."""

from __future__ import annotations

import sys
import threading
from typing import TextIO

FLUSH_INTERVAL_SECONDS = 0.05
BUFFER_BYTES = 64 * 1024


class BufferedStderr:
    """stderr, written in blocks that a background thread flushes every 50 ms. A flush
    per line (what a line-buffered stderr and logging.StreamHandler do) is a system call
    per request: under load it cost more than the request itself."""

    def __init__(self, target: TextIO | None = None) -> None:
        target = target if target is not None else sys.stderr
        try:
            self._buffered: TextIO = open(target.fileno(), "w", buffering=BUFFER_BYTES,  # noqa: SIM115
                                          encoding="utf-8", errors="backslashreplace",
                                          closefd=False)
        except (AttributeError, OSError, ValueError):
            # No file descriptor (a captured stream in a test): write to it as it is.
            self._buffered = target
        # A text stream is not safe to write from one thread while another flushes it.
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._flusher = threading.Thread(target=self._flush_periodically,
                                         name="mock-baanx stderr flusher", daemon=True)
        self._flusher.start()

    @property
    def stream(self) -> BufferedStderr:
        """A file-like object for whatever else writes to stderr (the log), through the
        same buffer and lock."""
        return self

    def write(self, text: str) -> int:
        with self._lock:
            return self._buffered.write(text)

    def flush(self) -> None:
        with self._lock:
            self._buffered.flush()

    def write_line(self, line: str) -> None:
        self.write(line + "\n")

    def _flush_periodically(self) -> None:
        while not self._stopped.wait(FLUSH_INTERVAL_SECONDS):
            self.flush()

    def close(self) -> None:
        """Stop the flusher and flush what is left; the stream stays usable."""
        self._stopped.set()
        self._flusher.join()
        self.flush()
