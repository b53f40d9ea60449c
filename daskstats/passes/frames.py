"""Reading what learning a formula needs from a dask DataFrame (the
:class:`~daskstats.formula.learn.DataReader` of :func:`~daskstats.formula.learn_spec`)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import dask
import dask.dataframe as dd
import pandas as pd
from dask.delayed import delayed

__all__ = ["DaskReader"]


SPLIT_EVERY = 8


def _distinct_rows(frame: pd.DataFrame, column_sets: list[list[str]]) -> list[pd.DataFrame]:
    return [
        pd.DataFrame({cols[0]: frame[cols[0]].unique()})
        if len(cols) == 1
        else frame[cols].drop_duplicates()
        for cols in column_sets
    ]


def _union_rows(*parts: list[pd.DataFrame]) -> list[pd.DataFrame]:
    return [pd.concat(frames).drop_duplicates() for frames in zip(*parts)]


class DaskReader:
    """Reads the first rows, distinct values and partitions of a dask DataFrame."""

    def __init__(self, data: dd.DataFrame):
        self.data = data
        self.columns = [str(c) for c in data.columns]

    def first_rows(self, variables: tuple[str, ...], n: int) -> pd.DataFrame:
        """The first ``n`` rows: the first partition only, and more (doubling) only while too
        few rows were found, e.g. when the first partitions are empty."""
        sub = self.data[list(variables)]
        parts = 1
        while True:
            parts = min(parts, sub.npartitions)
            with warnings.catch_warnings():  # "insufficient elements": handled by reading more
                warnings.filterwarnings("ignore", message="Insufficient elements")
                try:
                    head = sub.head(n, npartitions=parts, compute=True)
                except ValueError as exc:
                    if "head received" not in str(exc):
                        raise
                    # dask's optimizer combined small partitions (a parquet data set of small
                    # files) into fewer than asked: read the head of all of them
                    return sub.head(n, npartitions=-1, compute=True)
            if len(head) >= n or parts == sub.npartitions:
                return head
            parts *= 2

    def distinct(self, column_sets: list[list[str]]) -> list[pd.DataFrame]:
        """Distinct rows of each set of columns, in one parallel pass over just those columns:
        one task per partition (its distinct rows of every set), combined by a tree."""
        columns = list(dict.fromkeys(c for cols in column_sets for c in cols))
        parts = [
            delayed(_distinct_rows)(part, column_sets) for part in self.data[columns].to_delayed()
        ]
        while len(parts) > 1:
            parts = [
                delayed(_union_rows)(*parts[i : i + SPLIT_EVERY])
                for i in range(0, len(parts), SPLIT_EVERY)
            ]
        (frames,) = dask.compute(parts[0])
        return [frame.reset_index(drop=True) for frame in frames]

    def partitions(self, variables: tuple[str, ...]) -> Iterator[pd.DataFrame]:
        """Every partition of ``variables`` in order, one at a time (a serial pass)."""
        sub = self.data[list(variables)]
        for i in range(sub.npartitions):
            yield sub.get_partition(i).compute()
