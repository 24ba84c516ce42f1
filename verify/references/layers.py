"""Layer references: inverted dropout and batch normalisation (training statistics and running update)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from dlflash.verify.registry import reference

DROPOUT = {"x": "real[n, d]", "p": "real(0.1, 0.9)"}
MASK_SEED = 7


def dropout_mask(x: Tensor, p: Tensor) -> dict[str, Tensor]:
    """The 0/1 mask torch's dropout draws with seed MASK_SEED (kept units are nonzero in its output)."""
    torch.manual_seed(MASK_SEED)
    kept = F.dropout(torch.ones_like(x), float(p), training=True) != 0
    return {"keep": kept.to(torch.float64)}


@reference("dropout", inputs=DROPOUT, derive=dropout_mask, derived={"keep": "binary[n, d]"},
           example="x * keep / (1 - p)")
def dropout(x: Tensor, p: Tensor, keep: Tensor) -> Tensor:
    """F.dropout(x, p, training=True) with the mask's seed: inverted dropout scales kept units by 1/(1-p)."""
    torch.manual_seed(MASK_SEED)
    return F.dropout(x, float(p), training=True)


@reference("dropout_eval", inputs=DROPOUT, example="x")
def dropout_eval(x: Tensor, p: Tensor) -> Tensor:
    """F.dropout(x, p, training=False): the identity at evaluation time."""
    return F.dropout(x, float(p), training=False)


BATCH = {
    "x": "real[n, d]",
    "gamma": "positive[d]",
    "beta": "real[d]",
    "running_mean": "real[d]",
    "running_var": "positive[d]",
    "momentum": "real(0.05, 0.5)",
    "eps": "real(0.001, 0.1)",
}


def _batchnorm(x: Tensor, gamma: Tensor, beta: Tensor, running_mean: Tensor, running_var: Tensor,
               momentum: Tensor, eps: Tensor, training: bool) -> dict[str, Tensor]:
    layer = torch.nn.BatchNorm1d(x.shape[1], eps=float(eps), momentum=float(momentum), dtype=torch.float64)
    # affine=True and track_running_stats=True (the defaults), so these buffers exist
    assert layer.running_mean is not None and layer.running_var is not None
    with torch.no_grad():
        layer.weight.copy_(gamma)
        layer.bias.copy_(beta)
        layer.running_mean.copy_(running_mean)
        layer.running_var.copy_(running_var)
    layer.train(training)
    y = layer(x).detach()
    return {"y": y, "running_mean": layer.running_mean.clone(), "running_var": layer.running_var.clone()}


@reference("batchnorm_train", inputs=BATCH, outputs=("y", "running_mean", "running_var"), sizes={"n": 6, "d": 3},
           example=(
               "mu_b = x.mean(dim=0)",
               "var_b = x.var(dim=0, correction=0)",
               "y = (x - mu_b) / sqrt(var_b + eps) * gamma + beta",
               "running_mean = (1 - momentum)*running_mean + momentum*mu_b",
               "running_var = (1 - momentum)*running_var + momentum*x.var(dim=0)",
           ))
def batchnorm_train(**inputs: Tensor) -> dict[str, Tensor]:
    """nn.BatchNorm1d in training: biased batch variance to normalise, unbiased one in running_var."""
    return _batchnorm(**inputs, training=True)


@reference("batchnorm_eval", inputs=BATCH, sizes={"n": 6, "d": 3},
           example="(x - running_mean) / sqrt(running_var + eps) * gamma + beta")
def batchnorm_eval(**inputs: Tensor) -> Tensor:
    """nn.BatchNorm1d in evaluation: normalises with the running statistics."""
    return _batchnorm(**inputs, training=False)["y"]
