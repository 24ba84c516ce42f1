"""References of the "Improve generalization" cards: the L1 and L2 weight penalties.

Each reaches the penalty by another route than the card's formula: the norms
of ``torch.linalg.vector_norm`` (the L2 one squared).
"""

from __future__ import annotations

import torch
from torch import Tensor

from dlflash.verify.registry import reference

PENALTY = {"w": "real[d]", "lam": "positive"}


@reference("l1_penalty", inputs=PENALTY, example="lam * sum(abs(w))")
def l1_penalty(w: Tensor, lam: Tensor) -> Tensor:
    """lam * ||w||_1 by torch.linalg.vector_norm(ord=1): the sum of absolute weights."""
    penalty: Tensor = lam * torch.linalg.vector_norm(w, ord=1)
    return penalty


@reference("l2_penalty", inputs=PENALTY, example="lam * sum(w**2)")
def l2_penalty(w: Tensor, lam: Tensor) -> Tensor:
    """lam * ||w||_2^2 by torch.linalg.vector_norm: the sum of squared weights."""
    penalty: Tensor = lam * torch.linalg.vector_norm(w, ord=2) ** 2
    return penalty
