"""pytest fixtures for code that talks to Baanx, registered through the `pytest11` entry
point: installing mock-baanx is enough to use them.

- `baanx_mock`: an in-process `BaanxMock`, fresh for each test, for code that uses
  `requests`.
- `baanx_server`: a real HTTP server on 127.0.0.1 and a free port, started once per
  session (once per worker under pytest-xdist) and reset before each test, for code that
  speaks HTTP any other way (another language, a browser, a subprocess).

Both carry the control API as methods (`use_lifecycle`, `force_status`, `inject_fault`,
`advance_clock`, `journal`, `assert_polled_politely`…). The ini options `baanx_fixtures`
and `baanx_lifecycle` choose the fixtures and default lifecycle.

pytest loads this module in every session of an environment where mock-baanx is
installed, whether or not a test uses it: it imports nothing but pytest until a fixture
is asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ..core import Backend
    from .baanx_mock import BaanxMock
    from .baanx_server import BaanxServer


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("baanx_fixtures", "mock-baanx fixtures folder or file (default: built-in)")
    parser.addini("baanx_lifecycle", "mock-baanx default lifecycle", default="complete")


def _backend(config: pytest.Config) -> Backend:
    from ..core import Backend
    from ..storage.fixture_files import load_fixtures

    fixtures = str(config.getini("baanx_fixtures") or "") or None
    lifecycle = str(config.getini("baanx_lifecycle"))
    return Backend(load_fixtures(fixtures), default_lifecycle=lifecycle)


@pytest.fixture
def baanx_mock(request: pytest.FixtureRequest) -> Iterator[BaanxMock]:
    """An in-process Baanx mock for `requests`, fresh for this test."""
    from .baanx_mock import BaanxMock

    backend = _backend(request.config)
    with BaanxMock(fixtures=backend.fixtures, lifecycle=backend.default_lifecycle) as mock:
        yield mock


@pytest.fixture(scope="session")
def _baanx_served(request: pytest.FixtureRequest) -> Iterator[BaanxServer]:
    from .baanx_server import BaanxServer

    server = BaanxServer.start(_backend(request.config))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def baanx_server(_baanx_served: BaanxServer) -> BaanxServer:
    """A Baanx mock served over HTTP on 127.0.0.1, reset for this test."""
    _baanx_served.reset()
    return _baanx_served
