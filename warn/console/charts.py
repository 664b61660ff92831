"""Small charts drawn as inline SVG on the server: no chart library, nothing to download,
nothing for a Content-Security-Policy to block. Sizes are in viewBox units; the page's
CSS scales them. Every text that goes into a chart is escaped."""

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

W = 640  # viewBox width of every chart


@dataclass(frozen=True)
class Series:
    name: str
    color: str
    values: Sequence[float]


def _svg(height: int, title: str, body: list[str]) -> Markup:
    label = escape(title)
    return Markup(f'<svg class="chart" viewBox="0 0 {W} {height}" role="img" '
                  f'aria-label="{label}"><title>{label}</title>{"".join(body)}</svg>')


def _text(x: float, y: float, text: object, cls: str = "", anchor: str = "start") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" class="{cls}" text-anchor="{anchor}">'
            f"{escape(str(text))}</text>")


def _rect(x: float, y: float, w: float, h: float, color: str, tip: str) -> str:
    return (f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" '
            f'fill="{escape(color)}"><title>{escape(tip)}</title></rect>')


def _legend(series: Sequence[tuple[str, str]], y: float) -> list[str]:
    parts, x = [], 8.0
    for name, color in series:
        parts += [_rect(x, y - 9, 10, 10, color, name), _text(x + 14, y, name, "legend")]
        x += 26 + 13 * len(name)
    return parts


def _nice_max(value: float) -> float:
    """An axis top at or above `value` whose four gridlines fall on round whole numbers:
    a step of 1, 2, 3 or 5, or of 10, 15, 20, 25, 30, 50 and so on."""
    wanted = max(value, 1) / 4
    scale = 1.0
    while True:
        steps = (1, 2, 3, 5) if scale == 1 else (1, 1.5, 2, 2.5, 3, 5)
        for step in steps:
            if step * scale >= wanted:
                return 4 * step * scale
        scale *= 10


def _grid(top: float, left: float, plot_h: float, base: float, ymax: float) -> list[str]:
    parts = []
    for i in range(5):
        y = base - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{W - 8}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(_text(left - 6, y + 4, f"{ymax * i / 4:g}", "axis", "end"))
    return parts


def stacked_columns(labels: Sequence[str], series: Sequence[Series], title: str,
                    every: int = 5) -> Markup:
    """One column per label (e.g. a day), its series stacked; a legend on top."""
    height, top, left, base = 230, 28, 40, 200
    plot_h = base - top
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    ymax = _nice_max(max(totals, default=0))
    step = (W - left - 8) / max(len(labels), 1)
    body = _legend([(s.name, s.color) for s in series], 14) + _grid(top, left, plot_h, base, ymax)
    for i, label in enumerate(labels):
        x, y = left + i * step + step * 0.15, float(base)
        for s in series:
            h = plot_h * s.values[i] / ymax
            y -= h
            if s.values[i]:
                tip = f"{label} {s.name} {s.values[i]:g}"
                body.append(_rect(x, y, step * 0.7, h, s.color, tip))
        if i % every == 0 or i == len(labels) - 1:
            body.append(_text(x + step * 0.35, base + 16, label, "axis", "middle"))
    return _svg(height, title, body)


def stacked_bars(rows: Sequence[tuple[str, Sequence[tuple[str, float, str]]]],
                 title: str) -> Markup:
    """One horizontal bar per row, split into (name, value, color) segments, with totals."""
    left, bar_h, gap, top = 92, 22, 12, 30
    height = top + len(rows) * (bar_h + gap) + 4
    widest = max((sum(v for _, v, _ in segs) for _, segs in rows), default=0) or 1
    span = W - left - 60
    names: dict[str, str] = {}
    body: list[str] = []
    for r, (label, segments) in enumerate(rows):
        y, x = top + r * (bar_h + gap), float(left)
        body.append(_text(left - 8, y + bar_h * 0.7, label, "axis", "end"))
        for name, value, color in segments:
            names.setdefault(name, color)
            w = span * value / widest
            if value:
                body.append(_rect(x, y, w, bar_h, color, f"{label} {name} {value:g}"))
            if w > 22:
                body.append(_text(x + w / 2, y + bar_h * 0.7, f"{value:g}", "in-bar", "middle"))
            x += w
        body.append(_text(x + 6, y + bar_h * 0.7, f"{sum(v for _, v, _ in segments):g}", "axis"))
    return _svg(height, title, _legend(list(names.items()), 14) + body)


def line(labels: Sequence[str], values: Sequence[float | None], title: str, color: str,
         percent: bool = True, every: int = 5) -> Markup:
    """A line over the labels; None leaves a gap (a day with nothing to measure)."""
    height, top, left, base = 200, 16, 40, 170
    plot_h = base - top
    ymax = 1.0 if percent else _nice_max(max((v for v in values if v is not None), default=0))
    step = (W - left - 8) / max(len(labels), 1)
    body = []
    for i in range(5):
        y = base - plot_h * i / 4
        body.append(f'<line x1="{left}" x2="{W - 8}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        tick = f"{i * 25}%" if percent else f"{ymax * i / 4:g}"
        body.append(_text(left - 6, y + 4, tick, "axis", "end"))
    points = [(left + step * (i + 0.5), base - plot_h * v / ymax, labels[i], v)
              for i, v in enumerate(values) if v is not None]
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{escape(color)}" '
                    'stroke-width="2.5"/>')
    for x, y, label, v in points:
        shown = f"{v * 100:.0f}%" if percent else f"{v:g}"
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{escape(color)}">'
                    f"<title>{escape(label)} {escape(shown)}</title></circle>")
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            body.append(_text(left + step * (i + 0.5), base + 16, label, "axis", "middle"))
    return _svg(height, title, body)


def histogram(buckets: Sequence[tuple[str, int]], markers: Sequence[tuple[str, float]],
              title: str, color: str) -> Markup:
    """Counts per bucket, with vertical markers (e.g. median, P90) at fractional bucket
    positions: 2.5 is the middle of the third bucket."""
    height, top, left, base = 226, 48, 40, 198  # room above the plot for marker labels
    plot_h = base - top
    ymax = _nice_max(max((n for _, n in buckets), default=0))
    step = (W - left - 8) / max(len(buckets), 1)
    body = _grid(top, left, plot_h, base, ymax)
    for i, (label, count) in enumerate(buckets):
        h = plot_h * count / ymax
        body.append(_rect(left + i * step + 3, base - h, step - 6, h, color, f"{label}: {count}"))
        body.append(_text(left + i * step + step / 2, base + 16, label, "axis", "middle"))
    for j, (name, position) in enumerate(markers):
        x = left + step * position
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{8 + 15 * j}" y2="{base}" '
                    'class="marker"/>')
        # Near the right edge the label goes to the left of its line, so it is not cut off.
        right = x > W * 0.7
        body.append(_text(x - 4 if right else x + 4, 18 + 15 * j, name, "marker-label",
                          "end" if right else "start"))
    return _svg(height, title, body)
