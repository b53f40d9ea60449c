"""Size thresholds are injected with ``ds.thresholds.override`` and travel with the model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import daskstats as ds
from daskstats.thresholds import Thresholds, current


def test_override_changes_and_restores():
    default = current()
    assert default == Thresholds()
    with ds.thresholds.override(codes_min_levels=3, dense_covariance_limit=7) as inside:
        assert current() is inside
        assert (inside.codes_min_levels, inside.dense_covariance_limit) == (3, 7)
        with ds.thresholds.override(codes_min_levels=5):
            assert current().codes_min_levels == 5
            assert current().dense_covariance_limit == 7  # nested overrides stack
        assert current().codes_min_levels == 3
    assert current() == default


def test_unknown_threshold_is_refused():
    with pytest.raises(TypeError, match="unknown threshold"):
        with ds.thresholds.override(no_such_limit=1):
            pass


def test_a_model_keeps_the_thresholds_it_was_built_with():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"y": rng.poisson(2.0, 400), "g": rng.integers(0, 6, 400)})
    with ds.thresholds.override(codes_min_levels=6, dense_covariance_limit=3):
        model = ds.GLM.from_formula("y ~ C(g)", frame, ds.families.Poisson())
    assert model.thresholds.codes_min_levels == 6
    assert model.layout.coded == ()  # 5 columns: below the raised minimum
    with ds.thresholds.override(codes_min_levels=2, dense_covariance_limit=3):
        model = ds.GLM.from_formula("y ~ C(g)", frame, ds.families.Poisson())
    res = model.fit()  # fitted outside the block: still the model's own limits
    assert type(res.normalized_cov_params).__name__ == "BlockCovariance"
    with ds.thresholds.override(codes_min_levels=10**9):
        dense = ds.glm("y ~ C(g)", frame, ds.families.Poisson())
    assert dense.model.layout.coded == ()
    np.testing.assert_allclose(res.bse, dense.bse, rtol=1e-10)
