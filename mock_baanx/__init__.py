"""mock-baanx: a faithful local mock of the Baanx order API, with a contract-testing kit."""

from .api import Options, handle
from .core import Backend, Fixtures, OrderStatus
from .fixtures import FixtureError, load_fixtures
from .flask_app import create_app
from .messages import Reply, Request
from .responses_mock import BaanxMock

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
