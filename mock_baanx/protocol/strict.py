"""Strict mode: every reply the mock builds is checked against its schema before it
leaves, so that the mock can never drift from its own contract unnoticed."""

from __future__ import annotations

import logging

from . import schemas
from .messages import Reply
from .route import Route

log = logging.getLogger("mock_baanx")


def checked(reply: Reply, route: Route | None, extended: bool = False) -> Reply:
    """`reply`, if it matches its schema; else a 500 that says how the mock broke its own
    contract. Only a bug in the mock can lead here."""
    if reply.status == 204:
        return reply
    succeeded = route is not None and reply.status == route.reply_status
    schema = route.reply_schema if route is not None and succeeded else "error.json"
    if schema is None:
        return reply
    error = schemas.first_error(schema, reply.payload, extended)
    if error is None:
        return reply
    message = (f"mock-baanx broke its own contract: reply {reply.status} does not match "
               f"schemas/{schema} at {error.json_path}: {error.message}")
    log.error(message)
    return Reply.json(500, {"message": message})
