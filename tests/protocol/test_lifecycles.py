"""Every row of the lifecycle table, and how an order's lifecycle is chosen."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from mock_baanx import Backend, create_app, load_fixtures
from mock_baanx.core import Clock, seeded_ids
from mock_baanx.protocol import Options

from ..helpers import ORDER_BODY, ManualTime, assert_error, create, headers, poll


def statuses(client, order_id, polls):
    return [poll(client, order_id)["status"] for _ in range(polls)]


@pytest.mark.parametrize(("lifecycle", "seen"), [
    ("complete", ["STARTED", "STARTED", "COMPLETED", "COMPLETED"]),
    ("fail", ["STARTED", "STARTED", "FAILED", "FAILED"]),
    ("expire", ["STARTED", "STARTED", "EXPIRED", "EXPIRED"]),
    ("instant", ["COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED"]),
    ("never", ["STARTED"] * 60),
    ("complete-after-30s", ["STARTED"] * 10),
])
def test_what_a_poller_sees(client, lifecycle, seen):
    order_id = create(client, **{"X-Mock-Lifecycle": lifecycle})["orderId"]
    assert statuses(client, order_id, len(seen)) == seen


def test_fail_carries_the_refund_note_and_no_paid_at(client):
    order_id = create(client, **{"X-Mock-Lifecycle": "fail"})["orderId"]
    final = [poll(client, order_id) for _ in range(3)][-1]
    assert final["metadata"] == {"note": "payment_refunded"}
    assert "paidAt" not in final


def test_expire_carries_no_payment(client):
    order_id = create(client, **{"X-Mock-Lifecycle": "expire"})["orderId"]
    final = [poll(client, order_id) for _ in range(3)][-1]
    assert set(final) == {"requestId", "orderId", "status"}


def test_complete_after_30s_follows_the_mocks_clock(client, time_source):
    order_id = create(client, **{"X-Mock-Lifecycle": "complete-after-30s"})["orderId"]
    time_source.tick(29.9)
    assert poll(client, order_id)["status"] == "STARTED"
    time_source.tick(0.1)
    final = poll(client, order_id)
    assert final["status"] == "COMPLETED"
    # Paid at the moment the 30 s were up, in the docs' format.
    assert final["paidAt"] == "2026-03-27 14:07:42.662+00"


def test_time_travel_completes_a_time_based_order_without_waiting(client):
    order_id = create(client, **{"X-Mock-Lifecycle": "complete-after-30s"})["orderId"]
    assert poll(client, order_id)["status"] == "STARTED"
    assert client.post("/__mock/clock", json={"advanceSeconds": 45}).status_code == 200
    assert client.get(f"/__mock/orders/{order_id}").get_json()["status"] == "COMPLETED"
    assert poll(client, order_id)["status"] == "COMPLETED"


def test_poll_steps_and_time_steps_combine(tmp_path, time_source):
    (tmp_path / "lifecycles").mkdir()
    (tmp_path / "lifecycles" / "mixed.json").write_text(
        '{"steps": [{"status": "STARTED", "afterPolls": 1},'
        ' {"status": "EXPIRED", "afterSeconds": 60}]}')
    backend = Backend(load_fixtures(tmp_path), clock=Clock(time_source), ids=seeded_ids(1))
    client = create_app(backend).test_client()
    order_id = create(client, **{"X-Mock-Lifecycle": "mixed"})["orderId"]
    time_source.tick(120)
    # The time step waits for the poll step before it: nothing happens without a poll.
    assert backend.order(order_id).status == "STARTED"
    assert statuses(client, order_id, 2) == ["STARTED", "EXPIRED"]
    history = [(change.status, change.cause) for change in backend.order(order_id).history]
    assert history == [("STARTED", "created"), ("STARTED", "lifecycle mixed"),
                       ("EXPIRED", "lifecycle mixed")]


def test_a_step_due_past_the_year_9999_never_comes(client, time_source):
    """Any schema-valid lifecycle is served: a step whose time no date can hold is one the
    order waits for forever, until the last day a clock can show."""
    added = client.post("/__mock/lifecycles", json={"name": "far", "lifecycle": {"steps": [
        {"status": "COMPLETED", "afterSeconds": 1e12}]}})
    assert added.status_code == 200
    order_id = create(client, **{"X-Mock-Lifecycle": "far"})["orderId"]
    assert statuses(client, order_id, 2) == ["STARTED", "STARTED"]
    time_source.moment = time_source.moment.replace(year=9999, month=12, day=31)
    assert poll(client, order_id)["status"] == "STARTED"
    assert client.get("/__mock/orders").get_json()["orders"][0]["status"] == "STARTED"


def test_a_step_paid_on_a_day_no_calendar_has_is_refused(client):
    refused = client.post("/__mock/lifecycles", json={"name": "leap", "lifecycle": {"steps": [
        {"status": "COMPLETED", "afterPolls": 0, "paidAt": "2025-02-29 10:00:00.000+00"}]}})
    assert_error(refused, 422, "lifecycle.steps[0].paidAt: 2025-02-29 10:00:00.000+00 is a "
                               "day no calendar has")
    leap_year = client.post("/__mock/lifecycles", json={"name": "leap", "lifecycle": {"steps": [
        {"status": "COMPLETED", "afterPolls": 0, "paidAt": "2024-02-29 10:00:00.000+00"}]}})
    assert leap_year.status_code == 200


def test_a_step_may_set_the_outcome_fields(tmp_path):
    (tmp_path / "lifecycles").mkdir()
    (tmp_path / "lifecycles" / "scripted.yaml").write_text(
        "steps:\n"
        "  - status: COMPLETED\n"
        "    afterPolls: 0\n"
        "    paidAt: '2023-03-27 17:07:12.662+03'\n"
        "    paymentId: abcpaymentId1234ABC\n"
        "    txHash: '0x3a11a86cf218c448be519728cd3ac5c741fb3424'\n"
        "    note: payment_refunded\n")
    client = create_app(Backend(load_fixtures(tmp_path))).test_client()
    order_id = create(client, **{"X-Mock-Lifecycle": "scripted"})["orderId"]
    body = poll(client, order_id)
    assert body["paidAt"] == "2023-03-27 17:07:12.662+03"
    assert body["metadata"] == {"paymentId": "abcpaymentId1234ABC",
                                "txHash": "0x3a11a86cf218c448be519728cd3ac5c741fb3424",
                                "note": "payment_refunded"}


def test_an_unknown_lifecycle_header_is_422_listing_the_known_ones(client, backend):
    response = client.post("/v1/order", json=ORDER_BODY,
                           headers=headers(**{"X-Mock-Lifecycle": "sometimes"}))
    assert_error(response, 422, "X-Mock-Lifecycle must be one of: complete, "
                 "complete-after-30s, expire, fail, instant, never")
    assert backend.orders() == []


def test_selection_header_beats_next_beats_product_beats_server_default(tmp_path, time_source):
    (tmp_path / "products.json").write_text(
        '[{"id": "SLOW", "description": "slow", "lifecycle": "expire"},'
        ' {"id": "PLAIN", "description": "plain"}]')
    (tmp_path / "users.json").write_text('[{"token": "demo-token", "id": "u"}]')
    backend = Backend(load_fixtures(tmp_path), clock=Clock(time_source), ids=seeded_ids(2),
                      default_lifecycle="never")
    client = create_app(backend).test_client()

    def order(product, **extra):
        body = {"productId": product, "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}
        order_id = create(client, body=body, **extra)["orderId"]
        return backend.order(order_id).lifecycle

    assert order("PLAIN") == "never"
    assert order("SLOW") == "expire"
    client.post("/__mock/lifecycle", json={"name": "fail", "count": 2})
    assert order("SLOW") == "fail"
    assert order("SLOW", **{"X-Mock-Lifecycle": "instant"}) == "instant"
    # The header did not use up the "next" count.
    assert order("PLAIN") == "fail"
    assert order("SLOW") == "expire"
    client.post("/__mock/lifecycle", json={"name": "complete"})
    assert [order("PLAIN") for _ in range(3)] == ["complete"] * 3
    client.post("/__mock/reset")
    assert order("PLAIN") == "never"


def test_x_mock_lifecycle_is_ignored_without_control(backend):
    client = create_app(backend, Options(control=False)).test_client()
    order_id = create(client, **{"X-Mock-Lifecycle": "instant"})["orderId"]
    assert poll(client, order_id)["status"] == "STARTED"


def test_history_and_poll_times_are_recorded(client, time_source, backend):
    order_id = create(client)["orderId"]
    moments = []
    for _ in range(4):
        time_source.tick(3)
        moments.append(time_source())
        poll(client, order_id)
    order = backend.order(order_id)
    assert list(order.poll_times) == moments
    assert [(change.status, change.after_polls) for change in order.history] == [
        ("STARTED", 0), ("COMPLETED", 2)]
    assert order.history[1].at == moments[2]


def test_a_manual_time_source_makes_ids_and_times_repeatable():
    def run():
        source = ManualTime()
        backend = Backend(load_fixtures(), clock=Clock(source), ids=seeded_ids(99))
        client = create_app(backend).test_client()
        order_id = create(client)["orderId"]
        return [poll(client, order_id) for _ in range(3)]

    assert run() == run()


@pytest.mark.parametrize("zone", [None, timezone(timedelta(hours=2))])
def test_a_time_source_in_another_zone_or_none_is_told_in_utc(zone):
    # The source says 16:07:12 (naive: taken as UTC; at +02:00: 14:07:12 UTC).
    source = ManualTime(datetime(2026, 3, 27, 16, 7, 12, 662000, tzinfo=zone))
    backend = Backend(load_fixtures(), clock=Clock(source), ids=seeded_ids(5))
    client = create_app(backend).test_client()
    order_id = create(client)["orderId"]
    created_at = client.get(f"/__mock/orders/{order_id}").get_json()["createdAt"]
    assert created_at == ("2026-03-27T16:07:12.662+00:00" if zone is None
                          else "2026-03-27T14:07:12.662+00:00")
