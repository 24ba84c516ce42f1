"""Trigonometry, floor, transpose, diag and cat in formulas: computed as torch does, printed as math."""

from __future__ import annotations

import math

import pytest
import torch
from test_formula_latex import assert_valid_tex

from dlflash.errors import EvaluationError, ProblemsError
from dlflash.formula import formula_latex, parse_formula
from dlflash.formula.evaluate import RESULT, evaluate
from dlflash.formula.parse import parse_step
from dlflash.model import FormulaSpec, Source
from dlflash.verify.mutants import mutants
from dlflash.verify.registry import Reference
from dlflash.verify.runner import check_program

SEED = 7
TOLERANCE = 1e-12


def spec(*steps: str) -> FormulaSpec:
    return FormulaSpec(steps, tuple(range(1, len(steps) + 1)), "r", (), Source("c.yaml", 1))


def run(step: str, **env: torch.Tensor) -> torch.Tensor:
    return evaluate(parse_formula(spec(step)), env)[RESULT]


def inputs() -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(SEED)
    return {
        "x": 10 * torch.randn(5, generator=gen, dtype=torch.float64),
        "A": torch.randn(3, 4, generator=gen, dtype=torch.float64),
        "B": torch.randn(2, 4, generator=gen, dtype=torch.float64),
    }


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ("cos(x)", lambda v: torch.cos(v["x"])),
        ("x.sin()", lambda v: torch.sin(v["x"])),
        ("cos(pi * x)", lambda v: torch.cos(math.pi * v["x"])),
        ("floor(x / 3)", lambda v: torch.floor(v["x"] / 3)),
        ("transpose(A)", lambda v: v["A"].T),
        ("transpose(A) @ A", lambda v: v["A"].T @ v["A"]),
        ("cat(A, B)", lambda v: torch.cat([v["A"], v["B"]])),
        ("A @ diag(x[0:4])", lambda v: v["A"] @ torch.diag(v["x"][:4])),
        ("cat(transpose(A), transpose(B), dim=1)", lambda v: torch.cat([v["A"].T, v["B"].T], dim=1)),
    ],
)
def test_new_functions_compute_what_torch_computes(step: str, expected: object) -> None:
    values = inputs()
    assert callable(expected)
    want = expected(values)
    got = run(step, **values)
    assert got.shape == want.shape
    assert torch.allclose(got, want, rtol=TOLERANCE, atol=TOLERANCE)


def test_pi_is_the_constant_not_an_input() -> None:
    program = parse_formula(spec("2 * pi * r"))
    assert program.free_symbols == ("r",)
    assert float(run("2 * pi * r", r=torch.tensor(1.0, dtype=torch.float64))) == 2 * math.pi


def test_pi_cannot_be_assigned() -> None:
    for text in ("pi = 3", "pi += 1"):
        parsed, reasons = parse_step(text, alone=True)
        assert parsed is None and "'pi' is a constant and cannot be assigned" in reasons


def test_transpose_of_a_vector_is_an_evaluation_error() -> None:
    with pytest.raises(EvaluationError, match=r"transpose\(\) needs a matrix, not a tensor of shape \(5,\)"):
        run("transpose(x)", x=torch.zeros(5, dtype=torch.float64))


def test_diag_of_a_matrix_is_an_evaluation_error() -> None:
    with pytest.raises(EvaluationError, match=r"diag\(\) needs a vector, not a tensor of shape \(2, 2\)"):
        run("diag(A)", A=torch.zeros(2, 2, dtype=torch.float64))


def test_cat_refuses_a_keyword_other_than_dim() -> None:
    with pytest.raises(ProblemsError, match="cat\\(\\) has no keyword 'axis'"):
        parse_formula(spec("cat(a, b, axis=0)"))


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        (("cos(x)",), r"\cos\left(x\right)"),
        (("sin(2 * pi * t)",), r"\sin\left(2\,\pi\,t\right)"),
        (("floor(t / s)",), r"\left\lfloor \frac{t}{s} \right\rfloor"),
        (("transpose(U)",), r"U^{\top}"),
        (("U @ transpose(U)",), r"U\,U^{\top}"),
        (("transpose(U @ V)",), r"\left(U\,V\right)^{\top}"),
        (("transpose(U)**2",), r"\left(U^{\top}\right)^{2}"),
        (("transpose(transpose(U))",), r"\left(U^{\top}\right)^{\top}"),
        (("U @ diag(s) @ transpose(U)",), r"U\,\operatorname{diag}\left(s\right)\,U^{\top}"),
        (("cat(a, b, dim=0)",), r"\operatorname{concat}_{\text{dim}=0}\left(a, b\right)"),
        (("lr = lr0 * gamma**floor(t / step)",),
         r"\eta = \eta_{0}\,\gamma^{\left\lfloor \frac{t}{\mathrm{step} } \right\rfloor}"),
    ],
)
def test_new_functions_print_as_math(steps: tuple[str, ...], expected: str) -> None:
    tex = formula_latex(spec(*steps), "card")
    assert tex == expected
    assert_valid_tex(tex)


def _reference(name: str, compute: object, inputs: dict[str, str]) -> Reference:
    assert callable(compute)
    return Reference(name, "function", compute, tuple(inputs.items()), (), name)


@pytest.mark.parametrize(
    ("step", "compute", "given"),
    [
        ("cos(pi * x) + sin(x)", lambda x: torch.cos(math.pi * x) + torch.sin(x), {"x": "real[n]"}),
        ("floor(x * 3)", lambda x: torch.floor(x * 3), {"x": "real(0, 10)[n]"}),
        ("transpose(A) @ A", lambda A: A.T @ A, {"A": "real[n, m]"}),
        ("cat(A, B)", lambda A, B: torch.cat([A, B]), {"A": "real[n, m]", "B": "real[n, m]"}),
        ("A @ diag(1 / x)", lambda A, x: A @ torch.diag(1 / x), {"A": "real[n, m]", "x": "positive[m]"}),
    ],
)
def test_every_mutant_of_the_new_functions_is_killed(step: str, compute: object, given: dict[str, str]) -> None:
    ref = _reference("new", compute, given)
    program = parse_formula(spec(step))
    assert check_program(program, ref).passed
    found = list(mutants(program))
    assert found
    survivors = [m.description for m in found if check_program(m.program, ref).passed]
    assert survivors == []


def test_the_new_mutations_are_generated() -> None:
    descriptions = {m.description for m in mutants(parse_formula(spec("cat(A, B) + cos(pi * x)")))}
    assert "step 1: 'cat(A, B)' -> 'cat(B, A)'" in descriptions
    assert "step 1: cos() -> sin()" in descriptions
    assert "step 1: pi -> 6.28319" in descriptions
    assert "step 1: 'cos(pi * x)' -> 'pi * x'" in descriptions
