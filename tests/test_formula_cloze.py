"""A formula on a cloze card is recalled a line at a time: one deletion per step, one card per line.

The steps are still one program verified against torch; only their display changes. Anki renders
a deletion inside math by stripping the HTML of its cloze span there (cloze.rs ``cloze_filter``),
so the question shows ``[...]`` as TeX and every side must typeset as such.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from anki.collection import Collection
from ankitools import import_package
from cardfiles import edit_basics
from projects import build_project, check_problems, with_settings

from dlflash.anki.cardview import cloze_field, note_cards, strip_html_inside_math
from dlflash.config import Project, load_project
from dlflash.deck import open_deck
from dlflash.errors import ProblemsError
from dlflash.model import Card, FormulaSpec, Source
from dlflash.render.fields import render_card
from dlflash.render.mathjax import NODE_MODULES_ENV
from dlflash.sources.cards import load_cards
from dlflash.verify.check import card_formula_problems
from dlflash.verify.registry import load_references

REPO = Path(__file__).resolve().parent.parent
NODE_MODULES = REPO / "node_modules"
T0 = 1_700_000_000
needs_mathjax = pytest.mark.skipif(
    shutil.which("node") is None or not (NODE_MODULES / "mathjax-full").is_dir(),
    reason="node and node_modules/mathjax-full are needed: run `make` or `npm ci`",
)

ADAM_STEPS = [
    "m = beta1*m + (1 - beta1)*g",
    "v = beta2*v + (1 - beta2)*g**2",
    "m_hat = m / (1 - beta1**t)",
    "v_hat = v / (1 - beta2**t)",
    "w = w - lr*m_hat / (sqrt(v_hat) + eps)",
]
ADAM_LINES: dict[str, Any] = {
    "id": "zz-adam-update-lines",
    "type": "cloze",
    "text": "Adam at step \\(t\\), from the gradient \\(g\\):",
    "formula": {
        "steps": ADAM_STEPS,
        "reference": "adam",
        "given": {
            "w": "real[d]", "g": "real[d]", "m": "real[d]", "v": "real[d]", "lr": "real(0.01, 0.1)",
            "beta1": "real(0.5, 0.95)", "beta2": "real(0.8, 0.999)", "eps": "real(0.001, 0.1)",
        },
    },
    "extra": "The \\(\\epsilon\\) is added to \\(\\sqrt{\\hat{v} }\\), outside the root.",
    "covers": ["basics.gradient-descent.batch"],
}


def card_of(data: dict[str, Any], tmp_path: Path) -> Card:
    folder = with_settings(tmp_path) / "cards"
    folder.mkdir(exist_ok=True)
    text = yaml.safe_dump({"title": "Test", "cards": [data]}, sort_keys=False, width=1000)
    (folder / "01-test.yaml").write_text(text, "utf-8")
    [card] = load_cards(folder).cards
    return card


def test_each_step_is_a_deletion_of_its_right_hand_side_numbered_after_the_texts_own(tmp_path: Path) -> None:
    card = card_of({**ADAM_LINES, "text": "Adam's {{c1::bias-corrected}} update:"}, tmp_path)
    text, extra, _context, _source = render_card(card, "Deck", {}).fields
    rows = re.search(r"\\begin\{aligned\} (.*) \\end\{aligned\}", text)
    assert rows is not None
    assert rows.group(1).split(r" \\ ") == [
        r"m &\leftarrow {{c2::\beta_{1}\,m + \left(1 - \beta_{1}\right)\,g }}",
        r"v &\leftarrow {{c3::\beta_{2}\,v + \left(1 - \beta_{2}\right)\,g^{2} }}",
        r"\hat{m} &= {{c4::\frac{m}{1 - \beta_{1}^{t} } }}",
        r"\hat{v} &= {{c5::\frac{v}{1 - \beta_{2}^{t} } }}",
        r"w &\leftarrow {{c6::w - \frac{\eta\,\hat{m} }{\sqrt{\hat{v} } + \epsilon} }}",
    ]
    assert "aligned" not in extra  # the formula is the question, not repeated on the back


def test_one_card_per_line_hides_that_line_and_shows_the_others_as_math(tmp_path: Path) -> None:
    note = render_card(card_of(ADAM_LINES, tmp_path), "Deck", {})
    views = note_cards(note)
    assert [v.name for v in views] == [f"Cloze {n}" for n in range(1, 6)]
    second = views[1]
    assert r"v &\leftarrow [...] \\" in second.question
    assert r"m &\leftarrow \beta_{1}\,m + \left(1 - \beta_{1}\right)\,g  \\" in second.question
    assert r"v &\leftarrow \beta_{2}\,v + \left(1 - \beta_{2}\right)\,g^{2}  \\" in second.answer
    math = re.findall(r"\\\[(.*?)\\\]", second.question + second.answer, re.S)
    assert math and not any("<" in m or "{{c" in m for m in math)


def test_ask_lines_deletes_only_the_named_steps_numbered_in_order(tmp_path: Path) -> None:
    data = {**ADAM_LINES, "formula": {**ADAM_LINES["formula"], "ask_lines": [1, 5]}}
    note = render_card(card_of(data, tmp_path), "Deck", {})
    assert [v.name for v in note_cards(note)] == ["Cloze 1", "Cloze 2"]
    rows = note.fields[0].split(r" \\ ")
    assert "{{c1::" in rows[0] and "{{c2::" in rows[-1]
    assert not any("{{c" in row for row in rows[1:-1])


@pytest.mark.parametrize(("ask_lines", "message"), [([0, 6], "from 1 to 5"), (["two"], "from 1 to 5")])
def test_ask_lines_outside_the_steps_is_refused(tmp_path: Path, ask_lines: list[Any], message: str) -> None:
    data = {**ADAM_LINES, "formula": {**ADAM_LINES["formula"], "ask_lines": ask_lines}}
    card = card_of(data, tmp_path)
    problems = [str(p) for p in card_formula_problems(card, load_references(load_project(REPO / "cards")))]
    assert any("'ask_lines' must list step numbers" in p and message in p for p in problems), problems


def test_html_is_stripped_inside_math_only_as_anki_does() -> None:
    html = r'<b>x</b> \(a <span class="cloze">[...]</span>\) <i>y</i> \[b<br>c\]'
    assert strip_html_inside_math(html) == r"<b>x</b> \(a [...]\) <i>y</i> \[bc\]"
    assert cloze_field(r"\(a = {{c1::b}}\) {{c2::c}}", 2, answer=False) == (
        r'\(a = b\) <span class="cloze" data-cloze="c" data-ordinal="2">[...]</span>'
    )


def test_a_cloze_card_with_a_formula_needs_no_deletion_in_its_text_and_one_without_does(tmp_path: Path) -> None:
    assert card_of(ADAM_LINES, tmp_path).text.startswith("Adam")
    rule = r"a cloze card needs at least one deletion '\{\{c1::...\}\}' or a 'formula'"
    with pytest.raises(ProblemsError, match=rule):
        card_of({k: v for k, v in ADAM_LINES.items() if k != "formula"}, tmp_path)


def test_a_cloze_cards_formula_must_be_shown_as_latex(tmp_path: Path) -> None:
    card = card_of({**ADAM_LINES, "formula": {**ADAM_LINES["formula"], "show": "code"}}, tmp_path)
    problems = [p.message for p in card_formula_problems(card, load_references(load_project(REPO / "cards")))]
    assert problems == ["a cloze card's formula is deleted line by line in its LaTeX: 'show' must be latex, not 'code'"]
    shown_as_code = {**ADAM_LINES["formula"], "show": "code"}
    basic_card = {k: v for k, v in ADAM_LINES.items() if k != "text"}
    basic = card_of({**basic_card, "type": "basic", "front": "Adam?", "back": "b", "formula": shown_as_code}, tmp_path)
    assert list(card_formula_problems(basic, load_references(load_project(REPO / "cards")))) == []


@pytest.fixture
def mathjax(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NODE_MODULES_ENV, str(NODE_MODULES))


def project_with(tmp_path: Path, *cards: dict[str, Any]) -> Project:
    folder = with_settings(tmp_path) / "cards"
    folder.mkdir()
    text = yaml.safe_dump({"title": "Test", "cards": list(cards)}, sort_keys=False, width=1000)
    (folder / "01-test.yaml").write_text(text, "utf-8")
    return load_project(folder)


@needs_mathjax
def test_every_side_of_a_formula_cloze_typesets(tmp_path: Path, mathjax: None) -> None:
    project = project_with(tmp_path, ADAM_LINES)
    assert check_problems(project, "math") == []


@needs_mathjax
def test_a_deletion_that_only_breaks_the_question_side_fails_the_check(tmp_path: Path, mathjax: None) -> None:
    # revealed, this typesets; on card 1 the row reads `\\[...]`, a spacing argument MathJax refuses
    text = r"\[\begin{aligned} a &= 1 \\{{c1::b}} &= 2 \end{aligned}\]"
    project = project_with(tmp_path, {"id": "rows", "type": "cloze", "text": text})
    [problem] = [str(p) for p in check_problems(project, "math")]
    assert "[rows] math in Text must typeset" in problem and "[...]" in problem


def formula_card(steps: list[str]) -> Card:
    spec = FormulaSpec(tuple(steps), tuple(range(len(steps))), "adam", (), Source("t.yaml", 1))
    return Card("c", "cloze", Source("t.yaml", 1), text="Q:", formula=spec)


def test_a_single_expression_is_deleted_whole_with_space_around_its_markers() -> None:
    note = render_card(formula_card(["sqrt(v + 1/sqrt(m))"]), "Deck", {})
    assert r"\[ {{c1::\sqrt{v + \frac{1}{\sqrt{m} } } }}\]" in note.fields[0]
    [view] = note_cards(note)
    assert r"\[ [...]\]" in view.question


def _without_style(html: str) -> str:
    return re.sub(r"^<style>.*?</style>", "", html, flags=re.S)


def test_anki_shows_each_line_card_as_our_preview_does(basics_cards: Path, tmp_path: Path) -> None:
    edit_basics(basics_cards, lambda data: data["cards"].append(ADAM_LINES))
    project = load_project(basics_cards)
    cards = load_cards(project.cards_dir)
    build_project(project, tmp_path / "deck.apkg", cards=cards, at=T0)
    import_package(tmp_path / "collection.anki2", tmp_path / "deck.apkg")
    with open_deck(project, cards) as shipped:
        [note] = [n for n in shipped.notes if n.card_id == ADAM_LINES["id"]]
    ours = note_cards(note)
    col = Collection(str(tmp_path / "collection.anki2"))
    try:
        [note_id] = col.find_notes("Source:*zz-adam-update-lines*")
        shown = sorted(col.get_note(note_id).cards(), key=lambda c: c.ord)
        sides = [tuple(_without_style(h) for h in (c.question(), c.answer())) for c in shown]
    finally:
        col.close()
    assert len(sides) == 5
    assert r"\hat{m} &amp;= [...]" not in sides[2][0]  # Anki keeps the TeX's `&` as we wrote it
    assert r"\hat{m} &= [...]" in sides[2][0]
    assert r"m &\leftarrow [...]" in sides[0][0] and "data-cloze" not in sides[0][0]
    assert sides == [(v.question, v.answer) for v in ours]
