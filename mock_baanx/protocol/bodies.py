"""Every JSON form of an order, and reading request bodies.

An order becomes JSON here and nowhere else: the create reply, the status reply, the
control API's view of an order, and the record a state store keeps. Each form is built
from the same field helpers, so that a field cannot be written one way in one form and
another way in the next.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..core import (
    Order,
    OrderStatus,
    Outcome,
    PaymentConfig,
    StatusChange,
)
from ..core.errors import ValidationFailed
from ..core.models import EXTENDED_STATUSES_SWITCH
from . import schemas
from .messages import JSON_TYPE, Request

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

INT_DIGITS = sys.int_info.default_max_str_digits
# A journal keeps bodies for reading, not replaying: a cap keeps 1,000 entries small.
BODY_KEPT = 16 * 1024


# --- Request bodies --------------------------------------------------------------------


def parse_json(raw: bytes) -> Any:
    """Any JSON value, as RFC 8259 defines it, or a 422: never a traceback, however deep or
    broken the input. NaN and Infinity are not JSON, and a number too large for a double is
    refused (a JavaScript parser would make it Infinity); an integer of any length is
    read, past Python's limit on digits too."""
    try:
        # Decoded as json.loads decodes bytes.
        return RFC_8259.decode(raw.decode(json.detect_encoding(raw), "surrogatepass"))
    except RecursionError:
        raise ValidationFailed("request body is nested too deeply") from None
    except TooLarge as error:
        raise ValidationFailed(f"request body has a number too large for a double: "
                               f"{shown(error.args[0])}") from None
    except ValueError:
        raise ValidationFailed("request body must be valid JSON") from None


class TooLarge(ValueError):
    """A number that would be infinite as a double."""


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise TooLarge(text)
    return value


def _integer(text: str) -> int | Decimal:
    # Past Python's limit on digits (sys.int_info), an exact decimal: read in linear time.
    return int(text) if len(text) <= INT_DIGITS else Decimal(text)


# Built once: json.loads with any option builds a new decoder on every call.
RFC_8259 = json.JSONDecoder(parse_constant=_not_json, parse_float=_finite, parse_int=_integer)


def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, or a 422 that says what is wrong with it."""
    media_type = (request.header("content-type") or "").split(";", 1)[0].strip().lower()
    if media_type != JSON_TYPE and not media_type.endswith("+json"):
        raise ValidationFailed("Content-Type must be application/json")
    value = parse_json(request.body)
    if not isinstance(value, dict):
        raise ValidationFailed("request body must be a JSON object")
    return value


def validated(schema: str, value: Any, extended: bool = False) -> dict[str, Any]:
    """`value`, if it is valid against `schemas/<schema>` (with extended statuses allowed
    when `extended`); else a 422 naming the field."""
    error = schemas.first_error(schema, value, extended)
    if error is not None:
        raise ValidationFailed(validation_message(error))
    assert isinstance(value, dict)
    return value


def validation_message(error: ValidationError) -> str:
    """A jsonschema error as the 422 text: the field first, then what it must be."""
    schema: Any = error.schema
    if isinstance(schema, dict) and "x-message" in schema:
        return str(schema["x-message"])
    field, problem = field_problem(error)
    where = ".".join(str(part) for part in field) or "request body"
    return f"{where}{problem}" if problem.startswith(":") else f"{where} {problem}"


def field_problem(error: ValidationError) -> tuple[list[str | int], str]:
    """Where a jsonschema error lies (the path to the field, a missing one included) and
    what is wrong there, in words: "is required", "must be one of: …"."""
    path: list[str | int] = list(error.absolute_path)
    expected: Any = error.validator_value
    instance: Any = error.instance
    schema: Any = error.schema
    if isinstance(schema, dict) and "x-message" in schema:
        # A rule across fields says itself what is wrong (schemas/control/fault-request.json).
        return path, str(schema["x-message"])
    if error.validator == "required":
        missing = next(name for name in expected if name not in instance)
        return [*path, missing], "is required"
    return path, _what_it_must_be(error, expected, instance)


TYPE_NAMES = {"object": "a JSON object", "array": "a JSON array", "integer": "an integer",
              "string": "a string", "number": "a number", "boolean": "true or false",
              "null": "null"}


def _what_it_must_be(error: ValidationError, expected: Any, instance: Any) -> str:
    schema: Any = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "enum":
        message = f"must be one of: {', '.join(map(str, expected))}"
        if instance in schema.get(schemas.EXTENDED_VALUES, ()):
            message += (f"; {instance} is seen in real clients but not in the Baanx docs: "
                        f"turn extended statuses on ({EXTENDED_STATUSES_SWITCH})")
        return message
    if error.validator == "pattern" and "x-format" in schema:
        return f"must be {schema['x-format']}, not {shown(instance)}"
    if error.validator == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return "must be " + " or ".join(TYPE_NAMES.get(str(kind), f"a {kind}") for kind in kinds)
    if (error.validator in ("oneOf", "anyOf") and isinstance(expected, list)
            and all(isinstance(option, dict) and set(option) - {"title"} == {"required"}
                    for option in expected)):
        exactly = "exactly " if error.validator == "oneOf" else ""
        return (f"needs {exactly}one of: "
                f"{', '.join(name for option in expected for name in option['required'])}")
    if error.validator == "additionalProperties":
        extra = sorted(set(instance) - set(schema.get("properties", {})))
        return f"has a field it does not know: {', '.join(extra)}"
    return f": {error.message}"


def shown(value: Any) -> str:
    """A value as a message quotes it: JSON, cut short."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def body_text(body: bytes) -> str:
    """A request body as the journal keeps it: text, cut at BODY_KEPT."""
    text = body[:BODY_KEPT].decode("utf-8", errors="replace")
    return text + "…" if len(body) > BODY_KEPT else text


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


def outcome_from_json(body: Mapping[str, Any]) -> Outcome:
    metadata = body.get("metadata") or {}
    return Outcome(paid_at=body.get("paidAt"), payment_id=metadata.get("paymentId"),
                   tx_hash=metadata.get("txHash"), note=metadata.get("note"))


def history_json(history: tuple[StatusChange, ...], *, precise: bool = False
                 ) -> list[dict[str, Any]]:
    return [{"status": change.status.value, "at": moment_text(change.at, precise=precise),
             "afterPolls": change.after_polls, "cause": change.cause}
            for change in history]


def history_from_json(history: list[Mapping[str, Any]]) -> tuple[StatusChange, ...]:
    # Causes interned, as the lifecycle engine interns them: one string per lifecycle.
    return tuple(StatusChange(OrderStatus(change["status"]), datetime.fromisoformat(change["at"]),
                              change["afterPolls"], sys.intern(change["cause"]))
                 for change in history)


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
