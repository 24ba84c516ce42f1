"""The forecast as a picture: reviews and new cards per day, written to a PNG (``stats --plot``)."""

from __future__ import annotations

import io
from pathlib import Path

# a bare Figure draws with the Agg canvas: no display, no pyplot global state
from matplotlib.figure import Figure

from dlflash.fileio import write_atomic
from dlflash.report.forecast import Forecast


def write_forecast_plot(result: Forecast, out: Path) -> None:
    days = list(range(1, len(result.reviews) + 1))
    settings = result.settings
    fig = Figure(figsize=(8, 4), dpi=100)
    ax = fig.subplots()
    ax.bar(days, result.reviews, width=1.0, color="#4c72b0", label="reviews")
    ax.bar(days, result.new, width=1.0, bottom=result.reviews, color="#dd8452", label="new cards")
    ax.set_xlabel("day")
    ax.set_ylabel("cards per day")
    ax.set_title(
        f"FSRS forecast: {settings.cards} cards, {settings.new_per_day} new/day, "
        f"retention {settings.retention:.2f} (population defaults)"
    )
    ax.legend()
    buffer = io.BytesIO()
    # no Software/date metadata, so the same forecast gives the same bytes
    fig.savefig(buffer, format="png", metadata={"Software": None})
    write_atomic(out, buffer.getvalue())
