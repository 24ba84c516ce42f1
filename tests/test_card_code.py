"""Code on cards runs: every ```python block and every formula shown as code, executed against torch.

A block runs with ``torch``, ``nn`` (``torch.nn``) and ``F`` (``torch.nn.functional``) imported; a
doctest block (``>>> expr`` lines followed by the output the card states) is checked by ``doctest``,
so a value the card states is a value torch computes. A formula shown as code (``show: code`` or
``both``) is read as PyTorch, its bare names being torch's (``sum`` is ``torch.sum``), run on inputs
drawn from its ``given`` domains, and must compute what the verified formula computes. A block marked
```` ```python illustrative: reason ```` is not run. Inline code spans are not run here.
"""

from __future__ import annotations

import ast
import doctest
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from dlflash.formula import formula_code, parse_formula, show_mode
from dlflash.formula.evaluate import RESULT, evaluate
from dlflash.model import Card, FormulaSpec, Source
from dlflash.sources.cards import load_cards
from dlflash.text.cardtext import CodeBlock, is_doctest, python_blocks
from dlflash.verify.inputs import SIZES, draw

CARDS = Path(__file__).resolve().parent.parent / "cards"
# what a card's code may take as imported
IMPORTS = {"torch": torch, "nn": nn, "F": F}
# a formula's bare names are torch's own, as `from torch import *` would give them
TORCH_NAMES = {name: getattr(torch, name) for name in dir(torch) if not name.startswith("_")}
SEED = 0


@dataclass(frozen=True)
class ShownCode:
    """One piece of code a card shows: where, and either a fenced block or a formula shown as code."""

    id: str
    card: Card
    block: CodeBlock | None = None
    formula: FormulaSpec | None = None


def shown_code(cards: tuple[Card, ...]) -> Iterator[ShownCode]:
    for card in cards:
        for label in ("front", "back", "text", "extra"):
            for number, block in enumerate(python_blocks(getattr(card, label)), 1):
                yield ShownCode(f"{card.id}:{label}:{number}", card, block=block)
        if card.formula is not None and show_mode(card.formula) in ("code", "both"):
            yield ShownCode(f"{card.id}:formula", card, formula=card.formula)


def run_block(block: CodeBlock, name: str) -> None:
    """Run a block; a doctest block must print what it states. Raises on any failure."""
    if not is_doctest(block.code):
        exec(compile(block.code, name, "exec"), dict(IMPORTS))  # the card's own code, as a learner would run it
        return
    test = doctest.DocTestParser().get_doctest(block.code, dict(IMPORTS), name, name, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    runner.run(test, out=report.append)
    if runner.failures:
        raise AssertionError("".join(report))


def run_formula_code(spec: FormulaSpec, card_id: str) -> None:
    """Run the formula's code as PyTorch and compare it with the verified formula on the same inputs."""
    program = parse_formula(spec, card_id)
    domains = dict(spec.given)
    gen = torch.Generator().manual_seed(SEED)
    inputs = {name: draw(domains.get(name, "real"), SIZES[1], 1, "random", gen) for name in program.free_symbols}
    expected = evaluate(program, inputs)
    tree = ast.parse(formula_code(spec))
    last = tree.body[-1]
    if isinstance(last, ast.Expr):  # a bare expression: keep its value
        tree.body[-1] = ast.Assign([ast.Name("RESULT_", ast.Store())], last.value, lineno=last.lineno)
    namespace: dict[str, object] = {**TORCH_NAMES, **IMPORTS, **{k: v.clone() for k, v in inputs.items()}}
    exec(compile(ast.fix_missing_locations(tree), card_id, "exec"), namespace)  # the code the card shows
    target = program.steps[-1].target or "RESULT_"
    actual, want = namespace[target], expected[RESULT]
    assert isinstance(actual, torch.Tensor), f"{target} is a {type(actual).__name__}, not a tensor"
    assert actual.shape == want.shape, f"{target} has shape {tuple(actual.shape)}, the formula {tuple(want.shape)}"
    assert torch.allclose(actual.to(want.dtype), want, equal_nan=True), f"{target} differs from the verified formula"


def _deck_code() -> list[ShownCode]:
    if not any(CARDS.glob("[0-9][0-9]-*.yaml")):
        return []
    return list(shown_code(load_cards(CARDS).cards))


DECK_CODE = _deck_code()


@pytest.mark.parametrize("shown", DECK_CODE, ids=[s.id for s in DECK_CODE])
def test_code_on_a_card_runs(shown: ShownCode) -> None:
    if shown.block is not None:
        if shown.block.illustrative is not None:
            pytest.skip(f"illustrative: {shown.block.illustrative}")
        run_block(shown.block, shown.id)
    else:
        assert shown.formula is not None
        run_formula_code(shown.formula, shown.card.id)


# ---------------------------------------------------------------- the runner itself


def _card(**fields: object) -> Card:
    return Card(id="demo", type="basic", source=Source("cards/01-basics.yaml", 1), **fields)  # type: ignore[arg-type]


def _spec(*steps: str, given: tuple[tuple[str, str], ...]) -> FormulaSpec:
    return FormulaSpec(steps, tuple(range(1, len(steps) + 1)), "ref", given, Source("x", 1), (("show", "code"),))


def test_blocks_of_every_field_and_formulas_shown_as_code_are_collected() -> None:
    card = _card(
        front="```python\nx = 1\n```",
        extra="Two:\n\n```python\ny = 2\n```\n\n```py illustrative: a sketch of a loop\nfor b in loader: ...\n```",
        formula=_spec("sum(x, dim=0)", given=(("x", "real[n]"),)),
    )
    found = {s.id: s for s in shown_code((card,))}
    assert list(found) == ["demo:front:1", "demo:extra:1", "demo:extra:2", "demo:formula"]
    assert found["demo:extra:2"].block == CodeBlock("for b in loader: ...\n", "a sketch of a loop")


def test_a_doctest_block_stating_the_right_value_passes() -> None:
    run_block(CodeBlock(">>> F.relu(torch.tensor([-1.0, 2.0]))\ntensor([0., 2.])\n"), "ok")


def test_a_doctest_block_stating_a_wrong_value_fails() -> None:
    with pytest.raises(AssertionError, match="Expected"):
        run_block(CodeBlock(">>> torch.sigmoid(torch.tensor(0.0))\ntensor(1.)\n"), "wrong")


def test_a_block_that_is_not_working_pytorch_fails() -> None:
    with pytest.raises(TypeError):
        run_block(CodeBlock("D = torch.rand(4, 3)\nR = torch.where(D == D.min(dim=1, keepdim=True), 1, 0)\n"), "km")


def test_a_formula_read_as_pytorch_must_compute_the_verified_value() -> None:
    run_formula_code(_spec("sum(A * w[:, None], dim=0)", given=(("A", "real[c, n]"), ("w", "real[c]"))), "cam")
    with pytest.raises(TypeError):  # torch.min with dim returns (values, indices), not a tensor
        run_formula_code(_spec("where(D == min(D, dim=1, keepdim=True), 1, 0)", given=(("D", "real[n, k]"),)), "km")
    with pytest.raises(AssertionError, match="has shape"):  # the formula language's take is not torch.take
        run_formula_code(_spec("take(P, y)", given=(("P", "real[n, c]"), ("y", "label(c)[n]"))), "take")
