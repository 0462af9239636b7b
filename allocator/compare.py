"""Compare two settlements: differences by area, stream and year, and the change in mission value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported on use: ``import allocator`` stays light (see allocator/__init__.py)
    import pandas as pd

    from allocator.settlement import Settlement


@dataclass(frozen=True)
class Comparison:
    """Differences ``b - a`` between two settlements, each table with both amounts, the change and the
    change in percent. ``names`` label the two runs in reports."""

    names: tuple[str, str]
    by_area_year: pd.DataFrame
    by_area: pd.DataFrame
    by_stream: pd.DataFrame
    by_year: pd.DataFrame
    value: pd.DataFrame

    def winners_and_losers(self, n: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The areas gaining most and losing most over all years, by £ per head."""
        ranked = self.by_area.sort_values("change_per_head_gbp", ascending=False)
        return ranked.head(n), ranked.tail(n).iloc[::-1]


def _diff(a: pd.Series, b: pd.Series, names: tuple[str, str]) -> pd.DataFrame:
    import pandas as pd

    both = pd.concat({f"{names[0]}_gbp": a, f"{names[1]}_gbp": b}, axis=1).fillna(0.0)
    both["change_gbp"] = both.iloc[:, 1] - both.iloc[:, 0]
    base = both.iloc[:, 0]
    both["change_pct"] = both["change_gbp"] / base.where(base != 0)
    return both


def compare(a: Settlement, b: Settlement, names: tuple[str, str] = ("a", "b")) -> Comparison:
    """Differences of settlement ``b`` against ``a``.

    Args:
        a, b: two settlements (e.g. a baseline and a what-if), on the same areas or not (missing = 0).
        names: labels for the two, used in column names (``<name>_gbp``).
    """
    import pandas as pd

    al, bl = a.allocations, b.allocations
    by_area_year = _diff(
        al.groupby(["area_code", "year"])["amount_gbp"].sum(),
        bl.groupby(["area_code", "year"])["amount_gbp"].sum(),
        names,
    )
    by_area = _diff(
        al.groupby("area_code")["amount_gbp"].sum(), bl.groupby("area_code")["amount_gbp"].sum(), names
    )
    pop = pd.concat([a.areas["population"], b.areas["population"]]).groupby(level=0).first()
    names_ = pd.concat([a.areas["area_name"], b.areas["area_name"]]).groupby(level=0).first()
    by_area.insert(0, "area_name", names_.reindex(by_area.index))
    by_area["population"] = pop.reindex(by_area.index)
    by_area["change_per_head_gbp"] = by_area["change_gbp"] / by_area["population"]
    by_stream = _diff(
        al.groupby(["stream", "year"])["amount_gbp"].sum(),
        bl.groupby(["stream", "year"])["amount_gbp"].sum(),
        names,
    )
    by_year = _diff(
        al.groupby(["year", "budget"])["amount_gbp"].sum(),
        bl.groupby(["year", "budget"])["amount_gbp"].sum(),
        names,
    )
    va, vb = a.summary.get("value", {}), b.summary.get("value", {})
    value = pd.DataFrame(
        {
            names[0]: [va.get("V"), va.get("V_formula")],
            names[1]: [vb.get("V"), vb.get("V_formula")],
        },
        index=pd.Index(["V", "V_formula"], name="measure"),
    )
    value["change"] = value[names[1]] - value[names[0]]
    return Comparison(names, by_area_year, by_area, by_stream, by_year, value)
