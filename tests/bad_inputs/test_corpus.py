"""Run the bad-input corpus (``cases.py``): each case ends with its exit code, names the place, and
never shows a traceback; docs/bad-inputs.md lists exactly these cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from .cases import CASES, Case
from .table import DOCS, render
from .world import World, invoke


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, world: World) -> None:
    result = invoke(case.args(world), world.case)
    text = result.output
    assert "Traceback" not in text, text
    assert "internal error" not in text, text
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == case.code, f"exit {result.exit_code}, expected {case.code}:\n{text}"
    missing = [w for w in case.words if w not in text]
    assert not missing, f"the message lacks {missing}:\n{text}"


def test_the_corpus_is_large_and_ids_are_unique() -> None:
    assert len(CASES) >= 120
    assert len({c.id for c in CASES}) == len(CASES)
    assert {c.group for c in CASES} >= {
        "yaml", "schema", "numbers", "rules", "geography", "indicators", "paths", "run folders", "cli options"
    }  # fmt: skip


def test_the_docs_list_the_corpus() -> None:
    assert Path(DOCS).read_text(encoding="utf-8") == render(), (
        "docs/bad-inputs.md is out of date: python -m tests.bad_inputs.table"
    )
