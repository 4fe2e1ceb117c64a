"""Stubs as routes: each stub of a namespace (core/stubs.py) is one more route of its table,
found after the mock's own, answered by `answer_stub` through every door, faulted,
journaled, counted and documented like the order endpoints.

A stub answers, in order: Baanx's header rules (with `auth`), its request schema (422 in
Baanx's shape), then its status, headers and body with the request's values put into the
body's placeholders. A placeholder whose value the request lacks is left empty, and the
journal says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs

from ..core import Stub, User
from ..core.errors import ValidationFailed
from ..core.stubs import PLACEHOLDER
from . import schemas
from .baanx import authenticate
from .fixtures import stub_json, user_json
from .headers import NAMESPACE_PREFIX
from .messages import (
    MAX_NESTING,
    Reply,
    Request,
    bounded_number,
    json_object,
    json_values,
    nested_deeper_than,
    parse_json,
)
from .route import Call, Route, RouteKind
from .schemas import validation_message

# A namespace's stubs become routes once per set of stubs, not on every request.
STUB_SETS_CACHED = 256
# Statuses the header rules may answer a stub with before its own: 499, 498 and 401 for
# the credentials, then 403 for a user whose fixture says `permitted: false`.
CREDENTIAL_STATUSES = (401, 498, 499)
AUTH_STATUSES = tuple(sorted((*CREDENTIAL_STATUSES, 403)))


@lru_cache(maxsize=STUB_SETS_CACHED)
def stub_routes(stubs: tuple[Stub, ...]) -> tuple[Route, ...]:
    """The routes of a namespace's stubs, in the order they are tried."""
    return tuple(Route(stub.method, stub.path, stub.id, answer_stub, RouteKind.STUB,
                       f"A stub: {stub.method} {stub.path}", None,
                       # A status the stub answers itself is its own outcome, not an error.
                       errors=tuple(status for status in (
                           *(AUTH_STATUSES if stub.auth else ()),
                           *((422,) if stub.request_schema is not None else ()))
                           if status != stub.status),
                       reply_status=stub.status, stub=stub)
                 for stub in stubs)


def refusal(stub: Stub, routes: Iterable[Route]) -> str | None:
    """Why a stub may not be, if it may not: its path is the mock's own (a namespace's
    prefix, the control API's or a document's), or it would answer instead of one of the
    mock's routes (the same method, and a path each segment of which is equal or a name on
    either side). Another method at an order endpoint's path is a stub like any other."""
    mine = stub.path.strip("/").split("/")
    if stub.path.startswith(NAMESPACE_PREFIX) or stub.path == NAMESPACE_PREFIX.rstrip("/"):
        return f"{stub.path} is under {NAMESPACE_PREFIX}, which names a namespace"
    for route in routes:
        if route.stub is not None:
            continue
        theirs = route.template.strip("/").split("/")
        if route.kind is not RouteKind.BAANX and len(theirs) > 1 and mine[0] == theirs[0]:
            return f"{stub.path} is under the mock's own /{theirs[0]}/"
        if route.method == stub.method and len(mine) == len(theirs) and all(
                a == b or a.startswith("{") or b.startswith("{")
                for a, b in zip(mine, theirs, strict=True)):
            return f"{stub.method} {stub.path} would shadow the mock's own {route.method} " \
                   f"{route.template}"
    return None


# --- Which stub answers ------------------------------------------------------------------


def conditions_hold(stub: Stub, request: Request) -> bool:
    """Whether `request` carries what the stub's `when` asks for."""
    when = stub.when
    if any(request.header(name) != value for name, value in when.headers.items()):
        return False
    if when.query:
        given = parse_qs(request.query, keep_blank_values=True)
        if any(given.get(name, [None])[-1] != value for name, value in when.query.items()):
            return False
    if when.body:
        body = body_of(request)
        if not isinstance(body, dict) or any(
                body.get(name, _MISSING) != value for name, value in when.body.items()):
            return False
    return True


_MISSING = object()


def body_of(request: Request) -> Any:
    """The request's body as JSON, or None where it is none."""
    try:
        return parse_json(request.body) if request.body.strip() else None
    except ValidationFailed:
        return None


# --- The answer --------------------------------------------------------------------------


def answer_stub(call: Call) -> Reply:
    stub = call.route.stub
    assert stub is not None
    user: User | None = None
    if stub.auth:
        user = authenticate(call).user
    body: Any = None
    if stub.request_schema is not None:
        body = json_object(call.request)
        try:
            error = schemas.most_telling_error(validator_of(stub, "request"), body)
        except RecursionError:  # a schema of the stub's that refers to itself, a deep body
            raise ValidationFailed("request body is nested too deeply") from None
        if error is not None:
            raise ValidationFailed(validation_message(error))
    elif call.request.body:
        body = body_of(call.request)
    values = {"path": dict(call.params),
              "query": {name: given[-1] for name, given in
                        parse_qs(call.request.query, keep_blank_values=True).items()},
              "body": body if isinstance(body, dict) else {},
              "user": user_json(user) if user is not None else {}}
    headers = [(name, rendered_text(value, values, call.notes, stub, in_header=True))
               for name, value in stub.headers]
    if not stub.has_body:
        return Reply(stub.status, b"", tuple(headers))
    payload = rendered(stub.body, values, call.notes, stub)
    if not any(name.lower() == "content-type" for name, _ in headers):
        return Reply.json(stub.status, payload, headers)
    encoded = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return Reply(stub.status, encoded, tuple(headers), payload)


def rendered(node: Any, values: Mapping[str, Mapping[str, Any]], notes: list[str],
             stub: Stub) -> Any:
    """A body with its placeholders filled: a string that is one placeholder alone takes
    the value itself (a number stays a number); other strings have each replaced by text."""
    if isinstance(node, str):
        alone = PLACEHOLDER.fullmatch(node.strip())
        if alone is not None:
            return value_of(alone[1], alone[2], values, notes, stub)
        return rendered_text(node, values, notes, stub)
    if isinstance(node, dict):
        return {key: rendered(value, values, notes, stub) for key, value in node.items()}
    if isinstance(node, list):
        return [rendered(value, values, notes, stub) for value in node]
    return node


def rendered_text(text: str, values: Mapping[str, Mapping[str, Any]], notes: list[str],
                  stub: Stub, in_header: bool = False) -> str:
    """`text` with each placeholder replaced by its value as text; in a header's value, a
    value no header can carry (a line break, a character past ASCII: the request's, so
    anyone's) is left empty, and the journal says so."""
    def text_of(match: Any) -> str:
        value = value_of(match[1], match[2], values, notes, stub)
        text = value if isinstance(value, str) else json.dumps(value)
        if in_header and HEADER_VALUE.fullmatch(text) is None:
            notes.append(f"stub {stub.id}: {{{{{match[1]}.{match[2]}}}}} holds what no header "
                         "value can carry: left empty")
            return ""
        return text

    return PLACEHOLDER.sub(text_of, text)


# What a header's value may hold: printable ASCII and tabs, as the stubs schema asks of a
# stub's own header values.
HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")


def value_of(kind: str, name: str, values: Mapping[str, Mapping[str, Any]],
             notes: list[str], stub: Stub) -> Any:
    """The request's value a placeholder names; "" and a note for the journal where it has
    none."""
    found: Any = values[kind]
    for part in name.split("."):
        if isinstance(found, dict) and part in found:
            found = found[part]
        elif isinstance(found, list) and (
                index := bounded_number(part, 0, len(found) - 1)) is not None:
            found = found[index]
        else:
            notes.append(f"stub {stub.id}: {{{{{kind}.{name}}}}} named nothing in the request: "
                         "left empty")
            return ""
    if nested_deeper_than(found, MAX_NESTING):
        notes.append(f"stub {stub.id}: {{{{{kind}.{name}}}}} holds a value nested more than "
                     f"{MAX_NESTING} deep: left empty")
        return ""
    if holds_unsendable_number(found):
        notes.append(f"stub {stub.id}: {{{{{kind}.{name}}}}} holds an integer longer than a "
                     "reply can carry: left empty")
        return ""
    return found


def holds_unsendable_number(value: Any) -> bool:
    """Whether `value` holds an integer past Python's limit on digits, which a request body
    may bring (`parse_json` keeps it exactly) but no JSON reply can write."""
    return any(isinstance(item, Decimal) for item, _ in json_values(value))


def stub_reply_problem(stub: Stub, reply: Reply) -> str | None:
    """How a stub's reply breaks its own schema, if it does (strict mode)."""
    if stub.schema is None or reply.status != stub.status or not stub.has_body:
        return None
    error = schemas.most_telling_error(validator_of(stub, "reply"), reply.payload)
    if error is None:
        return None
    return f"{error.json_path}: {error.message}"


# Compiled once per stub (and schema), not on every request.
@lru_cache(maxsize=4 * STUB_SETS_CACHED)
def validator_of(stub: Stub, which: str) -> Any:
    return schemas.validator_of(stub.schema if which == "reply" else stub.request_schema)


def stub_listing(stubs: Sequence[Stub]) -> list[dict[str, Any]]:
    return [stub_json(stub) for stub in stubs]
