"""A delayed reply against a client's timeout: the same outcome for a `requests` client,
in-process and served."""

from __future__ import annotations

import pytest
import requests

from mock_baanx import BaanxMock

from ..helpers import headers
from ..served import Served

PRODUCTS = "/v1/order/products/available"


@pytest.fixture(scope="module")
def served_url():
    served = Served()
    yield served.url
    served.stop()


def outcome(base_url: str, delay_ms: int, timeout: object) -> str:
    try:
        reply = requests.get(base_url + PRODUCTS, timeout=timeout,
                             headers=headers(**{"X-Mock-Delay-Ms": str(delay_ms)}))
    except requests.exceptions.ReadTimeout as error:
        return f"ReadTimeout ({'Read timed out.' in str(error)})"
    return str(reply.status_code)


@pytest.mark.served
@pytest.mark.parametrize(("delay_ms", "timeout", "expected"), [
    (300, 0.1, "ReadTimeout (True)"),
    (300, (5, 0.1), "ReadTimeout (True)"),
    (50, 5, "200"),
    (50, None, "200"),
])
def test_a_delay_past_the_timeout_times_out_in_process_as_it_does_served(
        served_url, delay_ms, timeout, expected):
    with BaanxMock() as mock:
        in_process = outcome(mock.base_url, delay_ms, timeout)
    assert (in_process, outcome(served_url, delay_ms, timeout)) == (expected, expected)


def test_a_fault_delay_counts_as_a_header_delay_does():
    with BaanxMock() as mock:
        mock.inject_fault("getAvailableProducts", delay_ms=300, times=1)
        with pytest.raises(requests.exceptions.ReadTimeout):
            requests.get(mock.base_url + PRODUCTS, headers=mock.headers(), timeout=0.1)
        # The reply was decided and recorded, as a server would: the client just left.
        assert [entry["status"] for entry in mock.journal()] == [200]
