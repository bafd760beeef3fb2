"""Charts drawn on the server as inline SVG: no JavaScript, nothing for the CSP to allow.

Colours are presentation attributes (`fill="…"`), never `style=""`, which the CSP's
`style-src 'self'` would block. Every chart is `role="img"` with a `<title>` and a `<desc>` that
say what it shows in words; the table beside it holds every number, so nobody needs the picture.
Text is escaped here because the result is marked safe for the template.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import count

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_ids = count(1)

BAR = "#2f6f8f"
AXIS = "#495057"
# From pale to dark blue: darker is busier. The legend names the steps.
HEAT_STEPS = ("#f1f5f9", "#d0e2ee", "#9ec5dc", "#5d9bc2", "#2f6f8f", "#1b4560")
NO_OPEN_TIME = "#ffffff"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as a person reads it ("72%", "€1,200")


def bar_chart(
    *, title: str, description: str, bars: Sequence[Bar], maximum: float | None = None
) -> SafeString:
    """Vertical bars, one per label (weeks), with the value above each bar."""
    chart_id = f"chart-{next(_ids)}"
    width_per_bar, gap, height, top, bottom, left = 44, 10, 180, 22, 44, 8
    width = left + max(1, len(bars)) * (width_per_bar + gap)
    peak = maximum or max((bar.value for bar in bars), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="report-chart" '
        f'viewBox="0 0 {width} {height + top + bottom}" width="{width}" '
        f'height="{height + top + bottom}" '
        f'aria-labelledby="{chart_id}-t" aria-describedby="{chart_id}-d">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
        f'<line x1="{left}" y1="{top + height}" x2="{width}" y2="{top + height}" '
        f'stroke="{AXIS}" stroke-width="1"/>',
    ]
    for index, bar in enumerate(bars):
        x = left + index * (width_per_bar + gap)
        bar_height = round(max(0.0, min(bar.value, peak)) / peak * height, 1)
        y = top + height - bar_height
        parts.append(
            f'<rect x="{x}" y="{y}" width="{width_per_bar}" height="{bar_height}" fill="{BAR}">'
            f"<title>{escape(bar.label)}: {escape(bar.text)}</title></rect>"
        )
        parts.append(
            f'<text x="{x + width_per_bar / 2}" y="{y - 5}" font-size="11" '
            f'text-anchor="middle" fill="{AXIS}">{escape(bar.text)}</text>'
        )
        parts.append(
            f'<text x="{x + width_per_bar / 2}" y="{top + height + 16}" font-size="10" '
            f'text-anchor="middle" fill="{AXIS}">{escape(bar.label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def heat_colour(share: float | None) -> str:
    if share is None:
        return NO_OPEN_TIME
    step = min(len(HEAT_STEPS) - 1, int(share * (len(HEAT_STEPS) - 1) + 0.5))
    return HEAT_STEPS[step]


def heat_map(
    *,
    title: str,
    description: str,
    rows: Sequence[str],
    columns: Sequence[str],
    shares: Sequence[Sequence[float | None]],
    cell_text: Callable[[int, int], str],
) -> SafeString:
    """A grid of cells (rows: weekdays, columns: hours) shaded by share (0–1, None: closed)."""
    chart_id = f"chart-{next(_ids)}"
    cell_w, cell_h, left, top = 30, 24, 92, 22
    width = left + cell_w * len(columns)
    height = top + cell_h * len(rows)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="report-chart" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{chart_id}-t" aria-describedby="{chart_id}-d">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]
    for column, label in enumerate(columns):
        parts.append(
            f'<text x="{left + column * cell_w + cell_w / 2}" y="{top - 6}" font-size="10" '
            f'text-anchor="middle" fill="{AXIS}">{escape(label)}</text>'
        )
    for row, label in enumerate(rows):
        y = top + row * cell_h
        parts.append(
            f'<text x="{left - 6}" y="{y + cell_h / 2 + 4}" font-size="11" text-anchor="end" '
            f'fill="{AXIS}">{escape(label)}</text>'
        )
        for column in range(len(columns)):
            share = shares[row][column]
            parts.append(
                f'<rect x="{left + column * cell_w}" y="{y}" width="{cell_w - 2}" '
                f'height="{cell_h - 2}" fill="{heat_colour(share)}" stroke="#dee2e6">'
                f"<title>{escape(label)} {escape(columns[column])}: "
                f"{escape(cell_text(row, column))}</title></rect>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))
