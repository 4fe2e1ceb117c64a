"""The compose example of docs/container.md: two replicas of the mock on one PostgreSQL
database behind a stock load balancer. No image registry is reachable where these tests
run, so the file is checked rather than run: its services, the mock's command line (by the
mock's own parser), the names each part calls the others by, and the balancer's upstream."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from mock_baanx.cli import parser

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "examples" / "compose"
COMPOSE = yaml.safe_load((FOLDER / "compose.yaml").read_text(encoding="utf-8"))
NGINX = (FOLDER / "nginx.conf").read_text(encoding="utf-8")
PAGE = (ROOT / "docs" / "container.md").read_text(encoding="utf-8")


def test_the_page_shows_both_files_verbatim():
    assert f"```yaml\n{(FOLDER / 'compose.yaml').read_text(encoding='utf-8')}```" in PAGE
    assert f"```nginx\n{NGINX}```" in PAGE


def test_two_replicas_share_the_database_the_compose_file_starts():
    services = COMPOSE["services"]
    assert set(services) == {"postgres", "baanx", "balancer"}
    baanx = services["baanx"]
    assert baanx["deploy"]["replicas"] == 2
    command, _ = parser()[0].parse_known_args(baanx["command"])
    assert command.command == "serve"
    assert command.host == "0.0.0.0"
    assert command.workers == 2
    database = re.fullmatch(r"postgresql://(\w+):(\w+)@(\w+):5432/(\w+)", command.state_url)
    assert database is not None
    assert database.group(3) == "postgres"
    assert database.group(2) == services["postgres"]["environment"]["POSTGRES_PASSWORD"]
    assert baanx["depends_on"]["postgres"]["condition"] == "service_healthy"
    # Replicas publish no port of their own: the balancer does.
    assert "ports" not in baanx


def test_the_balancer_spreads_requests_over_the_replicas_and_is_a_name_the_mock_answers():
    balancer = COMPOSE["services"]["balancer"]
    assert balancer["ports"] == ["127.0.0.1:4010:4010"]
    (volume,) = balancer["volumes"]
    assert (FOLDER / volume.split(":")[0]).resolve() == FOLDER / "nginx.conf"
    assert re.search(r"upstream baanx \{\s*server baanx:4010;", NGINX)
    assert "proxy_pass http://baanx;" in NGINX
    assert "proxy_set_header Host $http_host;" in NGINX
    allowed = COMPOSE["services"]["baanx"]["environment"]["MOCK_BAANX_ALLOWED_HOSTS"]
    assert "balancer" in allowed.split(",")
