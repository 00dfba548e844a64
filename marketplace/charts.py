"""Bar charts as inline SVG, drawn by our server: no JavaScript and nothing from another origin.

Each chart is an image for assistive technology (role="img" with <title> and <desc>); the page
shows the same numbers in a table next to it, which is what a screen reader reads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

# site.css: --primary (8.3:1 on white) and --success (6.4:1); both far above the 3:1 that
# graphical objects need (WCAG 1.4.11).
COLOURS = ("#0a4f8a", "#1e6b30", "#7a4f00")
FONT = "font-family:inherit;font-size:12px;fill:#1b1b1b"


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float]


def axis(value: float, *, ticks: int = 4) -> tuple[float, float]:
    """The axis' top and step: a step of 1, 2 or 5 times a power of ten (whole numbers, as the
    figures are counts), about `ticks` steps up to the top."""
    if value <= 0:
        return 1, 1
    raw = value / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(s * power for s in (1, 2, 5, 10) if s * power >= raw)
    step = max(round(step), 1)
    return step * math.ceil(value / step), step


def _num(value: float) -> str:
    return number_format(value, decimal_pos=0 if float(value).is_integer() else 1, force_grouping=True)


def _frame(uid: str, title: str, description: str, width: int, height: int, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="chart" role="img" aria-labelledby="{uid}-title {uid}-desc" '
        'viewBox="0 0 {w} {h}" width="100%" preserveAspectRatio="xMinYMin meet" '
        'xmlns="http://www.w3.org/2000/svg">'
        '<title id="{uid}-title">{title}</title><desc id="{uid}-desc">{desc}</desc>{body}</svg>',
        uid=uid, w=width, h=height, title=title, desc=description, body=body)


def _legend(series: list[Series], x: float, y: float) -> SafeString:
    items = []
    for i, s in enumerate(series):
        items.append(format_html(
            '<rect x="{x}" y="{y}" width="12" height="12" fill="{c}"/>'
            '<text x="{tx}" y="{ty}" style="{f}">{name}</text>',
            x=x, y=y, c=COLOURS[i % len(COLOURS)], tx=x + 18, ty=y + 11, f=FONT, name=s.name))
        x += 24 + 8 * len(s.name)
    return mark_safe("".join(items))  # noqa: S308 - each item built by format_html


def column_chart(*, ident: str, title: str, description: str, labels: list[str], series: list[Series]) -> SafeString:
    """Grouped vertical bars, one group per label (e.g. per month)."""
    width, height = 720, 300
    left, right, top, bottom = 48, 8, 36, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value, step = axis(max((v for s in series for v in s.values), default=0))
    parts = [_legend(series, left, 8)]
    # Grid lines with their values.
    for i in range(round(top_value / step) + 1):
        value = step * i
        y = top + plot_h - plot_h * value / top_value
        parts.append(format_html(
            '<line x1="{x1}" x2="{x2}" y1="{y}" y2="{y}" stroke="#c9ced3" stroke-width="1"/>'
            '<text x="{tx}" y="{ty}" text-anchor="end" style="{f}">{v}</text>',
            x1=left, x2=width - right, y=round(y, 1), tx=left - 6, ty=round(y + 4, 1), f=FONT, v=_num(value)))
    n = max(len(labels), 1)
    group_w = plot_w / n
    bar_w = group_w * 0.8 / max(len(series), 1)
    # Every label when there is room, else every second or third one.
    every = max(1, math.ceil(n * 40 / plot_w))
    for g, label in enumerate(labels):
        x0 = left + g * group_w + group_w * 0.1
        for i, s in enumerate(series):
            value = s.values[g]
            h = plot_h * value / top_value
            parts.append(format_html(
                '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{c}"/>',
                x=round(x0 + i * bar_w, 1), y=round(top + plot_h - h, 1), w=round(max(bar_w - 1, 1), 1),
                h=round(h, 1), c=COLOURS[i % len(COLOURS)]))
        if g % every == 0:
            parts.append(format_html('<text x="{x}" y="{y}" text-anchor="middle" style="{f}">{label}</text>',
                                     x=round(left + g * group_w + group_w / 2, 1), y=height - bottom + 16,
                                     f=FONT, label=label))
    parts.append(format_html('<line x1="{x}" x2="{x2}" y1="{y}" y2="{y}" stroke="#6b6b6b" stroke-width="1"/>',
                             x=left, x2=width - right, y=top + plot_h))
    return _frame(ident, title, description, width, height, mark_safe("".join(parts)))  # noqa: S308


def bar_chart(*, ident: str, title: str, description: str, labels: list[str], series: list[Series]) -> SafeString:
    """Grouped horizontal bars, one group per label (e.g. per category, whose names are long)."""
    width, label_w, right = 720, 180, 56
    row_h = 10 + 14 * len(series)
    top = 36
    height = top + row_h * max(len(labels), 1) + 8
    plot_w = width - label_w - right
    top_value, _step = axis(max((v for s in series for v in s.values), default=0))
    parts = [_legend(series, label_w, 8)]
    for g, label in enumerate(labels):
        y0 = top + g * row_h
        parts.append(format_html('<text x="{x}" y="{y}" text-anchor="end" style="{f}">{label}</text>',
                                 x=label_w - 8, y=y0 + row_h / 2 + 4, f=FONT, label=_truncate(label, 26)))
        for i, s in enumerate(series):
            value = s.values[g]
            w = plot_w * value / top_value
            y = y0 + 5 + i * 14
            parts.append(format_html(
                '<rect x="{x}" y="{y}" width="{w}" height="12" fill="{c}"/>'
                '<text x="{tx}" y="{ty}" style="{f}">{v}</text>',
                x=label_w, y=y, w=round(w, 1), c=COLOURS[i % len(COLOURS)], tx=round(label_w + w + 4, 1),
                ty=y + 10, f=FONT, v=_num(value)))
    parts.append(format_html('<line x1="{x}" x2="{x}" y1="{y1}" y2="{y2}" stroke="#6b6b6b" stroke-width="1"/>',
                             x=label_w, y1=top, y2=height - 8))
    return _frame(ident, title, description, width, height, mark_safe("".join(parts)))  # noqa: S308


def _truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"

