"""daskstats on a ``distributed`` LocalCluster: time per IRLS pass and scheduler overhead.

Example::

    python benchmarks/distributed_overhead.py --rows 4e5 --cols 10 --partitions 8,200 \\
        --markdown benchmarks/RESULTS.md

The logistic data set of ``run.make_case`` is fitted with ``ds.glm`` on a
``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)`` once per partition count.
The overhead of one pass (building the graph, scheduling one task per partition plus the
summation tree, moving the partial sums) is estimated by fitting a data set with the same
number of partitions but only ``--tiny-rows`` (default 50) rows per partition: its pass time
is almost all overhead.  ``compute per pass`` is the full pass time minus that overhead.
Every cluster fit is compared with the same fit on the threaded scheduler (run before the
cluster starts).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass

import dask
import dask.dataframe as dd
import numpy as np
from distributed import Client, LocalCluster, get_client, wait

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchutil import append_markdown, max_rel_diff  # noqa: E402
from run import machine_info, make_case  # noqa: E402

import daskstats as ds  # noqa: E402


@dataclass
class Fit:
    """Timing of one fit: ``GLM.from_formula`` (design) and ``.fit()`` separately."""

    design_seconds: float
    seconds: float
    checks_seconds: float
    n_iter: int
    passes: int
    pass_seconds: float
    params: np.ndarray

    @property
    def per_iteration(self) -> float:
        """Wall seconds of ``.fit()`` per IRLS iteration."""
        return self.seconds / max(self.n_iter, 1)


def fit_once(formula: str, ddf: dd.DataFrame, repeat: int = 1) -> Fit:
    """Build and fit a logistic GLM on ``ddf`` ``repeat`` times; keep the fastest fit.

    Parameters
    ----------
    formula : str
    ddf : dask.dataframe.DataFrame
        Persisted (on the cluster when a client is active).
    repeat : int

    Returns
    -------
    Fit
    """
    best = None
    for _ in range(repeat):
        started = time.perf_counter()
        model = ds.GLM.from_formula(formula, ddf, ds.families.Binomial())
        if model.source.persisted and _client() is not None:
            # persist returns at once on a cluster: wait for the design to be built, so that
            # building it counts as the design's time (as on the threaded scheduler), not the fit's
            wait(list(model.runner.pass_blocks) + list(model.runner.blocks))
        design = time.perf_counter() - started
        started = time.perf_counter()
        res = model.fit()
        seconds = time.perf_counter() - started
        if best is None or seconds < best.seconds:
            irls = [s for name, s in res.pass_log if name == "irls"]
            checks = sum(s for name, s in res.pass_log if name.startswith("checks"))
            best = Fit(
                design,
                seconds,
                checks,
                int(res.n_iter),
                int(res.passes),
                float(np.median(irls)) if irls else float("nan"),
                res.params.to_numpy(),
            )
    return best


def _client():
    try:
        return get_client()
    except ValueError:
        return None


def persisted(frame, partitions: int, client: Client | None = None) -> dd.DataFrame:
    """``frame`` as a dask DataFrame with ``partitions`` partitions, persisted (and waited on)."""
    ddf = dd.from_pandas(frame, npartitions=partitions, sort=False).persist()
    if client is not None:
        wait(ddf)
    return ddf


def threaded_reference(case, partitions: list[int], repeat: int) -> dict[int, Fit]:
    """Fits on the threaded scheduler (no client), one per partition count."""
    with dask.config.set(scheduler="threads"):
        return {p: fit_once(case.formula, persisted(case.frame, p), repeat) for p in partitions}


def cluster_fits(case, args, reference: dict[int, Fit]) -> tuple[list[dict], str]:
    """Start the LocalCluster, fit full and tiny data sets per partition count.

    Returns
    -------
    rows : list of dict
        One dict of measurements per partition count.
    description : str
        The cluster's description.
    """
    cluster = LocalCluster(
        n_workers=args.workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
    )
    rows = []
    with cluster, Client(cluster) as client:
        description = (
            f"LocalCluster(n_workers={args.workers}, threads_per_worker=1, processes=True)"
        )
        warm = make_case("logistic", 2_000, args.cols, args.seed + 1000)
        fit_once(warm.formula, persisted(warm.frame, 4, client))
        for parts in args.partitions:
            full = fit_once(case.formula, persisted(case.frame, parts, client), args.repeat)
            tiny_case = make_case("logistic", args.tiny_rows * parts, args.cols, args.seed + 1)
            tiny = fit_once(
                tiny_case.formula, persisted(tiny_case.frame, parts, client), args.repeat
            )
            client.cancel(list(client.futures))  # drop this size's data from the workers
            ref = reference[parts]
            rows.append(
                {
                    "partitions": parts,
                    "full": full,
                    "tiny": tiny,
                    "threaded": ref,
                    "diff": max_rel_diff(full.params, ref.params),
                    "diff_first": max_rel_diff(full.params, reference[args.partitions[0]].params),
                }
            )
            print(f"  {parts} partitions: {full.seconds:.3f} s, {full.n_iter} iterations")
    return rows, description


def format_table(rows: list[dict]) -> str:
    """One markdown line per partition count."""
    lines = [
        "| partitions | design s | fit s | checks s | iterations | passes | s per iteration "
        "| s per pass "
        "| overhead per pass | compute per pass | overhead share | threaded s per pass "
        "| max rel diff vs threaded |",
        "|" + " ---: |" * 13,
    ]
    for r in rows:
        full, tiny, ref = r["full"], r["tiny"], r["threaded"]
        compute = full.pass_seconds - tiny.pass_seconds
        lines.append(
            f"| {r['partitions']} | {full.design_seconds:.3f} | {full.seconds:.3f} "
            f"| {full.checks_seconds:.3f} | {full.n_iter} | {full.passes} "
            f"| {full.per_iteration:.4f} | {full.pass_seconds:.4f} | {tiny.pass_seconds:.4f} "
            f"| {compute:.4f} | {tiny.pass_seconds / full.pass_seconds:.0%} "
            f"| {ref.pass_seconds:.4f} | {r['diff']:.1e} |"
        )
    return "\n".join(lines)


def report(case, args, rows: list[dict], description: str) -> str:
    """The text printed (and appended to ``--markdown``)."""
    head = (
        f"### distributed: logistic, {case.nrows:,} rows x {len(case.names)} coefficients, "
        f"{description}, best of {args.repeat}"
    )
    notes = [
        "- design s: `ds.GLM.from_formula` (learn the formula, build and persist the design, "
        "pooled into a few blocks per worker thread; on the cluster, until its blocks are held); "
        "fit s: `.fit()`, of which checks s is the data-checks graph (`checks (no pass)`)",
        "- s per iteration: fit s / iterations",
        "- s per pass: median of the `irls` passes of `res.pass_log` (wall time seen by the "
        "client: graph build, scheduling, compute, reduction, result transfer)",
        f"- overhead per pass: median `irls` pass of the same fit on {args.tiny_rows} rows per "
        "partition (same partitions, same graph; the compute is negligible)",
        "- compute per pass = s per pass - overhead per pass",
        "- threaded s per pass: the same fit on dask's threaded scheduler (no client, "
        "2 threads), run before the cluster started",
    ]
    first = args.partitions[0]
    notes += [
        f"- max rel diff of params, {r['partitions']} partitions on the cluster vs "
        f"{first} partitions threaded: {r['diff_first']:.1e}"
        for r in rows
        if r["partitions"] != first
    ]
    return "\n".join([head, "", format_table(rows), "", *notes, ""])


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=4e5, help="rows (float syntax)")
    parser.add_argument("--cols", type=int, default=10, help="numeric predictors")
    parser.add_argument("--partitions", default="8,200", help="comma-separated counts")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--tiny-rows", type=int, default=50, help="rows per partition, overhead")
    parser.add_argument("--repeat", type=int, default=1, help="timed fits (best kept)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--markdown", default=None, help="append the results to this file")
    args = parser.parse_args(argv)
    args.rows = int(args.rows)
    args.partitions = [int(p) for p in args.partitions.split(",") if p.strip()]
    return args


def main(argv=None) -> int:
    """Run the benchmark; return the process exit code."""
    args = parse_args(argv)
    info = machine_info()
    print("\n".join(info), flush=True)
    case = make_case("logistic", args.rows, args.cols, args.seed)
    reference = threaded_reference(case, args.partitions, args.repeat)
    rows, description = cluster_fits(case, args, reference)
    section = report(case, args, rows, description)
    print("\n" + section, flush=True)
    if args.markdown:
        append_markdown(args.markdown, "distributed_overhead.py", argv, info, [section])
    return 0


if __name__ == "__main__":
    sys.exit(main())
