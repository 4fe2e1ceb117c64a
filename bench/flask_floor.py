"""The most any Flask app can serve the way `mock-baanx serve` serves the mock.

    python bench/flask_floor.py PORT

The mock's own server, bridge and Flask app class (`OneViewFlask` on granian's RSGI
interface, access log on), with `api.handle` replaced by one constant JSON reply: what is
left is Flask's and the server's share of every request. bench/run.py measures it beside
the mock, so that the mock's figures can be read against the framework's floor.
"""

from __future__ import annotations

import sys

from flask import Response

from mock_baanx.transports import granian_server
from mock_baanx.transports.buffered_stderr import BufferedStderr
from mock_baanx.transports.flask_app import OneViewFlask, ReplyResponse

BODY = (b'[{"id":"PREMIUM_SUBSCRIPTION","description":"Premium subscription","isEligible":true},'
        b'{"id":"METAL_CARD","description":"Metal card","isEligible":true}]')


def constant_reply() -> Response:
    return ReplyResponse(BODY, status=200, headers=[("Content-Type", "application/json"),
                                                    ("Access-Control-Allow-Origin", "*")])


def main() -> int:
    app = OneViewFlask(__name__, static_folder=None)
    app.add_url_rule("/<path:path>", "floor", constant_reply, methods=["GET", "POST"])
    stderr = BufferedStderr()
    granian_server.serve(app, granian_server.DeferredSleep(), "127.0.0.1", int(sys.argv[1]),
                         lambda port, listener: None, stderr.write_line, stderr.close)
    return 0


if __name__ == "__main__":
    sys.exit(main())
