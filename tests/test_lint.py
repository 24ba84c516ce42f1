"""The card-quality lint: each rule fires on a bad card and stays quiet on a good one."""

from __future__ import annotations

import difflib
import random
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from projects import check_problems

from dlflash.cache import CACHE_DIR, CACHE_ENV
from dlflash.checks.lint import (
    LINT_CACHE,
    NEAR_IDENTICAL_RATIO,
    RULES,
    is_yes_no_question,
    lint_cards,
    prompts,
)
from dlflash.checks.similar import BUCKET_CAP, candidates, numbered, ratio_bounds
from dlflash.cli import main
from dlflash.config import load_project
from dlflash.model import Card, CardFile, CardSet, FormulaSpec, Problem, Source
from dlflash.sources.cards import load_cards
from dlflash.text.cardtext import shape_tokens

CARDS = Path(__file__).resolve().parent.parent / "cards"

PATH = "cards/01-basics.yaml"
GOOD = Card(
    id="act-relu-hidden",
    type="basic",
    source=Source(PATH, 3),
    front="Which activation is the usual non-linearity of hidden layers?",
    back="ReLU",
    tags=("activation",),
    covers=("basics.activation-functions.relu",),
)
GOOD_CLOZE = Card(
    id="act-by-task",
    type="cloze",
    source=Source(PATH, 10),
    text="Single-label classification ends with {{c1::softmax}}; multi-label with {{c2::sigmoid}}.",
    tags=("activation",),
    covers=("basics.activation-functions.softmax",),
)
GOOD_REVERSIBLE = Card(
    id="loss-mae-name",
    type="reversible",
    source=Source(PATH, 20),
    front="MAE (mean absolute error)",
    back="The L1 loss",
    tags=("loss",),
    covers=("basics.loss-functions.regression.mae",),
)


def lint(*cards: Card, media: tuple[str, ...] = ()) -> list[Problem]:
    deck = CardSet("cards", (CardFile(PATH, 1, "basics", "Basics", tuple(cards)),))
    return lint_cards(deck, set(media))


def fired(rule: str, *cards: Card, media: tuple[str, ...] = ()) -> list[Problem]:
    return [p for p in lint(*cards, media=media) if p.message.startswith(f"{rule}: ")]


def basic(**fields: object) -> Card:
    return replace(GOOD, **fields)  # type: ignore[arg-type]


def cloze(text: str, **fields: object) -> Card:
    return replace(GOOD_CLOZE, text=text, **fields)  # type: ignore[arg-type]


def test_good_cards_have_no_problems() -> None:
    assert lint(GOOD, GOOD_CLOZE, GOOD_REVERSIBLE) == []


def test_every_rule_names_its_threshold_and_source() -> None:
    names = list(RULES)
    assert len(names) == len(set(names))
    for rule in RULES.values():
        assert rule.threshold and rule.source, rule.name
        assert rule.severity in {"error", "warning", "warning/error", "error/warning"}


# ---------------------------------------------------------------- answer-length


def test_answer_over_ten_words_is_a_warning_in_the_report_format() -> None:
    card = basic(back="one two three four five six seven eight nine ten eleven")
    (problem,) = fired("answer-length", card)
    assert problem.severity == "warning"
    assert str(problem).startswith(
        f"{PATH}:3: [act-relu-hidden] answer-length: back should be at most 10 words, not 11"
    )


def test_answer_over_twenty_words_is_an_error() -> None:
    (problem,) = fired("answer-length", basic(back=" ".join(["word"] * 21)))
    assert problem.severity == "error"
    assert "at most 20 words, not 21" in problem.message


def test_math_and_code_are_not_counted_as_words() -> None:
    back = (
        r"The mean \(\frac{1}{n}\sum_i (y_i - \hat y_i)^2\) via `torch.nn.functional.mse_loss(a, b, reduction='mean')`"
    )
    assert fired("answer-length", basic(back=back)) == []


def test_a_long_answer_with_a_reason_passes() -> None:
    card = basic(back=" ".join(["word"] * 25), long_answer="The five steps of Adam belong together.")
    assert fired("answer-length", card) == []


def test_a_long_cloze_deletion_is_a_warning() -> None:
    long_deletion = cloze("Adam keeps {{c1::" + " ".join(["word"] * 12) + "}}.")
    (problem,) = fired("answer-length", long_deletion)
    assert problem.message.startswith("answer-length: c1 ")


def test_the_front_of_a_reversible_card_is_also_an_answer() -> None:
    card = replace(GOOD_REVERSIBLE, front="The loss that averages the absolute values of all the errors over the batch")
    (problem,) = fired("answer-length", card)
    assert "front (reversed)" in problem.message


def test_a_reason_for_a_short_answer_is_flagged_as_unneeded() -> None:
    assert fired("unneeded-long-answer", basic(long_answer="It lists many items.")) != []
    assert fired("unneeded-long-answer", basic(back=" ".join(["w"] * 12), long_answer="A reason.")) == []


# ---------------------------------------------------------------- questions


def test_a_question_over_twenty_words_is_a_warning() -> None:
    long_front = "Which " + " ".join(["word"] * 20) + "?"
    assert [p.severity for p in fired("question-length", basic(front=long_front))] == ["warning"]
    assert fired("question-length", basic(front="Which " + " ".join(["word"] * 18) + "?")) == []


def test_two_questions_in_one_prompt_are_a_warning() -> None:
    assert fired("two-questions", basic(front="What is ReLU? Where is it used?")) != []
    assert fired("two-questions", GOOD) == []


@pytest.mark.parametrize(
    "front",
    [
        "Is ReLU differentiable at zero?",
        "Does batch norm use the biased variance?",
        "Can **SGD** escape saddle points?",
        "For a CNN: should padding keep the size?",
        "Would Adam converge here?",
    ],
)
def test_yes_no_questions_are_detected(front: str) -> None:
    assert is_yes_no_question(front)
    assert fired("yes-no", basic(front=front)) != []


@pytest.mark.parametrize(
    "front",
    [
        "Is ReLU or tanh cheaper to compute?",
        "What is ReLU?",
        "Which loss does `is_close()` use?",
        "The island model is a what?",
    ],
)
def test_choices_and_open_questions_are_not_yes_no(front: str) -> None:
    assert not is_yes_no_question(front)


@pytest.mark.parametrize("back", ["Yes", "No.", "Yes, because the gradient is 1.", "no - it is biased"])
def test_yes_no_answers_are_errors(back: str) -> None:
    (problem,) = fired("yes-no", basic(back=back))
    assert problem.severity == "error"


def test_an_answer_starting_with_the_word_no_is_not_yes_no() -> None:
    assert fired("yes-no", basic(back="No free lunch")) == []


@pytest.mark.parametrize("front", ["What is the derivative of ReLU for x > 0", "ReLU derivative"])
def test_a_front_that_is_neither_question_nor_completion_is_a_warning(front: str) -> None:
    assert fired("question-form", basic(front=front)) != []


@pytest.mark.parametrize(
    "front",
    [
        "The derivative of ReLU for \\(x > 0\\) is:",
        "ReLU outputs \\(\\max(0, x)\\) and its derivative for positive inputs is…",
        "Name the activation of hidden layers.",
        "\\(\\sigma'(x) =\\)",
    ],
)
def test_completion_and_imperative_prompts_are_allowed(front: str) -> None:
    assert fired("question-form", basic(front=front)) == []


def test_a_reversible_side_that_is_a_question_is_a_warning() -> None:
    card = replace(GOOD_REVERSIBLE, front="Which loss is the L1 loss?")
    (problem,) = fired("reversible-sides", card)
    assert problem.message.startswith("reversible-sides: front is a question")
    assert fired("reversible-sides", GOOD_REVERSIBLE) == []


# ---------------------------------------------------------------- answers given away


def test_an_answer_whose_words_are_in_the_question_is_a_warning() -> None:
    card = basic(front="Which activation, ReLU or tanh, is max(0, x)?", back="ReLU")
    assert fired("answer-in-question", card) != []
    assert fired("answer-in-question", GOOD) == []


def test_an_answer_in_code_or_math_shown_by_the_question_is_a_warning() -> None:
    assert fired("answer-in-question", basic(front="Which module is `nn.BCELoss`?", back="`nn.BCELoss`")) != []
    assert fired("answer-in-question", basic(front="Which module is the BCE loss?", back="`nn.BCELoss`")) == []


def test_an_answer_whose_math_is_not_in_the_question_is_not_given_away() -> None:
    card = basic(front="What does ReLU output for an input \\(x\\)?", back="\\(\\max(0, x)\\) of the input")
    assert fired("answer-in-question", card) == []


def test_a_cloze_answer_shown_elsewhere_in_the_text_is_a_warning() -> None:
    text = "Hidden layers use {{c1::ReLU}}; the ReLU derivative is {{c2::a step function}}."
    (problem,) = fired("answer-in-question", cloze(text))
    assert "c1 'ReLU' is given away" in problem.message


def test_a_cloze_hint_that_holds_the_answer_is_a_warning() -> None:
    assert fired("answer-in-question", cloze("Hidden layers use {{c1::ReLU::ReLU activation}}.")) != []


# ---------------------------------------------------------------- sets and clozes


@pytest.mark.parametrize("back", ["- ReLU\n- tanh\n- sigmoid", "ReLU, tanh and sigmoid", "1. SGD\n2. Adam\n3. RMSProp"])
def test_a_set_in_a_basic_answer_is_a_warning(back: str) -> None:
    (problem,) = fired("set-in-basic", basic(back=back))
    assert "lists 3 items" in problem.message


def test_a_sentence_with_commas_is_not_a_set() -> None:
    back = "It penalises large errors more, since each error is squared, not taken absolutely."
    assert fired("set-in-basic", basic(back=back)) == []


def test_a_list_cloze_with_one_number_for_all_items_is_a_warning() -> None:
    text = "Activations: {{c1::ReLU}}, {{c1::tanh}}, {{c1::sigmoid}}."
    (problem,) = fired("cloze-numbering", cloze(text))
    assert "one deletion number per item: all 3 deletions are c1" in problem.message


def test_deletions_sharing_a_number_among_others_are_a_warning() -> None:
    (problem,) = fired("cloze-numbering", cloze("{{c1::Adam}} keeps {{c2::m}} and {{c2::v}}."))
    assert "share c2" in problem.message
    assert fired("cloze-numbering", GOOD_CLOZE) == []


@pytest.mark.parametrize(
    "text",
    [
        "The derivative is {{c1::\\(\\frac{a}{b^{2}}\\)}}.",
        "Squared: {{c1::x^{2}}}.",
        "The scope is {{c1::\\(a::b\\)}}.",
        "Unclosed {{c1::softmax.",
    ],
)
def test_broken_cloze_syntax_is_an_error(text: str) -> None:
    problems = fired("cloze-syntax", cloze(text))
    assert problems and all(p.severity == "error" for p in problems)


@pytest.mark.parametrize(
    "text",
    [
        "The derivative is {{c1::\\(\\frac{a}{b^{2} }\\)}}.",
        "Inside math: \\(y = {{c1::\\max(0, x)}}\\).",
        "A hint: {{c1::softmax::an activation}}.",
    ],
)
def test_well_formed_clozes_pass_the_syntax_rule(text: str) -> None:
    assert fired("cloze-syntax", cloze(text)) == []


# ---------------------------------------------------------------- math and media


@pytest.mark.parametrize(
    ("back", "expected"),
    [
        ("The mean $x$ of all", "not $"),
        ("Unclosed \\(x + 1", "every '\\(' must be closed"),
        ("Inline \\(a +\nb\\) math", "inline math must fit on one line"),
    ],
)
def test_broken_math_is_an_error(back: str, expected: str) -> None:
    (problem,) = fired("math-syntax", basic(back=back))
    assert problem.severity == "error"
    assert expected in problem.message


def test_display_math_over_lines_and_dollars_in_code_pass() -> None:
    assert fired("math-syntax", basic(back="\\[\na + b\n\\]", extra="In bash: `echo $HOME$`")) == []


def test_an_image_listed_and_available_passes() -> None:
    card = basic(extra="![ReLU plot](relu.png)", media=("relu.png",))
    assert fired("media", card, media=("relu.png",)) == []


@pytest.mark.parametrize(
    ("extra", "media", "expected"),
    [
        ("![plot](relu.png)", (), "image 'relu.png' must be listed in 'media'"),
        ("![plot](img/relu.png)", ("relu.png",), "an image must be a bare file name: 'img/relu.png'"),
        ('<img src="relu.png">', ("relu.png",), "raw HTML is shown as text"),
        ("![plot](tanh.png)", ("tanh.png",), "media file not found"),
    ],
)
def test_a_bad_image_is_an_error(extra: str, media: tuple[str, ...], expected: str) -> None:
    problems = fired("media", basic(extra=extra, media=media), media=("relu.png",))
    assert any(expected in p.message and p.severity == "error" for p in problems), problems


def test_a_media_file_nobody_shows_is_a_warning() -> None:
    (problem,) = fired("media", basic(media=("relu.png",)), media=("relu.png",))
    assert problem.severity == "warning"


def test_a_card_without_tags_or_covers_is_an_error() -> None:
    bare = basic(tags=(), covers=())
    assert [p.severity for p in fired("topic-tag", bare)] == ["error"]
    assert [p.severity for p in fired("covers", bare)] == ["error"]


# ---------------------------------------------------------------- interference


def test_an_identical_front_is_an_error_naming_the_earlier_card() -> None:
    later = basic(
        id="act-relu-again",
        source=Source(PATH, 30),
        front="which activation is the usual  non-linearity of HIDDEN layers?",
    )
    (problem,) = fired("identical-prompt", GOOD, later)
    assert problem.card_id == "act-relu-again"
    assert f"identical to the front of [act-relu-hidden] at {PATH}:3" in problem.message


def test_fronts_that_differ_only_in_math_are_not_identical() -> None:
    first = basic(front="What does \\(\\sigma(x)\\) compute?")
    second = basic(id="tanh", front="What does \\(\\tanh(x)\\) compute?")
    assert fired("identical-prompt", first, second) == []


def test_a_near_identical_front_is_a_warning_naming_the_earlier_card() -> None:
    first = basic(front="In batch gradient descent, how many samples make up one batch of the training data?")
    second = basic(
        id="online",
        source=Source(PATH, 40),
        front="In online gradient descent, how many samples make up one batch of the training data?",
    )
    (problem,) = fired("near-identical", first, second)
    assert problem.card_id == "online"
    assert f"[act-relu-hidden] at {PATH}:3" in problem.message
    assert fired("near-identical", GOOD, GOOD_CLOZE, GOOD_REVERSIBLE) == []


# ---------------------------------------------------------------- waivers in card files


CARD_FILE = """\
title: Basics
cards:
  - id: gd-batch
    type: basic
    front: What makes up one batch in mini-batch gradient descent
    back: A group of samples.
    tags: [gradient-descent]
    covers: [basics.gd]
"""


def write_cards(tmp_path: Path, text: str) -> Path:
    cards = tmp_path / "cards"
    cards.mkdir(parents=True)
    (cards / "01-basics.yaml").write_text(text, "utf-8")
    return cards


def lint_dir(cards: Path) -> list[str]:
    return [f"{p} ({p.severity})" for p in check_problems(load_project(cards), "lint")]


def test_a_lint_ok_comment_with_a_reason_waives_a_warning(tmp_path: Path) -> None:
    waived = CARD_FILE + "    # lint-ok: question-form: the cheatsheet phrases it as a heading\n"
    assert lint_dir(write_cards(tmp_path, waived)) == []


def test_a_lint_ok_comment_needs_a_known_rule_and_a_reason(tmp_path: Path) -> None:
    waived = CARD_FILE + "    # lint-ok: question-frm: the cheatsheet phrases it\n    # lint-ok: yes-no\n"
    cards = write_cards(tmp_path, waived)
    found = lint_dir(cards)
    assert (
        f"{cards}/01-basics.yaml:9: [gd-batch] lint-ok: unknown rule 'question-frm' "
        "(did you mean 'question-form'?) (error)"
        in found
    )
    assert any(":10: [gd-batch] lint-ok: yes-no needs a reason" in line for line in found)


def test_a_lint_ok_comment_that_waives_nothing_is_a_warning(tmp_path: Path) -> None:
    waived = (
        CARD_FILE.replace("gradient descent\n", "gradient descent?\n")
        + "    # lint-ok: yes-no: no question is asked here\n"
    )
    (line,) = lint_dir(write_cards(tmp_path, waived))
    assert line.endswith("lint-ok: yes-no waives nothing here (remove it) (warning)")


def test_a_lint_ok_comment_cannot_waive_an_error(tmp_path: Path) -> None:
    waived = (
        CARD_FILE.replace("back: A group of samples.", "back: 'Yes.'")
        + "    # lint-ok: yes-no: it really is a yes or no\n"
    )
    found = lint_dir(write_cards(tmp_path, waived))
    assert any("yes-no: back must not be a yes/no answer" in line and line.endswith("(error)") for line in found)


# ---------------------------------------------------------------- the command line


def test_lint_command_fails_on_errors_with_one_line_each(tmp_path: Path) -> None:
    cards = write_cards(tmp_path, CARD_FILE.replace("back: A group of samples.", "back: 'No.'"))
    result = CliRunner().invoke(main, ["lint", "--cards", str(cards)])
    assert result.exit_code == 1
    assert f"{cards}/01-basics.yaml:3: [gd-batch] yes-no: back must not be a yes/no answer: 'No.'" in result.output
    assert (
        f"{cards}/01-basics.yaml:3: [gd-batch] question-form: front is a question and must end with '?'"
        in result.output
    )
    assert "1 problem found" in result.output


def test_lint_command_lists_warnings_and_passes(tmp_path: Path) -> None:
    cards = write_cards(tmp_path, CARD_FILE)
    result = CliRunner().invoke(main, ["lint", "--cards", str(cards)])
    assert result.exit_code == 0
    assert "question-form: front is a question and must end with '?'" in result.output
    assert "(warning)" in result.output
    assert "ok: 1 cards, 1 warning" in result.output


def test_lint_rules_prints_every_rule_with_threshold_and_source() -> None:
    result = CliRunner().invoke(main, ["lint", "--rules"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == len(RULES)
    first = next(iter(RULES.values()))
    assert lines[0].split("\t") == [first.name, first.severity, first.threshold, first.source]


def test_check_fails_on_a_lint_error(cards_copy: Path) -> None:
    card_file = next(cards_copy.glob("[0-9][0-9]-*.yaml"))
    card_file.write_text(_without_first_tags(card_file.read_text("utf-8")), "utf-8")
    result = CliRunner().invoke(main, ["check", "--cards", str(cards_copy)])
    assert result.exit_code == 1
    assert "topic-tag: every card needs a topic tag in 'tags'" in result.output


def _without_first_tags(text: str) -> str:
    lines = text.splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.lstrip().startswith("tags:"))
    return "".join(lines[:index] + lines[index + 1 :])


def test_the_deck_has_no_lint_errors() -> None:
    if not any(CARDS.glob("[0-9][0-9]-*.yaml")):
        pytest.skip("no card files yet")
    errors = [
        str(p) for p in check_problems(load_project(CARDS), "lint") if p.severity == "error"
    ]
    assert errors == []


def test_a_long_answer_is_waived_only_by_long_answer_not_by_a_comment(tmp_path: Path) -> None:
    long_back = CARD_FILE.replace("A group of samples.", " ".join(["word"] * 12)).replace(
        "gradient descent\n", "gradient descent?\n"
    )
    found = lint_dir(write_cards(tmp_path, long_back + "    # lint-ok: answer-length: the steps belong together\n"))
    assert any("lint-ok: answer-length takes its reason from 'long_answer' (error)" in line for line in found)
    with_reason = long_back + "    long_answer: the steps belong together\n"
    assert lint_dir(write_cards(tmp_path / "second", with_reason)) == []



def test_generated_figure_links_are_left_to_the_figures_check() -> None:
    card = basic(front="Which activation is drawn here? ![a curve](figure:activation-relu)")
    assert fired("media", card) == []
    assert fired("media", basic(front="Which activation is drawn here? ![a curve](relu.png)")) != []


def test_candidate_pairs_include_every_near_identical_pair() -> None:
    rng = random.Random(0)
    words = [f"w{i}" for i in range(12)]
    lists = []
    for _ in range(300):
        base = [rng.choice(words) for _ in range(rng.randint(1, 14))]
        lists.append(base)
        mutated = list(base)
        if mutated and rng.random() < 0.7:
            mutated[rng.randrange(len(mutated))] = rng.choice(words)
        lists.append(mutated)
    records = [numbered(tokens) for tokens in lists]
    found = {(i, j) for j, earlier in candidates(records, *ratio_bounds(NEAR_IDENTICAL_RATIO)) for i in earlier}
    for j in range(len(lists)):
        for i in range(j):
            ratio = difflib.SequenceMatcher(a=lists[i], b=lists[j], autojunk=False).ratio()
            if ratio >= NEAR_IDENTICAL_RATIO:
                assert (i, j) in found, (lists[i], lists[j], ratio)
    assert len(found) < len(lists) * (len(lists) - 1) // 2 // 4  # far fewer than every pair


# ---------------------------------------------------------------- cues, compound prompts, open lists, long formulas


def test_a_deletion_whose_key_word_shows_in_the_text_is_a_cue_leak() -> None:
    text = "Lower it {{c1::by steps}} (`MultiStepLR`) or by {{c2::annealing}} along a curve (`CosineAnnealingLR`)."
    (problem,) = fired("cue-leak", cloze(text))
    assert problem.message.startswith("cue-leak: c2 'annealing' is cued: 'annealing'")


def test_a_plural_in_the_text_cues_its_singular_deletion() -> None:
    text = "ASPP runs {{c1::atrous convolution}} in parallel; its atrous convolutions see far."
    assert "'atrous'" in fired("cue-leak", cloze(text))[0].message


def test_a_head_word_shared_by_the_deletions_is_not_a_cue() -> None:
    text = "Weight penalties: {{c1::L1 regularization}} and {{c2::L2 regularization}}."
    assert fired("cue-leak", cloze(text)) == []
    assert fired("cue-leak", GOOD_CLOZE) == []


def test_a_front_naming_the_key_term_of_the_back_is_a_cue_leak() -> None:
    card = basic(front="Which loss is the binary log-loss identical to?", back="Binary cross-entropy")
    (problem,) = fired("cue-leak", card)
    assert "front holds 'binary' of the back" in problem.message


def test_a_front_naming_the_kind_asked_for_or_a_topic_is_no_cue_leak() -> None:
    topic = basic(front="AlphaGo Zero — which search does its network guide?", back="Tree search")
    assert fired("cue-leak", topic) == []
    sampler = basic(front="Which PyTorch sampler draws with weights?", back="`torch.utils.data.WeightedRandomSampler`")
    assert fired("cue-leak", sampler) == []
    assert fired("cue-leak", GOOD, GOOD_REVERSIBLE) == []


def test_a_word_on_many_cards_of_the_deck_is_no_cue() -> None:
    leak = basic(front="Which activation follows the attention scores?", back="Softmax over the attention scores")
    others = [basic(id=f"attention-{i}", front=f"What does attention head {i} of {i + 1} compute?") for i in range(6)]
    assert fired("cue-leak", leak) != []
    assert [p for p in fired("cue-leak", leak, *others) if p.card_id == leak.id] == []


@pytest.mark.parametrize(
    "front",
    [
        "Who introduced SGDR, and when?",
        "The Transformer — which paper introduced it, and in which year?",
        "ELMo — in which year was it published, and by which lab?",
        "The first GPT paper — what was its title, and year?",
        "What does batch norm fix and why does it help?",
    ],
)
def test_a_front_asking_two_things_is_a_compound_prompt(front: str) -> None:
    (problem,) = fired("compound-prompt", basic(front=front))
    assert problem.message.startswith("compound-prompt: front asks two things")


@pytest.mark.parametrize(
    "front",
    ["Who introduced SGDR?", "How do precision and recall differ?", "Which is cheaper, ReLU or tanh?"],
)
def test_a_front_asking_one_thing_is_no_compound_prompt(front: str) -> None:
    assert fired("compound-prompt", basic(front=front)) == []


@pytest.mark.parametrize(
    "text",
    [
        "NLP applications include {{c1::translation}}, {{c2::question answering}} and {{c3::summarisation}}.",
        "Losses such as {{c1::MSE}} and {{c2::MAE}} suit regression.",
        "Optimisers: {{c1::SGD}}, {{c2::Adam}}, …",
        "The notes' three regression losses are {{c1::MAE}}, {{c2::MSE}} and {{c3::RMSE}}.",
    ],
)
def test_a_cloze_listing_an_open_class_is_a_warning(text: str) -> None:
    assert fired("open-list-cloze", cloze(text)) != []


@pytest.mark.parametrize(
    "text",
    [
        "Single-label classification ends with {{c1::softmax}}; multi-label with {{c2::sigmoid}}.",
        "A CNN reads {{c1::grid data (e.g. images)}}.",
        "Losses such as MSE suit regression; classification uses {{c1::cross-entropy}}.",
    ],
)
def test_a_closed_cloze_or_an_example_inside_a_deletion_is_no_open_list(text: str) -> None:
    assert fired("open-list-cloze", cloze(text)) == []


def _formula(*steps: str) -> FormulaSpec:
    return FormulaSpec(steps, tuple(range(1, len(steps) + 1)), "adam", (("g", "real[d]"),), Source(PATH, 5))


ADAM_STEPS = ("m = b1*m + (1-b1)*g", "v = b2*v + (1-b2)*g**2", "m_hat = m/(1-b1**t)", "w = w - lr*m_hat")


def test_a_formula_of_four_steps_as_one_answer_is_a_warning() -> None:
    (problem,) = fired("long-formula-answer", basic(formula=_formula(*ADAM_STEPS)))
    assert "formula has 4 steps graded as one answer" in problem.message
    assert fired("long-formula-answer", basic(formula=_formula(*ADAM_STEPS[:3]))) == []


def test_a_cloze_card_may_show_a_long_formula_a_line_per_deletion() -> None:
    card = cloze("Adam's update: {{c1::m}}, {{c2::v}}.", formula=_formula(*ADAM_STEPS))
    assert fired("long-formula-answer", card) == []


def test_a_python_block_that_does_not_parse_is_an_error() -> None:
    (problem,) = fired("code-syntax", basic(extra="```python\nx = torch.ones(3\n```"))
    assert problem.severity == "error"
    assert problem.message.startswith("code-syntax: extra: python block 1 does not parse")
    assert fired("code-syntax", basic(extra="```python\n>>> torch.ones(3).sum()\ntensor(3.)\n```")) == []


# ---------------------------------------------------------------- interference across cards


def test_two_cards_with_one_formula_interfere() -> None:
    first = basic(formula=_formula("w = w - lr*(g + wd*w)"))
    second = basic(id="sgd-wd", source=Source(PATH, 50), front="What update does SGD's weight_decay make?",
                   formula=_formula("w = w - lr * (g + wd * w)"))
    (problem,) = fired("interference", first, second)
    assert problem.card_id == "sgd-wd"
    assert f"its formula is the formula of [act-relu-hidden] at {PATH}:3" in problem.message
    assert fired("interference", first, replace(second, formula=_formula("w = w - lr*g"))) == []


def test_two_values_for_one_named_quantity_interfere() -> None:
    first = basic(front="What weight decay is usual for CNNs trained with SGD?", back="`0.0005`")
    second = basic(id="wd-usual", source=Source(PATH, 60), front="What weight decay is usual for CNNs?",
                   back="0.01 or 0.1")
    (problem,) = fired("interference", first, second)
    assert "its value '0.01', '0.1' differs from '0.0005'" in problem.message
    assert "'decay', 'weight'" in problem.message


def test_one_value_written_two_ways_or_another_quantity_does_not_interfere() -> None:
    first = basic(front="What weight decay is usual for CNNs trained with SGD?", back="`0.0005`")
    same = basic(id="wd-usual", front="What weight decay is usual for CNNs?", back="5e-4")
    other = basic(id="dropout-usual", front="What dropout probability is usual?", back="0.5")
    assert fired("interference", first, same, other) == []


def test_an_illustrative_block_needs_a_reason() -> None:
    bare = basic(extra="```python illustrative\nmodel(x)\n```")
    assert "marked illustrative, so it needs a reason" in fired("code-syntax", bare)[0].message
    assert fired("code-syntax", basic(extra="```python illustrative: needs a trained model\nmodel(x)\n```")) == []


def test_an_aside_in_parentheses_neither_splits_nor_opens_a_list() -> None:
    text = "The notes' options: {{c1::standardisation}} (mean 0; most used), {{c2::PCA whitening}}."
    assert fired("open-list-cloze", cloze(text)) != []
    assert fired("open-list-cloze", cloze("CNNs suit {{c1::grid data}} (e.g. images) and {{c2::audio}}.")) == []


def _prompt_records(cards: CardSet) -> list[list[tuple[str, int]]]:
    texts = (text for card in cards.cards for _label, text in prompts(card))
    return [numbered(tokens) for tokens in map(shape_tokens, texts) if tokens]


def _pairs(records: list[list[tuple[str, int]]], cap: int) -> set[tuple[int, int]]:
    bounds = ratio_bounds(NEAR_IDENTICAL_RATIO)
    return {(i, j) for j, earlier in candidates(records, *bounds, cap=cap) for i in earlier}


def test_no_bucket_of_the_real_deck_reaches_the_cap() -> None:
    records = _prompt_records(load_cards(CARDS))
    assert _pairs(records, BUCKET_CAP) == _pairs(records, len(records))


def test_prompts_from_one_template_have_a_bounded_number_of_candidates() -> None:
    # the benchmark's prompts: all alike but for the card's number, none near-identical
    records = [numbered(shape_tokens(f"What does it return for input \\(x_{{{i}}}\\) in case {i}?"))
               for i in range(3000)]
    found = _pairs(records, BUCKET_CAP)
    assert len(found) <= len(records)  # linear, where every pair shares 14 of 16 tokens


# ---------------------------------------------------------------- the cache of card rules' findings


def test_a_cached_finding_is_dropped_when_a_word_it_read_stops_being_rare() -> None:
    text = "Lower it {{c1::by steps}} (`MultiStepLR`) or by {{c2::annealing}} along a curve (`CosineAnnealingLR`)."
    leaky = cloze(text)
    # 'annealing' on seven cards is common: a cue nobody would take for the answer
    common = [
        basic(id=f"annealing-{i}", front=f"What does annealing schedule number {i} lower?", back=f"Rate {i}.")
        for i in range(7)
    ]

    def leaks(*cards: Card) -> list[str]:
        return [p.message for p in fired("cue-leak", *cards) if p.card_id == leaky.id]

    alone = leaks(leaky)
    assert alone and "'annealing'" in alone[0]
    assert leaks(leaky, *common) == []  # the entry cached alone must not be reused here
    assert leaks(leaky) == alone  # and the one cached beside the others must not be reused alone


def test_lint_gives_the_same_problems_with_a_cold_a_warm_and_no_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cards = write_cards(tmp_path, CARD_FILE)
    monkeypatch.setenv(CACHE_ENV, "off")
    without = lint_dir(cards)
    assert without  # the file has findings to compare
    monkeypatch.delenv(CACHE_ENV)
    assert lint_dir(cards) == without
    assert (tmp_path / CACHE_DIR / LINT_CACHE / "card-rules.json").is_file()
    assert lint_dir(cards) == without
