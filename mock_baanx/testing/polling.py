"""Judging how a client polled an order, against the docs' guidance: every 3 s, at most
40 times, stop at a final status. No generic mock can tell a user this."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from ..core import FINAL_STATUSES


@dataclass(frozen=True, slots=True)
class PollingVerdict:
    polls: int
    shortest_interval: float | None
    polls_after_final: int
    problems: tuple[str, ...]


def judge_polling(order: dict[str, Any], *, min_interval: float = 3.0, max_polls: int = 40,
                  tolerance: float = 0.05) -> PollingVerdict:
    """`order` is the control API's view of an order (`GET /__mock/orders/{orderId}`);
    intervals are judged on the poll times it keeps (the most recent 1,000).

    `tolerance` (seconds) forgives timer jitter in the client's sleeps.
    """
    times = [datetime.fromisoformat(moment) for moment in order["pollTimes"]]
    intervals = [(later - earlier).total_seconds() for earlier, later in pairwise(times)]
    shortest = min(intervals) if intervals else None
    problems = []
    if shortest is not None and shortest < min_interval - tolerance:
        fast = sum(1 for interval in intervals if interval < min_interval - tolerance)
        problems.append(f"{fast} poll(s) came sooner than {min_interval:g} s after the one "
                        f"before (shortest gap {shortest:.3f} s)")
    polls = int(order["pollCount"])
    if polls > max_polls:
        problems.append(f"polled {polls} times, more than {max_polls}")
    after_final = 0
    final = [change for change in order["history"] if change["status"] in FINAL_STATUSES]
    if final:
        # The order had answered `afterPolls` polls when it became final; the next poll
        # saw the final status, and any poll after that one was waste. Counting polls, not
        # comparing times, stays right when two polls share a clock tick.
        after_final = max(0, polls - final[0]["afterPolls"] - 1)
        if after_final:
            problems.append(f"kept polling {after_final} more time(s) after seeing "
                            f"{final[0]['status']}")
    return PollingVerdict(polls=polls, shortest_interval=shortest,
                          polls_after_final=after_final, problems=tuple(problems))
