"""BaanxServer: a served mock as one namespace sees it: its URL (with the namespace's
prefix), the default credentials and the control API as methods. Behind the
`baanx_server` fixture, on a server started on a thread of the test process or on an
already running mock-baanx."""

from __future__ import annotations

from collections.abc import Iterable

import requests

from ..core import DEFAULT_NAMESPACE, Backend
from ..protocol.namespaces import NAMESPACE_PREFIX
from ..protocol.version import VERSION_HEADER
from ..transports.extensions import extend as extend_app
from ..transports.flask_app import create_app
from ..transports.thread_server import BackgroundServer
from .control_client import DefaultCredentials, HttpControl


class NotAMockBaanx(Exception):
    """A URL where no mock-baanx answers; the message says what does."""


class BaanxServer(DefaultCredentials, HttpControl):
    """A served mock, seen from one namespace: its `url`, default credentials, and the
    control API as methods, all within that namespace."""

    def __init__(self, base_url: str, namespace: str = DEFAULT_NAMESPACE,
                 backend: Backend | None = None, server: BackgroundServer | None = None,
                 session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.namespace = namespace
        prefix = "" if namespace == DEFAULT_NAMESPACE else f"{NAMESPACE_PREFIX}{namespace}"
        super().__init__(self.base_url + prefix, session)
        # The backend behind a server of this process; None for one running elsewhere.
        self.backend = backend
        self._server = server

    @classmethod
    def start(cls, backend: Backend, host: str = "127.0.0.1", port: int = 0,
              extend: Iterable[str] = ()) -> BaanxServer:
        """Serve `backend` on `host`:`port` (0: a free one) on a thread, until `stop()`,
        with the app extended by each `MODULE:FUNCTION` of `extend`
        (transports/extensions.py)."""
        app = create_app(backend)
        extend_app(app, extend)
        server = BackgroundServer(app, host, port)
        return cls(server.url, backend=backend, server=server)

    @classmethod
    def connect(cls, url: str, timeout: float = 10) -> BaanxServer:
        """An already running mock-baanx at `url`; NotAMockBaanx if none answers there."""
        session = requests.Session()
        try:
            reply = session.get(url.rstrip("/") + "/__mock/health", timeout=timeout)
        except requests.RequestException as error:
            raise NotAMockBaanx(f"nothing answers at {url} ({type(error).__name__})") from None
        if reply.status_code != 200 or VERSION_HEADER not in reply.headers:
            raise NotAMockBaanx(f"{url} is not a mock-baanx with its control API on "
                                f"(GET /__mock/health answered {reply.status_code} without "
                                f"{VERSION_HEADER})")
        return cls(url, session=session)

    def in_namespace(self, namespace: str) -> BaanxServer:
        """The same server, seen from another namespace."""
        return BaanxServer(self.base_url, namespace, self.backend, self._server, self._session)

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
