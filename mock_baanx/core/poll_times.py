"""The moments of an order's most recent polls.

A client that never stops polling cannot make the mock grow without bound: an order keeps
the moments of its POLL_TIMES_KEPT most recent polls. They are immutable, as the order is;
kept as a tuple, one more poll would copy every moment kept (a thousand, for an order polled
that often, which costs a poll more than the rest of its work). Kept in blocks, one more
poll copies its block and the list of blocks, never the moments of the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import chain, islice
from typing import overload

POLL_TIMES_KEPT = 1000
BLOCK = 32


class PollTimes(Sequence[datetime]):
    """Moments, oldest first, at most POLL_TIMES_KEPT of them. Equal to a tuple of the same
    moments, and hashed as one."""

    __slots__ = ("blocks", "length", "skipped", "tail")

    def __init__(self, moments: Iterable[datetime] = ()) -> None:
        kept = tuple(moments)[-POLL_TIMES_KEPT:]
        whole = len(kept) - len(kept) % BLOCK
        # Full blocks, oldest first; the first may begin with `skipped` moments past the
        # bound, left there until the whole block is.
        self.blocks = tuple(kept[start:start + BLOCK] for start in range(0, whole, BLOCK))
        self.tail = kept[whole:]
        self.skipped = 0
        self.length = len(kept)

    def then(self, moment: datetime) -> PollTimes:
        """These moments and `moment` after them; past the bound, without the oldest."""
        following = PollTimes.__new__(PollTimes)
        blocks, tail, skipped = self.blocks, (*self.tail, moment), self.skipped
        if len(tail) == BLOCK:
            blocks, tail = (*blocks, tail), ()
        length = self.length + 1
        if length > POLL_TIMES_KEPT:
            length -= 1
            if not blocks:
                tail = tail[1:]
            elif skipped + 1 == BLOCK:
                blocks, skipped = blocks[1:], 0
            else:
                skipped += 1
        following.blocks, following.tail = blocks, tail
        following.skipped, following.length = skipped, length
        return following

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[datetime]:
        return islice(chain(*self.blocks, self.tail), self.skipped, None)

    @overload
    def __getitem__(self, index: int) -> datetime: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[datetime, ...]: ...

    def __getitem__(self, index: int | slice) -> datetime | tuple[datetime, ...]:
        if isinstance(index, slice):
            return tuple(self)[index]
        if index < 0:
            index += self.length
        if not 0 <= index < self.length:
            raise IndexError("poll time index out of range")
        position = index + self.skipped
        block, offset = divmod(position, BLOCK)
        if block < len(self.blocks):
            return self.blocks[block][offset]
        return self.tail[position - len(self.blocks) * BLOCK]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PollTimes | tuple):
            return len(self) == len(other) and tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"PollTimes({tuple(self)!r})"

    def __reduce__(self) -> tuple[type[PollTimes], tuple[tuple[datetime, ...]]]:
        # Pickled as the moments it holds, whatever the protocol.
        return PollTimes, (tuple(self),)
