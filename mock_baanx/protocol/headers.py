"""The headers a request carries and a reply gains, whatever door it came by.

The Baanx header rules (which header carries the client id, how a bearer token is
written) and the redaction of credentials before a request is recorded; CORS, so that a
browser app on another origin (a dev server on localhost:3000) may call the mock; the
namespace a request works in, named by a path prefix before any API or control path
(`/ns/ci-job-17/v1/order`), so that a client configured by base URL is isolated with no
code change, or by the `X-Mock-Namespace` header (neither means the default one); the
lifecycle a create asks for (`X-Mock-Lifecycle`); and the mock's version, which control
replies carry (`X-Mock-Baanx`) so that a client can tell a mock-baanx from any other
server. The fault headers are in `faults.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version

from ..core import DEFAULT_NAMESPACE
from .errors import MalformedRequest
from .messages import Reply, Request

LIFECYCLE_HEADER = "X-Mock-Lifecycle"
# Baanx accepts the client id under either name, in any case.
CLIENT_KEY_HEADERS = ("x-client-id", "x-client-key")
BEARER_SCHEME = "bearer"
REDACTED = "<redacted>"
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def client_key(request: Request) -> str | None:
    """The client id the request carries, or None."""
    for name in CLIENT_KEY_HEADERS:
        value = request.header(name)
        if value:
            return value
    return None


def bearer_token(request: Request) -> str | None:
    """The token of a `Bearer <token>` Authorization header, or None for anything else."""
    authorization = request.header("authorization")
    return None if authorization is None else bearer_of(authorization)


def bearer_of(authorization: str) -> str | None:
    """The token of an Authorization value written `Bearer <token>`, or None."""
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != BEARER_SCHEME:
        return None
    return token.strip() or None


def recorded_headers(pairs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The headers as the journal keeps them: names in lower case, whichever transport
    brought them (HTTP/2 writes them so, and servers disagree on any other case), and
    every credential replaced, keeping the scheme of Authorization so that a reader can
    still tell `Bearer` from `Basic` from garbage."""
    # The journal holds each entry for a thousand requests: an entry shares what it can with
    # the request (its pairs, their names), which costs less to keep, and to free, than a copy.
    kept = []
    for pair in pairs:
        name, value = pair
        lowered = name if name.islower() else name.lower()
        if lowered in SECRET_HEADERS:
            scheme = value.split(" ", 1)[0] if " " in value.strip() else ""
            kept.append((lowered, f"{scheme} {REDACTED}" if scheme else REDACTED))
        else:
            kept.append(pair if lowered is name else (lowered, value))
    return tuple(kept)


ALLOW_ANY_ORIGIN = ("Access-Control-Allow-Origin", "*")
BAANX_HEADERS = "Authorization, Content-Type, X-Client-ID, x-client-key, x-us-env"
# The mock's own request headers, offered to a browser only with the control API on.
MOCK_HEADERS = "X-Mock-Lifecycle, X-Mock-Fault, X-Mock-Delay-Ms, X-Mock-Namespace"
PREFLIGHT_MAX_AGE_SECONDS = 600


def preflight(methods: Iterable[str], control: bool) -> Reply:
    """The answer to an OPTIONS preflight of a path that takes `methods`."""
    allowed = f"{BAANX_HEADERS}, {MOCK_HEADERS}" if control else BAANX_HEADERS
    return Reply(204, headers=(("Access-Control-Allow-Methods", ", ".join([*methods,
                                                                            "OPTIONS"])),
                               ("Access-Control-Allow-Headers", allowed),
                               ("Access-Control-Max-Age", str(PREFLIGHT_MAX_AGE_SECONDS))))


VERSION_HEADER = "X-Mock-Baanx"

try:
    __version__ = version("mock-baanx")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"


NAMESPACE_HEADER = "X-Mock-Namespace"
NAMESPACE_PREFIX = "/ns/"
NAME_RULE = "[A-Za-z0-9._-]{1,64}"
_NAME = re.compile(NAME_RULE)


def checked_name(name: str, where: str) -> str:
    if not _NAME.fullmatch(name):
        raise MalformedRequest(f"a namespace name (here from {where}) must match {NAME_RULE}")
    return name


def namespace_of(request: Request) -> tuple[str, str, Request]:
    """The request's namespace, its path prefix (empty when the header or nothing named
    it), and the request without the prefix. 400 naming the rule for a name that breaks
    it, or when the prefix and the header disagree."""
    header = request.header(NAMESPACE_HEADER)
    from_header = None if header is None else checked_name(header.strip(), NAMESPACE_HEADER)
    if not request.path.startswith(NAMESPACE_PREFIX):
        return from_header or DEFAULT_NAMESPACE, "", request
    name, slash, rest = request.path[len(NAMESPACE_PREFIX):].partition("/")
    checked_name(name, f"the path prefix {NAMESPACE_PREFIX}{{name}}")
    if from_header is not None and from_header != name:
        raise MalformedRequest(f"the path prefix names namespace {name!r} and "
                               f"{NAMESPACE_HEADER} names {from_header!r}: name one")
    # `/ns/name` alone is the namespace's root, as a server mounting an app there sees it.
    return name, f"{NAMESPACE_PREFIX}{name}", replace(request, path=(slash + rest) or "/")


def without_prefix(path: str) -> str:
    """`path` without a namespace prefix it may start with (whatever the name)."""
    if not path.startswith(NAMESPACE_PREFIX):
        return path
    _, slash, rest = path[len(NAMESPACE_PREFIX):].partition("/")
    return slash + rest
