"""`mock-baanx serve --extend MODULE:FUNCTION` and the ini `baanx_extend`: a user's own
routes on the served mock, with everything the mock's own routes get; a wrong extension is
one line, exit 2, and nothing served."""

from __future__ import annotations

import textwrap

import pytest
import requests

from ..helpers import headers
from ..served import Served, run_cli

pytestmark = pytest.mark.served

CARDS = textwrap.dedent("""
    from flask import Blueprint, request

    from mock_baanx import requires_baanx_auth

    cards = Blueprint("cards", __name__)


    @cards.get("/v1/card/<card_id>")
    @requires_baanx_auth
    def get_card(card_id, user):
        return {"id": card_id, "holder": user.id}


    @cards.post("/v1/card/<card_id>/freeze")
    def freeze(card_id):
        return {"id": card_id, "frozen": request.get_json()["frozen"]}


    def extend(app):
        app.register_blueprint(cards)


    def broken(app):
        raise RuntimeError("no such card network")


    def shadowing(app):
        app.add_url_rule("/v1/order/<order_id>", "mine", lambda order_id: "mine")


    def leaving(app):
        raise SystemExit("no cards today")


    def interrupted(app):
        raise KeyboardInterrupt  # Ctrl-C while a slow extension runs
""")


@pytest.fixture
def project(tmp_path):
    (tmp_path / "cards.py").write_text(CARDS, encoding="utf-8")
    (tmp_path / "exiting.py").write_text('import sys\n\nsys.exit("no cards service")\n',
                                         encoding="utf-8")
    return tmp_path


def test_an_extension_is_served_under_a_namespace_with_faults_and_the_journal(project):
    served = Served("--extend", "cards:extend", cwd=project)
    try:
        base = f"{served.url}/ns/team-a"
        card = requests.get(f"{base}/v1/card/c-1", headers=headers(), timeout=10)
        assert card.json() == {"id": "c-1", "holder": "user-demo"}
        assert requests.get(f"{base}/v1/card/c-1", timeout=10).status_code == 499
        frozen = requests.post(f"{served.url}/v1/card/c-1/freeze", json={"frozen": True},
                               headers={"X-Mock-Namespace": "team-a"}, timeout=10)
        assert frozen.json() == {"id": "c-1", "frozen": True}
        failed = requests.get(f"{base}/v1/card/c-1", timeout=10,
                              headers=headers(**{"X-Mock-Fault": "502"}))
        assert (failed.status_code, failed.json()) == (502, {"message": "Bad Gateway"})
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{base}/v1/card/c-1", timeout=10,
                         headers=headers(**{"X-Mock-Fault": "reset"}))
        journal = requests.get(f"{base}/__mock/requests", timeout=10).json()["requests"]
        assert [(entry["path"], entry["status"], entry["endpoint"]) for entry in journal] == [
            ("/v1/card/c-1", 200, "cards.get_card"),
            ("/v1/card/c-1", 499, "cards.get_card"),
            ("/v1/card/c-1/freeze", 200, "cards.freeze"),
            ("/v1/card/c-1", 502, "cards.get_card"),
            ("/v1/card/c-1", 0, "cards.get_card")]
        assert requests.get(f"{served.url}/__mock/requests", timeout=10).json() == {
            "requests": []}
    finally:
        assert served.stop() == 0
    assert any(line.startswith("GET /ns/team-a/v1/card/c-1 200 ") for line in served.output())


def test_without_the_control_api_the_extension_stays(project):
    served = Served("--extend", "cards:extend", "--no-control", cwd=project)
    try:
        assert requests.get(f"{served.url}/v1/card/c-1", headers=headers(),
                            timeout=10).status_code == 200
        assert requests.get(f"{served.url}/__mock/health", timeout=10).status_code == 404
    finally:
        served.stop()


@pytest.mark.parametrize(("target", "message"), [
    ("nowhere:extend", "mock-baanx: --extend nowhere:extend: cannot import nowhere: "
                       "ModuleNotFoundError: No module named 'nowhere'"),
    ("cards:missing", "mock-baanx: --extend cards:missing: cards has no missing"),
    ("cards", "mock-baanx: --extend 'cards' is not MODULE:FUNCTION (e.g. my_endpoints:extend)"),
    ("cards:broken", "mock-baanx: --extend cards:broken failed: RuntimeError: no such card "
                     "network"),
    ("cards:leaving", "mock-baanx: --extend cards:leaving failed: SystemExit: no cards today"),
    ("exiting:extend", "mock-baanx: --extend exiting:extend: cannot import exiting: "
                       "SystemExit: no cards service"),
    ("cards:shadowing", "mock-baanx: --extend cards:shadowing: GET /v1/order/<order_id> (mine) "
                        "collides with the mock's own GET /v1/order/{orderId} (getOrderStatus)"),
])
def test_a_wrong_extension_is_one_line_and_exit_2(project, target, message):
    # The extension named is the one that went wrong, after one that did not.
    result = run_cli("serve", "--port", "0", "--extend", "cards:extend", "--extend", target,
                     cwd=project)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [message]


def test_ctrl_c_while_an_extension_runs_is_one_line_and_the_shells_status(project):
    result = run_cli("serve", "--port", "0", "--extend", "cards:interrupted", cwd=project)
    assert result.returncode == 130
    assert result.stderr.splitlines() == ["mock-baanx: interrupted"]


def test_a_collision_names_the_extension_that_added_the_rule(project):
    result = run_cli("serve", "--port", "0", "--extend", "cards:shadowing", "--extend",
                     "cards:extend", cwd=project)
    assert result.returncode == 2
    assert result.stderr.startswith("mock-baanx: --extend cards:shadowing: GET ")


def test_the_fixture_serves_the_extension_of_the_ini_and_refuses_a_wrong_one(pytester):
    pytester.makepyfile(cards=CARDS, test_cards="""
import requests

def test_card(baanx_server):
    reply = requests.get(baanx_server.url + "/v1/card/c-9", headers=baanx_server.headers(),
                         timeout=10)
    assert reply.json() == {"id": "c-9", "holder": "user-demo"}
""")
    pytester.makeini("[pytest]\nbaanx_extend = cards:extend\n")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
    pytester.makeini("[pytest]\nbaanx_extend = cards:broken\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.stderr.lines if line] == [
        "ERROR: baanx_extend: cards:broken failed: RuntimeError: no such card network"]
