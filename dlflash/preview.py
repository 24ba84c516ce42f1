"""Stage: one HTML page showing every card as Anki would, for people and the browser test.

Each note's cards (both directions of a reversible note, one per cloze number)
are filled by ``dlflash.anki.cardview`` and shown front and back, in day mode and
inside ``.nightMode.night_mode`` as Anki's night mode does, with the note
types' CSS, grouped by deck.

MathJax is configured as Anki configures it (``\\(..\\)`` inline, ``\\[..\\]``
display, no escapes or environments outside math, ``noerrors`` and
``mathtools`` on, ``textmacros`` off) and is the same mathjax-full the check
uses. Its ``tex-svg-full.js`` is inlined, so the page is one file that opens
anywhere without network: SVG output draws glyphs from paths, while Anki's
CHTML output would need its web fonts as separate files. The TeX parsing,
which is what can fail, is identical. A Content-Security-Policy forbids any
fetch, so a stray request is an error rather than a silent dependency.
Images (the cards' media and their drawn figures) are inlined as ``data:`` URIs.

The page reports on itself for the browser test: ``window.__mathjaxDone`` and
``window.__mathjaxErrors`` (TeX errors, the ``merror`` nodes of ``noerrors``,
the red macros of ``noundefined``, uncaught errors, ``console.error``, CSP
violations), mirrored as JSON into
``<pre id="mathjax-status">`` so that a headless ``--dump-dom`` can read them.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from collections.abc import Mapping
from html import escape
from itertools import groupby
from pathlib import Path

from dlflash.anki.cardview import CardView, note_cards
from dlflash.anki.notetypes import deck_css
from dlflash.deck import Deck
from dlflash.fileio import write_atomic
from dlflash.model import RenderedNote
from dlflash.render.mathjax import mathjax_dir

DEFAULT_PREVIEW = "build/preview.html"
MATHJAX_BUNDLE = "es5/tex-svg-full.js"
STATUS_ID = "mathjax-status"
CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:"

# Runs before MathJax loads so that nothing it or the cards do goes unrecorded.
_REPORTER = """
window.__mathjaxDone = false;
window.__mathjaxErrors = [];
function __report(kind, message, where) {
  window.__mathjaxErrors.push({kind: kind, message: String(message), where: where || ''});
  __status();
}
function __status() {
  var pre = document.getElementById('__STATUS_ID__');
  if (pre) pre.textContent = JSON.stringify({done: window.__mathjaxDone, errors: window.__mathjaxErrors});
}
window.addEventListener('error', function (e) { __report('uncaught', e.message, e.filename + ':' + e.lineno); });
window.addEventListener('unhandledrejection', function (e) { __report('unhandled rejection', e.reason); });
document.addEventListener('securitypolicyviolation', function (e) {
  __report('blocked request', e.violatedDirective, e.blockedURI);
});
(function () {
  var original = console.error;
  console.error = function () {
    __report('console.error', Array.prototype.join.call(arguments, ' '));
    return original.apply(console, arguments);
  };
})();
// noerrors and noundefined draw a failed formula instead of failing, as in Anki;
// their marks in MathJax's own tree are the errors the browser test looks for
function __inspect(item) {
  var note = item.typesetRoot && item.typesetRoot.closest ? item.typesetRoot.closest('.note') : null;
  var where = note ? note.id : '';
  item.root.walkTree(function (node) {
    if (node.isKind('merror')) {
      __report('merror', node.attributes.get('data-mjx-error'), where);
    } else if (node.isKind('mtext') && node.attributes.get('mathcolor') === 'red') {
      var text = node.childNodes.length ? node.childNodes[0].getText() : '';
      if (/^\\\\([a-zA-Z]+|.)$/.test(text)) __report('merror', 'Undefined control sequence ' + text, where);
    }
  });
}
window.MathJax = {
  tex: {
    inlineMath: [['\\\\(', '\\\\)']],
    displayMath: [['\\\\[', '\\\\]']],
    processEscapes: false,
    processEnvironments: false,
    packages: {'[+]': ['noerrors', 'mathtools'], '[-]': ['textmacros']},
    formatError: function (jax, error) {
      __report('TeX', error.message, jax.latex);
      return jax.formatError(error);
    }
  },
  options: {enableMenu: false},
  svg: {fontCache: 'global'},
  startup: {
    ready: function () {
      MathJax.startup.defaultReady();
      MathJax.startup.promise.then(function () {
        for (const item of MathJax.startup.document.math) __inspect(item);
        window.__mathjaxDone = true;
        __status();
      }).catch(function (error) { __report('MathJax', error); });
    }
  }
};
""".replace("__STATUS_ID__", STATUS_ID)

_PAGE_CSS = """
body.preview { margin: 0; padding: 1em 2em; font-family: sans-serif; background: #e9e9ee; }
.preview h1 { font-size: 1.4em; }
.preview h2 { font-size: 1.15em; margin-top: 2em; }
.note { margin: 1em 0 2em; }
.note h3 { font-size: 0.8em; font-weight: normal; color: #555; margin: 0 0 0.4em; font-family: monospace; }
.faces { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 0.6em; }
.face { display: flex; flex-direction: column; border-radius: 6px; overflow: hidden; box-shadow: 0 1px 3px #0003; }
.face > .label { font: 11px monospace; padding: 2px 6px; background: #cfcfd6; color: #333; }
.face.night > .label { background: #3a3a3c; color: #ddd; }
.face > .card { flex: 1; width: 100%; box-sizing: border-box; padding: 0.8em; font-size: 16px; }
#mathjax-status { font-size: 11px; color: #666; white-space: pre-wrap; }
"""


def write_preview(deck: Deck, out: Path) -> int:
    """Write the page; returns how many cards it shows."""
    html, count = preview_page(deck)
    write_atomic(out, html.encode("utf-8"))
    return count


def preview_page(deck: Deck) -> tuple[str, int]:
    """The whole page (the deck as it ships, its figures drawn), and how many cards it shows."""
    script = (mathjax_dir(deck.project) / MATHJAX_BUNDLE).read_text("utf-8")
    notes = deck.notes
    images = {name: _data_uri(path) for name, path in deck.media.items()}
    sections, count = [], 0
    for deck_name, deck_notes in groupby(notes, key=lambda n: n.deck_name):
        parts = []
        for note in deck_notes:
            views = note_cards(note)
            count += len(views)
            parts.append(_note_html(note, views, images))
        sections.append(f'<section class="deck"><h2>{escape(deck_name)}</h2>\n{"".join(parts)}</section>')
    body = "\n".join(sections)
    return _page(body, count, script), count


def _page(body: str, count: int, mathjax: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>dlflash preview</title>
<style>{deck_css()}</style>
<style>{_PAGE_CSS}</style>
<script>{_REPORTER}</script>
<script>{_script_safe(mathjax)}</script>
</head><body class="preview">
<h1>dlflash preview: {count} cards</h1>
<pre id="{STATUS_ID}">{{"done": false, "errors": []}}</pre>
{body}
</body></html>
"""


def _note_html(note: RenderedNote, views: tuple[CardView, ...], images: Mapping[str, str]) -> str:
    title = f"{note.card_id} · {note.note_type} · {note.source}"
    faces = []
    for view in views:
        for mode, classes in (("day", "card"), ("night", "card nightMode night_mode")):
            for side, html in (("front", view.question), ("back", view.answer)):
                label = escape(f"{view.name} · {side} · {mode}")
                content = _inline_images(html, images)
                faces.append(
                    f'<div class="face {mode} {side}"><div class="label">{label}</div>'
                    f'<div class="{classes}">{content}</div></div>'
                )
    return (
        f'<article class="note" id="note-{escape(note.card_id)}"><h3>{escape(title)}</h3>'
        f'<div class="faces">{"".join(faces)}</div></article>\n'
    )


def _inline_images(html: str, images: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        uri = images.get(match.group(2))
        return f"{match.group(1)}{uri}{match.group(3)}" if uri else match.group(0)

    return re.sub(r'(<img\b[^>]*?\bsrc=")([^"]+)(")', replace, html)


def _data_uri(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _script_safe(source: str) -> str:
    """A script body must not contain its own end tag."""
    return source.replace("</script", "<\\/script")
