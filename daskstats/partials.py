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


def _none_aware(rule: Callable[[Any, Any, bool], Any]) -> Callable[[Any, Any, bool], Any]:
    def combine(a: Any, b: Any, into: bool) -> Any:
        if a is None:
            return _owned(b) if into else b
        if b is None:
            return a
        return rule(a, b, into)

    return combine


def _owned(value: Any) -> Any:
    """A copy whose arrays belong to it (so that they may be added into)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, Partial):
        return type(value)(
            **{f.name: _owned(getattr(value, f.name)) for f in dataclasses.fields(value)}  # type: ignore[arg-type]
        )
    if isinstance(value, dict):
        return {k: _owned(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_owned(v) for v in value)
    return value


def _add(a: Any, b: Any, into: bool) -> Any:
    if into and isinstance(a, np.ndarray) and a.shape == np.shape(b) and a.flags.writeable:
        return np.add(a, b, out=a)
    return a + b


def _keyed(a: dict, b: dict, into: bool) -> dict:
    out = a if into else dict(a)
    for key, value in b.items():
        out[key] = _add(out[key], value, into) if key in out else (_owned(value) if into else value)
    return out


def _each(a: tuple, b: tuple, into: bool) -> tuple:
    if len(a) != len(b):
        raise ValueError(f"cannot combine {len(a)} partials with {len(b)}")
    return tuple(x.combine(y, into=into) for x, y in zip(a, b))


_RULES: dict[str, Callable[[Any, Any, bool], Any]] = {
    "sum": _none_aware(_add),
    "max": _none_aware(lambda a, b, into: np.maximum(a, b)),
    "min": _none_aware(lambda a, b, into: np.minimum(a, b)),
    "concat": _none_aware(lambda a, b, into: tuple(a) + tuple(b)),
    "nested": _none_aware(lambda a, b, into: a.combine(b, into=into)),
    "each": _none_aware(_each),
    "keyed": _none_aware(_keyed),
}


def _field(rule: str, default: Any = None) -> Any:
    return dataclasses.field(default=default, metadata={"combine": rule})


def summed(default: Any = 0.0) -> Any:
    """A field whose values add (numbers or arrays of one shape)."""
    return _field("sum", default)


def largest(default: float | None = -np.inf) -> Any:
    """A field whose combined value is the larger one."""
    return _field("max", default)


def smallest(default: float | None = np.inf) -> Any:
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

    def combine(self: P, other: P, into: bool = False) -> P:
        """The partial of the union of the rows behind ``self`` and ``other``.

        ``into=True`` adds ``other``'s arrays into ``self``'s (which must belong to ``self``:
        see :func:`combine_all`) instead of allocating new ones.
        """
        if type(other) is not type(self):
            raise TypeError(f"cannot combine {type(self).__name__} with {type(other).__name__}")
        values = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            rule = f.metadata.get("combine")
            if rule is None:
                raise TypeError(f"{type(self).__name__}.{f.name} does not say how it combines")
            values[f.name] = _RULES[rule](getattr(self, f.name), getattr(other, f.name), into)
        return type(self)(**values)


def combine_all(parts: Iterable[P]) -> P:
    """Combine partials left to right (the aggregate step of a tree): the first one's arrays
    are copied once, the others added into the copy (no new array per addition; the inputs
    are not modified)."""
    parts = list(parts)
    if len(parts) == 1:
        return parts[0]
    total = _owned(parts[0])
    for part in parts[1:]:
        total = total.combine(part, into=True)
    return total
