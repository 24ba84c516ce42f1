"""Retired cards: the committed list ``cards/retired.yaml`` and the search that finds their notes.

Anki's importer never deletes a note, so a card removed from the sources stays
in every collection that imported an earlier deck. ``dlflash build`` records
each removed id here (the ids the ledger knew, minus the ids and aliases still
built), so the removal is reviewed in git like any other change; ``dlflash
retired`` prints the Anki search that finds those notes for deletion by hand.
A card that comes back (same id, or its id as an alias) leaves the list.

Anki's search has no GUID term, so the search matches our ``Source`` field,
which starts with ``dlflash · <card id>`` (see ``render``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from dlflash.anki.guids import guid_for_id
from dlflash.anki.notetypes import FRONT_BACK_FIELDS
from dlflash.anki.tags import RETIRED_TAG
from dlflash.errors import DlflashError
from dlflash.fileio import write_atomic
from dlflash.model import CardSet
from dlflash.sources.files import present, read_source_text

SOURCE_FIELD = FRONT_BACK_FIELDS[-1]
SOURCE_PREFIX = "dlflash \u00b7 "
SOURCE_SEPARATOR = " \u00b7 "
RETIRED_TAG_SEARCH = f"tag:{RETIRED_TAG}"
HEADER = (
    "# Cards removed from the deck, written by `dlflash build`: commit it.\n"
    "# Their notes stay in collections that imported an older deck; `dlflash retired`\n"
    "# prints the Anki search that finds them.\n"
)


@dataclass(frozen=True)
class RetiredCard:
    id: str
    guid: str


def read_retired(path: Path) -> tuple[RetiredCard, ...]:
    if not present(path):
        return ()
    try:
        data = yaml.safe_load(read_source_text(path)) or []
        return tuple(RetiredCard(str(item["id"]), str(item["guid"])) for item in data)
    except (yaml.YAMLError, KeyError, TypeError) as exc:
        raise DlflashError(f"{path}: retired list is not readable ({exc}); restore it from git") from exc


def write_retired(path: Path, retired: Iterable[RetiredCard]) -> None:
    items = [{"id": r.id, "guid": r.guid} for r in retired]
    body = yaml.safe_dump(items, allow_unicode=True, sort_keys=False, default_flow_style=False) if items else "[]\n"
    write_atomic(path, (HEADER + body).encode("utf-8"))


def updated_retired(
    known: Iterable[RetiredCard], previous_ids: Iterable[str], cards: CardSet
) -> tuple[RetiredCard, ...]:
    """The list after a build: ``previous_ids`` (the ledger's) no longer built join it.

    The GUID recorded is that of the id itself; a removed card that had aliases
    had its first alias's GUID, which the ledger does not remember, so
    ``dlflash retired`` searches by card id, never by GUID.
    """
    alive = {c.id for c in cards.cards} | {a for c in cards.cards for a in c.aliases}
    kept = {r.id: r for r in known if r.id not in alive}
    for card_id in previous_ids:
        if card_id not in alive and card_id not in kept:
            kept[card_id] = RetiredCard(card_id, guid_for_id(card_id))
    return tuple(sorted(kept.values(), key=lambda r: r.id))


def record_retired(path: Path, previous_ids: Iterable[str], cards: CardSet) -> tuple[RetiredCard, ...]:
    """Update ``retired.yaml`` when the list changed (unchanged builds leave it alone)."""
    old = read_retired(path)
    new = updated_retired(old, previous_ids, cards)
    if new != old:
        write_retired(path, new)
    return new


def anki_search(retired: Iterable[RetiredCard]) -> str:
    """One Anki search (quoted, paste into the browser) for the notes of these cards."""
    ids = sorted(r.id for r in retired)
    if not ids:
        return ""
    # card ids are kebab-case ([a-z0-9-]), so they need no regex escaping
    alternatives = "|".join(ids)
    return f'"{SOURCE_FIELD}:re:^{SOURCE_PREFIX}({alternatives})({SOURCE_SEPARATOR}|$)"'
