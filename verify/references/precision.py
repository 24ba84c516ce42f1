"""References of the half-precision cards: the limits of fp16 as ``torch.finfo(torch.float16)`` reports them.

A formula states the value from the format (5 exponent bits, 10 fraction bits);
the reference reads it from torch, as a float64 scalar.
"""

from __future__ import annotations

import torch
from torch import Tensor

from dlflash.verify.registry import reference

FP16 = torch.finfo(torch.float16)


def _scalar(value: float) -> Tensor:
    return torch.tensor(value, dtype=torch.float64)


@reference("fp16_max", inputs={}, example="(2 - 2**-10) * 2**15")
def fp16_max() -> Tensor:
    """torch.finfo(torch.float16).max: the largest finite half-precision number (65504)."""
    return _scalar(FP16.max)


@reference("fp16_eps", inputs={}, example="2**-10")
def fp16_eps() -> Tensor:
    """torch.finfo(torch.float16).eps: the gap between 1 and the next half-precision number."""
    return _scalar(FP16.eps)


@reference("fp16_smallest_normal", inputs={}, example="2**-14")
def fp16_smallest_normal() -> Tensor:
    """torch.finfo(torch.float16).smallest_normal: the smallest positive normal half-precision number."""
    return _scalar(FP16.smallest_normal)
