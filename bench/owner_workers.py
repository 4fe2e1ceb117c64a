"""The multi-process design, measured beside the single process `mock-baanx serve` runs.

    python bench/owner_workers.py [--seconds 5]

One process owns the state and runs `handle`; N worker processes each serve HTTP
(granian, the mock's Flask app and its RSGI bridge, their own SO_REUSEPORT listener, so
that the kernel spreads connections) and hand every request to the owner over a Unix
socket pair, one round trip per request. The owner answers one request at a time, so an
order created through one worker is there for the very next request on any worker; the
script checks that first. Then each layout runs under bench/run.py's `wrk` load and the
script prints requests/s and p99 per endpoint and the resident memory of the process tree.

This is the design the performance work measured and did not take (see the README): the
round trip blocks a worker's only Python thread, so the workers cannot use the second core
well, and every worker is another Python process in memory.
"""

from __future__ import annotations

import argparse
import gc
import os
import pickle
import selectors
import socket
import struct
import sys
import tempfile
from pathlib import Path
from typing import Any

import requests
from run import (
    ENDPOINTS,
    HEADERS,
    ORDER,
    created_order,
    ensure_tools,
    free_port,
    measure,
    mock_command,
    running,
)

FRAME = struct.Struct("<I")


def send_frame(sock: socket.socket, value: object) -> None:
    data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    sock.sendall(FRAME.pack(len(data)) + data)


def receive_frame(sock: socket.socket) -> object | None:
    head = receive_exactly(sock, FRAME.size)
    if head is None:
        return None
    body = receive_exactly(sock, FRAME.unpack(head)[0])
    return None if body is None else pickle.loads(body)


def receive_exactly(sock: socket.socket, size: int) -> bytes | None:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def serve(port: int, workers: int) -> None:
    from mock_baanx.core import Backend
    from mock_baanx.protocol import Options, handle
    from mock_baanx.protocol.messages import Request
    from mock_baanx.storage.fixture_files import load_fixtures
    from mock_baanx.transports import granian_server

    deferred = granian_server.DeferredSleep()
    backend = Backend(load_fixtures(), max_orders=10_000)
    options = Options(sleep=deferred)
    pairs = [socket.socketpair() for _ in range(workers)]
    handle = handle
    gc.freeze()
    for _, worker_end in pairs:
        if os.fork() == 0:
            for owner_end, _ in pairs:
                owner_end.close()
            run_worker(port, worker_end, backend, options, deferred)
            os._exit(0)
    selector = selectors.DefaultSelector()
    for owner_end, worker_end in pairs:
        worker_end.close()
        selector.register(owner_end, selectors.EVENT_READ)
    while selector.get_map():
        for key, _ in selector.select():
            sock: socket.socket = key.fileobj  # type: ignore[assignment]
            message = receive_frame(sock)
            if message is None:
                selector.unregister(sock)
                continue
            reply = handle(backend, Request(*message), options)  # type: ignore[misc]
            send_frame(sock, (reply.status, reply.body, reply.headers, deferred.take()))


def run_worker(port: int, owner: socket.socket, backend: Any, options: Any,
               deferred: Any) -> None:
    from mock_baanx.protocol import Options
    from mock_baanx.protocol.messages import Reply, Request
    from mock_baanx.transports import flask_app, granian_server
    from mock_baanx.transports.flask_app import create_app

    def forward(backend: Any, request: Request, options: Options = options) -> Reply:
        send_frame(owner, (request.method, request.path, request.header_pairs, request.body,
                           request.query, request.declared_length))
        status, body, headers, delay = receive_frame(owner)  # type: ignore[misc]
        if delay:
            deferred(delay)
        return Reply(status, body, headers)

    # The worker's Flask view calls `handle`: here, that is the owner's.
    flask_app.handle = forward  # type: ignore[attr-defined]
    app = create_app(backend, options)
    listener = socket.create_server(("127.0.0.1", port), backlog=granian_server.BACKLOG,
                                    reuse_port=True)
    server = granian_server.InProcessGranian(listener, "127.0.0.1", port)
    server.run(granian_server.RsgiBridge(app, deferred, lambda line: None))


def owner_workers_command(port: int, workers: int) -> list[str]:
    return [sys.executable, __file__, "--serve", str(port), "--workers", str(workers)]


def check_consistency(workers: int) -> None:
    """Every order created through one worker is found by the next request, whichever
    worker it reaches (a new connection each time, which the kernel spreads)."""
    port = free_port()
    with running(owner_workers_command(port, workers), port) as (_, url, _):
        for _ in range(200):
            with requests.Session() as create, requests.Session() as read:
                order_id = create.post(f"{url}/v1/order", json=ORDER, headers=HEADERS,
                                       timeout=10).json()["orderId"]
                status = read.get(f"{url}/v1/order/{order_id}", headers=HEADERS,
                                  timeout=10).status_code
            if status != 200:
                raise SystemExit(f"owner + {workers} workers lost order {order_id}: {status}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5, help="load per endpoint")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve, args.workers)
        return 0
    ensure_tools(with_peers=False)
    layouts = [("one process (mock-baanx serve)", mock_command),
               ("owner + 2 workers", lambda port: owner_workers_command(port, 2)),
               ("owner + 4 workers", lambda port: owner_workers_command(port, 4))]
    for workers in (2, 4):
        check_consistency(workers)
    print("consistency: 200 orders, each read on a new connection at once: all found")
    work = Path(tempfile.mkdtemp(prefix="mock-baanx-owner-workers-"))
    print(f"| layout | RSS after load | {' | '.join(f'{name} rps / p99' for name in ENDPOINTS)} |")
    print(f"| --- | --- |{' --- |' * len(ENDPOINTS)}")
    for name, command in layouts:
        result = measure(name, command, args.seconds, work, created_order)
        cells = " | ".join(f"{result.rps[endpoint]:,.0f} / {result.p99_ms[endpoint]:.1f} ms"
                           for endpoint in ENDPOINTS)
        print(f"| {name} | {result.rss_mb:.1f} MB | {cells} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
