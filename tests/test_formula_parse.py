"""The formula language refuses everything outside its allow-list, with a located reason, and never runs it."""

from __future__ import annotations

import pytest

from dlflash.errors import ProblemsError
from dlflash.formula import parse_formula
from dlflash.formula.parse import parse_step
from dlflash.model import FormulaSpec, Source


def reasons(text: str) -> list[str]:
    parsed, found = parse_step(text, alone=True)
    assert parsed is None, f"{text!r} was accepted"
    return found


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("x.__class__", "attribute access is not allowed: 'x.__class__'"),
        ("x.__class__.__mro__", "attribute access is not allowed"),
        ("__import__('os').system('ls')", "function '__import__' is not allowed"),
        ("import os", "only 'name = expression' steps are allowed, not 'import'"),
        ("(lambda: 1)()", "only named functions may be called"),
        ("lambda x: x", "lambda is not allowed"),
        ("[i for i in x]", "comprehensions are not allowed"),
        ("sum(i for i in x)", "comprehensions are not allowed"),
        ("f'{x}'", "f-strings are not allowed"),
        ("(y := x)", "':=' is not allowed"),
        ("sum(*x)", "starred arguments are not allowed"),
        ("mean(x, **{'dim': 0})", "'**' arguments are not allowed"),
        ("x[0:10**12]", "an index must be"),
        ("x[0:100000]", "an index must be"),
        ("10**10**10", "an exponent must not itself contain '**'"),
        ("x**100", "a constant exponent must be at most 16"),
        ("torch.ones(10**9)", "method .ones() is not allowed"),
        ("ones(1000000000)", "function 'ones' is not allowed"),
        ("x * 1e9", "a constant must be at most"),
        ("open('f')", "function 'open' is not allowed"),
        ("eval('1')", "function 'eval' is not allowed"),
        ("'text'", "only numbers are allowed as constants"),
        ("x if y else z", "use where(c, a, b)"),
        ("x and y", "use where(cond, a, b)"),
        ("x // y", "operator in 'x // y' is not allowed"),
        ("x.cpu()", "method .cpu() is not allowed"),
        ("mean(x, axis=0)", "mean() has no keyword 'axis'"),
        ("mean(x, dim=y)", "keyword 'dim' must be a number or True/False"),
        ("sqrt(x, y)", "sqrt() takes 1 argument(s), not 2"),
        ("_secret + 1", "symbols must not start with '_'"),
        ("x; y", "a step must be one expression or one assignment"),
        ("x = y = z", "a step must assign one plain name"),
        ("x[y]", "an index must be"),
        ("{x: 1}", "Dict is not allowed"),
        ("x is y", "comparison 'x is y' is not allowed"),
        ("not x", "operator 'not x' is not allowed"),
        ("exp(x" + ")" * 0, "step must be a Python expression"),
    ],
)
def test_escape_attempts_are_refused_with_a_reason(text: str, reason: str) -> None:
    assert any(reason in r for r in reasons(text)), reasons(text)


def test_deep_nesting_and_long_steps_are_refused_not_crashed() -> None:
    assert reasons("(" * 300 + "x" + ")" * 300)
    assert reasons(" + ".join(["x"] * 200))


def test_similar_function_names_get_a_did_you_mean() -> None:
    assert any("did you mean 'mean'" in r for r in reasons("maen(x)"))
    assert any("did you mean 'std'" in r for r in reasons("x.sdt()"))


@pytest.mark.parametrize(
    "text",
    [
        "mean((y - y_hat)**2)",
        "x.mean(dim=0, keepdim=True)",
        "clamp(1 - y*s, min=0)",
        "where(y == 1, x, -x)",
        "w[:, None, None] * f",
        "x[..., 0]",
        "beta1**t",
        "x @ W",
        "x.std(correction=0)",
        "max(a, b) + min(x, dim=-1)",
    ],
)
def test_the_formula_language_accepts_typical_formulas(text: str) -> None:
    parsed, found = parse_step(text, alone=True)
    assert parsed is not None, found


def spec(*steps: str) -> FormulaSpec:
    return FormulaSpec(steps, tuple(10 + i for i in range(len(steps))), "adam", (), Source("cards/01-x.yaml", 9))


def test_refusals_name_the_file_line_and_card() -> None:
    with pytest.raises(ProblemsError) as caught:
        parse_formula(spec("m = beta1*m", "w = w.__class__"), "adam-update")
    assert [str(p) for p in caught.value.problems] == [
        "cards/01-x.yaml:11: [adam-update] attribute access is not allowed: 'w.__class__'"
    ]


def test_multi_step_formulas_must_assign_every_step() -> None:
    with pytest.raises(ProblemsError, match=r"each step of a multi-step formula must be 'name = expression'"):
        parse_formula(spec("m = g", "w - m"), "c")


def test_augmented_assignment_is_an_update_of_the_same_name() -> None:
    program = parse_formula(spec("w -= lr*g"), "c")
    assert program.steps[0].target == "w"
    assert program.free_symbols == ("w", "lr", "g")
