"""Per-pass cost of a streamed design (``persist=False``: read and built again in every pass)
against its number of partitions, with the pass graph built once per model (one layer per
pass on the materialized read-and-build graph, ``passes/stream.py``) and, in the same run,
rebuilt from one dask Delayed per partition (how every pass was built before).

Example::

    python benchmarks/streamed_overhead.py --partitions 8,200,1000 --markdown benchmarks/RESULTS.md
"""

from __future__ import annotations

import argparse
import datetime
import time

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd

import daskstats as ds


def make_frame(rows: int, cols: int, seed: int) -> pd.DataFrame:
    """A logistic data set with ``cols`` standard-normal predictors."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, cols))
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(cols)])
    eta = -0.3 + X @ np.linspace(-0.3, 0.3, cols)
    frame["y"] = (rng.random(rows) < 1 / (1 + np.exp(-eta))).astype(float)
    return frame


def fit(formula: str, ddf: dd.DataFrame, one_layer: bool):
    """Fit with a streamed design; return (seconds, median irls pass seconds, params)."""
    model = ds.GLM.from_formula(formula, ddf, family=ds.families.Binomial(), persist=False)
    if not one_layer:
        model.runner.stream = None  # the per-partition Delayed graph of every pass
    started = time.perf_counter()
    res = model.fit()
    seconds = time.perf_counter() - started
    passes = [s for name, s in res.pass_log if name == "irls"]
    return seconds, float(np.median(passes)), res.params.to_numpy(), res.passes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=4e5)
    parser.add_argument("--cols", type=int, default=10)
    parser.add_argument("--partitions", default="8,200,1000")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--markdown", default=None)
    args = parser.parse_args(argv)
    frame = make_frame(int(args.rows), args.cols, args.seed)
    formula = "y ~ " + " + ".join(frame.columns[:-1])
    lines = [
        f"### streamed design: logistic, {int(args.rows):,} rows x {args.cols + 1} "
        "coefficients, threaded scheduler (2 threads), persist=False",
        "",
        "| partitions | passes | fit s, one layer per pass | s per pass | fit s, Delayed per "
        "partition | s per pass | max abs params diff |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    with dask.config.set(scheduler="threads"):
        for parts in [int(p) for p in args.partitions.split(",")]:
            ddf = dd.from_pandas(frame, npartitions=parts).persist()
            new, new_pass, params, passes = fit(formula, ddf, True)
            old, old_pass, params_old, _ = fit(formula, ddf, False)
            diff = float(np.max(np.abs(params - params_old)))
            lines.append(
                f"| {parts} | {passes} | {new:.3f} | {new_pass:.3f} | {old:.3f} | "
                f"{old_pass:.3f} | {diff:.1e} |"
            )
            print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    if args.markdown:
        with open(args.markdown, "a") as fh:
            fh.write(f"\n## Run {datetime.datetime.now().isoformat(timespec='seconds')}\n\n")
            fh.write(f"`python benchmarks/streamed_overhead.py --partitions {args.partitions}`\n\n")
            fh.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
