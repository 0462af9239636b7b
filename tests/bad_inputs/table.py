"""Write docs/bad-inputs.md from the corpus: ``python -m tests.bad_inputs.table``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from .cases import CASES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "bad-inputs.md"
GROUPS = [
    "yaml",
    "schema",
    "numbers",
    "rules",
    "geography",
    "indicators",
    "paths",
    "run folders",
    "cli options",
]


def _cell(text: str) -> str:
    shown = text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text
    return "`" + shown.replace("|", "\\|").replace("`", "'") + "`"


def render() -> str:
    """The Markdown page: counts by group and exit code, then every case."""
    codes = sorted({c.code for c in CASES})
    by_group = Counter((c.group, c.code) for c in CASES)
    lines = [
        "# The bad-input corpus",
        "",
        "What a careless or hostile user may give allocator, and what it answers. Each case below is a",
        "test (`tests/bad_inputs/cases.py`, run by `pytest tests/bad_inputs`, about half a minute on two",
        "cores): the command ends with the exit code shown, its message holds the words shown (the file,",
        "field or row, and what was wrong), and it never shows a traceback. A case expecting an error",
        "that exits 0 would fail the test: there are no silent acceptances. This page is written from",
        "the cases by `python -m tests.bad_inputs.table`, and a test checks that it is up to date.",
        "",
        "Beside the corpus, property tests (`tests/test_property.py`) draw random valid scenarios over the",
        "whole schema and break them one value at a time; a long run explores new examples:",
        "`ALLOCATOR_PROPERTY_EXAMPLES=2500 pytest tests/test_property.py` (about six minutes).",
        "",
        "Exit codes: 0 done (here: with a warning, or a name that merely looks odd), 2 bad input,",
        "3 infeasible (with the elastic diagnosis), 4 solver failure or time limit.",
        "",
        "## Counts",
        "",
        "| group | cases | "
        + " | ".join(f"exit {c}" for c in codes)
        + " | tracebacks | silent acceptances |",
        "|---|---:|" + "---:|" * len(codes) + "---:|---:|",
    ]
    for group in GROUPS:
        n = sum(by_group[(group, c)] for c in codes)
        counts = " | ".join(str(by_group[(group, c)]) for c in codes)
        lines.append(f"| {group} | {n} | {counts} | 0 | 0 |")
    totals = " | ".join(str(sum(by_group[(g, c)] for g in GROUPS)) for c in codes)
    lines += [f"| **all** | **{len(CASES)}** | {totals} | **0** | **0** |", "", "## Cases", ""]
    lines += ["| id | group | input | exit | the message names |", "|---|---|---|---:|---|"]
    for c in CASES:
        words = ", ".join(_cell(w) for w in c.words)
        lines.append(f"| {c.id} | {c.group} | {c.what.replace('|', '/')} | {c.code} | {words} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    DOCS.write_text(render(), encoding="utf-8")
    print(f"wrote {DOCS} ({len(CASES)} cases)")
