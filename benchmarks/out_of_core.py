"""daskstats on parquet data larger than the workers' memory (design streamed, not persisted).

Example::

    python benchmarks/out_of_core.py --rows 40e6 --cols 10 --memory-limit 1GB \\
        --markdown benchmarks/RESULTS.md

A logistic data set is written to parquet in a temporary directory one file of
``--rows-per-file`` rows at a time, so the generator never holds more than one file.  Then
``ds.glm(formula, dd.read_parquet(path), ds.families.Binomial())`` runs on a
``LocalCluster(n_workers=2, threads_per_worker=1, memory_limit=...)``: with the design larger
than half the workers' memory daskstats should stream it from parquet on every pass.  A thread
samples the resident memory of the worker processes every 0.2 s.  ``--check-in-memory`` also
fits the same files with ``persist=True`` on the threaded scheduler (no memory limit) and
compares the coefficients (only for data that fits in RAM).

The default of 250,000 rows per file (one dask partition each) keeps a worker below
distributed's spill threshold (70% of a 1 GB limit): an idle worker already holds ~400 MiB
(pandas, pyarrow, daskstats, and numba pulled in by ``sparse`` via ``dask.array``), and a
streamed pass holds one partition plus its design block.  With 1,000,000-row partitions the
workers peak near 730 MiB and every partition and design block is spilled to disk on every
pass.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.utils import format_bytes, parse_bytes
from distributed import Client, LocalCluster
from scipy.special import expit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchutil import RssSampler, append_markdown, max_rel_diff, mib  # noqa: E402
from run import machine_info  # noqa: E402

import daskstats as ds  # noqa: E402


def write_parquet(path: str, rows: int, cols: int, per_file: int, seed: int) -> str:
    """Write the logistic data set as parquet files of ``per_file`` rows; return the formula.

    ``run.make_case`` builds every row at once, so the model is redrawn here chunk by chunk:
    ``y ~ Bernoulli(expit(-0.5 + X b))``, ``X`` standard normal, ``b ~ N(0, 1/cols)`` drawn once,
    chunk ``i`` from ``default_rng([seed, i])``.
    """
    beta = np.random.default_rng(seed).normal(0.0, 1.0 / np.sqrt(cols), cols)
    names = [f"x{j}" for j in range(cols)]
    for i, start in enumerate(range(0, rows, per_file)):
        n = min(per_file, rows - start)
        rng = np.random.default_rng([seed, i])
        X = rng.standard_normal((n, cols))
        frame = pd.DataFrame(X, columns=names)
        frame["y"] = rng.binomial(1, expit(-0.5 + X @ beta)).astype(float)
        frame.to_parquet(os.path.join(path, f"part-{i:05d}.parquet"), index=False)
        del X, frame
    return "y ~ " + " + ".join(names)


def disk_size(path: str) -> int:
    """Total bytes of the files in ``path``."""
    return sum(entry.stat().st_size for entry in os.scandir(path) if entry.is_file())


def _worker_baseline(path: str) -> int:
    import psutil

    import daskstats  # noqa: F401

    first = sorted(os.listdir(path))[0]
    pd.read_parquet(os.path.join(path, first), columns=["y"])  # loads pyarrow
    return psutil.Process().memory_info().rss


def worker_baseline(path: str) -> int:
    """RSS of an idle worker process that has imported daskstats and pyarrow (bytes)."""
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, memory_limit=0, dashboard_address=":0"
        ) as c,
        Client(c) as client,
    ):
        return max(client.run(_worker_baseline, path).values())


def _spilled(dask_worker) -> dict:
    total = 0
    for key, value in dask_worker.digests_total.items():
        if isinstance(key, tuple) and key[-2:] == ("disk-write", "bytes"):
            total += value
    now = getattr(dask_worker.data, "spilled_total", None)
    return {"written": total, "on_disk": (now[1] if isinstance(now, tuple) else now) or 0}


def fit_on_cluster(path: str, formula: str, args, notes: list[str]) -> dict:
    """Fit on the memory-limited LocalCluster; return the measurements."""
    limit = parse_bytes(args.memory_limit)
    baseline = worker_baseline(path)
    pause = dask.config.get("distributed.worker.memory.pause")
    relax = bool(pause) and baseline > pause * limit
    notes.append(
        f"worker baseline RSS (daskstats and pyarrow imported): {mib(baseline)}; "
        f"memory_limit {format_bytes(limit)}, pause at {pause:.0%} of it"
    )
    if relax:
        notes.append(
            "the limit is below the worker baseline (baseline > pause fraction x limit): set "
            "distributed.worker.memory.pause=False and terminate=False (spilling still on)"
        )
    settings = {"distributed.worker.memory.pause": False} if relax else {}
    if relax:
        settings["distributed.worker.memory.terminate"] = False
    with (
        dask.config.set(settings),
        LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            memory_limit=limit,
            dashboard_address=":0",
        ) as cluster,
        Client(cluster) as client,
    ):
        warm = pd.read_parquet(os.path.join(path, sorted(os.listdir(path))[0])).head(2000)
        ds.glm(formula, dd.from_pandas(warm, npartitions=2), ds.families.Binomial())
        pids = {f"worker {i}": pid for i, pid in enumerate(client.run(os.getpid).values())}
        pids["client"] = os.getpid()
        before = client.run(_spilled)
        with RssSampler(pids, interval=0.2) as sampler:
            started = time.perf_counter()
            ddf = dd.read_parquet(path)
            res = ds.glm(formula, ddf, ds.families.Binomial(), persist=args.persist)
            seconds = time.perf_counter() - started
        spilled = client.run(_spilled)
    return {
        "seconds": seconds,
        "res": res,
        "partitions": ddf.npartitions,
        "peak": sampler.peak,
        "baseline": baseline,
        "spilled": sum(s["written"] - before[w]["written"] for w, s in spilled.items()),
        "on_disk": sum(s["on_disk"] for s in spilled.values()),
        "limit": limit,
    }


def check_in_memory(path: str, formula: str, params: np.ndarray) -> str:
    """Fit the same files with ``persist=True`` on the threaded scheduler and compare."""
    with dask.config.set(scheduler="threads"):
        started = time.perf_counter()
        res = ds.glm(formula, dd.read_parquet(path), ds.families.Binomial(), persist=True)
        seconds = time.perf_counter() - started
    diff = max_rel_diff(params, res.params.to_numpy())
    return (
        f"in-memory check (threaded scheduler, persist=True, no memory limit): {seconds:.2f} s, "
        f"{res.passes} passes, persisted {res.model.design.persisted}; max rel diff of params "
        f"vs the out-of-core fit: {diff:.1e}"
    )


def report(args, m: dict, sizes: dict, notes: list[str]) -> str:
    """The text printed (and appended to ``--markdown``)."""
    res = m["res"]
    rows, secs = args.rows, m["seconds"]
    names = ", ".join(
        f"{n} x{c}" for n, c in pd.Series([n for n, _ in res.pass_log]).value_counts().items()
    )
    workers = [f"{k} {mib(v)}" for k, v in m["peak"].items() if k.startswith("worker")]
    lines = [
        ("rows x coefficients", f"{rows:,} x {len(res.params)}"),
        ("parquet files / dask partitions", f"{sizes['files']} / {m['partitions']}"),
        ("data on disk (parquet)", mib(sizes["disk"])),
        ("data in memory (float64 columns)", mib(sizes["memory"])),
        ("design estimate (rows x (p + 4) x 8)", mib(sizes["design"])),
        ("workers x memory_limit", f"{args.workers} x {format_bytes(m['limit'])}"),
        ("design persisted", f"{res.model.design.persisted} (persist={args.persist})"),
        ("iterations / passes", f"{res.n_iter} / {res.passes} ({names})"),
        ("total seconds (read_parquet + ds.glm)", f"{secs:.2f}"),
        (
            "seconds per irls pass (median)",
            f"{np.median([s for n, s in res.pass_log if n == 'irls']):.2f}",
        ),
        ("rows x passes / second", f"{rows * res.passes / secs:,.0f}"),
        ("rows / total second", f"{rows / secs:,.0f}"),
        ("peak RSS per worker", ", ".join(workers)),
        ("peak RSS of the client process", mib(m["peak"]["client"])),
        (
            "spilled bytes (written to disk / on disk at the end)",
            f"{m['spilled']:,.0f} / {m['on_disk']:,.0f}",
        ),
    ]
    head = f"### out of core: logistic from parquet, {args.cols} numeric columns"
    table = ["| measure | value |", "| --- | --- |"] + [f"| {k} | {v} |" for k, v in lines]
    return "\n".join([head, "", *table, "", *[f"- {n}" for n in notes], ""])


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=40e6, help="rows (float syntax)")
    parser.add_argument("--cols", type=int, default=10, help="numeric predictors")
    parser.add_argument("--memory-limit", default="1GB", help="memory_limit of each worker")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rows-per-file", type=float, default=2.5e5, help="rows per file")
    parser.add_argument("--tmpdir", default=None, help="where the temporary directory goes")
    parser.add_argument("--keep", action="store_true", help="keep the parquet directory")
    parser.add_argument(
        "--persist", choices=("auto", "true", "false"), default="auto", help="ds.glm's persist"
    )
    parser.add_argument("--check-in-memory", action="store_true", help="also fit with persist")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--markdown", default=None, help="append the results to this file")
    args = parser.parse_args(argv)
    args.rows, args.rows_per_file = int(args.rows), int(args.rows_per_file)
    args.persist = {"auto": None, "true": True, "false": False}[args.persist]
    return args


def main(argv=None) -> int:
    """Run the benchmark; return the process exit code."""
    args = parse_args(argv)
    info = machine_info()
    print("\n".join(info), flush=True)
    path = tempfile.mkdtemp(prefix="daskstats-ooc-", dir=args.tmpdir)
    notes: list[str] = []
    try:
        started = time.perf_counter()
        formula = write_parquet(path, args.rows, args.cols, args.rows_per_file, args.seed)
        print(f"wrote {path} in {time.perf_counter() - started:.1f} s", flush=True)
        sizes = {
            "files": len(os.listdir(path)),
            "disk": disk_size(path),
            "memory": args.rows * (args.cols + 1) * 8,
            "design": args.rows * (args.cols + 1 + 4) * 8,
        }
        m = fit_on_cluster(path, formula, args, notes)
        if args.check_in_memory:
            notes.append(check_in_memory(path, formula, m["res"].params.to_numpy()))
    finally:
        if not args.keep:
            shutil.rmtree(path, ignore_errors=True)
    section = report(args, m, sizes, notes)
    print("\n" + section, flush=True)
    if args.markdown:
        append_markdown(args.markdown, "out_of_core.py", argv, info, [section])
    return 0


if __name__ == "__main__":
    sys.exit(main())
