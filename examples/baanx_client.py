# Your code: poll an order the way the Baanx docs advise, every 3 s, at most 40 times.
import time

import requests

FINAL = {"COMPLETED", "FAILED", "EXPIRED"}


def start_order(base_url, headers, product_id="PREMIUM_SUBSCRIPTION"):
    reply = requests.post(f"{base_url}/v1/order", headers=headers, timeout=10,
                          json={"productId": product_id, "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"})
    reply.raise_for_status()
    return reply.json()["orderId"]


def wait_for_order(base_url, headers, order_id, interval=3.0, attempts=40):
    for _ in range(attempts):
        reply = requests.get(f"{base_url}/v1/order/{order_id}", headers=headers, timeout=10)
        reply.raise_for_status()
        if reply.json()["status"] in FINAL:
            return reply.json()
        time.sleep(interval)
    return None  # gave up: show "still processing"
