"""The lint stage: named card-quality rules over loaded cards, each with its threshold and source.

A rule is a small generator registered in the ``RULES`` registry with a name, a severity,
a threshold and the source it comes from; ``lint_cards`` runs them all and
returns ``Problem``s whose message starts with the rule name, so every report
line reads ``cards/FILE.yaml:LINE: [card-id] rule-name: message``.

A card answers a warning by fixing it or by giving a reason inside the card:
``long_answer: <reason>`` for ``answer-length``, and for any other warning a
YAML comment between the card's ``- id:`` line and the next card::

    # lint-ok: near-identical: MSE and MAE differ in one word on purpose

Errors cannot be waived this way.
"""

from __future__ import annotations

import ast
import bisect
import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from dlflash.cache import Cache
from dlflash.checks import similar
from dlflash.checks.similar import numbered
from dlflash.messages import clip, did_you_mean
from dlflash.model import Card, CardSet, Problem, Source
from dlflash.recording import Recording
from dlflash.registry import Registry
from dlflash.sources.cards import DOLLAR_MATH_RE
from dlflash.text.cardtext import (
    CODE_PART_RE,
    code_spans,
    code_words,
    flatten_cloze,
    image_refs,
    math_spans,
    parse_cloze,
    prose,
    python_blocks,
    python_source,
    shape_tokens,
    stem,
    without_code,
    words,
)
from dlflash.text.markdown import FIGURE_SCHEME

Severity = Literal["error", "warning"]

WOZNIAK = "Wozniak, Twenty rules of formulating knowledge (supermemo.com)"
MATUSCHAK = "Matuschak, How to write good prompts (andymatuschak.org/prompts)"
ANKI = "Anki manual (docs.ankiweb.net)"
MATH = "Anki manual, Math & Symbols (MathJax); ankitects/anki ts/mathjax/index.ts (its MathJax settings)"

# source: Wozniak rule 4, minimum information principle (his example answers are 1-8 words)
ANSWER_WARN_WORDS = 10
ANSWER_ERROR_WORDS = 20
# source: Wozniak rule 4 (simple wording); Matuschak, "focused" prompts
QUESTION_WARN_WORDS = 20
# a cloze text carries its context in the sentence itself, so it may be longer
CLOZE_TEXT_WARN_WORDS = 30
# source: Wozniak rule 9, avoid sets (more than 2-3 items) and rule 10, enumerations
SET_MAX_ITEMS = 2
# a list item of more than this many words is a sentence, not an element of a set
SET_ITEM_MAX_WORDS = 4
# source: Wozniak rule 11, combat interference; difflib ratio over lower-case tokens, math kept
NEAR_IDENTICAL_RATIO = 0.9
LINT_CACHE = "lint"  # build/cache/lint/: each card's key words, and its card rules' findings

# source: Matuschak, avoid yes/no prompts; these openings ask for a yes or a no
YES_NO_OPENINGS = frozenset(
    {
        "is", "are", "does", "do", "can", "should", "will", "has", "have", "was", "were", "did", "could",
        "would", "must", "may", "might", "shall", "isn't", "aren't", "doesn't", "don't", "can't", "won't",
    }
)
QUESTION_WORDS = YES_NO_OPENINGS | {"what", "which", "why", "how", "when", "where", "who", "whom", "whose"}
# imperative prompts are questions in another form
IMPERATIVES = frozenset(
    {
        "name", "define", "state", "give", "write", "complete", "explain", "describe", "compute",
        "calculate",
    }
)
COMPLETION_ENDINGS = (":", "…", "...", "=")
STOPWORDS = frozenset(
    {
        "a", "an", "the", "of", "to", "in", "on", "for", "by", "with", "and", "or", "is", "are", "be", "it",
        "its", "this", "that", "as", "at", "from", "than", "then", "into", "per", "each", "one",
    }
)
YES_NO_ANSWER_RE = re.compile(r"^\s*(yes|no)\s*(?:$|[.,;:!\u2014\u2013-])", re.IGNORECASE)
LIST_ITEM_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+", re.MULTILINE)
LINT_OK_RE = re.compile(r"#\s*lint-ok\s*:\s*([\w-]*)\s*(?::\s*(.*?))?\s*$")
MIN_REASON_WORDS = 3

# source: Wozniak rule 11 (interference) and Matuschak, "effortful": a key word of the answer on the question side
# is a cue. A key word has at least this many characters and is not one of the common words below.
KEY_WORD_MIN_CHARS = 3
# a basic answer longer than this is an explanation, not a key term the front could leak
KEY_TERM_MAX_WORDS = 6
# a word on more than this share of the deck's cards (and more than the minimum) is the deck's vocabulary, no cue
CUE_RARE_SHARE = 0.02
CUE_RARE_MIN_CARDS = 5
# "which PyTorch sampler", "what kind of positional encoding": up to three words naming what is asked
CATEGORY_RE = re.compile(r"\b(?:which|what)\s+(?:(?:kind|type|sort)s?\s+of\s+)?((?:[\w'-]+\s+){0,2}[\w'-]+)", re.I)
DOTTED_NAME_RE = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
TOPIC_PREFIX_RE = re.compile(r"^[^?\n]{1,60}?\s[\u2014\u2013]\s")
COMMON_WORDS = STOPWORDS | frozenset(
    {
        "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "does", "do", "did", "can",
        "not", "no", "all", "any", "some", "most", "more", "less", "much", "many", "very", "also", "only",
        "both", "either", "other", "same", "such", "than", "their", "they", "them", "there", "these", "those",
        "has", "have", "had", "was", "were", "been", "being", "but", "if", "so", "up", "out", "about", "over",
        "under", "after", "before", "between", "while", "without", "within", "through", "again", "every",
        "two", "three", "four", "five", "first", "second", "new", "use", "used", "uses", "using", "make",
        "makes", "made", "give", "gives", "given", "get", "gets", "call", "called", "name", "named",
        "notes", "note", "say", "says", "said", "value", "values", "usual", "usually", "typical", "common",
        "commonly", "default", "example", "way", "ways", "kind", "kinds", "thing", "part", "parts",
        "term", "terms", "step", "steps", "its", "you", "your", "one", "ones", "each", "here", "now",
        "will", "would", "should", "could", "may", "might", "must", "shall", "just", "into", "onto", "per",
    }
)
# source: Matuschak, "focused": one prompt asks one thing; "who ... and when" asks two
COMPOUND_PROMPT_RE = re.compile(
    r"\b(?:who|what|which|when|where|why|how)\b[^?]*?(?:,\s*|\s)(?:and|or)\s+"
    r"(?:(?:(?:in|at|for|from|since|by|with|on|of|to)\s+)?(?:who|what|which|when|where|why|how)\b"
    r"|(?:in\s+)?(?:the\s+)?(?:year|date|author|authors|venue|title)\s*\?)",
    re.IGNORECASE,
)
# source: Wozniak rule 9 (avoid sets) and 10 (enumerations): a list of an open class has no fixed members to recall
OPEN_LIST_RE = re.compile(
    r"\b(?:include|includes|including|such as|e\.g\.|for example|for instance|among them)(?=\W|$)", re.IGNORECASE
)
# the same, written after the items: "A, B and others", "A, B, …"
OPEN_LIST_END_RE = re.compile(r"\b(?:and|among)\s+others\b|\band\s+more\b|\betc\b\.?|\u2026|\.\.\.", re.IGNORECASE)
# a set whose members are whatever one document lists is closed for its author only
NOTES_LIST_RE = re.compile(
    r"\b(?:in|of|from)\s+the\s+notes\b|\bthe\s+notes(?:'|\u2019)|\bthe\s+notes\s+(?:list|give|name)", re.I
)
# source: Wozniak rule 4 (minimum information) and 5 (cloze deletion): one line of a formula per recall
FORMULA_MAX_LINES = 3
# a number as a card writes it: 0.0005, 5e-4, 1e-4, 10, 3.5%, 1/2 is not one
NUMBER_RE = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?%?(?![\w.]*\w)")
# an answer that is mostly a number: at most this many words beside its numbers
VALUE_ANSWER_MAX_WORDS = 3
# two fronts name the same quantity when they share this many key words, and this share of all of them
QUANTITY_MIN_WORDS = 2
QUANTITY_MIN_OVERLAP = 0.5
# words of a front that say "a value of" rather than which quantity: left out of the quantity's name
VALUE_WORDS = COMMON_WORDS | frozenset(
    {
        "factor", "factors", "setting", "choice", "choices", "number", "size", "good", "recommended",
        "standard", "classic", "specifically", "general", "practice", "set", "pick", "choose", "start",
        "year", "published", "paper", "introduced", "proposed", "first", "appeared", "released",
    }
)


@dataclass(frozen=True)
class Finding:
    """What a rule says about one card; the runner adds the card's place and the rule's name."""

    message: str
    severity: Severity = "warning"


@dataclass(frozen=True)
class LintContext:
    """What rules may know beyond the cards: the media the deck will ship."""

    media_available: frozenset[str]
    # how many cards use each key word (``key_words``), and how many cards there are: what is rare in this deck
    word_cards: Mapping[str, int] = field(default_factory=dict)
    cards: int = 0


CardCheck = Callable[[Card, LintContext], Iterator[Finding]]
DeckCheck = Callable[[CardSet], Iterator[tuple[Card, Finding]]]


@dataclass(frozen=True)
class Rule:
    name: str
    severity: str
    threshold: str
    source: str
    card_check: CardCheck | None = None
    deck_check: DeckCheck | None = None


RULES: Registry[Rule] = Registry("lint rule")


def card_rule(name: str, severity: str, threshold: str, source: str) -> Callable[[CardCheck], CardCheck]:
    def register(check: CardCheck) -> CardCheck:
        RULES.add(name, Rule(name, severity, threshold, source, card_check=check))
        return check

    return register


def deck_rule(name: str, severity: str, threshold: str, source: str) -> Callable[[DeckCheck], DeckCheck]:
    def register(check: DeckCheck) -> DeckCheck:
        RULES.add(name, Rule(name, severity, threshold, source, deck_check=check))
        return check

    return register


# ---------------------------------------------------------------- what a card asks and answers


def prompts(card: Card) -> list[tuple[str, str]]:
    """(label, text) of every side a learner is shown as a prompt."""
    if card.type == "cloze":
        return [("text", card.text)]
    if card.type == "reversible":
        return [("front", card.front), ("back", card.back)]
    return [("front", card.front)]


def answers(card: Card) -> list[tuple[str, str]]:
    """(label, text) of every answer a learner must recall; a formula's LaTeX is not counted."""
    if card.type == "cloze":
        return [(f"c{d.number}", d.answer) for d in parse_cloze(card.text).deletions]
    if card.type == "reversible":
        return [("back", card.back), ("front (reversed)", card.front)]
    return [("back", card.back)]


def _short(text: str, limit: int = 40) -> str:
    return clip(" ".join(text.split()), limit, "…")


def _last_question(text: str) -> str:
    sentences = re.split(r"(?<=[.:;!?])\s+", " ".join(prose(text).split()))
    asked = [s for s in sentences if s.endswith("?")]
    return asked[-1] if asked else ""


def is_yes_no_question(text: str) -> bool:
    """A question opening with an auxiliary verb, unless it offers a choice with ' or '."""
    question = _last_question(text)
    first = question.split(" ", 1)[0].lower() if question else ""
    return first in YES_NO_OPENINGS and " or " not in question.lower()


def _content_words(text: str) -> set[str]:
    return {w.lower() for w in words(text)} - STOPWORDS


def _given_away(answer: str, shown: str) -> bool:
    """Every content word, formula and code span of the answer is already on the prompt."""
    needed = _content_words(answer)
    spans = [" ".join(span.split()) for span in (*math_spans(answer), *code_spans(answer))]
    flat = " ".join(shown.split())
    if not needed and not spans:
        return False
    return needed <= _content_words(shown) and all(span in flat for span in spans)


# ---------------------------------------------------------------- rules over one card


@card_rule(
    "answer-length",
    "warning/error",
    f"warn > {ANSWER_WARN_WORDS} words, error > {ANSWER_ERROR_WORDS} (outside math and code)",
    f"{WOZNIAK}, rule 4: minimum information principle",
)
def answer_length(card: Card, _ctx: LintContext) -> Iterator[Finding]:
    if card.long_answer.strip():
        return
    for label, text in answers(card):
        count = len(words(text))
        if count > ANSWER_ERROR_WORDS:
            yield Finding(
                f"{label} must be at most {ANSWER_ERROR_WORDS} words, not {count}: "
                f"'{_short(prose(text))}' (split the card, or give a reason in 'long_answer')",
                "error",
            )
        elif count > ANSWER_WARN_WORDS:
            yield Finding(
                f"{label} should be at most {ANSWER_WARN_WORDS} words, not {count}: "
                f"'{_short(prose(text))}' (shorten it, or give a reason in 'long_answer')"
            )


@card_rule(
    "unneeded-long-answer",
    "warning",
    f"'long_answer' given but every answer <= {ANSWER_WARN_WORDS} words",
    f"{WOZNIAK}, rule 4",
)
def unneeded_long_answer(card: Card, _ctx: LintContext) -> Iterator[Finding]:
    longest = max((len(words(text)) for _, text in answers(card)), default=0)
    if card.long_answer.strip() and longest <= ANSWER_WARN_WORDS:
        yield Finding(f"'long_answer' is not needed: the longest answer has {longest} words (remove it)")


@card_rule(
    "question-length",
    "warning",
    f"warn > {QUESTION_WARN_WORDS} words (cloze text > {CLOZE_TEXT_WARN_WORDS})",
    f"{WOZNIAK}, rule 4 and 6; {MATUSCHAK}: focused",
)
def question_length(card: Card, _ctx: LintContext) -> Iterator[Finding]:
    limit = CLOZE_TEXT_WARN_WORDS if card.type == "cloze" else QUESTION_WARN_WORDS
    for label, text in prompts(card):
        count = len(words(text))
        if count > limit:
            yield Finding(f"{label} should be at most {limit} words, not {count}: '{_short(prose(text))}'")


@card_rule("two-questions", "warning", "more than one '?' in a prompt", f"{MATUSCHAK}: focused")
def two_questions(card: Card, _ctx: LintContext) -> Iterator[Finding]:
    for label, text in prompts(card):
        asked = prose(text).count("?")
        if asked > 1:
            yield Finding(f"{label} must ask one question, not {asked}: '{_short(prose(text))}'")


@card_rule(
    "yes-no",
    "warning/error",
    "question opening with Is/Does/Can/... without ' or ' (warning); answer 'Yes'/'No' (error)",
    f"{MATUSCHAK}: avoid yes/no prompts",
)
def yes_no(card: Card, _ctx: LintContext) -> Iterator[Finding]:
    for label, text in prompts(card):
        if is_yes_no_question(text):
            yield Finding(
                f"{label} must not be a yes/no question (ask what, which, why or how): "
                f"'{_short(_last_question(text))}'"
            )
    for label, text in answers(card):
        match = YES_NO_ANSWER_RE.match(prose(text))
        if match:
            yield Finding(f"{label} must not be a yes/no answer: '{_short(prose(text))}'", "error")


@card_rule(
    "question-form",
    "warning",
    "a front ends with '?', or is a completion (':', '…', '___') or an imperative (Name, Define...)",
    f"{MATUSCHAK}: precise; completion prompts are fine",
)
def question_form(card: Card, _ctx: LintContext) -> Iterator[Finding]:
    if card.type != "basic":
        return
    text = " ".join(prose(card.front).split())
    first = text.split(" ", 1)[0].lower() if text else ""
    if text.endswith("?") or first in IMPERATIVES:
        return
    formula_end = re.sub(r"\s+", "", card.front).endswith(("=\\)", "=\\]"))
    if text.endswith(COMPLETION_ENDINGS) or "___" in card.front or formula_end:
        return
    if first in QUESTION_WORDS:
        yield Finding(f"front is a question and must end with '?': '{_short(text)}'")
    else:
        yield Finding(
            f"front must be a question ending in '?' or a completion ending in ':' or '…': '{_short(text)}'"
        )


@card_rule(
    "reversible-sides",
    "warning",
    "neither side of a reversible card is a question",
    f"{MATUSCHAK}: consistent; each side is the other's answer",
)
def reversible_sides(card: Card, _ctx: LintContext) -> Iterator[Finding]:
    if card.type != "reversible":
        return
    for label, text in prompts(card):
        if prose(text).strip().endswith("?"):
            yield Finding(
                f"{label} is a question, but each side of a reversible card is also an answer: "
                f"'{_short(prose(text))}' (make it a basic card)"
            )


@card_rule(
    "answer-in-question",
    "warning",
    "every content word of an answer appears in its prompt",
    f"{MATUSCHAK}: effortful; {WOZNIAK}, rule 11",
)
def answer_in_question(card: Card, _ctx: LintContext) -> Iterator[Finding]:
    if card.type == "cloze":
        yield from _cloze_given_away(card)
        return
    pairs = [(card.front, "back", card.back)]
    if card.type == "reversible":
        pairs.append((card.back, "front", card.front))
    for prompt, label, answer in pairs:
        if _given_away(answer, prompt):
            yield Finding(f"{label} is given away by the prompt, which holds all of '{_short(answer)}'")


def _cloze_given_away(card: Card) -> Iterator[Finding]:
    for deletion in parse_cloze(card.text).deletions:
        if _given_away(deletion.answer, flatten_cloze(card.text, hidden=deletion.number)):
            yield Finding(
                f"c{deletion.number} '{_short(deletion.answer)}' is given away: "
                "its words show elsewhere in the text or its hint"
            )


def key_words(text: str) -> set[str]:
    """The stems of the words a learner would take as a cue: prose words and code identifiers, common words out."""
    found = [*words(text), *code_words(text)]
    return {stem(w) for w in found if len(w) >= KEY_WORD_MIN_CHARS and w.lower() not in COMMON_WORDS}


@card_rule(
    "cue-leak",
    "warning",
    f"a key word (>= {KEY_WORD_MIN_CHARS} letters, not a common word, plurals folded) of a deletion shows "
    f"elsewhere on the question side, or of a basic answer of <= {KEY_TERM_MAX_WORDS} words on its front",
    f"{MATUSCHAK}: effortful, the cue must not give the answer; {WOZNIAK}, rule 11",
)
def cue_leak(card: Card, ctx: LintContext) -> Iterator[Finding]:
    if card.type == "cloze":
        yield from _cloze_cue_leaks(card, ctx)
        return
    pairs = [("front", card.front, "back", card.back)]
    if card.type == "reversible":
        pairs.append(("back", card.back, "front", card.front))
    for prompt_label, prompt, label, answer in pairs:
        if len(words(answer)) > KEY_TERM_MAX_WORDS or _given_away(answer, prompt) or _completes(answer):
            continue
        # "Topic — question": the topic is the context cue a card should give (Wozniak, rule 12)
        asked = TOPIC_PREFIX_RE.sub("", prompt, count=1)
        needed = _answer_keys(answer) - _asked_category(asked)
        leaked = _rare(needed & key_words(asked), ctx)
        # the answer's own words still to recall ("Zero-phase component analysis" of "... whitening")
        if leaked and 2 * len(leaked) >= len(needed):
            yield Finding(
                f"{prompt_label} holds {_listed(leaked)} of the {label} '{_short(answer)}' "
                "(ask without naming the answer)"
            )


def _completes(answer: str) -> bool:
    """A back that goes on from the front ("cells that fire together …" / "… wire together") repeats its words."""
    return answer.lstrip().startswith(("\u2026", "..."))


def _answer_keys(answer: str) -> set[str]:
    """An answer's key words; of a dotted name in code only the last part counts (``Sampler`` of ``torch.utils``)."""
    names = [name.rsplit(".", 1)[-1] for span in code_spans(answer) for name in DOTTED_NAME_RE.findall(span)]
    parts = [part for name in names for part in CODE_PART_RE.findall(name)]
    found = [*words(answer), *parts]
    return {stem(w) for w in found if len(w) >= KEY_WORD_MIN_CHARS and w.lower() not in COMMON_WORDS}


def _asked_category(prompt: str) -> set[str]:
    """The words naming what is asked for ("which **PyTorch sampler** ..."): the answer may repeat them."""
    found: set[str] = set()
    for match in CATEGORY_RE.finditer(" ".join(prose(prompt).split())):
        found |= key_words(match.group(1))
    return found


def _cloze_cue_leaks(card: Card, ctx: LintContext) -> Iterator[Finding]:
    deletions = parse_cloze(card.text).deletions
    for deletion in deletions:
        # the question side: this deletion as its hint, the others revealed ('extra' is on the back)
        shown = flatten_cloze(card.text, hidden=deletion.number)
        if _given_away(deletion.answer, shown) or not words(deletion.answer):
            # given away: answer-in-question reports it; an API name alone echoes its concept by design
            continue
        # a word the other deletions share is the list's common head ("L1 / L2 regularization"), not a cue
        siblings = set().union(*(key_words(d.answer) for d in deletions if d.number != deletion.number))
        context = flatten_cloze(_masked_deletions(card.text).replace("\x00", " "))
        shown_keys = key_words(context) | key_words(deletion.hint) | (key_words(shown) - siblings)
        leaked = _rare((key_words(deletion.answer) - siblings) & shown_keys, ctx)
        if leaked:
            yield Finding(
                f"c{deletion.number} '{_short(deletion.answer)}' is cued: {_listed(leaked)} also "
                "show(s) while it is asked (delete only the part to recall, or reword the rest)"
            )


def _rare(found: set[str], ctx: LintContext) -> set[str]:
    """The words of ``found`` that few cards use: a word on many cards ('loss', 'layer') cues nothing."""
    limit = _rare_limit(ctx)
    return {w for w in found if ctx.word_cards.get(w, 0) <= limit}


def _rare_limit(ctx: LintContext) -> float:
    return max(CUE_RARE_MIN_CARDS, CUE_RARE_SHARE * ctx.cards)


def _listed(found: Iterable[str]) -> str:
    return ", ".join(repr(w) for w in sorted(found))


@card_rule(
    "compound-prompt",
    "warning",
    "a prompt joining two question words with 'and'/'or' ('who ... and when', 'which paper and which year')",
    f"{MATUSCHAK}: focused, one detail per prompt; {WOZNIAK}, rule 4",
)
def compound_prompt(card: Card, _ctx: LintContext) -> Iterator[Finding]:
    if card.type == "cloze":
        return  # each deletion is its own question
    for label, text in prompts(card):
        match = COMPOUND_PROMPT_RE.search(" ".join(prose(text).split()))
        if match:
            yield Finding(f"{label} asks two things: '{_short(match.group(0), 60)}' (make one card per question)")


@card_rule(
    "open-list-cloze",
    "warning",
    "a deletion after 'include', 'such as', 'e.g.', 'for example', 'among them', or before 'and others', "
    "'etc.', '…', in one sentence; or a list of 2+ deletions closed by 'the notes'",
    f"{WOZNIAK}, rules 9 and 10: a set must be closed to be recalled; {MATUSCHAK}: precise",
)
def open_list_cloze(card: Card, _ctx: LintContext) -> Iterator[Finding]:
    if card.type != "cloze":
        return
    # an aside in parentheses ("(mean 0; most used)") neither splits the list nor opens one
    masked = re.sub(r"\([^()]*\)", " ", _masked_deletions(without_code(card.text)))
    for sentence in re.split(r"(?<=;)\s+|(?<=[.!?])\s+(?=[A-Z\d\x00])|\n\s*\n", masked):
        opened = OPEN_LIST_RE.search(sentence)
        ended = OPEN_LIST_END_RE.search(sentence)
        if ended and "\x00" in sentence[: ended.start()]:
            opened = ended
        elif not (opened and "\x00" in sentence[opened.end() :]):
            opened = None
        if opened:
            yield Finding(
                f"the deletions after '{opened.group(0)}' list members of an open class: a learner cannot know "
                "which ones are asked (delete a closed set, or ask for one defining member)"
            )
            return
        by_notes = NOTES_LIST_RE.search(sentence)
        if by_notes and sentence.count("\x00") >= 2:
            yield Finding(
                f"a list closed only by '{by_notes.group(0)}': a learner without them cannot know its members "
                "(teach a set closed by the subject, or one defining member)"
            )
            return


def _masked_deletions(text: str) -> str:
    """The text with every outermost deletion replaced by one NUL, so markers inside a deletion are not read."""
    previous = None
    while previous != text:
        previous, text = text, re.sub(r"\{\{c\d+::(?:(?!\{\{c\d+::)[^\x00])*?\}\}", "\x00", text, flags=re.DOTALL)
    return text


@card_rule(
    "long-formula-answer",
    "warning",
    f"a basic or reversible card whose formula has more than {FORMULA_MAX_LINES} steps (a cloze shows one a time)",
    f"{WOZNIAK}, rule 4: minimum information, and rule 5: cloze deletion",
)
def long_formula_answer(card: Card, _ctx: LintContext) -> Iterator[Finding]:
    if card.formula is None or card.type == "cloze":
        return
    lines = len(card.formula.steps)
    if lines > FORMULA_MAX_LINES:
        yield Finding(
            f"formula has {lines} steps graded as one answer, more than {FORMULA_MAX_LINES} "
            "(make it a cloze card that asks one line per deletion)"
        )


@card_rule(
    "code-syntax",
    "error",
    "every ```python block parses (ast.parse; of a doctest block, its >>> examples); "
    f"'illustrative' on its fence line has a reason of >= {MIN_REASON_WORDS} words",
    "tests/test_card_code.py runs every block; one that does not parse cannot run",
)
def code_syntax(card: Card, _ctx: LintContext) -> Iterator[Finding]:
    for label, text in _fields(card):
        for number, block in enumerate(python_blocks(text), 1):
            if block.illustrative is not None and len(block.illustrative.split()) < MIN_REASON_WORDS:
                yield Finding(
                    f"{label}: python block {number} is marked illustrative, so it needs a reason of at least "
                    f"{MIN_REASON_WORDS} words: {block.illustrative!r} (```python illustrative: why it cannot run)",
                    "error",
                )
            try:
                ast.parse(python_source(block.code))
            except SyntaxError as exc:
                yield Finding(
                    f"{label}: python block {number} does not parse: {exc.msg} at its line {exc.lineno}: "
                    f"'{_short((exc.text or '').strip())}'",
                    "error",
                )


@card_rule(
    "set-in-basic",
    "warning",
    f"a basic answer listing more than {SET_MAX_ITEMS} items (list lines, or commas)",
    f"{WOZNIAK}, rules 9 and 10: avoid sets and enumerations; use a cloze",
)
def set_in_basic(card: Card, _ctx: LintContext) -> Iterator[Finding]:
    if card.type == "cloze":
        return
    items = _list_items(card.back)
    if len(items) > SET_MAX_ITEMS:
        yield Finding(
            f"back lists {len(items)} items: {', '.join(repr(_short(i, 20)) for i in items)} "
            "(write a cloze with one deletion per item)"
        )


def _list_items(text: str) -> list[str]:
    lines = [line for line in without_code(text).splitlines() if LIST_ITEM_RE.match(line)]
    if lines:
        return [prose(LIST_ITEM_RE.sub("", line)).strip() for line in lines]
    parts = re.split(r",|;|\band\b|\bor\b", " ".join(prose(text).split()).rstrip("."))
    items = [p.strip() for p in parts if p.strip()]
    short = all(len(i.split()) <= SET_ITEM_MAX_WORDS for i in items)
    if "," in prose(text) and len(items) > SET_MAX_ITEMS and short:
        return items
    return []


@card_rule(
    "cloze-numbering",
    "warning",
    "two or more deletions share one number",
    f"{WOZNIAK}, rule 5: one deletion per cloze; {ANKI}: one card per number",
)
def cloze_numbering(card: Card, _ctx: LintContext) -> Iterator[Finding]:
    if card.type != "cloze":
        return
    deletions = parse_cloze(card.text).deletions
    numbers = sorted({d.number for d in deletions})
    if len(deletions) > 1 and len(numbers) == 1:
        yield Finding(
            f"one deletion number per item: all {len(deletions)} deletions are c{numbers[0]} "
            "(number them c1, c2, ... so each item is its own card)"
        )
        return
    for number in numbers:
        shared = [d for d in deletions if d.number == number]
        if len(shared) > 1:
            listed = ", ".join(repr(_short(d.answer, 20)) for d in shared)
            yield Finding(f"deletions {listed} share c{number}: they are asked together on one card")


@card_rule(
    "cloze-syntax",
    "error",
    "'}}' or '::' inside math or braces of a deletion; an unclosed '{{cN::'",
    f"{MATH}: a '}}}}' inside math ends a cloze early, write '}} }}'",
)
def cloze_syntax(card: Card, _ctx: LintContext) -> Iterator[Finding]:
    if card.type != "cloze":
        return
    parsed = parse_cloze(card.text)
    if parsed.unclosed:
        yield Finding(f"text has {parsed.unclosed} deletion(s) opened with '{{{{cN::' and never closed", "error")
    for d in parsed.deletions:
        opened = d.raw.count("\\(") - d.raw.count("\\)") + d.raw.count("\\[") - d.raw.count("\\]")
        braces = len(re.findall(r"(?<!\\)\{", d.raw)) - len(re.findall(r"(?<!\\)\}", d.raw))
        if opened > 0 or braces > 0:
            yield Finding(
                f"c{d.number}: a '}}}}' inside math or braces ends the deletion early "
                f"(write '}} }}'): '{_short(d.raw)}'",
                "error",
            )
        if any("::" in span for span in math_spans(d.raw)):
            yield Finding(f"c{d.number}: '::' inside math starts a hint (write ': :'): '{_short(d.raw)}'", "error")


@card_rule(
    "math-syntax",
    "error",
    "no $ delimiters; balanced \\( \\) and \\[ \\]; no newline inside \\( \\)",
    f"{MATH}: MathJax in Anki reads \\( \\) and \\[ \\] only",
)
def math_syntax(card: Card, _ctx: LintContext) -> Iterator[Finding]:
    for label, text in _fields(card):
        code_free = without_code(text)
        dollar = DOLLAR_MATH_RE.search(code_free)
        if dollar:
            yield Finding(f"{label}: math must use \\( \\) or \\[ \\], not $: '{dollar.group(0)}'", "error")
        for opening, closing in (("\\(", "\\)"), ("\\[", "\\]")):
            if code_free.count(opening) != code_free.count(closing):
                yield Finding(
                    f"{label}: every '{opening}' must be closed by '{closing}': "
                    f"{code_free.count(opening)} opened, {code_free.count(closing)} closed",
                    "error",
                )
        for span in re.findall(r"\\\((.*?)\\\)", code_free, re.DOTALL):
            if "\n" in span:
                yield Finding(f"{label}: inline math must fit on one line: '{_short(span)}'", "error")


def _fields(card: Card) -> list[tuple[str, str]]:
    named = (("front", card.front), ("back", card.back), ("text", card.text), ("extra", card.extra))
    return [(label, text) for label, text in named if text]


@card_rule(
    "media",
    "error/warning",
    "images are ![alt](name.png) with a bare name listed in 'media' and available; unused entries warn",
    f"{ANKI}: media are bare, unique file names",
)
def media(card: Card, ctx: LintContext) -> Iterator[Finding]:
    used: set[str] = set()
    for label, text in _fields(card):
        for kind, name in image_refs(text):
            if kind == "markdown" and name.startswith(FIGURE_SCHEME):
                continue  # a generated figure: the 'figures' check validates its name
            used.add(name)
            if kind == "html":
                yield Finding(f"{label}: raw HTML is shown as text: write ![alt]({name}), not <img>", "error")
            if not name or "/" in name or "\\" in name or ":" in name or name.startswith("."):
                yield Finding(f"{label}: an image must be a bare file name: {name!r}", "error")
            elif name not in card.media:
                yield Finding(f"{label}: image {name!r} must be listed in 'media'", "error")
    for name in card.media:
        if name not in ctx.media_available:
            hint = did_you_mean(name, sorted(ctx.media_available))
            yield Finding(f"media file not found in the media folder: {name!r}{hint}", "error")
        elif name not in used:
            yield Finding(f"media {name!r} is listed but no field shows it")


@card_rule("topic-tag", "error", "at least 1 tag", f"{WOZNIAK}, rule 12: context cues")
def topic_tag(card: Card, _ctx: LintContext) -> Iterator[Finding]:
    if not card.tags:
        yield Finding("every card needs a topic tag in 'tags'", "error")


@card_rule("covers", "error", "at least 1 'covers' entry", f"{WOZNIAK}, rule 18: provide sources")
def covers(card: Card, _ctx: LintContext) -> Iterator[Finding]:
    if not card.covers:
        yield Finding("every card must cover at least one cheatsheet fact in 'covers'", "error")


# ---------------------------------------------------------------- rules across cards


@deck_rule(
    "identical-prompt",
    "error",
    "two prompts equal after normalising case, spacing and markup",
    f"{WOZNIAK}, rule 11: combat interference; {ANKI}: duplicates are found by the first field",
)
def identical_prompt(cards: CardSet) -> Iterator[tuple[Card, Finding]]:
    seen: dict[tuple[str, ...], tuple[Card, str]] = {}
    for card, label, tokens in _all_prompts(cards):
        key = tuple(tokens)
        if key in seen and seen[key][0] is not card:
            first, first_label = seen[key]
            yield card, Finding(
                f"{label} is identical to the {first_label} of [{first.id}] at {first.source}", "error"
            )
        seen.setdefault(key, (card, label))


@deck_rule(
    "near-identical",
    "warning",
    f"difflib ratio of prompt tokens >= {NEAR_IDENTICAL_RATIO}",
    f"{WOZNIAK}, rule 11: combat interference",
)
def near_identical(cards: CardSet) -> Iterator[tuple[Card, Finding]]:
    prompts = list(_all_prompts(cards))
    records = [numbered(tokens) for _, _, tokens in prompts]
    for j, candidates in similar.candidates(records, *similar.ratio_bounds(NEAR_IDENTICAL_RATIO)):
        card, label, tokens = prompts[j]
        # b is the sequence SequenceMatcher caches, so it is the one that stays
        matcher = difflib.SequenceMatcher(b=tokens, autojunk=False)
        for i in candidates:
            first, first_label, first_tokens = prompts[i]
            if first is card or first_tokens == tokens:
                continue
            matcher.set_seq1(first_tokens)
            if matcher.real_quick_ratio() < NEAR_IDENTICAL_RATIO or matcher.quick_ratio() < NEAR_IDENTICAL_RATIO:
                continue
            ratio = matcher.ratio()
            if ratio >= NEAR_IDENTICAL_RATIO:
                yield card, Finding(
                    f"{label} is {ratio:.0%} like the {first_label} of [{first.id}] at {first.source}: "
                    "make them differ in more than a word or two"
                )
                break  # one earlier look-alike per prompt is enough to act on, and bounds the work


@deck_rule(
    "interference",
    "warning",
    "two cards with the same formula steps; or two value answers (a number and <= "
    f"{VALUE_ANSWER_MAX_WORDS} words) with no number in common whose fronts name the same quantity "
    f"(>= {QUANTITY_MIN_WORDS} key words, Jaccard >= {QUANTITY_MIN_OVERLAP})",
    f"{WOZNIAK}, rule 11: combat interference; near-identical fronts are the 'near-identical' rule",
)
def interference(cards: CardSet) -> Iterator[tuple[Card, Finding]]:
    by_formula: dict[tuple[str, ...], Card] = {}
    for card in cards.cards:
        if card.formula is None:
            continue
        key = tuple("".join(step.split()) for step in card.formula.steps)
        first = by_formula.setdefault(key, card)
        if first is not card:
            yield card, Finding(
                f"its formula is the formula of [{first.id}] at {first.source}: two cards, one answer "
                "(merge them, or make each ask what only it adds)"
            )
    valued = [(card, quantity, values) for card in cards.cards for quantity, values in [_stated_value(card)] if values]
    bounds = similar.jaccard_bounds(QUANTITY_MIN_OVERLAP, QUANTITY_MIN_WORDS)
    for j, earlier in similar.candidates([sorted(quantity) for _, quantity, _ in valued], *bounds):
        card, quantity, values = valued[j]
        for first, first_quantity, first_values in (valued[i] for i in earlier):
            shared = quantity & first_quantity
            if (
                len(shared) >= QUANTITY_MIN_WORDS
                and len(shared) >= QUANTITY_MIN_OVERLAP * len(quantity | first_quantity)
                and not values & first_values
            ):
                yield card, Finding(
                    f"its value {_listed(values)} differs from {_listed(first_values)} of [{first.id}] at "
                    f"{first.source}, asked about the same {_listed(shared)} (say which setting each is, or merge)"
                )
                break


def _stated_value(card: Card) -> tuple[set[str], set[str]]:
    """(the quantity a front names, the numbers its back states) of a value card; no numbers for any other."""
    if card.type != "basic":
        return set(), set()
    numbers = {_number(n) for n in NUMBER_RE.findall(prose(card.back) + " " + " ".join(code_spans(card.back)))}
    others = [w for w in words(card.back) if not NUMBER_RE.fullmatch(w)]
    if not numbers or len(others) > VALUE_ANSWER_MAX_WORDS:
        return set(), set()
    quantity = {w for w in key_words(card.front) if w not in VALUE_WORDS and not w[0].isdigit()}
    return quantity, numbers


def _number(text: str) -> str:
    """A number's value as text, so that 0.0005 and 5e-4 are one value."""
    percent = text.endswith("%")
    try:
        value = float(text.rstrip("%")) / (100 if percent else 1)
    except ValueError:
        return text
    return repr(value)


def _all_prompts(cards: CardSet) -> Iterator[tuple[Card, str, list[str]]]:
    for card in cards.cards:
        for label, text in prompts(card):
            tokens = shape_tokens(text)
            if tokens:
                yield card, label, tokens


# ---------------------------------------------------------------- running the rules


def lint_cards(cards: CardSet, media_available: Iterable[str], rules: Registry[Rule] | None = None) -> list[Problem]:
    """Every rule (or those of ``rules``) over every card, less the warnings a card waives (``lint-ok``).

    Waivers are checked against every rule, so a selection never makes a waiver look unknown or idle.
    A card's key words and its card rules' findings are read from the cache where the card, the
    media folder and the rarity of its own key words in the deck are unchanged.
    """
    cache = Cache.for_cards(Path(cards.directory))
    keys = {card.id: cache.key(LINT_CACHE, card) for card in cards.cards}
    own = _key_words_of(cache, cards, keys)
    ctx = LintContext(frozenset(media_available), Counter(w for words in own.values() for w in words), len(cards.cards))
    chosen = RULES if rules is None else rules
    by_card = _card_findings(cache, cards, keys, own, ctx)
    found = [(card, name, f) for card in cards.cards for name, f in by_card[card.id] if name in chosen]
    for rule in chosen.values():
        if rule.deck_check is not None:
            found.extend((card, rule.name, f) for card, f in rule.deck_check(cards))
    waivers = dict(_waivers(cards))
    problems = [
        Problem(card.source, f"{name}: {f.message}", card.id, f.severity)
        for card, name, f in found
        if not (f.severity == "warning" and name in waivers.get(card.id, {}))
    ]
    warned = {(c.id, n) for c, n, f in found if f.severity == "warning"}
    problems.extend(_waiver_problems(cards, waivers, warned, set(chosen)))
    return sorted(problems, key=lambda p: (p.source, p.message))


def _key_words_of(cache: Cache, cards: CardSet, keys: Mapping[str, str]) -> dict[str, list[str]]:
    """Card id -> the key words of all its fields (what ``LintContext.word_cards`` counts), cached per card."""
    old = cache.table(LINT_CACHE, "key-words")
    entries: dict[str, Any] = {}
    own: dict[str, list[str]] = {}
    for card in cards.cards:
        key = keys[card.id]
        value = old.get(key)
        if not (isinstance(value, list) and all(isinstance(w, str) for w in value)):
            value = sorted(set().union(*(key_words(t) for _, t in _fields(card))))
        entries[key] = own[card.id] = value
    cache.save(LINT_CACHE, "key-words", entries, old)
    return own


def _card_findings(
    cache: Cache, cards: CardSet, keys: Mapping[str, str], own: Mapping[str, list[str]], ctx: LintContext
) -> dict[str, list[tuple[str, Finding]]]:
    """Card id -> (rule name, finding) of every card rule, cached by the card and the media folder.

    Card rules read one more thing of the deck: whether a word is rare in it (``_rare``). An entry
    keeps each word its rules asked about and the answer they got; it holds only while every one
    of those words is still as rare, or as common, as it was.
    """
    old = cache.table(LINT_CACHE, "card-rules")
    media = cache.key(LINT_CACHE, sorted(ctx.media_available))
    limit = _rare_limit(ctx)
    entries: dict[str, Any] = {}
    found: dict[str, list[tuple[str, Finding]]] = {}
    for card in cards.cards:
        key = cache.key(LINT_CACHE, keys[card.id], media)
        entry = _decode_findings(old.get(key), ctx.word_cards, limit)
        if entry is None:
            asked: Recording[int] = Recording(ctx.word_cards)
            seen = LintContext(ctx.media_available, asked, ctx.cards)
            findings = [
                (rule.name, f) for rule in RULES.values() if rule.card_check is not None
                for f in rule.card_check(card, seen)
            ]
            rare = {w: ctx.word_cards.get(w, 0) <= limit for w in sorted(asked.read)}
            entry = (findings, rare)
        findings, rare = entry
        entries[key] = {"findings": [[name, f.message, f.severity] for name, f in findings], "rare": rare}
        found[card.id] = findings
    cache.save(LINT_CACHE, "card-rules", entries, old)
    return found


def _decode_findings(
    value: Any, word_cards: Mapping[str, int], limit: float
) -> tuple[list[tuple[str, Finding]], dict[str, bool]] | None:
    """A cached entry that still holds, or None (missing, of the wrong shape, or a word's rarity changed)."""
    if not isinstance(value, dict) or not isinstance(value.get("findings"), list):
        return None
    rare = value.get("rare")
    if not isinstance(rare, dict) or any((word_cards.get(w, 0) <= limit) is not flag for w, flag in rare.items()):
        return None
    findings: list[tuple[str, Finding]] = []
    for item in value["findings"]:
        if not (isinstance(item, list) and len(item) == 3 and all(isinstance(part, str) for part in item)):
            return None
        name, message, severity = item
        if severity not in ("error", "warning"):
            return None
        findings.append((name, Finding(message, "error" if severity == "error" else "warning")))
    return findings, rare


@dataclass(frozen=True)
class Waiver:
    rule: str
    reason: str
    source: Source


def _waivers(cards: CardSet) -> Iterator[tuple[str, dict[str, Waiver]]]:
    """Each card's ``# lint-ok: rule: reason`` comments: those between its line and the next card's."""
    for card_file in cards.files:
        starts = [c.source.line for c in card_file.cards]
        waivers: dict[str, dict[str, Waiver]] = {card.id: {} for card in card_file.cards}
        for number, comment in card_file.comments:
            match = LINT_OK_RE.search(comment)
            at = bisect.bisect_right(starts, number) - 1
            if match and at >= 0:
                waiver = Waiver(match.group(1), match.group(2) or "", Source(card_file.path, number))
                waivers[card_file.cards[at].id][waiver.rule] = waiver
        yield from waivers.items()


def _waiver_problems(
    cards: CardSet, waivers: dict[str, dict[str, Waiver]], warned: set[tuple[str, str]], ran: set[str]
) -> Iterator[Problem]:
    names = list(RULES)
    for card in cards.cards:
        for waiver in waivers.get(card.id, {}).values():
            if waiver.rule not in names:
                hint = did_you_mean(waiver.rule, names)
                yield Problem(waiver.source, f"lint-ok: unknown rule {waiver.rule!r}{hint}", card.id)
            elif waiver.rule == "answer-length":
                yield Problem(waiver.source, "lint-ok: answer-length takes its reason from 'long_answer'", card.id)
            elif len(waiver.reason.split()) < MIN_REASON_WORDS:
                yield Problem(
                    waiver.source,
                    f"lint-ok: {waiver.rule} needs a reason of at least {MIN_REASON_WORDS} words: "
                    f"{waiver.reason!r}",
                    card.id,
                )
            elif waiver.rule in ran and (card.id, waiver.rule) not in warned:
                yield Problem(
                    waiver.source, f"lint-ok: {waiver.rule} waives nothing here (remove it)", card.id, "warning"
                )


# ---------------------------------------------------------------- what the deck ships
