"""Benchmark daskstats' GLM fits against statsmodels, glum, dask-ml, dask-glm and Spark.

Example::

    python benchmarks/run.py --rows 2e6 --cols 20 --case logistic --case poisson_cat \\
        --markdown benchmarks/RESULTS.md

See ``benchmarks/README.md`` for what is measured and how.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import datetime
import importlib.metadata
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
from scipy.linalg.blas import dsyrk
from scipy.special import expit
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from peers import PEERS, Case, Options, shutdown, unavailable_reason  # noqa: E402

import daskstats as ds  # noqa: E402

CASES = ("logistic", "poisson_cat", "gaussian", "wide")
WIDE_COLS = 500
POISSON_NUMERIC = 10
LEVELS = 200
FLOOR_BLOCK = 16384
WARMUP_ROWS = 20_000
STATSMODELS_REL_TOL = 1e-6


@dataclass
class Row:
    """One line of the results table (``seconds`` is None when the peer did not run)."""

    peer: str
    seconds: float | None = None
    diff: float | None = None
    note: str = ""


# --------------------------------------------------------------------------- data


def make_case(name: str, rows: int, cols: int, seed: int) -> Case:
    """Build one synthetic data set with a fixed seed.

    Parameters
    ----------
    name : {"logistic", "poisson_cat", "gaussian", "wide"}
    rows : int
        Number of rows (the caller already divided it by 10 for ``wide``).
    cols : int
        Numeric predictors (``poisson_cat`` always has 10 and ``wide`` 500).
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    Case
    """
    rng = np.random.default_rng(seed)
    cols = {"wide": WIDE_COLS, "poisson_cat": POISSON_NUMERIC}.get(name, cols)
    levels = [f"g{k:03d}" for k in range(LEVELS)] if name == "poisson_cat" else []
    n_coef = 1 + cols + max(len(levels) - 1, 0)
    X = np.zeros((rows, n_coef))
    X[:, 0] = 1.0
    X[:, 1 : 1 + cols] = rng.standard_normal((rows, cols))
    numeric = [f"x{j}" for j in range(cols)]
    frame = pd.DataFrame(X[:, 1 : 1 + cols], columns=numeric)
    beta = rng.normal(0.0, 1.0 / np.sqrt(cols), cols)
    offset = None
    if name in ("logistic", "wide"):
        family = "binomial"
        y = rng.binomial(1, expit(-0.5 + X[:, 1 : 1 + cols] @ beta)).astype(float)
    elif name == "gaussian":
        family = "gaussian"
        y = 1.0 + X[:, 1 : 1 + cols] @ beta + rng.standard_normal(rows)
    else:
        family = "poisson"
        codes = rng.integers(0, LEVELS, rows)
        effects = rng.normal(0.0, 0.3, LEVELS)
        effects[0] = 0.0
        offset = np.log(rng.uniform(0.5, 2.0, rows))
        eta = 0.2 + 0.3 * (X[:, 1 : 1 + cols] @ beta) + effects[codes] + offset
        y = rng.poisson(np.exp(eta)).astype(float)
        has = codes > 0
        X[np.flatnonzero(has), 1 + cols + codes[has] - 1] = 1.0
        frame["g"] = pd.Categorical.from_codes(codes, categories=levels)
        frame["off"] = offset
    frame["y"] = y
    formula = "y ~ " + " + ".join(numeric) + (" + C(g)" if levels else "")
    names = ["Intercept"] + numeric + [f"C(g)[T.{level}]" for level in levels[1:]]
    return Case(name, family, formula, frame, X, y, offset, names, numeric, levels)


def case_rows(name: str, args) -> int:
    """Rows for a case: ``--rows``, or ``--wide-rows`` (default rows / 10) for ``wide``."""
    if name == "wide":
        return int(args.wide_rows) if args.wide_rows else max(int(args.rows) // 10, 1)
    return int(args.rows)


# --------------------------------------------------------------------------- daskstats


def fit_daskstats(case: Case, ddf: dd.DataFrame, repeat: int):
    """Fit ``case`` with ``ds.glm`` ``repeat`` times; return (best seconds, last results)."""
    family = {
        "binomial": ds.families.Binomial,
        "poisson": ds.families.Poisson,
        "gaussian": ds.families.Gaussian,
    }[case.family]()
    offset = "off" if case.offset is not None else None
    best = np.inf
    for _ in range(repeat):
        started = time.perf_counter()
        res = ds.glm(case.formula, ddf, family, offset=offset)
        best = min(best, time.perf_counter() - started)
    return best, res


def to_dask(case: Case, partitions: int) -> dd.DataFrame:
    """The case's frame as a persisted dask DataFrame with ``partitions`` partitions."""
    return dd.from_pandas(case.frame, npartitions=partitions, sort=False).persist()


# --------------------------------------------------------------------------- floor pass


def floor_pass(X: np.ndarray, y: np.ndarray, b: np.ndarray, start=0, stop=None, gram="syrk"):
    """One hand-written IRLS pass (logistic weights) over rows ``start:stop`` of ``X``.

    Parameters
    ----------
    X : ndarray of shape (n, p), C-contiguous float64
    y : ndarray of shape (n,)
    b : ndarray of shape (p,)
    start, stop : int
        Row range (default: all rows).
    gram : {"syrk", "dot"}
        ``XᵀWX`` by ``scipy.linalg.blas.dsyrk`` (upper triangle) or by ``numpy.dot(A.T, A)``
        (which releases the GIL; numpy's ``A.T @ A`` measured not to, on numpy 2.4).

    Returns
    -------
    xtwx : ndarray of shape (p, p)
    xtwz : ndarray of shape (p,)
    """
    stop = len(y) if stop is None else stop
    p = X.shape[1]
    acc = np.zeros((p, p), order="F")
    xtwz = np.zeros(p)
    for lo in range(start, stop, FLOOR_BLOCK):
        hi = min(lo + FLOOR_BLOCK, stop)
        Xs = X[lo:hi]
        eta = np.dot(Xs, b)
        mu = expit(eta)
        w = mu * (1.0 - mu)
        z = eta + (y[lo:hi] - mu) / w
        Xw = Xs * np.sqrt(w)[:, None]
        if gram == "syrk":
            acc = dsyrk(1.0, Xw.T, beta=1.0, c=acc, overwrite_c=1)
        else:
            acc += np.dot(Xw.T, Xw)
        xtwz += np.dot(Xs.T, w * z)
    return acc, xtwz


def time_floor(X: np.ndarray, y: np.ndarray, b: np.ndarray, gram="syrk", best_of: int = 3):
    """Best-of-``best_of`` seconds of :func:`floor_pass` on 1 thread and on 2 threads.

    BLAS is limited to one thread in both; the 2-thread run gives each thread half the rows.

    Returns
    -------
    one, two : float
        Seconds on one thread and on two threads.
    """
    half = len(y) // 2
    one, two = np.inf, np.inf
    with (
        threadpool_limits(limits=1),
        concurrent.futures.ThreadPoolExecutor(2) as pool,
    ):
        for _ in range(best_of):
            started = time.perf_counter()
            floor_pass(X, y, b, gram=gram)
            one = min(one, time.perf_counter() - started)
            started = time.perf_counter()
            halves = [
                pool.submit(floor_pass, X, y, b, 0, half, gram),
                pool.submit(floor_pass, X, y, b, half, None, gram),
            ]
            [f.result() for f in halves]
            two = min(two, time.perf_counter() - started)
    return one, two


# --------------------------------------------------------------------------- peers


def run_peer(name: str, case: Case, small: Case | None, options: Options, repeat: int, params):
    """Time one peer on ``case`` (after a warm-up fit on ``small``) and compare coefficients."""
    peer = PEERS[name]
    reason = unavailable_reason(peer) or peer.supports(case)
    if reason:
        return Row(name, note=f"skipped: {reason}")
    try:
        if small is not None:
            warm = peer.prepare(small, options)
            warm.fit()
            warm.close()
        prepared = peer.prepare(case, options)
        best = np.inf
        for _ in range(repeat):
            started = time.perf_counter()
            coefs = prepared.fit()
            best = min(best, time.perf_counter() - started)
        prepared.close()
    except Exception as exc:  # a peer failing must not stop the benchmark
        return Row(name, note=f"failed: {type(exc).__name__}: {str(exc).splitlines()[0][:150]}")
    row = Row(name, best * prepared.scale, note=prepared.note)
    if not prepared.comparable:
        row.note += "; coefficients from a subsample, diff not comparable"
        return row
    row.diff = float(np.max(np.abs(coefs - params)))
    if name == "statsmodels":
        rel = row.diff / float(np.max(np.abs(coefs)))
        verdict = "PASS" if rel <= STATSMODELS_REL_TOL else "FAIL"
        row.note += f"; rel diff {rel:.1e} (bar {STATSMODELS_REL_TOL:g}): {verdict}"
    return row


# --------------------------------------------------------------------------- reporting


def format_table(rows: list[Row], ds_seconds: float) -> str:
    """A markdown table: peer, seconds, ratio to daskstats, max |coef diff|, note."""
    lines = [
        "| peer | seconds | ratio (peer / daskstats) | max abs coef diff | note |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        secs = "-" if row.seconds is None else f"{row.seconds:.3f}"
        ratio = "-" if row.seconds is None else f"{row.seconds / ds_seconds:.2f}"
        diff = "-" if row.diff is None else f"{row.diff:.2e}"
        lines.append(f"| {row.peer} | {secs} | {ratio} | {diff} | {row.note} |")
    return "\n".join(lines)


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine_info() -> list[str]:
    """Platform, CPU, cores, RAM, BLAS and library versions, one ``key: value`` per line."""
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    blas = ", ".join(
        f"{i.get('internal_api')} {i.get('version')} ({i.get('num_threads')} threads)"
        for i in threadpool_info()
    )
    try:
        java = subprocess.run(["java", "-version"], capture_output=True, text=True, timeout=30)
        java = java.stderr.splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        java = "not found"
    libs = ("daskstats", "numpy", "scipy", "pandas", "dask", "statsmodels")
    peers = ("glum", "dask-ml", "dask-glm", "pyspark")
    return [
        f"platform: {platform.platform()}",
        f"CPU: {cpu}",
        f"cores: {os.cpu_count()}",
        f"RAM: {ram:.1f} GiB",
        f"python: {platform.python_version()}",
        "libraries: " + ", ".join(f"{d} {_version(d)}" for d in libs),
        "peers: " + ", ".join(f"{d} {_version(d)}" for d in peers) + f"; java: {java}",
        f"BLAS: {blas}",
        f"dask scheduler: {dask.config.get('scheduler', 'default (threads)')}",
    ]


def report_case(case: Case, args, ds_seconds: float, res, floor, rows: list[Row]) -> str:
    """The text printed (and appended to ``--markdown``) for one case."""
    irls = [s for name, s in res.pass_log if name == "irls"]
    per_pass = float(np.mean(irls)) if irls else float("nan")
    in_passes = sum(s for _, s in res.pass_log)
    one, two = floor["syrk"]
    mm_one, mm_two = floor["dot"]
    head = (
        f"### {case.name}: {case.nrows:,} rows x {len(case.names)} coefficients, "
        f"{args.partitions} partitions, family {case.family}, best of {args.repeat}"
    )
    stats = [
        f"- daskstats: {ds_seconds:.3f} s total, {res.n_iter} IRLS iterations, "
        f"{res.passes} passes over the data ({', '.join(n for n, _ in res.pass_log)}), "
        f"{in_passes:.3f} s in passes, {ds_seconds - in_passes:.3f} s outside them "
        "(formula, design, solve)",
        f"- daskstats seconds per IRLS pass: {per_pass:.4f} (mean of {len(irls)})",
        f"- numpy floor pass (block {FLOOR_BLOCK}, best of 3): {one:.4f} s on 1 thread, "
        f"{two:.4f} s on 2 threads (halves of the rows)"
        + (
            f"; the floor uses the dense design with {len(case.levels) - 1} indicator columns"
            if case.levels
            else ""
        ),
        f"- daskstats per pass / floor (the faster of the two floors): "
        f"{per_pass / min(one, mm_one):.2f}x the 1-thread floor, "
        f"{per_pass / min(two, mm_two):.2f}x the 2-thread floor",
        f"- same floor with `numpy.dot(Xw.T, Xw)` instead of dsyrk: {mm_one:.4f} s on 1 thread, "
        f"{mm_two:.4f} s on 2 threads (scipy's dsyrk wrapper and numpy's `@` hold the GIL; "
        "`numpy.dot` releases it)",
    ]
    table = format_table(
        [Row("daskstats", ds_seconds, 0.0, "ds.glm(formula, ddf)")] + rows, ds_seconds
    )
    return "\n".join([head, "", table, "", *stats, ""])


# --------------------------------------------------------------------------- main


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=2e6, help="rows (float syntax, e.g. 2e6)")
    parser.add_argument("--cols", type=int, default=20, help="numeric columns (logistic, gaussian)")
    parser.add_argument(
        "--case", action="append", choices=CASES, help="repeatable; default: logistic"
    )
    parser.add_argument(
        "--peers", default=",".join(PEERS), help=f"comma-separated subset of {','.join(PEERS)}"
    )
    parser.add_argument("--repeat", type=int, default=1, help="timed fits per peer (best kept)")
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--wide-rows", type=float, default=None, help="default: rows / 10")
    parser.add_argument(
        "--statsmodels-rows", type=float, default=None, help="subsample for statsmodels"
    )
    parser.add_argument("--spark-memory", default="8g", help="spark.driver.memory")
    parser.add_argument(
        "--blas-threads", type=int, default=None, help="threadpoolctl limit for everything"
    )
    parser.add_argument("--no-warmup", action="store_true", help="skip the small warm-up fits")
    parser.add_argument("--markdown", default=None, help="append the results to this file")
    args = parser.parse_args(argv)
    args.case = args.case or ["logistic"]
    args.peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    unknown = set(args.peers) - set(PEERS)
    if unknown:
        parser.error(f"unknown peers {sorted(unknown)}; choose from {list(PEERS)}")
    return args


def run_case(name: str, args, options: Options) -> str:
    """Build, fit and report one case; return its report section."""
    rows = case_rows(name, args)
    case = make_case(name, rows, args.cols, args.seed + CASES.index(name))
    small = None
    if not args.no_warmup:
        small = make_case(name, min(rows, WARMUP_ROWS), args.cols, args.seed + 1000)
        fit_daskstats(small, to_dask(small, 2), 1)
    ddf = to_dask(case, args.partitions)
    print(f"\n== {name}: {rows:,} rows, {len(case.names)} coefficients", flush=True)
    ds_seconds, res = fit_daskstats(case, ddf, args.repeat)
    print(f"  daskstats: {ds_seconds:.3f} s", flush=True)
    params = res.params.reindex(case.names).to_numpy()
    if np.isnan(params).any():
        raise RuntimeError(f"unexpected daskstats names: {list(res.params.index)[:5]}...")
    del ddf
    results = []
    for peer in args.peers:
        row = run_peer(peer, case, small, options, args.repeat, params)
        secs = "-" if row.seconds is None else f"{row.seconds:.3f}"
        print(f"  {peer}: {secs} s; {row.note}", flush=True)
        results.append(row)
    floor = {gram: time_floor(case.X, case.y, params, gram) for gram in ("syrk", "dot")}
    section = report_case(case, args, ds_seconds, res, floor, results)
    print("\n" + section, flush=True)
    return section


def main(argv=None) -> int:
    """Run the benchmark; return the process exit code."""
    args = parse_args(argv)
    options = Options(
        partitions=args.partitions,
        statsmodels_rows=int(args.statsmodels_rows) if args.statsmodels_rows else None,
        spark_memory=args.spark_memory,
    )
    info = machine_info()
    if args.blas_threads:
        info.append(f"BLAS threads limited to {args.blas_threads} (--blas-threads)")
    if "wide" in args.case:
        # patsy parses "a + b + ..." recursively: 500 terms exceed Python's default limit
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 20 * WIDE_COLS))
        info.append(f"recursion limit raised to {sys.getrecursionlimit()} for the wide formula")
    print("\n".join(info), flush=True)
    limit = threadpool_limits(args.blas_threads) if args.blas_threads else contextlib.nullcontext()
    sections = []
    try:
        with limit:
            sections = [run_case(name, args, options) for name in args.case]
    finally:
        shutdown()
    if args.markdown:
        stamp = datetime.datetime.now().isoformat(timespec="seconds")
        command = "python benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv)
        block = [f"## Run {stamp}", "", f"`{command}`", "", *[f"- {ln}" for ln in info], ""]
        with open(args.markdown, "a") as fh:
            fh.write("\n".join(block + sections) + "\n")
        print(f"appended to {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
