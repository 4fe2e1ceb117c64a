"""The one route table: the OpenAPI document, the control client and the dashboard agree
with it, and the document names each shared definition once."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest

from mock_baanx.protocol import ROUTES, Request, RouteKind, openapi
from mock_baanx.protocol.handler import resolve
from mock_baanx.protocol.routes import CONTROL_PREFIX, MOCK_PAGES
from mock_baanx.testing.control_client import ControlClient

DOCUMENT = openapi.document(ROUTES, control=True)
DESCRIBED = [route for route in ROUTES if route.kind is not RouteKind.DOCUMENT]


def refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


@pytest.mark.parametrize("route", DESCRIBED, ids=[route.operation for route in DESCRIBED])
def test_each_route_is_its_operation_in_the_document(route):
    operation = DOCUMENT["paths"][route.template][route.method.lower()]
    assert operation["operationId"] == route.operation
    assert operation["tags"] == [route.kind.value]
    assert set(operation["responses"]) == {str(route.reply_status), *map(str, route.errors)}
    if route.reply_status != 200:
        return
    content = operation["responses"]["200"]["content"]
    if route.reply_schema is None:
        assert list(content) == [route.reply_media_type]
    else:
        title = openapi.SCHEMAS[route.reply_schema]["title"]
        assert content["application/json"]["schema"] == {
            "$ref": f"#/components/schemas/{title}"}
    assert [parameter["name"] for parameter in operation.get("parameters", ())
            if parameter["in"] == "path"] == list(route.path_parameters)


def test_the_document_has_no_operation_the_table_lacks():
    documented = {(path, method.upper(), operation["operationId"])
                  for path, item in DOCUMENT["paths"].items()
                  for method, operation in item.items()}
    assert documented == {(route.template, route.method, route.operation) for route in DESCRIBED}


def test_operation_ids_are_unique_and_control_routes_sit_under_the_control_prefix():
    assert len({route.operation for route in ROUTES}) == len(ROUTES)
    for route in ROUTES:
        under_prefix = route.template.startswith(CONTROL_PREFIX)
        assert under_prefix == (route.kind is RouteKind.CONTROL and route.template != "/")
        if not under_prefix:
            assert route.kind is RouteKind.BAANX or route.template in MOCK_PAGES


def test_no_schema_in_the_document_keeps_defs_and_every_ref_resolves():
    components = DOCUMENT["components"]["schemas"]
    assert not [name for name, schema in components.items() if "$defs" in str(schema)]
    for ref in refs(DOCUMENT):
        assert ref.startswith("#/components/schemas/"), ref
        node = DOCUMENT
        for part in ref[2:].split("/"):
            node = node[part]


def test_shared_definitions_have_one_component_each():
    components = DOCUMENT["components"]["schemas"]
    assert components["OrderStatus"]["enum"] == ["STARTED", "COMPLETED", "FAILED", "EXPIRED"]
    order = components["MockOrder"]["properties"]
    assert order["status"] == {"$ref": "#/components/schemas/OrderStatus"}
    assert order["history"]["items"]["properties"]["status"] == order["status"]
    assert components["OrderStatusResponse"]["properties"]["paidAt"] == {
        "$ref": "#/components/schemas/PaidAt"}
    assert components["MockForceStatusRequest"]["properties"]["paidAt"] == {
        "$ref": "#/components/schemas/PaidAt"}


class Recording(ControlClient):
    def __init__(self):
        self.sent = []

    def _send(self, method, path, body=None):
        self.sent.append((method, path))
        return {"orders": [], "faults": [], "requests": [], "pollTimes": [], "outcomes": [],
                "stubs": [],
                "namespaces": []}


def test_every_control_client_method_calls_a_control_route():
    client = Recording()
    client.health()
    client.reset()
    client.orders()
    client.order("ord_1")
    client.force_status("ord_1", "FAILED", note="x")
    client.use_lifecycle("fail", 1)
    client.advance_clock(5)
    client.inject_fault("createOrder", status=500)
    client.clear_faults()
    client.journal()
    client.clear_journal()
    client.coverage()
    client.namespaces()
    client.reset_all()
    client.add_user({"token": "carol", "id": "c"})
    client.add_product({"id": "P", "description": "d"})
    client.add_lifecycle("slow", {"steps": [{"status": "COMPLETED", "afterPolls": 1}]})
    client.add_stub(id="s", method="GET", path="/v1/s")
    client.stubs()
    client.remove_stub("s")
    methods = {name for name in vars(ControlClient) if not name.startswith("_")}
    assert len(client.sent) >= len(methods - {"poll_times", "assert_polled_politely",
                                              "virtual_time"})
    for method, path in client.sent:
        route, _ = resolve(Request.build(method, path), ROUTES)
        assert route.kind is RouteKind.CONTROL, (method, path)


def test_every_call_the_dashboard_makes_is_a_control_route():
    page = (files("mock_baanx.protocol") / "ui" / "dashboard.html").read_text()
    calls = re.findall(r'call\("(\w+)",\s*"(/[^"]*)"(?:\s*\+[^+]+\+\s*"([^"]*)")?', page)
    assert len(calls) >= 10
    for method, path, rest in calls:
        path = (path + ("ord_1" + rest if rest else "")).partition("?")[0]
        route, _ = resolve(Request.build(method, path), ROUTES)
        assert route.kind in (RouteKind.CONTROL, RouteKind.DOCUMENT), (method, path, rest)


def test_every_operation_named_elsewhere_is_one_of_the_table():
    from mock_baanx.contract import checks, proxy
    from mock_baanx.protocol import coverage, fidelity_ledger

    operations = {route.operation for route in ROUTES}
    named = {operation for rule in fidelity_ledger.RULES for operation, _ in rule.replies}
    named |= {fidelity_ledger.PRODUCTS, fidelity_ledger.CREATE, fidelity_ledger.STATUS,
              coverage.STATUS_OPERATION}
    assert named <= operations
    baanx = [route for route in ROUTES if route.kind is RouteKind.BAANX]
    # The proxy finds an exchange's operation as every door does: by the table.
    for route in baanx:
        path = route.template.replace("{orderId}", "ord_1")
        assert proxy.operation_of(route.method, path) == (
            route.operation, "ord_1" if "{orderId}" in route.template else None)
    assert proxy.operation_of("GET", "/v1/elsewhere") is None
    assert {checks.GET_PRODUCTS, checks.POST_ORDER, checks.GET_ORDER} == {
        f"{route.method} {route.template}" for route in baanx}


def test_the_dashboard_names_no_operation_of_its_own():
    """It lists the endpoints a fault may name from the mock's document, which is made from
    the table."""
    page = (files("mock_baanx.protocol") / "ui" / "dashboard.html").read_text()
    for route in ROUTES:
        assert f'"{route.operation}"' not in page, route.operation


def test_faults_name_the_tables_operations_and_refuse_others(client):
    refused = client.post("/__mock/faults", json={"endpoint": "mockReset", "status": 500})
    assert refused.status_code == 422
    assert refused.get_json()["message"] == ("endpoint must be one of: *, getAvailableProducts, "
                                             "createOrder, getOrderStatus")
