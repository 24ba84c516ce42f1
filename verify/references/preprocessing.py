"""Input scaling references: standardisation and min-max scaling of a data vector."""

from __future__ import annotations

import torch
from torch import Tensor

from dlflash.verify.registry import reference

DATA = {"x": "real[n]"}
# n = 1 has no sample standard deviation and ties have no spread: scaling divides by zero there.
SPREAD = ("random", "extreme")
SIZES = {"n": 7}


@reference("standardize", inputs=DATA, example="(x - x.mean()) / x.std()", edges=SPREAD, sizes=SIZES)
def standardize(x: Tensor) -> Tensor:
    """torch.std_mean(x) (sample std, correction=1): centre, then divide by the standard deviation."""
    std, mean = torch.std_mean(x)
    return (x - mean) / std


@reference(
    "standardize_population", inputs=DATA, example="(x - x.mean()) / x.std(correction=0)", edges=SPREAD, sizes=SIZES
)
def standardize_population(x: Tensor) -> Tensor:
    """torch.std_mean(x, correction=0) (population std, NumPy's default): variance exactly 1 afterwards."""
    std, mean = torch.std_mean(x, correction=0)
    return (x - mean) / std


@reference("center", inputs=DATA, example="x - x.mean()", sizes=SIZES)
def center(x: Tensor) -> Tensor:
    """x - torch.mean(x): mean subtraction."""
    return x - torch.mean(x)


@reference("minmax_01", inputs=DATA, example="(x - x.min()) / (x.max() - x.min())", edges=SPREAD, sizes=SIZES)
def minmax_01(x: Tensor) -> Tensor:
    """torch.aminmax then an affine map sending min to 0 and max to 1."""
    low, high = torch.aminmax(x)
    return torch.lerp(torch.zeros_like(x), torch.ones_like(x), (x - low) / (high - low))


@reference(
    "minmax_11", inputs=DATA, example="2 * (x - x.min()) / (x.max() - x.min()) - 1", edges=SPREAD, sizes=SIZES
)
def minmax_11(x: Tensor) -> Tensor:
    """torch.aminmax then an affine map sending min to -1 and max to 1."""
    low, high = torch.aminmax(x)
    return torch.lerp(-torch.ones_like(x), torch.ones_like(x), (x - low) / (high - low))
