"""Plots render to PNG and show what they claim; the binned residuals match pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cases import dataset
from conftest import materialize, to_dask

import daskstats as ds

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


@pytest.fixture(scope="module")
def res():
    return ds.glm(
        "affairs ~ rate_marriage + age + C(religious)",
        to_dask(dataset("fair"), "irregular"),
        ds.families.Poisson(),
    )


def _png(ax, path):
    ax.figure.savefig(path)
    assert path.stat().st_size > 5000
    matplotlib.pyplot.close(ax.figure)


def test_coefficients_plot(res, tmp_path):
    ax = res.plot_coefficients()
    labels = {t.get_text(): t.get_position()[1] for t in ax.get_yticklabels()}
    assert sorted(labels, key=labels.get, reverse=True) == list(res.params.index[1:])
    _png(ax, tmp_path / "coef.png")


def test_convergence_plot(res, tmp_path):
    ax = res.plot_convergence()
    assert len(ax.lines[0].get_xdata()) == res.n_iter + 1
    _png(ax, tmp_path / "conv.png")


def test_binned_residuals_match_pandas(res, tmp_path):
    from daskstats.results.plots import binned_residuals

    frame = binned_residuals(res, bins=10)
    mu = materialize(res.mu)
    resid = materialize(res.resid_response)
    edges = np.linspace(mu.min(), mu.max(), 11)
    idx = np.clip(np.digitize(mu, edges[1:-1]), 0, 9)
    expected = pd.Series(resid).groupby(idx).mean().to_numpy()
    np.testing.assert_allclose(frame["resid"], expected, rtol=1e-10, atol=1e-12)
    assert frame["rows"].sum() == res.nobs
    _png(res.plot_binned_residuals(bins=10), tmp_path / "binned.png")
