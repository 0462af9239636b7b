"""The ``allocator`` command line: parse, call the API, print. Errors become exit codes (DESIGN.md).

Exit codes: 0 done; 1 a bug; 2 bad input; 3 infeasible; 4 solver failure or time limit; 130 interrupted
(Ctrl-C). The console script starts in ``allocator.__main__``, which handles Ctrl-C during imports too.
"""

from __future__ import annotations

import logging
from pathlib import Path

import click

from allocator.cli_console import SafeLogFormatter, debug_option, err_console, handle_errors, out_console
from allocator.cli_geodata import geodata
from allocator.cli_sweep import sweep
from allocator.safe_text import terminal

__all__ = ["err_console", "main", "out_console"]


def _set_option(f):
    return click.option(
        "--set",
        "overrides",
        multiple=True,
        metavar="KEY=VALUE",
        help="Override a scenario field (dotted key; value read as YAML). Repeatable; highest precedence.",
    )(f)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="allocator")
@click.option(
    "-v", "--verbose", count=True, help="More log output (-vv for debug, e.g. each override's effect)."
)
def main(verbose: int) -> None:
    """allocator: propose multi-year funding settlements for local and strategic authorities.

    \b
    Examples:
      allocator validate scenarios/baseline.yaml
      allocator run scenarios/baseline.yaml --report
      allocator run scenarios/tight_envelope.yaml
      allocator compare runs/baseline runs/tight_envelope
      allocator inspect runs/baseline manchester
      allocator report runs/tight_envelope --against runs/baseline
      allocator verify runs/baseline
      allocator sweep scenarios/baseline.yaml --vary 'envelopes.resource=*0.9:1.1:21'
      allocator geodata synth --areas 350 --seed 1 -o /tmp/geo

    Exit codes: 0 done, 1 a bug, 2 bad input, 3 infeasible, 4 solver failure, 130 interrupted.
    """
    level = logging.WARNING - 10 * verbose
    handler = logging.StreamHandler()
    handler.setFormatter(SafeLogFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=max(level, logging.DEBUG), handlers=[handler])


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--resolved", is_flag=True, help="Print the fully resolved scenario (after extends, rule set, --set)."
)
@click.option(
    "--no-geography", is_flag=True, help="Check the scenario file only, without loading its geography."
)
@_set_option
@debug_option
def validate(
    scenario: Path, resolved: bool, no_geography: bool, overrides: tuple[str, ...], debug: bool
) -> None:
    """Check a scenario and its geography; report every problem at once.

    \b
    Examples:
      allocator validate scenarios/baseline.yaml
      allocator validate scenarios/baseline.yaml --resolved
      allocator validate scenarios/baseline.yaml --set rules.funding_guarantee.phi=0.98
    """
    from allocator.scenario import load_scenario
    from allocator.yamlio import dump_yaml

    with handle_errors(debug):
        sc = load_scenario(scenario, list(overrides))
        geo = None
        if not no_geography:
            from allocator.geography.load import load_geography

            geo = load_geography(sc)
        if resolved:
            out_console.print(dump_yaml(sc.resolved()), markup=False, end="")
            return
        from allocator.cli_render import print_validation

        print_validation(out_console, sc, geo)


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Run folder to write (default: runs/<scenario file name without .yaml>). Replaced only when the new run is complete.",
)
@click.option("--quiet", is_flag=True, help="No progress display and no summary; errors still go to stderr.")
@click.option(
    "--report",
    is_flag=True,
    help="Also write the HTML explorer (report/index.html in the run folder). An explorer already in the "
    "folder is always written again, so it never shows an earlier run.",
)
@_set_option
@debug_option
def run(
    scenario: Path, out: Path | None, quiet: bool, report: bool, overrides: tuple[str, ...], debug: bool
) -> None:
    """Solve a scenario and write its run folder (tables, summary.json).

    Prints totals by year and budget, mission value V against the formula allocation's V, the rules
    that bind most, shadow prices and the verification of every rule.

    \b
    Examples:
      allocator run scenarios/baseline.yaml
      allocator run scenarios/baseline.yaml --set rules.funding_guarantee.phi=0.98 -o runs/floor98
      allocator run scenarios/no_floors.yaml --quiet --report
    """
    from allocator.cli_render import print_run_summary
    from allocator.engine import solve
    from allocator.errors import AllocatorError
    from allocator.output_folder import check_target
    from allocator.progress import Progress
    from allocator.run_outputs import write_run
    from allocator.scenario import load_scenario

    with handle_errors(debug):
        target = out or Path("runs") / scenario.stem
        check_target(target, "run")  # refuse a folder allocator may not replace before solving
        progress = Progress(enabled=False if quiet else None)
        with progress.step("loading the scenario"):
            sc = load_scenario(scenario, list(overrides))
        settlement = solve(sc, progress=progress)
        # a run replaces the whole folder: an explorer already there is written again, so it stays current
        kept = not report and (target / "report" / "index.html").is_file()
        write_run(settlement, target, report=report or kept, progress=progress)
        if kept and not quiet:
            out_console.print(
                f"note: {target / 'report'} held an explorer of the earlier run; it was written again for this run",
                soft_wrap=False,
                markup=False,
            )
        if not quiet:
            print_run_summary(out_console, settlement, target)
        if not settlement.verified:
            failed = ", ".join(settlement.summary["verification"]["failed"])
            raise AllocatorError(
                f"verification failed for {failed}: this is a bug in allocator; please report it"
            )


@main.command()
@click.argument("a", type=click.Path(exists=True, path_type=Path))
@click.argument("b", type=click.Path(exists=True, path_type=Path))
@click.option(
    "-n", "--top", type=int, default=10, show_default=True, help="How many winners and losers to list."
)
@click.option(
    "--csv",
    "csv_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the by-area differences to CSV.",
)
@debug_option
def compare(a: Path, b: Path, top: int, csv_out: Path | None, debug: bool) -> None:
    """Compare two runs (run folders, or scenario files to solve): B minus A by area, stream and year.

    \b
    Examples:
      allocator compare runs/baseline runs/tight_envelope
      allocator compare scenarios/baseline.yaml scenarios/no_floors.yaml --csv diff.csv
    """
    from allocator.cli_render import print_comparison
    from allocator.compare import compare as compare_runs
    from allocator.output_folder import check_file_target, replace_file
    from allocator.safe_text import spreadsheet_frame

    with handle_errors(debug):
        from allocator.reports.asked import asked

        if csv_out:
            check_file_target(csv_out)
        sa, sb = _settlement(a), _settlement(b)
        result = compare_runs(sa, sb, names=(_label(a), _label(b)))
        print_comparison(out_console, result, top, asked(sa), asked(sb))
        if csv_out:
            table = spreadsheet_frame(result.by_area.reset_index())
            replace_file(csv_out, table.to_csv(index=False, lineterminator="\n").encode("utf-8"))


@main.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("area", nargs=-1, required=True)
@debug_option
def inspect(run_dir: Path, area: tuple[str, ...], debug: bool) -> None:
    """Show one area's settlement in the terminal: by year and stream, against the national, regional
    and neighbours' averages, the waterfall, the rules that hold it, and its outcomes.

    AREA is a GSS code or a name; case does not matter, part of a name will do, and a near miss gets a
    suggestion.

    \b
    Examples:
      allocator inspect runs/baseline E06000001
      allocator inspect runs/baseline manchester
      allocator inspect runs/baseline North Tyneside
    """
    from allocator.reports.inspect import find_area, render_area
    from allocator.run_folder import read_run

    with handle_errors(debug):
        settlement = read_run(run_dir)
        render_area(out_console, settlement, find_area(settlement, " ".join(area)))


@main.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--against",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A second run folder: adds a comparison page (this run minus that one).",
)
@click.option(
    "-o", "--out", type=click.Path(file_okay=False, path_type=Path), help="Folder (default RUN_DIR/report)."
)
@click.option("--quiet", is_flag=True, help="No progress display.")
@debug_option
def report(run_dir: Path, against: Path | None, out: Path | None, quiet: bool, debug: bool) -> None:
    """Write the offline HTML explorer of a run: a national page, one page per area, and a comparison.

    The pages open from disk with no network; maps are drawn by allocator.

    \b
    Examples:
      allocator report runs/baseline
      allocator report runs/tight_envelope --against runs/baseline
    """
    from allocator.output_folder import check_target
    from allocator.progress import Progress
    from allocator.reports.html import write_report
    from allocator.run_folder import read_run

    with handle_errors(debug):
        target = out or run_dir / "report"
        check_target(target, "report")  # refuse a folder allocator may not replace before reading
        progress = Progress(enabled=False if quiet else None)
        settlement = read_run(run_dir)
        other = read_run(against) if against else None
        index = write_report(
            settlement,
            target,
            against=other,
            names=(_label(against) if against else "", _label(run_dir)),
            progress=progress,
        )
        if not quiet:
            out_console.print(f"report written: {terminal(index)}")


@main.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@debug_option
def verify(run_dir: Path, debug: bool) -> None:
    """Re-check a run folder: its manifest, then every rule's independent check from its tables alone.

    Exit 0 when everything holds; 2 when a file is damaged or changed since the run (named), or when a
    hard rule fails its check on the tables (the numbers were edited, or allocator has a bug).

    \b
    Examples:
      allocator verify runs/baseline
    """
    from allocator.cli_render import print_verification
    from allocator.run_folder import read_run, recheck

    with handle_errors(debug):
        settlement = read_run(run_dir)
        table = settlement.verify()
        print_verification(out_console, run_dir, table)
        recheck(run_dir, table)


def _label(path: Path) -> str:
    return path.stem if path.suffix in (".yaml", ".yml") else path.name


def _settlement(path: Path):
    from allocator.engine import solve
    from allocator.run_folder import read_run
    from allocator.scenario import load_scenario

    if path.suffix.lower() in (".yaml", ".yml"):
        return solve(load_scenario(path))
    return read_run(path)


main.add_command(geodata)
main.add_command(sweep)

if __name__ == "__main__":  # pragma: no cover
    main()
