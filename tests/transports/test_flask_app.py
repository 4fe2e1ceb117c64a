"""The mock is a plain Flask app: its routes are Flask rules, and a user's own routes are
served beside them with everything the mock's own routes get."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import flask
import pytest
from werkzeug.exceptions import HTTPException

from mock_baanx import create_app, requires_baanx_auth
from mock_baanx.protocol import ROUTES, Options, RouteKind
from mock_baanx.transports.extensions import ExtensionError, refuse_collisions
from mock_baanx.transports.flask_app import admitted_request, header_pairs

from ..helpers import ORDER_BODY, assert_error, headers


class Moved(HTTPException):
    """An HTTP exception that is no error."""

    code = 308

    def get_headers(self, environ=None, scope=None):
        return [("Location", "/v1/card/elsewhere")]


def wallet_blueprint() -> flask.Blueprint:
    wallet = flask.Blueprint("wallet", __name__)

    @wallet.get("/v1/user")
    @requires_baanx_auth
    def get_user(user):
        return {"id": user.id, "verified": user.kyc_verified}

    @wallet.post("/v1/card/<card_id>/freeze")
    def freeze_card(card_id):
        return {"cardId": card_id, "frozen": flask.request.get_json()["frozen"]}

    @wallet.get("/v1/broken")
    def broken():
        raise RuntimeError("a bug in the user's own view")

    @wallet.get("/v1/broken-midway")
    def broken_midway():
        def chunks():
            yield '{"cards": ['
            raise RuntimeError("a bug halfway through the user's own stream")

        return flask.Response(chunks(), content_type="application/json")

    @wallet.get("/v1/card/<int:status>/refused")
    def refused(status):
        flask.abort(status)

    @wallet.get("/v1/card/frozen")
    def frozen():
        flask.abort(429, "cards frozen for a minute", retry_after=60)

    @wallet.get("/v1/card/moved")
    def moved():
        raise Moved()

    return wallet


@requires_baanx_auth
def signed_in_user_id(user):
    """The id of the user the current request signs in, wherever it is asked."""
    return user.id


@pytest.fixture
def app(backend, options):
    app = create_app(backend, options)
    app.register_blueprint(wallet_blueprint())
    return app


def test_the_app_is_a_plain_flask_app_with_a_rule_per_operation():
    app = create_app()
    assert type(app) is flask.Flask
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    # One more: the stubs' catch-all, last of all rules.
    assert endpoints == {
        f"{'baanx' if route.kind is RouteKind.BAANX else 'mock'}.{route.operation}"
        for route in ROUTES} | {"stubs.elsewhere"}
    without_control = create_app(options=Options(control=False))
    assert {rule.endpoint for rule in without_control.url_map.iter_rules()} == {
        f"baanx.{route.operation}" for route in ROUTES if route.kind is RouteKind.BAANX
    } | {"stubs.elsewhere"}


@pytest.mark.slow
def test_flask_routes_lists_every_operation(tmp_path):
    listed = subprocess.run([sys.executable, "-m", "flask", "--app", "mock_baanx", "routes"],
                            capture_output=True, text=True, timeout=60, cwd=tmp_path,
                            env={**os.environ, "NO_COLOR": "1"}, check=True).stdout
    for route in ROUTES:
        assert f".{route.operation} " in listed, route.operation


def test_a_users_route_follows_the_baanx_header_rules_in_order(app):
    client = app.test_client()
    assert_error(client.get("/v1/user", headers=headers(client=None, token=None)), 499,
                 "Missing client key")
    assert_error(client.get("/v1/user", headers=headers(client="nobody", token=None)), 498,
                 "Invalid client key")
    assert_error(client.get("/v1/user", headers=headers(token=None)), 401)
    assert_error(client.get("/v1/user", headers=headers(token="expired-token")), 401)
    reply = client.get("/v1/user", headers=headers())
    assert reply.status_code == 200
    assert reply.json == {"id": "user-demo", "verified": True}
    assert reply.headers["Access-Control-Allow-Origin"] == "*"


def test_a_users_route_is_served_under_a_namespace_and_journaled_there(app, backend):
    client = app.test_client()
    reply = client.post("/ns/team-a/v1/card/card-7/freeze", json={"frozen": True})
    assert reply.json == {"cardId": "card-7", "frozen": True}
    assert client.get("/v1/user", headers=headers(**{"X-Mock-Namespace": "team-b"})
                      ).status_code == 200
    (entry,) = backend.journal("team-a")
    assert (entry.method, entry.path, entry.status, entry.endpoint) == (
        "POST", "/v1/card/card-7/freeze", 200, "wallet.freeze_card")
    assert entry.body == '{"frozen": true}'
    assert [entry.endpoint for entry in backend.journal("team-b")] == ["wallet.get_user"]
    assert backend.journal() == []


def test_a_users_route_takes_faults_and_delays(app, backend, sleeps):
    client = app.test_client()
    failed = client.get("/v1/user", headers=headers(**{"X-Mock-Fault": "503"}))
    assert_error(failed, 503, "Service Unavailable")
    slow = client.get("/v1/user", headers=headers(**{"X-Mock-Delay-Ms": "1500"}))
    assert slow.status_code == 200
    assert sleeps == [1.5]
    malformed = client.get("/v1/user", headers=headers(**{"X-Mock-Fault": "malformed"}))
    assert malformed.status_code == 200
    assert malformed.data.startswith(b"<html>")
    assert [(entry.status, entry.fault) for entry in backend.journal()] == [
        (503, None), (200, None), (200, "malformed")]


def test_a_users_route_refuses_another_method_with_405_as_in_any_flask_app(app):
    reply = app.test_client().delete("/v1/user", headers=headers())
    assert_error(reply, 405, "Method not allowed")
    assert reply.headers["Allow"] == "GET"
    assert_error(app.test_client().get("/v1/nowhere", headers=headers()), 404, "Not found")


def test_a_users_route_answers_a_cors_preflight(app):
    reply = app.test_client().options("/v1/card/card-7/freeze",
                                      headers={"Origin": "http://localhost:3000"})
    assert reply.status_code == 204
    assert reply.headers["Access-Control-Allow-Methods"] == "POST, OPTIONS"


def test_a_users_view_that_raises_answers_the_documented_500_and_is_journaled(
        app, backend, caplog):
    reply = app.test_client().get("/v1/broken")
    assert_error(reply, 500, "Internal server error")
    assert "a bug in the user's own view" in caplog.text
    assert [(entry.path, entry.status) for entry in backend.journal()] == [("/v1/broken", 500)]


def test_a_users_stream_that_fails_midway_is_the_documented_500_to_client_and_journal(
        app, backend, caplog):
    reply = app.test_client().get("/v1/broken-midway")
    assert_error(reply, 500, "Internal server error")
    assert "a bug halfway through the user's own stream" in caplog.text
    assert [(entry.path, entry.status, entry.endpoint) for entry in backend.journal()] == [
        ("/v1/broken-midway", 500, "wallet.broken_midway")]


@pytest.mark.parametrize(("status", "message"), [
    (400, "Bad request"), (401, "Not authenticated"), (403, "Not authorized"),
    (404, "Not found"), (405, "Method not allowed"), (409, "Conflict"),
    (429, "Too Many Requests"), (500, "Internal server error"), (503, "Service Unavailable")])
def test_a_users_view_that_aborts_answers_its_status_in_the_catalogues_shape(
        app, backend, status, message):
    reply = app.test_client().get(f"/v1/card/{status}/refused")
    assert_error(reply, status, message)
    assert "Allow" not in reply.headers  # a view's own 405 names no methods
    assert [entry.status for entry in backend.journal()] == [status]


def test_a_users_view_that_aborts_keeps_its_own_words_and_retry_after(app):
    reply = app.test_client().get("/v1/card/frozen")
    assert_error(reply, 429, "cards frozen for a minute")
    assert reply.headers["Retry-After"] == "60"


def test_a_users_view_that_raises_a_redirect_answers_it(app, backend):
    reply = app.test_client().get("/v1/card/moved")
    assert (reply.status_code, reply.headers["Location"]) == (308, "/v1/card/elsewhere")
    assert [entry.status for entry in backend.journal()] == [308]


def test_the_mocks_own_get_routes_refuse_head_as_documented(app):
    reply = app.test_client().head("/v1/order/products/available", headers=headers())
    assert reply.status_code == 405
    assert reply.headers["Allow"] == "GET"


def test_the_headers_are_read_from_any_servers_environ_in_their_order():
    long_name = "X_LONG" * 40  # past the length whose name is remembered
    environ = {"REQUEST_METHOD": "POST", "HTTP_X_CLIENT_ID": "demo-client",
               "gunicorn.socket": object(), "CONTENT_TYPE": "application/json",
               "HTTP_CONTENT_TYPE": "text/plain", "CONTENT_LENGTH": "", "HTTP_X_EMPTY": "",
               f"HTTP_{long_name}": "long", "wsgi.input": io.BytesIO()}
    expected = [("x-client-id", "demo-client"), ("content-type", "application/json"),
                ("x-empty", ""), (long_name.replace("_", "-").lower(), "long")]
    assert header_pairs(environ) == expected
    assert header_pairs(environ) == expected  # once its names are remembered


def test_a_users_view_finds_the_signed_in_user_from_a_thread_it_starts(backend, options):
    app = create_app(backend, options)

    @app.get("/v1/user/in-thread")
    def in_thread():
        with ThreadPoolExecutor(1) as pool:
            asked = pool.submit(flask.copy_current_request_context(signed_in_user_id))
            return {"id": asked.result()}

    assert app.test_client().get("/v1/user/in-thread", headers=headers()).json == {
        "id": "user-demo"}


def test_a_users_view_that_calls_another_mock_in_process_keeps_its_own_request(
        backend, options):
    other = create_app()
    app = create_app(backend, options)

    @app.get("/v1/user/relayed")
    def relayed():
        refused = other.test_client().get("/v1/order/products/available",
                                          headers=headers(token=None))
        return {"other": refused.status_code, "id": signed_in_user_id()}

    reply = app.test_client().get("/v1/user/relayed", headers=headers())
    assert reply.json == {"other": 401, "id": "user-demo"}
    assert [entry.endpoint for entry in backend.journal()] == ["relayed"]


def test_a_stream_from_a_mock_a_users_view_calls_signs_in_its_own_request(backend, options):
    inner = create_app()

    @inner.get("/v1/user/stream")
    @requires_baanx_auth
    def stream(user):
        token = flask.request.headers["Authorization"]

        def chunks():
            # Signed in again while the stream is read: by the inner mock's middleware,
            # inside the outer view's request, after Flask has left the inner one.
            yield signed_in_user_id()
            yield f" {token}"

        return flask.Response(flask.stream_with_context(chunks()))

    outer = create_app(backend, options)

    @outer.get("/v1/user/relayed-stream")
    def relayed_stream():
        # The outer request has no token: only the inner one's signs anyone in.
        streamed = inner.test_client().get("/v1/user/stream", headers=headers())
        return {"streamed": streamed.get_data(as_text=True)}

    reply = outer.test_client().get("/v1/user/relayed-stream", headers=headers(token=None))
    assert reply.json == {"streamed": "user-demo Bearer demo-token"}


def test_a_callback_kept_from_one_request_signs_in_that_request_when_called_in_another(
        backend, options):
    app = create_app(backend, options)
    kept = []

    @app.get("/v1/user/keep")
    def keep():
        kept.append(flask.copy_current_request_context(signed_in_user_id))
        return {}

    @app.get("/v1/user/call-kept")
    def call_kept():
        return {"id": kept[0]()}

    client = app.test_client()
    assert client.get("/v1/user/keep", headers=headers()).status_code == 200
    assert client.get("/v1/user/call-kept", headers=headers(token=None)).json == {
        "id": "user-demo"}


def test_a_users_catch_all_rule_is_tried_before_the_mocks_own_catch_all(backend, options):
    app = create_app(backend, options)

    @app.get("/<path:anything>")
    def everything_else(anything):
        return {"caught": anything}

    client = app.test_client()
    assert client.get("/v1/elsewhere").get_json() == {"caught": "v1/elsewhere"}
    assert client.get("/v1/order/products/available", headers=headers()).status_code == 200
    refused = client.delete("/v1/elsewhere")
    assert_error(refused, 405, "Method not allowed")
    assert refused.headers["Allow"] == "GET"


def test_a_view_that_declares_options_answers_the_preflight_itself(backend, options):
    app = create_app(backend, options)

    @app.route("/v1/card", methods=["OPTIONS"])
    def card_preflight():
        return "", 204, {"Access-Control-Allow-Methods": "PATCH"}

    client = app.test_client()
    reply = client.options("/v1/card", headers={"Origin": "http://localhost:3000"})
    assert (reply.status_code, reply.headers["Access-Control-Allow-Methods"]) == (204, "PATCH")
    refused = client.get("/v1/card")
    assert_error(refused, 405, "Method not allowed")
    assert refused.headers["Allow"] == "OPTIONS"


def test_a_users_method_on_one_of_the_mocks_paths_is_named_in_its_405(app):
    app.add_url_rule("/v1/order", "list_orders", lambda: {"orders": []}, methods=["GET", "PUT"])
    client = app.test_client()
    assert client.get("/v1/order", headers=headers()).get_json() == {"orders": []}
    refused = client.delete("/v1/order", headers=headers())
    assert_error(refused, 405, "Method not allowed")
    assert refused.headers["Allow"] == "GET, POST, PUT"


def test_a_users_head_rule_on_one_of_the_mocks_get_paths_is_refused_as_a_collision(
        backend, options):
    app = create_app(backend, options)
    app.add_url_rule("/v1/order/products/available", "products_head", lambda: "",
                     methods=["HEAD"])
    with pytest.raises(ExtensionError, match="HEAD /v1/order/products/available "
                       r"\(products_head\) collides with the mock's own GET "):
        refuse_collisions(app)


def test_a_teardown_hook_that_raises_is_the_documented_500_and_journaled(app, backend, caplog):
    @app.teardown_request
    def failing(error):
        raise RuntimeError("a bug in the user's teardown")

    reply = app.test_client().get("/v1/user", headers=headers())
    assert_error(reply, 500, "Internal server error")
    assert "a bug in the user's teardown" in caplog.text
    assert [(entry.path, entry.status) for entry in backend.journal()] == [("/v1/user", 500)]


def test_an_after_request_hook_that_changes_a_users_reply_is_journaled_as_sent(app, backend):
    @app.after_request
    def teapot(response):
        if flask.request.path == "/v1/user":
            response.status_code = 418
        return response

    assert app.test_client().get("/v1/user", headers=headers()).status_code == 418
    assert [entry.status for entry in backend.journal()] == [418]


def test_a_namespace_without_its_closing_slash_is_its_root(app):
    client = app.test_client()
    bare, slashed = client.get("/ns/team-a"), client.get("/ns/team-a/")
    assert (bare.status_code, bare.headers.get("Location")) == (
        slashed.status_code, slashed.headers.get("Location"))
    assert_error(client.post("/ns/team-a"), 405, "Method not allowed")


def test_a_content_length_of_a_digit_that_is_no_ascii_digit_is_no_length():
    # "²" is a digit to str.isdigit, and no number to int().
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/v1/order", "CONTENT_LENGTH": "\u00b2",
               "wsgi.input": io.BytesIO(b"{}")}
    assert admitted_request(environ, "").declared_length is None


def test_a_view_that_replaced_one_of_the_mocks_own_answers_and_is_journaled(app, backend):
    app.view_functions["baanx.getOrderStatus"] = lambda **params: {"status": "MINE"}
    reply = app.test_client().get("/v1/order/ord_1", headers=headers())
    assert (reply.status_code, reply.get_json()) == (200, {"status": "MINE"})
    assert [(entry.path, entry.status) for entry in backend.journal()] == [("/v1/order/ord_1",
                                                                            200)]


def test_a_users_control_endpoint_is_behind_the_control_apis_doors(backend):
    app = create_app(backend, Options(control_token="a-control-token-of-16+"))

    @app.post("/__mock/cards/freeze-all")
    def freeze_all():
        return {"frozen": True}

    client = app.test_client()
    assert_error(client.post("/__mock/cards/freeze-all"), 401)
    assert_error(client.post("/__mock/cards/freeze-all", headers={
        "Authorization": "Bearer a-control-token-of-16+", "Origin": "https://elsewhere.test",
        "Sec-Fetch-Site": "cross-site"}), 403)
    assert client.post("/__mock/cards/freeze-all", headers={
        "Authorization": "Bearer a-control-token-of-16+"}).get_json() == {"frozen": True}


def test_a_users_rule_under_a_namespace_prefix_is_refused(backend, options):
    app = create_app(backend, options)
    app.add_url_rule("/ns/<name>/v1/user", "namespaced", lambda name: {})
    with pytest.raises(ExtensionError, match="a path under /ns/ is a namespace's"):
        refuse_collisions(app)


def test_a_path_that_could_forge_a_log_line_is_logged_encoded(backend, options, caplog):
    app = create_app(backend, options)

    @app.get("/v1/broken/<path:part>")
    def broken(part):
        raise RuntimeError("a bug")

    assert_error(app.test_client().get("/v1/broken/a%0DGET%20%2Fv1%2Fforged"), 500)
    assert "mock-baanx failed on GET /v1/broken/a%0DGET%20/v1/forged" in caplog.text


@pytest.mark.parametrize("hook", ["after_request", "teardown_request"])
def test_a_hook_that_raises_after_an_order_was_made_lets_the_order_be_told(
        app, backend, caplog, hook):
    def failing(response_or_error):
        raise RuntimeError(f"a bug in the user's {hook}")

    getattr(app, hook)(failing)
    reply = app.test_client().post("/v1/order", json=ORDER_BODY, headers=headers())
    assert reply.status_code == 200
    assert [order.order_id for order in backend.orders()] == [reply.get_json()["orderId"]]
    assert "a hook failed after POST /v1/order was answered" in caplog.text
    assert [entry.status for entry in backend.journal()] == [200]


def test_a_users_500_handler_does_not_hide_an_order_made_before_a_hook_failed(app, backend):
    @app.after_request
    def failing(response):
        raise RuntimeError("a bug in the user's after_request")

    @app.errorhandler(500)
    def server_error(error):
        return {"mine": True}, 500

    reply = app.test_client().post("/v1/order", json=ORDER_BODY, headers=headers())
    assert reply.status_code == 200
    assert [order.order_id for order in backend.orders()] == [reply.get_json()["orderId"]]
    assert [entry.status for entry in backend.journal()] == [200]


def test_an_after_request_hook_that_raises_on_a_users_route_is_the_documented_500(
        app, backend, caplog):
    @app.after_request
    def failing(response):
        raise RuntimeError("a bug in the user's after_request")

    assert_error(app.test_client().get("/v1/user", headers=headers()), 500,
                 "Internal server error")
    assert "a bug in the user's after_request" in caplog.text
    assert [(entry.path, entry.status) for entry in backend.journal()] == [("/v1/user", 500)]


def test_a_users_error_handlers_apply_as_flask_applies_them(app, backend):
    cards = flask.Blueprint("cards", __name__)

    @cards.get("/v1/card")
    def card():
        raise RuntimeError("no card")

    @cards.errorhandler(Exception)
    def cards_failure(error):
        return {"cards": str(error)}, 503

    @app.get("/v1/aborting")
    def aborting():
        flask.abort(500)

    @app.errorhandler(500)
    def server_error(error):
        return {"mine": True}, 500

    app.register_blueprint(cards)
    client = app.test_client()
    reply = client.get("/v1/card")
    assert (reply.status_code, reply.get_json()) == (503, {"cards": "no card"})
    assert client.get("/v1/aborting").get_json() == {"mine": True}
    assert [entry.status for entry in backend.journal()] == [503, 500]
