"""Coverage of cheatsheet facts by cards: report, skips, unknown ids, staleness, accept, draft."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from projects import cards_folder, check_problems, with_settings

from dlflash.cli import main
from dlflash.config import load_project
from dlflash.sources.cards import load_card_file

CHEATSHEET = Path(__file__).resolve().parent.parent / "cards" / "cheatsheet.md"

SMALL = """\
## 1. Know the basics
- **MSE: Mean Squared Error** (L2 loss): Penalise large errors more than MAE.
- **MAE: Mean Absolute Error** (L1 loss).
- [Chain rule](/posts/chain.md)

## Prepare the data
- **Balance** the data
"""
MSE = "basics.mse"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project in tmp_path with a small cheatsheet; commands run from its root."""
    monkeypatch.chdir(tmp_path)
    return cards_folder(tmp_path, {"cheatsheet.md": SMALL})


def write_cards(cards: Path, *covers: list[str]) -> None:
    lines = ["title: Know the basics", "cards:"]
    for n, ids in enumerate(covers, start=1):
        lines += [
            f"  - id: card-{n}",
            "    type: basic",
            f"    front: Question {n}?",
            "    back: A.",
            "    tags: [loss]",
            f"    covers: [{', '.join(ids)}]",
        ]
    (cards / "01-basics.yaml").write_text("\n".join(lines) + "\n", "utf-8")


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_report_counts_each_section_and_lists_uncovered_facts_with_lines(project: Path) -> None:
    write_cards(project, [MSE])
    result = run("coverage", "--cards", "cards")
    assert result.exit_code == 1
    rows = [line.split() for line in result.output.splitlines()[:4]]
    assert rows == [
        ["section", "facts", "covered", "skipped", "uncovered"],
        ["basics", "3", "1", "0", "2"],
        ["data", "1", "0", "0", "1"],
        ["total", "4", "1", "0", "3"],
    ]
    assert "cards/cheatsheet.md:3: [basics.mae] MAE: Mean Absolute Error (L1 loss).\n" in result.output
    assert "cards/cheatsheet.md:7: [data.balance] Balance the data\n" in result.output
    assert "[basics.mse]" not in result.output
    assert "coverage: 25.0% (1 covered, 0 skipped, of 4 facts)" in result.output
    assert "coverage 25.0% is below --fail-under 100%" in result.output


def test_fail_under_sets_the_threshold(project: Path) -> None:
    write_cards(project, [MSE, "basics.mae"])
    assert run("coverage", "--cards", "cards", "--fail-under", "50").exit_code == 0
    assert run("coverage", "--cards", "cards", "--fail-under", "51").exit_code == 1


def test_skipped_facts_count_towards_coverage(project: Path) -> None:
    write_cards(project, [MSE, "basics.mae", "data.balance"])
    (project / "skip.yaml").write_text("basics.chain-rule: bare link title; claims nothing\n", "utf-8")
    result = run("coverage", "--cards", "cards")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1].split() == ["basics", "3", "2", "1", "0"]
    assert "coverage: 100.0% (3 covered, 1 skipped, of 4 facts)" in result.output


def failed_coverage(project: Path, covers: str, *written: tuple[str, str]) -> str:
    """``coverage``'s output for one card covering ``covers``, with the files ``written`` (name, text); it fails."""
    write_cards(project, [covers])
    for name, text in written:
        (project / name).write_text(text, "utf-8")
    result = run("coverage", "--cards", "cards", "--fail-under", "0")
    assert result.exit_code == 1
    return result.output


def test_unknown_fact_id_in_covers_is_an_error_with_did_you_mean(project: Path) -> None:
    output = failed_coverage(project, "basics.mze")
    unknown = "cards/01-basics.yaml:3: [card-1] covers an unknown fact: 'basics.mze' (did you mean 'basics.mse'?)"
    assert unknown in output


def test_unknown_fact_id_in_skip_file_is_an_error_with_did_you_mean(project: Path) -> None:
    output = failed_coverage(project, MSE, ("skip.yaml", "# links\nbasics.chain-rul: bare link\n"))
    assert "cards/skip.yaml:2: skips an unknown fact: 'basics.chain-rul' (did you mean 'basics.chain-rule'?)" in output


def test_skip_needs_a_one_line_reason_and_must_not_skip_a_covered_fact(project: Path) -> None:
    output = failed_coverage(project, MSE, ("skip.yaml", "basics.chain-rule: ''\nbasics.mse: has a card\n"))
    reason = "cards/skip.yaml:1: the reason for skipping 'basics.chain-rule' must be one line of text: ''"
    assert reason in output
    assert "cards/skip.yaml:2: a covered fact must not be skipped: 'basics.mse' is covered by [card-1]" in output


def test_accept_writes_a_sorted_tab_separated_lock_atomically(project: Path) -> None:
    write_cards(project, ["data.balance", MSE])
    result = run("coverage", "--cards", "cards", "--accept")
    assert result.exit_code == 0, result.output
    assert "accepted 2 changes in cards/coverage.lock" in result.output
    lines = (project / "coverage.lock").read_text("utf-8").splitlines()
    assert lines[0].startswith("#")
    assert [line.split("\t")[0] for line in lines[1:]] == ["basics.mse", "data.balance"]
    assert all(len(line.split("\t")[1]) == 12 for line in lines[1:])
    assert sorted(p.name for p in project.iterdir()) == ["01-basics.yaml", "cheatsheet.md", "coverage.lock"]


def change_mse_text(cards: Path) -> None:
    sheet = cards / "cheatsheet.md"
    sheet.write_text(sheet.read_text("utf-8").replace("more than MAE", "less than MAE"), "utf-8")


def test_changed_fact_text_names_covering_cards_as_stale_and_fails(project: Path) -> None:
    write_cards(project, [MSE], ["basics.mae"], [MSE, "data.balance"])
    assert run("coverage", "--cards", "cards", "--accept").exit_code == 0
    change_mse_text(project)
    result = run("coverage", "--cards", "cards", "--fail-under", "0")
    assert result.exit_code == 1
    stale = [line for line in result.output.splitlines() if "stale" in line]
    assert [[*line.split(":")[0:2], line.split()[1]] for line in stale] == [
        ["cards/01-basics.yaml", "3", "[card-1]"],
        ["cards/01-basics.yaml", "15", "[card-3]"],
    ]
    assert "fact 'basics.mse' changed since it was accepted" in stale[0]
    assert "'dlflash coverage --accept basics.mse'" in stale[0]


def test_accepting_a_changed_fact_clears_staleness_and_updates_only_its_line(project: Path) -> None:
    write_cards(project, [MSE], ["basics.mae"])
    run("coverage", "--cards", "cards", "--accept")
    before = (project / "coverage.lock").read_text("utf-8").splitlines()
    change_mse_text(project)
    result = run("coverage", "--cards", "cards", "--accept", MSE)
    assert result.exit_code == 0, result.output
    assert result.output == "accepted 1 change in cards/coverage.lock\n  basics.mse\n"
    after = (project / "coverage.lock").read_text("utf-8").splitlines()
    assert [a == b for a, b in zip(before, after, strict=True)] == [True, True, False]
    assert run("coverage", "--cards", "cards", "--fail-under", "0").exit_code == 0


def test_accept_rejects_unknown_and_uncovered_fact_ids(project: Path) -> None:
    write_cards(project, [MSE])
    unknown = run("coverage", "--cards", "cards", "--accept", "basics.msa")
    assert unknown.exit_code == 2
    assert "unknown fact id: 'basics.msa' (did you mean 'basics.mse'?)" in unknown.output
    uncovered = run("coverage", "--cards", "cards", "--accept", "basics.mae")
    assert uncovered.exit_code == 2
    assert "fact 'basics.mae' is not covered by any card" in uncovered.output
    assert not (project / "coverage.lock").exists()


def test_fact_ids_without_accept_are_a_usage_error(project: Path) -> None:
    write_cards(project, [MSE])
    result = run("coverage", "--cards", "cards", MSE)
    assert result.exit_code == 2
    assert "FACT-IDs are only taken with --accept" in result.output


def test_malformed_lock_line_is_reported_at_its_line(project: Path) -> None:
    output = failed_coverage(project, MSE, ("coverage.lock", "# header\nbasics.mse 1234\n"))
    assert "cards/coverage.lock:2: a lock line must be 'fact-id<TAB>fingerprint': 'basics.mse 1234'" in output


def test_facts_lists_a_section_with_lines(project: Path) -> None:
    result = run("facts", "--cards", "cards", "--section", "basics")
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "cards/cheatsheet.md:2: [basics.mse] MSE: Mean Squared Error (L2 loss): Penalise large errors more than MAE.",
        "cards/cheatsheet.md:3: [basics.mae] MAE: Mean Absolute Error (L1 loss).",
        "cards/cheatsheet.md:4: [basics.chain-rule] Chain rule",
    ]
    wrong = run("facts", "--cards", "cards", "--section", "basic")
    assert wrong.exit_code == 2
    assert "unknown section: 'basic' (did you mean 'basics'?)" in wrong.output


def test_draft_prints_loadable_skeletons_for_uncovered_facts(project: Path) -> None:
    write_cards(project, [MSE])
    result = run("draft", "--cards", "cards")
    assert result.exit_code == 0
    drafted = yaml.safe_load(result.output)
    assert [(c["id"], c["covers"]) for c in drafted] == [
        ("basics-mae", ["basics.mae"]),
        ("basics-chain-rule", ["basics.chain-rule"]),
        ("data-balance", ["data.balance"]),
    ]
    assert "# cards/cheatsheet.md:3  Know the basics" in result.output
    card_file = project / "02-draft.yaml"
    card_file.write_text("title: Drafts\ncards:\n" + result.output, "utf-8")
    loaded, problems = load_card_file(card_file)
    assert problems == []
    assert loaded is not None and loaded.cards[0].back == "MAE: Mean Absolute Error (L1 loss)."


def test_draft_of_an_unknown_fact_id_suggests_the_closest(project: Path) -> None:
    result = run("draft", "--cards", "cards", "basics.chain-rul")
    assert result.exit_code == 2
    assert "unknown fact id: 'basics.chain-rul' (did you mean 'basics.chain-rule'?)" in result.output


def write_threshold(cards: Path, threshold: float) -> None:
    pyproject = cards.parent / "pyproject.toml"
    text = re.sub(r"(?m)^coverage-threshold = .*$", f"coverage-threshold = {threshold}", pyproject.read_text("utf-8"))
    pyproject.write_text(text, "utf-8")


def coverage_errors(cards: Path) -> list[str]:
    project = load_project(cards)
    return [str(p) for p in check_problems(project, "coverage") if p.severity == "error"]


def test_check_includes_coverage_and_fails_below_the_project_threshold_only(project: Path) -> None:
    write_cards(project, [MSE, "basics.mae"])
    run("coverage", "--cards", "cards", "--accept")
    write_threshold(project, 50)
    assert coverage_errors(Path("cards")) == []
    write_threshold(project, 75)
    message = "cards/cheatsheet.md:1: coverage must be at least 75% ([tool.dlflash] coverage-threshold): 50.0%"
    assert coverage_errors(Path("cards")) == [message]
    result = run("check", "--cards", "cards")
    assert result.exit_code == 1
    assert message in result.output


def test_check_reports_unknown_ids_and_stale_facts(project: Path) -> None:
    write_cards(project, [MSE], ["basics.maee"])
    write_threshold(project, 0)
    (project / "coverage.lock").write_text(f"{MSE}\t000000000000\n", "utf-8")
    result = run("check", "--cards", "cards")
    assert result.exit_code == 1
    assert "cards/01-basics.yaml:3: [card-1] stale: fact 'basics.mse' changed" in result.output
    assert (
        "cards/01-basics.yaml:9: [card-2] covers an unknown fact: 'basics.maee' (did you mean 'basics.mae'?)"
    ) in result.output


def test_check_without_a_cheatsheet_has_nothing_to_cover(project: Path) -> None:
    (project / "cheatsheet.md").unlink()
    write_cards(project, ["no.such-fact"])
    assert coverage_errors(project) == []


def test_unlocked_covered_facts_are_a_warning_in_check(project: Path) -> None:
    write_cards(project, [MSE])
    write_threshold(project, 0)
    problems = check_problems(load_project(project), "coverage")
    assert [(p.severity, p.message.split(" (")[0]) for p in problems] == [
        ("warning", "1 covered facts are not in the lock yet")
    ]


def test_real_cheatsheet_with_real_skip_file_has_no_skip_problems(tmp_path: Path) -> None:
    cards = with_settings(tmp_path) / "cards"
    cards.mkdir()
    shutil.copy(CHEATSHEET, cards / "cheatsheet.md")
    shutil.copy(CHEATSHEET.parent / "skip.yaml", cards / "skip.yaml")
    result = run("coverage", "--cards", str(cards), "--fail-under", "0")
    assert result.exit_code == 0, result.output
    skips = len(yaml.safe_load((CHEATSHEET.parent / "skip.yaml").read_text("utf-8")))
    expected = f"coverage: {100 * skips / 269:.1f}% (0 covered, {skips} skipped, of 269 facts)"
    assert result.output.splitlines()[-1] == expected
