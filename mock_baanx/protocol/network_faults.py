"""Network-level faults, as replies the transports act out.

`handle()` decides; the transport produces: an in-process mock raises what `requests`
(or `httpx`) raises on a real socket, a server resets or closes the connection, holds it,
or sends a body shorter than the length it announced (transports/connections.py).
"""

from __future__ import annotations

from ..core import FaultKind
from .messages import JSON_TYPE, Reply

# What an upstream proxy answers on a bad day, under the API's own content type: a
# client that trusts the Content-Type fails to parse it.
MALFORMED_BODY = b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"
# The start of a JSON object, and the length announced for the whole of it.
TRUNCATED_BODY = b'{"message": "the rest of this body never ar'
TRUNCATED_LENGTH = 96


def fault_reply(kind: FaultKind) -> Reply:
    """The reply that stands for `kind`. Where no socket exists to act it out (a WSGI test
    client), a transport sends it as it is: a 502 saying so, a malformed 200, or the short
    body alone."""
    if kind is FaultKind.MALFORMED:
        return Reply(200, MALFORMED_BODY, (("Content-Type", JSON_TYPE),), fault=kind)
    if kind is FaultKind.TRUNCATED:
        return Reply(200, TRUNCATED_BODY, (("Content-Type", JSON_TYPE),), fault=kind,
                     declared_length=TRUNCATED_LENGTH)
    reply = Reply.json(502, {"message": f"a {kind} fault needs a connection to act on"})
    return Reply(reply.status, reply.body, reply.headers, reply.payload, fault=kind)


def leaves_no_status(reply: Reply) -> bool:
    """Whether the client gets no HTTP status at all (reset, empty, hang)."""
    return reply.fault in (FaultKind.RESET, FaultKind.EMPTY, FaultKind.HANG)
