"""GET /v1/order/products/available: every documented status."""

from __future__ import annotations

import pytest

from ..helpers import assert_error, assert_valid, headers

PATH = "/v1/order/products/available"
SCHEMA = "available-products-response.json"


def test_verified_user_sees_every_product_eligible(client):
    body = assert_valid(client.get(PATH, headers=headers()), SCHEMA)
    assert body == [
        {"id": "PREMIUM_SUBSCRIPTION", "description": "Premium subscription", "isEligible": True},
        {"id": "METAL_CARD", "description": "Metal card", "isEligible": True},
    ]


def test_kyc_pending_user_sees_nothing_eligible(client):
    body = assert_valid(client.get(PATH, headers=headers("ineligible-token")), SCHEMA)
    assert [product["isEligible"] for product in body] == [False, False]


def test_subscribed_user_cannot_subscribe_again_but_may_order_a_card(client):
    body = assert_valid(client.get(PATH, headers=headers("subscribed-token")), SCHEMA)
    assert {product["id"]: product["isEligible"] for product in body} == {
        "PREMIUM_SUBSCRIPTION": False, "METAL_CARD": True}


def test_client_key_may_come_as_x_client_key_in_any_case(client):
    response = client.get(PATH, headers={"X-CLIENT-KEY": "demo-client",
                                         "authorization": "bearer demo-token"})
    assert_valid(response, SCHEMA)


@pytest.mark.parametrize("us_env", ["true", "false", "anything"])
def test_x_us_env_is_accepted_and_changes_nothing(client, us_env):
    plain = client.get(PATH, headers=headers()).get_json()
    response = client.get(PATH, headers={**headers(), "x-us-env": us_env})
    assert assert_valid(response, SCHEMA) == plain


@pytest.mark.parametrize(("request_headers", "status", "message"), [
    ({"Authorization": "Bearer demo-token"}, 499, "Missing client key"),
    (headers(client=""), 499, "Missing client key"),
    (headers(client="someone-else"), 498, "Invalid client key"),
    (headers(token=None), 401, "Not authenticated"),
    (headers("expired-token"), 401, "Not authenticated"),
    (headers("no-such-token"), 401, "Not authenticated"),
    ({**headers(token=None), "Authorization": "Basic ZGVtbzpkZW1v"}, 401, "Not authenticated"),
    ({**headers(token=None), "Authorization": "Bearer"}, 401, "Not authenticated"),
    (headers("forbidden-token"), 403, "Not authorized"),
    # The documented check order: the client key is judged before the token.
    ({"X-Client-ID": "someone-else", "Authorization": "Bearer nope"}, 498, "Invalid client key"),
    ({"Authorization": "Bearer forbidden-token"}, 499, "Missing client key"),
])
def test_header_rules(client, request_headers, status, message):
    assert_error(client.get(PATH, headers=request_headers), status, message)


def test_injected_fault_answers_500(client):
    response = client.get(PATH, headers=headers(**{"X-Mock-Fault": "500"}))
    assert_error(response, 500, "Internal server error")
