"""The concurrency soak, shortened: bench/soak.py itself, for a few seconds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.served, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def test_a_short_soak_loses_nothing_and_stays_flat():
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "soak.py"), "--threads", "8",
                             "--seconds", "4.5", "--rounds", "3", "--max-requests", "30000"],
                            capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().endswith("soak: everything held")
    assert '"problems": []' in result.stdout
