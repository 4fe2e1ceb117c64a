"""BaanxServer: a served mock as one namespace sees it: its URL (with the namespace's
prefix), the default credentials and the control API as methods. Behind the
`baanx_server` fixture, on a server started on a thread of the test process or on an
already running mock-baanx."""

from __future__ import annotations

from collections.abc import Iterable

import requests

from ..core import DEFAULT_NAMESPACE, Backend
from ..protocol import Options
from ..protocol.access import HostRule
from ..protocol.headers import NAMESPACE_PREFIX, VERSION_HEADER
from ..transports.extensions import extend as extend_app
from ..transports.flask_app import create_app
from ..transports.thread_server import BackgroundServer
from .control_client import ControlError, DefaultCredentials, HttpControl


class NotAMockBaanx(Exception):
    """A URL where no mock-baanx answers; the message says what does."""


class BaanxServer(DefaultCredentials, HttpControl):
    """A served mock, seen from one namespace: its `url`, default credentials, and the
    control API as methods, all within that namespace."""

    def __init__(self, base_url: str, namespace: str = DEFAULT_NAMESPACE,
                 backend: Backend | None = None, server: BackgroundServer | None = None,
                 session: requests.Session | None = None,
                 control_token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.namespace = namespace
        prefix = "" if namespace == DEFAULT_NAMESPACE else f"{NAMESPACE_PREFIX}{namespace}"
        super().__init__(self.base_url + prefix, session, control_token=control_token)
        # The backend behind a server of this process; None for one running elsewhere.
        self.backend = backend
        self._server = server

    @classmethod
    def start(cls, backend: Backend, host: str = "127.0.0.1", port: int = 0,
              extend: Iterable[str] = (), allowed_hosts: Iterable[str] = (),
              control_token: str | None = None) -> BaanxServer:
        """Serve `backend` on `host`:`port` (0: a free one) on a thread, until `stop()`,
        with the app extended by each `MODULE:FUNCTION` of `extend`
        (transports/extensions.py), answering the Host names `allowed_hosts` besides
        loopback ones, its control API asking for `control_token` if one is given."""
        app = create_app(backend, Options(hosts=HostRule.of(host, allowed_hosts),
                                          control_token=control_token))
        extend_app(app, extend)
        server = BackgroundServer(app, host, port)
        return cls(server.url, backend=backend, server=server, control_token=control_token)

    @classmethod
    def connect(cls, url: str, timeout: float = 10, control_token: str | None = None
                ) -> BaanxServer:
        """An already running mock-baanx at `url` (its control API's token, if it asks for
        one); NotAMockBaanx if none answers there."""
        session = requests.Session()
        try:
            reply = session.get(url.rstrip("/") + "/__mock/health", timeout=timeout)
        except requests.RequestException as error:
            raise NotAMockBaanx(f"nothing answers at {url} ({type(error).__name__})") from None
        if reply.status_code != 200 or VERSION_HEADER not in reply.headers:
            raise NotAMockBaanx(f"{url} is not a mock-baanx with its control API on "
                                f"(GET /__mock/health answered {reply.status_code} without "
                                f"{VERSION_HEADER})")
        served = cls(url, session=session, control_token=control_token)
        try:
            served.namespaces()  # a call that needs the token, if the mock asks for one
        except ControlError as error:
            raise NotAMockBaanx(f"{url} refused its control API: {error.message} (give it "
                                "with --baanx-control-token, ini baanx_control_token)"
                                ) from None
        return served

    def in_namespace(self, namespace: str) -> BaanxServer:
        """The same server, seen from another namespace."""
        return BaanxServer(self.base_url, namespace, self.backend, self._server, self._session,
                           self.control_token)

    def reset(self) -> None:
        if self.backend is not None:
            # Straight to the backend of a server in this process: no request needed.
            self.backend.reset(self.namespace)
        else:
            super().reset()

    def stop(self) -> None:
        """Stop the server, if it is this process's own."""
        if self._server is not None:
            self._server.stop()
