"""Where the mock's ids come from. Injected, so that tests can seed it and get the same
ids on every run."""

from __future__ import annotations

import random
import secrets

_URL_SAFE = "abcdefghijklmnopqrstuvwxyz0123456789"
# Daimo payment ids are base58: no 0, O, I or l.
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_HEX = "0123456789abcdef"


def _byte_table(alphabet: str) -> bytes:
    """For bytes.translate: each byte value to a character of `alphabet` (value modulo its
    length; the first few characters come a little more often, which an opaque id does
    not mind)."""
    return bytes(ord(alphabet[value % len(alphabet)]) for value in range(256))


class IdSource:
    """Opaque, unique, URL-safe ids in the shapes the real API and Daimo Pay use."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng if rng is not None else secrets.SystemRandom()

    def _text(self, table: bytes, length: int) -> str:
        # One draw of random bytes per id, mapped in C: a draw or a division per character
        # cost more than the rest of creating an order.
        return self._rng.randbytes(length).translate(table).decode("ascii")

    def order_id(self) -> str:
        return "ord_" + self._text(_URL_SAFE_BYTES, 24)

    def request_id(self) -> str:
        return "payment_" + self._text(_URL_SAFE_BYTES, 24)

    def payment_id(self) -> str:
        return self._text(_BASE58_BYTES, 44)

    def tx_hash(self) -> str:
        return "0x" + self._text(_HEX_BYTES, 64)


_URL_SAFE_BYTES = _byte_table(_URL_SAFE)
_BASE58_BYTES = _byte_table(_BASE58)
_HEX_BYTES = _byte_table(_HEX)


def seeded_ids(seed: int) -> IdSource:
    """The same ids in the same order on every run: for tests."""
    return IdSource(random.Random(seed))
