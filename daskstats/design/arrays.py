"""The specification of a model given as arrays (``GLM(endog, exog)``): names and where the
columns are, the counterpart of a formula's :class:`~daskstats.formula.spec.ModelSpec`.

statsmodels names the columns of a numpy ``exog`` ``x1, x2, ...`` and a constant column
``const`` (the first column of zero variance), a pandas one by its columns; the response is
``y`` or its Series' name. Plain, picklable data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["ArraySpec", "array_exog_names", "ENDOG_PREFIX", "EXOG_PREFIX"]

#: internal column names of the prepared frame
ENDOG_PREFIX = "__daskstats_y"
EXOG_PREFIX = "__daskstats_x"


def array_exog_names(n_columns: int, constant: np.ndarray | None) -> list[str]:
    """statsmodels' names of unnamed columns: ``x1, ...``, the first constant one ``const``."""
    if constant is not None and constant.any():
        position = int(np.flatnonzero(constant)[0])
        names = [f"x{i}" for i in range(1, n_columns)]
        names.insert(position, "const")
        return names
    return [f"x{i}" for i in range(1, n_columns + 1)]


@dataclass(frozen=True)
class ArraySpec:
    """Columns of a model given as arrays.

    Attributes
    ----------
    endog_names : list of str
        The response's name(s) (two for a ``(successes, failures)`` binomial response).
    given_exog_names : list of str or None
        The regressors' names when the caller's exog had them (DataFrame columns); None: named
        as statsmodels does from which columns are constant (:attr:`exog_names`).
    n_exog : int
    constant : ndarray of bool or None
        Which columns are constant (set once known; numpy input at construction, dask arrays
        from the data's summary).
    """

    endog_names: list[str]
    given_exog_names: list[str] | None
    n_exog: int
    constant: np.ndarray | None = None
    token: str = field(default="", compare=False)

    @property
    def endog_columns(self) -> list[str]:
        return [f"{ENDOG_PREFIX}{i}" for i in range(len(self.endog_names))]

    @property
    def exog_columns(self) -> list[str]:
        return [f"{EXOG_PREFIX}{i}" for i in range(self.n_exog)]

    @property
    def variables(self) -> tuple[str, ...]:
        """Columns of the prepared frame the design is built from."""
        return tuple(self.endog_columns + self.exog_columns)

    @property
    def x_variables(self) -> tuple[str, ...]:
        return tuple(self.exog_columns)

    @property
    def exog_names(self) -> list[str]:
        if self.given_exog_names is not None:
            return list(self.given_exog_names)
        return array_exog_names(self.n_exog, self.constant)

    @property
    def endog_name(self) -> str:
        names = self.endog_names
        return names[0] if len(names) == 1 else "[" + ", ".join(names) + "]"

    @property
    def k_constant(self) -> int:
        """1 when a column is constant (statsmodels' ``k_constant``), else 0."""
        return int(self.constant is not None and bool(self.constant.any()))

    @property
    def formula(self) -> None:
        return None

    @property
    def term_info(self) -> None:
        """No formula terms: statsmodels' tests then treat every column as a term."""
        return None

    def with_constant(self, constant: np.ndarray) -> ArraySpec:
        return ArraySpec(self.endog_names, self.given_exog_names, self.n_exog, constant, self.token)
