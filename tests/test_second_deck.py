"""The engine holds no deck content: a second deck on another subject builds from its own settings alone.

``tests/second_deck`` is a complete project on cooking — its notes, one card file, its own deck
name, one torch reference and one figure, named by its ``[tool.dlflash]`` settings. It runs
``check``, ``verify`` and ``build`` as separate processes (so nothing of the deep-learning deck
is imported alongside), and its package is imported into a real Anki collection.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from anki.collection import Collection
from ankitools import import_package
from projects import REPO

from dlflash.render.mathjax import NODE_MODULES_ENV

SECOND_DECK = Path(__file__).resolve().parent / "second_deck"
ENGINE = REPO / "dlflash"


def dlflash(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), NODE_MODULES_ENV: str(REPO / "node_modules")}
    command = [str(Path(sys.executable).parent / "dlflash"), *args]
    return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def kitchen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("second") / "kitchen"
    shutil.copytree(SECOND_DECK, project, ignore=shutil.ignore_patterns("__pycache__"))
    return project


def test_a_second_deck_checks_verifies_builds_and_imports_into_anki(kitchen: Path, tmp_path: Path) -> None:
    if shutil.which("node") is None or not (REPO / "node_modules" / "mathjax-full").is_dir():
        pytest.skip("node and node_modules/mathjax-full are needed: run `make` or `npm ci`")
    checked = dlflash(kitchen, "check")
    assert checked.returncode == 0, checked.stderr
    assert "ok: 2 cards in 1 files" in checked.stdout
    verified = dlflash(kitchen, "verify")
    assert verified.returncode == 0, verified.stderr
    assert re.search(r"heat-celsius-to-fahrenheit\s+celsius_to_fahrenheit\s+\S+\s+ok", verified.stdout)
    built = dlflash(kitchen, "build")  # to the project's `package` setting
    assert built.returncode == 0, built.stderr
    package = kitchen / "build" / "kitchen.apkg"
    assert "2 notes in 1 decks, 1 media files" in built.stdout

    collection = tmp_path / "user" / "collection.anki2"
    collection.parent.mkdir()
    import_package(collection, package)
    col = Collection(str(collection))
    try:
        decks = {d.name for d in col.decks.all_names_and_ids()}
        fronts = [col.get_note(n)["Front"] for n in col.find_notes('"deck:Kitchen Basics::01 Heat"')]
        figure_files = [p.name for p in Path(col.media.dir()).iterdir() if p.name.startswith("dlflash-oven-scale-")]
    finally:
        col.close()
    assert {"Kitchen Basics", "Kitchen Basics::01 Heat"} <= decks
    assert not any("Deep Learning" in d for d in decks)
    assert len(fronts) == 2 and any("°C into °F" in f for f in fronts)
    assert len(figure_files) == 1 and any(f'src="{figure_files[0]}"' in f for f in fronts)


def test_the_second_deck_with_a_wrong_formula_fails_verify(kitchen: Path, tmp_path: Path) -> None:
    broken = tmp_path / "kitchen"
    shutil.copytree(kitchen, broken, ignore=shutil.ignore_patterns("__pycache__", "build"))
    cards = broken / "cards" / "01-heat.yaml"
    cards.write_text(cards.read_text("utf-8").replace("c * 9 / 5 + 32", "c * 5 / 9 + 32"), "utf-8")
    verified = dlflash(broken, "verify")
    assert verified.returncode == 1
    assert re.search(r"heat-celsius-to-fahrenheit\s+celsius_to_fahrenheit\s+\S+\s+FAIL", verified.stdout)


def _deck_words() -> tuple[list[str], list[str]]:
    """What only the deep-learning deck knows: (words found anywhere, ids found as quoted literals).

    Its name, its section slugs and ids, its reference and figure names. Single-word section ids
    ("basics", "vision") are ordinary words in code, so only a quoted literal of one counts ("data"
    is also a folder of the aqt wheel); reference names that are functions of the formula language
    (``relu``, ``softmax``: torch's, not the deck's) or what every flashcard does (``recall``) are left out.
    """
    import tomllib

    from dlflash.config import load_project
    from dlflash.formula.vocabulary import FUNCTIONS
    from dlflash.render.figures import load_figures
    from dlflash.verify.registry import load_references

    settings = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["dlflash"]
    project = load_project(REPO / "cards")
    ids = [w for pair in settings["sections"].items() for w in pair]
    anywhere = [settings["deck"], settings["description"].split(" as ")[0], *(w for w in ids if "-" in w)]
    anywhere += [name for name in load_references(project) if name not in FUNCTIONS and name != "recall"]
    anywhere += list(load_figures(project))
    return anywhere, [w for w in ids if "-" not in w and w != "data"]


def test_no_code_path_under_dlflash_mentions_the_deep_learning_deck() -> None:
    anywhere, quoted = _deck_words()
    assert {"Deep Learning", "sturctured-data", "lr-one-cycle", "cosine_warm_restarts_lr", "adam"} <= set(anywhere)
    assert "basics" in quoted
    patterns = [rf"(?<![\w-]){re.escape(w)}(?![\w-])" for w in anywhere]
    patterns += [rf"[\"']{re.escape(w)}[\"']" for w in quoted]
    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in sorted(ENGINE.rglob("*"))
        if path.is_file() and path.suffix in (".py", ".css", ".mjs")
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if any(re.search(pattern, line, re.IGNORECASE) for pattern in patterns)
    ]
    assert found == []
