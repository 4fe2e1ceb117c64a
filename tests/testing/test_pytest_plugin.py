"""The pytest plugin as a user's session meets it: fixtures, options, ini settings and the
refusals a user can act on."""

from __future__ import annotations

import http.server
import re
import threading

import pytest

from ..served import Served

pytestmark = pytest.mark.slow

ORDER = '{"productId": "METAL_CARD", "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}'
EACH_ALONE = f"""
import json, requests

def create(server):
    return requests.post(server.url + "/v1/order", data='{ORDER}', timeout=10,
                         headers={{**server.headers(), "Content-Type": "application/json"}}
                         ).json()["orderId"]

def test_first(baanx_server, baanx_namespace):
    assert baanx_namespace.url == baanx_server.url
    assert baanx_namespace.url.endswith("/ns/" + baanx_namespace.name)
    create(baanx_server)
    baanx_server.inject_fault("createOrder", status=500)
    assert len(baanx_server.orders()) == 1

def test_second(baanx_server):
    create(baanx_server)  # the first test's fault is not here
    assert len(baanx_server.orders()) == 1
"""


def test_each_test_has_a_namespace_of_its_own_on_the_sessions_server(pytester):
    pytester.makepyfile(test_alone=EACH_ALONE)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)


@pytest.mark.served
def test_baanx_url_shares_a_running_mock_and_the_ini_lifecycle_applies_per_namespace(
        pytester):
    pytester.makeini("[pytest]\nbaanx_lifecycle = fail\n")
    pytester.makepyfile(test_failing=f"""
import requests

def test_the_next_orders_fail(baanx_server):
    order_id = requests.post(baanx_server.url + "/v1/order", data='{ORDER}', timeout=10,
        headers={{**baanx_server.headers(), "Content-Type": "application/json"}}).json()["orderId"]
    assert baanx_server.order(order_id)["lifecycle"] == "fail"
""")
    result, url = run_against_a_running_mock(pytester)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"mock-baanx: baanx_server on {url}, a namespace per test"])


def run_against_a_running_mock(pytester: pytest.Pytester) -> tuple[pytest.RunResult, str]:
    """pytester's session run with `--baanx-url` naming a mock served for it alone, stopped
    after; its result, and the mock's URL."""
    served = Served()
    try:
        return pytester.runpytest_subprocess("-p", "no:cacheprovider", "--baanx-url",
                                             served.url), served.url
    finally:
        served.stop()


@pytest.mark.served
def test_baanx_url_says_which_ini_options_the_running_mock_does_not_take(pytester):
    pytester.makeini("[pytest]\nbaanx_seed = 7\nbaanx_extend = cards:extend\n")
    pytester.makepyfile(cards="def extend(app):\n    pass\n",
                        test_x="def test_x(baanx_server):\n    pass\n")
    result, _ = run_against_a_running_mock(pytester)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*PytestConfigWarning: baanx_seed, baanx_extend not applied: "
                                 "the mock --baanx-url names serves its own*"])


class NotTheMock(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"status": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.served
def test_baanx_url_refuses_what_is_not_a_mock_baanx_before_any_test_runs(pytester):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotTheMock)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        pytester.makepyfile(test_x="def test_x(baanx_server):\n    pass\n")
        url = f"http://127.0.0.1:{server.server_address[1]}"
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--baanx-url", url)
    finally:
        server.shutdown()
        server.server_close()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: --baanx-url: {url} is not a mock-baanx with its "
                                 "control API on*"])
    nothing = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--baanx-url",
                                            "http://127.0.0.1:1")
    assert nothing.ret == pytest.ExitCode.USAGE_ERROR
    nothing.stderr.fnmatch_lines(["ERROR: --baanx-url: nothing answers at http://127.0.0.1:1*"])
    no_scheme = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--baanx-url",
                                              "127.0.0.1:4010")
    no_scheme.stderr.fnmatch_lines(["ERROR: --baanx-url 127.0.0.1:4010: give an http:// or "
                                    "https:// URL"])


def test_the_fixtures_folder_of_the_ini_is_found_from_a_sub_folder(pytester, monkeypatch):
    pytester.makeini("[pytest]\nbaanx_fixtures = ci_fixtures\n")
    folder = pytester.mkdir("ci_fixtures")
    (folder / "products.json").write_text(
        '[{"id": "ONLY_ONE", "description": "The only product"}]')
    tests = pytester.mkdir("tests")
    (tests / "test_products.py").write_text(
        "import requests\n\n"
        "def test_products(baanx_mock):\n"
        "    ids = [p['id'] for p in requests.get(baanx_mock.base_url + "
        "'/v1/order/products/available', headers=baanx_mock.headers()).json()]\n"
        "    assert ids == ['ONLY_ONE']\n")
    monkeypatch.chdir(tests)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_ini_seed_gives_the_same_ids_in_every_session(pytester):
    pytester.makeini("[pytest]\nbaanx_seed = 42\n")
    pytester.makepyfile(test_ids=f"""
import requests

def test_ids(baanx_mock, baanx_server):
    for base, headers in ((baanx_mock.base_url, baanx_mock.headers()),
                          (baanx_server.url, baanx_server.headers())):
        reply = requests.post(base + "/v1/order", data='{ORDER}', timeout=10,
                              headers={{**headers, "Content-Type": "application/json"}})
        print("ID", reply.json()["orderId"])
""")
    seen = []
    for _ in range(2):
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s")
        result.assert_outcomes(passed=1)
        seen.append(re.findall(r"ID (ord_\w+)", result.stdout.str()))
    assert seen[0] == seen[1]
    assert len(seen[0]) == 2


@pytest.mark.parametrize(("args", "ini", "message"), [
    (["--baanx-coverage-fail-under=abc"], "",
     "*argument --baanx-coverage-fail-under: 'abc' is not a percentage from 0 to 100"),
    (["--baanx-coverage-fail-under=150"], "",
     "*argument --baanx-coverage-fail-under: '150' is not a percentage from 0 to 100"),
    (["--baanx-coverag"], "", "*"),
    ([], "baanx_seed = -3", "ERROR: baanx_seed = -3: a seed is a whole number from 0"),
    ([], "baanx_fixtures = nothere", "ERROR: baanx_fixtures: *nothere: no such file or folder"),
    ([], "baanx_lifecycle = bogus",
     "ERROR: baanx_lifecycle = bogus: default lifecycle must be one of: complete*"),
])
def test_bad_options_are_usage_errors(pytester, args, ini, message):
    pytester.makeini(f"[pytest]\n{ini}\n")
    pytester.makepyfile(test_x="def test_x(baanx_mock):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_real_time_under_virtual_time_is_warned_of_once_naming_include(pytester):
    pytester.makepyfile(slow_client="""
from time import sleep


def wait():
    sleep(1.2)
""", test_slow="""
import slow_client


def test_waits_for_real(baanx_mock, baanx_virtual_time):
    slow_client.wait()


def test_included(baanx_mock, baanx_virtual_time):
    baanx_virtual_time.include(slow_client)
    slow_client.wait()
""")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W",
                                           "always::UserWarning")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([
        "*RealTimeUnderVirtualTime: * s of real time passed under virtual time: code that "
        "imported a sleep itself (from time import sleep) waits for real (slow_client); pass "
        "its module to include(...)*"])
    assert result.stdout.str().count("RealTimeUnderVirtualTime:") == 1


def test_a_delay_the_served_mock_holds_back_is_not_blamed_on_an_imported_sleep(pytester):
    pytester.makepyfile(test_delayed="""
import requests


def test_delayed(baanx_server, baanx_virtual_time):
    reply = requests.get(baanx_server.url + "/v1/order/products/available", timeout=10,
                         headers={**baanx_server.headers(), "X-Mock-Delay-Ms": "1200"})
    assert reply.status_code == 200
""")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W",
                                           "always::UserWarning")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*RealTimeUnderVirtualTime: * s of real time passed under "
                                 "virtual time: something waited for real: a delay*"])
    assert "from time import sleep" not in result.stdout.str()


def test_the_coverage_report_counts_the_outcomes_of_stubs_across_workers(pytester):
    pytest.importorskip("xdist", reason="pytest-xdist is in the test extras")
    pytester.makefile(".yaml", stubs="- {id: getUser, method: GET, path: /v1/user, "
                                     "body: {id: '{{user.id}}'}}\n")
    pytester.makeini("[pytest]\nbaanx_fixtures = stubs.yaml\n")
    pytester.makepyfile(test_user="""
import requests

def test_the_user(baanx_mock):
    assert requests.get(baanx_mock.base_url + "/v1/user", headers=baanx_mock.headers(),
                        timeout=10).json() == {"id": "user-demo"}

def test_the_user_served(baanx_server):
    assert requests.get(baanx_server.url + "/v1/user", timeout=10).status_code == 499
""")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2",
                                           "--baanx-coverage")
    result.assert_outcomes(passed=2)
    # The stub's outcomes: its 200, the header rules' 401, 403, 498 and 499, and a delay.
    result.stdout.fnmatch_lines([
        "2 of 32 documented outcomes served to this session's tests (6.2%)",
        "  GET    /v1/user                       401, 403, 498, delayed",
    ])


def test_an_ini_files_extension_is_found_beside_it_wherever_pytest_starts(pytester):
    project = pytester.mkdir("project")
    (project / "pytest.ini").write_text("[pytest]\nbaanx_extend = more:extend\n")
    (project / "more.py").write_text(
        "def extend(app):\n"
        "    app.add_url_rule('/v1/more', 'more', lambda: {'more': True})\n")
    (project / "test_more.py").write_text(
        "import requests\n\n"
        "def test_more(baanx_server):\n"
        "    assert requests.get(baanx_server.url + '/v1/more', timeout=10).json() == "
        "{'more': True}\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "project")
    result.assert_outcomes(passed=1)
