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

import re
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
from dlflash.sources.cards import ID_RE
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
    """The committed list; each id checked like a card id (it goes into an Anki search) and listed once."""
    if not present(path):
        return ()
    try:
        data = yaml.safe_load(read_source_text(path)) or []
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as exc:
        raise _unreadable(path, str(exc)) from exc
    if not isinstance(data, list):
        raise _unreadable(path, f"it must be a list of {{id, guid}} entries, not {type(data).__name__}")
    problems, entries, seen = [], [], set()
    for number, item in enumerate(data, 1):
        if not isinstance(item, dict) or set(item) != {"id", "guid"}:
            problems.append(f"entry {number} must have exactly 'id' and 'guid': {item!r}"[:200])
            continue
        card_id, guid = item["id"], item["guid"]
        if not isinstance(card_id, str) or not ID_RE.match(card_id):
            problems.append(f"entry {number}: 'id' must be a card id in kebab-case: {card_id!r}")
        elif card_id in seen:
            problems.append(f"entry {number}: each id must be listed once, {card_id!r} is listed again")
        elif not isinstance(guid, str) or guid != guid_for_id(card_id):
            want = guid_for_id(card_id)
            problems.append(f"entry {number}: 'guid' must be the GUID of {card_id!r}, {want!r}: {guid!r}")
        else:
            seen.add(card_id)
            entries.append(RetiredCard(card_id, guid))
    if problems:
        raise _unreadable(path, "; ".join(problems))
    return tuple(entries)


def _unreadable(path: Path, why: str) -> DlflashError:
    return DlflashError(f"{path}: retired list is not readable ({why}); restore it from git")


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
    # ids are checked as kebab-case on reading; escaped anyway, so that no id can widen the search
    alternatives = "|".join(_search_escape(re.escape(i)) for i in ids)
    return f'"{SOURCE_FIELD}:re:^{SOURCE_PREFIX}({alternatives})({SOURCE_SEPARATOR}|$)"'


def _search_escape(text: str) -> str:
    """Regex text for inside a quoted Anki ``re:`` search: Anki hands backslashes to the regex, ends at a quote."""
    return text.replace('"', '\\"')
