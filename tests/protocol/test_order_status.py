"""GET /v1/order/{orderId}: every documented status, and what a poller sees."""

from __future__ import annotations

import json
import re

import pytest

from mock_baanx import Backend, create_app, load_fixtures

from ..helpers import assert_error, create, headers, poll

PAID_AT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\+\d{2}$")


def test_default_lifecycle_completes_on_the_third_poll(client):
    created = create(client)
    order_id = created["orderId"]
    first, second, third = (poll(client, order_id) for _ in range(3))
    assert first == second == {"requestId": created["requestId"], "orderId": order_id,
                               "status": "STARTED"}
    assert third["status"] == "COMPLETED"
    assert third["requestId"] == created["requestId"]
    assert PAID_AT.match(third["paidAt"])
    assert third["paidAt"] == "2026-03-27 14:07:12.662+00"
    assert re.fullmatch(r"[1-9A-HJ-NP-Za-km-z]{44}", third["metadata"]["paymentId"])
    assert re.fullmatch(r"0x[0-9a-f]{64}", third["metadata"]["txHash"])
    assert "note" not in third["metadata"]


def test_a_completed_order_never_changes_again(client, time_source):
    order_id = create(client)["orderId"]
    for _ in range(3):
        poll(client, order_id)
    final = poll(client, order_id)
    time_source.tick(3600)
    assert [poll(client, order_id) for _ in range(5)] == [final] * 5


def test_unknown_order_answers_404(client):
    assert_error(client.get("/v1/order/ord_does_not_exist", headers=headers()), 404,
                 "Order not found")


def test_another_users_order_is_not_found(client):
    order_id = create(client)["orderId"]
    response = client.get(f"/v1/order/{order_id}", headers=headers("subscribed-token"))
    assert_error(response, 404, "Order not found")
    # Peeking did not count as a poll of the owner's order.
    assert [poll(client, order_id)["status"] for _ in range(3)] == ["STARTED", "STARTED",
                                                                    "COMPLETED"]


def test_another_clients_order_is_not_found(tmp_path):
    fixtures = tmp_path / "fixtures.json"
    fixtures.write_text(json.dumps({"clients": [{"id": "demo-client"}, {"id": "other-app"}]}))
    app = create_app(Backend(load_fixtures(fixtures)))
    client = app.test_client()
    order_id = create(client)["orderId"]
    response = client.get(f"/v1/order/{order_id}", headers=headers(client="other-app"))
    assert_error(response, 404, "Order not found")
    assert poll(client, order_id)["status"] == "STARTED"


@pytest.mark.parametrize(("request_headers", "status", "message"), [
    ({"Authorization": "Bearer demo-token"}, 499, "Missing client key"),
    (headers(client="nope"), 498, "Invalid client key"),
    (headers(token=None), 401, "Not authenticated"),
    (headers("expired-token"), 401, "Not authenticated"),
    (headers("forbidden-token"), 403, "Not authorized"),
])
def test_header_rules_come_before_the_lookup(client, request_headers, status, message):
    order_id = create(client)["orderId"]
    assert_error(client.get(f"/v1/order/{order_id}", headers=request_headers), status, message)
    assert_error(client.get("/v1/order/missing", headers=request_headers), status, message)


def test_injected_fault_answers_500_without_counting_a_poll(client, backend):
    order_id = create(client)["orderId"]
    response = client.get(f"/v1/order/{order_id}", headers=headers(**{"X-Mock-Fault": "500"}))
    assert_error(response, 500, "Internal server error")
    assert backend.order(order_id).poll_count == 0
