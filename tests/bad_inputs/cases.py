"""The bad-input corpus: what a careless or hostile user may give allocator, and what it must answer.

Each case is a command line over the shared world (``world.py``), the exit code it must end with and the
words its message must hold (the file, the field or row, what is wrong). ``test_corpus.py`` runs them;
``python -m tests.bad_inputs.table`` writes docs/bad-inputs.md from this list.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .world import World

Args = Callable[[World], list[str]]


@dataclass(frozen=True)
class Case:
    id: str
    group: str
    what: str
    """The input, in a few words (the docs table shows it)."""
    args: Args
    code: int
    """Exit code: 0 done (with a warning), 2 bad input, 3 infeasible, 4 solver failure."""
    words: tuple[str, ...]
    """Text the output must hold: the place named (file, field, row) and what was wrong."""


CASES: list[Case] = []


def case(id: str, group: str, what: str, args: Args, code: int, *words: str) -> None:
    CASES.append(Case(id, group, what, args, code, words))


# --- how a case builds its command line ------------------------------------------------------------


def sets(*overrides: str, command: str = "validate") -> Args:
    """``allocator validate base.yaml --set ...`` (or ``run``, into the case folder)."""

    def args(w: World) -> list[str]:
        extra = ["-o", str(w.case / "out"), "--quiet"] if command == "run" else []
        return [command, str(w.base), *extra, *(a for o in overrides for a in ("--set", o))]

    return args


def child(text: str) -> Args:
    """``allocator validate child.yaml`` where child.yaml extends the world's scenario with ``text``."""
    return lambda w: ["validate", str(w.scenario(text))]


def lone(content: str | bytes, name: str = "lone.yaml") -> Args:
    """``allocator validate`` of a file that stands alone (no ``extends``)."""
    return lambda w: ["validate", str(w.file(name, content))]


def name_file(w: World, override: str, path: Path) -> list[str]:
    """``allocator validate`` with ``path`` put where ``override`` says (``{}`` is the path).

    ``geography.indicators.N.path={}`` replaces the path of the world's N-th indicator table; a list is
    replaced whole when merged, so that goes through a child scenario holding the whole list.
    """
    key = override.split("=")[0]
    if not key.startswith("geography.indicators."):
        return ["validate", str(w.base), "--set", override.format(path)]
    tables = [
        (w.geo / "population.csv", "code_column: LAD24CD, columns: {population: population}"),
        (w.geo / "indicators.csv", "code_column: LAD24CD"),
        (w.geo / "strategic_authorities.csv", "code_column: CAUTH24CD, join_on: CAUTH24CD"),
    ]
    index = int(key.split(".")[2])
    tables[index] = (path, tables[index][1])
    listed = "".join(f"    - {{path: {file}, {rest}}}\n" for file, rest in tables)
    return ["validate", str(w.scenario(f"geography:\n  indicators:\n{listed}"))]


def with_file(name: str, content: str | bytes, override: str) -> Args:
    """A file in the case folder, named by ``--set`` (``{}`` in ``override`` is its path)."""
    return lambda w: name_file(w, override, w.file(name, content))


def table_with(column: str, row: int, value: str, override: str = "geography.indicators.1.path={}") -> Args:
    """The world's indicators.csv with one cell replaced, named by ``override``."""

    def args(w: World) -> list[str]:
        table = pd.read_csv(w.geo / "indicators.csv", dtype=str)
        table.loc[row, column] = value
        path = w.case / "indicators.csv"
        table.to_csv(path, index=False)
        return name_file(w, override, path)

    return args


def csv_edit(source: str, edit: Callable[[pd.DataFrame], pd.DataFrame], override: str) -> Args:
    """One of the world's CSV files changed by ``edit``, saved in the case folder and named by ``override``."""

    def args(w: World) -> list[str]:
        path = w.case / source
        edit(pd.read_csv(w.geo / source, dtype=str)).to_csv(path, index=False)
        return name_file(w, override, path)

    return args


def custom(make: Callable[[World], list[str]]) -> Args:
    return make


# One case per line, as a table: the formatter leaves the cases as written.
# fmt: off

# --- YAML ------------------------------------------------------------------------------------------

case("yaml-syntax", "yaml", "unclosed bracket", child("years: [2026, 2027\n"), 2, "child.yaml", "line", "not valid YAML")
case("yaml-tab", "yaml", "tab indentation", child("objective:\n\tsegments: 3\n"), 2, "child.yaml", "not valid YAML")
case("yaml-duplicate-key", "yaml", "a key given twice", child("name: a\nname: b\n"), 2, "child.yaml", "duplicate")
case("yaml-alias-bomb", "yaml", "alias bomb under description", child("description: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(f"d{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10))), 2, "child.yaml", "aliases")
case("yaml-deep-flow", "yaml", "5,000-deep [[[...]]]", child("description: " + "[" * 5000 + "]" * 5000 + "\n"), 2, "child.yaml", "nests deeper")
case("yaml-deep-block", "yaml", "300-deep block mapping", child("objective:\n" + "".join(" " * (i + 1) + f'k{i}:\n' for i in range(300))), 2, "child.yaml", "nests deeper")
case("yaml-list", "yaml", "a list, not a mapping", lone("- a\n- b\n"), 2, "lone.yaml", "must be a mapping")
case("yaml-empty", "yaml", "an empty file", lone(""), 2, "lone.yaml", "required but missing")
case("yaml-binary", "yaml", "bytes that are not UTF-8", lone(b"\xff\xfe\x00garbage"), 2, "lone.yaml", "not UTF-8")
case("yaml-python-tag", "yaml", "!!python/object/apply:os.system", child('description: !!python/object/apply:os.system ["id"]\n'), 2, "child.yaml", "not valid YAML")
case("yaml-unhashable-key", "yaml", "a list as a key", child("? [a, b]\n: 1\n"), 2, "child.yaml", "keys should be strings")
case("yaml-nul", "yaml", "a NUL byte", child("name: a\x00b\n"), 2, "child.yaml", "not valid YAML")


def _flow_bomb(levels: int = 8, width: int = 8) -> str:
    """A one-line YAML mapping whose aliases expand to width ** levels values."""
    parts = [f"a0: &a0 [{', '.join(['x'] * width)}]"]
    parts += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels)]
    return "{" + ", ".join(parts) + "}"


case("yaml-set-bomb", "yaml", "alias bomb in --set", sets("description=" + _flow_bomb()), 2, "--set: description", "aliases")
case("yaml-set-deep", "yaml", "deep nesting in --set", sets("description=" + "[" * 500 + "]" * 500), 2, "--set: description", "nests deeper")


def _cycle(w: World) -> list[str]:
    w.file("a.yaml", f"extends: {w.case / 'b.yaml'}\n")
    w.file("b.yaml", f"extends: {w.case / 'a.yaml'}\n")
    return ["validate", str(w.case / "a.yaml")]


case("yaml-cycle", "yaml", "extends cycle", custom(_cycle), 2, "extends", "cycle")
case("yaml-extends-missing", "yaml", "extends a missing file", lone("extends: nowhere.yaml\n"), 2, "lone.yaml", "extends", "not found")
case("yaml-extends-passwd", "yaml", "extends /etc/passwd", lone("extends: /etc/passwd\n"), 2, "/etc/passwd", "expected a YAML file")


def _extends_folder(w: World) -> list[str]:
    (w.case / "dir.yaml").mkdir()
    return ["validate", str(w.file("lone.yaml", "extends: dir.yaml\n"))]


case("yaml-extends-folder", "yaml", "extends a folder", custom(_extends_folder), 2, "dir.yaml", "is a folder")
case("yaml-rule-set-dev", "yaml", "rule_set: /dev/zero", sets("rule_set=/dev/zero"), 2, "/dev/zero", "expected a YAML file")
case("yaml-too-big", "yaml", "a 6 MB scenario", custom(lambda w: ["validate", str(w.file("big.yaml", "description: " + "x" * 6000000 + "\n"))]), 2, "big.yaml", "MB")


def _fifo(name: str, override: str | None = None) -> Args:
    """A FIFO in the case folder: the scenario itself, or a file named by ``override``."""

    def args(w: World) -> list[str]:
        os.mkfifo(w.case / name)
        if override is None:
            return ["validate", str(w.case / name)]
        return name_file(w, override, w.case / name)

    return args


case("yaml-fifo", "yaml", "a FIFO named .yaml", _fifo("pipe.yaml"), 2, "pipe.yaml", "not a regular file")
case("yaml-not-yaml-name", "yaml", "a scenario named .txt", custom(lambda w: ["validate", str(w.file("s.txt", "name: x\n"))]), 2, "s.txt", "expected a YAML file")

# --- schema ----------------------------------------------------------------------------------------

case("schema-unknown-top", "schema", "misspelt top-level field", child("yeers: [2026]\n"), 2, "child.yaml: yeers", "did you mean 'years'")
case("schema-unknown-stream-field", "schema", "misspelt stream field", sets("streams.transport.z0=5"), 2, "--set: streams.transport.z0", "unknown field")
case("schema-unknown-rule-field", "schema", "misspelt rule parameter", sets("rules.pace_of_change.gama=0.1"), 2, "rules.pace_of_change.gama", "unknown field")
case("schema-years-text", "schema", "years: abc", sets("years=abc"), 2, "--set: years", "expected a list")
case("schema-years-gap", "schema", "years not consecutive", sets("years=[2026, 2028]"), 2, "--set: years", "consecutive")
case("schema-years-empty", "schema", "years: []", sets("years=[]"), 2, "--set: years")
case("schema-years-11", "schema", "eleven years", sets("years=[" + ", ".join(str(y) for y in range(2026, 2037)) + "]"), 2, "--set: years")
case("schema-year-3000", "schema", "year 3000", sets("years=[3000]"), 2, "--set: years", "financial-year starts")
case("schema-no-missions", "schema", "missions deleted", sets("missions=null"), 2, "missions", "required but missing")
case("schema-no-streams", "schema", "streams: {}", lone("name: x\nyears: [2026]\nstreams: {}\n"), 2, "lone.yaml: streams", "at least 1 item")
case("schema-rule-kind", "schema", "unknown rule kind", sets("rules.x={kind: flor}"), 2, "rules.x", "unknown rule kind 'flor'")
case("schema-rule-no-kind", "schema", "rule without kind", sets("rules.x={phi: 1}"), 2, "rules.x", "needs a 'kind'")
case("schema-rule-kind-list", "schema", "kind is a list", sets("rules.x={kind: [floor]}"), 2, "rules.x")
case("schema-direction", "schema", "mission direction: up", sets("missions.growth.direction=up"), 2, "missions.growth.direction", "higher_is_better")
case("schema-budget", "schema", "stream budget: revenue", sets("streams.transport.budget=revenue"), 2, "streams.transport.budget")
case("schema-amounts", "schema", "amounts: nominal", sets("amounts=nominal"), 2, "--set: amounts", "'real'")
case("schema-objective-mode", "schema", "objective mode: best", sets("objective.mode=best"), 2, "objective.mode")
case("schema-solver-name", "schema", "solver: gurobi", sets("solver.name=gurobi"), 2, "solver.name")
case("schema-option-file", "schema", "HiGHS log_file option", sets("solver.options.log_file=/tmp/x"), 2, "solver.options", "touches files")
case("schema-option-time", "schema", "HiGHS time_limit option", sets("solver.options.time_limit=1e9"), 2, "solver.options", "not allowed")
case("schema-option-name", "schema", "option name with spaces", sets("solver.options={'a b': 1}"), 2, "solver.options", "not a HiGHS option name")
case("schema-selector-two", "schema", "selector with two tests", sets("integrated.mayoral={equals: true, in: [true]}"), 2, "integrated.mayoral", "exactly one")
case("schema-between-order", "schema", "between [5, 1]", sets("integrated.mayor_months={between: [5, 1]}"), 2, "integrated.mayor_months", "lo > hi")
case("schema-rules-list", "schema", "rules as a list", sets("rules=[a, b]"), 2, "--set: rules", "expected a mapping")
case("schema-name-mapping", "schema", "name as a mapping", sets("name={a: 1}"), 2, "--set: name", "expected text")
case("schema-phase-empty", "schema", "phase: []", sets("objective.phase=[]"), 2, "objective.phase")
case("schema-unknown-mission", "schema", "effect on an unknown mission", sets("streams.transport.effects.grwth=1"), 2, "streams.transport.effects.grwth", "unknown mission")
case("schema-ring-fence-stream", "schema", "ring fence on an unknown stream", sets("rules.rf={kind: ring_fence, stream: trains, share: 0.1}"), 2, "rules.rf.stream", "unknown stream")
case("schema-no-envelope", "schema", "a budget with no envelope", sets("envelopes.capital=null"), 2, "budget", "capital budget has no entry")
case("schema-baseline-missing", "schema", "geography.baseline deleted", sets("geography.baseline=null"), 2, "geography.baseline", "required")
case("schema-parent-both", "schema", "parent by column and boundaries", sets("geography.parents.r={column: RGN24CD, boundaries: geo/areas.gpkg}"), 2, "geography.parents.r", "exactly one")
case("schema-year-outside", "schema", "envelope for 2031", sets("envelopes.resource.2031=1e9"), 2, "envelopes.resource", "outside")
case("schema-dated-gap", "schema", "a rule value without 2026", sets("rules.funding_guarantee.phi={2027: 0.9}"), 2, "rules.funding_guarantee.phi", "no value for year(s) [2026]")
case("schema-set-no-equals", "schema", "--set without =", sets("solver.threads"), 2, "--set", "KEY=VALUE")
case("schema-set-twice", "schema", "--set the same key twice", sets("solver.threads=1", "solver.threads=2"), 2, "--set: solver.threads", "set twice")
case("schema-set-empty-key", "schema", "--set =1", sets("=1"), 2, "--set", "KEY=VALUE")
case("schema-spending-power", "schema", "spending_power floor without own resources", sets("geography.own_resources=null", "rules.funding_guarantee.basis=spending_power"), 2, "rules.funding_guarantee.basis", "own_resources")
case("schema-bad-year-key", "schema", "envelope key 20x6", sets("envelopes.resource.20x6=1"), 2, "envelopes.resource.20x6", "not a year key")
case("schema-bad-range-key", "schema", "rule value key 'soon..'", sets("rules.funding_guarantee.phi={soon..: 1}"), 2, "rules.funding_guarantee.phi", "not a year key")

# --- numbers ---------------------------------------------------------------------------------------

for value, label in ((".nan", "NaN"), (".inf", "infinity"), ("-.inf", "minus infinity"), ("1e400", "1e400")):
    case(
        f"number-envelope-{label.replace(' ', '-')}",
        "numbers",
        f"envelope {label}",
        sets(f"envelopes.resource={value}"),
        2,
        "--set: envelopes.resource",
        "finite number",
    )
case("number-envelope-zero", "numbers", "envelope 0", sets("envelopes.capital=0"), 2, "--set: envelopes.capital", "greater than 0")
case("number-envelope-negative", "numbers", "envelope -5e9 in one year", sets("envelopes.resource.2027=-5e9"), 2, "--set: envelopes.resource.2027", "greater than 0")
case("number-envelope-huge", "numbers", "envelope 1e14", sets("envelopes.capital=1e14"), 2, "--set: envelopes.capital", "less than or equal")
case("number-envelope-year-nan", "numbers", "envelope {2026: .nan}", sets("envelopes.resource.2026=.nan"), 2, "--set: envelopes.resource.2026", "finite number")
case("number-inflation-high", "numbers", "inflation 5", sets("inflation=5"), 2, "--set: inflation", "less than or equal to 1")
case("number-inflation-nan", "numbers", "inflation .nan", sets("inflation=.nan"), 2, "--set: inflation", "finite number")
case("number-phi-nan", "numbers", "floor phi .nan", sets("rules.funding_guarantee.phi=.nan"), 2, "rules.funding_guarantee.phi", "finite number")
case("number-phi-negative", "numbers", "floor phi -0.5", sets("rules.funding_guarantee.phi=-0.5"), 2, "rules.funding_guarantee.phi", "greater than or equal to 0")
case("number-phi-3", "numbers", "floor phi 3", sets("rules.funding_guarantee.phi=3"), 2, "rules.funding_guarantee.phi", "less than or equal to 2")
case("number-gamma-inf", "numbers", "ceiling gamma .inf", sets("rules.pace_of_change.gamma=.inf"), 2, "rules.pace_of_change.gamma", "finite number")
case("number-gamma-negative", "numbers", "ceiling gamma -0.1", sets("rules.pace_of_change.gamma=-0.1"), 2, "rules.pace_of_change.gamma")
case("number-mu-negative", "numbers", "minimum per head -120", sets("rules.m={kind: per_capita_minimum, mu_gbp_per_head: -120}"), 2, "rules.m.mu_gbp_per_head")
case("number-mu-huge", "numbers", "minimum per head 1e7", sets("rules.m={kind: per_capita_minimum, mu_gbp_per_head: 1e7}"), 2, "rules.m.mu_gbp_per_head")
case("number-rho-zero", "numbers", "equity ratio rho 0", sets("rules.e={kind: equity_ratio, rho: 0}"), 2, "rules.e.rho", "greater than 0")
case("number-rho-nan", "numbers", "equity ratio rho .nan", sets("rules.e={kind: equity_ratio, rho: .nan}"), 2, "rules.e.rho", "finite number")
case("number-tau-negative", "numbers", "neighbour parity tau -1", sets("rules.neighbours.tau=-1"), 2, "rules.neighbours.tau")
case("number-kappa", "numbers", "convergence kappa 1.5", sets("rules.c={kind: convergence, kappa: 1.5}"), 2, "rules.c.kappa")
case("number-share-2", "numbers", "ring fence share 2", sets("rules.rf={kind: ring_fence, stream: transport, share: 2}"), 2, "rules.rf.share")
case("number-fence-nan", "numbers", "ring fence amount .nan", sets("rules.rf={kind: ring_fence, stream: transport, amount_gbp: .nan}"), 2, "rules.rf.amount_gbp", "finite number")
case("number-multi-year-zero", "numbers", "multi-year total 0", sets("rules.t={kind: multi_year_total, budget: capital, amount_gbp: 0}"), 2, "rules.t.amount_gbp")
case("number-multi-year-inf", "numbers", "multi-year total .inf", sets("rules.t={kind: multi_year_total, budget: capital, amount_gbp: .inf}"), 2, "rules.t.amount_gbp", "finite number")
case("number-headroom-1", "numbers", "headroom share 1", sets("rules.capital_envelope.headroom_share=1"), 2, "rules.capital_envelope.headroom_share", "less than 1")
case("number-capital-share-order", "numbers", "capital share lo above hi", sets("rules.cs={kind: capital_share, lo: 0.6, hi: 0.4}"), 2, "rules.cs", "above hi")
case("number-penalty-zero", "numbers", "soft penalty 0", sets("rules.neighbours.penalty=0"), 2, "rules.neighbours.penalty")
case("number-penalty-nan", "numbers", "soft penalty .nan", sets("rules.neighbours.penalty=.nan"), 2, "rules.neighbours.penalty", "finite number")
case("number-z0-inf", "numbers", "z0 .inf", sets("streams.transport.z0_gbp_per_head=.inf"), 2, "streams.transport.z0_gbp_per_head", "finite number")
case("number-z0-zero", "numbers", "z0 0", sets("streams.transport.z0_gbp_per_head=0"), 2, "streams.transport.z0_gbp_per_head")
case("number-zmax-negative", "numbers", "zmax -1", sets("streams.transport.zmax_gbp_per_head=-1"), 2, "streams.transport.zmax_gbp_per_head")
case("number-persistence-1", "numbers", "persistence 1", sets("streams.transport.persistence=1"), 2, "streams.transport.persistence")
case("number-effect-nan", "numbers", "effect .nan", sets("streams.transport.effects.growth=.nan"), 2, "streams.transport.effects.growth", "finite number")
case("number-effect-huge", "numbers", "effect 1e9", sets("streams.transport.effects.growth=1e9"), 2, "streams.transport.effects.growth")
case("number-target-nan", "numbers", "mission target .nan", sets("missions.growth.target=.nan"), 2, "missions.growth.target", "finite number")
case("number-weight-negative", "numbers", "mission weight -1", sets("missions.growth.weight=-1"), 2, "missions.growth.weight")
case("number-discount", "numbers", "discount rate 0.5", sets("objective.discount_rate=0.5"), 2, "objective.discount_rate")
case("number-tail", "numbers", "tail years 1000", sets("objective.tail_years=1000"), 2, "objective.tail_years")
case("number-segments", "numbers", "segments 0", sets("objective.segments=0"), 2, "objective.segments")
case("number-soft-penalty-inf", "numbers", "objective soft penalty .inf", sets("objective.soft_penalty=.inf"), 2, "objective.soft_penalty", "finite number")
case("number-blend-nan", "numbers", "blend beta .nan", sets("objective.blend_beta=.nan"), 2, "objective.blend_beta", "finite number")
case("number-need-floor", "numbers", "need floor .nan", sets("objective.need_floor=.nan"), 2, "objective.need_floor", "finite number")
case("number-phase-nan", "numbers", "phase [.nan]", sets("objective.phase=[.nan]"), 2, "objective.phase")
case("number-threads-huge", "numbers", "100,000 solver threads", sets("solver.threads=100000"), 2, "solver.threads", "256")
case("number-threads-zero", "numbers", "0 solver threads", sets("solver.threads=0"), 2, "solver.threads")
case("number-time-limit-zero", "numbers", "time limit 0", sets("solver.time_limit_s=0"), 2, "solver.time_limit_s")
case("number-time-limit-inf", "numbers", "time limit .inf", sets("solver.time_limit_s=.inf"), 2, "solver.time_limit_s", "finite number")
case("number-gap", "numbers", "gap_rel 2", sets("solver.gap_rel=2"), 2, "solver.gap_rel")
case("number-seed", "numbers", "seed -1", sets("solver.seed=-1"), 2, "solver.seed")
case("number-illustrative-nan", "numbers", "illustrative baseline .nan", sets("geography.baseline={illustrative_total_gbp: .nan}"), 2, "geography.baseline", "finite number")
case("number-own-growth", "numbers", "own resources growth 2", sets("geography.own_resources={column: band_d_gbp, growth: 2}"), 2, "geography.own_resources")
case("number-between-inf", "numbers", "selector between [0, .inf]", sets("integrated.mayor_months={between: [0, .inf]}"), 2, "integrated.mayor_months", "finite number")
case("number-elasticity", "numbers", "distributional elasticity 9", sets("objective.distributional={income_column: gdhi_per_head_gbp, elasticity: 9}"), 2, "objective.distributional.elasticity")
case("number-inf-at-run", "numbers", "rule value .inf given to run", sets("rules.funding_guarantee.phi=.inf", command="run"), 2, "rules.funding_guarantee.phi", "finite number")

# --- rules -----------------------------------------------------------------------------------------

case("rule-areas-none", "rules", "areas selecting no area", sets("rules.x={kind: ceiling, gamma: 0.5, areas: {tier: Nowhere}}"), 2, "rules.x.areas", "selects none")
case("rule-areas-none-run", "rules", "areas selecting no area, at run", sets("rules.x={kind: floor, areas: {area_code: E99999999}}", command="run"), 2, "rules.x.areas", "selects none")
case("rule-areas-column", "rules", "areas on an unknown attribute", sets("rules.x={kind: ceiling, areas: {teir: x}}"), 2, "rules.x.areas.teir", "did you mean 'tier'")
case("rule-years-outside", "rules", "years: [2031]", sets("rules.pace_of_change.years=[2031]"), 2, "rules.pace_of_change.years", "outside")
case("rule-years-after", "rules", "years: '2030..'", sets("rules.pace_of_change.years=2030.."), 2, "rules.pace_of_change.years", "covers none")
case("rule-years-text", "rules", "years: next year", sets("rules.pace_of_change.years=next year"), 2, "rules.pace_of_change.years", "not a year key")
case("rule-markup-id", "rules", "rule id [/x] with a bad value", sets("rules.[/x]={kind: ceiling, gamma: -1}"), 2, "rules.[/x].gamma")
case("rule-markup-id-ok", "rules", "rule id [/x], valid", sets("rules.[/x]={kind: ceiling, gamma: 0.5}"), 0, "[/x] (ceiling)")
case("rule-infeasible", "rules", "floor 200% with the envelope allocated in full", sets("rules.funding_guarantee.phi=2", "rules.pace_of_change=null", command="run"), 3, "infeasible", "funding_guarantee")
case("rule-time-limit", "rules", "a microsecond time limit", sets("solver.time_limit_s=1e-6", command="run"), 4, "time limit")

# --- geography -------------------------------------------------------------------------------------

case("geo-missing", "geography", "boundaries file missing", sets("geography.boundaries=nowhere.gpkg"), 2, "nowhere.gpkg", "file not found")
case("geo-csv", "geography", "boundaries given as a CSV", sets("geography.boundaries=geo/lookup.csv"), 2, "lookup.csv", "expected a GeoPackage")


def _folder_as(name: str, override: str) -> Args:
    def args(w: World) -> list[str]:
        (w.case / name).mkdir()
        return ["validate", str(w.base), "--set", override.format(w.case / name)]

    return args


case("geo-folder", "geography", "boundaries a folder named .gpkg", _folder_as("b.gpkg", "geography.boundaries={}"), 2, "b.gpkg", "is a folder")
case("geo-dev-zero", "geography", "boundaries /dev/zero", sets("geography.boundaries=/dev/zero"), 2, "/dev/zero")
case("geo-garbage", "geography", "a .gpkg of random bytes", with_file("junk.gpkg", os.urandom(4096), "geography.boundaries={}"), 2, "junk.gpkg", "cannot be read")
case("geo-vrt", "geography", "a GDAL .vrt (could fetch a URL)", with_file("x.vrt", "<OGRVRTDataSource/>", "geography.boundaries={}"), 2, "x.vrt", "expected a GeoPackage")


def _metres_as_degrees(w: World) -> list[str]:
    frame = gpd.read_file(w.geo / "areas.gpkg", layer="areas").set_crs("EPSG:4326", allow_override=True)
    frame.to_file(w.case / "metres.gpkg", layer="areas", driver="GPKG")
    return ["validate", str(w.base), "--set", f"geography.boundaries={w.case / 'metres.gpkg'}"]


case("geo-metres-as-degrees", "geography", "metres labelled EPSG:4326", custom(_metres_as_degrees), 2, "metres.gpkg", "look like metres")


def _empty_geojson(w: World) -> list[str]:
    path = w.file("empty.geojson", '{"type": "FeatureCollection", "features": []}')
    return ["validate", str(w.base), "--set", f"geography.boundaries={path}", "--set", "geography.layer=null"]


case("geo-no-features", "geography", "GeoJSON without features", custom(_empty_geojson), 2, "empty.geojson")
case("geo-layer", "geography", "an unknown layer", sets("geography.layer=areaz"), 2, "geography.layer", "did you mean 'areas'")
case("geo-code-column", "geography", "an unknown code column", sets("geography.code_column=LAD23CD"), 2, "geography.code_column", "LAD24CD")
case("geo-derived-exec", "geography", "derived: __globals__ ... os.system", sets("geography.derived.x=population.__class__.__init__.__globals__['sys'].modules['os'].system('id') + population * 0"), 2, "geography.derived.x", "at character 11")
case("geo-derived-write", "geography", "derived: population.to_csv('/tmp/x')", sets("geography.derived.x=population.to_csv('/tmp/x')"), 2, "geography.derived.x", "unexpected character")
case("geo-derived-unknown", "geography", "derived: an unknown column", sets("geography.derived.x=populaton * 2"), 2, "geography.derived.x", "did you mean 'population'")
case("geo-derived-function", "geography", "derived: __import__(os)", sets("geography.derived.x=__import__(os)"), 2, "geography.derived.x", "unknown function")
case("geo-derived-deep", "geography", "derived: 60 nested parentheses", sets("geography.derived.x=" + "(" * 60 + "population" + ")" * 60), 2, "geography.derived.x", "deeper")
case("geo-derived-syntax", "geography", "derived: 'population +* 2'", sets("geography.derived.x=population +* 2"), 2, "geography.derived.x", "at character 13")
case("geo-derived-empty", "geography", "derived: empty", sets("geography.derived.x=' '"), 2, "geography.derived.x", "is empty")
case("geo-select-none", "geography", "select matching no area", sets("geography.select={tier: Nowhere}"), 2, "geography.select", "selects none")
case("geo-dissolve", "geography", "dissolve_to an unknown attribute", sets("geography.dissolve_to=CAUTH23CD"), 2, "geography.dissolve_to", "did you mean")
case("geo-population", "geography", "an unknown population column", sets("geography.population_column=pop"), 2, "pop")

# --- indicators and other tables -------------------------------------------------------------------

case("table-missing", "indicators", "indicator file missing", custom(lambda w: name_file(w, "geography.indicators.1.path={}", w.case / "gone.csv")), 2, "gone.csv", "file not found")
case("table-shadow", "indicators", "lookup at /etc/shadow", sets("geography.lookup.path=/etc/shadow"), 2, "/etc/shadow", "expected a CSV table")
case("table-environ", "indicators", "baseline at /proc/self/environ", sets("geography.baseline.path=/proc/self/environ"), 2, "/proc/self/environ")


def _link(name: str, to: str, override: str) -> Args:
    def args(w: World) -> list[str]:
        (w.case / name).symlink_to(to)
        return ["validate", str(w.base), "--set", override.format(w.case / name)]

    return args


case("table-environ-link", "indicators", "x.csv linking to /proc/self/environ", _link("x.csv", "/proc/self/environ", "geography.baseline.path={}"), 2, "x.csv", "under /proc")
case("table-fifo", "indicators", "a FIFO named .csv", _fifo("p.csv", "geography.indicators.1.path={}"), 2, "p.csv", "not a regular file")
case("table-binary", "indicators", "a CSV that is not UTF-8", with_file("bin.csv", b"\xff\xfe\xfa\x00\x01", "geography.indicators.1.path={}"), 2, "bin.csv", "cannot be read")
case("table-empty", "indicators", "an empty CSV", with_file("empty.csv", "", "geography.indicators.1.path={}"), 2, "empty.csv", "cannot be read")
case("table-code-column", "indicators", "the code column absent", with_file("nocode.csv", "a,b\n1,2\n", "geography.indicators.1.path={}"), 2, "nocode.csv", "no column 'LAD24CD'")
case("table-population-inf", "indicators", "population 'inf'", csv_edit("population.csv", lambda t: t.assign(population=t["population"].where(t.index != 2, "inf")), "geography.indicators.0.path={}"), 2, "population.csv", "row 4", "finite number")
case("table-indicator-text", "indicators", "an indicator 'abc'", table_with("gva_per_hour_gbp", 0, "abc"), 2, "indicators.csv", "row 2", "'abc'")
case("table-indicator-inf", "indicators", "an indicator '-inf'", table_with("gva_per_hour_gbp", 1, "-inf"), 2, "indicators.csv", "row 3", "finite number")
case("table-duplicate", "indicators", "a code twice", csv_edit("population.csv", lambda t: pd.concat([t, t.iloc[:1]]), "geography.indicators.0.path={}"), 2, "population.csv", "duplicate code")
case("table-baseline-negative", "indicators", "a negative baseline amount", csv_edit("baseline_funding.csv", lambda t: t.assign(amount_gbp=t["amount_gbp"].where(t.index != 0, "-5")), "geography.baseline.path={}"), 2, "baseline_funding.csv", "row 2", "0 or more")
case("table-baseline-inf", "indicators", "a baseline amount 'inf'", csv_edit("baseline_funding.csv", lambda t: t.assign(amount_gbp=t["amount_gbp"].where(t.index != 3, "inf")), "geography.baseline.path={}"), 2, "baseline_funding.csv", "row 5")
case("table-baseline-stream", "indicators", "a baseline row for an unknown stream", csv_edit("baseline_funding.csv", lambda t: t.assign(stream=t["stream"].where(t.index != 0, "trains")), "geography.baseline.path={}"), 2, "baseline_funding.csv", "unknown stream 'trains'")
case("table-own-year", "indicators", "an own-resources year 'x'", csv_edit("own_resources.csv", lambda t: t.assign(year=t["year"].where(t.index != 1, "x")), "geography.own_resources.path={}"), 2, "own_resources.csv", "row 3", "expected a year")
case("table-escape-header", "indicators", "headers with escape sequences, the code column absent", with_file("esc.csv", "\x1b[2Jname,\x1b]0;pwn\x07other\n1,2\n", "geography.indicators.1.path={}"), 2, "esc.csv", "\\x1b")
case("table-long-header", "indicators", "a 10,000-character header", with_file("long.csv", "y" * 10000 + "\n1\n", "geography.indicators.1.path={}"), 2, "long.csv", "…")
def _geodata_check(name: str, rows: Callable[[World], str]) -> Args:
    """``allocator geodata check`` of the world's boundaries with one indicator table."""
    return lambda w: ["geodata", "check", str(w.geo / "areas.gpkg"), "--layer", "areas", "--indicators", f"{w.file(name, rows(w))}:LAD24CD"]


def _all_but_three(w: World) -> str:
    return "".join((w.geo / "population.csv").read_text().splitlines(keepends=True)[:-3])


case("table-coverage-warning", "indicators", "geodata check: a table missing 3 areas", _geodata_check("pop.csv", _all_but_three), 0, "3 of the 12 areas have no row", "warning")
case("table-coverage-vintage", "indicators", "geodata check: codes of another year", _geodata_check("old.csv", lambda w: "LAD24CD,x\nE06000001,1\nE07999999,2\n"), 2, "old.csv", "another year")

# --- paths: what may be read and replaced ----------------------------------------------------------

case("path-var-unset", "paths", "${VAR} not set", sets("geography.boundaries=${ALLOCATOR_CORPUS_UNSET}/a.gpkg"), 2, "ALLOCATOR_CORPUS_UNSET is not set")
case("path-var-shown", "paths", "${HOME} in a missing path", sets("geography.boundaries=${HOME}/allocator-none/a.gpkg"), 2, "${HOME}/allocator-none/a.gpkg", "file not found")


def _folder_with(*names: str) -> Callable[[World], Path]:
    def make(w: World) -> Path:
        folder = w.case / "target"
        folder.mkdir()
        for name in names:
            (folder / name).write_text("the user's own")
        return folder

    return make


case("out-documents", "paths", "run -o a folder of documents", custom(lambda w: ["run", str(w.base), "-o", str(_folder_with("thesis.docx")(w)), "--quiet"]), 2, "target", "did not write")
case("out-file", "paths", "run -o an existing file", custom(lambda w: ["run", str(w.base), "-o", str(w.file("f.txt", "x")), "--quiet"]), 2, "f.txt", "is a file")
case("out-under-file", "paths", "run -o file.txt/sub", custom(lambda w: ["run", str(w.base), "-o", f"{w.file('file.txt', 'x')}/sub", "--quiet"]), 2, "file.txt", "is a file, not a folder")
case("out-proc", "paths", "run -o /proc/x", custom(lambda w: ["run", str(w.base), "-o", "/proc/x", "--quiet"]), 2, "/proc/x", "is under /proc")
case("out-dot", "paths", "run -o .", custom(lambda w: ["run", str(w.base), "-o", ".", "--quiet"]), 2, "is the current folder")
case("out-parent", "paths", "run -o ..", custom(lambda w: ["run", str(w.base), "-o", "..", "--quiet"]), 2, "is the current folder or holds it")


def _run_plus_user_file(w: World) -> list[str]:
    run = w.run_copy("target")
    (run / "notes.txt").write_text("mine")
    return ["run", str(w.base), "-o", str(run), "--quiet"]


case("out-run-plus-file", "paths", "run -o an old run holding a user's file", custom(_run_plus_user_file), 2, "notes.txt", "also holds files")


def _out_link(w: World) -> list[str]:
    (w.case / "elsewhere").mkdir()
    (w.case / "link").symlink_to(w.case / "elsewhere")
    return ["run", str(w.base), "-o", str(w.case / "link"), "--quiet"]


case("out-symlink", "paths", "run -o a symbolic link", custom(_out_link), 2, "symbolic link")
case("report-site", "paths", "report -o a site with its own index.html", custom(lambda w: ["report", str(w.root / "run"), "-o", str(_folder_with("index.html")(w)), "--quiet"]), 2, "target", "did not write")
case("report-into-run", "paths", "report -o the run folder itself", custom(lambda w: ["report", str(w.root / "run"), "-o", str(w.root / "run"), "--quiet"]), 2, "no report manifest.json")
case("synth-documents", "paths", "geodata synth -o a folder of documents", custom(lambda w: ["geodata", "synth", "--areas", "4", "-o", str(_folder_with("cv.pdf")(w))]), 2, "target", "did not write")
case("csv-folder", "paths", "compare --csv a folder", custom(lambda w: ["compare", str(w.root / "run"), str(w.root / "run"), "--csv", str(w.case)]), 2, "is a directory")
case("csv-proc", "paths", "compare --csv /proc/x.csv", custom(lambda w: ["compare", str(w.root / "run"), str(w.root / "run"), "--csv", "/proc/x.csv"]), 2, "/proc/x.csv", "is under /proc")

# --- run folders -----------------------------------------------------------------------------------


def damaged(harm: Callable[[Path], object], command: str = "inspect") -> Args:
    """A copy of the world's run folder harmed by ``harm``, then read by ``command``."""

    def args(w: World) -> list[str]:
        run = w.run_copy()
        harm(run)
        return {
            "inspect": ["inspect", str(run), "E06000001"],
            "report": ["report", str(run), "--quiet", "-o", str(w.case / "site")],
            "compare": ["compare", str(w.root / "run"), str(run)],
            "verify": ["verify", str(run)],
        }[command]

    return args


def _rewrite_manifest(run: Path) -> None:
    from allocator.output_folder import write_manifest
    from allocator.run_folder import UNLISTED

    write_manifest(run, "run", UNLISTED)


HARMS: dict[str, tuple[str, Callable[[Path], object], str]] = {
    "truncated-parquet": (
        "allocations.parquet truncated",
        lambda r: (r / "allocations.parquet").write_bytes((r / "allocations.parquet").read_bytes()[:64]),
        "allocations.parquet",
    ),
    "zero-parquet": (
        "areas.parquet of zero bytes",
        lambda r: (r / "areas.parquet").write_bytes(b""),
        "areas.parquet",
    ),
    "missing-table": (
        "baseline.parquet deleted",
        lambda r: (r / "baseline.parquet").unlink(),
        "baseline.parquet",
    ),
    "truncated-summary": (
        "summary.json truncated",
        lambda r: (r / "summary.json").write_text((r / "summary.json").read_text()[:30]),
        "summary.json",
    ),
    "empty-summary": ("summary.json is {}", lambda r: (r / "summary.json").write_text("{}"), "summary.json"),
    "dropped-column": (
        "a column dropped",
        lambda r: (
            pd.read_parquet(r / "allocations.parquet")
            .drop(columns="amount_gbp")
            .to_parquet(r / "allocations.parquet")
        ),
        "allocations.parquet",
    ),
    "nan-amounts": (
        "NaN amounts",
        lambda r: (
            pd.read_parquet(r / "allocations.parquet")
            .assign(amount_gbp=float("nan"))
            .to_parquet(r / "allocations.parquet")
        ),
        "allocations.parquet",
    ),
}
for key, (what, harm, named) in HARMS.items():
    for command in ("inspect", "report", "compare", "verify"):
        case(
            f"run-{key}-{command}", "run folders", f"{what}, then {command}", damaged(harm, command), 2, named
        )

case("run-no-manifest", "run folders", "manifest.json deleted", damaged(lambda r: (r / "manifest.json").unlink()), 2, "manifest.json", "no readable")
case("run-bad-manifest", "run folders", "manifest.json not JSON", damaged(lambda r: (r / "manifest.json").write_text("{oops")), 2, "manifest.json")


def _report_as_run(w: World) -> list[str]:
    from allocator.reports.html import write_report
    from allocator.run_folder import read_run

    write_report(read_run(w.root / "run"), w.case / "site")
    return ["inspect", str(w.case / "site"), "E06000001"]


case("run-report-manifest", "run folders", "a report folder given as a run", custom(_report_as_run), 2, "manifest.json", "report folder")
case("run-scenario-damaged", "run folders", "scenario.yaml edited", damaged(lambda r: (r / "scenario.yaml").write_text("name: [")), 2, "scenario.yaml")
case("run-empty-folder", "run folders", "an empty folder", custom(lambda w: ["inspect", str(w.case), "x"]), 2, "not a run folder")
def behind_manifest(harm: Callable[[Path], object]) -> Callable[[Path], None]:
    """``harm``, then a manifest rewritten to match: damage the manifest alone cannot reveal."""

    def both(run: Path) -> None:
        harm(run)
        _rewrite_manifest(run)

    return both


case("run-nan-behind-manifest", "run folders", "NaN amounts, manifest rewritten", damaged(behind_manifest(HARMS["nan-amounts"][1])), 2, "allocations.parquet", "not finite")
case("run-summary-behind-manifest", "run folders", "summary.json {}, manifest rewritten", damaged(behind_manifest(HARMS["empty-summary"][1])), 2, "summary.json", "lacks")
case("run-column-behind-manifest", "run folders", "a column dropped, manifest rewritten", damaged(behind_manifest(HARMS["dropped-column"][1])), 2, "allocations.parquet", "amount_gbp")


def _overspend(r: Path) -> None:
    alloc = pd.read_parquet(r / "allocations.parquet")
    alloc.loc[alloc["budget"] == "resource", "amount_gbp"] *= 1.5
    alloc.to_parquet(r / "allocations.parquet")
    _rewrite_manifest(r)


def _manifest_edit(edit: Callable[[dict], None]) -> Callable[[Path], None]:
    """The run's manifest changed by ``edit`` (a hostile folder handed over)."""

    def harm(run: Path) -> None:
        import json

        manifest = json.loads((run / "manifest.json").read_text())
        edit(manifest)
        (run / "manifest.json").write_text(json.dumps(manifest))

    return harm


def _link_to_dev_zero(run: Path) -> None:
    (run / "allocations.parquet").unlink()
    (run / "allocations.parquet").symlink_to("/dev/zero")


case("run-manifest-outside", "run folders", "a manifest listing /etc/passwd", damaged(_manifest_edit(lambda m: m["files"].update({"/etc/passwd": {"bytes": 1, "sha256": "0"}}))), 2, "manifest.json", "outside the folder")
case("run-manifest-parent", "run folders", "a manifest listing ../secret", damaged(_manifest_edit(lambda m: m["files"].update({"../secret": {"bytes": 1, "sha256": "0"}}))), 2, "manifest.json", "outside the folder")
case("run-manifest-unlisted", "run folders", "summary.json left out of the manifest", damaged(_manifest_edit(lambda m: m["files"].pop("summary.json"))), 2, "summary.json", "not listed")
case("run-link-dev-zero", "run folders", "allocations.parquet linked to /dev/zero", damaged(_link_to_dev_zero, "verify"), 2, "allocations.parquet", "symbolic link")
case("run-edited-verify", "run folders", "amounts edited, manifest rewritten, verify", damaged(_overspend, "verify"), 2, "rules.resource_envelope", "manifest is intact")
case("run-area-unknown", "run folders", "inspect an area that is not there", custom(lambda w: ["inspect", str(w.root / "run"), "Atlantis"]), 2, "AREA", "no area matches 'Atlantis'")
case("run-area-markup", "run folders", "inspect area '[/x]'", custom(lambda w: ["inspect", str(w.root / "run"), "[/x]"]), 2, "no area matches '[/x]'")

# --- command-line options --------------------------------------------------------------------------

case("cli-command", "cli options", "an unknown command", custom(lambda w: ["rn", str(w.base)]), 2, "No such command 'rn'")
case("cli-option", "cli options", "an unknown option", custom(lambda w: ["run", str(w.base), "--fast"]), 2, "No such option '--fast'")
case("cli-no-scenario", "cli options", "run without a scenario", custom(lambda w: ["run"]), 2, "Missing argument 'SCENARIO'")
case("cli-scenario-missing", "cli options", "validate a missing file", custom(lambda w: ["validate", str(w.case / "none.yaml")]), 2, "none.yaml", "file not found")
case("cli-scenario-folder", "cli options", "validate a folder", custom(lambda w: ["validate", str(w.case)]), 2, "is a directory")
case("cli-set-not-yaml", "cli options", "--set years=[2026", sets("years=[2026"), 2, "--set: years", "expected a list")
case("cli-synth-areas", "cli options", "geodata synth --areas 2", custom(lambda w: ["geodata", "synth", "--areas", "2", "-o", str(w.case / "g")]), 2, "--areas")
case("cli-synth-format", "cli options", "geodata synth --format kml", custom(lambda w: ["geodata", "synth", "--format", "kml", "-o", str(w.case / "g")]), 2, "--format")
case("cli-top", "cli options", "compare -n abc", custom(lambda w: ["compare", str(w.root / "run"), str(w.root / "run"), "-n", "abc"]), 2, "-n")
case("cli-inspect-no-area", "cli options", "inspect without an area", custom(lambda w: ["inspect", str(w.root / "run")]), 2, "Missing argument 'AREA")
case("cli-against", "cli options", "report --against a folder that is not a run", custom(lambda w: ["report", str(w.root / "run"), "--against", str(w.case), "-o", str(w.case / "site"), "--quiet"]), 2, "not a run folder")
case("cli-compare-bad-scenario", "cli options", "compare a run with a broken scenario", custom(lambda w: ["compare", str(w.root / "run"), str(w.scenario("years: [2030]\n"))]), 2, "base.yaml: envelopes.resource", "outside")
case("cli-geodata-check-missing", "cli options", "geodata check a missing file", custom(lambda w: ["geodata", "check", str(w.case / "x.gpkg")]), 2, "x.gpkg", "file not found")
case("cli-verify-file", "cli options", "verify a file, not a folder", custom(lambda w: ["verify", str(w.base)]), 2, "is a file")
# fmt: on
