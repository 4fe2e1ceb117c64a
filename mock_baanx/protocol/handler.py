"""The transport-neutral request handler: the route table and `handle()`.

Every adapter (the Flask app, the in-process `responses` mock) turns its request into a
`Request`, calls `handle`, and sends back the `Reply`. `handle` is the only place where an
error becomes a response body, so every error the mock sends has the same shape.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..core import Backend, Catalog, Identity, PaymentMethod, User
from ..core.errors import (
    DOCUMENTED_ERRORS,
    BaanxError,
    HeadersTooLarge,
    InternalServerError,
    MalformedRequest,
    MethodNotAllowed,
    PayloadTooLarge,
    RouteNotFound,
    ValidationFailed,
)
from ..core.journal import JournalEntry, body_text, redacted
from . import control, openapi, schemas
from .bodies import created_body, json_object, status_body, validated
from .messages import Reply, Request

log = logging.getLogger("mock_baanx")

MAX_BODY_BYTES = 1024 * 1024
# An injected delay longer than this is a typo, and would hold a server thread hostage.
MAX_DELAY_MS = 60_000
CONTROL_PREFIX = "/__mock/"
CLIENT_KEY_HEADERS = ("x-client-id", "x-client-key")
CORS_HEADERS = ("Authorization, Content-Type, X-Client-ID, x-client-key, x-us-env, "
                "X-Mock-Lifecycle, X-Mock-Fault, X-Mock-Delay-Ms")


@dataclass(frozen=True, slots=True)
class Options:
    """How a mock behaves beyond the Baanx contract."""

    # The /__mock/ control API and the X-Mock-* request headers.
    control: bool = True
    # Check every reply against schemas/ before sending it.
    strict: bool = True
    sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True, slots=True)
class Call:
    """What a route handler gets: the backend, the request, the path parameters."""

    backend: Backend
    request: Request
    params: Mapping[str, str]
    options: Options


Handler = Callable[[Call], Reply]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    template: str
    # The OpenAPI operationId, also the endpoint name fault injection uses.
    operation: str
    handler: Handler
    # The schema of the 2xx reply body, under schemas/.
    schema: str | None
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.template))
        object.__setattr__(self, "pattern", re.compile(regex))

    @property
    def is_baanx(self) -> bool:
        return self.operation in BAANX_OPERATIONS


# --- The Baanx endpoints ------------------------------------------------------------


def authenticate(call: Call) -> Identity:
    request = call.request
    client_key = next((value for name in CLIENT_KEY_HEADERS
                       if (value := request.header(name))), None)
    return call.backend.authenticate(client_key, request.header("authorization"))


def get_available_products(call: Call) -> Reply:
    identity = authenticate(call)
    return products_reply(call.backend.catalog, identity.user)


# What a user is offered changes only with the fixtures, so each catalogue and user pair is
# serialised once. Bounded: a test session builds a backend, with its catalogue, per mock.
@functools.lru_cache(maxsize=256)
def products_reply(catalog: Catalog, user: User) -> Reply:
    return Reply.json(200, [
        {"id": offer.product.id, "description": offer.product.description,
         "isEligible": offer.is_eligible}
        for offer in catalog.offers_for(user)
    ])


def create_order(call: Call) -> Reply:
    identity = authenticate(call)
    body = validated("create-order-request.json", json_object(call.request))
    lifecycle = call.request.header("x-mock-lifecycle") if call.options.control else None
    order = call.backend.create_order(identity, body["productId"],
                                      PaymentMethod(body["paymentMethod"]), lifecycle=lifecycle)
    return Reply.json(200, created_body(order))


def get_order_status(call: Call) -> Reply:
    identity = authenticate(call)
    order = call.backend.poll_order(identity, call.params["orderId"])
    return Reply.json(200, status_body(order))


def get_openapi(call: Call) -> Reply:
    backend = call.backend
    products = tuple(product.id for product in backend.catalog.products)
    lifecycles = tuple(sorted(backend.lifecycles)) if call.options.control else ()
    clients = tuple(client.id for client in backend.directory.clients)
    return Reply.json(200, openapi.document(call.options.control, products, lifecycles,
                                            clients))


BAANX_ROUTES = (
    Route("GET", "/v1/order/products/available", "getAvailableProducts", get_available_products,
          "available-products-response.json"),
    Route("POST", "/v1/order", "createOrder", create_order, "create-order-response.json"),
    Route("GET", "/v1/order/{orderId}", "getOrderStatus", get_order_status,
          "order-status-response.json"),
)
BAANX_OPERATIONS = frozenset(route.operation for route in BAANX_ROUTES)
DOCUMENT_ROUTES = (Route("GET", "/openapi.json", "getOpenApiDocument", get_openapi, None),)
CONTROL_ROUTES = tuple(Route(method, template, operation, handler, schema)
                       for method, template, operation, handler, schema in control.ROUTES)


WITHOUT_CONTROL = BAANX_ROUTES + DOCUMENT_ROUTES
WITH_CONTROL = WITHOUT_CONTROL + CONTROL_ROUTES


def routes_for(options: Options) -> tuple[Route, ...]:
    return WITH_CONTROL if options.control else WITHOUT_CONTROL


# --- handle() -----------------------------------------------------------------------


DEFAULT_OPTIONS = Options()


def handle(backend: Backend, request: Request, options: Options = DEFAULT_OPTIONS) -> Reply:
    """The reply to `request`: the one door into the mock, whatever the transport."""
    route: Route | None = None
    delay_ms = 0
    try:
        if max(len(request.body), request.declared_length or 0) > MAX_BODY_BYTES:
            raise PayloadTooLarge()
        route, params = resolve(request, routes_for(options))
        if request.method == "OPTIONS":
            reply = preflight(route)
        else:
            fault_status = None
            if route.is_baanx and options.control:
                fault_status, delay_ms = planned_fault(backend, request, route)
            if fault_status is not None:
                raise DOCUMENTED_ERRORS[fault_status]()
            reply = route.handler(Call(backend, request, params, options))
    except BaanxError as error:
        reply = error_reply(error)
    except Exception:
        # A bug in the mock: the client still gets the documented 500 body, the same from
        # every adapter, and the traceback goes to the log, not to the client.
        log.exception("mock-baanx failed on %s %s", request.method, request.path)
        reply = error_reply(InternalServerError())
    if options.strict:
        reply = checked(reply, route)
    reply = reply.with_headers((("Access-Control-Allow-Origin", "*"),))
    if not (request.path.startswith(CONTROL_PREFIX) or request.path == "/openapi.json"):
        backend.record(JournalEntry(
            at=backend.clock.now(), method=request.method, path=request.path,
            headers=redacted(request.header_pairs), body=body_text(request.body),
            status=reply.status, endpoint=route.operation if route else None))
    if delay_ms:
        # The reply is decided at once and held back: an order created by a delayed
        # request exists during the delay, as it would behind a slow network. Holding it
        # back last lets a server wait without holding anything else (see granian_server).
        options.sleep(delay_ms / 1000)
    return reply


def transport_error(status: int, detail: str) -> BaanxError:
    """The catalogue error for what an HTTP server or framework refused by itself."""
    if status == 413:
        return PayloadTooLarge()
    if status == 431:
        return HeadersTooLarge()
    if 400 <= status < 500:
        return MalformedRequest(f"Bad request: {detail}" if detail else None)
    return InternalServerError()


def body_to_read(declared_length: int | None, chunked: bool) -> bool:
    """Whether an adapter must read a request's body: one announced from 1 byte up to the
    limit, or one that comes chunked (read only just past the limit). No length and no
    chunks, or `Content-Length: 0`, mean no body; a length past the limit is refused
    (413) unread, since its sender may be slow to send what would be thrown away."""
    if declared_length is None:
        return chunked
    return 0 < declared_length <= MAX_BODY_BYTES


def error_reply(error: BaanxError) -> Reply:
    headers: tuple[tuple[str, str], ...] = ()
    if isinstance(error, MethodNotAllowed):
        headers = (("Allow", ", ".join(error.allowed)),)
    return Reply.json(error.status, {"message": error.message}, headers)


def resolve(request: Request, routes: tuple[Route, ...]) -> tuple[Route, dict[str, str]]:
    """The route for the request's path and method: 404 for an unknown path, 405 for a
    known path with another method (OPTIONS, the CORS preflight, matches any)."""
    allowed: list[Route] = []
    for route in routes:
        match = route.pattern.fullmatch(request.path)
        if match is None:
            continue
        if route.method == request.method:
            return route, match.groupdict()
        allowed.append(route)
    if not allowed:
        raise RouteNotFound()
    if request.method == "OPTIONS":
        return allowed[0], {}
    raise MethodNotAllowed(tuple(sorted({route.method for route in allowed})))


def preflight(route: Route) -> Reply:
    """A browser app on another origin (a dev server on localhost:3000) may call the mock."""
    return Reply(204, headers=(("Access-Control-Allow-Methods", f"{route.method}, OPTIONS"),
                               ("Access-Control-Allow-Headers", CORS_HEADERS),
                               ("Access-Control-Max-Age", "600")))


def planned_fault(backend: Backend, request: Request, route: Route
                  ) -> tuple[int | None, int]:
    """The documented error status to answer instead of the real reply (or None) and the
    milliseconds to hold the reply back, from the X-Mock-Fault / X-Mock-Delay-Ms headers
    and any fault set through the control API."""
    status = fault_header(request)
    delay_ms = delay_header(request)
    fault = backend.take_fault(route.operation)
    if fault is not None:
        status = status if status is not None else fault.status
        delay_ms = delay_ms if delay_ms is not None else fault.delay_ms
    return status, delay_ms or 0


FAULT_STATUSES = {str(status): status for status in sorted(DOCUMENTED_ERRORS)}


def fault_header(request: Request) -> int | None:
    value = request.header("X-Mock-Fault")
    if value is None:
        return None
    status = FAULT_STATUSES.get(value.strip())
    if status is None:
        raise ValidationFailed(f"X-Mock-Fault must be one of: {', '.join(FAULT_STATUSES)}")
    return status


def delay_header(request: Request) -> int | None:
    value = request.header("X-Mock-Delay-Ms")
    if value is None:
        return None
    text = value.strip()
    # ASCII only: str.isdigit() also says yes to digits int() cannot read, like "²".
    if not (text.isascii() and text.isdigit() and int(text) <= MAX_DELAY_MS):
        raise ValidationFailed("X-Mock-Delay-Ms must be a whole number of milliseconds from 0 "
                               f"to {MAX_DELAY_MS}")
    return int(text)


def checked(reply: Reply, route: Route | None) -> Reply:
    """`reply`, if it matches its schema; else a 500 that says how the mock broke its own
    contract. Only a bug in the mock can lead here."""
    if reply.status == 204:
        return reply
    schema = route.schema if route is not None and reply.status < 300 else "error.json"
    if schema is None:
        return reply
    error = schemas.first_error(schema, reply.payload)
    if error is None:
        return reply
    message = (f"mock-baanx broke its own contract: reply {reply.status} does not match "
               f"schemas/{schema} at {error.json_path}: {error.message}")
    log.error(message)
    return Reply.json(500, {"message": message})
