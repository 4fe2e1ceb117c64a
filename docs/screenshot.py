"""Take the README's screenshot of the dashboard: python docs/screenshot.py

Serves a mock on a free loopback port, creates a few orders in different states, and has
the distribution's Chromium (driven by Playwright) photograph the dashboard at 1280x800.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import requests
from playwright.sync_api import sync_playwright

from mock_baanx import create_app
from mock_baanx.transports.thread_server import BackgroundServer

OUT = Path(__file__).resolve().parent / "dashboard.png"
HEADERS = {"X-Client-ID": "demo-client", "Authorization": "Bearer demo-token"}


def order(url: str, product: str, lifecycle: str, polls: int, token: str = "demo-token") -> None:
    reply = requests.post(f"{url}/v1/order", timeout=10,
                          json={"productId": product, "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"},
                          headers={**HEADERS, "Authorization": f"Bearer {token}",
                                   "X-Mock-Lifecycle": lifecycle})
    order_id = reply.json()["orderId"]
    for _ in range(polls):
        requests.get(f"{url}/v1/order/{order_id}", timeout=10,
                     headers={**HEADERS, "Authorization": f"Bearer {token}"})


def main() -> int:
    chromium = shutil.which("chromium")
    if chromium is None:
        print("needs Chromium: apt-get install chromium", file=sys.stderr)
        return 1
    server = BackgroundServer(create_app())
    try:
        order(server.url, "PREMIUM_SUBSCRIPTION", "complete", 3)
        order(server.url, "METAL_CARD", "fail", 3, token="subscribed-token")
        order(server.url, "METAL_CARD", "expire", 3)
        order(server.url, "PREMIUM_SUBSCRIPTION", "never", 5)
        order(server.url, "METAL_CARD", "complete", 1)
        requests.post(f"{server.url}/__mock/lifecycle", json={"name": "fail", "count": 2},
                      timeout=10)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{server.url}/__mock/ui")
            page.wait_for_selector("#orders tbody tr >> nth=4")
            page.screenshot(path=str(OUT))
            browser.close()
    finally:
        server.stop()
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
