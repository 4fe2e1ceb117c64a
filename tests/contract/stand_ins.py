"""Stand-in upstreams for the contract kit's tests: the mock's own replies, some rewritten
the way a drifted API would answer. A rewrite takes the request and the mock's
(status, body) and returns (status, body) or (status, body, extra headers)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from mock_baanx import BaanxMock
from mock_baanx.protocol.messages import Reply, Request

Rewrite = Callable[[Request, Any], Any]


def faithful(request, reply):
    return reply


def pending(request, reply):
    status, body = reply
    if request.method == "GET" and request.path.startswith("/v1/order/ord_"):
        body = {**body, "status": "PENDING"}
    return status, body


def amount_as_text(request, reply):
    status, body = reply
    if request.method == "POST" and status == 200:
        body["paymentConfig"]["paymentAmount"] = str(body["paymentConfig"]["paymentAmount"])
    return status, body


def no_order_id(request, reply):
    status, body = reply
    if request.method == "POST" and status == 200:
        del body["orderId"]
    return status, body


def other_error_shape(request, reply):
    status, body = reply
    if status >= 400:
        body = {"error": {"code": status, "detail": body["message"]}}
    return status, body


def wrapped_array(request, reply):
    status, body = reply
    if request.path == "/v1/order/products/available" and status == 200:
        body = {"products": body}
    return status, body


def added_field(request, reply):
    status, body = reply
    if request.method == "GET" and status == 200 and isinstance(body, dict):
        body = {**body, "riskScore": 3}
    return status, body


class ChangesAfterFinal:
    """COMPLETED on one poll, FAILED on the next: a final status that changes."""

    def __init__(self) -> None:
        self.completed: set[str] = set()

    def __call__(self, request, reply):
        status, body = reply
        if request.method == "GET" and status == 200 and isinstance(body, dict):
            if body["orderId"] in self.completed:
                body = {key: value for key, value in body.items() if key != "paidAt"}
                body["status"] = "FAILED"
            elif body["status"] == "COMPLETED":
                self.completed.add(body["orderId"])
        return status, body


def refuses_every_token(request, reply):
    return 401, {"message": "Not authenticated"}


class BusyOnce:
    """503 with Retry-After: 0 to the first request, then the mock's replies."""

    def __init__(self) -> None:
        self.sent = 0

    def __call__(self, request, reply):
        self.sent += 1
        if self.sent == 1:
            return 503, {"message": "Service Unavailable"}, {"Retry-After": "0"}
        return reply


def echoes_the_token(request, reply):
    status, body = reply
    if status == 401:
        body = {"message": f"Not authenticated: {request.header('authorization')}",
                "hint": "demo-client"}
    return status, body


class StandInUpstream:
    """A WSGI app answering as the mock would, with `rewrite` applied to the Baanx replies;
    serve it with BackgroundServer."""

    def __init__(self, rewrite: Rewrite = faithful, control: bool = True,
                 fixtures: Any = None) -> None:
        self.mock = BaanxMock(control=control, strict=False, fixtures=fixtures)
        self.rewrite = rewrite

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        headers = [(key[5:].replace("_", "-"), value) for key, value in environ.items()
                   if key.startswith("HTTP_")]
        if environ.get("CONTENT_TYPE"):
            headers.append(("Content-Type", environ["CONTENT_TYPE"]))
        request = Request.build(environ["REQUEST_METHOD"], environ["PATH_INFO"], headers,
                                environ["wsgi.input"].read(length) if length else b"",
                                environ.get("QUERY_STRING", ""))
        reply = self.mock.handle(request)
        if not request.path.startswith("/__mock/") and reply.body:
            payload = self.rewrite(request, (reply.status, json.loads(reply.body)))
            changed = Reply.json(payload[0], payload[1])
            extra = tuple(payload[2].items()) if len(payload) > 2 else ()
            reply = Reply(changed.status, changed.body, (*changed.headers, *extra))
        start_response(f"{reply.status} X", list(reply.headers))
        return [reply.body]


# Two endpoints beside the order API, as a wallet calls them: the signed-in user (with a
# person's data) and a card by its id.
WALLET_STUBS = [
    {"id": "user", "method": "GET", "path": "/v1/user",
     "body": {"id": "{{user.id}}", "email": "jane.doe@example.org", "firstName": "Jane",
              "kycVerified": "{{user.kycVerified}}", "tier": 2}},
    {"id": "card", "method": "GET", "path": "/v1/cards/{cardId}",
     "body": {"id": "{{path.cardId}}", "status": "ACTIVE", "last4": "4242",
              "limits": [{"kind": "daily", "amount": 500}]}},
    {"id": "freeze", "method": "POST", "path": "/v1/cards/{cardId}/freeze",
     "body": {"id": "{{path.cardId}}", "frozen": "{{body.frozen}}"}},
]


def last4_as_number(request, reply):
    status, body = reply
    if request.method == "GET" and "/v1/cards/" in request.path and status == 200:
        body = {**body, "last4": 4242}
    return status, body
