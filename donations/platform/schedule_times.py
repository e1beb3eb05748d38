"""When the periodic commands run: one setting each, in Paris time (`donations.platform.schedule`).

A time is `HH:MM` (every day at that time; the January batch: every day of
January) or `*:MM` (every hour at that minute). Kept apart from the schedule
itself so that the settings can be read without loading the areas it runs.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class ScheduleTime(NamedTuple):
    """A time of day in Paris (`hour` None: every hour, at `minute`)."""

    hour: int | None
    minute: int

    def __str__(self) -> str:
        return f"{'*' if self.hour is None else f'{self.hour:02d}'}:{self.minute:02d}"


_TIME = re.compile(r"\s*(\*|\d{1,2}):(\d{2})\s*")


def parse_schedule_time(value: str) -> ScheduleTime:
    match = _TIME.fullmatch(value)
    if not match:
        raise ValueError("expected HH:MM (daily, Paris time) or *:MM (hourly), such as 04:30 or *:05")
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
}
