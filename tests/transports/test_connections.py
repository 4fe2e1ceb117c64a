"""Finding a served connection's socket to act a network fault out on it, by each way the
module knows (connections.py): the kernel's socket diagnostics, the peer's address, and
none at all."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator

import pytest

from mock_baanx.transports import connections


@pytest.fixture
def connection() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A connected pair on loopback: the client's end and the server's."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        server, _ = listener.accept()
        yield client, server
        client.close()
        server.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sock_diag is Linux's")
def test_the_kernel_names_the_connections_socket(connection):
    client, server = connection
    inode = connections.socket_inode(server.getsockname(), client.getsockname())
    assert inode == os.fstat(server.fileno()).st_ino
    assert connections.find_connection(client.getsockname(), server.getsockname()) == \
        server.fileno()


def test_without_the_kernels_help_the_peer_is_asked_socket_by_socket(connection):
    client, server = connection
    folders = tuple(folder for folder in connections.DESCRIPTOR_FOLDERS
                    if os.path.isdir(folder))
    if not folders:
        pytest.skip("this system lists no process's descriptors")
    assert connections.find_connection(client.getsockname(), None, folders) == server.fileno()


def test_without_the_kernels_help_where_no_descriptors_are_listed_none_is_found(connection):
    client, _ = connection
    assert connections.find_connection(client.getsockname(), None, ("/nonexistent",)) is None


@pytest.fixture
def many_held() -> Iterator[None]:
    """200 more descriptors held open."""
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(200)]
    yield
    for descriptor in held:
        os.close(descriptor)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sock_diag is Linux's")
def test_a_connection_accepted_after_many_held_is_the_first_looked_at(many_held, monkeypatch):
    looked: list[int] = []
    inode_at = connections.inode_at
    monkeypatch.setattr(connections, "inode_at",
                        lambda descriptor: looked.append(descriptor) or inode_at(descriptor))
    with socket.create_server(("127.0.0.1", 0)) as listener, \
            socket.create_connection(listener.getsockname()) as client:
        server, _ = listener.accept()
        with server:
            assert connections.find_connection(client.getsockname(), server.getsockname()) \
                == server.fileno()
            assert looked == [server.fileno()]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sock_diag is Linux's")
def test_a_connection_accepted_before_many_held_is_found(connection, many_held):
    client, server = connection
    assert connections.find_connection(client.getsockname(), server.getsockname()) == \
        server.fileno()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sock_diag is Linux's")
def test_a_connection_past_a_run_of_free_numbers_is_found_by_the_listing(connection):
    client, server = connection
    run = connections.FREE_IN_A_ROW + 10
    spacers = [os.open(os.devnull, os.O_RDONLY) for _ in range(run)]
    with socket.socket(fileno=os.dup(server.fileno())) as moved:  # numbered past the spacers
        for descriptor in spacers:
            os.close(descriptor)
        server.close()
        assert connections.lowest_free_descriptor() + run < moved.fileno()
        assert connections.find_connection(client.getsockname(), moved.getsockname()) == \
            moved.fileno()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sock_diag is Linux's")
def test_a_connection_gone_never_leads_to_the_listening_socket():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        server, _ = listener.accept()
        local, peer = server.getsockname(), client.getsockname()
        client.close()
        server.close()
        assert connections.socket_inode(local, peer) is None
        assert connections.find_connection(peer, local) is None


def test_severing_resets_the_connection_and_the_descriptor_stays_usable(connection):
    client, server = connection
    assert connections.sever(client.getsockname(), reset=True, local=server.getsockname())
    with pytest.raises(ConnectionResetError):
        client.recv(1)
    # The server's descriptor now holds an unconnected socket: a write fails, nothing leaks.
    with pytest.raises(OSError, match=r"Broken pipe|not connected"):
        server.send(b"late")


def test_a_file_that_bears_the_sockets_inode_number_is_never_taken_for_it(connection,
                                                                          tmp_path, monkeypatch):
    client, server = connection
    with open(tmp_path / "a-file", "w") as file:
        monkeypatch.setattr(connections, "socket_inode",
                            lambda local, peer: os.fstat(file.fileno()).st_ino)
        assert connections.find_connection(client.getsockname(), server.getsockname()) is None
