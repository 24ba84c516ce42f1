"""Formula stage 1: a card's ``steps`` text to a checked syntax tree, or the reasons it is refused.

Python's own ``ast`` parses the steps; an allow-list walk then accepts only
arithmetic, comparisons, small numeric constants, plain symbols (``pi`` is a constant), the calls of
``vocabulary.FUNCTIONS`` (and its methods) and broadcasting subscripts.
Everything else (attributes, imports, lambdas, comprehensions, f-strings,
walrus, starred arguments, towers of powers, huge constants) is refused with a
reason, so the evaluator never meets a node it does not know. Nothing here or
downstream calls ``eval`` or ``exec``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from dlflash.errors import ProblemsError
from dlflash.formula.vocabulary import CONSTANTS, FUNCTIONS, METHODS
from dlflash.messages import clip, did_you_mean
from dlflash.model import FormulaSpec, Problem, Source

# A step is one line of math; anything longer is a pasted program.
MAX_STEP_CHARS = 400
MAX_NODES = 300
# Literals beyond this are sizes or typos, never the constants of a DL formula (fp16 max is 65504).
MAX_CONSTANT = 1e6
# `x**2`, `x**0.5`, `beta1**t`: an exponent is a symbol or a small number, never another power.
MAX_EXPONENT = 16
MAX_INDEX = 10_000
MAX_STEPS = 20

BINARY_OPS: dict[type[ast.operator], str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.MatMult: "@",
}
UNARY_OPS: dict[type[ast.unaryop], str] = {ast.USub: "-", ast.UAdd: "+"}
COMPARE_OPS: dict[type[ast.cmpop], str] = {
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
}
AUG_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div)

REFUSED: dict[type[ast.AST], str] = {
    ast.Lambda: "lambda is not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.NamedExpr: "':=' is not allowed",
    ast.Starred: "starred arguments are not allowed",
    ast.BoolOp: "'and'/'or' are not allowed: use where(cond, a, b) or '*' of comparisons",
    ast.IfExp: "'a if c else b' is not allowed: use where(c, a, b)",
    ast.Await: "'await' is not allowed",
    ast.Yield: "'yield' is not allowed",
    ast.YieldFrom: "'yield' is not allowed",
}


@dataclass(frozen=True)
class Step:
    """One step: ``target = expr`` (or a bare expression when ``target`` is None)."""

    target: str | None
    expr: ast.expr
    text: str
    source: Source


@dataclass(frozen=True)
class Program:
    """The checked steps of one formula, in order."""

    steps: tuple[Step, ...]

    @property
    def assigned(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.target for s in self.steps if s.target is not None))

    @property
    def free_symbols(self) -> tuple[str, ...]:
        """Symbols read before any step assigns them: the formula's inputs (and its state)."""
        bound: set[str] = set()
        free: dict[str, None] = {}
        for step in self.steps:
            for name in names_in(step.expr):
                if name not in bound and name not in CONSTANTS:
                    free[name] = None
            if step.target is not None:
                bound.add(step.target)
        return tuple(free)


def names_in(expr: ast.AST) -> Iterator[str]:
    """The symbols an expression reads (not the function or method names it calls)."""
    for node in ast.walk(expr):
        if isinstance(node, ast.Name) and not _is_called(node, expr):
            yield node.id


def _is_called(name: ast.Name, root: ast.AST) -> bool:
    return any(isinstance(n, ast.Call) and n.func is name for n in ast.walk(root))


def parse_formula(spec: FormulaSpec, card_id: str | None = None) -> Program:
    """The checked program of ``spec``; raises ``ProblemsError`` with every refusal."""
    program, problems = parse_with_problems(spec, card_id)
    if problems:
        raise ProblemsError(problems)
    assert program is not None
    return program


def parse_with_problems(spec: FormulaSpec, card_id: str | None) -> tuple[Program | None, list[Problem]]:
    texts = spec.steps
    lines = spec.step_lines or tuple(spec.source.line for _ in texts)
    problems: list[Problem] = []
    if not texts:
        return None, [Problem(spec.source, "'steps' must hold at least one expression", card_id)]
    if len(texts) > MAX_STEPS:
        return None, [Problem(spec.source, f"a formula must have at most {MAX_STEPS} steps, not {len(texts)}", card_id)]
    steps: list[Step] = []
    for text, line in zip(texts, lines, strict=False):
        source = Source(spec.source.path, line)
        step, reasons = parse_step(text, alone=len(texts) == 1)
        problems.extend(Problem(source, r, card_id) for r in reasons)
        if step is not None:
            steps.append(Step(step[0], step[1], text, source))
    return (Program(tuple(steps)) if not problems else None), problems


def parse_step(text: str, alone: bool) -> tuple[tuple[str | None, ast.expr] | None, list[str]]:
    """Parse one step; return ``(target, expr)`` or the reasons it is refused."""
    quoted = repr(text.strip()[:60])
    if len(text) > MAX_STEP_CHARS:
        return None, [f"a step must be at most {MAX_STEP_CHARS} characters, not {len(text)}"]
    try:
        module = ast.parse(text.strip(), mode="exec")
    except SyntaxError as exc:
        return None, [f"step must be a Python expression or 'name = expression': {exc.msg}: {quoted}"]
    except (ValueError, RecursionError, MemoryError):
        return None, [f"step must be a Python expression or 'name = expression': {quoted}"]
    if len(module.body) != 1:
        return None, [f"a step must be one expression or one assignment: {quoted}"]
    statement = module.body[0]
    target, expr, reasons = _split_statement(statement, quoted, alone)
    if expr is None:
        return None, reasons
    count = sum(1 for _ in ast.walk(expr))
    if count > MAX_NODES:
        return None, [f"a step must have at most {MAX_NODES} parts, not {count}: {quoted}"]
    reasons.extend(dict.fromkeys(check_expr(expr)))
    return ((target, expr) if not reasons else None), reasons


def _split_statement(statement: ast.stmt, quoted: str, alone: bool) -> tuple[str | None, ast.expr | None, list[str]]:
    if isinstance(statement, ast.Expr):
        if not alone:
            return None, None, [f"each step of a multi-step formula must be 'name = expression': {quoted}"]
        return None, statement.value, []
    if isinstance(statement, ast.Assign):
        if len(statement.targets) != 1 or not isinstance(statement.targets[0], ast.Name):
            return None, None, [f"a step must assign one plain name: {quoted}"]
        name = statement.targets[0].id
        return name, statement.value, list(_target_reasons(name))
    if isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name):
        if not isinstance(statement.op, AUG_OPS):
            return None, None, [f"only += -= *= /= are allowed: {quoted}"]
        name = statement.target.id
        if name in CONSTANTS:
            return None, None, list(_target_reasons(name))
        load = ast.Name(id=name, ctx=ast.Load())
        expr = ast.BinOp(left=load, op=statement.op, right=statement.value)
        ast.copy_location(load, statement.target)
        ast.copy_location(expr, statement)
        return name, expr, list(_target_reasons(name))
    kind = type(statement).__name__.lower()
    return None, None, [f"only 'name = expression' steps are allowed, not {kind!r}: {quoted}"]


def check_expr(node: ast.AST) -> Iterator[str]:
    """Every reason ``node`` (a whole expression) falls outside the formula language."""
    refused = REFUSED.get(type(node))
    if refused is not None:
        yield refused
    elif isinstance(node, ast.BinOp):
        yield from _check_binop(node)
    elif isinstance(node, ast.UnaryOp):
        if type(node.op) not in UNARY_OPS:
            yield f"operator {_unparse(node)!r} is not allowed"
        yield from check_expr(node.operand)
    elif isinstance(node, ast.Compare):
        for op in node.ops:
            if type(op) not in COMPARE_OPS:
                yield f"comparison {_unparse(node)!r} is not allowed: use < <= > >= == !="
        for child in (node.left, *node.comparators):
            yield from check_expr(child)
    elif isinstance(node, ast.Constant):
        yield from _check_constant(node)
    elif isinstance(node, ast.Name):
        yield from _name_reasons(node.id)
    elif isinstance(node, ast.Call):
        yield from _check_call(node)
    elif isinstance(node, ast.Subscript):
        yield from _check_subscript(node)
    elif isinstance(node, ast.Attribute):
        yield f"attribute access is not allowed: {_unparse(node)!r}"
    else:
        yield f"{type(node).__name__} is not allowed in a formula: {_unparse(node)!r}"


def _check_binop(node: ast.BinOp) -> Iterator[str]:
    if type(node.op) not in BINARY_OPS:
        yield f"operator in {_unparse(node)!r} is not allowed: use + - * / ** @"
    if isinstance(node.op, ast.Pow):
        yield from _check_exponent(node)
    yield from check_expr(node.left)
    yield from check_expr(node.right)


def _check_exponent(node: ast.BinOp) -> Iterator[str]:
    exponent = node.right
    if any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow) for n in ast.walk(exponent)):
        yield f"an exponent must not itself contain '**': {_unparse(node)!r}"
    value = constant_value(exponent)
    if value is not None and abs(value) > MAX_EXPONENT:
        yield f"a constant exponent must be at most {MAX_EXPONENT} in magnitude: {_unparse(node)!r}"


def constant_value(node: ast.AST) -> float | None:
    """The number a literal (possibly negated) stands for, else None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = constant_value(node.operand)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return float(node.value)
    return None


def _check_constant(node: ast.Constant) -> Iterator[str]:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        yield f"only numbers are allowed as constants, not {type(value).__name__}: {_unparse(node)!r}"
    elif abs(value) > MAX_CONSTANT or value != value:
        yield f"a constant must be at most {MAX_CONSTANT:g} in magnitude: {_unparse(node)!r}"


def _name_reasons(name: str) -> Iterator[str]:
    if name.startswith("_"):
        yield f"symbols must not start with '_': {name!r}"
    elif name in FUNCTIONS:
        yield f"{name!r} is a function and cannot be used as a symbol"


def _target_reasons(name: str) -> Iterator[str]:
    if name in CONSTANTS:
        yield f"{name!r} is a constant and cannot be assigned"
    yield from _name_reasons(name)


def _check_call(node: ast.Call) -> Iterator[str]:
    func = node.func
    receiver: list[ast.expr] = []
    if isinstance(func, ast.Name):
        if func.id not in FUNCTIONS:
            hint = did_you_mean(func.id, sorted(FUNCTIONS))
            yield f"function {func.id!r} is not allowed{hint}; allowed: {', '.join(sorted(FUNCTIONS))}"
            return
        name = func.id
    elif isinstance(func, ast.Attribute):
        if func.attr not in METHODS:
            methods = ", ".join(f".{m}()" for m in sorted(METHODS))
            yield f"method .{func.attr}() is not allowed{did_you_mean(func.attr, sorted(METHODS))}; allowed: {methods}"
            yield from check_expr(func.value)  # the receiver may hide more (`__import__('os').system`)
            return
        name = func.attr
        receiver = [func.value]
    else:
        yield f"only named functions may be called: {_unparse(node)!r}"
        return
    yield from _check_arguments(node, name, [*receiver, *node.args])


def _check_arguments(node: ast.Call, name: str, args: Sequence[ast.expr]) -> Iterator[str]:
    function = FUNCTIONS[name]
    if not function.min_args <= len(args) <= function.max_args:
        low, high = function.min_args, function.max_args
        wanted = str(low) if low == high else f"{low} or {high}"
        yield f"{name}() takes {wanted} argument(s), not {len(args)}: {_unparse(node)!r}"
    for arg in args:
        yield from check_expr(arg)
    for keyword in node.keywords:
        if keyword.arg is None:
            yield f"'**' arguments are not allowed: {_unparse(node)!r}"
        elif keyword.arg not in function.keywords:
            allowed = ", ".join(sorted(function.keywords)) or "none"
            hint = did_you_mean(keyword.arg, sorted(function.keywords))
            yield f"{name}() has no keyword {keyword.arg!r}{hint}; allowed: {allowed}"
        elif keyword_value(keyword.value) is None:
            yield f"keyword {keyword.arg!r} must be a number or True/False: {_unparse(keyword.value)!r}"
        elif len(args) == 2 and keyword.arg in {"dim", "keepdim"} and name in {"max", "min"}:
            yield f"{name}(a, b) is elementwise and takes no {keyword.arg!r}: {_unparse(node)!r}"


def keyword_value(node: ast.expr) -> int | float | bool | None:
    """A keyword's value: True/False or a bounded number; None when it is anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return node.value
    value = constant_value(node)
    if value is None or abs(value) > MAX_CONSTANT:
        return None
    inner = node.operand if isinstance(node, ast.UnaryOp) else node
    assert isinstance(inner, ast.Constant)
    return int(value) if isinstance(inner.value, int) else value


def _check_subscript(node: ast.Subscript) -> Iterator[str]:
    yield from check_expr(node.value)
    parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    for part in parts:
        if isinstance(part, ast.Slice):
            for bound in (part.lower, part.upper, part.step):
                if bound is not None:
                    yield from _check_index(bound, node)
        elif not (isinstance(part, ast.Constant) and (part.value is None or part.value is Ellipsis)):
            yield from _check_index(part, node)


def _check_index(node: ast.expr, whole: ast.Subscript) -> Iterator[str]:
    value = constant_value(node)
    if value is None or value != int(value) or abs(value) > MAX_INDEX:
        yield f"an index must be ':', None, '...' or an integer of at most {MAX_INDEX}: {_unparse(whole)!r}"


def _unparse(node: ast.AST) -> str:
    return clip(ast.unparse(node))
