"""A malformed ``verify/errata.yaml`` or ``equivalent_mutants.yaml`` is ``file:line: message``, no traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from dlflash.cli import main
from dlflash.config import load_project
from dlflash.errors import ProblemsError
from dlflash.verify.formulas import equivalent_mutants

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(cards_copy: Path) -> Path:
    """A copy of the project with its own ``verify/`` references and data files."""
    root = cards_copy.parent
    (root / "verify").unlink()  # the linked-in verify/ of the real deck: this test edits its own copy
    shutil.copytree(REPO / "verify", root / "verify", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def errata(project: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["errata", "--cards", str(project / "cards")])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def line_of(path: Path, text: str) -> int:
    return path.read_text("utf-8")[: path.read_text("utf-8").index(text)].count("\n") + 1


def errata_after(project: Path, entry: str, old: str, new: str) -> tuple[int, int, str]:
    """The line of ``entry`` in the errata file, then ``errata``'s exit code and output once ``old`` reads ``new``."""
    path = project / "verify" / "errata.yaml"
    line = line_of(path, entry)
    replace_in(path, old, new)
    return (line, *errata(project))


def test_an_errata_entry_missing_its_reference_is_a_located_problem(project: Path) -> None:
    entry = '  - quote: "TP / TP + FP"'
    line, code, output = errata_after(project, entry, f"{entry}\n    reference: precision\n", f"{entry}\n")
    assert code == 1
    assert f"errata.yaml:{line}: an entry of 'formulas' is missing 'reference'" in output


def test_an_unknown_key_and_a_wrong_section_shape_are_each_located(project: Path) -> None:
    path = project / "verify" / "errata.yaml"
    replace_in(path, "    reference: precision\n", "    reference: precision\n    exampel: {TP: 1}\n")
    replace_in(path, "claims:\n", "claimz:\n")
    code, output = errata(project)
    assert code == 1
    assert "unknown key 'exampel' (did you mean 'example'?)" in output
    assert "the errata file: unknown key 'claimz' (did you mean 'claims'?)" in output


def test_an_errata_quote_that_is_no_longer_in_the_notes_is_located_in_the_errata_file(project: Path) -> None:
    line, code, output = errata_after(project, '  - quote: "TP / TP + FN"', '"TP / TP + FN"', '"TP / TP + FNX"')
    assert code == 1
    assert f"errata.yaml:{line}: " in output and "errata quote not found in the cheatsheet: 'TP / TP + FNX'" in output


def test_invalid_yaml_in_the_errata_file_is_a_located_syntax_error(project: Path) -> None:
    path = project / "verify" / "errata.yaml"
    replace_in(path, 'claims:\n', 'claims: [\n')
    code, output = errata(project)
    assert code == 1 and "errata.yaml:" in output and "YAML syntax error" in output


def test_an_equivalent_mutant_without_a_reason_is_a_located_problem(tmp_path: Path) -> None:
    folder = tmp_path / "verify"
    folder.mkdir()
    (folder / "references").mkdir()
    (folder / "references" / "__init__.py").write_text("", "utf-8")
    (folder / "equivalent_mutants.yaml").write_text("some-card:\n  'step 1: x -> y':\nother: [1, 2]\n", "utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.dlflash]\nreferences = "verify/references"\n', "utf-8")
    with pytest.raises(ProblemsError) as caught:
        equivalent_mutants(load_project(tmp_path / "cards"))
    lines = [str(p) for p in caught.value.problems]
    assert any(line.endswith("equivalent_mutants.yaml:2: the reason for mutant 'step 1: x -> y' must be text, "
                             "not empty (null)") for line in lines), lines
    assert any("equivalent_mutants.yaml:3: 'other' must map each mutant description" in line for line in lines), lines


def test_the_real_equivalent_mutants_file_reads_as_before() -> None:
    found = equivalent_mutants(load_project(REPO / "cards"))
    assert found["lr-sgdr-formula"] == found["example:cosine_warm_restarts_lr"]
