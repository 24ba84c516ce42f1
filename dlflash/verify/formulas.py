"""Every formula verify knows: the cards' (by card id) and each reference's own example (``example:<name>``)."""

from __future__ import annotations

from dataclasses import dataclass

from dlflash.config import Project
from dlflash.errors import ProblemsError
from dlflash.formula.parse import Program, parse_formula
from dlflash.messages import shown
from dlflash.model import FormulaSpec, Problem, Source
from dlflash.sources.cards import load_cards
from dlflash.sources.yamltree import read_yaml_file
from dlflash.verify.outcome import Outcome
from dlflash.verify.registry import Reference, load_references
from dlflash.verify.runner import check_program


@dataclass(frozen=True)
class Formula:
    """A formula to verify: its id, its parsed program and its reference."""

    id: str
    program: Program
    reference: Reference

    def check(self) -> Outcome:
        return check_program(self.program, self.reference)


def example_spec(ref: Reference) -> FormulaSpec:
    return FormulaSpec(ref.example, tuple(1 for _ in ref.example), ref.name, (), Source(f"reference {ref.name}", 1))


def all_formulas(project: Project) -> list[Formula]:
    """The card formulas of the project and every reference example, parsed (refusals raise)."""
    references = load_references(project)
    formulas = [
        Formula(f"example:{ref.name}", parse_formula(example_spec(ref), ref.name), ref)
        for ref in sorted(references.values(), key=lambda r: r.name)
    ]
    if project.cards_dir.is_dir():
        for card in load_cards(project.cards_dir).cards:
            if card.formula is not None and card.formula.reference in references:
                program = parse_formula(card.formula, card.id)
                formulas.append(Formula(card.id, program, references[card.formula.reference]))
    return formulas


def equivalent_mutants(project: Project) -> dict[str, dict[str, str]]:
    """``formula id -> mutant description -> why it computes the same thing``; a malformed file is problems."""
    path = project.equivalent_mutants_file
    if path is None or not path.is_file():
        return {}
    tree, name = read_yaml_file(path), str(path)
    if tree.kind != "map":
        raise ProblemsError([Problem(Source(name, tree.line), f"the file must map formula ids to mutants, not "
                                                              f"{tree.kind_name}")])
    problems, found = [], {}
    for key, mutants in tree.pairs:
        if mutants.kind != "map":
            message = f"{shown(key.text)} must map each mutant description to its reason, not {mutants.kind_name}"
            problems.append(Problem(Source(name, mutants.line), message))
            continue
        for description, reason in mutants.pairs:
            if reason.kind != "str" or not reason.text.strip():
                message = f"the reason for mutant {shown(description.text)} must be text, not {reason.kind_name}"
                problems.append(Problem(Source(name, reason.line), message))
        found[key.text] = {d.text: r.text for d, r in mutants.pairs}
    if problems:
        raise ProblemsError(problems)
    return found
