"""Base: importing a project's content modules (its references, its figures) from the paths its settings name.

The engine never imports deck content by a fixed module name: ``[tool.dlflash]`` names a file
or a package folder (``config.Project``), and it is imported from there under a name made from
its resolved path, so two projects in one process never share a module, and a checkout needs no
installed or ``sys.path``-registered package. Inside a content package, modules import each
other relatively (``from .layers import BATCH``).

A content module's decorators (``@figure``, ``@reference``) ``record`` what they register on the
module itself; ``collect`` gathers one project's entries into a fresh ``Registry``, so nothing
global outlives the project or mixes two projects' entries.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from dlflash.registry import Registry

MODULE_PREFIX = "dlflash_content_"
# the attribute of a content module that lists what it registered (``record``)
LOG = "__dlflash_registered__"


def module_name(path: Path) -> str:
    """The import name of the content at ``path``: stable per resolved path, distinct across projects."""
    digest = hashlib.sha256(str(path.resolve()).encode("utf-8")).hexdigest()[:12]
    return f"{MODULE_PREFIX}{digest}_{path.stem}"


def import_content(path: Path) -> ModuleType:
    """Import the module file or package folder at ``path`` once; errors propagate to the caller."""
    name = module_name(path)
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    package = path.is_dir()
    init = path / "__init__.py" if package else path
    spec = importlib.util.spec_from_file_location(
        name, init, submodule_search_locations=[str(path)] if package else None
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {str(path)!r}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before exec, as the import system does: relative imports find their package
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def record(fn: Callable[..., Any], kind: str, name: str, entry: object) -> None:
    """Note that the module defining ``fn`` registers ``entry`` as the ``kind`` called ``name``.

    The note is kept on that module, in the order written, so that ``collect`` finds one
    project's entries and no other's, and a module imported again starts a fresh list.
    """
    module = sys.modules[fn.__module__]
    log: list[tuple[str, str, object]] = module.__dict__.setdefault(LOG, [])
    log.append((kind, name, entry))


def collect(root: ModuleType, kind: str) -> Registry[Any]:
    """The ``kind`` entries recorded by the content module ``root`` and the modules of its package, in order.

    One name recorded twice, in one file or two, is refused: cards could not say which they mean.
    """
    found: Registry[Any] = Registry(kind)
    prefix = root.__name__ + "."
    modules = sorted((m for n, m in list(sys.modules.items()) if n == root.__name__ or n.startswith(prefix)),
                     key=lambda m: m.__name__)
    for module in modules:
        for entry_kind, name, entry in module.__dict__.get(LOG, ()):
            if entry_kind == kind:
                found.add(name, entry, where=str(getattr(module, "__file__", module.__name__)))
    return found
