"""Learning-rate schedule references: the rate torch's schedulers set after ``t`` scheduler steps.

Each reference builds a plain SGD optimizer on one dummy parameter, wraps it in
a ``torch.optim.lr_scheduler`` scheduler, steps both ``t`` times and reads the
learning rate back, so a formula is compared with what training would use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import torch
from torch import Tensor
from torch.optim.lr_scheduler import (
    CosineAnnealingWarmRestarts,
    ExponentialLR,
    LRScheduler,
    MultiStepLR,
    OneCycleLR,
    StepLR,
)

from dlflash.verify.registry import reference

LR = "real(0.01, 0.5)"
GAMMA = "real(0.1, 0.95)"
STEP = "count(0, 20)"


def lr_after(steps: Tensor, lr: Tensor, make: Callable[[torch.optim.Optimizer], LRScheduler]) -> Tensor:
    """The learning rate of the first param group after ``steps`` optimizer + scheduler steps."""
    param = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([param], lr=float(lr))
    scheduler = make(opt)
    for _ in range(int(steps)):
        opt.step()
        scheduler.step()
    return torch.tensor(opt.param_groups[0]["lr"], dtype=torch.float64)


@reference(
    "exponential_lr",
    inputs={"lr0": LR, "gamma": GAMMA, "t": STEP},
    example="lr0 * gamma**t",
)
def exponential_lr(lr0: Tensor, gamma: Tensor, t: Tensor) -> Tensor:
    """ExponentialLR(gamma): the rate is multiplied by gamma after every epoch."""
    return lr_after(t, lr0, lambda opt: ExponentialLR(opt, gamma=float(gamma)))


@reference(
    "multistep_lr",
    inputs={"lr0": LR, "gamma": GAMMA, "m1": "count(1, 8)", "m2": "count(9, 16)", "t": STEP},
    example="lr0 * gamma**((t >= m1) + (t >= m2))",
)
def multistep_lr(lr0: Tensor, gamma: Tensor, m1: Tensor, m2: Tensor, t: Tensor) -> Tensor:
    """MultiStepLR(milestones=[m1, m2], gamma): step decay, the rate times gamma at each milestone reached."""
    return lr_after(t, lr0, lambda opt: MultiStepLR(opt, milestones=[int(m1), int(m2)], gamma=float(gamma)))


@reference(
    "step_lr",
    inputs={"lr0": LR, "gamma": GAMMA, "step": "count(1, 8)", "t": STEP},
    example="lr0 * gamma**floor(t / step)",
)
def step_lr(lr0: Tensor, gamma: Tensor, step: Tensor, t: Tensor) -> Tensor:
    """StepLR(step_size, gamma): the rate times gamma after every step_size epochs."""
    return lr_after(t, lr0, lambda opt: StepLR(opt, step_size=int(step), gamma=float(gamma)))


@reference(
    "cosine_warm_restarts_lr",
    inputs={"lr0": LR, "lr_min": "real(0.0001, 0.005)", "T0": "count(2, 8)", "t": STEP},
    example=(
        "T_cur = t - T0 * floor(t / T0)",
        "lr = lr_min + (lr0 - lr_min) * (1 + cos(pi * T_cur / T0)) / 2",
    ),
)
def cosine_warm_restarts_lr(lr0: Tensor, lr_min: Tensor, T0: Tensor, t: Tensor) -> Tensor:
    """CosineAnnealingWarmRestarts(T_0, T_mult=1, eta_min): cosine from lr0 down to eta_min, restarting every T_0."""
    return lr_after(t, lr0, lambda opt: CosineAnnealingWarmRestarts(opt, T_0=int(T0), T_mult=1, eta_min=float(lr_min)))


ONE_CYCLE = {
    "lr_max": LR,
    "div": "real(5, 30)",
    "div_final": "real(10, 1000)",
    "pct_start": "real(0.2, 0.5)",
    "T": "count(20, 40)",
    "t": "count(0, 19)",  # t <= T - 1: the schedule's last step is T - 1 (beyond it torch extrapolates)
}


def _one_cycle(
    opt: Any,
    lr_max: Tensor,
    div: Tensor,
    div_final: Tensor,
    pct_start: Tensor,
    T: Tensor,
    anneal_strategy: Literal["cos", "linear"],
) -> OneCycleLR:
    """torch's OneCycleLR with the formula's names (momentum cycling off: only the rate is compared)."""
    return OneCycleLR(
        opt, max_lr=float(lr_max), total_steps=int(T), pct_start=float(pct_start), anneal_strategy=anneal_strategy,
        div_factor=float(div), final_div_factor=float(div_final), cycle_momentum=False,
    )


@reference(
    "one_cycle_linear_lr",
    inputs=ONE_CYCLE,
    example=(
        "lr0 = lr_max / div",
        "lr_min = lr0 / div_final",
        "up = pct_start * T - 1",
        "lr = where(t <= up, lr0 + (lr_max - lr0) * t / up, lr_max + (lr_min - lr_max) * (t - up) / (T - 1 - up))",
    ),
)
def one_cycle_linear_lr(
    lr_max: Tensor, div: Tensor, div_final: Tensor, pct_start: Tensor, T: Tensor, t: Tensor
) -> Tensor:
    """OneCycleLR(anneal_strategy='linear'): linear warm-up to lr_max, then linear decay to lr_max/div/div_final."""
    return lr_after(
        t,
        lr_max / div,
        lambda opt: _one_cycle(opt, lr_max, div, div_final, pct_start, T, anneal_strategy="linear"),
    )


@reference(
    "one_cycle_cos_lr",
    inputs=ONE_CYCLE,
    example=(
        "lr0 = lr_max / div",
        "lr_min = lr0 / div_final",
        "up = pct_start * T - 1",
        "warm = lr_max + (lr0 - lr_max) * (1 + cos(pi * t / up)) / 2",
        "cool = lr_min + (lr_max - lr_min) * (1 + cos(pi * (t - up) / (T - 1 - up))) / 2",
        "lr = where(t <= up, warm, cool)",
    ),
)
def one_cycle_cos_lr(
    lr_max: Tensor, div: Tensor, div_final: Tensor, pct_start: Tensor, T: Tensor, t: Tensor
) -> Tensor:
    """OneCycleLR (default anneal_strategy='cos'): cosine up to lr_max, then cosine down to lr_max/div/div_final."""
    return lr_after(
        t,
        lr_max / div,
        lambda opt: _one_cycle(opt, lr_max, div, div_final, pct_start, T, anneal_strategy="cos"),
    )
