"""The base of every daskstats model: formula → design → blocks → runner plumbing, the data
checks, per-row results and prediction. A model subclass supplies only its configuration
(family, checks of its options), its solver choice (``fit``) and its results class.

Building a model (:meth:`Model._from_formula`):

1. the inputs become one dask DataFrame with named extra columns
   (:func:`~daskstats.passes.prepare_inputs`);
2. the formula is learned over every partition (:func:`~daskstats.formula.learn_spec`, reading
   through :class:`~daskstats.passes.DaskReader`);
3. the layout decides which categorical terms are kept as level codes
   (:func:`~daskstats.design.plan_layout`), and the design's width is checked before any pass;
4. one block per partition is built by a :class:`~daskstats.design.BlockBuilder` and persisted
   when it fits in memory (:func:`~daskstats.passes.build_source`);
5. a :class:`~daskstats.passes.PassRunner` runs kernels over the blocks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

import numpy as np
import pandas as pd
import patsy
from statsmodels.genmod.families import Family

from daskstats import thresholds as thresholds_module
from daskstats.design import (
    BlockBuilder,
    DataSummary,
    ExtraColumns,
    Layout,
    check_data,
    plan_layout,
    stored_summary,
)
from daskstats.errors import DataError
from daskstats.families import resolve_family
from daskstats.formula import ModelSpec, learn_spec
from daskstats.inference.prediction import PredictionResults, empty_frame
from daskstats.kernels.coded import warm_up
from daskstats.kernels.loglike import loglike_pass
from daskstats.kernels.rows import predicted_values, prediction_values, residuals
from daskstats.passes import (
    BlockSource,
    DaskReader,
    PassRunner,
    attach_column,
    block_arrays,
    block_frames,
    build_source,
    new_data_values,
    prepare_inputs,
    to_dask,
)
from daskstats.thresholds import Thresholds

__all__ = ["Model", "check_width", "check_solvable"]

MISSING = ("drop", "raise")


def check_width(layout: Layout, limits: Thresholds) -> None:
    """Refuse, before any pass, a design whose pass sums cannot be held: the dense columns'
    ``p_d × p_d`` block and the coded terms' cross blocks, per partition."""
    dense = layout.n_dense
    if dense > limits.max_dense_columns:
        gib = dense * dense * 8 / 2**30
        raise DataError(
            f"the design has {dense} dense columns: each pass would sum a {dense} x {dense} "
            f"matrix ({gib:.1f} GiB) per partition. Use fewer terms or interactions, or write a "
            "many-level categorical as a C(...) term (it is then kept as level codes)."
        )
    sizes = [t.n_levels for t in layout.coded]
    cells = sum(a * b for i, a in enumerate(sizes) for b in sizes[i + 1 :])
    if cells > limits.max_pair_cells:
        raise DataError(
            f"the coded terms {', '.join(f'{t.name} ({t.n_levels} levels)' for t in layout.coded)} "
            f"have {cells:,} level pairs: each pass would sum their cross blocks "
            f"({cells * 8 / 2**30:.1f} GiB) per partition, more than "
            f"ds.thresholds' max_pair_cells={limits.max_pair_cells:,}. Use fewer levels or "
            "factors."
        )


def check_solvable(layout: Layout, limits: Thresholds) -> None:
    """Refuse, before any pass, an unpenalized fit whose dense system (what is left after
    eliminating the widest coded term) is too large to solve."""
    rest = layout.n_rest
    if rest > limits.max_dense_columns:
        gib = rest * rest * 8 / 2**30
        coded = ", ".join(f"{t.name} ({len(t.columns)})" for t in layout.coded) or "none"
        raise DataError(
            f"the model has {layout.n_params} parameters ({layout.n_dense} dense columns; coded "
            f"terms: {coded}). After eliminating the widest coded term, {rest} remain to be "
            f"solved densely ({rest} x {rest}, {gib:.1f} GiB), more than ds.thresholds' "
            f"max_dense_columns={limits.max_dense_columns}. Use fewer levels, or a lasso fit, "
            "which needs no dense system: model.fit_regularized(alpha, L1_wt=1.0, "
            "method='proximal_grad')."
        )


class Model:
    """Base of the models (a formula, its design as blocks, a family).

    Attributes
    ----------
    formula : str
    family : statsmodels Family
    spec : ModelSpec
        Learned design specification (levels over all partitions), reused by ``predict``.
    layout : Layout
        Dense columns and the categorical terms kept as level codes.
    extras : ExtraColumns
        The offset/exposure/weights/groups columns.
    missing : {"drop", "raise"}
    thresholds : Thresholds
        The size limits in force when the model was built.
    source : BlockSource or None
        The blocks (None for a model rebuilt from a results file, which holds no data).
    runner : PassRunner or None
    """

    family: Family

    def __init__(self, *args, **kwargs):
        name = type(self).__name__
        raise TypeError(
            f"build a daskstats {name} with {name}.from_formula(formula, data, ...), or call "
            f"daskstats.{name.lower()}(formula, data, ...) to fit directly."
        )

    # --- construction --------------------------------------------------------------------
    def _configure(self, **options) -> None:
        """Take the model's own options (family, ...); subclasses check them here."""
        if options:
            raise TypeError(f"unexpected options {sorted(options)}")

    def _check_inputs(self, extras: ExtraColumns) -> None:
        """Check the extra columns against the model's options (subclass hook)."""

    def _two_column_response(self, spec: ModelSpec) -> bool:
        """Whether ``successes + failures ~ ...`` is this model's response (subclass hook)."""
        if len(spec.endog_names) > 1:
            raise DataError(
                f"the response has {len(spec.endog_names)} columns "
                f"({', '.join(spec.endog_names)}); {type(self).__name__} needs one."
            )
        return False

    def _initialize(
        self,
        *,
        formula: str,
        spec: ModelSpec,
        layout: Layout,
        extras: ExtraColumns,
        missing: str,
        limits: Thresholds,
        source: BlockSource | None,
        group_meta: pd.DataFrame | None = None,
    ) -> None:
        """Set every attribute of a built model (from a formula and data, or from a file)."""
        self.formula = formula
        self.spec = spec
        self.layout = layout
        self.extras = extras
        self.missing = missing
        self.thresholds = limits
        self.source = source
        self.group_meta = group_meta
        self.runner = (
            None
            if source is None
            else PassRunner(source.blocks, fuse=source.fusable, split_every=limits.split_every)
        )
        self._summary: DataSummary | None = None

    @classmethod
    def _from_formula(
        cls,
        formula: str,
        data,
        *,
        eval_env: patsy.EvalEnvironment,
        offset=None,
        exposure=None,
        freq_weights=None,
        var_weights=None,
        missing: str = "drop",
        groups=None,
        persist: bool | None = None,
        **options,
    ) -> Self:
        """The model of ``formula`` on ``data`` (see the module docstring for the steps)."""
        self = cls.__new__(cls)
        if missing not in MISSING:
            raise DataError(f"missing must be 'drop' or 'raise', got {missing!r}.")
        self._configure(**options)
        limits = thresholds_module.current()
        ddf, extras = prepare_inputs(
            data,
            offset=offset,
            exposure=exposure,
            freq_weights=freq_weights,
            var_weights=var_weights,
            groups=groups,
        )
        self._check_inputs(extras)
        spec = learn_spec(
            formula,
            DaskReader(ddf),
            eval_env,
            prototype_rows=limits.prototype_rows,
            lazy_min_levels=limits.lazy_contrast_min_levels,
        )
        two_column = self._two_column_response(spec)
        layout = plan_layout(spec, min_levels=limits.codes_min_levels)
        check_width(layout, limits)
        if layout.coded:
            warm_up()  # the compiled loops load while the blocks are built
        builder = BlockBuilder(spec, layout, extras, missing, two_column)
        source = build_source(
            ddf, builder, persist=persist, persist_fraction=limits.persist_fraction
        )
        self._initialize(
            formula=formula,
            spec=spec,
            layout=layout,
            extras=extras,
            missing=missing,
            limits=limits,
            source=source,
            group_meta=ddf._meta[list(extras.groups)] if extras.groups else None,
        )
        return self

    @classmethod
    def from_spec(
        cls,
        spec: ModelSpec,
        family: Family | None = None,
        *,
        layout: Layout | None = None,
        extras: ExtraColumns | None = None,
        missing: str = "drop",
    ) -> Self:
        """A model of a learned specification that holds no data (results loaded from a
        file): it predicts new data and describes itself, it cannot be fitted."""
        self = cls.__new__(cls)
        self.family = resolve_family(family)
        limits = thresholds_module.current()
        if layout is None:
            layout = plan_layout(spec, min_levels=limits.codes_min_levels)
        self._initialize(
            formula=spec.formula,
            spec=spec,
            layout=layout,
            extras=extras or ExtraColumns(),
            missing=missing,
            limits=limits,
            source=None,
        )
        return self

    # --- names ---------------------------------------------------------------------------
    @property
    def exog_names(self) -> list[str]:
        return self.spec.exog_names

    @property
    def endog_name(self) -> str:
        return self.spec.endog_name

    @property
    def endog_names(self) -> str:
        """The response's name (statsmodels' ``endog_names``)."""
        return self.spec.endog_name

    @property
    def term_info(self) -> patsy.DesignInfo:
        """patsy's description of the regressors (terms and their columns)."""
        return self.spec.x_info

    def __repr__(self) -> str:
        return f"<daskstats {type(self).__name__} {self.formula!r} {type(self.family).__name__}>"

    # --- data ----------------------------------------------------------------------------
    def _require_data(self) -> PassRunner:
        if self.runner is None:
            raise DataError(
                "these results were loaded from a file and hold no data: pass new_data (and its "
                "offset/exposure) to predict or get_prediction."
            )
        return self.runner

    def data_summary(self) -> DataSummary:
        """Counts and ranges of the used rows, checked before the first fit.

        Each block computed its summary when it was built, so for a persisted design this
        reads only small records (no pass over the data); a streamed design is rebuilt (one
        pass).
        """
        if self._summary is None:
            runner = self._require_data()
            persisted = self.source is not None and self.source.persisted
            summary = runner.run(stored_summary, name="checks", counted=not persisted)
            check_data(summary, len(self.exog_names))
            self._check_data(summary)
            self._summary = summary
        return self._summary

    def _check_data(self, summary: DataSummary) -> None:
        """The model's own checks of the data (subclass hook)."""

    # --- per-row results -----------------------------------------------------------------
    def rows(self, what: str, params: np.ndarray):
        """A lazy per-row quantity of the fitted rows (``"mu"`` or a residual), as a dask
        array in row order (rows dropped for missing values are not in it)."""
        runner = self._require_data()
        lengths = self.data_summary().lengths
        return block_arrays(
            runner.blocks, lengths, residuals, self.layout, self.family, params, what
        )

    def loglike(self, params: np.ndarray, scale: float) -> float:
        """statsmodels' log-likelihood at ``params`` and ``scale`` (one pass)."""
        runner = self._require_data()
        return runner.run(
            loglike_pass,
            self.layout,
            self.family,
            np.asarray(params, dtype=float),
            None,
            scale,
            scale,
            name="log-likelihood",
        ).llf

    def predict_values(self, params, new_data, which: str, offset, exposure):
        """Lazy predictions of ``which`` (``"mean"``, ``"linear"``, ``"var_unscaled"``) on
        ``new_data`` (the fitted rows when None)."""
        if which not in ("mean", "linear", "var_unscaled"):
            raise DataError(f"which must be 'mean', 'linear' or 'var_unscaled', got {which!r}.")
        meta = pd.Series(dtype=float, name="predicted")
        return self._per_row(
            new_data, offset, exposure, meta, predicted_values, self.family, which, params=params
        )

    def prediction(self, params, cov, new_data, offset, exposure, df: float, use_t: bool):
        """Lazy predictions with standard errors and confidence intervals."""

        def make(alpha, dist_args):
            return self._per_row(
                new_data,
                offset,
                exposure,
                empty_frame(),
                prediction_values,
                self.family,
                cov,
                alpha,
                dist_args,
                params=params,
            )

        return PredictionResults(make, df, use_t)

    def _per_row(self, new_data, offset, exposure, meta, values_fn: Callable, *args, params):
        if new_data is None:
            runner = self._require_data()
            return block_frames(runner.blocks, self.layout, params, meta, values_fn, *args)
        ddf, cols = self._new_data(new_data, offset, exposure)
        return new_data_values(
            ddf,
            self.spec,
            self.layout,
            params,
            cols.get("offset"),
            cols.get("exposure"),
            meta,
            values_fn,
            *args,
        )

    def _new_data(self, new_data, offset, exposure) -> tuple[Any, dict]:
        """New data as a dask DataFrame, with its offset/exposure columns."""
        ddf = to_dask(new_data)
        cols = {}
        for name, given in (("offset", offset), ("exposure", exposure)):
            fitted = getattr(self.extras, name)
            if given is None and fitted is not None:
                column = self.extras.user_column(name)
                if column is None:
                    raise DataError(
                        f"the model was fitted with an {name}: pass {name}=... to predict."
                    )
                if column not in ddf.columns:
                    raise DataError(
                        f"the model was fitted with {name}={column!r}, which new_data lacks; "
                        f"pass {name}=... (a column name or values) to predict."
                    )
                given = column
            ddf, col = attach_column(ddf, new_data, name, given, name)
            if isinstance(col, tuple):
                ddf = to_dask(new_data.assign(**{col[0]: col[1]}))
                col = col[0]
            cols[name] = col
        missing_cols = [c for c in self.spec.x_variables if c not in ddf.columns]
        if missing_cols:
            raise DataError(
                f"new_data lacks the column(s) {', '.join(map(repr, missing_cols))} that the "
                "formula uses."
            )
        return ddf, cols
