"""References of the "Know the basics" cards that torch has no one-call function for.

Each one reaches the card's claim by another route than the card's formula:
einsum through ``torch.einsum``, the chain rule through autograd, ROC AUC as
the trapezoid area under the thresholded ROC curve, and cross-entropy with a
target distribution through ``F.cross_entropy``'s probability targets.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from dlflash.verify.registry import reference


@reference(
    "einsum_ij_jk_ik",
    inputs={"A": "real[n, d]", "B": "real[d, c]"},
    example="A @ B",
)
def einsum_ij_jk_ik(A: Tensor, B: Tensor) -> Tensor:
    """torch.einsum('ij,jk->ik', A, B): j appears in both inputs but not the output, so it is summed."""
    return torch.einsum("ij,jk->ik", A, B)


@reference(
    "chain_rule_sigmoid_tanh",
    inputs={"x": "real[n]"},
    example=(
        "u = tanh(x)",
        "dy_du = sigmoid(u) * (1 - sigmoid(u))",
        "du_dx = 1 - u**2",
        "dy_dx = dy_du * du_dx",
    ),
)
def chain_rule_sigmoid_tanh(x: Tensor) -> Tensor:
    """Autograd's derivative of y = sigmoid(tanh(x)) with respect to each x_i."""
    leaf = x.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(torch.sigmoid(torch.tanh(leaf)).sum(), leaf)
    return grad


def _roc_curve(s: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """(FPR, TPR) at every distinct score taken as the threshold, highest first, from (0, 0)."""
    thresholds = torch.unique(s).flip(0)
    flagged = (s[None, :] >= thresholds[:, None]).to(torch.float64)
    positive = (y == 1).to(torch.float64)
    tpr = (flagged * positive).sum(dim=1) / positive.sum()
    fpr = (flagged * (1 - positive)).sum(dim=1) / (1 - positive).sum()
    start = torch.zeros(1, dtype=torch.float64)
    return torch.cat([start, fpr]), torch.cat([start, tpr])


@reference(
    "roc_auc",
    # integer scores, so that tied scores of a positive and a negative occur
    inputs={"s": "count(0, 3)[n]", "y": "binary[n]"},
    example=(
        "pairs = y[:, None] * (1 - y[None, :])",
        "wins = (s[:, None] > s[None, :]) + 0.5 * (s[:, None] == s[None, :])",
        "auc = sum(pairs * wins) / sum(pairs)",
    ),
)
def roc_auc(s: Tensor, y: Tensor) -> Tensor:
    """Trapezoid area under the ROC curve of scores s for 0/1 labels y (NaN with one class only)."""
    fpr, tpr = _roc_curve(s, y)
    if torch.isnan(fpr).any() or torch.isnan(tpr).any():
        return torch.tensor(torch.nan, dtype=torch.float64)
    return torch.trapezoid(tpr, fpr)


def _target_distribution(z: Tensor, t: Tensor) -> dict[str, Tensor]:
    """A target distribution q per row (softmax of free reals), so the rows sum to 1."""
    return {"q": torch.softmax(t, dim=1)}


@reference(
    "cross_entropy_soft",
    inputs={"z": "real[n, c]", "t": "real[n, c]"},
    example="-mean(sum(q * log_softmax(z, dim=1), dim=1))",
    derive=_target_distribution,
    derived={"q": "prob[n, c]"},
)
def cross_entropy_soft(z: Tensor, t: Tensor, q: Tensor) -> Tensor:
    """F.cross_entropy(z, q) with a target distribution q (each row sums to 1), averaged over samples."""
    return F.cross_entropy(z, q)
