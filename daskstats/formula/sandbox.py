"""The namespace of a formula typed on the command line: columns, arithmetic, patsy's helpers
and numpy ufuncs, nothing else (a formula is Python code)."""

from __future__ import annotations

import ast

import numpy as np
import patsy

from daskstats.errors import DataError
from daskstats.formula.spec import PATSY_HELPERS, all_factors, deep_recursion

__all__ = ["check_untrusted_formula"]

_SAFE_NAMES = PATSY_HELPERS | {"True", "False", "None"}
_NUMPY_FUNCTIONS = {"clip", "where", "round", "abs", "sign", "maximum", "minimum", "power"}


def check_untrusted_formula(formula: str, columns) -> None:
    """Reject a formula from an untrusted source unless it is plain arithmetic on columns.

    Allowed: column names, numbers and strings, arithmetic and comparisons, calls of patsy's
    helpers (``C``, ``I``, ``Q``, ``center``, contrasts, splines) and of numpy ufuncs
    (``np.log``, ``np.sqrt``, ...). Rejected with :class:`DataError`: any other name
    (``__import__``, ``open``, ...), attribute access other than ``np.<ufunc>`` (so no dunder
    attributes), lambdas, comprehensions, subscripts.
    """
    allowed_nodes = (
        ast.Expression,
        ast.Name,
        ast.Load,
        ast.Call,
        ast.Attribute,
        ast.BinOp,
        ast.UnaryOp,
        ast.Compare,
        ast.BoolOp,
        ast.Constant,
        ast.keyword,
        ast.List,
        ast.Tuple,
        ast.operator,
        ast.unaryop,
        ast.cmpop,
        ast.boolop,
    )
    columns = set(map(str, columns))
    try:
        with deep_recursion():
            desc = patsy.ModelDesc.from_formula(formula)
    except patsy.PatsyError as exc:
        raise DataError(f"could not parse formula {formula!r}: {exc}") from None
    for factor in all_factors(desc):
        code = getattr(factor, "code", None)
        if code is None:
            continue
        try:
            tree = ast.parse(code, mode="eval")
        except SyntaxError:
            raise DataError(f"formula term {code!r} is not valid Python.") from None
        for node in ast.walk(tree):
            if not isinstance(node, allowed_nodes):
                raise DataError(
                    f"formula term {code!r} uses {type(node).__name__}, which is not allowed in a "
                    "formula from the command line (only columns, numbers, arithmetic, "
                    "comparisons, C()/I()/Q() and np.<ufunc> calls)."
                )
            if isinstance(node, ast.Name) and node.id not in columns | _SAFE_NAMES:
                raise DataError(
                    f"formula term {code!r} uses {node.id!r}, which is neither a column nor an "
                    "allowed function."
                )
            if isinstance(node, ast.Attribute):
                base = node.value
                ok = (
                    isinstance(base, ast.Name)
                    and base.id == "np"
                    and not node.attr.startswith("_")
                    and (
                        isinstance(getattr(np, node.attr, None), np.ufunc)
                        or node.attr in _NUMPY_FUNCTIONS
                    )
                )
                if not ok:
                    raise DataError(
                        f"formula term {code!r} accesses the attribute {node.attr!r}, which is not "
                        "allowed from the command line (only np.<ufunc>, e.g. np.log)."
                    )
