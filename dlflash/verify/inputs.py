"""Seeded float64 inputs for a reference: one tensor per symbol, from its domain, size set and edge case.

Edge cases are the inputs where formulas that look alike part ways: all
zeros, ties (every value equal), and extreme magnitudes (logits of +-30, tiny
and near-one probabilities). Labels are int64, everything else float64.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from dlflash.formula.spec import Domain, parse_domain

DTYPE = torch.float64
# Three size sets: single elements (where sums and means coincide), small, and larger odd sizes.
SIZES: tuple[Mapping[str, int], ...] = (
    {"n": 1, "c": 2, "d": 1},
    {"n": 4, "c": 3, "d": 5},
    {"n": 9, "c": 5, "d": 3},
)
DEFAULT_DIM = (1, 4, 3)  # any other dimension name, per size set
EXTREME_LOGIT = 30.0  # exp(30) ~ 1e13: extreme, still finite in float64 even for naive softmax
TINY_PROB = 1e-6
COUNT_RANGE = (0, 20)


def dims(domain: Domain, sizes: Mapping[str, int], index: int) -> tuple[int, ...]:
    return tuple(int(d) if d.isdigit() else sizes.get(d, DEFAULT_DIM[index]) for d in domain.dims)


def draw(domain_text: str, sizes: Mapping[str, int], index: int, edge: str, gen: torch.Generator) -> Tensor:
    """A tensor of ``domain_text`` for size set ``index`` and ``edge``."""
    domain = parse_domain(domain_text)
    if isinstance(domain, str):
        raise ValueError(domain)
    shape = dims(domain, sizes, index)
    kind = domain.kind
    if kind == "label":
        classes = sizes.get(domain.args[0], DEFAULT_DIM[index]) if not domain.args[0].isdigit() else int(domain.args[0])
        return _label(shape, classes, edge, gen)
    if kind == "real" and domain.args:
        low, high = (float(a) for a in domain.args)
        return low + (high - low) * torch.rand(shape, generator=gen, dtype=DTYPE)
    if kind == "count":
        low, high = (int(float(a)) for a in domain.args) if domain.args else COUNT_RANGE
        return _count(shape, low, high, edge, gen)
    return _continuous(kind, shape, edge, gen)


def _uniform(shape: tuple[int, ...], low: float, high: float, gen: torch.Generator) -> Tensor:
    return low + (high - low) * torch.rand(shape, generator=gen, dtype=DTYPE)


def _continuous(kind: str, shape: tuple[int, ...], edge: str, gen: torch.Generator) -> Tensor:
    if kind in {"binary", "sign"}:
        bits = torch.randint(0, 2, shape, generator=gen).to(DTYPE)
        bits = {"zeros": torch.zeros(shape, dtype=DTYPE), "ties": torch.ones(shape, dtype=DTYPE)}.get(edge, bits)
        return bits if kind == "binary" else 2 * bits - 1
    if edge == "ties":
        return torch.full(shape, 0.5, dtype=DTYPE)
    if kind == "prob":
        if edge == "extreme":
            ends = torch.randint(0, 2, shape, generator=gen).to(DTYPE)
            return TINY_PROB + ends * (1 - 2 * TINY_PROB)
        return _uniform(shape, 0.02, 0.98, gen)
    if edge == "zeros":
        return torch.full(shape, TINY_PROB if kind == "positive" else 0.0, dtype=DTYPE)
    scale = EXTREME_LOGIT if edge == "extreme" else 1.5
    if kind == "real":
        return scale * torch.randn(shape, generator=gen, dtype=DTYPE)
    return _uniform(shape, 0.1, 2 * scale, gen)  # positive, nonneg


def _label(shape: tuple[int, ...], classes: int, edge: str, gen: torch.Generator) -> Tensor:
    if edge in {"zeros", "ties"}:
        return torch.zeros(shape, dtype=torch.long)
    if edge == "extreme":
        return torch.full(shape, classes - 1, dtype=torch.long)
    return torch.randint(0, classes, shape, generator=gen)


def _count(shape: tuple[int, ...], low: int, high: int, edge: str, gen: torch.Generator) -> Tensor:
    if edge == "zeros":
        return torch.full(shape, float(low), dtype=DTYPE)
    if edge == "ties":
        return torch.full(shape, float((low + high) // 2), dtype=DTYPE)
    if edge == "extreme":
        return torch.full(shape, float(high), dtype=DTYPE)
    return torch.randint(low, high + 1, shape, generator=gen).to(DTYPE)
