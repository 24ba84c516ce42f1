"""Loading card files: every problem at once, one line each, at the line to edit."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from dlflash.errors import ProblemsError, UsageError
from dlflash.sources.cards import load_cards

GOOD = """\
title: Know the basics
cards:
  - id: good-card
    type: basic
    front: What is the L1 loss also called?
    back: Mean absolute error.
    tags: [loss]
    covers: [basics.loss-functions.regression.mae]
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), "utf-8")
    return path


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(ProblemsError) as info:
        load_cards(folder)
    return [str(p) for p in info.value.problems]


def test_good_file_loads_typed_cards_with_their_lines(tmp_path: Path) -> None:
    write(tmp_path, "01-basics.yaml", GOOD)
    cards = load_cards(tmp_path)
    (card,) = cards.cards
    assert card.id == "good-card" and card.type == "basic"
    assert card.tags == ("loss",) and card.covers == ("basics.loss-functions.regression.mae",)
    assert str(card.source) == f"{tmp_path}/01-basics.yaml:3"
    assert cards.files[0].label == "01 Know the basics"


# card files of one section, each with the problems it must be reported with: (line, message)
BAD_FILES = {
    "all-problems-of-a-file-at-once-with-lines-and-ids": (
        """\
        - id: typo-card
          type: basic
          frnot: What?
          back: This.
        - id: yes
          type: basic
          front: Q?
          back: A.
        - id: bad-type
          type: flashcard
        - id: empty-cloze
          type: cloze
          text: No deletion here.
        - id: dollar-math
          type: basic
          front: What is $x^2$?
          back: A square.
        """,
        [
            (3, "[typo-card] missing field 'front' (required for a basic card)"),
            (5, "[typo-card] unknown field 'frnot' (did you mean 'front'?)"),
            (7, "'id' must be a string, not a boolean: 'yes' (quote it)"),
            (12, "[bad-type] 'type' must be one of basic, reversible, cloze: 'flashcard'"),
            (15, "[empty-cloze] a cloze card needs at least one deletion '{{c1::...}}' or a 'formula'"),
            (18, "[dollar-math] math must use \\( \\) or \\[ \\], not $ (Anki does not read $): '$x^2$'"),
        ],
    ),
    "duplicate-keys-and-yaml-surprises-are-named": (
        """\
        - id: dup
          type: basic
          front: Q?
          front: Again?
          back: 0755
        """,
        [
            (6, "duplicate key 'front' (first at line 5)"),
            (7, "[dup] 'back' must be a string, not an integer: '0755' (quote it)"),
        ],
    ),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_every_problem_of_a_file_is_reported_at_once_at_its_line(tmp_path: Path, case: str) -> None:
    cards, expected = BAD_FILES[case]
    path = write(tmp_path, "01-basics.yaml", "title: Basics\ncards:\n" + textwrap.indent(textwrap.dedent(cards), "  "))
    assert problems_of(tmp_path) == [f"{path}:{line}: {message}" for line, message in expected]


def test_ids_are_unique_across_files_and_aliases(tmp_path: Path) -> None:
    write(tmp_path, "01-basics.yaml", GOOD)
    second = write(
        tmp_path,
        "02-data.yaml",
        GOOD.replace("Know the basics", "Data").replace("good-card", "other-card")
        + "    aliases: [good-card]\n",
    )
    assert problems_of(tmp_path) == [
        f"{second}:3: [other-card] alias 'good-card' is already used by [good-card] at {tmp_path}/01-basics.yaml:3"
    ]


def test_python_tags_are_refused_without_running_anything(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "01-basics.yaml",
        """\
        title: !!python/object/apply:os.system ["touch pwned"]
        cards: []
        """,
    )
    assert problems_of(tmp_path) == [
        f"{path}:1: 'title' must be a non-empty string, not a list",
        f"{path}:1: tag is not allowed: 'tag:yaml.org,2002:python/object/apply:os.system'",
    ]
    assert not Path("pwned").exists()


def test_yaml_syntax_errors_and_bad_file_names_are_problems(tmp_path: Path) -> None:
    path = write(tmp_path, "01-basics.yaml", "title: [unclosed\ncards: []\n")
    bad = write(tmp_path, "2-Data.yaml", GOOD)
    lines = problems_of(tmp_path)
    assert lines[0].startswith(f"{path}:2: YAML syntax error:")
    assert lines[1:] == [f"{bad}:1: file name must be NN-section.yaml in kebab-case: '2-Data.yaml'"]


def test_missing_cards_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cards folder not found"):
        load_cards(tmp_path / "nowhere")


def test_bom_and_crlf_line_endings_are_accepted(tmp_path: Path) -> None:
    (tmp_path / "01-basics.yaml").write_bytes(b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode())
    assert [c.id for c in load_cards(tmp_path).cards] == ["good-card"]


def test_formula_block_is_loaded_with_step_lines(tmp_path: Path) -> None:
    write(
        tmp_path,
        "01-basics.yaml",
        GOOD
        + """\
    formula:
      steps:
        - v = mu*v + g
        - w = w - lr*v
      reference: sgd_momentum
      given:
        w: real[n]
        g: real[n]
      show: both
""",
    )
    (card,) = load_cards(tmp_path).cards
    assert card.formula is not None
    assert card.formula.steps == ("v = mu*v + g", "w = w - lr*v")
    assert card.formula.step_lines == (11, 12)
    assert card.formula.given == (("w", "real[n]"), ("g", "real[n]"))
    assert card.formula.option("show") == "both"


@pytest.mark.parametrize(
    ("extra", "bad"),
    [("Rows: \\[a + b\\]", True), ("Rows:\n\\[a + b\\]", True), ("Rows:\n\n\\[a + b\\]\n\nthen", False)],
    ids=["same-line", "next-line", "own-paragraph"],
)
def test_display_math_must_be_a_paragraph_of_its_own(tmp_path: Path, extra: str, bad: bool) -> None:
    # inside a paragraph Markdown reads "\[" as an escaped "[": the formula would reach the card as text
    card = {"id": "display-math", "type": "basic", "front": "What?", "back": "This.", "extra": extra}
    (tmp_path / "01-t.yaml").write_text(yaml.safe_dump({"title": "T", "cards": [card]}), "utf-8")
    if bad:
        assert any("must be a paragraph of its own" in p for p in problems_of(tmp_path))
    else:
        assert [c.extra for c in load_cards(tmp_path).cards] == [extra]
