"""How daskstats' logistic fit scales with the number of rows (threaded scheduler).

Example::

    python benchmarks/scaling.py --rows 1e6,2e6,4e6,8e6,16e6 --cols 20 \\
        --markdown benchmarks/RESULTS.md

For every size the data is built with ``run.make_case("logistic", ...)``, converted with
``dd.from_pandas(npartitions=max(8, rows / 125000))`` and persisted.  Then two things are
timed separately: ``ds.GLM.from_formula`` (learning the formula and building and persisting
the design) and ``.fit()`` (the IRLS passes and the inference).  The linearity check is the
ratio of fit seconds per million rows between the largest and the smallest size (1.0 is
perfectly linear).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from dataclasses import dataclass

import dask.dataframe as dd
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchutil import append_markdown  # noqa: E402
from run import machine_info, make_case  # noqa: E402

import daskstats as ds  # noqa: E402

ROWS_PER_PARTITION = 125_000
MIN_PARTITIONS = 8
WARMUP_ROWS = 20_000


@dataclass
class Point:
    """Measurements of one data size."""

    rows: int
    partitions: int
    design_seconds: float
    fit_seconds: float
    n_iter: int
    passes: int
    pass_seconds: float
    persisted: bool

    @property
    def fit_per_million(self) -> float:
        """Fit seconds per million rows."""
        return self.fit_seconds / (self.rows / 1e6)


def parse_rows(text: str) -> list[int]:
    """Parse a comma-separated list of row counts in float syntax (``1e6,2e6``)."""
    return [int(float(part)) for part in text.split(",") if part.strip()]


def partitions_for(rows: int) -> int:
    """``max(8, rows / 125000)`` partitions."""
    return max(MIN_PARTITIONS, rows // ROWS_PER_PARTITION)


def measure(rows: int, cols: int, seed: int, repeat: int = 1) -> Point:
    """Build one data set, then time ``GLM.from_formula`` and ``fit`` separately.

    Parameters
    ----------
    rows, cols : int
        Size of the logistic data set.
    seed : int
        Seed of the data generator.
    repeat : int
        Builds and fits; the best time of each step is kept.

    Returns
    -------
    Point
    """
    case = make_case("logistic", rows, cols, seed)
    formula = case.formula
    parts = partitions_for(rows)
    ddf = dd.from_pandas(case.frame, npartitions=parts, sort=False).persist()
    del case  # the dense numpy design and the pandas frame are not needed any more
    gc.collect()
    design_seconds, best = np.inf, None
    for _ in range(repeat):
        model = res = None  # free the previous design before building the next
        started = time.perf_counter()
        model = ds.GLM.from_formula(formula, ddf, ds.families.Binomial())
        design_seconds = min(design_seconds, time.perf_counter() - started)
        started = time.perf_counter()
        res = model.fit()
        seconds = time.perf_counter() - started
        if best is None or seconds < best[0]:
            irls = [s for name, s in res.pass_log if name == "irls"]
            mean_pass = float(np.mean(irls)) if irls else float("nan")
            best = (seconds, int(res.n_iter), int(res.passes), mean_pass)
    point = Point(rows, parts, design_seconds, *best, persisted=bool(model.design.persisted))
    del model, res, ddf
    gc.collect()
    return point


def format_table(points: list[Point]) -> str:
    """A markdown table with one line per size."""
    lines = [
        "| rows | partitions | design s | fit s | iterations | passes | s per pass "
        "| fit s per M rows | design persisted |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for p in points:
        lines.append(
            f"| {p.rows:,} | {p.partitions} | {p.design_seconds:.3f} | {p.fit_seconds:.3f} "
            f"| {p.n_iter} | {p.passes} | {p.pass_seconds:.4f} | {p.fit_per_million:.3f} "
            f"| {p.persisted} |"
        )
    return "\n".join(lines)


def linearity(points: list[Point]) -> list[str]:
    """Ratios largest / smallest of fit seconds per M rows and of pass seconds per M rows."""
    if len(points) < 2:
        return ["- linearity: needs at least two sizes"]
    small, large = min(points, key=lambda p: p.rows), max(points, key=lambda p: p.rows)
    fit_ratio = large.fit_per_million / small.fit_per_million
    pass_ratio = (large.pass_seconds / large.rows) / (small.pass_seconds / small.rows)
    return [
        f"- linearity: fit s per M rows at {large.rows:,} rows / at {small.rows:,} rows = "
        f"{fit_ratio:.2f} (1.00 = linear; > 1 means worse than linear)",
        f"- same ratio for the seconds of one IRLS pass per row: {pass_ratio:.2f}",
        "- iterations: " + ", ".join(str(p.n_iter) for p in points),
    ]


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1e6,2e6,4e6,8e6,16e6", help="comma-separated sizes")
    parser.add_argument("--cols", type=int, default=20, help="numeric predictors")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per size (best kept)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--markdown", default=None, help="append the results to this file")
    args = parser.parse_args(argv)
    args.rows = sorted(parse_rows(args.rows))
    if not args.rows:
        parser.error("--rows: give at least one size")
    return args


def main(argv=None) -> int:
    """Run the scaling benchmark; return the process exit code."""
    args = parse_args(argv)
    info = machine_info()
    print("\n".join(info), flush=True)
    measure(WARMUP_ROWS, args.cols, args.seed + 1000)  # imports, first-call costs
    points = []
    for rows in args.rows:
        point = measure(rows, args.cols, args.seed, args.repeat)
        print(
            f"  {rows:,} rows: design {point.design_seconds:.3f} s, fit {point.fit_seconds:.3f} s",
            flush=True,
        )
        points.append(point)
    head = (
        f"### scaling: logistic, {args.cols} numeric columns, "
        f"max({MIN_PARTITIONS}, rows / {ROWS_PER_PARTITION:,}) partitions, "
        f"threaded scheduler, best of {args.repeat}"
    )
    section = "\n".join([head, "", format_table(points), "", *linearity(points), ""])
    print("\n" + section, flush=True)
    if args.markdown:
        append_markdown(args.markdown, "scaling.py", argv, info, [section])
    return 0


if __name__ == "__main__":
    sys.exit(main())
