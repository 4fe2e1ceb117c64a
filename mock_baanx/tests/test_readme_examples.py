"""The README's Python examples are files under examples/, run here as a user runs them:
a separate pytest session using the installed plugin (and again under pytest-xdist)."""

from __future__ import annotations

from pathlib import Path

import pytest

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
