"""Stage: Facts x Cards -> a ``CoverageReport`` (covered, skipped, uncovered, stale).

A fact is covered when a card lists its id in ``covers``, or skipped when
``skip.yaml`` gives a one-line reason no card can cover it. The lock file
(``coverage.lock``, one ``fact-id<TAB>fingerprint`` a line, sorted) records the
text each covered fact had when a person last reviewed its cards; a covered
fact whose fingerprint differs from the lock is stale until accepted again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dlflash.config import Project
from dlflash.errors import ProblemsError, UsageError
from dlflash.fileio import write_atomic
from dlflash.messages import did_you_mean
from dlflash.model import Card, CardSet, Fact, Problem, Source
from dlflash.sources.facts import load_facts, section_of
from dlflash.sources.files import present, read_source_text
from dlflash.sources.yamltree import parse_yaml

LOCK_HEADER = "# dlflash coverage lock: fact-id<TAB>fingerprint; change only with `dlflash coverage --accept`"


@dataclass(frozen=True)
class Skip:
    """A fact no card can cover, with the reason written in ``skip.yaml``."""

    fact_id: str
    reason: str
    source: Source


@dataclass(frozen=True)
class SectionCount:
    section: str
    facts: int
    covered: int
    skipped: int

    @property
    def uncovered(self) -> int:
        return self.facts - self.covered - self.skipped


@dataclass(frozen=True)
class StaleFact:
    """A covered fact whose text changed since its cards were last accepted."""

    fact: Fact
    locked: str
    cards: tuple[Card, ...]


@dataclass(frozen=True)
class CoverageReport:
    """How the cards cover the cheatsheet; ``problems`` are errors except where marked."""

    facts: tuple[Fact, ...]
    covered_by: tuple[tuple[str, tuple[Card, ...]], ...]
    skips: tuple[Skip, ...]
    stale: tuple[StaleFact, ...]
    unlocked: tuple[str, ...]
    problems: tuple[Problem, ...]

    @property
    def covered_ids(self) -> frozenset[str]:
        return frozenset(fact_id for fact_id, _ in self.covered_by)

    @property
    def skipped_ids(self) -> frozenset[str]:
        return frozenset(s.fact_id for s in self.skips)

    @property
    def uncovered(self) -> tuple[Fact, ...]:
        done = self.covered_ids | self.skipped_ids
        return tuple(f for f in self.facts if f.id not in done)

    @property
    def percent(self) -> float:
        """Covered or skipped facts, in percent of all facts."""
        if not self.facts:
            return 100.0
        return 100.0 * (len(self.facts) - len(self.uncovered)) / len(self.facts)

    def sections(self) -> tuple[SectionCount, ...]:
        covered, skipped = self.covered_ids, self.skipped_ids - self.covered_ids
        order: dict[str, list[Fact]] = {}
        for fact in self.facts:
            order.setdefault(section_of(fact.id), []).append(fact)
        return tuple(
            SectionCount(
                name,
                len(facts),
                sum(f.id in covered for f in facts),
                sum(f.id in skipped for f in facts),
            )
            for name, facts in order.items()
        )


def build_report(
    facts: tuple[Fact, ...], cards: CardSet, skips: tuple[Skip, ...], lock: Mapping[str, str]
) -> CoverageReport:
    """Match cards and skips to facts; compare covered facts with the lock."""
    by_id = {f.id: f for f in facts}
    ids = list(by_id)
    problems: list[Problem] = []
    covering: dict[str, list[Card]] = {}
    for card in cards.cards:
        for fact_id in card.covers:
            if fact_id in by_id:
                covering.setdefault(fact_id, []).append(card)
            else:
                problems.append(
                    Problem(card.source, f"covers an unknown fact: {fact_id!r}{did_you_mean(fact_id, ids)}", card.id)
                )
    for skip in skips:
        if skip.fact_id in covering:
            first = covering[skip.fact_id][0]
            problems.append(
                Problem(skip.source, f"a covered fact must not be skipped: {skip.fact_id!r} is covered by [{first.id}]")
            )
    covered_by = tuple((f.id, tuple(covering[f.id])) for f in facts if f.id in covering)
    stale = tuple(
        StaleFact(by_id[fact_id], lock[fact_id], cards_)
        for fact_id, cards_ in covered_by
        if fact_id in lock and lock[fact_id] != by_id[fact_id].fingerprint
    )
    problems.extend(stale_problems(stale))
    unlocked = tuple(fact_id for fact_id, _ in covered_by if fact_id not in lock)
    return CoverageReport(facts, covered_by, skips, stale, unlocked, tuple(problems))


def stale_problems(stale: Iterable[StaleFact]) -> Iterator[Problem]:
    for item in stale:
        fact = item.fact
        for card in item.cards:
            yield Problem(
                card.source,
                f"stale: fact {fact.id!r} changed since it was accepted ({fact.source}: {fact.text!r}); "
                f"review the card, then run 'dlflash coverage --accept {fact.id}'",
                card.id,
            )


def coverage_report(project: Project, cards: CardSet, facts: Sequence[Fact] | None = None) -> CoverageReport:
    """The report from the notes' ``facts`` (read from the cheatsheet when not given), skip file and lock."""
    if facts is None:
        facts = load_facts(project.cheatsheet, project.section_ids)
    skips, skip_problems = load_skips(project.skip_file, [f.id for f in facts])
    report = build_report(tuple(facts), cards, skips, read_lock(project.coverage_lock))
    if not skip_problems:
        return report
    return CoverageReport(
        report.facts, report.covered_by, report.skips, report.stale, report.unlocked,
        (*skip_problems, *report.problems),
    )


def load_skips(path: Path, known: Collection[str]) -> tuple[tuple[Skip, ...], list[Problem]]:
    """``skip.yaml``: a mapping ``fact-id: one-line reason``; a missing file skips nothing."""
    if not present(path):
        return (), []
    name = str(path)
    text = read_source_text(path).replace("\r\n", "\n")
    if all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
        return (), []
    tree, problems = parse_yaml(text, name)
    if tree is None:
        return (), problems
    if tree.kind != "map":
        message = f"skip file must map each fact id to a reason, not {tree.kind_name}"
        return (), [*problems, Problem(Source(name, tree.line), message)]
    skips: list[Skip] = []
    choices = list(known)
    for key, value in tree.pairs:
        where = Source(name, key.line)
        if key.text not in known:
            problems.append(Problem(where, f"skips an unknown fact: {key.text!r}{did_you_mean(key.text, choices)}"))
        elif value.kind != "str" or not value.text.strip() or "\n" in value.text.strip():
            message = f"the reason for skipping {key.text!r} must be one line of text: {value.text!r}"
            problems.append(Problem(where, message))
        else:
            skips.append(Skip(key.text, value.text.strip(), where))
    return tuple(skips), problems


def read_lock(path: Path) -> dict[str, str]:
    """The lock as ``{fact-id: fingerprint}``; a missing file is an empty lock."""
    if not present(path):
        return {}
    entries: dict[str, str] = {}
    problems: list[Problem] = []
    for number, line in enumerate(read_source_text(path).splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not all(p.strip() for p in parts):
            message = f"a lock line must be 'fact-id<TAB>fingerprint': {line!r}"
            problems.append(Problem(Source(str(path), number), message))
            continue
        entries[parts[0].strip()] = parts[1].strip()
    if problems:
        raise ProblemsError(problems)
    return entries


def write_lock(path: Path, entries: Mapping[str, str]) -> None:
    """Write the lock sorted, via a temporary file renamed over it, so a crash leaves the old one."""
    body = "".join(f"{fact_id}\t{entries[fact_id]}\n" for fact_id in sorted(entries))
    write_atomic(path, f"{LOCK_HEADER}\n{body}".encode())


def accepted_lock(report: CoverageReport, lock: Mapping[str, str], fact_ids: Collection[str]) -> dict[str, str]:
    """The lock after accepting ``fact_ids`` (all covered facts when empty).

    Accepting everything also drops entries of facts no longer covered, so the
    lock stays exactly the set of covered facts.
    """
    by_id = {f.id: f for f in report.facts}
    covered = report.covered_ids
    if not fact_ids:
        return {fact_id: by_id[fact_id].fingerprint for fact_id in covered}
    choices = list(by_id)
    for fact_id in fact_ids:
        if fact_id not in by_id:
            raise UsageError(f"unknown fact id: {fact_id!r}{did_you_mean(fact_id, choices)}")
        if fact_id not in covered:
            raise UsageError(f"fact {fact_id!r} is not covered by any card: there is nothing to accept")
    return {**lock, **{fact_id: by_id[fact_id].fingerprint for fact_id in fact_ids}}


def coverage_check(project: Project, report: CoverageReport) -> Iterator[Problem]:
    """For ``dlflash check``: unknown ids, stale facts, and coverage below the threshold."""
    yield from report.problems
    if report.unlocked:
        yield Problem(
            Source(str(project.coverage_lock), 1),
            f"{len(report.unlocked)} covered facts are not in the lock yet "
            f"(first: {report.unlocked[0]!r}): run 'dlflash coverage --accept' to record them",
            severity="warning",
        )
    if report.percent < project.coverage_threshold:
        yield Problem(
            Source(str(project.cheatsheet), 1),
            f"coverage must be at least {project.coverage_threshold:g}% "
            f"([tool.dlflash] coverage-threshold): {report.percent:.1f}%",
        )
