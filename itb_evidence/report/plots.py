"""Small server-side SVG plots for the review report: no JS library, no network, no fonts to load.

Two pictures a reviewer would rather look at than read: the ITB daily dose of each study (dot at
the central value, thick bar for the reported range, thin whisker for +/- SD) and pre->post slope
panels (one panel per outcome, one line per study, each end with its spread bar). Every mark has
an SVG ``<title>`` so hovering shows the numbers as written. Scales are per panel because outcome
instruments do not share units; the line colour says only the direction, not better/worse.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import escape

MAX_LABELLED_LINES = 12
DIRECTION_COLOURS = {"decrease": "#1f6fb4", "increase": "#c2571a", "no change": "#777777"}


@dataclass(frozen=True, slots=True)
class DosePoint:
    label: str
    value: float | None  # ug/day
    sd: float | None
    lo: float | None
    hi: float | None
    tooltip: str
    retracted: bool = False


@dataclass(frozen=True, slots=True)
class SlopeEnd:
    value: float
    lo: float | None  # spread low end (IQR/range/CI, or value - SD)
    hi: float | None


@dataclass(frozen=True, slots=True)
class SlopeLine:
    label: str
    pre: SlopeEnd
    post: SlopeEnd
    direction: str | None
    tooltip: str
    retracted: bool = False


def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".") if abs(v) < 1e6 else f"{v:.3g}"


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (1-2-5 steps)."""
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(count - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step + 1e-9) * step  # 0.3 / 0.1 is 2.999...
    ticks = []
    t = first
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    if ticks[-1] < hi:
        ticks.append(round(t, 10))
    return ticks


def spread_apart(positions: Sequence[float], *, gap: float) -> list[float]:
    """Label positions at least ``gap`` apart, each crowded group centred on its lines' mean."""
    order = sorted(range(len(positions)), key=lambda i: positions[i])
    clusters: list[list[int]] = []

    def start(cluster: list[int]) -> float:
        mean = sum(positions[i] for i in cluster) / len(cluster)
        return mean - (len(cluster) - 1) * gap / 2

    for i in order:
        clusters.append([i])
        while len(clusters) > 1:
            prev, cur = clusters[-2], clusters[-1]
            if start(cur) >= start(prev) + len(prev) * gap:
                break
            clusters[-2:] = [prev + cur]
    out = [0.0] * len(positions)
    for cluster in clusters:
        first = start(cluster)
        for k, i in enumerate(cluster):
            out[i] = first + k * gap
    return out


def _text(x: float, y: float, s: str, *, anchor: str = "start", cls: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{c}>{escape(s)}</text>'


def dose_dot_plot(points: Sequence[DosePoint], *, width: int = 640) -> str:
    """Dot plot of ITB daily doses (ug/day), one row per study, sorted by the caller."""
    if not points:
        return ""
    row_h, top, left, right = 22, 16, 170, 24
    height = top + row_h * len(points) + 34
    ends = [v for p in points for v in (p.value, p.lo, p.hi) if v is not None]
    ends += [p.value + p.sd for p in points if p.value is not None and p.sd is not None]
    ticks = nice_ticks(0.0, max(ends))
    x_max = ticks[-1]

    def x(v: float) -> float:
        return left + (width - left - right) * max(v, 0.0) / x_max

    axis_y = top + row_h * len(points) + 4
    out = [
        f'<svg class="plot dose-plot" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="ITB daily dose per study, micrograms per day">',
    ]
    for t in ticks:
        out.append(
            f'<line class="grid" x1="{x(t):.1f}" y1="{top - 6}" x2="{x(t):.1f}" y2="{axis_y}"/>'
        )
        out.append(_text(x(t), axis_y + 14, _fmt(t), anchor="middle", cls="tick"))
    out.append(_text((left + width - right) / 2, axis_y + 28, "ITB dose (µg/day)", anchor="middle"))
    for i, p in enumerate(points):
        y = top + row_h * i + row_h / 2
        cls = "dose-row retracted" if p.retracted else "dose-row"
        out.append(f'<g class="{cls}"><title>{escape(p.tooltip)}</title>')
        out.append(_text(left - 8, y + 4, p.label, anchor="end", cls="row-label"))
        if p.lo is not None and p.hi is not None:
            out.append(
                f'<line class="range" x1="{x(p.lo):.1f}" y1="{y:.1f}" x2="{x(p.hi):.1f}" '
                f'y2="{y:.1f}"/>'
            )
        if p.value is not None and p.sd is not None:
            a, b = x(p.value - p.sd), x(p.value + p.sd)
            out.append(
                f'<line class="sd" x1="{a:.1f}" y1="{y:.1f}" x2="{b:.1f}" y2="{y:.1f}"/>'
                f'<line class="sd" x1="{a:.1f}" y1="{y - 4:.1f}" x2="{a:.1f}" y2="{y + 4:.1f}"/>'
                f'<line class="sd" x1="{b:.1f}" y1="{y - 4:.1f}" x2="{b:.1f}" y2="{y + 4:.1f}"/>'
            )
        if p.value is not None:
            out.append(f'<circle class="dose-dot" cx="{x(p.value):.1f}" cy="{y:.1f}" r="4.5"/>')
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def slope_panel(title: str, lines: Sequence[SlopeLine], *, width: int = 230) -> str:
    """One outcome: pre->post lines (one per study) on the outcome's own scale.

    With several lines each is labelled at its post end (the panel widens to make room);
    retracted studies get the ``retracted`` class (drawn dashed by the report's CSS).
    """
    if not lines:
        return ""
    labelled = 1 < len(lines) <= MAX_LABELLED_LINES  # beyond that, hover titles only
    height, top, bottom, left = 190, 30, 30, 44
    right = 110 if labelled else 16
    width += right - 16
    vals = [
        v
        for ln in lines
        for end in (ln.pre, ln.post)
        for v in (end.value, end.lo, end.hi)
        if v is not None
    ]
    lo, hi = min(vals), max(vals)
    pad = (hi - lo) * 0.08 or max(abs(hi) * 0.1, 0.5)
    ticks = nice_ticks(lo - pad, hi + pad, 4)
    y_lo, y_hi = ticks[0], ticks[-1]
    x_pre, x_post = left + 30, width - right - 30

    def y(v: float) -> float:
        return top + (height - top - bottom) * (y_hi - v) / (y_hi - y_lo)

    out = [
        f'<svg class="plot slope-plot" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}: pre to post">',
        f"<title>{escape(title)}: pre to post</title>",
        _text(
            width / 2,
            16,
            title if len(title) <= 34 else title[:33] + "…",
            anchor="middle",
            cls="panel-title",
        ),
    ]
    for t in ticks:
        out.append(
            f'<line class="grid" x1="{left}" y1="{y(t):.1f}" x2="{width - right}" y2="{y(t):.1f}"/>'
        )
        out.append(_text(left - 4, y(t) + 4, _fmt(t), anchor="end", cls="tick"))
    out.append(_text(x_pre, height - 10, "pre", anchor="middle", cls="tick"))
    out.append(_text(x_post, height - 10, "post", anchor="middle", cls="tick"))
    label_x = x_post + (len(lines) - 1) * 2.5 + 8
    label_y = spread_apart([y(ln.post.value) for ln in lines], gap=12.0)
    for i, ln in enumerate(lines):
        colour = DIRECTION_COLOURS.get(ln.direction or "", "#555555")
        jitter = (i - (len(lines) - 1) / 2) * 5 if labelled else 0.0
        cls = "slope retracted" if ln.retracted else "slope"
        out.append(f'<g class="{cls}" data-direction="{escape(ln.direction or "")}">')
        out.append(f"<title>{escape(ln.tooltip)}</title>")
        for xc, end in ((x_pre + jitter, ln.pre), (x_post + jitter, ln.post)):
            if end.lo is not None and end.hi is not None:
                out.append(
                    f'<line class="spread" x1="{xc:.1f}" y1="{y(end.lo):.1f}" x2="{xc:.1f}" '
                    f'y2="{y(end.hi):.1f}" stroke="{colour}"/>'
                )
        out.append(
            f'<line class="slope-line" x1="{x_pre + jitter:.1f}" y1="{y(ln.pre.value):.1f}" '
            f'x2="{x_post + jitter:.1f}" y2="{y(ln.post.value):.1f}" stroke="{colour}"/>'
        )
        for xc, end in ((x_pre + jitter, ln.pre), (x_post + jitter, ln.post)):
            out.append(f'<circle cx="{xc:.1f}" cy="{y(end.value):.1f}" r="3.5" fill="{colour}"/>')
        if labelled:
            label = ln.label if len(ln.label) <= 18 else ln.label[:17] + "…"
            out.append(_text(label_x, label_y[i] + 4, label, cls="line-label"))
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


@dataclass(frozen=True, slots=True)
class ForestRow:
    """One study of a forest plot: effect with its 95% CI; ``href`` links to the study's card."""

    label: str
    yi: float
    lo: float
    hi: float
    weight: float  # relative weight in the pooled estimate, 0-1 (sets the square's size)
    tooltip: str  # the numbers and the source span as written
    href: str
    estimated: bool = False


@dataclass(frozen=True, slots=True)
class ForestSummary:
    label: str
    estimate: float
    lo: float
    hi: float
    pi_lo: float | None
    pi_hi: float | None
    tooltip: str


def forest_plot(
    title: str,
    rows: Sequence[ForestRow],
    pooled: ForestSummary,
    *,
    axis_label: str,
    width: int = 660,
) -> str:
    """Forest plot: a square and CI per study, the pooled diamond, the prediction interval.

    Squares are sized by weight; a hollow square marks a study whose mean or SD was estimated
    (from a median, range or IQR). The dashed line under the diamond is the 95% prediction
    interval; the vertical line is no change.
    """
    if not rows:
        return ""
    row_h, top, left, right = 22, 30, 210, 24
    height = top + row_h * (len(rows) + 1) + 44
    ends = [v for r in rows for v in (r.lo, r.hi)] + [pooled.lo, pooled.hi, 0.0]
    ends += [v for v in (pooled.pi_lo, pooled.pi_hi) if v is not None]
    ticks = nice_ticks(min(ends), max(ends), 6)
    x_lo, x_hi = ticks[0], ticks[-1]

    def x(v: float) -> float:
        return left + (width - left - right) * (v - x_lo) / (x_hi - x_lo)

    axis_y = top + row_h * (len(rows) + 1) + 6
    out = [
        f'<svg class="plot forest-plot" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}: forest plot">',
        f"<title>{escape(title)}: forest plot</title>",
        _text(left, 16, title, cls="panel-title"),
    ]
    for t in ticks:
        out.append(
            f'<line class="grid" x1="{x(t):.1f}" y1="{top - 6}" x2="{x(t):.1f}" y2="{axis_y}"/>'
        )
        out.append(
            _text(
                x(t),
                axis_y + 14,
                _fmt(t) if abs(t) >= 0.1 or t == 0 else f"{t:g}",
                anchor="middle",
                cls="tick",
            )
        )
    out.append(
        f'<line class="no-effect" x1="{x(0):.1f}" y1="{top - 6}" x2="{x(0):.1f}" y2="{axis_y}"/>'
    )
    out.append(_text((left + width - right) / 2, axis_y + 30, axis_label, anchor="middle"))
    for i, r in enumerate(rows):
        y = top + row_h * i + row_h / 2
        side = 4 + 8 * math.sqrt(max(r.weight, 0.0))
        cls = "forest-row estimated" if r.estimated else "forest-row"
        out.append(
            f'<a href="{escape(r.href)}"><g class="{cls}"><title>{escape(r.tooltip)}</title>'
        )
        label = r.label if len(r.label) <= 30 else r.label[:29] + "…"
        out.append(_text(left - 8, y + 4, label, anchor="end", cls="row-label"))
        out.append(
            f'<line class="ci" x1="{x(r.lo):.1f}" y1="{y:.1f}" x2="{x(r.hi):.1f}" y2="{y:.1f}"/>'
        )
        out.append(
            f'<rect class="study-box" x="{x(r.yi) - side / 2:.1f}" y="{y - side / 2:.1f}" '
            f'width="{side:.1f}" height="{side:.1f}"/>'
        )
        out.append("</g></a>")
    y = top + row_h * len(rows) + row_h / 2
    out.append(f'<g class="forest-pooled"><title>{escape(pooled.tooltip)}</title>')
    out.append(_text(left - 8, y + 4, pooled.label, anchor="end", cls="row-label"))
    if pooled.pi_lo is not None and pooled.pi_hi is not None:
        out.append(
            f'<line class="pi" x1="{x(pooled.pi_lo):.1f}" y1="{y + 7:.1f}" '
            f'x2="{x(pooled.pi_hi):.1f}" y2="{y + 7:.1f}"/>'
        )
    out.append(
        f'<polygon class="diamond" points="{x(pooled.lo):.1f},{y:.1f} '
        f"{x(pooled.estimate):.1f},{y - 6:.1f} {x(pooled.hi):.1f},{y:.1f} "
        f'{x(pooled.estimate):.1f},{y + 6:.1f}"/>'
    )
    out.append("</g></svg>")
    return "".join(out)
