from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from mock_baanx.core import Backend, Clock, seeded_ids
from mock_baanx.protocol import Options
from mock_baanx.storage.fixture_files import load_fixtures
from mock_baanx.transports.flask_app import create_app

from .helpers import ManualTime


@pytest.fixture
def time_source() -> ManualTime:
    return ManualTime()


@pytest.fixture
def backend(time_source: ManualTime) -> Backend:
    return Backend(load_fixtures(), clock=Clock(time_source), ids=seeded_ids(7))


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(backend: Backend, sleeps: list[float]) -> Iterator[FlaskClient]:
    app = create_app(backend, Options(strict=True, sleep=sleeps.append))
    with app.test_client() as test_client:
        yield test_client
