"""Verify every card formula of a deck: the code path shared by ``dlflash verify`` and ``verify/test_formulas.py``."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from dlflash.config import Project
from dlflash.errors import ProblemsError, UsageError
from dlflash.formula.parse import parse_formula
from dlflash.messages import did_you_mean
from dlflash.model import Card, CardSet
from dlflash.verify.check import card_formula_problems
from dlflash.verify.registry import Reference, load_references
from dlflash.verify.runner import Outcome, check_program


@dataclass(frozen=True)
class Row:
    """One line of the verify table."""

    card_id: str
    reference: str
    outcome: Outcome

    @property
    def status(self) -> str:
        return "ok" if self.outcome.passed else "FAIL"


def formula_cards(cards: CardSet, ids: Iterable[str] = (), also_known: Iterable[str] = ()) -> list[Card]:
    """The cards with a formula, restricted to ``ids`` when given.

    Each of ``ids`` must name a card with a formula or one of ``also_known`` (the cards verify
    checks for another reason, such as their API claims).
    """
    with_formula = [c for c in cards.cards if c.formula is not None]
    wanted = list(ids)
    known = {c.id for c in with_formula} | set(also_known)
    for card_id in wanted:
        if card_id not in known:
            hint = did_you_mean(card_id, sorted(known))
            raise UsageError(f"no card with a formula or an API claim has id {card_id!r}{hint}")
    return [c for c in with_formula if not wanted or c.id in wanted]


def verify_card(card: Card, references: Mapping[str, Reference]) -> Row:
    """Check one card's formula against its reference; a refused formula raises ``ProblemsError``."""
    spec = card.formula
    assert spec is not None
    problems = [p for p in card_formula_problems(card, references) if p.severity == "error"]
    if problems:
        raise ProblemsError(problems)
    outcome = check_program(parse_formula(spec, card.id), references[spec.reference])
    return Row(card.id, spec.reference, outcome)


def verify_cards(
    project: Project, cards: CardSet, ids: Iterable[str] = (), done: Callable[[Row], None] | None = None
) -> list[Row]:
    """Rows for every selected card; problems (refused formulas, unknown references) all at once.

    ``done`` is called with each row as soon as it is computed (the CLI's progress bar).
    """
    selected = formula_cards(cards, ids)
    if not selected:
        return []
    references = load_references(project)
    problems = [p for c in selected for p in card_formula_problems(c, references) if p.severity == "error"]
    if problems:
        raise ProblemsError(problems)
    rows = []
    for card in selected:
        rows.append(verify_card(card, references))
        if done is not None:
            done(rows[-1])
    return rows


def format_error(value: float) -> str:
    return "inf" if math.isinf(value) else f"{value:.1e}"
