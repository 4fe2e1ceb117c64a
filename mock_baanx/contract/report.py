"""The drift report of `mock-baanx verify`: text for a person, JSON and JUnit XML for CI."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable
from typing import Any

from .checks import CheckResult

REDACTED = "<redacted>"
LABELS = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP"}


class Redactor:
    """Removes the credentials from anything the report prints: a target may echo them."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so that a secret containing another is removed whole.
        self._secrets = sorted({secret for secret in secrets if len(secret) >= 3}, key=len,
                               reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


def summary(results: list[CheckResult]) -> str:
    counts = Counter(result.outcome for result in results)
    verdict = "drift found" if counts["fail"] else "the target conforms"
    return (f"{len(results)} checks: {counts['pass']} passed, {counts['fail']} failed, "
            f"{counts['skip']} skipped: {verdict}")


def text_report(target_url: str, is_mock: bool, results: list[CheckResult],
                redact: Redactor) -> str:
    kind = "a mock-baanx with its control API" if is_mock else "no control API"
    lines = [f"mock-baanx verify: {target_url} ({kind})"]
    width = max(len(result.check.endpoint) for result in results)
    for result in results:
        item = result.check
        detail = f": {result.reason}" if result.reason else ""
        lines.append(f"{LABELS[result.outcome]}  {item.endpoint:<{width}}  {item.name} "
                     f"({item.rule}){detail}")
        lines.extend(f"      {finding.line(item.endpoint)}" for finding in result.findings)
    lines.append(summary(results))
    return redact("\n".join(lines))


def json_report(target_url: str, is_mock: bool, results: list[CheckResult],
                redact: Redactor) -> str:
    document: dict[str, Any] = {
        "target": target_url,
        "mock": is_mock,
        "conforms": not any(result.outcome == "fail" for result in results),
        "summary": dict(Counter(result.outcome for result in results)),
        "checks": [
            {"name": result.check.name, "endpoint": result.check.endpoint,
             "rule": result.check.rule, "outcome": result.outcome, "reason": result.reason,
             "findings": [{"jsonPath": finding.json_path, "rule": finding.rule,
                           "actual": finding.actual} for finding in result.findings]}
            for result in results
        ],
    }
    return redact(json.dumps(document, indent=2, ensure_ascii=False))


def junit_report(results: list[CheckResult], redact: Redactor) -> str:
    counts = Counter(result.outcome for result in results)
    suite = ET.Element("testsuite", name="mock-baanx verify", tests=str(len(results)),
                       failures=str(counts["fail"]), skipped=str(counts["skip"]), errors="0")
    for result in results:
        case = ET.SubElement(suite, "testcase", classname=result.check.endpoint,
                             name=result.check.name)
        if result.outcome == "fail":
            lines = [finding.line(result.check.endpoint) for finding in result.findings]
            failure = ET.SubElement(case, "failure", message=redact(result.check.rule))
            failure.text = redact("\n".join(lines))
        elif result.outcome == "skip":
            ET.SubElement(case, "skipped", message=redact(result.reason))
    root = ET.Element("testsuites")
    root.append(suite)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)
