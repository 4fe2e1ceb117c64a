"""Acting out network-level faults on a served connection: resetting it, closing it with no
reply, holding it, or announcing more body than is sent.

The one place where the mock goes beyond what its HTTP servers expose (docs/decisions.md):
neither granian nor waitress hands the app its connection's socket, and no interface of
theirs closes a connection without a reply. So a fault finds the connection's socket among
this process's open descriptors by the client's address, and puts an unconnected socket in
its place: the connection's last reference is gone, so the kernel ends it there and then
(with an RST when SO_LINGER is zero), while the server carries on with a descriptor that
fails its next write, as it would after any client had vanished.

Platforms: Linux, where the kernel's socket diagnostics (sock_diag) tell the connection's
socket inode from its two addresses in one request, and descriptors are looked at by
number, nearest first to the lowest free one, where the kernel put the connections accepted
since an older one last closed (a few stats for such a connection; about 1 ms per thousand
descriptors above one accepted earlier, or into a number an older one freed,
bench/fault_cost.py), with /proc/self/fd listing any past a run of free numbers; other
systems that list a process's descriptors in /dev/fd (macOS, the BSDs: each socket's peer
asked in turn). Elsewhere no connection is found and the fault's reply is sent as it is (a
502 that says so).
"""

from __future__ import annotations

import ipaddress
import os
import socket
import stat
import struct
import sys
from collections.abc import Iterator

from ..core import FaultKind
from ..core.faults import MAX_HANG_SECONDS
from ..protocol import Reply

# Where a transport keeps a reply's network fault for the server around it to act out.
FAULT_KEY = "mock_baanx.fault"
SEVERING = frozenset({FaultKind.RESET, FaultKind.EMPTY, FaultKind.HANG})
__all__ = ["FAULT_KEY", "MAX_HANG_SECONDS", "SEVERING", "client_left", "find_connection",
           "peer_of", "sever", "truncated_headers"]

Address = tuple[str, int]
DESCRIPTOR_FOLDERS = ("/proc/self/fd", "/dev/fd")


def descriptors(folders: tuple[str, ...] = DESCRIPTOR_FOLDERS) -> list[int]:
    """This process's open descriptors, from the first of `folders` the system has (none
    where it has none of them), the highest first: a new descriptor takes the lowest free
    number, so a connection opened after those held (as one for a faulted request most
    often is) comes first."""
    for folder in folders:
        try:
            return sorted((int(name) for name in os.listdir(folder)), reverse=True)
        except (OSError, ValueError):
            continue
    return []


def find_connection(peer: Address, local: Address | None = None,
                    folders: tuple[str, ...] = DESCRIPTOR_FOLDERS) -> int | None:
    """The descriptor of this process's socket connected to `peer` (on `local`, this
    side's address, where known), or None."""
    inode = socket_inode(local, peer) if local is not None else None
    if inode is None:
        return descriptor_of_peer(peer, descriptors(folders))
    lowest_free = lowest_free_descriptor()
    for descriptor, held in nearest_first(lowest_free):
        if held == inode:
            return descriptor
    # Every number below the lowest free one was looked at; a connection past a run of
    # free numbers above it is left, which the listing has.
    for descriptor in descriptors(folders):
        if descriptor > lowest_free and inode_at(descriptor) == inode:
            return descriptor
    return None


def lowest_free_descriptor() -> int:
    """The number the kernel would hand this process's next descriptor (-1 when none is
    free)."""
    try:
        probe = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return -1
    os.close(probe)
    return probe


# Above the lowest free descriptor, this many in a row free (or holding no socket) end the
# nearest-first walk: the kernel fills numbers from the lowest, so past such a run only a
# connection that outlived many closed below it can lie, which the listing then finds.
FREE_IN_A_ROW = 64


def nearest_first(lowest_free: int) -> Iterator[tuple[int, int]]:
    """This process's open descriptors with the inode each holds, nearest first to the
    lowest free number: below it, every one down to 0; above it, until FREE_IN_A_ROW free in
    a row. The kernel hands a new connection the lowest free number, so one accepted since an
    older one last closed sits just below it; one accepted earlier, or into a number an
    older one freed, lower down."""
    if lowest_free < 0:
        return
    below, above, free_in_a_row = lowest_free - 1, lowest_free + 1, 0
    while free_in_a_row < FREE_IN_A_ROW:
        if below >= 0:
            held = inode_at(below)
            if held is not None:
                yield below, held
            below -= 1
        held = inode_at(above)
        if held is None:
            free_in_a_row += 1
        else:
            free_in_a_row = 0
            yield above, held
        above += 1
    for descriptor in range(below, -1, -1):
        held = inode_at(descriptor)
        if held is not None:
            yield descriptor, held


def inode_at(descriptor: int) -> int | None:
    """The inode of the socket `descriptor` holds, or None when it is closed or holds no
    socket (a file's inode, on another filesystem, may bear a socket's number)."""
    try:
        status = os.fstat(descriptor)
    except OSError:
        return None
    return status.st_ino if stat.S_ISSOCK(status.st_mode) else None


def descriptor_of_peer(peer: Address, candidates: list[int]) -> int | None:
    for descriptor in candidates:
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


# --- The kernel's socket diagnostics (Linux's sock_diag netlink family) ---------------------

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST = 1
NLMSG_ERROR = 2
INET_DIAG_NOCOOKIE = 0xFFFFFFFF
TCP_LISTEN = 10
NETLINK_HEADER = struct.Struct("=IHHII")
# family, protocol, extensions, pad, states; then the socket id: both ports (network order),
# both addresses (16 bytes each), the interface and the cookie.
INET_DIAG_REQUEST = struct.Struct("=BBBBI")
SOCKET_ID = struct.Struct("!HH16s16s")
SOCKET_ID_REST = struct.Struct("=III")
# family, state, timer, retransmits, the socket id (48 bytes), expires, read queue, write
# queue, uid, inode.
INET_DIAG_MESSAGE = struct.Struct("=BBBB48sIIIII")


def socket_inode(local: Address, peer: Address) -> int | None:
    """The inode of the TCP socket connected from `local` to `peer`, as the kernel tells it
    (Linux); None where it cannot be asked or knows no such socket."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        local_ip, peer_ip = ipaddress.ip_address(local[0]), ipaddress.ip_address(peer[0])
    except ValueError:
        return None
    if local_ip.version != peer_ip.version:
        return None
    family = socket.AF_INET if local_ip.version == 4 else socket.AF_INET6
    request = (INET_DIAG_REQUEST.pack(family, socket.IPPROTO_TCP, 0, 0, 0xFFFFFFFF)
               + SOCKET_ID.pack(local[1], peer[1], local_ip.packed.ljust(16, b"\0"),
                                peer_ip.packed.ljust(16, b"\0"))
               + SOCKET_ID_REST.pack(0, INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE))
    message = NETLINK_HEADER.pack(NETLINK_HEADER.size + len(request), SOCK_DIAG_BY_FAMILY,
                                  NLM_F_REQUEST, 1, 0) + request
    try:
        with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_SOCK_DIAG) as diag:
            diag.sendto(message, (0, 0))
            answer = diag.recv(8192)
    except (OSError, AttributeError):  # no netlink here, or not allowed
        return None
    if len(answer) < NETLINK_HEADER.size + INET_DIAG_MESSAGE.size:
        return None
    _, kind, _, _, _ = NETLINK_HEADER.unpack_from(answer)
    if kind == NLMSG_ERROR:
        return None
    _, state, _, _, found, *_, inode = INET_DIAG_MESSAGE.unpack_from(answer, NETLINK_HEADER.size)
    _, remote_port, _, _ = SOCKET_ID.unpack_from(found)
    # The kernel answers with the listening socket when the connection is gone: never that.
    if state == TCP_LISTEN or remote_port != peer[1]:
        return None
    return int(inode) or None


# --- Acting the faults out -----------------------------------------------------------------


def _duplicate(descriptor: int) -> socket.socket:
    """A socket object for a duplicate of `descriptor`, to be closed by the caller; closing
    it leaves the original as it was."""
    duplicate = os.dup(descriptor)
    try:
        return socket.socket(fileno=duplicate)
    except OSError:
        os.close(duplicate)
        raise


def sever(peer: Address, reset: bool, local: Address | None = None) -> bool:
    """End the connection to `peer` now: reset it (`reset`), or close it as after a reply
    that never came. False if no such connection is found."""
    descriptor = find_connection(peer, local)
    if descriptor is None:
        return False
    if reset:
        with _duplicate(descriptor) as connection:
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with socket.socket() as placeholder:
        os.dup2(placeholder.fileno(), descriptor)
    return True


def client_left(peer: Address, local: Address | None = None) -> bool:
    """Whether the client at `peer` has closed its end (or the connection is gone)."""
    descriptor = find_connection(peer, local)
    if descriptor is None:
        return True
    with _duplicate(descriptor) as connection:
        try:
            return connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True


def peer_of(address: str, port: str | int) -> Address:
    """An (address, port) pair as the socket module gives it, from a server's text."""
    return address.strip("[]"), int(port)


def split_address(text: str) -> Address:
    """`host:port` (an IPv6 host in brackets) as an address pair."""
    host, _, port = text.rpartition(":")
    return peer_of(host, port)


def truncated_headers(reply: Reply) -> list[tuple[str, str]]:
    """The reply's headers, announcing the whole body its `truncated` fault never sends."""
    return [*((name, value) for name, value in reply.headers if name.lower() != "content-length"),
            ("Content-Length", str(reply.declared_length))]
