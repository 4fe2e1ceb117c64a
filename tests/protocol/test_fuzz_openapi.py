"""Schemathesis against the mock's own /openapi.json: every check on, bounded in examples.

The served document names this mock's clients, products and lifecycles, so that valid
requests are valid for this mock. Baanx answers a missing client key with 499 and an
unknown one with 498, codes the checks' defaults (written for conventional APIs) do not
list among the ways to reject a request: they are added to those lists, and nothing else
about the checks changes.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in the test extras")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.config import SchemathesisConfig  # noqa: E402

from mock_baanx import Backend, create_app, load_fixtures  # noqa: E402
from mock_baanx.core import seeded_ids  # noqa: E402
from mock_baanx.protocol import Options  # noqa: E402

pytestmark = pytest.mark.slow

CONFIG = SchemathesisConfig.from_dict({
    "auth": {"openapi": {"bearerAuth": {"bearer": "demo-token"}}},
    "checks": {
        "negative_data_rejection": {"expected-statuses": [
            "400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx",
            "498", "499"]},
        "missing_required_header": {"expected-statuses": [
            "400", "401", "403", "406", "415", "422", "499"]},
    },
    # A lifecycle whose final step is not its last is refused (422): a rule JSON Schema
    # cannot write, so the document lets such lifecycles through and valid-looking data
    # may be refused. Every other check still runs on this operation.
    "operations": [{"include-operation-id": "mockAddLifecycle",
                    "checks": {"positive_data_acceptance": {"enabled": False}}}],
})

BACKEND = Backend(load_fixtures(), ids=seeded_ids(5))
APP = create_app(BACKEND, Options(strict=True, sleep=lambda seconds: None))
schema = schemathesis.openapi.from_wsgi("/openapi.json", APP, config=CONFIG)


# The mock's own test controls, left out of the document as the control API's faults are
# (any fault can be injected on any endpoint). Hypothesis mixes string literals from the code
# under test into what it generates, so a fuzzed request can still carry one of these names
# among its extra headers (seen: X-Mock-Fault with an invalid value, answered with its 422).
MOCK_CONTROL_HEADERS = {"x-mock-fault", "x-mock-delay-ms"}


@schema.parametrize()
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_mock_conforms_to_its_own_document(case):
    for name in [name for name in case.headers or {} if name.lower() in MOCK_CONTROL_HEADERS]:
        del case.headers[name]
    try:
        case.call_and_validate()
    finally:
        # A fault the fuzzer injected through the control API is meant for the next calls:
        # left in place it would fail the calls of other operations.
        BACKEND.clear_faults()
