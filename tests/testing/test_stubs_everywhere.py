"""One fixtures folder with a `GET /v1/user` and a `GET /v1/card/{cardId}` stub, answered
alike by `mock-baanx serve`, the Flask app and BaanxMock (for requests and httpx): under a
namespace, with a fault, in the journal and in coverage."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import requests

from mock_baanx import BaanxMock, Backend, create_app, load_fixtures

from ..helpers import headers
from ..served import Served

STUBS_YAML = """\
- id: getUser
  method: GET
  path: /v1/user
  body: {id: "{{user.id}}", verified: "{{user.kycVerified}}"}
  schema: {type: object, required: [id, verified]}
- id: getCard
  method: GET
  path: /v1/card/{cardId}
  body: {id: "{{path.cardId}}", status: ACTIVE}
  schema: {type: object, properties: {status: {enum: [ACTIVE, FROZEN]}}}
"""
# (method, path, headers, JSON body) -> (status, JSON reply)
Send = Callable[[str, str, dict[str, str], Any], tuple[int, Any]]


def session(send: Send) -> dict[str, Any]:
    """A client's session with the stubs, in namespace team-a; what it saw."""
    ns = "/ns/team-a"
    seen: dict[str, Any] = {
        "user": send("GET", f"{ns}/v1/user", headers(), None),
        "no token": send("GET", f"{ns}/v1/user", headers(token=None), None),
        "card": send("GET", f"{ns}/v1/card/card-9", headers(), None),
        "faulted card": send("GET", f"{ns}/v1/card/card-9",
                             headers(**{"X-Mock-Fault": "503"}), None)[0],
        "fault added": send("POST", f"{ns}/__mock/faults", {},
                            {"endpoint": "getUser", "status": 500, "times": 1})[0],
        "faulted user": send("GET", f"{ns}/v1/user", headers(), None)[0],
    }
    journal = send("GET", f"{ns}/__mock/requests", {}, None)[1]["requests"]
    seen["journal"] = [(entry["path"], entry["status"], entry["endpoint"]) for entry in journal]
    outcomes = send("GET", f"{ns}/__mock/coverage", {}, None)[1]["outcomes"]
    seen["coverage"] = {(entry["path"], entry["outcome"]): entry["seen"] for entry in outcomes
                        if entry["seen"] and not entry["path"].startswith("/v1/order")}
    seen["default journal"] = send("GET", "/__mock/requests", {}, None)[1]["requests"]
    return seen


EXPECTED = {
    "user": (200, {"id": "user-demo", "verified": True}),
    "no token": (401, {"message": "Not authenticated"}),
    "card": (200, {"id": "card-9", "status": "ACTIVE"}),
    "faulted card": 503,
    "fault added": 200,
    "faulted user": 500,
    "journal": [("/v1/user", 200, "getUser"), ("/v1/user", 401, "getUser"),
                ("/v1/card/card-9", 200, "getCard"), ("/v1/card/card-9", 503, "getCard"),
                ("/v1/user", 500, "getUser")],
    "coverage": {("/v1/user", "200"): 1, ("/v1/user", "401"): 1, ("/v1/user", "500"): 1,
                 ("/v1/card/{cardId}", "200"): 1, ("/v1/card/{cardId}", "503"): 1},
    "default journal": [],
}


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "stubs.yaml").write_text(STUBS_YAML)
    return tmp_path


def over_requests(base_url: str, http: requests.Session) -> Send:
    def send(method: str, path: str, sent: dict[str, str], body: Any) -> tuple[int, Any]:
        reply = http.request(method, base_url + path, headers=sent, json=body, timeout=10)
        return reply.status_code, reply.json()

    return send


def test_served(folder):
    served = Served("--fixtures", str(folder))
    try:
        with requests.Session() as http:
            assert session(over_requests(served.url, http)) == EXPECTED
    finally:
        served.stop()


def test_the_flask_app(folder):
    client = create_app(Backend(load_fixtures(folder))).test_client()

    def send(method: str, path: str, sent: dict[str, str], body: Any) -> tuple[int, Any]:
        reply = client.open(path, method=method, headers=sent, json=body)
        return reply.status_code, reply.get_json()

    assert session(send) == EXPECTED


def test_baanx_mock_for_requests(folder):
    with BaanxMock(fixtures=folder) as mock, requests.Session() as http:
        assert session(over_requests(mock.base_url, http)) == EXPECTED


def test_baanx_mock_for_httpx(folder):
    with BaanxMock(fixtures=folder) as mock, httpx.Client() as http:
        def send(method: str, path: str, sent: dict[str, str], body: Any) -> tuple[int, Any]:
            reply = http.request(method, mock.base_url + path, headers=sent,
                                 content=None if body is None else json.dumps(body),
                                 timeout=10)
            return reply.status_code, reply.json()

        assert session(send) == EXPECTED


def test_baanx_mock_takes_stubs_as_data_and_at_run_time():
    stub = {"id": "getUser", "method": "GET", "path": "/v1/user", "body": {"id": "{{user.id}}"}}
    with BaanxMock(fixtures={"stubs": [stub]}) as mock:
        url = mock.base_url + "/v1/user"
        assert requests.get(url, headers=mock.headers(), timeout=10).json() == {
            "id": "user-demo"}
        assert mock.add_stub(id="getCards", method="GET", path="/v1/cards",
                             body=[{"id": "card-1"}]) == {
            "kind": "stub", "key": "getCards", "replaced": False}
        assert requests.get(mock.base_url + "/v1/cards", headers=mock.headers(),
                            timeout=10).json() == [{"id": "card-1"}]
        assert [listed["id"] for listed in mock.stubs()] == ["getUser", "getCards"]
        mock.remove_stub("getCards")
        assert requests.get(mock.base_url + "/v1/cards", headers=mock.headers(),
                            timeout=10).status_code == 404
