"""Check: every formula a card shows typesets in the MathJax Anki ships.

Math is found in the rendered note fields the way MathJax finds it in the
card's page (``FindTeX`` over ``HTMLDomStrings``): only in text, never inside
``<code>``/``<pre>``/``<script>``..., with every other tag ending a run of
text and ``<br>`` read as a newline; entities are decoded first, as the
browser does. The TeX is then typeset by ``mathjax-full`` without
``noerrors``, so a formula Anki would show as raw source fails here with
MathJax's own message. A cloze note is typeset as each of its cards shows
it, question and answer (a deletion inside math reads ``[...]`` there). Two
Anki pitfalls are caught without node: a raw newline inside math, and ``}}``
inside math in a cloze note; so is TeX that acts (``\\href``, ``\\style``...,
see ``activetex``), which node refuses again by the attributes MathJax would set.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from dlflash.anki.cardview import cloze_field, cloze_numbers, render_clozes
from dlflash.anki.notetypes import NOTE_TYPES
from dlflash.cache import Cache
from dlflash.checks.activetex import active_tex
from dlflash.config import Project
from dlflash.errors import MathJaxUnavailable
from dlflash.messages import ELLIPSIS, clip
from dlflash.model import Problem, RenderedNote, Source
from dlflash.render.mathjax import MATHJAX_VERSION, TexFailure, TexItem, typeset_errors

# MathJax's default skipHtmlTags; text inside them is never typeset
SKIP_TAGS = frozenset({"script", "noscript", "style", "textarea", "pre", "code", "annotation", "annotation-xml"})
# tags MathJax reads as part of the surrounding text (includeHtmlTags)
INLINE_TAGS = {"br": "\n", "wbr": ""}
DELIMITERS = {"\\(": ("\\)", False), "\\[": ("\\]", True)}
_START = re.compile(r"\\\(|\\\[")
_END = {opener: re.compile(re.escape(close) + r"|\\.|[{}]") for opener, (close, _display) in DELIMITERS.items()}
QUOTE_LIMIT = 80
MATH_CACHE = "mathjax"
SPANS_CACHE = "math-found"  # per note: its shape findings and the formulas it shows


@dataclass(frozen=True)
class MathSpan:
    """One formula as MathJax would find it; ``closed`` is False for an opener without its end."""

    tex: str
    display: bool
    closed: bool = True

    @property
    def delimited(self) -> str:
        close = DELIMITERS["\\[" if self.display else "\\("][0] if self.closed else ""
        return ("\\[" if self.display else "\\(") + self.tex + close


class _TextRuns(HTMLParser):
    """The runs of text MathJax searches for math, entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[str] = []
        self._run: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in INLINE_TAGS:
            self._run.append(INLINE_TAGS[tag])
            return
        self._end_run()
        self._skipping += tag in SKIP_TAGS

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in INLINE_TAGS:
            self._run.append(INLINE_TAGS[tag])
        else:
            self._end_run()

    def handle_endtag(self, tag: str) -> None:
        if tag in INLINE_TAGS:
            return
        self._end_run()
        if tag in SKIP_TAGS and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._run.append(data)

    def _end_run(self) -> None:
        if self._run:
            self.runs.append("".join(self._run))
        self._run = []

    def close(self) -> None:
        super().close()
        self._end_run()


def find_math(html: str) -> tuple[MathSpan, ...]:
    """Every formula in a field's HTML, in order."""
    if "\\" not in html and "&" not in html:
        return ()  # no backslash, not even as an entity: no delimiter MathJax could find, no parse needed
    parser = _TextRuns()
    parser.feed(html)
    parser.close()
    return tuple(span for run in parser.runs for span in _find_in_text(run))


def _find_in_text(text: str) -> Iterator[MathSpan]:
    """MathJax's FindTeX: the end delimiter counts only outside braces; ``\\x`` pairs are skipped."""
    position = 0
    while start := _START.search(text, position):
        close, display = DELIMITERS[start.group()]
        braces = 0
        for token in _END[start.group()].finditer(text, start.end()):
            if token.group() == close and braces == 0:
                yield MathSpan(text[start.end() : token.start()], display)
                position = token.end()
                break
            if token.group() == "{":
                braces += 1
            elif token.group() == "}" and braces:
                braces -= 1
        else:
            yield MathSpan(text[start.end() :], display, closed=False)
            position = start.end()


def math_check(project: Project, notes: Sequence[RenderedNote]) -> Iterator[Problem]:
    """Registered in ``dlflash.checks.run``: shape problems first, then MathJax's verdict, over the rendered notes.

    What a note's fields hold (its shape findings and the formulas to typeset) is read from the
    cache where the note type and fields are unchanged: finding math parses each card's HTML.
    """
    found = _notes_math(project, notes)
    for note, (shapes, _spans) in zip(notes, found, strict=True):
        yield from (_problem(note, rule, span) for rule, span in shapes)
    shown = [(note, name, span) for note, (_shapes, spans) in zip(notes, found, strict=True) for name, span in spans]
    yield from typeset_problems(project, shown)


NoteMath = tuple[list[tuple[str, MathSpan]], list[tuple[str, MathSpan]]]


def _notes_math(project: Project, notes: Sequence[RenderedNote]) -> list[NoteMath]:
    """Each note's (shape findings, typesettable formulas), cached by note type and fields."""
    cache = Cache.for_cards(project.cards_dir)
    old = cache.table(SPANS_CACHE, SPANS_CACHE)
    entries: dict[str, Any] = {}
    found: list[NoteMath] = []
    for note in notes:
        key = cache.key(SPANS_CACHE, note.note_type, note.fields)
        math = _decode_math(old.get(key))
        if math is None:
            math = (list(_shape_findings(note)), list(_typesettable(note)))
        entries[key] = _encode_math(math)
        found.append(math)
    cache.save(SPANS_CACHE, SPANS_CACHE, entries, old)
    return found


def _encode_math(math: NoteMath) -> list[list[list[object]]]:
    return [[[label, span.tex, span.display, span.closed] for label, span in part] for part in math]


def _decode_math(value: Any) -> NoteMath | None:
    """A cached entry, or None for a missing one or one of the wrong shape."""
    try:
        shapes, spans = (
            [(str(label), MathSpan(str(tex), bool(display), bool(closed))) for label, tex, display, closed in part]
            for part in value
        )
    except (TypeError, ValueError):
        return None
    return shapes, spans


def _shape_findings(note: RenderedNote) -> Iterator[tuple[str, MathSpan]]:
    """Math Anki would break before MathJax even sees it: (rule, formula)."""
    spec = NOTE_TYPES[note.note_type]
    for name, html in zip(spec.fields, note.fields, strict=True):
        # with every deletion revealed, a '}}' left in math is one that would end a cloze early
        shown = render_clozes(html, None, answer=True) if spec.cloze else html
        for span in find_math(shown):
            if not span.closed:
                close = DELIMITERS["\\[" if span.display else "\\("][0]
                yield f"math in {name} must end with '{close}' outside braces (an unmatched '{{' hides it)", span
            elif "\n" in span.tex:
                yield f"math in {name} must be on one line (a raw newline breaks it in Anki)", span
            elif spec.cloze and "}}" in span.tex:
                yield f"math in {name} must not contain '}}}}' (it ends the cloze early; write '}} }}')", span
            for reason in active_tex(span.tex):
                yield f"math in {name} must not make links, styles, ids or classes (they act in Anki): {reason}", span


def typeset_problems(project: Project, shown: Sequence[tuple[RenderedNote, str, MathSpan]]) -> Iterator[Problem]:
    """Typeset every distinct formula once, in one node run; report each failure on every card showing it."""
    items = {_key(span): TexItem(_key(span), span.tex, span.display) for _note, _name, span in shown}
    try:
        errors = _cached_errors(project, items)
    except MathJaxUnavailable as exc:
        yield Problem(Source(str(project.cards_dir), 1), f"math cannot be checked: {exc}")
        return
    for note, name, span in shown:
        failure = errors.get(_key(span))
        if failure is None or any(active_tex(span.tex)):
            continue  # acting macros are reported by the shape findings, once
        if failure.acts:
            rule = f"math in {name} must not make links, styles, ids or classes (they act in Anki): {failure.message}"
        else:
            rule = f"math in {name} must typeset in MathJax {MATHJAX_VERSION}: {failure.message}"
        yield _problem(note, rule, span)


def _cached_errors(project: Project, items: dict[str, TexItem]) -> dict[str, TexFailure]:
    """MathJax's verdict on each item, from the cache where this MathJax judged it before; node runs for the rest."""
    cache = Cache.for_cards(project.cards_dir)
    keys = {name: cache.key(MATH_CACHE, item.tex, item.display, MATHJAX_VERSION) for name, item in items.items()}
    old = cache.table(MATH_CACHE, MATH_CACHE)
    # an entry is [MathJax's message, whether it acts], or None for a formula that typesets cleanly
    fresh = {name: item for name, item in items.items() if not _valid(old.get(keys[name], False))}
    computed = typeset_errors(project, list(fresh.values()))
    verdicts = {
        name: computed.get(name) if name in fresh else _failure(old[keys[name]]) for name in keys
    }
    cache.save(MATH_CACHE, MATH_CACHE, {keys[name]: _entry(v) for name, v in verdicts.items()}, old)
    return {name: failure for name, failure in verdicts.items() if failure is not None}


def _entry(failure: TexFailure | None) -> list[object] | None:
    return None if failure is None else [failure.message, failure.acts]


def _failure(entry: list[object] | None) -> TexFailure | None:
    return None if entry is None else TexFailure(str(entry[0]), bool(entry[1]))


def _valid(entry: object) -> bool:
    """A cached verdict: None, or [message, acts]."""
    return entry is None or (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)
                             and isinstance(entry[1], bool))


def _typesettable(note: RenderedNote) -> Iterator[tuple[str, MathSpan]]:
    """Closed one-line formulas of every side of every card of the note, each once."""
    spec = NOTE_TYPES[note.note_type]
    numbers = sorted({n for html in note.fields for n in cloze_numbers(html)}) if spec.cloze else []
    for name, html in zip(spec.fields, note.fields, strict=True):
        sides = [cloze_field(html, n, answer=a) for n in numbers for a in (False, True)] if numbers else [html]
        spans = (span for side in sides for span in find_math(side) if span.closed and "\n" not in span.tex)
        yield from ((name, span) for span in dict.fromkeys(spans))


def _key(span: MathSpan) -> str:
    return ("display:" if span.display else "inline:") + span.tex


def _problem(note: RenderedNote, rule: str, span: MathSpan) -> Problem:
    quoted = clip(span.delimited, QUOTE_LIMIT + len(ELLIPSIS))
    return Problem(note.source, f"{rule}: '{quoted}'", note.card_id)
