"""Mutation testing of formula checks: small wrong variants of a formula that verify must reject.

Each mutant changes one thing the way a typo or a misremembered formula does:
an operator swapped, a constant (or ``pi``) changed, a term or a call dropped, a function
or comparison swapped, a keyword flipped, ordered arguments swapped, a whole step dropped. A check that
lets a mutant through cannot tell that formula from a wrong one, unless the
mutant is equivalent (listed with its reason in ``verify/equivalent_mutants.yaml``).
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from dlflash.formula.parse import Program, Step, constant_value
from dlflash.formula.vocabulary import CONSTANTS

SWAP_OPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.Pow: ast.Mult,
}
SWAP_CMP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE, ast.LtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
}
SWAP_FUNCS = {"mean": "sum", "sum": "mean", "max": "min", "min": "max", "exp": "log", "log": "exp",
              "softmax": "log_softmax", "log_softmax": "softmax", "sigmoid": "tanh", "tanh": "sigmoid",
              "std": "var", "var": "std", "cos": "sin", "sin": "cos"}
UNARY_CALLS = frozenset({"sqrt", "exp", "log", "abs", "sigmoid", "tanh", "relu", "softmax", "log_softmax", "sign",
                         "cos", "sin", "floor", "transpose", "diag"})
# calls whose argument order matters and that a misremembered formula may swap
ORDERED_CALLS = frozenset({"cat"})


@dataclass(frozen=True)
class Mutant:
    """A changed program and a description that names the step and the change."""

    description: str
    program: Program


def mutants(program: Program) -> Iterator[Mutant]:
    """Every single-change mutant of ``program``, in a stable order."""
    for index, step in enumerate(program.steps):
        where = f"step {index + 1}"
        count = sum(1 for _ in ast.walk(step.expr))
        for position in range(count):
            for change, expr in _mutate_at(step.expr, position):
                yield Mutant(f"{where}: {change}", _with_step(program, index, replace(step, expr=expr)))
    if len(program.steps) > 1:
        for index, step in enumerate(program.steps):
            rest = program.steps[:index] + program.steps[index + 1 :]
            yield Mutant(f"step {index + 1}: dropped {step.text.strip()!r}", Program(rest))


def _with_step(program: Program, index: int, step: Step) -> Program:
    return Program((*program.steps[:index], step, *program.steps[index + 1 :]))


def _mutate_at(expr: ast.expr, position: int) -> Iterator[tuple[str, ast.expr]]:
    """Each mutation of the node at ``position`` (in ``ast.walk`` order), on fresh copies."""
    for mutation in MUTATIONS:
        root = copy.deepcopy(expr)
        holder = ast.Expression(body=root)
        node = list(ast.walk(root))[position]
        change = mutation(node, holder)
        if change is not None:
            yield change, holder.body


def _parent_of(holder: ast.AST, node: ast.AST) -> tuple[ast.AST, str, int | None] | None:
    for parent in ast.walk(holder):
        for field, value in ast.iter_fields(parent):
            if value is node:
                return parent, field, None
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is node:
                        return parent, field, i
    return None


def _replace(holder: ast.AST, node: ast.AST, new: ast.AST) -> bool:
    found = _parent_of(holder, node)
    if found is None:
        return False
    parent, field, index = found
    if index is None:
        setattr(parent, field, new)
    else:
        getattr(parent, field)[index] = new
    return True


def _swap_op(node: ast.AST, holder: ast.AST) -> str | None:
    if isinstance(node, ast.BinOp) and type(node.op) in SWAP_OPS:
        before = ast.unparse(node)
        node.op = SWAP_OPS[type(node.op)]()
        return f"{before!r} -> {ast.unparse(node)!r}"
    if isinstance(node, ast.Compare) and type(node.ops[0]) in SWAP_CMP:
        before = ast.unparse(node)
        node.ops[0] = SWAP_CMP[type(node.ops[0])]()
        return f"{before!r} -> {ast.unparse(node)!r}"
    return None


def _change_constant(node: ast.AST, holder: ast.AST) -> str | None:
    value = constant_value(node) if isinstance(node, ast.Constant) else None
    if value is None:
        return None
    assert isinstance(node, ast.Constant)
    node.value = value + 1 if isinstance(node.value, int) else value * 2
    return f"constant {value:g} -> {float(node.value):g}"


def _drop_term(side: str) -> Callable[[ast.AST, ast.AST], str | None]:
    def drop(node: ast.AST, holder: ast.AST) -> str | None:
        if not isinstance(node, ast.BinOp) or isinstance(node.op, ast.MatMult):
            return None
        before = ast.unparse(node)
        kept = node.left if side == "left" else node.right
        return f"{before!r} -> {ast.unparse(kept)!r}" if _replace(holder, node, kept) else None

    return drop


def _drop_call(node: ast.AST, holder: ast.AST) -> str | None:
    name = _call_name(node)
    if name not in UNARY_CALLS or not isinstance(node, ast.Call):
        return None
    inner = node.func.value if isinstance(node.func, ast.Attribute) else node.args[0]
    before = ast.unparse(node)
    return f"{before!r} -> {ast.unparse(inner)!r}" if _replace(holder, node, inner) else None


def _drop_negation(node: ast.AST, holder: ast.AST) -> str | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        before = ast.unparse(node)
        return f"{before!r} -> {ast.unparse(node.operand)!r}" if _replace(holder, node, node.operand) else None
    return None


def _swap_function(node: ast.AST, holder: ast.AST) -> str | None:
    name = _call_name(node)
    if name not in SWAP_FUNCS or not isinstance(node, ast.Call):
        return None
    if isinstance(node.func, ast.Attribute):
        node.func.attr = SWAP_FUNCS[name]
    elif isinstance(node.func, ast.Name):
        node.func.id = SWAP_FUNCS[name]
    return f"{name}() -> {SWAP_FUNCS[name]}()"


def _flip_keyword(node: ast.AST, holder: ast.AST) -> str | None:
    if not isinstance(node, ast.Call):
        return None
    for keyword in node.keywords:
        value = constant_value(keyword.value)
        if keyword.arg == "correction" and value is not None:
            keyword.value = ast.Constant(value=1 - int(value))
            return f"correction={value:g} -> {1 - int(value)}"
    if not any(k.arg == "correction" for k in node.keywords) and _call_name(node) in {"std", "var"}:
        node.keywords.append(ast.keyword(arg="correction", value=ast.Constant(value=0)))
        return f"{_call_name(node)}() -> population {_call_name(node)}(correction=0)"
    return None


def _swap_arguments(node: ast.AST, holder: ast.AST) -> str | None:
    if _call_name(node) not in ORDERED_CALLS or not isinstance(node, ast.Call) or len(node.args) < 2:
        return None
    before = ast.unparse(node)
    node.args[0], node.args[1] = node.args[1], node.args[0]
    return f"{before!r} -> {ast.unparse(node)!r}"


def _change_named_constant(node: ast.AST, holder: ast.AST) -> str | None:
    if not isinstance(node, ast.Name) or node.id not in CONSTANTS:
        return None
    value = CONSTANTS[node.id]
    return f"{node.id} -> {2 * value:g}" if _replace(holder, node, ast.Constant(value=2 * value)) else None


def _call_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Name):
            return node.func.id
        if isinstance(node.func, ast.Attribute):
            return node.func.attr
    return None


MUTATIONS: tuple[Callable[[ast.AST, ast.AST], str | None], ...] = (
    _swap_op, _change_constant, _drop_term("left"), _drop_term("right"), _drop_call, _drop_negation,
    _swap_function, _flip_keyword, _swap_arguments, _change_named_constant,
)
