"""Faults a client meets in production, beyond the documented statuses: any status from
400 to 599 with Retry-After where HTTP gives one, and network-level faults, through every
door that can carry them."""

from __future__ import annotations

import pytest

from ..helpers import ORDER_BODY, assert_error, create, headers

PRODUCTS = "/v1/order/products/available"


@pytest.mark.parametrize(("status", "message"), [
    (503, "Service Unavailable"),
    (429, "Too Many Requests"),
    (418, "I'm a Teapot"),
    (504, "Gateway Timeout"),
    (498, "Invalid client key"),
    (409, "Conflict"),
    (413, "Request body is larger than 1 MiB"),
    (599, "Error"),
])
def test_any_status_answers_the_catalogues_body_or_its_reason(client, status, message):
    client.post("/__mock/faults", json={"endpoint": "getAvailableProducts", "status": status,
                                        "times": 1})
    assert_error(client.get(PRODUCTS, headers=headers()), status, message)
    assert client.get(PRODUCTS, headers=headers()).status_code == 200


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_goes_out_with_429_and_503(client, status):
    client.post("/__mock/faults", json={"endpoint": "createOrder", "status": status,
                                        "retryAfter": 7, "times": 1})
    response = client.post("/v1/order", json=ORDER_BODY, headers=headers())
    assert (response.status_code, response.headers["Retry-After"]) == (status, "7")


def test_whole_numbers_written_with_a_fraction_of_zero_are_whole_numbers(client):
    """JSON Schema takes 503.0 for an integer: the fault goes out as 503, with Retry-After
    in whole seconds, as HTTP writes them."""
    added = client.post("/__mock/faults", json={"endpoint": "getAvailableProducts",
                                                "status": 503.0, "retryAfter": 5.0,
                                                "delayMs": 0.0, "times": 1.0})
    assert added.get_json()["faults"] == [{"endpoint": "getAvailableProducts", "status": 503,
                                           "kind": None, "retryAfter": 5, "delayMs": 0,
                                           "times": 1}]
    response = client.get(PRODUCTS, headers=headers())
    assert_error(response, 503, "Service Unavailable")
    assert response.headers["Retry-After"] == "5"
    assert client.get(PRODUCTS, headers=headers()).status_code == 200


def test_the_header_takes_any_status_or_a_kind(client):
    response = client.get(PRODUCTS, headers=headers(**{"X-Mock-Fault": "503"}))
    assert_error(response, 503, "Service Unavailable")
    assert "Retry-After" not in response.headers
    if client.name in ("handler", "flask"):
        # No socket here: a kind that acts on the connection answers a 502 that says so.
        reset = client.get(PRODUCTS, headers=headers(**{"X-Mock-Fault": "reset"}))
        assert_error(reset, 502, "a reset fault needs a connection to act on")


def test_a_malformed_body_is_a_200_that_is_not_json(client, backend):
    client.post("/__mock/faults", json={"endpoint": "createOrder", "kind": "malformed",
                                        "times": 1})
    response = client.post("/v1/order", json=ORDER_BODY, headers=headers())
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.data.startswith(b"<html>")
    # Like any fault, it never reached the order book.
    assert backend.orders() == []


def test_faults_show_in_the_journal_and_the_coverage(client):
    client.post("/__mock/faults", json={"endpoint": "getAvailableProducts", "kind": "truncated",
                                        "times": 1})
    client.post("/__mock/faults", json={"endpoint": "createOrder", "status": 503, "times": 1})
    if client.name in ("handler", "flask"):
        client.get(PRODUCTS, headers=headers())
    else:
        with pytest.raises(Exception, match="IncompleteRead"):
            client.get(PRODUCTS, headers=headers())
    client.post("/v1/order", json=ORDER_BODY, headers=headers())
    journal = client.get("/__mock/requests").get_json()["requests"]
    assert [(entry["status"], entry["fault"]) for entry in journal] == [(200, "truncated"),
                                                                         (503, None)]
    seen = {(entry["path"], entry["outcome"]): entry["seen"]
            for entry in client.get("/__mock/coverage").get_json()["outcomes"]}
    assert seen[(PRODUCTS, "truncated")] == 1
    assert seen[("/v1/order", "503")] == 1


def test_faults_stay_in_their_namespace_and_a_fault_for_every_call_stays_until_cleared(client):
    client.post("/ns/x/__mock/faults", json={"endpoint": "*", "status": 502})
    for _ in range(3):
        assert client.get("/ns/x" + PRODUCTS, headers=headers()).status_code == 502
    assert client.get(PRODUCTS, headers=headers()).status_code == 200
    client.delete("/ns/x/__mock/faults")
    assert client.get("/ns/x" + PRODUCTS, headers=headers()).status_code == 200
    create(client, path="/ns/x/v1/order")
