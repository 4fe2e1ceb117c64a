"""An installed copy works outside the source tree: schemas and fixtures ship in the wheel."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

pytest.importorskip("hatchling", reason="building the wheel needs hatchling (test extras)")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--wheel-dir", str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=120)
    (built,) = out.glob("mock_baanx-*.whl")
    return built


def test_wheel_carries_schemas_and_fixtures_but_not_the_tests(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "mock_baanx/data/schemas/order-status-response.json" in names
    assert "mock_baanx/data/fixtures/users.json" in names
    assert "mock_baanx/data/fixtures/lifecycles/complete.json" in names
    assert "mock_baanx/py.typed" in names
    assert "mock_baanx/protocol/ui/dashboard.html" in names
    assert not any(name.startswith("tests/") for name in names)


def test_no_data_folder_in_the_wheel_shares_a_name_with_a_module(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    modules = {name.removesuffix(".py") for name in names if name.endswith(".py")}
    folders = {name.rsplit("/", 1)[0] for name in names}
    assert modules & folders == set()


def test_installed_copy_finds_its_data_away_from_the_source_tree(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(wheel)], check=True, capture_output=True,
                   timeout=120)
    script = (
        "import json, mock_baanx, mock_baanx.protocol.schemas as r\n"
        "from mock_baanx import create_app\n"
        "client = create_app().test_client()\n"
        "reply = client.get('/v1/order/products/available',"
        " headers={'X-Client-ID': 'demo-client', 'Authorization': 'Bearer demo-token'})\n"
        "print(json.dumps({'module': mock_baanx.__file__, 'schemas': str(r.bundled('schemas')),"
        " 'status': reply.status_code}))\n"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run([sys.executable, "-c", script], cwd=elsewhere, text=True,
                            capture_output=True, timeout=60, check=True,
                            env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    seen = json.loads(result.stdout)
    assert seen["module"].startswith(str(target))
    assert seen["schemas"].startswith(str(target))
    assert seen["status"] == 200
