"""The exceptions every stage raises; only ``dlflash.cli`` turns them into output.

Modelled on click's small hierarchy: each class carries the exit status the
CLI uses, so no stage decides how the program ends.
"""

from __future__ import annotations

from collections.abc import Iterable

from dlflash.model import Problem


class DlflashError(Exception):
    """Base of every error the CLI reports without a traceback."""

    exit_code = 1


class ProblemsError(DlflashError):
    """The input has problems; all of them are carried, one line each."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(sorted(problems, key=_problem_order))
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(DlflashError):
    """The command line or the project layout is wrong (missing folder, bad option)."""

    exit_code = 2


def _problem_order(problem: Problem) -> tuple[str, int, str]:
    return (problem.source.path, problem.source.line, problem.message)


class SettingsError(DlflashError):
    """``[tool.dlflash]`` in pyproject.toml is invalid: bad data in a file, so exit 1."""
