"""The route table: every route the mock answers, Baanx and control, in one place.

`handle()` dispatches by it, the OpenAPI document is derived from it, and the control
client calls the control API by its operation ids. A route added here is served, documented
and callable at once; there is no second list to keep in step.
"""

from __future__ import annotations

from . import baanx, control
from .openapi import get_openapi
from .route import Options, QueryParameter, Route, RouteKind

BAANX, CONTROL, DOCUMENT = RouteKind.BAANX, RouteKind.CONTROL, RouteKind.DOCUMENT
CONTROL_PREFIX = "/__mock/"
DOCUMENT_PATH = "/openapi.json"
# Paths of the mock's own beside the control API: its document, its root (which sends a
# browser to the dashboard), and the icon browsers ask for.
MOCK_PAGES = frozenset({DOCUMENT_PATH, "/", "/favicon.ico"})
ORDERS_PAGE = (QueryParameter("limit", "How many orders, newest first (default 1000).", 1,
                              1000),
               QueryParameter("offset", "How many of the newest to skip.", 0, 10**9))
JOURNAL_PAGE = (QueryParameter("limit", "How many of the most recent entries.", 1, 1000),)

ROUTES: tuple[Route, ...] = (
    # --- The Baanx order API ------------------------------------------------------------
    Route("GET", "/v1/order/products/available", "getAvailableProducts",
          baanx.get_available_products, BAANX, "Get Available Products",
          "available-products-response.json", errors=(401, 403, 498, 499, 500),
          description="The active, orderable products for the signed-in user, each with an "
                      "eligibility flag. A bare array: no envelope, no pagination.",
          reply_description="The user's products"),
    Route("POST", "/v1/order", "createOrder", baanx.create_order, BAANX, "Create Order",
          "create-order-response.json", errors=(401, 403, 422, 498, 499, 500),
          description="Starts an order for a product. Answers 200 (not 201) with the orderId "
                      "to poll and, where applicable, the payment config.",
          reply_description="The order was created",
          request_schema="create-order-request.json",
          known_values=(("productId", "products"),)),
    Route("GET", "/v1/order/{orderId}", "getOrderStatus", baanx.get_order_status, BAANX,
          "Get Order Status", "order-status-response.json",
          errors=(401, 403, 404, 498, 499, 500),
          description="The current state of an order, for polling: every 3 s, at most 40 "
                      "times, until a final status.",
          reply_description="The order's status"),
    # --- The document of all this -------------------------------------------------------
    Route("GET", DOCUMENT_PATH, "getOpenApiDocument", get_openapi, DOCUMENT,
          "This OpenAPI document", None),
    # --- mock-baanx's control API -------------------------------------------------------
    Route("GET", "/", "mockHome", control.home, CONTROL, "The dashboard, for a browser",
          None, reply_status=302),
    Route("GET", "/__mock/ui", "mockDashboard", control.dashboard, CONTROL,
          "The dashboard: every order, live, with buttons to settle payments", None,
          reply_description="The dashboard page", reply_media_type="text/html"),
    Route("GET", "/__mock/ui/", "mockDashboardFolder", control.dashboard, CONTROL,
          "The dashboard, at its folder's address", None,
          reply_description="The dashboard page", reply_media_type="text/html"),
    Route("GET", "/__mock/health", "mockHealth", control.health, CONTROL,
          "The mock is ready", "control/health.json"),
    Route("POST", "/__mock/reset", "mockReset", control.reset, CONTROL,
          "This namespace back to the loaded fixtures: no orders, faults, journal, lifecycle "
          "for next or outcomes counted; real time. {\"all\": true} forgets every namespace",
          "control/reset.json", errors=(422,), request_schema="control/reset-request.json",
          request_body_required=False),
    Route("GET", "/__mock/orders", "mockListOrders", control.list_orders, CONTROL,
          "The orders, newest first, a page at a time", "control/orders.json", errors=(422,),
          query=ORDERS_PAGE),
    Route("GET", "/__mock/orders/{orderId}", "mockGetOrder", control.get_order, CONTROL,
          "One order with its history and polls", "control/order.json", errors=(404,)),
    Route("POST", "/__mock/orders/{orderId}/status", "mockForceStatus", control.force_status,
          CONTROL, "Move a STARTED order to a final status now", "control/order.json",
          errors=(404, 409, 422), request_schema="control/status-request.json"),
    Route("GET", "/__mock/lifecycle", "mockGetLifecycle", control.get_lifecycle, CONTROL,
          "The lifecycle for the next orders and all known", "control/lifecycle.json"),
    Route("POST", "/__mock/lifecycle", "mockSetLifecycle", control.set_lifecycle, CONTROL,
          "Set the lifecycle the next orders follow", "control/lifecycle.json", errors=(422,),
          request_schema="control/lifecycle-request.json", known_values=(("name", "lifecycles"),)),
    Route("GET", "/__mock/clock", "mockGetClock", control.get_clock, CONTROL,
          "The mock's clock", "control/clock.json"),
    Route("POST", "/__mock/clock", "mockAdvanceClock", control.advance_clock, CONTROL,
          "Move the mock's clock forward", "control/clock.json", errors=(422,),
          request_schema="control/clock-request.json"),
    Route("GET", "/__mock/faults", "mockGetFaults", control.get_faults, CONTROL,
          "The faults still to fire", "control/faults.json"),
    Route("POST", "/__mock/faults", "mockAddFault", control.add_fault, CONTROL,
          "Inject an error or latency into the next calls", "control/faults.json",
          errors=(422,), request_schema="control/fault-request.json"),
    Route("DELETE", "/__mock/faults", "mockClearFaults", control.clear_faults, CONTROL,
          "Clear every fault", "control/faults.json"),
    Route("GET", "/__mock/requests", "mockGetRequests", control.journal, CONTROL,
          "The request journal (credentials redacted)", "control/requests.json",
          errors=(422,), query=JOURNAL_PAGE),
    Route("DELETE", "/__mock/requests", "mockClearRequests", control.clear_journal, CONTROL,
          "Empty the journal", "control/requests.json"),
    Route("POST", "/__mock/users", "mockAddUser", control.add_user, CONTROL,
          "Add a user to this namespace (or replace the one with its token), until its reset",
          "control/addition.json", errors=(422,), request_schema="control/user-request.json",
          known_values=(("ineligibleProducts[]", "products"),)),
    Route("POST", "/__mock/products", "mockAddProduct", control.add_product, CONTROL,
          "Add a product to this namespace's catalogue (or replace the one with its id), "
          "until its reset", "control/addition.json", errors=(422,),
          request_schema="control/product-request.json",
          known_values=(("lifecycle", "lifecycles"),)),
    Route("POST", "/__mock/lifecycles", "mockAddLifecycle", control.add_lifecycle, CONTROL,
          "Add a lifecycle to this namespace (or replace the one of its name), until its "
          "reset", "control/addition.json", errors=(422,),
          request_schema="control/lifecycle-add-request.json"),
    Route("POST", "/__mock/stubs", "mockAddStub", control.add_stub, CONTROL,
          "Add a stub to this namespace (or replace the one with its id), until its reset",
          "control/addition.json", errors=(422,), request_schema="control/stub-request.json"),
    Route("GET", "/__mock/stubs", "mockListStubs", control.list_stubs, CONTROL,
          "The stubs this namespace answers, in the order they are tried",
          "control/stubs.json"),
    Route("DELETE", "/__mock/stubs/{stubId}", "mockRemoveStub", control.remove_stub, CONTROL,
          "Take out a stub added to this namespace", "control/stubs.json", errors=(404,)),
    Route("GET", "/__mock/coverage", "mockGetCoverage", control.coverage, CONTROL,
          "Every documented outcome, and how often this namespace's consumer was served it",
          "control/coverage.json"),
    Route("GET", "/__mock/namespaces", "mockListNamespaces", control.namespaces, CONTROL,
          "Every namespace, the one used most recently first", "control/namespaces.json"),
)

BY_OPERATION = {route.operation: route for route in ROUTES}
# Without the control API the mock looks exactly like the real API: the Baanx routes alone.
WITHOUT_CONTROL = tuple(route for route in ROUTES if route.kind is BAANX)


def routes_for(options: Options) -> tuple[Route, ...]:
    """The routes a mock with these options answers."""
    return ROUTES if options.control else WITHOUT_CONTROL


def route(operation: str) -> Route:
    """The route of an operation id; KeyError naming the known ones if there is none."""
    try:
        return BY_OPERATION[operation]
    except KeyError:
        raise KeyError(f"no operation {operation!r}; known: {', '.join(BY_OPERATION)}") from None
