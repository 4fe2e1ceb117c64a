"""pytest fixtures for code that talks to Baanx, registered through the `pytest11` entry
point: installing mock-baanx is enough to use them.

- `baanx_mock`: an in-process `BaanxMock`, fresh for each test, for code that uses
  `requests`.
- `baanx_server`: a mock over HTTP, each test in a namespace of its own: on a server
  started on 127.0.0.1 once per session (once per pytest-xdist worker), or on an already
  running mock-baanx (`--baanx-url`), which any number of workers and CI jobs may share.
- `baanx_namespace`: the test's namespace on that server, and its base URL, for apps
  configured by URL.
- `baanx_virtual_time`: under it, the code under test's sleeps and clocks follow the
  mock's (testing/virtual_time.py).

`--baanx-coverage` prints at the end of the session the documented outcomes no test was
served; `--baanx-coverage-fail-under=PCT` fails a session that was served less than PCT%.
The ini options `baanx_fixtures`, `baanx_lifecycle`, `baanx_seed`, `baanx_url` and
`baanx_extend` set the rest.

pytest loads this module in every session of an environment where mock-baanx is
installed, whether or not a test uses it: it imports nothing but pytest until a fixture
is asked for.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import secrets
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ..core import Backend
    from .baanx_mock import BaanxMock
    from .baanx_server import BaanxServer
    from .virtual_time import VirtualTime

# (method, path template, outcome) -> times served, summed over the session's tests.
Outcomes = Counter[tuple[str, str, str]]
COVERAGE = pytest.StashKey[Outcomes]()
# The documented outcomes the mocks reported beyond the route table's: their stubs'.
STUB_OUTCOMES = pytest.StashKey[dict[tuple[str, str, str], None]]()
WORKER_OUTPUT_KEY = "baanx_coverage"
WORKER_STUBS_KEY = "baanx_stub_outcomes"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mock-baanx")
    group.addoption("--baanx-url", metavar="URL", default=None,
                    help="an already running mock-baanx for baanx_server (default: start one "
                         "per session); each test works in a namespace of its own")
    group.addoption("--baanx-control-token", metavar="TOKEN", default=None,
                    help="the control token of the running mock --baanx-url names (default: "
                         "ini baanx_control_token, then $MOCK_BAANX_CONTROL_TOKEN)")
    group.addoption("--baanx-coverage", action="store_true",
                    help="print the documented Baanx outcomes no test was served")
    group.addoption("--baanx-coverage-fail-under", metavar="PCT", type=percentage,
                    default=None, help="fail the session if its tests were served less than "
                                       "PCT%% of the documented outcomes")
    parser.addini("baanx_fixtures", "mock-baanx fixtures folder or file, relative to this ini "
                                    "file (default: built-in)")
    parser.addini("baanx_lifecycle", "mock-baanx default lifecycle", default="complete")
    parser.addini("baanx_seed", "derive mock-baanx's ids from this whole number (default: "
                                "random)")
    parser.addini("baanx_url", "an already running mock-baanx for baanx_server")
    parser.addini("baanx_control_token", "the control token of the mock baanx_server talks to")
    parser.addini("baanx_allowed_hosts", "Host names the session's own server answers besides "
                  "loopback ones (one per line)", type="linelist")
    parser.addini("baanx_extend", "MODULE:FUNCTION called with baanx_server's Flask app "
                  "before it serves, to add routes (one per line; MODULE is found beside "
                  "this ini file too)", type="linelist")
    parser.addini("baanx_extended_statuses", "let mock-baanx's lifecycles use PENDING and "
                  "REFUNDED, statuses real clients handle that the docs do not list",
                  type="bool", default=False)


def percentage(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:
        # argparse says this message as it is (a ValueError would name the function).
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage from 0 to 100")
    return value


def share_text(served: int, total: int) -> str:
    """`served` of `total` as a percentage, written the same wherever it is said: whole
    when it is, else to one decimal (16 of 26 is 61.5%, never 61% here and 62% there)."""
    share = served * 100 / total if total else 100.0
    return f"{share:.0f}%" if share == int(share) else f"{share:.1f}%"


@dataclass(frozen=True, slots=True)
class Settings:
    fixtures: str | None
    lifecycle: str
    seed: int | None
    url: str | None
    extended_statuses: bool
    extend: tuple[str, ...] = ()
    control_token: str | None = None
    allowed_hosts: tuple[str, ...] = ()


SETTINGS = pytest.StashKey[Settings]()


def pytest_configure(config: pytest.Config) -> None:
    settings = config.stash[SETTINGS] = _settings(config)
    config.stash[COVERAGE] = Counter()
    config.stash[STUB_OUTCOMES] = {}
    if settings.url is not None:
        # Said now, before any test runs, rather than as an error in each test that uses it.
        from .baanx_server import BaanxServer, NotAMockBaanx

        try:
            BaanxServer.connect(settings.url, control_token=settings.control_token)
        except NotAMockBaanx as error:
            raise pytest.UsageError(f"--baanx-url: {error}") from None
        ignored = [name for name, given in (("baanx_fixtures", settings.fixtures),
                                            ("baanx_seed", settings.seed),
                                            ("baanx_extend", settings.extend))
                   if given not in (None, ())]
        if ignored:
            # Said once, rather than leave each test to meet a 404 or other orders' ids.
            config.issue_config_time_warning(pytest.PytestConfigWarning(
                f"{', '.join(ignored)} not applied: the mock --baanx-url names serves its own "
                "(start it with --fixtures, --seed or --extend)"), stacklevel=2)
    if settings.fixtures is not None or settings.lifecycle != "complete" \
            or settings.extended_statuses:
        # Tried now, so that a wrong ini value stops the session in one line rather than
        # fail each test that uses a fixture with a traceback.
        from ..core.errors import BaanxError
        from ..storage.fixture_files import FixtureError

        try:
            _backend(settings)
        except FixtureError as error:
            raise pytest.UsageError(f"baanx_fixtures: {error}") from None
        except BaanxError as error:
            raise pytest.UsageError(f"baanx_lifecycle = {settings.lifecycle}: "
                                    f"{error.message}") from None
    if settings.extend:
        # A module beside the ini file is found, wherever pytest is started from: as a path
        # in an ini file reads.
        if config.inipath is not None and str(config.inipath.parent) not in sys.path:
            sys.path.insert(0, str(config.inipath.parent))
        # Tried now on an app of its own, so that a wrong one stops the session in one line
        # rather than fail each test that uses baanx_server.
        from ..transports.extensions import ExtensionError, extend
        from ..transports.flask_app import create_app

        try:
            extend(create_app(_backend(settings)), settings.extend)
        except ExtensionError as error:
            raise pytest.UsageError(f"baanx_extend: {error}") from None
    if config.getoption("baanx_coverage_fail_under") is not None:
        config.option.baanx_coverage = True


def _settings(config: pytest.Config) -> Settings:
    fixtures = str(config.getini("baanx_fixtures") or "") or None
    if fixtures is not None and config.inipath is not None:
        # Relative to the ini file, as a path in an ini file reads: not to wherever pytest
        # happens to be started from.
        fixtures = str(config.inipath.parent / fixtures)
    seed_text = str(config.getini("baanx_seed") or "").strip()
    if seed_text and not seed_text.isdigit():
        raise pytest.UsageError(f"baanx_seed = {seed_text}: a seed is a whole number from 0")
    url = config.getoption("baanx_url") or str(config.getini("baanx_url") or "") or None
    if url is not None and not re.match(r"https?://[^/]", url):
        raise pytest.UsageError(f"--baanx-url {url}: give an http:// or https:// URL")
    token = (config.getoption("baanx_control_token") or str(config.getini(
        "baanx_control_token") or "") or os.environ.get("MOCK_BAANX_CONTROL_TOKEN") or None)
    return Settings(fixtures, str(config.getini("baanx_lifecycle")),
                    int(seed_text) if seed_text else None, url,
                    bool(config.getini("baanx_extended_statuses")),
                    tuple(config.getini("baanx_extend")), token,
                    tuple(config.getini("baanx_allowed_hosts")))


def _backend(settings: Settings) -> Backend:
    from ..core import Backend, SeededIds
    from ..storage.fixture_files import load_fixtures

    return Backend(load_fixtures(settings.fixtures, extended_statuses=settings.extended_statuses),
                   default_lifecycle=settings.lifecycle,
                   ids=None if settings.seed is None else SeededIds(settings.seed),
                   extended_statuses=settings.extended_statuses)


def _count_coverage(config: pytest.Config, outcomes: list[dict[str, Any]]) -> None:
    if config.getoption("baanx_coverage"):
        config.stash[COVERAGE].update({(entry["method"], entry["path"], entry["outcome"]):
                                       entry["seen"] for entry in outcomes})
        config.stash[STUB_OUTCOMES].update(dict.fromkeys(
            key for entry in outcomes if entry["documented"]
            and (key := (entry["method"], entry["path"], entry["outcome"])) not in _documented()))


# --- Fixtures --------------------------------------------------------------------------


@pytest.fixture
def baanx_mock(request: pytest.FixtureRequest) -> Iterator[BaanxMock]:
    """An in-process Baanx mock for `requests`, fresh for this test."""
    from .baanx_mock import BaanxMock

    settings = request.config.stash[SETTINGS]
    backend = _backend(settings)
    with BaanxMock(fixtures=backend.fixtures, lifecycle=backend.default_lifecycle,
                   seed=settings.seed, extended_statuses=settings.extended_statuses) as mock:
        yield mock
        _count_coverage(request.config, mock.coverage())


@pytest.fixture(scope="session")
def _baanx_served(request: pytest.FixtureRequest) -> Iterator[BaanxServer]:
    from .baanx_server import BaanxServer

    settings = request.config.stash[SETTINGS]
    if settings.url is None:
        server = BaanxServer.start(_backend(settings), extend=settings.extend,
                                   allowed_hosts=settings.allowed_hosts,
                                   control_token=settings.control_token)
    else:
        server = BaanxServer.connect(settings.url, control_token=settings.control_token)
    try:
        yield server
    finally:
        server.stop()


# Apart from every other session that may share a running mock (other CI jobs, workers).
_SESSION = secrets.token_hex(3)


def _namespace_name(item: pytest.Item, shared: bool) -> str:
    """The test's namespace: its name and a hash of its node id, the same in every session
    (so a seed gives it the same ids every time); on a mock shared with other sessions,
    also this session's token."""
    label = re.sub(r"[^A-Za-z0-9._-]+", "-", item.name).strip("-")[:40] or "test"
    digest = hashlib.blake2b(item.nodeid.encode(), digest_size=4).hexdigest()
    return f"{label}-{digest}" + (f"-{_SESSION}" if shared else "")


@pytest.fixture
def baanx_server(request: pytest.FixtureRequest, _baanx_served: BaanxServer
                 ) -> Iterator[BaanxServer]:
    """A Baanx mock over HTTP, in a namespace of this test's own: nothing another test
    does, in this session or any other sharing the server, is seen here."""
    settings = request.config.stash[SETTINGS]
    server = _baanx_served.in_namespace(_namespace_name(request.node,
                                                        shared=settings.url is not None))
    if server.backend is None and settings.lifecycle != "complete":
        # A running mock has its own default lifecycle; the ini's is this namespace's.
        server.use_lifecycle(settings.lifecycle)
    yield server
    if request.config.getoption("baanx_coverage"):
        _count_coverage(request.config, server.coverage())


@dataclass(frozen=True, slots=True)
class Namespace:
    """The test's namespace on the served mock: its name, and the base URL an app under
    test is given (`http://127.0.0.1:PORT/ns/NAME`)."""

    name: str
    url: str


@pytest.fixture
def baanx_namespace(baanx_server: BaanxServer) -> Namespace:
    """The test's namespace on `baanx_server`, and its base URL."""
    return Namespace(baanx_server.namespace, baanx_server.url)


@pytest.fixture
def baanx_virtual_time(request: pytest.FixtureRequest) -> Iterator[VirtualTime]:
    """Under it, `time.sleep`, `time.time`, `time.monotonic` and `asyncio.sleep` follow the
    clock of the mocks the test uses (`baanx_mock`, `baanx_server`): a sleep moves them
    forward at once and returns."""
    from .virtual_time import VirtualTime

    mocks = [request.getfixturevalue(name) for name in ("baanx_mock", "baanx_server")
             if name in request.fixturenames]
    if not mocks:
        pytest.fail("baanx_virtual_time moves a mock's clock: use it with baanx_mock or "
                    "baanx_server in the same test", pytrace=False)

    def advance(seconds: float) -> None:
        for mock in mocks:
            mock.advance_clock(seconds)

    with VirtualTime(advance) as virtual:
        yield virtual


# --- Outcome coverage at the end of the session -----------------------------------------


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """Under pytest-xdist, on the controller: add a worker's counts to the session's."""
    output = getattr(node, "workeroutput", {})
    seen = output.get(WORKER_OUTPUT_KEY)
    if seen:
        node.config.stash[COVERAGE].update({tuple(key): value for key, value in seen})
    node.config.stash[STUB_OUTCOMES].update(
        dict.fromkeys(tuple(key) for key in output.get(WORKER_STUBS_KEY, ())))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if not config.getoption("baanx_coverage"):
        return
    if hasattr(config, "workeroutput"):
        config.workeroutput[WORKER_OUTPUT_KEY] = [
            [list(key), value] for key, value in config.stash[COVERAGE].items()]
        config.workeroutput[WORKER_STUBS_KEY] = [list(key) for key in config.stash[STUB_OUTCOMES]]
        return
    threshold = config.getoption("baanx_coverage_fail_under")
    served, total = _served_share(config)
    if threshold is not None and total and served * 100 < threshold * total \
            and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@cache
def _documented() -> tuple[tuple[str, str, str], ...]:
    """The route table's documented outcomes: the same for every test of the session."""
    from ..protocol.coverage import counted_routes, documented_outcomes
    from ..protocol.routes import ROUTES

    return tuple((route.method, route.template, outcome) for route in counted_routes(ROUTES)
                 for outcome in documented_outcomes(route))


def _session_outcomes(config: pytest.Config) -> list[tuple[str, str, str]]:
    """Every documented outcome of the session: the route table's, then its stubs'."""
    return [*_documented(), *config.stash[STUB_OUTCOMES]]


def _served_share(config: pytest.Config) -> tuple[int, int]:
    documented = _session_outcomes(config)
    seen = config.stash[COVERAGE]
    return sum(1 for key in documented if seen.get(key)), len(documented)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config
                            ) -> None:
    if not config.getoption("baanx_coverage") or hasattr(config, "workeroutput"):
        return
    seen = config.stash[COVERAGE]
    served, total = _served_share(config)
    write = terminalreporter.write_line
    terminalreporter.section("mock-baanx outcome coverage")
    write(f"{served} of {total} documented outcomes served to this session's tests "
          f"({share_text(served, total)})")
    never: dict[tuple[str, str], list[str]] = {}
    for method, path, outcome in _session_outcomes(config):
        if not seen.get((method, path, outcome)):
            never.setdefault((method, path), []).append(outcome)
    if never:
        write("never served:")
        for (method, path), outcomes in never.items():
            write(f"  {method:<6} {path:<30} {', '.join(outcomes)}")
    threshold = config.getoption("baanx_coverage_fail_under")
    if threshold is not None and served * 100 < threshold * total:
        write(f"FAIL: {share_text(served, total)} is under --baanx-coverage-fail-under="
              f"{threshold:g}", red=True)


def pytest_report_header(config: pytest.Config) -> str | None:
    url = config.stash[SETTINGS].url
    return f"mock-baanx: baanx_server on {url}, a namespace per test" if url else None

