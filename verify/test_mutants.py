"""Verify can fail: every single-change mutant of every formula must be rejected by its reference.

A surviving mutant is allowed only when ``verify/equivalent_mutants.yaml`` lists
it with the reason it computes the same values; a listed one must still exist
and survive, so the list cannot go stale.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dlflash.config import load_project
from dlflash.verify.formulas import Formula, all_formulas, equivalent_mutants
from dlflash.verify.mutants import mutants
from dlflash.verify.runner import check_program
from verify.conftest import KILLS

ROOT = Path(__file__).resolve().parent.parent
PROJECT = load_project(ROOT / "cards")
FORMULAS = all_formulas(PROJECT)
EQUIVALENT = equivalent_mutants(PROJECT)


@pytest.mark.parametrize("formula", FORMULAS, ids=[f.id for f in FORMULAS])
def test_every_mutant_is_killed_or_listed_as_equivalent(formula: Formula) -> None:
    listed = EQUIVALENT.get(formula.id, {})
    survivors, seen = [], set()
    for mutant in mutants(formula.program):
        seen.add(mutant.description)
        KILLS["mutants"] += 1
        if not check_program(mutant.program, formula.reference).passed:
            KILLS["killed"] += 1
        elif mutant.description in listed:
            KILLS["equivalent"] += 1
        else:
            survivors.append(mutant.description)
    assert not survivors, f"{formula.id}: mutants not caught by {formula.reference.name}: {survivors}"
    stale = sorted(set(listed) - seen)
    assert not stale, f"{formula.id}: listed equivalent mutants that no longer exist: {stale}"


def test_mutants_change_the_formula() -> None:
    formula = next(f for f in FORMULAS if f.id == "example:mse_loss")
    descriptions = [m.description for m in mutants(formula.program)]
    assert "step 1: '(y - y_hat) ** 2' -> '(y - y_hat) * 2'" in descriptions
    assert "step 1: mean() -> sum()" in descriptions
    assert "step 1: constant 2 -> 3" in descriptions
