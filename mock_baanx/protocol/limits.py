"""The sizes and waits the mock accepts from a request, shared by every transport."""

from __future__ import annotations

MAX_BODY_BYTES = 1024 * 1024
# Below what `serve`'s HTTP server refuses by itself (a 64 KB request target, 100 header
# fields, a head of about 400 KB), so that the mock answers these refusals with its JSON
# body through every door.
MAX_TARGET_BYTES = 32 * 1024
MAX_HEADER_FIELDS = 64
MAX_HEAD_BYTES = 256 * 1024
# An injected delay longer than this is a typo, and would hold a server thread hostage.
MAX_DELAY_MS = 60_000


def body_size_text(size: int = MAX_BODY_BYTES) -> str:
    """`size` as people write it: "1 MiB"."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} bytes"


def body_to_read(declared_length: int | None, chunked: bool) -> bool:
    """Whether an adapter must read a request's body: one announced from 1 byte up to the
    limit, or one that comes chunked (read only just past the limit). No length and no
    chunks, or `Content-Length: 0`, mean no body; a length past the limit is refused
    (413) unread, since its sender may be slow to send what would be thrown away."""
    if declared_length is None:
        return chunked
    return 0 < declared_length <= MAX_BODY_BYTES
