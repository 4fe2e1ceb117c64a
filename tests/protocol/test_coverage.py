"""Outcome coverage: every documented outcome of the Baanx endpoints, and how often this
namespace's consumer was served it."""

from __future__ import annotations

from ..helpers import ORDER_BODY, create, headers, poll


def seen(client, path="/__mock/coverage"):
    reply = client.get(path)
    assert reply.status_code == 200
    return {(entry["method"], entry["path"], entry["outcome"]): entry["seen"]
            for entry in reply.get_json()["outcomes"]}


def test_a_fresh_mock_lists_every_documented_outcome_unseen(client):
    outcomes = seen(client)
    assert set(outcomes.values()) == {0}
    assert {outcome for (_, path, outcome) in outcomes if path == "/v1/order/{orderId}"} == {
        "200 STARTED", "200 COMPLETED", "200 FAILED", "200 EXPIRED",
        "401", "403", "404", "498", "499", "500", "delayed"}
    assert {outcome for (method, _, outcome) in outcomes if method == "POST"} == {
        "200", "401", "403", "422", "498", "499", "500", "delayed"}
    assert len(outcomes) == 7 + 8 + 11


def test_served_outcomes_are_counted_faults_and_delays_included(client):
    created = create(client, **{"X-Mock-Lifecycle": "expire"})["orderId"]
    for _ in range(3):
        poll(client, created)
    client.get("/v1/order/products/available", headers=headers(client=None))
    client.post("/v1/order", json=ORDER_BODY, headers=headers(**{"X-Mock-Fault": "500"}))
    client.get("/v1/order/products/available", headers=headers(**{"X-Mock-Delay-Ms": "5"}))
    client.get("/__mock/orders")  # the control API's own calls are no outcome
    counted = {key: count for key, count in seen(client).items() if count}
    assert counted == {
        ("POST", "/v1/order", "200"): 1,
        ("POST", "/v1/order", "500"): 1,
        ("GET", "/v1/order/{orderId}", "200 STARTED"): 2,
        ("GET", "/v1/order/{orderId}", "200 EXPIRED"): 1,
        ("GET", "/v1/order/products/available", "499"): 1,
        ("GET", "/v1/order/products/available", "200"): 1,
        ("GET", "/v1/order/products/available", "delayed"): 1,
    }


def test_an_undocumented_status_served_is_listed_too(client):
    client.post("/__mock/faults", json={"endpoint": "getAvailableProducts", "status": 404,
                                        "times": 1})
    client.get("/v1/order/products/available", headers=headers())
    assert seen(client)[("GET", "/v1/order/products/available", "404")] == 1


def test_coverage_is_counted_per_namespace_and_a_reset_clears_it(client):
    create(client, path="/ns/x/v1/order")
    assert seen(client, "/ns/x/__mock/coverage")[("POST", "/v1/order", "200")] == 1
    assert seen(client)[("POST", "/v1/order", "200")] == 0
    client.post("/ns/x/__mock/reset")
    assert set(seen(client, "/ns/x/__mock/coverage").values()) == {0}
