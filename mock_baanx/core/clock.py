"""The mock's clock: real time (or any injected source) plus however far tests have
travelled forward."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta


def utc_now() -> datetime:
    return datetime.now(UTC)


class Clock:
    def __init__(self, source: Callable[[], datetime] = utc_now) -> None:
        self._source = source
        self._offset = timedelta()

    def now(self) -> datetime:
        return self._source() + self._offset

    @property
    def offset_seconds(self) -> float:
        return self._offset.total_seconds()

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the mock's clock only moves forward")
        self._offset += timedelta(seconds=seconds)

    def reset(self) -> None:
        self._offset = timedelta()


def paid_at_text(moment: datetime) -> str:
    """`moment` in the docs' paidAt format, `YYYY-MM-DD HH:MM:SS.mmm+HH`: not ISO 8601,
    but what the real API sends."""
    offset = moment.utcoffset() or timedelta()
    sign = "-" if offset < timedelta() else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    hours, minutes = divmod(minutes, 60)
    zone = f"{sign}{hours:02d}" + (f":{minutes:02d}" if minutes else "")
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}" + zone
