"""Where the mock's ids come from: random, or derived from a seed.

A seeded source derives every id from the seed, the namespace, and the order's number in
that namespace, rather than from a random generator's state: the same seed gives the same
ids per namespace on every run, whatever other namespaces do meanwhile, and however many
processes share the state (each asks the store for the next number).
"""

from __future__ import annotations

import hashlib
import random

_URL_SAFE = "abcdefghijklmnopqrstuvwxyz0123456789"
# Daimo payment ids are base58: no 0, O, I or l.
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_HEX = "0123456789abcdef"


def _byte_table(alphabet: str) -> bytes:
    """For bytes.translate: each byte value to a character of `alphabet` (value modulo its
    length; the first few characters come a little more often, which an opaque id does
    not mind)."""
    return bytes(ord(alphabet[value % len(alphabet)]) for value in range(256))


_URL_SAFE_BYTES = _byte_table(_URL_SAFE)
_BASE58_BYTES = _byte_table(_BASE58)
_HEX_BYTES = _byte_table(_HEX)


class IdSource:
    """Opaque, unique, URL-safe ids in the shapes the real API and Daimo Pay use, drawn at
    random. `namespace` and `number` (the order's number in its namespace) say which order
    an id is for; a random source ignores them."""

    seed: int | None = None

    def __init__(self) -> None:
        # Seeded from the system's randomness once; then each id is a draw in memory rather
        # than a system call. An opaque id needs to be unique, not a secret.
        self._random = random.Random()

    def _bytes(self, length: int, namespace: str, number: int, kind: str) -> bytes:
        # One draw of random bytes per id, mapped in C: a draw or a division per character
        # cost more than the rest of creating an order.
        return self._random.randbytes(length)

    def _text(self, table: bytes, length: int, namespace: str, number: int, kind: str) -> str:
        return self._bytes(length, namespace, number, kind).translate(table).decode("ascii")

    def order_id(self, namespace: str, number: int) -> str:
        return "ord_" + self._text(_URL_SAFE_BYTES, 24, namespace, number, "order")

    def request_id(self, order_id: str) -> str:
        """The request id of the order `order_id`: derived from it (`request_id_of`)."""
        return request_id_of(order_id)

    def payment_id(self, namespace: str, number: int) -> str:
        return self._text(_BASE58_BYTES, 44, namespace, number, "payment")

    def tx_hash(self, namespace: str, number: int) -> str:
        return "0x" + self._text(_HEX_BYTES, 64, namespace, number, "tx")


def request_id_of(order_id: str) -> str:
    """The request id that goes with `order_id`: derived from it rather than drawn, so that
    a store of many orders may keep one id per order and derive the other (the memory
    store's compact form and the stores' records do). As opaque and as unique as the order
    id it comes from, and as repeatable when that one is seeded."""
    hasher = _REQUEST_ID_HASHER.copy()
    hasher.update(order_id.encode())
    return "payment_" + hasher.digest().translate(_URL_SAFE_BYTES).decode("ascii")


# Copied for each id: setting up a personalised hasher from its arguments costs a third more.
_REQUEST_ID_HASHER = hashlib.blake2b(digest_size=24, person=b"request id")


class SeededIds(IdSource):
    """The same ids for the same (seed, namespace, order number) on every run."""

    def __init__(self, seed: int) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"a seed is a whole number from 0, not {seed!r}")
        super().__init__()
        self.seed = seed

    def _bytes(self, length: int, namespace: str, number: int, kind: str) -> bytes:
        return hashlib.blake2b(f"{self.seed}\0{namespace}\0{number}\0{kind}".encode(),
                               digest_size=length).digest()


def seeded_ids(seed: int) -> IdSource:
    """The same ids in the same order on every run: for tests."""
    return SeededIds(seed)
