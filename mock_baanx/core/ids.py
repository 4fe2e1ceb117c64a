"""Where the mock's ids come from. Injected, so that tests can seed it and get the same
ids on every run."""

from __future__ import annotations

import random
import secrets

_URL_SAFE = "abcdefghijklmnopqrstuvwxyz0123456789"
# Daimo payment ids are base58: no 0, O, I or l.
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_HEX = "0123456789abcdef"


class IdSource:
    """Opaque, unique, URL-safe ids in the shapes the real API and Daimo Pay use."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng if rng is not None else secrets.SystemRandom()

    def _text(self, alphabet: str, length: int) -> str:
        # One draw of random bits per id, spelled out in the alphabet: far cheaper than a
        # draw per character from the system's random source.
        base = len(alphabet)
        number = self._rng.getrandbits(length * base.bit_length())
        characters = []
        for _ in range(length):
            number, digit = divmod(number, base)
            characters.append(alphabet[digit])
        return "".join(characters)

    def order_id(self) -> str:
        return "ord_" + self._text(_URL_SAFE, 24)

    def request_id(self) -> str:
        return "payment_" + self._text(_URL_SAFE, 24)

    def payment_id(self) -> str:
        return self._text(_BASE58, 44)

    def tx_hash(self) -> str:
        return "0x" + self._text(_HEX, 64)


def seeded_ids(seed: int) -> IdSource:
    """The same ids in the same order on every run: for tests."""
    return IdSource(random.Random(seed))
