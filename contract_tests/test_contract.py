"""The Baanx order contract, one test per check, against the target the environment names.

The checks themselves live in `mock_baanx.contract`, shared with `mock-baanx verify`.
"""

from __future__ import annotations

import pytest

from mock_baanx.contract.checks import CHECKS, Check, Target, run_check


@pytest.mark.parametrize("check", CHECKS, ids=[check.name for check in CHECKS])
def test_contract(target: Target, check: Check) -> None:
    result = run_check(target, check)
    if result.outcome in ("skip", "n/a"):
        # pytest has no "not applicable": a check that cannot run here is skipped, never
        # counted a pass.
        pytest.skip(result.reason)
    lines = [finding.line(check.endpoint) for finding in result.findings]
    assert not lines, f"{check.name} ({check.rule}):\n  " + "\n  ".join(lines)
