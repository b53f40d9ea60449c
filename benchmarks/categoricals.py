"""Poisson with an offset and categorical factors — rating factors, fixed effects — against
glum.

Examples::

    # rating factors: 5 numeric columns and 8 factors (278 coefficients), 2M rows
    python benchmarks/categoricals.py --rows 2e6 --cols 5 \\
        --factor 5 --factor 8 --factor 12 --factor 20 --factor 30 --factor 45 --factor 60 \\
        --factor 100 --markdown benchmarks/RESULTS.md
    # two-way fixed effects (5,000 + 1,000 levels), 2M rows
    python benchmarks/categoricals.py --rows 2e6 --cols 5 --factor 5000 --factor 1000
    # one 20,000-level fixed effect
    python benchmarks/categoricals.py --rows 2e6 --cols 10 --factor 20000

Model: ``y ~ Poisson(exp(0.2 + 0.3 X b + Σ_k effect_k[f_k] + off))`` with
``off = log(U(0.5, 2))``, fitted as ``y ~ x0 + ... + C(f0) + C(f1) + ...`` with
``offset="off"``. (A dense design with one column per level is out of reach for many levels,
so the data are drawn here.) The parent writes them to parquet once; each tool then runs in a
fresh subprocess that loads the files, fits, and reports its own peak RSS (``VmHWM``) after the
imports, after loading and at the end:

* daskstats: ``dd.read_parquet(dir).persist()`` (load), then ``ds.glm(...)`` (fit) on the
  threaded scheduler; every factor must be kept as integer codes, never as indicator columns.
* glum: ``pd.read_parquet`` of every file into one frame with the factors as pandas
  Categoricals (load; glum's categorical fast path), then
  ``GeneralizedLinearRegressor(family="poisson", alpha=0, drop_first=True)``
  ``.fit(X, y, offset=off)`` (fit), default tolerance.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchutil import append_markdown, mib  # noqa: E402

ROWS_PER_FILE = 250_000
MIN_FILES = 8
TOOLS = ("daskstats", "glum")


def write_data(path: str, rows: int, factors: list[int], cols: int, seed: int) -> None:
    """Draw the data set, write it as ``max(8, rows / 250000)`` parquet files."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, cols))
    beta = rng.normal(0.0, 1.0 / np.sqrt(cols), cols)
    offset = np.log(rng.uniform(0.5, 2.0, rows))
    eta = 0.2 + 0.3 * (X @ beta) + offset
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(cols)])
    for k, levels in enumerate(factors):
        names = [f"l{i:0{len(str(levels - 1))}d}" for i in range(levels)]
        codes = rng.integers(0, levels, rows)
        effects = rng.normal(0.0, 0.3 / np.sqrt(len(factors)), levels)
        effects[0] = 0.0
        eta += effects[codes]
        frame[f"f{k}"] = pd.Categorical.from_codes(codes, categories=names)
    y = rng.poisson(np.exp(eta)).astype(float)
    frame["off"] = offset
    frame["y"] = y
    per_file = -(-rows // max(MIN_FILES, rows // ROWS_PER_FILE))
    for i, start in enumerate(range(0, rows, per_file)):
        part = frame.iloc[start : start + per_file]
        part.to_parquet(os.path.join(path, f"part-{i:05d}.parquet"), index=False)


def _maxrss() -> int:
    """Peak RSS of this process so far, bytes.

    ``VmHWM`` of ``/proc/self/status``: unlike ``ru_maxrss``, which on Linux carries the
    parent's peak over ``fork``/``exec``, it is the high-water mark of this program alone.
    """
    try:
        with open("/proc/self/status") as fh:
            line = next(ln for ln in fh if ln.startswith("VmHWM:"))
        return int(line.split()[1]) * 1024
    except (OSError, StopIteration):  # not Linux
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _fit_daskstats(path: str, formula: str) -> dict:
    import dask.dataframe as dd

    import daskstats as ds

    out = {"rss_imports": _maxrss()}
    started = time.perf_counter()
    ddf = dd.read_parquet(path).persist()
    out["load_s"], out["rss_load"] = time.perf_counter() - started, _maxrss()
    started = time.perf_counter()
    res = ds.glm(formula, ddf, ds.families.Poisson(), offset="off")
    out["fit_s"] = time.perf_counter() - started
    out["coefs"] = {_plain(k): float(v) for k, v in res.params.items()}
    coded = {t.name for t in res.model.layout.coded}
    factors = [t for t in res.model.spec.x_info.term_names if t.startswith("C(")]
    out["note"] = (
        f"{res.n_iter} iterations, {res.passes} passes, {ddf.npartitions} partitions, "
        f"design persisted {res.model.source.persisted}, {len(res.params)} coefficients, "
        f"factors coded: {len(coded)}/{len(factors)}"
    )
    out["coded"] = coded == set(factors)
    return out


def _plain(name: str) -> str:
    """``C(f0)[T.l03]`` as glum names it (``f0[l03]``); other names unchanged."""
    if name.startswith("C("):
        term, level = name[2:].split(")[T.")
        return f"{term}[{level}"
    return name


def _fit_glum(path: str, formula: str) -> dict:
    from glum import GeneralizedLinearRegressor

    out = {"rss_imports": _maxrss()}
    started = time.perf_counter()
    files = sorted(os.path.join(path, f) for f in os.listdir(path))
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    terms = [t.strip() for t in formula.split("~")[1].split("+")]
    columns = [t[2:-1] if t.startswith("C(") else t for t in terms]
    X = frame[columns]
    out["load_s"], out["rss_load"] = time.perf_counter() - started, _maxrss()
    started = time.perf_counter()
    model = GeneralizedLinearRegressor(
        family="poisson", alpha=0, fit_intercept=True, drop_first=True
    )
    model.fit(X, frame["y"].to_numpy(), offset=frame["off"].to_numpy())
    out["fit_s"] = time.perf_counter() - started
    out["coefs"] = {"Intercept": float(model.intercept_)}
    out["coefs"].update(zip(model.feature_names_, map(float, model.coef_), strict=True))
    out["note"] = f"{model.n_iter_} iterations, pandas Categoricals, default gradient_tol"
    return out


def run_child(args) -> int:
    """Subprocess entry point: fit with one tool and print a JSON line."""
    fit = {"daskstats": _fit_daskstats, "glum": _fit_glum}[args.child]
    out = fit(args.data, args.formula)
    out["rss_peak"] = _maxrss()
    print("RESULT " + json.dumps(out))
    return 0


def run_tool(tool: str, path: str, formula: str) -> dict:
    """Run one tool in a fresh interpreter; return its JSON report (or an ``error``)."""
    command = [sys.executable, os.path.abspath(__file__), "--child", tool, "--data", path]
    proc = subprocess.run(command + ["--formula", formula], capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"exit {proc.returncode}: {tail[:200]}"}


def report(args, results: dict) -> str:
    """Markdown table of the two tools plus the coefficient comparison."""
    n_coef = 1 + args.cols + sum(level - 1 for level in args.factor)
    levels = " + ".join(f"{level:,}" for level in args.factor)
    head = (
        f"### categoricals: Poisson with offset, {args.rows:,} rows, {args.cols} numeric "
        f"columns + {len(args.factor)} factors of {levels} levels ({n_coef} coefficients)"
    )
    lines = [
        "| tool | load s | fit s | peak RSS after imports | after load | peak RSS | note |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for tool, r in results.items():
        if "error" in r:
            lines.append(f"| {tool} | - | - | - | - | - | failed: {r['error']} |")
            continue
        lines.append(
            f"| {tool} | {r['load_s']:.2f} | {r['fit_s']:.2f} | {mib(r['rss_imports'])} "
            f"| {mib(r['rss_load'])} | {mib(r['rss_peak'])} | {r['note']} |"
        )
    notes = []
    dsk, glm = results.get("daskstats", {}), results.get("glum", {})
    if "coded" in dsk:
        verdict = "PASS" if dsk["coded"] else "FAIL (indicator columns)"
        notes.append(f"- daskstats keeps every factor as level codes: {verdict}")
    if "fit_s" in dsk and "fit_s" in glm:
        notes.append(f"- fit time daskstats / glum: {dsk['fit_s'] / glm['fit_s']:.2f}")
    if "coefs" in dsk and "coefs" in glm:
        shared = [k for k in dsk["coefs"] if k in glm["coefs"]]
        diff = max(abs(dsk["coefs"][k] - glm["coefs"][k]) for k in shared)
        notes.append(
            f"- max abs coefficient diff daskstats vs glum over {len(shared)} of "
            f"{len(dsk['coefs'])} coefficients: {diff:.2e}"
        )
    notes.append(
        "- each tool runs in a fresh subprocess; peak RSS is its own high-water mark "
        "(`VmHWM`, which includes the imports and the loaded data)"
    )
    return "\n".join([head, "", *lines, "", *notes, ""])


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=2e6, help="rows (float syntax)")
    parser.add_argument(
        "--factor", type=int, action="append", help="levels of a factor (repeat; default 20000)"
    )
    parser.add_argument("--cols", type=int, default=10, help="numeric predictors")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tmpdir", default=None, help="where the temporary directory goes")
    parser.add_argument("--markdown", default=None, help="append the results to this file")
    parser.add_argument("--child", choices=TOOLS, help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--formula", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.rows = int(args.rows)
    args.factor = args.factor or [20000]
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    if set(args.tools) - set(TOOLS):
        parser.error(f"--tools: choose from {TOOLS}")
    return args


def main(argv=None) -> int:
    """Run the benchmark (or, with ``--child``, one tool's fit); return the exit code."""
    args = parse_args(argv)
    if args.child:
        return run_child(args)
    from run import machine_info  # imports daskstats: not in the children (their RSS counts)

    info = machine_info()
    print("\n".join(info), flush=True)
    path = tempfile.mkdtemp(prefix="daskstats-cat-", dir=args.tmpdir)
    terms = [f"x{j}" for j in range(args.cols)] + [f"C(f{k})" for k in range(len(args.factor))]
    formula = "y ~ " + " + ".join(terms)
    try:
        write_data(path, args.rows, args.factor, args.cols, args.seed)
        results = {}
        for tool in args.tools:
            results[tool] = run_tool(tool, path, formula)
            print(f"  {tool}: {results[tool].get('fit_s', results[tool].get('error'))}")
    finally:
        shutil.rmtree(path, ignore_errors=True)
    section = report(args, results)
    print("\n" + section, flush=True)
    if args.markdown:
        append_markdown(args.markdown, "categoricals.py", argv, info, [section])
    return 0


if __name__ == "__main__":
    sys.exit(main())
