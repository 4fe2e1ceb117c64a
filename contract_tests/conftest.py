"""The contract suite's target: an in-process mock by default, or any base URL.

    BAANX_BASE_URL      the API to check (default: an in-process BaanxMock)
    BAANX_CLIENT_ID     the client id to send (default: demo-client)
    BAANX_ACCESS_TOKEN  a valid user's access token (default: demo-token)
    BAANX_ALLOW_ORDERS  1 to let checks create orders on a live target
    BAANX_INELIGIBLE_TOKEN  a user with a product they may not order (for the 403 check)
    BAANX_POLL_INTERVAL seconds between polls (default 3 for a live target, 0 for a mock)

Checks that need the mock's control API skip with a stated reason on any other target.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from mock_baanx.contract.checks import Target, detect_control
from mock_baanx.testing.baanx_mock import BaanxMock


@pytest.fixture(scope="session")
def target() -> Iterator[Target]:
    base_url = os.environ.get("BAANX_BASE_URL")
    if not base_url:
        with BaanxMock() as mock:
            yield Target(mock.base_url, mock.client_id, mock.token, allow_orders=True,
                         poll_interval=0, control=mock, ineligible_token="ineligible-token")
        return
    target = Target(base_url, os.environ.get("BAANX_CLIENT_ID", "demo-client"),
                    os.environ.get("BAANX_ACCESS_TOKEN", "demo-token"),
                    allow_orders=os.environ.get("BAANX_ALLOW_ORDERS") == "1",
                    ineligible_token=os.environ.get("BAANX_INELIGIBLE_TOKEN"))
    target.control = detect_control(target)
    is_mock = target.control is not None
    target.allow_orders = target.allow_orders or is_mock
    target.poll_interval = float(os.environ.get("BAANX_POLL_INTERVAL", "0" if is_mock else "3"))
    yield target
