"""The error tree of allocator; each class carries the CLI exit code it maps to.

Exit codes (DESIGN.md): 0 done; 1 a bug; 2 bad input; 3 infeasible; 4 solver failure or time limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from allocator.paths import shown


@dataclass(frozen=True)
class Problem:
    """One problem found in a user's input: where it is, what was wrong, what was expected."""

    source: str
    """The file (or other origin, e.g. ``--set``) the problem is in."""
    location: str
    """The field path (``rules.floor.phi``) or row (``row 12 (E08000025)``) inside the source."""
    message: str
    """What was wrong and what is expected."""

    def __str__(self) -> str:
        source = display_path(self.source)
        where = f"{source}: {self.location}" if self.location else source
        return shown(f"{where}: {self.message}")


def display_path(path: str) -> str:
    """A path as a user would write it: relative to the working folder when it lies below it."""
    from pathlib import Path

    p = Path(path)
    if not p.is_absolute():
        return path
    try:
        return str(p.relative_to(Path.cwd()))
    except ValueError:
        return path


class AllocatorError(Exception):
    """Base of every error allocator raises on purpose. An unexpected one is a bug (exit 1)."""

    exit_code = 1


class InputError(AllocatorError):
    """Bad input: the message names the file, the field or row, and what is expected."""

    exit_code = 2

    def __init__(self, problems: list[Problem] | str, title: str | None = None):
        if isinstance(problems, str):
            problems = [Problem("input", "", problems)]
        self.problems = list(problems)
        self.title = title or self.default_title
        super().__init__(self.render())

    default_title = "the input has problems"

    def render(self) -> str:
        n = len(self.problems)
        head = f"{self.title} ({n} problem{'s' if n != 1 else ''}):" if n > 1 else f"{self.title}:"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


class ScenarioError(InputError):
    default_title = "the scenario is not valid"


class RuleSetError(ScenarioError):
    default_title = "the rule set is not valid"


class GeographyError(InputError):
    default_title = "the geography is not valid"


class InfeasibleError(AllocatorError):
    """No settlement satisfies every hard rule; carries the elastic diagnosis table."""

    exit_code = 3

    def __init__(self, message: str, diagnosis=None):
        self.diagnosis = diagnosis
        super().__init__(message)


class SolverError(AllocatorError):
    """The solver failed, or stopped at its time limit without a proven optimum."""

    exit_code = 4
