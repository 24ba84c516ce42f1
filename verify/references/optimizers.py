"""Optimizer references: a formula's update steps must track ``torch.optim`` over several steps.

The runner draws a parameter ``w``, a gradient ``g`` per step and the
hyperparameters below, sets ``p.grad`` and calls ``step()``; the formula sees
the same ``g``, the step number ``t`` (from 1) and its own state, which starts
at zero (or at the first gradient, where torch starts a buffer that way).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from dlflash.verify.registry import optimizer

LR = "real(0.01, 0.1)"
DECAY = "real(0.5, 0.95)"
BETA2 = "real(0.8, 0.999)"
# Large enough that dropping eps changes the result beyond the tolerance.
EPS = "real(0.001, 0.1)"
WD = "real(0.01, 0.5)"
ADAM_HYPER = {"lr": LR, "beta1": DECAY, "beta2": BETA2, "eps": EPS}
ADAM_STEPS = (
    "m = beta1*m + (1 - beta1)*g",
    "v = beta2*v + (1 - beta2)*g**2",
    "m_hat = m / (1 - beta1**t)",
    "v_hat = v / (1 - beta2**t)",
    "w = w - lr*m_hat / (sqrt(v_hat) + eps)",
)
MOMENTS: dict[str, Any] = {"m": "zeros", "v": "zeros"}


@optimizer("sgd", hyper={"lr": LR}, example=("w = w - lr*g",))
def sgd(params: list[Tensor], lr: float) -> torch.optim.Optimizer:
    """torch.optim.SGD(lr): w <- w - lr*g."""
    return torch.optim.SGD(params, lr=lr)


@optimizer("sgd_momentum", hyper={"lr": LR, "mu": DECAY}, state={"v": "zeros"},
           example=("v = mu*v + g", "w = w - lr*v"))
def sgd_momentum(params: list[Tensor], lr: float, mu: float) -> torch.optim.Optimizer:
    """torch.optim.SGD(lr, momentum=mu): velocity v = mu*v + g (no 1-mu factor), buffer starts at g."""
    return torch.optim.SGD(params, lr=lr, momentum=mu)


@optimizer("sgd_momentum_dampened", hyper={"lr": LR, "mu": DECAY}, state={"v": "grad"},
           example=("v = mu*v + (1 - mu)*g", "w = w - lr*v"))
def sgd_momentum_dampened(params: list[Tensor], lr: float, mu: float) -> torch.optim.Optimizer:
    """torch.optim.SGD(lr, momentum=mu, dampening=mu): moving average v = mu*v + (1-mu)*g; torch's first v is g."""
    return torch.optim.SGD(params, lr=lr, momentum=mu, dampening=mu)


@optimizer("adagrad", hyper={"lr": LR, "eps": EPS}, state={"s": "zeros"},
           example=("s = s + g**2", "w = w - lr*g / (sqrt(s) + eps)"))
def adagrad(params: list[Tensor], lr: float, eps: float) -> torch.optim.Optimizer:
    """torch.optim.Adagrad(lr, eps): sum of squared gradients, eps outside the square root."""
    return torch.optim.Adagrad(params, lr=lr, eps=eps)


@optimizer("rmsprop", hyper={"lr": LR, "alpha": DECAY, "eps": EPS}, state={"s": "zeros"},
           example=("s = alpha*s + (1 - alpha)*g**2", "w = w - lr*g / (sqrt(s) + eps)"))
def rmsprop(params: list[Tensor], lr: float, alpha: float, eps: float) -> torch.optim.Optimizer:
    """torch.optim.RMSprop(lr, alpha, eps): moving average of g**2, eps outside the square root."""
    return torch.optim.RMSprop(params, lr=lr, alpha=alpha, eps=eps)


@optimizer("adam", hyper=ADAM_HYPER, state=MOMENTS, example=ADAM_STEPS)
def adam(params: list[Tensor], lr: float, beta1: float, beta2: float, eps: float) -> torch.optim.Optimizer:
    """torch.optim.Adam(lr, betas, eps): bias-corrected moments, eps added to sqrt(v_hat)."""
    return torch.optim.Adam(params, lr=lr, betas=(beta1, beta2), eps=eps)


@optimizer("amsgrad", hyper=ADAM_HYPER, state={**MOMENTS, "v_max": "zeros"}, example=(
    *ADAM_STEPS[:3],
    "v_max = max(v_max, v)",
    "w = w - lr*m_hat / (sqrt(v_max / (1 - beta2**t)) + eps)",
))
def amsgrad(params: list[Tensor], lr: float, beta1: float, beta2: float, eps: float) -> torch.optim.Optimizer:
    """torch.optim.Adam(amsgrad=True): Adam dividing by the running maximum of v (bias-corrected)."""
    return torch.optim.Adam(params, lr=lr, betas=(beta1, beta2), eps=eps, amsgrad=True)


@optimizer("sgd_weight_decay", hyper={"lr": LR, "wd": WD}, example=("w = w - lr*(g + wd*w)",))
def sgd_weight_decay(params: list[Tensor], lr: float, wd: float) -> torch.optim.Optimizer:
    """torch.optim.SGD(lr, weight_decay=wd): adds wd*w to the gradient."""
    return torch.optim.SGD(params, lr=lr, weight_decay=wd)


def l2_gradient(p: Tensor, g: Tensor, wd: Tensor, **_: Tensor) -> Tensor:
    """The gradient of loss + wd/2 * ||w||^2 by autograd, where g is the loss's gradient."""
    w = p.detach().clone().requires_grad_(True)
    penalty = float(wd) / 2 * (w**2).sum()
    (grad,) = torch.autograd.grad(penalty, w)
    return g + grad


@optimizer("sgd_l2", hyper={"lr": LR, "wd": WD}, gradient=l2_gradient, example=("w = w - lr*(g + wd*w)",))
def sgd_l2(params: list[Tensor], lr: float, wd: float) -> torch.optim.Optimizer:
    """torch.optim.SGD(lr) on loss + wd/2*||w||^2 (penalty through autograd): identical to weight decay."""
    return torch.optim.SGD(params, lr=lr)


@optimizer("adam_l2", hyper={**ADAM_HYPER, "wd": WD}, state=MOMENTS, example=("g = g + wd*w", *ADAM_STEPS))
def adam_l2(
    params: list[Tensor], lr: float, beta1: float, beta2: float, eps: float, wd: float
) -> torch.optim.Optimizer:
    """torch.optim.Adam(weight_decay=wd): L2 form, wd*w joins the gradient before the moments."""
    return torch.optim.Adam(params, lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=wd)


@optimizer("adamw", hyper={**ADAM_HYPER, "wd": WD}, state=MOMENTS, example=("w = w - lr*wd*w", *ADAM_STEPS))
def adamw(params: list[Tensor], lr: float, beta1: float, beta2: float, eps: float, wd: float) -> torch.optim.Optimizer:
    """torch.optim.AdamW(weight_decay=wd): decoupled decay w -= lr*wd*w, outside the moments."""
    return torch.optim.AdamW(params, lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=wd)
