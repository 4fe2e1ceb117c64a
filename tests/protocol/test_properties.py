"""Property-based tests of the core: whatever happens, the rules hold."""

from __future__ import annotations

import json
import pickle
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mock_baanx import Backend, load_fixtures
from mock_baanx.core import (
    Clock,
    FaultKind,
    Fixtures,
    Lifecycle,
    Order,
    OrderStatus,
    Outcome,
    PaymentMethod,
    StatusChange,
    Step,
    seeded_ids,
)
from mock_baanx.core.errors import Conflict
from mock_baanx.core.poll_times import POLL_TIMES_KEPT, PollTimes
from mock_baanx.protocol import Options, handle
from mock_baanx.protocol.messages import Reply, Request

from ..helpers import ManualTime

FIXTURES = load_fixtures()
FINAL = [OrderStatus.COMPLETED, OrderStatus.FAILED, OrderStatus.EXPIRED]
DOCUMENTED = {200, 401, 403, 404, 405, 413, 422, 498, 499}


@st.composite
def lifecycles(draw) -> Lifecycle:
    """Any lifecycle a fixture file may describe: STARTED steps, then maybe a final one."""
    def step(status: OrderStatus) -> Step:
        if draw(st.booleans()):
            return Step(status, after_polls=draw(st.integers(0, 6)))
        return Step(status, after_seconds=draw(st.floats(0, 120)))

    steps = [step(OrderStatus.STARTED) for _ in range(draw(st.integers(0, 3)))]
    if draw(st.booleans()):
        steps.append(step(draw(st.sampled_from(FINAL))))
    return Lifecycle("drawn", tuple(steps))


actions = st.lists(st.one_of(
    st.just(("poll",)),
    st.just(("read",)),
    st.tuples(st.just("tick"), st.floats(0, 60)),
    st.tuples(st.just("travel"), st.floats(0, 60)),
    st.tuples(st.just("force"), st.sampled_from(FINAL)),
), max_size=40)


def backend_with(lifecycle: Lifecycle) -> tuple[Backend, ManualTime]:
    time_source = ManualTime()
    fixtures = Fixtures(FIXTURES.clients, FIXTURES.users, FIXTURES.products,
                        {**FIXTURES.lifecycles, lifecycle.name: lifecycle})
    return Backend(fixtures, clock=Clock(time_source), ids=seeded_ids(0)), time_source


@settings(max_examples=300, deadline=None)
@given(lifecycle=lifecycles(), script=actions)
def test_orders_move_forward_only(lifecycle, script):
    backend, time_source = backend_with(lifecycle)
    identity = backend.authenticate("demo-client", "demo-token")
    order_id = backend.create_order(identity, "METAL_CARD",
                                    PaymentMethod("CRYPTO_EXTERNAL_DAIMO"),
                                    lifecycle="drawn").order_id
    before = backend.order(order_id)
    for action in script:
        if action[0] == "poll":
            seen = backend.poll_order(identity, order_id)
            assert seen.poll_count == before.poll_count + 1
        elif action[0] == "read":
            backend.order(order_id)
        elif action[0] == "tick":
            time_source.tick(action[1])
        elif action[0] == "travel":
            backend.advance_clock(action[1])
        else:
            if before.status.is_terminal:
                with pytest.raises(Conflict):
                    backend.force_status(order_id, action[1], Outcome())
            else:
                backend.force_status(order_id, action[1], Outcome())
        after = backend.order(order_id)
        # A final status never changes, and neither does anything it reported.
        if before.status.is_terminal:
            assert (after.status, after.outcome, after.history) == (
                before.status, before.outcome, before.history)
        # Polls only accumulate; the history only grows, in time order.
        assert after.poll_times[:before.poll_count] == before.poll_times
        assert after.history[:len(before.history)] == before.history
        assert all(a.at <= b.at for a, b in pairwise(after.history))
        assert list(after.poll_times) == sorted(after.poll_times)
        # paidAt goes with COMPLETED and nothing else.
        assert (after.outcome.paid_at is not None) == (after.status is OrderStatus.COMPLETED)
        before = after


@settings(max_examples=50, deadline=None)
@given(polls=st.integers(0, POLL_TIMES_KEPT + 64), microsecond=st.integers(0, 999_999))
def test_an_order_keeps_its_most_recent_poll_times_in_order(polls, microsecond):
    start = datetime(2026, 3, 27, 14, 0, microsecond=microsecond, tzinfo=UTC)
    moments = [start + timedelta(seconds=n) for n in range(polls)]
    order = Order("ord_kept", "payment_kept", 7, "default", "demo-client", "user-demo",
                  "METAL_CARD", PaymentMethod.CRYPTO_EXTERNAL_DAIMO, "complete", None, start)
    for moment in moments:
        order = order.polled_at(moment)
    assert order.poll_count == polls
    assert order.poll_times == tuple(moments[-POLL_TIMES_KEPT:])


@settings(max_examples=50, deadline=None)
@given(before=st.integers(0, POLL_TIMES_KEPT + 40), after=st.integers(0, 80),
       index=st.integers(-POLL_TIMES_KEPT - 10, POLL_TIMES_KEPT + 10))
def test_poll_times_read_as_the_tuple_of_the_most_recent(before, after, index):
    start = datetime(2026, 3, 27, 14, 0, tzinfo=UTC)
    moments = [start + timedelta(milliseconds=n) for n in range(before + after)]
    times = PollTimes(moments[:before])  # as read back from a record
    for moment in moments[before:]:
        times = times.then(moment)
    expected = tuple(moments[-POLL_TIMES_KEPT:])
    assert (len(times), tuple(times), list(reversed(times))) == (
        len(expected), expected, list(reversed(expected)))
    assert times == expected
    assert expected == times
    assert hash(times) == hash(expected)
    assert times == PollTimes(moments)
    assert pickle.loads(pickle.dumps(times, protocol=0)) == times
    assert times[3:-2] == expected[3:-2]
    if -len(expected) <= index < len(expected):
        assert times[index] == expected[index]
    else:
        with pytest.raises(IndexError):
            times[index]


@settings(max_examples=200, deadline=None)
@given(after_seconds=st.floats(0, 100), moves=st.lists(
    st.tuples(st.sampled_from(["tick", "travel"]), st.floats(0, 30)), max_size=10))
def test_a_time_step_happens_exactly_when_its_time_has_come(after_seconds, moves):
    lifecycle = Lifecycle("drawn", (Step(OrderStatus.COMPLETED, after_seconds=after_seconds),))
    backend, time_source = backend_with(lifecycle)
    identity = backend.authenticate("demo-client", "demo-token")
    order = backend.create_order(identity, "METAL_CARD",
                                 PaymentMethod("CRYPTO_EXTERNAL_DAIMO"), lifecycle="drawn")
    for kind, seconds in moves:
        if kind == "tick":
            time_source.tick(seconds)
        else:
            backend.advance_clock(seconds)
        seen = backend.poll_order(identity, order.order_id)
        # The mock's clock counts in microseconds, as datetime does.
        due = timedelta(seconds=after_seconds)
        elapsed = backend.now() - order.created_at
        assert (seen.status is OrderStatus.COMPLETED) == (elapsed >= due)
        if seen.status is OrderStatus.COMPLETED:
            # Paid when the time came, however late the poll that noticed it.
            assert seen.history[-1].at - order.created_at == due


@settings(max_examples=200, deadline=None)
@given(after_polls=st.integers(0, 10), polls=st.integers(1, 15))
def test_a_poll_step_is_first_seen_by_the_poll_after_that_many(after_polls, polls):
    lifecycle = Lifecycle("drawn", (Step(OrderStatus.FAILED, after_polls=after_polls),))
    backend, _ = backend_with(lifecycle)
    identity = backend.authenticate("demo-client", "demo-token")
    order_id = backend.create_order(identity, "METAL_CARD",
                                    PaymentMethod("CRYPTO_EXTERNAL_DAIMO"),
                                    lifecycle="drawn").order_id
    seen = [backend.poll_order(identity, order_id).status for _ in range(polls)]
    assert seen == [OrderStatus.STARTED] * min(after_polls, polls) + [OrderStatus.FAILED] * max(
        0, polls - after_polls)


SHARED = Backend(FIXTURES, ids=seeded_ids(3))
AUTH = (("X-Client-ID", "demo-client"), ("Authorization", "Bearer demo-token"))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.binary(max_size=2000), content_type=st.sampled_from(
    ["application/json", "text/plain", "application/problem+json", ""]))
def test_any_body_gets_a_documented_status(body, content_type):
    request = Request.build("POST", "/v1/order", (*AUTH, ("Content-Type", content_type)), body)
    reply = handle(SHARED, request)
    assert reply.status in DOCUMENTED
    assert set(json.loads(reply.body)) <= {"message", "orderId", "requestId", "paymentConfig"}


@settings(max_examples=400, deadline=None)
@given(order_id=st.text(min_size=1, max_size=300), method=st.sampled_from(
    ["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD"]))
def test_any_order_id_gets_a_documented_status(order_id, method):
    request = Request.build(method, f"/v1/order/{order_id}", AUTH)
    reply = handle(SHARED, request)
    assert reply.status in DOCUMENTED | {204}
    if reply.status != 204:
        assert isinstance(json.loads(reply.body), dict)


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=500))
def test_any_bytes_as_header_values_get_a_documented_status(raw):
    value = raw.decode("latin-1")
    request = Request.build("GET", "/v1/order/products/available",
                            (("X-Client-ID", value), ("Authorization", value)))
    assert handle(SHARED, request).status in {401, 498, 499}


@settings(max_examples=300, deadline=None)
@given(token=st.text(alphabet="0123456789abcdefXYZ-_.~+/=", min_size=12, max_size=60).map(
    lambda text: f"US_{text}"), path=st.sampled_from(
    ["/v1/order/products/available", "/v1/order", "/v1/order/ord_x", "/nowhere"]),
    method=st.sampled_from(["GET", "POST"]))
def test_a_token_never_comes_back_in_a_reply_or_the_journal(token, path, method):
    backend = Backend(FIXTURES, ids=seeded_ids(9))
    request = Request.build(method, path, (("X-Client-ID", "demo-client"),
                                           ("Authorization", f"Bearer {token}"),
                                           ("Content-Type", "application/json")),
                            json.dumps({"productId": token}).encode())
    reply = handle(backend, request)
    assert token not in reply.body.decode()
    entry = backend.journal()[-1]
    assert token not in json.dumps(dict(entry.headers))


@settings(max_examples=300, deadline=None)
@given(fault=st.one_of(st.none(), st.text(max_size=8)), delay=st.one_of(
    st.none(), st.text(max_size=8)))
# Digits str.isdigit() accepts and int() does not read.
@example(fault=None, delay="\u00b2")
@example(fault="\u00b9", delay=None)
def test_any_scripting_header_gets_a_documented_status(fault, delay):
    pairs = list(AUTH)
    if fault is not None:
        pairs.append(("X-Mock-Fault", fault))
    if delay is not None:
        pairs.append(("X-Mock-Delay-Ms", delay))
    options = Options(sleep=lambda seconds: None)
    reply = handle(SHARED, Request.build("GET", "/v1/order/products/available", pairs),
                       options)
    assert reply.status in DOCUMENTED | {500, 502}
    if reply.status == 500:
        assert fault is not None
        assert fault.strip() == "500"
    if reply.status == 502:
        # A network fault asked of a door with no connection to act it out on.
        assert fault is not None
        assert fault.strip() in set(FaultKind)


def test_a_reply_copied_with_headers_keeps_every_field():
    # Reply.with_headers builds its copy field by field, as it runs on every request: a
    # field added to Reply must be added to the copy too, or the copy would drop it.
    reply = Reply(status=201, body=b"{}", headers=(("A", "1"),), payload={}, fault="reset",
                  declared_length=9)
    assert [field.name for field in fields(Reply)] == [
        "status", "body", "headers", "payload", "fault", "declared_length"]
    assert reply.with_headers((("B", "2"),)) == replace(reply, headers=(("A", "1"), ("B", "2")))


def test_an_order_polled_keeps_every_other_field():
    # Order.polled_at builds its copy field by field, as it runs on every poll.
    start = datetime(2026, 3, 27, 14, 0, tzinfo=UTC)
    later = start + timedelta(seconds=3)
    order = Order("ord_kept", "payment_kept", 7, "team-a", "demo-client", "user-demo",
                  "METAL_CARD", PaymentMethod.CRYPTO_EXTERNAL_DAIMO, "complete", None, start,
                  OrderStatus.PENDING, Outcome(note="late"),
                  (StatusChange(OrderStatus.PENDING, start, 1, "forced"),), 1, (start,), 2)
    assert order.polled_at(later) == replace(order, poll_count=2, poll_times=(start, later))
