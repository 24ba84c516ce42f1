"""`dlflash health` and `stats --forecast --collection` on a real collection studied for days through Anki's scheduler.

Every section of the report, the forecast from the collection's state with the parameters it names, no byte
of the collection changed, and a collection another process holds open refused.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from anki.collection import Collection
from ankitools import CARD_TYPE_REVIEW, Ease, held_open, import_package, study_days
from cardfiles import edit_basics
from click.testing import CliRunner
from projects import build_project, with_settings

from dlflash.anki import collection as ankicol
from dlflash.anki.snapshot import collection_snapshot
from dlflash.cli import main
from dlflash.config import load_project
from dlflash.errors import CollectionRefused
from dlflash.render.fields import render_deck
from dlflash.report.collection_forecast import collection_forecast
from dlflash.report.forecast import DEFAULT_PARAMETERS
from dlflash.report.stats import cards_per_note
from dlflash.sources.cards import load_cards

AGAIN: Ease = 1
GOOD: Ease = 3
# days of study through Anki's scheduler: 20 new cards a day, then their reviews
DAYS = 16
# the share of ordinary reviews answered Again (seeded), so retention is not 100%
FORGET = 0.12

if TYPE_CHECKING:
    from anki.cards import Card, CardId  # imported after anki.collection, or anki's imports cycle


def build(cards: Path, out: Path, at: int) -> None:
    project = load_project(str(cards))
    build_project(project, out, at=at)


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Basics imported without its last card, studied for DAYS days, set aside, edited; then its first card retired."""
    import shutil

    root = tmp_path_factory.mktemp("health")
    repo = Path(__file__).resolve().parent.parent
    project = with_settings(root / "project")
    shutil.copytree(repo / "cards", project / "cards", ignore=shutil.ignore_patterns("ledger.json"))
    cards = project / "cards"
    for path in cards.glob("[0-9][0-9]-*.yaml"):
        if path.name != "01-basics.yaml":
            path.unlink()
    ids = [c.id for c in load_cards(cards).cards]
    retired_id, unimported_id = ids[0], ids[-1]
    kept = {}

    def drop(card_id: str) -> Any:
        def change(data: dict[str, Any]) -> None:
            kept[card_id] = next(c for c in data["cards"] if c["id"] == card_id)
            data["cards"] = [c for c in data["cards"] if c["id"] != card_id]

        return change

    edit_basics(cards, drop(unimported_id))
    build(cards, root / "first.apkg", at=1_700_000_000)
    collection = root / "collection.anki2"
    col = Collection(str(collection))
    col.set_config("fsrs", True)  # as a learner who turned FSRS on in the deck options
    col.close()
    import_package(collection, root / "first.apkg")
    project_cfg = load_project(str(cards))
    guid_of = {n.card_id: n.guid for n in render_deck(project_cfg, load_cards(project_cfg.cards_dir))}
    leech_id, hard_id, suspended_id, edited_id, flagged_id, marked_id = ids[1:7]
    col = Collection(str(collection))
    cards_query = "SELECT c.id FROM cards c JOIN notes n ON n.id = c.nid WHERE n.guid = ? ORDER BY c.ord"
    cards_of: dict[str, list[CardId]] = {guid: ankicol.db(col).list(cards_query, guid) for guid in guid_of.values()}
    col.close()
    leech_card, hard_card = cards_of[guid_of[leech_id]][0], cards_of[guid_of[hard_id]][0]
    luck = random.Random(16)
    hard_failures: list[int] = []  # the days the hard card was forgotten

    def ease_for(card: Card, day: int) -> Ease:
        """Good while learning; on a review: the leech always forgotten, the hard card twice, others at random."""
        if card.type != CARD_TYPE_REVIEW:
            return GOOD
        if card.id == leech_card:
            return AGAIN
        if card.id == hard_card and len(hard_failures) < 2:
            hard_failures.append(day)
            return AGAIN
        return AGAIN if luck.random() < FORGET else GOOD

    answers = study_days(collection, DAYS, ease_for)
    col = Collection(str(collection))
    try:
        notes = {n.guid: n for n in (col.get_note(nid) for nid in col.find_notes(""))}
        col.sched.suspend_cards(cards_of[guid_of[suspended_id]][:1])
        note = notes[guid_of[edited_id]]
        field = note.keys()[1]
        note[field] = note[field] + " learner's addition"
        col.update_note(note)
        col.set_user_flag_for_cards(1, cards_of[guid_of[flagged_id]][:1])
        marked = notes[guid_of[marked_id]]
        marked.add_tag("marked")
        col.update_note(marked)
    finally:
        col.close()

    def restore_and_retire(data: dict[str, Any]) -> None:
        data["cards"] = [c for c in data["cards"] if c["id"] != retired_id] + [kept[unimported_id]]

    edit_basics(cards, restore_and_retire)
    build(cards, root / "second.apkg", at=1_700_100_000)
    before = hashlib.sha256(collection.read_bytes()).hexdigest()
    text = CliRunner().invoke(main, ["health", "--collection", str(collection), "--cards", str(cards)])
    forecast = CliRunner().invoke(main, ["stats", "--forecast", "--collection", str(collection), "--cards", str(cards)])
    as_json = CliRunner().invoke(main, ["health", "--collection", str(collection), "--cards", str(cards), "--json"])
    return {
        "text": text,
        "forecast": forecast,
        "collection": collection,
        "cards": cards,
        "answers": answers,
        "retired_cards": cards_of[guid_of[retired_id]],
        "json": as_json,
        "before": before,
        "after": hashlib.sha256(collection.read_bytes()).hexdigest(),
        "ids": dict(
            retired=retired_id,
            unimported=unimported_id,
            leech=leech_id,
            hard=hard_id,
            suspended=suspended_id,
            edited=edited_id,
            flagged=flagged_id,
            marked=marked_id,
        ),
    }


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def forecast_run(collection: Path, cards: Path, *args: str) -> Any:
    return CliRunner().invoke(
        main, ["stats", "--forecast", "--collection", str(collection), "--cards", str(cards), *args]
    )


def ids_in(report: dict[str, Any], key: str) -> set[str]:
    return {line["id"] for line in report[key]}


def test_health_runs_and_leaves_every_byte_of_the_collection(reviewed: dict[str, Any]) -> None:
    assert reviewed["text"].exit_code == 0, reviewed["text"].output
    assert reviewed["json"].exit_code == 0, reviewed["json"].output
    assert reviewed["before"] == reviewed["after"]


def test_every_section_names_the_cards_the_learner_touched(reviewed: dict[str, Any]) -> None:
    report = json.loads(reviewed["json"].output)
    ids = reviewed["ids"]
    assert ids_in(report, "leeches") == {ids["leech"]}
    assert {ids["leech"], ids["hard"]} <= ids_in(report, "hardest")
    assert ids_in(report, "set_aside") == {ids["suspended"]}
    assert ids_in(report, "flagged") == {ids["flagged"], ids["marked"]}
    assert ids_in(report, "edited") == {ids["edited"]}
    assert "{+learner's addition+}" in report["edited"][0]["message"]
    assert ids_in(report, "retired") == {ids["retired"]}
    assert ids_in(report, "not_imported") == {ids["unimported"]}


def test_every_text_line_is_located_at_its_card_file_and_line(reviewed: dict[str, Any]) -> None:
    report = json.loads(reviewed["json"].output)
    lines = [line for key, value in report.items() if isinstance(value, list) for line in value]
    assert lines
    for line in lines:
        assert f"{line['file']}:{line['line']}: [{line['id']}] {line['message']}" in reviewed["text"].output
        if line["id"] != reviewed["ids"]["retired"]:
            assert line["file"].endswith("01-basics.yaml")


def test_collection_open_without_a_lock_is_read_from_a_consistent_copy(tmp_path: Path, basics_cards: Path) -> None:
    # a connection of this same process is no reason to refuse (POSIX locks are per process, so
    # neither the lock probe nor SQLite sees it); the backup copies a consistent state, bytes kept
    collection = tmp_path / "collection.anki2"
    col = Collection(str(collection))
    try:
        before = hashlib.sha256(collection.read_bytes()).hexdigest()
        result = CliRunner().invoke(main, ["health", "--collection", str(collection), "--cards", str(basics_cards)])
        assert hashlib.sha256(collection.read_bytes()).hexdigest() == before
    finally:
        col.close()
    assert result.exit_code == 0, result.output
    assert "0 notes of this deck" in result.output and "not yet in the collection:" in result.output


def test_forecast_from_a_collection_without_the_deck_says_it_used_the_defaults(
    tmp_path: Path, basics_cards: Path
) -> None:
    collection = tmp_path / "collection.anki2"
    Collection(str(collection)).close()
    before = digest(collection)
    result = forecast_run(collection, basics_cards, "--days", "10")
    assert result.exit_code == 0, result.output
    assert "default FSRS parameters (no card of this deck in it yet)" in result.output
    assert "0 in review" in result.output and "(no preset yet)" in result.output
    assert digest(collection) == before


def test_the_review_log_spans_the_studied_days_at_real_intervals(reviewed: dict[str, Any], tmp_path: Path) -> None:
    copy = tmp_path / "copy.anki2"
    shutil.copy(reviewed["collection"], copy)
    col = Collection(str(copy))
    try:
        days = ankicol.db(col).scalar("SELECT count(DISTINCT (id - ?) / 86400000) FROM revlog", col.crt * 1000)
        totals = ankicol.db(col).first("SELECT count(), max(lastIvl) FROM revlog WHERE type = 1")
    finally:
        col.close()
    assert totals is not None  # an aggregate query gives its one row even over no reviews
    reviews, longest = totals
    assert days == DAYS
    assert reviews == sum(a.card_type == CARD_TYPE_REVIEW for a in reviewed["answers"])
    assert longest >= 5  # reviews a card was scheduled for days ahead, not made due by hand


def test_retention_per_section_is_the_share_of_reviews_not_forgotten(reviewed: dict[str, Any]) -> None:
    # the retired note's reviews belong to no section of the deck
    ours = [
        a for a in reviewed["answers"] if a.card_type == CARD_TYPE_REVIEW and a.card_id not in reviewed["retired_cards"]
    ]
    recalled = sum(a.ease != AGAIN for a in ours)
    (section,) = json.loads(reviewed["json"].output)["retention"]
    assert f"{recalled / len(ours):.0%} recalled in {len(ours)} reviews" in section["message"]
    assert "below the desired 90%" in section["message"]  # FORGET and the leech keep it under 90%


def test_forecast_from_the_collection_names_the_parameters_computed_from_its_reviews(
    reviewed: dict[str, Any],
) -> None:
    result = reviewed["forecast"]
    assert result.exit_code == 0, result.output
    deck_cards = int(re.search(r"making (\d+) cards in Anki", result.output)[1])  # type: ignore[index]
    assert f"forecast: {deck_cards} cards, 20 new/day, retention 0.90" in result.output
    assert re.search(
        r"Anki's simulator from your collection, FSRS parameters computed from your \d+ reviews", result.output
    )
    retired = len(reviewed["retired_cards"])
    col_cards = _cards_in(reviewed["collection"]) - retired
    assert f"0 new, 0 learning, {col_cards - 1} in review, 1 suspended or buried (left out), " in result.output
    assert f"{deck_cards - col_cards} not yet imported (simulated as new)" in result.output
    assert "population defaults" not in result.output


def _cards_in(collection: Path) -> int:
    with collection_snapshot(collection) as col:
        return len(col.find_cards("deck:*"))


def test_forecast_starts_from_the_cards_state_and_adds_the_unimported_as_new(reviewed: dict[str, Any]) -> None:
    project = load_project(str(reviewed["cards"]))
    shipped = render_deck(project, load_cards(project.cards_dir))
    with collection_snapshot(reviewed["collection"]) as col:
        learner = collection_forecast(col, shipped, new_per_day=None, retention=None, days=30)
    unimported = cards_per_note(shipped)[reviewed["ids"]["unimported"]]
    assert learner.state.not_imported == unimported and learner.state.new == 0
    # every card already studied starts as a review: only the unimported card is ever new
    assert sum(learner.forecast.new) == unimported


def test_forecast_uses_the_presets_parameters_and_retention_when_it_has_them(
    reviewed: dict[str, Any], tmp_path: Path
) -> None:
    collection = tmp_path / "collection.anki2"
    shutil.copy(reviewed["collection"], collection)
    col = Collection(str(collection))
    try:
        preset = col.decks.get_config(1)  # type: ignore[arg-type]
        assert preset is not None
        preset["fsrsParams6"] = [round(w * 1.1, 4) for w in DEFAULT_PARAMETERS]
        preset["desiredRetention"] = 0.85
        col.decks.update_config(preset)
    finally:
        col.close()
    before = digest(collection)
    result = forecast_run(collection, reviewed["cards"])
    assert result.exit_code == 0, result.output
    assert 'your preset "Default"\'s FSRS parameters' in result.output
    assert "retention 0.85" in result.output
    assert digest(collection) == before


def test_collection_another_process_holds_open_is_refused_without_a_traceback(
    reviewed: dict[str, Any], tmp_path: Path
) -> None:
    collection = tmp_path / "collection.anki2"
    shutil.copy(reviewed["collection"], collection)
    with held_open(collection):
        before = digest(collection)
        forecast = forecast_run(collection, reviewed["cards"])
        health = CliRunner().invoke(
            main, ["health", "--collection", str(collection), "--cards", str(reviewed["cards"])]
        )
        after = digest(collection)
    for result in (forecast, health):
        assert result.exit_code == 1, result.output
        assert "open in Anki or locked" in result.output and "Nothing was changed" in result.output
        assert isinstance(result.exception, SystemExit), result.exception  # a message, not a traceback
    assert after == before


def test_a_backend_failure_on_the_copy_is_a_refusal_naming_the_collection(reviewed: dict[str, Any]) -> None:
    refused = pytest.raises(CollectionRefused, match="Anki failed on a copy of it: Invalid search")
    with refused, collection_snapshot(reviewed["collection"]) as col:
        col.find_cards("(")
