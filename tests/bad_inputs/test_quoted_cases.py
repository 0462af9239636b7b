"""The cases found by using allocator as a careless or hostile user would, each as it was reported:
code run from a scenario, a user's files deleted, secrets printed, hangs, tracebacks and silent
acceptance. Each test fails on the code before the fix."""

from __future__ import annotations

import gc
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from .world import World, invoke

BAD_INPUT = 2


def _fails_cleanly(result, code: int = BAD_INPUT, *words: str) -> str:
    """The output of a command that failed with ``code``, a message holding ``words`` and no traceback."""
    text = result.output
    assert result.exit_code == code, text
    assert "Traceback" not in text, text
    assert "internal error" not in text, text
    assert isinstance(result.exception, SystemExit) or result.exception is None, repr(result.exception)
    for word in words:
        assert word in text, text
    return text


# --- code execution --------------------------------------------------------------------------------


def test_a_derived_expression_cannot_run_a_shell_command(world: World) -> None:
    marker = world.case / "ran"
    expression = (
        "population.__class__.__init__.__globals__['sys'].modules['os']"
        f".system('id > {marker}') + population * 0"
    )
    result = invoke(["validate", str(world.base), "--set", f"geography.derived.x={expression}"], world.root)
    _fails_cleanly(result, BAD_INPUT, "geography.derived.x", "at character 11")
    assert not marker.exists()


def test_a_derived_expression_cannot_write_a_file(world: World) -> None:
    target = world.case / "written.csv"
    result = invoke(
        ["validate", str(world.base), "--set", f"geography.derived.x=population.to_csv('{target}')"],
        world.root,
    )
    _fails_cleanly(result, BAD_INPUT, "geography.derived.x")
    assert not target.exists()


# --- data loss -------------------------------------------------------------------------------------


def test_run_refuses_a_folder_of_the_users_documents(world: World) -> None:
    documents = world.case / "my_documents"
    documents.mkdir()
    (documents / "thesis.docx").write_bytes(b"years of work")
    result = invoke(["run", str(world.base), "-o", str(documents), "--quiet"], world.root)
    _fails_cleanly(result, BAD_INPUT, "my_documents", "did not write", "Nothing was touched")
    assert sorted(p.name for p in documents.iterdir()) == ["thesis.docx"]
    assert (documents / "thesis.docx").read_bytes() == b"years of work"


def test_report_refuses_a_site_with_its_own_files(world: World) -> None:
    site = world.case / "site"
    site.mkdir()
    (site / "index.html").write_text("my home page")
    (site / "notes.txt").write_text("mine")
    result = invoke(["report", str(world.root / "run"), "-o", str(site), "--quiet"], world.root)
    _fails_cleanly(result, BAD_INPUT, "site", "did not write")
    assert (site / "index.html").read_text() == "my home page"
    assert (site / "notes.txt").read_text() == "mine"


# --- secrets ---------------------------------------------------------------------------------------


def test_a_lookup_at_etc_shadow_prints_none_of_it(world: World) -> None:
    result = invoke(["validate", str(world.base), "--set", "geography.lookup.path=/etc/shadow"], world.root)
    text = _fails_cleanly(result, BAD_INPUT, "/etc/shadow", "expected a CSV table")
    shadow = Path("/etc/shadow")
    if os.access(shadow, os.R_OK):
        first = shadow.read_text(errors="replace").splitlines()[:1]
        assert not first or first[0] not in text
    assert "root:" not in text


def test_a_baseline_at_proc_self_environ_prints_no_environment(world: World) -> None:
    secret = "s3cr3t-token-value-0451"
    result = invoke(
        ["validate", str(world.base), "--set", "geography.baseline.path=/proc/self/environ"],
        world.root,
        env={"ALLOCATOR_TEST_SECRET": secret},
    )
    text = _fails_cleanly(result, BAD_INPUT, "/proc/self/environ")
    assert secret not in text
    assert "PATH=" not in text


def test_a_variable_in_a_path_is_shown_as_written_never_its_value(world: World) -> None:
    secret = "hunter2-is-not-a-folder"
    result = invoke(
        ["validate", str(world.base), "--set", "geography.boundaries=${ALLOCATOR_TEST_SECRET}/areas.gpkg"],
        world.root,
        env={"ALLOCATOR_TEST_SECRET": secret},
    )
    text = _fails_cleanly(result, BAD_INPUT, "${ALLOCATOR_TEST_SECRET}/areas.gpkg", "file not found")
    assert secret not in text


# --- hangs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "override",
    ["missions.growth.target=.nan", "streams.transport.effects.growth=.nan"],
    ids=["target", "effect"],
)
def test_nan_mission_values_are_refused_at_validate(world: World, override: str) -> None:
    result = invoke(["validate", str(world.base), "--set", override], world.root)
    _fails_cleanly(result, BAD_INPUT, override.split("=")[0], "finite number")


def test_an_alias_bomb_under_description_fails_fast(world: World) -> None:
    lines = ["description: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    path = world.scenario("\n".join(lines) + "\n")
    started = time.perf_counter()
    result = invoke(["validate", str(path)], world.root)
    _fails_cleanly(result, BAD_INPUT, "child.yaml", "aliases")
    assert time.perf_counter() - started < 10


# --- tracebacks for user mistakes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ("envelopes.resource=.nan", "envelopes.resource"),
        ("envelopes.resource=.inf", "envelopes.resource"),
        ("envelopes.resource=1e400", "envelopes.resource"),
        ("rules.funding_guarantee.phi=.nan", "rules.funding_guarantee.phi"),
        ("rules.pace_of_change.gamma=.inf", "rules.pace_of_change.gamma"),
        ("streams.transport.z0_gbp_per_head=.inf", "streams.transport.z0_gbp_per_head"),
    ],
)
def test_non_finite_numbers_are_input_errors_at_run(world: World, override: str, field: str) -> None:
    out = world.case / "out"
    result = invoke(["run", str(world.base), "-o", str(out), "--quiet", "--set", override], world.root)
    _fails_cleanly(result, BAD_INPUT, f"--set: {field}", "finite number")
    assert not out.exists()


@pytest.mark.parametrize("key", ["envelopes.resource.20x6", "envelopes.resource.abc", "inflation.2026x"])
def test_bad_year_keys_in_set_are_input_errors(world: World, key: str) -> None:
    result = invoke(["validate", str(world.base), "--set", f"{key}=1"], world.root)
    _fails_cleanly(result, BAD_INPUT, "is not a year key")


def test_5000_deep_nesting_is_an_input_error(world: World) -> None:
    path = world.scenario("description: " + "[" * 5000 + "]" * 5000 + "\n")
    _fails_cleanly(invoke(["validate", str(path)], world.root), BAD_INPUT, "child.yaml", "nests deeper")


def test_markup_in_a_field_name_prints_as_written(world: World) -> None:
    result = invoke(["validate", str(world.base), "--set", "[/x]=1"], world.root)
    _fails_cleanly(result, BAD_INPUT, "--set: [/x]: unknown field '[/x]'")


def test_markup_in_a_rule_id_prints_as_written(world: World) -> None:
    result = invoke(
        ["validate", str(world.base), "--set", "rules.[/x]={kind: ceiling, gamma: 0.1}"], world.root
    )
    assert result.exit_code == 0, result.output
    assert "[/x] (ceiling)" in result.output
    broken = invoke(
        ["validate", str(world.base), "--set", "rules.[/x]={kind: ceiling, gamma: -1}"], world.root
    )
    _fails_cleanly(broken, BAD_INPUT, "--set: rules.[/x].gamma")


def test_markup_in_an_area_name_breaks_neither_compare_nor_inspect(world: World) -> None:
    run = _run_with_area_name(world, "[/x] Wynlincliffe [bold]")
    compared = invoke(["compare", str(run), str(world.root / "run"), "-n", "50"], world.root)
    assert compared.exit_code == 0, compared.output
    assert "[/x] Wynlincliffe [bold]" in compared.output
    inspected = invoke(["inspect", str(run), "E09000001"], world.root)
    assert inspected.exit_code == 0, inspected.output
    assert "[/x] Wynlincliffe [bold]" in inspected.output


@pytest.mark.parametrize("target", ["file.txt/sub", "/proc/x", "."])
def test_unwritable_output_folders_are_input_errors(world: World, target: str) -> None:
    (world.case / "file.txt").write_text("a file")
    result = invoke(["run", str(world.base), "-o", target, "--quiet"], world.case)
    _fails_cleanly(result, BAD_INPUT, "cannot write the output")
    assert (world.case / "file.txt").read_text() == "a file"


def test_metres_labelled_as_degrees_are_an_input_error(world: World) -> None:
    frame = gpd.read_file(world.geo / "areas.gpkg", layer="areas")
    frame = frame.set_crs("EPSG:4326", allow_override=True)  # British National Grid metres, mislabelled
    frame.to_file(world.case / "metres.gpkg", layer="areas", driver="GPKG")
    result = invoke(
        ["validate", str(world.base), "--set", f"geography.boundaries={world.case / 'metres.gpkg'}"],
        world.root,
    )
    _fails_cleanly(result, BAD_INPUT, "metres.gpkg", "look like metres")


DAMAGE = {
    "truncated parquet": ("allocations.parquet", lambda p: p.write_bytes(p.read_bytes()[:100])),
    "zero-byte parquet": ("areas.parquet", lambda p: p.write_bytes(b"")),
    "missing table": ("baseline.parquet", lambda p: p.unlink()),
    "truncated summary": ("summary.json", lambda p: p.write_text(p.read_text()[:40])),
    "empty summary": ("summary.json", lambda p: p.write_text("{}")),
    "dropped column": (
        "allocations.parquet",
        lambda p: pd.read_parquet(p).drop(columns="amount_gbp").to_parquet(p),
    ),
    "NaN amounts": (
        "allocations.parquet",
        lambda p: pd.read_parquet(p).assign(amount_gbp=float("nan")).to_parquet(p),
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("command", ["inspect", "report", "compare", "verify"])
def test_damaged_run_folders_are_refused_naming_the_file(world: World, damage: str, command: str) -> None:
    run = world.run_copy()
    name, harm = DAMAGE[damage]
    harm(run / name)
    args = {
        "inspect": ["inspect", str(run), "E06000001"],
        "report": ["report", str(run), "--quiet"],
        "compare": ["compare", str(world.root / "run"), str(run)],
        "verify": ["verify", str(run)],
    }[command]
    _fails_cleanly(invoke(args, world.root), BAD_INPUT, name)
    assert not (run / "report").exists()


def test_damage_behind_a_rewritten_manifest_is_still_refused(world: World) -> None:
    from allocator.output_folder import write_manifest
    from allocator.run_folder import UNLISTED

    run = world.run_copy()
    DAMAGE["NaN amounts"][1](run / "allocations.parquet")
    write_manifest(run, "run", UNLISTED)
    _fails_cleanly(invoke(["verify", str(run)], world.root), BAD_INPUT, "allocations.parquet", "not finite")
    run = world.run_copy("run2")
    (run / "summary.json").write_text("{}")
    write_manifest(run, "run", UNLISTED)
    _fails_cleanly(invoke(["inspect", str(run), "E06000001"], world.root), BAD_INPUT, "summary.json", "lacks")


def test_verify_names_a_rule_the_edited_tables_break(world: World) -> None:
    from allocator.output_folder import write_manifest
    from allocator.run_folder import UNLISTED

    run = world.run_copy()
    alloc = pd.read_parquet(run / "allocations.parquet")
    alloc.loc[alloc["budget"] == "resource", "amount_gbp"] *= 1.5  # beyond the resource envelope
    alloc.to_parquet(run / "allocations.parquet")
    write_manifest(run, "run", UNLISTED)
    result = invoke(["verify", str(run)], world.root)
    _fails_cleanly(result, BAD_INPUT, "rules.resource_envelope", "manifest is intact")
    assert invoke(["verify", str(world.root / "run")], world.root).exit_code == 0


def _popen(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "allocator", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )


@pytest.mark.parametrize("after_s", [0.2, 0.5, 0.9])
def test_ctrl_c_in_the_first_second_ends_cleanly(world: World, after_s: float) -> None:
    out = world.case / "out"
    process = _popen(["run", str(world.base), "-o", str(out), "--quiet"], world.root)
    time.sleep(after_s)
    process.send_signal(signal.SIGINT)
    text = process.communicate(timeout=120)[0].decode(errors="replace")
    assert process.returncode in (130, 0), text  # 0: the run finished before the signal arrived
    assert "Traceback" not in text, text
    if process.returncode == 130:
        assert "interrupted; nothing was written" in text
        assert not out.exists()
    assert not [p for p in world.case.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("second_process", [True, False], ids=["forked writer", "in process"])
def test_ctrl_c_while_writing_the_workbook_ends_cleanly(world: World, monkeypatch, second_process) -> None:
    from allocator.reports import xlsx

    if not second_process:
        monkeypatch.setenv("ALLOCATOR_NO_FORK", "1")
    calls = {"n": 0}
    original = xlsx.column_cells

    def interrupted_write(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(xlsx, "column_cells", interrupted_write)
    ignored: list = []  # what Python would print as "Exception ignored in ..." with a traceback
    monkeypatch.setattr(sys, "unraisablehook", ignored.append)
    out = world.case / "out"
    result = invoke(["run", str(world.base), "-o", str(out), "--quiet"], world.root)
    if not second_process:  # a forked writer counts its own calls; its exit code 130 says it was stopped
        assert calls["n"] >= 5
    _fails_cleanly(result, 130, "interrupted; nothing was written")
    del result  # its exception's traceback holds the interrupted writer until now
    gc.collect()
    assert ignored == []
    assert not out.exists()
    assert not [p for p in world.case.iterdir() if p.name.startswith(".")]


# --- silently accepted -----------------------------------------------------------------------------


def test_a_rule_whose_areas_select_no_area_is_an_input_error(world: World) -> None:
    result = invoke(
        ["run", str(world.base), "-o", str(world.case / "out"), "--quiet", "--set",
         "rules.cap={kind: ceiling, gamma: 0.5, areas: {tier: No such tier}}"],
        world.root,
    )  # fmt: skip
    _fails_cleanly(result, BAD_INPUT, "rules.cap.areas", "selects none")


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ("rules.funding_guarantee.phi=-0.5", "rules.funding_guarantee.phi"),
        ("rules.m={kind: per_capita_minimum, mu_gbp_per_head: -120}", "rules.m.mu_gbp_per_head"),
        ("solver.threads=100000", "solver.threads"),
        ("envelopes.capital=0", "envelopes.capital"),
        ("envelopes.resource.2027=-5", "envelopes.resource.2027"),
        ("rules.neighbours.tau=-1", "rules.neighbours.tau"),
    ],
)
def test_out_of_range_numbers_are_refused_at_validate(world: World, override: str, field: str) -> None:
    result = invoke(["validate", str(world.base), "--set", override], world.root)
    _fails_cleanly(result, BAD_INPUT, f"--set: {field}")


def test_escape_sequences_in_names_are_shown_not_sent(world: World) -> None:
    result = invoke(["validate", str(world.base), "--set", "name=\x1b[2J\x1b]0;pwned\x07 world"], world.root)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert "\x07" not in result.output
    assert "\\x1b[2J" in result.output
    run = _run_with_area_name(world, "\x1b[31mRed\x1b[0m town")
    inspected = invoke(["inspect", str(run), "E09000001"], world.root)
    assert inspected.exit_code == 0, inspected.output
    assert "\x1b" not in inspected.output
    assert "\\x1b[31mRed" in inspected.output


def test_an_indicator_table_missing_areas_is_reported(world: World) -> None:
    table = pd.read_csv(world.geo / "population.csv").iloc[:-3]
    table.to_csv(world.case / "population.csv", index=False)
    result = invoke(
        ["geodata", "check", str(world.geo / "areas.gpkg"), "--layer", "areas",
         "--indicators", f"{world.case / 'population.csv'}:LAD24CD"],
        world.root,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "no problems found" not in result.output
    assert "3 of the 12 areas have no row" in result.output


def test_csv_cells_that_start_a_formula_are_prefixed(world: World) -> None:
    run = _run_with_area_name(world, '=HYPERLINK("http://x","y")')
    areas_csv = (run / "areas.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in areas_csv
    assert pd.read_parquet(run / "areas.parquet")["area_name"].str.startswith("=HYPERLINK").any()
    out = world.case / "diff.csv"
    assert (
        invoke(["compare", str(run), str(world.root / "run"), "--csv", str(out)], world.root).exit_code == 0
    )
    assert "'=HYPERLINK" in out.read_text(encoding="utf-8")


# --- smaller ---------------------------------------------------------------------------------------


def test_leftovers_of_a_killed_run_are_cleaned_up(world: World) -> None:
    dead = 4_194_305  # above Linux's largest pid: never a live process
    out = world.case / "out"
    partial = world.case / f".out.partial-{dead}"
    partial.mkdir()
    (partial / "allocations.parquet").write_bytes(b"half")
    old = world.case / f".out.old-{dead}"
    shutil.copytree(world.root / "run", old)
    result = invoke(["run", str(world.base), "-o", str(out), "--quiet"], world.root)
    assert result.exit_code == 0, result.output
    assert not partial.exists()
    assert not old.exists()
    assert (out / "manifest.json").is_file()


def _run_with_area_name(world: World, name: str) -> Path:
    """A run of the world whose area E09000001 is called ``name``, with a larger envelope, so that
    ``compare`` lists this area among its winners."""
    geo = Path(shutil.copytree(world.geo, world.case / "geo"))
    frame = gpd.read_file(geo / "areas.gpkg", layer="areas")
    frame.loc[frame["LAD24CD"] == "E09000001", "LAD24NM"] = name
    frame.to_file(geo / "areas.gpkg", layer="areas", driver="GPKG")
    scenario = world.file("named.yaml", world.base.read_text().replace("geo/", f"{geo}/"))
    out = world.case / "named_run"
    more = "envelopes.resource={2026: 6_000_000_000, 2027: 6_100_000_000}"
    result = invoke(["run", str(scenario), "-o", str(out), "--quiet", "--set", more], world.root)
    assert result.exit_code == 0, result.output
    return out
