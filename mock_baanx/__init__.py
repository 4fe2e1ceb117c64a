"""mock-baanx: a faithful local mock of the Baanx order API, with a contract-testing kit."""

from typing import TYPE_CHECKING, Any

from .core import Backend, Fixtures, OrderStatus
from .protocol.handler import Options, handle
from .protocol.messages import Reply, Request
from .storage.fixture_files import FixtureError, load_fixtures
from .transports.flask_app import create_app

if TYPE_CHECKING:
    from .testing.baanx_mock import BaanxMock


def __getattr__(name: str) -> Any:
    # BaanxMock pulls in requests and responses, which `mock-baanx serve` never needs:
    # importing it on first use keeps the server's start-up short.
    if name == "BaanxMock":
        from .testing.baanx_mock import BaanxMock

        return BaanxMock
    raise AttributeError(f"module 'mock_baanx' has no attribute {name!r}")

__all__ = [
    "BaanxMock",
    "Backend",
    "FixtureError",
    "Fixtures",
    "Options",
    "OrderStatus",
    "Reply",
    "Request",
    "create_app",
    "handle",
    "load_fixtures",
]
