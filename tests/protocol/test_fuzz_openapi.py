"""Schemathesis against the mock's own /openapi.json: every check on, bounded in examples;
then its stateful phase against the served mock, the control API on, chaining calls as the
document's operations connect (an order created, then polled, forced, read).

The served document names this mock's clients, products and lifecycles as examples, so that
generated requests use values this mock knows, and fences none of them: a value added later
through the control API is as valid by the document as by the mock. Baanx answers a missing
client key with 499 and an unknown one with 498, codes the checks' defaults (written for
conventional APIs) do not list among the ways to reject a request: they are added to those
lists; and a value the document names only by example may be unknown to the mock, which
answers the 498 or 422 the operation documents. Nothing else about the checks changes.
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
        # A value the document names only as an example (a client id, a product, a
        # lifecycle) may be one this mock does not know: the operation documents what it
        # answers then, 498 for a client id and 422 for the rest.
        "positive_data_acceptance": {"expected-statuses": [
            "2xx", "3xx", "401", "403", "404", "409", "422", "429", "498", "5xx"]},
    },
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


@pytest.fixture(scope="module")
def served_schema():
    from mock_baanx.transports.thread_server import BackgroundServer

    backend = Backend(load_fixtures(), ids=seeded_ids(9))
    server = BackgroundServer(create_app(backend, Options(strict=True)))
    try:
        yield schemathesis.openapi.from_url(server.url + "/openapi.json", config=CONFIG), \
            backend
    finally:
        server.stop()


@pytest.mark.served
def test_the_stateful_phase_against_the_served_mock_finds_nothing(served_schema):
    served, backend = served_schema

    class Chained(served.as_state_machine()):  # type: ignore[misc]
        def setup(self):
            # Each scenario from the fixtures alone: what a call answers (the stubs a list
            # holds, say) decides what the next call is made of, and Hypothesis replays a
            # scenario expecting the same answers.
            backend.reset_all()

        def before_call(self, case):
            for name in [name for name in case.headers or {}
                         if name.lower() in MOCK_CONTROL_HEADERS]:
                del case.headers[name]

        def after_call(self, response, case):
            backend.clear_faults()

    Chained.run(settings=settings(max_examples=60, stateful_step_count=6, deadline=None,
                                  suppress_health_check=list(HealthCheck)))
