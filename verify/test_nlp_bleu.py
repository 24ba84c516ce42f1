"""The explicit BLEU behind the ``bleu`` reference reproduces Papineni et al.'s example and hand computations."""

from __future__ import annotations

import math

from verify.references.nlp import bleu_from_tokens, modified_precision

TOLERANCE = 1e-12


def words(text: str) -> list[str]:
    return text.split()


def test_clipping_gives_papineni_example_two_sevenths() -> None:
    candidate = words("the the the the the the the")
    references = [words("the cat is on the mat"), words("there is a cat on the mat")]
    assert abs(modified_precision(candidate, references, 1) - 2 / 7) < TOLERANCE


def test_bleu_matches_a_hand_computation_with_brevity_penalty() -> None:
    # p1..p4 = 6/6, 4/5, 3/4, 2/3; the candidate has 6 words, the reference 7
    candidate = words("the cat sat on the mat")
    reference = words("the cat sat on the red mat")
    expected = math.exp(1 - 7 / 6) * (1 * 4 / 5 * 3 / 4 * 2 / 3) ** (1 / 4)
    assert abs(bleu_from_tokens(candidate, [reference]) - expected) < TOLERANCE


def test_no_brevity_penalty_when_candidate_is_longer() -> None:
    candidate = words("the cat sat on the mat today")
    reference = words("the cat sat on the mat")
    expected = (6 / 7 * 5 / 6 * 4 / 5 * 3 / 4) ** (1 / 4)
    assert abs(bleu_from_tokens(candidate, [reference]) - expected) < TOLERANCE


def test_a_missing_four_gram_makes_unsmoothed_bleu_zero() -> None:
    assert bleu_from_tokens(words("the cat sat"), [words("the cat sat")]) == 0.0
    assert bleu_from_tokens(words("a b c d e"), [words("a b c x d e")]) == 0.0
