"""A request's way through the mock, whatever door it came in by.

Every door takes the same steps, in this order, through an `Exchange`: `admit` it (the
size limits, its namespace), find its route (the door's own router: Werkzeug's in the
Flask app, `responses`' matching in process, `resolve` here for the rest), `plan` what a
fault asks for, `answer` it through the route's handler, and `settle` it (CORS, the
journal, the outcome count, the delay). `handle()` takes them all for a door with no
router of its own. Errors raised anywhere become bodies in `errors.error_reply`, so every
error the mock sends has the same shape.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain

from ..core import DEFAULT_NAMESPACE, Backend
from ..core.errors import BaanxError, StoreUnavailable
from ..core.journal import JournalEntry
from ..core.store import Outdated
from . import schemas
from .access import check_host, check_same_site, check_token
from .coverage import served_outcomes
from .errors import (
    HeadersTooLarge,
    InjectedError,
    MalformedRequest,
    MethodNotAllowed,
    PayloadTooLarge,
    RouteNotFound,
    TargetTooLong,
    error_reply,
    log,
    unexpected_failure,
)
from .faults import Plan, fault_reply, leaves_no_status, planned_fault
from .headers import (
    ALLOW_ANY_ORIGIN,
    VERSION_HEADER,
    __version__,
    namespace_of,
    preflight,
    recorded_headers,
    without_prefix,
)
from .messages import (
    MAX_BODY_BYTES,
    MAX_HEAD_BYTES,
    MAX_HEADER_FIELDS,
    MAX_TARGET_BYTES,
    Reply,
    Request,
    body_text,
    logged_path,
)
from .route import DEFAULT_OPTIONS, Call, Options, Route, RouteKind
from .routes import CONTROL_PREFIX, MOCK_PAGES, routes_for
from .stubs import conditions_hold, stub_reply_problem, stub_routes

# The routes faults, delays and outcome counts apply to.
FAULTABLE = frozenset({RouteKind.BAANX, RouteKind.STUB})
# The control routes that answer without the control token: the dashboard's page (which
# asks for it) and its way there, and health (only that the mock is up).
OPEN_CONTROL_OPERATIONS = frozenset({"mockHome", "mockDashboard", "mockDashboardFolder",
                                     "mockHealth"})
# How many times a request is answered at most, when another process keeps changing what
# the answer relied on: the last time in a store unit that reads everything afresh.
ANSWER_ATTEMPTS = 3


@dataclass(slots=True)
class Exchange:
    """One request on its way through the mock, and what has been decided about it.

    `request` is the request as the routes see it, without its namespace prefix;
    `endpoint` is what the journal names it by: the route's operation id, a user's view's
    endpoint, or None for a path nothing answers."""

    backend: Backend
    options: Options
    request: Request
    namespace: str = DEFAULT_NAMESPACE
    prefix: str = ""
    route: Route | None = None
    endpoint: str | None = None
    delay_ms: int = 0
    routes: tuple[Route, ...] = field(default=())
    # The namespace's clock when the request was admitted: its journal entry's moment.
    moment: datetime | None = None
    # What its handler noted for its journal entry.
    notes: list[str] = field(default_factory=list)
    # The reply the mock built, for a door that sends it on (a Flask response) to settle by.
    reply: Reply | None = None
    # Whether the store went away while answering: nothing more is kept (no journal entry,
    # no outcome count) rather than wait for it a second time.
    store_away: bool = False
    # The store's unit of this request's operations (`Store.unit`), open from when the
    # route's reply is sought (or the books are kept, for a reply decided elsewhere) until
    # the reply is decided and its books kept; None while none is open. Entered and left by
    # hand, not through an ExitStack: the one context needs none, and a stack costs every
    # request more than the memory store's whole unit.
    unit: AbstractContextManager[None] | None = None
    unit_open: bool = False
    concluded: bool = False

    @classmethod
    def admit(cls, backend: Backend, request: Request, options: Options = DEFAULT_OPTIONS
              ) -> Exchange:
        """The exchange of `request`: its namespace taken off its path. Raises 413, 414 or
        431 past the limits every door shares, 400 for a namespace name that breaks its
        rule; either way `exchange_of_refused` still journals it."""
        exchange = cls(backend, options, request, routes=routes_for(options))
        refuse_what_is_too_large(request)
        if not request.path.startswith("/"):
            # A request line whose target is no path (`HELLO THERE`), which a server may
            # pass on as it came.
            raise MalformedRequest("Bad request: the request target must be a path from /")
        check_host(request, options.hosts)
        if options.control:
            exchange.namespace, exchange.prefix, exchange.request = namespace_of(request)
        return exchange

    def found(self, route: Route | None, endpoint: str | None = None) -> None:
        """Note the route the door's router found (None for a user's own view, named by
        `endpoint`)."""
        self.route = route
        self.endpoint = route.operation if route is not None else endpoint

    @property
    def kept_reply(self) -> Reply | None:
        """The reply of one of the mock's own routes once it has kept what it changed (None
        before): a failure in a user's hook after that must not tell the client otherwise
        (a 500 for an order made would have its client make another)."""
        return self.reply if self.route is not None and self.concluded else None

    @property
    def faultable(self) -> bool:
        """Whether faults and delays apply: on the Baanx routes, stubs and a user's own
        routes, never on the mock's own, and only with the control API on."""
        return self.options.control and self.endpoint is not None and (
            self.route is None or self.route.kind in FAULTABLE)

    def all_routes(self) -> tuple[Route, ...]:
        """The routes this request may reach: the table's, then its namespace's stubs —
        which never answer the mock's own paths, even where their names would take them
        (`/{first}/{second}` and `/__mock/coverage`)."""
        if is_the_mocks_own(self.request.path):
            return self.routes
        return self.routes + stub_routes(self.backend.view(self.namespace).stubs)

    def plan(self) -> Reply | None:
        """What a fault asks for instead of the route's reply: a network fault's reply, or
        None to answer as usual. Raises `InjectedError` for a status a fault asks for.
        Notes the delay a fault asks for, which `settle` applies."""
        if not self.faultable:
            return None
        assert self.endpoint is not None
        plan: Plan = planned_fault(self.backend, self.request, self.endpoint, self.namespace)
        self.delay_ms = plan.delay_ms
        if plan.status is not None:
            raise InjectedError(plan.status, plan.retry_after)
        return fault_reply(plan.kind) if plan.kind is not None else None

    def answer(self, params: dict[str, str]) -> Reply:
        """The reply of the route found, with `params` from its path: a preflight for
        OPTIONS, what a fault plans, or the route's handler's reply; in strict mode,
        checked against its schema. Answered in an optimistic unit of the store, and again
        if another process changed meanwhile what that unit relied on (the reply the
        client gets is one that was kept); the last time in a unit that reads afresh."""
        for _ in range(ANSWER_ATTEMPTS - 1):
            try:
                return self.answer_once(params, optimistic=True)
            except Outdated as outdated:
                self.abandon_unit(outdated)  # if it ended before its close
                self.start_over()
        return self.answer_once(params, optimistic=False)

    def open_unit(self, optimistic: bool = False) -> None:
        unit = self.backend.store.unit(optimistic)
        unit.__enter__()
        self.unit = unit
        self.unit_open = True

    def close_unit(self) -> None:
        """Close the store's unit, if it is open: what it began is kept."""
        unit, self.unit = self.unit, None
        if unit is not None:
            unit.__exit__(None, None, None)

    def abandon_unit(self, error: BaseException) -> None:
        """Close the store's unit, if it is open, with what ended it: nothing it began is
        kept or sent on, and its connection goes back."""
        unit, self.unit = self.unit, None
        if unit is not None:
            unit.__exit__(type(error), error, error.__traceback__)

    def start_over(self) -> None:
        """Back to the exchange as admitted and found, its outdated unit gone."""
        self.unit = None
        self.unit_open = self.concluded = self.store_away = False
        self.moment = self.reply = None
        self.notes.clear()
        self.delay_ms = 0

    def answer_once(self, params: dict[str, str], optimistic: bool) -> Reply:
        route = self.route
        assert route is not None
        try:
            self.open_unit(optimistic)
            if self.options.control:
                # A namespace comes into being on first use.
                self.moment = self.backend.now(self.namespace)
            self.guard()
            if self.request.method == "OPTIONS":
                reply = Reply(204) if route.kind is RouteKind.CONTROL else preflight(
                    (route.method,), self.options.control)
            else:
                reply = self.plan() or route.handler(Call(
                    self.backend, self.namespace, self.prefix, route, self.request, params,
                    self.options, self.routes, self.notes))
        except BaanxError as error:
            return self.refuse(error)
        except Outdated:
            raise
        except Exception:
            reply = unexpected_failure(self.request.method, self.request.path)
        self.reply = self.conclude(self.held_to_contract(reply))
        return self.reply

    def refuse(self, error: BaanxError) -> Reply:
        """The reply to `error`, in the catalogue's shape."""
        if isinstance(error, StoreUnavailable):
            self.store_away = True
            self.abandon_unit(error)
            # The one line a 503 of a store away gets, --quiet or not.
            log.warning("mock-baanx: %s %s: %s", self.request.method,
                        logged_path(self.request.path),
                        error.message)
            self.reply = error_reply(error)
        else:
            self.reply = self.held_to_contract(error_reply(error))
        self.reply = self.conclude(self.reply)
        return self.reply

    def conclude(self, reply: Reply) -> Reply:
        """Keep the books of the reply decided and close the store's unit, so that what the
        request changed is kept before its reply leaves; the reply that leaves: a 503 if the
        store went away meanwhile (nothing of the request is kept then)."""
        if self.concluded:
            return reply
        self.concluded = True
        try:
            if not self.store_away:
                if not self.unit_open:
                    self.open_unit()
                self.keep_books(reply)
            self.close_unit()
        except StoreUnavailable as error:
            self.abandon_unit(error)
            self.store_away = True
            log.warning("mock-baanx: %s %s not kept: %s", self.request.method,
                        logged_path(self.request.path), error.message)
            return error_reply(error)
        return reply

    def guard(self) -> None:
        """The control API's own doors: no state-changing request from another site's
        page, and the token when the mock has one (its dashboard page and health answer
        without it: the page asks for it, and health says only that the mock is up)."""
        route = self.route
        if route is None or route.kind is not RouteKind.CONTROL:
            return
        self.guard_control(is_open=route.operation in OPEN_CONTROL_OPERATIONS)

    def guard_control(self, is_open: bool = False) -> None:
        """The control API's doors, for one of its routes or a user's under `/__mock/`."""
        check_same_site(self.request)
        if not is_open:
            check_token(self.request, self.options.control_token)

    def held_to_contract(self, reply: Reply) -> Reply:
        """Strict mode, the last step before a reply leaves, so that the mock can never drift
        from its own contract unnoticed: `reply`, or the 500 that says how it broke its
        schema. A user's own view's reply has no schema of the mock's to meet."""
        if not self.options.strict or reply.fault is not None or (
                self.route is None and self.endpoint is not None):
            return reply
        breach = contract_breach(reply, self.route, self.backend.extended_statuses)
        if breach is None:
            return reply
        log.error(breach)
        return Reply.json(500, {"message": breach})

    def settle(self, reply: Reply) -> list[tuple[str, str]]:
        """Journal and count `reply`, wait the delay a fault asked for, and give the headers
        every reply carries. The journal entry and the outcome count are lost, not the
        reply, if the store is away."""
        is_control = self.request.path.startswith(CONTROL_PREFIX) or (
            self.route is not None and self.route.kind is RouteKind.CONTROL)
        # The control API answers no other origin (its dashboard is of its own).
        headers = [] if is_control else [ALLOW_ANY_ORIGIN]
        if is_control and not self.store_away:
            headers.append((VERSION_HEADER, __version__))
        # A reply a user's own view decided is concluded here; a store gone away by now
        # costs its books, not the reply Flask has already made.
        self.conclude(reply)
        if self.store_away:
            return headers
        if self.delay_ms:
            # The reply is decided at once and held back: an order created by a delayed
            # request exists during the delay, as it would behind a slow network. Held back
            # last, so that a server can wait without holding anything else.
            self.options.sleep(self.delay_ms / 1000)
        return headers

    def keep_books(self, reply: Reply) -> None:
        """The journal entry and the outcome count of the request answered by `reply`."""
        request = self.request
        if not is_the_mocks_own(request.path):
            self.backend.record(JournalEntry(
                at=self.moment or self.backend.now(self.namespace), method=request.method,
                path=request.path,
                headers=recorded_headers(request.header_pairs), body=body_text(request.body),
                status=0 if leaves_no_status(reply) else reply.status,
                endpoint=self.endpoint, fault=reply.fault, note="; ".join(self.notes) or None),
                namespace=self.namespace)
        route = self.route
        if route is not None and route.kind in FAULTABLE and request.method != "OPTIONS":
            for outcome in served_outcomes(route, reply, delayed=self.delay_ms > 0):
                self.backend.count_outcome(outcome, namespace=self.namespace)


def refused(backend: Backend, request: Request, options: Options, error: BaanxError
            ) -> Reply:
    """The reply to a request refused before it had an exchange (too large, a bad namespace
    name): journaled in the default namespace, with the headers every reply carries."""
    exchange = Exchange(backend, options, request, routes=routes_for(options))
    return settled(exchange, exchange.refuse(error))


def settled(exchange: Exchange, reply: Reply) -> Reply:
    """`reply` with the headers `exchange.settle` gives."""
    return reply.with_headers(exchange.settle(reply))


def handle(backend: Backend, request: Request, options: Options = DEFAULT_OPTIONS) -> Reply:
    """The reply to `request`, for a door with no router of its own."""
    try:
        exchange = Exchange.admit(backend, request, options)
    except BaanxError as error:
        return refused(backend, request, options, error)
    try:
        route, params = resolve(exchange.request, exchange.all_routes())
    except BaanxError as error:
        return settled(exchange, exchange.refuse(error))
    exchange.found(route)
    return settled(exchange, exchange.answer(params))


def refuse_what_is_too_large(request: Request) -> None:
    """413, 414 or 431 for what goes past the limits every transport shares."""
    if max(len(request.body), request.declared_length or 0) > MAX_BODY_BYTES:
        raise PayloadTooLarge()
    if len(request.path.encode("utf-8", "surrogateescape")) + len(request.query) > \
            MAX_TARGET_BYTES:
        raise TargetTooLong()
    pairs = request.header_pairs
    # Each field as `name: value` and its line end: summed in C, as every request pays it.
    if len(pairs) > MAX_HEADER_FIELDS or sum(
            map(len, chain.from_iterable(pairs))) + 4 * len(pairs) > MAX_HEAD_BYTES:
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
            if route.stub is None or conditions_hold(route.stub, request):
                return route, match.groupdict()
            continue  # a stub whose `when` does not hold: the next one may
        allowed.append(route)
    if not allowed:
        raise RouteNotFound()
    if request.method == "OPTIONS":
        return allowed[0], {}
    raise MethodNotAllowed(allowed_at(request.path, tuple(allowed)))


def allowed_at(path: str, routes: tuple[Route, ...]) -> tuple[str, ...]:
    """The methods `routes` take at `path`, as a 405's Allow lists them."""
    return tuple(sorted({route.method for route in routes if route.pattern.fullmatch(path)}))


def contract_breach(reply: Reply, route: Route | None, extended: bool = False) -> str | None:
    """How `reply` breaks its schema, if it does: how the mock broke its own contract (a bug
    in the mock), or how a stub's reply broke the schema it was given (a placeholder filled
    with a value of another type, say)."""
    if reply.status == 204:
        return None
    succeeded = route is not None and reply.status == route.reply_status
    if route is not None and route.stub is not None and succeeded:
        problem = stub_reply_problem(route.stub, reply)
        return None if problem is None else (
            f"stub {route.stub.id}'s reply does not match its own schema at {problem}")
    schema = route.reply_schema if route is not None and succeeded else "error.json"
    if schema is None:
        return None
    error = schemas.first_error(schema, reply.payload, extended)
    if error is None:
        return None
    return (f"mock-baanx broke its own contract: reply {reply.status} does not match "
            f"schemas/{schema} at {error.json_path}: {error.message}")
