"""The exceptions every stage raises; only ``dlflash.cli`` turns them into output.

Modelled on click's small hierarchy: each class carries the exit status the
CLI uses, so no stage decides how the program ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from dlflash.model import Problem, Source


class DlflashError(Exception):
    """Base of every error the CLI reports without a traceback."""

    exit_code = 1


class ProblemsError(DlflashError):
    """The input has problems; all of them are carried, one line each."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(sorted(problems, key=_problem_order))
        super().__init__("\n".join(str(p) for p in self.problems))


class SourceFileError(ProblemsError):
    """A source file that cannot be read as one: its one problem, at line ``line``."""

    def __init__(self, path: Path, message: str, line: int = 1) -> None:
        self.path = path
        super().__init__([Problem(Source(str(path), line), message)])


class UsageError(DlflashError):
    """The command line or the project layout is wrong (missing folder, bad option)."""

    exit_code = 2


class TemplateError(DlflashError):
    """A template names a field its note type does not have."""


class CollectionRefused(DlflashError):
    """The collection is locked, not a collection, or not one we may change."""


class ReviewerError(DlflashError):
    """The reviewer's assets or the browser are missing or failed."""


class EvaluationError(DlflashError):
    """A formula could not be computed on the given inputs (unknown symbol, shape mismatch, too large)."""


class MathJaxUnavailable(DlflashError):
    """node or the pinned mathjax-full is missing, so math cannot be typeset."""


class ApiError(Exception):
    """A claim that does not resolve in the installed torch, with the reason."""


class ReferenceFailure(DlflashError):
    """A reference raised (on import or on a case): reported as a failure, never as a traceback."""


class WriteFailed(DlflashError):
    """An output file could not be written; nothing was half-written."""


class DataError(DlflashError):
    """A file the project needs is missing or says something impossible, where no line can be named: exit 1."""


def _problem_order(problem: Problem) -> tuple[str, int, str]:
    return (problem.source.path, problem.source.line, problem.message)
