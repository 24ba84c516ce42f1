"""Base: importing a project's content modules (its references, its figures) from the paths its settings name.

The engine never imports deck content by a fixed module name: ``[tool.dlflash]`` names a file
or a package folder (``config.Project``), and it is imported from there under a name made from
its resolved path, so two projects in one process never share a module, and a checkout needs no
installed or ``sys.path``-registered package. Inside a content package, modules import each
other relatively (``from .layers import BATCH``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from dlflash.errors import DataError

MODULE_PREFIX = "dlflash_content_"


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


def source_file(fn: Callable[..., Any]) -> Path | None:
    """The resolved file ``fn`` was written in: what tells two copies of one content module apart."""
    source = inspect.getsourcefile(fn)
    return Path(source).resolve() if source else None


# Entries registered by content modules are keyed by (file, name): the same module imported twice
# (by path here, by package name in its own tests) replaces its entries; a copy elsewhere adds its own.
Key = tuple[Path | None, str]
T = TypeVar("T")


def written_in(entries: Mapping[Key, T], path: Path, kind: str) -> dict[str, T]:
    """The entries written in the content at ``path`` (that file or files under that folder), by name.

    One name written in two files of the content is refused: cards could not say which they mean.
    """
    root = path.resolve()
    found: dict[str, T] = {}
    files: dict[str, Path | None] = {}
    for (file, name), entry in sorted(entries.items(), key=lambda item: (str(item[0][0]), item[0][1])):
        if file is None or not (file == root or root in file.parents):
            continue
        if name in found:
            raise DataError(f"{kind} {name!r} is registered twice: in {files[name]} and {file}")
        found[name], files[name] = entry, file
    return found
