"""The paired Wilcoxon signed-rank test against scipy.stats.wilcoxon, on the
golden survey, demo surveys and at area level."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import skillsmap as sm

SE_CORE = sm.frameworks.load("se-core")
SE_AREA_OF = dict(zip(SE_CORE.competences["id"], SE_CORE.competences["area"], strict=True))


def _keys(by: Any) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _scipy_wilcoxon(x: np.ndarray, y: np.ndarray, correction: bool) -> Any:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return scipy.stats.wilcoxon(
            x, y, zero_method="wilcox", correction=correction, method="asymptotic"
        )


def _check_paired(t: pd.DataFrame, pairs: dict[Any, tuple[np.ndarray, np.ndarray]], corr: bool):
    for key, (x, y) in pairs.items():
        row = t.loc[key]
        assert row["n"] == len(x)
        nonzero = int(np.count_nonzero(x != y))
        assert row["n_nonzero"] == nonzero
        if nonzero == 0:
            assert row["statistic"] == 0 and np.isnan(row["p_value"]) and np.isnan(row["z"])
            continue
        ref = _scipy_wilcoxon(x, y, corr)
        assert row["statistic"] == ref.statistic
        if corr and row["r_plus"] == nonzero * (nonzero + 1) / 4:
            continue  # R+ at its mean: see test_continuity_correction_at_the_mean
        assert row["r_plus"] + row["r_minus"] == nonzero * (nonzero + 1) / 2
        assert min(row["r_plus"], row["r_minus"]) == row["statistic"]
        np.testing.assert_allclose(row["p_value"], ref.pvalue, rtol=1e-10, atol=0)
        np.testing.assert_allclose(abs(row["z"]), abs(ref.zstatistic), rtol=1e-10, atol=1e-14)
        # z is signed: positive when importance tends to exceed current
        sign = np.sign(row["r_plus"] - row["r_minus"])
        assert np.sign(row["z"]) == sign or (corr and row["z"] == 0)


@pytest.mark.parametrize("correction", [False, True])
def test_paired_test_golden(correction, golden):
    s = golden.survey(golden.missing())
    t = s.paired_test(correction=correction)
    assert t.columns.tolist() == [
        "competence",
        "area",
        "n",
        "n_nonzero",
        "r_plus",
        "r_minus",
        "statistic",
        "z",
        "p_value",
        "p_adj",
        "r_rb",
        "mean_diff",
        "d_z",
    ]
    assert t["n"].tolist() == [5, 4, 5, 5]
    # no adjustment asked: p_adj is p_value
    np.testing.assert_array_equal(t["p_adj"], t["p_value"])
    cur = golden.missing()
    pairs = {}
    for j in range(4):
        ok = ~np.isnan(cur[:, j])
        pairs[j] = (golden.importance[ok, j], cur[ok, j])
    _check_paired(t, pairs, correction)
    assert f"correction={correction}" in sm.Provenance.of(t).test
    assert "importance" in sm.Provenance.of(t).test


def test_continuity_correction_at_the_mean(golden):
    # C1: differences +1, -1, +2, -2 → R+ = R- = 5 = 4·5/4
    imp = np.array([[3, 3, 3, 3], [3, 3, 3, 3], [4, 3, 3, 3], [1, 3, 3, 3]], dtype=float)
    cur = np.array([[2, 1, 2, 3], [4, 2, 1, 2], [2, 2, 2, 1], [3, 1, 2, 2]], dtype=float)
    s = sm.Survey.from_frame(
        golden.long(cur, imp),
        required=None,
        importance="importance",
        framework=golden.fw,
        regions=None,
        typology=None,
    )
    t = s.paired_test(correction=True)
    row = t.iloc[0]
    assert (row["r_plus"], row["r_minus"], row["statistic"]) == (5.0, 5.0, 5.0)
    ref = _scipy_wilcoxon(imp[:, 0], cur[:, 0], True)
    assert ref.pvalue == 1.0 and ref.zstatistic == 0.0
    assert row["z"] == 0.0
    assert row["p_value"] == 1.0


@pytest.mark.parametrize(("seed", "correction"), [(0, False), (1, True)])
def test_paired_test_against_scipy_on_demo(seed, correction):
    s = sm.demo_survey(120, seed=seed)
    long = s.to_frame()
    for by in (None, "region"):
        t = s.paired_test(by, correction=correction)
        keys = _keys(by)
        t = t.set_index([*keys, "competence"]) if keys else t.set_index("competence")
        pairs = {}
        ok = long.dropna(subset=["importance", "current"])
        for key, grp in ok.groupby([*keys, "competence"] if keys else "competence"):
            pairs[key] = (grp["importance"].to_numpy(), grp["current"].to_numpy())
        assert len(pairs) == len(t)
        _check_paired(t, pairs, correction)


def test_paired_test_at_area_level_and_without_importance(random_long, random_survey):
    long = random_long(40, n_resp=60, variant="required")
    s = random_survey(long)
    t = s.paired_test(level="area").set_index("area")
    assert "required" in sm.Provenance.of(t).test
    ok = long.dropna(subset=["required", "current"]).assign(
        area=lambda d: d["competence"].map(SE_AREA_OF)
    )
    means = ok.groupby(["respondent", "area"])[["required", "current"]].mean().reset_index()
    pairs = {
        area: (grp["required"].to_numpy(), grp["current"].to_numpy())
        for area, grp in means.groupby("area")
    }
    _check_paired(t, pairs, False)
