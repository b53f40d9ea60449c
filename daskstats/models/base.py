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

from typing import Self

import dask.dataframe as dd
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
from daskstats.design.arrays import ArraySpec
from daskstats.errors import DataError
from daskstats.families import resolve_family
from daskstats.formula import ModelSpec, learn_spec
from daskstats.models.model_data import EXTRA_NAMES, ModelData, series_name
from daskstats.models.per_row import PerRowResults
from daskstats.passes import (
    BlockSource,
    DaskReader,
    InputFormat,
    PassRunner,
    build_source,
    prepare_arrays,
    prepare_inputs,
)
from daskstats.thresholds import Thresholds

__all__ = ["Model", "check_width", "check_solvable"]

MISSING = ("drop", "raise")
ARRAY_MISSING = ("none", "drop", "raise")
PANDAS = InputFormat("pandas")


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
            "which needs no dense system: model.fit_regularized(alpha=..., L1_wt=1.0, "
            "method='proximal_grad')."
        )


def _extra_names(*values) -> dict:
    return {name: series_name(value, name) for name, value in zip(EXTRA_NAMES, values)}


class Model(ModelData, PerRowResults):
    """Base of the models (a formula or arrays, their design as blocks, a family).

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

    # --- construction --------------------------------------------------------------------
    def _configure(self, **options) -> None:
        """Take the model's own options (family, ...); subclasses check them here."""
        if options:
            raise TypeError(f"unexpected options {sorted(options)}")

    def _check_inputs(self, extras: ExtraColumns) -> None:
        """Check the extra columns against the model's options (subclass hook)."""

    def _two_column_response(self, spec: ModelSpec | ArraySpec) -> bool:
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
        formula: str | None,
        spec: ModelSpec | ArraySpec,
        layout: Layout,
        extras: ExtraColumns,
        missing: str,
        limits: Thresholds,
        source: BlockSource | None,
        frame: dd.DataFrame | None = None,
        builder: BlockBuilder | None = None,
        input_format: InputFormat = PANDAS,
        group_meta: pd.DataFrame | None = None,
    ) -> None:
        """Set every attribute of a built model (from a formula and data, from arrays, or
        from a file)."""
        self.formula = formula
        self.spec = spec
        self.frame = frame
        self.builder = builder
        self.input_format = input_format
        self.layout = layout
        self.extras = extras
        self.missing = missing
        self.thresholds = limits
        self.source = source
        self.group_meta = group_meta
        self.runner = (
            None
            if source is None
            else PassRunner(
                source.blocks,
                fuse=source.fusable,
                split_every=limits.split_every,
                pooled=source.pooled,
                stream=source.stream,
                tasks_per_thread=limits.tasks_per_thread,
            )
        )
        self._summary: DataSummary | None = None
        self.scaletype: str | float | None = None  # statsmodels' fit(scale=...), set by fit

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
        self.extra_names = _extra_names(offset, exposure, freq_weights, var_weights)
        limits = thresholds_module.current()
        ddf, extras, fmt = prepare_inputs(
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
        self._build(ddf, formula, spec, layout, extras, missing, limits, fmt, two_column, persist)
        return self

    def _from_arrays(
        self,
        endog,
        exog,
        *,
        offset=None,
        exposure=None,
        freq_weights=None,
        var_weights=None,
        missing: str = "none",
        groups=None,
        persist: bool | None = None,
        **options,
    ) -> None:
        """The model of ``endog`` on ``exog`` (numpy, pandas or dask; statsmodels' door)."""
        if missing not in ARRAY_MISSING:
            raise DataError(f"missing must be one of {ARRAY_MISSING}, got {missing!r}.")
        self._configure(**options)
        self.extra_names = _extra_names(offset, exposure, freq_weights, var_weights)
        limits = thresholds_module.current()
        ddf, spec, extras, fmt = prepare_arrays(
            endog,
            exog,
            offset=offset,
            exposure=exposure,
            freq_weights=freq_weights,
            var_weights=var_weights,
            groups=groups,
        )
        self._check_inputs(extras)
        two_column = self._two_column_response(spec)
        layout = Layout.dense_only(spec.n_exog)
        check_width(layout, limits)
        self._build(ddf, None, spec, layout, extras, missing, limits, fmt, two_column, persist)

    def _build(self, ddf, formula, spec, layout, extras, missing, limits, fmt, two_column, persist):
        builder = BlockBuilder(spec, layout, extras, missing, two_column)
        source = build_source(
            ddf,
            builder,
            persist=persist,
            persist_fraction=limits.persist_fraction,
            blocks_per_thread=limits.blocks_per_thread,
            pool_below_bytes=limits.pool_below_bytes,
        )
        self._initialize(
            formula=formula,
            spec=spec,
            layout=layout,
            extras=extras,
            missing=missing,
            limits=limits,
            source=source,
            frame=ddf,
            builder=builder,
            input_format=fmt,
            group_meta=ddf._meta[list(extras.groups)] if extras.groups else None,
        )

    @classmethod
    def from_spec(
        cls,
        spec: ModelSpec | ArraySpec,
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
        self.extra_names = {}
        limits = thresholds_module.current()
        if layout is None:
            if not isinstance(spec, ModelSpec):  # plan_layout reads a formula's terms
                raise AttributeError("an array model's spec has no terms: give its layout")
            layout = plan_layout(spec, min_levels=limits.codes_min_levels)
        self._initialize(
            formula=getattr(spec, "formula", None),
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
        spec = self.spec
        if isinstance(spec, ArraySpec) and spec.given_exog_names is None and spec.constant is None:
            self.data_summary()  # which columns are constant: statsmodels names them "const"
        return self.spec.exog_names

    @property
    def endog_name(self) -> str:
        return self.spec.endog_name

    @property
    def endog_names(self) -> str | list[str]:
        """The response's name (statsmodels' ``endog_names``: a list for a two-column
        response)."""
        names = list(self.spec.endog_names)
        return names[0] if len(names) == 1 else names

    @property
    def term_info(self) -> patsy.DesignInfo | None:
        """patsy's description of the regressors (terms and their columns); None for arrays."""
        return getattr(self.spec, "x_info", None)

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

    def remove_data(self) -> None:
        """Drop the references to the data (statsmodels' ``remove_data``): the model still
        describes itself and predicts new data; per-row results of the fitted rows and new
        fits need the data again."""
        if self._summary is None and self.runner is not None:
            self.data_summary()  # keep nobs and the degrees of freedom
        self.runner = None
        self.source = None
        self.frame = None
        self.builder = None

    def data_summary(self) -> DataSummary:
        """Counts and ranges of the used rows, checked before the first fit.

        Each block computed its summary when it was built, so for a persisted design this
        reads only small records (no pass over the data); a streamed design is rebuilt (one
        pass).
        """
        if self._summary is None:
            runner = self._require_data()
            persisted = self.source is not None and self.source.persisted
            summary = runner.run(stored_summary, name="checks", counted=not persisted, pooled=True)
            if isinstance(self.spec, ArraySpec) and self.spec.constant is None:
                constant = (
                    summary.x_min == summary.x_max
                    if summary.x_min is not None
                    else np.zeros(self.spec.n_exog, dtype=bool)
                )
                self.spec = self.spec.with_constant(np.asarray(constant))
            check_data(summary, self.layout.n_params)
            self._check_data(summary)
            self._summary = summary
        return self._summary

    def _check_data(self, summary: DataSummary) -> None:
        """The model's own checks of the data (subclass hook)."""
