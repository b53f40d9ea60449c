"""A start for IRLS from a fit on a sample of the rows.

statsmodels starts IRLS at ``μ = (y + ȳ)/2`` and needs 4–8 passes over the data. A fit on a
sample of ~``Thresholds.sample_start_rows`` rows — the first rows of every persisted (pooled) block,
in memory, with the same kernels — lands near the estimate, and the passes over the whole
data then converge in 2–3 (the converged result is the same: both iterate to the same
maximum; only the iteration count differs from statsmodels'). The sample fit carries a ridge
worth one average row on every coefficient: a level with few (or no) rows in the sample, or only
zeros, starts near 0 instead of at a diverging sample estimate. When the sample fit fails, or
the design is streamed (a sample would cost a read), the fit starts as statsmodels does.
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np
from scipy import linalg

from daskstats.design.block import DataSummary, concatenate, head
from daskstats.errors import DataError
from daskstats.kernels.irls import IRLSPassSpec, irls_pass
from daskstats.linalg.blocked import solve_normal_equations
from daskstats.linalg.gram import ridged
from daskstats.linalg.threads import one_blas_thread
from daskstats.solvers.irls import irls
from daskstats.solvers.null import NullModel

__all__ = ["sample_start"]


def head_share(block, fraction: float):
    """The first ``⌈fraction · rows⌉`` rows of a block."""
    return head(block, math.ceil(block.nrows * fraction))


#: iterations of the sample fit (it only needs to land near the estimate)
SAMPLE_MAXITER = 25
#: the sample fit's convergence: relative deviance change (its statistical error is larger)
SAMPLE_TOL = 1e-8
#: the ridge on every coefficient of the sample fit, in average rows' weight
SAMPLE_RIDGE_ROWS = 1.0


def sample_start(
    model, summary: DataSummary, null: NullModel
) -> tuple[np.ndarray | None, float | None]:
    """Coefficients (and, with an offset, the null model's intercept) fitted on a sample, or
    ``(None, None)`` when no sample start applies."""
    limits = model.thresholds
    target = limits.sample_start_rows
    if (
        model.source is None
        or not model.source.persisted
        or summary.nobs < 2 * target
        or len(model.exog_names) > limits.sample_start_max_params
    ):
        return None, None
    started = time.perf_counter()
    fraction = target / summary.nobs
    shares = [(fraction,)] * len(model.runner.pass_blocks)
    sample = concatenate(
        model.runner.map(head_share, shares, name="sample start", counted=False, pooled=True)
    )
    family, layout, names = model.family, model.layout, model.exog_names
    y_mean = float(sample.y.mean())
    sample_null = NullModel(null.intercept, null.mean)

    def evaluate(params, null_spec, loglike):
        spec = IRLSPassSpec(
            family, params, y_mean, layout, null=null_spec, loglike=False, null_loglike=False
        )
        return irls_pass(sample, spec)

    def solve(totals):
        gram = totals.gram
        if gram.levels:  # every row is in one level of each coded term: Σ weights per row
            row_weight = float(gram.levels[0].weight.sum()) / sample.nrows
        else:
            row_weight = float(np.max(np.diag(gram.dense), initial=1.0)) / sample.nrows
        amount = SAMPLE_RIDGE_ROWS * max(row_weight, 1e-12)
        return solve_normal_equations(ridged(gram, amount), layout, names)

    try:
        # one BLAS thread: the sample's products are small, and BLAS threads woken here spin
        # on the cores the next pass needs (its first pass measured ~40% slower)
        with warnings.catch_warnings(), np.errstate(all="ignore"), one_blas_thread():
            warnings.simplefilter("ignore")
            result = irls(
                evaluate,
                len(names),
                solve=solve,
                null=sample_null,
                maxiter=SAMPLE_MAXITER,
                tol=SAMPLE_TOL,
                relative=True,
            )
    except (DataError, linalg.LinAlgError, ValueError, FloatingPointError):
        return None, None
    finally:
        model.runner.log.append(("sample start (no pass)", time.perf_counter() - started))
    if not np.all(np.isfinite(result.params)):
        return None, None
    intercept = sample_null.intercept if null.intercept is not None else None
    return result.params, intercept
