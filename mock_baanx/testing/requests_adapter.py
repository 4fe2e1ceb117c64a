"""The in-process door for `requests`: each BaanxMock answers through a `responses` mock of
its own, with a callback per route of the table.

While a BaanxMock is active, `requests.Session.get_adapter` hands the URLs it answers for
to the mock's adapter, and every other URL to whatever would have had it. The adapter sends
through the mock's private `responses.RequestsMock` — `responses`' matching (each route's
method and URL), callbacks and exceptions — which is never started, so it patches nothing:
a user's own `responses` mock, which patches `HTTPAdapter.send`, works beside it whichever
of the two starts first, and two BaanxMocks never share a registry.

A callback raises what `requests` raises on a real socket: ReadTimeout when a delay
outlasts the call's read timeout, ConnectionError for a reset or a closed connection,
ChunkedEncodingError (on reading the body) for one shorter than its length.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from functools import partial
from http.client import RemoteDisconnected
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import requests
import responses
from requests.adapters import BaseAdapter, HTTPAdapter
from responses.registries import FirstMatchRegistry
from urllib3.exceptions import ProtocolError
from urllib3.util import Timeout

from ..core import Backend, FaultKind
from ..core.errors import BaanxError
from ..core.faults import MAX_HANG_SECONDS
from ..protocol import Options, Reply, Request, Route, routes_for
from ..protocol.handler import Exchange, handle, refused, settled
from ..protocol.headers import NAMESPACE_PREFIX

Callback = Callable[[requests.PreparedRequest], Any]


class Answering(Protocol):
    """What the door needs of the mock it serves."""

    backend: Backend
    options: Options
    base_urls: tuple[str, ...]

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


# --- The mock's own `responses` mock --------------------------------------------------------


class FirstRouteRegistry(FirstMatchRegistry):
    """`responses`' registry, keeping every route registered: the first response whose
    method and URL match answers, and none is ever taken out (the default registry takes
    out the first of two matches, for replies queued on one URL). What `responses` records
    of each call is kept by no one: cleared as the next call comes, so that a mock answering
    calls all day holds no more than one."""

    def find(self, request: requests.PreparedRequest
             ) -> tuple[responses.BaseResponse | None, list[str]]:
        reasons = []
        for response in self.registered:
            matched, reason = response.matches(request)
            if matched:
                response.calls.reset()
                return response, []
            reasons.append(reason)
        return None, reasons


class AnyMethod(responses.CallbackResponse):
    """A callback for every method on its URLs: the table's own resolution answers what no
    route takes (404, or 405 with the methods the path takes)."""

    def matches(self, request: requests.PreparedRequest) -> tuple[bool, str]:
        matched = isinstance(self.url, re.Pattern) and self.url.match(str(request.url))
        return (True, "") if matched else (False, "URL does not match")


def url_pattern(base: str, template: str = "") -> re.Pattern[str]:
    """The URLs of `template` (a route's, or any path when empty) under `base`, with or
    without a namespace prefix and a query string."""
    path = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/?#]+)", re.escape(template)) if template \
        else r"(?:/[^?#]*)?"
    namespace = f"(?:{re.escape(NAMESPACE_PREFIX)}[^/?#]*)?"
    return re.compile(f"{re.escape(base)}{namespace}{path}(?:[?#].*)?$")


class RequestsDoor:
    """One BaanxMock's door for `requests`: a private `responses` mock with a callback per
    route of the table under each base URL, then one for any other path there."""

    def __init__(self, mock: Answering) -> None:
        self.mock = mock
        self.responses = responses.RequestsMock(assert_all_requests_are_fired=False,
                                                registry=FirstRouteRegistry)
        for base in mock.base_urls:
            for route in routes_for(mock.options):
                self.responses.add_callback(route.method, url_pattern(base, route.template),
                                            partial(self.answer_route, route),
                                            content_type=None)
            self.responses.add(AnyMethod("*", url_pattern(base), self.answer_any,
                                         content_type=None))
        self.send = self.responses.unbound_on_send()

    def answer_route(self, route: Route, prepared: requests.PreparedRequest) -> Any:
        """The callback of `route`: admitted, answered by the route `responses` matched."""
        asked, options, read = self.asked(prepared)
        try:
            exchange = Exchange.admit(self.mock.backend, asked, options)
        except BaanxError as error:
            return self.reply_for(prepared, refused(self.mock.backend, asked, options, error),
                                  read)
        params = route.pattern.fullmatch(exchange.request.path)
        if params is None:
            # Its percent-decoded path is another route's (an escaped slash): the table's
            # own resolution decides, as on every other door.
            return self.reply_for(prepared, handle(self.mock.backend, asked, options), read)
        exchange.found(route)
        return self.reply_for(prepared, settled(exchange, exchange.answer(params.groupdict())),
                              read)

    def answer_any(self, prepared: requests.PreparedRequest) -> Any:
        """The callback of every other path under a base URL (404, 405, a preflight)."""
        asked, options, read = self.asked(prepared)
        return self.reply_for(prepared, handle(self.mock.backend, asked, options), read)

    def asked(self, prepared: requests.PreparedRequest
              ) -> tuple[Request, Options, float | None]:
        """The request as the protocol reads it, the options to answer it with (a delay
        waited within the call's read timeout), and that timeout."""
        self.responses.calls.reset()  # as FirstRouteRegistry clears its routes' calls
        url = urlsplit(str(prepared.url))
        asked = Request.build(str(prepared.method), unquote(url.path, errors="replace") or "/",
                              prepared.headers.items(), _body_bytes(prepared.body), url.query)
        options = self.mock.options
        # `responses` gives the call's keyword arguments (its timeout) as `req_kwargs`.
        read = read_timeout(getattr(prepared, "req_kwargs", {}).get("timeout"))
        if read is not None:
            options = replace(options, sleep=partial(wait_within, read, prepared,
                                                     options.sleep))
        return asked, options, read

    def reply_for(self, prepared: requests.PreparedRequest, reply: Reply,
                  read: float | None) -> Any:
        """What the callback gives `responses`: (status, headers, body), or the exception a
        network fault raises."""
        if reply.fault is not None:
            failure = raised_for(reply, prepared, read, self.mock.options.sleep)
            if failure is not None:
                return failure
        body = b"" if prepared.method == "HEAD" else reply.body
        # A server says how long its body is; a truncated one says more than it sends.
        length = reply.declared_length or len(reply.body)
        return reply.status, [*reply.headers, ("Content-Length", str(length))], body


class BaanxAdapter(HTTPAdapter):
    """The adapter `requests` hands a mock's hosts to: it sends through the mock's own
    `responses` mock."""

    def __init__(self, door: RequestsDoor) -> None:
        super().__init__()
        self.door = door

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: float | tuple[float, float] | tuple[float, None] | None = None,
             verify: bool | str = True, cert: Any = None,
             proxies: Mapping[str, str] | None = None) -> requests.Response:
        response: requests.Response = self.door.send(
            self, request, stream=stream, timeout=timeout, verify=verify, cert=cert,
            proxies=proxies)
        return response


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


def read_timed_out(timeout: float, request: requests.PreparedRequest
                   ) -> requests.exceptions.ReadTimeout:
    url = urlsplit(str(request.url))
    pool = "HTTPSConnectionPool" if url.scheme == "https" else "HTTPConnectionPool"
    return requests.exceptions.ReadTimeout(
        f"{pool}(host={url.hostname!r}, port={url.port or (443 if url.scheme == 'https' else 80)}"
        f"): Read timed out. (read timeout={timeout:g})", request=request)


def wait_within(timeout: float, request: requests.PreparedRequest,
                sleep: Callable[[float], None], seconds: float) -> None:
    """Hold a delayed reply back as a server would behind a client's read timeout: the
    whole delay within it, else the timeout and then ReadTimeout, as `requests` raises it
    on a real socket."""
    if seconds <= timeout:
        sleep(seconds)
        return
    sleep(timeout)
    raise read_timed_out(timeout, request)


def raised_for(reply: Reply, request: requests.PreparedRequest, timeout: float | None,
               sleep: Callable[[float], None]) -> Exception | None:
    """What `requests` raises when a server resets, closes or holds the connection; None
    for a malformed or truncated body, which is sent as it is (reading it fails by
    itself)."""
    aborted = partial(requests.exceptions.ConnectionError, request=request)
    if reply.fault == FaultKind.RESET:
        return aborted(ProtocolError("Connection aborted.",
                                     ConnectionResetError(104, "Connection reset by peer")))
    if reply.fault == FaultKind.HANG:
        try:
            wait_within(timeout if timeout is not None else float("inf"), request, sleep,
                        MAX_HANG_SECONDS)
        except requests.exceptions.ReadTimeout as timed_out:
            return timed_out
    if reply.fault in (FaultKind.EMPTY, FaultKind.HANG):
        return aborted(ProtocolError("Connection aborted.", RemoteDisconnected(
            "Remote end closed connection without response")))
    return None

