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
    """The current Flask request as a `Request`. The body is read only just past the size
    limit, so that a huge upload is refused (413) without being held in memory."""
    body = request.stream.read(api.MAX_BODY_BYTES + 1)
    return Request.build(request.method, request.path, request.headers.items(), body,
                         request.query_string.decode("latin-1"))


def to_flask(reply: Reply) -> Response:
    response = Response(reply.body, status=reply.status)
    # Flask adds text/html by default; a reply names its own type or has none.
    del response.headers["Content-Type"]
    response.headers.extend(reply.headers)
    return response


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
