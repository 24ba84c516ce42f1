"""Markdown to the HTML of a note field, with Anki's math left intact.

markdown-it-py runs with raw HTML disabled, so ``<script>`` in a card is shown
as text. The texmath plugin (``brackets``) takes ``\\( \\)`` and ``\\[ \\]``
out of Markdown's hands before escapes or emphasis could touch them, and we
print them back with the same delimiters for Anki's MathJax. Fenced code is
highlighted by Pygments with CSS classes (styled in the note types' CSS).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from html import escape
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.texmath import texmath_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound


def _highlight(code: str, lang: str, _attrs: str) -> str:
    try:
        lexer = get_lexer_by_name(lang or "python")
    except ClassNotFound:
        return ""  # markdown-it then escapes the code itself
    # starts with "<pre" so markdown-it uses it as is instead of wrapping it again
    body = highlight(code, lexer, HtmlFormatter(nowrap=True))
    return f'<pre class="highlight"><code>{body}</code></pre>'


def _math_inline(_self: Any, tokens: Sequence[Token], idx: int, _options: Any, _env: Any) -> str:
    return "\\(" + escape(tokens[idx].content, quote=False) + "\\)"


def _math_block(_self: Any, tokens: Sequence[Token], idx: int, _options: Any, _env: Any) -> str:
    # one line: a raw newline inside math breaks it in Anki
    body = " ".join(tokens[idx].content.split())
    return '<div class="math">\\[' + escape(body, quote=False) + "\\]</div>\n"


@cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "highlight": _highlight, "breaks": False})
    md.use(texmath_plugin, delimiters="brackets")
    md.enable("table")
    md.add_render_rule("math_inline", _math_inline)
    md.add_render_rule("math_block", _math_block)
    md.add_render_rule("math_block_eqno", _math_block)
    return md


def to_html(text: str) -> str:
    """Render a field; a single paragraph loses its ``<p>`` so short answers stay inline."""
    html = str(_parser().render(text)).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html
