"""Stage: the notes reviewed in full (``dlflash errata``): computed errata and recorded departures.

The computed errata come from ``verify/errata.yaml`` (each formula or number run against torch);
the recorded ones are the cards' ``departures``, grouped by kind and in the notes' line order.
Each entry says what evidence stands behind it: the torch computation of the same quote, the
API check of a claim the recording card makes about a name the correction mentions, or
"reviewed, not computed" — never more than the tool checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dlflash.model import DEPARTURE_KINDS, Card, Fact, Source
from dlflash.report.patch import Fix
from dlflash.sources.departures import LocatedDeparture
from dlflash.verify.claims import ClaimResult
from dlflash.verify.errata import Finding, computed_sections


@dataclass(frozen=True)
class Review:
    """Everything the review reports, computed once."""

    notes: str  # the notes' path as given
    findings: tuple[Finding, ...]
    departures: tuple[LocatedDeparture, ...]
    claims: tuple[ClaimResult, ...]


def review_markdown(review: Review, cards: Sequence[Card], facts: Sequence[Fact]) -> str:
    wrong = [f for f in review.findings if not f.correct]
    by_kind = {kind: [d for d in review.departures if d.departure.kind == kind] for kind in DEPARTURE_KINDS}
    counts = ", ".join(f"{len(group)} {kind}" for kind, group in by_kind.items() if group) or "none yet"
    fixable = sum(1 for d in review.departures if d.departure.fix is not None) + sum(
        1 for f in wrong if f.fix is not None
    )
    lines = [
        f"# Review of {review.notes}",
        "",
        f"- computed against PyTorch: {len(review.findings)} formulas and numbers of the notes evaluated as written;"
        f" {len(wrong)} differ from PyTorch",
        f"- recorded by the cards: {len(review.departures)} departures from the notes ({counts})",
        f"- fixable in place: {fixable} (`dlflash errata --patch` writes them as a unified diff)",
        "",
        "Each entry gives the notes' line and words, what is right, the evidence and the card that teaches it.",
        "",
        "# Computed errata",
        "",
        *computed_sections(review.findings, review.notes, cards, facts),
        "# Recorded departures, by kind",
        "",
    ]
    for kind, group in by_kind.items():
        if not group:
            continue
        lines += [f"## {kind} ({len(group)})", ""]
        for located in sorted(group, key=lambda d: (d.line, d.departure.quote)):
            departure = located.departure
            lines += [f"### {review.notes}:{located.line}: {code(departure.quote)}", ""]
            if len(located.lines) > 1:
                lines.append(f"- also at lines {', '.join(str(n) for n in located.lines[1:])}")
            lines.append(f"- right: {departure.correct}")
            if departure.fix is not None:
                lines.append(f"- fix for the notes: {code(departure.fix)}")
            lines.append(f"- evidence: {evidence(located, review)}")
            lines += [f"- card: [{located.card.id}] ({departure.source})", ""]
    return "\n".join(lines)


def code(text: str) -> str:
    """``text`` as a Markdown code span, fenced by more backticks than it contains."""
    if "`" not in text:
        return f"`{text}`"
    fence = "`" * (1 + max(len(run) for run in _backtick_runs(text)))
    return f"{fence} {text} {fence}"


def _backtick_runs(text: str) -> list[str]:
    runs, current = [], ""
    for char in text:
        if char == "`":
            current += char
        elif current:
            runs.append(current)
            current = ""
    return [*runs, current] if current else runs


def evidence(located: LocatedDeparture, review: Review) -> str:
    """The strongest check behind a departure, said as what it is."""
    quote = located.departure.quote
    for finding in review.findings:
        on_line = set(finding.lines or (finding.line,)) & set(located.lines)
        if on_line and any(quote in q or q in quote for q in finding.quotes or (finding.quote,)):
            verdict = "agrees with" if finding.correct else "differs from"
            return f"computed: the quote as written {verdict} torch `{finding.reference}` (computed erratum above)"
    text = f"{located.departure.correct} {located.departure.fix or ''}"
    checked = [c for c in review.claims if c.card_id == located.card.id and _mentioned(c.claim.name, text)]
    if checked:
        return "API check: " + "; ".join(f"`{c.claim.name}` {c.status} ({c.failure or c.checked})" for c in checked)
    return "reviewed, not computed"


def _mentioned(name: str, text: str) -> bool:
    """Whether ``text`` names the API ``name`` (by its last dotted part, as cards write ``nn.X``)."""
    head = name.split("(")[0]
    return head.rsplit(".", 1)[-1] in text


def fixes(review: Review) -> list[Fix]:
    """Every fix the review knows, departures first (a card's reviewed fix), in the notes' order."""
    recorded = [
        Fix(d.departure.quote, d.departure.fix, d.lines, d.departure.source, d.card.id)
        for d in review.departures
        if d.departure.fix is not None and d.lines
    ]
    computed = [
        Fix(f.quotes[0], f.fix, (f.line,), Source(review.notes, f.line))
        for f in review.findings
        if f.fix is not None and not f.correct and f.quotes
    ]
    return sorted([*recorded, *computed], key=lambda f: f.lines)
