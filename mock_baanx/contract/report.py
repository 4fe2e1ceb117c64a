"""The drift report of `mock-baanx verify`: text for a person, JSON and JUnit XML for CI."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable
from typing import Any

from .checks import CheckResult

REDACTED = "<redacted>"
LABELS = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP", "n/a": "N/A "}


class Redactor:
    """Removes the credentials from anything the report prints: a target may echo them."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets: list[str] = []
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        """Redact these too (a proxy learns the credentials as the app sends them)."""
        # Longest first, so that a secret containing another is removed whole.
        self._secrets = sorted({*self._secrets, *(secret for secret in secrets
                                                  if len(secret) >= 3)}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


def counts(results: list[CheckResult]) -> dict[str, int]:
    """Every count, zeros included: checks by outcome, and the novelties found."""
    tally = Counter(result.outcome for result in results)
    return {"pass": tally["pass"], "fail": tally["fail"], "skip": tally["skip"],
            "notApplicable": tally["n/a"],
            "novelty": sum(len(result.novelties) for result in results)}


def unverified(results: list[CheckResult]) -> str:
    """The promises no check verified, grouped by what would verify them: "order creation,
    order status — pass --allow-orders; …"; empty when every applicable check ran."""
    by_remedy: dict[str, list[str]] = {}
    for result in results:
        if result.outcome == "skip":
            promises = by_remedy.setdefault(result.remedy or result.reason, [])
            if result.check.promise not in promises:
                promises.append(result.check.promise)
    return "; ".join(f"{', '.join(promises)} — {remedy}" for remedy, promises in
                     by_remedy.items())


def verdict(results: list[CheckResult], require_all: bool) -> tuple[int, str]:
    """The exit status and the report's last line."""
    tally = counts(results)
    missing = unverified(results)
    novelty = f", {tally['novelty']} novelties" if tally["novelty"] else ""
    line = (f"{len(results)} checks: {tally['pass']} passed, {tally['fail']} failed, "
            f"{tally['skip']} skipped{novelty}: ")
    if tally["fail"]:
        line += "drift found"
    elif missing and require_all:
        line += "not everything was verified (--require-all)"
    else:
        line += "the target conforms" + (" in what was verified" if missing else "")
    if missing:
        line += f"\nnot verified: {missing}"
    failed = tally["fail"] > 0 or (require_all and bool(missing))
    return (1 if failed else 0), line


def text_report(target_url: str, is_mock: bool, results: list[CheckResult],
                redact: Redactor, require_all: bool = False) -> str:
    kind = "a mock-baanx with its control API" if is_mock else "no control API"
    lines = [f"mock-baanx verify: {target_url} ({kind})"]
    width = max(len(result.check.endpoint) for result in results)
    for result in results:
        item = result.check
        detail = f": {result.reason}" if result.reason else ""
        lines.append(f"{LABELS[result.outcome]}  {item.endpoint:<{width}}  {item.name} "
                     f"({item.rule}){detail}")
        lines.extend(f"      {finding.line(item.endpoint)}" for finding in result.findings)
    lines.append(verdict(results, require_all)[1])
    return redact("\n".join(lines))


def json_report(target_url: str, is_mock: bool, results: list[CheckResult],
                redact: Redactor, require_all: bool = False) -> str:
    status, _ = verdict(results, require_all)
    document: dict[str, Any] = {
        "target": target_url,
        "mock": is_mock,
        "conforms": status == 0,
        "summary": counts(results),
        "unverified": [{"check": result.check.name, "promise": result.check.promise,
                        "reason": result.reason, "remedy": result.remedy}
                       for result in results if result.outcome == "skip"],
        "checks": [
            {"name": result.check.name, "endpoint": result.check.endpoint,
             "rule": result.check.rule, "ruleId": result.check.rule_id,
             "outcome": result.outcome, "reason": result.reason,
             "findings": [finding.as_json() for finding in result.findings]}
            for result in results
        ],
    }
    return redact(json.dumps(document, indent=2, ensure_ascii=False))


def junit_report(results: list[CheckResult], redact: Redactor) -> str:
    tally = counts(results)
    suite = ET.Element("testsuite", name="mock-baanx verify", tests=str(len(results)),
                       failures=str(tally["fail"]),
                       skipped=str(tally["skip"] + tally["notApplicable"]), errors="0")
    for result in results:
        case = ET.SubElement(suite, "testcase", classname=result.check.endpoint,
                             name=result.check.name)
        lines = [finding.line(result.check.endpoint) for finding in result.findings]
        if result.outcome == "fail":
            failure = ET.SubElement(case, "failure", message=redact(result.check.rule))
            failure.text = redact("\n".join(lines))
        elif result.outcome in ("skip", "n/a"):
            ET.SubElement(case, "skipped", message=redact(result.reason))
        elif lines:
            ET.SubElement(case, "system-out").text = redact("\n".join(lines))
    root = ET.Element("testsuites")
    root.append(suite)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)
