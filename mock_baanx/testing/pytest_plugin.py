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
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..core import Backend
from ..storage.fixture_files import load_fixtures
from ..transports.flask_app import create_app
from ..transports.thread_server import BackgroundServer
from .baanx_mock import BaanxMock
from .control_client import DefaultCredentials, HttpControl


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("baanx_fixtures", "mock-baanx fixtures folder or file (default: built-in)")
    parser.addini("baanx_lifecycle", "mock-baanx default lifecycle", default="complete")


class BaanxServer(DefaultCredentials, HttpControl):
    """A served mock: its `url`, default credentials, and the control API as methods."""

    def __init__(self, server: BackgroundServer, backend: Backend) -> None:
        super().__init__(server.url)
        self.backend = backend

    def reset(self) -> None:
        # Straight to the backend: a per-test reset should cost no request.
        self.backend.reset()


def _backend(config: pytest.Config) -> Backend:
    fixtures = str(config.getini("baanx_fixtures") or "") or None
    lifecycle = str(config.getini("baanx_lifecycle"))
    return Backend(load_fixtures(fixtures), default_lifecycle=lifecycle)


@pytest.fixture
def baanx_mock(request: pytest.FixtureRequest) -> Iterator[BaanxMock]:
    """An in-process Baanx mock for `requests`, fresh for this test."""
    backend = _backend(request.config)
    with BaanxMock(fixtures=backend.fixtures, lifecycle=backend.default_lifecycle) as mock:
        yield mock


@pytest.fixture(scope="session")
def _baanx_served(request: pytest.FixtureRequest) -> Iterator[BaanxServer]:
    backend = _backend(request.config)
    server = BackgroundServer(create_app(backend))
    try:
        yield BaanxServer(server, backend)
    finally:
        server.stop()


@pytest.fixture
def baanx_server(_baanx_served: BaanxServer) -> BaanxServer:
    """A Baanx mock served over HTTP on 127.0.0.1, reset for this test."""
    _baanx_served.reset()
    return _baanx_served
