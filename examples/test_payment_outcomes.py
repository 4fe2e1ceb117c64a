import pytest
import requests
from baanx_client import start_order, wait_for_order


# In-process, under virtual time: the client's real 3 s interval, and no real waiting.
def test_a_bounced_payment_reaches_the_failure_screen(baanx_mock, baanx_virtual_time):
    baanx_mock.use_lifecycle("fail", count=1)
    order_id = start_order(baanx_mock.base_url, baanx_mock.headers())
    outcome = wait_for_order(baanx_mock.base_url, baanx_mock.headers(), order_id)
    assert outcome["status"] == "FAILED"
    assert outcome["metadata"]["note"] == "payment_refunded"
    baanx_mock.assert_polled_politely(order_id)  # every 3 s, at most 40 polls, then stop


def test_a_slow_payment_completes_after_30_seconds(baanx_mock, baanx_virtual_time):
    baanx_mock.use_lifecycle("complete-after-30s", count=1)
    order_id = start_order(baanx_mock.base_url, baanx_mock.headers())
    outcome = wait_for_order(baanx_mock.base_url, baanx_mock.headers(), order_id)
    assert outcome["status"] == "COMPLETED"
    assert baanx_mock.order(order_id)["pollCount"] == 11  # at 0, 3, 6 … 30 s
    baanx_mock.assert_polled_politely(order_id)


def test_a_server_error_is_reported_not_swallowed(baanx_mock):
    baanx_mock.inject_fault("createOrder", status=500, times=1)
    with pytest.raises(requests.HTTPError, match="500 Server Error"):
        start_order(baanx_mock.base_url, baanx_mock.headers())


def test_a_slow_answer_times_out_as_on_a_real_socket(baanx_mock, baanx_virtual_time):
    order_id = start_order(baanx_mock.base_url, baanx_mock.headers())
    baanx_mock.inject_fault("getOrderStatus", delay_ms=15_000, times=1)
    with pytest.raises(requests.exceptions.ReadTimeout):
        wait_for_order(baanx_mock.base_url, baanx_mock.headers(), order_id)
