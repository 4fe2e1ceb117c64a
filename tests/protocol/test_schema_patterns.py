"""One verdict on validity: every `pattern` in schemas/ judged alike by each schema engine
the mock uses — jsonschema-rs, which answers first, and jsonschema, the reference, whose
`pattern` is ECMA-262's (regress) — over values where regular expression dialects part."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml

from mock_baanx.protocol import schemas

from ..helpers import ORDER_BODY, create, headers


def patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from patterns(item)


PATTERNS = sorted({pattern for schema in schemas.SCHEMAS.values()
                   for pattern in patterns(schema)})
SAMPLES = ["0x3a11", "59144", "2026-03-27 17:07:12.662+00", "2026-03-27 17:07:12.662+05:30",
           "ci-job-17", "demo.client_1", "Ab", "~!"]
EDGES = [
    "",
    *SAMPLES,
    # `$` at the end of input only, never before a final line feed.
    *(sample + "\n" for sample in SAMPLES),
    *(sample + "\r\n" for sample in SAMPLES),
    *("\n" + sample for sample in SAMPLES),
    # `\d` and `\w` are ASCII; `\s` is Unicode's white space.
    "\u0665\u0669\u0661\u0664\u0664",  # Arabic-Indic digits
    "\uff15\uff19\uff11",  # full-width digits
    "0x\u0661\u0662",
    "caf\u00e9",
    "\u00a0",
    "\u2028",
    # Lone surrogates, which JSON's \ud800 escapes can carry.
    "\ud800",
    "0x\udfff",
    "ab\ud83d",
    # Very long strings.
    "0x" + "a" * 100_000,
    "0x" + "a" * 100_000 + "\n",
    "9" * 100_000,
    "a" * 64,
    "a" * 65,
]


def test_the_schemas_have_patterns_to_judge():
    assert len(PATTERNS) >= 5


@pytest.mark.parametrize("pattern", PATTERNS)
def test_every_engine_gives_one_verdict_on_every_edge(pattern):
    schema = {"type": "string", "pattern": pattern}
    reference = schemas.validator_class()(schema)
    fast = jsonschema_rs.validator_for(schema)
    split = []
    for value in EDGES:
        expected = reference.is_valid(value)
        try:
            answered = fast.is_valid(value)
        except ValueError:
            # A string the fast engine cannot take (a lone surrogate): the reference judges
            # it alone (schemas.is_valid).
            continue
        if answered != expected:
            split.append((value[:40], expected, answered))
    assert split == []


@pytest.mark.parametrize(("pattern", "value", "valid"), [
    ("^0x[0-9a-fA-F]+$", "0xab\n", False),
    ("^[0-9]+$", "59144\n", False),
    ("^\\d+$", "\u0665\u0669", False),
    ("^\\d+$", "59144", True),
    ("^\\w+$", "caf\u00e9", False),
    ("^\\s$", "\u00a0", True),
    ("^[\\x21-\\x7e]+$", "\ud800", False),
    ("^.$", "\ud800", True),
])
def test_the_reference_reads_patterns_as_ecma_262_does(pattern, value, valid):
    assert schemas.validator_class()({"type": "string", "pattern": pattern}).is_valid(
        value) is valid


def test_a_trailing_newline_is_refused_where_the_pattern_ends_its_value(client):
    order_id = create(client)["orderId"]
    reply = client.post(f"/__mock/orders/{order_id}/status",
                        json={"status": "COMPLETED", "txHash": "0xab\n"})
    assert reply.status_code == 422
    assert "txHash" in reply.get_json()["message"]
    assert client.get(f"/v1/order/{order_id}", headers=headers()).get_json()["status"] == \
        "STARTED"
    for body in ({**ORDER_BODY, "productId": "PREMIUM_SUBSCRIPTION\n"},):
        assert client.post("/v1/order", json=body, headers=headers()).status_code == 422


def load_bundled(name: str) -> Any:
    return json.loads((schemas.bundled("fixtures") / name).read_text(encoding="utf-8"))


STUBS = yaml.safe_load((Path(__file__).parents[2] / "examples" / "stubs.yaml").read_text())
LIFECYCLE = {"steps": [{"status": "COMPLETED", "afterPolls": 1, "txHash": "0xab",
                        "paidAt": "2026-03-27 17:07:12.662+00"}]}
# Whole documents, each against the schema the mock holds it to: their patterns are reached
# through `$ref`s into other files, as the mock's own checks reach them.
DOCUMENTS = [
    ("fixtures/users.json", load_bundled("users.json")),
    ("fixtures/products.json", load_bundled("products.json")),
    ("fixtures/stubs.json", STUBS),
    ("fixtures/fixtures.json", {"users": load_bundled("users.json"),
                                "products": load_bundled("products.json"),
                                "lifecycles": {"paid": LIFECYCLE}}),
    *(("control/user-request.json", user) for user in load_bundled("users.json")),
    *(("control/product-request.json", product) for product in load_bundled("products.json")),
    ("control/lifecycle-add-request.json", {"name": "paid", "lifecycle": LIFECYCLE}),
    *(("control/stub-request.json", stub) for stub in STUBS),
    ("create-order-response.json", {"orderId": "ord_1", "paymentConfig": load_bundled(
        "products.json")[0]["paymentConfig"]}),
]


def strings_changed(node: Any) -> Iterator[Any]:
    """`node` once per string in it and per edge value, that string replaced by it."""
    if isinstance(node, str):
        yield from (node + "\n", "\n" + node, node + "\u0661", "\ud800" + node)
    elif isinstance(node, dict):
        for key, value in node.items():
            for changed in strings_changed(value):
                yield {**node, key: changed}
    elif isinstance(node, list):
        for index, item in enumerate(node):
            for changed in strings_changed(item):
                yield [*node[:index], changed, *node[index + 1:]]


@pytest.mark.parametrize(("name", "document"), DOCUMENTS,
                         ids=[f"{name}-{index}" for index, (name, _) in enumerate(DOCUMENTS)])
def test_every_engine_gives_one_verdict_on_whole_documents(name, document):
    reference, fast = schemas.validator(name), schemas.fast_validator(name)
    assert reference.is_valid(document)
    assert fast.is_valid(document)
    split = []
    for changed in strings_changed(document):
        try:
            answered = fast.is_valid(changed)
        except ValueError:
            continue  # a lone surrogate: the reference judges it alone
        if answered != reference.is_valid(changed):
            split.append((changed, answered))
    assert split == []


@pytest.mark.parametrize(("path", "body"), [
    ("/__mock/users", {"token": "new-token\n", "id": "u"}),
    ("/__mock/lifecycles", {"name": "paid", "lifecycle": {
        "steps": [{"status": "COMPLETED", "afterPolls": 0, "txHash": "0xab\n"}]}}),
    ("/__mock/products", {"id": "NEW", "description": "d", "paymentConfig": {
        **load_bundled("products.json")[0]["paymentConfig"], "destinationChainId": "59144\n"}}),
    ("/__mock/stubs", {"id": "getUser\n", "method": "GET", "path": "/v1/user", "body": {}}),
    ("/__mock/stubs", {"id": "getUser", "method": "GET", "path": "/v1/user", "body": {},
                       "headers": {"X-Card": "a\n"}}),
])
def test_a_trailing_newline_is_refused_in_what_the_control_api_adds(client, path, body):
    reply = client.post(path, json=body)
    assert reply.status_code == 422, reply.get_json()
    assert "\\n" in reply.get_json()["message"]
