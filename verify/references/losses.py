"""Loss references: torch.nn.functional losses on seeded float64 inputs."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from dlflash.verify.registry import reference

REGRESSION = {"y": "real[n]", "y_hat": "real[n]"}


@reference("mae_loss", inputs=REGRESSION, example="mean(abs(y - y_hat))")
def mae_loss(y: Tensor, y_hat: Tensor) -> Tensor:
    """F.l1_loss(y_hat, y): mean absolute error (L1 loss)."""
    return F.l1_loss(y_hat, y)


@reference("mse_loss", inputs=REGRESSION, example="mean((y - y_hat)**2)")
def mse_loss(y: Tensor, y_hat: Tensor) -> Tensor:
    """F.mse_loss(y_hat, y): mean squared error (L2 loss)."""
    return F.mse_loss(y_hat, y)


@reference("rmse", inputs=REGRESSION, example="sqrt(mean((y - y_hat)**2))")
def rmse(y: Tensor, y_hat: Tensor) -> Tensor:
    """sqrt(F.mse_loss(y_hat, y)): root mean squared error."""
    return torch.sqrt(F.mse_loss(y_hat, y))


@reference(
    "rmspe",
    inputs={"y": "positive[n]", "y_hat": "positive[n]"},
    example="sqrt(mean(((y - y_hat) / y)**2))",
)
def rmspe(y: Tensor, y_hat: Tensor) -> Tensor:
    """sqrt(F.mse_loss(y_hat / y, 1)): root mean squared percentage error (relative to the target)."""
    return torch.sqrt(F.mse_loss(y_hat / y, torch.ones_like(y)))


@reference(
    "cross_entropy",
    inputs={"z": "real[n, c]", "y": "label(c)[n]"},
    example="-mean(pick(log_softmax(z, dim=1), y))",
)
def cross_entropy(z: Tensor, y: Tensor) -> Tensor:
    """F.cross_entropy(z, y): softmax then negative log-likelihood of the true class, averaged."""
    return F.cross_entropy(z, y)


@reference(
    "nll_of_log_softmax",
    inputs={"z": "real[n, c]", "y": "label(c)[n]"},
    example="-mean(pick(log(softmax(z, dim=1)), y))",
)
def nll_of_log_softmax(z: Tensor, y: Tensor) -> Tensor:
    """F.nll_loss(F.log_softmax(z, 1), y): NLL expects log-probabilities; with log_softmax it is cross-entropy."""
    return F.nll_loss(F.log_softmax(z, dim=1), y)


@reference(
    "weighted_cross_entropy",
    inputs={"z": "real[n, c]", "y": "label(c)[n]", "weight": "positive[c]"},
    example="-sum(take(weight, y) * pick(log_softmax(z, dim=1), y)) / sum(take(weight, y))",
)
def weighted_cross_entropy(z: Tensor, y: Tensor, weight: Tensor) -> Tensor:
    """F.cross_entropy(z, y, weight=w): the mean is weighted, divided by the sum of the samples' weights."""
    return F.cross_entropy(z, y, weight=weight)


@reference(
    "binary_cross_entropy",
    inputs={"p": "prob[n]", "y": "binary[n]"},
    example="-mean(y * log(p) + (1 - y) * log(1 - p))",
)
def binary_cross_entropy(p: Tensor, y: Tensor) -> Tensor:
    """F.binary_cross_entropy(p, y): per-output log loss of probabilities (multi-label), averaged."""
    return F.binary_cross_entropy(p, y)


@reference(
    "bce_with_logits",
    inputs={"z": "real[n]", "y": "binary[n]"},
    example="-mean(y * log(sigmoid(z)) + (1 - y) * log(1 - sigmoid(z)))",
    edges=("random", "zeros", "ties"),
)
def bce_with_logits(z: Tensor, y: Tensor) -> Tensor:
    """F.binary_cross_entropy_with_logits(z, y): sigmoid and BCE fused (stable for large logits)."""
    return F.binary_cross_entropy_with_logits(z, y)


@reference(
    "hinge",
    inputs={"s": "real[n]", "y": "sign[n]"},
    example="mean(clamp(1 - y * s, min=0))",
)
def hinge(s: Tensor, y: Tensor) -> Tensor:
    """2 * F.multi_margin_loss on scores [-s/2, s/2]: the binary SVM hinge max(0, 1 - y*s), averaged."""
    scores = torch.stack([-s / 2, s / 2], dim=1)
    return 2 * F.multi_margin_loss(scores, (y > 0).long())


@reference(
    "hinge_embedding",
    inputs={"x": "nonneg[n]", "y": "sign[n]", "margin": "real(0.5, 2)"},
    example="mean(where(y == 1, x, clamp(margin - x, min=0)))",
)
def hinge_embedding(x: Tensor, y: Tensor, margin: Tensor) -> Tensor:
    """F.hinge_embedding_loss(x, y, margin): x for similar pairs (y=1), max(0, margin - x) for dissimilar."""
    return F.hinge_embedding_loss(x, y, margin=float(margin))
