"""Errata: the cheatsheet's formulas and numbers evaluated as written and compared with torch.

The quotes are data (``verify/errata.yaml``); each is located in the cheatsheet
(so its line is computed, and a quote that is no longer there is an error),
transliterated by a declared, minimal rule set, parsed and run by the same
allow-listed AST evaluator as the cards, and compared with its torch reference
by the same runner. Nothing here types a result in.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import torch
from torch import Tensor

from dlflash.config import Project
from dlflash.errors import DataError, DlflashError, ProblemsError
from dlflash.formula.evaluate import RESULT, evaluate
from dlflash.formula.parse import Program, Step, parse_step
from dlflash.model import Card, Fact, Problem, Source
from dlflash.sources.yamltree import mapping_problems, plain, read_yaml_file
from dlflash.verify.outcome import TOLERANCE
from dlflash.verify.registry import Reference, call_reference, load_references
from dlflash.verify.runner import SEED, accepted_inputs, check_program, error, trajectories

# Notation of the notes that Python spells differently; applied to every quote, in order.
TRANSLITERATION: tuple[tuple[str, str], ...] = (("²", "**2"), ("[", "("), ("]", ")"))
# A claimed number is met when it is the computed value, rounded or truncated to its digits.
CLAIM_SLACK = 0.01


@dataclass(frozen=True)
class Finding:
    """One checked formula or number of the notes."""

    quote: str
    line: int
    kind: str  # "formula", "claim", "comparison", "shape"
    correct: bool
    details: tuple[str, ...]
    reference: str
    quotes: tuple[str, ...] = ()  # each quoted piece of the notes (a formula may span lines)
    lines: tuple[int, ...] = ()  # the line of each quote
    fix: str | None = None  # the replacement of the (single) quote, for the notes' patch


def locate(text: str, quote: str, path: str) -> int:
    """The 1-based line of ``quote`` in ``text``; a quote that is not there is an error."""
    index = text.find(quote)
    if index < 0:
        raise DataError(f"{path}: errata quote not found in the cheatsheet: {quote!r}")
    return text[:index].count("\n") + 1


def transliterate(quote: str, extra: Sequence[Sequence[str]] = ()) -> str:
    for old, new in (*(tuple(pair) for pair in extra), *TRANSLITERATION):
        quote = quote.replace(old, new)
    return quote


def literal_program(quotes: Sequence[str], entry: Mapping[str, Any], path: str, line: int) -> Program:
    """The quoted steps (after ``before``), transliterated and renamed, as a checked program."""
    texts = [*entry.get("before", ()), *(transliterate(q, entry.get("transliterate", ())) for q in quotes)]
    steps = []
    for index, text in enumerate(texts):
        # the quote may end in a bare expression after the definitions it relies on
        parsed, reasons = parse_step(text, alone=index == len(texts) - 1)
        if parsed is None:
            raise DataError(f"{path}:{line}: the quote cannot be evaluated as {text!r}: {'; '.join(reasons)}")
        target, expr = parsed
        renames = entry.get("rename", {})
        steps.append(Step(renames.get(target, target), _renamed(expr, renames), text, Source(path, line)))
    return Program(tuple(steps))


def _renamed(expr: ast.expr, renames: Mapping[str, str]) -> ast.expr:
    for node in ast.walk(expr):
        if isinstance(node, ast.Name) and node.id in renames:
            node.id = renames[node.id]
    return expr


def tensors(values: Mapping[str, Any]) -> dict[str, Tensor]:
    return {k: torch.tensor(v, dtype=torch.float64) for k, v in values.items()}


def show(value: Tensor) -> str:
    if value.numel() == 1:
        return _number(float(value))
    return "[" + ", ".join(_number(float(v)) for v in value.flatten()) + "]"


def _number(value: float) -> str:
    return "undefined (0/0 = NaN)" if math.isnan(value) else f"{value:.4g}"


def example_inputs(ref: Reference, example: Mapping[str, Any], fixed: Mapping[str, Any]) -> dict[str, Tensor]:
    """The example's tensors, with the inputs the reference derives from them (an eigen-decomposition)."""
    inputs = tensors({**example, **fixed})
    if ref.derive is not None:
        inputs.update(call_reference(ref, ref.derive, **accepted_inputs(ref.derive, inputs)))
    return inputs


def run_example(program: Program, ref: Reference, example: Mapping[str, Any], fixed: Mapping[str, Any]) -> Tensor:
    """The program's value on the readable example inputs (the final parameter for an optimizer)."""
    inputs = example_inputs(ref, example, fixed)
    if ref.kind == "optimizer":
        hyper = {name: inputs[name] for name, _ in ref.inputs}
        ours, _ = trajectories(program, ref, hyper, inputs[ref.param], inputs[ref.grad])
        return ours[-1]
    return evaluate(program, inputs)[RESULT]


def torch_example(ref: Reference, example: Mapping[str, Any], fixed: Mapping[str, Any]) -> Tensor:
    """The torch reference's value on the example inputs (the final parameter for an optimizer)."""
    inputs = example_inputs(ref, example, fixed)
    if ref.kind == "optimizer":
        hyper = {name: inputs[name] for name, _ in ref.inputs}
        _, theirs = trajectories(Program(()), ref, hyper, inputs[ref.param], inputs[ref.grad])
        return theirs[-1]
    return torch.as_tensor(call_reference(ref, ref.compute, **inputs))


# Each section of the errata file: the keys every entry needs, and those it may have.
ERRATA_SECTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "formulas": (("quote", "reference"), ("before", "transliterate", "rename", "fixed", "example", "correct", "fix")),
    "claims": (("quote", "claimed", "reference", "cases"), ("formula", "fix")),
    "comparisons": (("quote", "pairs", "example"), ("fixed", "fix")),
    "shapes": (("quote", "reference", "inputs", "claimed"), ("fix",)),
}


@dataclass(frozen=True)
class ErrataEntry:
    """One entry of the errata file: its section, its values, and its line there."""

    section: str
    values: Mapping[str, Any]
    source: Source


def load_errata(project: Project) -> list[ErrataEntry]:
    """The entries of the errata file beside the references, validated; every malformed entry is a located problem."""
    path = project.errata_file
    if path is None or not path.is_file():
        raise DataError(f"no errata file: {str(path)!r}")
    tree, name = read_yaml_file(path), str(path)
    problems = list(mapping_problems(tree, name, "the errata file", (), tuple(ERRATA_SECTIONS)))
    entries = []
    for section, (required, optional) in ERRATA_SECTIONS.items():
        node = tree.get(section) if tree.kind == "map" else None
        if node is None or node.kind == "null":
            continue
        if node.kind != "seq":
            problems.append(Problem(Source(name, node.line), f"{section!r} must be a list, not {node.kind_name}"))
            continue
        for item in node.items:
            found = list(mapping_problems(item, name, f"an entry of {section!r}", required, optional))
            quote = item.get("quote")
            if quote is not None and quote.kind not in ("str", "seq"):
                message = f"'quote' must be text or a list of texts, not {quote.kind_name}: {quote.text!r}"
                found.append(Problem(Source(name, quote.line), message))
            problems += found
            if not found:
                values = plain(item)
                assert isinstance(values, dict)
                entries.append(ErrataEntry(section, values, Source(name, item.line)))
    if problems:
        raise ProblemsError(problems)
    return entries


def find_errata(project: Project) -> list[Finding]:
    """Every formula, claim and comparison of the errata file, checked, in cheatsheet order.

    An entry that cannot be checked (its quote not in the notes, an unknown reference, a quote
    that does not parse) is a problem at its line in the errata file; all are reported at once.
    """
    references = load_references(project)
    entries = load_errata(project)
    text = project.cheatsheet.read_text("utf-8")
    path = str(project.cheatsheet)
    checkers = {"formulas": _formula, "claims": _claim, "comparisons": _comparison, "shapes": _shape}
    findings, problems = [], []
    for entry in entries:
        try:
            found = checkers[entry.section](entry.values, text, path, references)
            fix = entry.values.get("fix")
            if fix is not None and len(found.quotes) != 1:
                problems.append(Problem(entry.source, "'fix' replaces one quote: this entry has several"))
            findings.append(replace(found, fix=str(fix)) if fix is not None else found)
        except DlflashError as exc:
            problems.append(Problem(entry.source, str(exc)))
        except (KeyError, TypeError, ValueError) as exc:  # a value of the wrong shape inside a valid entry
            problems.append(Problem(entry.source, f"entry of {entry.section!r} cannot be checked: {exc!r}"))
    if problems:
        raise ProblemsError(problems)
    return sorted(findings, key=lambda f: f.line)


def _reference(name: str, references: Mapping[str, Reference], path: str) -> Reference:
    if name not in references:
        raise DataError(f"{path}: unknown reference {name!r}")
    return references[name]


def _formula(entry: Mapping[str, Any], text: str, path: str, references: Mapping[str, Reference]) -> Finding:
    quotes = [entry["quote"]] if isinstance(entry["quote"], str) else list(entry["quote"])
    line = locate(text, quotes[0], path)
    ref = _reference(entry["reference"], references, path)
    program = literal_program(quotes, entry, path, line)
    fixed = entry.get("fixed", {})
    outcome = check_program(program, ref, fixed=tensors(fixed))
    correct_form = entry.get("correct") or "; ".join(ref.example)
    details = [
        f"as written (transliterated): `{'; '.join(s.text for s in program.steps)}`",
        f"torch reference `{ref.name}`: {ref.doc}",
    ]
    if "example" in entry:
        example = {k: v for k, v in entry["example"].items()}
        ours, theirs = run_example(program, ref, example, fixed), torch_example(ref, example, fixed)
        shown = ", ".join(f"{k} = {v}" for k, v in {**example, **fixed}.items())
        details.append(f"with {shown}: as written gives {show(ours)}, torch gives {show(theirs)}")
    if outcome.passed:
        details.append(f"agrees with torch: worst error {outcome.worst_error:.3g} over {outcome.cases} seeded cases")
    else:
        details.append(f"differs from torch: error {outcome.worst_error:.3g} in the first seeded case that fails")
    if not outcome.passed:
        details.append(f"correct form: `{correct_form}`")
    lines = tuple(locate(text, q, path) for q in quotes)
    return Finding(" / ".join(quotes), line, "formula", outcome.passed, tuple(details), ref.name, tuple(quotes), lines)


def _claim(entry: Mapping[str, Any], text: str, path: str, references: Mapping[str, Reference]) -> Finding:
    line = locate(text, entry["quote"], path)
    ref = _reference(entry["reference"], references, path)
    claimed = float(entry["claimed"])
    extra = entry.get("formula")
    alternative = literal_program([extra], {}, path, line) if extra else None
    details, first_values = [], []
    for index, (label, case) in enumerate(entry["cases"].items()):
        inputs = tensors(case)
        values = {f"torch `{ref.name}`": float(torch.as_tensor(ref.compute(**inputs)))}
        if alternative is not None:
            values[f"`{extra}`"] = float(evaluate(alternative, inputs)[RESULT])
        counts = ", ".join(f"{k} = {v}" for k, v in case.items())
        shown = "; ".join(f"{k}: {_number(v)}" for k, v in values.items())
        details.append(f"{label} ({counts}): {shown}")
        if index == 0:
            first_values = list(values.values())
    met = any(abs(v - claimed) <= CLAIM_SLACK for v in first_values)
    details.insert(0, f"claimed: {claimed:g}")
    return Finding(entry["quote"], line, "claim", met, tuple(details), ref.name, (entry["quote"],), (line,))


def _comparison(entry: Mapping[str, Any], text: str, path: str, references: Mapping[str, Reference]) -> Finding:
    line = locate(text, entry["quote"], path)
    example = tensors({**entry["example"], **entry.get("fixed", {})})
    details, identical = [], []
    for first, second in entry["pairs"]:
        finals = []
        for name in (first, second):
            ref = _reference(name, references, path)
            hyper = {n: example[n] for n, _ in ref.inputs}
            _, theirs = trajectories(Program(()), ref, hyper, example[ref.param], example[ref.grad])
            finals.append(theirs[-1])
        difference = error(finals[0], finals[1])
        identical.append(difference <= TOLERANCE)
        relation = "identical" if identical[-1] else "different"
        details.append(f"`{first}` vs `{second}`: w = {show(finals[0])} vs {show(finals[1])}, {relation}"
                       f" (difference {difference:.3g})")
    reference = ", ".join(entry["pairs"][0])
    quotes = (entry["quote"],)
    return Finding(entry["quote"], line, "comparison", any(identical), tuple(details), reference, quotes, (line,))


def _shape(entry: Mapping[str, Any], text: str, path: str, references: Mapping[str, Reference]) -> Finding:
    """A claimed output shape: the reference run on seeded inputs of the quoted shapes."""
    line = locate(text, entry["quote"], path)
    ref = _reference(entry["reference"], references, path)
    gen = torch.Generator().manual_seed(SEED)
    shapes = {name: tuple(int(n) for n in shape) for name, shape in entry["inputs"].items()}
    inputs = {name: torch.randn(shape, generator=gen, dtype=torch.float64) for name, shape in shapes.items()}
    output = call_reference(ref, ref.compute, **inputs)
    claimed, computed = [int(n) for n in entry["claimed"]], list(output.shape)
    given = ", ".join(f"{name} {list(shape)}" for name, shape in shapes.items())
    details = (f"claimed output shape: {claimed}", f"torch `{ref.name}` ({ref.doc}) on {given}: {computed}")
    return Finding(entry["quote"], line, "shape", computed == claimed, details, ref.name, (entry["quote"],), (line,))


def teaching_card(finding: Finding, cards: Sequence[Card], fact_ids: set[str]) -> str | None:
    """The card teaching the correct form of ``finding``, or None.

    First a card whose ``extra`` quotes the whole erratum (every quote, each as a whole code or
    quoted span, so ``TP / TP + FP`` is not matched by a mention of "TP"), an errata card before
    one that merely quotes it; then a card on the quote's facts whose formula is checked against
    the erratum's reference; then an errata card on those facts.
    """
    quotes = [_normalised(q) for q in finding.quotes or (finding.quote,)]
    errata_first = sorted(cards, key=lambda c: "errata" not in c.tags)
    for card in errata_first:
        spans = quoted_spans(card.extra)
        if all(q in spans for q in quotes):
            return card.id
    on_fact = [c for c in cards if fact_ids & set(c.covers)]
    for card in on_fact:
        if card.formula is not None and card.formula.reference == finding.reference:
            return card.id
    return next((c.id for c in on_fact if "errata" in c.tags), None)


# `code`, "quoted" and “quoted” spans of a card's text
_SPAN = re.compile(r'`([^`]+)`|"([^"]+)"|“([^”]+)”')


def quoted_spans(text: str) -> set[str]:
    """Every code or quoted span of ``text``, whitespace-normalised, without trailing punctuation."""
    return {_normalised("".join(m.groups(""))).rstrip(".,:;") for m in _SPAN.finditer(text or "")}


def _normalised(text: str) -> str:
    return " ".join(text.split())


def errata_markdown(findings: Sequence[Finding], cheatsheet: str, cards: Sequence[Card], facts: Sequence[Fact]) -> str:
    """The report: each formula or number of the notes that differs from torch, then those that agree."""
    wrong = [f for f in findings if not f.correct]
    lines = [
        f"# Errata of {cheatsheet}",
        "",
        f"Computed by `dlflash errata`: {len(findings)} formulas and numbers of the notes evaluated as written;"
        f" {len(wrong)} differ from PyTorch.",
        "",
    ]
    return "\n".join(lines + computed_sections(findings, cheatsheet, cards, facts))


def computed_sections(
    findings: Sequence[Finding], cheatsheet: str, cards: Sequence[Card], facts: Sequence[Fact]
) -> list[str]:
    """The Markdown lines of the computed errata: those that differ from torch, then those that agree."""
    wrong = [f for f in findings if not f.correct]
    lines: list[str] = []
    for title, group in (("Differs from PyTorch", wrong), ("Checked and correct", [f for f in findings if f.correct])):
        lines += [f"## {title}", ""]
        for finding in group:
            quoted_lines = set(finding.lines or (finding.line,))
            fact_ids = {f.id for f in facts if f.source.line in quoted_lines}
            card = teaching_card(finding, cards, fact_ids)
            lines += [f"### {finding_title(finding, cheatsheet)}", ""]
            lines += [f"- {d}" for d in finding.details]
            if finding.fix is not None:
                lines.append(f"- fix for the notes: `{finding.fix}`")
            lines += [f"- card: {f'[{card}]' if card else 'no card yet'}", ""]
    return lines


def finding_title(finding: Finding, cheatsheet: str) -> str:
    """``notes.md:N: `quote``` (every quote of a formula spanning lines)."""
    return f"{cheatsheet}:{finding.line}: " + ", then ".join(f"`{q}`" for q in finding.quotes or (finding.quote,))
