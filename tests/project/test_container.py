"""The container image: built from the Dockerfile with no network, on a base assembled
from Debian packages (.ci/base-image), run with podman; the three endpoints answer from
the host, it runs as a user without privileges, its health check passes, and SIGTERM
stops it cleanly."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
BASE = "localhost/mock-baanx-base:bookworm"
IMAGE = "localhost/mock-baanx:test"
# What this machine needs of podman (the image needs none of it): limits it may set, and
# an init process so that the server gets the SIGTERM.
RUN_OPTIONS = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=4096:4096"]
DEMO = {"X-Client-ID": "demo-client", "Authorization": "Bearer demo-token"}

pytestmark = [pytest.mark.slow, pytest.mark.container]


def podman(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout,
                          check=False)


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if shutil.which("podman") is None:
        pytest.skip("needs podman: apt-get install podman runc catatonit (.ci/run does it)")
    if podman("image", "exists", BASE).returncode != 0:
        pytest.skip(f"needs the base image {BASE}: .ci/base-image builds it (.ci/run does)")
    context = tmp_path_factory.mktemp("container")
    for name in ("Dockerfile", ".dockerignore"):
        shutil.copy(ROOT / name, context / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir",
                    str(context / "wheels"), f"{ROOT}[postgres]"], check=True, timeout=600,
                   capture_output=True)
    built = podman("build", "--format", "docker", "--network", "none", *RUN_OPTIONS,
                   "--build-arg", f"BASE={BASE}", "-t", IMAGE, str(context), timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    yield IMAGE
    podman("rmi", "--force", IMAGE)


CONTROL_TOKEN = "a-control-token-for-the-container-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_image_serves_the_api_as_a_user_without_privileges_and_stops_on_sigterm(image):
    port = free_port()
    started = podman("run", "--detach", "--init", *RUN_OPTIONS, "--health-interval",
                     "disable", "--publish", f"127.0.0.1:{port}:4010", "--env",
                     f"MOCK_BAANX_CONTROL_TOKEN={CONTROL_TOKEN}", image)
    assert started.returncode == 0, started.stderr
    container = started.stdout.strip()
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(base + "/__mock/health", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        products = requests.get(base + "/v1/order/products/available", headers=DEMO,
                                timeout=10)
        assert products.status_code == 200
        order = requests.post(base + "/v1/order", headers=DEMO, timeout=10, json={
            "productId": "METAL_CARD", "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}).json()
        status = requests.get(f"{base}/v1/order/{order['orderId']}", headers=DEMO, timeout=10)
        assert status.json()["status"] == "STARTED"
        assert podman("healthcheck", "run", container).returncode == 0
        # Bound to every address inside, its control API asks for the token it was given.
        assert requests.get(base + "/__mock/orders", timeout=10).status_code == 401
        assert requests.get(base + "/__mock/orders", timeout=10, headers={
            "Authorization": f"Bearer {CONTROL_TOKEN}"}).status_code == 200
        assert podman("exec", container, "id", "-u").stdout.strip() != "0"
        stopped = podman("stop", "--time", "10", container)
        assert stopped.returncode == 0, stopped.stderr
        assert podman("inspect", "--format", "{{.State.ExitCode}}", container
                      ).stdout.strip() == "0"
        logs = podman("logs", container).stderr
        assert "mock-baanx stopped" in logs
        assert "Traceback" not in logs
        assert CONTROL_TOKEN not in logs
    finally:
        podman("rm", "--force", container)


def test_the_image_holds_no_credential_and_no_wheel(image):
    history = podman("history", "--no-trunc", "--format", "{{.CreatedBy}}", image).stdout
    assert "demo-token" not in history
    listed = podman("run", "--rm", *RUN_OPTIONS, "--entrypoint", "sh", image, "-c",
                    "ls / /opt/mock-baanx/bin")
    assert listed.returncode == 0, listed.stderr
    assert "wheels" not in listed.stdout.split()
    assert "mock-baanx" in listed.stdout.split()
