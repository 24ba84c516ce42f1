"""Stage: ``cards/headings.yaml``, the display names of the notes' headings in a card's context line.

The context line (``render.fields``) is the path of headings above the facts a
card covers, as the cheatsheet writes them. Some are not fit to show: typos
("Sturctured data"), link texts run into the title ("... link 1, link 2"), a
to-do marker ("TODO: Read"). The engine holds no deck content, so their
corrections live beside the cards: a mapping from the heading as the notes
write it to the name a learner reads. Only what is shown changes: fact ids,
coverage and deck names come from the notes' own text and stay as they are.

Every problem is reported at once, located ``cards/headings.yaml:LINE:``; a
key that names no heading of the notes is an error (a stale entry would
otherwise hide a heading that changed under it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from dlflash.config import Project
from dlflash.errors import ProblemsError
from dlflash.messages import did_you_mean, shown
from dlflash.model import Fact, Problem, Source
from dlflash.sources.files import present, read_source_text
from dlflash.sources.yamltree import parse_yaml


def note_headings(facts: Iterable[Fact]) -> tuple[str, ...]:
    """Every heading (and list lead-in) the notes put above a fact, in order, once each."""
    return tuple(dict.fromkeys(part for fact in facts for part in fact.heading_path if part))


def read_headings(path: Path, known: Iterable[str]) -> tuple[dict[str, str], list[Problem]]:
    """The mapping ``heading as written -> heading as shown``; a missing file renames nothing."""
    if not present(path):
        return {}, []
    name = str(path)
    # like every source file: a regular file inside the project, UTF-8, bounded (sources.files)
    text = read_source_text(path).replace("\r\n", "\n")
    if all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
        return {}, []
    tree, problems = parse_yaml(text, name)
    if tree is None:
        return {}, problems
    if tree.kind != "map":
        message = f"headings file must map each heading of the notes to its display name, not {tree.kind_name}"
        return {}, [*problems, Problem(Source(name, tree.line), message)]
    choices = list(dict.fromkeys(known))
    names: dict[str, str] = {}
    for key, value in tree.pairs:
        where = Source(name, key.line)
        shown_as = value.text.strip()
        if key.text in names:
            problems.append(Problem(where, f"heading {shown(key.text)} is renamed twice: keep one entry"))
        elif key.text not in choices:
            hint = did_you_mean(key.text, choices)
            problems.append(Problem(where, f"renames a heading the notes do not have: {shown(key.text)}{hint}"))
        elif value.kind != "str" or not shown_as or "\n" in shown_as:
            problems.append(Problem(where, f"the display name of {shown(key.text)} must be one line of text"))
        elif shown_as == key.text:
            problems.append(Problem(where, f"the display name of {shown(key.text)} is the heading itself: drop it"))
        else:
            names[key.text] = shown_as
    return names, problems


def load_headings(path: Path, facts: Iterable[Fact]) -> Mapping[str, str]:
    """The validated mapping, or every problem of the file at once."""
    names, problems = read_headings(path, note_headings(facts))
    if problems:
        raise ProblemsError(problems)
    return names


def headings_check(project: Project, facts: Iterable[Fact]) -> list[Problem]:
    """The file's problems, for ``dlflash check``."""
    return read_headings(project.headings_file, note_headings(facts))[1]
