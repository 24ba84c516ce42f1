"""Verify every card formula of a deck: the code path shared by ``dlflash verify`` and ``verify/test_formulas.py``."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dlflash.cache import Cache, versions
from dlflash.config import Project
from dlflash.errors import ProblemsError, UsageError
from dlflash.formula.parse import parse_formula
from dlflash.messages import did_you_mean
from dlflash.model import Card, CardSet
from dlflash.verify.check import card_formula_problems, formula_problems, references_digest
from dlflash.verify.outcome import Outcome
from dlflash.verify.registry import Reference, load_references

VERIFY_CACHE = "formula-results"


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
    from dlflash.verify.runner import check_program  # torch: only for a formula not in the cache

    outcome = check_program(parse_formula(spec, card.id), references[spec.reference])
    return Row(card.id, spec.reference, outcome)


def verify_cards(
    project: Project, cards: CardSet, ids: Iterable[str] = (), done: Callable[[Row], None] | None = None
) -> list[Row]:
    """Rows for every selected card; problems (refused formulas, unknown references) all at once.

    ``done`` is called with each row as soon as it is computed (the CLI's progress bar).
    A formula verified before against the same references' source and torch is read
    from the cache; the references (and torch) are imported only for the others.
    """
    selected = formula_cards(cards, ids)
    if not selected:
        return []
    problems = [p for p in formula_problems(project, selected) if p.severity == "error"]
    if problems:
        raise ProblemsError(problems)
    cache = Cache.for_cards(project.cards_dir)
    sources = references_digest(project)
    old = cache.table(VERIFY_CACHE, VERIFY_CACHE)
    entries: dict[str, Any] = {}
    references: Mapping[str, Reference] = {}
    rows = []
    for card in selected:
        key = cache.key(VERIFY_CACHE, card.id, card.formula, sources, versions("torch"))
        row = _decode(old.get(key), card)
        if row is None:
            references = references or load_references(project)
            row = verify_card(card, references)
        entries[key] = dataclasses.asdict(row.outcome)
        rows.append(row)
        if done is not None:
            done(rows[-1])
    cache.save(VERIFY_CACHE, VERIFY_CACHE, {**old, **entries} if ids else entries, old)
    return rows


def _decode(value: Any, card: Card) -> Row | None:
    """A cached outcome, or None when there is none or it is not one."""
    if not isinstance(value, dict):
        return None
    try:
        reference, failure = str(value["reference"]), str(value["failure"])
        outcome = Outcome(reference, float(value["worst_error"]), int(value["cases"]), failure)
    except (KeyError, TypeError, ValueError):
        return None
    assert card.formula is not None
    return Row(card.id, card.formula.reference, outcome)


def format_error(value: float) -> str:
    return "inf" if math.isinf(value) else f"{value:.1e}"
