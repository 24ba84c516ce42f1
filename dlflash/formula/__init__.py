"""The formula stage: a card's steps parsed against an allow-list, printed as LaTeX, run on torch.

``formula_latex`` and ``formula_code`` feed rendering; ``dlflash.verify`` checks each card's
program against the reference it names and runs it against torch.
"""

from __future__ import annotations

from dlflash.errors import ProblemsError
from dlflash.formula.latex import FormulaDisplay, latex_problems, program_display
from dlflash.formula.parse import Program, parse_formula
from dlflash.formula.spec import asked_lines, show_mode
from dlflash.model import FormulaSpec

__all__ = [
    "FormulaDisplay", "Program", "formula_code", "formula_display", "formula_latex", "parse_formula", "show_mode",
]


def formula_latex(spec: FormulaSpec, card_id: str, cloze_from: int | None = None) -> str:
    """The LaTeX body (no delimiters) of a card's formula; ``ProblemsError`` if it is refused."""
    return formula_display(spec, card_id, cloze_from).tex


def formula_display(spec: FormulaSpec, card_id: str, cloze_from: int | None = None) -> FormulaDisplay:
    """The formula's LaTeX and legend; ``ProblemsError`` if it is refused.

    A formula LaTeX cannot show faithfully (broadcasting subscripts) is refused rather than misprinted.
    With ``cloze_from``, each step's right-hand side is a cloze numbered from there (see ``program_latex``).
    """
    program = parse_formula(spec, card_id)
    problems = list(latex_problems(program, card_id))
    if problems:
        raise ProblemsError(problems)
    return program_display(program, spec.given, cloze_from, asked_lines(spec))


def formula_code(spec: FormulaSpec) -> str:
    """The steps as one block of Python code, one step per line, as the card author wrote them."""
    return "\n".join(step.strip() for step in spec.steps)
