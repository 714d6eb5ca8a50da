"""Geometry for the dashboard's server-rendered SVG charts (no charting library needed).

Functions here turn numbers into coordinates; the templates in templates/dashboard/
draw them. Every chart also has a title, a text description and a data table, so the
numbers never depend on seeing the picture or telling colours apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Dark blue on white: 8.6:1, above the 3:1 WCAG asks of graphics and the 4.5:1 of text.
BAR_FILL = "#1d4f7a"
# Grid lines only guide the eye; the values are written on every bar.
GRID_STROKE = "#6b6b6b"
TEXT_FILL = "#1b1b1b"


def nice_ceiling(value: float) -> int:
    """The smallest 1, 2 or 5 times a power of ten at or above `value` (at least 1)."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return int(step * magnitude)
    return int(10 * magnitude)  # pragma: no cover - the loop always returns


def tick_steps(ceiling: int) -> int:
    """How many equal, whole-number steps divide a nice ceiling (1, 2 or 5 times 10^n)."""
    if ceiling < 10:
        return ceiling if ceiling <= 5 else 5
    leading = ceiling // 10 ** math.floor(math.log10(ceiling))
    return 4 if leading == 2 else 5


@dataclass(frozen=True)
class Bar:
    """One bar of a horizontal bar chart, in SVG user units."""

    label: str
    value: float
    text: str  # the value as shown, e.g. "1,234" or "45%"
    y: float
    width: float


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart: one labelled bar per row, the value written beside it."""

    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_height: int
    plot_width: int


def bar_chart(
    items: list[tuple[str, float, str]],
    width: int = 640,
    label_width: int = 200,
    bar_height: int = 24,
    gap: int = 10,
) -> BarChart:
    """Lay out (label, value, text) rows as horizontal bars scaled to the largest value."""
    # Room on the right for the written value.
    plot_width = width - label_width - 80
    largest = max((value for _, value, _ in items), default=0) or 1
    bars = [
        Bar(label, value, text, gap + index * (bar_height + gap), plot_width * value / largest)
        for index, (label, value, text) in enumerate(items)
    ]
    height = gap + len(items) * (bar_height + gap)
    return BarChart(
        bars, width, max(height, bar_height + 2 * gap), label_width, bar_height, plot_width
    )


@dataclass(frozen=True)
class Column:
    """One column of a column chart, in SVG user units."""

    label: str
    value: int
    x: float
    y: float
    height: float
    show_label: bool


@dataclass(frozen=True)
class Tick:
    """A horizontal grid line with its value."""

    value: int
    y: float


@dataclass(frozen=True)
class ColumnChart:
    """A vertical column chart over time (one series), with a value axis."""

    columns: list[Column]
    ticks: list[Tick]
    width: int
    height: int
    left: int
    top: int
    plot_height: int
    column_width: float


def column_chart(
    items: list[tuple[str, int]],
    width: int = 640,
    height: int = 220,
    left: int = 56,
    top: int = 12,
    bottom: int = 40,
    max_labels: int = 8,
) -> ColumnChart:
    """Lay out (label, value) pairs as columns; only every few labels are written."""
    plot_width = width - left - 12
    plot_height = height - top - bottom
    ceiling = nice_ceiling(max((value for _, value in items), default=0))
    slot = plot_width / max(len(items), 1)
    column_width = max(slot * 0.7, 1.0)
    every = max(1, math.ceil(len(items) / max_labels))
    columns = []
    for index, (label, value) in enumerate(items):
        bar = plot_height * value / ceiling
        columns.append(
            Column(
                label,
                value,
                left + index * slot + (slot - column_width) / 2,
                top + plot_height - bar,
                bar,
                index % every == 0,
            )
        )
    steps = tick_steps(ceiling)
    ticks = [
        Tick(ceiling * step // steps, top + plot_height - plot_height * step / steps)
        for step in range(steps + 1)
    ]
    return ColumnChart(columns, ticks, width, height, left, top, plot_height, column_width)
