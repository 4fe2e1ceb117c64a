"""The mock as a Flask app: every route of the table a Flask URL rule, found by Werkzeug's
router, answered by the route's handler through the protocol's `Exchange`.

The Baanx routes sit in the blueprint `baanx`, the control API and the document in the
blueprint `mock`, each rule's endpoint being its operation id (`baanx.createOrder`). A user
extends the app as any Flask app — a blueprint, a route, a hook — and a user's route gets
what the mock's own get: the `/ns/{name}` prefix and `X-Mock-Namespace`, faults and delays,
the journal, CORS, the catalogue's error bodies (`requires_baanx_auth` applies the Baanx
header rules to it).

A request takes the protocol's steps at Flask's own seams: a WSGI middleware around the
app (`Exchanges`) admits it — its namespace prefix becomes the app's mount point, as a
server mounts an app under a prefix — and settles it once answered (headers, journal,
outcome count, delay); between the two, Werkzeug routes it, a `before_request` hook notes
the route found and plans a user's route's faults, the view answers, and the error
handlers give every refusal — Werkzeug's 404 and 405 included — the catalogue's JSON shape.
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from itertools import filterfalse
from typing import Any, TypeVar

from flask import Blueprint, Flask, Response, current_app, got_request_exception, request
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import MethodNotAllowed as WerkzeugMethodNotAllowed
from werkzeug.http import http_date
from werkzeug.routing import Map, PathConverter, Rule
from werkzeug.wrappers import Response as WerkzeugResponse

from ..core import Backend, FaultKind, User
from ..core.errors import BaanxError
from ..protocol import Options, Reply, Request, Route, RouteKind, routes_for
from ..protocol.baanx import identity_of
from ..protocol.errors import MethodNotAllowed, RouteNotFound, transport_error, unexpected_failure
from ..protocol.handler import Exchange, allowed_at, resolve
from ..protocol.headers import NAMESPACE_PREFIX, preflight
from ..protocol.messages import MAX_BODY_BYTES, body_to_read, logged_path
from ..protocol.routes import CONTROL_PREFIX
from ..storage.fixture_files import load_fixtures
from .connections import FAULT_KEY, SEVERING

BLUEPRINT_OF = {RouteKind.BAANX: "baanx", RouteKind.CONTROL: "mock", RouteKind.DOCUMENT: "mock"}
EXTENSION = "mock_baanx"
USERS_RULE_MAPS = "mock_baanx.users_rule_maps"
# The endpoint of every path no other rule takes, and its converter.
ELSEWHERE = "stubs.elsewhere"
ANYTHING_ELSE = "mock_baanx_anything_else"
# Where the middleware keeps a request's exchange, for the hooks and views to find it.
EXCHANGE_KEY = "mock_baanx.exchange"
# Where a failure Flask found no view's handler for (a user's after_request hook's) is noted.
FAILURE_KEY = "mock_baanx.failure"
# What a server acts out; a malformed body is simply sent.
ACTED_OUT = SEVERING | {FaultKind.TRUNCATED}
# Methods Werkzeug adds to a rule by itself; the mock's own routes answer neither (HEAD is
# a 405 like any undocumented method, OPTIONS a CORS preflight).
IMPLIED_METHODS = frozenset({"HEAD", "OPTIONS"})
READ_CHUNK_BYTES = 64 * 1024

F = TypeVar("F", bound=Callable[..., Any])
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
log = logging.getLogger("mock_baanx")


@dataclass(frozen=True, slots=True)
class Served:
    """What an app serves, kept in `app.extensions["mock_baanx"]`: two apps in one process
    are two independent mocks."""

    backend: Backend
    options: Options
    routes: tuple[Route, ...]
    # The route of each of the mock's own endpoints (`baanx.createOrder`).
    by_endpoint: dict[str, Route]


def create_app(backend: Backend | None = None, options: Options | None = None) -> Flask:
    """A Flask app serving `backend` (by default, a fresh one on the default fixtures)."""
    # No static folder: the dashboard's page is a route of the table too.
    app = Flask(__name__, static_folder=None)
    # A request with `//` in its path is a path nothing answers, as through every door.
    app.url_map.merge_slashes = False
    chosen = options or Options()
    routes = routes_for(chosen)
    blueprints = {name: Blueprint(name, __name__) for name in set(BLUEPRINT_OF.values())}
    by_endpoint = {}
    for route in routes:
        name = BLUEPRINT_OF[route.kind]
        blueprints[name].add_url_rule(flask_rule(route.template), route.operation,
                                      route_view(route), methods=[route.method],
                                      provide_automatic_options=False)
        by_endpoint[f"{name}.{route.operation}"] = route
    for blueprint in blueprints.values():
        app.register_blueprint(blueprint)
    # Every other path, any method, last of all rules: a namespace's stubs (which may be
    # added while the app serves, so no rule of their own), and the 404s and 405s of the
    # table's own resolution.
    app.url_map.converters[ANYTHING_ELSE] = AnythingElse
    app.url_map.add(Rule(f"/<{ANYTHING_ELSE}:path>", endpoint=ELSEWHERE))
    app.view_functions[ELSEWHERE] = elsewhere
    mock = Served(backend or Backend(load_fixtures()), chosen, routes, by_endpoint)
    app.extensions[EXTENSION] = mock
    app.before_request(route_found(mock))
    app.register_error_handler(BaanxError, baanx_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)
    got_request_exception.connect(note_failure, app)
    app.wsgi_app = Exchanges(app.wsgi_app, mock)  # type: ignore[method-assign]
    return app


class AnythingElse(PathConverter):
    """Any path, weighed after every other converter, so that Werkzeug tries the catch-all
    after every rule of the app, a user's own `<path:…>` catch-all included (rules of equal
    weight go in the order they were added); a line feed in it too (`%0A`), which `.` does
    not match, so that the stubs and the table's own 404 and 405 answer it."""

    regex = "[^/](?s:.)*?"
    weight = 10 * PathConverter.weight


def flask_rule(template: str) -> str:
    """A route's OpenAPI-style template as a Werkzeug rule: `{orderId}` → `<orderId>`."""
    return template.replace("{", "<").replace("}", ">")


def exchange_of_request() -> Exchange:
    """The exchange of Flask's current request, wherever a user's code asks: in a view, a
    stream it returned, a thread or a callback it gave the request's context to."""
    exchange: Exchange = request.environ[EXCHANGE_KEY]
    return exchange


def answering() -> Exchange:
    """The exchange of the request the mock's own hook, views and error handlers are
    answering: the one the innermost middleware is calling the app for, since Flask calls
    them only from inside that call (never later, from a stream, or from another thread).
    Read from a context variable, in C: through the request proxy it cost each of them a
    chain of Python calls, about 7,000 instructions."""
    exchange = ANSWERING.get()
    return exchange_of_request() if exchange is None else exchange


# The exchange the middleware is calling the app for in this context (`answering`).
ANSWERING: ContextVar[Exchange | None] = ContextVar("mock_baanx_answering", default=None)


class Exchanges:
    """WSGI middleware around the Flask app: admits each request into an `Exchange` before
    Flask routes it, and settles it once the app has answered.

    With the control API on, `/ns/{name}` before a path is the namespace's mount point:
    moved from PATH_INFO to SCRIPT_NAME, as a server mounts an app under a prefix, so that
    every rule, a user's too, is found under every namespace."""

    def __init__(self, app: WsgiApp, mock: Served) -> None:
        self.app = app
        self.mock = mock

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        mock = self.mock
        prefix = ""
        if mock.options.control:
            path: str = environ.get("PATH_INFO", "")
            if path.startswith(NAMESPACE_PREFIX):
                name, _, rest = path[len(NAMESPACE_PREFIX):].partition("/")
                prefix = f"{NAMESPACE_PREFIX}{name}"
                environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
                # `/ns/x` is the namespace's root, `/ns/x/`, as for the in-process mock.
                environ["PATH_INFO"] = "/" + rest
        asked = admitted_request(environ, prefix)
        try:
            exchange = Exchange.admit(mock.backend, asked, mock.options)
        except BaanxError as error:
            # Refused before any route is found, and journaled in the default namespace.
            exchange = Exchange(mock.backend, mock.options, asked, routes=mock.routes)
            exchange.refuse(error)
        environ[EXCHANGE_KEY] = exchange
        answered: list[Any] = []

        def keep(status: str, headers: list[tuple[str, str]], exc_info: Any = None
                 ) -> Callable[[bytes], None]:
            answered[:] = [status, headers, exc_info]
            return lambda data: None  # Flask never writes through start_response

        answering = ANSWERING.set(exchange)
        try:
            chunks = self.app(environ, keep)
            failure, kept = environ.get(FAILURE_KEY, (None, None))
        except Exception as error:
            # Raised past Flask's error handlers: by a user's teardown_request hook.
            chunks, failure, kept = [], error, exchange.kept_reply
            if kept is None:
                # A user's view's: the documented 500.
                exchange.reply = unexpected_failure(environ["REQUEST_METHOD"],
                                                    exchange.request.path)
                chunks = to_flask(exchange.reply)(environ, keep)
        finally:
            ANSWERING.reset(answering)
        if kept is not None:
            # A user's hook failed (an after_request hook, which Flask's got_request_exception
            # noted, or a teardown_request hook) once the mock's own route had answered and
            # kept its change: whatever a handler then made of it (the mock's 500, a user's
            # errorhandler(500)), the reply goes out as decided.
            log.error("mock-baanx: a hook failed after %s %s was answered",
                      environ["REQUEST_METHOD"], logged_path(exchange.request.path),
                      exc_info=failure)
            whole_body(chunks)
            exchange.reply = kept
            chunks = to_flask(kept)(environ, keep)
        if exchange.reply is None:
            # A user's own view (on a rule of theirs, or one that replaced the mock's): its
            # body read whole before its books are kept, so that one that fails midway is
            # the documented 500, to the client and in the journal alike, rather than a 200
            # cut short.
            try:
                chunks = [whole_body(chunks)]
            except Exception:
                exchange.reply = unexpected_failure(environ["REQUEST_METHOD"],
                                                    exchange.request.path)
                chunks = to_flask(exchange.reply)(environ, keep)
        status, headers, exc_info = answered
        reply = exchange.reply or Reply(int(status[:3]))
        if reply.fault in ACTED_OUT:
            # The server around the app acts the fault out (connections.py); a WSGI test
            # client, with no connection, gets the reply as it stands.
            environ[FAULT_KEY] = reply
        headers.extend(exchange.settle(reply))
        start_response(status, headers, exc_info)
        return chunks


def whole_body(chunks: Iterable[bytes]) -> bytes:
    """A WSGI app's reply body, joined, its iterable then closed as PEP 3333 asks."""
    try:
        return b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


def admitted_request(environ: dict[str, Any], prefix: str) -> Request:
    """The request as the protocol reads it, with the path it came with (its namespace
    prefix included). The body is read here, and put back for the app (a view's
    `request.get_json()`): only just past the size limit when it comes chunked, and not at
    all when its announced length is past it — the 413 needs none of it."""
    declared_text = environ.get("CONTENT_LENGTH")
    # ASCII digits only: str.isdigit takes "²" and "١٢" too.
    length = int(declared_text) if declared_text and declared_text.isascii() and \
        declared_text.isdigit() else None
    declared = length if length is not None and length > MAX_BODY_BYTES else None
    headers = header_pairs(environ)
    body = b""
    if declared is None and body_to_read(length, "HTTP_TRANSFER_ENCODING" in environ):
        body = read_body(environ["wsgi.input"], length)
        if len(body) > MAX_BODY_BYTES:  # chunked, and past the limit
            body, declared = b"", len(body)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
    # WSGI carries the path as its UTF-8 bytes read as Latin-1.
    path = (prefix + environ.get("PATH_INFO", "")).encode("latin-1").decode("utf-8", "replace")
    return Request.build(environ["REQUEST_METHOD"], path or "/", headers, body,
                         environ.get("QUERY_STRING", ""), declared)


def header_pairs(environ: dict[str, Any]) -> list[tuple[str, str]]:
    """The request's headers from a WSGI environ, in the order Werkzeug's
    `request.headers` gives them, named in lower case (as the journal keeps them).

    The keys every server puts in an environ are passed over in C, and the names of the
    headers clients send are remembered (256 of them, none longer than 80 characters):
    looking at each of the twenty keys in Python cost a twentieth of a whole request."""
    pairs = []
    for key in filterfalse(SERVER_KEYS.__contains__, environ):
        name = header_name(key) if len(key) <= REMEMBERED_KEY_LENGTH else name_of_key(key)
        if name is not None:
            value = environ[key]
            # An empty Content-Type or Content-Length is a server's way of saying none.
            if value or key[0] == "H":
                pairs.append((name, value))
    return pairs


# The keys PEP 3333 and the servers the mock runs on put in an environ: none is a header.
SERVER_KEYS = frozenset({
    "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "SERVER_NAME",
    "SERVER_PORT", "SERVER_PROTOCOL", "REMOTE_ADDR", "REMOTE_PORT", "REMOTE_HOST",
    "REQUEST_URI", "RAW_URI", "wsgi.version", "wsgi.url_scheme", "wsgi.input",
    "wsgi.errors", "wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once",
    "wsgi.input_terminated", "wsgi.file_wrapper"})
# A header's name is remembered only when no longer than a real one is likely to be: the
# keys are the clients'.
REMEMBERED_KEY_LENGTH = 80


@functools.lru_cache(maxsize=256)
def header_name(key: str) -> str | None:
    return name_of_key(key)


def name_of_key(key: str) -> str | None:
    """The lower-case name of the header an environ key carries; None for a key that
    carries none."""
    if key.startswith("HTTP_"):
        if key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
            return None
        return key[5:].replace("_", "-").lower()
    if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        return key.replace("_", "-").lower()
    return None


def read_body(stream: Any, length: int | None) -> bytes:
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


# --- The steps inside Flask ------------------------------------------------------------


def route_found(mock: Served) -> Callable[[], Response | None]:
    def found() -> Response | None:
        """Before any view: note the route Werkzeug found, and answer what answers instead
        of the view — a refusal the middleware noted, a CORS preflight, or a fault planned
        for a user's route (the mock's own routes plan theirs as they answer)."""
        exchange = answering()
        if exchange.reply is not None:
            return to_flask(exchange.reply)
        endpoint = request.endpoint
        method = exchange.request.method
        if endpoint is None or endpoint == ELSEWHERE:
            return None  # answered by `elsewhere`, or Werkzeug's 404 by `http_error`
        route = mock.by_endpoint.get(endpoint)
        exchange.found(route, endpoint)
        if route is None and request.path.startswith(CONTROL_PREFIX):
            # A control endpoint of the user's own: behind the control API's doors too.
            exchange.guard_control()
        if route is not None:
            if method != route.method:  # HEAD, which Werkzeug gives every GET rule
                raise MethodNotAllowed(allowed_at(exchange.request.path,
                                                  exchange.all_routes()))
            return None
        rule = request.url_rule
        # A rule that takes OPTIONS by itself gets the mock's preflight; one whose view
        # declared OPTIONS answers it, as in any Flask app. Flask marks the first on the
        # rule as `provide_automatic_options`, and reads it there itself to answer them.
        if rule is not None and method == "OPTIONS" and getattr(
                rule, "provide_automatic_options", False):
            return answered(exchange, preflight(sorted(declared_methods(rule)),
                                                mock.options.control))
        fault = exchange.plan()
        return None if fault is None else answered(exchange, fault)

    return found


def elsewhere(path: str) -> Response:
    """A path no rule of the app takes: a stub of the namespace, a preflight of one of the
    mock's paths, or the 404 or 405 the table's own resolution answers."""
    exchange = answering()
    try:
        route, params = resolve(exchange.request, exchange.all_routes())
    except RouteNotFound as error:
        methods = methods_of_users_rules()
        return to_flask(exchange.refuse(MethodNotAllowed(methods) if methods else error))
    except MethodNotAllowed as error:
        # A path of the mock's that a user's rule takes too, with yet another method.
        methods = tuple(sorted({*error.allowed, *methods_of_users_rules()}))
        return to_flask(exchange.refuse(MethodNotAllowed(methods)))
    except BaanxError as error:
        return to_flask(exchange.refuse(error))
    exchange.found(route)
    return to_flask(exchange.answer(params))


def methods_of_users_rules() -> tuple[str, ...]:
    """The methods a user's rules were given at the request's path: a path they take with
    another method is a 405, as in any Flask app, although the catch-all takes every
    method."""
    methods: set[str] = set()
    for declared, rule_map in users_rule_maps(current_app):
        if rule_map.bind_to_environ(request.environ).allowed_methods():
            methods |= declared
    return tuple(sorted(methods))


def users_rule_maps(app: Flask) -> list[tuple[set[str], Map]]:
    """Each of a user's rules in a map of its own (to ask whether it takes a path), with
    the methods it was given: built on the first request that asks, as building them costs
    milliseconds, and kept, as Flask takes no rule once it has served a request."""
    maps: list[tuple[set[str], Map]] | None = app.extensions.get(USERS_RULE_MAPS)
    if maps is None:
        mock: Served = app.extensions[EXTENSION]
        maps = app.extensions[USERS_RULE_MAPS] = [
            (declared_methods(rule), Map([rule.empty()], converters=app.url_map.converters,
                                         merge_slashes=False))
            for rule in app.url_map.iter_rules()
            if rule.endpoint != ELSEWHERE and rule.endpoint not in mock.by_endpoint]
    return maps


def declared_methods(rule: Rule) -> set[str]:
    """The methods a rule was given, without those Werkzeug and Flask add by themselves
    (HEAD to a GET rule, OPTIONS unless the view declared it)."""
    methods = set(rule.methods or ())
    if "GET" in methods:
        methods.discard("HEAD")
    if getattr(rule, "provide_automatic_options", False):
        methods.discard("OPTIONS")
    return methods


def route_view(route: Route) -> Callable[..., Response]:
    def view(**params: str) -> Response:
        return to_flask(answering().answer(params))

    view.__name__ = route.operation
    view.__doc__ = route.summary
    return view


def answered(exchange: Exchange, reply: Reply) -> Response:
    """`reply` as a Flask response, kept for the middleware to settle the exchange by."""
    exchange.reply = reply
    return to_flask(reply)


# --- Errors, in the catalogue's shape ------------------------------------------------------


def baanx_error(error: BaanxError) -> Response:
    return to_flask(answering().refuse(error))


def http_error(error: HTTPException) -> Response | WerkzeugResponse:
    """What Werkzeug refuses by itself — a path nothing answers (404), a method the path
    does not take (405) — and what a user's view aborts with, in the catalogue's JSON shape.
    An HTTPException that is no error (a redirect a view raised) answers as Werkzeug
    makes it."""
    status = error.code or 500
    if not 400 <= status < 600:
        return error.get_response()
    if isinstance(error, WerkzeugMethodNotAllowed):
        return to_flask(answering().refuse(MethodNotAllowed(
            tuple(sorted(set(error.valid_methods or ()) - IMPLIED_METHODS)))))
    # Werkzeug's own text for a status says nothing the catalogue does not; a view's own
    # description (`abort(403, "cards frozen")`) does.
    detail = error.description if error.description != type(error).description else None
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, datetime):
        retry_after = http_date(retry_after)
    return to_flask(answering().refuse(
        transport_error(status, detail or "", retry_after)))


def note_failure(sender: Flask, exception: Exception, **extra: Any) -> None:
    """Flask's got_request_exception: a failure no handler of the view's took (a user's
    after_request hook's), noted with the mock's own reply if it was already kept, before
    an error handler replaces it, for `Exchanges` to send once the app has answered."""
    request.environ[FAILURE_KEY] = (exception, answering().kept_reply)


def unexpected_error(error: Exception) -> Response:
    """A bug in the mock, or in a user's own view: the documented 500, journaled."""
    exchange = answering()
    exchange.reply = unexpected_failure(request.method, request.path)
    return to_flask(exchange.reply)


class ReplyResponse(Response):
    # A reply names its own Content-Type, or has none (a 204): never Flask's text/html.
    default_mimetype = None


def to_flask(reply: Reply) -> Response:
    return ReplyResponse(reply.body, status=reply.status, headers=reply.headers)


# --- For a user's own views ----------------------------------------------------------------


def requires_baanx_auth(view: F) -> F:
    """Apply Baanx's header rules to a user's view, as the order endpoints apply them: a
    missing client id answers 499, an unknown one 498, a missing, expired or unknown bearer
    token 401, in that order, then 403 for a user whose fixture says `permitted: false`,
    with the catalogue's bodies. The view is called with the
    signed-in user as the keyword argument `user` (a `mock_baanx.core.User`, from the
    namespace's fixtures and additions)."""

    @functools.wraps(view)
    def signed_in(*args: Any, **kwargs: Any) -> Any:
        return view(*args, user=signed_in_user(), **kwargs)

    return signed_in  # type: ignore[return-value]


def signed_in_user() -> User:
    """The user the current request's headers sign in, under the Baanx header rules
    (499, 498, 401 as the docs order them, then 403 for a user not permitted)."""
    exchange = exchange_of_request()
    return identity_of(exchange.backend, exchange.request, exchange.namespace).user
