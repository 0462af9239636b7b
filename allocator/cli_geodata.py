"""``allocator geodata``: check geography files, or generate a synthetic geography (registered on the
main command group by ``allocator.cli``)."""

from __future__ import annotations

from pathlib import Path

import click

from allocator.cli_console import debug_option, handle_errors, out_console
from allocator.safe_text import terminal


@click.group()
def geodata() -> None:
    """Check geography files, or generate a synthetic geography."""


@geodata.command("check")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--layer", help="Layer of a GeoPackage or TopoJSON file.")
@click.option("--code-column", help="Column holding the GSS code (guessed when omitted).")
@click.option("--name-column", help="Column holding the area name.")
@click.option(
    "--indicators",
    "indicators",
    multiple=True,
    metavar="CSV[:CODE_COLUMN]",
    help="Indicator CSV to check against the boundaries (repeatable).",
)
@debug_option
def geodata_check(
    path: Path,
    layer: str | None,
    code_column: str | None,
    name_column: str | None,
    indicators: tuple[str, ...],
    debug: bool,
) -> None:
    """Check a boundaries file (or a scenario's whole geography) and summarise it.

    PATH is a boundaries file (GeoPackage, GeoJSON, Shapefile, TopoJSON) or a scenario YAML file.

    \b
    Examples:
      allocator geodata check geodata/areas.gpkg
      allocator geodata check ../shared/data/boundaries/uk_multiyear_bsc_topo.json --layer ltla
      allocator geodata check areas.geojson --indicators population.csv:LAD24CD
      allocator geodata check scenarios/baseline.yaml
    """
    from allocator.cli_render import print_geography_summary, print_validation

    with handle_errors(debug):
        if path.suffix.lower() in (".yaml", ".yml"):
            from allocator.geography.load import load_geography
            from allocator.scenario import load_scenario

            sc = load_scenario(path)
            print_validation(out_console, sc, load_geography(sc))
            return
        from allocator.geography.check_file import check_geography_file

        tables = []
        for item in indicators:
            csv, _, column = item.partition(":")
            tables.append((Path(csv), column or None))
        summary = check_geography_file(
            path, layer=layer, code_column=code_column, name_column=name_column, indicators=tables
        )
        print_geography_summary(out_console, path, summary)


@geodata.command("synth")
@click.option(
    "--areas", type=click.IntRange(4, 100_000), default=320, show_default=True, help="Number of areas."
)
@click.option(
    "--seed", type=int, default=2026, show_default=True, help="Random seed (same seed, same bytes)."
)
@click.option(
    "-o",
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Output folder.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["gpkg", "geojson", "shp"]), default="gpkg", show_default=True
)
@debug_option
def geodata_synth(areas: int, seed: int, out: Path, fmt: str, debug: bool) -> None:
    """Generate a synthetic geography: boundaries, lookup, indicators, baseline funding, own resources.

    The files have the same formats and columns as the real ONS inputs; the areas are not real places.

    \b
    Examples:
      allocator geodata synth --areas 320 --seed 2026 -o /tmp/geodata
      allocator geodata synth --areas 35000 --seed 1 -o /tmp/small-areas --format geojson
    """
    from allocator.geography.synthetic import write_synthetic

    with handle_errors(debug):
        summary = write_synthetic(out, areas, seed, fmt=fmt)
        out_console.print(f"wrote a synthetic geography of {areas} areas to {terminal(out)}")
        for key, value in summary.items():
            out_console.print(f"  {key}: {terminal(value)}")
