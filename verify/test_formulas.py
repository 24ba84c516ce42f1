"""Every card formula (test id = card id) and every reference's example agree with torch in float64."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlflash.config import load_project
from dlflash.verify.formulas import Formula, all_formulas
from dlflash.verify.outcome import TOLERANCE
from dlflash.verify.runner import OPTIMIZER_STEPS

ROOT = Path(__file__).resolve().parent.parent
FORMULAS = all_formulas(load_project(ROOT / "cards"))


@pytest.mark.parametrize("formula", FORMULAS, ids=[f.id for f in FORMULAS])
def test_formula_matches_its_torch_reference(formula: Formula) -> None:
    outcome = formula.check()
    assert outcome.passed, f"{formula.id} vs {formula.reference.name}: {outcome.failure}"
    assert outcome.worst_error <= TOLERANCE
    assert outcome.cases >= 2


def test_optimizer_references_run_at_least_five_steps() -> None:
    assert OPTIMIZER_STEPS >= 5
    assert any(f.reference.kind == "optimizer" for f in FORMULAS)
