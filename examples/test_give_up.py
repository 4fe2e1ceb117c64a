import requests
from test_payment_outcomes import start_order, wait_for_order


# With a real HTTP server: for apps that cannot add headers or use `requests`.
def test_the_client_gives_up_after_40_polls(baanx_server):
    requests.post(f"{baanx_server.url}/__mock/lifecycle", json={"name": "never"}, timeout=10)
    order_id = start_order(baanx_server.url, baanx_server.headers())
    assert wait_for_order(baanx_server.url, baanx_server.headers(), order_id,
                          interval=0.001) is None
    order = requests.get(f"{baanx_server.url}/__mock/orders/{order_id}", timeout=10).json()
    assert order["status"] == "STARTED"
    assert order["pollCount"] == 40  # it gave up exactly when the docs say


def test_an_expired_payment(baanx_server):
    order_id = start_order(baanx_server.url, baanx_server.headers())
    baanx_server.force_status(order_id, "EXPIRED")
    outcome = wait_for_order(baanx_server.url, baanx_server.headers(), order_id)
    assert outcome["status"] == "EXPIRED"
