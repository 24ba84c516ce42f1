"""Editing card files in tests the way a maintainer would: load the YAML, change it, write it back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

CardFileChange = Callable[[dict[str, Any]], None]


def edit_card_file(path: Path, change: CardFileChange) -> None:
    data = yaml.safe_load(path.read_text("utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000), "utf-8")


def edit_basics(cards: Path, change: CardFileChange) -> None:
    edit_card_file(cards / "01-basics.yaml", change)
