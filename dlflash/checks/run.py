"""What ``dlflash check`` runs over a loaded deck, beyond loading it.

Each check is a function ``(project, cards) -> Iterable[Problem]``; a feature
adds its own to ``CHECKS``. Errors fail ``check`` (and so ``make deck``);
warnings are shown and pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from dlflash.checks.lint import lint_check
from dlflash.checks.typeset import math_check
from dlflash.config import Project
from dlflash.model import CardSet, Problem
from dlflash.render.figures import figure_check
from dlflash.sources.coverage import coverage_check
from dlflash.sources.departures import departure_check
from dlflash.sources.headings import headings_check
from dlflash.verify.check import check_formulas

Check = Callable[[Project, CardSet], Iterable[Problem]]

CHECKS: list[tuple[str, Check]] = []
CHECKS.append(("coverage", coverage_check))
CHECKS.append(("headings", headings_check))
CHECKS.append(("lint", lint_check))
CHECKS.append(("figures", figure_check))
CHECKS.append(("math", math_check))
CHECKS.append(("formula", check_formulas))
CHECKS.append(("departures", departure_check))


def run_checks(project: Project, cards: CardSet) -> Iterator[Problem]:
    for _name, check in CHECKS:
        yield from check(project, cards)
