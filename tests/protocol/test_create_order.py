"""POST /v1/order: every documented status, and every kind of bad body."""

from __future__ import annotations

import json
import logging

import pytest

from mock_baanx import create_app
from mock_baanx.core import Backend, Clock, PaymentMethod, seeded_ids
from mock_baanx.storage.fixture_files import load_fixtures

from ..helpers import ORDER_BODY, assert_error, create, headers, poll

PATH = "/v1/order"


def test_creates_a_started_order_with_the_products_payment_config(client):
    body = create(client)
    assert set(body) == {"requestId", "orderId", "paymentConfig"}
    assert body["paymentConfig"] == {
        "paymentAmount": 199,
        "paymentCurrency": "USD",
        "destinationAddress": "0x3a11a86cf218c448be519728cd3ac5c741fb3424",
        "destinationChainId": "59144",
        "destinationTokenSymbol": "USDC",
        "destinationTokenAddress": "0x176211869cA2b568f2A7D4EE941E073a821EE1ff",
    }
    assert poll(client, body["orderId"])["status"] == "STARTED"


def test_metal_card_costs_299(client):
    body = create(client, body={"productId": "METAL_CARD",
                                "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"})
    assert body["paymentConfig"]["paymentAmount"] == 299


def test_ids_are_unique_url_safe_and_the_request_id_sticks_to_the_order(client):
    created = [create(client) for _ in range(20)]
    order_ids = {body["orderId"] for body in created}
    request_ids = {body["requestId"] for body in created}
    assert len(order_ids) == len(request_ids) == 20
    for body in created:
        assert all(char.isalnum() or char in "_-" for char in body["orderId"])
        assert poll(client, body["orderId"])["requestId"] == body["requestId"]


def test_unknown_extra_fields_are_ignored(client):
    create(client, body={**ORDER_BODY, "coupon": "FREE", "nested": {"a": [1, 2]}})


def test_content_type_with_charset_is_json(client):
    response = client.post(PATH, data=json.dumps(ORDER_BODY), headers=headers(
        **{"Content-Type": "application/json; charset=utf-8"}))
    assert response.status_code == 200


def test_a_long_integer_in_an_unknown_field_is_json_and_ignored(client):
    raw = (b'{"productId": "METAL_CARD", "paymentMethod": "CRYPTO_EXTERNAL_DAIMO", "n": 1'
           + b"0" * 5000 + b"}")
    response = client.post(PATH, data=raw, headers=headers(**{
        "Content-Type": "application/json"}))
    assert response.status_code == 200


@pytest.mark.parametrize(("raw", "content_type", "message"), [
    (b"", "application/json", "request body must be valid JSON"),
    (b"{", "application/json", "request body must be valid JSON"),
    (b"{'productId': 1}", "application/json", "request body must be valid JSON"),
    (b"\xff\xfe\x00garbage", "application/json", "request body must be valid JSON"),
    (b"[]", "application/json", "request body must be a JSON object"),
    (b'"PREMIUM_SUBSCRIPTION"', "application/json", "request body must be a JSON object"),
    (b"null", "application/json", "request body must be a JSON object"),
    (b"42", "application/json", "request body must be a JSON object"),
    (json.dumps(ORDER_BODY).encode(), "text/plain", "Content-Type must be application/json"),
    (json.dumps(ORDER_BODY).encode(), None, "Content-Type must be application/json"),
    (b"productId=PREMIUM_SUBSCRIPTION", "application/x-www-form-urlencoded",
     "Content-Type must be application/json"),
    (b"{}", "application/json", "productId is required"),
    (b'{"productId": "PREMIUM_SUBSCRIPTION"}', "application/json",
     "paymentMethod is required"),
    (b'{"paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}', "application/json",
     "productId is required"),
    (b'{"productId": 7, "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}', "application/json",
     "productId must be a string, not an integer"),
    (b'{"productId": null, "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}', "application/json",
     "productId must be a string, not null"),
    (b'{"productId": "PREMIUM_SUBSCRIPTION", "paymentMethod": "CARD"}', "application/json",
     "paymentMethod must be one of: CRYPTO_EXTERNAL_DAIMO"),
    (b'{"productId": "PREMIUM_SUBSCRIPTION", "paymentMethod": ["CRYPTO_EXTERNAL_DAIMO"]}',
     "application/json", "paymentMethod must be a string, not a JSON array"),
    (b'{"productId": "GOLD_BAR", "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}',
     "application/json", "productId must be one of: METAL_CARD, PREMIUM_SUBSCRIPTION"),
    (b'{"productId": "PREMIUM\\u0000_SUBSCRIPTION", "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}',
     "application/json", "productId must be one of: METAL_CARD, PREMIUM_SUBSCRIPTION"),
    # A raw NUL inside a JSON string is not JSON at all.
    (b'{"productId": "PREMIUM\x00", "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}',
     "application/json", "request body must be valid JSON"),
    ('{"productId": "\u202ePREMIUM_SUBSCRIPTION", "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}'
     .encode(), "application/json",
     "productId must be one of: METAL_CARD, PREMIUM_SUBSCRIPTION"),
    (b"[" * 100_000 + b"]" * 100_000, "application/json",
     "request body is nested too deeply"),
    (b'{"a": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", "application/json",
     "request body is nested too deeply"),
    # JSON as RFC 8259 defines it: a 5,000-digit integer is JSON (here in the wrong field),
    # NaN and Infinity are not, and 1e999 is no number a double can hold.
    (b'{"productId": 1' + b"0" * 5000 + b', "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}',
     "application/json", "productId must be a string, not an integer"),
    (b'{"productId": 1e999, "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}', "application/json",
     'request body has a number too large for a double: "1e999"'),
    (b'{"productId": "METAL_CARD", "paymentMethod": "CRYPTO_EXTERNAL_DAIMO", "n": NaN}',
     "application/json", "request body must be valid JSON"),
    (b'{"productId": "METAL_CARD", "paymentMethod": "CRYPTO_EXTERNAL_DAIMO", "n": -Infinity}',
     "application/json", "request body must be valid JSON"),
])
def test_bad_bodies_answer_422_naming_the_problem(client, raw, content_type, message):
    request_headers = headers()
    if content_type is not None:
        request_headers["Content-Type"] = content_type
    assert_error(client.post(PATH, data=raw, headers=request_headers), 422, message)
    # Nothing was created, and the mock is still serving.
    create(client)


def test_duplicate_keys_take_the_last_value(client):
    raw = (b'{"productId": "GOLD", "productId": "METAL_CARD",'
           b' "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}')
    response = client.post(PATH, data=raw,
                           headers=headers(**{"Content-Type": "application/json"}))
    assert response.status_code == 200
    assert response.get_json()["paymentConfig"]["paymentAmount"] == 299


@pytest.mark.parametrize(("token", "product"), [
    ("ineligible-token", "PREMIUM_SUBSCRIPTION"),
    ("ineligible-token", "METAL_CARD"),
    ("subscribed-token", "PREMIUM_SUBSCRIPTION"),
])
def test_ineligible_product_answers_403(client, token, product):
    response = client.post(PATH, json={"productId": product,
                                       "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"},
                           headers=headers(token))
    assert_error(response, 403, "Not authorized")


def test_subscribed_user_may_still_order_a_metal_card(client):
    create(client, "subscribed-token", body={"productId": "METAL_CARD",
                                             "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"})


@pytest.mark.parametrize(("request_headers", "body", "status", "message"), [
    ({"Authorization": "Bearer demo-token"}, ORDER_BODY, 499, "Missing client key"),
    (headers(client="nope"), ORDER_BODY, 498, "Invalid client key"),
    (headers(token=None), ORDER_BODY, 401, "Not authenticated"),
    (headers("expired-token"), ORDER_BODY, 401, "Not authenticated"),
    (headers("forbidden-token"), ORDER_BODY, 403, "Not authorized"),
    # Header rules come before the body is even read.
    ({"Authorization": "Bearer demo-token"}, "not json", 499, "Missing client key"),
    (headers(token=None), "not json", 401, "Not authenticated"),
    (headers("forbidden-token"), {"productId": 5}, 403, "Not authorized"),
    # An invalid body (422) is judged before eligibility (403).
    (headers("ineligible-token"), {"productId": "PREMIUM_SUBSCRIPTION"}, 422,
     "paymentMethod is required"),
])
def test_check_order(client, request_headers, body, status, message):
    if isinstance(body, str):
        response = client.post(PATH, data=body, headers={**request_headers,
                                                          "Content-Type": "application/json"})
    else:
        response = client.post(PATH, json=body, headers=request_headers)
    assert_error(response, status, message)


def test_injected_fault_answers_500_and_creates_nothing(client, backend):
    response = client.post(PATH, json=ORDER_BODY, headers=headers(**{"X-Mock-Fault": "500"}))
    assert_error(response, 500, "Internal server error")
    assert backend.orders() == []


def test_past_the_order_limit_each_new_order_forgets_the_one_used_longest_ago(time_source):
    backend = Backend(load_fixtures(), clock=Clock(time_source), ids=seeded_ids(3),
                      max_orders=3)
    client = create_app(backend).test_client()
    order_ids = [create(client)["orderId"] for _ in range(5)]
    assert [order.order_id for order in reversed(backend.orders())] == order_ids[2:]
    for forgotten in order_ids[:2]:
        assert_error(client.get(f"{PATH}/{forgotten}", headers=headers()), 404)
    # Polling the oldest order keeps it in use: the next create forgets the one used
    # longest ago instead, the second oldest.
    assert poll(client, order_ids[2])["status"] == "STARTED"
    create(client)
    assert poll(client, order_ids[2])["status"] == "STARTED"
    assert_error(client.get(f"{PATH}/{order_ids[3]}", headers=headers()), 404)
    assert client.get("/__mock/health").get_json()["orders"] == {"kept": 3, "max": 3,
                                                                  "forgotten": 3}


def test_a_namespace_lists_its_kept_orders_newest_first_however_many_were_forgotten(
        time_source):
    # Enough orders through a small bound that the ids of forgotten ones pile up behind
    # the first order, kept in use by polls, and are swept out; two namespaces take turns.
    backend = Backend(load_fixtures(), clock=Clock(time_source), ids=seeded_ids(4),
                      max_orders=10)
    identity = backend.authenticate("demo-client", "demo-token")
    created: dict[str, list[str]] = {"default": [], "other": []}
    for number in range(4500):
        namespace = "other" if number % 3 == 0 else "default"
        created[namespace].append(backend.create_order(
            identity, "METAL_CARD", PaymentMethod.CRYPTO_EXTERNAL_DAIMO,
            namespace=namespace).order_id)
        if number % 4 == 0:
            backend.poll_order(identity, created["other"][0], namespace="other")
    kept = {namespace: [order.order_id for order in backend.orders(namespace=namespace)]
            for namespace in created}
    # Kept: the first order of "other", used every few creates, and the nine newest.
    assert kept == {"default": created["default"][::-1][:6],
                    "other": [*created["other"][::-1][:3], created["other"][0]]}
    assert [order.order_id for order in backend.orders(offset=2, limit=3)] == \
        kept["default"][2:5]
    assert {summary.name: summary.orders for summary in backend.store.namespaces()} == {
        "default": 6, "other": 4}
    assert (backend.store.orders_kept(), backend.store.orders_forgotten()) == (10, 4490)
    backend.store.reset("other")
    assert (backend.store.orders_kept(), backend.order_count(namespace="other")) == (6, 0)
    backend.store.reset_all()
    assert (backend.store.orders_kept(), backend.orders()) == (0, [])


def test_the_first_order_forgotten_is_logged_once_with_how_to_raise_the_bound(caplog):
    client = create_app(Backend(load_fixtures(), max_orders=2)).test_client()
    with caplog.at_level(logging.WARNING, logger="mock_baanx"):
        for _ in range(2):
            create(client)
        assert caplog.records == []
        for _ in range(3):
            create(client)
    assert [record.getMessage() for record in caplog.records] == [
        "mock-baanx: 2 orders kept, the bound: from now on each new order forgets the order "
        "used longest ago (polling it answers 404); raise the bound with serve --max-orders "
        "N or BaanxMock(max_orders=N)"]
