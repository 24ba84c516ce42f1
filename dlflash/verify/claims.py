"""Verify stage: the API claims of a deck and the verdict on one, without torch.

Apart from ``verify/api.py`` (which imports torch to check them) so that a cached
verdict (``verify/claim_cache.py``) is read back without importing torch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from dlflash.model import ApiClaim, Card, CardSet

Status = Literal["ok", "FAIL", "unchecked"]


@dataclass(frozen=True)
class ClaimResult:
    """One api claim against torch: ``status``, how it was checked, and what differs."""

    card_id: str
    claim: ApiClaim
    status: Status
    checked: str  # e.g. "resolves; momentum (signature)"
    failure: str = ""  # the first wrong default or value, or why the name does not resolve
    unchecked: tuple[str, ...] = ()  # defaults that could not be checked, with why

    @property
    def passed(self) -> bool:
        return self.status != "FAIL"


def api_cards(cards: CardSet, ids: Iterable[str] = ()) -> list[Card]:
    wanted = set(ids)
    return [c for c in cards.cards if c.api and (not wanted or c.id in wanted)]
