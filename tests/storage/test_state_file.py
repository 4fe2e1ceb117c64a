"""--state-file: a restarted mock, even one killed with -9, still knows its orders."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
from pathlib import Path

import pytest
import requests

from mock_baanx import Backend, create_app, load_fixtures
from mock_baanx.core import Clock, PaymentMethod, seeded_ids
from mock_baanx.core import StoreError as StateFileError
from mock_baanx.storage.order_records import RECORD_VERSION, UnreadableRecord, order_of, record_of
from mock_baanx.storage.state_file import SCHEMA, SqliteStore, is_the_files_fault

from ..helpers import ORDER_BODY, ManualTime, assert_error, headers
from ..served import Served, run_cli


@pytest.mark.served
def test_orders_histories_and_clock_survive_kill_9(tmp_path):
    state = str(tmp_path / "mock.sqlite")
    first = Served("--state-file", state)
    try:
        created = requests.post(f"{first.url}/v1/order", json=ORDER_BODY, timeout=10,
                                headers=headers(**{"X-Mock-Lifecycle": "fail"})).json()
        order_id = created["orderId"]
        requests.get(f"{first.url}/v1/order/{order_id}", headers=headers(), timeout=10)
        requests.post(f"{first.url}/__mock/clock", json={"advanceSeconds": 100}, timeout=10)
        before = requests.get(f"{first.url}/__mock/orders/{order_id}", timeout=10).json()
    finally:
        assert first.stop(signal.SIGKILL) == -signal.SIGKILL

    second = Served("--state-file", state)
    try:
        after = requests.get(f"{second.url}/__mock/orders/{order_id}", timeout=10).json()
        assert after == before
        clock = requests.get(f"{second.url}/__mock/clock", timeout=10).json()
        assert clock["offsetSeconds"] == 100
        # The lifecycle goes on where it was: two more polls, and the payment bounces.
        statuses = [requests.get(f"{second.url}/v1/order/{order_id}", headers=headers(),
                                 timeout=10).json() for _ in range(2)]
        assert [status["status"] for status in statuses] == ["STARTED", "FAILED"]
        assert statuses[-1]["requestId"] == created["requestId"]
        requests.post(f"{second.url}/__mock/reset", timeout=10)
    finally:
        assert second.stop() == 0

    third = Served("--state-file", state)
    try:
        listed = requests.get(f"{third.url}/__mock/orders", timeout=10).json()
        assert listed == {"orders": [], "total": 0}
        assert requests.get(f"{third.url}/__mock/clock", timeout=10).json()["offsetSeconds"] == 0
    finally:
        third.stop()


def test_an_order_round_trips_through_the_file(tmp_path):
    store = SqliteStore(tmp_path / "state.sqlite")
    backend = Backend(load_fixtures(), clock=Clock(ManualTime()), ids=seeded_ids(4),
                      store=store)
    identity = backend.authenticate("demo-client", "demo-token")
    order = backend.create_order(identity, "METAL_CARD",
                                 PaymentMethod.CRYPTO_EXTERNAL_DAIMO, lifecycle="instant")
    completed = backend.poll_order(identity, order.order_id)
    assert order_of(json.loads(json.dumps(record_of(completed)))) == completed
    reopened = Backend(load_fixtures(), store=SqliteStore(tmp_path / "state.sqlite"))
    assert reopened.order(order.order_id) == completed


def test_a_record_read_back_keeps_its_request_id_and_takes_its_times_as_utc():
    backend = Backend(load_fixtures(), clock=Clock(ManualTime()), ids=seeded_ids(6))
    identity = backend.authenticate("demo-client", "demo-token")
    untouched = backend.create_order(identity, "METAL_CARD", PaymentMethod.CRYPTO_EXTERNAL_DAIMO)
    record = record_of(untouched)
    assert record["record"] == RECORD_VERSION
    assert "requestId" not in record  # the one derived from the order id
    again = order_of(record)
    assert again == untouched
    kept = order_of({**record, "requestId": "payment_kept"})
    assert kept.request_id == "payment_kept"
    assert record_of(kept)["requestId"] == "payment_kept"


def test_the_record_is_storages_own_not_the_control_apis_view():
    backend = Backend(load_fixtures(), clock=Clock(ManualTime()), ids=seeded_ids(6))
    identity = backend.authenticate("demo-client", "demo-token")
    order = backend.create_order(identity, "METAL_CARD", PaymentMethod.CRYPTO_EXTERNAL_DAIMO,
                                 lifecycle="instant")
    completed = backend.poll_order(identity, order.order_id)
    record = record_of(completed)
    # Moments as whole microseconds; no field of the control API's view that it derives.
    assert record["createdMicros"] == 1774620432662000
    assert record["pollTimes"] == [1774620432662000]
    assert "lastPolledAt" not in record
    assert "history" not in record
    assert record["changes"][0][0] == "COMPLETED"
    assert order_of(record) == completed
    with pytest.raises(UnreadableRecord, match="version 4; this mock-baanx reads versions up "
                                               "to 3"):
        order_of({**record, "record": 4})


def orders_created(backend: Backend, count: int) -> list[str]:
    """The ids of `count` orders created one after the other, oldest first."""
    identity = backend.authenticate("demo-client", "demo-token")
    return [backend.create_order(identity, "METAL_CARD",
                                 PaymentMethod.CRYPTO_EXTERNAL_DAIMO).order_id
            for _ in range(count)]


def test_forgotten_orders_leave_the_file_and_a_lower_limit_applies_on_restart(tmp_path):
    path = tmp_path / "state.sqlite"
    order_ids = orders_created(Backend(load_fixtures(), ids=seeded_ids(5),
                                       store=SqliteStore(path, max_orders=3)), 4)
    reopened = Backend(load_fixtures(), store=SqliteStore(path, max_orders=10))
    assert [order.order_id for order in reversed(reopened.orders())] == order_ids[1:]
    smaller = Backend(load_fixtures(), store=SqliteStore(path, max_orders=2))
    assert [order.order_id for order in reversed(smaller.orders())] == order_ids[2:]
    again = Backend(load_fixtures(), store=SqliteStore(path, max_orders=10))
    assert [order.order_id for order in reversed(again.orders())] == order_ids[2:]


def test_past_the_limit_a_restarted_mock_forgets_its_oldest_restored_order_first(tmp_path):
    path = tmp_path / "state.sqlite"
    restored = orders_created(Backend(load_fixtures(), ids=seeded_ids(6),
                                      store=SqliteStore(path, max_orders=3)), 3)
    reopened = Backend(load_fixtures(), ids=seeded_ids(7), store=SqliteStore(path, max_orders=3))
    (new,) = orders_created(reopened, 1)
    assert [order.order_id for order in reversed(reopened.orders())] == [*restored[1:], new]


@pytest.mark.served
def test_a_file_that_is_not_a_state_file_exits_2(tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("these are not the orders you are looking for\n" * 100)
    result = run_cli("serve", "--port", "0", "--state-file", str(bogus))
    assert result.returncode == 2
    assert f"--state-file: {bogus}: not a usable state file" in result.stderr


def test_a_state_file_that_cannot_be_written_is_a_503_not_a_500(tmp_path, caplog):
    store = SqliteStore(tmp_path / "state.sqlite")
    client = create_app(Backend(load_fixtures(), store=store)).test_client()
    assert client.post("/v1/order", json=ORDER_BODY, headers=headers()).status_code == 200
    store._db.execute("PRAGMA query_only = ON")  # as a disk gone read-only: every write fails
    refused = client.post("/v1/order", json=ORDER_BODY, headers=headers())
    assert refused.status_code == 503
    assert refused.get_json()["message"].startswith(
        "Service Unavailable: the mock's state file cannot be written (")
    assert [record.getMessage() for record in caplog.records] == [
        "mock-baanx: POST /v1/order: Service Unavailable: the mock's state file cannot be "
        "written (attempt to write a readonly database)"]
    assert client.post("/__mock/clock", json={"advanceSeconds": 5}).status_code == 503


def test_a_first_start_stopped_before_it_wrote_its_format_is_still_the_mocks_file(tmp_path):
    database = tmp_path / "state.sqlite"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        for statement in SCHEMA:
            connection.execute(statement)
    client = create_app(Backend(load_fixtures(), store=SqliteStore(database))).test_client()
    assert client.post("/v1/order", json=ORDER_BODY, headers=headers()).status_code == 200


@pytest.mark.parametrize("schema", ["CREATE TABLE users (id INTEGER, name TEXT)",
                                    "CREATE TABLE meta (k TEXT, v TEXT)"])
def test_another_programs_database_is_refused_and_left_as_it_was(tmp_path, schema):
    database = tmp_path / "app.sqlite"
    with sqlite3.connect(database) as connection:
        connection.execute(schema)
    before = database.read_bytes()
    with pytest.raises(StateFileError, match="another program's database, not a mock-baanx "
                                             "state file"):
        SqliteStore(database)
    assert database.read_bytes() == before
    assert not database.with_name("app.sqlite-wal").exists()


@pytest.mark.served
def test_an_order_whose_lifecycle_is_gone_exits_2(tmp_path):
    (tmp_path / "fixtures" / "lifecycles").mkdir(parents=True)
    (tmp_path / "fixtures" / "lifecycles" / "slow.json").write_text(
        '{"steps": [{"status": "COMPLETED", "afterPolls": 9}]}')
    state = str(tmp_path / "state.sqlite")
    served = Served("--state-file", state, "--fixtures", str(tmp_path / "fixtures"))
    try:
        requests.post(f"{served.url}/v1/order", json=ORDER_BODY, timeout=10,
                      headers=headers(**{"X-Mock-Lifecycle": "slow"}))
    finally:
        served.stop()
    result = run_cli("serve", "--port", "0", "--state-file", state)
    assert result.returncode == 2
    assert "follows lifecycle 'slow', which the fixtures no longer define" in result.stderr


# An order as the first release wrote it (format 1): completed after one poll.
FORMAT_1_ORDER = {
    "order_id": "ord_first", "request_id": "payment_first", "client_id": "demo-client",
    "user_id": "user-demo", "product_id": "METAL_CARD",
    "payment_method": "CRYPTO_EXTERNAL_DAIMO", "lifecycle": "instant", "status": "COMPLETED",
    "poll_count": 1, "steps_taken": 1, "created_at": "2026-03-27T14:07:12.662000+00:00",
    "payment_config": {"payment_amount": 299, "payment_currency": "USD",
                       "destination_address": "0x3a11", "destination_chain_id": "59144",
                       "destination_token_symbol": "USDC", "destination_token_address": "0x1762"},
    "outcome": {"paid_at": "2026-03-27 14:07:13.662+00", "payment_id": "7Tt3",
                "tx_hash": "0xab", "note": None},
    "history": [{"status": "STARTED", "at": "2026-03-27T14:07:12.662000+00:00",
                 "after_polls": 0, "cause": "created"},
                {"status": "COMPLETED", "at": "2026-03-27T14:07:13.662000+00:00",
                 "after_polls": 0, "cause": "lifecycle instant"}],
    "poll_times": ["2026-03-27T14:07:13.662000+00:00"],
}


def format_1_file(path, body: str) -> None:
    import sqlite3

    db = sqlite3.connect(path)
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("CREATE TABLE orders (order_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, "
               "body TEXT NOT NULL)")
    db.execute("INSERT INTO meta VALUES ('format', '1')")
    db.execute("INSERT INTO orders VALUES ('ord_first', 1, ?)", (body,))
    db.commit()
    db.close()


def test_a_first_release_state_file_is_migrated_when_opened(tmp_path):
    path = tmp_path / "old.sqlite"
    format_1_file(path, json.dumps(FORMAT_1_ORDER))
    restored = Backend(load_fixtures(), store=SqliteStore(path)).order("ord_first")
    assert restored.status == "COMPLETED"
    # A request id a client already holds stays the order's, though new orders derive
    # theirs from the order id.
    assert restored.request_id == "payment_first"
    assert restored.payment_config.payment_amount == 299
    assert (restored.outcome.paid_at, restored.outcome.payment_id) == (
        "2026-03-27 14:07:13.662+00", "7Tt3")
    assert [change.cause for change in restored.history] == ["created", "lifecycle instant"]
    assert (restored.poll_count, restored.steps_taken, len(restored.poll_times)) == (1, 1, 1)
    # Written back in the current format: a second opening reads it as it is.
    assert Backend(load_fixtures(), store=SqliteStore(path)).order("ord_first") == restored


def test_an_unreadable_first_release_file_is_refused_and_left_as_it_was(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite"
    format_1_file(path, json.dumps({"order_id": "ord_first"}))
    with pytest.raises(StateFileError, match="unreadable order data"):
        SqliteStore(path)
    db = sqlite3.connect(path)
    assert db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone() == ("1",)
    assert json.loads(db.execute("SELECT body FROM orders").fetchone()[0]) == {
        "order_id": "ord_first"}
    db.close()


def test_every_namespace_keeps_its_orders_clock_and_numbers_across_a_restart(tmp_path):
    path = tmp_path / "state.sqlite"
    first = Backend(load_fixtures(), ids=seeded_ids(1), store=SqliteStore(path))
    identity = first.authenticate("demo-client", "demo-token")
    in_a = first.create_order(identity, "METAL_CARD", PaymentMethod.CRYPTO_EXTERNAL_DAIMO,
                              namespace="a")
    in_b = first.create_order(identity, "METAL_CARD", PaymentMethod.CRYPTO_EXTERNAL_DAIMO,
                              namespace="b")
    first.advance_clock(60, namespace="a")
    again = Backend(load_fixtures(), ids=seeded_ids(1), store=SqliteStore(path))
    assert [order.order_id for order in again.orders(namespace="a")] == [in_a.order_id]
    assert [order.order_id for order in again.orders(namespace="b")] == [in_b.order_id]
    assert (again.clock_offset("a"), again.clock_offset("b")) == (60, 0)
    # Order numbers go on where they were: a seeded restart does not hand out an id twice.
    next_in_a = again.create_order(identity, "METAL_CARD", PaymentMethod.CRYPTO_EXTERNAL_DAIMO,
                                   namespace="a")
    assert (next_in_a.number, next_in_a.order_id != in_a.order_id) == (2, True)
    again.reset("a")
    third = Backend(load_fixtures(), store=SqliteStore(path))
    assert (third.order_count("a"), third.order_count("b"), third.clock_offset("a")) == (0, 1, 0)


def test_a_stub_added_at_run_time_survives_a_restart_until_removed(tmp_path):
    path = tmp_path / "state.sqlite"
    stub = {"id": "getCard", "method": "GET", "path": "/v1/card/{cardId}",
            "body": {"id": "{{path.cardId}}"}, "schema": {"type": "object"}}
    client = create_app(Backend(load_fixtures(), store=SqliteStore(path))).test_client()
    assert client.post("/ns/team/__mock/stubs", json=stub).status_code == 200
    reopened = create_app(Backend(load_fixtures(), store=SqliteStore(path))).test_client()
    assert reopened.get("/ns/team/v1/card/c1", headers=headers()).get_json() == {"id": "c1"}
    assert reopened.get("/ns/team/__mock/stubs").get_json()["stubs"] == [
        {**stub, "status": 200, "auth": "baanx"}]
    assert reopened.delete("/ns/team/__mock/stubs/getCard").status_code == 200
    again = create_app(Backend(load_fixtures(), store=SqliteStore(path))).test_client()
    assert again.get("/ns/team/__mock/stubs").get_json()["stubs"] == []


def test_additions_an_earlier_version_kept_are_restored_as_they_were(tmp_path):
    """Rules newer than what a state file keeps refuse new additions only: a stub and a
    lifecycle stored before them are still served, never lost."""
    path = tmp_path / "state.sqlite"
    client = create_app(Backend(load_fixtures(), store=SqliteStore(path))).test_client()
    stub = {"id": "gone", "method": "DELETE", "path": "/v1/card/{cardId}", "status": 204}
    lifecycle = {"steps": [{"status": "COMPLETED", "afterPolls": 0,
                            "paidAt": "2024-02-28 10:00:00.000+00"}]}
    assert client.post("/__mock/stubs", json=stub).status_code == 200
    assert client.post("/__mock/lifecycles",
                       json={"name": "leap", "lifecycle": lifecycle}).status_code == 200
    # As an earlier version wrote them, before a 204's body and a day no calendar has were
    # refused.
    with sqlite3.connect(path) as database:
        database.execute("UPDATE additions SET body = ? WHERE kind = 'stub'",
                         (json.dumps({**stub, "body": {"deleted": True}}),))
        database.execute("UPDATE additions SET body = replace(body, '2024-02-28', '2025-02-29') "
                         "WHERE kind = 'lifecycle'")
    reopened = create_app(Backend(load_fixtures(), store=SqliteStore(path))).test_client()
    assert reopened.delete("/v1/card/c1", headers=headers()).status_code == 204
    created = reopened.post("/v1/order", json=ORDER_BODY,
                            headers=headers(**{"X-Mock-Lifecycle": "leap"})).get_json()
    polled = reopened.get(f"/v1/order/{created['orderId']}", headers=headers()).get_json()
    assert (polled["status"], polled["paidAt"]) == ("COMPLETED", "2025-02-29 10:00:00.000+00")


DATA = Path(__file__).parent / "data"


def test_a_state_file_the_previous_release_wrote_loads_and_is_rewritten_in_the_current_format(
        tmp_path):
    # Written at c5ee83a, the release before the storage codec (state format 2, each order
    # as the control API showed it), with orders in every state, a namespace with its own
    # users, products, lifecycles and clock; previous-release.json is what its control API
    # said.
    path = tmp_path / "state.sqlite"
    shutil.copy(DATA / "previous-release.sqlite", path)
    said = json.loads((DATA / "previous-release.json").read_text())
    for reopened in range(2):  # read back, then read again as the current format wrote it
        store = SqliteStore(path)
        client = create_app(Backend(load_fixtures(), store=store)).test_client()
        for key, detail in said.items():
            namespace, order_id = key.split("/")
            prefix = "" if namespace == "default" else f"/ns/{namespace}"
            assert client.get(f"{prefix}/__mock/orders/{order_id}").get_json() == detail, \
                (reopened, key)
        assert client.get("/ns/team/__mock/clock").get_json()["offsetSeconds"] == 90
        assert client.get("/ns/team/v1/order/products/available",
                          headers=headers("carol-token")).status_code == 200
        store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone() == ("3",)
        bodies = [json.loads(body) for (body,) in db.execute("SELECT body FROM orders")]
    assert {body["record"] for body in bodies} == {RECORD_VERSION}


def test_what_a_full_file_refused_is_neither_shown_nor_kept_later(tmp_path):
    path = tmp_path / "state.sqlite"
    store = SqliteStore(path)
    client = create_app(Backend(load_fixtures(), store=store)).test_client()
    never = headers(**{"X-Mock-Lifecycle": "never"})
    kept = client.post("/v1/order", json=ORDER_BODY, headers=never).get_json()["orderId"]
    assert client.get(f"/v1/order/{kept}", headers=headers()).status_code == 200
    # The file may grow no more, as on a full disk: SQLite's own "database or disk is full".
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages}")
    refused = []
    for _ in range(200):  # until the file's last free page is used
        reply = client.post("/v1/order", json=ORDER_BODY, headers=never)
        if reply.status_code == 503:
            refused.append(reply)
            break
    assert refused, "the file never filled up"
    created = [order["orderId"] for order in client.get("/__mock/orders").get_json()["orders"]]
    polls = [client.get(f"/v1/order/{kept}", headers=headers()).status_code for _ in range(3)]
    store._db.execute("PRAGMA max_page_count = 1073741823")  # room again
    assert client.get(f"/v1/order/{kept}", headers=headers()).status_code == 200
    shown = client.get(f"/__mock/orders/{kept}").get_json()
    assert shown["pollCount"] == 2 + polls.count(200)
    store.close()
    reopened = create_app(Backend(load_fixtures(), store=SqliteStore(path))).test_client()
    assert [order["orderId"] for order in reopened.get("/__mock/orders").get_json()[
        "orders"]] == created
    assert reopened.get(f"/__mock/orders/{kept}").get_json()["pollCount"] == shown["pollCount"]


def test_a_write_refused_for_the_statements_sake_is_a_bug_not_a_full_disk(tmp_path, caplog):
    store = SqliteStore(tmp_path / "state.sqlite")
    client = create_app(Backend(load_fixtures(), store=store)).test_client()
    store.close()  # every statement then fails as a bug in the mock's own use of SQLite would
    assert_error(client.post("/v1/order", json=ORDER_BODY, headers=headers()), 500,
                 "Internal server error")
    assert "cannot be written" not in caplog.text


def test_a_create_that_makes_room_is_kept_whole_or_not_at_all(tmp_path):
    path = tmp_path / "state.sqlite"
    store = SqliteStore(path, max_orders=1)
    client = create_app(Backend(load_fixtures(), store=store)).test_client()
    first = client.post("/v1/order", json=ORDER_BODY, headers=headers()).get_json()["orderId"]

    def no_deletes(action: int, *_: object) -> int:
        return sqlite3.SQLITE_DENY if action == sqlite3.SQLITE_DELETE else sqlite3.SQLITE_OK

    # The file refuses to let the first order go, which a second one needs room for.
    store._db.set_authorizer(no_deletes)
    assert client.post("/v1/order", json=ORDER_BODY, headers=headers()).status_code == 500
    store._db.set_authorizer(None)
    listed = client.get("/__mock/orders").get_json()
    assert ([order["orderId"] for order in listed["orders"]], listed["total"]) == ([first], 1)
    store.close()
    reopened = SqliteStore(path, max_orders=1)
    assert [order.order_id for order in reopened.order_page("default").orders] == [first]


def test_only_what_the_file_cannot_do_is_its_fault_not_a_statement_of_the_mocks():
    connection = sqlite3.connect(":memory:")
    with pytest.raises(sqlite3.OperationalError) as syntax:
        connection.execute("SELEC 1")
    with pytest.raises(sqlite3.OperationalError) as missing:
        connection.execute("SELECT * FROM nowhere")
    connection.execute("PRAGMA query_only = ON")
    with pytest.raises(sqlite3.OperationalError) as read_only:
        connection.execute("CREATE TABLE t (x)")
    assert [is_the_files_fault(error.value) for error in (syntax, missing, read_only)] == [
        False, False, True]


def test_a_new_namespace_the_file_cannot_make_room_for_is_refused_alone(tmp_path):
    store = SqliteStore(tmp_path / "state.sqlite", max_namespaces=2)
    client = create_app(Backend(load_fixtures(), store=store)).test_client()
    for path in ("/v1/order", "/ns/a/v1/order"):
        assert client.post(path, json=ORDER_BODY, headers=headers()).status_code == 200
    store._db.execute("PRAGMA query_only = ON")  # as a disk gone read-only
    assert client.post("/ns/b/v1/order", json=ORDER_BODY, headers=headers()).status_code == 503
    assert sorted(summary.name for summary in store.namespaces()) == ["a", "default"]
    # What was there before answers still.
    assert client.get("/ns/a/v1/order/products/available", headers=headers()).status_code \
        == 200
