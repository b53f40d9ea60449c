"""Command line: ``daskstats demo`` and ``daskstats fit DATA FORMULA``.

Bad input exits with status 2 and a one-line message (no traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import patsy

from daskstats import families as fam
from daskstats.compare import compare
from daskstats.errors import DataError
from daskstats.formula import check_untrusted_formula
from daskstats.models.discrete import Logit, Poisson, Probit
from daskstats.models.glm import GLM
from daskstats.models.negbin import NegativeBinomial
from daskstats.models.regression import OLS, WLS

__all__ = ["main"]

FAMILIES = (
    "gaussian",
    "binomial",
    "poisson",
    "gamma",
    "inverse_gaussian",
    "negative_binomial",
    "tweedie",
)
LINKS = (
    "identity",
    "log",
    "logit",
    "probit",
    "cloglog",
    "loglog",
    "cauchy",
    "inverse_power",
    "inverse_squared",
    "sqrt",
    "logc",
)


class UsageError(Exception):
    """Bad input from the command line (exit status 2)."""


#: ``--model`` choices besides glm
MODELS: dict[str, type[GLM]] = {
    "ols": OLS,
    "wls": WLS,
    "logit": Logit,
    "probit": Probit,
    "poisson": Poisson,
    "negativebinomial": NegativeBinomial,
}


def _family(name: str, link: str | None):
    links = {
        "identity": fam.links.Identity,
        "log": fam.links.Log,
        "logit": fam.links.Logit,
        "probit": fam.links.Probit,
        "cloglog": fam.links.CLogLog,
        "loglog": fam.links.LogLog,
        "cauchy": fam.links.Cauchy,
        "inverse_power": fam.links.InversePower,
        "inverse_squared": fam.links.InverseSquared,
        "sqrt": fam.links.Sqrt,
        "logc": fam.links.LogC,
    }
    classes = {
        "gaussian": fam.Gaussian,
        "binomial": fam.Binomial,
        "poisson": fam.Poisson,
        "gamma": fam.Gamma,
        "inverse_gaussian": fam.InverseGaussian,
        "negative_binomial": fam.NegativeBinomial,
        "tweedie": fam.Tweedie,
    }
    kwargs = {} if link is None else {"link": links[link]()}
    if name == "negative_binomial":
        kwargs["alpha"] = 1.0
    return classes[name](**kwargs)


def _read(path: str):
    import dask.dataframe as dd

    lower = path.lower()
    try:
        if lower.endswith((".csv", ".csv.gz", ".txt")) or ".csv" in lower:
            return dd.read_csv(path)
        return dd.read_parquet(path)
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise UsageError(f"cannot read {path!r}: {str(exc).splitlines()[0]}") from None


def _fit_command(args) -> int:
    if args.scheduler:
        from distributed import Client

        client = Client(args.scheduler)
        print(f"dask dashboard: {client.dashboard_link}", file=sys.stderr)
    data = _read(args.data)
    # a formula typed on a command line is evaluated in a restricted namespace only
    check_untrusted_formula(args.formula, data.columns)
    cov_type, cov_kwds = args.cov_type, None
    if args.cluster:
        cov_type, cov_kwds = "cluster", {"groups": args.cluster}
    eval_env = patsy.EvalEnvironment([{"np": np}])
    if args.model == "glm":
        model = GLM.from_formula(
            args.formula,
            data,
            _family(args.family, args.link),
            offset=args.offset,
            exposure=args.exposure,
            freq_weights=args.weights,
            var_weights=args.var_weights,
            groups=args.cluster,
            eval_env=eval_env,
        )
    else:
        model = _other_model(args, data, eval_env)
    if args.alpha and args.model != "glm":
        raise UsageError("--alpha is available with --model glm (penalized GLMs).")
    if args.alpha:
        res = model.fit_regularized(
            alpha=args.alpha, L1_wt=args.l1_wt, penalize_intercept=False, verbose=args.verbose
        )
    else:
        res = model.fit(cov_type=cov_type, cov_kwds=cov_kwds, verbose=args.verbose)
    if args.format == "json":
        text = json.dumps(_as_json(res), indent=2)
    elif args.format == "html":
        text = res.summary().as_html()
    else:
        text = str(res.summary())
    if args.output:
        Path(args.output).write_text(text + "\n")
    else:
        print(text)
    return 0


def _other_model(args, data, eval_env):
    """The ``--model`` other than glm (its options checked against what it takes)."""
    cls = MODELS[args.model]
    given = {
        "--family": args.family != "gaussian",
        "--link": args.link is not None,
        "--var-weights": args.var_weights is not None,
    }
    wrong = [flag for flag, used in given.items() if used]
    if wrong:
        raise UsageError(f"{', '.join(wrong)} apply to --model glm only.")
    kwds: dict = {"eval_env": eval_env, "groups": args.cluster}
    if args.model == "wls":
        kwds["weights"] = args.weights
    elif args.weights is not None:
        raise UsageError("--weights apply to --model glm (frequency) and wls only.")
    if args.model in ("poisson", "negativebinomial"):
        kwds.update(offset=args.offset, exposure=args.exposure)
    elif args.model in ("logit", "probit"):
        kwds.update(offset=args.offset)
    elif args.offset is not None or args.exposure is not None:
        raise UsageError(f"--offset/--exposure do not apply to --model {args.model}.")
    return cls.from_formula(args.formula, data, **kwds)


def _as_json(res) -> dict:
    ci = res.conf_int()
    family = getattr(res.model, "family", None)
    out = {
        "model": type(res.model).__name__,
        "formula": res.model.formula,
        "nobs": res.nobs,
        "converged": res.converged,
        "n_iter": res.n_iter,
        "params": res.estimates.to_dict(),
        "bse": res.bse.to_dict(),
        "pvalues": res.pvalues.to_dict(),
        "conf_int": {k: [ci.loc[k, 0], ci.loc[k, 1]] for k in ci.index},
        "llf": res.llf,
        "aic": res.aic,
        "bic": res.bic,
        "cov_type": res.cov_type,
    }
    if family is not None and type(res.model).__name__ == "GLM":
        out.update(family=type(family).__name__, link=type(family.link).__name__)
    for name in (
        "deviance",
        "null_deviance",
        "pearson_chi2",
        "scale",
        "rsquared",
        "rsquared_adj",
        "fvalue",
        "f_pvalue",
        "llnull",
        "llr_pvalue",
        "prsquared",
    ):
        value = getattr(res, name, None)
        if value is not None and not callable(value):
            out[name] = float(value)
    return out


def demo_data(rows: int, seed: int = 2026) -> pd.DataFrame:
    """A realistic insurance-claims table: numeric, categorical and exposure columns."""
    rng = np.random.default_rng(seed)
    regions = np.array(["north", "south", "east", "west", "central", "coast", "hills", "islands"])
    region = rng.choice(regions, rows, p=[0.2, 0.18, 0.15, 0.15, 0.12, 0.1, 0.06, 0.04])
    age = rng.uniform(18, 80, rows).round(1)
    income = np.exp(rng.normal(10.5, 0.5, rows)).round(0)
    exposure = rng.uniform(0.1, 1.0, rows).round(3)
    effect = dict(zip(regions, [0.0, 0.15, -0.1, 0.05, 0.2, -0.25, 0.1, 0.3], strict=True))
    eta = (
        -2.0
        + 0.012 * (age - 45)
        - 0.2 * (np.log(income) - 10.5)
        + np.vectorize(effect.get)(region)
        + np.log(exposure)
    )
    claims = rng.poisson(np.exp(eta))
    return pd.DataFrame(
        {"claims": claims, "age": age, "income": income, "region": region, "exposure": exposure}
    )


def _demo_command(args) -> int:
    import dask.dataframe as dd
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    rows = int(float(args.rows))
    if rows < 100:
        raise UsageError("--rows must be at least 100")
    formula = "claims ~ age + np.log(income) + C(region)"
    frame = demo_data(rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "claims"
        dd.from_pandas(frame, npartitions=max(1, min(16, rows // 50_000))).to_parquet(path)
        print(f"wrote {rows:,} rows of synthetic claims data to {path} (parquet)")
        data = dd.read_parquet(path)
        started = time.perf_counter()
        res = GLM.from_formula(formula, data, fam.Poisson(), exposure="exposure").fit()
        ours = time.perf_counter() - started
        print(res.summary())
    started = time.perf_counter()
    ref = smf.glm(formula, frame, family=sm.families.Poisson(), exposure=frame["exposure"]).fit()
    theirs = time.perf_counter() - started
    print("\nComparison with statsmodels on the same data (pandas), ds.compare(res, ref):")
    table = compare(res, ref, names=("daskstats", "statsmodels"))
    with pd.option_context("display.width", 120, "display.float_format", "{:.10g}".format):
        print(table.to_string())
    worst = table.groupby(level="quantity")["rel_diff"].max()
    print("  largest relative difference: " + ", ".join(f"{k} {v:.1e}" for k, v in worst.items()))
    print(
        f"  iterations: {res.n_iter} (statsmodels {ref.fit_history['iteration']}); "
        f"passes over the data: {res.passes}"
    )
    print(f"  time: daskstats {ours:.2f} s from parquet, statsmodels {theirs:.2f} s in memory")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="daskstats", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="fit a synthetic data set and compare with statsmodels")
    demo.add_argument("--rows", default="200000", help="rows to generate (default 200000)")
    fit = sub.add_parser("fit", help="fit a model to parquet or CSV data")
    fit.add_argument("data", help="parquet or CSV path, glob or fsspec URL")
    fit.add_argument("formula", help="patsy formula, e.g. 'y ~ x1 + C(g)'")
    fit.add_argument("--model", choices=("glm", *MODELS), default="glm")
    fit.add_argument("--family", choices=FAMILIES, default="gaussian")
    fit.add_argument("--link", choices=LINKS)
    fit.add_argument("--weights", help="frequency weights (glm) or regression weights (wls)")
    fit.add_argument("--var-weights", help="variance weights column")
    fit.add_argument("--offset", help="offset column")
    fit.add_argument("--exposure", help="exposure column (log link)")
    fit.add_argument("--alpha", type=float, default=0.0)
    fit.add_argument("--l1-wt", type=float, default=1.0)
    fit.add_argument(
        "--cov-type", choices=("nonrobust", "HC0", "HC1", "HC2", "HC3"), default="nonrobust"
    )
    fit.add_argument("--cluster", help="cluster-robust covariance by this column")
    fit.add_argument("--scheduler", help="address of a dask.distributed scheduler")
    fit.add_argument("--format", choices=("text", "json", "html"), default="text")
    fit.add_argument("--output", help="write the result here instead of standard output")
    fit.add_argument("--verbose", action="store_true", help="one line per iteration")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``daskstats`` command."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            return _demo_command(args)
        return _fit_command(args)
    except (UsageError, DataError, NotImplementedError) as exc:
        message = " ".join(str(exc).split())  # one line, whatever the exception's layout
        print(f"daskstats: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
