"""The in-process door for httpx: while a BaanxMock is active, httpx's own transports
(`HTTPTransport`, `AsyncHTTPTransport`, what every `httpx.Client` and `AsyncClient` uses
unless given another) hand the requests to the hosts it answers for to the mock's
`handle()`, and every other request on to the network as before.

Only the transports' entry points are replaced, above httpcore: respx, which mocks at
httpcore's level by default, keeps working beside the mock whichever starts first.

What a socket would have done, httpx's way: a delay longer than the request's read timeout
raises `httpx.ReadTimeout` after the timeout (at once under virtual time, the clock moved),
in an async client through `asyncio.sleep`, never blocking the event loop; a reset raises
`httpx.ReadError`; a connection closed without a reply, `httpx.RemoteProtocolError`; a hang,
`ReadTimeout` after the timeout (or the documented maximum); a body shorter than its length
raises `RemoteProtocolError` as httpx does while reading it; a malformed body is sent as
it is.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import replace
from typing import Protocol
from urllib.parse import unquote

import httpx

from ..core import FaultKind
from ..core.faults import MAX_HANG_SECONDS
from ..protocol import Options, Reply, Request


class Answering(Protocol):
    options: Options

    def handle(self, request: Request, options: Options | None = None) -> Reply: ...

    def answers(self, url: str) -> bool | None:
        """True: the mock answers `url`; False: it refuses it; None: let it through."""
        ...


_ACTIVE: list[Answering] = []
_LOCK = threading.Lock()
_SYNC = httpx.HTTPTransport.handle_request
_ASYNC = httpx.AsyncHTTPTransport.handle_async_request


def _deciding(url: str) -> tuple[Answering | None, bool]:
    """The mock that decides for `url` (the one started last first), and whether it
    answers (True) or refuses (False) it; (None, False) to let it through."""
    for mock in reversed(_ACTIVE):
        verdict = mock.answers(url)
        if verdict is not None:
            return mock, verdict
    return None, False


def _handle_request(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
    mock, answers = _deciding(str(request.url))
    if mock is None:
        return _SYNC(transport, request)
    if not answers:
        raise httpx.ConnectError(f"BaanxMock lets no request through to {request.url} "
                                 "(passthrough)", request=request)
    reply, delay = _answer(mock, request, request.read())
    timeout = _read_timeout(request)
    for seconds in _wait_plan(reply, delay, timeout):
        time.sleep(seconds)
    return _response_or_raise(reply, request, timeout, delay)


async def _handle_async_request(transport: httpx.AsyncHTTPTransport, request: httpx.Request
                                ) -> httpx.Response:
    mock, answers = _deciding(str(request.url))
    if mock is None:
        return await _ASYNC(transport, request)
    if not answers:
        raise httpx.ConnectError(f"BaanxMock lets no request through to {request.url} "
                                 "(passthrough)", request=request)
    reply, delay = _answer(mock, request, await request.aread())
    timeout = _read_timeout(request)
    for seconds in _wait_plan(reply, delay, timeout):
        await asyncio.sleep(seconds)
    return _response_or_raise(reply, request, timeout, delay)


def _answer(mock: Answering, request: httpx.Request, body: bytes) -> tuple[Reply, float]:
    """The mock's reply, and the delay it asked for (not yet waited)."""
    delays: list[float] = []
    path, _, query = request.url.raw_path.decode("ascii").partition("?")
    asked = Request.build(request.method, unquote(path, errors="replace") or "/",
                          request.headers.multi_items(), body, query)
    reply = mock.handle(asked, replace(mock.options, sleep=delays.append))
    return reply, sum(delays)


def _read_timeout(request: httpx.Request) -> float | None:
    timeouts = request.extensions.get("timeout") or {}
    read = timeouts.get("read") if isinstance(timeouts, dict) else None
    return float(read) if isinstance(read, int | float) else None


def _wait_plan(reply: Reply, delay: float, timeout: float | None) -> list[float]:
    """How long to wait before answering: the delay, cut at the read timeout; a hang until
    the timeout or the documented maximum."""
    wanted = MAX_HANG_SECONDS if reply.fault == FaultKind.HANG else delay
    limit = float("inf") if timeout is None else timeout
    return [min(wanted, limit)] if wanted > 0 else []


def _response_or_raise(reply: Reply, request: httpx.Request, timeout: float | None,
                       delay: float) -> httpx.Response:
    if timeout is not None and (reply.fault == FaultKind.HANG or delay > timeout):
        raise httpx.ReadTimeout(f"timed out (read timeout={timeout:g})", request=request)
    if reply.fault == FaultKind.RESET:
        raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
    if reply.fault in (FaultKind.EMPTY, FaultKind.HANG):
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.",
                                        request=request)
    if reply.fault == FaultKind.TRUNCATED:
        raise httpx.RemoteProtocolError(
            f"peer closed connection without sending complete message body (received "
            f"{len(reply.body)} bytes, expected {reply.declared_length})", request=request)
    body = b"" if request.method == "HEAD" else reply.body
    headers = [*reply.headers, ("Content-Length", str(len(reply.body)))]
    return httpx.Response(reply.status, headers=headers, content=body, request=request)


def activate(mock: Answering) -> None:
    with _LOCK:
        if mock in _ACTIVE:
            return
        _ACTIVE.append(mock)
        httpx.HTTPTransport.handle_request = _handle_request  # type: ignore[method-assign,assignment]
        httpx.AsyncHTTPTransport.handle_async_request = _handle_async_request  # type: ignore[method-assign,assignment]


def deactivate(mock: Answering) -> None:
    with _LOCK:
        if mock in _ACTIVE:
            _ACTIVE.remove(mock)
        # Put back only what is still ours: a library that patched httpx after this mock
        # started keeps its patch.
        if not _ACTIVE and httpx.HTTPTransport.handle_request is _handle_request:
            httpx.HTTPTransport.handle_request = _SYNC  # type: ignore[method-assign]
        if not _ACTIVE and httpx.AsyncHTTPTransport.handle_async_request is \
                _handle_async_request:
            httpx.AsyncHTTPTransport.handle_async_request = _ASYNC  # type: ignore[method-assign]

