"""`mock-baanx serve` (granian, its RSGI bridge, Flask) answers what the in-process mock
answers: the same statuses, headers and bodies, and the same journal, over one journey
through every kind of reply. The other doors share one backend in tests/protocol; this one
is a separate process, so ids and times it generates are compared by shape."""

from __future__ import annotations

import re

import pytest
import requests

from mock_baanx import BaanxMock

from ..helpers import ORDER_BODY, headers
from ..served import Served

pytestmark = pytest.mark.served

GENERATED = [
    (re.compile(r"ord_[a-z0-9]{24}"), "ord_*"),
    (re.compile(r"payment_[a-z0-9]{24}"), "payment_*"),
    (re.compile(r"0x[0-9a-f]{64}"), "0x*"),
    (re.compile(r'"paymentId":"[1-9A-HJ-NP-Za-km-z]{44}"'), '"paymentId":"*"'),
    (re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d\.\d{3}(\+\d\d(:\d\d)?)?"), "<time>"),
]
COMPARED_HEADERS = ("content-type", "allow", "access-control-allow-origin",
                    "access-control-allow-methods", "access-control-allow-headers")


def shape(text: str) -> str:
    for pattern, placeholder in GENERATED:
        text = pattern.sub(placeholder, text)
    return text


def journey(base: str, session: requests.Session) -> list[tuple]:
    replies = []

    def send(method, path, **kwargs):
        reply = session.request(method, base + path, timeout=10, **kwargs)
        replies.append((method, shape(path), reply.status_code,
                        {name: reply.headers.get(name) for name in COMPARED_HEADERS},
                        shape(reply.text)))
        return reply

    send("GET", "/v1/order/products/available", headers=headers())
    send("GET", "/v1/order/products/available", headers=headers("subscribed-token"))
    for lifecycle in ("complete", "fail", "expire"):
        order_id = send("POST", "/v1/order", json=ORDER_BODY, headers=headers(
            **{"X-Mock-Lifecycle": lifecycle})).json()["orderId"]
        for _ in range(3):
            send("GET", f"/v1/order/{order_id}", headers=headers())
    send("GET", "/v1/order/products/available", headers=headers(client=None))
    send("GET", "/v1/order/products/available", headers=headers(client="someone-else"))
    send("GET", "/v1/order/products/available", headers=headers("expired-token"))
    send("GET", "/v1/order/products/available", headers=headers("forbidden-token"))
    send("POST", "/v1/order", json=ORDER_BODY, headers=headers("ineligible-token"))
    send("POST", "/v1/order", data=b"[[[", headers=headers(**{"Content-Type": "application/json"}))
    send("POST", "/v1/order", json={"productId": "NOPE", "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"},
         headers=headers())
    send("GET", "/v1/order/ord_unknown", headers=headers())
    send("DELETE", "/v1/order", headers=headers())
    send("OPTIONS", "/v1/order", headers={"Origin": "http://localhost:3000",
                                          "Access-Control-Request-Method": "POST"})
    send("GET", "/nowhere", headers=headers())
    send("POST", "/v1/order", json=ORDER_BODY, headers=headers(**{"X-Mock-Fault": "500"}))
    send("POST", "/v1/order", json=ORDER_BODY, headers=headers(**{"X-Mock-Lifecycle": "nope"}))
    journal = session.get(base + "/__mock/requests", timeout=10).json()["requests"]
    # Every header as recorded, but Host, which the HTTP connection adds below `requests`.
    replies.append([(entry["method"], shape(entry["path"]), entry["status"], entry["endpoint"],
                     sorted((name, value) for name, value in entry["headers"].items()
                            if name != "host"))
                    for entry in journal])
    return replies


def test_the_served_mock_answers_the_whole_journey_as_the_in_process_one():
    with BaanxMock() as mock:
        in_process = journey(mock.base_url, requests.Session())
    served = Served()
    try:
        over_http = journey(served.url, requests.Session())
    finally:
        served.stop()
    for expected, seen in zip(in_process, over_http, strict=True):
        assert seen == expected
    statuses = [reply[2] for reply in in_process[:-1]]
    assert {200, 204, 401, 403, 404, 405, 422, 498, 499, 500} <= set(statuses)
