"""Findings: how a reply departs from the contract, in one form for `verify` and the proxy.

A finding names the JSON path, the rule broken (its fidelity-ledger id and what it
expects), the value seen, and a severity: **drift** (a changed type, a missing field, a
status or enum value the docs do not list — a client may break) or **novelty** (a field
the docs do not mention — no client breaks; `--strict` counts it as drift).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from jsonschema.exceptions import ValidationError

from ..protocol import schemas
from ..protocol.fidelity_ledger import RULES_BY_ID


class Severity(StrEnum):
    DRIFT = "drift"
    NOVELTY = "novelty"


# The ledger rule a reply schema stands for.
SHAPE_RULES = {
    "available-products-response.json": "products.shape",
    "create-order-response.json": "create.shape",
    "order-status-response.json": "status.shape",
    "error.json": "error.body",
}
ADDED_FIELD_RULE = "reply.added-fields"
# A stub's own rule, `stub.<id>`: its reply meets the schema it was recorded (or written)
# with.
STUB_RULE = "stub."


@dataclass(frozen=True, slots=True)
class Finding:
    """One way a reply departs from the contract."""

    json_path: str
    expected: str
    actual: str
    rule_id: str
    severity: Severity = Severity.DRIFT

    def __post_init__(self) -> None:
        assert self.rule_id in RULES_BY_ID or self.rule_id.startswith(STUB_RULE), self.rule_id

    def line(self, endpoint: str) -> str:
        novelty = " (novelty)" if self.severity is Severity.NOVELTY else ""
        return f"{endpoint}  {self.json_path}  [{self.rule_id}]{novelty}  {self.expected}  " \
               f"got {self.actual}"

    def as_json(self) -> dict[str, str]:
        return {"jsonPath": self.json_path, "ruleId": self.rule_id, "rule": self.expected,
                "severity": self.severity.value, "actual": self.actual}


# What `parsed_json` answers for a body that is not JSON.
NOT_JSON: Any = object()


def parsed_json(data: bytes) -> Any:
    """The JSON value of a reply's body, or NOT_JSON."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError):  # nested past what a parser follows: none is JSON
        return NOT_JSON


def media_findings(rule_id: str, content_type: str, data: bytes, body: Any) -> list[Finding]:
    """Whether a reply that should be JSON says it is and is, under `rule_id`: `body` is
    `data` parsed (`parsed_json`)."""
    findings = []
    if content_type.split(";")[0].strip().lower() != "application/json":
        findings.append(Finding("(Content-Type)", "expected application/json",
                                shown(content_type), rule_id))
    if body is NOT_JSON:
        findings.append(Finding("$", "expected a JSON body",
                                shown(data[:80].decode("utf-8", "replace")), rule_id))
    return findings


def shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


def schema_findings(schema: str, instance: Any) -> list[Finding]:
    """Where `instance` departs from `schemas/<schema>`, one finding per departure."""
    errors = sorted(schemas.validator(schema).iter_errors(instance), key=lambda e: e.json_path)
    shape_rule = SHAPE_RULES.get(schema, "status.documented")
    return [finding for error in errors for finding in _findings(error, shape_rule)]


def _findings(error: ValidationError, shape_rule: str) -> list[Finding]:
    instance: Any = error.instance
    schema: Any = error.schema
    if error.validator == "additionalProperties":
        return [Finding(f"{error.json_path}.{name}", "a field the docs do not mention",
                        shown(instance[name]), ADDED_FIELD_RULE, Severity.NOVELTY)
                for name in sorted(set(instance) - set(schema.get("properties", {})))]
    return [_finding(error, shape_rule)]


def stub_findings(validator: Any, instance: Any, rule_id: str) -> list[Finding]:
    """Where `instance` departs from a stub's schema (its `validator`), each under the
    stub's rule."""
    errors = sorted(validator.iter_errors(instance), key=lambda e: e.json_path)
    return [departure(error, rule_id) for error in errors]


def _finding(error: ValidationError, shape_rule: str) -> Finding:
    expected: Any = error.validator_value
    if "paidAt" in error.json_path or "paidAt" in json.dumps(expected):
        rule_id = "status.paid-at"
    elif error.json_path == "$.status" and shape_rule == "status.shape":
        rule_id = "status.enum"
    else:
        rule_id = shape_rule
    return departure(error, rule_id)


def departure(error: ValidationError, rule_id: str) -> Finding:
    """One schema error as a finding under `rule_id`, in a reader's words."""
    expected: Any = error.validator_value
    instance: Any = error.instance
    if error.validator == "required":
        # One error per missing field, its name first in the message.
        named = re.match(r"'([^']*)' is a required property", error.message)
        missing = named.group(1) if named else next(
            name for name in expected if name not in instance)
        return Finding(f"{error.json_path}.{missing}", "required field", "nothing (missing)",
                       rule_id)
    if error.validator == "not" and isinstance(expected, dict) and "required" in expected:
        present = expected["required"][0]
        return Finding(f"{error.json_path}.{present}",
                       f"no {present} unless the status is COMPLETED",
                       shown(instance.get(present)), rule_id)
    rule = {
        "enum": lambda: "expected one of " + "|".join(map(str, expected)),
        "const": lambda: f"expected {shown(expected)}",
        "type": lambda: f"expected type {expected}",
        "pattern": lambda: f"expected to match {expected}",
        "minLength": lambda: f"expected at least {expected} characters",
    }.get(str(error.validator), lambda: f"{error.validator}: {error.message}")()
    return Finding(error.json_path, rule, shown(instance), rule_id)
