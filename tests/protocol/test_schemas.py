"""The schemas under schemas/ themselves: valid 2020-12, absolute ids, honest examples."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from mock_baanx.protocol import schemas

NAMES = sorted(schemas.SCHEMAS)


def test_every_body_of_the_api_has_a_schema():
    assert {"error.json", "available-products-response.json", "create-order-request.json",
            "create-order-response.json", "order-status-response.json"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_schema_is_valid_2020_12_with_an_absolute_id(name):
    schema = schemas.SCHEMAS[name]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == schemas.SCHEMA_BASE + name
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", [name for name in NAMES if "examples" in schemas.SCHEMAS[name]])
def test_examples_match_their_schema(name):
    for example in schemas.SCHEMAS[name]["examples"]:
        assert schemas.problems(name, example) == []


@pytest.mark.parametrize(("body", "path", "rule"), [
    ({"orderId": "a", "status": "PENDING"}, "$.status", "enum"),
    ({"orderId": "a", "status": "COMPLETED"}, "$", "required"),
    ({"orderId": "a", "status": "STARTED", "paidAt": "2023-03-27 17:07:12.662+03"}, "$", "not"),
    ({"orderId": "a", "status": "COMPLETED", "paidAt": "2023-03-27T17:07:12Z"}, "$.paidAt",
     "pattern"),
    ({"orderId": 12, "status": "STARTED"}, "$.orderId", "type"),
])
def test_order_status_schema_catches_drift(body, path, rule):
    found = schemas.problems("order-status-response.json", body)
    assert (found[0].json_path, found[0].rule) == (path, rule)


def test_references_between_files_resolve():
    bad = {"orderId": "a", "paymentConfig": {"paymentAmount": "199"}}
    found = schemas.problems("create-order-response.json", bad)
    assert any(problem.json_path == "$.paymentConfig.paymentAmount" for problem in found)
