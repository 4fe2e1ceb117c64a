"""Users, products and lifecycles added to a running mock: they answer on the very next
request, in their namespace only, until its reset."""

from __future__ import annotations

import pytest

from mock_baanx.core import Backend, PaymentMethod
from mock_baanx.protocol.fixtures import lifecycle_from, product_from, user_from
from mock_baanx.storage.fixture_files import load_fixtures
from mock_baanx.storage.state_file import SqliteStore

from ..helpers import assert_error, create, headers, poll

PRODUCTS = "/v1/order/products/available"
GOLD = {"id": "GOLD_CARD", "description": "Gold card", "lifecycle": "slow",
        "paymentConfig": {"paymentAmount": 499, "paymentCurrency": "USD",
                          "destinationAddress": "0x3a11", "destinationChainId": "59144",
                          "destinationTokenSymbol": "USDC", "destinationTokenAddress": "0x1762"}}
SLOW = {"name": "slow", "lifecycle": {"description": "Completes on the fourth poll",
                                      "steps": [{"status": "COMPLETED", "afterPolls": 3}]}}


def add(client, path, body, namespace=""):
    response = client.post(f"{namespace}/__mock/{path}", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_added_data_answers_on_the_very_next_request(client):
    assert add(client, "lifecycles", SLOW) == {"kind": "lifecycle", "key": "slow",
                                               "replaced": False}
    assert add(client, "products", GOLD)["key"] == "GOLD_CARD"
    assert add(client, "users", {"token": "carol-token", "id": "carol",
                                 "ineligibleProducts": ["METAL_CARD"]})["replaced"] is False
    offers = client.get(PRODUCTS, headers=headers("carol-token")).get_json()
    assert {offer["id"]: offer["isEligible"] for offer in offers} == {
        "PREMIUM_SUBSCRIPTION": True, "METAL_CARD": False, "GOLD_CARD": True}
    order = create(client, "carol-token", body={"productId": "GOLD_CARD",
                                                "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"})
    assert order["paymentConfig"]["paymentAmount"] == 499
    # The product's lifecycle, added at run time too.
    assert [poll(client, order["orderId"], "carol-token")["status"] for _ in range(4)] == [
        "STARTED", "STARTED", "STARTED", "COMPLETED"]


def test_one_with_the_same_key_replaces_a_default_and_a_reset_brings_it_back(client):
    replaced = add(client, "users", {"token": "demo-token", "id": "user-demo",
                                     "kycVerified": False})
    assert replaced == {"kind": "user", "key": "demo-token", "replaced": True}
    offers = client.get(PRODUCTS, headers=headers()).get_json()
    assert {offer["isEligible"] for offer in offers} == {False}
    client.post("/__mock/reset")
    offers = client.get(PRODUCTS, headers=headers()).get_json()
    assert {offer["isEligible"] for offer in offers} == {True}


def test_additions_stay_in_their_namespace(client):
    add(client, "users", {"token": "carol-token", "id": "carol"}, namespace="/ns/a")
    assert client.get("/ns/a" + PRODUCTS, headers=headers("carol-token")).status_code == 200
    assert_error(client.get(PRODUCTS, headers=headers("carol-token")), 401)
    assert_error(client.get("/ns/b" + PRODUCTS, headers=headers("carol-token")), 401)


@pytest.mark.parametrize(("path", "body", "message"), [
    ("users", {"token": "x"}, "id is required"),
    ("users", {"token": "x", "id": "x", "ineligibleProducts": ["NOPE"]},
     "ineligibleProducts: unknown product 'NOPE'"),
    ("users", {"token": "has space", "id": "x"}, "token must be printable ASCII"),
    ("products", {"id": "P", "description": "d", "lifecycle": "nope"},
     "lifecycle must be one of: complete"),
    ("products", {"id": "P", "description": "d", "paymentConfig": {"paymentAmount": 1}},
     "paymentConfig.paymentCurrency is required"),
    ("lifecycles", {"name": "x", "lifecycle": {"steps": [{"status": "LATER", "afterPolls": 1}]}},
     "lifecycle.steps.0.status must be one of: STARTED, COMPLETED, FAILED, EXPIRED"),
    ("lifecycles", {"name": "x", "lifecycle": {"steps": [{"status": "PENDING", "afterPolls": 1},
                                                         {"status": "COMPLETED",
                                                          "afterPolls": 2}]}},
     "lifecycle.steps.0.status must be one of: STARTED, COMPLETED, FAILED, EXPIRED; PENDING"),
    ("lifecycles", {"name": "", "lifecycle": {"steps": []}}, "name must be letters"),
])
def test_bad_data_is_a_422_naming_the_field_and_changes_nothing(client, backend, path, body,
                                                                message):
    response = client.post(f"/__mock/{path}", json=body)
    assert_error(response, 422)
    assert response.get_json()["message"].startswith(message), response.get_json()
    assert backend.view() is backend.view("never-touched")


def test_the_state_file_keeps_what_was_added(tmp_path):
    path = tmp_path / "state.sqlite"
    first = Backend(load_fixtures(), store=SqliteStore(path))
    first.add_lifecycle(lifecycle_from("slow", SLOW["lifecycle"], "test"), namespace="a")
    first.add_product(product_from(GOLD), namespace="a")
    first.add_user(user_from({"token": "carol-token", "id": "carol"}), namespace="a")
    identity = first.authenticate("demo-client", "carol-token", namespace="a")
    order = first.create_order(identity, "GOLD_CARD", PaymentMethod.CRYPTO_EXTERNAL_DAIMO,
                               namespace="a")
    again = Backend(load_fixtures(), store=SqliteStore(path))
    assert order.lifecycle == "slow"
    assert again.order(order.order_id, namespace="a").lifecycle == "slow"
    assert "GOLD_CARD" in again.view("a").catalog.ids
    assert "GOLD_CARD" not in again.view().catalog.ids


def test_every_schema_valid_lifecycle_is_accepted_and_stops_at_its_first_final_status(client):
    """The schema cannot say a final step must be the last, so the mock does not ask it:
    steps after the first final status are never reached."""
    reply = client.post("/__mock/lifecycles", json={"name": "fail-first", "lifecycle": {
        "steps": [{"status": "FAILED", "afterPolls": 1}, {"status": "COMPLETED",
                                                          "afterPolls": 2}]}})
    assert reply.status_code == 200
    client.post("/__mock/lifecycle", json={"name": "fail-first"})
    order_id = create(client)["orderId"]
    assert [poll(client, order_id)["status"] for _ in range(4)] == [
        "STARTED", "FAILED", "FAILED", "FAILED"]
