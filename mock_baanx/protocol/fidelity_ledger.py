"""The fidelity ledger: every rule the mock enforces, and why it believes the real API
does the same.

A rule's basis is one of:
- `documented`: the public Baanx API reference says so (the page is named);
- `observed`: seen in real traffic or real client code, though the docs are silent (what,
  where, when);
- `decided`: this project's choice where the docs are silent, with the reason.

`mock-baanx rules` prints the ledger; the OpenAPI document carries each rule's basis on
the replies it governs (`x-fidelity`); the contract checks and the validating proxy name a
rule's id in every finding, so that a report says which promise a reply broke and how
firm that promise is. Each rule names the tests that hold the mock to it (a test of the
project checks that they exist).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Basis(StrEnum):
    DOCUMENTED = "documented"
    OBSERVED = "observed"
    DECIDED = "decided"


DOCS = "Baanx API reference"
COMMON = f"{DOCS}: errors and authentication, common to the order endpoints"
PRODUCTS_PAGE = f"{DOCS}: Get Available Products"
CREATE_PAGE = f"{DOCS}: Create Order"
STATUS_PAGE = f"{DOCS}: Get Order Status"

PRODUCTS = "getAvailableProducts"
CREATE = "createOrder"
STATUS = "getOrderStatus"
EVERY_OPERATION = (PRODUCTS, CREATE, STATUS)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    statement: str
    basis: Basis
    source: str
    tests: tuple[str, ...]
    # The replies the rule governs in the OpenAPI document: (operation id, status).
    replies: tuple[tuple[str, int], ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "statement": self.statement, "basis": self.basis.value,
                "source": self.source, "tests": list(self.tests)}


def _each(status: int, operations: tuple[str, ...] = EVERY_OPERATION
          ) -> tuple[tuple[str, int], ...]:
    return tuple((operation, status) for operation in operations)


RULES: tuple[Rule, ...] = (
    # --- Headers ------------------------------------------------------------------------
    Rule("client-key.missing",
         'A request without a client key answers 499 {"message": "Missing client key"}.',
         Basis.DOCUMENTED, COMMON,
         ("tests/protocol/test_available_products.py::test_header_rules",
          "tests/contract/test_verify.py::test_verify_passes_on_the_in_process_mock"),
         _each(499)),
    Rule("client-key.invalid",
         'A client key that is not a configured client answers 498 '
         '{"message": "Invalid client key"}.',
         Basis.DOCUMENTED, COMMON,
         ("tests/protocol/test_available_products.py::test_header_rules",),
         _each(498)),
    Rule("client-key.header-names",
         "The client key is read from X-Client-ID or x-client-key, in any case.",
         Basis.OBSERVED,
         "The rest of the Baanx API names the header x-client-key, and an open-source "
         "mobile wallet's Baanx card code sends x-client-key to the order endpoints "
         "(read in that client's source, November 2026).",
         ("tests/protocol/test_available_products.py::"
          "test_client_key_may_come_as_x_client_key_in_any_case",)),
    Rule("token.required",
         'A missing, expired or unknown bearer token answers 401 '
         '{"message": "Not authenticated"}.',
         Basis.DOCUMENTED, COMMON,
         ("tests/protocol/test_available_products.py::test_header_rules",),
         _each(401)),
    Rule("permission.required",
         'A user without permission for the order endpoints answers 403 '
         '{"message": "Not authorized"}.',
         Basis.DOCUMENTED, COMMON,
         ("tests/protocol/test_available_products.py::test_header_rules",),
         _each(403)),
    Rule("headers.check-order",
         "The checks answer in this order: client key (499, 498), bearer token (401), "
         "permission (403), then the route's own (404, 422, 403 ineligible).",
         Basis.DECIDED,
         "The docs list the statuses but not their precedence; this order is the one the "
         "headers are needed in (no user can be looked up before the client is known).",
         ("tests/protocol/test_create_order.py::test_check_order",
          "tests/protocol/test_order_status.py::test_header_rules_come_before_the_lookup")),
    Rule("us-env.ignored",
         "x-us-env is accepted and ignored: there is one backend.",
         Basis.OBSERVED,
         "Real clients send x-us-env on order calls too (an open-source mobile wallet's "
         "Baanx card code, November 2026); the docs define it elsewhere in the API.",
         ("tests/protocol/test_available_products.py::"
          "test_x_us_env_is_accepted_and_changes_nothing",)),
    # --- Error replies --------------------------------------------------------------------
    Rule("error.body",
         'Every error reply is JSON {"message": "<text>"} under Content-Type: '
         "application/json, with the documented texts for 401, 403, 498, 499 and 500.",
         Basis.DOCUMENTED,
         f"{COMMON} (the bodies are shown on the Baanx pages that share this status set)",
         ("tests/protocol/test_schemas.py::test_every_body_of_the_api_has_a_schema",
          "tests/protocol/test_http_rules.py::test_a_bug_in_the_mock_is_a_json_500_in_every_adapter"),
         _each(500)),
    Rule("error.messages",
         '404 says "Order not found"; a 422 names the field at fault '
         '("paymentMethod must be one of: CRYPTO_EXTERNAL_DAIMO").',
         Basis.DECIDED,
         "The order pages show no error bodies; a text naming the field is what a "
         "developer reading a log needs.",
         ("tests/protocol/test_create_order.py::test_bad_bodies_answer_422_naming_the_problem",
          "tests/protocol/test_order_status.py::test_unknown_order_answers_404")),
    Rule("status.documented",
         "Each endpoint answers only the statuses its page lists: products 200, 401, 403, "
         "498, 499, 500; create adds 422; status adds 404.",
         Basis.DOCUMENTED, f"{PRODUCTS_PAGE}; {CREATE_PAGE}; {STATUS_PAGE}",
         ("tests/protocol/test_properties.py::test_any_body_gets_a_documented_status",
          "tests/contract/test_proxy.py::"
          "test_each_drift_is_printed_as_it_happens_with_path_and_rule",
          "tests/protocol/test_properties.py::test_any_order_id_gets_a_documented_status")),
    # --- Available products ---------------------------------------------------------------
    Rule("products.shape",
         "GET /v1/order/products/available answers 200 with a bare JSON array of "
         "{id, description, isEligible}: no envelope, no pagination.",
         Basis.DOCUMENTED, PRODUCTS_PAGE,
         ("tests/protocol/test_available_products.py::"
          "test_verified_user_sees_every_product_eligible",),
         ((PRODUCTS, 200),)),
    # --- Create order ---------------------------------------------------------------------
    Rule("create.shape",
         "POST /v1/order answers 200 (not 201) with requestId, orderId and, where "
         "applicable, a paymentConfig whose destinationChainId is a string.",
         Basis.DOCUMENTED, CREATE_PAGE,
         ("tests/protocol/test_create_order.py::"
          "test_creates_a_started_order_with_the_products_payment_config",),
         ((CREATE, 200),)),
    Rule("create.validation",
         "A create whose body is not a JSON object, lacks productId or paymentMethod, or "
         "names a paymentMethod other than CRYPTO_EXTERNAL_DAIMO answers 422.",
         Basis.DOCUMENTED, CREATE_PAGE,
         ("tests/protocol/test_create_order.py::test_bad_bodies_answer_422_naming_the_problem",),
         ((CREATE, 422),)),
    Rule("create.unknown-product",
         "A productId the catalogue lacks answers 422; Content-Type must be a JSON type; "
         "unknown extra fields are ignored and for duplicate keys the last one wins.",
         Basis.DECIDED,
         "The docs require the Content-Type and name the fields, and say nothing of the "
         "rest; ignoring the unknown is what keeps older clients working.",
         ("tests/protocol/test_create_order.py::test_unknown_extra_fields_are_ignored",
          "tests/protocol/test_create_order.py::test_duplicate_keys_take_the_last_value")),
    Rule("create.ineligible",
         'Ordering a product the user is not eligible for answers 403 '
         '{"message": "Not authorized"}.',
         Basis.DECIDED,
         "The docs say the UI must not let the user start such an order, not what the API "
         "answers; 403 is their status for a user lacking permission.",
         ("tests/protocol/test_create_order.py::test_ineligible_product_answers_403",)),
    Rule("create.payment-config",
         "A product without a paymentConfig creates orders without one; the default "
         "products always carry one.",
         Basis.DECIDED,
         'The docs give paymentConfig "where applicable"; real clients have been seen to '
         "treat its absence as impossible, so the defaults never omit it.",
         ("tests/protocol/test_extended_statuses.py::"
          "test_the_default_products_always_carry_a_payment_config",)),
    Rule("json.rfc8259",
         "Request bodies are JSON as RFC 8259 defines it: NaN, Infinity and numbers "
         "beyond a double are refused with 422.",
         Basis.DECIDED,
         "The docs say JSON; Python's parser accepts more than JSON, which no real client "
         "could rely on.",
         ("tests/protocol/test_create_order.py::"
          "test_a_long_integer_in_an_unknown_field_is_json_and_ignored",)),
    # --- Order status ---------------------------------------------------------------------
    Rule("status.shape",
         "GET /v1/order/{orderId} answers 200 with orderId, status and requestId, and an "
         "optional metadata of paymentId, txHash and note.",
         Basis.DOCUMENTED, STATUS_PAGE,
         ("tests/protocol/test_order_status.py::test_default_lifecycle_completes_on_the_third_poll",
          "tests/protocol/test_schemas.py::test_order_status_schema_catches_drift"),
         ((STATUS, 200),)),
    Rule("status.enum",
         "status is one of STARTED, COMPLETED, FAILED, EXPIRED.",
         Basis.DOCUMENTED, STATUS_PAGE,
         ("tests/protocol/test_schemas.py::test_order_status_schema_catches_drift",),
         ((STATUS, 200),)),
    Rule("status.paid-at",
         'paidAt is present exactly when the status is COMPLETED, in the docs\' format '
         '"2023-03-27 17:07:12.662+03" (not ISO 8601).',
         Basis.DOCUMENTED, STATUS_PAGE,
         ("tests/protocol/test_lifecycles.py::test_fail_carries_the_refund_note_and_no_paid_at",
          "tests/protocol/test_schemas.py::test_order_status_schema_catches_drift"),
         ((STATUS, 200),)),
    Rule("status.forward-only",
         "An order starts STARTED and moves forward to one final status (COMPLETED, "
         "FAILED or EXPIRED), which never changes after.",
         Basis.DOCUMENTED, f"{STATUS_PAGE} (the status table marks the final ones terminal)",
         ("tests/protocol/test_properties.py::test_orders_move_forward_only",
          "tests/protocol/test_order_status.py::test_a_completed_order_never_changes_again",
          "tests/contract/test_verify.py::test_a_final_status_that_changes_is_drift"),
         ((STATUS, 200),)),
    Rule("status.unknown-order",
         "An order id with no order behind it answers 404.",
         Basis.DOCUMENTED, STATUS_PAGE,
         ("tests/protocol/test_order_status.py::test_unknown_order_answers_404",),
         ((STATUS, 404),)),
    Rule("orders.visibility",
         "An order is visible only to the client and user that created it; anyone else "
         "gets 404, so its existence never leaks.",
         Basis.DECIDED,
         "The docs do not say who may read an order; anything else would let one user "
         "learn of another's payments.",
         ("tests/protocol/test_order_status.py::test_another_users_order_is_not_found",
          "tests/protocol/test_order_status.py::test_another_clients_order_is_not_found")),
    Rule("ids.constant",
         "An order's orderId and requestId are the same in its create reply and in every "
         "status reply; ids are opaque, unique and URL-safe.",
         Basis.DECIDED,
         "The docs call requestId the order's payment-request id, which the gateway's "
         "callbacks are correlated by: it cannot change under a client.",
         ("tests/protocol/test_create_order.py::"
          "test_ids_are_unique_url_safe_and_the_request_id_sticks_to_the_order",)),
    Rule("status.outcome-metadata",
         "COMPLETED carries metadata.paymentId (base58, like a Daimo payment id) and "
         "metadata.txHash (0x and 64 hex digits); FAILED carries the note payment_refunded.",
         Basis.DECIDED,
         "The docs show the fields and a Daimo payment's outcomes; this is their natural "
         "reading (a bounced Daimo payment is refunded).",
         ("tests/protocol/test_lifecycles.py::test_what_a_poller_sees",
          "tests/protocol/test_lifecycles.py::test_fail_carries_the_refund_note_and_no_paid_at")),
    Rule("status.extended",
         "PENDING (not final) and REFUNDED (final) are served only with extended statuses "
         "on; the contract checks count either as drift.",
         Basis.OBSERVED,
         "The type definitions of an open-source mobile wallet's Baanx card code handle "
         "both (read in that client's source, November 2026); the docs never list them.",
         ("tests/protocol/test_extended_statuses.py::"
          "test_without_the_switch_each_use_is_a_422_naming_it",
          "tests/protocol/test_extended_statuses.py::"
          "test_the_pending_lifecycle_goes_through_pending_to_completed")),
    Rule("polling.advice",
         "Clients poll every 3 s, at most 40 times, and stop at a final status.",
         Basis.DOCUMENTED, f"{STATUS_PAGE} (the docs' sample client)",
         ("tests/testing/test_polling.py::test_assert_polled_politely_fails_a_hasty_client",)),
    # --- HTTP -----------------------------------------------------------------------------
    Rule("http.json-errors",
         "An unknown path answers 404 JSON, a wrong method 405 JSON with Allow, a body "
         "over 1 MiB 413 JSON: never an HTML page or an empty body.",
         Basis.DECIDED,
         "The docs say every reply is JSON; a client's error mapping should never meet "
         "anything else from the mock.",
         ("tests/protocol/test_http_rules.py::test_unknown_routes_answer_404_json",
          "tests/protocol/test_http_rules.py::test_wrong_method_answers_405_json_with_allow",
          "tests/protocol/test_http_rules.py::test_a_body_over_1_mib_answers_413")),
    Rule("reply.added-fields",
         "A reply field the docs do not mention is novelty, not drift: it breaks no "
         "client. The published document allows one; the mock never sends one.",
         Basis.DECIDED,
         "APIs add fields without notice; a contract that forbade them would make every "
         "client generated from it fail the day one appears.",
         ("tests/contract/test_verify.py::test_an_added_field_is_novelty_not_drift",)),
)

RULES_BY_ID = {rule.id: rule for rule in RULES}


def rules_for(operation: str, status: int) -> list[Rule]:
    """The rules that govern an operation's reply of this status, for the document."""
    return [rule for rule in RULES if (operation, status) in rule.replies]


def counts() -> dict[Basis, int]:
    return {basis: sum(rule.basis is basis for rule in RULES) for basis in Basis}


def text() -> str:
    """The ledger as `mock-baanx rules` prints it."""
    lines = []
    for rule in RULES:
        lines.append(f"{rule.id}  [{rule.basis.value}]")
        lines.append(f"    {rule.statement}")
        lines.append(f"    basis: {rule.source}")
        lines.append(f"    tests: {', '.join(rule.tests)}")
    tally = counts()
    lines.append(f"{len(RULES)} rules: " + ", ".join(
        f"{tally[basis]} {basis.value}" for basis in Basis))
    return "\n".join(lines)
