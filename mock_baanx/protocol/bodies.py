"""The documented JSON bodies: reading request bodies, building reply bodies."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..core import Order
from ..core.errors import ValidationFailed
from . import schemas
from .messages import JSON_TYPE, Request

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError


def parse_json(raw: bytes) -> Any:
    """Any JSON value, or a 422: never a traceback, however deep or broken the input."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise ValidationFailed("request body is nested too deeply") from None
    except ValueError:
        raise ValidationFailed("request body must be valid JSON") from None


def validated(schema: str, value: Any) -> dict[str, Any]:
    """`value`, if it is valid against `schemas/<schema>`; else a 422 naming the field."""
    error = schemas.first_error(schema, value)
    if error is not None:
        raise ValidationFailed(validation_message(error))
    assert isinstance(value, dict)
    return value


def created_body(order: Order) -> dict[str, Any]:
    body: dict[str, Any] = {"requestId": order.request_id, "orderId": order.order_id}
    config = order.payment_config
    if config is not None:
        body["paymentConfig"] = {
            "paymentAmount": config.payment_amount,
            "paymentCurrency": config.payment_currency,
            "destinationAddress": config.destination_address,
            "destinationChainId": config.destination_chain_id,
            "destinationTokenSymbol": config.destination_token_symbol,
            "destinationTokenAddress": config.destination_token_address,
        }
    return body


def status_body(order: Order) -> dict[str, Any]:
    body: dict[str, Any] = {"requestId": order.request_id, "orderId": order.order_id,
                            "status": order.status.value}
    outcome = order.outcome
    if outcome.paid_at is not None:
        body["paidAt"] = outcome.paid_at
    metadata = {key: value for key, value in (("paymentId", outcome.payment_id),
                                              ("txHash", outcome.tx_hash),
                                              ("note", outcome.note)) if value is not None}
    if metadata:
        body["metadata"] = metadata
    return body


def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, or a 422 that says what is wrong with it."""
    media_type = (request.header("content-type") or "").split(";", 1)[0].strip().lower()
    if media_type != JSON_TYPE and not media_type.endswith("+json"):
        raise ValidationFailed("Content-Type must be application/json")
    value = parse_json(request.body)
    if not isinstance(value, dict):
        raise ValidationFailed("request body must be a JSON object")
    return value


def validation_message(error: ValidationError) -> str:
    """A jsonschema error as the 422 text: the field first, then what it must be."""
    path = [str(part) for part in error.absolute_path]
    expected: Any = error.validator_value
    instance: Any = error.instance
    if error.validator == "required":
        missing = next(name for name in expected if name not in instance)
        return f"{'.'.join([*path, missing])} is required"
    where = ".".join(path) or "request body"
    if error.validator == "enum":
        return f"{where} must be one of: {', '.join(map(str, expected))}"
    if error.validator == "type":
        kind = {"object": "a JSON object", "array": "a JSON array", "integer": "an integer"}.get(
            str(expected), f"a {expected}")
        return f"{where} must be {kind}"
    return f"{where}: {error.message}"
