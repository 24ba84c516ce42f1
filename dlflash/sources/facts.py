"""Stage: the cheatsheet (Markdown) to ``Fact`` values with stable ids.

markdown-it-py parses the cheatsheet; its ``SyntaxTreeNode`` gives the block
tree with each block's ``map`` (0-based line range). A fact is the own text of
a list item (nested items are facts of their own), each paragraph or item in a
blockquote, and each prose paragraph. Headings, and the items a nested item
sits under, form its path.

An id is ``<section>.<parent slugs...>.<slug>``: the slug comes from the item's
leading bold term or link title, else from its ``label:`` or its first words;
a clash gets ``-2``, ``-3``... in order of position under the same parent, so
lines added elsewhere never change an id. The fingerprint hashes the
case/whitespace-normalised text, so any change of wording marks covering cards
stale while reflowing a line does not.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from dlflash.errors import DataError
from dlflash.model import Fact, Source
from dlflash.sources.files import present, read_source_text

INTRO = "intro"
# Enough words to tell siblings apart while keeping ids typeable.
TERM_WORDS = 5
TEXT_WORDS = 4
LABEL_WORDS = 5
FINGERPRINT_CHARS = 12

_NUMBER_PREFIX = re.compile(r"^\s*\d+[.)]\s+")
_LABEL = re.compile(r"^([^:]{1,80}?)\??:(\s|$)")
_LIST_TYPES = ("bullet_list", "ordered_list")


@dataclass(frozen=True)
class _Scope:
    """Where a block sits: the slugs and readable labels above it."""

    slugs: tuple[str, ...]
    labels: tuple[str, ...]

    def child(self, slug: str, label: str) -> _Scope:
        return _Scope((*self.slugs, slug), (*self.labels, label))


def parse_facts(text: str, path: str, sections: Mapping[str, str] | None = None) -> tuple[Fact, ...]:
    """All facts of a cheatsheet's Markdown ``text``; ``path`` goes into each ``Source``.

    ``sections`` maps the generic slug of a heading (leading "N." stripped, so renumbering the
    notes keeps it) to the section id its facts get: the project's ``[tool.dlflash.sections]``.
    """
    return _parse_facts(text, path, tuple(sorted((sections or {}).items())))


@lru_cache(maxsize=4)
def _parse_facts(text: str, path: str, sections: tuple[tuple[str, str], ...]) -> tuple[Fact, ...]:
    """Kept for the process (the facts are frozen): coverage, headings, render and the deck
    descriptions of one ``dlflash deck`` read the same notes once."""
    root = SyntaxTreeNode(MarkdownIt("commonmark").parse(text))
    return tuple(_Walker(path, dict(sections)).blocks(root.children, []))


def load_facts(path: str | Path, sections: Mapping[str, str] | None = None) -> tuple[Fact, ...]:
    """The facts of the cheatsheet at ``path`` (sources name ``path`` as given)."""
    file = Path(path)
    if not present(file):
        raise DataError(f"cheatsheet not found: {str(file)!r}")
    return parse_facts(read_source_text(file), str(path), sections)


def facts_by_id(facts: Iterable[Fact]) -> dict[str, Fact]:
    return {fact.id: fact for fact in facts}


def section_of(fact_id: str) -> str:
    return fact_id.split(".", 1)[0]


def fingerprint(text: str) -> str:
    """A short hash of ``text`` with case and runs of whitespace normalised."""
    normal = " ".join(text.split()).casefold()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:FINGERPRINT_CHARS]


def slugify(text: str, max_words: int) -> str:
    """Lower-case ASCII words joined by '-', at most ``max_words`` of them."""
    # NFKD then ASCII drops accents and typographic quotes (U+2019), so both spellings of "dont" agree
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = ascii_text.lower().replace("'", "")
    words = re.findall(r"[a-z0-9]+", ascii_text)
    return "-".join(words[:max_words])


def heading_slug(title: str, sections: Mapping[str, str]) -> str:
    generic = slugify(_NUMBER_PREFIX.sub("", title), 100)
    return sections.get(generic, slugify(generic, LABEL_WORDS)) or "section"


class _Walker:
    """Walks the block tree once, handing out ids in document order."""

    def __init__(self, path: str, sections: Mapping[str, str]) -> None:
        self.path = path
        self.sections = sections
        self.used: set[str] = set()

    def blocks(self, nodes: list[SyntaxTreeNode], headings: list[tuple[int, str, str]],
               parent: _Scope | None = None) -> Iterator[Fact]:
        """Facts of sibling blocks; ``headings`` is (level, slug, label), changed in place."""
        lead_in: _Scope | None = None
        for index, node in enumerate(nodes):
            scope = parent or _heading_scope(headings)
            if node.type == "heading":
                level = int(node.tag[1:])
                label = _NUMBER_PREFIX.sub("", plain_text(node.children[0]))
                slug = heading_slug(label, self.sections)
                headings[:] = [h for h in headings if h[0] < level] + [(level, slug, label)]
            elif node.type == "paragraph":
                text = plain_text(node.children[0])
                following = nodes[index + 1] if index + 1 < len(nodes) else None
                if following is not None and following.type in _LIST_TYPES and text.endswith(":"):
                    # "TODO: Read:" before a list names the list; it claims nothing itself
                    label = text.rstrip(":").strip()
                    lead_in = scope.child(slugify(label, LABEL_WORDS) or "list", label)
                    continue
                yield from self._fact(scope, node.children[0], text, node)
            elif node.type in _LIST_TYPES:
                yield from self._list(node, lead_in or scope)
            elif node.type == "blockquote":
                # headings inside a quote (the index) hold only inside it
                yield from self.blocks(node.children, list(headings), parent)
            lead_in = None

    def _list(self, node: SyntaxTreeNode, scope: _Scope) -> Iterator[Fact]:
        for item in node.children:
            paragraphs = [c for c in item.children if c.type == "paragraph"]
            text = " ".join(plain_text(p.children[0]) for p in paragraphs).strip()
            child_scope = scope.child("item", text)
            if paragraphs:
                fact = self._make(scope, paragraphs[0].children[0], text, item)
                if fact is not None:
                    yield fact
                    child_scope = scope.child(fact.id.rsplit(".", 1)[1], _label(paragraphs[0].children[0], text))
            for child in item.children:
                if child.type in _LIST_TYPES:
                    yield from self._list(child, child_scope)
                elif child.type == "blockquote":
                    yield from self.blocks(child.children, [], child_scope)

    def _fact(self, scope: _Scope, inline: SyntaxTreeNode, text: str, node: SyntaxTreeNode) -> Iterator[Fact]:
        fact = self._make(scope, inline, text, node)
        if fact is not None:
            yield fact

    def _make(self, scope: _Scope, inline: SyntaxTreeNode, text: str, node: SyntaxTreeNode) -> Fact | None:
        if not text:
            return None
        base = ".".join((*scope.slugs, _item_slug(inline, text)))
        fact_id, n = base, 1
        while fact_id in self.used:
            n += 1
            fact_id = f"{base}-{n}"
        self.used.add(fact_id)
        line = (node.map[0] if node.map else 0) + 1
        return Fact(fact_id, scope.labels, text, fingerprint(text), Source(self.path, line))


def _heading_scope(headings: list[tuple[int, str, str]]) -> _Scope:
    if not headings:
        return _Scope((INTRO,), ())
    return _Scope(tuple(h[1] for h in headings), tuple(h[2] for h in headings))


def _leading_term(inline: SyntaxTreeNode) -> str:
    """The text of a leading ``**term**`` or ``[title](...)``, else ''."""
    for child in inline.children:
        if child.type == "text" and not child.content.strip():
            continue
        if child.type in ("strong", "link"):
            return plain_text(child)
        return ""
    return ""


def _item_slug(inline: SyntaxTreeNode, text: str) -> str:
    term = _leading_term(inline)
    if term:
        # "MSE: Mean Squared Error" is known by its abbreviation
        return slugify(term.split(":", 1)[0], TERM_WORDS) or "item"
    label = _LABEL.match(text)
    if label and len(label.group(1).split()) <= LABEL_WORDS:
        return slugify(label.group(1), LABEL_WORDS) or "item"
    return slugify(text, TEXT_WORDS) or "item"


def _label(inline: SyntaxTreeNode, text: str) -> str:
    """How a parent item reads in a child's context: its term or ``label:``, else its text."""
    label = _LABEL.match(text)
    return _leading_term(inline) or (label.group(1) if label else text)


def plain_text(node: SyntaxTreeNode) -> str:
    """Readable text of inline Markdown: markup dropped, code content kept."""
    return " ".join("".join(_inline_parts(node)).split())


def _inline_parts(node: SyntaxTreeNode) -> Iterator[str]:
    for child in node.children:
        if child.type in ("text", "code_inline"):
            yield child.content
        elif child.type in ("softbreak", "hardbreak"):
            yield " "
        elif child.type == "html_inline":
            continue
        else:
            yield from _inline_parts(child)
