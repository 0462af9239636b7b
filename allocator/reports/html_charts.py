"""Small SVG charts written by hand (no plotting library): stacked bars, a waterfall and a bar comparison.

Each chart is ``role="img"`` with a ``<title>`` (its text alternative, ``aria-labelledby``); the same
figures are always in a table beside it. Text in the SVG is escaped. Coordinates are rounded, so the
output is small and the same inputs give the same bytes. Charts are 400 units wide, so their 12-unit text
stays readable when a phone shows them 350 pixels wide. A label too long for its space wraps onto a
second line, and past that is shortened with an ellipsis, never cut by the chart's edge; the full label
is then its hover text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from allocator.reports.html_kit import Markup, esc

PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000"]
"""Okabe-Ito colours, distinguishable with the common colour-vision deficiencies."""
PALETTE += ["#7f7f7f", "#8c564b", "#17becf", "#bcbd22"]
INK = "#1b1f24"
MUTED = "#56606b"
GRID = "#d5dbe1"


def _r(x: float) -> str:
    s = f"{x:.1f}"
    return s[:-2] if s.endswith(".0") else s


def _svg(width: float, height: float, alt: str, prefix: str, body: list[str]) -> Markup:
    title = f"{prefix}-title"
    return Markup(
        f'<svg class="chart" role="img" aria-labelledby="{esc(title)}" focusable="false" '
        f'viewBox="0 0 {_r(width)} {_r(height)}">'
        f'<title id="{esc(title)}">{esc(alt)}</title>' + "".join(body) + "</svg>"
    )


def _text(
    x: float, y: float, s: str, anchor: str = "start", size: float = 12, fill: str = INK, weight: str = ""
) -> str:
    w = f' font-weight="{weight}"' if weight else ""
    return (
        f'<text x="{_r(x)}" y="{_r(y)}" text-anchor="{anchor}" font-size="{_r(size)}" fill="{fill}"{w}>'
        f"{esc(s)}</text>"
    )


CHAR_EM = 0.53
"""Average width of a character in ems of the font size (sans-serif text, a safe estimate)."""


def text_width(s: str, size: float = 12, bold: bool = False) -> float:
    return len(s) * size * (CHAR_EM + (0.04 if bold else 0.0))


def fit(label: str, width: float, size: float = 12, bold: bool = False, lines: int = 2) -> list[str]:
    """``label`` in at most ``lines`` lines of at most ``width`` units: wrapped at spaces, the last line
    shortened with an ellipsis if it still does not fit."""
    if text_width(label, size, bold) <= width:
        return [label]
    out, current = [], ""
    for word in label.split():
        trial = f"{current} {word}".strip()
        if text_width(trial, size, bold) <= width or not current:
            current = trial
        else:
            out.append(current)
            current = word
    out.append(current)
    if len(out) > lines:
        out = [*out[: lines - 1], " ".join(out[lines - 1 :])]
    last = out[-1]
    if text_width(last, size, bold) > width:
        keep = max(int(width / (size * (CHAR_EM + (0.04 if bold else 0.0)))) - 1, 1)
        out[-1] = last[:keep].rstrip(" ,") + "…"
    return out


def _label(
    x: float,
    y: float,
    label: str,
    width: float,
    anchor: str = "end",
    size: float = 12,
    weight: str = "",
    lines: int = 2,
) -> str:
    """A label fitted to ``width`` in at most ``lines`` lines (see ``fit``), centred on ``y``; its full
    text as hover text when it had to be shortened."""
    lines = fit(label, width, size, bool(weight), lines)
    top = y - (len(lines) - 1) * size * 0.55
    parts = [_text(x, top + k * size * 1.1, line, anchor, size, INK, weight) for k, line in enumerate(lines)]
    if lines[-1].endswith("…"):
        return f"<g><title>{esc(label)}</title>{''.join(parts)}</g>"
    return "".join(parts)


def nice_ticks(hi: float, n: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``hi``."""
    if hi <= 0 or not math.isfinite(hi):
        return [0.0, 1.0]
    raw = hi / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return [i * step for i in range(math.ceil(hi / step - 1e-9) + 1)]


def stacked_bars(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    alt: str,
    prefix: str,
    fmt: Callable[[float], str],
    width: float = 400,
) -> Markup:
    """Vertical stacked bars, one per category (e.g. year), one segment per series (e.g. stream), with
    each bar's total above it and a legend below."""
    plot_h, top, left, right = 200.0, 26.0, 64.0, 8.0
    totals = [sum(max(v[i], 0.0) for _, v in series) for i in range(len(categories))]
    ticks = nice_ticks(max(totals, default=0.0))
    scale = plot_h / ticks[-1]
    plot_w = width - left - right
    slot = plot_w / max(len(categories), 1)
    bar_w = min(90.0, slot * 0.55)
    body: list[str] = []
    for t in ticks:
        y = top + plot_h - t * scale
        body.append(
            f'<line x1="{_r(left)}" x2="{_r(width - right)}" y1="{_r(y)}" y2="{_r(y)}" stroke="{GRID}"/>'
        )
        body.append(_text(left - 6, y + 4, fmt(t), "end", 12, MUTED))
    for i, cat in enumerate(categories):
        x = left + slot * i + (slot - bar_w) / 2
        y = top + plot_h
        for k, (_, values) in enumerate(series):
            h = max(values[i], 0.0) * scale
            if h <= 0:
                continue
            y -= h
            colour = PALETTE[k % len(PALETTE)]
            body.append(
                f'<rect x="{_r(x)}" y="{_r(y)}" width="{_r(bar_w)}" height="{_r(h)}" fill="{colour}" '
                f'stroke="#fff" stroke-width="0.75"/>'
            )
        body.append(
            _text(
                x + bar_w / 2, top + plot_h - totals[i] * scale - 6, fmt(totals[i]), "middle", 12, INK, "600"
            )
        )
        body.append(_text(x + bar_w / 2, top + plot_h + 18, cat, "middle", 12))
    body.append(
        f'<line x1="{_r(left)}" x2="{_r(width - right)}" y1="{_r(top + plot_h)}" y2="{_r(top + plot_h)}" stroke="{INK}"/>'
    )
    # legend: two columns when every label fits one, else one column
    ly = top + plot_h + 44
    col_w = (width - 20) / 2
    columns = 2 if all(text_width(label) <= col_w - 20 for label, _ in series) else 1
    col_w = (width - 20) / columns
    for k, (label, _) in enumerate(series):
        cx = 10 + (k % columns) * col_w
        cy = ly + (k // columns) * 20
        body.append(
            f'<rect x="{_r(cx)}" y="{_r(cy - 10)}" width="12" height="12" fill="{PALETTE[k % len(PALETTE)]}"/>'
        )
        text = fit(label, col_w - 22, lines=1)[0]
        tip = f"<title>{esc(label)}</title>" if text != label else ""
        body.append(
            f"<g>{tip}{_text(cx + 18, cy, text, 'start', 12)}</g>"
            if tip
            else _text(cx + 18, cy, text, "start", 12)
        )
    height = ly + ((len(series) + columns - 1) // columns) * 20 + 4
    return _svg(width, height, alt, prefix, body)


def waterfall(
    steps: Sequence[tuple[str, float]],
    *,
    alt: str,
    prefix: str,
    fmt: Callable[[float], str],
    signed: Callable[[float], str],
    width: float = 400,
) -> Markup:
    """A horizontal waterfall: the first and last steps are totals (bars from zero), the ones between
    are changes, each bar floating from the previous running total; grey totals, blue rises, orange
    falls. Labels name each step and its amount (totals) or change."""
    label_w, right, row_h, top = 132.0, 70.0, 32.0, 8.0
    plot_w = width - label_w - right
    running, spans = 0.0, []
    for i, (label, amount) in enumerate(steps):
        if i == 0 or i == len(steps) - 1:
            spans.append((label, 0.0, amount, "total", amount))
            running = amount
        else:
            spans.append((label, running, running + amount, "rise" if amount >= 0 else "fall", amount))
            running += amount
    hi = max(max(a, b) for _, a, b, _, _ in spans)
    lo = min(0.0, *(min(a, b) for _, a, b, _, _ in spans))
    span = (hi - lo) or 1.0
    x_of = lambda v: label_w + (v - lo) / span * plot_w  # noqa: E731
    colours = {"total": "#6b7785", "rise": "#0072b2", "fall": "#d55e00"}
    body: list[str] = []
    zero = x_of(0.0)
    for i, (label, a, b, kind, amount) in enumerate(spans):
        y = top + i * row_h
        x0, x1 = sorted((x_of(a), x_of(b)))
        w = max(x1 - x0, 1.0)
        body.append(
            _label(
                label_w - 8, y + row_h / 2 + 4, label, label_w - 12, weight="600" if kind == "total" else ""
            )
        )
        body.append(
            f'<rect x="{_r(x0)}" y="{_r(y + 5)}" width="{_r(w)}" height="{_r(row_h - 10)}" fill="{colours[kind]}"/>'
        )
        value = fmt(amount) if kind == "total" else signed(amount)
        body.append(_text(x0 + w + 5, y + row_h / 2 + 4, value, "start", 12, INK))
        if i < len(spans) - 1:
            nxt = spans[i + 1]
            join_x = x_of(b) if kind != "total" else x_of(amount)
            if nxt[3] != "total":
                body.append(
                    f'<line x1="{_r(join_x)}" x2="{_r(join_x)}" y1="{_r(y + row_h - 5)}" y2="{_r(y + row_h + 5)}" '
                    f'stroke="{MUTED}" stroke-dasharray="2 2"/>'
                )
    bottom = top + len(spans) * row_h
    body.append(f'<line x1="{_r(zero)}" x2="{_r(zero)}" y1="{_r(top)}" y2="{_r(bottom)}" stroke="{INK}"/>')
    return _svg(width, bottom + 8, alt, prefix, body)


def bars(
    items: Sequence[tuple[str, float, bool]],
    *,
    alt: str,
    prefix: str,
    fmt: Callable[[float], str],
    width: float = 400,
) -> Markup:
    """Horizontal bars to compare a few figures (e.g. £ per head here, in the region and nationally);
    highlighted items are dark, the rest pale."""
    label_w, right, top = 170.0, 58.0, 4.0
    most = max((len(fit(label, label_w - 12, lines=3)) for label, _, _ in items), default=1)
    row_h = {1: 28.0, 2: 34.0}.get(most, 44.0)
    plot_w = width - label_w - right
    hi = max((v for _, v, _ in items if math.isfinite(v)), default=1.0) or 1.0
    body: list[str] = []
    for i, (label, value, strong) in enumerate(items):
        y = top + i * row_h
        w = max(value, 0.0) / hi * plot_w if math.isfinite(value) else 0.0
        body.append(
            _label(label_w - 8, y + row_h / 2 + 4, label, label_w - 12, weight="600" if strong else "")
        )
        body.append(
            f'<rect x="{_r(label_w)}" y="{_r(y + 5)}" width="{_r(w)}" height="{_r(row_h - 10)}" '
            f'fill="{"#0b3c5d" if strong else "#9fb6c8"}"/>'
        )
        body.append(_text(label_w + w + 5, y + row_h / 2 + 4, fmt(value), "start", 12))
    body.append(
        f'<line x1="{_r(label_w)}" x2="{_r(label_w)}" y1="{_r(top)}" y2="{_r(top + len(items) * row_h)}" stroke="{INK}"/>'
    )
    return _svg(width, top + len(items) * row_h + 6, alt, prefix, body)
