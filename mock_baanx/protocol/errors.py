"""The errors of the mock's HTTP plumbing, and the one place where any error becomes a
reply.

The domain's error catalogue (the statuses and texts Baanx documents) lives in
`core/errors.py`; what is added here is what only HTTP can go wrong with: an unknown path,
a wrong method, a request that cannot be read, one too large. Every adapter sends what
`error_reply` builds, so every error the mock sends has the same shape.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from ..core.errors import DOCUMENTED_ERRORS, BaanxError, Conflict, InternalServerError
from .messages import Reply, body_size_text, logged_path

log = logging.getLogger("mock_baanx")


class RouteNotFound(BaanxError):
    status = 404
    default_message = "Not found"


class MethodNotAllowed(BaanxError):
    status = 405
    default_message = "Method not allowed"

    def __init__(self, allowed: tuple[str, ...], message: str | None = None) -> None:
        self.allowed = allowed
        super().__init__(message)


class MalformedRequest(BaanxError):
    """400: a request the mock cannot read at all."""

    status = 400
    default_message = "Bad request"


class PayloadTooLarge(BaanxError):
    status = 413
    default_message = f"Request body is larger than {body_size_text()}"


class RequestTimeout(BaanxError):
    """408: a client that stopped sending its body halfway is not waited for forever."""

    status = 408
    default_message = "Request Timeout: the body did not arrive in time"


class HeadersTooLarge(BaanxError):
    status = 431
    default_message = "Request header fields are too large"


class TargetTooLong(BaanxError):
    status = 414
    default_message = "Request URL is too long"


class StatusError(BaanxError):
    """An error of any status: `message`, else the catalogue's message for that status, else
    the status's reason; `retry_after` (seconds, or an HTTP date) goes out as Retry-After."""

    def __init__(self, status: int, message: str | None = None,
                 retry_after: int | str | None = None) -> None:
        self.status = status  # type: ignore[misc]
        self.retry_after = retry_after
        super().__init__(message or CATALOGUE.get(status) or reason_phrase(status))


class InjectedError(StatusError):
    """A status a fault asked for."""

    def __init__(self, status: int, retry_after: int | None = None) -> None:
        super().__init__(status, retry_after=retry_after)


def reason_phrase(status: int) -> str:
    """The status's reason phrase ("Not Implemented"), or "Error" for a status without one."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


# The catalogue's message for each status it has one for: the documented errors first.
_CATALOGUED: tuple[type[BaanxError], ...] = (
    RouteNotFound, MethodNotAllowed, MalformedRequest, RequestTimeout, PayloadTooLarge,
    HeadersTooLarge, TargetTooLong, Conflict, *DOCUMENTED_ERRORS.values())
CATALOGUE = {error.status: error.default_message for error in _CATALOGUED}


def error_reply(error: BaanxError) -> Reply:
    """The reply for `error`: its status and `{"message": ...}`, as JSON."""
    headers: tuple[tuple[str, str], ...] = ()
    if isinstance(error, MethodNotAllowed) and error.allowed:
        headers = (("Allow", ", ".join(error.allowed)),)
    if isinstance(error, StatusError) and error.retry_after is not None:
        headers = (("Retry-After", str(error.retry_after)),)
    return Reply.json(error.status, {"message": error.message}, headers)


def transport_error(status: int, detail: str, retry_after: int | str | None = None
                    ) -> BaanxError:
    """The catalogue error for what an HTTP server or framework refused by itself, or what a
    user's view refused with (`abort(403, "cards frozen")`): its status, with `detail` where
    the catalogue's message says less; a 500 for a status that is no error."""
    if status == 404:
        return RouteNotFound(detail or None)
    if status == 408:
        return RequestTimeout()
    if status == 413:
        return PayloadTooLarge()
    if status == 431:
        return HeadersTooLarge()
    if status == 414:
        return TargetTooLong()
    if status == 400:
        return MalformedRequest(f"Bad request: {detail}" if detail else None)
    if 400 < status < 600:
        return StatusError(status, detail or None, retry_after)
    return InternalServerError()


def unexpected_failure(method: str, path: str) -> Reply:
    """The documented 500 for a bug in the mock, wherever it surfaced: the client gets the
    catalogue's body, never a traceback, and the traceback goes to the log. Call from an
    `except` block."""
    log.exception("mock-baanx failed on %s %s", method, logged_path(path))
    return error_reply(InternalServerError())
