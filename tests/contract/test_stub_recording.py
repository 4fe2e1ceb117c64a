"""The app's other endpoints through the proxy: recorded as schema-checked stubs (ids in
the path generalised, credentials and personal data replaced), replayed offline by
`mock-baanx serve`, and held to the live API by `verify --stubs`."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from mock_baanx.cli import main
from mock_baanx.contract.proxy import Proxy
from mock_baanx.contract.recorded_stubs import is_id, stub_id_of, template_of
from mock_baanx.contract.recorder import Recorder
from mock_baanx.protocol import schemas
from mock_baanx.transports.thread_server import BackgroundServer

from ..served import Served
from .stand_ins import WALLET_STUBS, StandInUpstream, faithful, last4_as_number

DEMO = {"X-Client-ID": "demo-client", "Authorization": "Bearer demo-token"}
RECORDED = {"X-Client-ID": "recorded-client-1", "Authorization": "Bearer recorded-user-1"}


def wallet_upstream(rewrite=faithful, control=True) -> BackgroundServer:
    return BackgroundServer(StandInUpstream(rewrite, control=control,
                                            fixtures={"stubs": WALLET_STUBS}))


def wallet_session(base: str, headers: dict[str, str]) -> list[tuple[int, object]]:
    """What a wallet does beside ordering: its user, two cards, a freeze."""
    replies = [requests.get(base + "/v1/user", headers=headers, timeout=10),
               requests.get(base + "/v1/cards/crd_58a1c2", headers=headers, timeout=10),
               requests.get(base + "/v1/cards/crd_77b3e9", headers=headers, timeout=10),
               requests.post(base + "/v1/cards/crd_58a1c2/freeze", json={"frozen": True},
                             headers=headers, timeout=10),
               requests.get(base + "/v1/order/products/available", headers=headers,
                            timeout=10)]
    return [(reply.status_code, reply.json()) for reply in replies]


@pytest.fixture
def recorded(tmp_path) -> tuple[Recorder, Path, list[tuple[int, object]]]:
    upstream = wallet_upstream()
    recorder = Recorder()
    try:
        with Proxy(upstream.url, out=io.StringIO(), recorder=recorder) as proxy:
            seen = wallet_session(proxy.url, DEMO)
    finally:
        upstream.stop()
    folder = tmp_path / "recorded"
    written = recorder.write(folder, proxy.app.judge.order_rules, force=False)
    assert "stubs.json" in written
    return recorder, folder, seen


def test_each_other_endpoint_is_recorded_as_a_stub_with_an_inferred_schema(recorded):
    recorder, folder, _ = recorded
    stubs = json.loads((folder / "stubs.json").read_text())
    assert schemas.problems("fixtures/stubs.json", stubs) == []
    assert [(stub["id"], stub["method"], stub["path"], stub["status"], stub["auth"])
            for stub in stubs] == [
        ("getUser", "GET", "/v1/user", 200, "baanx"),
        ("getCard", "GET", "/v1/cards/{cardId}", 200, "baanx"),
        ("postCardFreeze", "POST", "/v1/cards/{cardId}/freeze", 200, "baanx")]
    user, card, freeze = stubs
    # Personal data replaced by stand-ins of its type; a path id by its placeholder.
    assert user["body"] == {"id": "user-demo", "email": "recorded@example.com",
                            "firstName": "recorded-firstName", "kycVerified": True, "tier": 2}
    assert card["body"]["id"] == "{{path.cardId}}"
    assert card["example"] == "/v1/cards/crd_77b3e9"
    assert freeze["exampleBody"] == {"frozen": True}
    # The schema genson inferred from every body seen.
    assert card["schema"]["properties"]["last4"] == {"type": "string"}
    assert card["schema"]["properties"]["limits"]["items"]["required"] == ["amount", "kind"]
    assert set(card["schema"]["required"]) == {"id", "status", "last4", "limits"}
    text = "".join(path.read_text() for path in folder.rglob("*.json"))
    for secret in ("demo-token", "demo-client", "jane.doe@example.org", "Jane"):
        assert secret not in text
    assert recorder.review == [
        "stub getCard: GET /v1/cards/{cardId}, generalised from /v1/cards/crd_58a1c2, "
        "/v1/cards/crd_77b3e9",
        "stub postCardFreeze: POST /v1/cards/{cardId}/freeze, generalised from "
        "/v1/cards/crd_58a1c2/freeze"]


def test_the_recording_replays_the_session_offline(recorded):
    _, folder, seen = recorded
    replay = Served("--fixtures", str(folder))
    try:
        replayed = wallet_session(replay.url, RECORDED)
        other_card = requests.get(replay.url + "/v1/cards/crd_0001", headers=RECORDED,
                                  timeout=10).json()
        unauthenticated = requests.get(replay.url + "/v1/user", timeout=10).status_code
    finally:
        replay.stop()
    assert [status for status, _ in replayed] == [status for status, _ in seen] == [200] * 5
    assert replayed[1][1] == {**seen[1][1]} == {
        "id": "crd_58a1c2", "status": "ACTIVE", "last4": "4242",
        "limits": [{"kind": "daily", "amount": 500}]}
    assert replayed[3][1] == seen[3][1] == {"id": "crd_58a1c2", "frozen": True}
    assert other_card["id"] == "crd_0001"
    assert unauthenticated == 499


def verify_stubs(capsys, url: str, folder, *extra: str) -> tuple[int, str]:
    code = main(["verify", "--base-url", url, "--client-id", "demo-client", "--token",
                 "demo-token", "--pace", "0", "--stubs", str(folder), *extra])
    return code, capsys.readouterr().out


def outcome(out: str, check: str) -> str:
    """PASS, FAIL, SKIP or N/A: what the report says of one check."""
    (line,) = [line for line in out.splitlines() if f" {check} (" in line]
    return line.split()[0]


def test_verify_holds_the_live_api_to_the_recorded_stubs(recorded, capsys):
    _, folder, _ = recorded
    live = wallet_upstream(control=False)
    try:
        code, out = verify_stubs(capsys, live.url, folder)
        writes_code, writes_out = verify_stubs(capsys, live.url, folder, "--allow-writes")
    finally:
        live.stop()
    assert code == 0, out
    assert [outcome(out, f"stub_{name}") for name in ("getUser", "getCard",
                                                       "postCardFreeze")] == [
        "PASS", "PASS", "SKIP"]
    assert "stub postCardFreeze — pass --allow-writes" in out
    assert writes_code == 0, writes_out
    assert outcome(writes_out, "stub_postCardFreeze") == "PASS"


@pytest.mark.parametrize("bodies", ["recorded", "left out"])
def test_verify_reports_drift_when_a_stubs_field_changes_type(recorded, capsys, tmp_path,
                                                              bodies):
    # A stub with a schema is held to the target whether or not it has a body of its own.
    _, folder, _ = recorded
    if bodies == "left out":
        stubs = json.loads((folder / "stubs.json").read_text())
        for stub in stubs:
            stub.pop("body", None)
        folder = tmp_path / "bodiless"
        folder.mkdir()
        (folder / "stubs.json").write_text(json.dumps(stubs))
    live = wallet_upstream(last4_as_number, control=False)
    try:
        code, out = verify_stubs(capsys, live.url, folder)
    finally:
        live.stop()
    assert code == 1, out
    assert "GET /v1/cards/{cardId}  $.last4  [stub.getCard]  expected type string  got 4242" \
        in out
    assert outcome(out, "stub_getUser") == "PASS"


@pytest.mark.parametrize(("path", "expected"), [
    ("/v1/user", ("/v1/user", {})),
    ("/v1/cards/crd_58a1c2", ("/v1/cards/{cardId}", {"cardId": "crd_58a1c2"})),
    ("/v2/payment-methods/42/limits", ("/v2/payment-methods/{paymentMethodId}/limits",
                                       {"paymentMethodId": "42"})),
    ("/v1/a/3f2b8c1e-7d6a-4e5f-9b0c-1a2b3c4d5e6f/b/77",
     ("/v1/a/{aId}/b/{bId}", {"aId": "3f2b8c1e-7d6a-4e5f-9b0c-1a2b3c4d5e6f", "bId": "77"})),
    ("/v1/2fa/verify", ("/v1/2fa/verify", {})),
    ("/1234567/x", ("/{id}/x", {"id": "1234567"})),
])
def test_ids_in_a_path_are_generalised_and_its_other_segments_kept(path, expected):
    assert template_of(path) == expected
    assert not is_id("v1")


def test_a_stubs_id_is_its_method_and_its_paths_words():
    assert stub_id_of("GET", "/v1/cards/{cardId}") == "getCard"
    assert stub_id_of("GET", "/v1/cards") == "getCards"
    assert stub_id_of("POST", "/v1/payment-methods/{id}/set_default") == \
        "postPaymentMethodSetDefault"
    assert stub_id_of("GET", "/") == "getRoot"


def test_the_command_records_the_stubs_and_lists_each_generalised_path(tmp_path):
    upstream = wallet_upstream()
    folder = tmp_path / "rec"
    command = [sys.executable, "-m", "mock_baanx", "proxy", "--upstream", upstream.url,
               "--port", "0", "--record", str(folder)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[2]
        wallet_session(url, DEMO)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        upstream.stop()
    assert process.returncode == 0, out + err
    assert ("review the path of stub getCard: GET /v1/cards/{cardId}, generalised from "
            "/v1/cards/crd_58a1c2, /v1/cards/crd_77b3e9") in out
    assert [stub["id"] for stub in json.loads((folder / "stubs.json").read_text())] == [
        "getUser", "getCard", "postCardFreeze"]


@pytest.mark.parametrize(("given", "message"), [
    ("missing", "mock-baanx verify: --stubs: {tmp}/missing: no such file or folder"),
    ("empty", "mock-baanx verify: --stubs {tmp}/empty: holds no stubs"),
])
def test_verify_stubs_that_cannot_be_read_exit_2_with_one_line(capsys, tmp_path, given,
                                                               message):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "users.yaml").write_text("- {token: t, id: u}\n")
    code = main(["verify", "--base-url", "http://127.0.0.1:9", "--stubs",
                 str(tmp_path / given)])
    assert code == 2
    assert capsys.readouterr().err == message.format(tmp=tmp_path) + "\n"
