"""The fidelity ledger: every rule with its basis and the tests that hold the mock to it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mock_baanx.cli import main
from mock_baanx.protocol import ROUTES, openapi
from mock_baanx.protocol.fidelity_ledger import RULES, Basis, counts

ROOT = Path(__file__).resolve().parents[2]


def test_every_rule_has_a_unique_id_a_basis_a_source_and_tests():
    assert len({rule.id for rule in RULES}) == len(RULES)
    for rule in RULES:
        assert re.fullmatch(r"[a-z0-9-]+\.[a-z0-9-]+", rule.id), rule.id
        assert rule.statement, rule.id
        assert rule.source, rule.id
        assert rule.tests, rule.id
    assert {rule.basis for rule in RULES} == set(Basis)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_the_tests_a_rule_names_exist(rule):
    for test in rule.tests:
        path, _, name = test.partition("::")
        source = (ROOT / path).read_text()
        assert re.search(rf"^(async )?def {name}\(", source, re.MULTILINE), test


def test_every_rule_a_reply_carries_is_on_an_operation_of_the_table():
    operations = {route.operation: route for route in ROUTES}
    for rule in RULES:
        for operation, status in rule.replies:
            route = operations[operation]
            assert status == route.reply_status or status in route.errors, (rule.id, status)


def test_the_fidelity_page_states_the_ledgers_counts():
    page = " ".join((ROOT / "docs" / "fidelity.md").read_text().split())
    tally = counts()
    assert (f"{len(RULES)} rules, {tally[Basis.DOCUMENTED]} documented by Baanx, "
            f"{tally[Basis.OBSERVED]} observed in real clients") in page
    assert f"{tally[Basis.DECIDED]} decided by this project" in page


def test_rules_prints_every_rule_with_its_basis(capsys):
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    for rule in RULES:
        assert f"{rule.id}  [{rule.basis.value}]" in out
    assert out.rstrip().endswith(f"{len(RULES)} rules: {counts()[Basis.DOCUMENTED]} documented, "
                                 f"{counts()[Basis.OBSERVED]} observed, "
                                 f"{counts()[Basis.DECIDED]} decided")


def test_rules_json_lists_the_tests_and_the_document_the_basis(capsys):
    assert main(["rules", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["rules"]
    assert [rule["id"] for rule in listed] == [rule.id for rule in RULES]
    assert listed[0].keys() == {"id", "statement", "basis", "source", "tests"}
    document = openapi.document(ROUTES)
    named = {entry["rule"] for item in document["paths"].values() for operation in item.values()
             for reply in operation["responses"].values()
             for entry in reply.get("x-fidelity", [])}
    assert named == {rule.id for rule in RULES if rule.replies}
