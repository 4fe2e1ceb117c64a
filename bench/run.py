"""Benchmark mock-baanx beside the mocks users would pick instead, on this machine.

    python bench/run.py [--seconds 10] [--skip-peers]
    python bench/run.py --profile [--seconds 10]

Installs what it needs (Debian's `wrk`; `@stoplight/prism-cli` and `wiremock` from the npm
registry into bench/.cache), gives Prism the mock's own OpenAPI document and WireMock
equivalent stub mappings, then puts each server under the same `wrk` load (2 threads, 16
connections, `--seconds` per endpoint, loopback), one at a time, in rounds in which they
take turns, so that the machine's other work falls on all alike. It prints requests/s, p50
and p99 latency (each the median of the rounds') and the server's CPU time per request for
each endpoint, cold start and resident memory after the load, with the ratios to each
peer. The first server is the ceiling of the mock's shape: a plain Flask app with a rule
per route, answering a constant on the same server (bench/flask_floor.py). Then 10,000
idle and stalled connections held while ordinary requests come in (bench/connections.py),
and the in-process figures: `BaanxMock` against a bare `responses` callback, a per-test
reset, and the whole contract suite against the in-process mock; last, whether each of
the project's targets was met. Every server it starts, it stops.

`--profile` measures nothing: it installs py-spy and records where the served mock's time
goes under the same load, one flame graph per endpoint in bench/.cache/profiles/.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
HEADERS = {"X-Client-ID": "demo-client", "Authorization": "Bearer demo-token"}
ORDER = {"productId": "PREMIUM_SUBSCRIPTION", "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}
ENDPOINTS = ("GET products", "POST order", "GET order")
FLOOR = "Flask floor (bench/flask_floor.py)"
MOCK = "mock-baanx"
PEERS = {"@stoplight/prism-cli": "5", "wiremock": "3"}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    name: str
    cold_start: float = 0.0
    rss_mb: float = 0.0
    rps: dict[str, float] = field(default_factory=dict)
    p50_ms: dict[str, float] = field(default_factory=dict)
    p99_ms: dict[str, float] = field(default_factory=dict)
    # The server's CPU time (every thread and child process) per request, in microseconds.
    cpu_us: dict[str, float] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_tools(with_peers: bool) -> None:
    # Byte-compiled, as pip leaves an installed package: an editable checkout run with
    # PYTHONDONTWRITEBYTECODE would compile the mock's source on every start.
    compileall.compile_dir(ROOT / "mock_baanx", quiet=1)
    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    if with_peers and not (CACHE / "node_modules" / "wiremock").is_dir():
        CACHE.mkdir(parents=True, exist_ok=True)
        specs = [f"{name}@{version}" for name, version in PEERS.items()]
        subprocess.run(["npm", "install", "--prefix", str(CACHE), "--no-audit", "--no-fund",
                        "--silent", *specs], check=True)


def process_tree(pid: int) -> list[int]:
    """A process and its descendants (Prism runs node workers)."""
    found, pids = [], [pid]
    while pids:
        current = pids.pop()
        found.append(current)
        children = Path(f"/proc/{current}/task/{current}/children")
        if children.exists():
            pids += [int(child) for child in children.read_text().split()]
    return found


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children."""
    total = 0
    for current in process_tree(pid):
        status = Path(f"/proc/{current}/status")
        if status.exists():
            found = re.search(r"VmRSS:\s+(\d+) kB", status.read_text())
            total += int(found.group(1)) if found else 0
    return total / 1024


def tree_cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and its children, every thread included."""
    total = 0
    for current in process_tree(pid):
        stat = Path(f"/proc/{current}/stat")
        if stat.exists():
            fields = stat.read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def wait_ready(url: str, started: float, process: subprocess.Popen[bytes],
               timeout: float = 60) -> float:
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"it exited with status {process.returncode} before answering")
        try:
            if requests.get(f"{url}/v1/order/products/available", headers=HEADERS,
                            timeout=1).status_code == 200:
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.005)
    raise RuntimeError(f"{url} did not come up")


def wrk(url: str, method: str, seconds: float, work: Path, paths: list[str] | None = None
        ) -> tuple[float, float, float, int]:
    """requests/s, p50 and p99 (ms) and the requests answered under `wrk` load on `url`;
    with `paths`, each request takes the next of them in turn instead of `url`'s path."""
    script = work / f"{method.lower()}.lua"
    body = json.dumps(ORDER) if method == "POST" else ""
    rotation = "" if not paths else (
        "paths = {" + ", ".join(f'"{path}"' for path in paths) + "}\n"
        "turn = 0\n"
        "request = function()\n"
        "  turn = turn % #paths + 1\n"
        "  return wrk.format(nil, paths[turn])\n"
        "end\n")
    script.write_text(
        f'wrk.method = "{method}"\n'
        f"wrk.body = '{body}'\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        + "".join(f'wrk.headers["{key}"] = "{value}"\n' for key, value in HEADERS.items())
        + rotation)
    output = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds:g}s", "--latency", "-s",
                             str(script), url], capture_output=True, text=True, check=True,
                            timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    answered = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    failed = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if failed:
        raise RuntimeError(f"{method} {url} answered {failed.group(1)} non-2xx replies under load")

    def percentile(label: str) -> float:
        value, unit = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return rps, percentile("50"), percentile("99"), answered


@contextmanager
def running(command: list[str], port: int
            ) -> Iterator[tuple[subprocess.Popen[bytes], str, float]]:
    """A server started from `command` and answering on `port`: the process, its URL and
    how long it took to answer; stopped on the way out."""
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        yield process, url, wait_ready(url, started, process)
    finally:
        stop(process)


def mock_command(port: int) -> list[str]:
    return [sys.executable, "-m", "mock_baanx", "serve", "--port", str(port)]


def endpoint_targets(url: str, prepare: Callable[[str], str]
            ) -> dict[str, tuple[str, Callable[[], str]]]:
    """Per endpoint, its method and (called when its turn comes) its address."""
    return {"GET products": ("GET", lambda: f"{url}/v1/order/products/available"),
            "POST order": ("POST", lambda: f"{url}/v1/order"),
            # Created after the POST load, which may have made the mock forget older
            # orders (--max-orders).
            "GET order": ("GET", lambda: f"{url}/v1/order/{prepare(url)}")}


# Each endpoint's load is cut into rounds, the servers taking turns, so that whatever else
# the machine does meanwhile falls on all of them alike: one server's whole 10 s, then the
# next's, measured the same Flask floor anywhere from 6,000 to 13,400 requests/s.
ROUNDS = 5
# A cold start is the median of this many.
STARTS = 3


@dataclass
class Contender:
    """A server being measured: what it is started from, and once started, where."""

    name: str
    command: Callable[[int], list[str]]
    prepare: Callable[[str], str]
    result: Result = field(init=False)
    process: subprocess.Popen[bytes] | None = None
    url: str = ""


def measure(contenders: list[Contender], seconds: float, work: Path) -> list[Result]:
    """Each contender's figures. First its cold start, alone: started once untimed, so that
    its files are in the page cache (a first start after the machine reclaimed them
    measured the disk: up to 5 s here), then STARTS times, the median. Then all are
    started, and endpoint by endpoint they take turns under `seconds` of load each; last,
    each one's memory after the load. A contender that cannot be started, or fails under
    load, is left out from then on, saying why."""
    started = []
    for contender in contenders:
        try:
            contender.result = Result(contender.name, cold_start=cold_start(contender.command))
        except RuntimeError as error:
            print(f"{contender.name}: not measured: {error}", flush=True)
            continue
        started.append(contender)
    with ExitStack() as servers:
        measured = []
        for contender in started:
            port = free_port()
            try:
                contender.process, contender.url, _ = servers.enter_context(
                    running(contender.command(port), port))
            except RuntimeError as error:
                print(f"{contender.name}: not measured: {error}", flush=True)
                continue
            measured.append(contender)
        for endpoint in ENDPOINTS:
            measured = load_in_rounds(endpoint, measured, seconds, work)
        for contender in measured:
            assert contender.process is not None
            contender.result.rss_mb = tree_rss_mb(contender.process.pid)
    return [contender.result for contender in measured]


def cold_start(command: Callable[[int], list[str]]) -> float:
    """The median time from start to first answer of STARTS starts of `command`, after
    one untimed."""
    times = []
    for _ in range(1 + STARTS):
        port = free_port()
        with running(command(port), port) as (_, _, seconds):
            times.append(seconds)
    return statistics.median(times[1:])


# What a server failing under load raises: a refused or non-2xx reply, wrk's own failure.
LOAD_FAILURES = (RuntimeError, subprocess.SubprocessError, requests.RequestException,
                 KeyError, ValueError)


def load_in_rounds(endpoint: str, contenders: list[Contender], seconds: float, work: Path
                   ) -> list[Contender]:
    """`endpoint`'s figures for each contender: requests/s, p50 and p99 the median of its
    ROUNDS rounds', of whole seconds each; CPU per request all the CPU time it took from
    before its first round to after its last, whatever it did between its turns (a JVM
    compiles then), over the requests it answered. The contenders still measured."""
    addresses: dict[str, tuple[str, str]] = {}
    for contender in contenders:
        method, target = endpoint_targets(contender.url, contender.prepare)[endpoint]
        try:
            addresses[contender.name] = (method, target())
            wrk(addresses[contender.name][1], method, 1, work)  # warm-up, not counted
        except LOAD_FAILURES as error:
            print(f"{contender.name}: not measured: {error}", flush=True)
            addresses.pop(contender.name, None)
    healthy = [contender for contender in contenders if contender.name in addresses]
    if not healthy:
        return []
    per_round = round_seconds(seconds)
    figures: dict[str, list[tuple[float, float, float]]] = {c.name: [] for c in healthy}
    answered = dict.fromkeys(figures, 0)
    cpu_before = {c.name: tree_cpu_seconds(process_of(c)) for c in healthy}
    for turn in range(ROUNDS):
        # Each round starts with the next server, so that none is always first.
        for contender in healthy[turn % len(healthy):] + healthy[:turn % len(healthy)]:
            if contender.name not in addresses:
                continue
            method, address = addresses[contender.name]
            try:
                rps, p50, p99, count = wrk(address, method, per_round, work)
            except LOAD_FAILURES as error:
                print(f"{contender.name}: not measured: {error}", flush=True)
                del addresses[contender.name]
                continue
            answered[contender.name] += count
            figures[contender.name].append((rps, p50, p99))
    healthy = [contender for contender in healthy if contender.name in addresses]
    for contender in healthy:
        cpu = tree_cpu_seconds(process_of(contender)) - cpu_before[contender.name]
        result, rounds = contender.result, figures[contender.name]
        result.rps[endpoint], result.p50_ms[endpoint], result.p99_ms[endpoint] = (
            statistics.median(figure[index] for figure in rounds) for index in range(3))
        result.cpu_us[endpoint] = cpu / answered[contender.name] * 1e6
    return healthy


def round_seconds(seconds: float) -> int:
    """How long each round of `seconds` of load lasts: wrk takes whole seconds."""
    return max(1, round(seconds / ROUNDS))


def process_of(contender: Contender) -> int:
    assert contender.process is not None
    return contender.process.pid


def stop(process: subprocess.Popen[bytes]) -> None:
    """End the server and everything it started (Prism's node workers)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=15)
            return
        except subprocess.TimeoutExpired:
            continue


def created_order(url: str) -> str:
    reply = requests.post(f"{url}/v1/order", json=ORDER, headers=HEADERS, timeout=10)
    return str(reply.json()["orderId"])


def wiremock_root(work: Path) -> Path:
    """Stubs that answer like the mock does on a good day."""
    from mock_baanx.protocol import schemas

    root = work / "wiremock"
    (root / "mappings").mkdir(parents=True, exist_ok=True)
    products = schemas.SCHEMAS["available-products-response.json"]["examples"][0]
    created = schemas.SCHEMAS["create-order-response.json"]["examples"][0]
    status = schemas.SCHEMAS["order-status-response.json"]["examples"][0]
    stubs = [
        {"request": {"method": "GET", "urlPath": "/v1/order/products/available"},
         "response": {"status": 200, "jsonBody": products}},
        {"request": {"method": "POST", "urlPath": "/v1/order"},
         "response": {"status": 200, "jsonBody": created}},
        {"request": {"method": "GET", "urlPathPattern": "/v1/order/[^/]+"},
         "response": {"status": 200, "jsonBody": status}},
    ]
    (root / "mappings" / "baanx.json").write_text(json.dumps({"mappings": stubs}))
    return root


def held_connections() -> dict[str, float]:
    """bench/connections.py's measure of the served mock: 5,000 idle and 5,000 stalled
    connections held while 300 ordinary requests come in."""
    import resource

    from connections import open_connections, ordinary_requests

    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    port = free_port()
    with running(mock_command(port), port):
        held = open_connections(port, 5000, 5000)
        times, failed = ordinary_requests(port, 300)
        for connection in held:
            connection.close()
    ordered = sorted(times)
    return {"held": len(held), "held_failed": failed,
            "held_p50_ms": ordered[len(ordered) // 2],
            "held_p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]}


def in_process_figures() -> dict[str, float]:
    import responses

    from mock_baanx import BaanxMock

    calls, rounds = 2000, 5
    url = "https://api.baanx.com/v1/order/products/available"
    session = requests.Session()
    body = json.dumps([{"id": "PREMIUM_SUBSCRIPTION", "description": "Premium subscription",
                        "isEligible": True}]).encode()

    def rate() -> float:
        started = time.perf_counter()
        for _ in range(calls):
            session.get(url, headers=HEADERS)
        return calls / (time.perf_counter() - started)

    # Rounds alternate, so that whatever else the machine does falls on both alike; each
    # side keeps its best round.
    bare_rates, mock_rates = [], []
    for _ in range(rounds):
        with responses.RequestsMock() as bare:
            bare.add_callback("GET", url, callback=lambda request: (
                200, {"Content-Type": "application/json"}, body))
            bare_rates.append(rate())
        with BaanxMock():
            mock_rates.append(rate())
    with BaanxMock() as mock:
        resets = 1000
        started = time.perf_counter()
        for _ in range(resets):
            mock.backend.reset()
        reset_ms = (time.perf_counter() - started) / resets * 1000
    # The suite as a project that installs mock-baanx runs it: with mock-baanx's pytest
    # plugin, without the third-party plugins this development environment happens to
    # have (Hypothesis and Schemathesis add about 2 s to the start of any pytest run).
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("BAANX_")}
    environment["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    with tempfile.TemporaryDirectory() as folder:
        # The project's own ini names options of plugins left out here: a user's is empty.
        ini = Path(folder) / "pytest.ini"
        ini.write_text("[pytest]\n")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "-c", str(ini), "--rootdir", str(ROOT),
                        "-p", "mock_baanx.testing.pytest_plugin", str(ROOT / "contract_tests")],
                       cwd=ROOT, check=True, capture_output=True, env=environment)
        suite = time.perf_counter() - started
    return {"bare_calls_per_s": max(bare_rates), "mock_calls_per_s": max(mock_rates),
            "reset_ms": reset_ms, "contract_suite_s": suite}


def report(results: list[Result], figures: dict[str, float], seconds: float) -> None:
    print(f"\n{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, "
          f"Python {sys.version.split()[0]}; wrk -t2 -c16 on loopback, "
          f"{ROUNDS} rounds of {round_seconds(seconds)} s per endpoint, the servers "
          "taking turns\n")
    header = "| server | cold start | RSS after load | " + " | ".join(
        f"{endpoint} rps / p50 / p99 / CPU per request" for endpoint in ENDPOINTS) + " |"
    print(header)
    print("|" + " --- |" * (3 + len(ENDPOINTS)))
    for result in results:
        cells = [f"{result.rps[e]:,.0f} / {result.p50_ms[e]:.1f} / {result.p99_ms[e]:.1f} ms"
                 f" / {result.cpu_us[e]:.0f} µs" for e in ENDPOINTS]
        print(f"| {result.name} | {result.cold_start:.2f} s | {result.rss_mb:.1f} MB | "
              + " | ".join(cells) + " |")
    ours = named(MOCK, results)
    assert ours is not None
    for peer in results:
        if peer is ours:
            continue
        ratios = ", ".join(f"{e} {ours.rps[e] / peer.rps[e]:.2f}x" for e in ENDPOINTS)
        cpu = ", ".join(f"{e} {ours.cpu_us[e] / peer.cpu_us[e]:.2f}x" for e in ENDPOINTS)
        print(f"\nmock-baanx / {peer.name}: throughput {ratios}; CPU per request {cpu}")
    print(f"\n{figures['held']:,.0f} idle and stalled connections held; ordinary requests "
          f"meanwhile p50 {figures['held_p50_ms']:.1f} ms, p99 {figures['held_p99_ms']:.1f} ms, "
          f"{figures['held_failed']:.0f} failed")
    ratio = figures["mock_calls_per_s"] / figures["bare_calls_per_s"]
    print(f"\nin-process: BaanxMock {figures['mock_calls_per_s']:,.0f} calls/s, bare "
          f"responses callback {figures['bare_calls_per_s']:,.0f} calls/s "
          f"({ratio:.0%}); reset {figures['reset_ms']:.3f} ms; contract suite "
          f"{figures['contract_suite_s']:.2f} s")
    print("\ntargets:")
    for target, met in targets(results, figures):
        verdict = "not run" if met is None else "met    " if met else "NOT met"
        print(f"  {verdict}  {target}")


def named(first_word: str, results: list[Result]) -> Result | None:
    return next((result for result in results if result.name.split()[0] == first_word), None)


def served_targets(server: Result, results: list[Result], figures: dict[str, float]
                   ) -> list[tuple[str, bool | None]]:
    """The targets of the served mock against the floor and the peers of this run (None:
    not measured this run)."""
    floor, prism, wiremock = (named(word, results) for word in ("Flask", "Prism", "WireMock"))
    return [
        ("throughput >= 0.5x the Flask floor's on every endpoint",
         None if floor is None else all(server.rps[e] >= 0.5 * floor.rps[e]
                                        for e in ENDPOINTS)),
        ("throughput >= 2x Prism's on every endpoint",
         None if prism is None else all(server.rps[e] >= 2 * prism.rps[e] for e in ENDPOINTS)),
        ("CPU time per request <= WireMock's on every endpoint",
         None if wiremock is None else all(server.cpu_us[e] <= wiremock.cpu_us[e]
                                           for e in ENDPOINTS)),
        ("p99 <= half Prism's on every endpoint",
         None if prism is None else all(2 * server.p99_ms[e] <= prism.p99_ms[e]
                                        for e in ENDPOINTS)),
        ("start to first answer within 0.1 s of the Flask floor's",
         None if floor is None else server.cold_start <= floor.cold_start + 0.1),
        ("resident memory after the load <= 80 MB", server.rss_mb <= 80),
        ("10,000 idle and stalled connections held, ordinary requests p99 <= 100 ms",
         figures["held"] >= 10_000 and figures["held_failed"] == 0
         and figures["held_p99_ms"] <= 100),
    ]


def targets(results: list[Result], figures: dict[str, float]) -> list[tuple[str, bool | None]]:
    """Each of the project's performance targets, and whether this run met it."""
    ours = named(MOCK, results)
    assert ours is not None
    return [
        *served_targets(ours, results, figures),
        ("BaanxMock within 10% of a bare responses callback",
         figures["mock_calls_per_s"] >= 0.9 * figures["bare_calls_per_s"]),
        ("a reset <= 1 ms", figures["reset_ms"] <= 1),
        ("the contract suite in-process <= 3 s", figures["contract_suite_s"] <= 3),
    ]


def profile(seconds: float, work: Path) -> None:
    """Where the served mock's time goes: a py-spy flame graph per endpoint, recorded
    under the same load as the benchmark, written to bench/.cache/profiles/."""
    spy = Path(sys.executable).parent / "py-spy"
    if not spy.exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "py-spy"],
                       check=True)
    out = CACHE / "profiles"
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with running(mock_command(port), port) as (process, url, _):
        for endpoint, (method, target) in endpoint_targets(url, created_order).items():
            address = target()
            load = threading.Thread(target=wrk, args=(address, method, seconds + 2, work))
            load.start()
            time.sleep(1)
            graph = out / f"{endpoint.lower().replace(' ', '-')}.svg"
            subprocess.run([str(spy), "record", "--pid", str(process.pid), "--duration",
                            str(int(seconds)), "--rate", "250", "--nonblocking", "--output",
                            str(graph)], check=True, capture_output=True,
                           timeout=seconds + 60)
            load.join()
            print(f"{endpoint}: {graph}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10,
                        help=f"load per endpoint and server, in {ROUNDS} rounds of whole seconds")
    parser.add_argument("--skip-peers", action="store_true", help="measure mock-baanx only")
    parser.add_argument("--profile", action="store_true",
                        help="instead, record a py-spy flame graph of mock-baanx per endpoint")
    args = parser.parse_args()
    ensure_tools(not (args.skip_peers or args.profile))
    work = Path(tempfile.mkdtemp(prefix="mock-baanx-bench-"))
    if args.profile:
        profile(args.seconds, work)
        shutil.rmtree(work, ignore_errors=True)
        return 0
    contenders = [
        Contender(FLOOR, lambda port: [sys.executable, str(ROOT / "bench" / "flask_floor.py"),
                                       str(port)], lambda url: "abcd_1234"),
        Contender(MOCK, mock_command, created_order),
    ]
    if not args.skip_peers:
        from mock_baanx.protocol import ROUTES, openapi

        document = work / "openapi.json"
        document.write_text(json.dumps(openapi.document(ROUTES, control=False)))
        prism = CACHE / "node_modules" / ".bin" / "prism"
        jar = next((CACHE / "node_modules" / "wiremock" / "build").glob(
            "wiremock-standalone-*.jar"))
        contenders += [
            Contender("Prism 5", lambda port: [str(prism), "mock", "-h", "127.0.0.1", "-p",
                                               str(port), str(document)],
                      lambda url: "abcd_1234"),
            Contender("WireMock 3 (journal off)", lambda port: [
                "java", "-jar", str(jar), "--port", str(port), "--bind-address", "127.0.0.1",
                "--root-dir", str(wiremock_root(work)), "--no-request-journal",
                "--disable-banner"], lambda url: "abcd_1234"),
        ]
    results = measure(contenders, args.seconds, work)
    if named(MOCK, results) is None:
        shutil.rmtree(work, ignore_errors=True)
        print("mock-baanx could not be measured", file=sys.stderr)
        return 1
    figures = {**held_connections(), **in_process_figures()}
    report(results, figures, args.seconds)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
