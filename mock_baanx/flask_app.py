"""The Flask adapter: one view that hands every request to `api.handle`."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException

from . import api
from .core import Backend
from .core.errors import InternalServerError
from .fixtures import load_fixtures
from .messages import Reply, Request

log = logging.getLogger("mock_baanx")

EXTENSION = "mock_baanx"
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


class MockState:
    """What the app serves: kept in `app.extensions` rather than in globals, so that two
    apps in one process are two independent mocks."""

    def __init__(self, backend: Backend, options: api.Options) -> None:
        self.backend = backend
        self.options = options


def _state() -> MockState:
    state: MockState = current_app.extensions[EXTENSION]
    return state


def create_app(backend: Backend | None = None, options: api.Options | None = None) -> Flask:
    """A Flask app serving `backend` (by default, a fresh one on the default fixtures)."""
    app = Flask(__name__)
    state = MockState(backend or Backend(load_fixtures()), options or api.Options())
    app.extensions[EXTENSION] = state

    def serve(path: str = "") -> Response:
        return to_flask(api.handle(state.backend, from_flask(), state.options))

    # One catch-all rule: routing, 404 and 405 are api.handle's, so that the served mock
    # and the in-process mock route alike.
    app.add_url_rule("/", "mock", serve, methods=METHODS, provide_automatic_options=False)
    app.add_url_rule("/<path:path>", "mock", serve, methods=METHODS,
                     provide_automatic_options=False)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    return app


def from_flask() -> Request:
    """The current Flask request as a `Request`. A body announced past the size limit is
    not read at all: the 413 needs none of it, and its sender may be slow to send it."""
    length = request.content_length
    too_long = length is not None and length > api.MAX_BODY_BYTES
    # Iterating the headers yields (name, value) pairs; .items() would only wrap that.
    return Request.build(request.method, request.path, iter(request.headers),
                         b"" if too_long else read_body(length),
                         request.query_string.decode("latin-1"), length if too_long else None)


READ_CHUNK_BYTES = 64 * 1024


def read_body(length: int | None) -> bytes:
    """The body, read only just past the size limit, so that a huge upload is refused (413)
    without being held in memory. Read in pieces no larger than what is left to come: asking
    the stream for the whole limit at once costs a 1 MiB buffer per request, GETs included."""
    wanted = api.MAX_BODY_BYTES + 1 if length is None else min(length, api.MAX_BODY_BYTES + 1)
    chunks: list[bytes] = []
    received = 0
    while received < wanted and (
            chunk := request.stream.read(min(READ_CHUNK_BYTES, wanted - received))):
        chunks.append(chunk)
        received += len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class ReplyResponse(Response):
    # A reply names its own Content-Type, or has none (a 204): never Flask's text/html.
    default_mimetype = None


def to_flask(reply: Reply) -> Response:
    return ReplyResponse(reply.body, status=reply.status, headers=reply.headers)


def _http_error(error: HTTPException) -> Response:
    """What Werkzeug refuses before or while our view runs still answers in the
    catalogue's JSON shape. What Werkzeug's router refuses (a method it does not know, a
    path its catch-all cannot match, such as one with a newline) goes to api.handle,
    whose own routes decide."""
    if error.code in (404, 405):
        return to_flask(api.handle(_state().backend, from_flask(), _state().options))
    return to_flask(api.error_reply(api.transport_error(error.code or 500,
                                                        error.description or "")))


def _unexpected_error(error: Exception) -> Response:
    """A failure outside api.handle (reading the request, say): still the documented 500."""
    log.exception("mock-baanx failed on %s %s", request.method, request.path)
    return to_flask(api.error_reply(InternalServerError()))
