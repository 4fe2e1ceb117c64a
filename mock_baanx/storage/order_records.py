"""An order as the stores keep it (the state file, PostgreSQL): a record format of storage's
own, versioned, and independent of every JSON form the API shows. Renaming a field of
`GET /__mock/orders/{orderId}` changes nothing here; changing this format means a new
`RECORD_VERSION` and a reader of the old one, kept for as long as files of it may exist.

Record 3 (this one) holds moments as whole microseconds since the Unix epoch, UTC, and
the request id only where it is not the one derived from the order id. A record with no
`record` field was written before this format existed (state format 2): the control API's
view of the order, to the microsecond, with the namespace, number, payment config and steps
taken; it is read as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..core import Order, OrderStatus, Outcome, PaymentConfig, PaymentMethod
from ..core.clock import micros, moment_at
from ..core.ids import request_id_of
from ..core.models import StatusChange
from ..core.poll_times import PollTimes

RECORD_VERSION = 3
# The payment config's fields, as a record names them.
CONFIG_FIELDS = (("amount", "payment_amount"), ("currency", "payment_currency"),
                 ("address", "destination_address"), ("chainId", "destination_chain_id"),
                 ("tokenSymbol", "destination_token_symbol"),
                 ("tokenAddress", "destination_token_address"))
OUTCOME_FIELDS = ("paid_at", "payment_id", "tx_hash", "note")


class UnreadableRecord(ValueError):
    """A record of a version this mock-baanx cannot read."""


def record_of(order: Order) -> dict[str, Any]:
    """The record of `order`."""
    record: dict[str, Any] = {
        "record": RECORD_VERSION,
        "orderId": order.order_id,
        "number": order.number,
        "namespace": order.namespace,
        "clientId": order.client_id,
        "userId": order.user_id,
        "productId": order.product_id,
        "paymentMethod": order.payment_method.value,
        "lifecycle": order.lifecycle,
        "paymentConfig": (None if order.payment_config is None else
                          {name: getattr(order.payment_config, field)
                           for name, field in CONFIG_FIELDS}),
        "createdMicros": micros(order.created_at),
        "status": order.status.value,
        "outcome": {field: value for field in OUTCOME_FIELDS
                    if (value := getattr(order.outcome, field)) is not None},
        # The creation is the first change of every order's history: not kept twice.
        "changes": [[change.status.value, micros(change.at), change.after_polls,
                     change.cause] for change in order.history[1:]],
        "pollCount": order.poll_count,
        "pollTimes": [micros(moment) for moment in order.poll_times],
        "stepsTaken": order.steps_taken,
    }
    if order.request_id != request_id_of(order.order_id):
        record["requestId"] = order.request_id
    return record


def order_of(record: Mapping[str, Any]) -> Order:
    """The order a record holds, whichever version wrote it."""
    version = record.get("record")
    if version is None:
        return _order_of_control_view(record)
    if version != RECORD_VERSION:
        raise UnreadableRecord(f"an order record of version {version}; this mock-baanx reads "
                               f"versions up to {RECORD_VERSION}")
    config = record["paymentConfig"]
    outcome = record["outcome"]
    return Order(
        **_named_alike(record),
        request_id=record.get("requestId") or request_id_of(record["orderId"]),
        payment_config=None if config is None else PaymentConfig(
            **{field: config[name] for name, field in CONFIG_FIELDS}),
        created_at=moment_at(record["createdMicros"]),
        outcome=Outcome(**{field: outcome.get(field) for field in OUTCOME_FIELDS}),
        changes=tuple(StatusChange(OrderStatus(status), moment_at(at), after_polls, cause)
                      for status, at, after_polls, cause in record["changes"]),
        poll_times=PollTimes(map(moment_at, record["pollTimes"])))


def _order_of_control_view(record: Mapping[str, Any]) -> Order:
    """An order stored before record 3: the control API's view of it, as it was then."""
    config = record["paymentConfig"]
    metadata = record.get("metadata") or {}
    return Order(
        **_named_alike(record),
        request_id=record["requestId"],
        payment_config=None if config is None else PaymentConfig(
            payment_amount=config["paymentAmount"],
            payment_currency=config["paymentCurrency"],
            destination_address=config["destinationAddress"],
            destination_chain_id=config["destinationChainId"],
            destination_token_symbol=config["destinationTokenSymbol"],
            destination_token_address=config["destinationTokenAddress"]),
        created_at=aware(datetime.fromisoformat(record["createdAt"])),
        outcome=Outcome(paid_at=record.get("paidAt"), payment_id=metadata.get("paymentId"),
                        tx_hash=metadata.get("txHash"), note=metadata.get("note")),
        # The first entry is the creation, which the order puts back itself.
        changes=tuple(StatusChange(OrderStatus(change["status"]),
                                   datetime.fromisoformat(change["at"]),
                                   change["afterPolls"], change["cause"])
                      for change in record["history"][1:]),
        # PollTimes keeps the most recent POLL_TIMES_KEPT.
        poll_times=PollTimes(aware(datetime.fromisoformat(moment))
                             for moment in record["pollTimes"]))


def _named_alike(record: Mapping[str, Any]) -> dict[str, Any]:
    """The order's fields both forms of a record give under the same names."""
    return {"order_id": record["orderId"], "number": record["number"],
            "namespace": record["namespace"], "client_id": record["clientId"],
            "user_id": record["userId"], "product_id": record["productId"],
            "payment_method": PaymentMethod(record["paymentMethod"]),
            "lifecycle": record["lifecycle"], "status": OrderStatus(record["status"]),
            "poll_count": record["pollCount"], "steps_taken": record["stepsTaken"]}


def aware(moment: datetime) -> datetime:
    """`moment`, a naive one taken as UTC (a record an earlier version kept may hold one)."""
    return moment_at(micros(moment))
