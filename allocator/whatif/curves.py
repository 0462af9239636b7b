"""Trade-off curves of a sweep: what a rule or an envelope costs or buys, as figures people can read.

For each varied key, one figure of three panels against the key's value:

1. mission value V of the optimised settlement and of the formula allocation (£bn);
2. the shadow price along it: for an envelope, mission value per £1m more of it (the year's own when
   one year varies, else the mean over the years); for a rule, what easing every row of it by £1m buys
   (its summed dual, over the years);
3. how unequal the settlement is: the ratio of the highest to the lowest £ per head a year, and how many
   areas get less than their formula target over the settlement.

The shipped scenario's point is marked (a dashed line at its own value and a dot on each curve).
Variants that are infeasible are shaded in every panel ("no settlement meets the rules"), so a curve that
stops short says why rather than looking as if the sweep began there. Written as PNG and SVG to ``curves/`` and shown on the
explorer page ``report/index.html`` with the summary table.
"""

from __future__ import annotations

import io
import re
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator.whatif.settlement_set import SettlementSet
from allocator.whatif.variants import scenario_value

OPTIMISED, FORMULA, PRICE, RATIO, BELOW = "#1b4f72", "#a04000", "#196f3d", "#6c3483", "#7b7d7d"
INFEASIBLE = "#f5b7b1"


def curve_table(result: SettlementSet, key: str) -> pd.DataFrame:
    """Per value of ``key`` (other keys at their first value): x, V, V_formula, price, per_head_ratio,
    areas_below_formula_target."""
    summary = result.summary()
    others = [k for k in result.vary if k != key]
    for k in others:
        summary = summary[summary[k] == summary[k].iloc[0]]
    price = summary.apply(lambda row: _price(result, key, row.name), axis=1) if len(summary) else []
    return pd.DataFrame(
        {
            "x": summary[key].to_numpy(dtype=float),
            "V": summary["V"].to_numpy(dtype=float),
            "V_formula": summary["V_formula"].to_numpy(dtype=float),
            "price": np.asarray(price, dtype=float),
            "per_head_ratio": summary["per_head_ratio"].to_numpy(dtype=float),
            "areas_below_formula_target": summary["areas_below_formula_target"].to_numpy(dtype=float),
        }
    ).sort_values("x")


def price_label(key: str) -> str:
    parts = key.split(".")
    if parts[0] == "envelopes":
        return f"Mission value per £1m more of the {parts[1]} envelope (£m)"
    if parts[0] == "rules" and len(parts) > 1:
        return f"Change in V if every bound of {parts[1]} rose by £1m (£m)"
    return "Shadow price (£m of V per £1m)"


def _price(result: SettlementSet, key: str, variant: int) -> float:
    """The shadow price that goes with ``key`` in one variant (NaN when none does)."""
    r = result.results.get(variant) if variant is not None else result.base
    return price_of(result.scenario, key, (r or {}).get("shadow_prices", []))


def price_of(scenario: Any, key: str, prices: list[list[Any]]) -> float:
    parts = key.split(".")
    if parts[0] == "envelopes" and len(parts) >= 2:
        budget = parts[1]
        year = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None
        envelope_rules = {rid for rid, spec in scenario.rules.items() if spec.kind == "envelope"}
        values = [
            p[6]
            for p in prices
            if p[0] in envelope_rules and p[2] == "national row" and p[4] == budget and year in (None, p[3])
        ]
        return float(np.mean(values)) if values else np.nan
    if parts[0] == "rules" and len(parts) >= 2:
        values = [p[6] for p in prices if p[0] == parts[1] and p[2] == "rule per year"]
        return float(np.sum(values)) if values else np.nan
    return np.nan


def shipped_x(result: SettlementSet, key: str) -> float | None:
    """The shipped scenario's own value of ``key`` (1.0 for a scaled key), when it is a number."""
    if result.vary[key].scale:
        return 1.0
    try:
        value = scenario_value(result.scenario, key)
    except Exception:  # a key the scenario does not set (e.g. a rule added by the sweep)
        return None
    return float(value) if isinstance(value, int | float) else None


def figure(result: SettlementSet, key: str) -> Any:
    """The matplotlib figure of ``key``'s trade-off curves."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    t = curve_table(result, key)
    x0 = shipped_x(result, key)
    base = result.base
    fig = Figure(figsize=(8, 9), dpi=100)
    ax1, ax2, ax3 = fig.subplots(3, 1, sharex=True)
    ax1.plot(t["x"], t["V"] / 1e9, "-o", color=OPTIMISED, ms=3, label="optimised settlement")
    ax1.plot(t["x"], t["V_formula"] / 1e9, "--", color=FORMULA, label="formula allocation")
    ax1.set_ylabel("Mission value V (£bn)")
    ax1.legend(loc="best", fontsize=8, frameon=False)
    ax2.plot(t["x"], t["price"] / 1e6, "-", color=PRICE)
    ax2.set_ylabel(_wrap(price_label(key)), fontsize=8)
    ax3.plot(t["x"], t["per_head_ratio"], "-", color=RATIO)
    ax3.set_ylabel("Highest ÷ lowest £ per head", color=RATIO, fontsize=9)
    twin = ax3.twinx()
    twin.step(t["x"], t["areas_below_formula_target"], where="mid", color=BELOW)
    twin.set_ylabel("Areas below formula target", color=BELOW, fontsize=9)
    ax3.set_xlabel(key + (" (× the scenario's value)" if result.vary[key].scale else ""))
    if x0 is not None:
        for ax in (ax1, ax2, ax3):
            ax.axvline(x0, color="#555555", lw=0.8, ls=":")
        if "V" in base:
            ax1.plot([x0], [base["V"] / 1e9], "o", color="black", ms=6, label="the scenario as shipped")
            ax1.annotate("as shipped", (x0, base["V"] / 1e9), textcoords="offset points", xytext=(6, -12))
            price = price_of(result.scenario, key, base.get("shadow_prices", []))
            ax2.plot([x0], [price / 1e6], "o", color="black")
            ax3.plot([x0], [base.get("per_head_ratio", np.nan)], "o", color="black")
    _shade_infeasible(t, (ax1, ax2, ax3))
    for ax in (ax1, ax2, ax3):
        ax.grid(True, lw=0.3, alpha=0.6)
    fig.suptitle(_wrap(f"{result.scenario.name}: what {key} costs or buys", 70), fontsize=11)
    fig.tight_layout()
    return fig


def _shade_infeasible(t: pd.DataFrame, axes: tuple[Any, ...]) -> None:
    """Shade the values of the key at which no settlement meets the rules, and say so once."""
    failed = t["x"][t["V"].isna()].to_numpy()
    if not len(failed):
        return
    xs = np.unique(t["x"].to_numpy())
    half = (np.min(np.diff(xs)) if len(xs) > 1 else max(abs(xs[0]) * 0.01, 1e-9)) / 2
    for ax in axes:
        for x in failed:
            ax.axvspan(x - half, x + half, color=INFEASIBLE, alpha=0.45, lw=0)
    axes[0].annotate(
        "no settlement\nmeets the rules",
        xy=(float(np.mean(failed)), 0.5),
        xycoords=("data", "axes fraction"),
        ha="center",
        va="center",
        fontsize=8,
        color="#7b241c",
    )


def uncertainty_figure(result: SettlementSet) -> Any:
    """A sample sweep: V of the chosen settlement and of each draw's own optimum over the draws, and the
    regret of the chosen settlement."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    table = result.draws()
    fig = Figure(figsize=(8, 6), dpi=100)
    ax1, ax2 = fig.subplots(2, 1)
    bins = min(30, max(5, len(table) // 4))
    ax1.hist(
        table["chosen_V"].dropna() / 1e9, bins=bins, color=OPTIMISED, alpha=0.7, label="chosen settlement"
    )
    ax1.hist(
        table["own_V"].dropna() / 1e9, bins=bins, color=FORMULA, alpha=0.5, label="each draw's own optimum"
    )
    if "V" in result.base:
        ax1.axvline(result.base["V"] / 1e9, color="black", ls=":", label="as shipped (central values)")
    ax1.set_xlabel("Mission value V (£bn)")
    ax1.set_ylabel("Draws")
    ax1.legend(fontsize=8, frameon=False)
    ax2.hist(table["regret"].dropna() / 1e9, bins=bins, color=PRICE)
    ax2.set_xlabel("Regret of the chosen settlement (£bn of V the draw's optimum would add)")
    ax2.set_ylabel("Draws")
    fig.suptitle(
        _wrap(f"{result.scenario.name}: {len(table)} draws of the uncertain effects", 70), fontsize=11
    )
    fig.tight_layout()
    return fig


def _wrap(text: str, width: int = 40) -> str:
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + len(w) + 1 > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return "\n".join([*lines, line])


def file_stem(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", key).strip("_") or "key"


def write_curves(result: SettlementSet, folder: Path) -> list[Path]:
    """Write ``curves/<key>.png`` and ``.svg`` for each varied key and the explorer page; returns the
    figures written."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "allocator"  # the same sweep gives the same SVG bytes
    curves = Path(folder) / "curves"
    curves.mkdir(exist_ok=True)
    written, svgs = [], {}
    if not any("V" in r for r in result.results.values()):
        return written  # nothing feasible to draw
    figures = {key: (figure(result, key), file_stem(key)) for key in result.vary}
    if result.samples:
        figures["uncertainty"] = (uncertainty_figure(result), "uncertainty")
    for key, (fig, stem) in figures.items():
        fig.savefig(curves / f"{stem}.png", metadata={"Software": None})
        fig.savefig(curves / f"{stem}.svg", metadata={"Date": None, "Creator": None})
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        svgs[key] = buffer.getvalue()
        written += [curves / f"{stem}.png", curves / f"{stem}.svg"]
    write_page(result, Path(folder) / "report", svgs)
    return written


def _intervals(result: SettlementSet) -> Any:
    """The table of each area's projected indicators with their intervals over the draws."""
    from allocator.reports.html_kit import el, num, table

    iv = result.outcome_intervals()
    if iv.empty:
        return el("p", "No draw was solved.")
    rows = [
        [
            f"{r.area_name} ({r.area_code})",
            r.mission,
            num(f"{r.current_value:.4g}", r.current_value),
            num(f"{r.projected_value:.4g}", r.projected_value),
            num(f"{r.p5:.4g} to {r.p95:.4g}", r.p5),
        ]
        for r in iv.itertuples()
    ]
    head = ["Area", "Mission", "Now", "Projected (central)", "90% interval over the draws"]
    return el(
        "section",
        el("h2", "Projected outcomes under the chosen settlement, with intervals"),
        table("Projected indicators in the last year", head, rows, sortable=True),
    )


def _cell(value: Any, form: str) -> Any:
    """A number cell, or a dash where there is none (an infeasible variant)."""
    from allocator.reports.html_kit import num

    ok = isinstance(value, int | float) and np.isfinite(value)
    return num(form.format(value) if ok else "–", value if ok else None)


def write_page(result: SettlementSet, folder: Path, svgs: dict[str, str]) -> Path:
    """The explorer page of a sweep: each key's curves and the summary table."""
    from allocator.reports.html_kit import Markup, el, join, page, table

    folder.mkdir(exist_ok=True)
    static = folder / "static"
    static.mkdir(exist_ok=True)
    package = resources.files("allocator.reports") / "static"
    for name in ("report.css", "report.js"):
        (static / name).write_bytes((package / name).read_bytes())
    summary = result.summary()
    keys = list(result.vary)
    sections = []
    for key, svg in svgs.items():
        inline = Markup(svg[svg.index("<svg") :])  # made by matplotlib here: trusted
        caption = (
            "How sure are we: V of the chosen settlement over the draws, and its regret"
            if key == "uncertainty" and result.samples
            else f"What {key} costs or buys: mission value, its shadow price and how unequal the settlement is"
        )
        sections.append(el("section", el("h2", key), el("figure", el("figcaption", caption), inline)))
    if result.samples:
        sections.append(_intervals(result))
    head = [
        "Variant",
        *keys,
        "Status",
        "V (£bn)",
        "Formula V (£bn)",
        "Highest ÷ lowest £/head",
        "Below target",
    ]
    rows = []
    for v, r in summary.iterrows():
        rows.append(
            [
                str(v),
                *[_cell(r[k], "{:.6g}") for k in keys],
                r["status"],
                _cell(r["V"] / 1e9, "{:,.2f}"),
                _cell(r["V_formula"] / 1e9, "{:,.2f}"),
                _cell(r["per_head_ratio"], "{:.2f}"),
                _cell(r["areas_below_formula_target"], "{:.0f}"),
            ]
        )
    body = join(
        el("h1", f"Sweep of {result.scenario.name}"),
        el("p", f"{len(summary)} variants; the dotted line and dots mark the scenario as shipped."),
        sections,
        table("Every variant", head, rows, sortable=True),
    )
    path = folder / "index.html"
    path.write_text(page(f"Sweep: {result.scenario.name}", body), encoding="utf-8")
    return path
