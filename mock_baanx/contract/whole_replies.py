"""Replies read whole within bounds, for the contract tools: a target that trickles its
reply a byte at a time, or sends one without end, costs a run its timeout, not hours or
the machine's memory.

`requests`' timeout bounds each read of the socket, not the reply: a server that sends a
byte every few seconds never trips it. `WholeReplies` is a transport adapter (requests'
documented way to change how a session sends) that reads each reply's body itself, by
what arrives, until the reply is whole, the call's timeout has passed since it was sent,
or it passes MAX_REPLY_BYTES once decoded (a small gzip may hold a huge body); the body
read is then handed to requests as any reply's, decoded already. (A cookie the reply sets
is not kept by the session: nothing the contract tools send depends on one.)
"""

from __future__ import annotations

import io
import time
from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPResponse
from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError, SSLError

# No Baanx reply comes near this: the largest, a page of products, is a few KiB.
MAX_REPLY_BYTES = 8 * 1024 * 1024
READ_BYTES = 64 * 1024


class ReplyTooLarge(requests.RequestException):
    """A reply past MAX_REPLY_BYTES."""


class WholeReplies(HTTPAdapter):
    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: float | tuple[float, float] | tuple[float, None] | None = None,
             verify: bool | str = True, cert: Any = None,
             proxies: Mapping[str, str] | None = None) -> requests.Response:
        started = time.monotonic()
        response = super().send(request, stream=True, timeout=timeout, verify=verify,
                                cert=cert, proxies=proxies)
        raw = response.raw
        whole_within = timeout[1] if isinstance(timeout, tuple) else timeout
        chunks: list[bytes] = []
        received = 0
        try:
            while True:
                # What has arrived, however little: a read of a set size would wait for
                # all of it, a byte at a time.
                chunk = raw.read1(READ_BYTES, decode_content=True)
                if not chunk:
                    break
                chunks.append(chunk)
                received += len(chunk)
                if received > MAX_REPLY_BYTES:
                    raise ReplyTooLarge(f"larger than {MAX_REPLY_BYTES // 2**20} MiB",
                                        request=request)
                if whole_within is not None and time.monotonic() - started > whole_within:
                    raise requests.exceptions.ReadTimeout(
                        f"the reply was not whole within {whole_within:g} s", request=request)
        except ReadTimeoutError as error:  # wrapped as requests wraps a body's failures
            response.close()
            raise requests.exceptions.ReadTimeout(error, request=request) from None
        except SSLError as error:
            response.close()
            raise requests.exceptions.SSLError(error, request=request) from None
        except DecodeError as error:
            response.close()
            raise requests.exceptions.ContentDecodingError(error, request=request) from None
        except ProtocolError as error:  # cut short, or its chunks broken
            response.close()
            raise requests.exceptions.ChunkedEncodingError(error, request=request) from None
        except Exception:
            response.close()
            raise
        response.close()
        body = b"".join(chunks)
        # Its headers as they would have been for the body as it now is: decoded.
        headers = raw.headers.copy()
        for name in ("Content-Encoding", "Content-Length", "Transfer-Encoding"):
            headers.discard(name)
        headers["Content-Length"] = str(len(body))
        whole = HTTPResponse(body=io.BytesIO(body), headers=headers, status=raw.status,
                             reason=raw.reason, preload_content=False, decode_content=False,
                             request_method=request.method, request_url=request.url)
        built = self.build_response(request, whole)
        built.content  # noqa: B018 (read now, as requests reads a reply not streamed)
        return built


def whole_reply_session() -> requests.Session:
    """A session whose replies are read whole within bounds (`WholeReplies`)."""
    session = requests.Session()
    for scheme in ("http://", "https://"):
        session.mount(scheme, WholeReplies())
    return session
