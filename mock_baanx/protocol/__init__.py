"""The contract on the wire: the route table, `handle()`, request and reply, the HTTP
errors, the header rules, the JSON bodies, the schemas and the OpenAPI document.

Imports only `core`; every transport is a thin door into `handle()`.
"""

from .handler import handle
from .messages import Reply, Request
from .route import Call, Options, Route, RouteKind
from .routes import ROUTES, routes_for

__all__ = ["ROUTES", "Call", "Options", "Reply", "Request", "Route", "RouteKind", "handle",
           "routes_for"]
