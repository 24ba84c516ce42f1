"""``dlflash check`` for formulas: every card's steps parse, and fit the reference they name."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any

from dlflash.cache import Cache, decode_problem, encode_problem, files_digest, versions
from dlflash.config import Project
from dlflash.formula.latex import latex_problems
from dlflash.formula.parse import Program, parse_with_problems
from dlflash.formula.spec import parse_domain, show_mode, spec_problems
from dlflash.messages import did_you_mean
from dlflash.model import Card, CardSet, Problem
from dlflash.verify.registry import Reference, load_references

CHECK_CACHE = "formula-checks"


def check_formulas(project: Project, cards: CardSet) -> Iterator[Problem]:
    """Parse/allow-list problems, unknown references and symbols, for every card with a formula."""
    yield from formula_problems(project, [c for c in cards.cards if c.formula is not None])


def formula_problems(project: Project, formula_cards: list[Card]) -> list[Problem]:
    """``card_formula_problems`` of each card, from the cache where its formula and the references are unchanged.

    The references (and torch with them) are imported only when some card's entry is missing.
    """
    if not formula_cards:
        return []
    cache = Cache.for_cards(project.cards_dir)
    loaded: dict[str, Reference] = {}

    def compute(card: Card) -> list[dict[str, Any]]:
        if not loaded:
            loaded.update(load_references(project))
        return [encode_problem(p, card.source) for p in card_formula_problems(card, loaded)]

    sources = references_digest(project)
    keyed = [(cache.key(CHECK_CACHE, c.id, c.type, c.formula, _offsets(c), sources, versions("torch")), c)
             for c in formula_cards]
    entries = cache.lookup(CHECK_CACHE, CHECK_CACHE, {key: partial(compute, card) for key, card in keyed})
    return [decode_problem(value, card.source) for key, card in keyed for value in entries[key]]


def _offsets(card: Card) -> list[int]:
    """Where the formula and its steps sit within the card: its problems' lines, relative to the card's."""
    assert card.formula is not None
    return [line - card.source.line for line in (card.formula.source.line, *card.formula.step_lines)]


def references_digest(project: Project) -> str:
    """The references' source (the settings' package): a changed reference re-checks and re-verifies the formulas."""
    folder = project.references
    if folder is None or not folder.is_dir():
        return ""  # load_references reports the missing setting when an entry must be computed
    return files_digest((p for p in folder.rglob("*.py") if "__pycache__" not in p.parts), folder)


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
