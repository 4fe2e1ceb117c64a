"""The OpenAPI document feeds the code generators teams use on it: openapi-typescript
(Baanx's real clients are TypeScript) and datamodel-code-generator (Python). Each must
produce code that compiles or imports, in which a correct order-status object type-checks
and an undocumented status does not, under stable names (no Status2, no `$defs` type)."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mock_baanx.protocol import ROUTES, openapi

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parents[1] / "codegen"
BIN = HERE / "node_modules" / ".bin"
COMPLETED = {"requestId": "payment_1", "orderId": "ord_1", "status": "COMPLETED",
             "paidAt": "2026-03-27 17:07:12.662+00",
             "metadata": {"paymentId": "7Tt3", "txHash": "0xab"}}
TYPESCRIPT_CHECK = f"""
import type {{ components }} from "./types";
type OrderStatusResponse = components["schemas"]["OrderStatusResponse"];
type MockOrder = components["schemas"]["MockOrder"];
export const completed: OrderStatusResponse = {json.dumps(COMPLETED)};
export const status: components["schemas"]["OrderStatus"] = completed.status;
export const history: MockOrder["history"][number]["status"] = status;
// @ts-expect-error PENDING is not a documented status
export const pending: OrderStatusResponse = {{ orderId: "ord_1", status: "PENDING" }};
"""


@pytest.fixture(scope="module")
def document(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("codegen") / "openapi.json"
    path.write_text(json.dumps(openapi.document(ROUTES, control=True)))
    return path


def test_openapi_typescript_types_compile_and_check_an_order_status(document):
    if shutil.which("node") is None or not (BIN / "openapi-typescript").exists():
        pytest.skip(f"needs node and `npm ci --prefix {HERE.relative_to(HERE.parents[1])}` "
                    "(.ci/run does it)")
    work = document.parent
    subprocess.run([str(BIN / "openapi-typescript"), str(document), "-o", str(work / "types.ts")],
                   check=True, capture_output=True, timeout=120)
    types = (work / "types.ts").read_text()
    assert "$defs" not in types.replace("export type $defs = Record<string, never>;", "")
    (work / "check.ts").write_text(TYPESCRIPT_CHECK)
    compiled = subprocess.run([str(BIN / "tsc"), "--noEmit", "--strict", "--target", "es2022",
                               str(work / "check.ts")],
                              capture_output=True, text=True, timeout=120, check=False)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr


def test_datamodel_code_generator_models_import_and_validate_an_order_status(document,
                                                                           monkeypatch):
    if importlib.util.find_spec("datamodel_code_generator") is None:
        pytest.skip("datamodel-code-generator is in the test extras")
    work = document.parent
    subprocess.run([sys.executable, "-m", "datamodel_code_generator", "--input", str(document),
                    "--input-file-type", "openapi", "--output", str(work / "models.py"),
                    "--output-model-type", "pydantic_v2.BaseModel", "--formatters", "builtin"],
                   check=True, capture_output=True, timeout=120)
    source = (work / "models.py").read_text()
    classes = set(re.findall(r"^class (\w+)\(", source, flags=re.MULTILINE))
    assert {"OrderStatus", "OrderStatusResponse", "PaidAt", "OrderMetadata", "MockOrder",
            "ForcedOrderStatus", "FaultStatus", "FaultEndpoint"} <= classes
    assert not [name for name in classes if re.fullmatch(r"[A-Za-z]+\d+", name)
                and not name.startswith("MockAddFaultRequest")]
    spec = importlib.util.spec_from_file_location("generated_models", work / "models.py")
    assert spec is not None
    assert spec.loader is not None
    models = importlib.util.module_from_spec(spec)
    # pydantic looks generated generic models up in sys.modules.
    monkeypatch.setitem(sys.modules, spec.name, models)
    spec.loader.exec_module(models)
    parsed = models.OrderStatusResponse.model_validate(COMPLETED)
    assert parsed.status == models.OrderStatus.COMPLETED
    with pytest.raises(ValueError, match="status"):
        models.OrderStatusResponse.model_validate({"orderId": "ord_1", "status": "PENDING"})
