"""The workbook written in a second process: the same bytes as in one process, and every way the second
process can fail reaches the caller as the error it would have raised in one process."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from allocator.background import Background
from allocator.errors import Problem
from allocator.output_folder import OutputError
from allocator.run_outputs import write_run
from tests.reports import small_settlement


@pytest.fixture(params=[True, False], ids=["forked", "in process"])
def forked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    if not request.param:
        monkeypatch.setenv("ALLOCATOR_NO_FORK", "1")
    return request.param


def _fail_with(exc: BaseException) -> None:
    raise exc


def test_a_run_folder_is_the_same_bytes_written_either_way(tmp_path: Path, monkeypatch) -> None:
    s = small_settlement()
    write_run(s, tmp_path / "forked")
    monkeypatch.setenv("ALLOCATOR_NO_FORK", "1")
    write_run(s, tmp_path / "one")
    manifests = [json.loads((tmp_path / d / "manifest.json").read_text()) for d in ("forked", "one")]
    assert manifests[0] == manifests[1]
    assert "settlement.xlsx" in json.dumps(manifests[0])


def test_the_job_runs_and_its_file_is_there_after_wait(tmp_path: Path, forked: bool) -> None:
    target = tmp_path / "done.txt"
    with Background(lambda: target.write_text("written"), "done.txt") as job:
        assert (job.pid is not None) == forked
    assert target.read_text() == "written"


def test_an_output_error_keeps_its_problems(forked: bool) -> None:
    error = OutputError([Problem("out/settlement.xlsx", "", "cannot be written (disk full)")])
    with pytest.raises(OutputError) as raised, Background(lambda: _fail_with(error), "settlement.xlsx"):
        pass
    assert raised.value.problems == error.problems
    assert str(raised.value) == str(error)


def test_an_os_error_keeps_its_number(forked: bool) -> None:
    error = OSError(errno.ENOSPC, "No space left on device", "out/settlement.xlsx")
    with (
        pytest.raises(OSError, match="No space") as raised,
        Background(lambda: _fail_with(error), "settlement.xlsx"),
    ):
        pass
    assert raised.value.errno == errno.ENOSPC
    assert raised.value.filename == "out/settlement.xlsx"


def test_a_bug_in_the_second_process_is_a_bug_with_its_traceback() -> None:
    with pytest.raises(RuntimeError, match="ZeroDivisionError"), Background(lambda: 1 / 0, "settlement.xlsx"):
        pass


def test_ctrl_c_in_the_job_is_ctrl_c_for_the_caller(forked: bool) -> None:
    with pytest.raises(KeyboardInterrupt), Background(lambda: _fail_with(KeyboardInterrupt()), "x"):
        pass


def test_leaving_early_stops_the_second_process(tmp_path: Path) -> None:
    import time

    target = tmp_path / "late.txt"

    def slow() -> None:
        time.sleep(30)
        target.write_text("too late")

    started = time.perf_counter()
    with pytest.raises(ValueError, match="own error"), Background(slow, "late.txt"):
        raise ValueError("the caller's own error")
    assert time.perf_counter() - started < 10
    assert not target.exists()
