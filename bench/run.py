"""``make bench``: time and peak memory of each build stage on synthetic decks, against raw genanki.

Each measurement runs in a fresh Python process (this script with ``--worker``)
so that its peak resident memory (``ru_maxrss``) is its own. The build worker
runs load, render and export in order and reports each stage's wall time and
the process's peak RSS after it (peaks only grow, so the last is the build's).
The genanki worker writes the very same notes (same fields, tags, GUIDs, note
types) with ``genanki.Package.write_to_file`` and nothing else; the checks
worker runs ``dlflash check``'s checks (validate) under a time limit. Build and
validate run twice on each deck: with a cold cache (``build/cache`` empty), then
warm (nothing changed, the command run again).

The edit loop runs ``dlflash deck`` (what ``make deck`` runs) on a copy of the real
deck after each kind of edit, then ``make deck`` twice; the targets of issue #15
are listed last, each with its measured value and whether it is met.
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
VALIDATE_SECONDS = 600  # a check run longer than this is reported as not finishing
FORMULA_EVERY = 50  # one card in this many carries a formula (parsed and printed as LaTeX)
MB = 1024 * 1024


# ---------------------------------------------------------------- synthetic decks


def synthetic_project(root: Path, cards: int) -> Path:
    """A project folder with the real cheatsheet and ``cards`` synthetic cards in up to 100 files."""
    folder = root / "cards"
    folder.mkdir(parents=True)
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    # the settings name the project's content (references, figures) under verify/
    shutil.copytree(REPO / "verify", root / "verify", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "cards" / "cheatsheet.md", folder / "cheatsheet.md")
    sys.path.insert(0, str(REPO))
    from dlflash.config import load_project
    from dlflash.sources.facts import load_facts

    fact_ids = [f.id for f in load_facts(folder / "cheatsheet.md", load_project(folder).section_ids)]
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
    from dlflash.config import load_project
    from dlflash.deck import open_deck
    from dlflash.sources.cards import load_cards

    imported = time.perf_counter() - started
    project = load_project(cards_dir)
    cards = _timed(stages, "load", lambda: load_cards(project.cards_dir))
    with open_deck(project, cards) as deck:
        _timed(stages, "render", lambda: (deck.notes, deck.media, deck.descriptions))

        def export() -> None:
            old = read_ledger(project.ledger)
            package = plan_package(deck.notes, deck.media, old, now(), deck.descriptions)
            if package.ledger != old:  # as `dlflash build` does: an unchanged ledger is not rewritten
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


def _run_check(check: Callable[[Any], Iterable[Any]], deck: Any) -> list[Any]:
    return list(check(deck))


def worker_validate(cards_dir: Path) -> dict[str, Any]:
    """``dlflash check``'s checks after loading, each timed (lint's near-identical rule is pairwise)."""
    from dlflash.checks.run import CHECKS
    from dlflash.config import load_project
    from dlflash.deck import open_deck

    stages: dict[str, dict[str, float]] = {}
    with open_deck(load_project(cards_dir)) as deck:
        # the math check renders the deck (the context keeps it): its time includes rendering
        for name, check in CHECKS.items():
            _timed(stages, name, partial(_run_check, check, deck))
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
    progress(f"{size} cards: load, render, export (cold cache, then warm)")
    build = run_worker("build", str(cards_dir), str(out), str(notes_json))
    warm_build = run_worker("build", str(cards_dir), str(out), str(notes_json))
    progress(f"{size} cards: raw genanki")
    raw = run_worker("genanki", str(notes_json), str(root / "raw.apkg"))
    progress(f"{size} cards: validate (checks, at most {VALIDATE_SECONDS} s; cold cache, then warm)")
    shutil.rmtree(root / "build" / "cache" / "mathjax", ignore_errors=True)
    shutil.rmtree(root / "build" / "cache" / "formula-checks", ignore_errors=True)
    validate = run_worker("validate", str(cards_dir), timeout=VALIDATE_SECONDS)
    warm_validate = run_worker("validate", str(cards_dir), timeout=VALIDATE_SECONDS)
    assert build is not None and warm_build is not None and raw is not None
    shutil.rmtree(root)
    return {"size": size, "build": build, "warm_build": warm_build, "raw": raw, "validate": validate,
            "warm_validate": warm_validate}


def timed_command(command: list[str], cwd: Path = REPO) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, check=False)
    return time.perf_counter() - started, done.returncode


def _verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def targets(loop: dict[str, float], results: list[dict[str, Any]]) -> Iterator[str]:
    card, noop = loop["edit one card, warm cache"], loop["no-op `make deck` (make finds nothing newer)"]
    yield f"| edit one card → `make deck` ≤ 1.5 s | {card:.2f} s | {_verdict(card <= 1.5)} |"
    yield f"| no-op `make deck` ≤ 0.1 s | {noop:.2f} s | {_verdict(noop <= 0.1)} |"
    formula = loop["edit one formula"]
    yield f"| edit one formula → `make deck` ≤ 4 s | {formula:.2f} s | {_verdict(formula <= 4)} |"
    by_size = {r["size"]: r for r in results}
    for r in results:
        raw = r["raw"]["stages"]["genanki"]["seconds"]
        warm, cold = build_seconds(r["warm_build"]) / raw, build_seconds(r["build"]) / raw
        yield f"| warm build ≤ 3x raw genanki at {r['size']:,} | {warm:.2f}x | {_verdict(warm <= 3)} |"
        yield f"| cold build ≤ 8x raw genanki at {r['size']:,} | {cold:.2f}x | {_verdict(cold <= 8)} |"
    def check_seconds(size: int) -> float | None:
        validate = by_size[size]["validate"] if size in by_size else None
        return None if validate is None else float(validate["stages"]["validate"]["seconds"])
    ten, hundred = check_seconds(10_000), check_seconds(100_000)
    if 10_000 in by_size:
        shown = "did not finish" if ten is None else f"{ten:.2f} s"
        yield f"| `dlflash check` cold at 10,000 ≤ 10 s | {shown} | {_verdict(ten is not None and ten <= 10)} |"
    if 100_000 in by_size:
        growth = None if ten is None or hundred is None else hundred / ten
        shown = "did not finish" if hundred is None else f"{hundred:.2f} s" + (
            "" if growth is None else f", {growth:.1f}x the 10,000 time")
        met = growth is not None and growth <= 12
        yield f"| `dlflash check` at 100,000 finishes, ≤ 12x the 10,000 time | {shown} | {_verdict(met)} |"
        peak = by_size[100_000]["build"]["stages"]["export"]["peak_mb"]
        yield f"| peak memory of the 100,000 build < 1 GB | {peak:.0f} MB | {_verdict(peak < 1024)} |"


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout.split("\n")[1].split()
    return f"{cpu}, nproc {os.cpu_count()}, memory {memory[1] if len(memory) > 1 else '?'} (free -h), " \
           f"Python {platform.python_version()}"


def _row(size: int, stage: str, cache: str, seconds: float | None, peak: float | None, note: str = "") -> str:
    shown = "—" if seconds is None else f"{seconds:.2f}"
    memory = "—" if peak is None else f"{peak:.0f}"
    return f"| {size:,} | {stage} | {cache} | {shown} | {memory} | {note} |"


STAGES = ("load", "render", "export")


def build_seconds(build: dict[str, Any]) -> float:
    return float(sum(build["stages"][n]["seconds"] for n in STAGES))


def table(results: list[dict[str, Any]]) -> Iterator[str]:
    yield "| cards | stage | cache | wall s | peak RSS MB | note |"
    yield "|---:|---|---|---:|---:|---|"
    for r in results:
        size = r["size"]
        raw = r["raw"]["stages"]["genanki"]
        for cache, build in (("cold", r["build"]), ("warm", r["warm_build"])):
            stages = build["stages"]
            for name in STAGES:
                yield _row(size, name, cache, stages[name]["seconds"], stages[name]["peak_mb"])
            ratio = build_seconds(build) / raw["seconds"]
            yield _row(size, "**build** (load+render+export)", cache, build_seconds(build), stages["export"]["peak_mb"],
                       f"{ratio:.2f}x raw genanki; +{build['import_seconds']:.2f} s imports")
        yield _row(size, "raw genanki (same notes)", "", raw["seconds"], raw["peak_mb"])
        for cache, validate in (("cold", r["validate"]), ("warm", r["warm_validate"])):
            if validate is None:
                yield _row(size, "validate (dlflash check)", cache, None, None,
                           f"did not finish in {VALIDATE_SECONDS} s")
                continue
            parts = ", ".join(f"{n} {s['seconds']:.1f}" for n, s in validate["stages"].items() if n != "validate")
            yield _row(size, "validate (dlflash check)", cache, validate["stages"]["validate"]["seconds"],
                       validate["stages"]["validate"]["peak_mb"], parts)


# ---------------------------------------------------------------- the edit loop on the real deck


def real_project(scratch: Path) -> Path:
    """A copy of this project (cards, references, settings) whose ledger and cache the loop may change."""
    root = scratch / "real"
    shutil.copytree(REPO / "cards", root / "cards")
    shutil.copytree(REPO / "verify", root / "verify", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    (root / "node_modules").symlink_to(REPO / "node_modules")
    for name in ("Makefile", "package.json", "package-lock.json"):
        shutil.copy(REPO / name, root / name)
    return root


def noop_make_deck(root: Path) -> tuple[float, int]:
    """``make deck`` twice in the copy, with this interpreter's venv; the second finds nothing to do.

    The install stamps are files newer than what they depend on, so make never installs anything.
    """
    stamps = {"INSTALLED": root / ".stamp-install", "NODE_INSTALLED": root / ".stamp-node"}
    for stamp in stamps.values():
        stamp.touch()
    command = ["make", "deck", f"BIN={Path(sys.executable).parent}", *(f"{k}={v}" for k, v in stamps.items())]
    timed_command(command, root)
    return timed_command(command, root)


def edit_loop(scratch: Path) -> dict[str, float]:
    """``dlflash deck`` (what ``make deck`` runs) after each kind of edit, on a copy of the real deck."""
    root = real_project(scratch)
    deck = [str(Path(sys.executable).parent / "dlflash"), "deck", "--out", str(root / "deck.apkg")]
    card_file = root / "cards" / "01-basics.yaml"
    text = card_file.read_text("utf-8")
    seconds: dict[str, float] = {}

    def timed(name: str) -> None:
        took, status = timed_command(deck, root)
        if status != 0:
            raise SystemExit(f"bench: dlflash deck failed after {name} (exit {status})")
        seconds[name] = took

    def edit(old: str, new: str) -> None:
        """One change from the original text: the file then differs from it in exactly that."""
        assert old in text, f"the bench edits {card_file.name}: {old!r} is no longer in it"
        card_file.write_text(text.replace(old, new, 1), "utf-8")

    progress("real deck: dlflash deck with a cold cache, after editing one card")
    edit("back: The whole dataset", "back: The entire dataset")
    timed("edit one card, cold cache")
    progress("real deck: edit one card, warm cache")
    edit("back: The whole dataset", "back: All of the dataset")
    timed("edit one card, warm cache")
    progress("real deck: edit one formula")
    # the same product, written so that it is another formula to verify
    card_file.write_text(text.replace("back: The whole dataset", "back: All of the dataset", 1)
                         .replace("      steps: A @ B\n", "      steps: matmul(A, B)\n", 1), "utf-8")
    timed("edit one formula")
    progress("real deck: nothing changed, dlflash deck forced")
    timed("nothing changed (forced)")
    progress("real deck: make deck, then a no-op make deck")
    noop, status = noop_make_deck(root)
    if status != 0:
        raise SystemExit(f"bench: make deck failed in {root} (exit {status})")
    seconds["no-op `make deck` (make finds nothing newer)"] = noop
    return seconds


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
        loop = edit_loop(Path(scratch))
        results = [measure(size, Path(scratch)) for size in sizes]
    lines = [
        f"Machine: {machine()}",
        "",
        "The edit loop on the real deck (`dlflash deck`, the one command `make deck` runs):",
        "",
        "| after | wall s |",
        "|---|---:|",
        *(f"| {name} | {took:.2f} |" for name, took in loop.items()),
        "",
        *table(results),
        "",
        "Targets (issue #15):",
        "",
        "| target | measured | |",
        "|---|---|---|",
        *targets(loop, results),
    ]
    report = "\n".join(lines) + "\n"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(report, "utf-8")
    print(report, end="")


if __name__ == "__main__":
    main()
