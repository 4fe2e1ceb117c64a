"""What the mock reads from request headers, and what it keeps of them.

The Baanx header rules (which header carries the client id, how a bearer token is
written) and the redaction of credentials before a request is recorded.
"""

from __future__ import annotations

from .messages import Request

# Baanx accepts the client id under either name, in any case.
CLIENT_KEY_HEADERS = ("x-client-id", "x-client-key")
BEARER_SCHEME = "bearer"
REDACTED = "<redacted>"
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def client_key(request: Request) -> str | None:
    """The client id the request carries, or None."""
    return next((value for name in CLIENT_KEY_HEADERS if (value := request.header(name))), None)


def bearer_token(request: Request) -> str | None:
    """The token of a `Bearer <token>` Authorization header, or None for anything else."""
    authorization = request.header("authorization")
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != BEARER_SCHEME:
        return None
    return token.strip() or None


def recorded_headers(pairs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The headers as the journal keeps them: names in lower case, whichever transport
    brought them (HTTP/2 writes them so, and servers disagree on any other case), and
    every credential replaced, keeping the scheme of Authorization so that a reader can
    still tell `Bearer` from `Basic` from garbage."""
    kept = []
    for name, value in pairs:
        lowered = name.lower()
        if lowered in SECRET_HEADERS:
            scheme = value.split(" ", 1)[0] if " " in value.strip() else ""
            value = f"{scheme} {REDACTED}" if scheme else REDACTED
        kept.append((lowered, value))
    return tuple(kept)
