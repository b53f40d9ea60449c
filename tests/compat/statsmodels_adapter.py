"""Run statsmodels' own test modules against daskstats.

The adapter only maps constructors: inside a loaded test module, ``GLM`` (however it is
imported: ``sm.GLM``, ``from statsmodels.genmod.generalized_linear_model import GLM``,
``smf.glm``, ``GLM.from_formula``) is daskstats' ``GLM``, and so for ``OLS``, ``WLS``,
``Logit``, ``Probit``, ``Poisson`` and ``NegativeBinomial`` in the suites that name them.
Everything else — the data, the reference values, the assertions, statsmodels' other models
used as references — is statsmodels' own, unchanged. No test is patched.
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


#: statsmodels' model classes and the daskstats classes that stand in for them
MODELS = {
    "GLM": ds.GLM,
    "OLS": ds.OLS,
    "WLS": ds.WLS,
    "Logit": ds.Logit,
    "Probit": ds.Probit,
    "Poisson": ds.Poisson,
    "NegativeBinomial": ds.NegativeBinomial,
}
#: statsmodels.formula.api's functions
FORMULAS = {
    "glm": ds.GLM.from_formula,
    "ols": ds.OLS.from_formula,
    "wls": ds.WLS.from_formula,
    "logit": ds.Logit.from_formula,
    "probit": ds.Probit.from_formula,
    "poisson": ds.Poisson.from_formula,
    "negativebinomial": ds.NegativeBinomial.from_formula,
}
#: the modules where statsmodels defines (or re-exports) them
MODULES = (
    "statsmodels.api",
    "statsmodels.genmod.generalized_linear_model",
    "statsmodels.genmod.api",
    "statsmodels.regression.linear_model",
    "statsmodels.regression.api",
    "statsmodels.discrete.discrete_model",
    "statsmodels.discrete.api",
)


def _proxies(models: dict) -> dict[str, _Proxy]:
    proxies: dict[str, _Proxy] = {}
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:  # not in every statsmodels version
            continue
        overrides = {k: v for k, v in models.items() if hasattr(module, k)}
        proxies[name] = _Proxy(module, **overrides)
    smf = importlib.import_module("statsmodels.formula.api")
    formulas = {k: v for k, v in FORMULAS.items() if k.lower() in {m.lower() for m in models}}
    proxies["statsmodels.formula.api"] = _Proxy(smf, **formulas, **models)
    top = importlib.import_module("statsmodels")
    packages = {}
    for package in ("genmod", "regression", "discrete"):
        sub = importlib.import_module(f"statsmodels.{package}")
        children = {
            name.rsplit(".", 1)[1]: proxies[name]
            for name in proxies
            if name.startswith(f"statsmodels.{package}.")
        }
        packages[package] = _Proxy(sub, **children)
    formula = _Proxy(
        importlib.import_module("statsmodels.formula"), api=proxies["statsmodels.formula.api"]
    )
    proxies["statsmodels"] = _Proxy(
        top, api=proxies["statsmodels.api"], formula=formula, **packages
    )
    return proxies


def load_suite(module_name: str, models: tuple[str, ...] = ("GLM",)) -> dict:
    """The namespace of statsmodels' test module ``module_name``, executed with daskstats'
    classes in place of statsmodels' ``models`` (its tests, fixtures and helpers, for a test
    module to take into its globals)."""
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.origin is None:
        raise ImportError(f"statsmodels' test module {module_name} is not installed")
    proxies = _proxies({name: MODELS[name] for name in models})

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
