"""Learning a :class:`~daskstats.formula.spec.ModelSpec` from every partition of the data.

Two rounds, with the reading of the data injected (a :class:`DataReader`, implemented over a
dask DataFrame in :mod:`daskstats.passes.frames`), so that this module stays pure patsy:

1. patsy learns a first spec from the first rows; it tells which factors are categorical and
   whether any stateful transform (``center``, ``standardize``, splines) needs whole columns;
2. the distinct values of each categorical factor's variables are read from *all* partitions
   (one parallel pass over just those columns) and appended to the first rows: the
   *prototype*, from which patsy learns the final spec — the same levels, in the same order, as
   on the concatenated pandas frame. Stateful transforms make patsy iterate every partition
   instead (a serial pass, documented as such).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import pandas as pd
import patsy
from patsy.eval import ast_names

from daskstats.errors import DataError
from daskstats.formula.contrasts import lazy_treatment
from daskstats.formula.frames import patsy_frame
from daskstats.formula.spec import (
    PATSY_HELPERS,
    ModelSpec,
    all_factors,
    deep_recursion,
    factor_variables,
    parse_formula,
    restricted_env,
    transform_states,
)

__all__ = ["DataReader", "learn_spec"]


class DataReader(Protocol):
    """What learning a spec needs to read from the data (pandas frames come back)."""

    columns: list[str]

    def first_rows(self, variables: tuple[str, ...], n: int) -> pd.DataFrame:
        """The first ``n`` rows of ``variables`` (fewer if the data is shorter)."""
        ...

    def distinct(self, column_sets: list[list[str]]) -> list[pd.DataFrame]:
        """For each set of columns, its distinct rows over the whole data (one pass)."""
        ...

    def partitions(self, variables: tuple[str, ...]) -> Iterator[pd.DataFrame]:
        """Every partition of ``variables``, in order (a serial pass)."""
        ...


def _check_names(desc: patsy.ModelDesc, columns: list[str], eval_env) -> None:
    """Raise a clear error for a name in the formula that is neither a column nor defined."""
    namespace_names: set[str] = set()
    for ns in eval_env._namespaces:
        namespace_names.update(ns.keys())
    builtins = set(dir(__builtins__)) if not isinstance(__builtins__, dict) else set(__builtins__)
    for factor in all_factors(desc):
        code = getattr(factor, "code", None)
        if code is None:
            continue
        for name in ast_names(code):
            if (
                name in columns
                or name in namespace_names
                or name in builtins
                or name in PATSY_HELPERS
            ):
                continue
            close = [c for c in columns if c.lower() == name.lower()]
            shown = ", ".join(map(str, columns[:20])) + (" ..." if len(columns) > 20 else "")
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise DataError(
                f"formula term {code!r} uses {name!r}, which is not a column of the data "
                f"(columns: {shown}).{hint}"
            )


def _evaluate_error(exc: Exception, formula: str, head: pd.DataFrame | None = None) -> DataError:
    msg = str(exc).strip().splitlines()
    text = " ".join(m.strip() for m in msg if m.strip() and not set(m.strip()) <= {"^"})
    hint = ""
    if head is not None and ("TypeError" in text or isinstance(exc, TypeError)):
        text_columns = [
            c
            for c in head.columns
            if not pd.api.types.is_numeric_dtype(head[c])
            and not pd.api.types.is_bool_dtype(head[c])
        ]
        if text_columns:
            hint = (
                f" Column(s) {', '.join(map(repr, text_columns))} are not numeric: wrap them in "
                "C(...) to use them as categorical, or convert them to numbers."
            )
    return DataError(f"could not evaluate formula {formula!r}: {text}.{hint}")


def _builders(formula: str, make_iter, eval_env, lazy_min_levels: int, head=None):
    try:
        with lazy_treatment(lazy_min_levels):
            return patsy.incr_dbuilders(formula, make_iter, eval_env, NA_action="drop")
    except (patsy.PatsyError, TypeError, ValueError) as exc:
        raise _evaluate_error(exc, formula, head) from None


def _prototype(head: pd.DataFrame, distinct_frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The first rows plus one row per distinct value of each categorical factor (the other
    columns filled from the first row)."""
    pieces = [head]
    filler = head.iloc[[0]]
    for frame in distinct_frames:
        if len(frame) == 0:
            continue
        frame = patsy_frame(frame).reset_index(drop=True)
        fill = filler.loc[filler.index.repeat(len(frame))].reset_index(drop=True)
        for col in frame.columns:
            fill[col] = (
                frame[col].values
                if isinstance(frame[col].dtype, pd.CategoricalDtype)
                else frame[col].to_numpy()
            )
        pieces.append(fill.astype(head.dtypes.to_dict()))
    return pd.concat(pieces, ignore_index=True)


def learn_spec(
    formula: str,
    reader: DataReader,
    eval_env: patsy.EvalEnvironment,
    *,
    prototype_rows: int = 200,
    lazy_min_levels: int = 256,
) -> ModelSpec:
    """Learn the design specification of ``formula`` over every partition of the data.

    Parameters
    ----------
    formula : str
        patsy formula ``"y ~ x1 + C(g) + np.log(x2)"``; ``successes + failures ~ ...`` (a
        two-column response) is allowed.
    reader : DataReader
        Reads the data; only the columns the formula uses are read.
    eval_env : patsy.EvalEnvironment
        Namespace for the formula's code.
    prototype_rows : int
        First rows read to learn dtypes and column names.
    lazy_min_levels : int
        See :func:`~daskstats.formula.contrasts.lazy_treatment`.

    Returns
    -------
    ModelSpec
    """
    with deep_recursion():
        desc = parse_formula(formula)
        if not desc.lhs_termlist:
            raise DataError(f"formula {formula!r} has no response on the left of '~'.")
        columns = [str(c) for c in reader.columns]
        _check_names(desc, columns, eval_env)
        eval_env = restricted_env(formula, eval_env, columns)
        variables = factor_variables(all_factors(desc), columns)

        head = patsy_frame(reader.first_rows(variables, prototype_rows))
        if len(head) == 0:
            raise DataError("the data has no rows: there is nothing to fit.")
        y_head, x_head = _builders(
            formula, lambda: iter([head]), eval_env, lazy_min_levels, head=head
        )
        infos = (y_head, x_head)
        categorical = [
            f for i in infos for f, fi in i.factor_infos.items() if fi.type == "categorical"
        ]
        stateful = any(
            hasattr(f, "memorize_passes_needed") and f.memorize_passes_needed({}, eval_env) > 0
            for i in infos
            for f in i.factor_infos
        )
        column_sets = [
            [c for c in variables if c in set(ast_names(f.code))] or list(variables)
            for f in categorical
        ]
        prototype = _prototype(head, reader.distinct(column_sets) if column_sets else [])

        if stateful:  # statistics of whole columns: patsy sees every partition (serial pass)

            def data_iter_maker():
                return (patsy_frame(part) for part in reader.partitions(variables))

            y_info, x_info = _builders(formula, data_iter_maker, eval_env, lazy_min_levels)
        elif categorical:  # every level of every categorical factor, in the prototype
            y_info, x_info = _builders(
                formula, lambda: iter([prototype]), eval_env, lazy_min_levels
            )
        else:  # the prototype is the first rows, already learned
            y_info, x_info = y_head, x_head

    for factor, info in y_info.factor_infos.items():
        if info.type == "categorical":
            raise DataError(
                f"the response {factor.name()!r} is not numeric: patsy would expand it into an "
                f"array with multiple columns of indicators {list(y_info.column_names)}. "
                "Encode it as numbers first, "
                "e.g. 0/1 for a binary outcome: data['y'] = (data['y'] == 'yes').astype(int)."
            )
    transforms = transform_states((y_info, x_info)) if stateful else {}
    return ModelSpec(
        formula, y_info, x_info, variables, eval_env, prototype, transforms, lazy_min_levels
    )
