"""The deck's figures: pictures computed with torch and drawn with matplotlib (``dlflash.render.figures`` draws them).

Each drawing registers under the permanent name cards show it by, ``![alt](figure:lr-one-cycle)``;
it draws only in the palette of ``dlflash.render.figures`` (mid-tones that read on the day and the
night card background). torch and matplotlib are imported inside the functions: importing this
module to check a figure name needs neither.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dlflash.render.figures import BLUE, GREEN, INK, ORANGE, RED, Draw, figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def _panel_label(ax: Axes, label: str) -> None:
    ax.set_title(label, loc="left")


def _float64(values: Iterable[float]) -> Any:
    import torch

    return torch.tensor(list(values), dtype=torch.float64)


def _activation(fn_name: str) -> Draw:
    def draw(fig: Figure) -> None:
        import torch

        x = torch.linspace(-5, 5, 1001, dtype=torch.float64)
        y = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}[fn_name](x)
        ax = fig.add_subplot()
        ax.plot(x.numpy(), y.numpy(), color=BLUE)
        ax.set(xlim=(-5, 5), ylim=(-1.3, 2.3), yticks=[-1, 0, 1, 2], xlabel="x", ylabel="f(x)")
        ax.axhline(0, color=INK, linewidth=1)
        ax.axvline(0, color=INK, linewidth=1)

    return draw


for _fn in ("relu", "sigmoid", "tanh"):
    figure(f"activation-{_fn}")(_activation(_fn))


@figure("softmax-vs-sigmoid", size=(8.0, 3.2))
def _softmax_vs_sigmoid(fig: Figure) -> None:
    """The same logits through sigmoid (A) and softmax (B): only B sums to 1."""
    import torch

    classes = ["cat", "dog", "fox", "owl"]
    logits = _float64([2.0, 1.0, 0.1, -1.0])
    panels = [
        ("logits", logits, INK),
        ("A", torch.sigmoid(logits), GREEN),
        ("B", torch.softmax(logits, dim=0), BLUE),
    ]
    axes = fig.subplots(1, 3)
    for ax, (label, values, colour) in zip(axes, panels, strict=True):
        ax.bar(classes, values.numpy(), color=colour)
        _panel_label(ax, label)
        if label != "logits":
            ax.set_ylim(0, 1.05)


def _schedule_lrs(make: Callable[[Any], Any], steps: int, lr: float = 0.1) -> list[float]:
    """The learning rate torch's scheduler gives at each step of a dummy SGD run."""
    import torch

    param = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([param], lr=lr)
    scheduler = make(optimizer)
    lrs = []
    for _ in range(steps):
        lrs.append(float(optimizer.param_groups[0]["lr"]))
        optimizer.step()  # before the scheduler's step, as torch requires
        scheduler.step()
    return lrs


def _plot_schedule(fig: Figure, lrs: list[float], xlabel: str) -> None:
    ax = fig.add_subplot()
    ax.plot(range(len(lrs)), lrs, color=ORANGE)
    ax.set(xlabel=xlabel, ylabel="learning rate", ylim=(0, 0.11), xlim=(0, len(lrs)))


@figure("lr-step-decay")
def _lr_step_decay(fig: Figure) -> None:
    """torch.optim.lr_scheduler.StepLR: halve the rate every 20 epochs."""
    from torch.optim.lr_scheduler import StepLR

    _plot_schedule(fig, _schedule_lrs(lambda opt: StepLR(opt, step_size=20, gamma=0.5), 100), "epoch")


@figure("lr-warm-restarts")
def _lr_warm_restarts(fig: Figure) -> None:
    """torch.optim.lr_scheduler.CosineAnnealingWarmRestarts: cosine cycles of 10, 20, 40, 80 epochs."""
    from torch.optim.lr_scheduler import CosineAnnealingWarmRestarts

    def make(opt: Any) -> Any:
        return CosineAnnealingWarmRestarts(opt, T_0=10, T_mult=2, eta_min=0.002)

    _plot_schedule(fig, _schedule_lrs(make, 150), "epoch")


@figure("lr-one-cycle")
def _lr_one_cycle(fig: Figure) -> None:
    """torch.optim.lr_scheduler.OneCycleLR: warm up to max_lr, then anneal far below the start."""
    from torch.optim.lr_scheduler import OneCycleLR

    _plot_schedule(fig, _schedule_lrs(lambda opt: OneCycleLR(opt, max_lr=0.1, total_steps=200), 200), "batch")


@dataclass(frozen=True)
class _Regression:
    """A two-parameter linear regression: its data and the loss surface over (w, b)."""

    x: Any
    y: Any
    start: tuple[float, float] = (-1.5, 3.0)


def _regression(n: int, seed: int) -> _Regression:
    import torch

    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, generator=g, dtype=torch.float64)
    y = 2.0 * x + 1.0 + 0.8 * torch.randn(n, generator=g, dtype=torch.float64)
    return _Regression(x, y)


def _sgd_path(data: _Regression, batch_size: int, epochs: int, lr: float, seed: int) -> Any:
    """(w, b) after every update of torch.optim.SGD on the MSE, shuffled mini-batches."""
    import torch
    import torch.nn.functional as F

    g = torch.Generator().manual_seed(seed)
    params = torch.tensor(data.start, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([params], lr=lr)
    path = [params.detach().clone()]
    for _ in range(epochs):
        order = torch.randperm(len(data.x), generator=g)
        for batch in order.view(-1, batch_size):  # every batch size here divides n
            optimizer.zero_grad()
            torch.autograd.backward(F.mse_loss(params[0] * data.x[batch] + params[1], data.y[batch]))
            optimizer.step()
            path.append(params.detach().clone())
    return torch.stack(path)


def _loss_panel(ax: Axes, data: _Regression, path: Any, label: str) -> None:
    import torch

    w, b = torch.meshgrid(
        torch.linspace(-2.5, 4.0, 121, dtype=torch.float64),
        torch.linspace(-1.0, 4.0, 101, dtype=torch.float64),
        indexing="xy",
    )
    loss = ((w[..., None] * data.x + b[..., None] - data.y) ** 2).mean(-1)
    ax.contour(w.numpy(), b.numpy(), loss.log().numpy(), levels=12, colors=INK, linewidths=0.8, alpha=0.6)
    ax.plot(path[:, 0].numpy(), path[:, 1].numpy(), color=RED, linewidth=1.5, marker="o", markersize=3)
    best = torch.linalg.lstsq(torch.stack([data.x, torch.ones_like(data.x)], 1), data.y[:, None]).solution
    ax.plot([best[0].item()], [best[1].item()], marker="*", markersize=14, color=BLUE, linestyle="none")
    ax.set(xlabel="w", ylabel="b", xticks=[], yticks=[], xlim=(-2.5, 4.0), ylim=(-1.0, 4.0))
    ax.grid(False)
    _panel_label(ax, label)


def _gd_panels(fig: Figure, n: int, runs: list[tuple[str, int]], epochs: int, lr: float) -> None:
    data = _regression(n, seed=7)
    axes = fig.subplots(1, len(runs))
    for ax, (label, batch_size) in zip(axes, runs, strict=True):
        _loss_panel(ax, data, _sgd_path(data, batch_size, epochs, lr, seed=11), label)
    fig.supxlabel(f"{epochs} epochs of SGD each, same data and learning rate; the star is the minimum", fontsize=10)


@figure("gd-variants", size=(9.0, 3.4))
def _gd_variants(fig: Figure) -> None:
    """Mini-batch (A, 16), online (B, 1) and batch (C, all 64) gradient descent, three epochs each."""
    _gd_panels(fig, 64, [("A", 16), ("B", 1), ("C", 64)], epochs=3, lr=0.08)


@figure("batch-size-noise", size=(6.5, 3.4))
def _batch_size_noise(fig: Figure) -> None:
    """Batch size 512 (A) against 4 (B) on 1024 samples: few updates against many noisy ones."""
    _gd_panels(fig, 1024, [("A", 512), ("B", 4)], epochs=2, lr=0.1)


@figure("feature-scaling", size=(6.5, 5.0))
def _feature_scaling(fig: Figure) -> None:
    """Skewed raw data; min-max to [0, 1] (A); to [-1, 1] (B); standardized (C)."""
    import torch

    g = torch.Generator().manual_seed(3)
    x = 40.0 + 25.0 * torch.exp(0.35 * torch.randn(300, generator=g, dtype=torch.float64))
    span = x.max() - x.min()
    rows = [
        ("raw", x),
        ("A", (x - x.min()) / span),
        ("B", 2 * (x - x.min()) / span - 1),
        ("C", (x - x.mean()) / x.std()),
    ]
    axes = fig.subplots(len(rows), 1)
    for ax, (label, values) in zip(axes, rows, strict=True):
        ax.hist(values.numpy(), bins=30, color=BLUE if label != "raw" else INK)
        ax.set_yticks([])
        ax.set_ylabel(label, rotation=0, fontweight="bold", ha="right", va="center")
        if label == "C":
            ax.axvline(0, color=RED, linewidth=1.5)


@figure("dropout", size=(6.0, 3.6))
def _dropout(fig: Figure) -> None:
    """One training step of nn.Dropout(p=0.5) on two hidden layers: dropped units crossed out."""
    import torch

    sizes = [3, 8, 8, 2]
    with torch.random.fork_rng():
        torch.manual_seed(8)  # a seed whose masks keep 4 of 8 units in both layers
        dropout = torch.nn.Dropout(p=0.5).train()
        kept = [torch.ones(n, dtype=torch.float64) for n in sizes[:1]]
        kept += [dropout(torch.ones(n, dtype=torch.float64)) > 0 for n in sizes[1:-1]]
        kept += [torch.ones(sizes[-1], dtype=torch.float64)]
    ax = fig.add_subplot()
    ax.set_axis_off()
    ys = [[(i - (n - 1) / 2) for i in range(n)] for n in sizes]
    for layer in range(len(sizes) - 1):
        for i, y0 in enumerate(ys[layer]):
            for j, y1 in enumerate(ys[layer + 1]):
                if bool(kept[layer][i]) and bool(kept[layer + 1][j]):
                    ax.plot([layer, layer + 1], [y0, y1], color=INK, linewidth=0.7, alpha=0.6)
    for layer, column in enumerate(ys):
        for i, y in enumerate(column):
            on = bool(kept[layer][i])
            ax.plot(
                [layer],
                [y],
                marker="o",
                markersize=13,
                linestyle="none",
                color=BLUE if on else INK,
                markerfacecolor=BLUE if on else "none",
            )
            if not on:
                ax.plot([layer], [y], marker="x", markersize=9, color=RED, linestyle="none", markeredgewidth=2)
