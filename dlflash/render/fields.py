"""Stage: cards to note fields (HTML), tags and decks — what Anki will store.

Everything a note shows is derived from the card's own content and the facts
it covers, never from where the card sits (its file or line), so moving or
reordering cards leaves their notes untouched in Anki.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlflash.anki.guids import note_guid
from dlflash.anki.notetypes import NOTE_TYPES
from dlflash.anki.tags import TAG_ROOT
from dlflash.cache import TEXT_LIBRARIES, Cache, versions
from dlflash.config import Project
from dlflash.errors import ProblemsError
from dlflash.model import Card, CardFile, CardSet, Fact, Problem, RenderedNote
from dlflash.render.figures import card_figures
from dlflash.sources.facts import load_facts
from dlflash.sources.files import present
from dlflash.sources.headings import load_headings
from dlflash.text.cardtext import parse_cloze
from dlflash.text.markdown import to_html

_LEADING_NUMBER = re.compile(r"^\s*\d+\.\s*")
CONTEXT_SEPARATOR = " \u203a "  # a single right-pointing angle quotation mark
RENDER_CACHE = "notes"
FILE_KEY = "file:"  # the entry listing a whole file's card keys
# Sources are bounded (MAX_FIELD_CHARS) but Markdown can amplify them: a 20 KB card of reference
# links once rendered a 10.5 MB field. Real fields stay far below this.
MAX_RENDERED_CHARS = 100_000


def render_deck(
    project: Project,
    cards: CardSet,
    figures: Mapping[str, str] | None = None,
    facts: Mapping[str, Fact] | None = None,
    headings: Mapping[str, str] | None = None,
) -> tuple[RenderedNote, ...]:
    """Render every card of the deck, in deck order; ``figures`` maps figure names to file names.

    ``facts`` and ``headings`` are the notes' facts by id and their headings' display names, as
    ``dlflash.deck.Deck`` holds them; without them they are read from the project's files.

    A card whose note was rendered before from the same inputs is read from the cache
    (one table per card file): the card's content, its deck, its context line and its
    figures' file names, with the code and the Markdown libraries' versions. A file whose
    text, deck, notes and figures are all unchanged is found by one key for all its cards.
    The cards left to render are rendered in parallel when there are many (``render_missing``).
    """
    if facts is None or headings is None:
        facts, headings = notes_headings(project)
    shown = figures or {}
    cache = Cache.for_cards(project.cards_dir)
    libraries = versions(*TEXT_LIBRARIES)
    # everything besides a file's own text that its notes may depend on, hashed once for all files
    around = cache.key(RENDER_CACHE, sorted(facts.values(), key=lambda f: f.id), dict(headings), dict(shown), libraries)
    plans: list[_FilePlan] = []
    missing: list[tuple[Card, str]] = []
    for card_file in cards.files:
        old = cache.table(RENDER_CACHE, Path(card_file.path).name)
        deck_name = project.deck_of(card_file)
        whole = FILE_KEY + cache.key(RENDER_CACHE, card_file.path, card_file.text_sha256, deck_name, around)
        unchanged = _unchanged_file(old, whole, card_file, deck_name) if card_file.text_sha256 else None
        if unchanged is not None:
            plans.append(_FilePlan(card_file, deck_name, old, whole, (), unchanged))
            continue
        keys = []
        for card in card_file.cards:
            own = {name: shown[name] for name in card_figures(card) if name in shown}
            key = cache.key(RENDER_CACHE, card, deck_name, _context(card, facts, headings), own, libraries)
            keys.append(key)
            if not _readable(old.get(key), card, deck_name):
                missing.append((card, deck_name))
        plans.append(_FilePlan(card_file, deck_name, old, whole, tuple(keys), None))
    rendered = render_missing(missing, facts, shown, headings)
    notes: list[RenderedNote] = []
    problems: list[Problem] = []
    for plan in plans:
        if plan.unchanged is not None:
            notes.extend(plan.unchanged)
            continue
        entries: dict[str, Any] = {}
        failed = False
        for card, key in zip(plan.card_file.cards, plan.keys, strict=True):
            result = rendered[card.id] if card.id in rendered else plan.old[key]
            if isinstance(result, tuple):  # every card that cannot render is reported at once
                problems.extend(result)
                failed = True
                continue
            entries[key] = result
            notes.append(_decode(result, card, plan.deck_name))
        if plan.card_file.text_sha256 and not failed:
            entries[plan.whole] = list(plan.keys)  # the cards' keys, in file order
        cache.save(RENDER_CACHE, Path(plan.card_file.path).name, entries, plan.old)
    if problems:
        raise ProblemsError(problems)
    return tuple(notes)


@dataclass(frozen=True)
class _FilePlan:
    """One card file's part of a render: its notes read whole from the cache, or its cards' keys."""

    card_file: CardFile
    deck_name: str
    old: dict[str, Any]
    whole: str
    keys: tuple[str, ...]
    unchanged: list[RenderedNote] | None


def _readable(value: Any, card: Card, deck_name: str) -> bool:
    """Whether a cache entry decodes to a note (one of the wrong shape is rendered afresh)."""
    if value is None:
        return False
    try:
        _decode(value, card, deck_name)
    except (KeyError, TypeError, ValueError):
        return False
    return True


# Rendering this many cards or more is split between processes: a cold 10,000-card deck spends
# seconds in markdown-it and Pygments, which hold the GIL; below this, starting them costs more.
PARALLEL_MIN_CARDS = 2_000


def render_missing(
    missing: Sequence[tuple[Card, str]],
    facts: Mapping[str, Fact],
    figures: Mapping[str, str],
    headings: Mapping[str, str],
    workers: int | None = None,
) -> dict[str, dict[str, Any] | tuple[Problem, ...]]:
    """Card id -> its encoded note (or the problems that stop it), the same whether run here or split.

    Split between processes started by multiprocessing's spawn: a program that imports dlflash
    and renders a large deck must guard its entry point (``if __name__ == "__main__":``), as
    spawn requires; the ``dlflash`` command does.
    """
    count = workers if workers is not None else min(os.cpu_count() or 1, 8)
    if count < 2 or len(missing) < (PARALLEL_MIN_CARDS if workers is None else 2):
        return _render_chunk(list(missing), facts, figures, headings)
    chunks = [list(missing[i::count]) for i in range(count)]
    # spawn, not fork: the process may hold torch's threads by now, and a fork keeps their locks held
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        parts = pool.map(_render_chunk, chunks, *([facts] * count, [figures] * count, [headings] * count))
        return {card_id: value for part in parts for card_id, value in part.items()}


def _render_chunk(
    cards: list[tuple[Card, str]], facts: Mapping[str, Fact], figures: Mapping[str, str], headings: Mapping[str, str]
) -> dict[str, dict[str, Any] | tuple[Problem, ...]]:
    done: dict[str, dict[str, Any] | tuple[Problem, ...]] = {}
    for card, deck_name in cards:
        try:
            done[card.id] = _encode(render_card(card, deck_name, facts, figures, headings))
        except ProblemsError as exc:  # plain problems cross a process boundary; the exception would not
            done[card.id] = exc.problems
    return done


def _unchanged_file(
    old: Mapping[str, Any], whole: str, card_file: CardFile, deck_name: str
) -> list[RenderedNote] | None:
    """The file's notes from the cache by its one key, or None (a miss, or an entry of the wrong shape)."""
    keys = old.get(whole)
    if not isinstance(keys, list) or len(keys) != len(card_file.cards):
        return None
    try:
        return [_decode(old[key], card, deck_name) for key, card in zip(keys, card_file.cards, strict=True)]
    except (KeyError, TypeError, ValueError):
        return None


def _encode(note: RenderedNote) -> dict[str, Any]:
    """What a note adds to its card: the rest (id, type, source, deck) comes from the card when read back."""
    return {"guid": note.guid, "fields": list(note.fields), "tags": list(note.tags), "media": list(note.media)}


def _decode(value: dict[str, Any], card: Card, deck_name: str) -> RenderedNote:
    parts = {name: tuple(str(v) for v in value[name]) for name in ("fields", "tags", "media")}
    return RenderedNote(
        card.id, str(value["guid"]), card.source, card.type, deck_name, parts["fields"], parts["tags"], parts["media"]
    )


def notes_headings(project: Project) -> tuple[dict[str, Fact], Mapping[str, str]]:
    """The notes' facts by id and the display names of their headings (``cards/headings.yaml``)."""
    notes = project.cheatsheet
    facts = {f.id: f for f in load_facts(notes, project.section_ids)} if present(notes) else {}
    return facts, load_headings(project.headings_file, facts.values())


def render_card(
    card: Card,
    deck_name: str,
    facts: Mapping[str, Fact],
    figures: Mapping[str, str] | None = None,
    headings: Mapping[str, str] | None = None,
) -> RenderedNote:
    """One card's note: fields in its note type's frozen order; its figures join its media.

    ``headings`` renames the notes' headings in the context line (``cards/headings.yaml``).
    """
    shown = figures or {}
    context = to_html(_context(card, facts, headings or {}))
    source = _source(card)
    if card.type == "cloze":
        # the formula is the question: one deletion per line, numbered after the text's own
        first = max((d.number for d in parse_cloze(card.text).deletions), default=0) + 1
        formula, legend = _formula_html(card, cloze_from=first)
        text = _join(to_html(card.text, shown), formula)
        # the legend explains the answer's notation, so it waits for the answer side
        extra = _join(to_html(card.extra, shown) if card.extra else "", legend)
        fields: tuple[str, ...] = (text, extra, context, source)
    else:
        back = _join(to_html(card.back, shown), *_formula_html(card))
        extra = to_html(card.extra, shown) if card.extra else ""
        fields = (to_html(card.front, shown), back, extra, context, source)
    too_long = [
        Problem(card.source, f"field {name} must render to at most {MAX_RENDERED_CHARS} characters, not {len(html)}",
                card.id)
        for name, html in zip(NOTE_TYPES[card.type].fields, fields, strict=True)
        if len(html) > MAX_RENDERED_CHARS
    ]
    if too_long:
        raise ProblemsError(too_long)
    figure_files = tuple(shown[name] for name in card_figures(card) if name in shown)
    return RenderedNote(
        card_id=card.id,
        guid=note_guid(card),
        source=card.source,
        note_type=card.type,
        deck_name=deck_name,
        fields=fields,
        tags=note_tags(card),
        media=card.media + figure_files,
    )


def note_tags(card: Card) -> tuple[str, ...]:
    """``dlflash::<section>::<tag>``: the section comes from the facts the card covers."""
    section = card.covers[0].split(".")[0] if card.covers else "unsorted"
    tags = {f"{TAG_ROOT}::{section}::{tag}" for tag in card.tags} or {f"{TAG_ROOT}::{section}"}
    return tuple(sorted(tags))


def _context(card: Card, facts: Mapping[str, Fact], headings: Mapping[str, str]) -> str:
    fact = next((facts[c] for c in card.covers if c in facts), None)
    if fact is None:
        return ""
    parts = (headings.get(part, part) for part in fact.heading_path if part)
    return CONTEXT_SEPARATOR.join(_LEADING_NUMBER.sub("", part) for part in parts)


def _source(card: Card) -> str:
    covers = ", ".join(card.covers)
    return f"dlflash · {card.id}" + (f" · notes: {covers}" if covers else "")


def _formula_html(card: Card, cloze_from: int | None = None) -> tuple[str, str]:
    """The formula as shown (LaTeX and/or code; LaTeX only when its lines are clozes) and its legend."""
    if card.formula is None:
        return "", ""
    # imported here: the formula stage is only needed by cards that have one
    from dlflash import formula as formulas

    parts = []
    legend: tuple[str, ...] = ()
    show = "latex" if cloze_from is not None else card.formula.option("show", "latex")
    if show in ("latex", "both"):
        display = formulas.formula_display(card.formula, card.id, cloze_from)
        parts.append(f'<div class="math formula">\\[{display.tex}\\]</div>')
        legend = display.legend
    if show in ("code", "both"):
        parts.append(to_html(f"```python\n{formulas.formula_code(card.formula)}\n```"))
    # what the formula's non-standard notation means, one line each, under it
    legend_html = f'<div class="legend">{to_html(chr(10).join(f"- {line}" for line in legend))}</div>' if legend else ""
    return "\n".join(parts), legend_html


def _join(*parts: str) -> str:
    return "\n".join(p for p in parts if p)
