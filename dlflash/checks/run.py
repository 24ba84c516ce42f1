"""The checks ``dlflash check`` runs over an opened deck, beyond loading it: one registry, run in order.

Each check is a function of the ``Deck`` (``dlflash.deck``), which computes what the checks share
(facts, coverage, the rendered notes) once. Errors fail ``check`` (and so ``make deck``); warnings
are shown and pass. A check that raises (a card that cannot render) gives its problems and the
checks after it still run, so ``check`` reports every problem of every stage at once; a problem
two checks find (an unknown fact stops rendering too) is reported once. ``dlflash check --only``
runs a selection (``CHECKS.select``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from dlflash.checks.lint import lint_cards
from dlflash.checks.typeset import math_check
from dlflash.deck import Deck
from dlflash.errors import DlflashError, ProblemsError
from dlflash.model import Problem, Source
from dlflash.registry import Registry
from dlflash.render.figures import figure_problems
from dlflash.sources.coverage import coverage_check
from dlflash.sources.departures import departure_problems
from dlflash.sources.headings import headings_check
from dlflash.verify.check import check_formulas

Check = Callable[[Deck], Iterable[Problem]]


def _coverage(deck: Deck) -> Iterable[Problem]:
    # a folder without notes has nothing to cover
    return coverage_check(deck.project, deck.coverage) if deck.notes_text is not None else ()


def _headings(deck: Deck) -> Iterable[Problem]:
    return headings_check(deck.project, deck.facts) if deck.notes_text is not None else ()


def _departures(deck: Deck) -> Iterable[Problem]:
    if not any(card.departures for card in deck.cards.cards):
        return ()
    if deck.notes_text is None:
        return [Problem(Source(str(deck.project.cheatsheet), 1), "cards record departures, so the notes must exist")]
    return departure_problems(deck.cards, deck.notes_text, str(deck.project.cheatsheet))


CHECKS: Registry[Check] = Registry("check")
CHECKS.add("coverage", _coverage)
CHECKS.add("headings", _headings)
CHECKS.add("lint", lambda deck: lint_cards(deck.cards, deck.media_available))
CHECKS.add("figures", lambda deck: figure_problems(deck.figures, deck.cards))
CHECKS.add("math", lambda deck: math_check(deck.project, deck.notes))
CHECKS.add("formula", lambda deck: check_formulas(deck.project, deck.cards))
CHECKS.add("departures", _departures)


def run_checks(deck: Deck, checks: Registry[Check] = CHECKS) -> Iterator[Problem]:
    """Every check's problems; one that raises still lets every later check report its own."""
    seen: set[Problem] = set()
    for name, check in checks.items():
        found: list[Problem] = []
        try:
            found.extend(check(deck))  # what it yielded before raising is kept
        except ProblemsError as exc:
            found.extend(exc.problems)
        except DlflashError as exc:
            found.append(Problem(Source(str(deck.project.cards_dir), 1), f"the {name} check cannot run: {exc}"))
        for problem in found:
            if problem not in seen:
                seen.add(problem)
                yield problem
