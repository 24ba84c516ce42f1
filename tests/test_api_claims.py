"""``dlflash verify`` checks the PyTorch facts cards state (``api:``) against the installed torch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from cardfiles import edit_basics
from click.testing import CliRunner

from dlflash.cli import main
from dlflash.errors import ApiError
from dlflash.model import ApiClaim, Source
from dlflash.verify.api import check_claim, resolve

CARD = "act-relu-role"


def claims_on_card(cards: Path, claims: list[dict[str, Any]]) -> None:
    def change(data: dict[str, Any]) -> None:
        card = next(c for c in data["cards"] if c["id"] == CARD)
        card["api"] = claims

    edit_basics(cards, change)


def verify(cards: Path) -> Any:
    return CliRunner().invoke(main, ["verify", "--cards", str(cards), CARD])


def claim(name: str, value: str | None = None, **defaults: str) -> ApiClaim:
    return ApiClaim(name, Source("c.yaml", 1), tuple(defaults.items()), value)


def test_a_wrong_default_fails_verify_with_the_card_id_and_the_real_value(basics_cards: Path) -> None:
    claims_on_card(basics_cards, [{"name": "torch.nn.BatchNorm1d", "defaults": {"momentum": "0.9", "eps": "1e-05"}}])
    result = verify(basics_cards)
    assert result.exit_code == 1, result.output
    row = next(line for line in result.output.splitlines() if line.startswith(CARD))
    assert "torch.nn.BatchNorm1d" in row and "FAIL" in row
    assert "default of 'momentum' is 0.1 in torch" in row and "not 0.9" in row
    assert "0 of 1 API claims match torch" in result.output


def test_a_misspelt_api_fails_verify_with_the_card_id_and_a_did_you_mean(basics_cards: Path) -> None:
    claims_on_card(basics_cards, [{"name": "torch.nn.BatchNorm1"}, {"name": "torch.nn.ReLU"}])
    result = verify(basics_cards)
    assert result.exit_code == 1, result.output
    rows = [line for line in result.output.splitlines() if line.startswith(CARD)]
    assert "FAIL" in rows[0] and "torch.nn has no 'BatchNorm1' (did you mean 'BatchNorm1d'?)" in rows[0]
    assert rows[1].split()[-1] == "(resolves)" and " ok " in rows[1]
    assert "1 of 2 API claims match torch" in result.output


def test_true_claims_pass_verify_next_to_the_formulas(basics_cards: Path) -> None:
    claims_on_card(basics_cards, [
        {"name": "torch.optim.RMSprop", "defaults": {"alpha": "0.99", "eps": "1e-8"}},
        {"name": "torch.Tensor.std", "defaults": {"correction": "1"}},
        {"name": "torch.finfo(torch.float16).max", "value": "65504"},
        {"name": "torch.nn.functional.cross_entropy", "defaults": {"reduction": "'mean'"}},
    ])
    result = CliRunner().invoke(main, ["verify", "--cards", str(basics_cards), CARD, "act-relu-formula"])
    assert result.exit_code == 0, result.output
    assert "1 of 1 formulas within" in result.output
    assert "4 of 4 API claims match torch" in result.output
    assert "correction (documented, called)" in result.output


def test_a_c_function_default_is_checked_from_its_documented_overloads_and_a_call() -> None:
    assert check_claim("c", claim("torch.Tensor.std", correction="1")).checked == (
        "resolves; correction (documented, called)"
    )
    wrong = check_claim("c", claim("torch.Tensor.std", correction="0"))
    assert wrong.status == "FAIL" and "default of 'correction' is 1" in wrong.failure
    typo = check_claim("c", claim("torch.Tensor.var", correctoin="1"))
    assert "documents no parameter 'correctoin' (did you mean 'correction'?)" in typo.failure


def test_a_stated_value_is_compared_with_the_evaluated_expression() -> None:
    assert check_claim("c", claim("torch.finfo(torch.float16).max", value="65504")).status == "ok"
    wrong = check_claim("c", claim("torch.finfo(torch.float16).max", value="65500"))
    assert wrong.status == "FAIL" and "is 65504.0 in torch" in wrong.failure


def test_booleans_are_not_numbers_and_strings_must_be_quoted_literals() -> None:
    assert check_claim("c", claim("torch.nn.ReLU", inplace="0")).status == "FAIL"
    unquoted = check_claim("c", claim("torch.nn.functional.cross_entropy", reduction="mean"))
    assert unquoted.status == "FAIL" and "neither a Python literal nor a torch name" in unquoted.failure


@pytest.mark.parametrize("text", [
    "torch.os.system",  # a module outside torch
    "torch.load('model.pt')",  # a call with side effects
    "torch.__class__",  # dunder attributes
    "__import__('os')",  # a name other than torch
    "torch.tensor(1) + torch.tensor(2)",  # an operator
    "torch.zeros(*[3])",  # starred arguments are not literals
])
def test_the_expression_walk_refuses_everything_but_torch_names_and_pure_calls(text: str) -> None:
    with pytest.raises(ApiError):
        resolve(text)


def test_the_expression_walk_resolves_names_and_allowed_calls() -> None:
    assert resolve("torch.nn.functional.relu") is torch.nn.functional.relu
    assert resolve("torch.finfo(torch.bfloat16).eps") == torch.finfo(torch.bfloat16).eps
    assert resolve("torch.iinfo(torch.int8).max") == 127
