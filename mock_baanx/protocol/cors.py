"""CORS: a browser app on another origin (a dev server on localhost:3000) may call the
mock."""

from __future__ import annotations

from .messages import Reply

ALLOW_ANY_ORIGIN = ("Access-Control-Allow-Origin", "*")
BAANX_HEADERS = "Authorization, Content-Type, X-Client-ID, x-client-key, x-us-env"
# The mock's own request headers, offered to a browser only with the control API on.
MOCK_HEADERS = "X-Mock-Lifecycle, X-Mock-Fault, X-Mock-Delay-Ms, X-Mock-Namespace"
PREFLIGHT_MAX_AGE_SECONDS = 600


def preflight(methods: str, control: bool) -> Reply:
    """The answer to an OPTIONS preflight of a path that takes `methods` ("GET, POST")."""
    allowed = f"{BAANX_HEADERS}, {MOCK_HEADERS}" if control else BAANX_HEADERS
    return Reply(204, headers=(("Access-Control-Allow-Methods", f"{methods}, OPTIONS"),
                               ("Access-Control-Allow-Headers", allowed),
                               ("Access-Control-Max-Age", str(PREFLIGHT_MAX_AGE_SECONDS))))
