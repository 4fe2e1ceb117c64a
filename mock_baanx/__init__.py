"""mock-baanx: a faithful local mock of the Baanx order API, with a contract-testing kit."""

from typing import TYPE_CHECKING, Any

from .api import Options, handle
from .core import Backend, Fixtures, OrderStatus
from .fixtures import FixtureError, load_fixtures
from .flask_app import create_app
from .messages import Reply, Request

if TYPE_CHECKING:
    from .responses_mock import BaanxMock


def __getattr__(name: str) -> Any:
    # BaanxMock pulls in requests and responses, which `mock-baanx serve` never needs:
    # importing it on first use keeps the server's start-up short.
    if name == "BaanxMock":
        from .responses_mock import BaanxMock

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
