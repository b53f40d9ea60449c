"""Formula → model specification: parsing, learning levels and transforms over every
partition, contrasts that need no dense matrix, per-frame matrices, and the command-line
sandbox. Pure pandas and patsy: the data is read through an injected reader, no dask here."""

from daskstats.formula.codes import level_codes, numeric_values
from daskstats.formula.frames import patsy_frame, rows_to_keep
from daskstats.formula.learn import DataReader, learn_spec
from daskstats.formula.matrices import build_matrices, column_matrices, rows_with_nan
from daskstats.formula.sandbox import check_untrusted_formula
from daskstats.formula.spec import ModelSpec, rebuild_spec

__all__ = [
    "ModelSpec",
    "DataReader",
    "learn_spec",
    "rebuild_spec",
    "build_matrices",
    "column_matrices",
    "rows_with_nan",
    "level_codes",
    "numeric_values",
    "patsy_frame",
    "rows_to_keep",
    "check_untrusted_formula",
]
