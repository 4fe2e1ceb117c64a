"""BaanxServer: a mock served over HTTP on a thread of the test process, with its URL,
the default credentials and the control API as methods. Behind the `baanx_server`
fixture."""

from __future__ import annotations

from ..core import Backend
from ..transports.flask_app import create_app
from ..transports.thread_server import BackgroundServer
from .control_client import DefaultCredentials, HttpControl


class BaanxServer(DefaultCredentials, HttpControl):
    """A served mock: its `url`, default credentials, and the control API as methods."""

    def __init__(self, server: BackgroundServer, backend: Backend) -> None:
        super().__init__(server.url)
        self.backend = backend
        self._server = server

    @classmethod
    def start(cls, backend: Backend, host: str = "127.0.0.1", port: int = 0) -> BaanxServer:
        """Serve `backend` on `host`:`port` (0: a free one) until `stop()`."""
        return cls(BackgroundServer(create_app(backend), host, port), backend)

    def reset(self) -> None:
        # Straight to the backend: a per-test reset should cost no request.
        self.backend.reset()

    def stop(self) -> None:
        self._server.stop()
