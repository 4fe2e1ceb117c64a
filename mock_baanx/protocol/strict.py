"""Strict mode: every reply the mock builds is checked against its schema before it
leaves, so that the mock can never drift from its own contract unnoticed."""

from __future__ import annotations

import logging

from . import schemas
from .messages import Reply
from .route import Route
from .stubs import stub_reply_problem

log = logging.getLogger("mock_baanx")


def checked(reply: Reply, route: Route | None, extended: bool = False) -> Reply:
    """`reply`, if it matches its schema; else a 500 that says how the mock broke its own
    contract (a bug in the mock), or how a stub's reply broke the schema it was given (a
    placeholder filled with a value of another type, say)."""
    if reply.status == 204:
        return reply
    succeeded = route is not None and reply.status == route.reply_status
    if route is not None and route.stub is not None and succeeded:
        problem = stub_reply_problem(route.stub, reply)
        return reply if problem is None else _refused(
            f"stub {route.stub.id}'s reply does not match its own schema at {problem}")
    schema = route.reply_schema if route is not None and succeeded else "error.json"
    if schema is None:
        return reply
    error = schemas.first_error(schema, reply.payload, extended)
    if error is None:
        return reply
    return _refused(f"mock-baanx broke its own contract: reply {reply.status} does not match "
                    f"schemas/{schema} at {error.json_path}: {error.message}")


def _refused(message: str) -> Reply:
    log.error(message)
    return Reply.json(500, {"message": message})
