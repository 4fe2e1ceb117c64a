"""`serve --control-token` and `--allowed-host` as a user runs them, and the tools that
talk to a token-guarded mock: `baanx_server` and `verify`."""

from __future__ import annotations

import pytest
import requests

from ..helpers import headers
from ..served import Served, run_cli

pytestmark = pytest.mark.served
TOKEN = "a-token-long-enough-for-the-mock"


@pytest.fixture(scope="module")
def guarded():
    served = Served("--control-token", TOKEN, "--allowed-host", "mock.internal")
    yield served
    served.stop()


def test_the_served_mock_asks_for_its_token_and_answers_its_host_names(guarded):
    url = guarded.url
    assert requests.get(url + "/__mock/orders", timeout=10).status_code == 401
    assert requests.get(url + "/__mock/orders", timeout=10,
                        headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    products = url + "/v1/order/products/available"
    assert requests.get(products, headers={**headers(), "Host": "mock.internal:4010"},
                        timeout=10).status_code == 200
    refused = requests.get(products, headers={**headers(), "Host": "evil.example"}, timeout=10)
    assert refused.status_code == 403
    assert "--allowed-host" in refused.json()["message"]


@pytest.mark.parametrize("token", ["short", ""])
def test_a_short_or_empty_token_is_one_line(token):
    # Empty: `--control-token "$UNSET"` must not leave the control API open unsaid.
    result = run_cli("serve", "--port", "0", "--control-token", token)
    assert result.returncode == 2
    assert result.stderr == ("mock-baanx: --control-token: give at least 16 characters and no "
                             "spaces (or none)\n")


def test_baanx_server_sends_the_token_and_says_when_it_is_missing(pytester, guarded):
    pytester.makepyfile(test_guarded="""
def test_reset_and_products(baanx_server):
    baanx_server.reset()
    baanx_server.use_lifecycle("fail")
""")
    ok = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--baanx-url", guarded.url,
                                       "--baanx-control-token", TOKEN)
    ok.assert_outcomes(passed=1)
    missing = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--baanx-url",
                                            guarded.url)
    assert missing.ret == pytest.ExitCode.USAGE_ERROR
    missing.stderr.fnmatch_lines([f"ERROR: --baanx-url: {guarded.url} refused its control API: "
                                  "Not authenticated*--baanx-control-token*"])


def test_verify_sends_the_token_to_a_guarded_mock(guarded):
    assert run_cli("verify", "--base-url", guarded.url, "--control-token", TOKEN
                   ).returncode == 0
    refused = run_cli("verify", "--base-url", guarded.url)
    assert refused.returncode == 2
    assert "refused its control API" in refused.stderr
