"""The committed ledger is checked on reading, and builds of one project take turns on it."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from ankitools import package_times
from cardfiles import edit_basics
from click.testing import CliRunner
from projects import build_project

from dlflash import build as build_module
from dlflash.anki.guids import guid_for_id
from dlflash.anki.ledger import read_ledger
from dlflash.anki.package import write_package
from dlflash.cli import main
from dlflash.config import load_project
from dlflash.errors import DlflashError
from dlflash.sources.cards import load_cards

GOOD = {"hash": "0123456789abcdef", "mtime": 1_700_000_000}


def ledger_with(path: Path, text: str) -> Path:
    path.write_text(text, "utf-8")
    return path


def notes_ledger(notes: dict[str, Any]) -> str:
    return json.dumps({"version": 1, "notetypes": {"dlflash Basic": GOOD}, "notes": notes})


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            '{"version": 1, "notetypes": {}, "notes": {"a": ' + json.dumps(GOOD) + ', "a": ' + json.dumps(GOOD) + "}}",
            "each key must appear once, 'a' appears twice",
        ),
        (notes_ledger({"a": {**GOOD, "mtime": -5}}), "'mtime' must be whole seconds from 1 to 4294967295: -5"),
        (notes_ledger({"a": {**GOOD, "mtime": True}}), "'mtime' must be whole seconds from 1 to 4294967295: True"),
        (notes_ledger({"a": {**GOOD, "mtime": 2**40}}), "'mtime' must be whole seconds"),
        (notes_ledger({"a": {**GOOD, "mtime": "1700000000"}}), "'mtime' must be whole seconds"),
        (notes_ledger({"a": {**GOOD, "hash": 5}}), "'hash' must be 16 hex digits: 5"),
        (notes_ledger({"a": {**GOOD, "extra": 1}}), "an entry must be"),
        (notes_ledger({".*": GOOD}), "a note key must be a card id in kebab-case: '.*'"),
        (json.dumps({"version": 1, "notetypes": {}, "notes": []}), "'notes' must be an object of entries"),
        (json.dumps([1]), "the ledger must be a JSON object, not list"),
        ("[" * 100_000, "ledger is not readable"),
    ],
)
def test_a_ledger_entry_anki_could_not_use_is_refused_with_the_file_and_the_rule(
    tmp_path: Path, text: str, says: str
) -> None:
    path = ledger_with(tmp_path / "ledger.json", text)
    with pytest.raises(DlflashError) as info:
        read_ledger(path)
    assert str(info.value).startswith(f"{path}: ledger is not readable (") and says in str(info.value)


def test_a_broken_ledger_stops_the_build_with_one_line_and_no_package(cards_copy: Path, tmp_path: Path) -> None:
    ledger = ledger_with(cards_copy / "ledger.json", notes_ledger({"gd-mini-batch": {**GOOD, "mtime": -5}}))
    first = "gd-mini-batch"

    result = CliRunner().invoke(main, ["build", "--cards", str(cards_copy), "--out", str(tmp_path / "d.apkg")])

    assert result.exit_code == 1
    assert f"{ledger}: ledger is not readable (notes['{first}']: 'mtime' must be" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "d.apkg").exists()


def test_a_second_build_waits_for_the_first_and_ledger_and_package_agree(
    basics_cards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit_basics(basics_cards, lambda d: d["cards"][0].update(back="A changed answer."))
    project = load_project(basics_cards)
    cards = load_cards(project.cards_dir)
    out = tmp_path / "deck.apkg"
    inside, release = threading.Event(), threading.Event()
    real_write = write_package  # the real one: the name dlflash.build calls it by is patched below

    def paused_write(package: Any, target: Path) -> None:
        if not inside.is_set():
            inside.set()
            assert release.wait(60)
        real_write(package, target)

    monkeypatch.setattr(build_module, "write_package", paused_write)
    first = threading.Thread(target=build_project, args=(project, out, 1_800_000_000, cards))
    second = threading.Thread(target=build_project, args=(project, out, 1_900_000_000, cards))
    first.start()
    assert inside.wait(120)
    second.start()
    second.join(3)
    waited = second.is_alive()
    release.set()
    first.join(120)
    second.join(120)

    assert waited, "the second build ran while the first held the ledger"
    ledger = read_ledger(project.ledger)
    times = package_times(out)
    assert {guid_for_id(k): v.mtime for k, v in ledger.notes.items() if guid_for_id(k) in times} == times

