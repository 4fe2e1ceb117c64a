"""No one in who does not belong: the control API refuses what another site's page sends,
a served mock answers only the Host names it should, and a shared mock's control API asks
for its token — while the Baanx routes still answer a browser app from any origin."""

from __future__ import annotations

import argparse

import pytest
import requests

from mock_baanx import create_app
from mock_baanx.cli.serve import control_token
from mock_baanx.protocol import Options
from mock_baanx.protocol.access import HostRule, host_name, remembered_host_name
from mock_baanx.protocol.errors import MalformedRequest
from mock_baanx.transports.thread_server import BackgroundServer

from ..helpers import create, headers

TOKEN = "s3cret-token-for-the-tests"
EVIL = "https://evil.example"


def orders(backend) -> int:
    return len(backend.orders())


@pytest.mark.parametrize("content_type", ["application/json", "text/plain",
                                          "application/x-www-form-urlencoded"])
@pytest.mark.parametrize("sent_from", [{"Origin": EVIL}, {"Referer": EVIL + "/page.html"},
                                       {"Origin": "null"}])
def test_a_cross_site_reset_is_refused_and_nothing_is_reset(client, backend, content_type,
                                                            sent_from):
    create(client)
    reply = client.post("/__mock/reset", data=b'{"all": true}', content_type=content_type,
                        headers=sent_from)
    assert reply.status_code == 403
    assert reply.get_json()["message"].startswith("Forbidden: the control API takes no "
                                                  "request another site's page sends")
    assert orders(backend) == 1
    assert backend.journal() != []  # the journal of the create, untouched


def test_the_control_api_answers_its_own_origin_and_clients_that_are_no_browser(client,
                                                                                backend):
    create(client)
    same_site = client.post("/__mock/reset", json={}, headers={
        "Origin": "http://localhost", "Host": "localhost"})
    assert same_site.status_code == 200
    create(client)
    assert client.post("/__mock/reset", json={}).status_code == 200  # curl, a test client
    assert orders(backend) == 0
    # Reading is no change: answered, but with no CORS header a browser would let a page read.
    read = client.get("/__mock/orders", headers={"Origin": EVIL})
    assert read.status_code == 200
    assert "Access-Control-Allow-Origin" not in read.headers


def test_a_preflight_of_the_control_api_from_elsewhere_gets_no_allow_headers(client):
    control = client.options("/__mock/reset", headers={
        "Origin": EVIL, "Access-Control-Request-Method": "POST"})
    assert not [name for name in control.headers if name.lower().startswith("access-control")]
    baanx = client.options("/v1/order", headers={
        "Origin": EVIL, "Access-Control-Request-Method": "POST"})
    assert baanx.status_code == 204
    assert baanx.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/v1/order/products/available", headers={
        **headers(), "Origin": EVIL}).headers["Access-Control-Allow-Origin"] == "*"


@pytest.fixture
def guarded(backend):
    """A served mock on loopback that allows one more Host name and has a control token."""
    app = create_app(backend, Options(hosts=HostRule.of("127.0.0.1", ["mock.internal"]),
                                      control_token=TOKEN))
    server = BackgroundServer(app)
    yield server
    server.stop()


@pytest.mark.served
@pytest.mark.parametrize(("host", "status"), [
    ("127.0.0.1:4010", 200), ("localhost:4010", 200), ("[::1]:4010", 200),
    ("mock.internal", 200), ("MOCK.INTERNAL:8080", 200), ("app.localhost", 200),
    ("evil.example:4010", 403), ("10.0.0.7", 403), ("bad host", 400), ("[::1", 400),
    ("user@127.0.0.1", 400)])
def test_a_served_mock_answers_only_its_own_host_names(guarded, host, status):
    reply = requests.get(guarded.url + "/v1/order/products/available", timeout=10,
                         headers={**headers(), "Host": host})
    assert reply.status_code == status, reply.text
    if status == 403:
        assert "--allowed-host" in reply.json()["message"]


def test_any_host_with_a_star_and_any_address_when_bound_to_every_one():
    assert HostRule.of("127.0.0.1", ["*"]).allows("evil.example")
    assert HostRule.of("0.0.0.0").allows("192.168.1.20")
    assert not HostRule.of("0.0.0.0").allows("evil.example")
    assert HostRule.of("192.168.1.20").allows("192.168.1.20")
    assert not HostRule.of("192.168.1.20").allows("192.168.1.21")


@pytest.mark.served
def test_with_a_token_control_calls_need_it_and_the_baanx_routes_do_not(guarded, backend):
    url = guarded.url
    assert requests.post(url + "/v1/order", timeout=10, headers=headers(),
                         json={"productId": "PREMIUM_SUBSCRIPTION",
                               "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}).status_code == 200
    for wrong in ({}, {"Authorization": f"Basic {TOKEN}"}, {"Authorization": "Bearer nope"},
                  {"Authorization": f"Bearer {TOKEN}x"}):
        refused = requests.post(url + "/__mock/reset", json={}, timeout=10, headers=wrong)
        assert refused.status_code == 401
        assert refused.json()["message"].startswith("Not authenticated: this mock's control "
                                                    "API needs its token")
    assert orders(backend) == 1
    assert requests.post(url + "/__mock/reset", json={}, timeout=10, headers={
        "Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert orders(backend) == 0
    # The dashboard's page asks for the token itself; health says only that the mock is up.
    assert requests.get(url + "/__mock/ui", timeout=10).status_code == 200
    assert requests.get(url + "/__mock/health", timeout=10).status_code == 200
    # A control token sent to a Baanx route is just an unknown bearer token there.
    assert requests.get(url + "/v1/order/products/available", timeout=10, headers={
        "X-Client-ID": "demo-client", "Authorization": f"Bearer {TOKEN}"}).status_code == 401


def serve_args(host: str, token: str | None = None, no_control: bool = False
               ) -> argparse.Namespace:
    return argparse.Namespace(host=host, control_token=token, no_control=no_control)


def test_bound_beyond_loopback_the_mock_makes_a_token_unless_told_none(monkeypatch):
    monkeypatch.delenv("MOCK_BAANX_CONTROL_TOKEN", raising=False)
    made = serve_args("0.0.0.0")
    token = control_token(made)
    assert token is not None
    assert len(token) >= 32
    assert made.made_token == token
    assert control_token(serve_args("0.0.0.0", "none")) is None
    assert control_token(serve_args("127.0.0.1")) is None
    assert control_token(serve_args("0.0.0.0", no_control=True)) is None
    assert control_token(serve_args("127.0.0.1", TOKEN)) == TOKEN
    monkeypatch.setenv("MOCK_BAANX_CONTROL_TOKEN", TOKEN)
    assert control_token(serve_args("0.0.0.0")) == TOKEN


def test_a_host_is_remembered_only_as_long_as_a_real_one_can_be():
    short, long = "cards.example:4010", "a" * 300 + ".example"
    remembered_host_name.cache_clear()
    assert (host_name(short), host_name(short), host_name(long)) == (
        "cards.example", "cards.example", "a" * 300 + ".example")
    assert remembered_host_name.cache_info()[:2] == (1, 1)  # one hit, one miss, long unkept
    with pytest.raises(MalformedRequest):
        host_name("cards example")
