"""mock-baanx: a faithful local mock of the Baanx order API, with a contract-testing kit.

The package is layered, each layer importing only the ones before it:

    core        the domain: products, users, orders, lifecycles, clock, ids (no HTTP, no IO)
    protocol    the wire: the route table, a request's steps, errors, headers, bodies, OpenAPI
    storage     fixture files, the state file (SQLite), the shared state (PostgreSQL)
    transports  the Flask app and its extensions, `serve`'s server, the in-thread server
    testing     BaanxMock, the control client, the polling judge, the pytest plugin
    contract    the contract checks and the drift report, the validating proxy, the recorder
    cli         the `mock-baanx` command

The names below are re-exported from where they live, each imported on first use: the
in-process mock must not pay for Flask, nor the server for `requests`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .core import Backend, Fixtures, OrderStatus
    from .protocol import Options, Reply, Request, handle
    from .protocol.headers import __version__
    from .storage.fixture_files import FixtureError, load_fixtures
    from .testing.baanx_mock import BaanxMock
    from .testing.control_client import ControlError
    from .transports.flask_app import create_app, requires_baanx_auth

_HOMES = {
    "Backend": ".core",
    "Fixtures": ".core",
    "OrderStatus": ".core",
    "Options": ".protocol",
    "Reply": ".protocol",
    "Request": ".protocol",
    "handle": ".protocol",
    "__version__": ".protocol.headers",
    "FixtureError": ".storage.fixture_files",
    "load_fixtures": ".storage.fixture_files",
    "BaanxMock": ".testing.baanx_mock",
    "ControlError": ".testing.control_client",
    "create_app": ".transports.flask_app",
    "requires_baanx_auth": ".transports.flask_app",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'mock_baanx' has no attribute {name!r}")
    value = getattr(import_module(home, __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "BaanxMock",
    "Backend",
    "ControlError",
    "FixtureError",
    "Fixtures",
    "Options",
    "OrderStatus",
    "Reply",
    "Request",
    "__version__",
    "create_app",
    "handle",
    "load_fixtures",
    "requires_baanx_auth",
]
