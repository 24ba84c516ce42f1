"""The three note types: frozen identities, changeable looks.

Anki matches a note type on its id and then on its field and template names;
any change to those makes it create a second note type and stop updating the
user's notes (ankitects/anki ``rslib/src/notetype/merge.rs``: genanki writes no field
ids, so names are what the schema check falls back on). So ids, field names and order, and template
names below are constants that must never change. The HTML of the templates
and the CSS may change freely: the ledger gives the note type a newer mtime and
Anki's importer then takes the new look.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import genanki
from pygments.formatters import HtmlFormatter

from dlflash.model import CardType

# Frozen: chosen at random once (genanki's advice), never to be changed.
BASIC_ID = 1612857733
REVERSIBLE_ID = 1132513735
CLOZE_ID = 1371048604

FRONT_BACK_FIELDS = ("Front", "Back", "Extra", "Context", "Source")
CLOZE_FIELDS = ("Text", "Extra", "Context", "Source")

_CONTEXT = '<div class="context">{{Context}}</div>'
# The Source field ("dlflash · <card id> · notes: <fact ids>") is bookkeeping for `dlflash retired`
# and the Anki browser's search; the learner reads where a card comes from in the context line (the
# section of the notes), so no template shows it.
_EXTRA = '{{#Extra}}<div class="extra">{{Extra}}</div>{{/Extra}}'
# A reversible note pairs two names of one thing (an acronym and its expansion, a loss and its
# other name); either side alone is no question, so both directions ask for the other name.
_CUE = '<div class="cue">What is its other name?</div>'


@dataclass(frozen=True)
class NoteTypeSpec:
    """One note type: what is frozen (id, name, fields, template names) and its HTML."""

    card_type: CardType
    model_id: int
    name: str
    fields: tuple[str, ...]
    templates: tuple[tuple[str, str, str], ...]  # (frozen name, question HTML, answer HTML)
    cloze: bool = False


NOTE_TYPES: dict[CardType, NoteTypeSpec] = {
    "basic": NoteTypeSpec(
        "basic",
        BASIC_ID,
        "dlflash Basic",
        FRONT_BACK_FIELDS,
        (
            (
                "Card 1",
                f'{_CONTEXT}<div class="prompt">{{{{Front}}}}</div>',
                '{{FrontSide}}<hr id="answer"><div class="answer">{{Back}}</div>' + _EXTRA,
            ),
        ),
    ),
    "reversible": NoteTypeSpec(
        "reversible",
        REVERSIBLE_ID,
        "dlflash Reversible",
        FRONT_BACK_FIELDS,
        (
            (
                "Forward",
                f'{_CONTEXT}<div class="prompt">{{{{Front}}}}</div>{_CUE}',
                '{{FrontSide}}<hr id="answer"><div class="answer">{{Back}}</div>' + _EXTRA,
            ),
            (
                "Reverse",
                f'{_CONTEXT}<div class="prompt">{{{{Back}}}}</div>{_CUE}',
                '{{FrontSide}}<hr id="answer"><div class="answer">{{Front}}</div>' + _EXTRA,
            ),
        ),
    ),
    "cloze": NoteTypeSpec(
        "cloze",
        CLOZE_ID,
        "dlflash Cloze",
        CLOZE_FIELDS,
        (
            (
                "Cloze",
                f'{_CONTEXT}<div class="prompt">{{{{cloze:Text}}}}</div>',
                f'{_CONTEXT}<div class="prompt">{{{{cloze:Text}}}}</div>' + _EXTRA,
            ),
        ),
        cloze=True,
    ),
}


@cache
def deck_css() -> str:
    """The note types' CSS: our stylesheet plus Pygments' classes for day and night."""
    base = resources.files("dlflash.anki").joinpath("deck.css").read_text("utf-8")
    # types-Pygments leaves get_style_defs untyped; it returns the CSS text
    day = HtmlFormatter(style="default").get_style_defs(".card .highlight")  # type: ignore[no-untyped-call]
    night = HtmlFormatter(style="monokai").get_style_defs(  # type: ignore[no-untyped-call]
        [".nightMode .highlight", ".night_mode .highlight"]
    )
    return f"{base}\n/* code, day */\n{day}\n/* code, night */\n{night}\n"


def genanki_model(spec: NoteTypeSpec) -> genanki.Model:
    """A fresh genanki Model for one note type (genanki mutates what it is given)."""
    return genanki.Model(
        spec.model_id,
        spec.name,
        fields=[{"name": name} for name in spec.fields],
        templates=[{"name": n, "qfmt": q, "afmt": a} for n, q, a in spec.templates],
        css=deck_css(),
        model_type=genanki.Model.CLOZE if spec.cloze else genanki.Model.FRONT_BACK,
    )


# Anki's search for every card of our note types: the deck's cards wherever the learner moved them
OUR_CARDS_SEARCH = "(" + " OR ".join(f"mid:{spec.model_id}" for spec in NOTE_TYPES.values()) + ")"
