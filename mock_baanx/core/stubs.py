"""Stubs: the other endpoints of the Baanx API a client calls beside the order API (its
user, cards, auth), answered from data — a canned status and body, filled from the request
— as fixtures, or added to one namespace at run time.

A stub is data, not code: the protocol layer turns each into a route of the table
(`protocol/stubs.py`), so that every door answers it as it answers the order endpoints.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# A placeholder in a stub's body or headers: what of the request it takes, and its name.
PLACEHOLDER = re.compile(r"\{\{\s*(path|query|body|user)\.([A-Za-z0-9_.-]+)\s*\}\}")


@dataclass(frozen=True, slots=True)
class Conditions:
    """When a stub answers: the request carries each of these header values, query values
    and (top-level) body fields. None of them: always."""

    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    body: Mapping[str, Any] = field(default_factory=dict)


ALWAYS = Conditions()


# Compared (and hashed) as the one object it is: its body and schemas are JSON documents,
# and the protocol keeps routes and validators by stub.
@dataclass(frozen=True, slots=True, eq=False)
class Stub:
    """One endpoint answered from data: `method` and `path` (an OpenAPI-style template,
    `/v1/card/{cardId}`) reach it; it answers `status` with `body` (JSON, whose strings may
    name `{{path.x}}`, `{{query.x}}`, `{{body.x}}` or `{{user.x}}`; `has_body` False for
    none) and `headers`; `auth` applies Baanx's header rules first. `schema` is what its
    reply must meet, `request_schema` what a request's body must; `when` narrows the
    requests it answers (of several with one path and method, the first that matches
    answers). `example` is a concrete path (and query) it answers, and `example_body` the
    JSON body to send there (None: none), for `verify`."""

    id: str
    method: str
    path: str
    status: int = 200
    body: Any = None
    has_body: bool = True
    headers: tuple[tuple[str, str], ...] = ()
    auth: bool = True
    schema: Mapping[str, Any] | bool | None = None
    request_schema: Mapping[str, Any] | bool | None = None
    when: Conditions = ALWAYS
    example: str | None = None
    example_body: Any = None
