"""The mock's clock: real time (or any injected source), plus however far tests have moved
a namespace's clock forward (its offset, kept with the namespace's state)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta


def utc_now() -> datetime:
    return datetime.now(UTC)


# The Unix epoch: the mock keeps moments as whole microseconds since it (`micros`): exact,
# and an int is smaller than a datetime, which a book of many orders notices.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """`moment` as whole microseconds since the Unix epoch; a naive one taken as UTC, as
    `Clock` takes it (a record an earlier version kept may hold one)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // _MICROSECOND


def moment_at(microseconds: int) -> datetime:
    """The UTC moment `micros` gave."""
    return EPOCH + timedelta(microseconds=microseconds)


class Clock:
    """`source` gives the time; a naive time is taken as UTC, and an aware one is told in
    UTC, as the real API tells every moment."""

    def __init__(self, source: Callable[[], datetime] = utc_now) -> None:
        self._source = source

    def now(self, offset_seconds: float = 0.0) -> datetime:
        """The source's time, moved `offset_seconds` forward."""
        moment = self._source()
        if moment.tzinfo is not UTC:
            moment = (moment.replace(tzinfo=UTC) if moment.tzinfo is None
                      else moment.astimezone(UTC))
        return moment + timedelta(seconds=offset_seconds) if offset_seconds else moment


def paid_at_text(moment: datetime) -> str:
    """`moment` in the docs' paidAt format, `YYYY-MM-DD HH:MM:SS.mmm+HH`: not ISO 8601,
    but what the real API sends."""
    offset = moment.utcoffset() or timedelta()
    sign = "-" if offset < timedelta() else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    hours, minutes = divmod(minutes, 60)
    zone = f"{sign}{hours:02d}" + (f":{minutes:02d}" if minutes else "")
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}" + zone


def is_calendar_date(paid_at: str) -> bool:
    """Whether a paidAt in the docs' format names a day the calendar has: the schema's
    pattern bounds each field, not a month's days (2026-02-30)."""
    try:
        datetime.strptime(paid_at[:10], "%Y-%m-%d")
    except ValueError:
        return False
    return True
