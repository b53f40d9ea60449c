"""scikit-learn estimators with dask-ml's interface: the dask-ml / dask-glm door.

``LogisticRegression``, ``LinearRegression`` and ``PoissonRegression`` take dask-ml's
parameters (names and defaults), fit the model that dask-ml's solvers approximate, to daskstats'
tolerances, and keep the daskstats results behind the fit in ``results_`` (summary, standard
errors, ...). Import them explicitly (``import daskstats`` does not import scikit-learn)::

    from daskstats.estimators import LogisticRegression

**The objective.** dask-glm (behind dask-ml) standardizes the columns, ``z = (x − mean) / sd``
(population sd; constant columns such as the intercept are left as they are, and the others
are centred only when there is a constant column), then minimizes ``Σᵢ lossᵢ + λ R(γ)`` with
``λ = 1 / C`` over the coefficients ``γ`` of the standardized design, *intercept included*.
``R`` is ``‖γ‖₁`` (``penalty="l1"``), ``‖γ‖²/2`` (``"l2"``) or ``w‖γ‖₁ + (1 − w)‖γ‖²/2``
(``"elastic_net"``, ``w = 0.5``); the loss is the negative log-likelihood (logistic, Poisson)
or the squared error ``(y − η)²`` (linear: twice the negative Gaussian log-likelihood at scale
1). daskstats minimizes statsmodels' ``D/(2n) + Σ_j α_j ((1 − L1_wt) γ_j²/2 + L1_wt |γ_j|)``
where ``D/2 = Σ loss`` up to a constant, so these fits give every coefficient, intercept
included, ``α = 1 / (C n)`` (``1 / (2 C n)`` for linear regression) and ``L1_wt = w``, on the
same standardized design, and transform ``γ`` back to the original columns as dask-glm does.

**Solvers.** ``"newton"`` and ``"gradient_descent"`` ignore ``penalty`` and ``C`` (as in
dask-ml), and so do ``penalty=None`` (or ``"none"``) and ``C=np.inf``: those fits are
unpenalized IRLS on the original columns (statsmodels' estimates and inference). Penalized fits
use daskstats' ``method="auto"`` (proximal Newton) whatever the dask-ml solver, since every
daskstats solver reaches the same optimum; ``solver_kwargs={"method": "admm"}`` picks another.
"""

from daskstats.estimators.models import LinearRegression, LogisticRegression, PoissonRegression

__all__ = ["LogisticRegression", "LinearRegression", "PoissonRegression"]
