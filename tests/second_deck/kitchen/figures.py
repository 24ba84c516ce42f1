"""The kitchen deck's one figure: common oven settings in both scales."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dlflash.render.figures import BLUE, figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@figure("oven-scale", size=(4.0, 2.5))
def oven_scale(fig: Figure) -> None:
    """Gas-mark-free oven settings: °C against °F."""
    celsius = [150, 180, 200, 220]
    ax = fig.add_subplot()
    ax.plot(celsius, [c * 9 / 5 + 32 for c in celsius], color=BLUE, marker="o")
    ax.set(xlabel="°C", ylabel="°F")
