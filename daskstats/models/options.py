"""statsmodels' ``GLM.fit`` arguments, checked once and kept in one record.

``fit(start_params=None, maxiter=100, method="IRLS", tol=1e-8, scale=None,
cov_type="nonrobust", cov_kwds=None, use_t=None, full_output=True, disp=False,
max_start_irls=3, **kwargs)`` with statsmodels' keyword arguments: ``atol``, ``rtol``,
``tol_criterion``, ``wls_method`` (IRLS) and ``optim_hessian`` plus the scipy optimizer's own
options (gradient methods).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

from daskstats.errors import DataError
from daskstats.families import parse_scale

__all__ = ["FitOptions", "parse_fit_options", "GRADIENT_METHODS", "IRLS_METHODS"]

IRLS_METHODS = ("irls", "auto")
#: statsmodels' optimizers (``LikelihoodModel.fit``) that daskstats runs over one-pass
#: log-likelihood, score and Hessian evaluations
GRADIENT_METHODS = ("newton", "bfgs", "lbfgs", "cg", "ncg", "nm", "powell", "minimize")
WLS_METHODS = ("lstsq", "pinv", "qr")
IRLS_KEYWORDS = ("atol", "rtol", "tol_criterion", "wls_method", "attach_wls")


@dataclass(frozen=True)
class FitOptions:
    """A fit's checked options.

    Attributes
    ----------
    method : str
        ``"irls"`` or one of :data:`GRADIENT_METHODS` (lower case).
    maxiter : int
    tol, atol, rtol : float
        ``tol`` is statsmodels' ``tol``; IRLS stops when the deviance (or the coefficients)
        change by at most ``atol + rtol · |current|`` (``atol`` defaults to ``tol``).
    criterion : {"deviance", "params"}
    scaletype : None, "x2", "dev" or float
    optim_hessian : {"oim", "eim"}
        The Hessian the Newton method uses and the normalized covariance of gradient fits.
    max_start_irls : int
        IRLS iterations that start a gradient fit (without ``start_params``).
    full_output, disp : bool
    optimizer : dict
        Further options for the scipy optimizer (gradient methods).
    wls_method : {"lstsq", "pinv", "qr"}
        statsmodels' name for its IRLS step's least-squares solver, recorded in
        ``mle_settings`` (daskstats solves the normal equations by Cholesky with iterative
        refinement whatever it is).
    attach_wls : bool
        Offer ``results_wls``, statsmodels' weighted least squares of the last IRLS step.
    """

    method: str = "irls"
    maxiter: int = 100
    tol: float = 1e-8
    atol: float = 1e-8
    rtol: float = 0.0
    criterion: str = "deviance"
    scaletype: str | float | None = None
    optim_hessian: str = "oim"
    max_start_irls: int = 3
    full_output: bool = True
    disp: bool = False
    optimizer: dict = field(default_factory=dict)
    wls_method: str = "lstsq"
    attach_wls: bool = False

    @property
    def is_irls(self) -> bool:
        return self.method == "irls"


def parse_fit_options(
    method: str,
    maxiter: int,
    tol: float,
    scale,
    max_start_irls: int,
    full_output: bool,
    disp: bool,
    kwargs: dict,
) -> FitOptions:
    """Check ``fit``'s arguments as statsmodels reads them; a clear error for anything else."""
    if not isinstance(method, str):
        raise DataError(f"method must be a string, got {method!r}.")
    name = method.lower()
    if name == "basinhopping":
        raise DataError(
            "method='basinhopping' (a stochastic global search) is not supported: its many "
            f"random restarts would each be passes over the data; use one of "
            f"{('IRLS',) + GRADIENT_METHODS}."
        )
    if name not in IRLS_METHODS + GRADIENT_METHODS:
        raise DataError(
            f"method must be 'IRLS' or one of {GRADIENT_METHODS} (statsmodels' optimizers), "
            f"got {method!r}."
        )
    wls_method = kwargs.get("wls_method", "lstsq")
    if name in IRLS_METHODS:
        unknown = sorted(set(kwargs) - set(IRLS_KEYWORDS))
        if unknown:  # statsmodels ignores them silently; say so
            warnings.warn(
                f"fit() ignores the keyword arguments {unknown} with method='IRLS' (it takes "
                f"{', '.join(IRLS_KEYWORDS)}); statsmodels ignores them too.",
                UserWarning,
                stacklevel=4,
            )
        if wls_method not in WLS_METHODS:
            raise DataError(f"wls_method must be one of {WLS_METHODS}, got {wls_method!r}.")
    optim_hessian = "oim"
    optimizer = {}
    if name in GRADIENT_METHODS:
        optimizer = dict(kwargs)
        optim_hessian = optimizer.pop("optim_hessian", None) or "oim"
        if optim_hessian not in ("oim", "eim"):
            raise DataError(f"optim_hessian must be 'oim' or 'eim', got {optim_hessian!r}.")
        for key in IRLS_KEYWORDS:
            optimizer.pop(key, None)
    atol = kwargs.get("atol")
    criterion = kwargs.get("tol_criterion", "deviance")
    if criterion not in ("deviance", "params"):
        raise DataError(f"tol_criterion must be 'deviance' or 'params', got {criterion!r}.")
    maxiter = int(maxiter)
    if maxiter < 0:
        raise DataError(f"maxiter must be at least 0, got {maxiter}.")
    return FitOptions(
        method="irls" if name in IRLS_METHODS else name,
        maxiter=maxiter,
        tol=float(tol),
        atol=float(tol if atol is None else atol),
        rtol=float(kwargs.get("rtol", 0.0)),
        criterion=criterion,
        scaletype=parse_scale(scale),
        optim_hessian=optim_hessian,
        max_start_irls=int(max_start_irls),
        full_output=bool(full_output),
        disp=bool(disp),
        optimizer=optimizer,
        wls_method=wls_method,
        attach_wls=bool(kwargs.get("attach_wls", False)),
    )
