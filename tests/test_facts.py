"""The cheatsheet parser: facts, their ids, lines, text and fingerprints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from projects import deck_sections

from dlflash.errors import DataError
from dlflash.model import Fact
from dlflash.sources.facts import facts_by_id, fingerprint, load_facts, parse_facts, section_of

CHEATSHEET = Path(__file__).resolve().parent.parent / "cards" / "cheatsheet.md"
SECTIONS = deck_sections()
ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)*$")


def parse(text: str) -> dict[str, Fact]:
    return facts_by_id(parse_facts(text, "cheat.md", SECTIONS))


@pytest.fixture(scope="module")
def real() -> tuple[Fact, ...]:
    return load_facts(CHEATSHEET, SECTIONS)


def test_real_cheatsheet_has_269_facts_with_unique_well_formed_ids(real: tuple[Fact, ...]) -> None:
    assert len(real) == 269
    assert len({f.id for f in real}) == 269
    assert [f.id for f in real if not ID_RE.match(f.id)] == []


def test_real_cheatsheet_sections_have_short_slugs_in_document_order(real: tuple[Fact, ...]) -> None:
    sections = list(dict.fromkeys(section_of(f.id) for f in real))
    assert sections == [
        "intro", "index", "setup", "basics", "data", "hyperparams", "generalization", "optimization",
        "vision", "nlp", "structured", "audio", "resources", "classical-ml", "features", "rl", "fastai",
    ]


@pytest.mark.parametrize(
    ("fact_id", "line"),
    [
        ("intro.here-are-my-personal", 3),
        ("index.setting-up", 8),
        ("setup.kaggle", 32),
        ("basics.gradient-descent.batch", 41),
        ("basics.loss-functions.regression.mse", 52),
        ("basics.classification-metrics.f1-score.precision", 62),
        ("data.preprocess.option-1.mean-subtraction", 84),
        ("data.in-case-of-images", 95),
        ("hyperparams.todo-read.superconvergence", 128),
        ("generalization.regularization.weight-penalty.weight-decay", 147),
        ("optimization.normalization-inside-network.group-normalization-paper", 177),
        ("vision.to-speed-up-jpeg", 227),
        ("nlp.sequence-to-sequence.transformer-xl", 249),
        ("rl.q-learning.dqn", 308),
        ("fastai.databunch.if-the-label-is-2", 335),
    ],
)
def test_real_cheatsheet_fact_ids_and_lines(real: tuple[Fact, ...], fact_id: str, line: int) -> None:
    fact = facts_by_id(real)[fact_id]
    assert fact.source.line == line
    assert fact.source.path == str(CHEATSHEET)


def test_real_fact_keeps_text_path_and_fingerprint(real: tuple[Fact, ...]) -> None:
    mse = facts_by_id(real)["basics.loss-functions.regression.mse"]
    assert mse.text == (
        "MSE: Mean Squared Error (L2 loss): Penalice large errors more than MAE (for single continuous value?)."
    )
    assert mse.heading_path == ("Know the basics", "Loss functions", "Regression")
    assert mse.fingerprint == fingerprint(mse.text)


def test_nested_item_is_its_own_fact_and_parent_text_excludes_children() -> None:
    facts = parse("## Basics\n- Outer claim\n  - Inner claim\n    - Deepest claim\n")
    assert facts["basics.outer-claim"].text == "Outer claim"
    assert facts["basics.outer-claim.inner-claim"].text == "Inner claim"
    assert facts["basics.outer-claim.inner-claim.deepest-claim"].source.line == 4
    assert facts["basics.outer-claim.inner-claim"].heading_path == ("Basics", "Outer claim")


def test_leading_bold_term_names_the_item_and_its_abbreviation_wins() -> None:
    facts = parse("## Loss\n- **MSE: Mean Squared Error** (L2 loss): penalises large errors.\n"
                  "- **Cross Entropy**: single-label.\n- Plain text with **bold** later\n")
    assert set(facts) == {"loss.mse", "loss.cross-entropy", "loss.plain-text-with-bold"}
    assert facts["loss.mse"].text == "MSE: Mean Squared Error (L2 loss): penalises large errors."


def test_inline_code_content_is_kept_without_backticks() -> None:
    facts = parse("## Loss\n- **Cross Entropy**: usually with softmax. `nn.CrossEntropyLoss`.\n")
    assert facts["loss.cross-entropy"].text == "Cross Entropy: usually with softmax. nn.CrossEntropyLoss."


def test_link_title_names_the_item_and_the_url_is_dropped() -> None:
    facts = parse("## Basics\n- [Loss functions](/posts/loss.md) (Criterium)\n"
                  "- [**Preprocess**](http://x.io/#pre): Scale the inputs\n")
    assert facts["basics.loss-functions"].text == "Loss functions (Criterium)"
    assert facts["basics.preprocess"].text == "Preprocess: Scale the inputs"


def test_label_before_colon_names_an_item_without_a_term() -> None:
    facts = parse("## Rate\n- Constant: Never use.\n- Reduce it gradually: By steps, by a decay factor\n")
    assert list(facts) == ["rate.constant", "rate.reduce-it-gradually"]


def test_blockquote_paragraphs_and_items_are_facts_and_a_lead_in_names_the_list() -> None:
    text = "## Data\n> Remember the math:\n> - [Matrix calculus](http://m)\n>\n> Images use 0 to 255.\n"
    facts = parse(text)
    assert list(facts) == ["data.remember-the-math.matrix-calculus", "data.images-use-0-to"]
    assert facts["data.remember-the-math.matrix-calculus"].heading_path == ("Data", "Remember the math")
    assert facts["data.images-use-0-to"].source.line == 5


def test_headings_inside_a_blockquote_hold_only_inside_it() -> None:
    facts = parse("Intro prose.\n\n> ## Index\n> 1. [**Basics**](#basics)\n\nAfter the quote.\n")
    assert list(facts) == ["intro.intro-prose", "index.basics", "intro.after-the-quote"]


def test_numbered_lists_nest_and_take_their_bold_terms() -> None:
    facts = parse("## Overfitting\n1. **Get more data**\n   - **Similar datasets**: Get one.\n"
                  "2. **Data augmentation**: Augment.\n   1. Replace last layer\n")
    assert list(facts) == [
        "overfitting.get-more-data",
        "overfitting.get-more-data.similar-datasets",
        "overfitting.data-augmentation",
        "overfitting.data-augmentation.replace-last-layer",
    ]
    assert facts["overfitting.data-augmentation.replace-last-layer"].source.line == 5


def test_section_slug_ignores_numbering_and_h3_adds_to_the_path() -> None:
    facts = parse("## 7. Know the basics\n### Sub Topic\n- A claim here\n")
    assert list(facts) == ["basics.sub-topic.a-claim-here"]
    assert facts["basics.sub-topic.a-claim-here"].heading_path == ("Know the basics", "Sub Topic")


def test_clashing_slugs_get_numbered_in_order_within_their_parent() -> None:
    facts = parse("## Fast\n- Databunch\n  - If the label is an int\n  - If the label is a float\n")
    assert facts["fast.databunch.if-the-label-is"].text == "If the label is an int"
    assert facts["fast.databunch.if-the-label-is-2"].text == "If the label is a float"


def test_adding_unrelated_lines_moves_lines_but_keeps_ids() -> None:
    before = facts_by_id(load_facts(CHEATSHEET, SECTIONS))
    text = CHEATSHEET.read_text("utf-8").replace(
        "## Prepare the data\n", "## Prepare the data\n- A brand new claim\n  - with a child\n\nSome prose.\n\n"
    )
    after = parse(text)
    assert set(after) - set(before) == {"data.a-brand-new-claim", "data.a-brand-new-claim.with-a-child",
                                        "data.some-prose"}
    assert set(before) <= set(after)
    assert after["rl.q-learning.dqn"].source.line == before["rl.q-learning.dqn"].source.line + 5


def test_fingerprint_ignores_case_and_whitespace_but_not_words() -> None:
    assert fingerprint("Penalise  large\nerrors") == fingerprint("penalise large errors")
    assert fingerprint("penalise large errors") != fingerprint("penalise small errors")
    assert len(fingerprint("x")) == 12


def test_html_blocks_rules_and_empty_items_make_no_facts() -> None:
    facts = parse('<p align="center"><img src="t.png" /></p>\n\n---\n\n## S\n-\n- Real\n')
    assert list(facts) == ["s.real"]


def test_load_facts_of_a_missing_file_is_a_data_error_exit_1(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cheatsheet not found") as caught:
        load_facts(tmp_path / "cheatsheet.md")
    assert caught.value.exit_code == 1
