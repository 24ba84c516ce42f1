"""The formula keys beyond ``steps``: the ``given`` domains and the display options.

A domain says what values a symbol takes, so that verify can draw inputs and a
reader knows the symbol's type: ``KIND[(ARGS)][[DIMS]]``, for example
``real[n]``, ``prob[n, c]``, ``label(c)[n]``, ``real(0.5, 0.99)`` (a scalar
drawn from that interval) or ``count``. Dimensions are names (bound to a few
sizes by verify) or small integers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from dlflash.messages import did_you_mean
from dlflash.model import FormulaSpec, Problem

KINDS: dict[str, str] = {
    "real": "any real number; real(lo, hi) draws from that interval",
    "positive": "a real number > 0",
    "nonneg": "a real number >= 0",
    "prob": "a probability in (0, 1)",
    "label": "a class index in 0..c-1, written label(c)",
    "binary": "0 or 1",
    "sign": "-1 or +1",
    "count": "a non-negative integer; count(lo, hi) draws from lo..hi",
}
SHOW_CHOICES = ("latex", "code", "both")
OPTIONS: dict[str, str] = {
    "show": f"one of {', '.join(SHOW_CHOICES)} (default latex)",
    "ask_lines": "on a cloze card, the 1-based step numbers deleted (default: every step)",
}
MAX_DIM = 64

_DOMAIN_RE = re.compile(r"^\s*([a-z]+)\s*(?:\(([^()]*)\))?\s*(?:\[([^\[\]]*)\])?\s*$")
_DIM_RE = re.compile(r"^(?:[a-z][a-z0-9_]*|\d+)$")


@dataclass(frozen=True)
class Domain:
    """A parsed domain: its kind, its arguments and the names or sizes of its dimensions."""

    kind: str
    args: tuple[str, ...] = ()
    dims: tuple[str, ...] = ()

    def __str__(self) -> str:
        text = self.kind + (f"({', '.join(self.args)})" if self.args else "")
        return text + (f"[{', '.join(self.dims)}]" if self.dims else "")


def parse_domain(text: str) -> Domain | str:
    """The ``Domain`` of ``text``, or the reason (a rule) it is not one."""
    match = _DOMAIN_RE.match(text)
    if match is None:
        return f"a domain must read KIND, KIND[n, ...] or KIND(args)[...], like 'real[n]': {text!r}"
    kind, args_text, dims_text = match.groups()
    if kind not in KINDS:
        return f"domain kind must be one of {', '.join(KINDS)}: {kind!r}{did_you_mean(kind, list(KINDS))}"
    args = tuple(a.strip() for a in args_text.split(",")) if args_text is not None else ()
    dims = tuple(d.strip() for d in dims_text.split(",")) if dims_text else ()
    for dim in dims:
        if not _DIM_RE.match(dim) or (dim.isdigit() and not 1 <= int(dim) <= MAX_DIM):
            return f"a dimension must be a name or a size from 1 to {MAX_DIM}: {dim!r} in {text!r}"
    reason = _args_reason(kind, args, text)
    return reason if reason else Domain(kind, args, dims)


def _args_reason(kind: str, args: tuple[str, ...], text: str) -> str:
    if kind == "label":
        if len(args) != 1 or not _DIM_RE.match(args[0]):
            return f"a label domain must name its class count, like 'label(c)[n]': {text!r}"
        return ""
    if kind in {"real", "count"} and args:
        try:
            low, high = (float(a) for a in args)
        except ValueError:
            return f"{kind}(lo, hi) needs two numbers: {text!r}"
        return "" if low < high else f"{kind}(lo, hi) needs lo < hi: {text!r}"
    return f"domain {kind!r} takes no arguments: {text!r}" if args else ""


def spec_problems(spec: FormulaSpec, card_id: str | None, cloze: bool = False) -> Iterator[Problem]:
    """Problems with the options and the ``given`` domains of one formula (on a cloze card if ``cloze``)."""
    if cloze and show_mode(spec) != "latex":
        shown = show_mode(spec)
        message = f"a cloze card's formula is deleted line by line in its LaTeX: 'show' must be latex, not {shown!r}"
        yield Problem(spec.source, message, card_id)
    for key, value in spec.options:
        if key not in OPTIONS:
            hint = did_you_mean(key, ["steps", "reference", "given", *OPTIONS])
            yield Problem(spec.source, f"unknown formula key {key!r}{hint}", card_id)
        elif key == "ask_lines":
            yield from _ask_lines_problems(spec, value, card_id, cloze)
        elif key == "show" and value not in SHOW_CHOICES:
            hint = did_you_mean(str(value), SHOW_CHOICES)
            yield Problem(spec.source, f"'show' must be one of {', '.join(SHOW_CHOICES)}: {value!r}{hint}", card_id)
    for symbol, text in spec.given:
        domain = parse_domain(text)
        if isinstance(domain, str):
            yield Problem(spec.source, f"[{symbol}] {domain}", card_id)


def _ask_lines_problems(spec: FormulaSpec, value: object, card_id: str | None, cloze: bool) -> Iterator[Problem]:
    if not cloze:
        yield Problem(spec.source, "'ask_lines' deletes formula lines: it needs a cloze card", card_id)
        return
    items = value if isinstance(value, tuple) else (value,)
    steps = len(spec.steps)
    bad = [i for i in items if not (isinstance(i, str) and i.isdigit() and 1 <= int(i) <= steps)]
    if bad or not items:
        message = f"'ask_lines' must list step numbers from 1 to {steps}: {list(items)!r}"
        yield Problem(spec.source, message, card_id)


def asked_lines(spec: FormulaSpec) -> frozenset[int] | None:
    """The steps a cloze card deletes (``ask_lines``), or ``None`` for every step."""
    value = spec.option("ask_lines")
    if value is None:
        return None
    items = value if isinstance(value, tuple) else (value,)
    return frozenset(int(i) for i in items if isinstance(i, str) and i.isdigit())


def show_mode(spec: FormulaSpec) -> str:
    value = spec.option("show", "latex")
    return value if isinstance(value, str) and value in SHOW_CHOICES else "latex"
