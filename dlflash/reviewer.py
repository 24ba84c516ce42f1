"""Stage: every card as Anki's desktop reviewer shows it, in headless Chromium, measured and photographed.

The deck is packaged (without touching the ledger) and imported into a
scratch collection by Anki's own backend; each card's ``question()`` and
``answer()`` (its HTML with the note type's CSS) is shown by the reviewer's
own page assets from the ``aqt`` wheel (``_aqt/data/web``: ``webview.css``,
``reviewer.css`` and ``reviewer.js``, whose ``_showQuestion`` loads and runs
Anki's MathJax), in a page built as ``aqt.webview.stdHtml`` builds it, with
the body classes ``theme_manager`` gives in day or night mode. A local HTTP
server plays Anki's media server: ``/_anki/`` is the wheel's web folder, every
other path a media file of the collection. Only the wheel's files are read;
Qt is never imported.

Chromium is driven over ``--remote-debugging-pipe`` (the DevTools protocol on
file descriptors 3 and 4), so no driver or websocket library is needed. One
browser, one tab per window size and mode; cards are shown in batches (each
face in its own box inside ``#qa``), which measures the same as one card at a
time: the page's width is the same, each box's own overflow is measured, and
a face's height is what it would take alone. axe-core (npm) measures the text
contrast in the page.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from dlflash.anki.ledger import read_ledger
from dlflash.anki.package import plan_package, write_package
from dlflash.config import Project
from dlflash.deck import Deck
from dlflash.errors import ReviewerError
from dlflash.fileio import write_atomic
from dlflash.render.mathjax import mathjax_dir

# The three windows a learner uses: a phone, a small window, a desktop.
VIEWPORTS: tuple[tuple[int, int], ...] = ((375, 667), (800, 600), (1280, 900))
# A question with a figure must fit these whole (figure and question text on one screen).
FIGURE_VIEWPORTS: tuple[tuple[int, int], ...] = ((375, 667), (1280, 900))
MODES = ("day", "night")
MIN_CONTRAST = 4.5  # WCAG AA for normal text: what axe-core's color-contrast rule enforces
FACES_PER_BATCH = 60
CONTACT_SHEET = "build/contact-sheet.png"
STEP_TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class Face:
    """One side of one Anki card, as the reviewer is given it."""

    card_id: str  # the dlflash card id of its note
    template: str  # the note type's template name ("Card 1", "Reverse", "Cloze")
    ordinal: int  # Anki's card ordinal (0-based)
    side: str  # "question" or "answer"
    html: str  # card.question() / card.answer(): the note type's <style> and the rendered side

    @property
    def label(self) -> str:
        return f"{self.card_id} · {self.template} {self.ordinal + 1} · {self.side}"


@dataclass(frozen=True)
class Finding:
    """One face that fails a rule in one window."""

    face: str
    viewport: str
    mode: str
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.face}] {self.viewport} {self.mode}: {self.rule}: {self.detail}"


@dataclass(frozen=True)
class Measured:
    """What one run found, and how much it looked at."""

    faces: int
    pages: int
    findings: tuple[Finding, ...]


def aqt_web_dir() -> Path:
    """``_aqt/data/web`` of the installed ``aqt`` wheel (``pip install aqt --no-deps``: no Qt needed)."""
    spec = importlib.util.find_spec("_aqt")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        web = Path(location) / "data" / "web"
        if (web / "js" / "reviewer.js").is_file():
            return web
    raise ReviewerError("the aqt wheel's web assets are missing: pip install -e '.[test]' (aqt, without Qt)")


def _canvas_colors() -> tuple[str, str]:
    # aqt's standard_css sets --canvas from _aqt.colors (a plain module, no Qt)
    from _aqt import colors

    return str(colors.CANVAS["light"]), str(colors.CANVAS["dark"])


def chromium_path() -> str | None:
    found = next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)
    if found is None and Path("/usr/bin/chromium").is_file():
        found = "/usr/bin/chromium"
    return found


# ---------------------------------------------------------------------------------------------------------
# The cards, through Anki's backend


@contextmanager
def reviewer_faces(deck: Deck) -> Iterator[tuple[tuple[Face, ...], Path]]:
    """Every card's two sides as the backend renders them, and the collection's media folder."""
    from anki.collection import Collection  # the `anki` package: a test (and sync) extra


    with tempfile.TemporaryDirectory(prefix="dlflash-reviewer-") as tmp:
        apkg = Path(tmp) / "deck.apkg"
        package = plan_package(deck.notes, deck.media, read_ledger(deck.project.ledger), 0, deck.descriptions)
        write_package(package, apkg)
        by_guid = {n.guid: n.card_id for n in deck.notes}
        col = Collection(str(Path(tmp) / "collection.anki2"))
        try:
            _import(col, apkg)
            faces: list[Face] = []
            for card_id in col.find_cards("", order="c.nid, c.ord"):
                card = col.get_card(card_id)
                note = card.note()
                template = str(card.template()["name"])
                name = by_guid.get(note.guid, note.guid)
                faces.append(Face(name, template, card.ord, "question", card.question()))
                faces.append(Face(name, template, card.ord, "answer", card.answer()))
            media = Path(col.media.dir())
            yield tuple(faces), media
        finally:
            col.close()


def _import(col: Any, apkg: Path) -> None:
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition

    if_newer = ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER
    options = ImportAnkiPackageOptions(
        merge_notetypes=False, update_notes=if_newer, update_notetypes=if_newer, with_scheduling=False
    )
    col.import_anki_package(ImportAnkiPackageRequest(package_path=str(apkg), options=options))


# ---------------------------------------------------------------------------------------------------------
# The reviewer's page and Anki's media server


def body_class(mode: str, ordinal: int = 0) -> str:
    """``theme_manager.body_classes_for_card_ord`` on Linux with Anki's default settings."""
    night = " nightMode night_mode" if mode == "night" else ""
    return f"card card{ordinal + 1} isLin{night} fancy"


def reviewer_page(mode: str, port: int) -> str:
    """The reviewer's empty page as ``stdHtml`` builds it; cards arrive through ``_showQuestion``."""
    light, dark = _canvas_colors()
    doc_class = "night-mode" if mode == "night" else ""
    theme = "dark" if mode == "night" else "light"
    standard = (
        "body { zoom: 1; background-color: var(--canvas); } html { font-family: sans-serif; } "
        f":root {{ --canvas: {light} }} :root[class*=night-mode] {{ --canvas: {dark} }}"
    )
    return f"""<!doctype html>
<html class="{doc_class}" dir="ltr" data-bs-theme="{theme}">
<head><title>reviewer</title><base href="http://127.0.0.1:{port}/">
<link rel="stylesheet" type="text/css" href="/_anki/css/webview.css"><style>{standard}</style>
<link rel="stylesheet" type="text/css" href="/_anki/css/reviewer.css">
</head>
<body class="{body_class(mode)}">
<script>window.bridgeCommand = window.pycmd = function () {{ return false; }};</script>
<script src="/_anki/js/reviewer.js"></script>
<script src="/__dlflash/axe.min.js"></script>
<script src="/__dlflash/measure.js"></script>
<div id="_mark" hidden>&#x2605;</div>
<div id="_flag" hidden>&#x2691;</div>
<div id="qa" dir="auto"></div>
</body></html>
"""


class _Handler(SimpleHTTPRequestHandler):
    """``/_anki/`` from the wheel, ``/__dlflash/`` our scripts and pages, anything else a media file."""

    def __init__(self, *args: Any, routes: Mapping[str, Path | bytes], media: Path, **kwargs: Any) -> None:
        self.routes = routes
        self.media = media
        super().__init__(*args, directory=str(media), **kwargs)

    def translate_path(self, path: str) -> str:
        clean = path.split("?", 1)[0].split("#", 1)[0]
        for prefix, target in self.routes.items():
            if isinstance(target, Path) and clean.startswith(prefix):
                return str(target / clean[len(prefix) :].lstrip("/"))
        return super().translate_path(path)

    def do_GET(self) -> None:
        body = self.routes.get(self.path.split("?", 1)[0])
        if isinstance(body, bytes):
            self.send_response(200)
            kind = "text/html" if self.path.endswith(".html") else "application/javascript"
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: a missing file shows up as a failed image or script in the page


@contextmanager
def media_server(media: Path, axe: Path) -> Iterator[int]:
    routes: dict[str, Path | bytes] = {"/_anki/": aqt_web_dir()}
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, routes=routes, media=media))
    port = server.server_address[1]
    routes["/__dlflash/axe.min.js"] = axe.read_bytes()
    routes["/__dlflash/measure.js"] = _MEASURE.encode("utf-8")
    for mode in MODES:
        routes[f"/__dlflash/{mode}.html"] = reviewer_page(mode, port).encode("utf-8")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()


# Runs in the reviewer's page. Faces are shown through Anki's own _showQuestion (which typesets them with
# Anki's MathJax), each in its own box; then every box is measured and axe-core checks the contrast.
_MEASURE = r"""
window.__dlflashErrors = [];
window.addEventListener('error', function (e) { __dlflashErrors.push(String(e.message)); });
(function () {
  var original = console.error;
  console.error = function () {
    __dlflashErrors.push(Array.prototype.join.call(arguments, ' '));
    return original.apply(console, arguments);
  };
})();
var __dlflashBatch = 0;
function __dlflashSettle(qa, batch) {
  // Anki's _updateQA swaps the content and fades it in once MathJax is done: wait for this batch's
  // boxes and the fade, so no box of the previous batch is ever measured
  return new Promise(function (resolve) {
    (function poll() {
      var ours = qa.querySelector('.dlflash-face[data-batch="' + batch + '"]');
      if (ours && qa.style.opacity === '1') resolve(); else setTimeout(poll, 10);
    })();
  });
}
async function __dlflashShow(faces, bodyclass, contrast, figureCheck) {
  var qa = document.getElementById('qa');
  var batch = ++__dlflashBatch;
  qa.style.opacity = '0';
  var styles = new Set();
  var boxes = faces.map(function (html, i) {
    var body = html.replace(/<style>[\s\S]*?<\/style>/g, function (s) { styles.add(s); return ''; });
    return '<div class="dlflash-face" data-batch="' + batch + '" data-face="' + i +
      '" style="display: flow-root">' + body + '</div>';
  });
  window.__dlflashErrors = [];
  _showQuestion(Array.from(styles).join('') + boxes.join(''), '', bodyclass);
  await __dlflashSettle(qa, batch);
  await Promise.all(Array.from(qa.querySelectorAll('img')).map(function (img) {
    return img.decode().catch(function () { return null; });
  }));
  var results = faces.map(function () { return []; });
  var top = parseFloat(getComputedStyle(document.body).marginTop) || 0;
  qa.querySelectorAll('.dlflash-face[data-batch="' + batch + '"]').forEach(function (box) {
    var i = +box.dataset.face, found = results[i];
    if (box.scrollWidth > box.clientWidth + 1) {
      found.push(['horizontal scroll', box.scrollWidth + ' px of content in ' + box.clientWidth + ' px']);
    }
    box.querySelectorAll('mjx-merror, mjx-container [style*="color: red"]').forEach(function (node) {
      found.push(['MathJax error', node.getAttribute('data-mjx-error') || node.textContent]);
    });
    if (/\\\(|\\\[/.test(box.innerText)) found.push(['MathJax error', 'math left as source']);
    box.querySelectorAll('img').forEach(function (img) {
      if (!img.naturalWidth) found.push(['missing image', img.getAttribute('src')]);
    });
    if (figureCheck && box.querySelector('img.figure')) {
      var height = box.getBoundingClientRect().height;
      if (top + height > innerHeight) {
        found.push(['figure and question do not fit', Math.round(top + height) + ' px in ' + innerHeight + ' px']);
      }
      var prompt = box.querySelector('.prompt');
      if (!prompt || !prompt.innerText.trim()) found.push(['figure and question do not fit', 'no question text']);
    }
  });
  if (document.documentElement.scrollWidth > document.documentElement.clientWidth + 1) {
    var edge = document.documentElement.clientWidth + 1;
    var wide = Array.from(qa.querySelectorAll('.dlflash-face')).filter(function (box) {
      return box.getBoundingClientRect().right > edge || box.scrollWidth > box.clientWidth + 1;
    });
    (wide.length ? wide : [qa.querySelector('.dlflash-face')]).forEach(function (box) {
      var width = document.documentElement.scrollWidth;
      results[+box.dataset.face].push(['horizontal scroll', 'the page is ' + width + ' px wide']);
    });
  }
  if (contrast) {
    var options = {runOnly: {type: 'rule', values: ['color-contrast']}, resultTypes: ['violations'], elementRef: true};
    var report = await axe.run(qa, options);
    report.violations.forEach(function (violation) {
      violation.nodes.forEach(function (node) {
        var box = node.element && node.element.closest('.dlflash-face');
        var data = (node.any[0] || {}).data || {};
        var text = (node.element ? node.element.textContent : '').trim().slice(0, 40);
        var detail = (data.contrastRatio || '?') + ':1, ' + data.fgColor + ' on ' + data.bgColor;
        detail += ' (' + JSON.stringify(text) + ')';
        if (box) results[+box.dataset.face].push(['contrast below 4.5:1', detail]);
      });
    });
  }
  window.__dlflashErrors.forEach(function (message) { results[0].push(['page error', message]); });
  return JSON.stringify(results);
}
"""


# ---------------------------------------------------------------------------------------------------------
# Chromium over the DevTools pipe


class Browser:
    """One headless Chromium; ``call`` sends a DevTools command and waits for its answer."""

    FLAGS = (
        "--headless",
        "--no-sandbox",  # tests may run as root (containers, CI)
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--force-color-profile=srgb",
        "--remote-debugging-pipe",
    )

    def __init__(self, executable: str, profile: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def fds() -> None:  # in the child: the protocol's pipes are fds 3 (in) and 4 (out)
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self._process = subprocess.Popen(
            [executable, *self.FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=fds,  # before any thread of ours starts: the reader starts below
            close_fds=False,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next = 0
        self._answers: dict[int, queue.Queue[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buffer = b""
        with os.fdopen(self._from_browser, "rb", buffering=0) as pipe:
            while chunk := pipe.read(1 << 16):
                buffer += chunk
                *messages, buffer = buffer.split(b"\0")
                for raw in messages:
                    message = json.loads(raw)
                    with self._lock:
                        waiting = self._answers.get(message.get("id", -1))
                    if waiting is not None:
                        waiting.put(message)

    def call(self, method: str, params: Mapping[str, Any] | None = None, session: str | None = None) -> Any:
        with self._lock:
            self._next += 1
            number = self._next
            answer: queue.Queue[dict[str, Any]] = queue.Queue()
            self._answers[number] = answer
        message: dict[str, Any] = {"id": number, "method": method, "params": dict(params or {})}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode("utf-8") + b"\0")
        try:
            reply = answer.get(timeout=STEP_TIMEOUT_SECONDS)
        except queue.Empty as exc:
            raise ReviewerError(f"Chromium did not answer {method} within {STEP_TIMEOUT_SECONDS} s") from exc
        finally:
            with self._lock:
                del self._answers[number]
        if "error" in reply:
            raise ReviewerError(f"Chromium refused {method}: {reply['error'].get('message')}")
        return reply.get("result", {})

    def tab(self, url: str, width: int, height: int, reviewer: bool = True) -> str:
        """A new tab of the given window size showing ``url``; returns its session.

        A ``reviewer`` page is ready once its scripts are; any other page (the contact sheet's
        index) once it has loaded.
        """
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = str(self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"])
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
        self.call("Emulation.setDeviceMetricsOverride", metrics, session)
        self.call("Page.navigate", {"url": url}, session)
        scripts = " && typeof __dlflashShow === 'function' && typeof _showQuestion === 'function'" if reviewer else ""
        self.evaluate(session, "new Promise(r => { (function w() { if (document.readyState === 'complete'"
                      f"{scripts}) r(true); else setTimeout(w, 20); }})(); }})")
        return session

    def evaluate(self, session: str, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True}, session
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise ReviewerError(f"the reviewer page failed: {text}")
        return result["result"].get("value")

    def screenshot(self, session: str, full_page: bool = False) -> bytes:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
        return base64.b64decode(self.call("Page.captureScreenshot", params, session)["data"])

    def close(self) -> None:
        with suppress(ReviewerError):
            self.call("Browser.close")
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._to_browser)


@contextmanager
def browser(executable: str) -> Iterator[Browser]:
    with tempfile.TemporaryDirectory(prefix="dlflash-chromium-") as profile:
        running = Browser(executable, Path(profile))
        try:
            yield running
        finally:
            running.close()


# ---------------------------------------------------------------------------------------------------------
# The measurement and the contact sheet


def axe_script(project: Project) -> Path:
    path = mathjax_dir(project).parent / "axe-core" / "axe.min.js"
    if not path.is_file():
        raise ReviewerError(f"axe-core is missing ({path}): run `npm ci`")
    return path


def show(running: Browser, session: str, faces: Sequence[Face], mode: str, *, contrast: bool, figures: bool) -> Any:
    args = ", ".join(
        (json.dumps([f.html for f in faces]), json.dumps(body_class(mode)), json.dumps(contrast), json.dumps(figures))
    )
    return json.loads(running.evaluate(session, f"__dlflashShow({args})"))


def measured_faces(faces: Sequence[Face]) -> tuple[Face, ...]:
    """The faces whose measure covers every face: each answer begins with its question ({{FrontSide}}),
    so it shows the question's every element; only a cloze question (its [...] where the answer has text)
    differs from the top of its answer, so it is measured too."""
    return tuple(f for f in faces if f.side == "answer" or f.template == "Cloze")


def _pages(
    running: Browser, session: str, faces: Sequence[Face], mode: str, window: str, *, contrast: bool, figures: bool
) -> list[list[Finding]]:
    """Show ``faces`` in the tab ``session``, ``FACES_PER_BATCH`` a page: what each page found."""
    found_by_page: list[list[Finding]] = []
    for start in range(0, len(faces), FACES_PER_BATCH):
        batch = faces[start : start + FACES_PER_BATCH]
        checked = show(running, session, batch, mode, contrast=contrast, figures=figures)
        pairs = zip(batch, checked, strict=True)
        found_by_page.append([Finding(face.label, window, mode, r, d) for face, found in pairs for r, d in found])
    return found_by_page


def measure(running: Browser, port: int, faces: Sequence[Face]) -> Measured:
    """Every face in every window and mode; contrast is measured once per mode (it does not depend on size)."""
    findings: list[Finding] = []
    pages = 0
    questions = tuple(f for f in faces if f.side == "question" and 'class="figure"' in f.html)
    faces = measured_faces(faces)
    for mode in MODES:
        for width, height in VIEWPORTS:
            session = running.tab(f"http://127.0.0.1:{port}/__dlflash/{mode}.html", width, height)
            window, contrast = f"{width}x{height}", (width, height) == VIEWPORTS[-1]
            # a figure's fit is judged on the question alone, as the learner first sees it
            shown = _pages(running, session, faces, mode, window, contrast=contrast, figures=False)
            if (width, height) in FIGURE_VIEWPORTS:
                shown += _pages(running, session, questions, mode, window, contrast=False, figures=True)
            pages += len(shown)
            findings += [finding for page in shown for finding in page]
            running.call("Target.detachFromTarget", {"sessionId": session})
    return Measured(len(faces), pages, tuple(dict.fromkeys(findings)))


def sample_faces(faces: Sequence[Face], per_type: int = 2) -> tuple[Face, ...]:
    """A few cards of each kind for the contact sheet: plain, formula, code, figure, reversible, cloze."""
    kinds: dict[str, list[Face]] = {}
    rules = (
        ("figure", lambda f: 'class="figure"' in f.html),
        ("code", lambda f: 'class="highlight"' in f.html),
        ("formula", lambda f: 'class="math formula"' in f.html),
        ("reverse", lambda f: f.template == "Reverse"),
        ("cloze", lambda f: f.template == "Cloze"),
        ("basic", lambda f: True),
    )
    answers = [f for f in faces if f.side == "answer"]
    for face in answers:
        kind = next(name for name, rule in rules if rule(face))
        chosen = kinds.setdefault(kind, [])
        if len(chosen) < per_type and all(c.card_id != face.card_id for c in chosen):
            chosen.append(face)
    picked = [f for name, _ in rules for f in kinds.get(name, [])]
    by_key = {(f.card_id, f.ordinal, f.side): f for f in faces}
    return tuple(by_key[(f.card_id, f.ordinal, side)] for f in picked for side in ("question", "answer"))


def contact_sheet(running: Browser, port: int, faces: Sequence[Face], out_dir: Path) -> Path:
    """Screenshots of ``faces`` in every window and mode, and one page of them all: ``contact-sheet.png``."""
    shots = out_dir / "contact-sheet"
    shots.mkdir(parents=True, exist_ok=True)
    rows = []
    for face in faces:
        cells = []
        for mode in MODES:
            for width, height in VIEWPORTS:
                session = running.tab(f"http://127.0.0.1:{port}/__dlflash/{mode}.html", width, height)
                show(running, session, [face], mode, contrast=False, figures=False)
                name = f"{_slug(face.label)}-{mode}-{width}x{height}.png"
                write_atomic(shots / name, running.screenshot(session))
                running.call("Target.detachFromTarget", {"sessionId": session})
                cells.append(f'<figure><img src="{name}" style="height: {height // 2}px"><figcaption>'
                             f"{mode} {width}x{height}</figcaption></figure>")
        rows.append(f'<section><h2>{face.label}</h2><div class="row">{"".join(cells)}</div></section>')
    index = shots / "index.html"
    css = ("body{font:13px sans-serif;background:#ddd;margin:12px} .row{display:flex;gap:8px;align-items:flex-start}"
           " figure{margin:0} img{border:1px solid #888;display:block} h2{font-size:13px;margin:14px 0 4px}")
    page = f"<!doctype html><meta charset=utf-8><style>{css}</style><h1>dlflash cards in Anki's reviewer</h1>"
    write_atomic(index, (page + "".join(rows)).encode("utf-8"))
    session = running.tab(index.resolve().as_uri(), 2000, 900, reviewer=False)
    sheet = out_dir / Path(CONTACT_SHEET).name
    write_atomic(sheet, running.screenshot(session, full_page=True))
    running.call("Target.detachFromTarget", {"sessionId": session})
    return sheet


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def review_deck(deck: Deck, out_dir: Path | None = None) -> Measured:
    """Measure every card as the reviewer shows it; with ``out_dir``, also write the contact sheet there."""
    executable = chromium_path()
    if executable is None:
        raise ReviewerError("Chromium not found: install Debian's `chromium`")
    with (
        reviewer_faces(deck) as (faces, media),
        media_server(media, axe_script(deck.project)) as port,
        browser(executable) as running,
    ):
        measured = measure(running, port, faces)
        if out_dir is not None:
            contact_sheet(running, port, sample_faces(faces), out_dir)
    return measured
