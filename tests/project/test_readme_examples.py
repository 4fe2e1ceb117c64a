"""The README's Python examples are files under examples/, run here as a user runs them:
a separate pytest session using the installed plugin (and again under pytest-xdist)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
README = (ROOT / "README.md").read_text(encoding="utf-8")


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


def test_the_readme_fixtures_file_loads_and_serves(tmp_path):
    from mock_baanx import Backend, create_app, load_fixtures

    block = README.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "my-fixtures.yaml"
    path.write_text(block)
    fixtures = load_fixtures(path)
    assert [product.id for product in fixtures.products] == ["GOLD_CARD", "FREE_TRIAL"]
    client = create_app(Backend(fixtures)).test_client()
    reply = client.get("/v1/order/products/available",
                       headers={"X-Client-ID": "my-app", "Authorization": "Bearer carol-token"})
    assert {p["id"]: p["isEligible"] for p in reply.get_json()} == {"GOLD_CARD": False,
                                                                     "FREE_TRIAL": True}
