"""Which files a run writes, and in what order: the run folder's tables and summary
(``allocator.run_folder``), then beside them the presentations of the same settlement: the workbook
(``settlement.xlsx``), the GeoPackage (``settlement.gpkg``, when the settlement has geometry) and, when
asked, the HTML explorer (``report/``). The whole folder is staged and published at once: a run folder is
never half-written.

The workbook is written in a second process (``allocator.background``) while this one writes the tables,
the GeoPackage and the explorer: they are independent writers of the same settlement, and on two cores
the run's writing takes about as long as its longest writer rather than their sum.
"""

from __future__ import annotations

from pathlib import Path

from allocator.background import Background
from allocator.progress import Progress
from allocator.reports.excel import write_xlsx
from allocator.reports.gpkg import write_gpkg
from allocator.run_folder import staged_run, write_tables
from allocator.settlement import Settlement


def write_run(
    s: Settlement,
    out: Path,
    extra_files: dict[str, bytes] | None = None,
    report: bool = False,
    progress: Progress | None = None,
) -> Path:
    """Write the run folder ``out`` atomically: tables, summary, ``settlement.xlsx``, ``settlement.gpkg``
    (when the settlement has geometry), with ``report`` the HTML explorer in ``report/``, and the manifest.

    Args:
        s: the settlement.
        out: the run folder (absent, empty or an earlier run folder, which is replaced).
        extra_files: more files to write into the folder, by relative path.
        report: also write the HTML explorer.
        progress: progress display for the CLI.

    Raises:
        OutputError: ``out`` is not absent, empty or an earlier run folder (nothing is touched).
    """
    progress = progress or Progress(enabled=False)
    with staged_run(s, out) as tmp:
        workbook = tmp / "settlement.xlsx"
        with Background(lambda: write_xlsx(s, workbook), workbook.name) as xlsx:
            write_tables(s, tmp, progress)
            if s.geometry is not None:
                with progress.step("writing settlement.gpkg"):
                    write_gpkg(s, tmp / "settlement.gpkg")
            if report:
                from allocator.reports.html import write_report  # the explorer's modules load only when asked

                write_report(s, tmp / "report", progress=progress)
            for name, content in (extra_files or {}).items():
                (tmp / name).parent.mkdir(parents=True, exist_ok=True)
                (tmp / name).write_bytes(content)
            with progress.step("writing settlement.xlsx"):
                xlsx.wait()
    return Path(out)
