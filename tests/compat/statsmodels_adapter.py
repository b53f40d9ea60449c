"""Run statsmodels' own test modules against daskstats.

The adapter only maps constructors: inside a loaded test module, ``GLM`` (however it is
imported: ``sm.GLM``, ``from statsmodels.genmod.generalized_linear_model import GLM``,
``smf.glm``, ``GLM.from_formula``) is daskstats' ``GLM``. Everything else — the data, the
reference values, the assertions, statsmodels' other models used as references — is statsmodels'
own, unchanged. No test is patched.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.util
import types

import daskstats as ds

__all__ = ["load_suite"]


class _Proxy(types.ModuleType):
    """A module that answers with ``overrides`` and otherwise delegates to ``module``."""

    def __init__(self, module: types.ModuleType, **overrides):
        super().__init__(module.__name__)
        self.__dict__.update(overrides)
        self._module = module

    def __getattr__(self, name: str):
        return getattr(self._module, name)


def _proxies() -> dict[str, _Proxy]:
    sm = importlib.import_module("statsmodels.api")
    smf = importlib.import_module("statsmodels.formula.api")
    glm_module = importlib.import_module("statsmodels.genmod.generalized_linear_model")
    genmod = importlib.import_module("statsmodels.genmod")
    formula = importlib.import_module("statsmodels.formula")
    top = importlib.import_module("statsmodels")
    glm = _Proxy(glm_module, GLM=ds.GLM)
    api = _Proxy(sm, GLM=ds.GLM)
    formula_api = _Proxy(smf, glm=ds.GLM.from_formula, GLM=ds.GLM)
    return {
        "statsmodels.api": api,
        "statsmodels.formula.api": formula_api,
        "statsmodels.genmod.generalized_linear_model": glm,
        "statsmodels": _Proxy(
            top,
            api=api,
            formula=_Proxy(formula, api=formula_api),
            genmod=_Proxy(genmod, generalized_linear_model=glm),
        ),
    }


def load_suite(module_name: str) -> dict:
    """The namespace of statsmodels' test module ``module_name``, executed with daskstats'
    ``GLM`` in place of statsmodels' (its tests, fixtures and helpers, for a test module to
    take into its globals)."""
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.origin is None:
        raise ImportError(f"statsmodels' test module {module_name} is not installed")
    proxies = _proxies()

    def adapted_import(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0:
            if fromlist and name in proxies:
                return proxies[name]
            if not fromlist and name.split(".")[0] == "statsmodels":
                return proxies["statsmodels"]
        return builtins.__import__(name, globals, locals, fromlist, level)

    namespace: dict = {
        "__name__": module_name,
        "__file__": spec.origin,
        "__package__": module_name.rpartition(".")[0],
        "__builtins__": {**vars(builtins), "__import__": adapted_import},
    }
    with open(spec.origin, encoding="utf-8") as f:
        code = compile(f.read(), spec.origin, "exec")
    exec(code, namespace)
    return {k: v for k, v in namespace.items() if not k.startswith("__")}
