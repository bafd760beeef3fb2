"""Charts drawn on the server as SVG: readable without JavaScript, no inline script or style
(the site's CSP), a title and description for screen readers, and the numbers beside them in a
table. Colours are presentation attributes; text uses currentColor (dark mode)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from clinical.outcomes import Group

WIDTH = 760
LABEL_WIDTH = 300
LABEL_CHARACTERS = 38


def _label(group: Group) -> str:
    text = group.short_label or group.label
    return text if len(text) <= LABEL_CHARACTERS else text[: LABEL_CHARACTERS - 1] + "…"


ROW = 30
# Five steps from "very much improved" (dark green) to "worse" (red); distinguishable in greyscale.
IMPRESSION_COLOURS = ("#1b5e20", "#4caf50", "#a5d6a7", "#bdbdbd", "#c62828")


def _frame(
    chart_id: str, title: str, description: str, height: int, body: SafeString
) -> SafeString:
    return format_html(
        '<svg class="outcome-chart" viewBox="0 0 {} {}" width="100%" role="img" '
        'aria-labelledby="{}-title {}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        WIDTH,
        height,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        description,
        body,
    )


def event_rate_chart(chart_id: str, title: str, groups: Sequence[Group]) -> SafeString:
    """One row per group: the rate as a dot, its 95% interval as a line, on a 0–max scale."""
    shown = [group for group in groups if not group.suppressed]
    scale_max = max([5.0, *(group.event_interval[1] for group in shown)])
    plot = WIDTH - LABEL_WIDTH - 20

    def x(value: float) -> float:
        return round(LABEL_WIDTH + plot * value / scale_max, 1)

    rows = []
    for index, group in enumerate(shown):
        y = 20 + index * ROW
        low, high = group.event_interval
        rows.append(
            format_html(
                '<text x="0" y="{}" fill="currentColor" font-size="12">{}</text>'
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="currentColor" stroke-width="2"/>'
                '<circle cx="{}" cy="{}" r="5" fill="#c62828"/>',
                y + 4,
                _label(group),
                x(low),
                y,
                x(high),
                y,
                x(group.event_rate),
                y,
            )
        )
    height = 40 + len(shown) * ROW
    axis = format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="currentColor"/>'
        '<text x="{}" y="{}" fill="currentColor" font-size="12">0</text>'
        '<text x="{}" y="{}" fill="currentColor" font-size="12" text-anchor="end">{}</text>',
        LABEL_WIDTH,
        height - 18,
        WIDTH - 20,
        height - 18,
        LABEL_WIDTH,
        height - 4,
        WIDTH - 20,
        height - 4,
        f"{scale_max:.0f}",
    )
    description = "; ".join(
        f"{group.label}: {group.event_rate:.1f} ({group.event_interval[0]:.1f}–"
        f"{group.event_interval[1]:.1f})"
        for group in shown
    )
    return _frame(
        chart_id,
        title,
        description,
        height,
        format_html_join("", "{}", ((r,) for r in rows)) + axis,
    )


def impression_chart(chart_id: str, title: str, groups: Sequence[Group]) -> SafeString:
    """One 100% bar per group, split from "very much improved" to "worse"."""
    shown = [group for group in groups if not group.suppressed and group.answers >= 5]
    plot = WIDTH - LABEL_WIDTH - 20
    parts = []
    for index, group in enumerate(shown):
        y = 8 + index * ROW
        parts.append(
            format_html(
                '<text x="0" y="{}" fill="currentColor" font-size="12">{}</text>',
                y + 15,
                _label(group),
            )
        )
        left = float(LABEL_WIDTH)
        for (label, count, percent), colour in zip(
            group.impression_rows, IMPRESSION_COLOURS, strict=True
        ):
            width = plot * percent / 100
            if count:
                parts.append(
                    format_html(
                        '<rect x="{}" y="{}" width="{}" height="20" fill="{}">'
                        "<title>{}: {} ({}%)</title></rect>",
                        round(left, 1),
                        y,
                        round(width, 1),
                        colour,
                        label,
                        count,
                        f"{percent:.0f}",
                    )
                )
            left += width
    description = "; ".join(
        f"{group.label}: "
        + ", ".join(f"{label} {percent:.0f}%" for label, _count, percent in group.impression_rows)
        for group in shown
    )
    height = 16 + len(shown) * ROW
    return _frame(
        chart_id, title, description, height, format_html_join("", "{}", ((p,) for p in parts))
    )
