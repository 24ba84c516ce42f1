"""The LaTeX printed from a formula is valid MathJax TeX, safe in a cloze, and means what the evaluator computes."""

from __future__ import annotations

import ast
import re

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlflash.errors import ProblemsError
from dlflash.formula import formula_code, formula_display, formula_latex
from dlflash.formula.evaluate import RESULT, evaluate
from dlflash.formula.latex import symbol_latex
from dlflash.formula.parse import parse_step
from dlflash.model import FormulaSpec, Source
from dlflash.verify.formulas import example_spec
from dlflash.verify.registry import load_references

KNOWN_MACROS = {
    "frac", "sqrt", "left", "right", "hat", "bar", "tilde", "dot", "vec", "mathrm", "operatorname", "text", "sum",
    "max", "min", "exp", "log", "tanh", "sigma", "cdot", "leftarrow", "begin", "end", "leq", "geq", "neq",
    "infty", "nabla", "epsilon", "eta", "lambda", "mu", "alpha", "beta", "gamma", "delta", "theta", "rho", "tau",
    "phi", "omega", "pi", "Sigma", "cos", "sin", "lfloor", "rfloor", "top",
}


def assert_valid_tex(tex: str) -> None:
    assert "\n" not in tex and "}}" not in tex
    depth = 0
    for char in tex.replace(r"\{", "").replace(r"\}", ""):
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0, tex
    assert depth == 0, tex
    assert len(re.findall(r"\\left(?![a-z])", tex)) == len(re.findall(r"\\right(?![a-z])", tex)), tex
    stack: list[str] = []
    for kind, name in re.findall(r"\\(begin|end)\{(\w+)\}", tex):
        if kind == "begin":
            stack.append(name)
        else:
            assert stack and stack.pop() == name, tex
    assert not stack, tex
    for macro in re.findall(r"\\([A-Za-z]+)", tex):
        assert macro in KNOWN_MACROS, f"unknown macro \\{macro} in {tex}"


def latex(*steps: str) -> str:
    spec = FormulaSpec(steps, tuple(range(1, len(steps) + 1)), "r", (), Source("c.yaml", 1))
    return formula_latex(spec, "card")


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        (("mean((y - y_hat)**2)",), r"\operatorname{mean}\left(\left(y - \hat{y}\right)^{2}\right)"),
        (("sqrt(a) / b",), r"\frac{\sqrt{a} }{b}"),
        (("x - (y - z)",), r"x - \left(y - z\right)"),
        (("(a + b) * c",), r"\left(a + b\right)\,c"),
        (("-(a + b)",), r"-\left(a + b\right)"),
        (("(a / b)**2",), r"\left(\frac{a}{b}\right)^{2}"),
        (("lr * g + eps",), r"\eta\,g + \epsilon"),
        (("2 * 3",), r"2 \cdot 3"),
        (("x * 1e-5",), r"x \cdot 10^{-5}"),
        (("clamp(1 - y*s, min=0)",), r"\max\left(1 - y\,s, 0\right)"),
        (("w = w - lr*g",), r"w \leftarrow w - \eta\,g"),
        (
            ("v = mu*v + g", "w = w - lr*v"),
            r"\begin{aligned} v &\leftarrow \mu\,v + g \\ w &\leftarrow w - \eta\,v \end{aligned}",
        ),
        (("m_hat = m / (1 - beta1**t)",), r"\hat{m} = \frac{m}{1 - \beta_{1}^{t} }"),
    ],
)
def test_typical_formulas_print_as_expected_latex(steps: tuple[str, ...], expected: str) -> None:
    tex = latex(*steps)
    assert tex == expected
    assert_valid_tex(tex)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("y_hat", r"\hat{y}"), ("beta1", r"\beta_{1}"), ("eps", r"\epsilon"), ("lr", r"\eta"), ("TP", r"\mathrm{TP}"),
     ("v_max", r"v_{\mathrm{max}}"), ("sigma", r"\sigma"), ("x", "x"), ("w2_hat", r"\hat{w}_{2}")],
)
def test_symbols_follow_the_symbol_table(name: str, expected: str) -> None:
    assert symbol_latex(name) == expected


def test_every_reference_example_prints_valid_tex_or_is_refused_for_its_subscripts() -> None:
    from pathlib import Path

    from dlflash.config import load_project

    for ref in load_references(load_project(Path(__file__).resolve().parent.parent / "cards")).values():
        if "None" in " ".join(ref.example):
            with pytest.raises(ProblemsError, match="LaTeX cannot show"):
                formula_latex(example_spec(ref), ref.name)
        else:
            assert_valid_tex(formula_latex(example_spec(ref), ref.name))


@pytest.mark.parametrize(
    ("step", "shown"),
    [
        ("s[:, None] > s[None, :]", "'s[:, None]'"),
        ("sum(A * w[:, None, None], dim=0)", "'w[:, None, None]'"),
        ("x[..., 0]", "'x[..., 0]'"),
    ],
)
def test_broadcasting_subscripts_are_refused_not_dropped(step: str, shown: str) -> None:
    with pytest.raises(ProblemsError) as caught:
        latex(step)
    message = str(caught.value)
    expected = f"c.yaml:1: [card] uses broadcasting subscripts ({shown}) that LaTeX cannot show; set 'show: code'"
    assert expected in message


@pytest.mark.parametrize("step", ["x[1:]", "x[:, 0]", "x[-1]"])
def test_slices_and_negative_indices_are_refused(step: str) -> None:
    with pytest.raises(ProblemsError, match=r"uses slicing or negative subscripts .* set 'show: code'"):
        latex(step)


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ("x[0]", "{x}_{0}"),
        ("W[1, 2] * x", r"{W}_{1, 2}\,x"),
        ("softmax(z)[0]", r"{\operatorname{softmax}\left(z\right)}_{0}"),
    ],
)
def test_plain_integer_indices_print_as_subscripts(step: str, expected: str) -> None:
    tex = latex(step)
    assert tex == expected
    assert_valid_tex(tex)


def test_the_code_form_is_the_steps_one_per_line() -> None:
    spec = FormulaSpec(("v = mu*v + g", " w = w - lr*v"), (1, 2), "r", (), Source("c.yaml", 1))
    assert formula_code(spec) == "v = mu*v + g\nw = w - lr*v"


# --- agreement: LaTeX read back as code computes what the evaluator computed ---------------------

# the printer's LaTeX read back as code: its macros of functions, grouping, comparisons and products
READ_BACK = [
    (r"\operatorname{ReLU}", "relu"), (r"\operatorname{sign}", "sign"), (r"\operatorname{mean}", "mean"),
    (r"\exp", "exp"), (r"\log", "log"), (r"\tanh", "tanh"), (r"\sigma", "sigmoid"), (r"\sum", "sum"),
    (r"\max", "max"), (r"\min", "min"), (r"\left(", "("), (r"\right)", ")"), (r"\left|", "abs("),
    (r"\right|", ")"), (r"\leq", "<="), (r"\geq", ">="), (r"\neq", "!="), (r"\cdot", "*"), (r"\,", "*"),
]


def _group(tex: str, start: int) -> tuple[str, int]:
    assert tex[start] == "{", tex
    depth = 0
    for i in range(start, len(tex)):
        depth += {"{": 1, "}": -1}.get(tex[i], 0)
        if depth == 0:
            return tex[start + 1 : i], i + 1
    raise AssertionError(f"unbalanced braces: {tex!r}")


def latex_to_code(tex: str) -> str:
    """Read back the printer's LaTeX as code (frac, sqrt, powers, ``=`` and the macros of READ_BACK)."""
    out, i = [], 0
    while i < len(tex):
        if tex.startswith(r"\frac", i):
            top, i = _group(tex, i + 5)
            bottom, i = _group(tex, i)
            out.append(f"(({latex_to_code(top)})/({latex_to_code(bottom)}))")
        elif tex.startswith(r"\sqrt", i):
            body, i = _group(tex, i + 5)
            out.append(f"sqrt({latex_to_code(body)})")
        elif tex.startswith("^", i):
            power, i = _group(tex, i + 1)
            out.append(f"**({latex_to_code(power)})")
        elif tex[i] == "=" and tex[i - 1 : i] not in ("<", ">", "!"):
            out.append("==")
            i += 1
        else:
            macro = next(((m, code) for m, code in READ_BACK if tex.startswith(m, i)), None)
            out.append(macro[1] if macro else tex[i])
            i += len(macro[0]) if macro else 1
    return "".join(out)


LEAVES = st.sampled_from(["a", "b", "c", "2", "3", "0.5"])


def _tree(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/", "**"]), children)
    return st.one_of(
        binary.map(lambda t: f"({t[0]}) {t[1]} ({t[2]})" if t[1] != "**" else f"({t[0]}) ** 2"),
        children.map(lambda c: f"-({c})"),
    )


@settings(max_examples=150, deadline=None)
@given(st.recursive(LEAVES, _tree, max_leaves=8))
def test_printed_grouping_is_the_evaluated_grouping(text: str) -> None:
    parsed, _ = parse_step(text, alone=True)
    if parsed is None:
        return  # e.g. a constant exponent rule; the grammar is tested elsewhere
    env = {k: torch.tensor(v, dtype=torch.float64) for k, v in {"a": 1.7, "b": -0.6, "c": 2.3}.items()}
    from dlflash.formula.parse import Program, Step

    direct = evaluate(Program((Step(None, parsed[1], text, Source("t", 1)),)), env)[RESULT]
    tex = latex(text)
    assert_valid_tex(tex)
    back = latex_to_code(tex.replace("} }", "}}")).replace(" ", "")
    reparsed, why = parse_step(back, alone=True)
    assert reparsed is not None, (tex, back, why)
    again = evaluate(Program((Step(None, reparsed[1], back, Source("t", 1)),)), env)[RESULT]
    assert torch.allclose(direct, again, rtol=1e-12, atol=1e-12, equal_nan=True), (text, tex, back)
    assert ast.dump(parsed[1]) != "" and isinstance(parsed[1], ast.expr)


def test_a_step_that_reassigns_an_input_reads_as_an_update() -> None:
    # an LSTM's h is read by the gates before the last step assigns it: "h <-", not "h ="
    tex = latex("o = sigmoid(x + h)", "h = o * tanh(c)")
    assert r"o &= " in tex and r"h &\leftarrow " in tex


def display(*steps: str, given: tuple[tuple[str, str], ...] = ()) -> tuple[str, ...]:
    spec = FormulaSpec(steps, tuple(range(1, len(steps) + 1)), "r", given, Source("c.yaml", 1))
    return formula_display(spec, "card").legend


def test_the_legend_names_the_reduced_axis_from_the_inputs_domain() -> None:
    assert display("mean(X, dim=0)", given=(("X", "real[n, d]"),)) == (
        r"\(\operatorname{mean}_{\text{dim}=0}\): the mean over axis 0, the n axis (torch `dim=0`)",
    )
    assert display("sum(exp(x), dim=1)") == (r"\(\sum_{\text{dim}=1}\): the sum over axis 1 (torch `dim=1`)",)


def test_the_legend_tells_population_from_unbiased_variance() -> None:
    [population] = display("x.var(correction=0)")
    [unbiased] = display("x.var()")
    assert population.startswith(r"\(\operatorname{Var}_{\text{pop} }\)") and "correction=0" in population
    assert unbiased.startswith(r"\(\operatorname{Var}\)") and "minus 1" in unbiased


def test_the_legend_explains_each_indexing_once_and_plain_formulas_have_none() -> None:
    legend = display("-sum(take(w, y) * pick(log_softmax(z, dim=1), y)) / sum(take(w, y))")
    assert [line.split("\\): ")[0] for line in legend] == [
        r"\(\left[w\right]_{y}", r"\(\log\operatorname{softmax}_{\text{dim}=1}", r"\(\left[\cdot\right]_{y}",
    ]
    assert display("mean((y - y_hat)**2)") == ()
    for line in legend:
        for math in re.findall(r"\\\((.*?)\\\)", line):
            assert_valid_tex(math)
