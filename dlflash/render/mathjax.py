"""The MathJax Anki ships, found in the project's node modules and run by node.

``package.json`` pins ``mathjax-full`` to the version Anki bundles; ``npm ci``
(run by ``make``) puts it in ``node_modules/`` beside the cards folder. The
environment variable ``DLFLASH_NODE_MODULES`` names another node_modules
folder. ``typeset.mjs`` (shipped in this package) typesets a batch of
formulas in one node process and reports MathJax's message for each that fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from dlflash.config import Project
from dlflash.errors import MathJaxUnavailable

MATHJAX_VERSION = "3.2.2"
NODE_MODULES_ENV = "DLFLASH_NODE_MODULES"
INSTALL_HINT = "run `make` or `npm ci` in the project folder"
# a whole deck typesets in well under a second; this only stops a hung node
TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class TexItem:
    """One formula to typeset: ``key`` names it in the answer."""

    key: str
    tex: str
    display: bool


def node_modules(project: Project) -> Path:
    """``$DLFLASH_NODE_MODULES``, else ``node_modules`` beside the cards folder."""
    override = os.environ.get(NODE_MODULES_ENV)
    return Path(override) if override else project.cards_dir.resolve().parent / "node_modules"


def mathjax_dir(project: Project) -> Path:
    """The pinned ``mathjax-full`` package folder, or why it cannot be used."""
    folder = node_modules(project) / "mathjax-full"
    manifest = folder / "package.json"
    if not manifest.is_file():
        raise MathJaxUnavailable(f"mathjax-full is not installed in {folder.parent}: {INSTALL_HINT}")
    version = json.loads(manifest.read_text("utf-8")).get("version")
    if version != MATHJAX_VERSION:
        raise MathJaxUnavailable(
            f"mathjax-full must be version {MATHJAX_VERSION} (the one Anki ships), not {version!r}: {INSTALL_HINT}"
        )
    return folder


def node_executable() -> str:
    node = shutil.which("node")
    if node is None:
        raise MathJaxUnavailable(f"node (Node.js) must be on PATH to typeset math: install it, then {INSTALL_HINT}")
    return node


@dataclass(frozen=True)
class TexFailure:
    """Why one item fails: MathJax's message, and whether it typesets but acts (a link, a style...)."""

    message: str
    acts: bool = False


def typeset_errors(project: Project, items: Sequence[TexItem]) -> Mapping[str, TexFailure]:
    """MathJax's verdict for every item that fails to typeset or would act in Anki, by key."""
    if not items:
        return {}
    folder = mathjax_dir(project)
    node = node_executable()
    payload = json.dumps([{"key": i.key, "tex": i.tex, "display": i.display} for i in items])
    with resources.as_file(resources.files("dlflash.render").joinpath("typeset.mjs")) as script:
        result = subprocess.run(
            [node, str(script), str(folder.parent)],
            input=payload,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    if result.returncode != 0:
        raise MathJaxUnavailable(f"typeset.mjs failed (exit {result.returncode}): {result.stderr.strip()}")
    answer = json.loads(result.stdout)
    return {str(e["key"]): TexFailure(str(e["message"]), bool(e.get("acts"))) for e in answer["errors"]}
