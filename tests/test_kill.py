"""`kill -9` in the middle of `dlflash build` or `dlflash sync` loses nothing: the next run finishes the job."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from anki.collection import Collection
from ankitools import package_times
from cardfiles import CardFileChange, edit_basics

from dlflash.anki import collection as ankicol
from dlflash.anki.guids import guid_for_id
from dlflash.anki.ledger import read_ledger
from dlflash.config import load_project

# fractions of an uninterrupted run's time at which the run is killed
KILL_POINTS = (0.3, 0.6, 0.9)


def first_answer_changed(step: int) -> CardFileChange:
    """An edit of the basics' first answer that no earlier step made, so each step has a change to write."""

    def change(data: dict[str, Any]) -> None:
        data["cards"][0].update(back=f"Changed answer {step}.")

    return change


def dlflash(*args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    code = "from dlflash.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def timed_run(*args: str) -> float:
    start = time.monotonic()
    proc = dlflash(*args)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()
    return time.monotonic() - start


def killed_at(delay: float, *args: str) -> None:
    proc = dlflash(*args)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)


def test_build_killed_anywhere_leaves_whole_files_and_the_next_build_agrees_with_the_ledger(
    basics_cards: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "deck.apkg"
    args = ("build", "--cards", str(basics_cards), "--out", str(out))
    full = timed_run(*args)
    for step, point in enumerate(KILL_POINTS):
        edit_basics(basics_cards, first_answer_changed(step))
        killed_at(full * point, *args)
        project = load_project(basics_cards)
        read_ledger(project.ledger)  # whole: it parses and every entry is valid
        if out.exists():
            package_times(out)  # whole: a readable zip with a readable collection
        assert timed_run(*args) > 0
        ledger = read_ledger(project.ledger)
        times = package_times(out)
        assert {guid_for_id(k): v.mtime for k, v in ledger.notes.items() if guid_for_id(k) in times} == times


def test_sync_killed_anywhere_leaves_a_sound_collection_and_the_next_sync_completes_it(
    basics_cards: Path, tmp_path: Path
) -> None:
    collection = tmp_path / "collection.anki2"
    Collection(str(collection)).close()
    args = ("sync", "--cards", str(basics_cards), "--collection", str(collection))
    probe = tmp_path / "probe.anki2"
    Collection(str(probe)).close()
    full = timed_run("sync", "--cards", str(basics_cards), "--collection", str(probe))
    for step, point in enumerate(KILL_POINTS):
        edit_basics(basics_cards, first_answer_changed(step))
        killed_at(full * point, *args)
        conn = sqlite3.connect(collection)
        conn.create_collation("unicase", lambda a, b: (a.lower() > b.lower()) - (a.lower() < b.lower()))
        try:
            assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        finally:
            conn.close()
        proc = dlflash(*args)
        output, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err.decode()
        col = Collection(str(collection))
        try:
            guids = ankicol.db(col).list("select guid from notes")
            assert len(guids) == len(set(guids)), "a note was added twice"
            wanted = next(iter(col.find_notes(f'"Back:*Changed answer {step}.*"')), None)
            assert wanted is not None, output.decode()
        finally:
            col.close()
        assert b"not updated, you edited them" not in output
