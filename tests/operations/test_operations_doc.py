"""docs/operations.md's crontab runs every scheduled command at the time beat runs it, and the docs link it."""

from __future__ import annotations

import re
from pathlib import Path

from donations.config import SETTINGS
from donations.platform.schedule import SCHEDULE, crontab_of

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "operations.md").read_text()
DEFAULTS = {setting.env: setting.default for setting in SETTINGS}


def _cron_lines() -> list[tuple[str, str]]:
    """(the five time fields, the command) of each job line of the doc's ```cron block."""
    [block] = re.findall(r"```cron\n(.*?)```", DOC, re.S)
    jobs = []
    for line in block.splitlines():
        if not line.strip() or line.startswith("#") or re.match(r"[A-Z_]+=", line):
            continue
        fields = line.split(None, 5)
        jobs.append((" ".join(fields[:5]), fields[5]))
    return jobs


def _fields(entry) -> str:  # type: ignore[no-untyped-def]
    c = crontab_of(entry, DEFAULTS)
    return " ".join(
        str(f) for f in (c._orig_minute, c._orig_hour, c._orig_day_of_month, c._orig_month_of_year, c._orig_day_of_week)
    )


def test_the_crontab_runs_every_scheduled_command_at_its_beat_time() -> None:
    jobs = _cron_lines()
    for entry in SCHEDULE:
        words = entry.command.split(" <")[0]  # "receipts annual --year <last year>": the year is computed
        matching = [when for when, command in jobs if f"flask --app wsgi {words}" in command]
        assert matching == [_fields(entry)], (entry.name, matching)
    assert len(jobs) == len(SCHEDULE)


def test_the_january_line_asks_for_last_year() -> None:
    [command] = [command for _, command in _cron_lines() if "receipts annual" in command]
    assert command.endswith(r"--year $(($(date +\%Y) - 1))")


def test_operations_is_linked_from_the_readme_and_deploy_and_links_monitoring() -> None:
    assert "docs/operations.md" in (ROOT / "README.md").read_text()
    assert "operations.md" in (ROOT / "docs" / "deploy.md").read_text()
    assert "(monitoring.md)" in DOC
    for entry in SCHEDULE:
        assert f"`{entry.setting}`" in DOC and f"`{entry.name}`" in DOC
