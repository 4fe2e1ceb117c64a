"""Fixtures: the defaults the docs table lists, user files, and clear errors for bad ones."""

from __future__ import annotations

import json
import re

import pytest

from mock_baanx import Backend, create_app, load_fixtures
from mock_baanx.storage.fixture_files import FixtureError

from ..helpers import assert_error, assert_valid, create, headers


def test_defaults_are_exactly_the_documented_ones():
    fixtures = load_fixtures()
    assert [client.id for client in fixtures.clients] == ["demo-client"]
    users = {user.token: user for user in fixtures.users}
    assert set(users) == {"demo-token", "ineligible-token", "subscribed-token",
                          "forbidden-token", "expired-token"}
    assert users["ineligible-token"].kyc_verified is False
    assert users["subscribed-token"].ineligible_products == {"PREMIUM_SUBSCRIPTION"}
    assert users["forbidden-token"].permitted is False
    assert users["expired-token"].expired is True
    products = {product.id: product for product in fixtures.products}
    assert set(products) == {"PREMIUM_SUBSCRIPTION", "METAL_CARD"}
    assert products["PREMIUM_SUBSCRIPTION"].payment_config.payment_amount == 199
    assert products["METAL_CARD"].payment_config.payment_amount == 299
    for product in products.values():
        assert product.payment_config.destination_chain_id == "59144"
        assert product.payment_config.destination_token_symbol == "USDC"
    assert set(fixtures.lifecycles) == {"complete", "fail", "expire", "never",
                                        "complete-after-30s", "instant", "pending", "refund"}
    # The two that use statuses seen only in real clients are usable with the switch alone.
    assert {name for name, lifecycle in fixtures.lifecycles.items()
            if lifecycle.extended_statuses} == {"pending", "refund"}


def test_a_folder_of_yaml_replaces_the_products_and_keeps_the_other_defaults(tmp_path):
    (tmp_path / "products.yaml").write_text(
        "- id: GOLD_CARD\n"
        "  description: Gold card\n"
        "  paymentConfig:\n"
        "    paymentAmount: 999.5\n"
        "    paymentCurrency: EUR\n"
        "    destinationAddress: '0xabc'\n"
        "    destinationChainId: '8453'\n"
        "    destinationTokenSymbol: USDC\n"
        "    destinationTokenAddress: '0xdef'\n"
        "- id: FREE_THING\n"
        "  description: Needs no payment\n")
    client = create_app(Backend(load_fixtures(tmp_path))).test_client()
    products = assert_valid(client.get("/v1/order/products/available", headers=headers()),
                            "available-products-response.json")
    assert [product["id"] for product in products] == ["GOLD_CARD", "FREE_THING"]
    method = "CRYPTO_EXTERNAL_DAIMO"
    gold = create(client, body={"productId": "GOLD_CARD", "paymentMethod": method})
    assert gold["paymentConfig"]["paymentAmount"] == 999.5
    free = create(client, body={"productId": "FREE_THING", "paymentMethod": method})
    assert "paymentConfig" not in free


def test_a_users_file_adds_a_user(tmp_path):
    (tmp_path / "users.json").write_text(json.dumps([
        {"token": "US_b6b9168a-bb56-4c6a-9c0d-4650ea74f5f9", "id": "alice"}]))
    client = create_app(Backend(load_fixtures(tmp_path))).test_client()
    create(client, token="US_b6b9168a-bb56-4c6a-9c0d-4650ea74f5f9")
    assert_error(client.get("/v1/order/products/available", headers=headers()), 401)


def test_a_single_file_with_every_kind(tmp_path):
    file = tmp_path / "mock.yaml"
    file.write_text(
        "clients: [{id: my-app}]\n"
        "users: [{token: t1, id: u1}]\n"
        "products: [{id: P1, description: One, lifecycle: slow}]\n"
        "lifecycles:\n"
        "  slow: {steps: [{status: COMPLETED, afterPolls: 5}]}\n")
    fixtures = load_fixtures(file)
    assert [client.id for client in fixtures.clients] == ["my-app"]
    assert "slow" in fixtures.lifecycles
    assert "complete" in fixtures.lifecycles
    assert fixtures.products[0].lifecycle == "slow"


@pytest.mark.parametrize(("files", "culprit", "field", "problem"), [
    ({"users.json": "[{"}, "users.json", None, "is not valid JSON"),
    ({"users.yaml": "- token: [unclosed"}, "users.yaml", None, "is not valid YAML"),
    # PyYAML's message, over three lines, in one.
    ({"users.yaml": "a: [1,\n  b: }{"}, "users.yaml", None,
     "is not valid YAML: while parsing a flow node expected the node content, but found '}' "
     'in "'),
    # A file that is no fixtures file at all is not quoted whole.
    ({"products.json": '[{"id": "P", "description": "d", "a": 1, "b": 2, "c": 3, "d": 4}]'},
     "products.json", "$[0]", "has a field it does not know: a, b, c and 1 more"),
    ({"users.yaml": "- token: t\n  id: 2026-02-30"}, "users.yaml", None,
     "has a value that cannot be read: day is out of range for month"),
    ({"users.yaml": "- token: " + "9" * 5000}, "users.yaml", None,
     "has a value that cannot be read: Exceeds the limit (4300 digits)"),
    ({"users.yaml": "[" * 100_000}, "users.yaml", None, "is nested too deeply"),
    ({"users.json": "[" * 100_000}, "users.json", None, "is nested too deeply"),
    ({"users.yaml": "hello world"}, "users.yaml", "$",
     "must be a JSON array or a JSON object, not a string"),
    ({"users.json": '[{"token": 5, "id": "u"}]'}, "users.json", "$[0].token",
     "must be a string"),
    ({"users.json": '[{"id": "u"}]'}, "users.json", "$[0].token", "is required"),
    ({"users.yaml": "- tokn: carol-token\n  id: carol"}, "users.yaml", "$[0].token",
     "is required"),
    ({"users.yaml": "add:\n  - tokn: carol-token\n    id: carol"}, "users.yaml",
     "$.add[0].token", "is required"),
    ({"products.json": '[{"id": "P\\ud800", "description": "d"}]'}, "products.json", None,
     'has a string the mock cannot keep: "P\ud800" holds a lone surrogate (U+D800)'),
    ({"users.yaml": '- {token: t, id: u, description: "a\\0"}'}, "users.yaml", None,
     'has a string the mock cannot keep: "a\\u0000" holds U+0000'),
    ({"users.json": '[{"token": "a b", "id": "u"}]'}, "users.json", "$[0].token",
     'must be printable ASCII without spaces, not "a b"'),
    ({"users.json": '[{"token": "t", "id": "u"}, {"token": "t", "id": "v"}]'}, "users.json",
     "$[1].token", "duplicate token"),
    ({"users.json": '[{"token": "t", "id": "u", "ineligibleProducts": ["NOPE"]}]'},
     "users.json", "$[0].ineligibleProducts[0]", "unknown product 'NOPE'"),
    ({"clients.json": "[]"}, "clients.json", "$", "should be non-empty"),
    ({"products.json": '[{"id": "P", "description": "d", "price": 3}]'}, "products.json",
     "$[0]", "has a field it does not know: price"),
    ({"products.json": '[{"id": "P", "description": "d", "paymentConfig": {'
      '"paymentAmount": "199"}}]'}, "products.json", "$[0].paymentConfig.paymentAmount",
     "must be a number"),
    ({"products.json": '[{"id": "P", "description": "d", "lifecycle": "nope"}]'},
     "products.json", "$[0].lifecycle", "unknown lifecycle 'nope'"),
    ({"lifecycles/slow.json": '{"steps": [{"status": "DONE", "afterPolls": 1}]}'},
     "slow.json", "$.steps[0].status", "must be one of: STARTED, COMPLETED, FAILED, EXPIRED"),
    ({"lifecycles/slow.json": '{"steps": [{"status": "FAILED"}]}'}, "slow.json",
     "$.steps[0]", "needs exactly one of: afterPolls, afterSeconds"),
    ({"lifecycles/slow.json": '{"steps": [{"status": "FAILED", "afterPols": 3}]}'},
     "slow.json", "$.steps[0]", "has a field it does not know: afterPols"),
    ({"users.yaml": "add:\n  - {token: t, id: u}\n  - {token: t, id: v}"}, "users.yaml",
     "$.add[1].token", "duplicate token 't'"),
    ({"products.yaml": "add:\n  - {id: P, description: d, lifecycle: nope}"},
     "products.yaml", "$.add[0].lifecycle", "unknown lifecycle 'nope'"),
])
def test_bad_fixture_files_name_the_file_and_the_field(tmp_path, files, culprit, field,
                                                       problem):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    with pytest.raises(FixtureError) as raised:
        load_fixtures(tmp_path)
    assert raised.value.file.endswith(culprit)
    assert raised.value.field == field
    assert problem in raised.value.problem


COMBINED_ERRORS = [
    ("stubs:\n  - {id: a, method: GET, path: '/v1/order/{id}', body: {}}", "$.stubs[0].path",
     "would shadow"),
    ("stubs:\n  - {id: a, method: GET, path: /v1/card, body: {}}\n"
     "  - {id: a, method: GET, path: /v1/user, body: {}}", "$.stubs[1].id", "duplicate id 'a'"),
    ("products:\n  - {id: P, description: d, lifecycle: nope}", "$.products[0].lifecycle",
     "unknown lifecycle 'nope'"),
    ("users:\n  add:\n    - {token: t, id: u, ineligibleProducts: [NOPE]}",
     "$.users.add[0].ineligibleProducts[0]", "unknown product 'NOPE'"),
    ("lifecycles:\n  slow:\n    steps:\n      - {status: COMPLETED, afterPolls: 1, "
     "paidAt: '2026-02-30 00:00:00.000+00'}", "$.lifecycles.slow.steps[0].paidAt",
     "a day no calendar has"),
]


@pytest.mark.parametrize(("text", "field", "problem"), COMBINED_ERRORS)
def test_an_error_in_a_file_of_every_kind_names_the_field_under_its_kind(tmp_path, text, field,
                                                                         problem):
    (tmp_path / "mine.yaml").write_text(text)
    with pytest.raises(FixtureError) as raised:
        load_fixtures(tmp_path / "mine.yaml")
    assert (raised.value.field, problem in raised.value.problem) == (field, True)


def test_a_missing_path_is_an_error(tmp_path):
    with pytest.raises(FixtureError, match="no such file or folder"):
        load_fixtures(tmp_path / "nowhere")


def test_an_empty_folder_is_an_error(tmp_path):
    with pytest.raises(FixtureError, match="no fixtures found"):
        load_fixtures(tmp_path)


@pytest.mark.parametrize(("files", "message"), [
    ({"users.json": "[]", "users.yaml": "[]"}, "both users.json and users.yaml give the users: "
                                               "keep one"),
    ({"product.yaml": "[]"}, "product.yaml: is not a fixtures file: expected clients, users, "
                             "products or stubs (.json, .yaml or .yml)"),
    ({"users.json": ""}, "users.json: is empty"),
    ({"users.yaml": "- token: [unclosed"}, 'in "'),
])
def test_a_fixtures_folder_is_never_read_in_part_silently(tmp_path, files, message):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(FixtureError, match=re.escape(message)) as raised:
        load_fixtures(tmp_path)
    assert "<unicode string>" not in str(raised.value)
    if "users.yaml" in files and len(files) == 1:
        assert f'in "{tmp_path / "users.yaml"}"' in str(raised.value)


def test_no_fixtures_found_names_every_accepted_suffix(tmp_path):
    with pytest.raises(FixtureError, match=r"\.json, \.yaml or \.yml"):
        load_fixtures(tmp_path)


def test_a_kind_given_as_add_keeps_the_defaults(tmp_path):
    (tmp_path / "users.yaml").write_text("add:\n  - token: carol-token\n    id: carol\n")
    users = {user.token for user in load_fixtures(tmp_path).users}
    assert {"demo-token", "carol-token"} <= users
    fixtures = load_fixtures({"users": {"add": [{"token": "dave", "id": "dave"}]},
                              "products": [{"id": "ONLY", "description": "only"}]})
    assert "dave" in {user.token for user in fixtures.users}
    assert [product.id for product in fixtures.products] == ["ONLY"]


def test_a_list_on_its_own_under_another_name_is_told_to_take_its_kinds_name(tmp_path):
    mine = tmp_path / "my-stubs.yaml"
    mine.write_text("- {id: ping, method: GET, path: /v1/ping, body: {}}\n")
    with pytest.raises(FixtureError, match=r"is a list, which a file holds on its own only "
                                           r"under its kind's name \(stubs\.yaml"):
        load_fixtures(mine)
    renamed = tmp_path / "stubs.yaml"
    mine.rename(renamed)
    assert [stub.id for stub in load_fixtures(renamed).stubs] == ["ping"]
