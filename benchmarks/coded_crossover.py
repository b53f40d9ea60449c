"""When is a categorical term faster as level codes than as dense indicator columns?

One factor of ``L`` levels beside ``p`` numeric columns (Poisson with an offset), fitted with the
term kept as codes and as dense columns (``ds.thresholds.override(codes_min_levels=...)``), in one
run; prints the seconds of both and their ratio. ``Thresholds.codes_min_levels`` is set from it.

    python benchmarks/coded_crossover.py --rows 2e6 --numeric 5 --numeric 20
"""

from __future__ import annotations

import argparse
import time

import dask.dataframe as dd
import numpy as np
import pandas as pd

import daskstats as ds


def make(rows: int, numeric: int, levels: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        rng.standard_normal((rows, numeric)), columns=[f"x{j}" for j in range(numeric)]
    )
    g = rng.integers(0, levels, rows)
    frame["g"] = g
    frame["off"] = np.log(rng.uniform(0.5, 2.0, rows))
    eta = 0.1 + frame.iloc[:, :numeric].to_numpy() @ rng.normal(0, 0.1, numeric)
    eta += rng.normal(0, 0.3, levels)[g] + frame["off"].to_numpy()
    frame["y"] = rng.poisson(np.exp(eta)).astype(float)
    return frame


def best_fit(formula: str, data: dd.DataFrame, min_levels: int, repeat: int) -> tuple[float, int]:
    best, coded = np.inf, 0
    for _ in range(repeat):
        with ds.thresholds.override(codes_min_levels=min_levels):
            started = time.perf_counter()
            res = ds.glm(formula, data, ds.families.Poisson(), offset="off")
            best = min(best, time.perf_counter() - started)
        coded = len(res.model.layout.coded)
    return best, coded


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="2e6")
    parser.add_argument("--numeric", type=int, action="append")
    parser.add_argument("--levels", type=int, action="append")
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    rows = int(float(args.rows))
    print(f"{rows:,} rows, {args.partitions} partitions, best of {args.repeat} (Poisson + offset)")
    print("| numeric columns | levels | coded (s) | dense (s) | coded / dense |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for numeric in args.numeric or [5, 20]:
        for levels in args.levels or [2, 3, 5, 10, 20, 50]:
            frame = make(rows, numeric, levels)
            data = dd.from_pandas(frame, npartitions=args.partitions, sort=False).persist()
            formula = "y ~ " + " + ".join(f"x{j}" for j in range(numeric)) + " + C(g)"
            coded, n_coded = best_fit(formula, data, 1, args.repeat)
            dense, n_dense = best_fit(formula, data, 10**9, args.repeat)
            assert n_coded == 1 and n_dense == 0
            print(
                f"| {numeric} | {levels} | {coded:.3f} | {dense:.3f} | {coded / dense:.2f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
