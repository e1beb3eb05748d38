"""When the periodic commands run: one setting each, in Paris time (`donations.platform.schedule`).

A time is `HH:MM` (every day at that time; the January batch: every day of
January), `*:MM` (every hour at that minute) or `*/N` (every N minutes, N from 1
to 30: the alerts). Kept apart from the schedule
itself so that the settings can be read without loading the areas it runs.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class ScheduleTime(NamedTuple):
    """A time of day in Paris (`hour` None: every hour, at `minute`; `every`: every `minute` minutes)."""

    hour: int | None
    minute: int
    every: bool = False

    def __str__(self) -> str:
        if self.every:
            return f"*/{self.minute}"
        return f"{'*' if self.hour is None else f'{self.hour:02d}'}:{self.minute:02d}"


_TIME = re.compile(r"\s*(\*|\d{1,2}):(\d{2})\s*")


_EVERY = re.compile(r"\s*\*/(\d{1,2})\s*")


def parse_schedule_time(value: str) -> ScheduleTime:
    if every := _EVERY.fullmatch(value):
        if not 1 <= int(every[1]) <= 30:
            raise ValueError("expected */N with N from 1 to 30 (every N minutes)")
        return ScheduleTime(None, int(every[1]), every=True)
    match = _TIME.fullmatch(value)
    if not match:
        raise ValueError(
            "expected HH:MM (daily, Paris time), *:MM (hourly) or */N (every N minutes), such as 04:30, *:05 or */10"
        )
    hour = None if match[1] == "*" else int(match[1])
    minute = int(match[2])
    if (hour is not None and not 0 <= hour <= 23) or not 0 <= minute <= 59:
        raise ValueError("expected an hour from 00 to 23 and a minute from 00 to 59")
    return ScheduleTime(hour, minute)


# The setting of each periodic command's time, and its default. The hourly commands are spread over
# the hour; the daily ones run at night, Paris time, when few donors give.
SCHEDULE_TIMES: dict[str, str] = {
    "SCHEDULE_EXPIRE_DONATIONS": "*:05",
    "SCHEDULE_SEND_PENDING": "*:20",
    "SCHEDULE_PURGE_PERSONAL_DATA": "03:15",
    "SCHEDULE_STRIPE_RECONCILE": "04:30",
    "SCHEDULE_ANNUAL_RECEIPTS": "06:00",
    "SCHEDULE_ALERTS": "*/10",
}
