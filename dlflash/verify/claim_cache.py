"""Verify stage: API claims verified once per torch version, their verdicts read from build/cache after that."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dlflash.cache import Cache, versions
from dlflash.model import ApiClaim, Card
from dlflash.verify.claims import ClaimResult, Status

CLAIM_CACHE = "api-claims"


def cached_claims(cache: Cache, cards: Sequence[Card]) -> list[ClaimResult]:
    """``verify_api(cards)``, each claim's verdict from the cache when it was checked against this torch."""
    keyed = [(cache.key(CLAIM_CACHE, card.id, claim, versions("torch")), card, claim)
             for card in cards for claim in card.api]
    old = cache.table(CLAIM_CACHE, CLAIM_CACHE)
    results = []
    for key, card, claim in keyed:
        result = _decode(old.get(key), card, claim)
        if result is None:
            from dlflash.verify.api import check_claim  # torch: only for a claim not in the cache

            result = check_claim(card.id, claim)
        results.append(result)
    entries = {key: _encode(result) for (key, _card, _claim), result in zip(keyed, results, strict=True)}
    cache.save(CLAIM_CACHE, CLAIM_CACHE, entries, old)
    return results


def _encode(result: ClaimResult) -> dict[str, Any]:
    return {"status": result.status, "checked": result.checked, "failure": result.failure,
            "unchecked": list(result.unchecked)}


def _decode(value: Any, card: Card, claim: ApiClaim) -> ClaimResult | None:
    if not isinstance(value, dict) or value.get("status") not in ("ok", "FAIL", "unchecked"):
        return None
    try:
        status: Status = value["status"]
        unchecked = tuple(str(u) for u in value["unchecked"])
        return ClaimResult(card.id, claim, status, str(value["checked"]), str(value["failure"]), unchecked)
    except (KeyError, TypeError):
        return None
