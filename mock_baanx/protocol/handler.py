"""`handle()`: the one door into the mock, whatever the transport.

Every adapter (the Flask app, the in-process mock) turns its request into a `Request`,
calls `handle`, and sends back the `Reply`. Errors raised anywhere below become bodies in
`errors.error_reply`, so every error the mock sends has the same shape.
"""

from __future__ import annotations

from ..core import DEFAULT_NAMESPACE, Backend
from ..core.errors import BaanxError, StoreUnavailable
from ..core.journal import JournalEntry
from .bodies import body_text
from .cors import ALLOW_ANY_ORIGIN, preflight
from .coverage import served_outcomes
from .errors import (
    HeadersTooLarge,
    InjectedError,
    MethodNotAllowed,
    PayloadTooLarge,
    RouteNotFound,
    TargetTooLong,
    error_reply,
    log,
    unexpected_failure,
)
from .headers import recorded_headers
from .limits import MAX_BODY_BYTES, MAX_HEAD_BYTES, MAX_HEADER_FIELDS, MAX_TARGET_BYTES
from .messages import Reply, Request
from .mock_headers import Plan, planned_fault
from .namespaces import namespace_of, without_prefix
from .network_faults import fault_reply, leaves_no_status
from .options import DEFAULT_OPTIONS, Options
from .route import Call, Route, RouteKind
from .routes import CONTROL_PREFIX, MOCK_PAGES, routes_for
from .strict import checked
from .version import VERSION_HEADER, __version__


def handle(backend: Backend, request: Request, options: Options = DEFAULT_OPTIONS) -> Reply:
    """The reply to `request`."""
    routes = routes_for(options)
    route: Route | None = None
    namespace, prefix = DEFAULT_NAMESPACE, ""
    delay_ms = 0
    try:
        refuse_what_is_too_large(request)
        if options.control:
            namespace, prefix, request = namespace_of(request)
            backend.now(namespace)  # a namespace comes into being on first use
        route, params = resolve(request, routes)
        if request.method == "OPTIONS":
            reply = preflight(route, options.control)
        else:
            plan = Plan()
            if route.kind is RouteKind.BAANX and options.control:
                plan = planned_fault(backend, request, route.operation, namespace)
                delay_ms = plan.delay_ms
            if plan.status is not None:
                raise InjectedError(plan.status, plan.retry_after)
            if plan.kind is not None:
                reply = fault_reply(plan.kind)
            else:
                reply = route.handler(Call(backend, namespace, prefix, route, request, params,
                                           options, routes))
    except StoreUnavailable as error:
        # Nothing more can be kept (a journal entry, an outcome count) while the store is
        # away: answer now rather than wait for it a second time.
        return error_reply(error).with_headers((ALLOW_ANY_ORIGIN,))
    except BaanxError as error:
        reply = error_reply(error)
    except Exception:
        reply = unexpected_failure(request.method, request.path)
    if options.strict and reply.fault is None:
        reply = checked(reply, route, backend.extended_statuses)
    reply = reply.with_headers((ALLOW_ANY_ORIGIN,))
    if route is not None and route.kind is RouteKind.CONTROL:
        reply = reply.with_headers(((VERSION_HEADER, __version__),))
    try:
        keep_books(backend, request, reply, route, namespace, delay_ms)
    except StoreUnavailable as error:
        # The reply stands; only its journal entry and outcome count are lost.
        log.warning("mock-baanx: %s %s not journaled: %s", request.method, request.path,
                    error.message)
    if delay_ms:
        # The reply is decided at once and held back: an order created by a delayed
        # request exists during the delay, as it would behind a slow network. Holding it
        # back last lets a server wait without holding anything else (see granian_server).
        options.sleep(delay_ms / 1000)
    return reply


def keep_books(backend: Backend, request: Request, reply: Reply, route: Route | None,
               namespace: str, delay_ms: int) -> None:
    """The journal entry and the outcome count of a request served."""
    if not is_the_mocks_own(request.path):
        backend.record(JournalEntry(
            at=backend.now(namespace), method=request.method, path=request.path,
            headers=recorded_headers(request.header_pairs), body=body_text(request.body),
            status=0 if leaves_no_status(reply) else reply.status,
            endpoint=route.operation if route else None, fault=reply.fault),
            namespace=namespace)
    if route is not None and route.kind is RouteKind.BAANX and request.method != "OPTIONS":
        for outcome in served_outcomes(route, reply, delayed=delay_ms > 0):
            backend.count_outcome(outcome, namespace=namespace)


def refuse_what_is_too_large(request: Request) -> None:
    """413, 414 or 431 for what goes past the limits every transport shares."""
    if max(len(request.body), request.declared_length or 0) > MAX_BODY_BYTES:
        raise PayloadTooLarge()
    if len(request.path.encode("utf-8", "surrogateescape")) + len(request.query) > \
            MAX_TARGET_BYTES:
        raise TargetTooLong()
    if len(request.header_pairs) > MAX_HEADER_FIELDS or sum(
            len(name) + len(value) + 4 for name, value in request.header_pairs) > MAX_HEAD_BYTES:
        raise HeadersTooLarge(f"Request header fields are too large: at most "
                              f"{MAX_HEADER_FIELDS} fields and {MAX_HEAD_BYTES // 1024} KiB")


def is_the_mocks_own(path: str) -> bool:
    """Whether a path is the mock's own (its control API, its document, its root page, the
    icon a browser asks for beside it): such requests are not the code under test talking
    to Baanx, so the journal leaves them out and `serve` logs them only when asked."""
    path = without_prefix(path)
    return path.startswith(CONTROL_PREFIX) or path in MOCK_PAGES


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
