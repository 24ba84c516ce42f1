"""Driving the real Anki backend (the `anki` package) the way a user's import does."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition, ImportResponse
from anki.scheduler.v3 import Scheduler as V3Scheduler

from dlflash.anki import collection as ankicol

IF_NEWER = ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER

if TYPE_CHECKING:
    from anki.cards import Card, CardId  # imported after anki.collection, or anki's imports cycle


def import_package(collection: Path, package: Path) -> ImportResponse.Log:
    """Import with Anki's defaults for notes and note types ("if newer"), scheduling included."""
    col = Collection(str(collection))
    try:
        options = ImportAnkiPackageOptions(
            merge_notetypes=False,
            update_notes=IF_NEWER,
            update_notetypes=IF_NEWER,
            with_scheduling=True,
            with_deck_configs=False,
        )
        response = col.import_anki_package(ImportAnkiPackageRequest(package_path=str(package), options=options))
        return response.log
    finally:
        col.close()


DAY_SECONDS = 86_400
# anki.consts CARD_TYPE_REV: a card in the review state (not new, learning or relearning)
CARD_TYPE_REVIEW = 2
# the answer buttons: Again, Hard, Good, Easy
Ease = Literal[1, 2, 3, 4]


@dataclass(frozen=True)
class Answer:
    day: int
    card_id: int
    card_type: int  # the card's type when answered (CARD_TYPE_REVIEW: a review in the revlog)
    ease: int


def study_days(collection: Path, days: int, ease_for: Callable[[Card, int], Ease]) -> list[Answer]:
    """Study the collection's top deck day after day through Anki's scheduler, as a learner does.

    Each day answers every card the scheduler queues (new, learning steps, due reviews) with
    ``ease_for(card, day)`` until the queue is empty; then a day passes: the collection's clock is
    moved, i.e. its creation time, every review-log entry (its id is its time) and every card's
    last-review time go back one day, so the next day's due cards, the intervals and FSRS's
    elapsed days are real.
    """
    answers = []
    for day in range(days):
        col = Collection(str(collection))
        try:
            top = col.decks.name(ankicol.db(col).scalar("SELECT did FROM cards LIMIT 1")).split("::")[0]
            top_id = col.decks.id(top)
            assert top_id is not None  # found or made: id() makes a deck it does not find
            col.decks.select(top_id)
            scheduler = col.sched
            # only the v3 scheduler serves a queue of cards, and it is the one current Anki runs
            assert isinstance(scheduler, V3Scheduler), "the collection runs Anki's v3 scheduler"
            while queued := scheduler.get_queued_cards(fetch_limit=1).cards:
                # the queue's card id is a plain int; CardId is imported for type checking only (see Card)
                card = col.get_card(cast("CardId", queued[0].card.id))
                card.start_timer()
                ease = ease_for(card, day)
                answers.append(Answer(day, card.id, card.type, ease))
                scheduler.answerCard(card, ease)
            ankicol.db(col).execute("UPDATE col SET crt = crt - ?", DAY_SECONDS)
            ankicol.db(col).execute("UPDATE revlog SET id = id - ?", DAY_SECONDS * 1000)
            ankicol.db(col).execute(
                "UPDATE cards SET data = json_set(data, '$.lrt', json_extract(data, '$.lrt') - ?) "
                "WHERE json_extract(data, '$.lrt') IS NOT NULL",
                DAY_SECONDS,
            )
        finally:
            col.close()
    return answers


# another process that opens the collection as Anki does, says so, and keeps it open
_HOLDER = (
    "import sys, time\nfrom anki.collection import Collection\n"
    "c = Collection(sys.argv[1]); c.db.scalar('select 1'); print('open', flush=True); time.sleep(60)"
)


@contextmanager
def held_open(collection: Path) -> Iterator[None]:
    """The block runs while another process holds ``collection`` open, as a running Anki does."""
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(collection)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"open\n"
        yield
    finally:
        holder.kill()
        holder.wait()


def package_times(apkg: Path) -> dict[str, int]:
    """guid -> note mtime, as the package carries them; the package must be a whole zip."""
    with zipfile.ZipFile(apkg) as archive, tempfile.TemporaryDirectory() as tmp:
        assert archive.testzip() is None
        db = Path(tmp) / "unpacked.anki2"
        db.write_bytes(archive.read("collection.anki2"))
        conn = sqlite3.connect(db)
        try:
            return dict(conn.execute("select guid, mod from notes").fetchall())
        finally:
            conn.close()
