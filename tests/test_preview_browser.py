"""The preview of the real deck in headless Chromium: MathJax typesets every formula, nothing errs.

The page reports on itself (``<pre id="mathjax-status">``: MathJax done, and
every TeX error, ``merror``, uncaught error, ``console.error`` and blocked
request), so Chromium's ``--dump-dom`` is enough to drive it: no browser
driver to install. Without Chromium the test is skipped with the reason in
pytest's summary; under CI (``$CI`` set) it fails instead, so CI always runs it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from dlflash.checks.typeset import find_math
from dlflash.cli import main
from dlflash.render.mathjax import NODE_MODULES_ENV

REPO = Path(__file__).resolve().parent.parent
NODE_MODULES = REPO / "node_modules"
PREVIEW = REPO / "build" / "preview.html"
SCREENSHOT = REPO / "build" / "preview.png"
STATUS_START = '<pre id="mathjax-status">'
# virtual time lets MathJax finish before the DOM is dumped, however slow the machine
VIRTUAL_TIME_MS = 60_000
TIMEOUT_SECONDS = 180
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",  # tests may run as root (containers, CI)
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
    f"--virtual-time-budget={VIRTUAL_TIME_MS}",
)


def chromium() -> str:
    found = next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)
    if found is None and Path("/usr/bin/chromium").is_file():
        found = "/usr/bin/chromium"
    if found is None:
        reason = "Chromium not found: install Debian's `chromium` (make test does where apt is available)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the browser test")
        pytest.skip(reason)
    if not (NODE_MODULES / "mathjax-full").is_dir():
        pytest.fail("node_modules/mathjax-full is missing: run `make` or `npm ci`")
    return found


def run_chromium(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)


def page_status(browser: str, page: Path, profile: Path) -> tuple[dict[str, object], str, str]:
    """The page's own report after MathJax ran, the dumped DOM, and Chromium's log."""
    result = run_chromium(browser, profile, "--dump-dom", page.resolve().as_uri())
    assert STATUS_START in result.stdout, f"Chromium did not load the page (exit {result.returncode}): {result.stderr}"
    text = result.stdout.split(STATUS_START, 1)[1].split("</pre>", 1)[0]
    return (
        json.loads(text.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")),
        (result.stdout),
        result.stderr,
    )


def write_preview(cards: Path, out: Path) -> None:
    result = CliRunner().invoke(main, ["preview", "--cards", str(cards), "--out", str(out)])
    assert result.exit_code == 0, result.output


def test_real_deck_typesets_in_chromium_without_errors(tmp_path: Path) -> None:
    browser = chromium()
    write_preview(REPO / "cards", PREVIEW)
    status, dom, log = page_status(browser, PREVIEW, tmp_path / "profile")
    assert status == {"done": True, "errors": []}
    formulas = [s for s in find_math(PREVIEW.read_text("utf-8")) if s.closed]
    assert dom.count("<mjx-container") == len(formulas)
    assert "Uncaught" not in log

    shot = run_chromium(
        browser,
        tmp_path / "profile-shot",
        "--window-size=1400,1800",
        f"--screenshot={SCREENSHOT}",
        PREVIEW.resolve().as_uri(),
    )
    assert shot.returncode == 0, shot.stderr
    assert SCREENSHOT.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def bad_deck_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, back: str) -> Path:
    monkeypatch.setenv(NODE_MODULES_ENV, str(NODE_MODULES))
    cards = tmp_path / "cards"
    cards.mkdir()
    bad = {"id": "bad-math", "type": "basic", "front": "What is it?", "back": back}
    (cards / "01-test.yaml").write_text(yaml.safe_dump({"title": "Test", "cards": [bad]}), "utf-8")
    page = tmp_path / "preview.html"
    write_preview(cards, page)
    return page


def test_the_browser_test_sees_formulas_anki_would_show_as_raw_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = chromium()
    page = bad_deck_page(tmp_path, monkeypatch, r"It is \(\foo{x}\) or \(\frac{1}{2}}\).")
    status, _dom, _log = page_status(browser, page, tmp_path / "profile")
    assert status["done"] is True
    errors = status["errors"]
    assert isinstance(errors, list)
    undefined = {"kind": "merror", "message": r"Undefined control sequence \foo", "where": "note-bad-math"}
    brace = {"kind": "merror", "message": "Extra close brace or missing open brace", "where": "note-bad-math"}
    # one card back, shown in day and in night mode
    assert [e for e in errors if e["kind"] == "merror"] == [undefined, brace, undefined, brace]
    assert {"kind": "TeX", "message": brace["message"], "where": r"\frac{1}{2}}"} in errors


def test_the_browser_test_sees_console_errors_and_network_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = chromium()
    page = bad_deck_page(tmp_path, monkeypatch, r"It is \(x\).")
    html = page.read_text("utf-8")
    intruder = '<script>console.error("boom")</script><img src="http://example.invalid/x.png"></body>'
    page.write_text(html.replace("</body>", intruder), "utf-8")
    status, _dom, _log = page_status(browser, page, tmp_path / "profile")
    errors = status["errors"]
    assert isinstance(errors, list)
    kinds = {(e["kind"], e["message"]) for e in errors}
    assert ("console.error", "boom") in kinds
    assert ("blocked request", "img-src") in kinds
