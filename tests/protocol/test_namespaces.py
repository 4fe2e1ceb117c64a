"""Namespaces: one server, isolated consumers. A namespace holds its own orders, next-order
lifecycle, faults, clock, journal and outcome counts; fixtures are shared."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from mock_baanx import create_app
from mock_baanx.core import Backend, Clock
from mock_baanx.protocol import Options
from mock_baanx.storage.fixture_files import load_fixtures
from mock_baanx.transports.thread_server import BackgroundServer

from ..helpers import ORDER_BODY, ManualTime, assert_error, create, headers, poll

RULE = "must match [A-Za-z0-9._-]{1,64}"


def test_a_prefix_or_a_header_selects_a_namespace_and_neither_sees_the_other(client):
    in_a = create(client, body=ORDER_BODY, path="/ns/job-a/v1/order")["orderId"]
    in_b = create(client, **{"X-Mock-Namespace": "job-b"})["orderId"]
    assert poll(client, in_a, path="/ns/job-a/v1/order")["orderId"] == in_a
    assert poll(client, in_b, **{"X-Mock-Namespace": "job-b"})["orderId"] == in_b
    for order_id, path in [(in_a, "/ns/job-b/v1/order"), (in_a, "/v1/order"),
                           (in_b, "/ns/job-a/v1/order"), (in_b, "/v1/order")]:
        assert_error(client.get(f"{path}/{order_id}", headers=headers()), 404, "Order not found")
    listed = client.get("/ns/job-a/__mock/orders").get_json()["orders"]
    assert [order["orderId"] for order in listed] == [in_a]
    assert client.get("/__mock/orders").get_json() == {"orders": [], "total": 0}


def test_faults_lifecycles_clock_and_journal_stay_in_their_namespace(client):
    client.post("/ns/a/__mock/faults", json={"endpoint": "createOrder", "status": 500})
    client.post("/ns/a/__mock/lifecycle", json={"name": "fail"})
    client.post("/ns/a/__mock/clock", json={"advanceSeconds": 3600})
    # Namespace b is untouched by all of it.
    created = create(client, path="/ns/b/v1/order")
    assert poll(client, created["orderId"], path="/ns/b/v1/order")["status"] == "STARTED"
    assert client.get("/ns/b/__mock/lifecycle").get_json()["next"] is None
    assert client.get("/ns/b/__mock/clock").get_json()["offsetSeconds"] == 0
    assert client.get("/ns/b/__mock/faults").get_json() == {"faults": []}
    # Namespace a has all of it, and its journal only its own request.
    assert_error(client.post("/ns/a/v1/order", json=ORDER_BODY, headers=headers()), 500)
    assert client.get("/ns/a/__mock/clock").get_json()["offsetSeconds"] == 3600
    journal_a = client.get("/ns/a/__mock/requests").get_json()["requests"]
    journal_b = client.get("/ns/b/__mock/requests").get_json()["requests"]
    assert [(entry["method"], entry["path"], entry["status"]) for entry in journal_a] == [
        ("POST", "/v1/order", 500)]
    assert [entry["status"] for entry in journal_b] == [200, 200]


@pytest.mark.parametrize("name", ["", "has space", "a/b", "ünïcode", "x" * 65, "semi;colon"])
def test_a_name_that_breaks_the_rule_is_400_naming_it(client, name):
    response = client.get("/v1/order/products/available",
                          headers=headers(**{"X-Mock-Namespace": name}))
    assert_error(response, 400)
    assert RULE in response.get_json()["message"]


@pytest.mark.parametrize("path", ["/ns/has%20space/v1/order/products/available",
                                  "/ns/" + "x" * 65 + "/__mock/orders",
                                  "/ns//v1/order/products/available"])
def test_a_prefix_that_breaks_the_rule_is_400_naming_it(client, path):
    response = client.get(path, headers=headers())
    assert_error(response, 400)
    assert RULE in response.get_json()["message"]


def test_a_prefix_and_a_header_that_disagree_are_400(client):
    response = client.get("/ns/a/v1/order/products/available",
                          headers=headers(**{"X-Mock-Namespace": "b"}))
    assert_error(response, 400)
    assert "name one" in response.get_json()["message"]
    agreeing = client.get("/ns/a/v1/order/products/available",
                          headers=headers(**{"X-Mock-Namespace": "a"}))
    assert agreeing.status_code == 200


def test_a_reset_resets_its_own_namespace_and_all_true_resets_every_one(client, backend):
    create(client, path="/ns/a/v1/order")
    create(client, path="/ns/b/v1/order")
    create(client)
    assert client.post("/ns/a/__mock/reset").get_json() == {"status": "reset"}
    assert backend.order_count("a") == 0
    assert (backend.order_count("b"), backend.order_count()) == (1, 1)
    client.post("/__mock/reset")
    assert (backend.order_count("b"), backend.order_count()) == (1, 0)
    client.post("/__mock/reset", json={"all": True})
    assert [summary.name for summary in backend.namespaces()] == []
    assert_error(client.post("/__mock/reset", json={"all": "yes"}), 422)


def test_namespaces_appear_on_first_use_and_are_listed_newest_first(client, time_source):
    client.get("/ns/first/__mock/health")
    time_source.tick(1)
    create(client, path="/ns/second/v1/order")
    listed = client.get("/__mock/namespaces").get_json()["namespaces"]
    assert [(entry["name"], entry["orders"]) for entry in listed] == [
        ("default", 0), ("second", 1), ("first", 0)]


def test_past_the_bound_the_namespace_idle_longest_is_forgotten_but_never_the_default():
    backend = Backend(load_fixtures(), clock=Clock(ManualTime()), max_namespaces=3)
    client = create_app(backend).test_client()
    client.get("/__mock/health")  # the default namespace, used first: idle longest
    for name in ("a", "b", "c", "d"):
        client.post(f"/ns/{name}/v1/order", json=ORDER_BODY, headers=headers())
    client.get("/ns/b/__mock/health")
    client.get("/ns/e/__mock/health")
    assert sorted(summary.name for summary in backend.namespaces()) == ["b", "default", "e"]


def test_without_the_control_api_there_are_no_namespaces(backend):
    client = create_app(backend, Options(control=False)).test_client()
    assert_error(client.get("/ns/a/v1/order/products/available", headers=headers()), 404,
                 "Not found")
    ignored = client.post("/v1/order", json=ORDER_BODY,
                          headers=headers(**{"X-Mock-Namespace": "a", "X-Mock-Other": "x"}))
    assert ignored.status_code == 200
    assert backend.order_count() == 1
    assert [summary.name for summary in backend.namespaces()] == ["default"]


# Two consumers racing over HTTP for a while.
@pytest.mark.slow
@pytest.mark.served
def test_concurrent_consumers_in_two_namespaces_never_see_each_other():
    backend = Backend(load_fixtures())
    server = BackgroundServer(create_app(backend), threads=8)
    try:
        for name, lifecycle in (("left", "fail"), ("right", "complete")):
            requests.post(f"{server.url}/ns/{name}/__mock/lifecycle", json={"name": lifecycle},
                          timeout=10)
        requests.post(f"{server.url}/ns/left/__mock/faults",
                      json={"endpoint": "getAvailableProducts", "status": 500, "times": 20},
                      timeout=10)

        def consumer(name: str) -> tuple[str, list[str], Counter]:
            session = requests.Session()
            base = f"{server.url}/ns/{name}"
            created = [session.post(f"{base}/v1/order", json=ORDER_BODY, headers=headers(),
                                    timeout=10).json()["orderId"] for _ in range(10)]
            finals = []
            for order_id in created:
                for _ in range(3):
                    reply = session.get(f"{base}/v1/order/{order_id}", headers=headers(),
                                        timeout=10).json()
                finals.append(reply["status"])
            products = Counter(session.get(f"{base}/v1/order/products/available",
                                           headers=headers(), timeout=10).status_code
                               for _ in range(30))
            return name, created, Counter(finals), products

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(consumer, ["left", "right"] * 3))
        created = {name: set() for name in ("left", "right")}
        for name, ids, finals, products in results:
            created[name] |= set(ids)
            assert finals == {"FAILED" if name == "left" else "COMPLETED": 10}
            if name == "right":
                assert products == {200: 30}
        left_products = Counter()
        for name, _, _, products in results:
            if name == "left":
                left_products += products
        # The 20 injected faults fired in `left` only, 20 times in all.
        assert left_products == {500: 20, 200: 70}
        for name in ("left", "right"):
            listed = requests.get(f"{server.url}/ns/{name}/__mock/orders",
                                  timeout=10).json()["orders"]
            assert {order["orderId"] for order in listed} == created[name]
            journal = requests.get(f"{server.url}/ns/{name}/__mock/requests",
                                   timeout=10).json()["requests"]
            assert len(journal) == 3 * (10 + 30 + 30)
    finally:
        server.stop()
