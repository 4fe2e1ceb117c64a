"""`verify --stubs`: each stub with a schema held to the live API, as the order endpoints
are held to the docs. A stub's check calls its example path (or its path, when that names
nothing) with the stub's method and example body, and reports where the reply departs from
the stub's status and schema under the rule `stub.<id>`.

A method that may change the live API's state (anything but GET and HEAD) is only called
with `--allow-writes`; without it, its check is a skip that says so.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from ..core import Stub
from ..protocol import schemas
from ..protocol.fixtures import BODILESS_STATUSES
from .checks import Check, Skip, Target, _json
from .findings import NOT_JSON, STUB_RULE, Finding, media_findings, stub_findings

SAFE_METHODS = frozenset({"GET", "HEAD"})
ALLOW_WRITES = "pass --allow-writes"


def stub_checks(stubs: Iterable[Stub], allow_writes: bool) -> list[Check]:
    """One check per stub, in the stubs' order."""
    return [Check(f"stub_{stub.id}", f"{stub.method} {stub.path}",
                  f"{stub.status} with a body its schema takes", f"{STUB_RULE}{stub.id}",
                  f"stub {stub.id}", functools.partial(stub_conforms, stub=stub,
                                                       allow_writes=allow_writes))
            for stub in stubs]


def stub_conforms(target: Target, *, stub: Stub, allow_writes: bool) -> list[Finding]:
    rule_id = f"{STUB_RULE}{stub.id}"
    if stub.schema is None:
        raise Skip("the stub has no schema to hold the reply to", applies=False)
    if stub.status in BODILESS_STATUSES:
        raise Skip(f"a {stub.status} reply has no body to hold to its schema", applies=False)
    if stub.method not in SAFE_METHODS and not allow_writes:
        raise Skip(f"a {stub.method} may change the live API's state", ALLOW_WRITES)
    path = stub.example
    if path is None:
        if "{" in stub.path:
            raise Skip("its path has names, and the stub no example path to call",
                       "give the stub an example")
        path = stub.path
    headers = target.headers() if stub.auth else {}
    response = target.send(stub.method, path, headers=headers, body=stub.example_body)
    findings = []
    if response.status_code != stub.status:
        findings.append(Finding("(status)", f"expected {stub.status}",
                                str(response.status_code), rule_id))
        return findings
    body = _json(response)
    findings += media_findings(rule_id, response.headers.get("Content-Type", ""),
                               response.content, body)
    if body is not NOT_JSON:
        findings += stub_findings(schemas.validator_of(stub.schema), body, rule_id)
    return findings
