"""The OpenAPI 3.1 document of the mock, assembled from `schemas/`.

The body schemas are the files under `schemas/`, copied into `components/schemas` under
their titles with their references rewritten to point there: there is no second,
hand-written copy of any shape to drift from the first.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any
from urllib.parse import urljoin

from .schemas import SCHEMA_BASE, SCHEMAS

ERROR_EXAMPLES = {
    400: "request body must be valid JSON",
    401: "Not authenticated",
    403: "Not authorized",
    404: "Order not found",
    409: "order ord_… is already COMPLETED; a final status never changes",
    422: "paymentMethod must be one of: CRYPTO_EXTERNAL_DAIMO",
    498: "Invalid client key",
    499: "Missing client key",
    500: "Internal server error",
}
ERROR_TITLES = {
    401: "Authentication Error: bearer token missing, expired or invalid",
    403: "Authorization Error: the user lacks permission for this action",
    404: "Not found",
    409: "The order is already in a final status",
    422: "Validation Error: a field is missing or not acceptable",
    498: "Invalid Client Key: the client-id header's value is not recognised",
    499: "Missing Client Key: the client-id header is absent",
    500: "Internal Server Error: retry with exponential backoff",
}
BAANX_ERRORS = (401, 403, 498, 499, 500)
BAANX_TAG = "orders"
CONTROL_TAG = "mock-control"


def _component_name(schema_name: str) -> str:
    return str(SCHEMAS[schema_name]["title"])


def _ref(schema_name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{_component_name(schema_name)}"}


def _rewrite_refs(node: Any, base: str, names: dict[str, str]) -> Any:
    """`node` with every `$ref` (relative to the file's `$id`) pointing into components."""
    if isinstance(node, list):
        return [_rewrite_refs(item, base, names) for item in node]
    if not isinstance(node, dict):
        return node
    rewritten = {key: _rewrite_refs(value, base, names) for key, value in node.items()
                 if key not in ("$id", "$schema")}
    if "$ref" in node:
        target, _, pointer = urljoin(base, node["$ref"]).partition("#")
        rewritten["$ref"] = f"#/components/schemas/{names[target]}{pointer}"
    return rewritten


def _components(schema_names: list[str]) -> dict[str, Any]:
    names = {SCHEMA_BASE + name: _component_name(name) for name in schema_names}
    return {_component_name(name): _rewrite_refs(copy.deepcopy(SCHEMAS[name]),
                                                 SCHEMA_BASE + name, names)
            for name in schema_names}


def _json(schema_name: str, example: Any = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": _ref(schema_name)}
    examples = SCHEMAS[schema_name].get("examples")
    if example is None and examples:
        example = examples[0]
    if example is not None:
        media["example"] = example
    return {"application/json": media}


def _errors(statuses: tuple[int, ...]) -> dict[str, Any]:
    return {str(status): {"description": ERROR_TITLES.get(status, "Error"),
                          "content": _json("error.json", {"message": ERROR_EXAMPLES[status]})}
            for status in statuses}


def _baanx_paths(control: bool, products: tuple[str, ...], lifecycles: tuple[str, ...],
                 clients: tuple[str, ...]) -> dict[str, Any]:
    lifecycle_header = {
        "name": "X-Mock-Lifecycle", "in": "header", "required": False,
        "description": "mock-baanx only: the lifecycle this order follows.",
        "schema": {"type": "string", **({"enum": list(lifecycles)} if lifecycles else {})},
    }
    create_body = _with_enum("create-order-request.json", "productId", products)
    us_env = {"name": "x-us-env", "in": "header", "required": False,
              "description": "true routes a request to the US backend; the mock accepts and "
                             "ignores it.",
              "schema": {"type": "string"}}
    client_id = {"name": "X-Client-ID", "in": "header", "required": True,
                 "description": "The partner application's client id (x-client-key is accepted "
                                "too). Missing: 499; not recognised: 498.",
                 "schema": {"type": "string", "minLength": 1,
                            **({"enum": list(clients)} if clients else {})}}
    order_id = {"name": "orderId", "in": "path", "required": True,
                "description": "An id returned by POST /v1/order.",
                "schema": {"type": "string", "minLength": 1}}
    return {
        "/v1/order/products/available": {"get": _baanx_operation(
            "getAvailableProducts", "Get Available Products",
            "The active, orderable products for the signed-in user, each with an eligibility "
            "flag. A bare array: no envelope, no pagination.",
            [client_id, us_env], "available-products-response.json", "The user's products",
            BAANX_ERRORS)},
        "/v1/order": {"post": _baanx_operation(
            "createOrder", "Create Order",
            "Starts an order for a product. Answers 200 (not 201) with the orderId to poll "
            "and, where applicable, the payment config.",
            [client_id, us_env, *([lifecycle_header] if control else [])],
            "create-order-response.json", "The order was created",
            (401, 403, 422, 498, 499, 500), request_body=create_body)},
        "/v1/order/{orderId}": {"get": _baanx_operation(
            "getOrderStatus", "Get Order Status",
            "The current state of an order, for polling: every 3 s, at most 40 times, until "
            "a final status.",
            [order_id, client_id, us_env], "order-status-response.json", "The order's status",
            (401, 403, 404, 498, 499, 500))},
    }


def _baanx_operation(operation_id: str, summary: str, description: str,
                     parameters: list[dict[str, Any]], reply_schema: str,
                     reply_description: str, errors: tuple[int, ...],
                     request_body: dict[str, Any] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "tags": [BAANX_TAG],
        "security": [{"bearerAuth": []}],
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "parameters": parameters,
    }
    if request_body is not None:
        operation["requestBody"] = {"required": True, "content": request_body}
    operation["responses"] = {"200": {"description": reply_description,
                                      "content": _json(reply_schema)}, **_errors(errors)}
    return operation


def _control_operation(operation_id: str, summary: str, reply_schema: str,
                       request_body: dict[str, Any] | None = None,
                       errors: tuple[int, ...] = ()) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "tags": [CONTROL_TAG], "operationId": operation_id, "summary": summary,
        "responses": {"200": {"description": summary, "content": _json(reply_schema)},
                      **_errors(errors)},
    }
    if request_body is not None:
        operation["requestBody"] = {"required": True, "content": request_body}
    return operation


def _with_enum(schema_name: str, field: str, values: tuple[str, ...]) -> dict[str, Any]:
    """The JSON content of `schemas/<schema_name>`, with `field` narrowed to `values`: a
    served mock's own ids and names, on top of the contract's shape."""
    content = _json(schema_name)
    if values:
        media = content["application/json"]
        media["schema"] = {"allOf": [media["schema"], {
            "properties": {field: {"enum": list(values)}}}]}
    return content


def _control_paths(lifecycles: tuple[str, ...]) -> dict[str, Any]:
    order_id = {"name": "orderId", "in": "path", "required": True,
                "schema": {"type": "string", "minLength": 1}}
    op = _control_operation
    return {
        "/__mock/ui": {"get": {
            "tags": [CONTROL_TAG], "operationId": "mockDashboard",
            "summary": "The dashboard: every order, live, with buttons to settle payments",
            "responses": {"200": {"description": "The dashboard page",
                                  "content": {"text/html": {"schema": {"type": "string"}}}}},
        }},
        "/__mock/health": {"get": op("mockHealth", "The mock is ready", "control/health.json")},
        "/__mock/reset": {"post": op("mockReset", "Back to the loaded fixtures: no orders, "
                                     "faults, journal or lifecycle for next; real time",
                                     "control/reset.json")},
        "/__mock/orders": {"get": op("mockListOrders", "Every order, newest first",
                                     "control/orders.json")},
        "/__mock/orders/{orderId}": {
            "parameters": [order_id],
            "get": op("mockGetOrder", "One order with its history and polls",
                      "control/order.json", errors=(404,)),
        },
        "/__mock/orders/{orderId}/status": {
            "parameters": [order_id],
            "post": op("mockForceStatus", "Move a STARTED order to a final status now",
                       "control/order.json", _json("control/status-request.json"),
                       errors=(404, 409, 422)),
        },
        "/__mock/lifecycle": {
            "get": op("mockGetLifecycle", "The lifecycle for the next orders and all known",
                      "control/lifecycle.json"),
            "post": op("mockSetLifecycle", "Set the lifecycle the next orders follow",
                       "control/lifecycle.json",
                       _with_enum("control/lifecycle-request.json", "name", lifecycles),
                       errors=(422,)),
        },
        "/__mock/clock": {
            "get": op("mockGetClock", "The mock's clock", "control/clock.json"),
            "post": op("mockAdvanceClock", "Move the mock's clock forward",
                       "control/clock.json", _json("control/clock-request.json"), errors=(422,)),
        },
        "/__mock/faults": {
            "get": op("mockGetFaults", "The faults still to fire", "control/faults.json"),
            "post": op("mockAddFault", "Inject an error or latency into the next calls",
                       "control/faults.json", _json("control/fault-request.json"), errors=(422,)),
            "delete": op("mockClearFaults", "Clear every fault", "control/faults.json"),
        },
        "/__mock/requests": {
            "get": op("mockGetRequests", "The request journal (credentials redacted)",
                      "control/requests.json"),
            "delete": op("mockClearRequests", "Empty the journal", "control/requests.json"),
        },
    }


@cache
def document(control: bool = True, products: tuple[str, ...] = (),
             lifecycles: tuple[str, ...] = (), clients: tuple[str, ...] = ()
             ) -> dict[str, Any]:
    """The OpenAPI 3.1 document: the three Baanx endpoints, and the control API when on.

    A served mock names its `clients`, its catalogue's `products` and its `lifecycles`, so
    that a client generated from the document, or a fuzzer, knows which values this mock
    accepts.
    """
    body_schemas = [name for name in SCHEMAS if not name.startswith(("fixtures/", "control/"))]
    if control:
        body_schemas += [name for name in SCHEMAS if name.startswith("control/")]
    tags = [{"name": BAANX_TAG, "description": "The Baanx order API, as the public docs "
             "describe it."}]
    paths = _baanx_paths(control, products, lifecycles, clients)
    if control:
        tags.append({"name": CONTROL_TAG, "description": "mock-baanx's own control API: "
                     "never part of the Baanx contract; absent with --no-control."})
        paths.update(_control_paths(lifecycles))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Baanx order API (mock-baanx)",
            "version": "1.0.0",
            "description": "The three Baanx order endpoints as mock-baanx serves them.",
        },
        "servers": [
            {"url": "/", "description": "this mock"},
            {"url": "https://api.baanx.com", "description": "Baanx production"},
            {"url": "https://dev.api.baanx.com", "description": "Baanx development"},
        ],
        "tags": tags,
        "paths": paths,
        "components": {
            "schemas": _components(body_schemas),
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": "The signed-in user's access token."},
            },
        },
    }
