"""Stage: the patch for the notes' author: every fixable quote replaced in place, as a unified diff.

A fix replaces its quote on every line where the quote occurs (a typo repeated is fixed
everywhere). The patched notes must parse into the same fact ids as the notes (the deck's
cards cover those ids): a fix that would change an id is left out of the patch and reported,
so the patch never breaks the deck that is built from the notes it patches.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dlflash.messages import shown
from dlflash.model import Problem, Source
from dlflash.sources.facts import parse_facts


@dataclass(frozen=True)
class Fix:
    """Replace ``quote`` by ``fix`` on ``lines`` of the notes; ``source`` is where the fix is recorded."""

    quote: str
    fix: str
    lines: tuple[int, ...]
    source: Source
    card_id: str | None = None


@dataclass(frozen=True)
class Patch:
    """The patched notes, the fixes applied, and the problems of those left out."""

    text: str
    applied: tuple[Fix, ...]
    problems: tuple[Problem, ...]


def patch_notes(text: str, path: str, fixes: Sequence[Fix], sections: Mapping[str, str] | None = None) -> Patch:
    """Apply every fix that keeps the notes' fact ids (``sections`` as in ``parse_facts``); warn of the others."""
    problems: list[Problem] = []
    chosen: dict[str, Fix] = {}
    for fix in fixes:
        earlier = chosen.setdefault(fix.quote, fix)
        if earlier.fix != fix.fix:
            message = (f"two fixes for {shown(fix.quote)}: {shown(fix.fix)} here, {shown(earlier.fix)} at "
                       f"{earlier.source}; the patch uses the first")
            problems.append(Problem(fix.source, message, fix.card_id, "warning"))
    ids = _fact_ids(text, path, sections)
    kept = []
    for fix in chosen.values():
        alone = _apply(text, [fix])
        if alone == text:
            problems.append(Problem(fix.source, f"fix for {shown(fix.quote)} changes nothing", fix.card_id, "warning"))
            continue
        changed = _changed_ids(ids, _fact_ids(alone, path, sections))
        if changed:
            message = (f"fix {shown(fix.quote)} -> {shown(fix.fix)} is left out of the patch: it changes the fact id "
                       f"{changed} that the deck's cards refer to")
            problems.append(Problem(fix.source, message, fix.card_id, "warning"))
            continue
        kept.append(fix)
    patched = _apply(text, kept)
    # fixes that keep ids one by one may still clash together (two on one line); then keep the first ones
    while kept and _fact_ids(patched, path, sections) != ids:
        dropped = kept.pop()
        message = f"fix {shown(dropped.quote)} is left out of the patch: with the others it changes fact ids"
        problems.append(Problem(dropped.source, message, dropped.card_id, "warning"))
        patched = _apply(text, kept)
    return Patch(patched, tuple(kept), tuple(problems))


def _apply(text: str, fixes: Sequence[Fix]) -> str:
    lines = text.splitlines(keepends=True)
    for fix in fixes:
        for number in fix.lines:
            lines[number - 1] = lines[number - 1].replace(fix.quote, fix.fix)
    return "".join(lines)


def _fact_ids(text: str, path: str, sections: Mapping[str, str] | None) -> tuple[str, ...]:
    return tuple(fact.id for fact in parse_facts(text, path, sections))


def _changed_ids(before: tuple[str, ...], after: tuple[str, ...]) -> str:
    """``'a' -> 'b'`` for the first id that differs, or the empty string."""
    for old, new in zip(before, after, strict=False):
        if old != new:
            return f"{old!r} -> {new!r}"
    return "" if len(before) == len(after) else f"count {len(before)} -> {len(after)}"


def unified_diff(before: str, after: str, path: str) -> str:
    """The diff of the notes as ``patch -p0`` / ``git apply -p0`` read it, run from the folder ``path`` is relative to.

    ``difflib`` writes no "no newline at end of file" marker, so one is added where a last
    line without a newline appears in the diff (else the patch would add a newline).
    """
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), fromfile=path, tofile=path
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
