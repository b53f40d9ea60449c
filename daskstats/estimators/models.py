"""``LogisticRegression``, ``LinearRegression`` and ``PoissonRegression``: the family, the
response, the predictions and the score of each (the fit is
:class:`~daskstats.estimators.base.DaskGLMEstimator`'s)."""

from __future__ import annotations

from typing import Any

import dask.array as da
import numpy as np
from scipy.special import expit, xlogy
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, d2_tweedie_score, r2_score
from sklearn.utils.multiclass import check_classification_targets
from statsmodels.genmod.families import Binomial, Gaussian, Poisson

from daskstats.estimators.base import DaskGLMEstimator
from daskstats.estimators.data import aligned, compute_floats, label_counts

__all__ = ["LogisticRegression", "LinearRegression", "PoissonRegression"]


def _doc(title: str, extra: str = "") -> str:
    """The shared parameters' docstring under the estimator's own title."""
    body = (DaskGLMEstimator.__doc__ or "").split("\n", 1)[1].rstrip()
    return f"{title}\n{body}\n{extra}"


class LogisticRegression(ClassifierMixin, DaskGLMEstimator):
    __doc__ = _doc(
        "Logistic regression with dask-ml's parameters, fitted by daskstats.",
        """    classes_ : ndarray of shape (2,)
        The two labels, sorted; ``classes_[1]`` is the Binomial model's "success".
""",
    )

    _family = Binomial
    _numeric_y = False

    def _response(self, y) -> tuple[Any, Any]:
        """``y == classes_[1]`` as 0/1, and the rows' class weights (one pass for dask)."""
        values, counts = label_counts(y)
        check_classification_targets(values)
        if len(values) > 2:
            raise ValueError(
                "Only binary classification is supported. The type of the target is "
                f"multiclass: {len(values)} classes ({values[:5]}...)."
            )
        if len(values) < 2:
            raise ValueError(f"{type(self).__name__} needs samples of 2 classes, got 1 class.")
        self.classes_ = np.asarray(values)
        success = (y == self.classes_[1]).astype(float)
        per_class = self._class_weights(np.asarray(counts, dtype=float))
        if per_class is None:
            return success, None
        return success, per_class[0] + (per_class[1] - per_class[0]) * success

    def _class_weights(self, counts: np.ndarray) -> np.ndarray | None:
        """Weights of ``classes_`` (scikit-learn's ``class_weight`` rules)."""
        weight = self.class_weight
        if weight is None:
            return None
        if isinstance(weight, str) and weight == "balanced":
            return counts.sum() / (len(counts) * counts)
        if isinstance(weight, dict):
            unknown = [key for key in weight if key not in self.classes_]
            if unknown:
                raise ValueError(f"The classes, {unknown}, are not in class_weight")
            return np.array([float(weight.get(c, 1.0)) for c in self.classes_])
        raise ValueError(f"class_weight must be a dict, 'balanced' or None, got {weight!r}.")

    def decision_function(self, X):
        """Linear predictor (log-odds of ``classes_[1]``), shape (n,)."""
        return self._linear_predictor(X)

    def predict_proba(self, X):
        """Probabilities of ``classes_[0]`` and ``classes_[1]``, shape (n, 2)."""
        eta = self._linear_predictor(X)
        if isinstance(eta, da.Array):
            return da.map_blocks(
                _two_columns, eta, new_axis=1, chunks=(eta.chunks[0], (2,)), dtype=np.float64
            )
        return _two_columns(eta)

    def predict(self, X):
        """Labels: ``classes_[1]`` where its probability is above 1/2, shape (n,)."""
        eta = self._linear_predictor(X)
        if isinstance(eta, da.Array):
            return da.map_blocks(_labels, eta, classes=self.classes_, dtype=self.classes_.dtype)
        return _labels(eta, self.classes_)

    def score(self, X, y, sample_weight=None) -> float:
        """Mean accuracy (computed for dask input)."""
        predicted, y, weights = aligned(self.predict(X), y, sample_weight)
        if not isinstance(predicted, da.Array):
            return float(accuracy_score(y, predicted, sample_weight=weights))
        right = predicted == y
        if weights is None:
            return compute_floats(right.mean())[0]
        total, weight = compute_floats((right * weights).sum(), weights.sum())
        return total / weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags


def _two_columns(eta: np.ndarray) -> np.ndarray:
    probability = expit(eta)
    return np.column_stack([1.0 - probability, probability])


def _labels(eta: np.ndarray, classes: np.ndarray) -> np.ndarray:
    return classes[(eta > 0).astype(int)]


class LinearRegression(RegressorMixin, DaskGLMEstimator):
    __doc__ = _doc("Linear regression with dask-ml's parameters, fitted by daskstats.")

    _family = Gaussian
    _loss_per_half_deviance = 2.0

    def predict(self, X):
        """Predicted means ``η``, shape (n,)."""
        return self._linear_predictor(X)

    def score(self, X, y, sample_weight=None) -> float:
        """R² of the predictions (computed for dask input)."""
        predicted, y, weights = aligned(self.predict(X), y, sample_weight)
        if not isinstance(predicted, da.Array):
            return float(r2_score(y, predicted, sample_weight=weights))
        y = y.astype(float)
        weights = y * 0 + 1 if weights is None else weights
        residual, total, weighted_y = compute_floats(
            (weights * (y - predicted) ** 2).sum(), weights.sum(), (weights * y).sum()
        )
        (spread,) = compute_floats((weights * (y - weighted_y / total) ** 2).sum())
        return 1.0 - residual / spread


class PoissonRegression(RegressorMixin, DaskGLMEstimator):
    __doc__ = _doc("Poisson regression (log link) with dask-ml's parameters, fitted by daskstats.")

    _family = Poisson

    def predict(self, X):
        """Predicted means ``exp(η)``, shape (n,)."""
        eta = self._linear_predictor(X)
        return da.exp(eta) if isinstance(eta, da.Array) else np.exp(eta)

    def get_deviance(self, X, y) -> float:
        """Poisson deviance ``2 Σ (y log(y/μ) − (y − μ))`` of the predictions (dask-ml's
        method; dask-glm's formula has ``log1p`` where this has ``log``)."""
        mu, y, _ = aligned(self.predict(X), y)
        return compute_floats(_poisson_deviance(y.astype(float), mu))[0]

    def score(self, X, y, sample_weight=None) -> float:
        """D², the fraction of Poisson deviance explained, as scikit-learn's
        ``PoissonRegressor.score`` (dask-ml has no ``score``). Computed for dask input."""
        mu, y, weights = aligned(self.predict(X), y, sample_weight)
        if not isinstance(mu, da.Array):
            return float(d2_tweedie_score(y, mu, sample_weight=weights, power=1))
        y = y.astype(float)
        weights = y * 0 + 1 if weights is None else weights
        total, weighted_y = compute_floats(weights.sum(), (weights * y).sum())
        deviance, null = compute_floats(
            _poisson_deviance(y, mu, weights), _poisson_deviance(y, weighted_y / total, weights)
        )
        return 1.0 - deviance / null

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True
        return tags


def _poisson_deviance(y, mu, weights=1.0):
    """``Σ w · 2 (y log(y/μ) − y + μ)`` (numpy or lazy dask)."""
    unit = 2 * (xlogy(y, y) - xlogy(y, mu) - y + mu)
    return (weights * unit).sum()
