"""Stage: a rendered note's cards as Anki shows them (question and answer HTML).

Anki fills a note type's templates with its own small language (rslib
``template.rs`` and ``cloze.rs``); this is the part of it our note types use:
``{{Field}}``, ``{{FrontSide}}``, ``{{#Field}}..{{/Field}}``,
``{{^Field}}..{{/Field}}`` and ``{{cloze:Field}}``, including clozes nested
in clozes and clozes inside math. ``tests/test_ankiview.py`` holds it against
the real ``anki`` package, so the preview shows what a reviewer sees.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from dlflash.anki.notetypes import NOTE_TYPES
from dlflash.errors import TemplateError
from dlflash.model import RenderedNote

_SECTION = re.compile(r"\{\{([#^])([^{}]+?)\}\}(.*?)\{\{/\2\}\}", re.S)
_REPLACEMENT = re.compile(r"\{\{([^{}#^/]+?)\}\}")
_CLOZE_TOKEN = re.compile(r"\{\{c(\d+)::|\}\}")
# cloze.rs MATHJAX: an opener `\(`/`\[` to the nearest closer `\)`/`\]` (either kind, braces not counted)
_MATHJAX = re.compile(r"(\\[(\[])(.*?)(\\[\])])", re.S | re.I)
# text.rs HTML, as strip_html_preserving_entities applies it: comments, style and script blocks, tags
_HTML_TAG = re.compile(r"<!--.*?-->|<style.*?>.*?</style>|<script.*?>.*?</script>|<.*?>", re.S | re.I)
# Anki's field_is_empty: only whitespace and empty line breaks or divs
_EMPTY_FIELD = re.compile(r"^(?:\s|</?(?:br|div) ?/?>)*$", re.I)


@dataclass(frozen=True)
class CardView:
    """One card of a note: the template's name and both sides' HTML."""

    name: str
    question: str
    answer: str


@dataclass(frozen=True)
class _Cloze:
    ordinal: int
    nodes: tuple[str | _Cloze, ...]

    def hint(self) -> str:
        last = self.nodes[-1] if self.nodes else ""
        return last.split("::", 1)[1] if isinstance(last, str) and "::" in last else ""


def note_cards(note: RenderedNote) -> tuple[CardView, ...]:
    """Every card Anki makes of the note: one per template, or one per cloze number."""
    spec = NOTE_TYPES[note.note_type]
    fields = dict(zip(spec.fields, note.fields, strict=True))
    if spec.cloze:
        (_name, qfmt, afmt) = spec.templates[0]
        numbers = sorted({n for f in note.fields for n in cloze_numbers(f)})
        return tuple(_card(f"Cloze {n}", qfmt, afmt, fields, n) for n in numbers)
    return tuple(_card(name, qfmt, afmt, fields, None) for name, qfmt, afmt in spec.templates)


def card_count(note: RenderedNote) -> int:
    """How many cards Anki makes of the note (``len(note_cards(note))``) without rendering them."""
    spec = NOTE_TYPES[note.note_type]
    if spec.cloze:
        return len({n for f in note.fields for n in cloze_numbers(f)})
    return len(spec.templates)


def _card(name: str, qfmt: str, afmt: str, fields: Mapping[str, str], ordinal: int | None) -> CardView:
    question = fill(qfmt, fields, ordinal=ordinal, answer=False)
    return CardView(name, question, fill(afmt, fields, ordinal=ordinal, answer=True, front_side=question))


def fill(template: str, fields: Mapping[str, str], *, ordinal: int | None, answer: bool, front_side: str = "") -> str:
    """One side of a card: sections first (innermost out), then replacements."""
    text, previous = template, None
    while text != previous:
        previous, text = text, _SECTION.sub(lambda m: _section(m, fields), text)
    return _REPLACEMENT.sub(lambda m: _replacement(m.group(1).strip(), fields, ordinal, answer, front_side), text)


def _section(match: re.Match[str], fields: Mapping[str, str]) -> str:
    kind, name, body = match.group(1), match.group(2).strip(), match.group(3)
    shown = not _EMPTY_FIELD.match(_field(name, fields))
    return body if shown == (kind == "#") else ""


def _replacement(name: str, fields: Mapping[str, str], ordinal: int | None, answer: bool, front_side: str) -> str:
    if name == "FrontSide":
        return front_side
    if name.startswith("cloze:"):
        text = _field(name.removeprefix("cloze:"), fields)
        return cloze_field(text, ordinal, answer=answer) if ordinal is not None else text
    return _field(name, fields)


def cloze_field(text: str, ordinal: int | None, *, answer: bool) -> str:
    """What Anki's ``{{cloze:Field}}`` shows (cloze.rs ``cloze_filter``): clozes rendered, then HTML
    stripped inside math, so a cloze in a formula reads ``[...]`` on the question and its plain
    text on the answer, with no highlight (its ``<span>`` would break the TeX)."""
    return strip_html_inside_math(render_clozes(text, ordinal, answer=answer))


def strip_html_inside_math(text: str) -> str:
    """cloze.rs ``strip_html_inside_mathjax``: tags removed between math delimiters, entities kept."""
    return _MATHJAX.sub(lambda m: m.group(1) + _HTML_TAG.sub("", m.group(2)) + m.group(3), text)


def _field(name: str, fields: Mapping[str, str]) -> str:
    if name not in fields:
        raise TemplateError(f"template refers to unknown field {name!r}; fields are {', '.join(fields)}")
    return fields[name]


def cloze_numbers(text: str) -> tuple[int, ...]:
    """The card numbers a field makes: Anki (26.x) makes no card for a cloze nested in another."""
    return tuple(sorted({node.ordinal for node in _parse_clozes(text) if isinstance(node, _Cloze)}))


def render_clozes(text: str, ordinal: int | None, *, answer: bool) -> str:
    """A cloze field on card ``ordinal``'s question or answer; ``None`` reveals every cloze."""
    return "".join(_render_node(n, ordinal, answer) for n in _parse_clozes(text))


def _render_node(node: str | _Cloze, ordinal: int | None, answer: bool) -> str:
    if isinstance(node, str):
        return node
    content = "".join(_render_node(n, ordinal, answer) for n in _content(node))
    if ordinal is None:
        return content
    if node.ordinal != ordinal:
        return f'<span class="cloze-inactive" data-ordinal="{node.ordinal}">{content}</span>'
    if answer:
        return f'<span class="cloze" data-ordinal="{node.ordinal}">{content}</span>'
    hidden = f"[{node.hint() or '...'}]"
    return (
        f'<span class="cloze" data-cloze="{_attribute_escape(content)}" data-ordinal="{node.ordinal}">{hidden}</span>'
    )


_NAMED = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


def _attribute_escape(text: str) -> str:
    """As Anki's htmlescape crate writes attributes: below U+0100 only ASCII letters and digits stay."""
    return "".join(
        c if ord(c) >= 0x100 or (c.isascii() and c.isalnum()) else _NAMED.get(c, f"&#x{ord(c):02X};") for c in text
    )


def _content(node: _Cloze) -> tuple[str | _Cloze, ...]:
    """The cloze's nodes without its ``::hint``."""
    last = node.nodes[-1] if node.nodes else ""
    if isinstance(last, str) and "::" in last:
        return (*node.nodes[:-1], last.split("::", 1)[0])
    return node.nodes


def _parse_clozes(text: str) -> tuple[str | _Cloze, ...]:
    """Anki's reading: ``}}`` closes the innermost open cloze; unclosed clozes stay text."""
    stack: list[tuple[int, list[str | _Cloze], str]] = [(0, [], "")]
    position = 0
    for token in _CLOZE_TOKEN.finditer(text):
        stack[-1][1].append(text[position : token.start()])
        position = token.end()
        if token.group(1) is not None:
            stack.append((int(token.group(1)), [], token.group(0)))
        elif len(stack) > 1:
            ordinal, nodes, _opener = stack.pop()
            stack[-1][1].append(_Cloze(ordinal, tuple(n for n in nodes if n != "")))
        else:
            stack[-1][1].append(token.group(0))
    stack[-1][1].append(text[position:])
    while len(stack) > 1:  # an opener never closed is plain text
        _ordinal, nodes, opener = stack.pop()
        stack[-1][1].extend([opener, *nodes])
    return tuple(n for n in stack[0][1] if n != "")
