"""The mock's own request headers, for tests that make their own calls: `X-Mock-Fault`,
`X-Mock-Delay-Ms` and `X-Mock-Lifecycle`. Honoured only with the control API on."""

from __future__ import annotations

from ..core import Backend
from ..core.errors import DOCUMENTED_ERRORS, ValidationFailed
from .limits import MAX_DELAY_MS
from .messages import Request

FAULT_HEADER = "X-Mock-Fault"
DELAY_HEADER = "X-Mock-Delay-Ms"
LIFECYCLE_HEADER = "X-Mock-Lifecycle"
FAULT_STATUSES = {str(status): status for status in sorted(DOCUMENTED_ERRORS)}


def planned_fault(backend: Backend, request: Request, operation: str, namespace: str
                  ) -> tuple[int | None, int]:
    """The documented error status to answer instead of the real reply (or None) and the
    milliseconds to hold the reply back, from the X-Mock-Fault / X-Mock-Delay-Ms headers
    and any fault set through the control API for `operation` in `namespace`."""
    status = fault_header(request)
    delay_ms = delay_header(request)
    fault = backend.take_fault(operation, namespace=namespace)
    if fault is not None:
        status = status if status is not None else fault.status
        delay_ms = delay_ms if delay_ms is not None else fault.delay_ms
    return status, delay_ms or 0


def fault_header(request: Request) -> int | None:
    value = request.header(FAULT_HEADER)
    if value is None:
        return None
    status = FAULT_STATUSES.get(value.strip())
    if status is None:
        raise ValidationFailed(f"{FAULT_HEADER} must be one of: {', '.join(FAULT_STATUSES)}")
    return status


def delay_header(request: Request) -> int | None:
    value = request.header(DELAY_HEADER)
    if value is None:
        return None
    text = value.strip()
    # ASCII only: str.isdigit() also says yes to digits int() cannot read, like "²".
    if not (text.isascii() and text.isdigit() and int(text) <= MAX_DELAY_MS):
        raise ValidationFailed(f"{DELAY_HEADER} must be a whole number of milliseconds from 0 "
                               f"to {MAX_DELAY_MS}")
    return int(text)
