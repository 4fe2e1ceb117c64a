"""What installing mock-baanx costs every pytest start: the pytest11 plugin is loaded in
every session of the environment, whether or not a test uses its fixtures.

    python bench/plugin_start.py [--runs 15]

Times `pytest --collect-only` on an empty test folder with the plugin and without it,
alternating, and prints the medians and their difference; then the modules the plugin's
import pulls in, from `python -X importtime`. The target is 30 ms. Other plugins of the
environment are kept out (PYTEST_DISABLE_PLUGIN_AUTOLOAD, the plugin then loaded by name):
Hypothesis and Schemathesis alone add about 2 s to every start here, a noise that would
hide the figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_MS = 30.0


PLUGIN = ("-p", "mock_baanx.testing.pytest_plugin")
ALONE = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def collect_seconds(folder: Path, *extra: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p",
                    "no:cacheprovider", *extra, str(folder)], cwd=folder, check=True,
                   capture_output=True, env=ALONE)
    return time.perf_counter() - started


def imported_by_the_plugin() -> list[tuple[int, str]]:
    """(cumulative µs, module) of each module the plugin's import loads first."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c",
                             "import pytest; import mock_baanx.testing.pytest_plugin"],
                            capture_output=True, text=True, check=True)
    seen_pytest = False
    rows = []
    for line in result.stderr.splitlines():
        parts = [part.strip() for part in line.split("|")]
        if len(parts) != 3 or not parts[1].isdigit():
            continue
        if parts[2] == "pytest":
            seen_pytest = True
            continue
        if seen_pytest:
            rows.append((int(parts[1]), parts[2]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as empty:
        folder = Path(empty)
        (folder / "test_nothing.py").write_text("def test_nothing():\n    pass\n")
        collect_seconds(folder, *PLUGIN)  # warm the page cache and the bytecode
        with_plugin, without = [], []
        for _ in range(args.runs):
            with_plugin.append(collect_seconds(folder, *PLUGIN))
            without.append(collect_seconds(folder))
    cost = (statistics.median(with_plugin) - statistics.median(without)) * 1000
    print(f"pytest --collect-only, median of {args.runs} runs each:")
    print(f"  with mock-baanx's plugin     {statistics.median(with_plugin) * 1000:7.1f} ms")
    print(f"  without it                   {statistics.median(without) * 1000:7.1f} ms")
    print(f"  the plugin's cost            {cost:7.1f} ms  "
          f"({'within' if cost <= TARGET_MS else 'over'} the {TARGET_MS:.0f} ms target)")
    rows = imported_by_the_plugin()
    print(f"modules the plugin imports beyond pytest: {len(rows)}, "
          f"{sum(us for us, _ in rows if not _.startswith(' ')) / 1000:.1f} ms cumulative "
          "at top level")
    for us, module in sorted(rows, reverse=True)[:8]:
        print(f"  {us / 1000:6.1f} ms  {module}")


if __name__ == "__main__":
    main()
