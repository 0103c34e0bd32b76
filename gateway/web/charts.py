"""Small server-side SVG charts (图表) for the console: no script, no external library, readable
without colour (every bar carries its value as text) and described for screen readers."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

BAR = "#8b0d12"


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    unit: str = "",
    width: int = 640,
    bar_height: int = 18,
    max_value: float | None = None,
) -> Markup:
    """Horizontal bars, one per ``(label, value)``, with the value written after each bar."""
    label_w, value_w, gap = 220, 70, 6
    top = max_value if max_value is not None else max((v for _, v in items), default=0) or 1
    height = max(1, len(items)) * (bar_height + gap) + gap
    span = width - label_w - value_w
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} '
        f'{height}" width="100%" preserveAspectRatio="xMinYMin meet"><title>{escape(title)}</title>'
    ]
    for n, (label, value) in enumerate(items):
        y = gap + n * (bar_height + gap)
        w = 0 if top <= 0 else max(0.0, min(1.0, value / top)) * span
        text = f"{value:.1f}{unit}" if unit == "%" else f"{value:g}{unit}"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_height - 5}" text-anchor="end">'
            f"{escape(label[:18])}</text>"
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{BAR}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar_height - 5}">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(
    items: Sequence[tuple[str, int]], *, title: str, width: int = 640, height: int = 200
) -> Markup:
    """Vertical columns over time (e.g. records published per week), values above columns."""
    bottom, top_pad = 30, 18
    count = max(1, len(items))
    step = width / count
    peak = max((v for _, v in items), default=0) or 1
    usable = height - bottom - top_pad
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} '
        f'{height}" width="100%" preserveAspectRatio="xMinYMin meet"><title>{escape(title)}</title>'
    ]
    for n, (label, value) in enumerate(items):
        h = value / peak * usable
        x = n * step + step * 0.15
        y = height - bottom - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" '
            f'fill="{BAR}"/>'
            f'<text x="{x + step * 0.35:.1f}" y="{y - 4:.1f}" text-anchor="middle">{value}</text>'
            f'<text x="{x + step * 0.35:.1f}" y="{height - 12}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
