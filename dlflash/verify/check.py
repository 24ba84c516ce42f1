"""``dlflash check`` for formulas: every card's steps parse, and fit the reference they name."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from dlflash.config import Project
from dlflash.formula.latex import latex_problems
from dlflash.formula.parse import Program, parse_with_problems
from dlflash.formula.spec import parse_domain, show_mode, spec_problems
from dlflash.messages import did_you_mean
from dlflash.model import Card, CardSet, Problem
from dlflash.verify.registry import Reference, load_references


def check_formulas(project: Project, cards: CardSet) -> Iterator[Problem]:
    """Parse/allow-list problems, unknown references and symbols, for every card with a formula."""
    formula_cards = [c for c in cards.cards if c.formula is not None]
    if not formula_cards:
        return
    references = load_references(project)
    for card in formula_cards:
        yield from card_formula_problems(card, references)


def card_formula_problems(card: Card, references: Mapping[str, Reference]) -> Iterator[Problem]:
    spec = card.formula
    assert spec is not None
    yield from spec_problems(spec, card.id, cloze=card.type == "cloze")
    program, problems = parse_with_problems(spec, card.id)
    yield from problems
    if program is not None and show_mode(spec) != "code":
        yield from latex_problems(program, card.id)
    ref = references.get(spec.reference)
    if ref is None:
        hint = did_you_mean(spec.reference, sorted(references))
        yield Problem(spec.source, f"unknown reference {spec.reference!r}{hint}", card.id)
        return
    if program is not None:
        yield from _fit_problems(card, program, ref)


def _fit_problems(card: Card, program: Program, ref: Reference) -> Iterator[Problem]:
    spec = card.formula
    assert spec is not None
    known = ref.symbols
    for name in program.free_symbols:
        if name not in known:
            hint = did_you_mean(name, list(known))
            message = f"symbol {name!r} is not an input of reference {ref.name!r}{hint}; inputs: {', '.join(known)}"
            yield Problem(spec.source, message, card.id)
    for name in ref.outputs:
        if name not in program.assigned and not (ref.kind == "function" and len(ref.outputs) == 0):
            yield Problem(spec.source, f"reference {ref.name!r} compares {name!r}: a step must assign it", card.id)
    declared = dict((*ref.inputs, *ref.derived))
    for symbol, text in spec.given:
        domain = parse_domain(text)
        if symbol not in known and symbol not in program.assigned:
            hint = did_you_mean(symbol, list(known))
            message = f"given symbol {symbol!r} is not an input of reference {ref.name!r}{hint}"
            yield Problem(spec.source, message, card.id)
        elif symbol in declared and not isinstance(domain, str) and str(domain) != str(parse_domain(declared[symbol])):
            wanted = declared[symbol]
            message = f"the domain of {symbol!r} must be {wanted!r} as reference {ref.name!r} draws it: {text!r}"
            yield Problem(spec.source, message, card.id)
