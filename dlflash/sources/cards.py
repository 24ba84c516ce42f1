"""Stage 2 of loading: card files to typed ``Card`` values, or every problem at once.

Validators are generators of ``Problem`` (the way python/peps' check-peps.py
yields ``(line, message)``); ``load_cards`` runs all of them over all files and
raises one ``ProblemsError`` carrying everything, so a person fixes a whole
file in one pass.
"""

from __future__ import annotations

import gc
import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from dlflash.cache import Cache
from dlflash.codec import decode, encode
from dlflash.errors import ProblemsError, SourceFileError, UsageError
from dlflash.messages import clip, did_you_mean, shown
from dlflash.model import (
    CARD_TYPES,
    DEPARTURE_KINDS,
    ApiClaim,
    Card,
    CardFile,
    CardSet,
    CardType,
    Departure,
    DepartureKind,
    FormulaSpec,
    Problem,
    Source,
)
from dlflash.sources.files import read_source_text
from dlflash.sources.yamltree import YNode, parse_yaml

CARD_FILE_RE = re.compile(r"^(\d\d)-([a-z0-9]+(?:-[a-z0-9]+)*)\.yaml$")
# YAML files in the cards folder that are not card files (coverage skips, retired ids)
NON_CARD_FILES = frozenset({"skip.yaml", "retired.yaml", "headings.yaml"})
LOAD_CACHE = "cards"  # build/cache/cards/<file>.json: each card file as last loaded cleanly
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TAG_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*(?:::[a-z0-9]+(?:[-_][a-z0-9]+)*)*$")
CLOZE_RE = re.compile(r"\{\{c\d+::")
# `$x$` or `$$x$$` outside code: Anki shows such text raw (`$` is not a delimiter there)
# "\[" after text on its line, or on the line right after text: not a paragraph of its own
INLINE_DISPLAY_RE = re.compile(r"[^\s][^\n]*\\\[|[^\s][^\n]*\n[ \t]*\\\[")
DOLLAR_MATH_RE = re.compile(r"\$\$|\$[^$\s][^$\n]*\$")
# code spans and fenced blocks (``` or ~~~, as CommonMark fences): text inside is code, not prose or math
CODE_RE = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]*`", re.DOTALL)
# Long fields are almost always a mistake (a pasted file); far above any card.
MAX_FIELD_CHARS = 20_000
# a deck title is a name in Anki's deck list, not a sentence
MAX_TITLE_CHARS = 80

FILE_FIELDS = ("title", "cards")
TEXT_FIELDS = ("front", "back", "text", "extra", "long_answer")
LIST_FIELDS = ("tags", "covers", "media", "aliases")
CARD_FIELDS = ("id", "type", *TEXT_FIELDS, *LIST_FIELDS, "formula", "departures", "api")
DEPARTURE_FIELDS = ("quote", "kind", "correct", "fix")
API_FIELDS = ("name", "defaults", "value")
REQUIRED: dict[str, tuple[str, ...]] = {
    "basic": ("front", "back"),
    "reversible": ("front", "back"),
    "cloze": ("text",),
}
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "basic": ("text",),
    "reversible": ("text",),
    "cloze": ("front", "back"),
}
FORMULA_FIELDS = ("steps", "reference", "given")

ProblemFactory = Callable[[int, str], Problem]


def load_cards(directory: str | Path) -> CardSet:
    """Load and validate every ``NN-section.yaml`` file below ``directory``.

    A file whose text was loaded before without a problem, by this code, is read back from the
    cache (``build/cache/cards/``, one table per file) instead of being parsed and validated again.
    """
    root = Path(directory)
    if not root.is_dir():
        raise UsageError(f"cards folder not found: {str(root)!r}")
    # every other .yaml is a card file, so a misnamed one is reported, never silently left out
    paths = sorted(p for p in root.glob("*.yaml") if p.name not in NON_CARD_FILES)
    problems: list[Problem] = []
    files: list[CardFile] = []
    project_root = root.resolve().parent
    cache = Cache.for_cards(root)
    with _collector_paused():
        for path in paths:
            card_file, file_problems = _cached_card_file(path, project_root, cache)
            problems.extend(file_problems)
            if card_file is not None:
                files.append(card_file)
    problems.extend(check_across_files(files))
    if any(p.severity == "error" for p in problems):
        raise ProblemsError(problems)
    return CardSet(str(root), tuple(files))


def _cached_card_file(path: Path, project_root: Path, cache: Cache) -> tuple[CardFile | None, list[Problem]]:
    """``load_card_file``, from the cache where the file's text is unchanged and loaded cleanly before."""
    if CARD_FILE_RE.match(path.name) is None or cache.folder is None:
        return load_card_file(path, project_root)
    try:
        text = read_source_text(path, project_root)
    except SourceFileError as exc:
        return None, list(exc.problems)
    old = cache.table(LOAD_CACHE, path.name)
    key = cache.key(LOAD_CACHE, str(path), text)
    if key in old:
        try:
            return decode(CardFile, old[key]), []
        except (KeyError, TypeError, ValueError):  # an entry of the wrong shape: load the file afresh
            pass
    card_file, problems = parse_card_file(path, text)
    if card_file is not None and not problems:  # only a clean load is kept: problems are always reported afresh
        cache.save(LOAD_CACHE, path.name, {key: encode(card_file)}, old)
    return card_file, problems


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Loading allocates many small objects and no cycles; Python's cyclic collector,
    re-scanning them again and again, made loading 100,000 cards superlinear."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_card_file(path: Path, project_root: Path | None = None) -> tuple[CardFile | None, list[Problem]]:
    """Read one card file (a regular file inside ``project_root``, by default the cards folder's parent)."""
    name = str(path)
    if CARD_FILE_RE.match(path.name) is None:
        return None, [Problem(Source(name, 1), f"file name must be NN-section.yaml in kebab-case: {path.name!r}")]
    try:
        text = read_source_text(path, project_root or path.parent.resolve().parent)
    except SourceFileError as exc:
        return None, list(exc.problems)
    return parse_card_file(path, text)


def parse_card_file(path: Path, text: str) -> tuple[CardFile | None, list[Problem]]:
    """The card file ``path`` holding ``text``, with every problem of it."""
    name = str(path)
    match = CARD_FILE_RE.match(path.name)
    if match is None:
        return None, [Problem(Source(name, 1), f"file name must be NN-section.yaml in kebab-case: {path.name!r}")]
    if "\t" in text:
        line = text[: text.index("\t")].count("\n") + 1
        return None, [Problem(Source(name, line), "tabs are not allowed in card files: indent with spaces")]
    tree, problems = parse_yaml(text.replace("\r\n", "\n"), name)
    if tree is None:
        return None, problems
    if tree.kind != "map":
        problems.append(
            Problem(Source(name, tree.line), f"file must be a mapping with 'title' and 'cards', not {tree.kind_name}")
        )
        return None, problems
    problems.extend(_unknown_keys(tree, FILE_FIELDS, name, None))
    title = tree.get("title")
    if title is None:
        problems.append(Problem(Source(name, 1), "missing field 'title'"))
    elif title.kind != "str" or not title.text.strip():
        problems.append(Problem(Source(name, title.line), _not_a_string("'title'", title, "a non-empty string")))
    elif "::" in title.text:
        message = f"'title' must not contain '::' (Anki would make a subdeck of each part): {shown(title.text)}"
        problems.append(Problem(Source(name, title.line), message))
    elif len(title.text.strip()) > MAX_TITLE_CHARS or "\n" in title.text.strip():
        message = f"'title' must be one line of at most {MAX_TITLE_CHARS} characters: {shown(title.text)}"
        problems.append(Problem(Source(name, title.line), message))
    cards_node = tree.get("cards")
    cards: list[Card] = []
    if cards_node is None:
        problems.append(Problem(Source(name, 1), "missing field 'cards'"))
    elif cards_node.kind != "seq":
        problems.append(Problem(Source(name, cards_node.line), f"'cards' must be a list, not {cards_node.kind_name}"))
    else:
        for node in cards_node.items:
            card, card_problems = _load_card(node, name)
            problems.extend(card_problems)
            if card is not None:
                cards.append(card)
    card_file = CardFile(
        path=name,
        number=int(match.group(1)),
        slug=match.group(2),
        title=title.text.strip() if title is not None and title.kind == "str" else match.group(2),
        cards=tuple(cards),
        comments=_comments(text),
        text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )
    return card_file, problems


def _comments(text: str) -> tuple[tuple[int, str], ...]:
    """Every whole-line YAML comment with its line number: what later stages read from a file's text
    (a card's ``# lint-ok:`` waivers), kept so that no stage opens the file again."""
    return tuple(
        (number, line.strip()) for number, line in enumerate(text.splitlines(), 1) if line.lstrip().startswith("#")
    )


def _load_card(node: YNode, path: str) -> tuple[Card | None, list[Problem]]:
    if node.kind != "map":
        return None, [Problem(Source(path, node.line), f"each card must be a mapping, not {node.kind_name}")]
    id_node = node.get("id")
    card_id = id_node.text if id_node is not None and id_node.kind == "str" else None
    # an over-long id is cut in the problem tag as it is in the message
    tag = card_id if card_id is None else clip(card_id)
    problems = list(_card_problems(node, path, tag))
    if any(p.severity == "error" for p in problems):
        return None, problems
    assert card_id is not None
    values = {k.text: v for k, v in node.pairs}
    card_type: CardType = values["type"].text  # type: ignore[assignment]
    card = Card(
        id=card_id,
        type=card_type,
        source=Source(path, node.line),
        **{f: values[f].text for f in TEXT_FIELDS if f in values},  # type: ignore[arg-type]
        **{f: tuple(i.text for i in values[f].items) for f in LIST_FIELDS if f in values},  # type: ignore[arg-type]
        formula=_formula(values["formula"], path) if "formula" in values else None,
        departures=tuple(_departure(n, path) for n in values["departures"].items) if "departures" in values else (),
        api=tuple(_api_claim(n, path) for n in values["api"].items) if "api" in values else (),
    )
    return card, problems


def _card_problems(node: YNode, path: str, card_id: str | None) -> Iterator[Problem]:
    def problem(line: int, message: str) -> Problem:
        return Problem(Source(path, line), message, card_id)

    yield from _unknown_keys(node, CARD_FIELDS, path, card_id)
    id_node = node.get("id")
    if id_node is None:
        yield problem(node.line, "missing field 'id'")
    elif id_node.kind != "str":
        yield problem(id_node.line, _not_a_string("'id'", id_node))
    elif not ID_RE.match(id_node.text):
        yield problem(id_node.line, f"'id' must be lower-case kebab-case: {shown(id_node.text)}")
    type_node = node.get("type")
    if type_node is None:
        yield problem(node.line, "missing field 'type'")
        return
    if type_node.text not in CARD_TYPES or type_node.kind != "str":
        yield problem(
            type_node.line,
            f"'type' must be one of {', '.join(CARD_TYPES)}: {shown(type_node.text)}"
            + did_you_mean(type_node.text, CARD_TYPES),
        )
        return
    card_type = type_node.text
    for name in REQUIRED[card_type]:
        if node.get(name) is None:
            yield problem(node.line, f"missing field {name!r} (required for a {card_type} card)")
    for name in FORBIDDEN[card_type]:
        value = node.get(name)
        if value is not None:
            yield problem(value.line, f"field {name!r} is not used by a {card_type} card")
    for name in TEXT_FIELDS:
        value = node.get(name)
        if value is not None:
            yield from _text_problems(name, value, problem)
    for name in LIST_FIELDS:
        value = node.get(name)
        if value is not None:
            yield from _list_problems(name, value, problem)
    text = node.get("text")
    formula = node.get("formula")
    # a cloze card's formula is deleted a line at a time, so its text may ask without a deletion
    deletes = CLOZE_RE.search(text.text) if text is not None and text.kind == "str" else True
    if card_type == "cloze" and formula is None and not deletes:
        rule = "a cloze card needs at least one deletion '{{c1::...}}' or a 'formula'"
        yield problem(text.line if text else node.line, rule)
    if formula is not None:
        yield from _formula_problems(formula, problem)
    departures = node.get("departures")
    if departures is not None:
        wanted = (
            "'departures' must be a list of mappings",
            "each departure must be a mapping with 'quote', 'kind', 'correct'",
        )
        yield from _items_problems(
            departures, "map", wanted, problem, lambda d: _departure_problems(d, path, card_id, problem)
        )
    api = node.get("api")
    if api is not None:
        wanted = ("'api' must be a list of mappings with 'name'", "each api claim must be a mapping with 'name'")
        yield from _items_problems(api, "map", wanted, problem, lambda a: _api_problems(a, path, card_id, problem))


def _items_problems(
    node: YNode,
    kind: str,
    wanted: tuple[str, str],
    problem: ProblemFactory,
    each: Callable[[YNode], Iterator[Problem]],
    *,
    show_text: bool = False,
) -> Iterator[Problem]:
    """A list whose every item is a ``kind`` node; then what ``each`` finds in every such item.

    ``wanted`` says what the list and what an item must be; ``show_text`` quotes the wrong node's text too.
    """

    def wrong(what: str, found: YNode) -> str:
        return f"{what}, not {found.kind_name}" + (f": {shown(found.text)}" if show_text else "")

    if node.kind != "seq":
        yield problem(node.line, wrong(wanted[0], node))
        return
    for item in node.items:
        if item.kind != kind:
            yield problem(item.line, wrong(wanted[1], item))
        else:
            yield from each(item)


def _departure_problems(item: YNode, path: str, card_id: str | None, problem: ProblemFactory) -> Iterator[Problem]:
    """One departure (a mapping): known keys, the required ones, each a string, and a known kind."""
    yield from _unknown_keys(item, DEPARTURE_FIELDS, path, card_id)
    for name in ("quote", "kind", "correct"):
        if item.get(name) is None:
            yield problem(item.line, f"a departure is missing {name!r}")
    for name in DEPARTURE_FIELDS:
        value = item.get(name)
        if value is not None and value.kind != "str":
            yield problem(value.line, _not_a_string(f"departure {name!r}", value))
        elif value is not None and name != "fix" and not value.text.strip():
            yield problem(value.line, f"departure {name!r} must not be empty")
    kind = item.get("kind")
    if kind is not None and kind.kind == "str" and kind.text not in DEPARTURE_KINDS:
        yield problem(
            kind.line,
            f"a departure's 'kind' must be one of {', '.join(DEPARTURE_KINDS)}: {shown(kind.text)}"
            + did_you_mean(kind.text, DEPARTURE_KINDS),
        )


def _api_problems(item: YNode, path: str, card_id: str | None, problem: ProblemFactory) -> Iterator[Problem]:
    """One api claim (a mapping): known keys, a torch name, defaults of one value each, one claimed value."""
    yield from _unknown_keys(item, API_FIELDS, path, card_id)
    name = item.get("name")
    if name is None:
        yield problem(item.line, "an api claim is missing 'name'")
    elif name.kind != "str" or not name.text.strip():
        yield problem(name.line, _not_a_string("api 'name'", name, "a torch name like 'torch.nn.ReLU'"))
    defaults = item.get("defaults")
    if defaults is not None:
        if defaults.kind != "map":
            message = f"api 'defaults' must map each parameter to its default, not {defaults.kind_name}"
            yield problem(defaults.line, message)
        else:
            for key, value in defaults.pairs:
                if value.kind in ("map", "seq"):
                    message = f"the default of {shown(key.text)} must be one value, not {value.kind_name}"
                    yield problem(value.line, message)
    claimed = item.get("value")
    if claimed is not None and claimed.kind in ("map", "seq"):
        yield problem(claimed.line, f"api 'value' must be one value, not {claimed.kind_name}")


def _text_problems(name: str, value: YNode, problem: ProblemFactory) -> Iterator[Problem]:
    if value.kind != "str":
        yield problem(value.line, _not_a_string(repr(name), value))
        return
    if not value.text.strip():
        yield problem(value.line, f"{name!r} must not be empty")
    if len(value.text) > MAX_FIELD_CHARS:
        yield problem(value.line, f"{name!r} must be at most {MAX_FIELD_CHARS} characters, not {len(value.text)}")
        return
    dollar = DOLLAR_MATH_RE.search(CODE_RE.sub("", value.text))
    if dollar:
        yield problem(
            value.line, f"math must use \\( \\) or \\[ \\], not $ (Anki does not read $): {dollar.group(0)!r}"
        )
    inline_display = INLINE_DISPLAY_RE.search(CODE_RE.sub("", value.text))
    if inline_display:
        # Markdown reads display math only as a paragraph of its own; inside one, "\[" is an escaped "["
        # and the formula silently reaches the card as plain text
        shown_text = inline_display.group(0).strip()[:40]
        message = f"display math \\[ \\] must be a paragraph of its own (blank lines around it): {shown_text!r}"
        yield problem(value.line, message)


def _not_a_string(what: str, value: YNode, wanted: str = "a string") -> str:
    if value.kind in ("map", "seq"):
        return f"{what} must be {wanted}, not {value.kind_name}"
    if value.kind == "str":
        return f"{what} must be {wanted}: {shown(value.text)}"
    return f"{what} must be {wanted}, not {value.kind_name}: {shown(value.text)} (quote it)"


def _list_problems(name: str, value: YNode, problem: ProblemFactory) -> Iterator[Problem]:
    wanted = (f"{name!r} must be a list", f"each of {name!r} must be a string")
    yield from _items_problems(
        value, "str", wanted, problem, lambda item: _item_problems(name, item, problem), show_text=True
    )


def _item_problems(name: str, item: YNode, problem: ProblemFactory) -> Iterator[Problem]:
    """One string of the list field ``name``: a tag, an alias or a media name as each must be written."""
    if name == "tags" and not TAG_RE.match(item.text):
        yield problem(item.line, f"a tag must be lower-case words joined by '-' or '::': {shown(item.text)}")
    elif name == "aliases" and not ID_RE.match(item.text):
        yield problem(item.line, f"an alias must be a former card id in kebab-case: {shown(item.text)}")
    elif name == "media" and (Path(item.text).name != item.text or item.text.startswith(".")):
        message = f"a media entry must be the bare name of a file in the media folder: {shown(item.text)}"
        yield problem(item.line, message)


def _formula_problems(node: YNode, problem: ProblemFactory) -> Iterator[Problem]:
    if node.kind != "map":
        yield problem(node.line, f"'formula' must be a mapping with 'steps' and 'reference', not {node.kind_name}")
        return
    steps = node.get("steps")
    if steps is None:
        yield problem(node.line, "'formula' is missing 'steps'")
    elif steps.kind == "seq":
        for item in steps.items:
            if item.kind != "str":
                message = f"each formula step must be a string, not {item.kind_name}: {shown(item.text)}"
                yield problem(item.line, message)
    elif steps.kind != "str":
        yield problem(steps.line, f"'steps' must be a string or a list of strings, not {steps.kind_name}")
    reference = node.get("reference")
    if reference is None:
        yield problem(node.line, "'formula' is missing 'reference'")
    elif reference.kind != "str":
        message = f"'reference' must be a string, not {reference.kind_name}: {shown(reference.text)}"
        yield problem(reference.line, message)
    given = node.get("given")
    if given is not None:
        if given.kind != "map":
            yield problem(given.line, f"'given' must map each symbol to its domain, not {given.kind_name}")
        else:
            for key, value in given.pairs:
                if value.kind != "str":
                    message = f"the domain of {shown(key.text)} must be a string like 'real[n]': {shown(value.text)}"
                    yield problem(value.line, message)


def _formula(node: YNode, path: str) -> FormulaSpec:
    steps = node.get("steps")
    assert steps is not None
    step_nodes = steps.items if steps.kind == "seq" else (steps,)
    given = node.get("given")
    reference = node.get("reference")
    assert reference is not None
    return FormulaSpec(
        steps=tuple(s.text for s in step_nodes),
        step_lines=tuple(s.line for s in step_nodes),
        reference=reference.text,
        given=tuple((k.text, v.text) for k, v in given.pairs) if given is not None else (),
        source=Source(path, node.line),
        options=tuple((k.text, _plain(v)) for k, v in node.pairs if k.text not in FORMULA_FIELDS),
    )


def _departure(node: YNode, path: str) -> Departure:
    values = {k.text: v.text for k, v in node.pairs}
    kind: DepartureKind = values["kind"]  # type: ignore[assignment]
    return Departure(
        quote=values["quote"],
        kind=kind,
        correct=values["correct"],
        source=Source(path, node.line),
        fix=values.get("fix"),
    )


def _api_claim(node: YNode, path: str) -> ApiClaim:
    defaults = node.get("defaults")
    value = node.get("value")
    name = node.get("name")
    assert name is not None
    return ApiClaim(
        name=name.text.strip(),
        source=Source(path, node.line),
        defaults=tuple((k.text, v.text) for k, v in defaults.pairs) if defaults is not None else (),
        value=value.text if value is not None else None,
    )


def _plain(node: YNode) -> object:
    if node.kind == "seq":
        return tuple(_plain(i) for i in node.items)
    if node.kind == "map":
        return tuple((k.text, _plain(v)) for k, v in node.pairs)
    return node.text


def _unknown_keys(node: YNode, known: tuple[str, ...], path: str, card_id: str | None) -> Iterator[Problem]:
    for key, _ in node.pairs:
        if key.text not in known:
            yield Problem(
                Source(path, key.line), f"unknown field {shown(key.text)}{did_you_mean(key.text, known)}", card_id
            )


def check_across_files(files: list[CardFile]) -> Iterator[Problem]:
    """Ids and aliases are one namespace across all files; so are file numbers."""
    numbers: dict[int, str] = {}
    for f in files:
        if f.number in numbers:
            yield Problem(Source(f.path, 1), f"file number {f.number:02d} is already used by {numbers[f.number]}")
        numbers.setdefault(f.number, f.path)
    owners: dict[str, Card] = {}
    folded: dict[str, Card] = {}
    for card in (c for f in files for c in f.cards):
        for name in (card.id, *card.aliases):
            what = "id" if name == card.id else "alias"
            if name in owners:
                first = owners[name]
                yield Problem(
                    card.source, f"{what} {name!r} is already used by [{first.id}] at {first.source}", card.id
                )
                continue
            if name.casefold() in folded:
                first = folded[name.casefold()]
                yield Problem(
                    card.source, f"{what} {name!r} differs only in case from [{first.id}] at {first.source}", card.id
                )
            owners[name] = card
            folded[name.casefold()] = card
