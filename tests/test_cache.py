"""build/cache: the same package with no, a cold, a warm or a corrupted cache; unchanged work is not redone."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from projects import build_project

from dlflash.cache import CACHE_DIR, CACHE_ENV, FORMAT
from dlflash.config import load_project
from dlflash.model import Card, RenderedNote
from dlflash.render import fields
from dlflash.sources.cards import load_cards

REPO = Path(__file__).resolve().parent.parent
AT = 1_700_000_000


def _build(cards_dir: Path, out: Path) -> str:
    """sha256 of a build from a fresh ledger at a fixed time, so that only the cache can differ."""
    (cards_dir / "ledger.json").unlink(missing_ok=True)
    project = load_project(cards_dir)
    build_project(project, out, at=AT)
    return hashlib.sha256(out.read_bytes()).hexdigest()


def _tables(cards_dir: Path) -> list[Path]:
    return sorted((cards_dir.parent / CACHE_DIR).rglob("*.json"))


def test_no_cold_warm_or_corrupted_cache_gives_the_same_package(
    cards_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, "off")
    without = _build(cards_copy, tmp_path / "off.apkg")
    assert _tables(cards_copy) == []
    monkeypatch.delenv(CACHE_ENV)
    assert _build(cards_copy, tmp_path / "cold.apkg") == without
    tables = _tables(cards_copy)
    assert {t.parent.name for t in tables} >= {"notes", "figures"}
    assert _build(cards_copy, tmp_path / "warm.apkg") == without
    # truncated files, a well-formed file whose checksum fails, and a table of the wrong shape
    for number, table in enumerate(tables):
        data = table.read_bytes()
        header, _, body = data.partition(b"\n")
        edited = header + b"\n" + body.replace(b'":"', b'":"x', 1)
        assert edited != data
        wrong_shape = b"[]"
        checked = json.dumps({"format": FORMAT, "sha256": hashlib.sha256(wrong_shape).hexdigest()}).encode()
        corrupt = [data[: len(data) // 2], edited, checked + b"\n" + wrong_shape]
        table.write_bytes(corrupt[number % 3])
    assert _build(cards_copy, tmp_path / "corrupt.apkg") == without
    assert _build(cards_copy, tmp_path / "repaired.apkg") == without


def test_a_rebuild_renders_only_the_changed_card(
    cards_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _build(cards_copy, tmp_path / "first.apkg")
    rendered: list[str] = []
    real = fields.render_card

    def recording(card: Card, *args: Any, **kwargs: Any) -> RenderedNote:
        """The real render_card, noting each card it renders."""
        rendered.append(card.id)
        return real(card, *args, **kwargs)

    monkeypatch.setattr(fields, "render_card", recording)
    _build(cards_copy, tmp_path / "again.apkg")
    assert rendered == []
    path = cards_copy / "01-basics.yaml"
    text = path.read_text("utf-8")
    card_id = next(f for f in load_cards(cards_copy).files if f.path.endswith(path.name)).cards[0].id
    # an edit above every other card of the file shifts their lines, which must not re-render them
    path.write_text(text.replace(f"- id: {card_id}\n", f"- id: {card_id}\n    # a comment line\n", 1), "utf-8")
    _build(cards_copy, tmp_path / "moved.apkg")
    assert rendered == []
    edited = text.replace(f"- id: {card_id}\n", f"- id: {card_id}\n    extra: An added extra.\n", 1)
    path.write_text(edited, "utf-8")
    _build(cards_copy, tmp_path / "edited.apkg")
    assert rendered == [card_id]


def test_renamed_headings_miss_every_whole_file_entry_and_give_the_uncached_package(
    cards_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _build(cards_copy, tmp_path / "first.apkg")  # every file's notes cached under one key each
    headings = cards_copy / "headings.yaml"
    text = headings.read_text("utf-8")
    renamed = text.replace(': Natural language processing', ': NLP, renamed')
    assert renamed != text
    headings.write_text(renamed, "utf-8")
    warm = _build(cards_copy, tmp_path / "warm.apkg")
    monkeypatch.setenv(CACHE_ENV, "off")
    assert warm == _build(cards_copy, tmp_path / "off.apkg")


MODULES_AFTER = """
import sys
from dlflash.cli import main
try:
    main({args!r}, standalone_mode=False)
finally:
    print("loaded:", sorted(m for m in ("torch", "matplotlib") if m in sys.modules))
"""


def _loaded(args: list[str], cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO), "DLFLASH_NODE_MODULES": str(REPO / "node_modules")}
    done = subprocess.run([sys.executable, "-c", MODULES_AFTER.format(args=args)], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[-1]


def test_help_and_a_no_change_deck_import_neither_torch_nor_matplotlib(cards_copy: Path) -> None:
    project = cards_copy.parent
    assert _loaded(["--help"], project) == "loaded: []"
    deck = ["deck", "--out", str(project / "deck.apkg")]
    assert _loaded(deck, project) == "loaded: ['matplotlib', 'torch']"  # cold: figures drawn, formulas verified
    assert _loaded(deck, project) == "loaded: []"
