"""``dlflash check`` reports every problem of every stage at once, even when one stage raises, each once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from dlflash.checks import run
from dlflash.config import Project
from dlflash.deck import Deck
from dlflash.errors import DlflashError, ProblemsError
from dlflash.model import CardSet, Problem, Source
from dlflash.registry import Registry


def test_a_stage_that_raises_still_lets_every_later_stage_report() -> None:
    def raising(deck: Deck) -> Iterator[Problem]:
        yield Problem(Source("a.yaml", 1), "first, before raising")
        raise ProblemsError([Problem(Source("a.yaml", 2), "cannot render")])

    def broken(deck: Deck) -> Iterator[Problem]:
        raise DlflashError("node crashed")

    def later(deck: Deck) -> Iterator[Problem]:
        yield Problem(Source("b.yaml", 3), "a later stage's problem")
        yield Problem(Source("a.yaml", 2), "cannot render")  # found again: reported once

    checks: Registry[run.Check] = Registry("check", [("render", raising), ("math", broken), ("lint", later)])
    deck = Deck(Project(Path("cards")), CardSet("cards", ()), Path("unused"))
    problems = [str(p) for p in run.run_checks(deck, checks)]
    assert problems == [
        "a.yaml:1: first, before raising",
        "a.yaml:2: cannot render",
        "cards:1: the math check cannot run: node crashed",
        "b.yaml:3: a later stage's problem",
    ]
