"""The in-process door for `requests`: a transport adapter that answers from `handle()`.

While a BaanxMock is active, `requests.Session.get_adapter` hands the URLs it answers for
to its adapter, and every other URL to whatever would have had it. Nothing else of
`requests` is touched, so a `responses` mock (which patches `HTTPAdapter.send`) works
beside it whichever of the two starts first: the adapter's own `send` is not the one
`responses` patches.

The adapter raises what `requests` raises on a real socket: ReadTimeout when a delay
outlasts the call's read timeout, ConnectionError for a reset or a closed connection,
ChunkedEncodingError (on reading the body) for one shorter than its length.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from functools import partial
from http import HTTPStatus
from http.client import RemoteDisconnected
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3 import HTTPHeaderDict, HTTPResponse
from urllib3.exceptions import ProtocolError
from urllib3.util import Timeout

from ..core import FaultKind
from ..core.faults import MAX_HANG_SECONDS
from ..protocol import Options, Reply, Request


class Answering(Protocol):
    """What an adapter needs of the mock it serves."""

    options: Options

    def handle(self, request: Request, options: Options | None = None) -> Reply: ...

    def adapter_for(self, url: str) -> BaseAdapter | None: ...


# --- Routing: Session.get_adapter, while any mock is active -------------------------------

_ACTIVE: list[Answering] = []
_LOCK = threading.Lock()
_ORIGINAL_GET_ADAPTER = requests.Session.get_adapter


def _get_adapter(session: requests.Session, url: str) -> BaseAdapter:
    # The mock started last decides first, as a mock started inside another one should.
    for mock in reversed(_ACTIVE):
        adapter = mock.adapter_for(url)
        if adapter is not None:
            return adapter
    return _ORIGINAL_GET_ADAPTER(session, url)


def activate(mock: Answering) -> None:
    with _LOCK:
        if mock in _ACTIVE:
            return
        _ACTIVE.append(mock)
        requests.Session.get_adapter = _get_adapter  # type: ignore[method-assign,assignment]


def deactivate(mock: Answering) -> None:
    with _LOCK:
        if mock in _ACTIVE:
            _ACTIVE.remove(mock)
        if not _ACTIVE:
            requests.Session.get_adapter = _ORIGINAL_GET_ADAPTER  # type: ignore[method-assign]


# --- The adapters --------------------------------------------------------------------------


class BaanxAdapter(HTTPAdapter):
    """Answers every request it gets from the mock's `handle()`, as a server would."""

    def __init__(self, mock: Answering) -> None:
        super().__init__()
        self.mock = mock

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: float | tuple[float, float] | tuple[float, None] | None = None,
             verify: bool | str = True, cert: Any = None,
             proxies: Mapping[str, str] | None = None) -> requests.Response:
        url = urlsplit(str(request.url))
        asked = Request.build(str(request.method), unquote(url.path, errors="replace") or "/",
                              request.headers.items(), _body_bytes(request.body), url.query)
        options = self.mock.options
        read = read_timeout(timeout)
        if read is not None:
            options = replace(options, sleep=partial(wait_within, read, request, options.sleep))
        reply = self.mock.handle(asked, options)
        if reply.fault is not None:
            raise_for(reply, request, read, self.mock.options.sleep)
        headers = HTTPHeaderDict(reply.headers)
        body = b"" if asked.method == "HEAD" else reply.body
        # A server says how long its body is; a truncated one says more than it sends.
        headers["Content-Length"] = str(reply.declared_length or len(reply.body))
        raw = HTTPResponse(body=io.BytesIO(body), headers=headers, status=reply.status,
                           reason=_reason(reply.status), preload_content=False,
                           decode_content=False, request_method=asked.method,
                           enforce_content_length=True)
        return self.build_response(request, raw)


class RefusingAdapter(BaseAdapter):
    """For hosts a mock lets nothing through to: a ConnectionError, as with no network."""

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: float | tuple[float, float] | tuple[float, None] | None = None,
             verify: bool | str = True, cert: Any = None,
             proxies: Mapping[str, str] | None = None) -> requests.Response:
        raise requests.exceptions.ConnectionError(
            f"BaanxMock lets no request through to {request.url} (passthrough)",
            request=request)

    def close(self) -> None:
        pass


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _body_bytes(body: object) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, Iterable):
        # A generator body, sent chunked by requests.
        return b"".join(part if isinstance(part, bytes) else str(part).encode()
                        for part in body)
    return str(body).encode()


# --- What a socket would have done ----------------------------------------------------------


def sleep_now(seconds: float) -> None:
    """time.sleep, looked up at each call, so that a delayed reply follows virtual time."""
    time.sleep(seconds)


def read_timeout(timeout: object) -> float | None:
    """The read timeout of what `requests` takes as `timeout`: seconds, a (connect, read)
    pair, or urllib3's Timeout; None for none."""
    if isinstance(timeout, tuple):
        timeout = timeout[1] if len(timeout) > 1 else None
    if isinstance(timeout, Timeout):
        timeout = timeout.read_timeout
    return float(timeout) if isinstance(timeout, int | float) else None


def wait_within(timeout: float, request: requests.PreparedRequest,
                sleep: Callable[[float], None], seconds: float) -> None:
    """Hold a delayed reply back as a server would behind a client's read timeout: the
    whole delay within it, else the timeout and then ReadTimeout, as `requests` raises it
    on a real socket."""
    if seconds <= timeout:
        sleep(seconds)
        return
    sleep(timeout)
    url = urlsplit(str(request.url))
    pool = "HTTPSConnectionPool" if url.scheme == "https" else "HTTPConnectionPool"
    raise requests.exceptions.ReadTimeout(
        f"{pool}(host={url.hostname!r}, port={url.port or (443 if url.scheme == 'https' else 80)}"
        f"): Read timed out. (read timeout={timeout:g})", request=request)


def raise_for(reply: Reply, request: requests.PreparedRequest, timeout: float | None,
              sleep: Callable[[float], None]) -> None:
    """Raise what `requests` raises when a server resets, closes or holds the connection;
    a malformed or truncated body is sent as it is (reading it fails by itself)."""
    aborted = partial(requests.exceptions.ConnectionError, request=request)
    if reply.fault == FaultKind.RESET:
        raise aborted(ProtocolError("Connection aborted.",
                                    ConnectionResetError(104, "Connection reset by peer")))
    if reply.fault == FaultKind.HANG:
        wait_within(timeout if timeout is not None else float("inf"), request, sleep,
                    MAX_HANG_SECONDS)
    if reply.fault in (FaultKind.EMPTY, FaultKind.HANG):
        raise aborted(ProtocolError("Connection aborted.", RemoteDisconnected(
            "Remote end closed connection without response")))
