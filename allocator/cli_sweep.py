"""``allocator sweep``: solve a scenario's variants and write the sweep's output folder (thin: parse, call
``allocator.whatif.sweep``, print)."""

from __future__ import annotations

from pathlib import Path

import click

from allocator.cli_console import debug_option, handle_errors, out_console


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--vary",
    "vary",
    multiple=True,
    metavar="KEY=START:STOP:N",
    help="A key to vary (dotted, as --set): N values from START to STOP; or KEY=V1,V2,...; or "
    "KEY=*START:STOP:N to scale the scenario's own value. Repeatable. Default: the scenario's sweep: block.",
)
@click.option("--grid", "combine", flag_value="grid", help="Every combination of the keys' values (default).")
@click.option("--zip", "combine", flag_value="zip", help="The i-th value of every key together.")
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default runs/<scenario>-sweep). A sweep stopped part way and started again with "
    "the same output solves only the variants not yet written.",
)
@click.option(
    "--workers",
    type=click.IntRange(0, 256),
    default=0,
    help="Dask LocalCluster worker processes (0: in-process).",
)
@click.option(
    "--scheduler", metavar="ADDRESS", help="Run on an existing Dask cluster (e.g. tcp://host:8786)."
)
@click.option(
    "--block",
    type=click.IntRange(1, 100_000),
    help="Variants a worker solves in a row (default an eighth of the variants, at least 25).",
)
@click.option(
    "--no-formula", is_flag=True, help="Skip each variant's formula allocation (its V is then empty)."
)
@click.option(
    "--full", is_flag=True, help="Keep each variant's full tables (allocations, outcomes, verification)."
)
@click.option(
    "--samples",
    type=click.IntRange(1, 100_000),
    help="Instead of --vary: solve N draws of the scenario's uncertainty: block, and value the scenario's "
    "own settlement under each (outcome intervals, the distribution of V, regret).",
)
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), help="Seed of the draws (same seed, same draws).")
@click.option("--quiet", is_flag=True, help="No progress display and no summary.")
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a scenario field before sweeping (as for run). Repeatable.",
)
@debug_option
def sweep(
    scenario: Path,
    vary: tuple[str, ...],
    combine: str | None,
    out: Path | None,
    workers: int,
    scheduler: str | None,
    block: int | None,
    no_formula: bool,
    full: bool,
    samples: int | None,
    seed: int | None,
    quiet: bool,
    overrides: tuple[str, ...],
    debug: bool,
) -> None:
    """Solve many variants of a scenario: one row per variant (V, the formula's V, totals, binding rules,
    shadow prices), tidy tables, the workbook's Sweep sheet, trade-off curves and an explorer page.

    \b
    Examples:
      allocator sweep scenarios/baseline.yaml --vary 'envelopes.resource=*0.9:1.1:21'
      allocator sweep scenarios/baseline.yaml --vary rules.funding_guarantee.phi=0.95:1.0:11
      allocator sweep scenarios/baseline.yaml --vary envelopes.resource.2027=4.9e10:5.3e10:9 \\
          --vary rules.funding_guarantee.phi=0.97,1.0 --grid --workers 2
      allocator sweep scenarios/baseline.yaml --samples 200 --seed 1
    """
    from allocator.output_folder import check_target
    from allocator.progress import SweepProgress
    from allocator.scenario import load_scenario
    from allocator.whatif.sweep import sweep as run_sweep
    from allocator.whatif.variants import parse_vary

    with handle_errors(debug):
        target = out or Path("runs") / f"{scenario.stem}-sweep"
        check_target(target, "sweep")
        sc = load_scenario(scenario, list(overrides))
        keys = dict(parse_vary(text) for text in vary) or None
        progress = SweepProgress(enabled=False if quiet else None)
        result = run_sweep(
            sc,
            keys,
            combine,
            target,
            workers=workers,
            scheduler=scheduler,
            formula=not no_formula,
            full=full,
            block=block,
            samples=samples,
            seed=seed,
            progress=progress,
        )
        if not quiet:
            from allocator.cli_render import print_sweep

            print_sweep(out_console, result, target)
