"""One registry type for checks, lint rules, figures and references: ordered, named once, selectable."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dlflash.checks.lint import RULES
from dlflash.checks.run import CHECKS
from dlflash.cli import main
from dlflash.config import load_project
from dlflash.errors import DataError, UsageError
from dlflash.registry import Registry
from dlflash.render.figures import load_figures
from dlflash.verify.registry import load_references

REPO = Path(__file__).resolve().parent.parent


def test_registry_keeps_the_order_entries_were_added_in() -> None:
    registry: Registry[int] = Registry("thing", [("b", 2), ("a", 1), ("c", 3)])
    assert list(registry) == ["b", "a", "c"]
    assert list(registry.values()) == [2, 1, 3]


def test_a_name_added_twice_is_refused_naming_both_places() -> None:
    registry: Registry[int] = Registry("figure")
    registry.add("loss-curve", 1, where="figures/a.py")
    with pytest.raises(DataError, match=r"figure 'loss-curve' is registered twice: in figures/a.py and figures/b.py"):
        registry.add("loss-curve", 2, where="figures/b.py")


def test_select_keeps_the_registry_order_not_the_order_asked() -> None:
    registry: Registry[int] = Registry("check", [("coverage", 1), ("lint", 2), ("math", 3)])
    assert list(registry.select(["math", "coverage"])) == ["coverage", "math"]


def test_select_of_an_unknown_name_is_a_usage_error_with_did_you_mean() -> None:
    registry: Registry[int] = Registry("check", [("lint", 1), ("math", 2)])
    with pytest.raises(UsageError, match=r"unknown check 'mth' \(did you mean 'math'\?\); known: lint, math"):
        registry.select(["mth"])


@pytest.mark.parametrize(
    "registry",
    [
        pytest.param(lambda: CHECKS, id="checks"),
        pytest.param(lambda: RULES, id="lint-rules"),
        pytest.param(lambda: load_figures(load_project(REPO / "cards")), id="figures"),
        pytest.param(lambda: load_references(load_project(REPO / "cards")), id="references"),
    ],
)
def test_every_extension_point_is_a_registry(registry: object) -> None:
    found = registry()  # type: ignore[operator]
    assert isinstance(found, Registry) and len(found) > 0


def test_check_only_runs_the_named_checks(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--cards", str(REPO / "cards"), "--only", "math,lint"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("(lint, math)")


def test_check_only_skips_a_failing_check_it_was_not_asked_for(tmp_path: Path) -> None:
    cards = tmp_path / "cards"
    cards.mkdir()
    # a yes/no question is a lint error; the figures check has nothing to say about it
    (cards / "01-test.yaml").write_text(
        "title: Test\ncards:\n  - id: yes-no\n    type: basic\n    front: Is ReLU linear?\n    back: No.\n", "utf-8"
    )
    failing = CliRunner().invoke(main, ["check", "--cards", str(cards), "--only", "lint"])
    assert failing.exit_code == 1
    assert "yes-no" in failing.output
    passing = CliRunner().invoke(main, ["check", "--cards", str(cards), "--only", "figures"])
    assert passing.exit_code == 0, passing.output


def test_check_only_with_an_unknown_name_exits_2_and_suggests_one() -> None:
    result = CliRunner().invoke(main, ["check", "--cards", str(REPO / "cards"), "--only", "lint,mth"])
    assert result.exit_code == 2
    assert "unknown check 'mth' (did you mean 'math'?)" in result.output


def test_lint_only_with_an_unknown_rule_exits_2_and_suggests_one() -> None:
    result = CliRunner().invoke(main, ["lint", "--cards", str(REPO / "cards"), "--only", "yes-noo"])
    assert result.exit_code == 2
    assert "unknown lint rule 'yes-noo' (did you mean 'yes-no'?)" in result.output
