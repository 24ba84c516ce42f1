// Typesets TeX the way Anki's MathJax reads it, to find formulas that fail.
//
// Usage: node typeset.mjs <node_modules dir>  < [{"key": ..., "tex": ..., "display": bool}, ...]
// Prints {"errors": [{"key": ..., "message": ..., "acts"?: true}], "count": n} on stdout;
// `acts` marks TeX that typesets but would make a link, style, id or class in Anki.
//
// Anki loads MathJax 3.2's tex-chtml-full (every package) with noerrors and
// mathtools added and textmacros removed. noerrors (and noundefined) would
// turn a TeX error into raw source on the card, so they are left out here: a
// bad brace or an undefined macro then raises MathJax's TexError. `require`
// is left out too: it would fetch packages at review time, which AnkiDroid
// cannot be counted on to do. Each formula is typeset all the way to CHTML,
// Anki's output, in one node process for the whole deck.
// The modules are loaded by absolute path from the given node_modules folder,
// because this script ships inside the Python package, away from them.

import { createRequire } from 'node:module';
import path from 'node:path';
import { readFileSync } from 'node:fs';

const nodeModules = process.argv[2];
if (!nodeModules) {
  process.stderr.write('usage: node typeset.mjs <node_modules dir>\n');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const load = (name) => require(path.join(nodeModules, 'mathjax-full', 'js', name));

const { mathjax } = load('mathjax.js');
const { TeX } = load('input/tex.js');
const { CHTML } = load('output/chtml.js');
const { liteAdaptor } = load('adaptors/liteAdaptor.js');
const { RegisterHTMLHandler } = load('handlers/html.js');
const { AllPackages } = load('input/tex/AllPackages.js');
const { STATE } = load('core/MathItem.js');

const LEFT_OUT = new Set(['noerrors', 'noundefined', 'textmacros']);
const packages = AllPackages.filter((name) => !LEFT_OUT.has(name));

const adaptor = liteAdaptor();
RegisterHTMLHandler(adaptor);
const tex = new TeX({
  packages,
  processEscapes: false,
  processEnvironments: false,
  // rethrow instead of building an <merror>, so that the message reaches us intact
  formatError: (_jax, error) => {
    throw error;
  },
});
const html = mathjax.document('', { InputJax: tex, OutputJax: new CHTML() });

function merrorMessage(root) {
  let message = null;
  root.walkTree((node) => {
    if (message === null && node.isKind('merror')) {
      message = node.attributes.get('data-mjx-error') || 'MathJax produced an error node';
    }
  });
  return message;
}

// Attributes that reach the card's HTML and act there: a link, CSS, an id or class the
// page's CSS and scripts see, a font. Whatever macro set them (\href, \style, \mmlToken,
// \bbox[...], one hidden behind \newcommand), they are refused. Keep equal to
// ACTIVE_ATTRIBUTES in dlflash/checks/activetex.py.
const ACTIVE = new Set(['href', 'class', 'id', 'style', 'fontfamily']);

function activeAttribute(root) {
  let found = null;
  root.walkTree((node) => {
    if (found !== null || !node.attributes) return;
    for (const name of node.attributes.getExplicitNames()) {
      if (ACTIVE.has(name) || name.startsWith('data-')) {
        found = name;
        return;
      }
    }
  });
  return found;
}

function check(item) {
  try {
    const display = Boolean(item.display);
    const root = html.convert(item.tex, { display, end: STATE.CONVERT });
    const message = merrorMessage(root);
    if (message !== null) return { message };
    const attribute = activeAttribute(root);
    if (attribute !== null) return { message: `sets the HTML attribute '${attribute}'`, acts: true };
    html.convert(item.tex, { display }); // the output stage can fail too
    return null;
  } catch (error) {
    return { message: error && error.message ? error.message : String(error) };
  }
}

const items = JSON.parse(readFileSync(0, 'utf-8'));
const errors = [];
for (const item of items) {
  const error = check(item);
  if (error !== null) errors.push({ key: item.key, ...error });
}
process.stdout.write(JSON.stringify({ errors, count: items.length }));
