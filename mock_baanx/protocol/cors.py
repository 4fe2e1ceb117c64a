"""CORS: a browser app on another origin (a dev server on localhost:3000) may call the
mock."""

from __future__ import annotations

from .messages import Reply
from .route import Route

ALLOW_ANY_ORIGIN = ("Access-Control-Allow-Origin", "*")
CORS_HEADERS = ("Authorization, Content-Type, X-Client-ID, x-client-key, x-us-env, "
                "X-Mock-Lifecycle, X-Mock-Fault, X-Mock-Delay-Ms")
PREFLIGHT_MAX_AGE_SECONDS = 600


def preflight(route: Route) -> Reply:
    """The answer to an OPTIONS preflight of `route`'s path."""
    return Reply(204, headers=(("Access-Control-Allow-Methods", f"{route.method}, OPTIONS"),
                               ("Access-Control-Allow-Headers", CORS_HEADERS),
                               ("Access-Control-Max-Age", str(PREFLIGHT_MAX_AGE_SECONDS))))
