"""Note identity: a card's GUID comes from its id alone, never from its content.

A typo fix therefore updates the note in Anki and keeps its reviews. A renamed
card lists its former ids in ``aliases``, oldest first; the oldest is its
identity, so the GUID survives any number of renames.
"""

from __future__ import annotations

import genanki

from dlflash.model import Card

NAMESPACE = "dlflash"


def identity_id(card: Card) -> str:
    """The id the card's GUID derives from: its first alias, or its own id."""
    return card.aliases[0] if card.aliases else card.id


def note_guid(card: Card) -> str:
    return guid_for_id(identity_id(card))


def guid_for_id(card_id: str) -> str:
    """The GUID of a card id (also used to find notes of retired ids)."""
    return str(genanki.guid_for(NAMESPACE, card_id))
