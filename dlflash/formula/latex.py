"""Formula stage 3: print a checked ``Program`` as LaTeX for MathJax 3 (TeX + AMS).

Parentheses follow Python's precedence, so the printed grouping is the one the
evaluator computes. Symbols are typeset through ``SYMBOLS`` and a few naming
rules (``beta1`` -> ``\\beta_{1}``, ``y_hat`` -> ``\\hat{y}``). The result
never contains a newline (Anki breaks math there) nor ``}}`` (it would end a
cloze). The same walk collects a legend: one line for each notation that is
not standard (``\\sum_{\\text{dim}=1}``, ``[v]_{y}``), saying what it means.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass

from dlflash.errors import DlflashError
from dlflash.formula.parse import Program, Step, constant_value, keyword_value
from dlflash.formula.spec import Domain, parse_domain
from dlflash.formula.vocabulary import FUNCTIONS, number_latex
from dlflash.model import Problem

GREEK = frozenset(
    {
        "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "mu",
        "nu", "xi", "pi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega", "Gamma", "Delta",
        "Theta", "Lambda", "Xi", "Pi", "Sigma", "Phi", "Psi", "Omega",
    }
)
# Whole names with a conventional symbol; everything else follows the rules in `symbol_latex`.
SYMBOLS: dict[str, str] = {
    "eps": r"\epsilon",
    "lr": r"\eta",
    "wd": r"\lambda",
    "lam": r"\lambda",
    "lmbda": r"\lambda",
    "mom": r"\mu",
    "grad": r"\nabla",
    "inf": r"\infty",
}
ACCENTS = {"hat": r"\hat", "bar": r"\bar", "tilde": r"\tilde", "dot": r"\dot", "vec": r"\vec"}

# Python's binding strength; a child binding more loosely than its parent is parenthesised.
PREC_COMPARE, PREC_ADD, PREC_MUL, PREC_UNARY, PREC_POW, PREC_ATOM = 1, 2, 3, 4, 5, 9
_OPS = {ast.Add: "+", ast.Sub: "-"}
_CMP = {ast.Lt: "<", ast.LtE: r"\leq", ast.Gt: ">", ast.GtE: r"\geq", ast.Eq: "=", ast.NotEq: r"\neq"}


@dataclass(frozen=True)
class FormulaDisplay:
    """A formula as shown: its TeX (no delimiters) and its legend lines (Markdown with inline math)."""

    tex: str
    legend: tuple[str, ...] = ()


@dataclass
class _Legend:
    """What one print of a program has explained so far, and the shapes of its inputs."""

    domains: Mapping[str, Domain]
    lines: dict[str, None]


# the legend of the print in progress: set by `program_display`, filled by `_call` during the one walk
_LEGEND: ContextVar[_Legend | None] = ContextVar("_LEGEND", default=None)


def symbol_latex(name: str) -> str:
    """``y_hat`` -> ``\\hat{y}``, ``beta1`` -> ``\\beta_{1}``, ``v_max`` -> ``v_{\\mathrm{max}}``."""
    if name in SYMBOLS:
        return SYMBOLS[name]
    parts = name.split("_")
    base, rest = parts[0], parts[1:]
    accents = [ACCENTS[p] for p in rest if p in ACCENTS]
    subscripts = [_word(p) for p in rest if p not in ACCENTS and p]
    digits = re.fullmatch(r"([A-Za-z]+?)(\d+)", base)
    if digits:
        base = digits.group(1)
        subscripts.insert(0, digits.group(2))
    body = SYMBOLS.get(base) or _word(base)
    for accent in accents:
        body = f"{accent}{{{body}}}"
    return body + (f"_{{{', '.join(subscripts)}}}" if subscripts else "")


def _word(word: str) -> str:
    if word in SYMBOLS:
        return SYMBOLS[word]
    if word in GREEK:
        return "\\" + word
    if len(word) == 1 or word.isdigit():
        return word
    return rf"\mathrm{{{word}}}"


def program_display(
    program: Program,
    given: tuple[tuple[str, str], ...] = (),
    cloze_from: int | None = None,
    asked: frozenset[int] | None = None,
) -> FormulaDisplay:
    """The formula's TeX and legend; ``given`` names the inputs' axes for the legend."""
    domains = {name: d for name, text in given if isinstance(d := parse_domain(text), Domain)}
    legend = _Legend(domains, {})
    token = _LEGEND.set(legend)
    try:
        tex = program_latex(program, cloze_from, asked)
    finally:
        _LEGEND.reset(token)
    return FormulaDisplay(tex, tuple(legend.lines))


def program_latex(program: Program, cloze_from: int | None = None, asked: frozenset[int] | None = None) -> str:
    """The whole formula; several steps become an ``aligned`` block.

    With ``cloze_from`` each step's right-hand side (a bare expression: all of it) is a cloze
    deletion numbered from ``cloze_from`` up, one card per line with the other lines as context;
    ``asked`` (1-based step numbers) limits the deletions to those lines, the others stay shown
    (a variant of a known update asks only the lines where it differs).
    """
    if len(program.steps) == 1:
        return _row(_step_latex(program.steps[0], set(), aligned=False), cloze_from)
    # a value the formula reads before assigning it (an LSTM's h) is an input it updates
    bound = _inputs(program)
    rows = []
    number = cloze_from
    for index, step in enumerate(program.steps, 1):
        deleted = number is not None and (asked is None or index in asked)
        rows.append(_row(_step_latex(step, bound, aligned=True), number if deleted else None))
        if deleted and number is not None:
            number += 1
        if step.target is not None:
            bound.add(step.target)
    return r"\begin{aligned} " + r" \\ ".join(rows) + r" \end{aligned}"


def _row(parts: tuple[str, str], cloze: int | None) -> str:
    """``lhs`` and ``rhs`` joined, the rhs deleted as cloze ``cloze`` if given; never a ``}}`` of ours.

    The spaces around a deletion keep its markers apart from the TeX's braces: ``{{{c1::`` or
    ``x}}}`` would open or close the cloze one brace off; and the question's ``[...]`` right after
    a row's ``\\`` would be read as its spacing argument.
    """
    lhs, rhs = _no_double_brace(parts[0]), _no_double_brace(parts[1])
    body = rhs if cloze is None else f" {{{{c{cloze}::{rhs} }}}}"
    return f"{lhs} {body.lstrip()}" if lhs else body


def _inputs(program: Program) -> set[str]:
    """Names read by some step before any step assigns them."""
    assigned: set[str] = set()
    inputs: set[str] = set()
    for step in program.steps:
        inputs |= {n.id for n in ast.walk(step.expr) if isinstance(n, ast.Name)} - assigned
        if step.target is not None:
            assigned.add(step.target)
    return inputs


def _step_latex(step: Step, bound: set[str], aligned: bool) -> tuple[str, str]:
    """The step as (left-hand side with its arrow, right-hand side); a bare expression has no lhs."""
    body = expr_latex(step.expr)
    if step.target is None:
        return "", body
    # an update of a value the formula already had reads as "<-", a new definition as "="
    reads_itself = step.target in {n.id for n in ast.walk(step.expr) if isinstance(n, ast.Name)}
    arrow = r"\leftarrow" if reads_itself or step.target in bound else "="
    return f"{symbol_latex(step.target)} {'&' if aligned else ''}{arrow}", body


def _no_double_brace(text: str) -> str:
    while "}}" in text:
        text = text.replace("}}", "} }")
    return text.replace("\n", " ")


def expr_latex(node: ast.expr) -> str:
    return _latex(node)[0]


def _latex(node: ast.expr) -> tuple[str, int]:
    """The LaTeX of ``node`` and how strongly it binds."""
    if isinstance(node, ast.Constant):
        assert isinstance(node.value, int | float)
        return number_latex(node.value), PREC_ATOM
    if isinstance(node, ast.Name):
        return symbol_latex(node.id), PREC_ATOM
    if isinstance(node, ast.BinOp):
        return _binop(node)
    if isinstance(node, ast.UnaryOp):
        text, prec = _latex(node.operand)
        sign = "-" if isinstance(node.op, ast.USub) else "+"
        return sign + (_paren(text) if prec <= PREC_UNARY and prec != PREC_ATOM else text), PREC_UNARY
    if isinstance(node, ast.Compare):
        parts = [_wrap(node.left, PREC_COMPARE + 1)]
        for op, right in zip(node.ops, node.comparators, strict=True):
            parts.append(f"{_CMP[type(op)]} {_wrap(right, PREC_COMPARE + 1)}")
        return " ".join(parts), PREC_COMPARE
    if isinstance(node, ast.Call) and _call_parts(node)[0] == "matmul" and not node.keywords:
        # printed as the `@` it is, so its arguments are grouped by the same rules
        left, right = _call_parts(node)[1]
        return _binop(ast.BinOp(left=left, op=ast.MatMult(), right=right))
    if isinstance(node, ast.Call):
        postfix = FUNCTIONS[_call_parts(node)[0]].postfix
        return _call(node), PREC_POW if postfix else PREC_ATOM
    if isinstance(node, ast.Subscript):
        return _subscript(node), PREC_ATOM
    raise TypeError(f"not a formula node: {type(node).__name__}")


def _binop(node: ast.BinOp) -> tuple[str, int]:
    op = node.op
    if isinstance(op, ast.Div):
        return rf"\frac{{{expr_latex(node.left)}}}{{{expr_latex(node.right)}}}", PREC_ATOM
    if isinstance(op, ast.Pow):
        return f"{_base(node.left)}^{{{expr_latex(node.right)}}}", PREC_POW
    if isinstance(op, ast.Add | ast.Sub):
        left = _wrap(node.left, PREC_ADD)
        right = _wrap(node.right, PREC_ADD + 1)
        return f"{left} {_OPS[type(op)]} {right}", PREC_ADD
    left = _wrap(node.left, PREC_MUL)
    right = _wrap(node.right, PREC_MUL + 1)
    if isinstance(op, ast.MatMult):
        return rf"{left}\,{right}", PREC_MUL
    # juxtaposition, except where two numbers would run together
    numbers = _starts_with_number(right) or (_is_number(node.left) and _is_number(node.right))
    joiner = r" \cdot " if numbers else r"\,"
    return f"{left}{joiner}{right}", PREC_MUL


def _base(node: ast.expr) -> str:
    """``node`` as the base of a superscript, parenthesised unless it is a plain atom."""
    text, prec = _latex(node)
    negative = constant_value(node) is not None and (constant_value(node) or 0) < 0
    return text if prec == PREC_ATOM and not negative and not _has_power(node) else _paren(text)


def _has_power(node: ast.expr) -> bool:
    # a fraction or an indexed value under an exponent reads wrongly without parentheses
    return isinstance(node, ast.Subscript) or (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div))


def _starts_with_number(text: str) -> bool:
    return bool(text) and (text[0].isdigit() or text[0] in "-+.")


def _is_number(node: ast.expr) -> bool:
    return constant_value(node) is not None


def _wrap(node: ast.expr, minimum: int) -> str:
    text, prec = _latex(node)
    return text if prec >= minimum else _paren(text)


def _paren(text: str) -> str:
    return rf"\left({text}\right)"


def _call(node: ast.Call) -> str:
    name, args = _call_parts(node)
    function = FUNCTIONS[name]
    keywords = {k.arg: keyword_value(k.value) for k in node.keywords if k.arg is not None}
    shown = [_base(a) if function.postfix else expr_latex(a) for a in args]
    legend = _LEGEND.get()
    if legend is not None and function.legend is not None:
        line = function.legend(shown, keywords, _axis_name(args[0], keywords, legend.domains))
        if line:
            legend.lines[line] = None
    return function.latex(shown, keywords)


def _axis_name(node: ast.expr, keywords: Mapping[str, object], domains: Mapping[str, Domain]) -> str:
    """The name of the axis ``dim`` picks, when ``node`` is an input whose domain names its axes."""
    domain = domains.get(node.id) if isinstance(node, ast.Name) else None
    dim = keywords.get("dim")
    if domain is None or not isinstance(dim, int) or not -len(domain.dims) <= dim < len(domain.dims):
        return ""
    name = domain.dims[dim]
    return "" if name.isdigit() else name


def _call_parts(node: ast.Call) -> tuple[str, list[ast.expr]]:
    if isinstance(node.func, ast.Attribute):
        return node.func.attr, [node.func.value, *node.args]
    assert isinstance(node.func, ast.Name)
    return node.func.id, list(node.args)


def _subscript(node: ast.Subscript) -> str:
    reason = subscript_reason(node)
    if reason:
        # a lossy form (`w[:, None]` as `w`) would state another formula than the one verified
        raise DlflashError(reason)
    base, prec = _latex(node.value)
    base = base if prec == PREC_ATOM else _paren(base)
    parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    return rf"{{{base}}}_{{{', '.join(expr_latex(p) for p in parts)}}}"


def subscript_reason(node: ast.Subscript) -> str:
    """Why LaTeX cannot show ``node`` faithfully, or '' (only non-negative integer indices: ``x[0]`` -> ``x_{0}``)."""
    parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    if all(isinstance(p, ast.Constant) and isinstance(p.value, int) and p.value >= 0 for p in parts):
        return ""
    broadcasting = any(isinstance(p, ast.Constant) and p.value in (None, Ellipsis) for p in parts)
    kind = "broadcasting" if broadcasting else "slicing or negative"
    return f"uses {kind} subscripts ({ast.unparse(node)!r}) that LaTeX cannot show; set 'show: code'"


def latex_problems(program: Program, card_id: str | None) -> Iterator[Problem]:
    """One problem per step whose subscripts the LaTeX form would misstate."""
    for step in program.steps:
        reasons = [subscript_reason(n) for n in ast.walk(step.expr) if isinstance(n, ast.Subscript)]
        for reason in dict.fromkeys(r for r in reasons if r):
            yield Problem(step.source, reason, card_id)
