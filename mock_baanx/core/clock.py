"""The mock's clock: real time (or any injected source), plus however far tests have moved
a namespace's clock forward (its offset, kept with the namespace's state)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta


def utc_now() -> datetime:
    return datetime.now(UTC)


class Clock:
    def __init__(self, source: Callable[[], datetime] = utc_now) -> None:
        self._source = source

    def now(self, offset_seconds: float = 0.0) -> datetime:
        """The source's time, moved `offset_seconds` forward."""
        return self._source() + timedelta(seconds=offset_seconds)


def paid_at_text(moment: datetime) -> str:
    """`moment` in the docs' paidAt format, `YYYY-MM-DD HH:MM:SS.mmm+HH`: not ISO 8601,
    but what the real API sends."""
    offset = moment.utcoffset() or timedelta()
    sign = "-" if offset < timedelta() else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    hours, minutes = divmod(minutes, 60)
    zone = f"{sign}{hours:02d}" + (f":{minutes:02d}" if minutes else "")
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}" + zone
