"""Acting out network-level faults on a served connection: resetting it, closing it with no
reply, holding it, or announcing more body than is sent.

An HTTP server hands the app no socket, so a fault finds the connection's socket among
this process's open descriptors by the client's address, and puts an unconnected socket in
its place: the connection's last reference is gone, so the kernel ends it there and then
(with an RST when SO_LINGER is zero), while the server carries on with a descriptor that
fails its next write, as it would after any client had vanished.
"""

from __future__ import annotations

import os
import socket
import stat
import struct
from collections.abc import Iterator

from ..core import FaultKind
from ..core.faults import MAX_HANG_SECONDS
from ..protocol import Reply

# Where a transport keeps a reply's network fault for the server around it to act out.
FAULT_KEY = "mock_baanx.fault"
SEVERING = frozenset({FaultKind.RESET, FaultKind.EMPTY, FaultKind.HANG})
__all__ = ["FAULT_KEY", "MAX_HANG_SECONDS", "SEVERING", "client_left", "peer_of", "sever",
           "truncated_headers"]


def _descriptors() -> Iterator[int]:
    try:
        yield from (int(name) for name in os.listdir("/proc/self/fd"))
    except OSError:  # no /proc (macOS): every descriptor number up to the limit
        yield from range(os.sysconf("SC_OPEN_MAX"))


def _find(peer: tuple[str, int]) -> int | None:
    """The descriptor of this process's socket connected to `peer`."""
    for descriptor in _descriptors():
        try:
            if not stat.S_ISSOCK(os.fstat(descriptor).st_mode):
                continue
        except OSError:
            continue
        with _duplicate(descriptor) as probe:
            try:
                if probe.getpeername()[:2] == peer:
                    return descriptor
            except OSError:
                pass
    return None


def _duplicate(descriptor: int) -> socket.socket:
    """A socket object for a duplicate of `descriptor`, to be closed by the caller; closing
    it leaves the original as it was."""
    duplicate = os.dup(descriptor)
    try:
        return socket.socket(fileno=duplicate)
    except OSError:
        os.close(duplicate)
        raise


def sever(peer: tuple[str, int], reset: bool) -> bool:
    """End the connection to `peer` now: reset it (`reset`), or close it as after a reply
    that never came. False if no such connection is found."""
    descriptor = _find(peer)
    if descriptor is None:
        return False
    if reset:
        with _duplicate(descriptor) as connection:
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with socket.socket() as placeholder:
        os.dup2(placeholder.fileno(), descriptor)
    return True


def client_left(peer: tuple[str, int]) -> bool:
    """Whether the client at `peer` has closed its end (or the connection is gone)."""
    descriptor = _find(peer)
    if descriptor is None:
        return True
    with _duplicate(descriptor) as connection:
        try:
            return connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True


def peer_of(host: str, port: str | int) -> tuple[str, int]:
    return host, int(port)


def truncated_headers(reply: Reply) -> list[tuple[str, str]]:
    """The reply's headers, announcing the whole body its `truncated` fault never sends."""
    return [*((name, value) for name, value in reply.headers if name.lower() != "content-length"),
            ("Content-Length", str(reply.declared_length))]
