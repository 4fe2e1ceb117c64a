"""The examples the README and docs/ show are files under examples/: each page shows its
file verbatim, and the files run here as a user runs them (the Python ones in a separate
pytest session using the installed plugin, and again under pytest-xdist; the fixtures
file served)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
README = (ROOT / "README.md").read_text(encoding="utf-8")
FIXTURES_PAGE = (ROOT / "docs" / "fixtures-and-lifecycles.md").read_text(encoding="utf-8")
FIXTURES_EXAMPLE = ROOT / "examples" / "my-fixtures.yaml"


@pytest.mark.parametrize("example", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_the_readme_shows_the_example_verbatim(example):
    assert f"```python\n{example.read_text(encoding='utf-8').strip()}\n```" in README


def _copy_examples(pytester) -> None:
    for example in EXAMPLES:
        pytester.makepyfile(**{example.stem: example.read_text(encoding="utf-8")})


def test_the_examples_pass(pytester):
    _copy_examples(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=7)


def test_the_plugin_works_under_xdist(pytester):
    pytest.importorskip("xdist", reason="pytest-xdist is in the test extras")
    _copy_examples(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=7)


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
