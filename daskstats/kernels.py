"""Pure-numpy kernels run on one partition of the design; they return partial sums.

No dask here.  A *block* is a dict of numpy arrays for one partition:

``X``   (n, p) float64, C-contiguous design
``y``   (n,) response (proportions for a two-column binomial response)
``off`` (n,) offset + log(exposure), or None
``fw``  (n,) frequency weights, or None;  ``vw`` (n,) variance weights, or None
``n``   (n,) binomial trials of a two-column response, or None

Each kernel returns a flat ``dict`` of partial results; :func:`add_partials` combines two
of them (keys starting with ``max_`` take the maximum, ``min_`` the minimum, the rest add), so
any tree of partitions can be reduced in any order.

IRLS quantities follow statsmodels exactly (``GLM._fit_irls``):

* weights ``w = f v n / (g'(μ)² V(μ))``,
* working response ``z = η + g'(μ)(y − μ) − offset``,
* deviance ``Σ f v d(y, μ)``, Pearson ``Σ f v n (y − μ)² / V(μ)``.

``XᵀWX`` is accumulated over cache-sized row slices as ``(√w·X)ᵀ(√w·X)`` (numpy hands this to
BLAS ``syrk`` without holding the GIL); every per-row quantity is computed on the same slice
while it is in cache.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from statsmodels.genmod.families import Binomial, Family

from daskstats import likelihood
from daskstats.families import with_trials
from daskstats.layout import Layout
from daskstats.rowops import rows_for

__all__ = [
    "IRLSPassSpec",
    "irls_pass",
    "null_pass",
    "summary_pass",
    "block_summary",
    "loglike_pass",
    "add_partials",
    "symmetrize",
    "ROWS_PER_SLICE",
]

ROWS_PER_SLICE = 8192


def add_partials(a: dict, b: dict) -> dict:
    """Combine two partial-result dicts (sum; ``max_*`` max; ``min_*`` min)."""
    out = dict(a)
    for key, value in b.items():
        if key not in out:
            out[key] = value
        elif key.startswith("max_"):
            out[key] = max(out[key], value)
        elif key.startswith("min_"):
            out[key] = min(out[key], value)
        else:
            out[key] = out[key] + value
    return out


def strip_prefix(totals: dict, prefix: str) -> dict:
    """The entries of a summed result whose keys start with ``prefix``, without it."""
    return {k[len(prefix) :]: v for k, v in totals.items() if k.startswith(prefix)}


def symmetrize(upper: np.ndarray) -> np.ndarray:
    """Full symmetric matrix from one whose upper triangle is authoritative."""
    return np.triu(upper) + np.triu(upper, 1).T


def _slice_eta(Xs, beta, levels, codes, off, rows: slice) -> np.ndarray:
    """``η`` on one slice of rows: dense part, coded term's level coefficients, offset."""
    eta = Xs @ beta
    if codes is not None:
        eta += levels[codes[rows]]
    if off is not None:
        eta += off[rows]
    return eta


def _ones_or(a, n):
    return np.ones(n) if a is None else a


@dataclass(frozen=True)
class IRLSPassSpec:
    """What one IRLS pass evaluates.

    Attributes
    ----------
    family : statsmodels Family
    params : ndarray of shape (p,) or None
        Coefficients to evaluate at; ``None`` means statsmodels' starting values (μ from y).
    y_mean : float
        Unweighted mean of the response (statsmodels' ``starting_mu`` uses it).
    layout : Layout
        Dense columns and the categorical term kept as level codes, if any.
    null_intercept : float or None
        Current intercept of the null (constant-only) model when it is fitted with an offset.
    null_mean : float or None
        Fitted constant of the null model when there is no offset (a weighted mean).
    loglike : bool
        Collect the decomposed log-likelihood sums (see :mod:`daskstats.likelihood`).
    null_loglike : bool
        Collect them for the null model too (when it is evaluated).
    gram : bool
        Accumulate ``XᵀWX`` and ``XᵀWz`` (False when only the deviance is needed).
    """

    family: Family
    params: np.ndarray | None
    y_mean: float
    layout: Layout
    null_intercept: float | None = None
    null_mean: float | None = None
    loglike: bool = True
    gram: bool = True
    null_loglike: bool = True


def _start_mu(family: Family, y: np.ndarray, y_mean: float) -> np.ndarray:
    # statsmodels: Family.starting_mu(y) = (y + y.mean()) / 2 on the WHOLE response, so the
    # global mean is passed in; Binomial overrides it with (y + 0.5) / 2.
    if isinstance(family, Binomial):
        return family.starting_mu(y)
    return (y + y_mean) / 2.0


def irls_pass(block: dict, spec: IRLSPassSpec) -> dict:
    """One IRLS pass over a partition: deviance and statistics at ``spec.params`` and the
    weighted least-squares system for the next iterate.

    Every per-row quantity is computed on the same cache-sized slice of rows as its share of
    ``XᵀWX``; the log-likelihood and null-model sums (needed once or twice per fit) only when
    requested.

    Returns
    -------
    dict with ``xtwx`` (p, p) upper triangle, ``xtwz`` (p,), ``dev``, ``pearson``,
    ``max_abs_resid`` and, when requested, ``ll_*`` and ``null_*`` partial sums.
    """
    X, y = block["X"], block["y"]
    nrows, p = X.shape
    trials = block.get("n")
    family = with_trials(spec.family, trials)
    rows_ops = rows_for(family, trials)
    off = block.get("off")
    fw = _ones_or(block.get("fw"), nrows)
    vw = _ones_or(block.get("vw"), nrows)
    # unit row weights (the common case): no products with arrays of ones
    unweighted = block.get("fw") is None and block.get("vw") is None and trials is None
    fv = fw * vw
    iw = fv if trials is None else fv * trials

    layout = spec.layout
    codes = block.get("codes")
    pieces = layout.empty_pieces() if spec.gram else None
    # XᵀWX and XᵀWz come out of one syrk on [√w·X, √w·z] (a reused cache-sized buffer)
    gram = np.zeros((p + 1, p + 1)) if spec.gram and p else None
    buffer = np.empty((min(ROWS_PER_SLICE, nrows), p + 1)) if gram is not None else None
    if spec.params is not None:
        beta = layout.dense_params(spec.params)
        levels = layout.level_coefficients(spec.params) if codes is not None else None
    dev = pearson = max_abs = 0.0
    at_boundary = 0
    two_sided = isinstance(family, Binomial)
    keep_mu = spec.loglike
    mu_all = np.empty(nrows) if keep_mu else None
    for start in range(0, nrows, ROWS_PER_SLICE):
        rows = slice(start, min(start + ROWS_PER_SLICE, nrows))
        Xs, ys = X[rows], y[rows]
        if spec.params is None:
            mu = _start_mu(family, ys, spec.y_mean)
            eta = rows_ops.start_eta(mu)
        else:
            eta = _slice_eta(Xs, beta, levels, codes, off, rows)
            mu = rows_ops.mean(eta)
        if keep_mu:
            mu_all[rows] = mu
        resid = ys - mu
        if spec.gram:
            unit_w, z, variance = rows_ops.irls_rows(eta, mu, ys)
        else:
            variance = rows_ops.variance(mu)
        unit_dev = rows_ops.unit_deviance(ys, mu)
        if unweighted:
            dev += float(unit_dev.sum())
            pearson += float(np.dot(resid, resid / variance))
        else:
            dev += float(np.dot(fv[rows], unit_dev))
            pearson += float(np.dot(iw[rows], resid * resid / variance))
        abs_resid = np.abs(resid)
        if len(abs_resid):
            max_abs = max(max_abs, float(abs_resid.max()))
            if abs_resid.min() < 1e-8:
                # rows fitted (numerically) at the edge of the mean's range: separation's sign
                edge = mu < 1e-10
                if two_sided:
                    edge |= mu > 1 - 1e-10
                at_boundary += int(np.count_nonzero(edge & (abs_resid < 1e-8)))
        if spec.gram:
            w = unit_w if unweighted else iw[rows] * unit_w
            if off is not None:
                z = z - off[rows]
            if gram is not None:
                # numpy recognises B.T @ B and calls BLAS syrk, releasing the GIL (scipy's dsyrk
                # wrapper holds it, which serializes the threaded scheduler's workers)
                root = np.sqrt(w)
                B = buffer[: len(root)]
                np.multiply(Xs, root[:, None], out=B[:, :p])
                np.multiply(z, root, out=B[:, p])
                gram += B.T @ B
            if codes is not None:
                layout.accumulate_cat(pieces, Xs, codes[rows], w, w * z)
    if gram is not None:
        pieces["xtwx"] += gram[:p, :p]
        pieces["xtwz"] += gram[:p, p]
    out: dict = {
        "dev": dev,
        "pearson": pearson,
        "max_abs_resid": max_abs,
        "at_boundary": at_boundary,
    }
    if spec.gram:
        out.update(pieces)
    if spec.loglike:
        for key, value in likelihood.row_sums(family, y, mu_all, fw, vw).items():
            out["ll_" + key] = value
    out.update(_null_sums(block, spec, family, fw, vw, iw))
    return out


def _null_mu(block: dict, spec: IRLSPassSpec, family: Family) -> np.ndarray | None:
    nrows = block["y"].shape[0]
    if spec.null_mean is not None:
        return np.full(nrows, spec.null_mean)
    if spec.null_intercept is not None:
        off = block.get("off")
        eta0 = spec.null_intercept + (0.0 if off is None else off)
        return family.fitted(np.broadcast_to(eta0, (nrows,)).astype(float))
    return None


def _null_sums(block, spec, family, fw, vw, iw) -> dict:
    """Deviance (and IRLS sums when fitted with an offset) of the constant-only model."""
    mu0 = _null_mu(block, spec, family)
    if mu0 is None:
        return {}
    y = block["y"]
    out = {"null_dev": float(np.dot(fw * vw, family._resid_dev(y, mu0)))}
    if spec.null_intercept is not None:
        deriv = family.link.deriv(mu0)
        w0 = iw / (deriv**2 * family.variance(mu0))
        out["null_sw"] = float(w0.sum())
        out["null_swz"] = float(np.dot(w0, spec.null_intercept + deriv * (y - mu0)))
    if spec.null_loglike:
        for key, value in likelihood.row_sums(family, y, mu0, fw, vw).items():
            out["null_ll_" + key] = value
    return out


def null_pass(block: dict, spec: IRLSPassSpec) -> dict:
    """Null-model sums only (no design work): used when the null fit needs more iterations."""
    nrows = block["y"].shape[0]
    family = with_trials(spec.family, block.get("n"))
    fw = _ones_or(block.get("fw"), nrows)
    vw = _ones_or(block.get("vw"), nrows)
    trials = block.get("n")
    iw = fw * vw if trials is None else fw * vw * trials
    return _null_sums(block, spec, family, fw, vw, iw)


def block_summary(block: dict) -> dict:
    """The summary stored in a block when it was built (see :func:`summary_pass`)."""
    return block["summary"]


def summary_pass(block: dict) -> dict:
    """Counts and ranges of one partition, checked before the fit starts.

    ``lengths`` (a one-item list) concatenates, in partition order, when summed.
    """
    y = block["y"]
    nrows = y.shape[0]
    fw = block.get("fw")
    vw = block.get("vw")
    trials = block.get("n")
    iw = _ones_or(fw, nrows) * _ones_or(vw, nrows) * _ones_or(trials, nrows)
    out = {
        "nobs": nrows,
        "wnobs": float(nrows if fw is None else fw.sum()),
        "sum_y": float(y.sum()),
        "sum_iw": float(iw.sum()),
        "sum_iwy": float(np.dot(iw, y)),
        "nonfinite_X": int(nrows and np.count_nonzero(~np.isfinite(block["X"]))),
        "nonfinite_y": int(np.count_nonzero(~np.isfinite(y))),
        "dropped": int(block.get("dropped", 0)),
        "lengths": [nrows],
    }
    if "min_exposure" in block:
        out["min_exposure"] = block["min_exposure"]
    if nrows:
        out["min_y"] = float(y.min())
        out["max_y"] = float(y.max())
        for key, arr in (("fw", fw), ("vw", vw), ("off", block.get("off"))):
            if arr is not None:
                out[f"min_{key}"] = float(arr.min())
                out[f"max_{key}"] = float(arr.max())
                out[f"nonfinite_{key}"] = int(np.count_nonzero(~np.isfinite(arr)))
    return out


def loglike_pass(
    block: dict,
    layout: Layout,
    family: Family,
    params,
    null_mu_args: dict,
    scale: float,
    llf_scale: float,
) -> dict:
    """Generic log-likelihood of the model and of the null model with statsmodels' formula.

    Used for families whose likelihood does not decompose (Tweedie, Gamma with varying
    variance weights), or when the last IRLS pass did not collect the sums: one extra pass at
    the final scale (``llf_scale`` is the concentrated scale for the linear Gaussian model).
    """
    X, y = block["X"], block["y"]
    nrows = y.shape[0]
    family = with_trials(family, block.get("n"))
    fw = _ones_or(block.get("fw"), nrows)
    vw = _ones_or(block.get("vw"), nrows)
    eta = layout.linear_predictor(X, block.get("codes"), params)
    off = block.get("off")
    if off is not None:
        eta = eta + off
    mu = family.fitted(eta)
    out = {"llf": likelihood.generic_row_sums(family, y, mu, fw, vw, llf_scale)}
    spec = IRLSPassSpec(family, None, 0.0, layout, loglike=False, gram=False, **null_mu_args)
    mu0 = _null_mu(block, spec, family)
    if mu0 is not None:
        out["llnull"] = likelihood.generic_row_sums(family, y, mu0, fw, vw, scale)
    return out


def gradient_pass(
    block: dict,
    layout: Layout,
    family: Family,
    params: np.ndarray,
    diag: bool = False,
    bound: float | None = None,
) -> dict:
    """Deviance and gradient of ``D/2`` at ``params``; optionally the diagonal of the Fisher
    information and a Gram matrix that bounds the Hessian.

    One fused pass for first-order methods: ``∇(D/2) = −Xᵀ s`` with the scale-1 score factors
    ``s = f v n (y − μ) / (g'(μ) V(μ))``; ``diag = Σ w x²`` with the IRLS weights ``w``; with
    ``bound = c`` the pieces of ``Xᵀ (c · f v n) X`` (``xtwx`` and the coded term's sums), which
    bound the Hessian of ``D/2`` when the link is canonical and ``V(μ) ≤ c`` (Binomial 1/4,
    Gaussian 1). Computed on cache-sized slices of rows.
    """
    X, y = block["X"], block["y"]
    nrows, p = X.shape
    trials = block.get("n")
    family = with_trials(family, trials)
    rows_ops = rows_for(family, trials)
    codes = block.get("codes")
    off = block.get("off")
    fw = _ones_or(block.get("fw"), nrows)
    vw = _ones_or(block.get("vw"), nrows)
    fv = fw * vw
    iw = fv if trials is None else fv * trials
    beta = layout.dense_params(params)
    levels = layout.level_coefficients(params) if codes is not None else None
    coded = layout.coded is not None
    grad_dense, diag_dense = np.zeros(p), np.zeros(p)
    L = layout.coded.n_levels if coded else 0
    grad_levels, diag_levels = np.zeros(L), np.zeros(L)
    pieces = layout.empty_pieces() if bound is not None else None
    dev = 0.0
    for start in range(0, nrows, ROWS_PER_SLICE):
        rows = slice(start, min(start + ROWS_PER_SLICE, nrows))
        Xs, ys, iws = X[rows], y[rows], iw[rows]
        eta = _slice_eta(Xs, beta, levels, codes, off, rows)
        mu = rows_ops.mean(eta)
        deriv = family.link.deriv(mu)
        variance = rows_ops.variance(mu)
        score = iws * (ys - mu) / (deriv * variance)
        grad_dense -= Xs.T @ score
        dev += float(np.dot(fv[rows], rows_ops.unit_deviance(ys, mu)))
        if codes is not None:
            grad_levels -= np.bincount(codes[rows], weights=score, minlength=L)
        if diag:
            w = iws / (deriv**2 * variance)
            diag_dense += (Xs * Xs).T @ w
            if codes is not None:
                diag_levels += np.bincount(codes[rows], weights=w, minlength=L)
        if bound is not None:
            w = bound * iws
            scaled = Xs * np.sqrt(w)[:, None]
            pieces["xtwx"] += scaled.T @ scaled
            if codes is not None:
                layout.accumulate_cat(pieces, Xs, codes[rows], w)
    out = {"dev": dev, "grad": layout.scatter(grad_dense, grad_levels)}
    if diag:
        out["diag"] = layout.scatter(diag_dense, diag_levels)
    if bound is not None:
        out.update({"bound_" + k: v for k, v in pieces.items()})
    return out
