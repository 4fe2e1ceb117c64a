# Your code: poll an order the way the Baanx docs advise.
import time

import pytest
import requests

FINAL = {"COMPLETED", "FAILED", "EXPIRED"}


def wait_for_order(base_url, headers, order_id, interval=3.0, attempts=40):
    for _ in range(attempts):
        reply = requests.get(f"{base_url}/v1/order/{order_id}", headers=headers, timeout=10)
        reply.raise_for_status()
        if reply.json()["status"] in FINAL:
            return reply.json()
        time.sleep(interval)
    return None  # gave up: show "still processing"


def start_order(base_url, headers, product_id="PREMIUM_SUBSCRIPTION"):
    reply = requests.post(f"{base_url}/v1/order", headers=headers, timeout=10,
                          json={"productId": product_id, "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"})
    reply.raise_for_status()
    return reply.json()["orderId"]


# Your tests, with the in-process mock: no server, no port.
def test_a_bounced_payment_reaches_the_failure_screen(baanx_mock):
    baanx_mock.use_lifecycle("fail", count=1)
    order_id = start_order(baanx_mock.base_url, baanx_mock.headers())
    outcome = wait_for_order(baanx_mock.base_url, baanx_mock.headers(), order_id, interval=0.01)
    assert outcome["status"] == "FAILED"
    assert outcome["metadata"]["note"] == "payment_refunded"


def test_the_client_polls_no_faster_than_advised(baanx_mock):
    order_id = start_order(baanx_mock.base_url, baanx_mock.headers())
    wait_for_order(baanx_mock.base_url, baanx_mock.headers(), order_id, interval=0.2)
    baanx_mock.assert_polled_politely(order_id, min_interval=0.2, max_polls=40)


def test_a_server_error_is_reported_not_swallowed(baanx_mock):
    baanx_mock.inject_fault("createOrder", status=500, times=1)
    with pytest.raises(requests.HTTPError, match="500 Server Error"):
        start_order(baanx_mock.base_url, baanx_mock.headers())
