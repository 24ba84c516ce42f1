"""Math a card shows must typeset in Anki's MathJax (mathjax-full 3.2.2, no noerrors), else `dlflash check` fails."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from projects import check_problems

from dlflash.checks.typeset import MathSpan, find_math
from dlflash.cli import main
from dlflash.config import Project, load_project
from dlflash.render.mathjax import NODE_MODULES_ENV

REPO = Path(__file__).resolve().parent.parent
NODE_MODULES = REPO / "node_modules"

needs_mathjax = pytest.mark.skipif(
    shutil.which("node") is None or not (NODE_MODULES / "mathjax-full").is_dir(),
    reason="node and node_modules/mathjax-full are needed: run `make` or `npm ci`",
)


def project_with(tmp_path: Path, *cards: Mapping[str, object]) -> Project:
    folder = tmp_path / "cards"
    folder.mkdir()
    text = yaml.safe_dump({"title": "Test", "cards": list(cards)}, sort_keys=False, allow_unicode=True, width=1000)
    (folder / "01-test.yaml").write_text(text, "utf-8")
    return load_project(folder)


def problems_of(project: Project) -> list[str]:
    return [str(p) for p in check_problems(project, "math")]


def basic(card_id: str, back: str) -> dict[str, object]:
    return {"id": card_id, "type": "basic", "front": "What is it?", "back": back}


@pytest.fixture(autouse=True)
def repo_node_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test projects live in tmp folders; they use the repository's node modules."""
    monkeypatch.setenv(NODE_MODULES_ENV, str(NODE_MODULES))


def test_math_is_found_in_text_as_mathjax_finds_it() -> None:
    html = r'\(a &lt; b\) <code>\(not math\)</code> <div class="math">\[\frac{1}{2}\]</div> \(f\{x\}\)'
    assert find_math(html) == (
        MathSpan("a < b", display=False),
        MathSpan(r"\frac{1}{2}", display=True),
        MathSpan(r"f\{x\}", display=False),
    )


def test_an_end_delimiter_inside_braces_does_not_end_the_math() -> None:
    assert find_math(r"\(\frac{1}{\) and more") == (MathSpan(r"\frac{1}{\) and more", False, closed=False),)


def test_a_line_break_tag_is_a_newline_inside_math() -> None:
    assert find_math(r"\(a +<br>b\)") == (MathSpan("a +\nb", False),)


@needs_mathjax
def test_good_formulas_pass(tmp_path: Path) -> None:
    project = project_with(
        tmp_path,
        basic("inline", r"\(\frac{1}{2} < \sqrt{x}\) and \(p \coloneqq \mathbb{E}[x]\)"),
        basic("display", r"\[\begin{pmatrix} a & b \\ c & d \end{pmatrix}\]"),
    )
    assert problems_of(project) == []



def test_a_missing_brace_hides_the_end_of_the_math(tmp_path: Path) -> None:
    project = project_with(tmp_path, basic("open-brace", r"It is \(\frac{1}{\)."))
    [problem] = problems_of(project)
    assert r"[open-brace] math in Back must end with '\)' outside braces" in problem
    assert r"'\(\frac{1}{\).'" in problem


@needs_mathjax
def test_a_display_formula_is_checked_too(tmp_path: Path) -> None:
    project = project_with(tmp_path, basic("display", r"\[\left( x \]"))
    [problem] = problems_of(project)
    assert r"[display] math in Back must typeset in MathJax 3.2.2: Extra \left or missing \right" in problem


@needs_mathjax
def test_math_inside_a_cloze_deletion_is_typeset(tmp_path: Path) -> None:
    cloze = {"id": "hidden", "type": "cloze", "text": r"The mean is {{c1::\(\bar{x\)}}."}
    project = project_with(tmp_path, cloze)
    [problem] = problems_of(project)
    assert "[hidden] math in Text must end with" in problem


# cards whose math must fail, each with the problems it must be reported with: (line, message)
HIDDEN = r"\(\newcommand{\bx}[1]{\bbox[#1]{x}}\bx{background-image:url(//a.b/c)}\)"
FAILING_MATH: dict[str, tuple[tuple[dict[str, object], ...], list[tuple[int, str]]]] = {
    "an-extra-brace-fails-with-mathjax-message-and-the-cards-place": (
        (basic("ok", "no math"), basic("bad-brace", r"It is \(\frac{1}{2}}\).")),
        [
            (
                7,
                "[bad-brace] math in Back must typeset in MathJax 3.2.2: "
                r"Extra close brace or missing open brace: '\(\frac{1}{2}}\)'",
            )
        ],
    ),
    "an-undefined-macro-fails": (
        (basic("macro", r"\(\foo{x}\)"),),
        [(3, r"[macro] math in Back must typeset in MathJax 3.2.2: Undefined control sequence \foo: '\(\foo{x}\)'")],
    ),
    "a-newline-inside-math-fails": (
        (basic("newline", "It is \\(a +\nb\\)."),),
        [(3, "[newline] math in Back must be on one line (a raw newline breaks it in Anki): '\\(a +\nb\\)'")],
    ),
    "double-close-brace-in-math-fails-in-a-cloze-only": (
        (
            {"id": "soft", "type": "cloze", "text": r"{{c1::softmax}} gives \(e^{x_{i}}\)"},
            basic("plain", r"\(e^{x_{i}}\)"),
        ),
        [
            (
                3,
                "[soft] math in Text must not contain '}}' "
                r"(it ends the cloze early; write '} }'): '\(e^{x_{i}}\)'",
            )
        ],
    ),
    "tex-that-acts-through-a-macro-of-its-own-is-refused-by-the-attribute-it-sets": (
        (basic("hidden", HIDDEN), basic("colour", r"\(\color{red}{x} \bbox[yellow,5px]{y} \unicode{x41}\)")),
        [
            (
                3,
                "[hidden] math in Back must not make links, styles, ids or classes "
                f"(they act in Anki): sets the HTML attribute 'style': '{HIDDEN}'",
            )
        ],
    ),
}


@needs_mathjax
@pytest.mark.parametrize("case", FAILING_MATH)
def test_math_that_fails_is_reported_at_its_card_with_the_reason(tmp_path: Path, case: str) -> None:
    cards, expected = FAILING_MATH[case]
    project = project_with(tmp_path, *cards)
    assert problems_of(project) == [f"{project.cards_dir}/01-test.yaml:{line}: {message}" for line, message in expected]


@pytest.mark.parametrize(
    ("variable", "folder", "reason"),
    [
        pytest.param(
            "PATH",
            "empty",
            "node (Node.js) must be on PATH to typeset math: "
            "install it, then run `make` or `npm ci` in the project folder",
            marks=needs_mathjax,
            id="missing-node",
        ),
        pytest.param(
            NODE_MODULES_ENV,
            "node_modules",
            "mathjax-full is not installed in {folder}: run `make` or `npm ci` in the project folder",
            id="missing-node-modules",
        ),
    ],
)
def test_a_missing_tool_is_an_error_not_a_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, folder: str, reason: str
) -> None:
    monkeypatch.setenv(variable, str(tmp_path / folder))
    project = project_with(tmp_path, basic("inline", r"\(x\)"))
    assert problems_of(project) == [
        f"{project.cards_dir}:1: math cannot be checked: " + reason.format(folder=tmp_path / folder)
    ]


@needs_mathjax
def test_check_command_fails_on_bad_math_in_the_real_deck(cards_copy: Path) -> None:
    deck = cards_copy / "01-basics.yaml"
    data = yaml.safe_load(deck.read_text("utf-8"))
    data["cards"][0]["back"] = r"The whole dataset: \(n = \lvert D \rvert}\)."
    deck.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000), "utf-8")
    result = CliRunner().invoke(main, ["check", "--cards", str(cards_copy)])
    assert result.exit_code == 1
    card_id = data["cards"][0]["id"]
    assert (
        f"01-basics.yaml:3: [{card_id}] math in Back must typeset in MathJax 3.2.2: Extra close brace" in result.output
    )


ACTING_TEX = {
    "href": r"\(\href{javascript:alert(1)}{x}\)",
    "style": r"\(\style{background-image:url(//example.com/t.png)}{x}\)",
    "css-id": r"\(\cssId{step}{x}\)",
    "class": r"\(\class{hidden}{x}\)",
    "data": r"\(\data{a=1}{x}\)",
    "mml-token": r"""\(\mmlToken{mi}[href="javascript:alert(1)"]{x}\)""",
    "require": r"\(\require{html} x\)",
    "bbox-style": r"\(\bbox[background-image:url(//example.com/t.png)]{x}\)",
    "unicode-font": r"\(\unicode[Comic Sans]{x41}\)",
}


@pytest.mark.parametrize("case", sorted(ACTING_TEX))
def test_tex_that_makes_links_styles_ids_or_classes_is_refused_with_the_cards_line(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # refused without node too
    project = project_with(tmp_path, basic("fine", r"\(x\)"), basic(case, f"It is {ACTING_TEX[case]}."))
    problems = [p for p in problems_of(project) if "cannot be checked" not in p]
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{project.cards_dir}/01-test.yaml:7: [{case}] math in Back must not make links, ")
    assert problems[0].endswith(f": '{ACTING_TEX[case]}'")


@pytest.mark.parametrize(
    "html",
    [
        pytest.param(r"<p>\(x^2\)</p>", id="backslash"),
        pytest.param("<p>&#92;(x^2&#92;)</p>", id="numeric-entity"),
        pytest.param("<p>&bsol;(x^2&bsol;)</p>", id="named-entity"),
    ],
)
def test_math_written_with_a_backslash_or_its_entity_is_found(html: str) -> None:
    assert find_math(html) == (MathSpan("x^2", display=False),)


def test_html_with_no_backslash_and_no_entity_holds_no_math() -> None:
    assert find_math("<p>(x^2) and [y] in <code>f(x)</code></p>") == ()
