"""Which namespace a request works in: named by a path prefix before any API or control
path (`/ns/ci-job-17/v1/order`), so that a client configured by base URL is isolated with
no code change, or by the `X-Mock-Namespace` header; neither means the default one."""

from __future__ import annotations

import re
from dataclasses import replace

from ..core import DEFAULT_NAMESPACE
from .errors import MalformedRequest
from .messages import Request

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
