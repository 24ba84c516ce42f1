"""Reading a card's Markdown fields as a learner sees them, for the lint stage.

A field mixes prose, math (``\\( \\)``, ``\\[ \\]``), code and cloze markup. The
lint rules count and compare the *prose*: words a person reads, not LaTeX
commands or code tokens. Cloze deletions are parsed the way Anki's
``rslib/src/cloze.rs`` tokenizes them: ``{{cN::`` opens, the first ``}}``
closes the innermost open deletion, and ``::`` splits an answer from its hint.
"""

from __future__ import annotations

import doctest
import re
import textwrap
from dataclasses import dataclass

from dlflash.sources.cards import CODE_RE

# fenced blocks first, so that their backticks are not read as inline code
MATH_RE = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]", re.DOTALL)
HTML_TAG_RE = re.compile(r"</?[A-Za-z][^>]*>")
MD_IMAGE_RE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]*)[^)]*\)")
MD_LINK_RE = re.compile(r"\[([^\]]*)\]\([^)]*\)")
HTML_IMG_RE = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']?([^\"'\s>]*)", re.IGNORECASE)
CLOZE_TOKEN_RE = re.compile(r"\{\{c(\d+)::|\}\}")
# an innermost deletion: its content holds no other opening
INNER_CLOZE_RE = re.compile(r"\{\{c\d+::((?:(?!\{\{c\d+::).)*?)\}\}", re.DOTALL)
WORD_RE = re.compile(r"[^\W_](?:[\w'\u2019-]*[^\W_])?")


@dataclass(frozen=True)
class Deletion:
    """One ``{{cN::answer::hint}}`` as Anki reads it; ``raw`` is all between the braces."""

    number: int
    raw: str
    answer: str
    hint: str


@dataclass(frozen=True)
class ClozeText:
    """The deletions of a cloze text and how many openings were never closed."""

    deletions: tuple[Deletion, ...]
    unclosed: int


def flatten_cloze(text: str, hidden: int | None = None) -> str:
    """Replace each deletion by its answer, or by ``[...]`` and its hint when its number is hidden."""

    def show(match: re.Match[str]) -> str:
        answer, _, hint = match.group(1).partition("::")
        number = int(match.group(0)[3 : match.group(0).index("::")])
        if number == hidden:
            return f"[{hint or '...'}]"
        return answer

    previous = None
    while previous != text:
        previous, text = text, INNER_CLOZE_RE.sub(show, text)
    return text


def parse_cloze(text: str) -> ClozeText:
    """The deletions in order of their closing, as Anki's tokenizer pairs them."""
    stack: list[tuple[int, int]] = []
    found: list[Deletion] = []
    for match in CLOZE_TOKEN_RE.finditer(text):
        if match.group(1) is not None:
            stack.append((int(match.group(1)), match.end()))
        elif stack:  # a `}}` with nothing open is plain text to Anki
            number, start = stack.pop()
            raw = text[start : match.start()]
            answer, _, hint = flatten_cloze(raw).partition("::")
            found.append(Deletion(number, raw, answer, hint))
    return ClozeText(tuple(found), len(stack))


def without_code(text: str) -> str:
    return CODE_RE.sub(" ", text)


def math_spans(text: str) -> list[str]:
    """The bodies of the math in ``text`` (code excluded), in order."""
    return [m.group(1) if m.group(1) is not None else m.group(2) for m in MATH_RE.finditer(without_code(text))]


def code_spans(text: str) -> list[str]:
    """The contents of the inline code and fenced blocks in ``text``."""
    return [m.group(0).strip("`~").strip() for m in CODE_RE.finditer(text)]


def prose(text: str) -> str:
    """What is left to read once code, math, markup and images are taken out."""
    text = flatten_cloze(without_code(text))
    text = MATH_RE.sub(" ", text)
    text = MD_IMAGE_RE.sub(" ", text)
    text = MD_LINK_RE.sub(r"\1", text)
    text = HTML_TAG_RE.sub(" ", text)
    return re.sub(r"[*_#>|]+", " ", text)


def words(text: str) -> list[str]:
    """The words of the prose of ``text`` (math and code count as none)."""
    return WORD_RE.findall(prose(text))


def shape_tokens(text: str) -> list[str]:
    """Lower-case tokens of the text with math kept, for comparing two prompts."""
    text = flatten_cloze(without_code(text)).lower()
    return re.findall(r"\w+|[^\w\s*_]", text)


def image_refs(text: str) -> list[tuple[str, str]]:
    """Every image a field refers to: (``markdown`` or ``html``, the name as written)."""
    code_free = without_code(text)
    refs = [("markdown", m.group(1)) for m in MD_IMAGE_RE.finditer(code_free)]
    return refs + [("html", m.group(1)) for m in HTML_IMG_RE.finditer(code_free)]


# ```python (or ```py) fenced blocks; what follows the language on the fence line is the block's info
PYTHON_BLOCK_RE = re.compile(r"^[ \t]*```[ \t]*(?:python|py)\b([^\n]*)\n(.*?)^[ \t]*```", re.DOTALL | re.MULTILINE)
# a block the tests do not run, with the reason why: ```python illustrative: shapes only, no data
ILLUSTRATIVE_RE = re.compile(r"\billustrative\b\s*:?\s*(.*?)\s*$")
# identifiers inside code, split at underscores, dots and camel case: `CosineAnnealingLR` -> cosine, annealing, lr
CODE_PART_RE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


@dataclass(frozen=True)
class CodeBlock:
    """A fenced python block of a field: its code (dedented) and, if it is marked illustrative, the reason."""

    code: str
    illustrative: str | None = None


def python_blocks(text: str) -> list[CodeBlock]:
    """Every fenced ```python block in ``text``, in order."""
    blocks = []
    for match in PYTHON_BLOCK_RE.finditer(text):
        marker = ILLUSTRATIVE_RE.search(match.group(1))
        blocks.append(CodeBlock(textwrap.dedent(match.group(2)), marker.group(1) if marker else None))
    return blocks


def is_doctest(block: str) -> bool:
    """A block written as an interactive session: ``>>> expr`` lines, each followed by its expected output."""
    return any(line.startswith(">>>") for line in block.splitlines())


def python_source(block: str) -> str:
    """The Python a block runs: the block itself, or the ``>>>`` examples of a doctest block."""
    if not is_doctest(block):
        return block
    return "".join(example.source for example in doctest.DocTestParser().get_examples(block))


def stem(word: str) -> str:
    """A crude English stem, enough to match a plural with its singular: lower case, no plural 's'."""
    word = word.lower().replace("\u2019", "'").removesuffix("'s").removesuffix("'")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def code_words(text: str) -> list[str]:
    """The word parts of the identifiers in the code of ``text``, which a learner also reads."""
    return [part for span in code_spans(text) for part in CODE_PART_RE.findall(span)]
