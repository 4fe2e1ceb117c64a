"""Every JSON form of an order: the create reply, the status reply and the control API's
view of an order.

An order becomes JSON here and nowhere else. Each form is built from the same field
helpers, so that a field cannot be written one way in one form and another way in the
next. (A store's own record of an order is storage/order_records.py's.)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..core import (
    Order,
    Outcome,
    PaymentConfig,
    StatusChange,
)

# --- Field helpers ---------------------------------------------------------------------


def moment_text(moment: datetime, *, precise: bool = False) -> str:
    """A moment of the mock's clock in ISO 8601: to the millisecond for people, to the
    microsecond for a record that must come back equal."""
    return moment.isoformat() if precise else moment.isoformat(timespec="milliseconds")


def payment_config_json(config: PaymentConfig) -> dict[str, Any]:
    return {
        "paymentAmount": config.payment_amount,
        "paymentCurrency": config.payment_currency,
        "destinationAddress": config.destination_address,
        "destinationChainId": config.destination_chain_id,
        "destinationTokenSymbol": config.destination_token_symbol,
        "destinationTokenAddress": config.destination_token_address,
    }


def payment_config_from_json(config: Mapping[str, Any]) -> PaymentConfig:
    return PaymentConfig(
        payment_amount=config["paymentAmount"],
        payment_currency=config["paymentCurrency"],
        destination_address=config["destinationAddress"],
        destination_chain_id=config["destinationChainId"],
        destination_token_symbol=config["destinationTokenSymbol"],
        destination_token_address=config["destinationTokenAddress"],
    )


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    """The outcome as a status reply carries it: `paidAt`, and `metadata` when any of its
    fields is set."""
    body: dict[str, Any] = {}
    if outcome.paid_at is not None:
        body["paidAt"] = outcome.paid_at
    metadata = {key: value for key, value in (("paymentId", outcome.payment_id),
                                              ("txHash", outcome.tx_hash),
                                              ("note", outcome.note)) if value is not None}
    if metadata:
        body["metadata"] = metadata
    return body


def history_json(history: tuple[StatusChange, ...], *, precise: bool = False
                 ) -> list[dict[str, Any]]:
    return [{"status": change.status.value, "at": moment_text(change.at, precise=precise),
             "afterPolls": change.after_polls, "cause": change.cause}
            for change in history]


# --- The forms of an order -------------------------------------------------------------


def created_body(order: Order) -> dict[str, Any]:
    """POST /v1/order's reply."""
    body: dict[str, Any] = {"requestId": order.request_id, "orderId": order.order_id}
    if order.payment_config is not None:
        body["paymentConfig"] = payment_config_json(order.payment_config)
    return body


def status_body(order: Order) -> dict[str, Any]:
    """GET /v1/order/{orderId}'s reply."""
    return {"requestId": order.request_id, "orderId": order.order_id,
            "status": order.status.value, **outcome_json(order.outcome)}


def order_detail(order: Order, *, precise: bool = False) -> dict[str, Any]:
    """The control API's view of an order: its owner, lifecycle, history and polls, with
    what its owner would see on a poll (`paidAt`, `metadata`)."""
    return {
        "orderId": order.order_id,
        "requestId": order.request_id,
        "clientId": order.client_id,
        "userId": order.user_id,
        "productId": order.product_id,
        "paymentMethod": order.payment_method.value,
        "lifecycle": order.lifecycle,
        "status": order.status.value,
        "createdAt": moment_text(order.created_at, precise=precise),
        "pollCount": order.poll_count,
        "pollTimes": [moment_text(moment, precise=precise) for moment in order.poll_times],
        "lastPolledAt": (moment_text(order.poll_times[-1], precise=precise)
                         if order.poll_times else None),
        "history": history_json(order.history, precise=precise),
        **outcome_json(order.outcome),
    }
