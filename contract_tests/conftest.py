"""The contract suite's target: the mock by default, or any base URL from the environment.

    BAANX_BASE_URL      the API to check (default: a mock served here on a free port)
    BAANX_CLIENT_ID     the client id to send (default: demo-client)
    BAANX_ACCESS_TOKEN  a valid user's access token (default: demo-token)
    BAANX_ALLOW_ORDERS  1 to let checks create orders on a live target
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from mock_baanx import create_app
from mock_baanx.server import BackgroundServer


@dataclass(frozen=True)
class Target:
    base_url: str
    client_id: str
    token: str
    is_mock: bool
    allow_orders: bool
    session: requests.Session

    def headers(self, *, client_id: str | None = None, token: str | None = None,
                **extra: str) -> dict[str, str]:
        return {"X-Client-ID": client_id if client_id is not None else self.client_id,
                "Authorization": f"Bearer {token if token is not None else self.token}",
                **extra}

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.get(self.base_url + path, timeout=30, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.post(self.base_url + path, timeout=30, **kwargs)


@pytest.fixture(scope="session")
def target() -> Iterator[Target]:
    session = requests.Session()
    base_url = os.environ.get("BAANX_BASE_URL")
    if base_url:
        yield Target(base_url.rstrip("/"), os.environ.get("BAANX_CLIENT_ID", "demo-client"),
                     os.environ.get("BAANX_ACCESS_TOKEN", "demo-token"), is_mock=False,
                     allow_orders=os.environ.get("BAANX_ALLOW_ORDERS") == "1",
                     session=session)
        return
    server = BackgroundServer(create_app())
    try:
        yield Target(server.url, "demo-client", "demo-token", is_mock=True, allow_orders=True,
                     session=session)
    finally:
        server.stop()


@pytest.fixture
def orders_allowed(target: Target) -> Target:
    if not target.allow_orders:
        pytest.skip("creates an order: set BAANX_ALLOW_ORDERS=1 to run it against a live API")
    return target
