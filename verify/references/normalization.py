"""References of the normalisation-layer cards: batch norm split into its two claims, layer, instance, group norm.

Batch norm reuses the ``nn.BatchNorm1d`` driver of ``layers`` but compares one
claim at a time (the normalised output, or the running-statistics update), so
a card states one fact. Layer, instance and group norm run the torch modules
(``nn.LayerNorm``, ``nn.InstanceNorm1d``, ``nn.GroupNorm``) with the drawn
affine parameters copied in. Group norm's input is drawn as
``[n, groups, channels per group, positions]`` and flattened to the module's
``[n, channels, positions]``, so that a formula can reduce one group by axes.
"""

from __future__ import annotations

import torch
from torch import Tensor

from dlflash.verify.registry import reference

from .layers import BATCH, _batchnorm

BN_SIZES = {"n": 6, "d": 3}
EPS = "real(0.001, 0.1)"
LAYER = {"x": "real[n, d]", "gamma": "positive[d]", "beta": "real[d]", "eps": EPS}
# Instance norm needs more than one position per channel; group norm several channels per group.
INSTANCE = {"x": "real[n, c, l]", "gamma": "positive[c, 1]", "beta": "real[c, 1]", "eps": EPS}
INSTANCE_SIZES = {"n": 3, "c": 4, "l": 5}
GROUP = {"x": "real[n, g, k, l]", "gamma": "positive[g, k, 1]", "beta": "real[g, k, 1]", "eps": EPS}
GROUP_SIZES = {"n": 3, "g": 2, "k": 3, "l": 4}


def _affine(
    layer: torch.nn.LayerNorm | torch.nn.InstanceNorm1d | torch.nn.GroupNorm, gamma: Tensor, beta: Tensor, x: Tensor
) -> Tensor:
    """The module's output on x with the drawn gamma and beta as its weight and bias (one per channel)."""
    with torch.no_grad():
        # gamma and beta are drawn in the shape the formula broadcasts; the module keeps them flat
        layer.weight.copy_(gamma.reshape(-1))
        layer.bias.copy_(beta.reshape(-1))
    y: Tensor = layer(x)
    return y.detach()


@reference("batchnorm_train_output", inputs=BATCH, sizes=BN_SIZES, example=(
    "mu_b = x.mean(dim=0)",
    "var_b = x.var(dim=0, correction=0)",
    "y = (x - mu_b) / sqrt(var_b + eps) * gamma + beta",
))
def batchnorm_train_output(**inputs: Tensor) -> Tensor:
    """nn.BatchNorm1d's output in training: normalised with the batch mean and the biased batch variance."""
    return _batchnorm(**inputs, training=True)["y"]


@reference("batchnorm_running_update", inputs=BATCH, sizes=BN_SIZES,
           outputs=("running_mean", "running_var"), example=(
               "running_mean = (1 - momentum)*running_mean + momentum*x.mean(dim=0)",
               "running_var = (1 - momentum)*running_var + momentum*x.var(dim=0)",
           ))
def batchnorm_running_update(**inputs: Tensor) -> dict[str, Tensor]:
    """nn.BatchNorm1d's running statistics after one training batch (unbiased variance in running_var)."""
    out = _batchnorm(**inputs, training=True)
    return {"running_mean": out["running_mean"], "running_var": out["running_var"]}


@reference("layernorm", inputs=LAYER, example=(
    "mu_s = x.mean(dim=1, keepdim=True)",
    "var_s = x.var(dim=1, correction=0, keepdim=True)",
    "y = (x - mu_s) / sqrt(var_s + eps) * gamma + beta",
))
def layernorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: Tensor) -> Tensor:
    """nn.LayerNorm(d, eps) with weight gamma and bias beta: statistics over each sample's features."""
    return _affine(torch.nn.LayerNorm(x.shape[1], eps=float(eps), dtype=torch.float64), gamma, beta, x)


@reference("instancenorm", inputs=INSTANCE, sizes=INSTANCE_SIZES, example=(
    "mu_i = x.mean(dim=2, keepdim=True)",
    "var_i = x.var(dim=2, correction=0, keepdim=True)",
    "y = (x - mu_i) / sqrt(var_i + eps) * gamma + beta",
))
def instancenorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: Tensor) -> Tensor:
    """nn.InstanceNorm1d(c, eps, affine=True): statistics over the positions of each sample and channel."""
    layer = torch.nn.InstanceNorm1d(x.shape[1], eps=float(eps), affine=True, dtype=torch.float64)
    return _affine(layer, gamma, beta, x)


@reference("groupnorm", inputs=GROUP, sizes=GROUP_SIZES, example=(
    "mu_g = x.mean(dim=3, keepdim=True).mean(dim=2, keepdim=True)",
    "var_g = ((x - mu_g)**2).mean(dim=3, keepdim=True).mean(dim=2, keepdim=True)",
    "y = (x - mu_g) / sqrt(var_g + eps) * gamma + beta",
))
def groupnorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: Tensor) -> Tensor:
    """nn.GroupNorm(g, g*k, eps) on x flattened to [n, g*k, l]: statistics over each group's channels and positions."""
    n, groups, per_group, positions = x.shape
    layer = torch.nn.GroupNorm(groups, groups * per_group, eps=float(eps), dtype=torch.float64)
    y = _affine(layer, gamma, beta, x.reshape(n, groups * per_group, positions))
    return y.reshape(n, groups, per_group, positions)
