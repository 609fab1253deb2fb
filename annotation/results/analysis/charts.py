"""Server-side SVG charts: readable without JavaScript, escaped like any other page text."""

from __future__ import annotations

import math
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from annotation.results.analysis.metrics import Estimate

COLOURS = ("#98a2b3", "#c8102e", "#1f5fbf", "#137333", "#a15c00")
WIDTH, ROW, LEFT, RIGHT = 560, 34, 150, 150


def _fmt(value: float, percent: bool) -> str:
    return f"{value:.0%}" if percent else f"{value:.2f}" if abs(value) < 10 else f"{value:.0f}"


def bar_chart(title: str, estimates: Sequence[Estimate], *, percent: bool = False) -> SafeString:
    """Horizontal bars per arm, with the 95% interval as a whisker."""
    if not estimates:
        return mark_safe("")
    # An estimate may have no interval (an arm with one contractor): its value still sets the scale.
    ends = [v for e in estimates for v in (e.value, e.high) if not math.isnan(v)]
    top = max([*ends, 1e-9])
    top = 1.0 if percent and top <= 1 else top * 1.1
    height = 30 + ROW * len(estimates)
    span = WIDTH - LEFT - RIGHT

    def x(value: float) -> float:
        return LEFT + span * max(0.0, min(value, top)) / top

    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<text x="0" y="14" class="chart-title">{escape(title)}</text>',
    ]
    for n, e in enumerate(estimates):
        y = 24 + n * ROW
        colour = COLOURS[n % len(COLOURS)]
        parts.append(f'<text x="{LEFT - 8}" y="{y + 17}" text-anchor="end" class="chart-label">{escape(e.arm)}</text>')
        if not math.isnan(e.value):
            parts.append(
                f'<rect x="{LEFT}" y="{y + 4}" width="{x(e.value) - LEFT:.1f}" height="18" fill="{colour}" rx="2"/>'
            )
        if not (math.isnan(e.low) or math.isnan(e.high)):
            parts.append(
                f'<line x1="{x(e.low):.1f}" x2="{x(e.high):.1f}" y1="{y + 13}" y2="{y + 13}" '
                'stroke="#1d2330" stroke-width="1.5"/>'
                f'<line x1="{x(e.low):.1f}" x2="{x(e.low):.1f}" y1="{y + 8}" y2="{y + 18}" stroke="#1d2330"/>'
                f'<line x1="{x(e.high):.1f}" x2="{x(e.high):.1f}" y1="{y + 8}" y2="{y + 18}" stroke="#1d2330"/>'
            )
        if math.isnan(e.value):
            continue
        interval = math.isnan(e.low) or math.isnan(e.high)
        label = _fmt(e.value, percent) + (
            " (no interval)" if interval else f" [{_fmt(e.low, percent)}, {_fmt(e.high, percent)}]"
        )
        end = e.value if interval else e.high
        parts.append(f'<text x="{x(end) + 6:.1f}" y="{y + 17}" class="chart-value">{escape(label)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text node above is escaped


def histogram(title: str, samples: dict[str, list[float]], *, bins: int = 12) -> SafeString:
    """Small multiples: one histogram row per arm on a shared axis."""
    values = [v for vs in samples.values() for v in vs]
    if not values:
        return mark_safe("")
    high = max(values) or 1.0
    step = high / bins
    height = 30 + 50 * len(samples) + 16
    span = WIDTH - LEFT - RIGHT
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<text x="0" y="14" class="chart-title">{escape(title)}</text>',
    ]
    for n, (arm, vs) in enumerate(samples.items()):
        counts = [0] * bins
        for v in vs:
            counts[min(bins - 1, int(v / step))] += 1
        peak = max(counts) or 1
        y = 24 + n * 50
        parts.append(f'<text x="{LEFT - 8}" y="{y + 30}" text-anchor="end" class="chart-label">{escape(arm)}</text>')
        for b, count in enumerate(counts):
            h = 40 * count / peak
            parts.append(
                f'<rect x="{LEFT + b * span / bins:.1f}" y="{y + 40 - h:.1f}" width="{span / bins - 2:.1f}" '
                f'height="{h:.1f}" fill="{COLOURS[n % len(COLOURS)]}"><title>{count} tasks</title></rect>'
            )
    axis_y = 24 + 50 * len(samples) + 10
    parts.append(f'<text x="{LEFT}" y="{axis_y}" class="chart-value">0 s</text>')
    parts.append(f'<text x="{LEFT + span}" y="{axis_y}" text-anchor="end" class="chart-value">{high:.0f} s</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text node above is escaped
