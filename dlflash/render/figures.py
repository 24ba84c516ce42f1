"""Stage: figures — pictures computed with torch and drawn with matplotlib for cards to show.

A card shows a figure by name, ``![alt](figure:NAME)``; the drawings are the
project's (the module its ``[tool.dlflash] figures`` setting names, which
registers each with ``@figure``), the mechanism is here. The build draws
only the figures some card uses and ships each under a bare, content-hashed
file name (``dlflash-NAME-3f2a9c1e.png``): a changed picture gets a new
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
from dlflash.config import Project
from dlflash.content import collect, import_content, record
from dlflash.fileio import write_atomic
from dlflash.messages import did_you_mean
from dlflash.model import Card, CardSet, Problem
from dlflash.registry import Registry
from dlflash.text.markdown import figure_refs

if TYPE_CHECKING:
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


def figure(name: str, size: tuple[float, float] = (6.0, 3.4)) -> Callable[[Draw], Draw]:
    """Register a drawing function under a permanent name (cards refer to it)."""

    def register(draw: Draw) -> Draw:
        record(draw, "figure", name, FigureSpec(name, draw, size))
        return draw

    return register


def load_figures(project: Project) -> Registry[FigureSpec]:
    """The figures of the project's ``figures`` module (imported once), by name; none without the setting."""
    if project.figures is None:
        return Registry("figure")
    return collect(import_content(project.figures), "figure")


def figure_png(spec: FigureSpec) -> bytes:
    """The PNG bytes of one figure, the same on every run."""
    import matplotlib
    import matplotlib.style
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

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


def render_figures(
    figures: Mapping[str, FigureSpec], out_dir: Path, names: Iterable[str] | None = None, cache: Cache = NO_CACHE
) -> dict[str, Path]:
    """Draw the named ``figures`` (all by default) into ``out_dir``: name -> file with a hashed bare name.

    A figure drawn before by the same drawing code (its module's source), at the same
    size, with the same matplotlib, numpy and torch, is read from the cache: no import of either.
    """
    wanted = sorted(set(figures if names is None else names))
    libraries = versions(*FIGURE_LIBRARIES)
    keys = {cache.key(FIGURE_CACHE, name, _drawing_digest(figures[name]), libraries): name for name in wanted}
    pngs = cache.lookup(FIGURE_CACHE, FIGURE_CACHE, {key: partial(_png_text, figures[n]) for key, n in keys.items()})
    result: dict[str, Path] = {}
    for key, name in keys.items():
        png = base64.b64decode(pngs[key], validate=True)
        path = out_dir / file_name(name, png)
        write_atomic(path, png)
        result[name] = path
    return result


def _png_text(spec: FigureSpec) -> str:
    return base64.b64encode(figure_png(spec)).decode("ascii")


def _drawing_digest(spec: FigureSpec) -> str:
    """The figure's size and the source of the module its drawing function is written in."""
    path = inspect.getsourcefile(spec.draw)
    source = Path(path).read_bytes() if path else b""
    return hashlib.sha256(repr(spec.size).encode() + b"\0" + source).hexdigest()


def card_figures(card: Card) -> tuple[str, ...]:
    """The figure names a card's text refers to, in field order, each once."""
    names = (name for text in (card.front, card.back, card.text, card.extra) for name in figure_refs(text))
    return tuple(dict.fromkeys(names))


def used_figures(cards: CardSet) -> tuple[str, ...]:
    return tuple(sorted({name for card in cards.cards for name in card_figures(card)}))


def figure_problems(figures: Mapping[str, FigureSpec], cards: CardSet) -> Iterator[Problem]:
    """Every ``figure:NAME`` must name one of the project's ``figures``."""
    known = sorted(figures)
    for card in cards.cards:
        for name in card_figures(card):
            if name not in figures:
                hint = did_you_mean(name, known)
                yield Problem(card.source, f"figure must be one of the project's figures: {name!r}{hint}", card.id)


def figure_names(files: Mapping[str, Path]) -> dict[str, str]:
    """Figure name -> bare file name, what ``render`` puts in ``<img src>``."""
    return {name: path.name for name, path in files.items()}
