"""``dlflash check`` reports formula problems; ``dlflash verify`` and ``dlflash errata`` through the real CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from projects import check_problems, with_settings

from dlflash.cli import main
from dlflash.config import load_project

REPO = Path(__file__).resolve().parent.parent

MSE = """\
  - id: loss-mse
    type: basic
    front: What does the MSE loss compute?
    back: The mean of the squared errors.
    formula:
      steps: mean((y - y_hat)**2)
      reference: mse_loss
      given: {y: "real[n]", y_hat: "real[n]"}
"""
ADAM_WRONG = """\
  - id: adam-update
    type: basic
    front: What is the Adam update?
    back: Bias-corrected moments.
    formula:
      steps:
        - m = beta1*m + (1 - beta1)*g
        - v = beta2*v + (1 - beta2)*g**2
        - m_hat = m / (1 - beta1**t)
        - v_hat = v / (1 - beta2**t)
        - w = w - lr*m_hat / sqrt(v_hat) + eps
      reference: adam
"""


def write_cards(tmp_path: Path, *cards: str) -> Path:
    folder = with_settings(tmp_path) / "cards"
    folder.mkdir(parents=True)
    (folder / "01-basics.yaml").write_text("title: Basics\ncards:\n" + "".join(cards), "utf-8")
    shutil.copy(REPO / "cards" / "cheatsheet.md", folder / "cheatsheet.md")
    return folder


def problems(folder: Path) -> list[str]:
    project = load_project(folder)
    return [str(p) for p in check_problems(project, "formula")]


def test_a_correct_formula_has_no_problems(tmp_path: Path) -> None:
    assert problems(write_cards(tmp_path, MSE)) == []


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("reference: mse_loss", "reference: mse_los", "unknown reference 'mse_los' (did you mean 'mse_loss'?)"),
        ("mean((y - y_hat)**2)", "mean((y - yhat)**2)",
         "symbol 'yhat' is not an input of reference 'mse_loss' (did you mean 'y_hat'?)"),
        ('y: "real[n]"', 'y: "reals[n]"', "domain kind must be one of"),
        ('y: "real[n]"', 'y: "prob[n]"', "the domain of 'y' must be 'real[n]' as reference 'mse_loss' draws it"),
        ("reference: mse_loss", "reference: mse_loss\n      show: latx",
         "'show' must be one of latex, code, both: 'latx'"),
        ("reference: mse_loss", "reference: mse_loss\n      shw: code",
         "unknown formula key 'shw' (did you mean 'show'?)"),
        ("mean((y - y_hat)**2)", "(y - y_hat).__class__", "attribute access is not allowed"),
    ],
)
def test_formula_problems_are_located_and_explained(tmp_path: Path, old: str, new: str, message: str) -> None:
    found = problems(write_cards(tmp_path, MSE.replace(old, new)))
    assert any(message in p for p in found), found
    assert all(p.startswith(f"{tmp_path / 'cards' / '01-basics.yaml'}:") and "[loss-mse]" in p for p in found)


AUC_PAIRS = """\
  - id: metric-auc-pairs
    type: basic
    front: How is AUC computed from pairs?
    back: The share of positive-negative pairs ranked right.
    formula:
      steps:
        - pairs = y[:, None] * (1 - y[None, :])
        - wins = (s[:, None] > s[None, :]) + 0.5 * (s[:, None] == s[None, :])
        - auc = sum(pairs * wins) / sum(pairs)
      reference: roc_auc
      given: {y: "binary[n]", s: "count(0, 3)[n]"}
"""


def test_a_broadcasting_formula_shown_as_latex_is_an_error_until_shown_as_code(tmp_path: Path) -> None:
    found = problems(write_cards(tmp_path, AUC_PAIRS))
    assert any("[metric-auc-pairs] uses broadcasting subscripts ('y[:, None]') that LaTeX cannot show;"
               " set 'show: code'" in p for p in found), found
    assert any("('s[:, None]')" in p for p in found), found
    both = AUC_PAIRS.replace('      given:', '      show: both\n      given:')
    assert any("LaTeX cannot show" in p for p in problems(write_cards(tmp_path / "both", both)))
    code = AUC_PAIRS.replace('      given:', '      show: code\n      given:')
    assert problems(write_cards(tmp_path / "code", code)) == []


def test_check_command_fails_on_a_refused_formula(tmp_path: Path) -> None:
    folder = write_cards(tmp_path, MSE.replace("mean((y - y_hat)**2)", "__import__('os')"))
    result = CliRunner().invoke(main, ["check", "--cards", str(folder)])
    assert result.exit_code == 1
    assert "[loss-mse] function '__import__' is not allowed" in result.output


def test_verify_prints_a_table_and_fails_on_a_wrong_formula(tmp_path: Path) -> None:
    folder = write_cards(tmp_path, MSE, ADAM_WRONG)
    result = CliRunner().invoke(main, ["verify", "--cards", str(folder)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].split() == ["card", "reference", "worst", "error", "status"]
    assert lines[1].split()[:4] == ["loss-mse", "mse_loss", "0.0e+00", "ok"]
    assert lines[2].split()[:2] == ["adam-update", "adam"] and "FAIL" in lines[2]
    assert lines[-1] == "1 of 2 formulas within 1e-09 of torch"


def test_verify_selected_ids_pass_and_unknown_ids_are_usage_errors(tmp_path: Path) -> None:
    folder = write_cards(tmp_path, MSE, ADAM_WRONG)
    ok = CliRunner().invoke(main, ["verify", "--cards", str(folder), "loss-mse"])
    assert ok.exit_code == 0 and "loss-mse" in ok.output and "adam-update" not in ok.output
    bad = CliRunner().invoke(main, ["verify", "--cards", str(folder), "loss-mze"])
    assert bad.exit_code == 2
    assert "no card with a formula or an API claim has id 'loss-mze' (did you mean 'loss-mse'?)" in bad.output


def test_errata_reports_the_computed_numbers_with_their_lines(tmp_path: Path) -> None:
    folder = write_cards(tmp_path, MSE)
    result = CliRunner().invoke(main, ["errata", "--cards", str(folder)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "cheatsheet.md:83: `x = x-x.mean() / x.std()`" in out
    assert "as written gives [-0.8974, 0.1026, 1.103, 2.103, 3.103]" in out
    assert "torch gives [-1.265, -0.6325, 0, 0.6325, 1.265]" in out
    assert "cheatsheet.md:60: `TP + TN / TP + TN + FP + FN`" in out
    assert "as written gives 101.1, torch gives 0.85" in out
    assert "normal as the positive class (TP = 20, TN = 0, FP = 5, FN = 0): torch `f1`: 0.8889" in out
    assert "card: no card yet" in out
    differs, correct = out.split("## Checked and correct")
    assert "`new_w = w - lr[(0.1 * gradient_w)  +  (0.9 * w)]`" in differs
    assert "`2*(x-x.min()) / (x.max()-x.min()) - 1`" in correct


def test_a_formula_whose_values_grow_without_bound_fails_naming_the_card_instead_of_eating_memory(
    tmp_path: Path,
) -> None:
    # each step makes z four times longer; the mean of the copies is still the MSE, so only the bound fails it
    doublings = "".join("        - z = cat(z, z, z, z)\n" for _ in range(10))
    runaway = MSE.replace("loss-mse", "runaway-mse").replace(
        "      steps: mean((y - y_hat)**2)\n",
        "      steps:\n        - z = y - y_hat\n" + doublings + "        - loss = mean(z**2)\n",
    )
    folder = write_cards(tmp_path, runaway)
    result = CliRunner().invoke(main, ["verify", "--cards", str(folder)])
    assert result.exit_code == 1, result.output
    row = next(line for line in result.output.splitlines() if line.startswith("runaway-mse"))
    assert "FAIL" in row
    assert "a value must hold at most 1000000 numbers, not 1048576 (shape [1048576])" in result.output


def test_an_evaluation_past_its_time_budget_stops_with_the_steps_place(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    from dlflash.errors import EvaluationError
    from dlflash.formula import evaluate as evaluation
    from dlflash.formula.parse import parse_formula
    from dlflash.model import FormulaSpec, Source

    where = Source("cards/01-a.yaml", 5)
    spec = FormulaSpec(steps=("mean(x**2)",), step_lines=(7,), reference="x", given=(), source=where)
    monkeypatch.setattr(evaluation, "MAX_SECONDS", -1.0)  # the budget is spent before the first value
    with pytest.raises(EvaluationError) as raised:
        evaluation.evaluate(parse_formula(spec, "slow"), {"x": torch.ones(3, dtype=torch.float64)})
    assert str(raised.value) == (
        "cards/01-a.yaml:7: cannot compute 'mean(x**2)': evaluation must finish within -1 seconds"
    )
