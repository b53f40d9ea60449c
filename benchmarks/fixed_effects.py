"""Poisson with an offset and a many-level fixed effect: daskstats against glum.

Example::

    python benchmarks/fixed_effects.py --rows 2e6 --levels 20000 --cols 10 \\
        --markdown benchmarks/RESULTS.md
    python benchmarks/fixed_effects.py --rows 2e6 --levels 200 --cols 10   # 200-level case

Model: ``y ~ Poisson(exp(0.2 + 0.3 X b + effect[fe] + off))`` with ``off = log(U(0.5, 2))``,
fitted as ``y ~ x0 + ... + x9 + C(fe)`` with ``offset="off"``.  (``run.make_case`` builds the
dense design with one column per level, which is out of reach for 20,000 levels, so the data
are drawn here.)  The parent writes them to parquet once; each tool then runs in a fresh
subprocess that loads the files, fits, and reports its own peak RSS (``VmHWM``) after the
imports, after loading and at the end:

* daskstats: ``dd.read_parquet(dir).persist()`` (load), then ``ds.glm(...)`` (fit) on the
  threaded scheduler; the fit must keep ``C(fe)`` as integer codes
  (``res.model.layout.coded is not None``), never as a dense n x levels design.
* glum: ``pd.read_parquet`` of every file into one frame with ``fe`` a pandas Categorical
  (load), then ``GeneralizedLinearRegressor(family="poisson", alpha=0, drop_first=True)``
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


def write_data(path: str, rows: int, levels: int, cols: int, seed: int) -> list[str]:
    """Draw the data set, write it as ``max(8, rows / 250000)`` parquet files; return the levels."""
    rng = np.random.default_rng(seed)
    names = [f"f{k:0{len(str(levels - 1))}d}" for k in range(levels)]
    X = rng.standard_normal((rows, cols))
    beta = rng.normal(0.0, 1.0 / np.sqrt(cols), cols)
    codes = rng.integers(0, levels, rows)
    effects = rng.normal(0.0, 0.3, levels)
    effects[0] = 0.0
    offset = np.log(rng.uniform(0.5, 2.0, rows))
    y = rng.poisson(np.exp(0.2 + 0.3 * (X @ beta) + effects[codes] + offset)).astype(float)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(cols)])
    frame["fe"] = pd.Categorical.from_codes(codes, categories=names)
    frame["off"] = offset
    frame["y"] = y
    per_file = -(-rows // max(MIN_FILES, rows // ROWS_PER_FILE))
    for i, start in enumerate(range(0, rows, per_file)):
        part = frame.iloc[start : start + per_file]
        part.to_parquet(os.path.join(path, f"part-{i:05d}.parquet"), index=False)
    return names


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
    coefs = res.params
    out["coefs"] = {k: float(v) for k, v in coefs.items() if not k.startswith("C(fe)")}
    out["levels"] = {k[len("C(fe)[T.") : -1]: float(v) for k, v in coefs.items() if "[T." in k}
    out["note"] = (
        f"{res.n_iter} iterations, {res.passes} passes, {ddf.npartitions} partitions, "
        f"design persisted {res.model.design.persisted}, "
        f"C(fe) coded: {res.model.layout.coded is not None}"
    )
    out["coded"] = res.model.layout.coded is not None
    return out


def _fit_glum(path: str, formula: str) -> dict:
    from glum import GeneralizedLinearRegressor

    out = {"rss_imports": _maxrss()}
    started = time.perf_counter()
    files = sorted(os.path.join(path, f) for f in os.listdir(path))
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    numeric = formula.split("~")[1].replace("+ C(fe)", "").split("+")
    X = frame[[c.strip() for c in numeric] + ["fe"]]
    out["load_s"], out["rss_load"] = time.perf_counter() - started, _maxrss()
    started = time.perf_counter()
    model = GeneralizedLinearRegressor(
        family="poisson", alpha=0, fit_intercept=True, drop_first=True
    )
    model.fit(X, frame["y"].to_numpy(), offset=frame["off"].to_numpy())
    out["fit_s"] = time.perf_counter() - started
    coefs = dict(zip(model.feature_names_, map(float, model.coef_), strict=True))
    out["coefs"] = {"Intercept": float(model.intercept_)}
    out["coefs"].update({k: v for k, v in coefs.items() if not k.startswith("fe[")})
    out["levels"] = {k[3:-1]: v for k, v in coefs.items() if k.startswith("fe[")}
    out["note"] = f"{model.n_iter_} iterations, pandas Categorical fe, default gradient_tol"
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


def report(args, results: dict, levels: list[str]) -> str:
    """Markdown table of the two tools plus the coefficient comparison."""
    head = (
        f"### fixed effects: Poisson with offset, {args.rows:,} rows, {args.cols} numeric "
        f"columns + C(fe) with {args.levels:,} levels ({args.cols + args.levels} coefficients)"
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
        verdict = "PASS" if dsk["coded"] else "FAIL (dense indicator design)"
        notes.append(f"- daskstats keeps C(fe) as codes (`layout.coded is not None`): {verdict}")
    if "coefs" in dsk and "coefs" in glm:
        xs = [f"x{j}" for j in range(args.cols)]
        dx = max(abs(dsk["coefs"][k] - glm["coefs"][k]) for k in xs)
        di = abs(dsk["coefs"]["Intercept"] - glm["coefs"]["Intercept"])
        dl = max(abs(dsk["levels"][k] - glm["levels"][k]) for k in levels[1:])
        notes.append(f"- max abs diff daskstats vs glum: x0..x{args.cols - 1} {dx:.2e}, ")
        notes[-1] += f"intercept {di:.2e}, the {len(levels) - 1:,} level effects {dl:.2e}"
    notes.append(
        "- each tool runs in a fresh subprocess; peak RSS is its own high-water mark "
        "(`VmHWM`, which includes the imports and the loaded data)"
    )
    return "\n".join([head, "", *lines, "", *notes, ""])


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=2e6, help="rows (float syntax)")
    parser.add_argument("--levels", type=int, default=20000, help="levels of the fixed effect")
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
    path = tempfile.mkdtemp(prefix="daskstats-fe-", dir=args.tmpdir)
    formula = "y ~ " + " + ".join(f"x{j}" for j in range(args.cols)) + " + C(fe)"
    try:
        levels = write_data(path, args.rows, args.levels, args.cols, args.seed)
        results = {}
        for tool in args.tools:
            results[tool] = run_tool(tool, path, formula)
            print(f"  {tool}: {results[tool].get('fit_s', results[tool].get('error'))}")
    finally:
        shutil.rmtree(path, ignore_errors=True)
    section = report(args, results, levels)
    print("\n" + section, flush=True)
    if args.markdown:
        append_markdown(args.markdown, "fixed_effects.py", argv, info, [section])
    return 0


if __name__ == "__main__":
    sys.exit(main())
