"""Property tests: random input never gives a traceback, only problems or a valid result.

The loader, the cheatsheet parser and the formula parser get random documents
and expressions. For formulas, two agreement properties tie the printer to the
evaluator:

* inputs: the LaTeX a learner sees names every symbol the evaluator reads,
  and the evaluator reads exactly the symbols the parser reports as free, for
  every expression of the whole function vocabulary that all three accept;
* value: the LaTeX read back as code (``\\frac`` as ``/``, ``\\,`` as ``*``,
  ``\\leq`` as ``<=``, ``\\exp\\left(x\\right)`` as ``exp(x)``, ...) computes
  the evaluator's value, so the printed grouping is the computed grouping
  (tests/test_formula_latex.py's read-back, here on unary minus, comparisons,
  ``@``/``matmul`` and function calls too). Vectors of length one make
  a matrix product equal to the product that ``\\,`` reads back as.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import torch
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from test_formula_latex import assert_valid_tex, latex_to_code
from torch import Tensor

from dlflash.errors import DlflashError, EvaluationError
from dlflash.formula.evaluate import evaluate_expr
from dlflash.formula.latex import expr_latex, symbol_latex
from dlflash.formula.parse import names_in, parse_step
from dlflash.formula.vocabulary import FUNCTIONS
from dlflash.recording import Recording
from dlflash.sources.cards import CARD_FIELDS, ID_RE, load_card_file
from dlflash.sources.facts import parse_facts

# --- the loader ---------------------------------------------------------------------------------

KEYS = st.sampled_from([*CARD_FIELDS, "title", "cards", "steps", "reference", "given", "frnot", "<<"])
TRICKY = st.sampled_from(
    ["yes", "no", "on", "1e3", "0755", "1:20", "~", "2024-01-01", "=", "*a", "&a x", "!!python/name:os.system",
     "!!str 1", "!!binary aGk=", "'quoted'", '"\\x41"', "[", "]", "{", "}", "|", ">", "-", ":", "#", "? k",
     "basic", "cloze", "{{c1::x}}", "$x$", "\\(x\\)", "\t", "\ufeff", "\r"]
)
TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
LINE = st.tuples(
    st.integers(0, 4).map(lambda n: " " * n),
    st.sampled_from(["", "- ", "-"]),
    st.one_of(st.just(""), KEYS.map(lambda k: f"{k}: ")),
    st.one_of(TRICKY, TEXT),
).map("".join)
DOCUMENTS = st.lists(LINE, max_size=14).map("\n".join)
VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT, TRICKY),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=12,
)
CARDS = st.dictionaries(KEYS, VALUES, max_size=8).map(lambda c: {"type": "basic", **c})
STRUCTURED = st.fixed_dictionaries({"title": VALUES, "cards": st.lists(CARDS, max_size=4)}).map(
    lambda d: yaml.safe_dump(d, allow_unicode=True)
)


def assert_loads_or_reports(data: bytes) -> None:
    """The file loads, or each problem is one line at a line of the file; ids of loaded cards are valid."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "01-random.yaml"
        path.write_bytes(data)
        card_file, problems = load_card_file(path)
    last_line = data.count(b"\n") + data.count(b"\r") + 2
    for problem in problems:
        assert 1 <= problem.source.line <= last_line, str(problem)
        assert problem.message and "\n" not in str(problem), str(problem)
    if card_file is not None and not problems:
        assert all(ID_RE.match(card.id) for card in card_file.cards)


@settings(max_examples=150, deadline=None)
@given(DOCUMENTS)
def test_random_yaml_text_loads_or_gets_one_line_problems(text: str) -> None:
    assert_loads_or_reports(text.encode("utf-8"))


@settings(max_examples=100, deadline=None)
@given(STRUCTURED)
def test_random_card_structures_load_or_get_one_line_problems(text: str) -> None:
    assert_loads_or_reports(text.encode("utf-8"))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_load_or_get_one_line_problems(data: bytes) -> None:
    assert_loads_or_reports(data)


# --- the cheatsheet parser ----------------------------------------------------------------------

MD_LINE = st.tuples(
    st.sampled_from(["", "# ", "## ", "### 1. ", "- ", "* ", "1. ", "  - ", "    ", "> ", "```", "| a | b |", "---"]),
    st.lists(
        st.one_of(
            st.sampled_from(["**Term**", "`code`", "Label:", "TODO: Read:", "\\(x^2\\)", "[link](u)", "'", "é", "?"]),
            st.text(st.characters(codec="utf-8"), max_size=8),
        ),
        max_size=4,
    ).map(" ".join),
).map("".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(MD_LINE, max_size=20).map("\n".join))
def test_random_markdown_gives_unique_well_formed_fact_ids(text: str) -> None:
    facts = parse_facts(text, "cheatsheet.md")
    ids = [f.id for f in facts]
    assert len(set(ids)) == len(ids)
    lines = len(re.split(r"\r\n|\r|\n", text))  # markdown-it ends a line at any of these
    for fact in facts:
        assert all(fact.id.split(".")), fact.id  # no empty segment: the id is usable in `covers`
        assert 1 <= fact.source.line <= lines and re.fullmatch(r"[0-9a-f]{12}", fact.fingerprint)


# --- the formula parser, printer and evaluator ---------------------------------------------------

FORMULA_TEXT = st.one_of(
    st.text(st.sampled_from("abxy_0123456789.+-*/@%()[]{},:;=<>!~&|^ '\"\\\n\t#λ"), max_size=40),
    st.lists(st.sampled_from(["__import__", "os", ".system", "(", ")", "lambda", ":", "x", "**", "9", "[", "]",
                              "for", "in", "if", "else", "and", ",", "=", "sum", "dim", "eval", "'s'", "...",
                              "None", "True", "1e308", "-", "@", "yield", "await"]), max_size=14).map(" ".join),
)


@settings(max_examples=200, deadline=None)
@given(FORMULA_TEXT)
def test_random_formula_text_parses_or_gets_reasons(text: str) -> None:
    parsed, reasons = parse_step(text, alone=True)
    assert (parsed is None) == bool(reasons)
    assert all(reason and "\n" not in reason for reason in reasons)


SYMBOLS = ("a", "b", "c")
LEAVES = st.sampled_from([*SYMBOLS, "2", "3", "0.5"])
ELEMENTWISE = ("exp", "log", "tanh", "sigmoid", "relu", "sign", "abs", "sqrt", "sum", "mean")
BINARY = ("+", "-", "*", "/", "@", "<", "<=", ">", ">=", "==", "!=")


def _tree(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(BINARY), children).map(lambda t: f"({t[0]}) {t[1]} ({t[2]})"),
        children.map(lambda c: f"({c}) ** 2"),
        children.map(lambda c: f"-({c})"),
        st.tuples(st.sampled_from(ELEMENTWISE), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(("max", "min", "matmul")), children, children).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})"
        ),
    )


EXPRESSIONS = st.recursive(LEAVES, _tree, max_leaves=8)


def _call(name: str, args: list[str], keyword: tuple[str, str] | None) -> str:
    extra = [f"{keyword[0]}={keyword[1]}"] if keyword else []
    return f"{name}({', '.join([*args, *extra])})"


@st.composite
def _any_call(draw: st.DrawFn, children: st.SearchStrategy[str]) -> str:
    name = draw(st.sampled_from(sorted(FUNCTIONS)))
    function = FUNCTIONS[name]
    args = [draw(children) for _ in range(draw(st.integers(function.min_args, function.max_args)))]
    keywords = sorted(function.keywords)
    keyword = None
    with_keyword: bool = draw(st.booleans())
    if keywords and with_keyword:
        keyword = (draw(st.sampled_from(keywords)), draw(st.sampled_from(["0", "-1", "True", "0.5"])))
    as_method: bool = draw(st.booleans())
    if function.method and args and as_method:
        return f"({args[0]}).{_call(name, args[1:], keyword)}"
    return _call(name, args, keyword)


WHOLE_VOCABULARY = st.recursive(LEAVES, lambda c: st.one_of(_tree(c), _any_call(c)), max_leaves=8)


def _env(shape: tuple[int, ...], seed: int) -> dict[str, Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return {name: torch.randn(shape, generator=generator, dtype=torch.float64) for name in SYMBOLS}


@settings(max_examples=200, deadline=None)
@given(WHOLE_VOCABULARY, st.integers(0, 2**16))
def test_printer_shows_exactly_the_inputs_the_evaluator_reads(text: str, seed: int) -> None:
    parsed, _ = parse_step(text, alone=True)
    if parsed is None:
        return  # refused with reasons: the parser's property above
    expr = parsed[1]
    env: Recording[Tensor] = Recording(_env((3,), seed))
    try:
        value = evaluate_expr(expr, env)
    except (EvaluationError, RuntimeError, IndexError, TypeError, ValueError):
        return  # shapes that do not fit (matmul of scalars, dim out of range): evaluate() reports these
    assert isinstance(value, Tensor) and value.dtype == torch.float64
    try:
        tex = expr_latex(expr)
    except DlflashError:
        return  # a subscript LaTeX cannot show faithfully is refused with its reason
    # as the formula's clozes write it: '}}}' needs two passes, so split until none is left
    shown = tex
    while "}}" in shown:
        shown = shown.replace("}}", "} }")
    assert_valid_tex(shown)
    assert env.read == set(names_in(expr))
    for name in env.read:
        assert symbol_latex(name) in tex, (text, tex)


VALUE_RTOL = 1e-9  # the same float64 operations in the same order, up to association of equal precedence


@settings(max_examples=200, deadline=None)
@given(EXPRESSIONS, st.integers(0, 2**16))
def test_printed_latex_read_back_computes_the_evaluated_value(text: str, seed: int) -> None:
    parsed, _ = parse_step(text, alone=True)
    if parsed is None:
        return
    env = _env((1,), seed)
    try:
        direct = evaluate_expr(parsed[1], env)
    except (EvaluationError, RuntimeError):
        return  # matmul of two constants: no vectors to multiply
    tex = expr_latex(parsed[1]).replace("} }", "}}")
    code = latex_to_code(tex)
    reread, why = parse_step(code, alone=True)
    assert reread is not None, (text, tex, code, why)
    again = evaluate_expr(reread[1], env)
    assert torch.allclose(direct.reshape(-1), again.reshape(-1), rtol=VALUE_RTOL, atol=0, equal_nan=True), (
        text, tex, code,
    )



def test_matmul_prints_its_arguments_grouped() -> None:
    parsed, _ = parse_step("matmul(a, b + c)", alone=True)
    assert parsed is not None
    assert expr_latex(parsed[1]) == r"a\,\left(b + c\right)"
