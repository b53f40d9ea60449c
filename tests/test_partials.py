"""Typed partial results: every combine rule, against hand computations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from daskstats.partials import (
    Partial,
    combine_all,
    concatenated,
    keyed,
    largest,
    nested,
    nested_each,
    smallest,
    summed,
)


@dataclass(frozen=True)
class Inner(Partial):
    total: float = summed()


@dataclass(frozen=True)
class Outer(Partial):
    count: int = summed(0)
    vector: np.ndarray | None = summed(None)
    high: float = largest()
    low: float = smallest()
    lengths: tuple = concatenated()
    inner: Inner | None = nested()
    each: tuple | None = nested_each()
    sums: dict | None = keyed()


def _part(i: int) -> Outer:
    return Outer(
        count=i,
        vector=np.arange(3.0) * i,
        high=float(i),
        low=float(-i),
        lengths=(i,),
        inner=Inner(2.0 * i),
        each=(Inner(1.0), Inner(float(i))),
        sums={"a": 1.0, f"k{i % 2}": float(i)},
    )


def test_every_rule_combines_as_declared():
    total = combine_all(_part(i) for i in (1, 2, 3))
    assert total.count == 6
    np.testing.assert_array_equal(total.vector, np.arange(3.0) * 6)
    assert total.high == 3.0 and total.low == -3.0
    assert total.lengths == (1, 2, 3)  # partition order
    assert total.inner == Inner(12.0)
    assert total.each == (Inner(3.0), Inner(6.0))
    assert total.sums == {"a": 3.0, "k1": 4.0, "k0": 2.0}


def test_grouping_does_not_matter():
    parts = [_part(i) for i in range(1, 6)]
    left = combine_all(parts)
    right = parts[0].combine(parts[1].combine(parts[2].combine(parts[3].combine(parts[4]))))
    assert left.lengths == right.lengths == (1, 2, 3, 4, 5)
    assert left.sums == right.sums
    np.testing.assert_array_equal(left.vector, right.vector)


def test_none_means_nothing_collected():
    empty = Outer()
    full = _part(2)
    assert empty.combine(full).inner == full.inner
    assert full.combine(empty).sums == full.sums
    assert empty.combine(empty).vector is None
    assert Outer(high=1.0).combine(Outer()).high == 1.0  # -inf is the identity of max


def test_mismatched_partials_are_refused():
    with pytest.raises(TypeError, match="cannot combine"):
        Outer().combine(Inner())
    with pytest.raises(ValueError, match="cannot combine 2 partials with 1"):
        Outer(each=(Inner(), Inner())).combine(Outer(each=(Inner(),)))


def test_a_field_without_a_rule_is_an_error():
    @dataclass(frozen=True)
    class Loose(Partial):
        value: float = 0.0

    with pytest.raises(TypeError, match="does not say how it combines"):
        Loose().combine(Loose())


def test_combining_many_leaves_the_inputs_as_they_were():
    parts = [_part(i) for i in (1, 2, 3, 4)]
    before = [(p.vector.copy(), {k: v for k, v in p.sums.items()}) for p in parts]
    total = combine_all(parts)
    np.testing.assert_array_equal(total.vector, np.arange(3.0) * 10)
    for part, (vector, sums) in zip(parts, before):
        np.testing.assert_array_equal(part.vector, vector)
        assert part.sums == sums
    assert total.vector is not parts[0].vector
