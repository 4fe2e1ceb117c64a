"""Faults a test asks for: what to do instead of, or before, the real reply.

A plan comes from the mock's own request headers (`X-Mock-Fault`, `X-Mock-Delay-Ms`,
honoured only with the control API on) or from a fault set through the control API.
Network-level faults become replies the transports act out: `handle()` decides; the
transport produces — an in-process mock raises what `requests` (or `httpx`) raises on a
real socket, a server resets or closes the connection, holds it, or sends a body shorter
than the length it announced (transports/connections.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core import Backend, FaultKind
from ..core.errors import ValidationFailed
from .messages import JSON_TYPE, MAX_DELAY_MS, Reply, Request, bounded_number

FAULT_HEADER = "X-Mock-Fault"
DELAY_HEADER = "X-Mock-Delay-Ms"
FAULT_STATUSES = range(400, 600)


# Not frozen, though nothing changes one once built: every request builds one or more, and
# a frozen dataclass costs a setattr call per field to build (route.py's Call is the same).
@dataclass(slots=True)
class Plan:
    """What to do instead of, or before, the real reply: answer `status` (with
    `retry_after`) or do `kind`, after holding the reply back `delay_ms`."""

    status: int | None = None
    kind: FaultKind | None = None
    retry_after: int | None = None
    delay_ms: int = 0


def planned_fault(backend: Backend, request: Request, operation: str, namespace: str) -> Plan:
    """The plan for this call of `operation` in `namespace`, from the X-Mock-Fault and
    X-Mock-Delay-Ms headers and any fault set through the control API; the headers win."""
    status, kind = fault_header(request)
    delay_ms = delay_header(request)
    fault = backend.take_fault(operation, namespace=namespace)
    retry_after = None
    if fault is not None:
        if status is None and kind is None:
            status, kind, retry_after = fault.status, fault.kind, fault.retry_after
        delay_ms = delay_ms if delay_ms is not None else fault.delay_ms
    return Plan(status, kind, retry_after, delay_ms or 0)


def fault_header(request: Request) -> tuple[int | None, FaultKind | None]:
    """The status (400 to 599) or the network-level fault X-Mock-Fault asks for."""
    value = request.header(FAULT_HEADER)
    if value is None:
        return None, None
    text = value.strip()
    if text in FaultKind.__members__.values():
        return None, FaultKind(text)
    status = bounded_number(text, FAULT_STATUSES.start, FAULT_STATUSES.stop - 1)
    if status is not None:
        return status, None
    raise ValidationFailed(f"{FAULT_HEADER} must be a status from 400 to 599 or one of: "
                           f"{', '.join(FaultKind)}")


def delay_header(request: Request) -> int | None:
    value = request.header(DELAY_HEADER)
    if value is None:
        return None
    delay = bounded_number(value.strip(), 0, MAX_DELAY_MS)
    if delay is None:
        raise ValidationFailed(f"{DELAY_HEADER} must be a whole number of milliseconds from 0 "
                               f"to {MAX_DELAY_MS}")
    return delay


# What an upstream proxy answers on a bad day, under the API's own content type: a
# client that trusts the Content-Type fails to parse it.
MALFORMED_BODY = b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"
# The start of a JSON object, and the length announced for the whole of it.
TRUNCATED_BODY = b'{"message": "the rest of this body never ar'
TRUNCATED_LENGTH = 96


def fault_reply(kind: FaultKind) -> Reply:
    """The reply that stands for `kind`. Where no socket exists to act it out (a WSGI test
    client), a transport sends it as it is: a 502 saying so, a malformed 200, or the short
    body alone."""
    if kind is FaultKind.MALFORMED:
        return Reply(200, MALFORMED_BODY, (("Content-Type", JSON_TYPE),), fault=kind)
    if kind is FaultKind.TRUNCATED:
        return Reply(200, TRUNCATED_BODY, (("Content-Type", JSON_TYPE),), fault=kind,
                     declared_length=TRUNCATED_LENGTH)
    reply = Reply.json(502, {"message": f"a {kind} fault needs a connection to act on"})
    return Reply(reply.status, reply.body, reply.headers, reply.payload, fault=kind)


# Faults that leave the client no HTTP status at all.
STATUSLESS = frozenset({FaultKind.RESET, FaultKind.EMPTY, FaultKind.HANG})


def leaves_no_status(reply: Reply) -> bool:
    """Whether the client gets no HTTP status at all (reset, empty, hang)."""
    # A set's hash lookup: comparing None with each enum member costs more per request.
    return reply.fault in STATUSLESS
