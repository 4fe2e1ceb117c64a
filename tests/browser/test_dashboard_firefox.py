"""The dashboard in Firefox too: the distribution's Firefox ESR, driven over WebDriver BiDi
by puppeteer-core (firefox/dashboard_check.mjs), so that no driver has to be downloaded."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from ..helpers import headers

pytestmark = [pytest.mark.browser, pytest.mark.served]

HERE = Path(__file__).resolve().parent / "firefox"
NODE = shutil.which("node")
FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox")


def test_an_order_appears_and_one_click_fails_it_in_firefox(baanx_server):
    if NODE is None or FIREFOX is None:
        pytest.skip("needs node and Firefox: apt-get install firefox-esr (.ci/run does it)")
    if not (HERE / "node_modules" / "puppeteer-core").is_dir():
        pytest.skip(f"needs puppeteer-core: npm ci --prefix {HERE}")
    result = subprocess.run([NODE, str(HERE / "dashboard_check.mjs"), baanx_server.url,
                             FIREFOX], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["status"]["status"] == "FAILED"
    assert seen["fitsWidth"] is True
    detail = requests.get(f"{baanx_server.url}/__mock/orders/{seen['orderId']}",
                          timeout=10).json()
    assert detail["history"][-1]["cause"] == "forced"
    again = requests.get(f"{baanx_server.url}/v1/order/{seen['orderId']}", headers=headers(),
                         timeout=10).json()
    assert again["metadata"] == {"note": "payment_refunded"}
