"""`mock-baanx serve`'s HTTP server: granian, whose HTTP handling is Rust, in this process.

Chosen by measurement (bench/run.py). On waitress, parsing and writing HTTP in Python cost
more than the mock itself. On granian's WSGI interface, the app runs on a pool of Python
threads: with one thread a delayed reply (X-Mock-Delay-Ms, a fault's delayMs) or a client
slow to send its body holds up everyone, and with several the threads spend their time
handing the GIL to each other (less throughput, p99 latency in the hundreds of ms).

So the Flask app is served through granian's asynchronous interface, RSGI, by a small
bridge: on one event-loop thread it awaits the request body, calls the app — which decides
its reply at once — and then awaits any delay the reply asked for before sending it. No
request ever waits behind another one's delay or body, and there is no second thread to
hand the GIL to. The state stays in this process's memory, so an order created by one
request is there for the very next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import io
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NoReturn

from granian.constants import HTTPModes, Interfaces, TaskImpl
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.net import SocketHolder  # type: ignore[attr-defined]
from granian.rsgi import HTTPProtocol, ProtocolClosed, Scope  # type: ignore[attr-defined]
from granian.server import MTServer

from ..core import FaultKind
from ..protocol import Reply
from ..protocol.errors import RequestTimeout, error_reply, unexpected_failure
from ..protocol.limits import MAX_BODY_BYTES, body_to_read
from .access_log import WsgiApp, access_line
from .connections import FAULT_KEY, MAX_HANG_SECONDS, peer_of, sever, truncated_headers

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
GRANIAN_LOGGING = {
    "handlers": {
        "console": {"formatter": "generic", "class": "logging.StreamHandler",
                    "stream": "ext://sys.stderr"},
        "access": {"formatter": "access", "class": "logging.StreamHandler",
                   "stream": "ext://sys.stderr"},
    },
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
        try:
            # A timeout scope, not wait_for: that one makes a task of its own per request.
            async with asyncio.timeout(BODY_READ_DEADLINE_SECONDS):
                body = await read_body(environ.get("CONTENT_LENGTH"),
                                       "HTTP_TRANSFER_ENCODING" in environ, protocol)
        except ProtocolClosed:
            return  # The client left before sending its body: there is no one to answer.
        except TimeoutError:
            reply = error_reply(RequestTimeout())
            protocol.response_bytes(reply.status, [*reply.headers, ("connection", "close")],
                                    reply.body)
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
                status = await self._act_out(fault, scope, protocol)
        finally:
            if not self.unlogged(scope.path):
                self.write_log_line(access_line(scope.method, scope.path, status,
                                                (time.perf_counter() - started) * 1000))
            self._answered += 1
            if self._answered % FREEZE_EVERY_REQUESTS == 0:
                freeze_what_lives()

    async def _act_out(self, reply: Reply, scope: Scope, protocol: HTTPProtocol) -> int:
        """Produce the network fault `reply` stands for; the status logged for it (0 when
        the client got none)."""
        if reply.fault == FaultKind.TRUNCATED:
            stream = protocol.response_stream(reply.status, truncated_headers(reply))
            await stream.send_bytes(reply.body)
            return reply.status  # ending here ends the connection short of its length
        if reply.fault == FaultKind.HANG:
            # Held until the client gives up, or at most MAX_HANG_SECONDS.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(protocol.client_disconnect(), MAX_HANG_SECONDS)
        host, _, port = scope.client.rpartition(":")
        sever(peer_of(host.strip("[]"), port), reset=reply.fault == FaultKind.RESET)
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

        chunks = self.app(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        return started[0], started[1], body


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
    for name, value in scope.headers.items():
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


async def read_body(declared: str | None, chunked: bool, protocol: HTTPProtocol) -> bytes:
    """The body, or as much of it as the app needs to refuse it: none when its announced
    length (`declared`, the Content-Length header) is past the limit, and no more than just
    past the limit when it comes `chunked`."""
    # A length that is not a number announces nothing to wait for.
    length = None if declared is None else int(declared) if declared.isdigit() else 0
    if not body_to_read(length, chunked):
        return b""
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


class InProcessGranian(MTServer):
    """Granian with its worker as a thread of this process, not a child process.

    Granian ships this server for free-threaded Python and refuses it where the GIL is on
    (`_check_gil`). The mock wants it anyway: one worker, one process, the app and its
    state built once in memory — a forked worker would double the memory and could not
    share an open state file. The worker runs one event loop, the only thread that runs
    the app.
    """

    def __init__(self, listener: socket.socket, address: str, port: int) -> None:
        super().__init__(target="mock-baanx", address=address, port=port,
                         interface=Interfaces.RSGI, workers=1, backlog=BACKLOG,
                         backpressure=MAX_CONNECTIONS, http=HTTPModes.http1,
                         http1_settings=HTTP1Settings(
                             header_read_timeout=HEADER_READ_TIMEOUT_SECONDS * 1000),
                         log_level=LogLevels.error, log_dictconfig=GRANIAN_LOGGING,
                         websockets=False,
                         # Each request a real asyncio task: the bridge's timeout scope for
                         # a body cancels it, which granian's own task kind cannot do.
                         task_impl=TaskImpl.asyncio)
        self._listener = listener

    def run(self, bridge: RsgiBridge) -> None:
        """Serve every request through `bridge` until the process ends."""
        self.serve(target_loader=lambda *args: bridge, wrap_loader=False)

    def _check_gil(self) -> None:
        pass

    def signal_handler_interrupt(self, *args: Any, **kwargs: Any) -> None:
        # SIGINT and SIGTERM end the process through `stop_on_signals`; granian's graceful
        # stop must not start beside it.
        pass

    def _init_shared_socket(self) -> None:
        # The socket this process bound and listens on, rather than one granian binds per
        # worker with SO_REUSEPORT: a second mock on a busy port must fail, not share it.
        # (fd, is a Unix socket, backlog): what granian's own pickling of a holder passes.
        holder = SocketHolder(self._listener.detach(), False, self.backlog)  # type: ignore[call-arg]
        self._shd = holder  # type: ignore[assignment]
        self._ssp = None


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def stop_on_signals(on_stop: Callable[[], None], quiet: threading.Lock) -> None:
    """From now on, SIGINT or SIGTERM calls `on_stop()`, as soon as `quiet` is free, and
    ends the process with status 0. Call on the main thread.

    The stop runs on a thread of its own rather than in a signal handler. Python runs a
    handler on the main thread, once that thread runs Python again, and granian's main
    thread sleeps on an Event: under load, `serve` now and then slept on through a Ctrl-C,
    its main thread still waiting there. Whichever thread the signal lands on, the
    interpreter writes its number to the wakeup fd, and this thread is waiting there.

    Not granian's graceful stop either: with its worker on a thread of this process, that
    can wait forever for a worker still starting, and its Rust threads can outlive the
    interpreter's shutdown and abort the process. Every change is committed before its
    reply (the state file included), so ending at once loses nothing."""
    receiving, sending = socket.socketpair()
    sending.setblocking(False)
    # The wakeup fd first: a signal that comes before the handlers below are set still
    # reaches it, through Python's default handler for SIGINT.
    signal.set_wakeup_fd(sending.fileno(), warn_on_full_buffer=False)
    for signum in STOP_SIGNALS:
        # The interpreter only catches a signal (and writes it to the wakeup fd) while a
        # Python handler is set; the stop itself is the watcher's.
        signal.signal(signum, lambda signum, frame: None)
    stop_numbers = {int(signum) for signum in STOP_SIGNALS}

    def watch(sending: socket.socket) -> None:
        # `sending` is held here for as long as the process lives: were it collected, the
        # wakeup fd would be closed under the interpreter.
        while not stop_numbers.intersection(receiving.recv(64)):
            pass
        with quiet:
            on_stop()
            os._exit(0)

    threading.Thread(target=watch, args=(sending,), name="mock-baanx stop watcher",
                     daemon=True).start()


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


def serve(app: WsgiApp, deferred: DeferredSleep, host: str, port: int,
          on_listening: Callable[[int, int], None], write_log_line: Callable[[str], None],
          on_stop: Callable[[], None],
          unlogged: Callable[[str], bool] = lambda path: False,
          listener_fd: int | None = None, app_threads: int = 0) -> NoReturn:
    """Serve `app`, built with `Options(sleep=deferred)`. `on_listening(port)` is called
    once the socket listens, before the first request is taken; each request's access log
    line goes to `write_log_line`, but for paths `unlogged` says yes to. SIGINT or SIGTERM
    calls `on_stop()` and ends the process with status 0; a stop that comes while
    `on_listening` runs waits for it to return, rather than cut its output in half. Raises
    OSError when the address cannot be bound; a worker that fails ends the process from
    within granian, with status 1. `listener_fd`: serve on this listening socket, inherited
    from the process that bound it (a worker of `serve --workers`), rather than bind one;
    `on_listening` gets the listening socket's descriptor too, for workers to inherit.
    `app_threads`: call the app on that many threads (RsgiBridge)."""
    open_files = raise_open_file_limit()
    if open_files < WANTED_OPEN_FILES:
        log.warning("mock-baanx: this system lets the process open %s files, so it holds "
                    "at most about as many connections at once (raise it with ulimit -n)",
                    f"{open_files:,}")
    if listener_fd is None:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        listener = socket.create_server((host, port), family=family, backlog=BACKLOG)
    else:
        listener = socket.socket(fileno=listener_fd)
    bound_port = int(listener.getsockname()[1])
    descriptor = listener.fileno()
    server = InProcessGranian(listener, host, bound_port)
    announcing = threading.Lock()
    stop_on_signals(on_stop, announcing)

    def started() -> None:
        with announcing:
            on_listening(bound_port, descriptor)

    server.on_startup(started)
    bridge = RsgiBridge(app, deferred, write_log_line, unlogged, app_threads)
    # What start-up built (modules, fixtures, schemas) lives as long as the process: out of
    # the collector's sight, each full collection only walks what requests made since.
    gc.freeze()
    server.run(bridge)
    # granian returns only after a graceful stop of its own, which the mock never starts.
    raise RuntimeError("granian stopped serving without being asked to")
