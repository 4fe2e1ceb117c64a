"""The Flask adapter: one view that hands every request to `protocol.handle`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, TYPE_CHECKING, Any

import flask
from flask import Flask, Response, request
from flask import typing as ft
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, MapAdapter, Rule

from ..core import Backend, FaultKind
from ..protocol import Options, Reply, Request, handle
from ..protocol.errors import error_reply, transport_error, unexpected_failure
from ..protocol.limits import MAX_BODY_BYTES, body_to_read
from ..storage.fixture_files import load_fixtures
from .connections import FAULT_KEY, SEVERING

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

class OneViewFlask(Flask):
    """Flask, with every request going to the app's one view, which calls `handle`.

    The route table that decides is the protocol's, so that the served mock and the
    in-process mock route alike. Werkzeug's router could only find that one view again,
    and doing so cost a large share of each request (docs/performance.md)."""

    def add_url_rule(self, rule: str, endpoint: str | None = None,
                     view_func: ft.RouteCallable | None = None,
                     provide_automatic_options: bool | None = None, **options: Any) -> None:
        # Refused here, where it is written: a second rule could never be reached.
        if any(True for _ in self.url_map.iter_rules()):
            raise ValueError(f"{type(self).__name__} sends every request to its one view; "
                             f"it cannot route {rule!r} too")
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **options)

    def create_url_adapter(self, request: flask.Request | None) -> MapAdapter | None:
        if request is None:
            return super().create_url_adapter(request)
        return OneViewAdapter(self.url_map, request.environ)


class OneViewAdapter(MapAdapter):
    """Matches every request to the map's one rule; builds URLs as Werkzeug does."""

    def __init__(self, url_map: Map, environ: WSGIEnvironment) -> None:
        super().__init__(url_map, server_name=environ.get("HTTP_HOST") or environ["SERVER_NAME"],
                         script_name=environ.get("SCRIPT_NAME", ""), subdomain="",
                         url_scheme=environ["wsgi.url_scheme"],
                         path_info=environ.get("PATH_INFO", ""),
                         default_method=environ["REQUEST_METHOD"])

    def match(self, path_info: str | None = None, method: str | None = None,
              return_rule: bool = False, query_args: Mapping[str, Any] | str | None = None,
              websocket: bool | None = None) -> tuple[Any | Rule, Mapping[str, Any]]:
        (rule,) = self.map.iter_rules()
        return (rule if return_rule else rule.endpoint), {}


def create_app(backend: Backend | None = None, options: Options | None = None) -> Flask:
    """A Flask app serving `backend` (by default, a fresh one on the default fixtures)."""
    # No static folder: the dashboard's page is a route of the table too.
    app = OneViewFlask(__name__, static_folder=None)
    # Held by the view, not in globals: two apps in one process are two independent mocks.
    served = backend or Backend(load_fixtures())
    chosen = options or Options()

    def serve() -> Response:
        reply = handle(served, from_flask(), chosen)
        if reply.fault in ACTED_OUT:
            # The server around the app acts the fault out (connections.py); a WSGI test
            # client, with no connection, gets the reply as it stands.
            request.environ[FAULT_KEY] = reply
        return to_flask(reply)

    app.add_url_rule("/<path:path>", "mock", serve, provide_automatic_options=False)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    return app


def from_flask() -> Request:
    """The current Flask request as a `Request`. A body announced past the size limit is
    not read at all: the 413 needs none of it, and its sender may be slow to send it."""
    # The request behind the proxy, looked up once rather than on every attribute.
    current: flask.Request = request._get_current_object()  # type: ignore[attr-defined]
    length = current.content_length
    too_long = length is not None and length > MAX_BODY_BYTES
    chunked = "HTTP_TRANSFER_ENCODING" in current.environ
    body = read_body(current.stream, length) if body_to_read(length, chunked) else b""
    # Iterating the headers yields (name, value) pairs; .items() would only wrap that.
    return Request.build(current.method, current.path, iter(current.headers), body,
                         current.query_string.decode("latin-1"),
                         length if too_long else None)


READ_CHUNK_BYTES = 64 * 1024


def read_body(stream: IO[bytes], length: int | None) -> bytes:
    """The body, read only just past the size limit, so that a huge upload is refused (413)
    without being held in memory. Read in pieces no larger than what is left to come: asking
    the stream for the whole limit at once costs a 1 MiB buffer per request."""
    wanted = MAX_BODY_BYTES + 1 if length is None else min(length, MAX_BODY_BYTES + 1)
    chunks: list[bytes] = []
    received = 0
    while received < wanted and (
            chunk := stream.read(min(READ_CHUNK_BYTES, wanted - received))):
        chunks.append(chunk)
        received += len(chunk)
    # A body read in one piece comes back as it is: join does not copy a lone item.
    return b"".join(chunks)


# What a server acts out; a malformed body is simply sent.
ACTED_OUT = SEVERING | {FaultKind.TRUNCATED}


class ReplyResponse(Response):
    # A reply names its own Content-Type, or has none (a 204): never Flask's text/html.
    default_mimetype = None


def to_flask(reply: Reply) -> Response:
    return ReplyResponse(reply.body, status=reply.status, headers=reply.headers)


def _http_error(error: HTTPException) -> Response:
    """What Werkzeug refuses while our view runs (a body it cannot read, say) still
    answers in the catalogue's JSON shape."""
    return to_flask(error_reply(transport_error(error.code or 500, error.description or "")))


def _unexpected_error(error: Exception) -> Response:
    """A failure outside `handle` (reading the request, say): still the documented 500."""
    return to_flask(unexpected_failure(request.method, request.path))
