"""Markdown to the HTML of a note field, with Anki's math left intact.

markdown-it-py runs with raw HTML disabled, so ``<script>`` in a card is shown
as text. The texmath plugin (``brackets``) takes ``\\( \\)`` and ``\\[ \\]``
out of Markdown's hands before escapes or emphasis could touch them, and we
print them back with the same delimiters for Anki's MathJax. Fenced code is
highlighted by Pygments with CSS classes (styled in the note types' CSS).
An image whose source is ``figure:NAME`` names one of ``dlflash.render.figures``; the
caller passes the names' file names and the image points at that file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from html import escape
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.texmath import texmath_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound


@cache
def _lexer(lang: str) -> Lexer | None:
    try:
        return get_lexer_by_name(lang)
    except ClassNotFound:
        return None


# one formatter for every block: building one compiles its whole style sheet
_FORMATTER = HtmlFormatter(nowrap=True)


def _highlight(code: str, lang: str, _attrs: str) -> str:
    lexer = _lexer(lang or "python")
    if lexer is None:
        return ""  # markdown-it then escapes the code itself
    # starts with "<pre" so markdown-it uses it as is instead of wrapping it again
    body = highlight(code, lexer, _FORMATTER)
    return f'<pre class="highlight"><code>{body}</code></pre>'


# Punctuation that must not start a line: a browser may break between typeset math and the text after it.
_TRAILING_PUNCTUATION = re.compile(r"^[,.;:!?)\]]+")


def _math_inline(_self: Any, tokens: Sequence[Token], idx: int, _options: Any, _env: Any) -> str:
    math = "\\(" + escape(tokens[idx].content, quote=False) + "\\)"
    following = tokens[idx + 1] if idx + 1 < len(tokens) else None
    glued = _TRAILING_PUNCTUATION.match(following.content) if following and following.type == "text" else None
    if following is None or glued is None:
        return math
    # the punctuation moves out of the next text token (rendered after this one) into one unbreakable span
    following.content = following.content[glued.end() :]
    return f'<span class="nowrap">{math}{escape(glued.group(0), quote=False)}</span>'


def _math_block(_self: Any, tokens: Sequence[Token], idx: int, _options: Any, _env: Any) -> str:
    # one line: a raw newline inside math breaks it in Anki
    body = " ".join(tokens[idx].content.split())
    return '<div class="math">\\[' + escape(body, quote=False) + "\\]</div>\n"


FIGURE_SCHEME = "figure:"


def _image(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    figures = env.get("figures", {}) if isinstance(env, dict) else {}
    name = src.removeprefix(FIGURE_SCHEME)
    if src.startswith(FIGURE_SCHEME) and name in figures:
        token.attrSet("src", figures[name])
        token.attrSet("class", "figure")
    return str(self.image(tokens, idx, options, env))


@cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "highlight": _highlight, "breaks": False})
    md.use(texmath_plugin, delimiters="brackets")
    md.enable("table")
    md.add_render_rule("math_inline", _math_inline)
    md.add_render_rule("math_block", _math_block)
    md.add_render_rule("math_block_eqno", _math_block)
    md.add_render_rule("image", _image)
    return md


def to_html(text: str, figures: Mapping[str, str] | None = None) -> str:
    """Render a field; a single paragraph loses its ``<p>`` so short answers stay inline.

    ``figures`` maps figure names to the bare file names that ``figure:NAME`` images show.
    """
    if not text:
        return ""
    html = str(_parser().render(text, {"figures": dict(figures or {})})).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html


def figure_refs(text: str) -> tuple[str, ...]:
    """The figure names that ``figure:NAME`` images in ``text`` refer to, in order (code is not scanned)."""
    if FIGURE_SCHEME not in text:
        return ()  # the common case, without parsing the text again
    names = []
    for block in _parser().parse(text):
        for token in block.children or ():
            src = str(token.attrGet("src") or "") if token.type == "image" else ""
            if src.startswith(FIGURE_SCHEME):
                names.append(src.removeprefix(FIGURE_SCHEME))
    return tuple(names)
