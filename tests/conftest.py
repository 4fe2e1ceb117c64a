from __future__ import annotations

import functools
import gc
import inspect
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from mock_baanx.core import Backend, Clock, seeded_ids
from mock_baanx.protocol import Options
from mock_baanx.storage.fixture_files import load_fixtures
from mock_baanx.transports.thread_server import BackgroundServer

from .doors import DOORS, Door, FlaskDoor, HandlerDoor, InProcessDoor, ServedDoor
from .helpers import ManualTime
from .postgres import Cluster, server_binaries

SERVING_FIXTURES = frozenset({"served", "baanx_server", "served_slot", "servers"})
# What keeps a test out of the inner loop (`pytest -m quick`).
OUTSIDE_THE_INNER_LOOP = ("browser", "postgres", "container", "process", "slow")
POSTGRES_FIXTURES = frozenset({"postgres_cluster", "postgres_url"})
# What starts a child process: `mock-baanx` through tests/served.py, any other command, a
# pytest session of its own.
STARTS_A_PROCESS = re.compile(r"\b(Served|run_cli|Popen|runpytest_subprocess)\(|"
                              r"\bsubprocess\.(run|check_call|check_output)\(")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Markers by what a test needs, wherever it sits: a server (served), a PostgreSQL
    # cluster (postgres), a child process (process), read off the fixtures it takes and
    # the code of the test and of its module's (and this file's) fixtures.
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if SERVING_FIXTURES & names:
            item.add_marker(pytest.mark.served)
        if POSTGRES_FIXTURES & names:
            item.add_marker(pytest.mark.postgres)
        if isinstance(item, pytest.Function) and _starts_a_process(item, names):
            item.add_marker(pytest.mark.process)
        if not any(item.get_closest_marker(name) for name in OUTSIDE_THE_INNER_LOOP):
            item.add_marker(pytest.mark.quick)


def _starts_a_process(item: pytest.Function, fixture_names: set[str]) -> bool:
    functions = [item.function]
    for module in (item.module, sys.modules[__name__]):
        functions += [getattr(module, name) for name in fixture_names if hasattr(module, name)]
    return any(STARTS_A_PROCESS.search(_source(function)) for function in functions)


def pytest_collection_finish(session: pytest.Session) -> None:
    # What collection built (modules, test items, schemas) lives until the end: left out of
    # the collector's full passes, which otherwise walk it again and again.
    gc.freeze()


@functools.cache
def _source(function: Any) -> str:
    try:
        return inspect.getsource(inspect.unwrap(function))
    except (OSError, TypeError):
        return ""


@pytest.fixture
def time_source() -> ManualTime:
    return ManualTime()


@pytest.fixture
def backend(time_source: ManualTime) -> Backend:
    return Backend(load_fixtures(), clock=Clock(time_source), ids=seeded_ids(7))


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def options(sleeps: list[float]) -> Options:
    return Options(strict=True, sleep=sleeps.append)


@pytest.fixture(scope="session")
def served_slot() -> Iterator[tuple[str, Any]]:
    """One server for the session's `served` door, serving whichever app the current test
    gave it: a server per test would cost more than the tests."""
    current: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        return current["app"](environ, start_response)

    server = BackgroundServer(app)
    try:
        yield server.url, lambda served: current.__setitem__("app", served)
    finally:
        server.stop()


@pytest.fixture(params=[pytest.param(door, marks=[pytest.mark.served] if door == "served" else [])
                        for door in DOORS])
def client(request: pytest.FixtureRequest, backend: Backend, options: Options) -> Iterator[Door]:
    """The mock behind one of its doors: each test that takes `client` runs through all."""
    door: Door
    if request.param == "handler":
        door = HandlerDoor(backend, options)
    elif request.param == "flask":
        door = FlaskDoor(backend, options)
    elif request.param == "served":
        url, serve = request.getfixturevalue("served_slot")
        door = ServedDoor(backend, options, url, serve)
    else:
        door = InProcessDoor(backend, options)
    try:
        yield door
    finally:
        door.close()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """A PostgreSQL server of this test session's own (one per xdist worker)."""
    pytest.importorskip("psycopg", reason="the postgres extra is in the test extras")
    binaries = server_binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server: apt-get install postgresql (.ci/run does it)")
    cluster = Cluster(binaries)
    yield cluster
    cluster.remove()


@pytest.fixture
def postgres_url(postgres_cluster: Cluster, request: pytest.FixtureRequest) -> str:
    """The URL of an empty database of this test's own."""
    name = "test_" + re.sub(r"\W+", "_", request.node.name).lower()[:50]
    return postgres_cluster.new_database(name)


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, str]]:
    """Both servers a served mock runs on — `mock-baanx serve` (granian) and the in-thread
    server (waitress) — by name, for tests that compare what a client meets on each."""
    from mock_baanx import create_app

    from .served import Served

    served = Served()
    thread = BackgroundServer(create_app())
    yield {"serve": served.url, "thread": thread.url}
    served.stop()
    thread.stop()
