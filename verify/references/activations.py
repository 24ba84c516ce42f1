"""Activation references: torch's own functions."""

from __future__ import annotations

import torch
from torch import Tensor

from dlflash.verify.registry import reference

LOGITS = {"x": "real[n, c]"}


@reference("relu", inputs=LOGITS, example="clamp(x, min=0)")
def relu(x: Tensor) -> Tensor:
    """torch.relu(x): max(0, x) elementwise."""
    return torch.relu(x)


@reference("softmax", inputs=LOGITS, example="exp(x) / sum(exp(x), dim=1, keepdim=True)")
def softmax(x: Tensor) -> Tensor:
    """torch.softmax(x, dim=1): exponentials normalised per row to sum to 1."""
    return torch.softmax(x, dim=1)


@reference("sigmoid", inputs=LOGITS, example="1 / (1 + exp(-x))")
def sigmoid(x: Tensor) -> Tensor:
    """torch.sigmoid(x): 1 / (1 + e^-x), each output on its own (multi-label)."""
    return torch.sigmoid(x)


@reference("tanh", inputs=LOGITS, example="(exp(x) - exp(-x)) / (exp(x) + exp(-x))")
def tanh(x: Tensor) -> Tensor:
    """torch.tanh(x): hyperbolic tangent, in (-1, 1)."""
    return torch.tanh(x)
