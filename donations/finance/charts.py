"""Bar charts drawn on the server: the geometry of an SVG for a report, so a template only writes it.

No script runs in the page: the SVG is plain markup, with a title and a
description for screen readers and the figures in a table beside it.
Series are told apart by shade and by a pattern-free legend that names each.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from donations.finance.reports import Report

WIDTH, HEIGHT = 720, 240
LEFT, BOTTOM, TOP = 64, 40, 12


@dataclass(frozen=True)
class Bar:
    series: int
    x: int
    y: int
    width: int
    height: int
    value: int
    month: dt.date


@dataclass(frozen=True)
class Tick:
    y: int
    value: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    base: int  # the y of the horizontal axis
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    months: tuple[tuple[dt.date, int], ...]  # each month and the x of its label


def _nice_top(value: int) -> int:
    """A round top for the axis at or above `value` (1, 2 or 5 times a power of ten)."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def bar_chart(report: Report) -> Chart:
    """The bars of a report: one group (or one stack) per month, scaled to a round top."""
    charted = len(report.charted_series)
    if report.stacked:
        peak = max((sum(values[:charted]) for _, values in report.rows), default=0)
    else:
        peak = max((max(values[:charted]) for _, values in report.rows), default=0)
    # Counts are whole: a top of at least 4 keeps the four grid steps whole numbers.
    top = _nice_top(peak) if report.money else max(_nice_top(peak), 4)
    if not report.money and top % 4:
        top += 4 - top % 4
    plot = HEIGHT - BOTTOM - TOP
    base = HEIGHT - BOTTOM
    slot = (WIDTH - LEFT) // len(report.rows)
    group = slot - 8
    bars: list[Bar] = []
    months = []
    for i, (month, values) in enumerate(report.rows):
        x0 = LEFT + i * slot + 4
        months.append((month, x0 + group // 2))
        stacked_at = base
        for s in range(charted):
            height = round(values[s] * plot / top)
            if report.stacked:
                stacked_at -= height
                bars.append(Bar(s, x0, stacked_at, group, height, values[s], month))
            else:
                width = group // charted
                bars.append(Bar(s, x0 + s * width, base - height, max(width - 1, 1), height, values[s], month))
    ticks = tuple(Tick(base - round(plot * k / 4), top * k // 4) for k in range(5))
    return Chart(WIDTH, HEIGHT, LEFT, base, tuple(bars), ticks, tuple(months))
