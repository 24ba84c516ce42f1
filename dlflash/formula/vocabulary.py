"""The functions a formula may call: arity, keywords, torch meaning and LaTeX, in one table.

The parser checks calls against this table, the evaluator runs its torch
implementation and the printer its LaTeX, so a function that one of them
knows is known to all three. Adding a function is one ``Function(...)`` entry.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import Tensor

Latex = Callable[[list[str], Mapping[str, object]], str]
# a legend line for a reader: (the printed arguments, the keywords, the reduced axis's name or "")
Legend = Callable[[list[str], Mapping[str, object], str], str]


@dataclass(frozen=True)
class Function:
    """A callable of the formula language; ``method`` also allows ``x.name()``."""

    name: str
    min_args: int
    max_args: int
    run: Callable[..., Tensor]
    latex: Latex
    keywords: frozenset[str] = frozenset()
    method: bool = False
    # printed after its argument (`x^{\top}`): the argument needs parentheses like a power's base
    postfix: bool = False
    # what a notation that is not standard means ("mean over axis 0 (n)"), or "" where it is plain
    legend: Legend | None = None


def _paren(body: str) -> str:
    return rf"\left({body}\right)"


def _op(macro: str) -> Latex:
    return lambda args, kw: f"{macro}{_dim(kw)}{_paren(', '.join(args))}"


def _dim(kw: Mapping[str, object]) -> str:
    # the axis matters to the reader (per-row softmax, per-feature mean) so it is shown
    return rf"_{{\text{{dim}}={kw['dim']}}}" if "dim" in kw else ""


def _reduce(macro: str) -> Latex:
    def latex(args: list[str], kw: Mapping[str, object]) -> str:
        if len(args) == 2:
            return f"{macro}{_paren(', '.join(args))}"
        return f"{macro}{_dim(kw)}{_paren(args[0])}"

    return latex


def _spread(macro: str) -> Latex:
    def latex(args: list[str], kw: Mapping[str, object]) -> str:
        # one subscript for both notes: `x_{a}_{b}` is a TeX error
        notes = [r"\text{pop}"] if kw.get("correction") == 0 else []
        notes += [rf"\text{{dim}}={kw['dim']}"] if "dim" in kw else []
        subscript = f"_{{{', '.join(notes)}}}" if notes else ""
        return f"{macro}{subscript}{_paren(args[0])}"

    return latex


def _axis(kw: Mapping[str, object], axis: str) -> str:
    named = f", the {axis} axis" if axis else ""
    return f"axis {kw['dim']}{named} (torch `dim={kw['dim']}`)"


def _reduce_legend(macro: str, what: str) -> Legend:
    def legend(args: list[str], kw: Mapping[str, object], axis: str) -> str:
        if "dim" not in kw or len(args) == 2:
            return ""
        return rf"\({macro}_{{\text{{dim}}={kw['dim']}}}\): {what} over {_axis(kw, axis)}"

    return legend


def _spread_legend(macro: str, what: str) -> Legend:
    def legend(args: list[str], kw: Mapping[str, object], axis: str) -> str:
        population = kw.get("correction") == 0
        shown = macro + (r"_{\text{pop} }" if population else "")
        divides = (
            "dividing by the number of values (population, `correction=0`)"
            if population
            else "dividing by the number of values minus 1 (unbiased, torch's default `correction=1`)"
        )
        over = f" over {_axis(kw, axis)}" if "dim" in kw else ""
        return rf"\({shown}\): the {what}{over}, {divides}"

    return legend


def _normalise_legend(macro: str, what: str) -> Legend:
    def legend(args: list[str], kw: Mapping[str, object], axis: str) -> str:
        if "dim" not in kw:
            return ""
        return rf"\({macro}_{{\text{{dim}}={kw['dim']}}}\): {what} over {_axis(kw, axis)}"

    return legend


def _pick_legend(args: list[str], kw: Mapping[str, object], axis: str) -> str:
    index = args[1]
    return rf"\(\left[\cdot\right]_{{{index}}}\): in each row, the entry at the index \({index}\) (torch `gather`)"


def _take_legend(args: list[str], kw: Mapping[str, object], axis: str) -> str:
    table, index = args
    return rf"\(\left[{table}\right]_{{{index}}}\): the rows of \({table}\) at the indices \({index}\) (torch indexing)"


def _clamp_latex(args: list[str], kw: Mapping[str, object]) -> str:
    body = args[0]
    if "min" in kw:
        low = _number(kw["min"])
        body = r"\max" + _paren(f"{body}, {low}")
    if "max" in kw:
        high = _number(kw["max"])
        body = r"\min" + _paren(f"{body}, {high}")
    return body


def _number(value: object) -> str:
    assert isinstance(value, int | float)
    return number_latex(value)


def _torch(name: str) -> Callable[..., Tensor]:
    """``torch.<name>``, looked up when a formula runs: parsing and printing a formula never import torch."""

    def run(*args: object, **kwargs: object) -> Tensor:
        import torch

        return getattr(torch, name)(*args, **kwargs)  # type: ignore[no-any-return]

    return run


def _where(c: Tensor, a: Tensor, b: Tensor) -> Tensor:
    import torch

    return torch.where(c != 0, a, b)


def _where_latex(args: list[str], kw: Mapping[str, object]) -> str:
    cond, yes, no = args
    return rf"\begin{{cases}} {yes} & \text{{if }} {cond} \\ {no} & \text{{otherwise}} \end{{cases}}"


def _reduction(method: str) -> Callable[..., Tensor]:
    def run(x: Tensor, other: Tensor | None = None, dim: int | None = None, keepdim: bool = False) -> Tensor:
        if other is not None:
            import torch

            return torch.maximum(x, other) if method == "amax" else torch.minimum(x, other)
        if dim is None:
            return getattr(x, method)()  # type: ignore[no-any-return]
        return getattr(x, method)(dim=dim, keepdim=keepdim)  # type: ignore[no-any-return]

    return run


def _summary(method: str) -> Callable[..., Tensor]:
    def run(x: Tensor, dim: int | None = None, keepdim: bool = False, correction: int | None = None) -> Tensor:
        kwargs: dict[str, object] = {"keepdim": keepdim} if dim is not None else {}
        if dim is not None:
            kwargs["dim"] = dim
        if correction is not None:
            kwargs["correction"] = correction
        return getattr(x, method)(**kwargs)  # type: ignore[no-any-return]

    return run


def _clamp(x: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
    return x.clamp(min=min, max=max)


def _pick(x: Tensor, y: Tensor) -> Tensor:
    return x.gather(-1, y.long().unsqueeze(-1)).squeeze(-1)


def _take(w: Tensor, y: Tensor) -> Tensor:
    return w[y.long()]


def _transpose(x: Tensor) -> Tensor:
    if x.dim() < 2:
        raise ValueError(f"transpose() needs a matrix, not a tensor of shape {tuple(x.shape)}")
    return x.mT


def _diag(v: Tensor) -> Tensor:
    if v.dim() != 1:
        raise ValueError(f"diag() needs a vector, not a tensor of shape {tuple(v.shape)}")
    import torch

    return torch.diag(v)


def _cat(*xs: Tensor, dim: int = 0) -> Tensor:
    import torch

    return torch.cat(xs, dim=dim)


def _softmax(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
    return lambda x, dim=-1: fn(x, dim=dim)


DIM = frozenset({"dim", "keepdim"})

FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function("sum", 1, 1, _summary("sum"), _reduce(r"\sum"), DIM, True, legend=_reduce_legend(r"\sum", "the sum")),
        Function(
            "mean", 1, 1, _summary("mean"), _reduce(r"\operatorname{mean}"), DIM, True,
            legend=_reduce_legend(r"\operatorname{mean}", "the mean"),
        ),
        Function(
            "var", 1, 1, _summary("var"), _spread(r"\operatorname{Var}"), DIM | {"correction"}, True,
            legend=_spread_legend(r"\operatorname{Var}", "variance"),
        ),
        Function(
            "std", 1, 1, _summary("std"), _spread(r"\operatorname{std}"), DIM | {"correction"}, True,
            legend=_spread_legend(r"\operatorname{std}", "standard deviation"),
        ),
        Function(
            "max", 1, 2, _reduction("amax"), _reduce(r"\max"), DIM, True,
            legend=_reduce_legend(r"\max", "the largest entry"),
        ),
        Function(
            "min", 1, 2, _reduction("amin"), _reduce(r"\min"), DIM, True,
            legend=_reduce_legend(r"\min", "the smallest entry"),
        ),
        Function("sqrt", 1, 1, _torch("sqrt"), lambda a, kw: rf"\sqrt{{{a[0]}}}", method=True),
        Function("exp", 1, 1, _torch("exp"), _op(r"\exp"), method=True),
        Function("log", 1, 1, _torch("log"), _op(r"\log"), method=True),
        Function("abs", 1, 1, _torch("abs"), lambda a, kw: rf"\left|{a[0]}\right|", method=True),
        Function("sign", 1, 1, _torch("sign"), _op(r"\operatorname{sign}")),
        Function("clamp", 1, 1, _clamp, _clamp_latex, frozenset({"min", "max"}), method=True),
        Function("matmul", 2, 2, _torch("matmul"), lambda a, kw: rf"{a[0]}\,{a[1]}"),
        Function(
            "softmax", 1, 1, _softmax(_torch("softmax")), _op(r"\operatorname{softmax}"), frozenset({"dim"}),
            legend=_normalise_legend(r"\operatorname{softmax}", "the softmax (entries along it sum to 1)"),
        ),
        Function(
            "log_softmax", 1, 1, _softmax(_torch("log_softmax")), _op(r"\log\operatorname{softmax}"),
            frozenset({"dim"}),
            legend=_normalise_legend(r"\log\operatorname{softmax}", "the log of the softmax"),
        ),
        Function("sigmoid", 1, 1, _torch("sigmoid"), _op(r"\sigma")),
        Function("tanh", 1, 1, _torch("tanh"), _op(r"\tanh")),
        Function("relu", 1, 1, _torch("relu"), _op(r"\operatorname{ReLU}")),
        Function("where", 3, 3, _where, _where_latex),
        Function("pick", 2, 2, _pick, lambda a, kw: rf"\left[{a[0]}\right]_{{{a[1]}}}", legend=_pick_legend),
        Function("take", 2, 2, _take, lambda a, kw: rf"\left[{a[0]}\right]_{{{a[1]}}}", legend=_take_legend),
        Function("cos", 1, 1, _torch("cos"), _op(r"\cos"), method=True),
        Function("sin", 1, 1, _torch("sin"), _op(r"\sin"), method=True),
        Function("floor", 1, 1, _torch("floor"), lambda a, kw: rf"\left\lfloor {a[0]} \right\rfloor", method=True),
        # the matrix transpose (the last two axes), as torch's `x.mT`; a vector has none
        Function("transpose", 1, 1, _transpose, lambda a, kw: rf"{a[0]}^{{\top}}", postfix=True),
        # the diagonal matrix of a vector (torch.diag of a 1-D tensor; its other meaning is not offered)
        Function("diag", 1, 1, _diag, _op(r"\operatorname{diag}")),
        Function("cat", 2, 4, _cat, _op(r"\operatorname{concat}"), frozenset({"dim"})),
    )
}

METHODS = frozenset(name for name, f in FUNCTIONS.items() if f.method)

# Names that stand for a number, not an input: read anywhere, never assigned, printed by the symbol rules.
CONSTANTS: dict[str, float] = {"pi": math.pi}


def number_latex(value: float | int) -> str:
    if isinstance(value, bool):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e6:
        return str(int(value))
    magnitude = abs(float(value))
    if magnitude < 1e-3 or magnitude >= 1e6:
        mantissa, exponent = f"{float(value):e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        power = f"10^{{{int(exponent)}}}"
        return power if mantissa == "1" else f"{mantissa} \\cdot {power}"
    return repr(float(value))
