"""Formula stage 2: run a checked ``Program`` on torch tensors (float64), never via eval.

Every node kind the parser accepts has a case here and nothing else does;
a constant becomes a float64 tensor, so Python never does big-integer
arithmetic, and a comparison becomes 0/1 so that ``sum(pred == y)`` counts.

Evaluation is bounded: no value may hold more than ``MAX_ELEMENTS`` numbers
(checked before a broadcasting operator allocates its result, and on every
value after), and one evaluation may take at most ``MAX_SECONDS``. Repeated
``cat`` once grew a passing card's tensors to 5.5 GB over 74 s.
"""

from __future__ import annotations

import ast
import math
import operator
import time
from collections.abc import Callable, Mapping

import torch
from torch import Tensor

from dlflash.errors import EvaluationError
from dlflash.formula.parse import Program, keyword_value
from dlflash.formula.vocabulary import CONSTANTS, FUNCTIONS

DTYPE = torch.float64
RESULT = "_"  # the environment key of a formula's value (its last step)

_BINARY: dict[type[ast.operator], Callable[[Tensor, Tensor], Tensor]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: torch.true_divide,
    ast.Pow: torch.pow,
    ast.MatMult: torch.matmul,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Tensor, Tensor], Tensor]] = {
    ast.Lt: torch.lt, ast.LtE: torch.le, ast.Gt: torch.gt, ast.GtE: torch.ge, ast.Eq: torch.eq, ast.NotEq: torch.ne,
}


# verification draws inputs of at most a few dozen numbers; a million (8 MB) only stops a runaway
MAX_ELEMENTS = 1_000_000
MAX_SECONDS = 10.0


class EvaluationLimit(EvaluationError):
    """A value grew past ``MAX_ELEMENTS`` or the evaluation past ``MAX_SECONDS``."""


def evaluate(program: Program, env: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """Run the steps in order; return ``env`` updated with every assignment and ``RESULT``."""
    values = dict(env)
    deadline = time.monotonic() + MAX_SECONDS
    for step in program.steps:
        try:
            value = evaluate_expr(step.expr, values, deadline)
        except (RuntimeError, IndexError, TypeError, ValueError, EvaluationLimit) as exc:
            raise EvaluationError(f"{step.source}: cannot compute {step.text.strip()!r}: {exc}") from exc
        if step.target is not None:
            values[step.target] = value
        values[RESULT] = value
    return values


def evaluate_expr(node: ast.expr, env: Mapping[str, Tensor], deadline: float = math.inf) -> Tensor:
    """One expression's value; ``EvaluationError`` once a value is too large or ``deadline`` has passed."""
    value = _evaluate_node(node, env, deadline)
    if value.numel() > MAX_ELEMENTS:
        raise _too_large(tuple(value.shape))
    if time.monotonic() > deadline:
        raise EvaluationLimit(f"evaluation must finish within {MAX_SECONDS:g} seconds")
    return value


def _too_large(shape: tuple[int, ...]) -> EvaluationLimit:
    count = math.prod(shape)
    return EvaluationLimit(f"a value must hold at most {MAX_ELEMENTS} numbers, not {count} (shape {list(shape)})")


def _binary(node: ast.BinOp, env: Mapping[str, Tensor], deadline: float) -> Tensor:
    left, right = evaluate_expr(node.left, env, deadline), evaluate_expr(node.right, env, deadline)
    op = _BINARY[type(node.op)]
    # a result holds at most the product of its operands' sizes; past the bound, its shape comes
    # first, on the meta device (no memory): `x[:, None] * x[None, :]` squares the size
    if left.numel() * right.numel() > MAX_ELEMENTS:
        shape = tuple(op(left.to("meta"), right.to("meta")).shape)
        if math.prod(shape) > MAX_ELEMENTS:
            raise _too_large(shape)
    return op(left, right)


def _evaluate_node(node: ast.expr, env: Mapping[str, Tensor], deadline: float) -> Tensor:
    if isinstance(node, ast.Constant):
        assert isinstance(node.value, int | float)
        return torch.tensor(float(node.value), dtype=DTYPE)
    if isinstance(node, ast.Name):
        if node.id in CONSTANTS:
            return torch.tensor(CONSTANTS[node.id], dtype=DTYPE)
        if node.id not in env:
            raise EvaluationError(f"unknown symbol {node.id!r}")
        return env[node.id]
    if isinstance(node, ast.BinOp):
        return _binary(node, env, deadline)
    if isinstance(node, ast.UnaryOp):
        operand = evaluate_expr(node.operand, env, deadline)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Compare):
        return _compare(node, env, deadline)
    if isinstance(node, ast.Call):
        return _call(node, env, deadline)
    if isinstance(node, ast.Subscript):
        return evaluate_expr(node.value, env, deadline)[_index(node.slice)]  # type: ignore[index]
    raise EvaluationError(f"not a formula node: {type(node).__name__}")  # the parser refuses these


def _compare(node: ast.Compare, env: Mapping[str, Tensor], deadline: float) -> Tensor:
    left = evaluate_expr(node.left, env, deadline)
    result: Tensor | None = None
    for op, right_node in zip(node.ops, node.comparators, strict=True):
        right = evaluate_expr(right_node, env, deadline)
        truth = _COMPARE[type(op)](left, right)
        result = truth if result is None else result & truth
        left = right
    assert result is not None
    return result.to(DTYPE)


def _call(node: ast.Call, env: Mapping[str, Tensor], deadline: float) -> Tensor:
    if isinstance(node.func, ast.Attribute):
        name, args = node.func.attr, [node.func.value, *node.args]
    else:
        assert isinstance(node.func, ast.Name)
        name, args = node.func.id, list(node.args)
    kwargs = {k.arg: keyword_value(k.value) for k in node.keywords if k.arg is not None}
    return FUNCTIONS[name].run(*(evaluate_expr(a, env, deadline) for a in args), **kwargs)


def _index(node: ast.expr) -> tuple[object, ...]:
    parts = node.elts if isinstance(node, ast.Tuple) else [node]
    return tuple(_index_part(p) for p in parts)


def _index_part(node: ast.expr) -> object:
    if isinstance(node, ast.Slice):
        bounds = (node.lower, node.upper, node.step)
        return slice(*(None if b is None else _int(b) for b in bounds))
    if isinstance(node, ast.Constant) and (node.value is None or node.value is Ellipsis):
        return node.value
    return _int(node)


def _int(node: ast.expr) -> int:
    value = keyword_value(node)
    assert isinstance(value, int) and not isinstance(value, bool)
    return value
