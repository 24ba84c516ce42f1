"""A reference that raises is a failed row (or one error line) of ``dlflash verify``, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from dlflash.cli import main
from dlflash.verify import registry

REPO = Path(__file__).resolve().parent.parent

REFERENCES = '''\
import torch

from dlflash.verify.registry import reference


@reference("doubled", inputs={"x": "real[n]"}, example="2 * x")
def doubled(x):
    """2 x."""
    return 2 * x


@reference("broken", inputs={"x": "real[n]"}, example="x")
def broken(x):
    """Always raises."""
    raise ZeroDivisionError("the reference divides by zero")
'''
CARDS = """\
title: Basics
cards:
  - id: doubled-formula
    type: basic
    front: What is doubling?
    back: Twice the input.
    formula:
      steps: 2 * x
      reference: doubled
  - id: broken-formula
    type: basic
    front: What does the broken reference compute?
    back: Nothing at all.
    formula:
      steps: x
      reference: broken
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with its own references package, named by its settings (imported from its own path)."""
    references = tmp_path / "verify" / "references"
    references.mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text('[tool.dlflash]\nreferences = "verify/references"\n', "utf-8")
    (references / "__init__.py").write_text("from . import mine  # noqa: F401\n", "utf-8")
    (references / "mine.py").write_text(REFERENCES, "utf-8")
    cards = tmp_path / "cards"
    cards.mkdir()
    (cards / "01-basics.yaml").write_text(CARDS, "utf-8")
    shutil.copy(REPO / "cards" / "cheatsheet.md", cards / "cheatsheet.md")
    return tmp_path


def test_a_raising_reference_is_a_failed_row_with_its_message(project: Path) -> None:
    result = CliRunner().invoke(main, ["verify", "--cards", str(project / "cards")])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    rows = {line.split()[0]: line for line in result.output.splitlines()[1:-1]}
    assert rows["doubled-formula"].split()[1:4] == ["doubled", "0.0e+00", "ok"]
    assert rows["broken-formula"].split()[1:4] == ["broken", "inf", "FAIL"]
    assert "reference 'broken' raised ZeroDivisionError: the reference divides by zero" in rows["broken-formula"]
    assert result.output.splitlines()[-1] == "1 of 2 formulas within 1e-09 of torch"


def test_a_references_module_that_fails_to_import_is_one_error_line(project: Path) -> None:
    mine = project / "verify" / "references" / "mine.py"
    mine.write_text(REFERENCES + "\nraise RuntimeError('no GPU here')\n", "utf-8")
    result = CliRunner().invoke(main, ["verify", "--cards", str(project / "cards")])
    assert result.exit_code == 1, result.output
    assert "cannot import the references in" in result.output
    assert "RuntimeError: no GPU here" in result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output


def test_a_reference_may_name_its_inputs_ref_and_fn() -> None:
    ref = registry.Reference("bleu_like", "function", lambda ref, fn: ref + fn, (), (), "doc")
    assert registry.call_reference(ref, ref.compute, ref=1, fn=2) == 3
