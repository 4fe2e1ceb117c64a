"""Who may reach the mock: the `Host` a request names, the site a browser sends it from, and
the token a shared mock's control API asks for (docs/reliability.md says what each stops).

- Host: a served mock answers only a `Host` that is a loopback name or address, an address
  it may be reached at, or a name given with `--allowed-host` — so that a hostname rebound
  to 127.0.0.1 (DNS rebinding) reads nothing. In-process mocks check no Host.
- Cross-site: a browser sends `Origin` (or at least `Referer`) with a request a page makes;
  a state-changing control request from another site is refused before anything changes,
  whatever its content type, and the control API answers no CORS to other origins.
- Token: with `--control-token`, every control request carries `Authorization: Bearer
  TOKEN`, compared in constant time.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..core.errors import BaanxError
from .errors import MalformedRequest
from .messages import Request

LOOPBACK_NAMES = frozenset({"localhost"})
ANY_HOST = "*"
# Reading these changes nothing: a request from another site may make them (a browser
# will not let it read the answer, which carries no CORS header).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_ENVIRONMENT = "MOCK_BAANX_CONTROL_TOKEN"
HOSTS_ENVIRONMENT = "MOCK_BAANX_ALLOWED_HOSTS"


class HostNotAllowed(BaanxError):
    status = 403

    def __init__(self, host: str) -> None:
        super().__init__(f"Host {host!r} is not one this mock answers: add it with "
                         "--allowed-host (ini baanx_allowed_hosts, environment "
                         f"{HOSTS_ENVIRONMENT})")


class CrossSiteRefused(BaanxError):
    status = 403
    default_message = ("Forbidden: the control API takes no request another site's page "
                       "sends (use the dashboard, or a client that is not a browser)")


class ControlTokenRequired(BaanxError):
    status = 401
    default_message = ("Not authenticated: this mock's control API needs its token, as "
                       "Authorization: Bearer TOKEN")


@dataclass(frozen=True, slots=True)
class HostRule:
    """Which `Host` values a served mock answers: loopback names and addresses always,
    any IP address when it is bound to every one (an address cannot be rebound to another
    machine), and the `names` given; every host with `*` among them."""

    names: frozenset[str] = frozenset()
    any_address: bool = False

    @classmethod
    def of(cls, bound: str, names: Iterable[str] = ()) -> HostRule:
        """The rule for a mock bound to `bound`, with the `names` the user allowed."""
        wildcard = bound in ("0.0.0.0", "::", "")
        return cls(frozenset(name.strip().lower().strip("[]") for name in (*names, bound)
                             if name.strip()), wildcard)

    def allows(self, host: str) -> bool:
        if ANY_HOST in self.names:
            return True
        name = host.lower()
        if name in LOOPBACK_NAMES or name.endswith(".localhost") or name in self.names:
            return True
        try:
            address = ipaddress.ip_address(name)
        except ValueError:
            return False
        return address.is_loopback or self.any_address


# A DNS name (253 characters), a port and brackets: no real Host is longer.
REMEMBERED_HOST_LENGTH = 270


def host_name(header: str) -> str:
    """The name a `Host` header gives, without its port: 400 for one that is malformed.

    A client sends the same Host on every request: read once and remembered rather than
    split on each (which costs about a twentieth of a whole request). Bounded, as the values
    are the clients': 256 of them, none longer than a real one can be."""
    if len(header) <= REMEMBERED_HOST_LENGTH:
        return remembered_host_name(header)
    return split_host_name(header)


@functools.lru_cache(maxsize=256)
def remembered_host_name(header: str) -> str:
    return split_host_name(header)


def split_host_name(header: str) -> str:
    try:
        parts = urlsplit(f"//{header.strip()}")
        parts.port  # noqa: B018 (reading it checks it)
    except ValueError:
        raise MalformedRequest("Bad request: a malformed Host header") from None
    if not parts.hostname or parts.username is not None or parts.path or parts.query \
            or parts.fragment or any(character.isspace() for character in header.strip()):
        raise MalformedRequest("Bad request: a malformed Host header")
    return parts.hostname


def check_host(request: Request, rule: HostRule | None) -> None:
    """403 naming the option when the request's Host is not one the mock answers."""
    if rule is None:
        return
    header = request.header("host")
    if header is None:  # HTTP/1.0 without one: nothing a page can have rebound
        return
    name = host_name(header)
    if not rule.allows(name):
        raise HostNotAllowed(name)


def own_origin(request: Request) -> str | None:
    """The origin the request was sent to: `http://` and its Host (a served mock)."""
    host = request.header("host")
    return None if host is None else f"http://{host.strip().lower()}"


def check_same_site(request: Request) -> None:
    """403 for a state-changing request a page of another site sent: its `Origin` (or,
    without one, its `Referer`) names another origin than the mock's own. A request with
    neither — curl, a test client, the control client — is no browser's."""
    if request.method in SAFE_METHODS:
        return
    origin = request.header("origin")
    if origin is None:
        referer = request.header("referer")
        if referer is None:
            return
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "null"
    mine = own_origin(request)
    if mine is None or origin.strip().lower() not in (mine, mine.replace("http:", "https:")):
        raise CrossSiteRefused()


def check_token(request: Request, token: str | None) -> None:
    """401 unless the request carries `Authorization: Bearer <token>` (when there is one)."""
    if token is None:
        return
    scheme, _, given = (request.header("authorization") or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode("utf-8", "surrogateescape"), token.encode("utf-8")):
        raise ControlTokenRequired()
