"""The most a plain Flask app can serve the way `mock-baanx serve` serves the mock.

    python bench/flask_floor.py PORT

A plain `flask.Flask` with a rule per route of the mock's table (the same paths and
methods, Werkzeug's router finding them), each answering one constant JSON reply, on the
mock's own server, bridge and access log: what is left is Flask's and the server's share of
every request. bench/run.py measures it beside the mock, as the ceiling of the mock's shape.
"""

from __future__ import annotations

import sys

from flask import Flask, Response

from mock_baanx.protocol import ROUTES
from mock_baanx.transports import granian_server
from mock_baanx.transports.buffered_stderr import BufferedStderr
from mock_baanx.transports.flask_app import flask_rule

BODY = (b'[{"id":"PREMIUM_SUBSCRIPTION","description":"Premium subscription","isEligible":true},'
        b'{"id":"METAL_CARD","description":"Metal card","isEligible":true}]')


def constant_reply(**params: str) -> Response:
    return Response(BODY, status=200, headers=[("Content-Type", "application/json"),
                                               ("Access-Control-Allow-Origin", "*")])


def floor_app() -> Flask:
    app = Flask(__name__, static_folder=None)
    for route in ROUTES:
        app.add_url_rule(flask_rule(route.template), route.operation, constant_reply,
                         methods=[route.method])
    return app


def main() -> int:
    stderr = BufferedStderr()
    granian_server.serve(floor_app(), granian_server.DeferredSleep(), "127.0.0.1",
                         int(sys.argv[1]), lambda port: None, stderr.write_line, stderr.close)
    return 0


if __name__ == "__main__":
    sys.exit(main())
