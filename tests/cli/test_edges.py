"""The command's edges, as a new user meets them: a closed pipe, a folder that is not
there, a target that is not Baanx, a mistyped option. Each is one line on stderr and exit 2
(or a quiet end), never a traceback."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from mock_baanx.storage.fixture_files import FixtureError, load_fixtures

from ..served import Served, run_cli

CLOSED_PIPE = 141


@pytest.mark.parametrize("command", [["openapi"], ["rules"], ["rules", "--json"]])
def test_a_closed_pipe_ends_quietly(command):
    # What `mock-baanx openapi | head -3` does: the reader stops reading. Here its end is
    # closed before the command starts, so that every write meets the closed pipe however
    # the two processes are scheduled.
    reading, writing = os.pipe()
    os.close(reading)
    try:
        process = subprocess.Popen([sys.executable, "-m", "mock_baanx", *command],
                                   stdout=writing, stderr=subprocess.PIPE)
    finally:
        os.close(writing)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == CLOSED_PIPE
    assert stderr == b""


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_a_state_file_in_a_folder_that_is_not_there_is_one_line(tmp_path):
    line = one_line(run_cli("serve", "--port", "0", "--state-file",
                            str(tmp_path / "nowhere" / "state.db")))
    assert line.startswith(f"mock-baanx: --state-file: {tmp_path}/nowhere/state.db: cannot be "
                           "written (No such file or directory)")


def test_an_empty_state_option_is_refused_not_taken_for_memory():
    assert one_line(run_cli("serve", "--port", "0", "--state-url", "")).startswith(
        "mock-baanx: --state-url: not a PostgreSQL URL")
    assert one_line(run_cli("serve", "--port", "0", "--state-file", "")) == \
        "mock-baanx: --state-file: give the path of a file"


def test_a_fixtures_folder_that_cannot_be_listed_is_a_fixture_error(tmp_path, monkeypatch):
    # (The tests run as root, whom no permission stops: the folder's listing fails here.)
    listed = Path.iterdir

    def refuse(folder):
        if folder == tmp_path:
            raise PermissionError(13, "Permission denied")
        return listed(folder)

    monkeypatch.setattr(Path, "iterdir", refuse)
    with pytest.raises(FixtureError, match="cannot be read: Permission denied"):
        load_fixtures(tmp_path)


def test_a_ready_file_in_a_folder_that_is_not_there_is_said_as_such(tmp_path):
    assert one_line(run_cli("serve", "--port", "0", "--ready-file",
                            str(tmp_path / "nowhere" / "ready.json"))) == \
        f"mock-baanx: --ready-file: no folder {tmp_path / 'nowhere'}"


def test_a_ready_file_that_is_a_folder_is_refused_before_serving(tmp_path):
    assert one_line(run_cli("serve", "--port", "0", "--ready-file", str(tmp_path))) == \
        f"mock-baanx: --ready-file: {tmp_path} is a folder, not a file"


def test_a_host_that_cannot_be_bound_is_one_line_and_no_warning():
    line = one_line(run_cli("serve", "--host", "999.1.1.1"))
    assert line.startswith("mock-baanx: cannot listen on 999.1.1.1:4010: ")


def test_a_mistyped_option_gets_the_subcommands_usage():
    result = run_cli("serve", "--prot", "4011")
    assert result.returncode == 2
    assert result.stderr.startswith("usage: mock-baanx serve ")
    assert result.stderr.rstrip().endswith("unrecognized arguments: --prot 4011")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("command", [["openapi"], ["rules"]])
def test_output_a_full_disk_refuses_is_one_line_and_exit_2(command):
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "mock_baanx", *command], stdout=full,
                                stderr=subprocess.PIPE, text=True, timeout=30, check=False)
    assert result.returncode == 2
    assert result.stderr == "mock-baanx: cannot write: No space left on device\n"


@pytest.mark.parametrize(("line", "said"), [
    (["--bogus"], "unrecognized arguments: --bogus"),
    ([], "the following arguments are required: command"),
])
def test_no_command_says_what_was_wrong_with_the_commands_usage(line, said):
    result = run_cli(*line)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: mock-baanx [-h]")
    assert result.stderr.rstrip().endswith(said)


@pytest.mark.parametrize("command", ["serve", "verify", "proxy", "rules", "openapi"])
def test_each_help_describes_the_command_its_exit_codes_and_where_the_docs_are(command):
    text = " ".join(run_cli(command, "--help").stdout.split())
    assert text.startswith(f"usage: mock-baanx {command}")
    assert "exit status: 0 success" in text
    assert "docs/" in text
    description = text.split("options:")[0].split("\n")[-1]
    assert len(description) > 60


@pytest.fixture
def not_baanx(tmp_path):
    """A web server that is not a Baanx API: Python's own, serving a folder."""
    handler = lambda *args: http.server.SimpleHTTPRequestHandler(  # noqa: E731
        *args, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.mark.parametrize("credentials", [[], ["--client-id", "c", "--token", "t"]])
def test_verify_says_what_answered_when_it_is_not_a_baanx_api(not_baanx, credentials):
    line = one_line(run_cli("verify", "--base-url", not_baanx, *credentials))
    assert line == ("mock-baanx verify: the environment, not drift: GET "
                    "/v1/order/products/available answered 404 text/html — is this a Baanx "
                    "base URL?")


@pytest.mark.served
def test_serve_quiet_logs_no_request():
    served = Served("--quiet")
    try:
        import requests

        assert requests.get(served.url + "/v1/order/products/available", timeout=10,
                            headers={"X-Client-ID": "demo-client",
                                     "Authorization": "Bearer demo-token"}).ok
    finally:
        assert served.stop() == 0
    output = served.output()
    assert output[-1] == "mock-baanx stopped"
    assert not any(line.startswith("GET ") for line in output)


def test_the_container_build_works_with_dockers_default_name():
    root = Path(__file__).resolve().parents[2]
    assert (root / "Dockerfile").is_file()
    assert (root / ".dockerignore").is_file()
    assert ".schemathesis/" in (root / ".gitignore").read_text().splitlines()
