"""Text and HTML summaries built with statsmodels' own summary tables."""

from __future__ import annotations

import numpy as np
from statsmodels.iolib.summary import Summary

__all__ = ["glm_summary"]


def glm_summary(results, yname=None, xname=None, title=None, alpha: float = 0.05) -> Summary:
    """The layout and fields of statsmodels' ``GLMResults.summary()``.

    Parameters
    ----------
    results : daskstats.results.GLMResults
    yname : str, optional
        Response name (default: the formula's left-hand side).
    xname : list of str, optional
        Term names (default: the design's column names).
    title : str, optional
    alpha : float
        Significance level of the confidence intervals.
    """
    family = results.family
    try:
        prsquared = results.pseudo_rsquared(kind="cs")
    except (ValueError, ZeroDivisionError, FloatingPointError):
        prsquared = np.nan
    top_left = [
        ("Dep. Variable:", None),
        ("Model:", None),
        ("Model Family:", [family.__class__.__name__]),
        ("Link Function:", [family.link.__class__.__name__]),
        ("Method:", [results.method]),
        ("Date:", None),
        ("Time:", None),
        ("No. Iterations:", [f"{results.n_iter:d}"]),
        ("Covariance Type:", [results.cov_type]),
    ]
    top_right = [
        ("No. Observations:", None),
        ("Df Residuals:", None),
        ("Df Model:", None),
        ("Scale:", [f"{results.scale:#8.5g}"]),
        ("Log-Likelihood:", None),
        ("Deviance:", [f"{results.deviance:#8.5g}"]),
        ("Pearson chi2:", [f"{results.pearson_chi2:#6.3g}"]),
        ("Pseudo R-squ. (CS):", [f"{prsquared:#6.4g}"]),
    ]
    if title is None:
        title = "Generalized Linear Model Regression Results"
    smry = Summary()
    smry.add_table_2cols(
        results, gleft=top_left, gright=top_right, yname=yname, xname=xname, title=title
    )
    smry.add_table_params(results, yname=yname, xname=xname, alpha=alpha, use_t=results.use_t)
    notes = list(getattr(results, "notes", ()))
    if not results.converged:
        notes.append(f"The fit did not converge in {results.n_iter} iterations.")
    if notes:
        smry.add_extra_txt(notes)
    return smry
