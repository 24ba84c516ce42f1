"""Run one formula against its torch reference over every size set and edge case.

The same function serves ``dlflash verify``, ``verify/test_formulas.py`` and the
mutation test, so what the tests prove is what the command reports.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterator, Mapping

import torch
from torch import Tensor

from dlflash.errors import DlflashError
from dlflash.formula.evaluate import RESULT, evaluate
from dlflash.formula.parse import Program
from dlflash.verify.inputs import SIZES, draw
from dlflash.verify.outcome import TOLERANCE, Outcome
from dlflash.verify.registry import Reference, call_reference

OPTIMIZER_STEPS = 6
SEED = 20240601


def error(actual: Tensor, expected: Tensor) -> float:
    """The worst mixed absolute/relative error; ``inf`` for a shape or NaN/inf mismatch."""
    if not isinstance(actual, Tensor) or tuple(actual.shape) != tuple(expected.shape):
        return math.inf
    a, e = actual.detach().to(torch.float64), expected.detach().to(torch.float64)
    same = (a == e) | (torch.isnan(a) & torch.isnan(e))
    diff = torch.where(same, torch.zeros_like(a), (a - e).abs() / e.abs().clamp(min=1.0))
    if diff.numel() == 0:
        return 0.0
    worst = float(diff.max())
    return math.inf if math.isnan(worst) else worst


def check_program(program: Program, ref: Reference, fixed: Mapping[str, Tensor] | None = None) -> Outcome:
    """Compare ``program`` with ``ref`` on every case; ``fixed`` pins some inputs (errata)."""
    worst, cases = 0.0, 0
    for case, (label, worst_here) in enumerate(_case_errors(program, ref, fixed or {})):
        cases = case + 1
        worst = max(worst, worst_here)
        if worst_here > TOLERANCE:
            return Outcome(ref.name, worst, cases, f"{label}: error {worst_here:.3g}")
    return Outcome(ref.name, worst, cases)


def _case_errors(program: Program, ref: Reference, fixed: Mapping[str, Tensor]) -> Iterator[tuple[str, float]]:
    sizes_list = (dict(ref.fixed_sizes),) if ref.fixed_sizes else SIZES
    for index, sizes in enumerate(sizes_list):
        for edge_index, edge in enumerate(ref.edges):
            gen = torch.Generator().manual_seed(SEED + 100 * index + edge_index)
            label = f"sizes {dict(sizes)}, {edge}"
            try:
                if ref.kind == "optimizer":
                    yield label, _optimizer_error(program, ref, sizes, index, edge, gen, fixed)
                else:
                    yield label, _function_error(program, ref, sizes, index, edge, gen, fixed)
            except DlflashError as exc:
                yield f"{label}: {exc}", math.inf
            except Exception as exc:  # torch under a formula or reference: a failed case, never a traceback
                yield f"{label}: {type(exc).__name__}: {exc}", math.inf


def _function_error(
    program: Program, ref: Reference, sizes: Mapping[str, int], index: int, edge: str,
    gen: torch.Generator, fixed: Mapping[str, Tensor],
) -> float:
    inputs = {name: draw(domain, sizes, index, edge, gen) for name, domain in ref.inputs}
    inputs.update(fixed)
    if ref.derive is not None:
        inputs.update(call_reference(ref, ref.derive, **accepted_inputs(ref.derive, inputs)))
    expected = call_reference(ref, ref.compute, **{k: v.clone() for k, v in inputs.items()})
    values = evaluate(program, inputs)
    if not ref.outputs:
        return error(values[RESULT], expected)
    return max(error(values.get(name, torch.tensor(math.nan)), expected[name]) for name in ref.outputs)


def accepted_inputs(fn: Callable[..., object], inputs: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """The inputs ``fn`` names (all of them when it takes ``**kwargs``)."""
    parameters = inspect.signature(fn).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return dict(inputs)
    names = {p.name for p in parameters}
    return {k: v for k, v in inputs.items() if k in names}


def _optimizer_error(
    program: Program, ref: Reference, sizes: Mapping[str, int], index: int, edge: str,
    gen: torch.Generator, fixed: Mapping[str, Tensor],
) -> float:
    size = sizes.get("d", 3)
    hyper = {name: draw(domain, sizes, index, "random", gen) for name, domain in ref.inputs}
    hyper.update({k: v for k, v in fixed.items() if k in hyper})
    w0 = fixed.get(ref.param, torch.randn(size, generator=gen, dtype=torch.float64))
    grads = fixed.get(ref.grad, _gradients(size, edge, gen))
    ours, theirs = trajectories(program, ref, hyper, w0, grads)
    return max(error(a, b) for a, b in zip(ours, theirs, strict=True))


def trajectories(
    program: Program, ref: Reference, hyper: Mapping[str, Tensor], w0: Tensor, grads: Tensor
) -> tuple[list[Tensor], list[Tensor]]:
    """The parameter after each step: by the formula, and by the torch optimizer."""
    param = w0.clone().requires_grad_(True)
    opt = call_reference(ref, ref.compute, [param], **{k: float(v) for k, v in hyper.items()})
    env: dict[str, Tensor] = {**hyper, ref.param: w0.clone()}
    for name, init in ref.state:
        env[name] = grads[0].clone() if init == "grad" else torch.zeros_like(w0)
    ours, theirs = [], []
    for step, g in enumerate(grads, start=1):
        opt.zero_grad()
        param.grad = call_reference(ref, ref.gradient, param, g, **hyper) if ref.gradient else g.clone()
        call_reference(ref, opt.step)
        env = evaluate(program, {**env, ref.grad: g, "t": torch.tensor(float(step), dtype=torch.float64)})
        ours.append(env.get(ref.param, torch.tensor(math.nan)))
        theirs.append(param.detach().clone())
    return ours, theirs


def _gradients(size: int, edge: str, gen: torch.Generator) -> Tensor:
    if edge == "zeros":
        return torch.zeros(OPTIMIZER_STEPS, size, dtype=torch.float64)
    if edge == "ties":
        return torch.randn(1, size, generator=gen, dtype=torch.float64).repeat(OPTIMIZER_STEPS, 1)
    scale = 1e3 if edge == "extreme" else 1.0
    return scale * torch.randn(OPTIMIZER_STEPS, size, generator=gen, dtype=torch.float64)
