"""The memory store keeps an untouched order compact, and gives back the very order it kept."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta

from mock_baanx import Backend, load_fixtures
from mock_baanx.core import (
    Clock,
    Identity,
    MemoryStore,
    Order,
    OrderStatus,
    Outcome,
    PaymentMethod,
    StatusChange,
    seeded_ids,
)
from mock_baanx.core.compact_orders import FreshOrder, OrderCodec, UsedOrder, unpacked
from mock_baanx.core.ids import request_id_of

from ..helpers import ManualTime

CREATED = datetime(2026, 3, 27, 14, 0, 0, 123_456, tzinfo=UTC)


def fresh(order_id: str, user_id: str = "user-demo", request_id: str | None = None) -> Order:
    return Order(order_id, request_id or request_id_of(order_id), 1, "default", "demo-client",
                 user_id, "METAL_CARD", PaymentMethod.CRYPTO_EXTERNAL_DAIMO, "complete", None,
                 CREATED)


def test_orders_created_alike_share_their_terms_and_derive_their_request_id():
    codec = OrderCodec()
    first, second = codec.kept(fresh("ord_a")), codec.kept(fresh("ord_b"))
    assert isinstance(first, FreshOrder)
    assert isinstance(second, FreshOrder)
    assert first.terms is second.terms
    assert first.request_id is None
    assert codec.kept(fresh("ord_c", user_id="user-other")).terms is not first.terms


def test_every_order_comes_back_as_it_was_kept():
    codec = OrderCodec()
    kept_id = fresh("ord_a", request_id="payment_from_an_earlier_release")
    polled = fresh("ord_b").polled_at(CREATED + timedelta(seconds=3))
    for order in (fresh("ord_a"), kept_id, polled):
        assert unpacked(codec.kept(order)) == order
    assert codec.kept(polled) is polled  # hot: kept as it is
    assert codec.kept(kept_id).request_id == "payment_from_an_earlier_release"


def test_every_field_of_an_order_survives_its_compact_forms():
    # compact_orders.py names Order's fields one by one: a field added to Order must be
    # added there too, or an order kept compact would lose it.
    assert [field.name for field in fields(Order)] == [
        "order_id", "request_id", "number", "namespace", "client_id", "user_id", "product_id",
        "payment_method", "lifecycle", "payment_config", "created_at", "status", "outcome",
        "changes", "poll_count", "poll_times", "steps_taken"]
    later = CREATED + timedelta(seconds=9)
    order = replace(fresh("ord_a", request_id="payment_kept").polled_at(later),
                    status=OrderStatus.COMPLETED, steps_taken=1,
                    outcome=Outcome(paid_at="2026-03-27 14:00:09.000+00", payment_id="pay",
                                    tx_hash="0xab"),
                    changes=(StatusChange(OrderStatus.COMPLETED, later, 0, "forced"),))
    assert unpacked(OrderCodec().cold(order)) == order


def test_an_order_forgotten_frees_its_place_among_the_hot():
    codec = OrderCodec(hot_poll_times=10)
    polled = [fresh(name).polled_at(CREATED).polled_at(CREATED).polled_at(CREATED)
              for name in ("ord_a", "ord_b", "ord_c")]
    codec.kept(polled[0])
    codec.kept(polled[1])
    codec.forget("ord_a")
    codec.kept(polled[2])
    assert codec.cooling() == []


def test_orders_no_longer_hot_cool_into_their_compact_form_and_come_back_alike():
    codec = OrderCodec(hot_poll_times=10)
    moment = CREATED
    orders = []
    for name in ("ord_a", "ord_b", "ord_c"):
        order = fresh(name)
        for _ in range(4):
            moment += timedelta(seconds=3)
            order = order.polled_at(moment)
        orders.append(order)
        assert codec.kept(order) is order
    # Three orders of four poll times each are past ten: the one used longest ago cools.
    assert codec.cooling() == ["ord_a"]
    assert codec.cooling() == []
    cold = codec.cold(orders[0])
    assert isinstance(cold, UsedOrder)
    assert len(cold.poll_times) == 4 * 8
    assert unpacked(cold) == orders[0]
    assert codec.cold(cold) is cold


def created_in(store: MemoryStore, count: int) -> tuple[Backend, Identity, list[Order]]:
    backend = Backend(load_fixtures(), clock=Clock(ManualTime()), ids=seeded_ids(3),
                      store=store)
    identity = backend.authenticate("demo-client", "demo-token")
    return backend, identity, [
        backend.create_order(identity, "METAL_CARD", PaymentMethod.CRYPTO_EXTERNAL_DAIMO)
        for _ in range(count)]


def test_a_store_gives_back_the_orders_it_keeps_and_forgets_the_oldest():
    store = MemoryStore(max_orders=2)
    backend, identity, created = created_in(store, 3)
    polled = backend.poll_order(identity, created[2].order_id)
    assert store.order_page("default").orders == [polled, created[1]]
    assert backend.order(created[1].order_id) == created[1]
    assert store.lifecycles_in_use() == {("default", created[1].lifecycle)}
    assert polled == replace(created[2], poll_count=1, poll_times=polled.poll_times)


def test_a_store_gives_back_orders_that_cooled_as_they_were():
    store = MemoryStore(hot_poll_times=3)
    backend, identity, created = created_in(store, 4)
    polled = [backend.poll_order(identity, order.order_id) for order in created]
    again = backend.poll_order(identity, created[0].order_id)
    assert again.poll_count == 2
    assert again.poll_times[0] == polled[0].poll_times[0]
    assert [backend.order(order.order_id) for order in created[1:]] == polled[1:]
    assert store.order_page("default").orders == [*reversed(polled[1:]), again]  # the newest first
    assert store.lifecycles_in_use() == {("default", created[0].lifecycle)}
