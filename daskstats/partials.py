"""Typed partial results of a pass, and the explicit rule that combines two of them.

dask's reductions are a trio ``chunk → combine → aggregate``. Here a kernel (the chunk step)
returns a :class:`Partial`: a dataclass whose every field declares, when it is defined, how two
values combine — summed, largest, smallest, concatenated in partition order, a nested partial,
or sums by key. ``a.combine(b)`` applies those rules, so any tree of partitions reduces in any
grouping, and what a pass returns is a typed record instead of a dict whose combine rule hangs
on key prefixes. ``None`` stands for "nothing collected" and combines as the identity.

Nothing here imports the rest of the package.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np

__all__ = [
    "Partial",
    "summed",
    "largest",
    "smallest",
    "concatenated",
    "nested",
    "nested_each",
    "keyed",
    "combine_all",
]

P = TypeVar("P", bound="Partial")


def _none_aware(rule: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def combine(a: Any, b: Any) -> Any:
        if a is None:
            return b
        if b is None:
            return a
        return rule(a, b)

    return combine


def _keyed(a: dict, b: dict) -> dict:
    out = dict(a)
    for key, value in b.items():
        out[key] = out[key] + value if key in out else value
    return out


def _each(a: tuple, b: tuple) -> tuple:
    if len(a) != len(b):
        raise ValueError(f"cannot combine {len(a)} partials with {len(b)}")
    return tuple(x.combine(y) for x, y in zip(a, b))


_RULES: dict[str, Callable[[Any, Any], Any]] = {
    "sum": _none_aware(lambda a, b: a + b),
    "max": _none_aware(max),
    "min": _none_aware(min),
    "concat": _none_aware(lambda a, b: tuple(a) + tuple(b)),
    "nested": _none_aware(lambda a, b: a.combine(b)),
    "each": _none_aware(_each),
    "keyed": _none_aware(_keyed),
}


def _field(rule: str, default: Any = None) -> Any:
    return dataclasses.field(default=default, metadata={"combine": rule})


def summed(default: Any = 0.0) -> Any:
    """A field whose values add (numbers or arrays of one shape)."""
    return _field("sum", default)


def largest(default: float = -np.inf) -> Any:
    """A field whose combined value is the larger one."""
    return _field("max", default)


def smallest(default: float = np.inf) -> Any:
    """A field whose combined value is the smaller one."""
    return _field("min", default)


def concatenated() -> Any:
    """A tuple field concatenated in partition order (e.g. row counts per partition)."""
    return _field("concat", ())


def nested() -> Any:
    """A field holding another :class:`Partial` (or None), combined by its own rules."""
    return _field("nested", None)


def nested_each() -> Any:
    """A tuple of :class:`Partial`, combined position by position (or None)."""
    return _field("each", None)


def keyed() -> Any:
    """A ``{name: number or array}`` field whose values add key by key (or None)."""
    return _field("keyed", None)


class Partial:
    """Base of the typed partial results; subclasses are dataclasses built with the field
    helpers of this module (every field must say how it combines)."""

    def combine(self: P, other: P) -> P:
        """The partial of the union of the rows behind ``self`` and ``other``."""
        if type(other) is not type(self):
            raise TypeError(f"cannot combine {type(self).__name__} with {type(other).__name__}")
        values = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            rule = f.metadata.get("combine")
            if rule is None:
                raise TypeError(f"{type(self).__name__}.{f.name} does not say how it combines")
            values[f.name] = _RULES[rule](getattr(self, f.name), getattr(other, f.name))
        return type(self)(**values)


def combine_all(parts: Iterable[P]) -> P:
    """Combine partials left to right (the aggregate step of a tree)."""
    return functools.reduce(lambda a, b: a.combine(b), parts)
