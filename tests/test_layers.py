"""The folder tree is the pipeline: a module imports only from its own stage or an earlier one.

The stages, in import order, are the packages of ``dlflash``; ``model``, ``errors``, ``config`` and
``fileio`` are the base every stage may use, and ``build``, ``preview`` and ``cli`` come last.
Function-level imports count too (they are how an upward import hides).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "dlflash"
STAGES = (
    ("model", "errors", "messages", "registry", "recording", "config", "fileio", "codec", "content", "cache"),
    ("sources",),
    ("text",),
    ("formula",),
    ("verify",),
    ("anki",),
    ("render",),
    ("deck",),
    ("checks",),
    ("report",),
    ("build", "preview", "reviewer"),
    ("cli",),
)
RANK = {name: rank for rank, names in enumerate(STAGES) for name in names}


def _stage(module: str) -> str:
    """``dlflash.sources.cards`` -> ``sources``; ``dlflash`` itself -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text("utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            if node.module == "dlflash":  # `from dlflash import x` imports the module dlflash.x
                found += [(node.lineno, f"dlflash.{alias.name}") for alias in node.names]
    return [(line, name) for line, name in found if name.startswith("dlflash.")]


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def test_every_module_belongs_to_a_known_stage() -> None:
    unknown = sorted({_stage(_module_name(p)) for p in MODULES} - set(RANK) - {""})
    assert unknown == [], f"modules outside the listed stages: {unknown}; add them to STAGES in order"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_module_imports_only_from_its_stage_or_earlier(path: Path) -> None:
    here = _stage(_module_name(path))
    if here == "":
        return
    upward = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {here} imports {name} (a later stage)"
        for line, name in _imports(path)
        if RANK.get(_stage(name), -1) > RANK[here]
    ]
    assert upward == []


def test_no_import_cycle_between_modules() -> None:
    graph = {_module_name(p): {n for _, n in _imports(p) if n != _module_name(p)} for p in MODULES}
    names = set(graph)
    # an import of a package counts as an import of its __init__ module
    graph = {m: {n for n in deps if n in names} for m, deps in graph.items()}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycles.append([*trail[trail.index(dep) :], dep] if dep in trail else [node, dep])
            elif dep not in state:
                visit(dep, [*trail, dep])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []
