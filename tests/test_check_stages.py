"""``dlflash check`` reports every problem of every stage at once, even when one stage raises."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dlflash.checks import run
from dlflash.config import Project
from dlflash.errors import DlflashError, ProblemsError
from dlflash.model import CardSet, Problem, Source


def test_a_stage_that_raises_still_lets_every_later_stage_report(monkeypatch: pytest.MonkeyPatch) -> None:
    def raising(project: Project, cards: CardSet) -> Iterator[Problem]:
        yield Problem(Source("a.yaml", 1), "first, before raising")
        raise ProblemsError([Problem(Source("a.yaml", 2), "cannot render")])

    def broken(project: Project, cards: CardSet) -> Iterator[Problem]:
        raise DlflashError("node crashed")

    def later(project: Project, cards: CardSet) -> Iterator[Problem]:
        yield Problem(Source("b.yaml", 3), "a later stage's problem")

    monkeypatch.setattr(run, "CHECKS", [("render", raising), ("math", broken), ("lint", later)])
    problems = [str(p) for p in run.run_checks(Project(Path("cards")), CardSet("cards", ()))]
    assert problems == [
        "a.yaml:1: first, before raising",
        "a.yaml:2: cannot render",
        "cards:1: the math check cannot run: node crashed",
        "b.yaml:3: a later stage's problem",
    ]
