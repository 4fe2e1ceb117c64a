"""GET /openapi.json: a valid OpenAPI 3.1 document built from schemas/."""

from __future__ import annotations

import json
import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from mock_baanx.protocol import ROUTES, openapi, schemas

DOCUMENTED = {
    ("/v1/order/products/available", "get"): {"200", "401", "403", "498", "499", "500"},
    ("/v1/order", "post"): {"200", "401", "403", "422", "498", "499", "500"},
    ("/v1/order/{orderId}", "get"): {"200", "401", "403", "404", "498", "499", "500"},
}


@pytest.fixture
def document(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_without_control_the_document_is_still_valid_and_has_only_the_baanx_api():
    document = openapi.document(ROUTES, control=False)
    validate(document)
    assert set(document["paths"]) == {path for path, _ in DOCUMENTED}
    assert not any(name.startswith("Mock") for name in document["components"]["schemas"])


@pytest.mark.parametrize(("path", "method"), list(DOCUMENTED))
def test_every_documented_status_is_described(document, path, method):
    operation = document["paths"][path][method]
    assert set(operation["responses"]) == DOCUMENTED[(path, method)]
    assert operation["security"] == [{"bearerAuth": []}]
    assert any(parameter["name"] == "X-Client-ID" and parameter["required"]
               for parameter in operation["parameters"])
    for status, response in operation["responses"].items():
        media = response["content"]["application/json"]
        target = "Error" if status != "200" else None
        if target:
            assert media["schema"] == {"$ref": "#/components/schemas/Error"}
        assert "example" in media


def test_docs_examples_are_in_the_document(document):
    status = document["paths"]["/v1/order/{orderId}"]["get"]["responses"]["200"]
    assert status["content"]["application/json"]["example"]["paidAt"] == (
        "2023-03-27 17:07:12.662+03")


def without_closed_objects(node):
    if isinstance(node, list):
        return [without_closed_objects(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {key: without_closed_objects(value) for key, value in node.items()
            if (key, value) != ("additionalProperties", False)}


def test_components_are_the_schema_files_not_a_copy(document):
    components = document["components"]["schemas"]
    for name in ("error.json", "payment-config.json", "available-products-response.json"):
        source = {key: value for key, value in schemas.SCHEMAS[name].items()
                  if key not in ("$id", "$schema")}
        assert components[schemas.SCHEMAS[name]["title"]] == without_closed_objects(source)
    created = components["CreateOrderResponse"]["properties"]["paymentConfig"]
    assert created == {"$ref": "#/components/schemas/PaymentConfig"}


def test_control_api_has_its_own_tag(document):
    control_ops = [operation for path, item in document["paths"].items()
                   if path.startswith("/__mock/")
                   for key, operation in item.items() if key != "parameters"]
    assert control_ops
    assert all(operation["tags"] == ["mock-control"] for operation in control_ops)


def test_cli_prints_the_same_document(capsys):
    from mock_baanx.cli import main

    assert main(["openapi"]) == 0
    assert json.loads(capsys.readouterr().out) == openapi.document(ROUTES, control=True)


def test_baanx_replies_may_carry_added_fields_in_the_document_but_not_from_the_mock(document):
    components = document["components"]["schemas"]
    added = {"orderId": "o", "requestId": "r", "status": "STARTED", "riskScore": 3}
    resolver_document = {"$ref": "#/components/schemas/OrderStatusResponse",
                         "components": {"schemas": components}}
    assert "additionalProperties" not in components["OrderStatusResponse"]
    assert not list(Draft202012Validator(resolver_document).iter_errors(added))
    assert list(schemas.validator("order-status-response.json").iter_errors(added))
    # The mock's own requests stay closed: a fixture's unknown field is a typo.
    assert components["MockAddFaultRequest"].get("additionalProperties") is False


def test_each_documented_reply_names_the_rules_that_govern_it_and_their_basis(document):
    replies = document["paths"]["/v1/order/{orderId}"]["get"]["responses"]
    assert {"rule": "status.enum", "basis": "documented"} in replies["200"]["x-fidelity"]
    assert {"rule": "client-key.missing", "basis": "documented"} in replies["499"]["x-fidelity"]
    assert {"rule": "status.unknown-order", "basis": "documented"} in replies["404"][
        "x-fidelity"]


def test_values_that_can_change_at_run_time_are_named_not_fenced(client, document):
    text = json.dumps(document)
    create = document["paths"]["/v1/order"]["post"]
    (named,) = [part for part in create["requestBody"]["content"]["application/json"]
                ["schema"]["allOf"] if "properties" in part]
    assert named["properties"]["productId"] == {"examples": ["PREMIUM_SUBSCRIPTION",
                                                             "METAL_CARD"]}
    client_id = next(parameter for parameter in create["parameters"]
                     if parameter["name"] == "X-Client-ID")
    assert "enum" not in client_id["schema"]
    assert "demo-client" in client_id["schema"]["examples"]
    fenced = {value for values in re.findall(r'"enum": \[([^\]]*)\]', text)
              for value in json.loads(f"[{values}]")}
    assert not fenced & {"PREMIUM_SUBSCRIPTION", "METAL_CARD", "demo-client", "complete"}
    # A product added later is as valid by the document read before as by the mock.
    client.post("/__mock/products", json={"id": "LATER", "description": "Added later"})
    request_schema = {"$defs": document["components"]["schemas"],
                      **create["requestBody"]["content"]["application/json"]["schema"]}
    resolver_document = json.loads(json.dumps(request_schema).replace(
        "#/components/schemas/", "#/$defs/"))
    body = {"productId": "LATER", "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}
    assert not list(Draft202012Validator(resolver_document).iter_errors(body))
    assert client.post("/v1/order", json=body, headers={
        "X-Client-ID": "demo-client", "Authorization": "Bearer demo-token"}).status_code == 200
