"""``dlflash coverage``, ``dlflash facts`` and ``dlflash draft``: tracing cheatsheet facts to cards."""

from __future__ import annotations

import json

import click

from dlflash.cli.app import cards_option, main
from dlflash.config import load_project
from dlflash.deck import open_deck
from dlflash.errors import DlflashError, ProblemsError, UsageError
from dlflash.messages import did_you_mean
from dlflash.model import Fact
from dlflash.sources.coverage import CoverageReport, accepted_lock, read_lock, write_lock
from dlflash.sources.facts import load_facts, section_of


@main.command()
@cards_option
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    default=100.0,
    show_default=True,
    metavar="PCT",
    help="Exit 1 when fewer than PCT percent of the facts are covered or skipped.",
)
@click.option(
    "--accept",
    is_flag=True,
    help="After reviewing the cards of changed facts, record the current text of FACT-IDs "
    "(all covered facts when none are given) in coverage.lock.",
)
@click.argument("fact_ids", nargs=-1, metavar="[FACT-ID...]")
def coverage(cards_dir: str, fail_under: float, accept: bool, fact_ids: tuple[str, ...]) -> None:
    """Report which cheatsheet facts the cards cover.

    Prints, per section, the facts that are covered, skipped (cards/skip.yaml) and
    uncovered, then each uncovered fact as 'cards/cheatsheet.md:LINE: [fact-id] text'.
    A fact whose text changed since its cards were accepted is stale: the covering
    cards are named and the command fails until you review them and run
    'dlflash coverage --accept FACT-ID...'.
    """
    project = load_project(cards_dir)
    with open_deck(project) as deck:
        report = deck.coverage
    if accept:
        lock = read_lock(project.coverage_lock)
        new = accepted_lock(report, lock, fact_ids)
        write_lock(project.coverage_lock, new)
        changed = sorted(k for k in new.keys() | lock.keys() if new.get(k) != lock.get(k))
        click.echo(f"accepted {len(changed)} change{'s' if len(changed) != 1 else ''} in {project.coverage_lock}")
        for fact_id in changed:
            click.echo(f"  {fact_id}")
        return
    if fact_ids:
        raise UsageError("FACT-IDs are only taken with --accept")
    _print_report(report, str(project.coverage_lock))
    if any(p.severity == "error" for p in report.problems):
        raise ProblemsError(report.problems)
    if report.percent < fail_under:
        raise DlflashError(f"coverage {report.percent:.1f}% is below --fail-under {fail_under:g}%")


def _print_report(report: CoverageReport, lock_path: str) -> None:
    rows = report.sections()
    width = max([len("section"), *(len(r.section) for r in rows)])
    click.echo(f"{'section':<{width}}  {'facts':>5}  {'covered':>7}  {'skipped':>7}  {'uncovered':>9}")
    for r in rows:
        click.echo(f"{r.section:<{width}}  {r.facts:>5}  {r.covered:>7}  {r.skipped:>7}  {r.uncovered:>9}")
    covered = sum(r.covered for r in rows)
    skipped = sum(r.skipped for r in rows)
    total = len(report.facts)
    click.echo(f"{'total':<{width}}  {total:>5}  {covered:>7}  {skipped:>7}  {total - covered - skipped:>9}")
    for fact in report.uncovered:
        click.echo(_fact_line(fact))
    if report.unlocked:
        click.echo(f"{len(report.unlocked)} covered facts are not in {lock_path} yet: "
                   "run 'dlflash coverage --accept' to record them")
    click.echo(f"coverage: {report.percent:.1f}% ({covered} covered, {skipped} skipped, of {total} facts)")


def _fact_line(fact: Fact) -> str:
    return f"{fact.source}: [{fact.id}] {fact.text}"


@main.command()
@cards_option
@click.option("--section", "section", metavar="S", help="Only the facts of section S (e.g. basics).")
def facts(cards_dir: str, section: str | None) -> None:
    """List the cheatsheet's facts as 'cards/cheatsheet.md:LINE: [fact-id] text'."""
    project = load_project(cards_dir)
    all_facts = load_facts(project.cheatsheet, project.section_ids)
    if section is not None:
        sections = list(dict.fromkeys(section_of(f.id) for f in all_facts))
        if section not in sections:
            raise UsageError(f"unknown section: {section!r}{did_you_mean(section, sections)}; "
                             f"sections are {', '.join(sections)}")
        all_facts = tuple(f for f in all_facts if section_of(f.id) == section)
    for fact in all_facts:
        click.echo(_fact_line(fact))


@main.command()
@cards_option
@click.argument("fact_ids", nargs=-1, metavar="[FACT-ID...]")
def draft(cards_dir: str, fact_ids: tuple[str, ...]) -> None:
    """Print YAML skeleton cards for FACT-IDs (default: every uncovered fact).

    Paste them under 'cards:' in a cards/NN-section.yaml file, then write the
    question, shorten the answer and choose the type.
    """
    project = load_project(cards_dir)
    if fact_ids:
        by_id = {f.id: f for f in load_facts(project.cheatsheet, project.section_ids)}
        for fact_id in fact_ids:
            if fact_id not in by_id:
                raise UsageError(f"unknown fact id: {fact_id!r}{did_you_mean(fact_id, list(by_id))}")
        chosen = tuple(by_id[i] for i in dict.fromkeys(fact_ids))
    else:
        with open_deck(project) as deck:
            chosen = deck.coverage.uncovered
    used: set[str] = set()
    for fact in chosen:
        click.echo(_skeleton(fact, used))


def _skeleton(fact: Fact, used: set[str]) -> str:
    parts = fact.id.split(".")
    base = f"{parts[0]}-{parts[-1]}" if len(parts) > 1 else parts[0]
    card_id, n = base, 1
    while card_id in used:
        n += 1
        card_id = f"{base}-{n}"
    used.add(card_id)
    context = " > ".join(fact.heading_path)
    # a JSON string is a valid YAML double-quoted scalar, whatever the text holds
    return (
        f"  # {fact.source}  {context}\n"
        f"  - id: {card_id}\n"
        f"    type: basic\n"
        f"    front: {json.dumps('TODO: write the question', ensure_ascii=False)}\n"
        f"    back: {json.dumps(fact.text, ensure_ascii=False)}\n"
        f"    covers: [{fact.id}]\n"
    )
