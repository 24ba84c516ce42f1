"""Temperature conversion, computed by another route than the card's formula."""

from __future__ import annotations

import torch
from torch import Tensor

from dlflash.verify.registry import reference


@reference("celsius_to_fahrenheit", inputs={"c": "real[n]"}, example="c * 1.8 + 32")
def celsius_to_fahrenheit(c: Tensor) -> Tensor:
    """Kelvin first, then Fahrenheit: (c + 273.15) * 9/5 - 459.67."""
    return torch.sub((c + 273.15) * 9 / 5, 459.67)
