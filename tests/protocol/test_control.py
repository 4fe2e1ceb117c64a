"""The /__mock/ control API: every call, its bad input, and what a rejected call leaves."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mock_baanx import create_app
from mock_baanx.protocol import ROUTES, Options, RouteKind, schemas

from ..helpers import ORDER_BODY, assert_error, assert_valid, create, headers, poll


def control(client, method, path, schema, **kwargs):
    response = client.open(path, method=method, **kwargs)
    return assert_valid(response, f"control/{schema}")


def test_health(client):
    assert control(client, "GET", "/__mock/health", "health.json") == {
        "status": "ok", "orders": {"kept": 0, "max": 600_000, "forgotten": 0}}


def test_orders_lists_newest_first_with_owner_product_lifecycle_and_history(client):
    first = create(client)["orderId"]
    second = create(client, "subscribed-token",
                    body={"productId": "METAL_CARD", "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"},
                    **{"X-Mock-Lifecycle": "fail"})["orderId"]
    poll(client, first)
    listed = control(client, "GET", "/__mock/orders", "orders.json")["orders"]
    assert [order["orderId"] for order in listed] == [second, first]
    newest, oldest = listed
    assert (newest["userId"], newest["productId"], newest["lifecycle"], newest["clientId"]) == (
        "user-premium", "METAL_CARD", "fail", "demo-client")
    assert oldest["pollCount"] == 1
    assert oldest["lastPolledAt"] == oldest["pollTimes"][0]
    assert oldest["history"] == [{"status": "STARTED", "at": oldest["createdAt"],
                                  "afterPolls": 0, "cause": "created"}]


def test_reading_an_order_is_not_a_poll(client):
    order_id = create(client)["orderId"]
    for _ in range(5):
        detail = control(client, "GET", f"/__mock/orders/{order_id}", "order.json")
    assert detail["pollCount"] == 0
    assert detail["status"] == "STARTED"


def test_unknown_order_is_404(client):
    assert_error(client.get("/__mock/orders/ord_nope"), 404, "Order not found")
    assert_error(client.post("/__mock/orders/ord_nope/status", json={"status": "FAILED"}), 404,
                 "Order not found")


@pytest.mark.parametrize(("forced", "expected"), [
    ({"status": "COMPLETED"}, {"status": "COMPLETED"}),
    ({"status": "FAILED"}, {"status": "FAILED", "metadata": {"note": "payment_refunded"}}),
    ({"status": "FAILED", "note": "payment_bounced"},
     {"status": "FAILED", "metadata": {"note": "payment_bounced"}}),
    ({"status": "EXPIRED"}, {"status": "EXPIRED"}),
    ({"status": "COMPLETED", "paidAt": "2023-03-27 17:07:12.662+03"},
     {"status": "COMPLETED", "paidAt": "2023-03-27 17:07:12.662+03"}),
])
def test_force_a_final_status(client, forced, expected):
    order_id = create(client, **{"X-Mock-Lifecycle": "never"})["orderId"]
    detail = control(client, "POST", f"/__mock/orders/{order_id}/status", "order.json",
                     json=forced)
    assert detail["status"] == forced["status"]
    assert detail["history"][-1]["cause"] == "forced"
    seen = poll(client, order_id)
    for key, value in expected.items():
        assert seen[key] == value
    if forced["status"] == "COMPLETED":
        assert {"paymentId", "txHash"} <= set(seen["metadata"])


def test_forcing_a_final_order_is_409_and_changes_nothing(client):
    order_id = create(client, **{"X-Mock-Lifecycle": "instant"})["orderId"]
    before = poll(client, order_id)
    response = client.post(f"/__mock/orders/{order_id}/status", json={"status": "FAILED"})
    assert_error(response, 409)
    assert "already COMPLETED" in response.get_json()["message"]
    assert poll(client, order_id) == before


@pytest.mark.parametrize(("body", "message"), [
    ({"status": "STARTED"}, "status must be one of: COMPLETED, FAILED, EXPIRED"),
    ({"status": "PENDING"}, "status must be one of: COMPLETED, FAILED, EXPIRED; PENDING is seen "
                            "in real clients but not in the Baanx docs: turn extended statuses "
                            "on (serve --extended-statuses"),
    ({}, "status is required"),
    ({"status": "COMPLETED", "paidAt": "yesterday"},
     "paidAt must be in the docs' form YYYY-MM-DD HH:MM:SS.mmm+HH, like 2026-03-27 "
     '17:07:12.662+00, not "yesterday"'),
    ({"status": "COMPLETED", "paidAt": "2026-13-01 25:61:61.000+99"},
     "paidAt must be in the docs' form"),
    ({"status": "COMPLETED", "paidAt": "2026-03-27 24:00:00.000+00"},
     "paidAt must be in the docs' form"),
    ({"status": "COMPLETED", "paidAt": "2026-02-30 17:07:12.662+00"},
     "paidAt: 2026-02-30 17:07:12.662+00 is a day no calendar has"),
    ({"status": "COMPLETED", "paidAt": "2025-02-29 17:07:12.662+00"},
     "paidAt: 2025-02-29 17:07:12.662+00 is a day no calendar has"),
    ([], "request body must be a JSON object"),
])
def test_bad_forced_status_is_422_and_changes_nothing(client, body, message):
    order_id = create(client, **{"X-Mock-Lifecycle": "never"})["orderId"]
    response = client.post(f"/__mock/orders/{order_id}/status", json=body)
    assert_error(response, 422)
    assert response.get_json()["message"].startswith(message)
    assert client.get(f"/__mock/orders/{order_id}").get_json()["history"][-1]["cause"] == (
        "created")


def test_control_bodies_need_no_content_type(client):
    order_id = create(client, **{"X-Mock-Lifecycle": "never"})["orderId"]
    response = client.post(f"/__mock/orders/{order_id}/status", data='{"status": "EXPIRED"}',
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert_error(client.post("/__mock/lifecycle", data="{name: fail}"), 422,
                 "request body must be valid JSON")


def test_lifecycle_for_next_orders(client):
    state = control(client, "POST", "/__mock/lifecycle", "lifecycle.json",
                    json={"name": "fail", "count": 2})
    assert state["next"] == {"name": "fail", "remaining": 2}
    assert state["default"] == "complete"
    assert {"name": "never", "description": "STARTED forever: exercises a client giving up "
            "after its last poll."} in state["known"]
    create(client)
    assert control(client, "GET", "/__mock/lifecycle", "lifecycle.json")["next"] == {
        "name": "fail", "remaining": 1}
    create(client)
    assert control(client, "GET", "/__mock/lifecycle", "lifecycle.json")["next"] is None


@pytest.mark.parametrize(("body", "message"), [
    ({"name": "sometimes"}, "lifecycle must be one of: complete, complete-after-30s, expire, "
                            "fail, instant, never"),
    ({}, "name is required"),
    ({"name": "fail", "count": 0}, "count: 0 is less than the minimum of 1"),
    ({"name": "fail", "count": 1.5}, "count must be an integer, not a number"),
    ({"name": "fail", "count": "2"}, "count must be an integer, not a string"),
])
def test_bad_lifecycle_requests_are_422_and_change_nothing(client, body, message):
    control(client, "POST", "/__mock/lifecycle", "lifecycle.json", json={"name": "expire"})
    assert_error(client.post("/__mock/lifecycle", json=body), 422, message)
    assert control(client, "GET", "/__mock/lifecycle", "lifecycle.json")["next"] == {
        "name": "expire", "remaining": None}


def test_clock(client):
    assert control(client, "GET", "/__mock/clock", "clock.json") == {
        "now": "2026-03-27T14:07:12.662+00:00", "offsetSeconds": 0}
    assert control(client, "POST", "/__mock/clock", "clock.json",
                   json={"advanceSeconds": 90.5}) == {
        "now": "2026-03-27T14:08:43.162+00:00", "offsetSeconds": 90.5}


@pytest.mark.parametrize(("body", "message"), [
    ({"advanceSeconds": -5}, "advanceSeconds: -5 is less than the minimum of 0"),
    ({"advanceSeconds": "60"}, "advanceSeconds must be a number"),
    ({}, "advanceSeconds is required"),
    # json.dumps writes inf as Infinity, which is not JSON.
    ({"advanceSeconds": 1e999}, "request body must be valid JSON"),
])
def test_bad_clock_requests_are_422_and_leave_the_clock(client, body, message):
    response = client.post("/__mock/clock", json=body) if "1e999" not in str(body) else (
        client.post("/__mock/clock", data='{"advanceSeconds": 1e999}'))
    assert_error(response, 422)
    assert response.get_json()["message"].startswith(message)
    assert control(client, "GET", "/__mock/clock", "clock.json")["offsetSeconds"] == 0


def test_a_fault_for_the_next_create(client, backend):
    faults = control(client, "POST", "/__mock/faults", "faults.json",
                     json={"endpoint": "createOrder", "status": 500, "times": 1})
    assert faults == {"faults": [{"endpoint": "createOrder", "status": 500, "kind": None,
                                  "retryAfter": None, "delayMs": 0, "times": 1}]}
    # Other endpoints are untouched.
    assert client.get("/v1/order/products/available", headers=headers()).status_code == 200
    assert_error(client.post("/v1/order", json=ORDER_BODY, headers=headers()), 500,
                 "Internal server error")
    assert backend.orders() == []
    create(client)
    assert control(client, "GET", "/__mock/faults", "faults.json") == {"faults": []}


@pytest.mark.parametrize("status", [401, 403, 404, 422, 498, 499, 500])
def test_any_documented_error_can_be_injected_into_any_endpoint(client, status):
    order_id = create(client)["orderId"]
    control(client, "POST", "/__mock/faults", "faults.json",
            json={"endpoint": "*", "status": status})
    for path in ("/v1/order/products/available", f"/v1/order/{order_id}"):
        assert_error(client.get(path, headers=headers()), status)
    assert_error(client.post("/v1/order", json=ORDER_BODY, headers=headers()), status)
    control(client, "DELETE", "/__mock/faults", "faults.json")
    create(client)


def test_latency_until_cleared(client, sleeps):
    control(client, "POST", "/__mock/faults", "faults.json",
            json={"endpoint": "*", "delayMs": 300})
    for _ in range(3):
        client.get("/v1/order/products/available", headers=headers())
    assert sleeps == [0.3, 0.3, 0.3]
    assert control(client, "DELETE", "/__mock/faults", "faults.json") == {"faults": []}
    client.get("/v1/order/products/available", headers=headers())
    assert sleeps == [0.3, 0.3, 0.3]


def test_a_fault_may_delay_and_then_fail(client, sleeps):
    control(client, "POST", "/__mock/faults", "faults.json",
            json={"endpoint": "getOrderStatus", "status": 404, "delayMs": 50, "times": 2})
    order_id = create(client)["orderId"]
    for _ in range(2):
        assert_error(client.get(f"/v1/order/{order_id}", headers=headers()), 404)
    assert sleeps == [0.05, 0.05]
    assert poll(client, order_id)["status"] == "STARTED"


@pytest.mark.parametrize(("body", "message"), [
    ({"endpoint": "deleteOrder", "status": 500}, "endpoint must be one of: *, "
                                                  "getAvailableProducts, createOrder, "
                                                  "getOrderStatus"),
    ({"endpoint": "*", "status": 399}, "status: 399 is less than the minimum of 400"),
    ({"endpoint": "*", "status": 600}, "status: 600 is greater than the maximum of 599"),
    ({"endpoint": "*", "kind": "explode"}, "kind must be one of: reset, empty, malformed, "
                                           "truncated, hang"),
    ({"endpoint": "*", "status": 500, "kind": "reset"}, "give status or kind, not both"),
    ({"endpoint": "*", "status": 500, "retryAfter": 5}, "retryAfter goes with status 429 or "
                                                        "503 only"),
    ({"endpoint": "*", "kind": "hang", "retryAfter": 5}, "retryAfter goes with status 429 or "
                                                         "503 only"),
    ({"endpoint": "*", "status": 500, "times": 1.5}, "times must be an integer"),
    ({"endpoint": "*", "status": 500, "times": "once"}, "times must be an integer"),
    ({"endpoint": "*", "status": 500, "times": 0}, "times: 0 is less than the minimum of 1"),
    ({"endpoint": "*", "status": 500, "times": 2**31}, "times: 2147483648 is greater than the "
                                                       "maximum of 2147483647"),
    ({"endpoint": "*", "delayMs": -1}, "delayMs: -1 is less than the minimum of 0"),
    ({"endpoint": "*", "delayMs": 600_000}, "delayMs: 600000 is greater than the maximum"),
    ({"endpoint": "*"}, "request body needs one of: status, kind, delayMs"),
    ({"status": 500}, "endpoint is required"),
])
def test_bad_fault_requests_are_422_and_add_nothing(client, body, message):
    response = client.post("/__mock/faults", json=body)
    assert_error(response, 422)
    assert response.get_json()["message"].startswith(message)
    assert control(client, "GET", "/__mock/faults", "faults.json") == {"faults": []}


OVERLONG = "9" * 5000


PRODUCT = json.dumps({"id": "BIG", "description": "Big", "paymentConfig": {
    "paymentAmount": 0, "paymentCurrency": "USD",
    "destinationAddress": "0x3a11a86cf218c448be519728cd3ac5c741fb3424",
    "destinationChainId": "59144", "destinationTokenSymbol": "USDC",
    "destinationTokenAddress": "0x176211869cA2b568f2A7D4EE941E073a821EE1ff"}})


@pytest.mark.parametrize(("path", "body", "listing"), [
    ("/__mock/lifecycle", f'{{"name": "fail", "count": {OVERLONG}}}', "/__mock/lifecycle"),
    ("/__mock/faults", f'{{"endpoint": "*", "delayMs": 1, "times": {OVERLONG}}}',
     "/__mock/faults"),
    ("/__mock/products", PRODUCT.replace('"paymentAmount": 0', f'"paymentAmount": {OVERLONG}'),
     "/v1/order/products/available"),
    ("/__mock/stubs", '{"id": "big", "method": "GET", "path": "/v1/big", '
     f'"body": {{"n": {OVERLONG}}}}}', "/__mock/stubs"),
])
def test_an_integer_no_reply_can_write_is_422_and_changes_nothing(client, path, body, listing):
    """What the control API keeps, it writes back: an integer past Python's limit on
    digits is refused at once, not kept to break every reply that would show it."""
    before = client.get(listing, headers=headers()).get_json()
    response = client.post(path, data=body, content_type="application/json")
    assert_error(response, 422, "request body has an integer of more than 4,300 digits, more "
                                "than the mock keeps: 99999999999999999999...")
    assert client.get(listing, headers=headers()).get_json() == before
    assert poll(client, create(client)["orderId"])["status"] == "STARTED"


@pytest.mark.parametrize(("path", "body", "listing"), [
    ("/__mock/users", '{"token": "t\\ud800", "id": "u"}', "/__mock/users-known"),
    ("/__mock/users", '{"token": "t", "id": "u", "description": "a\\u0000b"}',
     "/__mock/users-known"),
    ("/__mock/products", PRODUCT.replace('"Big"', '"B\\udc00ig"'),
     "/v1/order/products/available"),
    ("/__mock/stubs", '{"id": "s", "method": "GET", "path": "/v1/s", "body": {"k\\ud83d": 1}}',
     "/__mock/stubs"),
    ("/__mock/stubs", b'{"id": "s", "method": "GET", "path": "/v1/s", "body": "\xed\xa0\x80"}',
     "/__mock/stubs"),
])
def test_a_string_not_every_store_can_keep_is_422_and_changes_nothing(client, path, body,
                                                                       listing):
    """A lone surrogate (a `\\ud800` escape: UTF-8 cannot carry it) or U+0000 (PostgreSQL's
    text cannot hold it) in what the control API keeps is refused in every store alike, not
    kept to break the replies that would show it."""
    def shown() -> Any:
        if listing == "/__mock/users-known":  # no listing of users: is "t" one?
            return client.get("/v1/order/products/available", headers=headers("t")).status_code
        return client.get(listing, headers=headers()).get_json()

    before = shown()
    response = client.post(path, data=body, content_type="application/json")
    assert_error(response, 422)
    assert response.get_json()["message"].startswith(
        "request body has a string the mock cannot keep: ")
    assert shown() == before
    assert client.get("/v1/order/products/available", headers=headers()).status_code == 200


def test_a_surrogate_pair_written_as_escapes_is_one_character_and_kept(client):
    added = client.post("/__mock/users", data='{"token": "pair-token", "id": "u", '
                        '"description": "\\ud83d\\ude00"}', content_type="application/json")
    assert added.status_code == 200


def test_a_stub_echoing_a_lone_surrogate_answers_it_as_a_json_escape(client):
    assert client.post("/__mock/stubs", json={"id": "echo", "method": "POST", "path": "/v1/echo",
                                              "body": {"echo": "{{body.a}}"}}).status_code == 200
    response = client.post("/v1/echo", data='{"a": "x\\ud800"}', headers=headers(),
                           content_type="application/json")
    assert response.status_code == 200
    assert response.data == b'{"echo":"x\\ud800"}'


def test_a_product_with_a_long_integer_within_the_limit_is_kept(client):
    long_amount = PRODUCT.replace('"paymentAmount": 0', f'"paymentAmount": {"9" * 300}')
    assert client.post("/__mock/products", data=long_amount,
                       content_type="application/json").status_code == 200
    created = create(client, body={**ORDER_BODY, "productId": "BIG"})
    assert created["paymentConfig"]["paymentAmount"] == int("9" * 300)


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", f"limit={OVERLONG}", "limit=-1",
                                   "limit=1e3"])
def test_a_page_bound_out_of_range_is_422(client, query):
    assert_error(client.get(f"/__mock/orders?{query}"), 422)
    assert_error(client.get(f"/__mock/requests?{query}"), 422)


@pytest.mark.parametrize("query", ["offset=1000000001", f"offset={OVERLONG}", "offset=-1",
                                   "offset=1e3"])
def test_an_orders_offset_out_of_range_is_422(client, query):
    assert_error(client.get(f"/__mock/orders?{query}"), 422,
                 "offset must be a whole number from 0 to 1000000000")


@pytest.mark.parametrize("limit", ["0001", "0" * 5000 + "1"])
def test_a_page_bound_with_leading_zeros_is_read(client, limit):
    create(client)
    create(client)
    assert len(client.get(f"/__mock/orders?limit={limit}").get_json()["orders"]) == 1
    assert len(client.get(f"/__mock/requests?limit={limit}").get_json()["requests"]) == 1


FAULT_HEADER_RULE = ("X-Mock-Fault must be a status from 400 to 599 or one of: reset, empty, "
                     "malformed, truncated, hang")


@pytest.mark.parametrize(("name", "value", "message"), [
    ("X-Mock-Fault", "399", FAULT_HEADER_RULE),
    ("X-Mock-Fault", "600", FAULT_HEADER_RULE),
    ("X-Mock-Fault", "boom", FAULT_HEADER_RULE),
    ("X-Mock-Delay-Ms", "-1", "X-Mock-Delay-Ms must be a whole number of milliseconds from 0 "
                              "to 60000"),
    ("X-Mock-Delay-Ms", "60001", "X-Mock-Delay-Ms must be a whole number of milliseconds "
                                 "from 0 to 60000"),
    ("X-Mock-Delay-Ms", "\u00b2", "X-Mock-Delay-Ms must be a whole number of milliseconds "
                                   "from 0 to 60000"),
    ("X-Mock-Delay-Ms", "99999999999999999999", "X-Mock-Delay-Ms must be a whole number of "
                                                "milliseconds from 0 to 60000"),
    ("X-Mock-Fault", "\u0665\u0660\u0660", FAULT_HEADER_RULE),
    ("X-Mock-Fault", "5" * 5000, FAULT_HEADER_RULE),
    ("X-Mock-Delay-Ms", "9" * 5000, "X-Mock-Delay-Ms must be a whole number of milliseconds "
                                    "from 0 to 60000"),
])
def test_bad_per_request_fault_headers_are_422(client, backend, name, value, message):
    if client.name == "served" and not value.isascii() and max(map(ord, value)) > 0xFF:
        pytest.skip("requests cannot write a header value beyond Latin-1 on the wire")
    response = client.post("/v1/order", json=ORDER_BODY, headers=headers(**{name: value}))
    assert_error(response, 422, message)
    assert backend.orders() == []


def test_per_request_delay_header(client, sleeps):
    create(client, **{"X-Mock-Delay-Ms": "250"})
    assert sleeps == [0.25]


def test_journal_records_api_calls_with_secrets_redacted(client):
    create(client)
    client.get("/v1/nowhere", headers={"Proxy-Authorization": "Basic c2VjcmV0"})
    client.get("/__mock/orders")
    entries = control(client, "GET", "/__mock/requests", "requests.json")["requests"]
    assert [(entry["method"], entry["path"], entry["status"], entry["endpoint"])
            for entry in entries] == [("POST", "/v1/order", 200, "createOrder"),
                                      ("GET", "/v1/nowhere", 404, None)]
    assert entries[0]["headers"]["authorization"] == "Bearer <redacted>"
    assert entries[0]["headers"]["x-client-id"] == "demo-client"
    assert json.loads(entries[0]["body"]) == ORDER_BODY
    assert entries[1]["headers"]["proxy-authorization"] == "Basic <redacted>"
    text = client.get("/__mock/requests").get_data(as_text=True)
    assert "demo-token" not in text
    assert "c2VjcmV0" not in text
    assert control(client, "DELETE", "/__mock/requests", "requests.json") == {"requests": []}
    assert control(client, "GET", "/__mock/requests", "requests.json") == {"requests": []}


# Over a thousand requests through each door.
@pytest.mark.slow
def test_journal_keeps_the_most_recent_1000(client):
    for index in range(1005):
        client.get(f"/v1/order/ord_{index}", headers=headers())
    entries = control(client, "GET", "/__mock/requests", "requests.json")["requests"]
    assert len(entries) == 1000
    assert entries[0]["path"] == "/v1/order/ord_5"
    assert entries[-1]["path"] == "/v1/order/ord_1004"


def test_reset_clears_orders_lifecycle_faults_journal_and_clock(client, backend):
    create(client)
    client.post("/__mock/lifecycle", json={"name": "fail"})
    client.post("/__mock/faults", json={"endpoint": "*", "delayMs": 1})
    client.post("/__mock/clock", json={"advanceSeconds": 100})
    assert control(client, "POST", "/__mock/reset", "reset.json") == {"status": "reset"}
    assert control(client, "GET", "/__mock/orders", "orders.json") == {"orders": [], "total": 0}
    assert control(client, "GET", "/__mock/lifecycle", "lifecycle.json")["next"] is None
    assert control(client, "GET", "/__mock/faults", "faults.json") == {"faults": []}
    assert control(client, "GET", "/__mock/requests", "requests.json") == {"requests": []}
    assert control(client, "GET", "/__mock/clock", "clock.json")["offsetSeconds"] == 0
    # The fixtures are still there.
    create(client)


def test_without_control_every_mock_path_is_404(backend):
    client = create_app(backend, Options(control=False)).test_client()
    for method, path in [("GET", "/__mock/health"), ("POST", "/__mock/reset"),
                         ("GET", "/__mock/orders"), ("POST", "/__mock/faults"),
                         ("GET", "/__mock/requests"), ("POST", "/__mock/clock")]:
        assert_error(client.open(path, method=method), 404, "Not found")
    response = client.get("/v1/order/products/available",
                          headers=headers(**{"X-Mock-Delay-Ms": "nonsense"}))
    assert response.status_code == 200


def test_every_control_reply_has_a_schema():
    # Strict mode is on in every test above; this checks the mapping is complete.
    for route in ROUTES:
        if route.kind is RouteKind.CONTROL:
            assert (route.reply_schema in schemas.SCHEMAS
                    or route.reply_media_type == "text/html" or route.reply_status == 302)


# Over a thousand polls through each door.
@pytest.mark.slow
def test_poll_times_keep_the_most_recent_1000(client, time_source):
    order_id = create(client, **{"X-Mock-Lifecycle": "never"})["orderId"]
    for _ in range(1003):
        time_source.tick(1)
        client.get(f"/v1/order/{order_id}", headers=headers())
    detail = control(client, "GET", f"/__mock/orders/{order_id}", "order.json")
    assert detail["pollCount"] == 1003
    assert len(detail["pollTimes"]) == 1000
    assert detail["pollTimes"][0] == "2026-03-27T14:07:16.662+00:00"
    assert detail["lastPolledAt"] == "2026-03-27T14:23:55.662+00:00"


def test_the_dashboard_is_one_self_contained_page(client):
    response = client.get("/__mock/ui")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = response.get_data(as_text=True)
    assert "<table id=\"orders\" class=\"cards\">" in page
    # Nothing is fetched from elsewhere: the machine running the mock may be offline.
    assert "http://" not in page
    assert "https://" not in page
    assert "src=" not in page
    assert '<link rel="icon" href="data:,">' in page  # no request for /favicon.ico


def test_without_control_there_is_no_dashboard(backend):
    client = create_app(backend, Options(control=False)).test_client()
    assert_error(client.get("/__mock/ui"), 404, "Not found")


@pytest.mark.parametrize("body", [b"", b" \t\r\n", b"\x0c"])
def test_a_control_body_of_white_space_alone_is_no_json(client, body):
    reply = client.post("/__mock/reset", data=body, content_type="application/json")
    if body:
        assert_error(reply, 422, "request body must be valid JSON")
    else:
        assert reply.status_code == 200
