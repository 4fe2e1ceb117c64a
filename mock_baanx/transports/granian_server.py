"""`mock-baanx serve`'s HTTP server: granian, whose HTTP handling is Rust, embedded in this
process through its documented embeddable server (`granian.server.embed.Server`).

Chosen by measurement (bench/run.py). On waitress, parsing and writing HTTP in Python cost
more than the mock itself. On granian's WSGI interface, the app runs on a pool of Python
threads: with one thread a delayed reply (X-Mock-Delay-Ms, a fault's delayMs) or a client
slow to send its body holds up everyone, and with several the threads spend their time
handing the GIL to each other (less throughput, p99 latency in the hundreds of ms).

So the Flask app is served through granian's asynchronous interface, RSGI, by a small
bridge: on the event loop of this process's main thread it awaits the request body, calls
the app — which decides its reply at once — and then awaits any delay the reply asked for
before sending it. No request ever waits behind another one's delay or body, and there is
no second thread to hand the GIL to. The state stays in this process's memory, so an order
created by one request is there for the very next one. The embeddable server is the one
granian offers to a program that runs its own event loop and its own processes: `serve
--workers` starts more processes, each its own embedded server on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import io
import logging
import os
import re
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from granian.constants import HTTPModes, Interfaces, TaskImpl
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.rsgi import HTTPProtocol, ProtocolClosed, Scope  # type: ignore[attr-defined]
from granian.server.embed import Server

from ..core import FaultKind
from ..protocol import Reply
from ..protocol.errors import RequestTimeout, error_reply, unexpected_failure
from ..protocol.messages import MAX_BODY_BYTES, body_to_read
from .access_log import WsgiApp, access_line
from .connections import FAULT_KEY, MAX_HANG_SECONDS, sever, split_address, truncated_headers
from .flask_app import whole_body

log = logging.getLogger("mock_baanx")

# The queue of connections not yet accepted (the kernel caps it at net.core.somaxconn).
BACKLOG = 4096
# Connections held at once, idle keep-alive ones included: past granian's default (the
# backlog) a new client's request waited for one of them to close. The open-file limit,
# raised at start-up as far as the system allows (`raise_open_file_limit`), bounds it too.
MAX_CONNECTIONS = 65_536
# A client whose headers have not all arrived after this is dropped (granian's own timer);
# one whose body has not all arrived after this is answered 408 and dropped: a client that
# stalls holds nothing for long. (10 s is ample for the 1 MiB a body may be.)
HEADER_READ_TIMEOUT_SECONDS = 10
BODY_READ_DEADLINE_SECONDS = 10
# How much of a request's head granian reads before refusing it by itself (a 431 with no
# body): well past the mock's own limit (limits.MAX_HEAD_BYTES), so that a head up to this
# size gets the catalogue's JSON 431 from the mock. granian's other limits of its own — a
# request target past 64 KiB, more than 100 header fields — it has no setting for.
HEAD_BUFFER_BYTES = 4 * 1024 * 1024
# granian configures its loggers through logging.config.dictConfig: incrementally, so that
# it only sets their levels and leaves the process's handlers as they are (its messages go
# to stderr through the mock's own).
GRANIAN_LOGGING: dict[str, Any] = {
    "version": 1, "incremental": True, "formatters": {}, "handlers": {},
    "loggers": {"_granian": {}, "granian.access": {}},
}


# A load test's order book is hundreds of thousands of objects that live on: a full
# collection walks them all, and every request waits behind it (docs/performance.md).
# Frozen every so many requests, they are out of its sight.
FREEZE_EVERY_REQUESTS = 10_000


def freeze_what_lives() -> None:
    """Move what has lived through the young collections out of the collector's sight:
    the young generations collected first, so that only what still lives is frozen."""
    gc.collect(1)
    gc.freeze()


class DeferredSleep:
    """The `Options.sleep` of an app served here: instead of blocking the event loop, it
    notes how long the reply must be held back, for the bridge to wait asynchronously.
    Noted per thread, as the app may be called on several (`app_threads`)."""

    def __init__(self) -> None:
        self._noted = threading.local()

    def __call__(self, seconds: float) -> None:
        self._noted.seconds = getattr(self._noted, "seconds", 0.0) + seconds

    def take(self) -> float:
        seconds = getattr(self._noted, "seconds", 0.0)
        self._noted.seconds = 0.0
        return float(seconds)


class RsgiBridge:
    """A WSGI app behind granian's RSGI interface, called on the event loop's thread — or,
    with `app_threads`, on a pool of that many threads, for an app whose state is in a
    database: one request waiting on it must not hold up every other.

    The app call itself is synchronous and never awaits: the delay it notes is taken on
    the thread that called it, before anything else runs there."""

    def __init__(self, app: WsgiApp, deferred: DeferredSleep,
                 write_log_line: Callable[[str], None],
                 unlogged: Callable[[str], bool] = lambda path: False,
                 app_threads: int = 0) -> None:
        self.app = app
        self.deferred = deferred
        self.write_log_line = write_log_line
        self.unlogged = unlogged
        self.pool = (ThreadPoolExecutor(app_threads, thread_name_prefix="mock-baanx app")
                     if app_threads else None)
        self._answered = 0

    async def __call__(self, scope: Scope, protocol: HTTPProtocol) -> None:
        started = time.perf_counter()
        environ = wsgi_environ(scope)
        declared = environ.get("CONTENT_LENGTH")
        # A length that is not a number announces nothing to wait for.
        length = None if declared is None else int(declared) if declared.isdigit() else 0
        chunked = "HTTP_TRANSFER_ENCODING" in environ
        body = b""
        if body_to_read(length, chunked):
            try:
                # A timeout scope, not wait_for: that one makes a task of its own.
                async with asyncio.timeout(BODY_READ_DEADLINE_SECONDS):
                    body = await read_body(length, protocol)
            except ProtocolClosed:
                return  # The client left before sending its body: there is no one to answer.
            except TimeoutError:
                reply = error_reply(RequestTimeout())
                protocol.response_bytes(reply.status,
                                        [*reply.headers, ("connection", "close")], reply.body)
                self.write_log_line(access_line(scope.method, scope.path, reply.status,
                                                (time.perf_counter() - started) * 1000))
                return
        environ["wsgi.input"] = io.BytesIO(body)
        # The body is whole by now, chunked or not: Werkzeug may read the stream to its end.
        environ["wsgi.input_terminated"] = True
        if self.pool is None:
            status, headers, body, delay = self._answer(environ)
        else:
            status, headers, body, delay = await asyncio.get_running_loop().run_in_executor(
                self.pool, self._answer, environ)
        if delay:
            await asyncio.sleep(delay)
        try:
            fault: Reply | None = environ.get(FAULT_KEY)
            if fault is None:
                protocol.response_bytes(status, headers, body)
            else:
                status = await self._act_out(fault, scope, protocol, (status, headers, body))
        finally:
            if not self.unlogged(scope.path):
                self.write_log_line(access_line(scope.method, scope.path, status,
                                                (time.perf_counter() - started) * 1000))
            self._answered += 1
            if self._answered % FREEZE_EVERY_REQUESTS == 0:
                freeze_what_lives()

    async def _act_out(self, reply: Reply, scope: Scope, protocol: HTTPProtocol,
                       answer: tuple[int, list[tuple[str, str]], bytes]) -> int:
        """Produce the network fault `reply` stands for; the status logged for it (0 when
        the client got none). Where the connection cannot be found (connections.py), the
        app's `answer` goes out as it is: a 502 that says so."""
        if reply.fault == FaultKind.TRUNCATED:
            stream = protocol.response_stream(reply.status, truncated_headers(reply))
            await stream.send_bytes(reply.body)
            return reply.status  # ending here ends the connection short of its length
        if reply.fault == FaultKind.HANG:
            # Held until the client gives up, or at most MAX_HANG_SECONDS.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(protocol.client_disconnect(), MAX_HANG_SECONDS)
        # On a thread of its own: among thousands of connections, finding this one's socket
        # takes milliseconds (connections.py), which every other request would wait out on
        # the event loop.
        if not await asyncio.to_thread(sever, split_address(scope.client),
                                       reset=reply.fault == FaultKind.RESET,
                                       local=split_address(scope.server)):
            protocol.response_bytes(*answer)
            return answer[0]
        # granian wants an answer; it goes to a socket that is no longer the client's.
        protocol.response_empty(reply.status, [("connection", "close")])
        return 0

    def _answer(self, environ: dict[str, Any]
                ) -> tuple[int, list[tuple[str, str]], bytes, float]:
        """The app's reply, and the delay it asked for."""
        try:
            status, headers, body = self._call(environ)
        except Exception:
            reply = unexpected_failure(environ["REQUEST_METHOD"], environ["PATH_INFO"])
            status, headers, body = reply.status, list(reply.headers), reply.body
        return status, headers, body, self.deferred.take()

    def _call(self, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]],
                           exc_info: Any = None) -> Callable[[bytes], None]:
            started[:] = [int(status.split(" ", 1)[0]), headers]
            return lambda data: None

        body = whole_body(self.app(environ, start_response))
        return started[0], started[1], body


# The value of a header granian could not read as text (`wsgi_environ`).
UNREADABLE = "\ufffd"


def wsgi_environ(scope: Scope) -> dict[str, Any]:
    """The PEP 3333 environ for an RSGI request, without its body yet."""
    host, _, port = scope.server.rpartition(":")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope.method,
        "SCRIPT_NAME": "",
        # WSGI carries the path as its UTF-8 bytes read as Latin-1; Werkzeug undoes that.
        "PATH_INFO": scope.path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.query_string,
        "SERVER_NAME": host,
        "SERVER_PORT": port,
        "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
        "REMOTE_ADDR": scope.client.rpartition(":")[0],
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.scheme,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    fields = scope.headers.items()
    names = scope.headers.keys()
    if len(names) > len(dict(fields)):
        # granian gives no value that is not visible ASCII, and names it all the same: such
        # a value reaches the app as U+FFFD, which every rule of the mock refuses as it
        # would the value itself (a namespace, a lifecycle, a client key…), rather than as
        # a header never sent.
        given = {name for name, _ in fields}
        fields = [*fields, *((name, UNREADABLE) for name in names if name not in given)]
    for name, value in fields:
        if "_" in name:
            # X_Client_ID and X-Client-ID would both become HTTP_X_CLIENT_ID: a header
            # with an underscore is dropped, as waitress and nginx do, so neither can
            # pass for the other.
            continue
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = f"HTTP_{key}"
        environ[key] = f"{environ[key]}, {value}" if key in environ else value
    return environ


async def read_body(length: int | None, protocol: HTTPProtocol) -> bytes:
    """A body to read (`limits.body_to_read`): whole when its length is announced (within
    the limit), and no more than just past the limit when it comes chunked."""
    if length is not None:
        return await protocol()
    chunks: list[bytes] = []
    received = 0
    async for chunk in protocol:
        chunks.append(chunk)
        received += len(chunk)
        if received > MAX_BODY_BYTES:
            break
    return b"".join(chunks)




STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# How long a stop waits for requests in flight (a delayed reply, a held connection) before
# the process ends anyway: every change is committed before its reply, so nothing is lost.
STOP_GRACE_SECONDS = 2.0
LISTEN_DEADLINE_SECONDS = 10.0
LISTEN_POLL_SECONDS = 0.005


# Below this many open files, `serve` says at start-up that it holds fewer connections
# than a load test's 10,000 (each is a file), and how to raise the limit.
WANTED_OPEN_FILES = 12_000


def raise_open_file_limit() -> int:
    """Raise this process's open-file limit to the most the system allows (each connection
    is a file); the limit now in force."""
    try:
        import resource
    except ImportError:  # not on this system
        return WANTED_OPEN_FILES
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, MAX_CONNECTIONS)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return int(resource.getrlimit(resource.RLIMIT_NOFILE)[0])


def numeric_address(host: str) -> tuple[socket.AddressFamily, str]:
    """The address family and numeric address `host` names (granian binds numbers)."""
    family, _, _, _, address = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)[0]
    return family, str(address[0])


def claim_port(family: socket.AddressFamily, address: str, port: int) -> int:
    """The port to serve on: `port`, or a free one for 0. OSError (EADDRINUSE) when any
    socket already listens there, another mock-baanx included — granian shares a port
    with any process that binds it as it does, and a second mock must fail, not share."""
    with socket.create_server((address, port), family=family) as probe:
        return int(probe.getsockname()[1])


def connectable(address: str) -> str:
    """Where this process reaches a server bound to `address`: a wildcard by loopback."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(address, address)


def serve(app: WsgiApp, deferred: DeferredSleep, host: str, port: int,
          on_listening: Callable[[int], None], write_log_line: Callable[[str], None],
          on_stop: Callable[[], None],
          unlogged: Callable[[str], bool] = lambda path: False,
          app_threads: int = 0, join: bool = False) -> None:
    """Serve `app`, built with `Options(sleep=deferred)`, until SIGINT or SIGTERM, then
    call `on_stop()` and return. `on_listening(port)` is called once the port answers,
    before the first request is answered; a stop that comes while it runs waits for it to
    return. Each request's access log line goes to `write_log_line`, but for paths
    `unlogged` says yes to. Raises OSError when the address cannot be bound or the server
    fails. `app_threads`: call the app on that many threads (RsgiBridge). `join`: serve
    beside the processes already serving `port` (a worker of `serve --workers`), rather
    than refuse a port in use."""
    open_files = raise_open_file_limit()
    if open_files < WANTED_OPEN_FILES:
        log.warning("mock-baanx: this system lets the process open %s files, so it holds "
                    "at most about as many connections at once (raise it with ulimit -n)",
                    f"{open_files:,}")
    family, address = numeric_address(host)
    if not join:
        port = claim_port(family, address, port)
    bridge = RsgiBridge(app, deferred, write_log_line, unlogged, app_threads)
    server = Server(bridge, address=address, port=port, interface=Interfaces.RSGI,
                    backlog=BACKLOG, backpressure=MAX_CONNECTIONS, http=HTTPModes.http1,
                    http1_settings=HTTP1Settings(
                        header_read_timeout=HEADER_READ_TIMEOUT_SECONDS * 1000,
                        max_buffer_size=HEAD_BUFFER_BYTES),
                    websockets=False, log_level=LogLevels.error,
                    log_dictconfig=GRANIAN_LOGGING,
                    # Each request a real asyncio task: the bridge's timeout scope for a
                    # body cancels it, which granian's own task kind cannot do.
                    task_impl=TaskImpl.asyncio)
    # What start-up built (modules, fixtures, schemas) lives as long as the process: out of
    # the collector's sight, each full collection only walks what requests made since.
    gc.freeze()
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        runner.run(until_stopped(server, connectable(address), port, on_listening, on_stop))


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (faster under load:
    docs/performance.md), else asyncio's own."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


async def until_stopped(server: Server, address: str, port: int,
                        on_listening: Callable[[int], None], on_stop: Callable[[], None]
                        ) -> None:
    serving = asyncio.create_task(server.serve())
    await until_listening(serving, address, port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        # asyncio's handler: whichever thread the signal lands on, the loop takes it.
        loop.add_signal_handler(signum, stop.set)
    # A signal that comes while this runs is taken after it: the announcement is whole.
    on_listening(port)
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait((serving, stopping), return_when=asyncio.FIRST_COMPLETED)
    if serving.done():
        stopping.cancel()
        raise failure_of(serving)
    on_stop()
    server.stop()  # type: ignore[no-untyped-call]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(serving, STOP_GRACE_SECONDS)


async def until_listening(serving: asyncio.Task[None], address: str, port: int) -> None:
    """Return once `port` takes connections; raise what the server failed with if it ends
    first, or OSError after a deadline."""
    deadline = time.monotonic() + LISTEN_DEADLINE_SECONDS
    while not serving.done():
        try:
            _, writer = await asyncio.open_connection(address, port)
        except OSError:
            if time.monotonic() > deadline:
                raise OSError(errno.ETIMEDOUT, "the server did not start listening") from None
            await asyncio.sleep(LISTEN_POLL_SECONDS)
            continue
        writer.close()
        return
    raise failure_of(serving)


def failure_of(serving: asyncio.Task[None]) -> OSError:
    """What a server task that ended by itself failed with, as an OSError of one line
    (granian's errors carry a backtrace after their first line)."""
    error = serving.exception() if not serving.cancelled() else None
    if isinstance(error, OSError):
        return error
    text = str(error).splitlines()[0] if error else "granian stopped serving by itself"
    code = re.search(r"\(os error (\d+)\)", text)
    return OSError(int(code[1]), os.strerror(int(code[1]))) if code else OSError(text)
