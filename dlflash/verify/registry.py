"""The torch references formulas are checked against, and how a project's ``verify/`` registers them.

A reference is a torch computation with declared inputs (symbol -> domain).
``@reference`` registers a function of tensors; ``@optimizer`` registers a
factory of a ``torch.optim`` optimizer whose updates a formula must reproduce
step by step. Each carries an ``example`` formula that passes: the self-test of
the reference and a template for card authors. References live in the package
the project's ``[tool.dlflash] references`` setting names, imported from there
by path (``dlflash.content``), so ``dlflash verify`` works from a checkout.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from torch import Tensor

from dlflash.config import Project
from dlflash.content import collect, import_content, record
from dlflash.errors import DlflashError, ReferenceFailure, SourceFileError
from dlflash.registry import Registry

EDGES = ("random", "zeros", "ties", "extreme")
StateInit = Literal["zeros", "grad"]


@dataclass(frozen=True)
class Reference:
    """One torch reference. ``outputs`` empty means: compare the formula's value (its last step)."""

    name: str
    kind: Literal["function", "optimizer"]
    compute: Callable[..., Any]
    inputs: tuple[tuple[str, str], ...]
    example: tuple[str, ...]
    doc: str
    outputs: tuple[str, ...] = ()
    edges: tuple[str, ...] = EDGES
    # optimizers: the parameter and gradient symbols, the state and how it starts
    param: str = "w"
    grad: str = "g"
    state: tuple[tuple[str, StateInit], ...] = ()
    gradient: Callable[..., Tensor] | None = None
    fixed_sizes: tuple[tuple[str, int], ...] = ()
    # inputs computed from the drawn ones (a random mask from torch's RNG), with their domains
    derive: Callable[..., Mapping[str, Tensor]] | None = None
    derived: tuple[tuple[str, str], ...] = ()

    @property
    def symbols(self) -> tuple[str, ...]:
        """Every symbol a formula checked against this reference may read."""
        names = [n for n, _ in (*self.inputs, *self.derived)]
        if self.kind == "optimizer":
            names += [self.param, self.grad, "t", *(n for n, _ in self.state)]
        return tuple(dict.fromkeys(names))


def call_reference(ref: Reference, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` on behalf of ``ref``; whatever it raises becomes a ``ReferenceFailure``."""
    try:
        return fn(*args, **kwargs)
    except DlflashError:
        raise
    except Exception as exc:  # a reference is project code: any error is a failed case, with its message
        raise ReferenceFailure(f"reference {ref.name!r} raised {type(exc).__name__}: {exc}") from exc


def _register(ref: Reference) -> None:
    record(ref.compute, "reference", ref.name, ref)


def _doc(fn: Callable[..., Any]) -> str:
    return (inspect.getdoc(fn) or fn.__name__).splitlines()[0]


def _steps(example: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (example,) if isinstance(example, str) else tuple(example)


def reference(
    name: str,
    *,
    inputs: Mapping[str, str],
    example: str | tuple[str, ...] | list[str],
    outputs: tuple[str, ...] = (),
    edges: tuple[str, ...] = EDGES,
    sizes: Mapping[str, int] | None = None,
    derive: Callable[..., Mapping[str, Tensor]] | None = None,
    derived: Mapping[str, str] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn(**inputs) -> Tensor`` (or a dict of ``outputs``) as reference ``name``.

    ``derive(...)`` receives the inputs it names and returns the ``derived`` ones; the reference
    receives them too.
    """

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        _register(Reference(name, "function", fn, tuple(inputs.items()), _steps(example), _doc(fn),
                            outputs=outputs, edges=edges, fixed_sizes=tuple((sizes or {}).items()),
                            derive=derive, derived=tuple((derived or {}).items())))
        return fn

    return register


def optimizer(
    name: str,
    *,
    hyper: Mapping[str, str],
    example: tuple[str, ...] | list[str],
    state: Mapping[str, StateInit] | None = None,
    gradient: Callable[..., Tensor] | None = None,
    param: str = "w",
    grad: str = "g",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn(params, **hyper) -> torch.optim.Optimizer`` as reference ``name``.

    ``gradient(p, g, **hyper)``, when given, turns the drawn gradient into the one
    torch sees (for example adding an L2 penalty's gradient through autograd).
    """

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        _register(Reference(name, "optimizer", fn, tuple(hyper.items()), _steps(example), _doc(fn),
                            outputs=(param,), edges=("random", "zeros", "ties", "extreme"), param=param,
                            grad=grad, state=tuple((state or {}).items()), gradient=gradient))
        return fn

    return register


def load_references(project: Project) -> Registry[Reference]:
    """The references of the project's ``references`` package (imported once), by name."""
    folder = project.references
    if folder is None:
        raise SourceFileError(
            project.root / "pyproject.toml",
            "[tool.dlflash] references must name the package of torch references the cards' formulas are checked "
            "against",
        )
    try:
        module = import_content(folder)
    except DlflashError:
        raise
    except Exception as exc:  # a broken reference module is the project's error, reported like one
        raise ReferenceFailure(f"cannot import the references in {str(folder)!r}: {type(exc).__name__}: {exc}") from exc
    return collect(module, "reference")
