"""A route: one entry of the route table, and what its handler is given.

A Route says everything the mock knows about an operation: how it is reached (method and
path template), its operation id (also the endpoint name faults use), the handler that
answers it, the schema of its success reply and of its request body, and the error
statuses it can answer. Dispatch, the OpenAPI document, the control client and the
dashboard all read the one table of them (`routes.py`). Options are the switches of how a
mock behaves beyond the Baanx contract, which every transport passes to `handle()` and
every handler is given.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from ..core import Backend, Stub
from .access import HostRule
from .messages import Reply, Request


@dataclass(frozen=True, slots=True)
class Options:
    # The /__mock/ control API, the OpenAPI document's control part and the X-Mock-* request
    # headers.
    control: bool = True
    # Check every reply against schemas/ before sending it (the extended schemas when the
    # backend allows extended statuses).
    strict: bool = True
    # How a delayed reply waits. A served mock passes one that defers the wait to its event
    # loop rather than block it.
    sleep: Callable[[float], None] = time.sleep
    # The Host values a served mock answers (access.py); None, for an in-process mock,
    # checks none.
    hosts: HostRule | None = None
    # The token every control request must carry, if any.
    control_token: str | None = None


DEFAULT_OPTIONS = Options()


class RouteKind(Enum):
    # The Baanx order API, as its docs describe it.
    BAANX = "orders"
    # mock-baanx's own control API, under /__mock/; absent with --no-control.
    CONTROL = "mock-control"
    # The OpenAPI document itself, which does not describe itself.
    DOCUMENT = "document"
    # An endpoint answered from data (a stub: core/stubs.py), per namespace.
    STUB = "stubs"


@dataclass(frozen=True, slots=True)
class QueryParameter:
    """A whole-number query parameter a route reads, from `minimum` to `maximum`."""

    name: str
    description: str
    minimum: int
    maximum: int


# Not frozen: one is built for every request a handler answers, and a frozen dataclass
# costs a setattr call per field to build.
@dataclass(slots=True)
class Call:
    """What a route handler gets: the backend, the namespace the request works in and the
    path prefix that named it (if any), the route, the request (without its namespace
    prefix), the path parameters, the options, and the routes this mock serves."""

    backend: Backend
    namespace: str
    prefix: str
    route: Route
    request: Request
    params: Mapping[str, str]
    options: Options
    routes: Sequence[Route]
    # What the handler notes for the request's journal entry (a placeholder that named
    # nothing, say).
    notes: list[str] = field(default_factory=list)


Handler = Callable[[Call], Reply]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    template: str
    # The OpenAPI operationId, also the endpoint name fault injection uses.
    operation: str
    handler: Handler
    kind: RouteKind
    summary: str
    # The schema of the 2xx reply body under schemas/; None when the reply is not JSON.
    reply_schema: str | None
    # The error statuses the route can answer, beyond the plumbing every route shares
    # (404 unknown path, 405 wrong method, 413 body too large).
    errors: tuple[int, ...] = ()
    description: str = ""
    reply_description: str = ""
    # The schema of the request body under schemas/, if the route reads one, and whether a
    # request must carry one.
    request_schema: str | None = None
    request_body_required: bool = True
    # Request body fields that name one of the mock's products or lifecycles ("products" or
    # "lifecycles"), which the OpenAPI document lists as examples; a field ending in [] is a
    # list of such names.
    known_values: tuple[tuple[str, str], ...] = ()
    reply_media_type: str = "application/json"
    # The status of a successful reply: 200, or 302 for a redirect.
    reply_status: int = 200
    query: tuple[QueryParameter, ...] = ()
    # The stub this route answers from, for a stub's route.
    stub: Stub | None = field(default=None, compare=False)
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.template))
        object.__setattr__(self, "pattern", re.compile(regex))

    @property
    def path_parameters(self) -> tuple[str, ...]:
        return tuple(re.findall(r"\{(\w+)\}", self.template))

    def path(self, **params: str) -> str:
        """The template with its parameters filled in (not escaped: callers pass ids)."""
        return self.template.format(**params)
