"""Penalized (elastic-net) logistic fits: daskstats' solvers against glum, dask-glm, statsmodels.

Example::

    python benchmarks/penalized.py --rows 2e6 --cols 20 --alpha 0.01 --l1-wt 1.0 \\
        --markdown benchmarks/RESULTS.md
    # a smoke test
    python benchmarks/penalized.py --rows 5e4 --cols 10 --dask-glm-max-iter 20

The data are ``run.make_case("logistic", rows, cols, seed)`` (the same rows as run.py's
``logistic`` case), a persisted dask DataFrame with ``--partitions`` partitions for daskstats
and the numpy design for the peers.  Every fit is scored by one objective computed here with
numpy on all rows from the returned coefficients::

    f(b) = -llf(b) / n + sum_j a_j * ((1 - L1_wt) * b_j**2 / 2 + L1_wt * |b_j|)

(Bernoulli log-likelihood, ``n`` rows), with ``a_j = alpha`` for the slopes and, for the
Intercept, ``a_0 = 0`` ("free" rows: statsmodels' ``fit_regularized`` and glum's convention)
or ``a_0 = alpha`` ("penalized" rows: dask-glm's convention, which has no unpenalized
intercept).  Gaps are taken within one convention.  See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass

import dask.dataframe as dd
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchutil import append_markdown  # noqa: E402
from peers import Case, Options, _dask_arrays  # noqa: E402
from run import CASES, machine_info, make_case, to_dask  # noqa: E402

import daskstats as ds  # noqa: E402

WARMUP_ROWS = 20_000
DS_METHODS = ("auto", "proximal_grad", "admm")
DASK_GLM = ("admm", "proximal_grad")
SKIPPABLE = (
    "glum",
    "statsmodels",
    "dask-glm-admm",
    "dask-glm-proximal_grad",
    "ds-penalized-intercept",
)
CHILD_FLAG = "--dask-glm-child"
TARGETS = {"admm": 50.0, "proximal_grad": 5.0}  # speed-up over dask-glm


@dataclass
class Row:
    """One fit.  ``seconds`` is None when it did not run, a lower bound when ``timed_out``."""

    label: str
    intercept: str  # "free" or "penalized": the objective convention of this fit
    seconds: float | None = None
    timed_out: bool = False
    passes: int | None = None
    n_iter: int | None = None
    converged: bool | None = None
    params: np.ndarray | None = None
    objective: float | None = None
    gap: float | None = None
    diff: float | None = None
    note: str = ""


# --------------------------------------------------------------------------- objective


def penalty_vector(alpha: float, p: int, penalize_intercept: bool) -> np.ndarray:
    """Per-coefficient penalty weights; coefficient 0 is the Intercept."""
    weights = np.full(p, float(alpha))
    if not penalize_intercept:
        weights[0] = 0.0
    return weights


def objective(X: np.ndarray, y: np.ndarray, b, weights: np.ndarray, l1_wt: float) -> float:
    """``-llf/n + sum_j w_j ((1 - L1_wt) b_j^2 / 2 + L1_wt |b_j|)`` of the logistic model."""
    b = np.asarray(b, dtype=float)
    eta = X @ b
    nll = float(np.sum(np.logaddexp(0.0, eta) - y * eta)) / len(y)
    pen = float(np.sum(weights * ((1.0 - l1_wt) * b**2 / 2.0 + l1_wt * np.abs(b))))
    return nll + pen


# --------------------------------------------------------------------------- daskstats


def fit_daskstats(case: Case, ddf, method: str, alpha, l1_wt, repeat, penalize_intercept):
    """Best-of-``--repeat`` seconds and the last results of one daskstats penalized fit.

    Free intercept: ``ds.glm(formula, ddf, Binomial(), alpha, L1_wt, method)``.  Penalized
    intercept: ``GLM.from_formula(...).fit_regularized(..., penalize_intercept=True)``.  Both
    timings include learning the formula and building the design, as in run.py.
    """
    best, res = np.inf, None
    for _ in range(repeat):
        started = time.perf_counter()
        if penalize_intercept:
            model = ds.GLM.from_formula(case.formula, ddf, ds.families.Binomial())
            res = model.fit_regularized(
                method=method, alpha=alpha, L1_wt=l1_wt, penalize_intercept=True
            )
        else:
            res = ds.glm(
                case.formula,
                ddf,
                ds.families.Binomial(),
                alpha=alpha,
                L1_wt=l1_wt,
                method=method,
            )
        best = min(best, time.perf_counter() - started)
    return best, res


def daskstats_row(case: Case, ddf, method: str, args, penalize_intercept: bool) -> Row:
    seconds, res = fit_daskstats(
        case, ddf, method, args.alpha, args.l1_wt, args.repeat, penalize_intercept
    )
    params = res.params.reindex(case.names).to_numpy()
    if np.isnan(params).any():
        raise RuntimeError(f"unexpected daskstats names: {list(res.params.index)}")
    counts = collections.Counter(n for n, _ in res.pass_log if "(no pass)" not in n)
    label = f"daskstats {method}" + (" (penalize_intercept)" if penalize_intercept else "")
    return Row(
        label,
        "penalized" if penalize_intercept else "free",
        seconds,
        passes=res.passes,
        n_iter=res.n_iter,
        converged=bool(res.converged),
        params=params,
        note="passes: " + ", ".join(f"{k} x{v}" for k, v in counts.items()),
    )


# --------------------------------------------------------------------------- glum


def glum_row(case: Case, small: Case | None, args) -> Row:
    """glum's elastic net; its objective is deviance/(2 n) + alpha (l1_ratio |b|_1 + ...)."""
    from glum import GeneralizedLinearRegressor

    def fit(c: Case):
        X = np.ascontiguousarray(c.X[:, 1:])
        model = GeneralizedLinearRegressor(
            family="binomial", alpha=args.alpha, l1_ratio=args.l1_wt, fit_intercept=True
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(X, c.y)
        converged = not any("converge" in str(w.message).lower() for w in caught)
        return np.concatenate([[model.intercept_], model.coef_]), model.n_iter_, converged

    if small is not None:
        fit(small)
    best = np.inf
    for _ in range(args.repeat):
        started = time.perf_counter()
        params, n_iter, converged = fit(case)
        best = min(best, time.perf_counter() - started)
    note = (
        f"GeneralizedLinearRegressor(family='binomial', alpha={args.alpha:g}, "
        f"l1_ratio={args.l1_wt:g}), default solver and gradient_tol, numpy; minimizes "
        "deviance/(2n) + alpha(l1_ratio|b|_1 + (1-l1_ratio)/2 |b|^2), intercept free = ours"
    )
    return Row("glum", "free", best, None, None, n_iter, converged, params, note=note)


# --------------------------------------------------------------------------- statsmodels


def statsmodels_row(case: Case, args) -> Row:
    """``sm.GLM(y, X, Binomial()).fit_regularized`` on the first ``--statsmodels-rows`` rows."""
    import statsmodels.api as sm

    m = min(int(args.statsmodels_rows), case.nrows)
    X, y = case.X[:m], case.y[:m]
    weights = penalty_vector(args.alpha, X.shape[1], penalize_intercept=False)
    best = np.inf
    for _ in range(args.repeat):
        started = time.perf_counter()
        fitted = sm.GLM(y, X, family=sm.families.Binomial()).fit_regularized(
            alpha=weights, L1_wt=args.l1_wt
        )
        best = min(best, time.perf_counter() - started)
    params = np.asarray(fitted.params)
    solver = (
        "its ridge path (_fit_ridge, BFGS)"
        if args.l1_wt == 0
        else "coordinate descent, maxiter 50, cnvrg_tol 1e-10"
    )
    note = (
        "sm.GLM(y, X).fit_regularized(alpha=[0, alpha, ...], L1_wt) on numpy (no formula), "
        f"its defaults ({solver}); same objective"
    )
    row = Row("statsmodels", "free", best * case.nrows / m, params=params)
    if m == case.nrows:
        row.note = note
        return row
    # a subsample fit: its full-data objective and coefficients are not comparable; compare
    # it with daskstats auto on the same subsample instead
    row.label = "statsmodels (EXTRAPOLATED)"
    sub = dd.from_pandas(case.frame.iloc[:m], npartitions=args.partitions, sort=False)
    ref = ds.glm(case.formula, sub, ds.families.Binomial(), alpha=args.alpha, L1_wt=args.l1_wt)
    ref_params = ref.params.reindex(case.names).to_numpy()
    gap = objective(X, y, params, weights, args.l1_wt) - objective(
        X, y, ref_params, weights, args.l1_wt
    )
    row.note = (
        f"{note}; fit on the first {m:,} rows, time EXTRAPOLATED x{case.nrows / m:.2f}; "
        f"objective and coefficients not comparable with full-data fits: on the subsample, "
        f"objective - daskstats auto = {gap:.2e}, max abs coef diff "
        f"{np.max(np.abs(params - ref_params)):.2e}"
    )
    row.params = None  # keep it out of the full-data comparisons
    return row


# --------------------------------------------------------------------------- dask-glm


def dask_glm_regularizer(l1_wt: float) -> str | None:
    """dask-glm's regularizer for ``l1_wt``, or None when it has no usable one."""
    if l1_wt == 1.0:
        return "l1"  # lamduh * |b|_1
    if l1_wt == 0.0:
        return "l2"  # lamduh * |b|^2 / 2
    # dask_glm.regularizers.ElasticNet.proximal_operator returns its input unchanged
    return None


def dask_glm_child(spec: dict) -> None:
    """Subprocess body: build the data, warm up, print READY, fit, print RESULT json."""
    import dask_glm.algorithms
    from dask_glm.families import Logistic

    algo = getattr(dask_glm.algorithms, spec["algorithm"])
    kwargs = {"regularizer": spec["regularizer"], "family": Logistic, "normalize": False}
    if spec["max_iter"] is not None:
        kwargs["max_iter"] = spec["max_iter"]
    options = Options(partitions=spec["partitions"])
    if spec["warmup"]:
        small = make_case("logistic", min(spec["rows"], WARMUP_ROWS), spec["cols"], spec["seed"])
        Xs, ys = _dask_arrays(small, options, intercept=True)
        algo(Xs, ys, **{**kwargs, "lamduh": spec["alpha"] * small.nrows, "max_iter": 2})
    case = make_case("logistic", spec["rows"], spec["cols"], spec["seed"] + spec["offset"])
    Xd, yd = _dask_arrays(case, options, intercept=True)
    del case
    print("READY", flush=True)
    started = time.perf_counter()
    beta = algo(Xd, yd, lamduh=spec["alpha"] * spec["rows"], **kwargs)
    seconds = time.perf_counter() - started
    out = {"seconds": seconds, "params": np.asarray(beta, dtype=float).tolist()}
    print("RESULT " + json.dumps(out), flush=True)


def dask_glm_row(algorithm: str, case: Case, args) -> Row:
    """Run one dask-glm algorithm in a subprocess; kill it after ``--dask-glm-timeout`` s."""
    label = f"dask-glm {algorithm}"
    regularizer = dask_glm_regularizer(args.l1_wt)
    if regularizer is None:
        return Row(label, "penalized", note="skipped: dask-glm's elastic-net prox is a no-op")
    spec = {
        "algorithm": algorithm,
        "regularizer": regularizer,
        "rows": case.nrows,
        "cols": args.cols,
        "seed": args.seed,
        "offset": CASES.index("logistic"),
        "alpha": args.alpha,
        "partitions": args.partitions,
        "max_iter": args.dask_glm_max_iter,
        "warmup": not args.no_warmup,
    }
    defaults = {"admm": "max_iter 250, abstol 1e-4, reltol 1e-2", "proximal_grad": "max_iter 100"}
    settings = defaults[algorithm]
    if args.dask_glm_max_iter is not None:
        settings = f"max_iter {args.dask_glm_max_iter} (--dask-glm-max-iter)"
    note = (
        f"algorithms.{algorithm}(regularizer='{regularizer}', lamduh=alpha*n="
        f"{args.alpha * case.nrows:g}, normalize=False), {settings}; {args.partitions} "
        "chunks with an intercept column, in a subprocess; minimizes the SUM of the negative "
        "log-likelihood + lamduh * penalty over ALL coefficients (intercept penalized) = n x ours"
        " with the intercept penalized"
    )
    cmd = [sys.executable, os.path.abspath(__file__), CHILD_FLAG, json.dumps(spec)]
    with tempfile.TemporaryFile(mode="w+") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True)
        ready = proc.stdout.readline().strip()
        if ready != "READY":
            proc.wait()
            err.seek(0)
            last = (err.read().strip().splitlines() or ["no output"])[-1][:150]
            return Row(label, "penalized", note=f"failed before fitting: {last}")
        try:
            out, _ = proc.communicate(timeout=args.dask_glm_timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            return Row(
                label,
                "penalized",
                float(args.dask_glm_timeout),
                timed_out=True,
                note=f"{note}; TIMED OUT (killed after {args.dask_glm_timeout:g} s): the time "
                "is a lower bound",
            )
        err.seek(0)
        stderr = err.read()
    result = next((ln[7:] for ln in out.splitlines() if ln.startswith("RESULT ")), None)
    if proc.returncode != 0 or result is None:
        last = (stderr.strip().splitlines() or ["no output"])[-1][:150]
        return Row(label, "penalized", note=f"failed (exit {proc.returncode}): {last}")
    result = json.loads(result)
    return Row(label, "penalized", result["seconds"], params=np.array(result["params"]), note=note)


# --------------------------------------------------------------------------- reporting


def score(rows: list[Row], case: Case, args) -> None:
    """Fill ``objective``, ``gap`` and ``diff`` of every row that has full-data coefficients."""
    weights = {
        conv: penalty_vector(args.alpha, len(case.names), conv == "penalized")
        for conv in ("free", "penalized")
    }
    for row in rows:
        if row.params is not None:
            row.objective = objective(
                case.X, case.y, row.params, weights[row.intercept], args.l1_wt
            )
    for conv in ("free", "penalized"):
        mine = [r for r in rows if r.intercept == conv and r.objective is not None]
        if not mine:
            continue
        best = min(r.objective for r in mine)
        ref = next((r for r in mine if r.label.startswith("daskstats auto")), None)
        for row in mine:
            row.gap = row.objective - best
            if ref is not None:
                row.diff = float(np.max(np.abs(row.params - ref.params)))


def _fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def format_table(rows: list[Row], auto_seconds: float) -> str:
    lines = [
        "| tool / method | intercept | seconds | ratio to daskstats auto | passes | iterations "
        "| converged | objective | objective - best | max abs coef diff | note |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        lb = ">" if r.timed_out else ""
        secs = "-" if r.seconds is None else f"{lb}{r.seconds:.3f}"
        ratio = "-" if r.seconds is None else f"{lb}{r.seconds / auto_seconds:.2f}"
        conv = "-" if r.converged is None else ("yes" if r.converged else "NO")
        lines.append(
            f"| {r.label} | {r.intercept} | {secs} | {ratio} | {_fmt(r.passes, 'd')} | "
            f"{_fmt(r.n_iter, 'd')} | {conv} | {_fmt(r.objective, '.10f')} | "
            f"{_fmt(r.gap, '.2e')} | {_fmt(r.diff, '.2e')} | {r.note} |"
        )
    return "\n".join(lines)


def _find(rows: list[Row], label: str) -> Row | None:
    return next((r for r in rows if r.label == label and r.seconds is not None), None)


def target_lines(rows: list[Row]) -> list[str]:
    """The issue's speed targets as PASS / FAIL / UNDECIDED lines."""
    out = []
    auto, glum = _find(rows, "daskstats auto"), _find(rows, "glum")
    if auto is None or glum is None:
        out.append("- target daskstats auto <= glum: NOT RUN")
    else:
        verdict = "PASS" if auto.seconds <= glum.seconds else "FAIL"
        out.append(
            f"- target daskstats auto <= glum: {auto.seconds:.3f} s vs {glum.seconds:.3f} s "
            f"(glum / auto = {glum.seconds / auto.seconds:.2f}): {verdict}"
        )
    for method in DASK_GLM:
        factor = TARGETS[method]
        theirs = _find(rows, f"dask-glm {method}")
        same = _find(rows, f"daskstats {method} (penalize_intercept)")
        ours = same or _find(rows, f"daskstats {method}")
        head = f"- target daskstats {method} >= {factor:g}x faster than dask-glm {method}"
        if theirs is None or ours is None:
            out.append(f"{head}: NOT RUN")
            continue
        ratio = theirs.seconds / ours.seconds
        if ratio >= factor:
            verdict = "PASS" + (" (dask-glm timed out: ratio is a lower bound)" * theirs.timed_out)
        elif theirs.timed_out:
            verdict = "UNDECIDED (dask-glm timed out; raise --dask-glm-timeout)"
        else:
            verdict = "FAIL"
        which = "same objective, intercept penalized" if same else "intercept free vs penalized"
        gaps = (
            f"objective - best: daskstats {_fmt(ours.gap, '.1e')}, "
            f"dask-glm {_fmt(theirs.gap, '.1e')}"
        )
        lb = ">" if theirs.timed_out else ""
        out.append(
            f"{head} ({which}): {lb}{theirs.seconds:.3f} s / {ours.seconds:.3f} s = "
            f"{lb}{ratio:.1f}x; {gaps}: {verdict}"
        )
    return out


# --------------------------------------------------------------------------- main


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=2e6, help="rows (float syntax, e.g. 2e6)")
    parser.add_argument("--cols", type=int, default=20, help="numeric predictors")
    parser.add_argument("--alpha", type=float, default=0.01, help="penalty weight")
    parser.add_argument("--l1-wt", type=float, default=1.0, help="1 lasso, 0 ridge")
    parser.add_argument("--partitions", type=int, default=16, help="also dask-glm's chunks")
    parser.add_argument("--seed", type=int, default=0, help="as run.py's --seed")
    parser.add_argument("--repeat", type=int, default=1, help="timed fits (best kept)")
    parser.add_argument(
        "--statsmodels-rows", type=float, default=2e5, help="subsample for statsmodels"
    )
    parser.add_argument(
        "--dask-glm-timeout",
        type=float,
        default=900.0,
        help="seconds before a dask-glm fit is killed (its time is then a lower bound)",
    )
    parser.add_argument(
        "--dask-glm-max-iter", type=int, default=None, help="default: dask-glm's own"
    )
    parser.add_argument("--skip", action="append", default=[], choices=SKIPPABLE, help="repeatable")
    parser.add_argument("--no-warmup", action="store_true", help="skip the small warm-up fits")
    parser.add_argument("--markdown", default=None, help="append the results to this file")
    args = parser.parse_args(argv)
    if not (args.alpha > 0 and 0.0 <= args.l1_wt <= 1.0):
        parser.error("need --alpha > 0 and 0 <= --l1-wt <= 1")
    return args


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [CHILD_FLAG]:
        dask_glm_child(json.loads(argv[1]))
        return 0
    args = parse_args(argv)
    info = machine_info()
    print("\n".join(info), flush=True)
    rows_n = int(args.rows)
    case = make_case("logistic", rows_n, args.cols, args.seed + CASES.index("logistic"))
    ddf = to_dask(case, args.partitions)
    methods = DS_METHODS + (("lbfgs",) if args.l1_wt == 0 else ())
    # the penalized-intercept auto fit is the reference of dask-glm's rows: always run it
    skip_pen = "ds-penalized-intercept" in args.skip
    plan = [(m, False) for m in methods] + [(m, True) for m in methods[: 1 if skip_pen else None]]
    small = None
    if not args.no_warmup:
        small = make_case("logistic", min(rows_n, WARMUP_ROWS), args.cols, args.seed + 1000)
        small_ddf = to_dask(small, 2)
        for method in methods:
            fit_daskstats(small, small_ddf, method, args.alpha, args.l1_wt, 1, False)
    print(f"\n== logistic: {rows_n:,} rows, {len(case.names)} coefficients", flush=True)
    rows = []
    for method, penalize_intercept in plan:
        row = daskstats_row(case, ddf, method, args, penalize_intercept)
        print(f"  {row.label}: {row.seconds:.3f} s, {row.passes} passes", flush=True)
        rows.append(row)
    del ddf
    peers = [
        ("glum", lambda: glum_row(case, small, args)),
        ("statsmodels", lambda: statsmodels_row(case, args)),
    ] + [(f"dask-glm-{a}", lambda a=a: dask_glm_row(a, case, args)) for a in DASK_GLM]
    for name, run_peer in peers:
        if name in args.skip:
            rows.append(Row(name.replace("dask-glm-", "dask-glm "), "-", note="skipped (--skip)"))
            continue
        try:
            row = run_peer()
        except Exception as exc:  # a peer failing must not stop the benchmark
            msg = str(exc).splitlines()[0][:150] if str(exc) else ""
            row = Row(name, "-", note=f"failed: {type(exc).__name__}: {msg}")
        print(f"  {row.label}: {_fmt(row.seconds, '.3f')} s", flush=True)
        rows.append(row)
    score(rows, case, args)
    auto = rows[0]
    head = (
        f"### penalized logistic: {rows_n:,} rows x {len(case.names)} coefficients, "
        f"alpha {args.alpha:g}, L1_wt {args.l1_wt:g}, {args.partitions} partitions, "
        f"best of {args.repeat}"
    )
    notes = [
        "- objective (computed with numpy on all rows from each fit's coefficients): "
        "-llf/n + sum_j a_j((1-L1_wt) b_j^2/2 + L1_wt |b_j|), Bernoulli llf, n rows; "
        "a_Intercept = 0 on 'free' rows, = alpha on 'penalized' rows (dask-glm's convention); "
        "'objective - best' and 'max abs coef diff' (against daskstats auto of the same "
        "convention) compare rows of one convention only",
        "- daskstats seconds include learning the formula and building the design; passes = "
        "res.passes (every pass over the data, the final statistics pass included)",
        "- dask-glm: one timed fit per algorithm (no --repeat) in a fresh subprocess after a "
        "2-iteration warm-up; normalize=False so that its penalty applies to the coefficients "
        "reported (its default standardizes the columns and penalizes the standardized ones)",
    ]
    section = "\n".join(
        [head, "", format_table(rows, auto.seconds), "", *notes, *target_lines(rows), ""]
    )
    print("\n" + section, flush=True)
    if args.markdown:
        append_markdown(args.markdown, "penalized.py", argv, info, [section])
    return 0


if __name__ == "__main__":
    sys.exit(main())
