"""Stage: the PyTorch facts the cards state (``Card.api``) checked against the installed torch.

A claim's ``name`` is a dotted name from ``torch`` or a small expression over it
(``torch.finfo(torch.float16).max``). It is resolved by walking its AST with an allow-list —
never ``eval``: names start at ``torch``; attributes are public (no ``_``) and never leave
torch for another module (``torch.os`` is refused); calls take only literals or such dotted
names, and may call only torch classes (``torch.finfo``) or the few pure factories in
``PURE_CALLS``, so a card file cannot make verify load, save or run anything.

A stated default is compared with the real one, found in this order:

1. ``inspect.signature`` (Python functions and classes: the ``__init__`` defaults);
2. for C functions without a signature (``torch.Tensor.std``), the signatures torch documents
   in the docstring's first lines (one per overload); every overload naming the parameter must
   give the same default, else it cannot be checked;
3. for a tensor method or a ``torch.`` function, a call on a seeded tensor with and without the
   stated value must give the same result (``correction=0`` changes ``std``, ``correction=1``
   does not), which confirms the documented default by behaviour.

A default none of these reaches is reported as unchecked, in the table, never as passed.
"""

from __future__ import annotations

import ast
import inspect
import math
import re
import types
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch

from dlflash.errors import ApiError
from dlflash.messages import did_you_mean
from dlflash.model import ApiClaim, Card
from dlflash.verify.claims import ClaimResult, Status

# Functions (not classes) a claim may call: pure, cheap, no files, no global state.
PURE_CALLS = frozenset({
    "torch.tensor", "torch.zeros", "torch.ones", "torch.empty", "torch.get_default_dtype", "torch.finfo", "torch.iinfo",
})
# How a default was established: shown in the table so the reader knows how strong the check is.
HOW_SIGNATURE = "signature"
HOW_DOCUMENTED = "documented"
HOW_CALLED = "called"




def verify_api(cards: Sequence[Card]) -> list[ClaimResult]:
    """Every api claim of ``cards``, in card order."""
    return [check_claim(card.id, claim) for card in cards for claim in card.api]


def check_claim(card_id: str, claim: ApiClaim) -> ClaimResult:
    try:
        target = resolve(claim.name)
    except ApiError as exc:
        return ClaimResult(card_id, claim, "FAIL", "does not resolve", str(exc))
    checked = ["resolves"]
    unchecked: list[str] = []
    for param, stated in claim.defaults:
        try:
            how = check_default(target, claim.name, param, stated)
        except ApiError as exc:
            return ClaimResult(card_id, claim, "FAIL", "; ".join(checked), str(exc), tuple(unchecked))
        if how is None:
            unchecked.append(f"default of {param!r} cannot be checked (no signature, no single documented default)")
        else:
            checked.append(f"{param} ({how})")
    if claim.value is not None:
        try:
            expected = stated_value(claim.value)
        except ApiError as exc:
            return ClaimResult(card_id, claim, "FAIL", "; ".join(checked), str(exc), tuple(unchecked))
        if not same_value(expected, target):
            failure = f"{claim.name} is {target!r} in torch {torch.__version__}, not {claim.value}"
            return ClaimResult(card_id, claim, "FAIL", "; ".join(checked), failure, tuple(unchecked))
        checked.append("value")
    status: Status = "unchecked" if unchecked else "ok"
    return ClaimResult(card_id, claim, status, "; ".join(checked), "", tuple(unchecked))


# --- resolving a name or small expression --------------------------------------------------------


def resolve(text: str) -> object:
    """The torch object ``text`` names, by the allow-listed walk described in the module docstring."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ApiError(f"{text!r} is not a dotted name or expression: {exc.msg}") from exc
    return _value(tree.body, text)


def _value(node: ast.expr, text: str) -> object:
    if isinstance(node, ast.Name):
        if node.id != "torch":
            raise ApiError(f"{text!r}: names start at 'torch' (write the full name, e.g. torch.nn.functional.relu)")
        return torch
    if isinstance(node, ast.Attribute):
        owner = _value(node.value, text)
        return _attribute(owner, node.attr, ast.unparse(node.value))
    if isinstance(node, ast.Call):
        return _call(node, text)
    raise ApiError(f"{text!r}: only names, attributes and calls with literal arguments are allowed, "
                   f"not {type(node).__name__}")


def _attribute(owner: object, attr: str, owner_text: str) -> object:
    if attr.startswith("_"):
        raise ApiError(f"{owner_text}.{attr}: private and special attributes are not API facts")
    try:
        value = getattr(owner, attr)
    except AttributeError:
        public = sorted(n for n in dir(owner) if not n.startswith("_"))
        raise ApiError(f"{owner_text} has no {attr!r}{did_you_mean(attr, public)}") from None
    if isinstance(value, types.ModuleType) and not value.__name__.startswith("torch"):
        raise ApiError(f"{owner_text}.{attr} is the module {value.__name__!r}, not part of torch")
    return value


def _call(node: ast.Call, text: str) -> object:
    callee = _value(node.func, text)
    name = ast.unparse(node.func)
    torch_class = isinstance(callee, type) and getattr(callee, "__module__", "").startswith("torch")
    if not torch_class and name not in PURE_CALLS:
        raise ApiError(f"{text!r}: a claim may call torch classes and {', '.join(sorted(PURE_CALLS))}, not {name}")
    args = [_argument(a, text) for a in node.args]
    kwargs = {k.arg: _argument(k.value, text) for k in node.keywords if k.arg is not None}
    if len(kwargs) != len(node.keywords):
        raise ApiError(f"{text!r}: '**' arguments are not allowed")
    try:
        return callee(*args, **kwargs)  # type: ignore[operator]
    except Exception as exc:  # torch refusing the arguments is a wrong claim, not a crash
        raise ApiError(f"{ast.unparse(node)} fails: {type(exc).__name__}: {exc}") from None


def _argument(node: ast.expr, text: str) -> object:
    if isinstance(node, ast.Name | ast.Attribute):
        return _value(node, text)
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise ApiError(f"{text!r}: call arguments must be literals or torch names: {ast.unparse(node)}") from None


def stated_value(text: str) -> object:
    """A stated default or value: a Python literal (``0.1``, ``(0.9, 0.999)``, ``'mean'``) or a torch name."""
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        pass
    try:
        return resolve(text)
    except ApiError:
        raise ApiError(f"stated value {text!r} is neither a Python literal nor a torch name "
                       f"(quote strings inside the YAML string: \"'mean'\")") from None


def same_value(stated: object, real: object) -> bool:
    """Equal as the card means it: numbers by value (``1e-08`` is ``1e-8``), booleans only as booleans."""
    if isinstance(stated, bool) or isinstance(real, bool):
        return type(stated) is type(real) and stated == real
    if isinstance(stated, int | float) and isinstance(real, int | float):
        return math.isclose(stated, real, rel_tol=1e-12, abs_tol=0.0) or stated == real
    if isinstance(stated, tuple | list) and isinstance(real, tuple | list):
        return len(stated) == len(real) and all(same_value(a, b) for a, b in zip(stated, real, strict=True))
    try:
        return bool(stated == real)
    except Exception:
        return False


# --- defaults ------------------------------------------------------------------------------------


_MISSING = object()


def check_default(target: object, name: str, param: str, stated: str) -> str | None:
    """How the stated default was confirmed, or None when it cannot be checked; a wrong one raises."""
    expected = stated_value(stated)
    real, how = _real_default(target, param, name)
    if how is None:
        behaviour = _called_default(target, name, param, expected)
        if behaviour is False:
            raise ApiError(f"{name}: calling it with {param}={stated} changes the result, so {stated} is not the "
                           "default")
        return HOW_CALLED if behaviour else None
    if real is _MISSING:
        raise ApiError(f"{name} has no default for {param!r} ({how})")
    if not same_value(expected, real):
        raise ApiError(f"{name}: default of {param!r} is {real!r} in torch {torch.__version__}, not {stated}")
    if how == HOW_DOCUMENTED:
        behaviour = _called_default(target, name, param, expected)
        if behaviour is False:
            raise ApiError(f"{name}: calling it with {param}={stated} changes the result, so {stated} is not the "
                           f"default (the documentation says {real!r})")
        if behaviour is True:
            return f"{HOW_DOCUMENTED}, {HOW_CALLED}"
    return how


def _real_default(target: object, param: str, name: str) -> tuple[object, str | None]:
    """(the real default, how it was found); (_MISSING, how) when the parameter has none."""
    try:
        signature = inspect.signature(target)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        signature = None
    if signature is not None and not _only_varargs(signature):
        if param not in signature.parameters:
            names = [p for p in signature.parameters if p not in ("self", "args", "kwargs")]
            raise ApiError(f"{name} has no parameter {param!r}{did_you_mean(param, names)}")
        default = signature.parameters[param].default
        return (_MISSING if default is inspect.Parameter.empty else default), HOW_SIGNATURE
    documented = documented_defaults(target, name, param)
    if documented is None:
        return _MISSING, None
    if not documented:
        hint = did_you_mean(param, sorted(documented_parameters(target, name)))
        raise ApiError(f"{name} documents no parameter {param!r}{hint}")
    values = {repr(v) for v in documented}
    if len(values) > 1:
        return _MISSING, None
    return documented[0], HOW_DOCUMENTED


def _only_varargs(signature: inspect.Signature) -> bool:
    kinds = {p.kind for p in signature.parameters.values()}
    return bool(kinds) and kinds <= {inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD}


# A documented overload: ``std(dim=None, *, correction=1, keepdim=False) -> Tensor`` at a line start.
_OVERLOAD = re.compile(r"^\s*([A-Za-z_][\w.]*)\((.*?)\)\s*(->.*)?$")


def documented_parameters(target: object, name: str) -> set[str]:
    """Every parameter name of every documented overload of ``target``."""
    return {arg for func in _documented_overloads(target, name) for arg, _ in _arguments_with_defaults(func.args)}


def _documented_overloads(target: object, name: str) -> Iterator[ast.FunctionDef]:
    """The overloads documented at the top of the docstring, as Python's AST of their parameter lists."""
    doc = inspect.getdoc(target) or ""
    # the C name may differ from the public one (torch.linalg.lstsq is ``linalg_lstsq``)
    shorts = {getattr(target, "__name__", ""), name.rsplit(".", 1)[-1]}
    for line in doc.splitlines()[:40]:
        match = _OVERLOAD.match(line)
        if match is None or match.group(1).split(".")[-1] not in shorts:
            continue
        try:
            tree = ast.parse(f"def f({match.group(2)}): pass")
        except SyntaxError:
            continue
        func = tree.body[0]
        assert isinstance(func, ast.FunctionDef)
        yield func


def documented_defaults(target: object, name: str, param: str) -> list[object] | None:
    """The default of ``param`` in each documented overload naming it; None when nothing is documented.

    A documented parameter without a default counts as ``_MISSING``; an overload whose
    parameter list Python cannot parse is skipped (it is documentation, not code).
    """
    found: list[object] = []
    overloads = 0
    for func in _documented_overloads(target, name):
        overloads += 1
        for arg, default in _arguments_with_defaults(func.args):
            if arg == param:
                found.append(_MISSING if default is None else _documented_value(default))
    return found if overloads else None


def _arguments_with_defaults(args: ast.arguments) -> Iterator[tuple[str, ast.expr | None]]:
    positional = [*args.posonlyargs, *args.args]
    padded: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    yield from ((a.arg, d) for a, d in zip(positional, padded, strict=True))
    yield from ((a.arg, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True))


def _documented_value(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except ValueError:
        text = ast.unparse(node)
        try:
            return resolve(text if text.startswith("torch") else f"torch.{text}")
        except ApiError:
            return text


def _called_default(target: object, name: str, param: str, value: object) -> bool | None:
    """Whether calling with ``param=value`` gives the same result as leaving it out (None: cannot call)."""
    call = _tensor_call(target, name)
    if call is None:
        return None
    try:
        without, with_it = call({}), call({param: value})
    except Exception:
        return None
    return _same_result(without, with_it)


def _tensor_call(target: object, name: str) -> Callable[[dict[str, Any]], object] | None:
    """A call of a tensor method or ``torch.`` function on a fixed float64 tensor, or None."""
    if not callable(target):
        return None
    sample = torch.arange(12, dtype=torch.float64).reshape(3, 4).sin()
    if name.startswith("torch.Tensor."):
        return lambda kwargs: target(sample.clone(), **kwargs)
    if name.count(".") == 1 or name.startswith("torch.nn.functional."):
        return lambda kwargs: target(sample.clone(), **kwargs)
    return None


def _same_result(a: object, b: object) -> bool:
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return a.shape == b.shape and bool(torch.equal(a, b))
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(_same_result(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)
