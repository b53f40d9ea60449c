"""The frozen model specification a formula becomes once it has seen the data.

A :class:`ModelSpec` wraps patsy's ``DesignInfo`` objects for the response and the regressors
(levels, stateful-transform state, column names). It is learned once from the whole data set
(:mod:`daskstats.formula.learn`) so that every partition later gets exactly the same columns,
with the names and level order patsy (and so statsmodels) gives on the concatenated frame, and
it is reused unchanged by ``predict``. patsy objects cannot be pickled, so a spec pickles as its
formula and a few *prototype* rows holding every level, from which patsy learns the same spec
again on a worker (cached per process).

Pure pandas and patsy: no dask here.
"""

from __future__ import annotations

import contextlib
import importlib
import re
import sys
import types
import uuid
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import patsy
from patsy.eval import ast_names

from daskstats.errors import DataError
from daskstats.formula.contrasts import LazyTreatment, lazy_treatment

__all__ = [
    "ModelSpec",
    "PATSY_HELPERS",
    "all_factors",
    "deep_recursion",
    "factor_variables",
    "parse_formula",
    "rebuild_spec",
    "restricted_env",
]

#: names patsy provides to every formula (plus numpy as ``np``)
PATSY_HELPERS = frozenset(
    {
        "np",
        "C",
        "I",
        "Q",
        "center",
        "standardize",
        "scale",
        "bs",
        "cr",
        "cc",
        "te",
        "Treatment",
        "Sum",
        "Helmert",
        "Diff",
        "Poly",
    }
)


@contextlib.contextmanager
def deep_recursion(limit: int = 20_000) -> Iterator[None]:
    """patsy parses ``a + b + ...`` recursively: a formula with hundreds of terms needs more
    than Python's default recursion limit."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def parse_formula(formula: str) -> patsy.ModelDesc:
    """patsy's description of ``formula``, or a :class:`DataError` that says what is wrong."""
    if not isinstance(formula, str) or "~" not in formula:
        raise DataError(
            f"formula must be a string like 'y ~ x1 + C(g)', got {formula!r}: a formula needs "
            "a response on the left of '~'."
        )
    try:
        with deep_recursion():
            return patsy.ModelDesc.from_formula(formula)
    except patsy.PatsyError as exc:
        raise DataError(f"could not parse formula {formula!r}: {exc}") from None


def all_factors(desc: patsy.ModelDesc) -> Iterator:
    """Every factor of both sides of a parsed formula."""
    for term in list(desc.lhs_termlist) + list(desc.rhs_termlist):
        yield from term.factors


def factor_variables(factors, columns) -> tuple[str, ...]:
    """Columns of the data referred to by ``factors`` (in column order)."""
    used: set[str] = set()
    for factor in factors:
        code = getattr(factor, "code", None)
        if code is None:
            continue
        used.update(ast_names(code))
        # Q("odd name") refers to a column by string
        used.update(re.findall(r"Q\(\s*['\"](.+?)['\"]\s*\)", code))
    return tuple(c for c in columns if c in used)


def restricted_env(
    formula: str, eval_env: patsy.EvalEnvironment, columns: Collection[str] = ()
) -> patsy.EvalEnvironment:
    """The caller's namespace cut down to the names the formula uses (plus numpy as ``np``),
    without the data's ``columns`` (patsy reads those from the data first).

    Keeps the spec small and picklable (it travels to the workers) without the caller's
    unrelated globals — or a variable of the caller that a column's name shadows (a client
    named ``c`` beside a column ``c``).
    """
    names: set[str] = set()
    for factor in all_factors(parse_formula(formula)):
        code = getattr(factor, "code", None)
        if code is not None:
            names.update(ast_names(code))
    names.difference_update(columns)
    namespace: dict = {"np": np}
    if "Treatment" in names:  # C(g, Treatment("b")) on a many-level factor stores no matrix
        namespace["Treatment"] = LazyTreatment
    for ns in eval_env._namespaces:
        for name in names:
            if name in ns and name not in namespace:
                namespace[name] = ns[name]
    return patsy.EvalEnvironment([namespace], flags=eval_env.flags)


@dataclass(frozen=True)
class ModelSpec:
    """Frozen description of a formula's design learned from data.

    Attributes
    ----------
    formula : str
        The formula as given.
    y_info, x_info : patsy.DesignInfo
        patsy's description of the response and the regressors (levels, transforms, names).
    variables : tuple of str
        Columns of the data that the formula uses.
    eval_env : patsy.EvalEnvironment
        Namespace the formula's code is evaluated in (numpy as ``np``, the caller's names).
    prototype : pandas.DataFrame
        A few rows holding every categorical level: patsy learns the same specification from
        it again when the spec is unpickled on a worker (patsy objects cannot be pickled).
    transforms : dict
        State of stateful transforms (``center``, ``standardize``, splines) learned from the
        whole data, restored after re-learning from ``prototype``.
    lazy_min_levels : int
        Treatment-coded factors with more levels than this store a selector instead of
        patsy's dense contrast matrix (see :mod:`daskstats.formula.contrasts`).
    token : str
        Identity of the spec (dask tokens, the per-process rebuild cache).
    """

    formula: str
    y_info: patsy.DesignInfo
    x_info: patsy.DesignInfo
    variables: tuple[str, ...]
    eval_env: patsy.EvalEnvironment
    prototype: pd.DataFrame | None = None
    transforms: dict = field(default_factory=dict)
    lazy_min_levels: int = 256
    token: str = field(default_factory=lambda: uuid.uuid4().hex, compare=False)

    def __dask_tokenize__(self) -> str:
        return self.token

    def __reduce__(self):
        return (
            rebuild_spec,
            (
                self.formula,
                self.prototype,
                {name: _ModuleRef.of(value) for name, value in self.namespace.items()},
                self.eval_env.flags,
                self.transforms,
                self.variables,
                self.token,
                self.lazy_min_levels,
            ),
        )

    @property
    def namespace(self) -> dict:
        """The names the formula's code may use (numpy as ``np``, the caller's functions)."""
        return dict(self.eval_env._namespaces[0]) if self.eval_env._namespaces else {}

    @property
    def exog_names(self) -> list[str]:
        """Names of the design columns, as patsy/statsmodels name them."""
        return list(self.x_info.column_names)

    @cached_property
    def x_variables(self) -> tuple[str, ...]:
        """Columns the right-hand side uses (what ``predict`` needs in new data)."""
        return factor_variables(self.x_info.factor_infos, self.variables)

    @property
    def endog_names(self) -> list[str]:
        """Names of the response columns (two for ``successes + failures ~ ...``)."""
        return list(self.y_info.column_names)

    @property
    def endog_name(self) -> str:
        """Response name as statsmodels prints it in a summary."""
        names = self.endog_names
        return names[0] if len(names) == 1 else "[" + ", ".join(names) + "]"

    def factor(self, code: str):
        """The regressors' patsy factor whose code is ``code``."""
        for factor in self.x_info.factor_infos:
            if getattr(factor, "code", None) == code:
                return factor
        raise KeyError(code)

    def x_subset(self, term_names: tuple[str, ...]) -> patsy.DesignInfo | None:
        """patsy's description of only the named regressor terms (None for no term)."""
        if not term_names:
            return None
        cache = self.__dict__.setdefault("_subsets", {})
        if term_names not in cache:
            wanted = set(term_names)
            cache[term_names] = self.x_info.subset(
                [t for t in self.x_info.terms if t.name() in wanted]
            )
        return cache[term_names]


_REBUILT: dict[str, ModelSpec] = {}


@dataclass(frozen=True)
class _ModuleRef:
    """A module of the formula's namespace (``np``), pickled by its name."""

    name: str

    @staticmethod
    def of(value):
        return _ModuleRef(value.__name__) if isinstance(value, types.ModuleType) else value

    @staticmethod
    def restore(value):
        return importlib.import_module(value.name) if isinstance(value, _ModuleRef) else value


def transform_states(infos) -> dict:
    """``{(factor code, transform name): attributes}`` of every stateful transform."""
    states = {}
    for info in infos:
        for factor, factor_info in info.factor_infos.items():
            for name, transform in (factor_info.state or {}).get("transforms", {}).items():
                states[(factor.code, name)] = dict(vars(transform))
    return states


def rebuild_spec(
    formula: str,
    prototype: pd.DataFrame,
    namespace: dict,
    flags: int,
    transforms: dict,
    variables: tuple[str, ...],
    token: str,
    lazy_min_levels: int = 256,
) -> ModelSpec:
    """A :class:`ModelSpec` re-learned from its prototype rows (cached per process by token);
    how a spec is unpickled and how saved results get theirs back."""
    cached = _REBUILT.get(token)
    if cached is not None:
        return cached
    namespace = {name: _ModuleRef.restore(value) for name, value in namespace.items()}
    eval_env = patsy.EvalEnvironment([namespace], flags=flags)
    with deep_recursion(), lazy_treatment(lazy_min_levels):
        y_info, x_info = patsy.incr_dbuilders(
            formula, lambda: iter([prototype]), eval_env, NA_action="drop"
        )
    for info in (y_info, x_info):
        for factor, factor_info in info.factor_infos.items():
            for name, transform in (factor_info.state or {}).get("transforms", {}).items():
                saved = transforms.get((factor.code, name))
                if saved is not None:
                    transform.__dict__.update(saved)
    spec = ModelSpec(
        formula, y_info, x_info, variables, eval_env, prototype, transforms, lazy_min_levels, token
    )
    _REBUILT[token] = spec
    return spec
