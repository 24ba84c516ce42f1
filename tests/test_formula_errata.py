"""The errata report credits each erratum to the card that teaches its correct form, never to a passing mention."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from dlflash.cli import main
from dlflash.model import Card, FormulaSpec, Source
from dlflash.verify.errata import Finding, quoted_spans, teaching_card

REPO = Path(__file__).resolve().parent.parent
PRECISION_FACT = "basics.classification-metrics.f1-score.precision"


def finding(*quotes: str, reference: str = "precision") -> Finding:
    return Finding(" / ".join(quotes), 62, "formula", False, (), reference, quotes, (62,))


def card(card_id: str, extra: str = "", reference: str | None = None, tags: tuple[str, ...] = ("metric",)) -> Card:
    formula = None
    if reference is not None:
        formula = FormulaSpec(("TP / (TP + FP)",), (1,), reference, (), Source("c.yaml", 1))
    return Card(card_id, "basic", Source("c.yaml", 1), front="q?", back="a", extra=extra, tags=tags,
                covers=(PRECISION_FACT,), formula=formula)


MENTION = Card("denominators", "cloze", Source("c.yaml", 1), text="Precision divides TP by {{c1::TP + FP}}.",
               tags=("metric",), covers=(PRECISION_FACT,))


def test_a_card_quoting_the_whole_erratum_wins_over_one_mentioning_its_first_word() -> None:
    quoting = card("precision-formula", extra="The notes write `TP / TP + FP`, which computes 1 + FP.")
    assert teaching_card(finding("TP / TP + FP"), [MENTION, quoting], {PRECISION_FACT}) == "precision-formula"


def test_without_a_quote_the_card_checked_against_the_same_reference_is_credited() -> None:
    recall = card("recall-formula", reference="recall")
    precision = card("precision-formula", reference="precision")
    assert teaching_card(finding("TP / TP + FP"), [MENTION, recall, precision], {PRECISION_FACT}) == "precision-formula"
    assert teaching_card(finding("TP / TP + FP"), [MENTION, recall], {PRECISION_FACT}) is None


def test_a_quote_inside_a_longer_quoted_formula_does_not_match() -> None:
    longer = card("standardize", extra="The notes write `x = x - x.mean() / x.std()`.", reference="standardize")
    assert teaching_card(finding("x = x - x.mean()", reference="center"), [longer], set()) is None


def test_an_errata_card_quoting_every_piece_comes_before_one_that_merely_quotes_it() -> None:
    plain = card("plain", extra="Compare `a = b` and then `c = d`.")
    errata = card("erratum", extra='The notes write "a = b" and `c = d`.', tags=("metric", "errata"))
    assert teaching_card(finding("a = b", "c = d"), [plain, errata], set()) == "erratum"
    assert teaching_card(finding("a = b", "c = e"), [plain, errata], set()) is None


def test_quoted_spans_are_whole_code_or_quoted_pieces_without_trailing_punctuation() -> None:
    spans = quoted_spans('They say "Sometimes identical to L2 reg." and `x  =  1` or “y”.')
    assert spans == {"Sometimes identical to L2 reg", "x = 1", "y"}


def test_errata_of_the_real_deck_credit_the_cards_teaching_each_formula() -> None:
    result = CliRunner().invoke(main, ["errata", "--cards", str(REPO / "cards")])
    assert result.exit_code == 0, result.output
    sections = {block.splitlines()[0]: block for block in result.output.split("### ")[1:]}

    def credited(header_end: str) -> str:
        block = next(b for h, b in sections.items() if h.endswith(header_end))
        # the card, then where it is written: "[id] (cards/F.yaml:LINE)"
        return block.split("- card: ")[1].splitlines()[0].split(" (")[0]

    assert credited("`TP / TP + FP`") == "[metric-precision-formula]"
    assert credited("`TP / TP + FN`") == "[metric-recall-formula]"
    assert credited("`new_w = w - lr[(0.1 * gradient_w)  +  (0.9 * w)]`") == "[opt-momentum-notes-erratum]"
    assert credited("`new_w = w - lr * gradient_w / [(0.1 * gradient_w²)  +  (0.9 * w)]`") == (
        "[opt-rmsprop-notes-erratum]"
    )
    assert credited("`x = x - x.mean()`, then `x = x / x.std()`") == "[data-standardize-formula]"


def test_the_pca_whitening_line_is_checked_correct_with_its_numbers() -> None:
    result = CliRunner().invoke(main, ["errata", "--cards", str(REPO / "cards")])
    assert result.exit_code == 0, result.output
    correct = result.output.split("## Checked and correct")[1]
    block = correct.split("cheatsheet.md:89: `whitened = decorrelated / np.sqrt(eigVals + 1e-5)`")[1]
    block = block.split("###")[0]
    assert "as written gives [0.9971, -0.9859, -0.8013, -1.057, 1.294" in block
    assert "torch gives [0.9971, -0.9859, -0.8013, -1.057, 1.294" in block
    assert "- card: [data-pca-whitening-formula]" in block


def test_the_cam_shape_claims_are_checked_by_running_the_references() -> None:
    result = CliRunner().invoke(main, ["errata", "--cards", str(REPO / "cards")])
    correct = result.output.split("## Checked and correct")[1]
    assert "cheatsheet.md:189: `[512, 11, 11]-->[11, 11]`" in correct
    assert "on A [512, 11, 11]: [11, 11]" in correct
    assert "cheatsheet.md:190: `[512, 11, 11]*[512]-->[11, 11]`" in correct
    assert "on A [512, 11, 11], w [512]: [11, 11]" in correct
    assert "- card: [cam-combine-shapes]" in correct and "- card: [explain-features-channel-mean]" in correct


def test_a_wrong_shape_claim_is_reported_as_differing() -> None:
    from dlflash.config import load_project
    from dlflash.verify.errata import _shape
    from dlflash.verify.registry import load_references

    text = "line one\nCAM `[4, 3, 3]*[4]-->[4]`\n"
    entry = {"quote": "[4, 3, 3]*[4]-->[4]", "reference": "class_activation_map",
             "inputs": {"A": [4, 3, 3], "w": [4]}, "claimed": [4]}
    found = _shape(entry, text, "notes.md", load_references(load_project(REPO / "cards")))
    assert (found.line, found.kind, found.correct) == (2, "shape", False)
    assert found.details[0] == "claimed output shape: [4]"
    assert found.details[1].endswith("on A [4, 3, 3], w [4]: [3, 3]")
