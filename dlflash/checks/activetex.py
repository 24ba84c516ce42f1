"""Check (part of the math check): TeX that acts — links, styles, ids, classes, HTML attributes.

MathJax as Anki configures it loads every TeX package, ``html`` included, so a
card's math can make a live ``javascript:`` link (``\\href``), fetch a remote
image with no click (``\\style{background-image:url(...)}``, ``\\bbox[...]``
with a CSS part), or hook the page's CSS and scripts (``\\cssId``, ``\\class``,
``\\data``, ``\\mmlToken`` attributes). A deck of facts needs none of them.
This module names the macros; ``typeset.mjs`` also walks MathJax's own tree
for the attributes they set, so a macro hidden behind ``\\newcommand`` or
``\\let`` is refused too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# macro -> what it does; from MathJax 3.2's html, base (\mmlToken), unicode and require packages
ACTIVE_MACROS: dict[str, str] = {
    "href": "makes a link",
    "class": "sets an HTML class",
    "cssId": "sets an HTML id",
    "style": "sets CSS styles",
    "data": "sets HTML data attributes",
    "mmlToken": "sets arbitrary MathML attributes (href, style, id, class)",
    "require": "loads a TeX package at review time",
}
# attributes of MathJax's internal MathML that reach the card's HTML and act there;
# `typeset.mjs` refuses the same names (keep the two lists equal)
ACTIVE_ATTRIBUTES = ("href", "class", "id", "style", "fontfamily", "data-*")

_MACRO = re.compile(r"\\([A-Za-z]+)")
# \bbox[options]: a part like `name:value` is a CSS declaration (MathJax's BboxMethods)
_BBOX_STYLE = re.compile(r"\\bbox\s*\[([^\]]*)\]")
_CSS_PART = re.compile(r"^\s*[-a-z]+\s*:", re.IGNORECASE)
# \unicode[font]{n} (or [w,h,d,font]) sets a CSS font-family
_UNICODE_FONT = re.compile(r"\\unicode\s*\[")


def active_tex(tex: str) -> Iterator[str]:
    """Why this TeX would act in Anki, one reason per offending macro, in order of appearance."""
    seen: set[str] = set()
    for match in _MACRO.finditer(tex):
        name = match.group(1)
        if name in ACTIVE_MACROS and name not in seen:
            seen.add(name)
            yield f"'\\{name}' {ACTIVE_MACROS[name]}"
    for match in _BBOX_STYLE.finditer(tex):
        if any(_CSS_PART.match(part) for part in match.group(1).split(",")):
            yield "'\\bbox' with a CSS declaration sets CSS styles"
            break
    if _UNICODE_FONT.search(tex):
        yield "'\\unicode[...]' sets a CSS font family"
