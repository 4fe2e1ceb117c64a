"""The ways into the mock, each behind the Flask test client's interface (`get`, `post`,
`open`…, replies with `status_code`, `headers`, `get_json()`), so that one behaviour test
runs through every one of them:

- `handler`: `protocol.handle` called directly, with a `Request` built as a transport would;
- `flask`: the Flask app, through Werkzeug's test client;
- `served`: the Flask app served over real HTTP (the in-thread server), through `requests`;
- `in_process`: `BaanxMock`, through `requests`.

All four serve the same `Backend` and `Options`, so a test can look at the state behind
the door it went through.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

import requests
from requests.structures import CaseInsensitiveDict

from mock_baanx import BaanxMock, create_app
from mock_baanx.core import Backend
from mock_baanx.protocol import Options, Request, handle

DOORS = ("handler", "flask", "served", "in_process")


class Answer:
    """A reply as a test reads it, whichever door it came through."""

    def __init__(self, status: int, headers: Iterable[tuple[str, str]], data: bytes) -> None:
        self.status_code = status
        self.headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
        for name, value in headers:
            self.headers[name] = value
        self.data = data

    def get_data(self, as_text: bool = False) -> bytes | str:
        return self.data.decode("utf-8", errors="replace") if as_text else self.data

    def get_json(self) -> Any:
        media_type = self.headers.get("Content-Type", "").split(";")[0].strip()
        return jsonlib.loads(self.data) if media_type == "application/json" else None

    @property
    def json(self) -> Any:
        return self.get_json()


class Door:
    name = ""

    def open(self, path: str, method: str = "GET", headers: dict[str, str] | None = None,
             json: Any = None, data: bytes | str | None = None,
             content_type: str | None = None) -> Answer:
        headers = dict(headers or {})
        body = b""
        if json is not None:
            body = jsonlib.dumps(json).encode()
            headers.setdefault("Content-Type", "application/json")
        elif data is not None:
            body = data.encode() if isinstance(data, str) else data
        if content_type is not None:
            headers["Content-Type"] = content_type
        return self.send(method.upper(), path, headers, body)

    def send(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        raise NotImplementedError

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.open(path, "GET", **kwargs)

    def post(self, path: str, **kwargs: Any) -> Answer:
        return self.open(path, "POST", **kwargs)

    def put(self, path: str, **kwargs: Any) -> Answer:
        return self.open(path, "PUT", **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Answer:
        return self.open(path, "DELETE", **kwargs)

    def options(self, path: str, **kwargs: Any) -> Answer:
        return self.open(path, "OPTIONS", **kwargs)

    def close(self) -> None:
        pass


class HandlerDoor(Door):
    name = "handler"

    def __init__(self, backend: Backend, options: Options) -> None:
        self.backend, self.mock_options = backend, options

    def send(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        path, _, query = path.partition("?")
        reply = handle(self.backend, Request.build(method, unquote(path, errors="replace"),
                                                   headers.items(), body, query), self.mock_options)
        return Answer(reply.status, reply.headers, reply.body)


class FlaskDoor(Door):
    name = "flask"

    def __init__(self, backend: Backend, options: Options) -> None:
        self.client = create_app(backend, options).test_client()

    def send(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        reply = self.client.open(path, method=method, headers=headers, data=body)
        return Answer(reply.status_code, reply.headers.items(), reply.get_data())


class RequestsDoor(Door):
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()

    def send(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        reply = self.session.request(method, self.base_url + path, headers=headers,
                                     data=body or None, timeout=30, allow_redirects=False)
        return Answer(reply.status_code, reply.headers.items(), reply.content)

    def close(self) -> None:
        self.session.close()


class ServedDoor(RequestsDoor):
    name = "served"

    def __init__(self, backend: Backend, options: Options, url: str,
                 serve: Callable[[Any], None]) -> None:
        serve(create_app(backend, options))
        super().__init__(url)


class InProcessDoor(RequestsDoor):
    name = "in_process"

    def __init__(self, backend: Backend, options: Options) -> None:
        self.mock = BaanxMock(passthrough=False)
        # The door's backend and options, not a fresh pair: a test looks behind the door.
        self.mock.backend, self.mock.options = backend, options
        self.mock.start()
        super().__init__(self.mock.base_url)

    def close(self) -> None:
        super().close()
        self.mock.stop()
