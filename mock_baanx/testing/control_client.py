"""The control API as Python methods, for the in-process mock and for a served one.

Both go through the very routes of `/__mock/`, named by their operation ids in the route
table, so a method here validates and behaves exactly like the HTTP call it stands for,
and returns the same JSON.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

import requests

from ..protocol.routes import route
from .polling import PollingVerdict, judge_polling
from .virtual_time import VirtualTime

DEFAULT_CLIENT_ID = "demo-client"
DEFAULT_TOKEN = "demo-token"


class DefaultCredentials:
    """The default fixtures' client id and verified user, as request headers."""

    client_id = DEFAULT_CLIENT_ID
    token = DEFAULT_TOKEN

    def headers(self, token: str | None = None, **extra: str) -> dict[str, str]:
        """The default client id and a bearer token, plus `extra` headers: a keyword with
        underscores is the header with dashes (`x_mock_fault="503"` is X-Mock-Fault)."""
        return {"X-Client-ID": self.client_id,
                "Authorization": f"Bearer {token or self.token}",
                **{header_name(name): value for name, value in extra.items()}}


def header_name(keyword: str) -> str:
    """`x_mock_fault` as a header name: X-Mock-Fault. A name already written with dashes
    is kept as it is."""
    if "-" in keyword or "_" not in keyword:
        return keyword
    return "-".join(part.capitalize() for part in keyword.split("_"))


class ControlError(Exception):
    """A control call the mock refused: the status and the mock's message."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(f"{status}: {message}")


class ControlClient:
    """Everything the control API does. Subclasses say how a call reaches the mock."""

    def _send(self, method: str, path: str, body: Any = None) -> Any:
        """Send one control request; the parsed reply, or ControlError."""
        raise NotImplementedError

    def _call(self, operation: str, body: Any = None, query: dict[str, int] | None = None,
              **params: str) -> Any:
        """Call the control route of `operation`, its path parameters filled in."""
        called = route(operation)
        path = called.path(**{name: quote(value, safe="") for name, value in params.items()})
        if query:
            path += "?" + urlencode(query)
        return self._send(called.method, path, body)

    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("mockHealth")
        return result

    def reset(self) -> None:
        """Back to the loaded fixtures: no orders, faults, journal, lifecycle for next;
        the clock at real time."""
        self._call("mockReset")

    def orders(self, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
        """The orders, newest first, as `GET /__mock/orders` lists them: the newest `limit`
        (at most 1,000, the default) after skipping `offset`."""
        query = {"offset": offset} if offset else {}
        if limit is not None:
            query["limit"] = limit
        orders: list[dict[str, Any]] = self._call("mockListOrders", query=query)["orders"]
        return orders

    def order(self, order_id: str) -> dict[str, Any]:
        """One order with its owner, lifecycle, status history and poll times."""
        detail: dict[str, Any] = self._call("mockGetOrder", orderId=order_id)
        return detail

    def poll_times(self, order_id: str) -> list[str]:
        """When the order's owner polled it, oldest first (ISO 8601, mock clock)."""
        times: list[str] = self.order(order_id)["pollTimes"]
        return times

    def force_status(self, order_id: str, status: str, *, note: str | None = None,
                     paid_at: str | None = None, payment_id: str | None = None,
                     tx_hash: str | None = None) -> dict[str, Any]:
        """Move a STARTED order to COMPLETED, FAILED or EXPIRED now."""
        body = _without_none({"status": status, "note": note, "paidAt": paid_at,
                              "paymentId": payment_id, "txHash": tx_hash})
        detail: dict[str, Any] = self._call("mockForceStatus", body,
                                           orderId=order_id)
        return detail

    def use_lifecycle(self, name: str, count: int | None = None) -> dict[str, Any]:
        """The lifecycle the next `count` orders follow (None: until reset)."""
        state: dict[str, Any] = self._call("mockSetLifecycle",
                                           _without_none({"name": name, "count": count}))
        return state

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        """Move the mock's clock forward: time travel for time-based lifecycle steps."""
        state: dict[str, Any] = self._call("mockAdvanceClock", {"advanceSeconds": seconds})
        return state

    def inject_fault(self, endpoint: str = "*", *, status: int | None = None,
                     kind: str | None = None, retry_after: int | None = None,
                     delay_ms: int | None = None, times: int | None = None
                     ) -> list[dict[str, Any]]:
        """On the next `times` calls of `endpoint` (`getAvailableProducts`, `createOrder`,
        `getOrderStatus` or `*`; every call until cleared when `times` is None): wait
        `delay_ms`, then answer `status` (400 to 599, with `retry_after` seconds for 429 and
        503) or do `kind` (`reset`, `empty`, `malformed`, `truncated`, `hang`)."""
        body = _without_none({"endpoint": endpoint, "status": status, "kind": kind,
                              "retryAfter": retry_after, "delayMs": delay_ms, "times": times})
        faults: list[dict[str, Any]] = self._call("mockAddFault", body)["faults"]
        return faults

    def clear_faults(self) -> None:
        self._call("mockClearFaults")

    def journal(self) -> list[dict[str, Any]]:
        """The most recent requests to the API, oldest first, credentials redacted."""
        entries: list[dict[str, Any]] = self._call("mockGetRequests")["requests"]
        return entries

    def clear_journal(self) -> None:
        self._call("mockClearRequests")

    def add_user(self, user: dict[str, Any]) -> dict[str, Any]:
        """Add a user (as a users fixture file writes one) to the mock, or replace the one
        with its token, until the next reset: `add_user({"token": "carol", "id": "c"})`."""
        added: dict[str, Any] = self._call("mockAddUser", user)
        return added

    def add_product(self, product: dict[str, Any]) -> dict[str, Any]:
        """Add a product (as a products fixture file writes one), or replace the one with
        its id, until the next reset."""
        added: dict[str, Any] = self._call("mockAddProduct", product)
        return added

    def add_lifecycle(self, name: str, lifecycle: dict[str, Any]) -> dict[str, Any]:
        """Add a lifecycle (`{"steps": [...]}`, as a lifecycle file writes one), or replace
        the one of its name, until the next reset."""
        added: dict[str, Any] = self._call("mockAddLifecycle",
                                           {"name": name, "lifecycle": lifecycle})
        return added

    def add_stub(self, stub: dict[str, Any] | None = None, /, **fields: Any) -> dict[str, Any]:
        """Add a stub (as a stubs fixture file writes one), or replace the one with its id,
        until the next reset: `add_stub(id="user", method="GET", path="/v1/user",
        body={"id": "{{user.id}}"})`. Its fields go as given, by keyword or in one dict."""
        added: dict[str, Any] = self._call("mockAddStub", {**(stub or {}), **fields})
        return added

    def stubs(self) -> list[dict[str, Any]]:
        """The stubs this mock answers, in the order they are tried."""
        listed: list[dict[str, Any]] = self._call("mockListStubs")["stubs"]
        return listed

    def remove_stub(self, stub_id: str) -> None:
        """Take out a stub added at run time (a fixture's stays until a reset)."""
        self._call("mockRemoveStub", stubId=stub_id)

    def virtual_time(self) -> VirtualTime:
        """A context manager under which `time.sleep`, `time.time`, `time.monotonic` and
        `asyncio.sleep` follow this mock's clock: a sleep moves the clock forward at once
        and returns (testing/virtual_time.py)."""
        return VirtualTime(self.advance_clock)

    def coverage(self) -> list[dict[str, Any]]:
        """Each documented outcome and how often it was served (`GET /__mock/coverage`)."""
        outcomes: list[dict[str, Any]] = self._call("mockGetCoverage")["outcomes"]
        return outcomes

    def namespaces(self) -> list[dict[str, Any]]:
        """Every namespace the mock keeps, the one used most recently first."""
        listed: list[dict[str, Any]] = self._call("mockListNamespaces")["namespaces"]
        return listed

    def reset_all(self) -> None:
        """Forget every namespace; the default one starts afresh."""
        self._call("mockReset", {"all": True})

    def assert_polled_politely(self, order_id: str, *, min_interval: float = 3.0,
                               max_polls: int = 40, tolerance: float = 0.05) -> PollingVerdict:
        """Check the client under test followed the docs' polling guidance for an order:
        no faster than `min_interval` seconds, no more than `max_polls` polls, and no poll
        after the one that saw a final status. Raises AssertionError saying what it broke."""
        verdict = judge_polling(self.order(order_id), min_interval=min_interval,
                                max_polls=max_polls, tolerance=tolerance)
        if verdict.problems:
            raise AssertionError(f"order {order_id} was not polled as the docs advise:\n  "
                                 + "\n  ".join(verdict.problems))
        return verdict


class HttpControl(ControlClient):
    """The control API of a mock served at `url`; `control_token`, the token it asks for
    (`serve --control-token`), if any."""

    def __init__(self, url: str, session: requests.Session | None = None,
                 timeout: float = 10, control_token: str | None = None) -> None:
        self.url = url.rstrip("/")
        self._session = session or requests.Session()
        self._timeout = timeout
        self.control_token = control_token

    def _send(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if self.control_token is not None:
            headers["Authorization"] = f"Bearer {self.control_token}"
        response = self._session.request(method, self.url + path, timeout=self._timeout,
                                         data=None if body is None else json.dumps(body),
                                         headers=headers)
        return parse_control_reply(response.status_code, response.content)


def parse_control_reply(status: int, content: bytes) -> Any:
    try:
        payload = json.loads(content)
    except (ValueError, RecursionError):
        payload = None
    if status >= 400:
        message = payload.get("message") if isinstance(payload, dict) else None
        raise ControlError(status, str(message or content[:200]))
    if not isinstance(payload, dict):
        # Every control reply is a JSON object: anything else is no mock-baanx's.
        raise ControlError(status, f"answered what is no JSON object: {content[:200]!r}")
    return payload


def _without_none(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}
