"""Stage 1 of loading: YAML text to a tree of located values (``YNode``).

PyYAML's safe composer gives nodes with their marks; we never call a
constructor for an unknown tag, so ``!!python/...`` cannot run anything, and
every scalar keeps the text the user typed, so that a validator can say
"``yes`` is a boolean" instead of silently taking ``True``. Alias expansion is
counted, so a "billion laughs" document stops at a fixed budget. Every
scalar is checked for special characters *after* YAML unescaping: PyYAML's
reader refuses a raw control byte but not ``"\\x1f"`` written as an escape,
and that one (Anki's field separator) made a whole ``.apkg`` unimportable.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from dlflash.errors import ProblemsError
from dlflash.messages import shown
from dlflash.model import Problem, Source

Kind = Literal["str", "int", "float", "bool", "null", "date", "map", "seq"]

# libyaml's composer (the C one) is ~10x faster and gives the same nodes and marks;
# pure Python stays the fallback where PyYAML was built without it.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Aliases may repeat a subtree; a card file of ~100 cards has a few thousand
# nodes, so a budget far above that only stops deliberate expansion bombs.
MAX_NODES = 200_000

_SCALAR_KINDS: dict[str, Kind] = {
    "tag:yaml.org,2002:str": "str",
    "tag:yaml.org,2002:int": "int",
    "tag:yaml.org,2002:float": "float",
    "tag:yaml.org,2002:bool": "bool",
    "tag:yaml.org,2002:null": "null",
    # YAML 1.1 reads `2024-01-01` as a date and a lone `=` as a "value" key:
    # named for what they are, so the message is "quote it", not "tag not allowed"
    "tag:yaml.org,2002:timestamp": "date",
    "tag:yaml.org,2002:value": "str",
}

KIND_NAMES: dict[Kind, str] = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "a boolean",
    "null": "empty (null)",
    "date": "a date",
    "map": "a mapping",
    "seq": "a list",
}


@dataclass(frozen=True)
class YNode:
    """A YAML value with its line. ``text`` is the scalar as typed."""

    kind: Kind
    line: int
    text: str = ""
    items: tuple[YNode, ...] = ()
    pairs: tuple[tuple[YNode, YNode], ...] = ()

    @property
    def kind_name(self) -> str:
        return KIND_NAMES[self.kind]

    def get(self, key: str) -> YNode | None:
        for k, v in self.pairs:
            if k.text == key:
                return v
        return None


# Characters no text may hold, however written: C0 controls but tab and newline (U+001F
# separates Anki's fields), DEL, C1 controls, bidi embeddings, overrides and isolates
# (they reorder what a reader sees), lone surrogates (not encodable as UTF-8).
SPECIAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def special_character(text: str) -> str | None:
    """The first character of ``text`` no field may hold, as ``U+XXXX``, or None."""
    found = SPECIAL_CHARACTERS.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_NODES


class _TooLarge(Exception):
    pass


def parse_yaml(text: str, path: str) -> tuple[YNode | None, list[Problem]]:
    """Parse one YAML document; return its tree or the problems that stop it."""
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = exc.problem or exc.context or "invalid YAML"
        return None, [Problem(Source(path, line), f"YAML syntax error: {what}")]
    except yaml.reader.ReaderError as exc:
        # control characters (NUL, backspace...): PyYAML's own message spans lines and names no line
        line = text[: exc.position].count("\n") + 1
        return None, [Problem(Source(path, line), f"special character U+{exc.character:04X} is not allowed: delete it")]
    except yaml.YAMLError as exc:
        return None, [Problem(Source(path, 1), "YAML error: " + " ".join(str(exc).split()))]
    except RecursionError:
        return None, [_too_deep(path)]
    if root is None:
        return None, [Problem(Source(path, 1), "file is empty: it must be a mapping with 'title' and 'cards'")]
    problems: list[Problem] = []
    try:
        tree = _convert(root, path, problems, _Budget())
    except _TooLarge:
        line = root.start_mark.line + 1
        return None, [Problem(Source(path, line), f"document expands to more than {MAX_NODES} values (alias bomb?)")]
    except RecursionError:
        return None, [_too_deep(path)]
    return tree, problems


def _too_deep(path: str) -> Problem:
    # PyYAML's composer recurses once per level; Python's stack ends it long before memory does
    return Problem(Source(path, 1), "lists or mappings are nested too deeply (hundreds of levels)")


def _convert(node: yaml.Node, path: str, problems: list[Problem], budget: _Budget) -> YNode:
    budget.left -= 1
    if budget.left < 0:
        raise _TooLarge
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        kind = _SCALAR_KINDS.get(node.tag)
        if kind is None:
            problems.append(Problem(Source(path, line), f"tag is not allowed: {node.tag!r}"))
            kind = "null"
        special = special_character(node.value)
        if special is not None:
            message = f"special character {special} is not allowed, not even as a YAML escape: delete it"
            problems.append(Problem(Source(path, line), message))
        return YNode(kind, line, text=node.value)
    if isinstance(node, yaml.SequenceNode):
        if node.tag != "tag:yaml.org,2002:seq":
            problems.append(Problem(Source(path, line), f"tag is not allowed: {node.tag!r}"))
        return YNode("seq", line, items=tuple(_convert(n, path, problems, budget) for n in node.value))
    assert isinstance(node, yaml.MappingNode)
    if node.tag != "tag:yaml.org,2002:map":
        problems.append(Problem(Source(path, line), f"tag is not allowed: {node.tag!r}"))
    pairs = tuple(_convert_pairs(node, path, problems, budget))
    return YNode("map", line, pairs=pairs)


def _convert_pairs(
    node: yaml.MappingNode, path: str, problems: list[Problem], budget: _Budget
) -> Iterator[tuple[YNode, YNode]]:
    seen: dict[str, int] = {}
    for key_node, value_node in node.value:
        # before converting: a merge key would also be reported as an unknown tag
        if key_node.tag == "tag:yaml.org,2002:merge":
            problems.append(Problem(Source(path, key_node.start_mark.line + 1), "merge keys ('<<') are not allowed"))
            continue
        key = _convert(key_node, path, problems, budget)
        if key.kind == "seq" or key.kind == "map":
            problems.append(Problem(Source(path, key.line), "mapping keys must be plain names"))
            continue
        if key.text in seen:
            problems.append(
                Problem(
                    Source(path, key.line),
                    f"duplicate key {shown(key.text)} (first at line {seen[key.text]})",
                )
            )
            continue
        seen[key.text] = key.line
        yield key, _convert(value_node, path, problems, budget)


# --- data files beside the cards (verify/errata.yaml, verify/equivalent_mutants.yaml) ---------------

_TRUE = frozenset({"true", "yes", "on"})
_SPECIAL_FLOATS = {".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf"), ".nan": float("nan")}


def read_yaml_file(path: Path) -> YNode:
    """The located tree of a YAML data file; unreadable or invalid YAML raises every problem at once."""
    name = str(path)
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise ProblemsError([Problem(Source(name, 1), f"file must be UTF-8: {exc.reason}")]) from None
    tree, problems = parse_yaml(text.replace("\r\n", "\n"), name)
    if problems or tree is None:
        raise ProblemsError(problems or [Problem(Source(name, 1), "file is empty")])
    return tree


def plain(node: YNode) -> object:
    """A located value as the Python value ``yaml.safe_load`` would give (numbers as numbers)."""
    if node.kind == "seq":
        return [plain(i) for i in node.items]
    if node.kind == "map":
        return {k.text: plain(v) for k, v in node.pairs}
    if node.kind == "int":
        return _yaml_int(node.text)
    if node.kind == "float":
        special = _SPECIAL_FLOATS.get(node.text.lower())
        return special if special is not None else float(node.text.replace("_", ""))
    if node.kind == "bool":
        return node.text.lower() in _TRUE
    if node.kind == "null":
        return None
    return node.text


def mapping_problems(
    node: YNode, path: str, what: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> Iterator[Problem]:
    """``node`` is a mapping with every ``required`` key and no key outside ``required + optional``."""
    if node.kind != "map":
        yield Problem(Source(path, node.line), f"{what} must be a mapping, not {node.kind_name}")
        return
    known = (*required, *optional)
    for key, _ in node.pairs:
        if key.text not in known:
            close = difflib.get_close_matches(key.text, list(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            yield Problem(Source(path, key.line), f"{what}: unknown key {shown(key.text)}{hint}")
    for name in required:
        if node.get(name) is None:
            yield Problem(Source(path, node.line), f"{what} is missing {name!r}")


def _yaml_int(text: str) -> int:
    """A YAML 1.1 integer: ``12``, ``-3``, ``1_000``, ``0x1f``, ``0o17``; a leading 0 is octal there."""
    digits = text.replace("_", "")
    sign, body = (-1, digits[1:]) if digits.startswith("-") else (1, digits.lstrip("+"))
    if body[:2].lower() in ("0x", "0o", "0b"):
        return sign * int(body, 0)
    if len(body) > 1 and body.startswith("0"):
        return sign * int(body, 8)
    return sign * int(body)
