"""The examples the README and docs/ show are files under examples/: each page shows its
file verbatim, and the files run here as a user runs them (the Python ones in a separate
pytest session using the installed plugin, and again under pytest-xdist; the fixtures
and stubs files served)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from ..served import Served

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
README = (ROOT / "README.md").read_text(encoding="utf-8")
FIXTURES_PAGE = (ROOT / "docs" / "fixtures-and-lifecycles.md").read_text(encoding="utf-8")
FIXTURES_EXAMPLE = ROOT / "examples" / "my-fixtures.yaml"


STUBS_PAGE = (ROOT / "docs" / "stubs.md").read_text(encoding="utf-8")
STUBS_EXAMPLE = ROOT / "examples" / "stubs.yaml"


@pytest.mark.parametrize("example", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_the_readme_or_the_stubs_page_shows_the_example_verbatim(example):
    shown = f"```python\n{example.read_text(encoding='utf-8').strip()}\n```"
    assert shown in README or shown in STUBS_PAGE


def test_the_readme_and_the_stubs_page_show_the_stubs_example_verbatim():
    shown = f"```yaml\n{STUBS_EXAMPLE.read_text(encoding='utf-8')}```"
    assert shown in README
    assert shown in STUBS_PAGE


@pytest.mark.served
def test_the_stubs_example_is_served_as_the_readme_says():
    served = Served("--fixtures", str(STUBS_EXAMPLE))
    try:
        url, sent = served.url, {"X-Client-ID": "demo-client",
                                 "Authorization": "Bearer demo-token"}
        user = requests.get(f"{url}/v1/user", headers=sent, timeout=10).json()
        card = requests.get(f"{url}/v1/card/card-7", headers=sent, timeout=10).json()
        frozen = requests.post(f"{url}/v1/card/card-7/freeze", json={"frozen": True},
                               headers=sent, timeout=10).json()
        refused = requests.post(f"{url}/v1/card/card-7/freeze", json={}, headers=sent,
                                timeout=10)
    finally:
        served.stop()
    assert user == {"id": "user-demo", "verified": True}
    assert card == {"id": "card-7", "status": "ACTIVE", "last4": "4242"}
    assert frozen == {"id": "card-7", "frozen": True}
    assert refused.status_code == 422


EXTEND = "wallet_endpoints:extend"


def _copy_examples(pytester) -> None:
    for example in EXAMPLES:
        pytester.makepyfile(**{example.stem: example.read_text(encoding="utf-8")})
    # The examples' own ini: the endpoint the README adds to the served mock.
    pytester.makeini((ROOT / "examples" / "pytest.ini").read_text(encoding="utf-8"))


EXAMPLE_TESTS = 10


def test_the_examples_pass(pytester):
    _copy_examples(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=EXAMPLE_TESTS)


def test_the_plugin_works_under_xdist(pytester):
    pytest.importorskip("xdist", reason="pytest-xdist is in the test extras")
    _copy_examples(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=EXAMPLE_TESTS)


@pytest.mark.served
def test_four_workers_share_one_served_mock_each_test_in_its_own_namespace(pytester):
    pytest.importorskip("xdist", reason="pytest-xdist is in the test extras")
    _copy_examples(pytester)
    served = Served("--extend", EXTEND, cwd=pytester.path)
    try:
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "4",
                                               "--baanx-url", served.url)
        result.assert_outcomes(passed=EXAMPLE_TESTS)
        listed = requests.get(f"{served.url}/__mock/namespaces", timeout=10).json()
    finally:
        served.stop()
    namespaces = {entry["name"]: entry["orders"] for entry in listed["namespaces"]}
    # The three baanx_server tests, each in a namespace of its own: two with their one
    # order, the third calling the endpoint the README adds.
    assert sorted(count for name, count in namespaces.items() if name != "default") == \
        [0, 1, 1]
    assert namespaces.get("default", 0) == 0


def test_the_coverage_report_names_the_outcomes_the_examples_never_met(pytester):
    _copy_examples(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--baanx-coverage")
    result.assert_outcomes(passed=EXAMPLE_TESTS)
    result.stdout.fnmatch_lines([
        "*mock-baanx outcome coverage*",
        "8 of 26 documented outcomes served to this session's tests (30.8%)",
        "never served:",
        "  GET    /v1/order/products/available   401, 403, 498, 499, 500, delayed",
        "  POST   /v1/order                      401, 403, 422, 498, 499, delayed",
        "  GET    /v1/order/{orderId}            401, 403, 404, 498, 499, 500",
    ])
    failing = pytester.runpytest_subprocess("-p", "no:cacheprovider",
                                            "--baanx-coverage-fail-under=50")
    assert failing.ret == 1
    failing.stdout.fnmatch_lines(["*FAIL: 30.8% is under --baanx-coverage-fail-under=50*"])
    passing = pytester.runpytest_subprocess("-p", "no:cacheprovider",
                                            "--baanx-coverage-fail-under=25")
    assert passing.ret == 0


def test_the_fixtures_page_shows_the_fixtures_example_verbatim():
    assert f"```yaml\n{FIXTURES_EXAMPLE.read_text(encoding='utf-8')}```" in FIXTURES_PAGE


def test_the_fixtures_example_loads_and_serves():
    from mock_baanx import Backend, create_app, load_fixtures

    fixtures = load_fixtures(FIXTURES_EXAMPLE)
    assert [product.id for product in fixtures.products] == ["GOLD_CARD", "FREE_TRIAL"]
    client = create_app(Backend(fixtures)).test_client()
    reply = client.get("/v1/order/products/available",
                       headers={"X-Client-ID": "my-app", "Authorization": "Bearer carol-token"})
    assert {p["id"]: p["isEligible"] for p in reply.get_json()} == {"GOLD_CARD": False,
                                                                     "FREE_TRIAL": True}


def test_the_readme_is_a_newcomers_five_minutes():
    assert len(README.encode("utf-8")) <= 15 * 1024


@pytest.mark.parametrize("page", [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))],
                         ids=lambda page: page.name)
def test_every_relative_link_leads_somewhere(page):
    text = page.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if "://" not in target:
            assert (page.parent / target).exists(), f"{page.name} links to {target}"


def test_ci_runs_exactly_the_readmes_test_command():
    commands = re.findall(r"```bash\n(\.venv/bin/python -m pytest[^\n]*)\n```", README)
    assert len(commands) == 1
    assert (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()[-1] == commands[0]
