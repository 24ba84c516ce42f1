"""``make bench``: time and peak memory of each build stage on synthetic decks, against raw genanki.

Each measurement runs in a fresh Python process (this script with ``--worker``)
so that its peak resident memory (``ru_maxrss``) is its own. The build worker
runs load, render and export in order and reports each stage's wall time and
the process's peak RSS after it (peaks only grow, so the last is the build's).
The genanki worker writes the very same notes (same fields, tags, GUIDs, note
types) with ``genanki.Package.write_to_file`` and nothing else; the checks
worker runs ``dlflash check``'s checks (validate) under a time limit.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SIZES = (1_000, 10_000, 100_000)
FILES = 100  # card files are NN-name.yaml: at most 100 of them
VALIDATE_SECONDS = 120  # a check run longer than this is reported as not finishing (lint is quadratic)
FORMULA_EVERY = 50  # one card in this many carries a formula (parsed and printed as LaTeX)
MB = 1024 * 1024


# ---------------------------------------------------------------- synthetic decks


def synthetic_project(root: Path, cards: int) -> Path:
    """A project folder with the real cheatsheet and ``cards`` synthetic cards in up to 100 files."""
    folder = root / "cards"
    folder.mkdir(parents=True)
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    shutil.copy(REPO / "cards" / "cheatsheet.md", folder / "cheatsheet.md")
    sys.path.insert(0, str(REPO))
    from dlflash.sources.facts import load_facts

    fact_ids = [f.id for f in load_facts(folder / "cheatsheet.md")]
    files = min(FILES, cards)
    for number in range(files):
        chunk = range(number * cards // files, (number + 1) * cards // files)
        body = "".join(_card(i, fact_ids[i % len(fact_ids)]) for i in chunk)
        (folder / f"{number:02d}-bench.yaml").write_text(f"title: Bench {number}\ncards:\n{body}", "utf-8")
    return folder


def _card(i: int, fact: str) -> str:
    head = f"  - id: bench-card-{i}\n"
    tail = f"    tags: [bench, topic-{i % 50}]\n    covers: [{fact}]\n"
    if i % 3 == 0:
        text = f"Card {i}: the {{{{c1::softmax}}}} of \\\\(z_{{{i % 7}}}\\\\) sums to {{{{c2::one}}}} over classes {i}."
        return head + f'    type: cloze\n    text: "{text}"\n' + tail
    formula = ""
    if i % FORMULA_EVERY == 1:
        formula = "    formula:\n      steps: mean((y - y_hat)**2)\n      reference: mse_loss\n"
    return head + (
        "    type: basic\n"
        f"    front: What does `layer_{i}(x)` return for input \\(x_{{{i}}}\\) in case {i}?\n"
        "    back: |-\n"
        f"      The value \\(\\sigma(w^\\top x_{{{i}}} + b)\\), computed as\n"
        "      ```python\n"
        f"      y = torch.sigmoid(x @ w + {i})\n"
        "      ```\n"
    ) + formula + tail


# ---------------------------------------------------------------- workers (one process each)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _timed(stages: dict[str, dict[str, float]], name: str, run: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    value = run()
    stages[name] = {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb()}
    return value


def worker_build(cards_dir: Path, out: Path, notes_json: Path) -> dict[str, Any]:
    """Load, render and export as ``dlflash build`` does; the notes are saved for the genanki worker."""
    stages: dict[str, dict[str, float]] = {}
    started = time.perf_counter()
    from dlflash.anki.ledger import now, read_ledger, write_ledger
    from dlflash.anki.package import plan_package, write_package
    from dlflash.build import rendered_deck
    from dlflash.config import load_project
    from dlflash.sources.cards import load_cards

    imported = time.perf_counter() - started
    project = load_project(cards_dir)
    cards = _timed(stages, "load", lambda: load_cards(project.cards_dir))
    render_started = time.perf_counter()
    with rendered_deck(project, cards) as deck:
        stages["render"] = {"seconds": time.perf_counter() - render_started, "peak_mb": _peak_mb()}

        def export() -> None:
            old = read_ledger(project.ledger)
            package = plan_package(deck.notes, deck.media, old, now())
            write_ledger(project.ledger, package.ledger)
            write_package(package, out)

        _timed(stages, "export", export)
        notes = [{"guid": n.guid, "type": n.note_type, "deck": n.deck_name, "fields": n.fields, "tags": n.tags}
                 for n in deck.notes]
    notes_json.write_text(json.dumps(notes), "utf-8")
    return {"stages": stages, "import_seconds": imported, "notes": len(notes)}


def worker_genanki(notes_json: Path, out: Path) -> dict[str, Any]:
    """The same notes written by genanki alone: the floor any exporter on genanki stands on."""
    notes = json.loads(notes_json.read_text("utf-8"))
    import genanki

    from dlflash.anki.notetypes import NOTE_TYPES, genanki_model
    from dlflash.anki.package import deck_id

    started = time.perf_counter()
    models = {t: genanki_model(spec) for t, spec in NOTE_TYPES.items()}
    decks: dict[str, genanki.Deck] = {}
    for note in notes:
        deck = decks.setdefault(note["deck"], genanki.Deck(deck_id(note["deck"]), note["deck"]))
        deck.add_note(genanki.Note(model=models[note["type"]], fields=note["fields"], tags=note["tags"],
                                   guid=note["guid"]))
    genanki.Package(list(decks.values())).write_to_file(str(out))
    return {"stages": {"genanki": {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb()}}}


def _run_check(check: Callable[[Any, Any], Iterable[Any]], project: Any, cards: Any) -> list[Any]:
    return list(check(project, cards))


def worker_validate(cards_dir: Path) -> dict[str, Any]:
    """``dlflash check``'s checks after loading, each timed (lint's near-identical rule is pairwise)."""
    from dlflash.checks.run import CHECKS
    from dlflash.config import load_project
    from dlflash.sources.cards import load_cards

    project = load_project(cards_dir)
    cards = load_cards(project.cards_dir)
    stages: dict[str, dict[str, float]] = {}
    for name, check in CHECKS:
        _timed(stages, name, partial(_run_check, check, project, cards))
    total = sum(s["seconds"] for s in stages.values())
    stages["validate"] = {"seconds": total, "peak_mb": _peak_mb()}
    return {"stages": stages}


# ---------------------------------------------------------------- the driver


def run_worker(kind: str, *args: str, timeout: float | None = None) -> dict[str, Any] | None:
    """Run one worker in a fresh interpreter; None when it did not finish within ``timeout``."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True, cwd=REPO)
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"bench worker {kind} failed:\n{exc.stderr}") from exc
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def progress(message: str) -> None:
    """On a terminal, say what runs now; piped or in CI, stay quiet."""
    if sys.stderr.isatty():
        print(f"bench: {message}", file=sys.stderr, flush=True)


def measure(size: int, scratch: Path) -> dict[str, Any]:
    root = scratch / f"deck-{size}"
    progress(f"{size} cards: writing the synthetic deck")
    cards_dir = synthetic_project(root, size)
    notes_json, out = root / "notes.json", root / "deck.apkg"
    progress(f"{size} cards: load, render, export")
    build = run_worker("build", str(cards_dir), str(out), str(notes_json))
    progress(f"{size} cards: raw genanki")
    raw = run_worker("genanki", str(notes_json), str(root / "raw.apkg"))
    progress(f"{size} cards: validate (checks, at most {VALIDATE_SECONDS} s)")
    validate = run_worker("validate", str(cards_dir), timeout=VALIDATE_SECONDS)
    assert build is not None and raw is not None
    shutil.rmtree(root)
    return {"size": size, "build": build, "raw": raw, "validate": validate}


def timed_command(command: list[str]) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, check=False)
    return time.perf_counter() - started, done.returncode


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout.split("\n")[1].split()
    return f"{cpu}, nproc {os.cpu_count()}, memory {memory[1] if len(memory) > 1 else '?'} (free -h), " \
           f"Python {platform.python_version()}"


def _row(size: int, stage: str, seconds: float | None, peak: float | None, note: str = "") -> str:
    shown = "—" if seconds is None else f"{seconds:.2f}"
    memory = "—" if peak is None else f"{peak:.0f}"
    return f"| {size:,} | {stage} | {shown} | {memory} | {note} |"


def table(results: list[dict[str, Any]]) -> Iterator[str]:
    yield "| cards | stage | wall s | peak RSS MB | note |"
    yield "|---:|---|---:|---:|---|"
    for r in results:
        size, stages = r["size"], r["build"]["stages"]
        for name in ("load", "render", "export"):
            yield _row(size, name, stages[name]["seconds"], stages[name]["peak_mb"])
        build = sum(stages[n]["seconds"] for n in ("load", "render", "export"))
        raw = r["raw"]["stages"]["genanki"]
        ratio = build / raw["seconds"]
        yield _row(size, "**build** (load+render+export)", build, stages["export"]["peak_mb"],
                   f"{ratio:.2f}x raw genanki; +{r['build']['import_seconds']:.2f} s imports")
        yield _row(size, "raw genanki (same notes)", raw["seconds"], raw["peak_mb"])
        validate = r["validate"]
        if validate is None:
            yield _row(size, "validate (dlflash check)", None, None, f"did not finish in {VALIDATE_SECONDS} s")
        else:
            parts = ", ".join(f"{n} {s['seconds']:.1f}" for n, s in validate["stages"].items() if n != "validate")
            yield _row(size, "validate (dlflash check)", validate["stages"]["validate"]["seconds"],
                       validate["stages"]["validate"]["peak_mb"], parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated card counts")
    parser.add_argument("--out", default=str(REPO / "build" / "bench.md"))
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        workers: dict[str, Callable[..., dict[str, Any]]] = {
            "build": worker_build, "genanki": worker_genanki, "validate": worker_validate,
        }
        print(json.dumps(workers[kind](*map(Path, rest))))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="dlflash-bench-") as scratch:
        results = [measure(size, Path(scratch)) for size in sizes]
    progress("dlflash verify on the real deck")
    verify_seconds, verify_status = timed_command([str(REPO / ".venv" / "bin" / "dlflash"), "verify"])
    progress("make deck (to bring the deck up to date), then a no-op make deck")
    timed_command(["make", "deck"])
    noop_seconds, noop_status = timed_command(["make", "deck"])
    lines = [
        f"Machine: {machine()}",
        "",
        *table(results),
        "",
        f"- `dlflash verify` on the real deck (torch import included): {verify_seconds:.2f} s"
        + ("" if verify_status == 0 else f" (exit status {verify_status})"),
        f"- no-op `make deck`: {noop_seconds:.2f} s" + ("" if noop_status == 0 else f" (exit status {noop_status})"),
    ]
    report = "\n".join(lines) + "\n"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(report, "utf-8")
    print(report, end="")


if __name__ == "__main__":
    main()
