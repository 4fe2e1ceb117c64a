"""BaanxMock: the mock in-process, for code that calls Baanx through `requests`.

Its `requests` calls are answered by a `responses` mock of its own (requests_adapter.py),
so the user's own `responses` mocks keep working beside it whichever starts first; its
httpx calls by httpx's transports (httpx_transport.py). Every intercepted request takes the
protocol's steps (`protocol.handler`) through the route's handler, as the served mock's do,
so both behave identically.
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any, TypeVar
from urllib.parse import unquote

from requests.adapters import BaseAdapter

from ..core import Backend, Clock, Fixtures, IdSource, SeededIds
from ..core.store import DEFAULT_MAX_ORDERS
from ..protocol import Options, Reply, Request, handle
from ..storage.fixture_files import load_fixtures
from .control_client import ControlClient, DefaultCredentials, parse_control_reply
from .requests_adapter import (
    BaanxAdapter,
    RefusingAdapter,
    RequestsDoor,
    activate,
    deactivate,
    sleep_now,
)

DEFAULT_BASE_URLS = ("https://api.baanx.com", "https://dev.api.baanx.com")


def _httpx_door() -> ModuleType | None:
    """The httpx door (httpx_transport.py) where httpx is installed, else None: imported on
    the first start, so that a test suite without httpx pays nothing for it."""
    if importlib.util.find_spec("httpx") is None:
        return None
    from . import httpx_transport

    return httpx_transport

F = TypeVar("F", bound=Callable[..., Any])


def is_under(url: str, base: str) -> bool:
    """Whether `url` is `base` or under it: `base` ends at a boundary of the URL (a `/`, `?`
    or `#` follows it, or it ends with `/`), so that a host's name is never a prefix of
    another host's."""
    base = base.rstrip("/")
    return url == base or url.startswith((f"{base}/", f"{base}?", f"{base}#"))


class BaanxMock(DefaultCredentials, ControlClient):
    """The Baanx order API, answered in-process for `requests` and (where it is installed)
    httpx, sync and async.

    Use it as a context manager (`with BaanxMock() as baanx:`, or `async with`) or a
    decorator (`@BaanxMock()`, on a function or an `async def`). `base_urls` are the hosts
    it answers for (by default Baanx's production and development hosts). Requests to other
    hosts `passthrough` (True, the default) to whatever would have handled them — the
    network, or a `responses` mock; False refuses them with a ConnectionError; a list of
    base URLs lets only the URLs under them through (`https://pricing.example` takes
    `https://pricing.example/v1`, not `https://pricing.example.evil.com`).
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
        self.options = Options(control=control, strict=strict, sleep=sleep_now)
        self.base_urls = tuple(url.rstrip("/") for url in base_urls)
        self._passthrough = passthrough
        self._adapter: BaanxAdapter | None = None
        self._refusing = RefusingAdapter()

    @property
    def base_url(self) -> str:
        """The first base URL: where examples and fixtures point `requests`."""
        return self.base_urls[0]

    # --- Activation -----------------------------------------------------------------

    def start(self) -> None:
        # Built at each start, from the options and base URLs in force then.
        self._adapter = BaanxAdapter(RequestsDoor(self))
        activate(self)
        httpx_door = _httpx_door()
        if httpx_door is not None:
            httpx_door.activate(self)

    def stop(self) -> None:
        deactivate(self)
        httpx_door = _httpx_door()
        if httpx_door is not None:
            httpx_door.deactivate(self)

    def answers(self, url: str) -> bool | None:
        """While this mock is active: True for the hosts it answers, False for hosts it
        lets nothing through to, None for the ones it lets through."""
        if any(is_under(url, base) for base in self.base_urls):
            return True
        if self._passthrough is True:
            return None
        if self._passthrough is not False and any(is_under(url, allowed)
                                                  for allowed in self._passthrough):
            return None
        return False

    def adapter_for(self, url: str) -> BaseAdapter | None:
        """The `requests` adapter for `url` while this mock is active: its own for the
        hosts it answers, one that refuses for hosts it lets nothing through to, else None
        (the one that would have had it)."""
        verdict = self.answers(url)
        return None if verdict is None else self._adapter if verdict else self._refusing

    def __enter__(self) -> BaanxMock:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    async def __aenter__(self) -> BaanxMock:
        self.start()
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        traceback: TracebackType | None) -> None:
        self.stop()

    def __call__(self, function: F) -> F:
        """As a decorator: the mock is active while `function` runs — for a coroutine
        function, while its coroutine runs, not merely while it is made."""
        if inspect.iscoroutinefunction(function):
            @functools.wraps(function)
            async def awaited(*args: Any, **kwargs: Any) -> Any:
                async with self:
                    return await function(*args, **kwargs)

            return awaited  # type: ignore[return-value]

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    # --- Requests -------------------------------------------------------------------

    def handle(self, request: Request, options: Options | None = None) -> Reply:
        """The mock's reply to `request`."""
        return handle(self.backend, request, options or self.options)

    def _send(self, method: str, path: str, body: Any = None) -> Any:
        raw = b"" if body is None else json.dumps(body).encode()
        path, _, query = path.partition("?")
        reply = self.handle(Request.build(method, unquote(path),
                                          (("Content-Type", "application/json"),), raw, query))
        return parse_control_reply(reply.status, reply.body)
