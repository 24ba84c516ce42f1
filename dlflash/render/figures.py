"""Stage: figures — pictures computed with torch and drawn with matplotlib for cards to show.

A card shows a figure by name, ``![alt](figure:lr-one-cycle)``. The build draws
only the figures some card uses and ships each under a bare, content-hashed
file name (``dlflash-lr-one-cycle-3f2a9c1e.png``): a changed picture gets a new
name, so the note's field changes and Anki takes the new note and file.

The bytes are reproducible: matplotlib's defaults rather than any local
matplotlibrc, the DejaVu fonts matplotlib ships, a fixed size and dpi, no
"Software" text chunk, and seeded float64 data.

Night mode: a figure has a transparent background and draws only in mid-tone
colours, each at least 3:1 against both the day and the night card background
(checked by the tests), so one image reads in both modes.

torch and matplotlib are imported inside the functions that need them: they
take about two seconds to import, and checking a figure name needs neither.
"""

from __future__ import annotations

import base64
import hashlib
import inspect
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dlflash.cache import NO_CACHE, Cache, versions
from dlflash.errors import ProblemsError
from dlflash.fileio import write_atomic
from dlflash.model import Card, CardSet, Problem
from dlflash.sources.cards import did_you_mean
from dlflash.text.markdown import figure_refs

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

DPI = 150
FIGURE_CACHE = "figures"
FIGURE_LIBRARIES = ("matplotlib", "numpy", "torch")
HASH_CHARS = 8
# the backgrounds of deck.css, day and night, that every colour must contrast with
DAY_BACKGROUND = "#fdfdfd"
NIGHT_BACKGROUND = "#1c1c1e"
INK = "#808084"  # axes, ticks and text
BLUE = "#3d7fd9"
RED = "#dc4a3d"
GREEN = "#2e9e57"
ORANGE = "#cf7512"
PALETTE = (BLUE, RED, GREEN, ORANGE)
STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 12,
    "text.color": INK,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "axes.titlecolor": INK,
    "axes.titleweight": "bold",
    "axes.grid": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "grid.color": INK,
    "grid.alpha": 0.3,
    "xtick.color": INK,
    "ytick.color": INK,
    "lines.linewidth": 2.5,
    "savefig.transparent": True,
}

Draw = Callable[["Figure"], None]


@dataclass(frozen=True)
class FigureSpec:
    """One named figure: how to draw it and at which size (inches)."""

    name: str
    draw: Draw
    size: tuple[float, float]


FIGURES: dict[str, FigureSpec] = {}


def figure(name: str, size: tuple[float, float] = (6.0, 3.4)) -> Callable[[Draw], Draw]:
    """Register a drawing function under a permanent name (cards refer to it)."""

    def register(draw: Draw) -> Draw:
        if name in FIGURES:
            raise ValueError(f"figure {name!r} is registered twice")
        FIGURES[name] = FigureSpec(name, draw, size)
        return draw

    return register


def figure_png(name: str) -> bytes:
    """The PNG bytes of one figure, the same on every run."""
    import matplotlib
    import matplotlib.style
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    spec = FIGURES[name]
    # "default" first: matplotlib's own defaults, not a local matplotlibrc
    with matplotlib.style.context(["default", STYLE]):
        fig = Figure(figsize=spec.size, dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        spec.draw(fig)
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def file_name(name: str, png: bytes) -> str:
    return f"dlflash-{name}-{hashlib.sha256(png).hexdigest()[:HASH_CHARS]}.png"


def render_figures(out_dir: Path, names: Iterable[str] | None = None, cache: Cache = NO_CACHE) -> dict[str, Path]:
    """Draw the named figures (all by default) into ``out_dir``: name -> file with a hashed bare name.

    A figure drawn before by the same drawing code (its module's source), at the same
    size, with the same matplotlib, numpy and torch, is read from the cache: no import of either.
    """
    wanted = sorted(set(FIGURES if names is None else names))
    keys = {cache.key(FIGURE_CACHE, name, _drawing_digest(name), versions(*FIGURE_LIBRARIES)): name for name in wanted}
    pngs = cache.lookup(FIGURE_CACHE, FIGURE_CACHE, {key: partial(_png_text, name) for key, name in keys.items()})
    result: dict[str, Path] = {}
    for key, name in keys.items():
        png = base64.b64decode(pngs[key], validate=True)
        path = out_dir / file_name(name, png)
        write_atomic(path, png)
        result[name] = path
    return result


def _png_text(name: str) -> str:
    return base64.b64encode(figure_png(name)).decode("ascii")


def _drawing_digest(name: str) -> str:
    """The figure's size and the source of the module its drawing function is written in."""
    spec = FIGURES[name]
    path = inspect.getsourcefile(spec.draw)
    source = Path(path).read_bytes() if path else b""
    return hashlib.sha256(repr(spec.size).encode() + b"\0" + source).hexdigest()


def card_figures(card: Card) -> tuple[str, ...]:
    """The figure names a card's text refers to, in field order, each once."""
    names = (name for text in (card.front, card.back, card.text, card.extra) for name in figure_refs(text))
    return tuple(dict.fromkeys(names))


def used_figures(cards: CardSet) -> tuple[str, ...]:
    return tuple(sorted({name for card in cards.cards for name in card_figures(card)}))


def figure_problems(cards: CardSet) -> Iterator[Problem]:
    """Every ``figure:NAME`` must name a registered figure."""
    known = sorted(FIGURES)
    for card in cards.cards:
        for name in card_figures(card):
            if name not in FIGURES:
                hint = did_you_mean(name, known)
                yield Problem(card.source, f"figure must be one of dlflash.render.figures: {name!r}{hint}", card.id)


def draw_card_figures(cards: CardSet, out_dir: Path, cache: Cache = NO_CACHE) -> dict[str, Path]:
    """Check every figure name the cards use, then draw those figures (none, or all cached: no torch import)."""
    problems = list(figure_problems(cards))
    if problems:
        raise ProblemsError(problems)
    return render_figures(out_dir, used_figures(cards), cache)


def figure_check(_project: object, cards: CardSet) -> Iterator[Problem]:
    """The ``dlflash check`` form of ``figure_problems``."""
    yield from figure_problems(cards)


def figure_names(files: Mapping[str, Path]) -> dict[str, str]:
    """Figure name -> bare file name, what ``render`` puts in ``<img src>``."""
    return {name: path.name for name, path in files.items()}


# --- the figures -------------------------------------------------------------


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
