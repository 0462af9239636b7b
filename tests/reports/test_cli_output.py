"""What the CLI prints about a run: whole words on an 80-column terminal, a negative shadow price worded as
a cost, the infeasibility diagnosis said once with the direction of each move, compare's real winners,
and an explorer in a run folder kept current when the run is written again."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from rich.console import Console

from allocator.cli import main
from allocator.cli_render import print_diagnosis, print_run_summary
from allocator.reports.words import shadow_price_line
from allocator.rules import make_rule
from allocator.run_outputs import write_run
from tests.reports import small_settlement


def _words_are_whole(wrapped: str, text: str) -> None:
    """Every word of ``wrapped`` (text printed at some width) is a word of ``text`` (unwrapped)."""
    whole = set(text.split())
    broken = [w for w in wrapped.split() if w not in whole]
    assert not broken, broken


def test_run_summary_wraps_at_spaces_on_an_80_column_terminal() -> None:
    s = small_settlement()
    narrow = Console(record=True, width=80, soft_wrap=True)
    wide = Console(record=True, width=1000, soft_wrap=True)
    for console in (narrow, wide):
        print_run_summary(console, s, Path("runs") / "baseline")
    text = narrow.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    _words_are_whole(text, wide.export_text())


def test_a_negative_shadow_price_is_worded_as_a_cost() -> None:
    assert shadow_price_line("resource_envelope", "resource", 2027, 2.2e6).endswith(
        "£1m more buys £2.2m of mission value"
    )
    assert shadow_price_line("capital_envelope", "capital", 2026, -9e5).endswith(
        "£1m more costs £0.9m of mission value"
    )


def test_the_diagnosis_table_does_not_repeat_the_message() -> None:
    diagnosis = pd.DataFrame(
        {
            "rule_id": ["funding_guarantee"],
            "kind": ["floor"],
            "year": [2027],
            "relaxation_gbp": [4.2e8],
            "areas": [320],
            "explanation": ["floor 'funding_guarantee' at 100.0% in real terms needs £420.0m more"],
        }
    )
    console = Console(record=True, width=100)
    print_diagnosis(console, diagnosis)
    text = console.export_text()
    assert "£420.0m" in text
    assert "2027-28" in text
    assert "needs" not in text  # the sentence is in the error message above, once


@pytest.mark.parametrize(("scale", "word"), [(1.05, "raised"), (0.95, "lowered")])
def test_an_envelope_diagnosis_says_which_way_to_move_it(scale: float, word: str) -> None:
    s = small_settlement()
    relaxed = dataclasses.replace(
        s, allocations=s.allocations.assign(amount_gbp=s.allocations["amount_gbp"] * scale)
    )
    rule = make_rule("resource_envelope", s.scenario.rules["resource_envelope"])
    text = rule.explain(pd.DataFrame({"year": [2026], "relaxation_gbp": [5_000.0]}), relaxed)[2026]
    assert f"feasible with the envelope {word} by £5,000" in text


def test_compare_lists_only_real_winners_and_what_each_run_was_asked(tmp_path: Path) -> None:
    s = small_settlement()
    a, b = write_run(s, tmp_path / "a"), write_run(s, tmp_path / "b")
    result = CliRunner().invoke(main, ["compare", str(a), str(b)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Biggest winners: none" in text
    assert "Biggest losers: none" in text
    assert "0 areas gain, 0 lose and 4 do not change" in text
    assert "a: reports test" in text
    assert "b: reports test" in text


def test_a_rerun_keeps_the_explorer_of_its_folder_current(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = small_settlement()
    renamed = dataclasses.replace(s, scenario=s.scenario.model_copy(update={"name": "second run"}))
    monkeypatch.setattr("allocator.scenario.load_scenario", lambda path, overrides=None: renamed.scenario)
    monkeypatch.setattr("allocator.engine.solve", lambda scenario, progress=None: renamed)
    target = tmp_path / "run"
    write_run(s, target, report=True)
    assert "reports test" in (target / "report" / "index.html").read_text(encoding="utf-8")
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: unused\n")
    result = CliRunner().invoke(main, ["run", str(scenario), "-o", str(target)])
    assert result.exit_code == 0, result.output
    index = (target / "report" / "index.html").read_text(encoding="utf-8")
    assert "Settlement: second run" in index
    assert re.search(
        r"held an explorer of the earlier run; it was written again", " ".join(result.output.split())
    )
