"""PENDING and REFUNDED: statuses real clients handle that the Baanx docs never list,
producible only when extended statuses are on."""

from __future__ import annotations

import pytest

from mock_baanx import create_app
from mock_baanx.core import Backend
from mock_baanx.protocol import schemas
from mock_baanx.storage.fixture_files import FixtureError, load_fixtures

from ..helpers import ORDER_BODY, assert_error, create, headers, poll
from ..served import run_cli

SWITCH = "turn extended statuses on (serve --extended-statuses"


@pytest.fixture
def extended_client(backend):
    backend.extended_statuses = True
    return create_app(backend).test_client()


def test_the_pending_lifecycle_goes_through_pending_to_completed(extended_client):
    order_id = create(extended_client, **{"X-Mock-Lifecycle": "pending"})["orderId"]
    seen = [poll(extended_client, order_id, extended=True)["status"] for _ in range(5)]
    assert seen == ["STARTED", "PENDING", "PENDING", "COMPLETED", "COMPLETED"]


def test_the_refund_lifecycle_ends_refunded_with_a_note(extended_client):
    order_id = create(extended_client, **{"X-Mock-Lifecycle": "refund"})["orderId"]
    final = [poll(extended_client, order_id, extended=True) for _ in range(3)][-1]
    assert (final["status"], final["metadata"]) == ("REFUNDED", {"note": "payment_refunded"})
    assert "paidAt" not in final
    # Final: it never changes again, and the mock's own schemas (extended) accept it.
    assert schemas.problems("order-status-response.json", final, extended=True) == []
    assert schemas.problems("order-status-response.json", final) != []
    response = extended_client.post(f"/__mock/orders/{order_id}/status",
                                    json={"status": "COMPLETED"})
    assert_error(response, 409)


def test_force_status_may_use_them(extended_client):
    order_id = create(extended_client)["orderId"]
    forced = extended_client.post(f"/__mock/orders/{order_id}/status",
                                  json={"status": "PENDING"}).get_json()
    assert forced["status"] == "PENDING"
    assert poll(extended_client, order_id, extended=True)["status"] == "PENDING"
    assert extended_client.post(f"/__mock/orders/{order_id}/status",
                                json={"status": "REFUNDED", "note": "chargeback"}
                                ).get_json()["metadata"] == {"note": "chargeback"}


def test_without_the_switch_each_use_is_a_422_naming_it(client, backend):
    response = client.post("/v1/order", json=ORDER_BODY,
                           headers=headers(**{"X-Mock-Lifecycle": "refund"}))
    assert_error(response, 422)
    assert "lifecycle refund uses REFUNDED" in response.get_json()["message"]
    assert SWITCH in response.get_json()["message"]
    response = client.post("/__mock/lifecycle", json={"name": "pending"})
    assert_error(response, 422)
    assert SWITCH in response.get_json()["message"]
    order_id = create(client)["orderId"]
    response = client.post(f"/__mock/orders/{order_id}/status", json={"status": "REFUNDED"})
    assert_error(response, 422)
    assert SWITCH in response.get_json()["message"]
    # Nothing changed, and the lifecycles offered are the documented ones alone.
    assert poll(client, order_id)["status"] == "STARTED"
    known = {item["name"] for item in client.get("/__mock/lifecycle").get_json()["known"]}
    assert not {"pending", "refund"} & known
    assert backend.order_count() == 1


def test_coverage_lists_them_only_with_the_switch(client, backend):
    def outcomes():
        return {entry["outcome"] for entry in client.get("/__mock/coverage").get_json()[
            "outcomes"]}

    assert "200 PENDING" not in outcomes()
    backend.extended_statuses = True
    assert {"200 PENDING", "200 REFUNDED"} <= outcomes()


def test_a_fixture_file_using_them_needs_the_switch(tmp_path):
    (tmp_path / "lifecycles").mkdir()
    (tmp_path / "lifecycles" / "held.json").write_text(
        '{"steps": [{"status": "PENDING", "afterPolls": 1}, '
        '{"status": "COMPLETED", "afterPolls": 2}]}')
    with pytest.raises(FixtureError, match="turn extended statuses on") as raised:
        load_fixtures(tmp_path)
    assert raised.value.field == "$.steps[0].status"
    fixtures = load_fixtures(tmp_path, extended_statuses=True)
    assert fixtures.lifecycles["held"].extended_statuses
    client = create_app(Backend(fixtures, extended_statuses=True)).test_client()
    order_id = create(client, **{"X-Mock-Lifecycle": "held"})["orderId"]
    assert [poll(client, order_id, extended=True)["status"] for _ in range(3)] == [
        "STARTED", "PENDING", "COMPLETED"]


def test_serve_refuses_them_at_start_up_without_the_switch(tmp_path):
    result = run_cli("serve", "--port", "0", "--lifecycle", "refund")
    assert result.returncode == 2
    assert "--lifecycle: lifecycle refund uses REFUNDED" in result.stderr
    assert SWITCH in result.stderr


def test_the_default_products_always_carry_a_payment_config(client):
    for product in ("PREMIUM_SUBSCRIPTION", "METAL_CARD"):
        created = create(client, body={"productId": product,
                                       "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"})
        assert set(created["paymentConfig"]) == {
            "paymentAmount", "paymentCurrency", "destinationAddress", "destinationChainId",
            "destinationTokenSymbol", "destinationTokenAddress"}
