"""The Baanx order contract, checked against whichever target the environment names."""

from __future__ import annotations

import time

import pytest

from mock_baanx import schemas

PRODUCTS = "/v1/order/products/available"
TERMINAL = {"COMPLETED", "FAILED", "EXPIRED"}


def assert_error_body(response, status):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert schemas.problems("error.json", response.json()) == []


def test_products_are_a_bare_array_of_the_documented_shape(target):
    response = target.get(PRODUCTS, headers=target.headers())
    assert response.status_code == 200
    assert schemas.problems("available-products-response.json", response.json()) == []


@pytest.mark.parametrize(("change", "status"), [
    ({"X-Client-ID": None}, 499),
    ({"X-Client-ID": "not-a-client-of-anyone"}, 498),
    ({"Authorization": None}, 401),
    ({"Authorization": "Bearer not-a-token"}, 401),
])
def test_header_rules(target, change, status):
    headers = {name: value for name, value in {**target.headers(), **change}.items()
               if value is not None}
    assert_error_body(target.get(PRODUCTS, headers=headers), status)


def test_an_unknown_order_is_404(target):
    assert_error_body(target.get("/v1/order/ord_contract_check_unknown",
                                 headers=target.headers()), 404)


def test_a_bad_body_is_422(target):
    response = target.post("/v1/order", json={"productId": "x", "paymentMethod": "CASH"},
                           headers=target.headers())
    assert_error_body(response, 422)


def test_an_order_is_created_and_reaches_a_final_status(orders_allowed):
    target = orders_allowed
    products = target.get(PRODUCTS, headers=target.headers()).json()
    eligible = [product["id"] for product in products if product["isEligible"]]
    if not eligible:
        pytest.skip("the target's user has no eligible product")
    created = target.post("/v1/order", headers=target.headers(), json={
        "productId": eligible[0], "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"})
    assert created.status_code == 200
    assert schemas.problems("create-order-response.json", created.json()) == []
    order_id = created.json()["orderId"]
    interval = 0.0 if target.is_mock else 3.0
    for _ in range(40):
        status = target.get(f"/v1/order/{order_id}", headers=target.headers())
        assert status.status_code == 200
        body = status.json()
        assert schemas.problems("order-status-response.json", body) == []
        if body["status"] in TERMINAL:
            break
        time.sleep(interval)
    else:
        pytest.fail(f"order {order_id} did not reach a final status in 40 polls")
