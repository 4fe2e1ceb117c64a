"""`mock-baanx serve` as a child process, for the tests that need the real command."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

START_TIMEOUT = 20


class Served:
    """A `mock-baanx serve` child process on a free loopback port."""

    def __init__(self, *args: str, cwd: str | os.PathLike[str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mock_baanx", "serve", "--port", "0", *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd)
        self.lines: queue.Queue[str] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.url = self._wait_for_url()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def _wait_for_url(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            found = re.search(r"on (http://\S+) ", line)
            if found:
                return found.group(1)
        self.stop()
        raise AssertionError("mock-baanx did not start")

    def output(self) -> list[str]:
        lines = []
        while not self.lines.empty():
            lines.append(self.lines.get())
        return lines

    def stop(self, sig: int = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        finally:
            self.reader.join(timeout=10)
            assert self.process.stdout is not None
            self.process.stdout.close()


def run_cli(*args: str, cwd: str | os.PathLike[str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mock_baanx", *args], capture_output=True,
                          cwd=cwd,
                          text=True, timeout=30, check=False)
