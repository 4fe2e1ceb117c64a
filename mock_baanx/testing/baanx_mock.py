"""BaanxMock: the mock in-process, for code that calls Baanx through `requests`.

Built on `responses` with a private `RequestsMock`, so the user's own `responses` mocks keep
working beside it. Every intercepted request goes through `protocol.handle`, the same handler
the served mock uses, so both behave identically.
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from functools import partial
from http.client import IncompleteRead, RemoteDisconnected
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import requests
import responses
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ProtocolError
from urllib3.util import Timeout

from ..core import Backend, Clock, FaultKind, Fixtures, IdSource, SeededIds
from ..core.faults import MAX_HANG_SECONDS
from ..core.store import DEFAULT_MAX_ORDERS
from ..protocol import Options, Reply, Request, handle
from ..storage.fixture_files import load_fixtures
from .control_client import ControlClient, DefaultCredentials, parse_control_reply

DEFAULT_BASE_URLS = ("https://api.baanx.com", "https://dev.api.baanx.com")

F = TypeVar("F", bound=Callable[..., Any])


class BaanxMock(DefaultCredentials, ControlClient):
    """The Baanx order API, answered in-process for `requests`.

    Use it as a context manager (`with BaanxMock() as baanx:`) or a decorator
    (`@BaanxMock()`). `base_urls` are the hosts it answers for (by default Baanx's
    production and development hosts). Requests to other hosts `passthrough` (True, the
    default) to whatever would have handled them — the network, or a `responses` mock
    started before this one; False refuses them with a ConnectionError, as `responses`
    does; a list of URL prefixes lets only those through.
    """

    def __init__(self, *, base_urls: Iterable[str] = DEFAULT_BASE_URLS,
                 fixtures: Fixtures | str | Path | Mapping[str, Any] | None = None,
                 lifecycle: str = "complete",
                 passthrough: bool | Iterable[str] = True, control: bool = True,
                 strict: bool = True, clock: Clock | None = None,
                 ids: IdSource | None = None, seed: int | None = None,
                 max_orders: int = DEFAULT_MAX_ORDERS,
                 extended_statuses: bool = False) -> None:
        loaded = (fixtures if isinstance(fixtures, Fixtures)
                  else load_fixtures(fixtures, extended_statuses=extended_statuses))
        if seed is not None:
            if ids is not None:
                raise TypeError("give BaanxMock either seed or ids, not both")
            ids = SeededIds(seed)
        self.backend = Backend(loaded, clock=clock, ids=ids, default_lifecycle=lifecycle,
                               max_orders=max_orders, extended_statuses=extended_statuses)
        self.options = Options(control=control, strict=strict, sleep=_sleep)
        self.base_urls = tuple(url.rstrip("/") for url in base_urls)
        self._passthrough = passthrough
        self._mock: responses.RequestsMock | None = None

    @property
    def base_url(self) -> str:
        """The first base URL: where examples and fixtures point `requests`."""
        return self.base_urls[0]

    # --- Activation -----------------------------------------------------------------

    def start(self) -> None:
        if self._mock is not None:
            return
        # Whatever sends requests right now (the network, or a user's responses mock)
        # gets what this mock lets through.
        mock = responses.RequestsMock(assert_all_requests_are_fired=False,
                                      real_adapter_send=HTTPAdapter.send)
        ours = "|".join(re.escape(url) for url in self.base_urls)
        pattern = re.compile(f"^(?:{ours})(?:[/?#]|$)")
        mock.add(AnyMethodCallback("GET", pattern, callback=self._respond, content_type=None))
        if self._passthrough is True:
            mock.add_passthru(re.compile(f"^(?!(?:{ours})(?:[/?#]|$))"))
        elif self._passthrough is not False:
            for prefix in self._passthrough:
                mock.add_passthru(prefix)
        mock.start()
        self._mock = mock

    def stop(self) -> None:
        if self._mock is not None:
            self._mock.stop(allow_assert=False)
            self._mock = None

    def __enter__(self) -> BaanxMock:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    def __call__(self, function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    # --- Requests -------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        return handle(self.backend, request, self.options)

    def _respond(self, prepared: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(str(prepared.url))
        request = Request.build(str(prepared.method), unquote(url.path, errors="replace") or "/",
                                prepared.headers.items(), _body_bytes(prepared.body), url.query)
        # responses keeps the call's keyword arguments on the request it hands over.
        timeout = read_timeout(getattr(prepared, "req_kwargs", {}).get("timeout"))
        options = self.options if timeout is None else replace(
            self.options, sleep=partial(_wait_within, timeout, prepared, self.options.sleep))
        reply = handle(self.backend, request, options)
        if reply.fault is not None:
            _raise_for(reply, prepared, timeout, self.options.sleep)
        # A server sends no body with a reply to HEAD, and `requests` refuses one.
        return reply.status, dict(reply.headers), b"" if request.method == "HEAD" else reply.body

    def _send(self, method: str, path: str, body: Any = None) -> Any:
        raw = b"" if body is None else json.dumps(body).encode()
        path, _, query = path.partition("?")
        reply = self.handle(Request.build(method, unquote(path),
                                          (("Content-Type", "application/json"),), raw, query))
        return parse_control_reply(reply.status, reply.body)


def _sleep(seconds: float) -> None:
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


def _wait_within(timeout: float, prepared: requests.PreparedRequest,
                 sleep: Callable[[float], None], seconds: float) -> None:
    """Hold a delayed reply back as a server would behind a client's read timeout: the
    whole delay within it, else the timeout and then ReadTimeout, as `requests` raises it
    on a real socket."""
    if seconds <= timeout:
        sleep(seconds)
        return
    sleep(timeout)
    url = urlsplit(str(prepared.url))
    pool = "HTTPSConnectionPool" if url.scheme == "https" else "HTTPConnectionPool"
    raise requests.exceptions.ReadTimeout(
        f"{pool}(host={url.hostname!r}, port={url.port or (443 if url.scheme == 'https' else 80)}"
        f"): Read timed out. (read timeout={timeout:g})", request=prepared)


def _raise_for(reply: Reply, prepared: requests.PreparedRequest, timeout: float | None,
               sleep: Callable[[float], None]) -> None:
    """Raise what `requests` raises when a server does the network fault `reply` stands
    for; a malformed body needs nothing (its .json() fails by itself)."""
    aborted = partial(requests.exceptions.ConnectionError, request=prepared)
    if reply.fault == FaultKind.RESET:
        raise aborted(ProtocolError("Connection aborted.",
                                    ConnectionResetError(104, "Connection reset by peer")))
    if reply.fault == FaultKind.EMPTY:
        raise aborted(ProtocolError("Connection aborted.", RemoteDisconnected(
            "Remote end closed connection without response")))
    if reply.fault == FaultKind.HANG:
        _wait_within(timeout if timeout is not None else float("inf"), prepared, sleep,
                     MAX_HANG_SECONDS)
        raise aborted(ProtocolError("Connection aborted.", RemoteDisconnected(
            "Remote end closed connection without response")))
    if reply.fault == FaultKind.TRUNCATED:
        assert reply.declared_length is not None
        short = IncompleteRead(reply.body, reply.declared_length - len(reply.body))
        raise requests.exceptions.ChunkedEncodingError(
            ProtocolError(f"Connection broken: {short!r}", short), request=prepared)


class AnyMethodCallback(responses.CallbackResponse):
    """A callback for every method, as a server has: `responses` matches one method per
    registration, and a method left out (PROPFIND, TRACE…) would be refused as a
    connection error where the served mock answers 405."""

    def matches(self, request: requests.PreparedRequest) -> tuple[bool, str]:
        if not self._url_matches(self.url, str(request.url)):
            return False, "URL does not match"
        return True, ""


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
