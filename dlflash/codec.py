"""Base: the model's frozen dataclasses as JSON values and back, field for field, locations included.

The cache (``dlflash.cache``) keeps what a stage computed as JSON. ``encode`` keeps every field of
a dataclass; ``decode(cls, value)`` rebuilds the value from the class's type hints, so that
``decode(type(x), encode(x)) == x`` for every value of the model (tested on the real deck). A value
of the wrong shape raises ``TypeError``, ``KeyError`` or ``ValueError``: a caller treats it as a miss.

Values typed ``object`` (a formula's free-form options) hold strings and tuples of them.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

T = TypeVar("T")


def encode(value: Any) -> Any:
    """A JSON value holding all of ``value``: dataclasses as objects, tuples as arrays."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [encode(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    raise TypeError(f"cannot encode {type(value).__name__}")


def decode(cls: type[T], value: Any) -> T:
    """The ``cls`` that ``encode`` turned into ``value``."""
    result: T = _decoder(cls)(value)
    return result


Decoder = Callable[[Any], Any]
_DECODERS: dict[Any, Decoder] = {}


def _decoder(hint: Any) -> Decoder:
    """The function decoding values of ``hint``, built once per hint: decoding 10,000 cards walks
    some 200,000 values, so the type is read once, not at each of them."""
    found = _DECODERS.get(hint)
    if found is None:
        found = _DECODERS[hint] = _build(hint)
    return found


def _build(hint: Any) -> Decoder:
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass_decoder(hint)
    origin, args = get_origin(hint), get_args(hint)
    if origin is tuple:
        return _tuple_decoder(args)
    if origin is Union or origin is types.UnionType:
        (kind,) = (a for a in args if a is not type(None))  # the model's unions are ``X | None``
        inner = _decoder(kind)
        return lambda value: None if value is None else inner(value)
    if origin is Literal:
        allowed = frozenset(args)

        def literal(value: Any) -> Any:
            if value not in allowed:
                raise ValueError(f"{value!r} is not one of {sorted(allowed)}")
            return value

        return literal
    if hint is object:
        return _frozen
    if hint in (str, int, float, bool):

        def plain(value: Any) -> Any:
            if type(value) is not hint:
                raise TypeError(f"{value!r} is not a {hint.__name__}")
            return value

        return plain
    raise TypeError(f"no decoder for {hint!r}")


def _dataclass_decoder(cls: type) -> Decoder:
    names = {f.name for f in dataclasses.fields(cls)}
    # resolved lazily: a field's type may be the class being built (none in the model, but cheap to allow)
    fields = [(name, hint) for name, hint in get_type_hints(cls).items() if name in names]

    def decode_object(value: Any) -> Any:
        if type(value) is not dict:
            raise TypeError(f"{cls.__name__} must be an object")
        return cls(**{name: _decoder(hint)(value[name]) for name, hint in fields})

    return decode_object


def _tuple_decoder(args: tuple[Any, ...]) -> Decoder:
    if len(args) == 2 and args[1] is Ellipsis:
        item = _decoder(args[0])

        def decode_items(value: Any) -> Any:
            if type(value) is not list:
                raise TypeError("a tuple must be an array")
            return tuple(item(v) for v in value)

        return decode_items

    def decode_fixed(value: Any) -> Any:
        if type(value) is not list:
            raise TypeError("a tuple must be an array")
        return tuple(_decoder(a)(v) for a, v in zip(args, value, strict=True))

    return decode_fixed


def _frozen(value: Any) -> Any:
    """An ``object`` field: arrays back to tuples, all the way down."""
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    raise TypeError(f"{value!r} cannot be an option value")
