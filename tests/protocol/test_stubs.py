"""Stubs: the other Baanx endpoints a client calls, answered from data through every door,
with everything the order endpoints have — header rules, namespaces, faults, the journal,
coverage, the OpenAPI document — and refused with one line where they are wrong."""

from __future__ import annotations

from typing import Any

import pytest

from mock_baanx.core import Backend, Clock, seeded_ids
from mock_baanx.protocol import schemas
from mock_baanx.protocol.schemas import SCHEMA_BASE
from mock_baanx.storage.fixture_files import load_fixtures

from ..helpers import assert_error, headers

CARD_SCHEMA = {"type": "object", "required": ["id", "status"],
               "properties": {"id": {"type": "string"}, "status": {"enum": ["ACTIVE", "FROZEN"]},
                              "last4": {"type": "string"}}}
STUBS: list[dict[str, Any]] = [
    {"id": "getUser", "method": "GET", "path": "/v1/user",
     "body": {"id": "{{user.id}}", "verified": "{{user.kycVerified}}", "country": "GB"},
     "schema": {"type": "object", "required": ["id", "verified"],
                "properties": {"id": {"type": "string"}, "verified": {"type": "boolean"}}}},
    {"id": "getCard", "method": "GET", "path": "/v1/card/{cardId}",
     "body": {"id": "{{path.cardId}}", "status": "ACTIVE", "last4": "{{query.last4}}"},
     "headers": {"X-Card": "card {{path.cardId}}"}, "schema": CARD_SCHEMA},
    {"id": "freezeCard", "method": "POST", "path": "/v1/card/{cardId}/freeze",
     "body": {"cardId": "{{path.cardId}}", "frozen": "{{body.frozen}}"},
     "requestSchema": {"type": "object", "required": ["frozen"],
                       "properties": {"frozen": {"type": "boolean"}},
                       "additionalProperties": False}},
    {"id": "eurWallet", "method": "GET", "path": "/v1/wallet",
     "when": {"query": {"currency": "EUR"}}, "body": {"currency": "EUR", "balance": 12.5}},
    {"id": "wallet", "method": "GET", "path": "/v1/wallet", "body": {"currency": "USD"}},
    {"id": "deleteCard", "method": "DELETE", "path": "/v1/card/{cardId}", "status": 204},
    {"id": "status", "method": "GET", "path": "/v1/status", "auth": "none", "body": {"up": True}},
]


@pytest.fixture
def backend(time_source):
    return Backend(load_fixtures({"stubs": STUBS}), clock=Clock(time_source), ids=seeded_ids(7))


def test_a_stub_answers_its_body_with_the_requests_values_filled_in(client):
    user = client.get("/v1/user", headers=headers())
    assert user.status_code == 200
    assert user.headers["Content-Type"] == "application/json"
    # A placeholder alone takes the value's own type: the fixture user's boolean stays one.
    assert user.get_json() == {"id": "user-demo", "verified": True, "country": "GB"}
    card = client.get("/v1/card/card-7?last4=4242", headers=headers())
    assert card.get_json() == {"id": "card-7", "status": "ACTIVE", "last4": "4242"}
    assert card.headers["X-Card"] == "card card-7"
    frozen = client.post("/v1/card/card-7/freeze", json={"frozen": True}, headers=headers())
    assert frozen.get_json() == {"cardId": "card-7", "frozen": True}
    deleted = client.delete("/v1/card/card-7", headers=headers())
    assert (deleted.status_code, deleted.get_data()) == (204, b"")


def test_a_stub_follows_the_baanx_header_rules_in_the_docs_order(client):
    assert_error(client.get("/v1/user", headers=headers(client=None, token=None)), 499,
                 "Missing client key")
    assert_error(client.get("/v1/user", headers=headers(client="nobody")), 498,
                 "Invalid client key")
    assert_error(client.get("/v1/user", headers=headers(token=None)), 401)
    assert_error(client.get("/v1/user", headers=headers(token="expired-token")), 401)
    # `auth: none`: anyone.
    assert client.get("/v1/status").get_json() == {"up": True}


def test_a_request_body_that_breaks_the_request_schema_is_baanxs_422(client):
    for body in ({}, {"frozen": "yes"}, {"frozen": True, "extra": 1}):
        reply = client.post("/v1/card/card-7/freeze", json=body, headers=headers())
        assert_error(reply, 422)
        assert reply.get_json()["message"]
    # As for the order endpoints (decisions.md, 4): a body that is no JSON is a 422 too.
    assert_error(client.post("/v1/card/card-7/freeze", data="{", headers=headers(),
                             content_type="application/json"), 422,
                 "request body must be valid JSON")


def test_of_stubs_with_one_path_and_method_the_first_whose_when_holds_answers(client):
    assert client.get("/v1/wallet?currency=EUR", headers=headers()).get_json() == {
        "currency": "EUR", "balance": 12.5}
    assert client.get("/v1/wallet?currency=GBP", headers=headers()).get_json() == {
        "currency": "USD"}
    assert client.get("/v1/wallet", headers=headers()).get_json() == {"currency": "USD"}


def test_another_method_at_a_stubs_path_is_405_with_the_methods_it_takes(client):
    reply = client.post("/v1/user", json={}, headers=headers())
    assert_error(reply, 405, "Method not allowed")
    assert reply.headers["Allow"] == "GET"
    assert client.delete("/v1/card/c", headers=headers()).status_code == 204
    assert client.put("/v1/card/c", headers=headers()).headers["Allow"] == "DELETE, GET"


def test_a_stub_is_faulted_delayed_journaled_and_counted_like_an_order_endpoint(client,
                                                                                 sleeps):
    assert_error(client.get("/v1/card/c1", headers=headers(**{"X-Mock-Fault": "503"})), 503)
    assert client.get("/v1/card/c1", headers=headers(**{"X-Mock-Delay-Ms": "250"})
                      ).status_code == 200
    assert sleeps == [0.25]
    added = client.post("/__mock/faults", json={"endpoint": "getCard", "status": 500,
                                                      "times": 1})
    assert added.status_code == 200, added.get_data(as_text=True)
    assert_error(client.get("/v1/card/c1", headers=headers()), 500)
    assert client.get("/v1/card/c1", headers=headers()).status_code == 200
    unknown = client.post("/__mock/faults", json={"endpoint": "getCards", "status": 500})
    assert_error(unknown, 422)
    assert unknown.get_json()["message"].startswith(
        "endpoint must be one of: *, getAvailableProducts, createOrder, getOrderStatus, "
        "getUser, getCard, freezeCard")

    journal = client.get("/__mock/requests").get_json()["requests"]
    assert [(entry["path"], entry["status"], entry["endpoint"]) for entry in journal] == [
        ("/v1/card/c1", 503, "getCard"), ("/v1/card/c1", 200, "getCard"),
        ("/v1/card/c1", 500, "getCard"), ("/v1/card/c1", 200, "getCard")]
    outcomes = {(entry["method"], entry["path"], entry["outcome"]): entry["seen"]
                for entry in client.get("/__mock/coverage").get_json()["outcomes"]}
    assert outcomes[("GET", "/v1/card/{cardId}", "200")] == 2
    assert outcomes[("GET", "/v1/card/{cardId}", "delayed")] == 1
    assert outcomes[("GET", "/v1/card/{cardId}", "401")] == 0
    assert outcomes[("GET", "/v1/card/{cardId}", "500")] == 1
    assert outcomes[("GET", "/v1/user", "200")] == 0


def test_a_stubs_403_for_a_user_not_permitted_is_one_of_its_documented_outcomes(client):
    reply = client.get("/v1/card/c1", headers=headers("forbidden-token"))
    assert_error(reply, 403, "Not authorized")
    outcomes = {(entry["method"], entry["path"], entry["outcome"]): entry
                for entry in client.get("/__mock/coverage").get_json()["outcomes"]}
    assert outcomes[("GET", "/v1/card/{cardId}", "403")]["seen"] == 1
    assert outcomes[("GET", "/v1/card/{cardId}", "403")]["documented"] is True


def test_a_stub_whose_own_status_is_one_of_its_header_rules_lists_it_once_as_its_own(client):
    schema = {"type": "object", "required": ["reason"]}
    assert client.post("/__mock/stubs", json={
        "id": "frozen", "method": "GET", "path": "/v1/frozen", "status": 403,
        "body": {"reason": "frozen"}, "schema": schema}).status_code == 200
    assert client.get("/v1/frozen", headers=headers()).get_json() == {"reason": "frozen"}
    outcomes = [(entry["outcome"], entry["seen"])
                for entry in client.get("/__mock/coverage").get_json()["outcomes"]
                if entry["path"] == "/v1/frozen"]
    assert sorted(outcomes) == [("401", 0), ("403", 1), ("498", 0), ("499", 0),
                                ("delayed", 0)]
    forbidden = client.get("/openapi.json").get_json()["paths"]["/v1/frozen"]["get"][
        "responses"]["403"]
    assert forbidden["content"]["application/json"]["schema"] == schema


def test_a_placeholder_the_request_lacks_is_left_empty_and_the_journal_says_so(client):
    card = client.get("/v1/card/c2", headers=headers())
    assert card.get_json() == {"id": "c2", "status": "ACTIVE", "last4": ""}
    (entry,) = client.get("/__mock/requests").get_json()["requests"]
    assert entry["note"] == ("stub getCard: {{query.last4}} named nothing in the request: "
                             "left empty")


@pytest.mark.parametrize("request_schema", [None, {"type": "object"}])
def test_a_body_value_no_json_reply_can_carry_is_left_empty_never_a_500(client,
                                                                        request_schema):
    stub = {"id": "echo", "method": "POST", "path": "/v1/echo", "auth": "none",
            "body": {"n": "{{body.n}}"}}
    if request_schema is not None:
        stub["requestSchema"] = request_schema
    assert client.post("/__mock/stubs", json=stub).status_code == 200
    huge = client.post("/v1/echo", data='{"n": %s}' % ("1" * 5000),
                       content_type="application/json")
    assert (huge.status_code, huge.get_json()) == (200, {"n": ""})
    notes = [entry["note"] for entry in client.get("/__mock/requests").get_json()["requests"]]
    assert "stub echo: {{body.n}} holds an integer longer than a reply can carry: left empty" \
        in notes
    if request_schema is None:  # no schema to refuse it: NaN is no JSON, so no body
        not_json = client.post("/v1/echo", data='{"n": NaN}', content_type="application/json")
        assert (not_json.status_code, not_json.get_json()) == (200, {"n": ""})


@pytest.mark.parametrize("value", ["a\r\nX-Evil: 1", "caf\u00e9", "\u0000"])
def test_a_header_value_no_header_can_carry_is_left_empty_never_a_500(client, value):
    stub = {"id": "echo", "method": "POST", "path": "/v1/echo", "auth": "none",
            "headers": {"X-Echo": "v={{body.v}}", "X-Kept": "{{body.kept}}"}, "body": {}}
    assert client.post("/__mock/stubs", json=stub).status_code == 200
    reply = client.post("/v1/echo", json={"v": value, "kept": "a b\tc"})
    assert reply.status_code == 200
    assert (reply.headers["X-Echo"], reply.headers["X-Kept"]) == ("v=", "a b\tc")
    assert "X-Evil" not in reply.headers
    (entry,) = client.get("/__mock/requests").get_json()["requests"]
    assert entry["note"] == ("stub echo: {{body.v}} holds what no header value can carry: "
                             "left empty")


def test_a_placeholders_index_past_any_list_is_left_empty_never_a_500(client):
    index = "9" * 5000
    stub = {"id": "pick", "method": "POST", "path": "/v1/pick", "auth": "none",
            "body": {"picked": f"{{{{body.items.{index}}}}}"}}
    assert client.post("/__mock/stubs", json=stub).status_code == 200
    reply = client.post("/v1/pick", json={"items": ["a", "b"]})
    assert (reply.status_code, reply.get_json()) == (200, {"picked": ""})


def test_a_status_written_with_a_fraction_of_zero_is_that_status(client):
    assert client.post("/__mock/stubs", json={"id": "made", "method": "POST", "path": "/v1/made",
                                              "auth": "none", "status": 201.0,
                                              "body": {}}).status_code == 200
    assert client.post("/v1/made").status_code == 201
    assert client.get("/__mock/stubs").get_json()["stubs"][-1]["status"] == 201


def test_in_strict_mode_a_reply_that_breaks_its_own_schema_never_leaves(client, caplog):
    # The schema's enum holds the fixture's literal; a run-time stub fills `status` from
    # the request, which may break it.
    client.post("/__mock/stubs", json={**STUBS[1], "id": "cardFromQuery",
                                       "path": "/v2/card/{cardId}",
                                       "body": {"id": "{{path.cardId}}",
                                                "status": "{{query.status}}"}})
    assert client.get("/v2/card/c?status=FROZEN", headers=headers()).status_code == 200
    broken = client.get("/v2/card/c?status=LOST", headers=headers())
    assert_error(broken, 500)
    assert "stub cardFromQuery's reply does not match its own schema at $.status" in \
        broken.get_json()["message"]
    assert "cardFromQuery" in caplog.text


def test_stubs_added_at_run_time_are_the_namespaces_until_its_reset(client):
    stub = {"id": "getRewards", "method": "GET", "path": "/v1/rewards", "body": {"points": 3}}
    added = client.post("/ns/team-a/__mock/stubs", json=stub)
    assert added.get_json() == {"kind": "stub", "key": "getRewards", "replaced": False}
    assert client.get("/ns/team-a/v1/rewards", headers=headers()).get_json() == {"points": 3}
    assert_error(client.get("/v1/rewards", headers=headers()), 404)
    listed = client.get("/ns/team-a/__mock/stubs").get_json()["stubs"]
    assert [item["id"] for item in listed] == [*(item["id"] for item in STUBS), "getRewards"]
    assert schemas.problems("control/stubs.json", {"stubs": listed}) == []

    replaced = client.post("/ns/team-a/__mock/stubs", json={**stub, "body": {"points": 4}})
    assert replaced.get_json()["replaced"] is True
    assert client.get("/ns/team-a/v1/rewards", headers=headers()).get_json() == {"points": 4}
    # Replacing a fixture's stub by its id, in one namespace only.
    client.post("/ns/team-a/__mock/stubs", json={**STUBS[-1], "body": {"up": False}})
    assert client.get("/ns/team-a/v1/status").get_json() == {"up": False}
    assert client.get("/v1/status").get_json() == {"up": True}

    assert client.delete("/ns/team-a/__mock/stubs/getRewards").status_code == 200
    assert_error(client.get("/ns/team-a/v1/rewards", headers=headers()), 404)
    gone = client.delete("/ns/team-a/__mock/stubs/getRewards")
    assert_error(gone, 404)
    assert "getRewards" in gone.get_json()["message"]
    client.post("/ns/team-a/__mock/reset")
    assert client.get("/ns/team-a/v1/status").get_json() == {"up": True}


@pytest.mark.parametrize(("stub", "field", "words"), [
    ({"id": "x", "method": "GET", "path": "v1/user"}, "path", "must be a path from /"),
    ({"id": "x", "method": "GET", "path": "/v1/{a-b}"}, "path", "must be a path from /"),
    ({"id": "x y", "method": "GET", "path": "/v1/x"}, "id", "must be letters, digits"),
    ({"id": "x", "method": "TRACE", "path": "/v1/x"}, "method", ""),
    ({"id": "x", "method": "GET", "path": "/v2/{a}/x/{a}"}, "path", "names {a} twice"),
    ({"id": "x", "method": "GET", "path": "/v1/order/{id}"}, "path",
     "would shadow the mock's own GET /v1/order/{orderId}"),
    ({"id": "x", "method": "GET", "path": "/__mock/stubs2"}, "path", "the mock's own /__mock/"),
    ({"id": "x", "method": "GET", "path": "/ns/a/v1/user"}, "path", "names a namespace"),
    ({"id": "x", "method": "GET", "path": "/v1/x", "schema": {"type": "nope"}}, "schema",
     "not a valid JSON Schema"),
    ({"id": "x", "method": "POST", "path": "/v1/x",
      "requestSchema": {"properties": {"n": {"pattern": "(?P<x>a)"}}}}, "requestSchema",
     "$.properties.n.pattern: '(?P<x>a)' is no ECMA-262 regular expression"),
    ({"id": "x", "method": "POST", "path": "/v1/x",
      "requestSchema": {"patternProperties": {"^\\p{L}+$": {}}}}, "requestSchema",
     "'^\\\\p{L}+$' is a pattern only ECMA-262 takes"),
    ({"id": "x", "method": "GET", "path": "/v1/x", "schema": {"$defs": {"card": {
        "$id": "https://cards.example/card.json", "patternProperties": {"\\p{L}": {}}}}}},
     "schema", "$.$defs.card.patternProperties: '\\\\p{L}' is a pattern only ECMA-262"),
    ({"id": "x", "method": "GET", "path": "/v1/x", "schema": {"$ref": "#/$defs/nope"}},
     "schema", "$ref '#/$defs/nope' leads to no schema"),
    ({"id": "x", "method": "POST", "path": "/v1/x",
      "requestSchema": {"items": {"$ref": "https://elsewhere.example/a.json"}}},
     "requestSchema", "$.items: $ref 'https://elsewhere.example/a.json' leads to no schema"),
    ({"id": "x", "method": "GET", "path": "/v1/x", "body": {"n": "one"},
      "schema": {"properties": {"n": {"type": "integer"}}}}, "body.n", "breaks its own schema"),
    ({"id": "x", "method": "GET", "path": "/v1/x", "body": {"n": "{{path.cardId}}"}}, "body.n",
     "{{path.cardId}} names nothing"),
    ({"id": "x", "method": "GET", "path": "/v1/x", "body": "{{user.email}}"}, "body",
     "{{user.email}} names nothing"),
    ({"id": "x", "method": "POST", "path": "/v1/x", "body": {"n": "{{body.nope}}"},
      "requestSchema": {"properties": {"n": {}}, "additionalProperties": False}}, "body.n",
     "{{body.nope}} names nothing"),
    ({"id": "x", "method": "GET", "path": "/v1/x", "schema": "card.json"}, "schema",
     "needs a fixtures folder"),
    ({"id": "x", "method": "GET", "path": "/v1/x", "headers": {"X A": "1"}}, "headers",
     "must be a header name"),
    ({"id": "x", "method": "GET", "path": "/v1/x", "headers": {"X-A:": "1"}}, "headers",
     "must be a header name"),
    ({"id": "x", "method": "GET", "path": "/v1/x", "headers": {"X-A": "a\r\nb"}},
     "headers.X-A", "must be printable ASCII and tabs"),
    ({"id": "x", "method": "GET", "path": "/v1/x", "headers": {"X-A": "\u20ac"}},
     "headers.X-A", "must be printable ASCII and tabs"),
    ({"id": "x", "method": "GET", "path": "/v1/x", "headers": {"Transfer-Encoding": "chunked"}},
     "headers.Transfer-Encoding", "is the server's to set"),
    ({"id": "x", "method": "GET", "path": "/v1/x", "headers": {"connection": "close"}},
     "headers.connection", "is the server's to set"),
    ({"id": "x", "method": "GET", "path": "/v1/x", "headers": {"Proxy-Authenticate": "Basic"}},
     "headers.Proxy-Authenticate", "is the server's to set"),
    ({"id": "x", "method": "GET", "path": "/v1/x", "headers": {"Trailers": "X-A"}},
     "headers.Trailers", "is the server's to set"),
    ({"id": "x" * 500, "method": "GET", "path": "/v1/x"}, "id", "x" * 150),
    ({"id": "x", "method": "DELETE", "path": "/v1/x", "status": 204, "body": {}}, "body",
     "a 204 reply carries no body"),
    ({"id": "x", "method": "GET", "path": "/v1/x", "status": 304, "body": None}, "body",
     "a 304 reply carries no body"),
])
def test_a_wrong_stub_is_422_naming_the_field_and_the_mock_is_unchanged(client, stub, field,
                                                                         words):
    before = client.get("/__mock/stubs").get_json()
    reply = client.post("/__mock/stubs", json=stub)
    assert_error(reply, 422)
    message = reply.get_json()["message"]
    assert len(message) < 250  # a long value is quoted cut short
    assert message.startswith(field), message
    assert words in message
    assert client.get("/__mock/stubs").get_json() == before


def test_another_method_at_an_order_endpoints_path_is_a_stub_like_any_other(client):
    listing = {"id": "listOrders", "method": "GET", "path": "/v1/order", "body": []}
    assert client.post("/__mock/stubs", json=listing).status_code == 200
    assert client.get("/v1/order", headers=headers()).get_json() == []
    assert_error(client.put("/v1/order", headers=headers()), 405)


def test_a_stub_whose_names_would_take_the_mocks_own_paths_answers_none_of_them(client):
    stub = {"id": "anyPair", "method": "PUT", "path": "/{first}/{second}", "auth": "none",
            "body": {"second": "{{path.second}}"}}
    assert client.post("/__mock/stubs", json=stub).status_code == 200
    assert client.put("/v1/user").get_json() == {"second": "user"}
    assert_error(client.put("/__mock/coverage"), 405)
    assert_error(client.put("/ns/team-a/__mock/namespaces"), 405)


def test_the_openapi_document_describes_each_stub(client):
    document = client.get("/openapi.json").get_json()
    card = document["paths"]["/v1/card/{cardId}"]["get"]
    assert card["operationId"] == "getCard"
    assert card["tags"] == ["stubs"]
    assert card["responses"]["200"]["content"]["application/json"]["schema"] == CARD_SCHEMA
    assert set(card["responses"]) == {"200", "401", "403", "498", "499"}
    assert card["parameters"][0]["name"] == "cardId"
    freeze = document["paths"]["/v1/card/{cardId}/freeze"]["post"]
    assert freeze["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "frozen"]
    assert "422" in freeze["responses"]
    status = document["paths"]["/v1/status"]["get"]
    assert "security" not in status
    assert set(status["responses"]) == {"200"}
    client.post("/ns/b/__mock/stubs", json={"id": "late", "method": "GET", "path": "/v1/late"})
    assert "/v1/late" in client.get("/ns/b/openapi.json").get_json()["paths"]
    assert "/v1/late" not in client.get("/openapi.json").get_json()["paths"]
    # Each document sends its client where its paths are served, however it was asked for.
    assert client.get("/ns/b/openapi.json").get_json()["servers"][0]["url"] == "/ns/b"
    assert client.get("/openapi.json", headers={"X-Mock-Namespace": "b"}).get_json()[
        "servers"][0]["url"] == "/ns/b"
    assert client.get("/openapi.json").get_json()["servers"][0]["url"] == "/"


@pytest.mark.parametrize(("content_type", "documented"), [
    ("text/plain; charset=utf-8", "text/plain"), ("{{query.type}}", "*/*")])
def test_the_openapi_document_gives_a_stubs_own_content_type(client, content_type,
                                                             documented):
    client.post("/__mock/stubs", json={"id": "note", "method": "GET", "path": "/v1/note",
                                       "auth": "none", "headers": {"Content-Type": content_type},
                                       "body": "a note"})
    note = client.get("/openapi.json").get_json()["paths"]["/v1/note"]["get"]
    assert list(note["responses"]["200"]["content"]) == [documented]
    if documented == "text/plain":
        assert client.get("/v1/note").headers["Content-Type"] == content_type


def test_a_stubs_schema_may_refer_to_its_own_definitions_and_the_mocks_schemas(client):
    from openapi_spec_validator import validate

    stub = {"id": "refs", "method": "POST", "path": "/v1/refs",
            "requestSchema": {"type": "object", "required": ["status"], "properties": {
                "status": {"$ref": SCHEMA_BASE + "order-status-response.json#/$defs/OrderStatus"}}},
            "schema": {"$ref": "#/$defs/echo", "$defs": {"echo": {
                "type": "object", "properties": {"message": {"type": "string"}}}}},
            "body": {"message": "{{body.status}}"}}
    assert client.post("/__mock/stubs", json=stub).status_code == 200
    assert client.post("/v1/refs", json={"status": "COMPLETED"}, headers=headers()
                       ).get_json() == {"message": "COMPLETED"}
    assert_error(client.post("/v1/refs", json={"status": "LOST"}, headers=headers()), 422)
    document = client.get("/openapi.json").get_json()
    validate(document)
    assert document["components"]["schemas"]["stub.refs.reply"]["$ref"] == \
        "#/components/schemas/stub.refs.reply/$defs/echo"


def nested(depth: int, core: Any = "deep") -> Any:
    value: Any = core
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("field", ["body", "schema", "requestSchema"])
def test_a_stub_nested_past_the_bound_is_refused_with_422_and_changes_nothing(client, field):
    before = client.get("/__mock/stubs").get_json()
    deep = nested(40) if field == "body" else {"items": nested(40)}
    reply = client.post("/__mock/stubs", json={"id": "deep", "method": "POST",
                                               "path": "/v1/deep", field: deep})
    assert_error(reply, 422, f"{field}: is nested more than 32 deep")
    assert client.get("/__mock/stubs").get_json() == before


def test_a_value_too_deep_to_echo_is_left_empty_and_noted(client):
    deep = {"frozen": nested(400)}
    reply = client.post("/v1/card/card-7/freeze", json=deep, headers=headers())
    assert reply.status_code == 422  # freezeCard's requestSchema: frozen is a boolean
    assert client.post("/__mock/stubs", json={
        "id": "echo", "method": "POST", "path": "/v1/echo",
        "body": {"echo": "{{body.value}}"}}).status_code == 200
    echoed = client.post("/v1/echo", json={"value": nested(400)}, headers=headers())
    assert echoed.get_json() == {"echo": ""}
    assert client.get("/__mock/requests").get_json()["requests"][-1]["note"] == (
        "stub echo: {{body.value}} holds a value nested more than 32 deep: left empty")


def test_a_request_schema_that_refers_to_itself_refuses_a_body_too_deep_with_422(client):
    assert client.post("/__mock/stubs", json={
        "id": "tree", "method": "POST", "path": "/v1/tree", "body": {"ok": True},
        "requestSchema": {"$defs": {"node": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
                          "type": "object", "properties": {"tree": {"$ref": "#/$defs/node"}}},
    }).status_code == 200
    reply = client.post("/v1/tree", json={"tree": nested(600, [])}, headers=headers())
    assert_error(reply, 422, "request body is nested too deeply")
    assert client.post("/v1/tree", json={"tree": nested(5, [])}, headers=headers()).status_code \
        == 200


def test_a_path_value_with_a_line_feed_reaches_the_stub_and_its_header_rules(client):
    assert client.get("/v1/card/a%0Ab", headers=headers()).get_json()["id"] == "a\nb"
    assert_error(client.get("/v1/card/a%0Ab"), 499)


def test_the_openapi_document_gives_every_stub_at_a_path_and_what_its_when_asks(client):
    wallet = client.get("/openapi.json").get_json()["paths"]["/v1/wallet"]["get"]
    # eurWallet first, wallet after it for every other request: one operation, both
    # answers, no status for a `when` that does not hold (wallet answers then).
    assert wallet["operationId"] == "eurWallet"
    assert ("currency", "query") in [(parameter["name"], parameter["in"])
                                     for parameter in wallet["parameters"]]
    assert "404" not in wallet["responses"]
    for path, method, fallback in (("/v1/only-eur", "GET", "404"), ("/v1/order", "GET", "405")):
        assert client.post("/__mock/stubs", json={
            "id": f"eur-{method}{path.replace('/', '-')}", "method": method, "path": path,
            "auth": "none", "body": {"currency": "EUR"},
            "when": {"query": {"currency": "EUR"}}}).status_code == 200
        operation = client.get("/openapi.json").get_json()["paths"][path][method.lower()]
        assert set(operation["responses"]) == {"200", fallback}
        assert client.get(path).status_code == int(fallback)
        assert client.get(f"{path}?currency=EUR").status_code == 200


def test_the_openapi_document_names_each_parameter_once_and_no_404_a_wider_stub_takes(client):
    from openapi_spec_validator import validate

    for stub in ({"id": "envOnly", "method": "GET", "path": "/v1/env", "body": {"a": 1},
                  "when": {"headers": {"x-us-env": "true"}}},
                 {"id": "special", "method": "GET", "path": "/v1/things/special",
                  "auth": "none", "body": {"a": 1}, "when": {"query": {"q": "1"}}},
                 {"id": "anyThing", "method": "GET", "path": "/v1/things/{id}", "auth": "none",
                  "body": {"a": 2}}):
        assert client.post("/__mock/stubs", json=stub).status_code == 200
    document = client.get("/openapi.json").get_json()
    validate(document)
    env = document["paths"]["/v1/env"]["get"]["parameters"]
    assert [parameter["name"].lower() for parameter in env].count("x-us-env") == 1
    assert set(document["paths"]["/v1/things/special"]["get"]["responses"]) == {"200"}
    assert client.get("/v1/things/special").get_json() == {"a": 2}


@pytest.mark.parametrize("field", ["schema", "requestSchema"])
def test_a_stub_schema_that_refers_to_itself_without_end_is_refused(client, field):
    reply = client.post("/__mock/stubs", json={"id": "loop", "method": "POST",
                                               "path": "/v1/loop", "body": {"a": 1},
                                               field: {"$ref": "#"}})
    assert_error(reply, 422, f"{field}: not a valid JSON Schema: $: refers to itself without "
                             "end (a $ref back to where it is)")


def test_a_stub_schema_naming_its_dialect_judges_patterns_as_ecma_262_at_every_depth(client):
    assert client.post("/__mock/stubs", json={
        "id": "tree", "method": "POST", "path": "/v1/tree", "auth": "none", "body": {},
        "requestSchema": {"$schema": "https://json-schema.org/draft/2020-12/schema",
                          "type": "object", "properties": {
                              "a": {"type": "string", "pattern": "^x$"}, "child": {"$ref": "#"}}},
    }).status_code == 200
    assert client.post("/v1/tree", json={"child": {"a": "x"}}).status_code == 200
    assert_error(client.post("/v1/tree", json={"child": {"a": "x\n"}}), 422)


def test_a_stub_pattern_is_any_that_ecma_262_takes(client):
    assert client.post("/__mock/stubs", json={
        "id": "named", "method": "POST", "path": "/v1/named", "auth": "none", "body": {},
        "requestSchema": {"properties": {"name": {"pattern": "^\\p{L}+$"}}}}).status_code == 200
    assert client.post("/v1/named", json={"name": "Zoë"}).status_code == 200
    assert_error(client.post("/v1/named", json={"name": "Zoë1"}), 422)
