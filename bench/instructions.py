"""Instructions per request: the mock's app beside its floor's, counted, then timed.

    python bench/instructions.py [--requests 1000]

Timed runs on a shared machine differ by up to 2x within an hour; the number of
instructions a request makes the CPU execute barely moves. Each app — the mock with
`mock-baanx serve`'s defaults (memory, default fixtures, strict, control API on, loopback's
Host rule), and the Flask floor of bench/flask_floor.py — answers each endpoint in process,
through WSGI, under valgrind's callgrind: once after its warm-up, once with `--requests`
more. The difference, divided by those requests, is what one request costs; the start, the
warm-up and callgrind's own start are left out. The warm-up polls the order past the poll
times an order keeps, as bench/run.py's load does. The server around the app (granian, the
bridge, the access log) is the same for both and is not counted here; bench/run.py
measures it under load.

Needs valgrind (`apt-get install valgrind`). Its counts repeat to within a few hundredths
of a percent, so a change to the mock's request path shows here before it shows under load.
Then the same requests are timed in process (CPU time, the apps taking turns): the ratio
of times against the ratio of counts says how much more each of the mock's instructions
costs than each of the floor's.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mock_baanx.transports.flask_app import whole_body  # noqa: E402 (once the checkout is on the path)

HEADERS = {"HTTP_X_CLIENT_ID": "demo-client", "HTTP_AUTHORIZATION": "Bearer demo-token",
           "HTTP_HOST": "127.0.0.1:4010"}
ORDER = json.dumps({"productId": "PREMIUM_SUBSCRIPTION",
                    "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}).encode()
ENDPOINTS = {"GET products": ("GET", "/v1/order/products/available"),
             "POST order": ("POST", "/v1/order"), "GET order": ("GET", "/v1/order/{id}")}
APPS = ("Flask floor", "mock-baanx")
WARM_UP = 200
TIMED_REQUESTS = 4000
COLLECTED = re.compile(r"Collected : (\d+)")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def environ(method: str, path: str, body: bytes) -> dict[str, Any]:
    """What the server's bridge gives the app (granian_server.wsgi_environ), body read."""
    values: dict[str, Any] = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "4010", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": False,
        "wsgi.run_once": False, "wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True,
        **HEADERS}
    if body:
        values["CONTENT_TYPE"] = "application/json"
        values["CONTENT_LENGTH"] = str(len(body))
    return values


def answered(app: WsgiApp, method: str, path: str, body: bytes = b"") -> bytes:
    """The app's reply, taken as the server's bridge takes it: joined, then closed."""
    statuses: list[str] = []
    reply = whole_body(app(environ(method, path, body),
                           lambda status, headers, exc_info=None: statuses.append(status)))
    if not statuses or not statuses[0].startswith("2"):
        raise SystemExit(f"{method} {path} answered {statuses}: {reply[:200]!r}")
    return reply


def built(which: str) -> WsgiApp:
    if which == "mock-baanx":
        from mock_baanx.protocol import Options
        from mock_baanx.protocol.access import HostRule
        from mock_baanx.transports.flask_app import create_app

        return create_app(options=Options(hosts=HostRule.of("127.0.0.1")))
    from bench.flask_floor import floor_app

    return floor_app()


def warmed_up(app: WsgiApp, endpoint: str) -> tuple[str, str, bytes]:
    """The endpoint's request (method, path, body) for `app`, answered through the warm-up."""
    from mock_baanx.core.poll_times import POLL_TIMES_KEPT

    method, path = ENDPOINTS[endpoint]
    body = ORDER if method == "POST" else b""
    warm_up = WARM_UP
    if "{id}" in path:
        created = json.loads(answered(app, "POST", "/v1/order", ORDER))
        # The floor answers its constant, which names no order.
        order_id = created["orderId"] if isinstance(created, dict) else "ord_floor"
        path = path.replace("{id}", order_id)
        warm_up += POLL_TIMES_KEPT
    for _ in range(warm_up):
        answered(app, method, path, body)
    return method, path, body


def child(which: str, endpoint: str, requests: int) -> None:
    """Inside callgrind: build the app, warm it up, answer `requests` more."""
    app = built(which)
    gc.freeze()  # as `serve` does once it has started
    method, path, body = warmed_up(app, endpoint)
    for _ in range(requests):
        answered(app, method, path, body)


def timed(requests: int, rounds: int = 4) -> dict[tuple[str, str], float]:
    """Each app's CPU time per request (µs) on each endpoint, in this process: the best of
    `rounds` rounds of `requests`, the apps taking turns, so that both meet the same
    moments of a shared machine."""
    apps = {which: built(which) for which in APPS}
    gc.freeze()  # as `serve` does once it has started
    asked = {(which, endpoint): warmed_up(app, endpoint)
             for endpoint in ENDPOINTS for which, app in apps.items()}
    best = dict.fromkeys(asked, math.inf)
    for _ in range(rounds):
        for (which, endpoint), (method, path, body) in asked.items():
            app = apps[which]
            started = time.process_time()
            for _ in range(requests):
                answered(app, method, path, body)
            spent = (time.process_time() - started) / requests * 1e6
            best[which, endpoint] = min(best[which, endpoint], spent)
    return best


def collected(which: str, endpoint: str, requests: int) -> int:
    """The instructions callgrind counts for a child answering `requests` after warm-up."""
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
         __file__, "--child", which, endpoint, str(requests)],
        capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    found = COLLECTED.search(run.stderr)
    if run.returncode != 0 or found is None:
        raise SystemExit(f"{which}, {endpoint}: callgrind failed\n{run.stderr[-2000:]}")
    return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests counted")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    requests: int = args.requests
    if args.child:
        which, endpoint, count = args.child
        child(which, endpoint, int(count))
        return 0
    if shutil.which("valgrind") is None:
        print("bench/instructions.py needs valgrind: apt-get install valgrind", file=sys.stderr)
        return 2
    print(f"instructions per request, {requests:,} requests after warm-up, in process")
    print("| endpoint | " + " | ".join(APPS) + " | mock-baanx / floor |")
    print("| --- | --- | --- | --- |")
    runs = [(which, endpoint, count) for endpoint in ENDPOINTS for which in APPS
            for count in (0, requests)]
    # Counted instructions do not depend on what else runs: one child per core.
    pool = ThreadPoolExecutor(len(os.sched_getaffinity(0)))
    try:
        counts = dict(zip(runs, pool.map(lambda run: collected(*run), runs), strict=True))
    finally:
        # A failed count ends the run without waiting for the ones not yet started.
        pool.shutdown(cancel_futures=True)

    def per_request(which: str, endpoint: str) -> float:
        return (counts[which, endpoint, requests] - counts[which, endpoint, 0]) / requests

    for endpoint in ENDPOINTS:
        floor, mock = (per_request(which, endpoint) for which in APPS)
        print(f"| {endpoint} | {floor:,.0f} | {mock:,.0f} | {mock / floor:.2f}x |")
    # Timed, the same requests tell how much each instruction costs: a larger app touches
    # more code and memory per request than a constant does.
    spent = timed(TIMED_REQUESTS)
    print(f"\nCPU time per request in process, best of 4 rounds of {TIMED_REQUESTS:,}")
    print("| endpoint | " + " | ".join(APPS) + " | mock-baanx / floor |")
    print("| --- | --- | --- | --- |")
    for endpoint in ENDPOINTS:
        floor, mock = (spent[which, endpoint] for which in APPS)
        print(f"| {endpoint} | {floor:.1f} µs | {mock:.1f} µs | {mock / floor:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
