"""The error catalogue: one exception per status the mock can answer with an error.

The first group is the Baanx contract (statuses and texts from the public docs); the
second is the mock's own (its control API's conflicts and names). Each class carries the
status the contract gives it and its default message; the protocol layer
(`protocol/errors.py`) is the one place that turns them into response bodies.
"""

from __future__ import annotations

from typing import ClassVar


class BaanxError(Exception):
    status: ClassVar[int] = 500
    default_message: ClassVar[str] = "Internal server error"

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


# --- The Baanx contract -------------------------------------------------------------


class NotAuthenticated(BaanxError):
    status = 401
    default_message = "Not authenticated"


class NotAuthorized(BaanxError):
    status = 403
    default_message = "Not authorized"


class OrderNotFound(BaanxError):
    status = 404
    default_message = "Order not found"


class ValidationFailed(BaanxError):
    """422: the request body, or a name in it, is not acceptable; the message names the field."""

    status = 422
    default_message = "Validation failed"


class InvalidClientKey(BaanxError):
    status = 498
    default_message = "Invalid client key"


class MissingClientKey(BaanxError):
    status = 499
    default_message = "Missing client key"


class InternalServerError(BaanxError):
    status = 500
    default_message = "Internal server error"


# --- The mock's own domain -----------------------------------------------------------


class UnknownLifecycle(ValidationFailed):
    """A lifecycle name the mock does not know; `known` lists the names it does. The
    caller names where the name came from (a header, a control call, an option)."""

    def __init__(self, name: str, known: tuple[str, ...], source: str = "lifecycle") -> None:
        self.name = name
        self.known = known
        super().__init__(f"{source} must be one of: {', '.join(known)}")


class Conflict(BaanxError):
    status = 409
    default_message = "Conflict"


class StoreUnavailable(BaanxError):
    """The store of a mock shared by several processes (a database) does not answer: the
    request cannot be served now, and nothing acknowledged was lost."""

    status = 503
    default_message = "Service Unavailable: the mock's state database does not answer"


# The errors the Baanx docs document, by status: their texts are the catalogue's (a fault
# may answer any status from 400 to 599, with these texts where the docs give one).
DOCUMENTED_ERRORS: dict[int, type[BaanxError]] = {
    cls.status: cls
    for cls in (
        NotAuthenticated,
        NotAuthorized,
        OrderNotFound,
        ValidationFailed,
        InvalidClientKey,
        MissingClientKey,
        InternalServerError,
    )
}
