"""`serve --state-url postgresql://…`: several processes on one database behave as one mock;
a database that goes away is a 503, and the mock recovers by itself when it is back."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from mock_baanx import create_app
from mock_baanx.core import Backend, seeded_ids
from mock_baanx.storage.fixture_files import load_fixtures

from ..helpers import ORDER_BODY, assert_error, create, headers, in_threads, poll
from ..postgres import round_trips_per_request
from ..served import Served, run_cli

pytestmark = pytest.mark.served
API = "/v1/order"
PRODUCTS = "/v1/order/products/available"
DEMO = {"X-Client-ID": "demo-client", "Authorization": "Bearer demo-token"}


def store(url: str, **bounds: int):
    from mock_baanx.storage.postgres_store import PostgresStore

    return PostgresStore(url, **bounds)


@pytest.fixture
def replica_clients(postgres_url):
    """Two processes' apps on one database, in this process: each its own store."""
    backends = [Backend(load_fixtures(), store=store(postgres_url)) for _ in range(2)]
    yield [create_app(backend).test_client() for backend in backends]
    for backend in backends:
        backend.store.close()


@pytest.fixture
def client(postgres_url):
    backend = Backend(load_fixtures(), ids=seeded_ids(5), store=store(postgres_url))
    yield create_app(backend).test_client()
    backend.store.close()


def test_the_order_lifecycle_namespaces_faults_and_journal_work_on_postgres(client):
    order_id = create(client)["orderId"]
    assert [poll(client, order_id)["status"] for _ in range(3)] == [
        "STARTED", "STARTED", "COMPLETED"]
    assert client.get("/__mock/orders").get_json()["orders"][0]["pollCount"] == 3
    other = create(client, path="/ns/other" + API)["orderId"]
    assert_error(client.get(f"{API}/{other}", headers=headers()), 404)
    client.post("/__mock/faults", json={"endpoint": "createOrder", "status": 503,
                                        "times": 1})
    assert client.post(API, json=ORDER_BODY, headers=headers()).status_code == 503
    assert client.post(API, json=ORDER_BODY, headers=headers()).status_code == 200
    journal = client.get("/__mock/requests").get_json()["requests"]
    assert [entry["status"] for entry in journal][-3:] == [404, 503, 200]
    coverage = {(item["path"], item["outcome"]): item["seen"]
                for item in client.get("/__mock/coverage").get_json()["outcomes"]}
    assert coverage[(API, "503")] == 1
    client.post("/__mock/users", json={"token": "carol-token", "id": "carol"})
    assert client.get(PRODUCTS, headers=headers("carol-token")).status_code == 200
    client.post("/__mock/reset")
    assert client.get("/__mock/orders").get_json()["orders"] == []
    assert client.get(PRODUCTS, headers=headers("carol-token")).status_code == 401
    assert client.get("/ns/other/__mock/orders").get_json()["total"] == 1


def test_past_the_bound_the_order_used_longest_ago_is_forgotten(postgres_url):
    backend = Backend(load_fixtures(), store=store(postgres_url, max_orders=3))
    client = create_app(backend).test_client()
    order_ids = [create(client)["orderId"] for _ in range(3)]
    poll(client, order_ids[0])
    create(client)
    # Forgetting is the sweeper's, off the request path (about once a second): one pass.
    backend.store.sweep()
    assert_error(client.get(f"{API}/{order_ids[1]}", headers=headers()), 404)
    assert poll(client, order_ids[0])["status"] == "STARTED"
    assert client.get("/__mock/health").get_json()["orders"] == {
        "kept": 3, "max": 3, "forgotten": 1}
    backend.store.close()


@pytest.fixture
def replicas(postgres_url):
    pair = [Served("--state-url", postgres_url), Served("--state-url", postgres_url)]
    yield [replica.url for replica in pair]
    for replica in pair:
        replica.stop()


def test_two_replicas_on_one_database_are_one_mock(replicas):
    first, second = replicas
    created = requests.post(first + API, json=ORDER_BODY, headers=DEMO, timeout=10).json()
    # The very next request, through the other replica.
    status = requests.get(f"{second}{API}/{created['orderId']}", headers=DEMO, timeout=10)
    assert status.json()["requestId"] == created["requestId"]
    requests.post(second + "/__mock/clock", json={"advanceSeconds": 60}, timeout=10)
    assert requests.get(first + "/__mock/clock", timeout=10).json()["offsetSeconds"] == 60
    journal = requests.get(second + "/__mock/requests", timeout=10).json()["requests"]
    assert [entry["method"] for entry in journal] == ["POST", "GET"]
    requests.post(first + "/__mock/reset", timeout=10)
    assert requests.get(second + "/__mock/orders", timeout=10).json()["orders"] == []


def test_concurrent_polls_through_both_replicas_each_count_once(replicas):
    order_id = requests.post(replicas[0] + API, json=ORDER_BODY, timeout=10, headers={
        **DEMO, "X-Mock-Lifecycle": "complete-after-30s"}).json()["orderId"]
    answers: list[int] = []

    def poll_through(url: str) -> None:
        session = requests.Session()
        for _ in range(15):
            answers.append(session.get(f"{url}{API}/{order_id}", headers=DEMO,
                                       timeout=10).status_code)

    threads = [threading.Thread(target=poll_through, args=(url,)) for url in replicas * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200] * 60
    order = requests.get(f"{replicas[1]}/__mock/orders/{order_id}", timeout=10).json()
    assert order["pollCount"] == 60


def test_next_lifecycle_and_faults_are_used_exactly_as_often_as_asked(replicas):
    first, second = replicas
    requests.post(first + "/__mock/lifecycle", json={"name": "fail", "count": 3}, timeout=10)
    requests.post(second + "/__mock/faults", json={"endpoint": "getAvailableProducts",
                                                   "status": 500, "times": 3}, timeout=10)
    for index in range(6):
        url = replicas[index % 2]
        requests.post(url + API, json=ORDER_BODY, headers=DEMO, timeout=10)
    statuses = [requests.get(replicas[index % 2] + PRODUCTS, headers=DEMO,
                             timeout=10).status_code for index in range(6)]
    lifecycles = [order["lifecycle"] for order in
                  requests.get(first + "/__mock/orders", timeout=10).json()["orders"]]
    assert sorted(lifecycles) == ["complete"] * 3 + ["fail"] * 3
    assert sorted(statuses) == [200] * 3 + [500] * 3


def test_a_database_restart_under_load_answers_503_meanwhile_and_loses_no_acknowledged_order(
        postgres_cluster, postgres_url):
    pair = [Served("--state-url", postgres_url), Served("--state-url", postgres_url)]
    acknowledged: list[str] = []
    statuses: list[int] = []
    stop = threading.Event()

    def create_through(url: str) -> None:
        session = requests.Session()
        while not stop.is_set():
            reply = session.post(url + API, json=ORDER_BODY, headers=DEMO, timeout=30)
            statuses.append(reply.status_code)
            if reply.status_code == 200:
                acknowledged.append(reply.json()["orderId"])
            else:
                assert reply.json()["message"].startswith(
                    "Service Unavailable: the mock's state database does not answer")

    load = [threading.Thread(target=create_through, args=(served.url,)) for served in pair]
    try:
        for thread in load:
            thread.start()
        deadline = time.monotonic() + 30
        while len(acknowledged) < 20:
            assert time.monotonic() < deadline, "the replicas did not take 20 orders"
            time.sleep(0.05)
        postgres_cluster.stop()
        deadline = time.monotonic() + 30
        while 503 not in statuses:
            assert time.monotonic() < deadline, "no 503 while the database was away"
            time.sleep(0.05)
        postgres_cluster.start()
        recovered = len(acknowledged)
        deadline = time.monotonic() + 30
        while len(acknowledged) < recovered + 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        for thread in load:
            thread.join()
        assert 503 in statuses
        assert set(statuses) <= {200, 503}
        assert len(acknowledged) >= recovered + 20, "the mock did not recover"
        kept = {order["orderId"] for order in requests.get(
            pair[1].url + "/__mock/orders", timeout=30).json()["orders"]}
        assert set(acknowledged) <= kept
    finally:
        stop.set()
        for served in pair:
            served.stop()
    for served in pair:
        assert not any("Traceback" in line or "error ignored" in line
                       for line in served.output())


@pytest.mark.parametrize(("url", "message"), [
    ("not a url s3cret", "mock-baanx: --state-url: not a PostgreSQL URL: give postgresql://"),
    ("mysql://mock:s3cret@127.0.0.1/db", "mock-baanx: --state-url: not a PostgreSQL URL"),
    ("postgresql://mock:s3cret@127.0.0.1:1/none", "mock-baanx: --state-url: cannot connect:"),
    ("postgresql://mock:s3cret@127.0.0.1:notaport/x", "mock-baanx: --state-url: cannot "
                                                     'connect: connection is bad: invalid'),
])
def test_a_bad_url_exits_2_with_one_line_and_never_the_password(url, message):
    result = run_cli("serve", "--port", "0", "--state-url", url)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(message), result.stderr
    assert "s3cret" not in result.stderr


def test_a_newer_schema_exits_2_naming_the_versions(postgres_url):
    import psycopg

    store(postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("UPDATE mock_baanx.meta SET value = '99' WHERE key = "
                           "'schema_version'")
    result = run_cli("serve", "--port", "0", "--state-url", postgres_url)
    assert result.returncode == 2
    assert "schema is at version 99, newer than this mock-baanx knows (2)" in result.stderr


def test_workers_share_one_port_and_one_database_and_no_one_else_can_bind_it(postgres_url):
    assert run_cli("serve", "--workers", "2").returncode == 2
    served = Served("--state-url", postgres_url, "--workers", "2")
    try:
        port = served.url.rsplit(":", 1)[1]
        intruder = run_cli("serve", "--port", port, "--state-url", postgres_url, "--workers",
                           "2")
        assert intruder.returncode == 2
        assert "cannot listen" in intruder.stderr
        children = Path(f"/proc/{served.process.pid}/task/{served.process.pid}/children")
        assert len(children.read_text().split()) == 1
        # Each on a connection of its own: the kernel spreads them across the workers.
        created = [requests.post(served.url + API, json=ORDER_BODY, headers=DEMO,
                                 timeout=10).json()["orderId"] for _ in range(20)]
        listed = requests.get(served.url + "/__mock/orders", timeout=10).json()["orders"]
        assert sorted(order["orderId"] for order in listed) == sorted(created)
        worker = int(children.read_text().split()[0])
    finally:
        served.stop()
    assert not Path(f"/proc/{worker}").exists() or "zombie" in Path(
        f"/proc/{worker}/status").read_text()


def test_a_worker_ends_when_the_first_process_is_killed(postgres_url):
    served = Served("--state-url", postgres_url, "--workers", "2")
    pid = served.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children")
    worker = int(children.read_text().split()[0])
    served.process.kill()
    served.process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{worker}").exists() and "zombie" not in Path(
            f"/proc/{worker}/status").read_text():
        assert time.monotonic() < deadline, "the worker outlived the first process"
        time.sleep(0.05)
    served.stop()


def test_each_namespace_keeps_its_own_most_recent_journal_entries(postgres_url):
    from mock_baanx.core.journal import JOURNAL_SIZE, JournalEntry

    shared = store(postgres_url)
    moment = datetime.now(UTC)

    def entry(number: int) -> JournalEntry:
        return JournalEntry(moment, "GET", f"/{number}", (), "", 200, None)

    for number in range(600):
        shared.record("quiet", entry(number))
        shared.record("busy", entry(number))
    for number in range(600, 1100):
        shared.record("busy", entry(number))
    quiet, busy = shared.journal("quiet"), shared.journal("busy")
    shared.close()
    assert [item.path for item in quiet] == [f"/{number}" for number in range(600)]
    assert len(busy) == JOURNAL_SIZE
    assert busy[-1].path == "/1099"


def test_requests_while_the_database_is_away_are_answered_side_by_side(postgres_cluster,
                                                                       postgres_url):
    served = Served("--state-url", postgres_url, "--quiet")
    replies: list[int] = []
    try:
        postgres_cluster.stop()
        try:
            # One after another they would take 2 s each: within the client's 8 s, all six
            # are answered only if they wait side by side.
            threads = [threading.Thread(target=lambda: replies.append(requests.get(
                served.url + PRODUCTS, headers=DEMO, timeout=8).status_code))
                for _ in range(6)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            postgres_cluster.start()
    finally:
        served.stop()
    assert replies == [503] * 6
    # Each 503 said in one line, --quiet or not.
    said = [line for line in served.output() if "GET /v1/order/products/available: Service "
            "Unavailable: the mock's state database does not answer" in line]
    assert len(said) == 6


def test_a_stub_added_at_run_time_is_shared_and_removed_on_postgres(replica_clients):
    one, other = replica_clients
    stub = {"id": "getUser", "method": "GET", "path": "/v1/user",
            "body": {"id": "{{user.id}}"}}
    assert one.post("/ns/a/__mock/stubs", json=stub).status_code == 200
    assert other.get("/ns/a/v1/user", headers=headers()).get_json() == {"id": "user-demo"}
    assert other.get("/ns/a/__mock/stubs").get_json()["stubs"][0]["id"] == "getUser"
    assert other.delete("/ns/a/__mock/stubs/getUser").status_code == 200
    assert_error(one.get("/ns/a/v1/user", headers=headers()), 404)


def test_a_request_waits_on_the_database_once_when_nothing_it_relies_on_changed_elsewhere(
        postgres_url):
    counted = round_trips_per_request(postgres_url)
    assert {name: count for name, count in counted.items() if count != 1} == {}
    assert {"products", "create", "poll", "GET orders", "POST clock", "POST reset"} <= set(
        counted)


def test_what_another_replica_changed_is_what_a_replica_that_answered_before_answers_by(
        replica_clients):
    first, second = replica_clients
    order_id = create(first)["orderId"]
    for _ in range(2):  # each replica has read the namespace and the order
        poll(first, order_id)
        poll(second, order_id)
    second.post("/__mock/faults", json={"endpoint": "getAvailableProducts",
                                        "status": 500, "times": 1})
    second.post("/__mock/lifecycle", json={"name": "fail", "count": 1})
    second.post("/__mock/clock", json={"advanceSeconds": 3600})
    poll(second, order_id)
    assert first.get(PRODUCTS, headers=headers()).status_code == 500
    assert first.get(PRODUCTS, headers=headers()).status_code == 200
    # What the answer that found its namespace changed had written is not kept.
    assert [entry["status"] for entry in first.get("/__mock/requests").get_json()[
        "requests"] if entry["path"] == PRODUCTS] == [500, 200]
    poll(first, order_id)
    assert first.get(f"/__mock/orders/{order_id}").get_json()["pollCount"] == 6
    created = [create(first)["orderId"] for _ in range(2)]
    assert [first.get(f"/__mock/orders/{created_id}").get_json()["lifecycle"]
            for created_id in created] == ["fail", "complete"]
    last_entry = first.get("/__mock/requests").get_json()["requests"][-1]
    assert datetime.fromisoformat(last_entry["at"]) > datetime.now(UTC) + timedelta(
        minutes=59)
    second.post("/__mock/reset")
    assert_error(first.get(f"{API}/{order_id}", headers=headers()), 404)
    assert first.get("/__mock/orders").get_json()["total"] == 0


def test_a_database_at_the_previous_schema_version_is_migrated_and_keeps_its_orders(
        postgres_url):
    import psycopg

    old = Backend(load_fixtures(), store=store(postgres_url))
    order_id = create(create_app(old).test_client())["orderId"]
    old.store.close()
    with psycopg.connect(postgres_url) as connection:  # back to version 1, its order kept
        for statement in ("DROP FUNCTION mock_baanx.expect", "ALTER TABLE mock_baanx.orders "
                          "DROP COLUMN version", "ALTER TABLE mock_baanx.namespaces DROP "
                          "COLUMN version", "DROP SEQUENCE mock_baanx.changes",
                          "UPDATE mock_baanx.meta SET value = '1' WHERE key = "
                          "'schema_version'"):
            connection.execute(statement)
    backend = Backend(load_fixtures(), store=store(postgres_url))
    try:
        client = create_app(backend).test_client()
        assert [poll(client, order_id)["status"] for _ in range(3)] == [
            "STARTED", "STARTED", "COMPLETED"]
    finally:
        backend.store.close()
    with psycopg.connect(postgres_url) as connection:
        row = connection.execute("SELECT value FROM mock_baanx.meta WHERE key = "
                                 "'schema_version'").fetchone()
    assert row == ("2",)


def test_a_next_lifecycle_is_taken_exactly_as_often_as_asked_by_a_process_that_knew_it_unset(
        postgres_url):
    backend = Backend(load_fixtures(), ids=seeded_ids(7), store=store(postgres_url))
    try:
        client = create_app(backend).test_client()
        create(client)  # the process knows the namespace, and no next lifecycle in it
        client.post("/__mock/lifecycle", json={"name": "fail", "count": 2})
        created = [create(client)["orderId"] for _ in range(4)]
        assert [client.get(f"/__mock/orders/{order_id}").get_json()["lifecycle"]
                for order_id in created] == ["fail", "fail", "complete", "complete"]
        assert client.get("/__mock/lifecycle").get_json().get("name") is None
    finally:
        backend.store.close()


def test_a_namespaces_last_use_is_written_by_the_sweeper_not_by_the_request(postgres_url):
    backend = Backend(load_fixtures(), store=store(postgres_url, sweep_every=3600))
    try:
        client = create_app(backend).test_client()
        create(client, path="/ns/early" + API)
        create(client, path="/ns/late" + API)
        backend.store.sweep()
        create(client, path="/ns/early" + API)
        before = [summary.name for summary in backend.store.namespaces()]
        backend.store.sweep()
        after = [summary.name for summary in backend.store.namespaces()]
        assert before.index("early") < before.index("late")
        assert after.index("late") < after.index("early")
    finally:
        backend.store.close()


def test_the_sweeper_brings_namespaces_back_within_their_bound(postgres_url):
    import psycopg

    backend = Backend(load_fixtures(), store=store(postgres_url, max_namespaces=3,
                                                   sweep_every=3600))
    try:
        client = create_app(backend).test_client()
        create(client, path="/ns/kept" + API)
        # What two processes each making a namespace at once leave: each made its own
        # without seeing the other's, and neither forgot one for it.
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            for name in ("made-elsewhere-1", "made-elsewhere-2", "made-elsewhere-3"):
                connection.execute("INSERT INTO mock_baanx.namespaces (name, last_used) "
                                   "VALUES (%s, now() - interval '1 hour')", (name,))
        assert len(backend.store.namespaces()) == 4
        create(client, path="/ns/kept" + API)
        backend.store.sweep()
        # Those used longest ago forgotten, a place kept for the default namespace.
        assert sorted(summary.name for summary in backend.store.namespaces()) == [
            "kept", "made-elsewhere-3"]
    finally:
        backend.store.close()


def test_a_poll_of_an_order_another_replica_polled_meanwhile_waits_on_the_database_twice(
        postgres_url):
    from mock_baanx.storage.postgres_store import PostgresStore

    from ..postgres import round_trips

    connections: list = []
    # No sweep meanwhile: it would take the one connection between two requests' statements.
    one = Backend(load_fixtures(), store=PostgresStore(
        postgres_url, pool_size=1, sweep_every=3600, on_connect=connections.append))
    other = Backend(load_fixtures(), store=store(postgres_url))
    try:
        first, second = create_app(one).test_client(), create_app(other).test_client()
        order_id = create(first)["orderId"]
        for _ in range(10):  # statements prepared; each replica has read the order
            poll(first, order_id)
            poll(second, order_id)
        (connection,) = connections
        # The first answer finds the order changed, and learns how it now is from that.
        assert round_trips(connection, lambda: first.get(f"{API}/{order_id}",
                                                         headers=headers())) == 2
        assert first.get(f"/__mock/orders/{order_id}").get_json()["pollCount"] == 21
    finally:
        one.store.close()
        other.store.close()


def test_a_control_change_through_a_replica_that_knew_the_namespace_before_another_changed_it(
        replica_clients):
    first, second = replica_clients
    for client in (first, second):  # each knows the namespace, its clock at real time
        client.get("/__mock/clock")
    second.post("/__mock/clock", json={"advanceSeconds": 100})
    assert first.post("/__mock/clock", json={"advanceSeconds": 10}).get_json()[
        "offsetSeconds"] == 110
    assert second.get("/__mock/clock").get_json()["offsetSeconds"] == 110
    second.post("/__mock/faults", json={"endpoint": "createOrder", "status": 503})
    assert [fault["status"] for fault in first.post("/__mock/faults", json={
        "endpoint": "createOrder", "status": 500}).get_json()["faults"]] == [503, 500]
    assert first.post(API, json=ORDER_BODY, headers=headers()).status_code == 503


def test_creates_through_one_replica_racing_resets_through_another_leave_no_order_behind(
        postgres_url):
    creator = Backend(load_fixtures(), ids=seeded_ids(3), store=store(postgres_url))
    resetter = Backend(load_fixtures(), ids=seeded_ids(3), store=store(postgres_url))
    creating_threads, creates = 3, 40
    done = threading.Semaphore(0)
    broken: list[list[str]] = []
    resets = 0
    ids = seeded_ids(3)
    # Made before the threads start: Werkzeug compiles each rule with `ast`, which Python
    # 3.11 does not make safe to run from several threads at once.
    clients = [create_app(resetter).test_client(),
               *(create_app(creator).test_client() for _ in range(creating_threads))]

    def look(client) -> None:
        # The orders kept are the namespace's numbers from 1 on (their seeded ids, newest
        # first): none created before a reset and kept after it.
        kept = [order["orderId"] for order in client.get("/__mock/orders").get_json()[
            "orders"]]
        if kept != [ids.order_id("default", number) for number in range(len(kept), 0, -1)]:
            broken.append(kept)

    def work(index: int) -> None:
        nonlocal resets
        client = clients[index]
        if index == 0:
            finished = 0
            while finished < creating_threads:
                look(client)
                assert client.post("/__mock/reset").status_code == 200
                resets += 1
                finished += done.acquire(blocking=False)
            look(client)
            return
        try:
            for _ in range(creates):
                assert client.post(API, json=ORDER_BODY, headers=headers()).status_code == 200
        finally:
            done.release()  # the resetter stops even when a create failed

    try:
        in_threads(creating_threads + 1, work)
    finally:
        creator.store.close()
        resetter.store.close()
    assert resets >= creating_threads
    assert broken == []


def test_users_added_one_after_another_through_two_replicas_are_all_known_to_both(
        replica_clients):
    first, second = replica_clients
    for client in (first, second):  # each knows the namespace
        client.get(PRODUCTS, headers=headers())
    for token, client in (("one", first), ("two", first), ("three", second),
                          ("four", first)):
        assert client.post("/__mock/users", json={"token": token, "id": token}
                           ).status_code == 200
    for client in (first, second):
        assert [client.get(PRODUCTS, headers=headers(token)).status_code
                for token in ("one", "two", "three", "four")] == [200] * 4


def test_a_listing_through_a_replica_answers_by_what_another_replica_changed_meanwhile(
        replica_clients):
    first, second = replica_clients
    first.post("/__mock/lifecycle", json={"name": "complete-after-30s", "count": 1})
    create(first)
    assert [order["status"] for order in first.get("/__mock/orders").get_json()[
        "orders"]] == ["STARTED"]
    second.post("/__mock/clock", json={"advanceSeconds": 60})
    assert [order["status"] for order in first.get("/__mock/orders").get_json()[
        "orders"]] == ["COMPLETED"]


def wait_for_one_lock_wait(url: str) -> None:
    """Until one backend waits for a lock another holds (10 s at most)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as watching:
        deadline = time.monotonic() + 10
        while watching.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type "
                               "= 'Lock'").fetchone() != (1,):
            assert time.monotonic() < deadline, "nothing waited for the lock held"
            time.sleep(0.01)


def test_an_order_a_create_in_flight_keeps_is_deleted_by_a_reset_of_every_namespace(
        postgres_url):
    import psycopg
    from psycopg import sql

    with psycopg.connect(postgres_url, autocommit=True) as admin:  # whatever the default
        admin.execute(sql.SQL("ALTER DATABASE {} SET default_transaction_isolation = "
                              "'repeatable read'").format(sql.Identifier(admin.info.dbname)))
    backend = Backend(load_fixtures(), store=store(postgres_url, sweep_every=3600))
    create(create_app(backend).test_client())
    creating = psycopg.connect(postgres_url)  # a create through another replica, as it locks
    try:
        creating.execute("UPDATE mock_baanx.namespaces SET numbers_used = numbers_used + 1 "
                         "WHERE name = 'default'")
        failed: list[BaseException] = []

        def reset_all() -> None:
            try:
                backend.store.reset_all()
            except BaseException as error:
                failed.append(error)

        resetting = threading.Thread(target=reset_all)
        resetting.start()
        wait_for_one_lock_wait(postgres_url)
        creating.execute("INSERT INTO mock_baanx.orders (order_id, namespace, used, lifecycle, "
                         "body) VALUES ('ord_in_flight', 'default', 0, 'complete', '{}')")
        creating.commit()
        resetting.join(timeout=10)
        assert failed == []
        with psycopg.connect(postgres_url) as checking:
            assert checking.execute("SELECT count(*) FROM mock_baanx.orders").fetchone() == (0,)
    finally:
        creating.close()
        backend.store.close()


def test_an_addition_takes_its_version_once_it_holds_its_namespace(postgres_url):
    import psycopg

    backend = Backend(load_fixtures(), store=store(postgres_url, sweep_every=3600))
    client = create_app(backend).test_client()
    client.get(PRODUCTS, headers=headers())
    holding = psycopg.connect(postgres_url)  # a create through another replica, as it locks
    try:
        holding.execute("UPDATE mock_baanx.namespaces SET numbers_used = numbers_used + 1 "
                        "WHERE name = 'default'")
        replies: list[int] = []
        adding = threading.Thread(target=lambda: replies.append(client.post(
            "/__mock/users", json={"token": "late", "id": "late"}).status_code))
        adding.start()
        wait_for_one_lock_wait(postgres_url)
        # A version taken while the addition waits is older than the addition's: a process
        # that read the newest version never meets an older one committed after it.
        (taken,) = holding.execute("SELECT nextval(pg_get_serial_sequence("
                                   "'mock_baanx.additions', 'version'))").fetchone()
        holding.commit()
        adding.join(timeout=10)
        with psycopg.connect(postgres_url) as checking:
            (added,) = checking.execute("SELECT version FROM mock_baanx.additions").fetchone()
        assert (replies, added > taken) == ([200], True)
    finally:
        holding.close()
        backend.store.close()


@pytest.mark.parametrize("seed", [None, 3])
def test_an_orders_first_poll_through_the_process_that_created_it_waits_once(postgres_url,
                                                                              seed):
    from mock_baanx.storage.postgres_store import PostgresStore

    from ..postgres import round_trips

    connections: list = []
    backend = Backend(load_fixtures(), ids=None if seed is None else seeded_ids(seed),
                      store=PostgresStore(postgres_url, pool_size=1, sweep_every=3600,
                                          on_connect=connections.append))
    try:
        client = create_app(backend).test_client()
        for _ in range(10):  # statements prepared, as on a connection in use
            poll(client, create(client)["orderId"])
        (connection,) = connections
        order_id = create(client)["orderId"]
        assert round_trips(connection, lambda: client.get(f"{API}/{order_id}",
                                                          headers=headers())) == 1
        assert client.get(f"/__mock/orders/{order_id}").get_json()["pollCount"] == 1
    finally:
        backend.store.close()
