"""Raking and post-stratification against samplics (``SampleWeight.rake``
and ``poststratify``) and ipfn, with the edge cases that cannot be met."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import skillsmap as sm

with warnings.catch_warnings():
    # samplics warns on import that it is archived; it is only the reference
    warnings.simplefilter("ignore", FutureWarning)
    from samplics.weighting import SampleWeight
from ipfn import ipfn

REGIONS = {"ES22": 100.0, "ES62": 150.0, "FRI": 300.0, "SI032": 80.0, "FI1D7": 70.0, "ITH5": 300.0}
SIZES = {"micro": 600.0, "small": 300.0, "medium": 70.0, "large": 30.0}


@pytest.fixture(scope="module")
def demo() -> sm.Survey:
    return sm.demo_survey(800, seed=3)


def _samplics_rake(resp: pd.DataFrame, base: np.ndarray, margins: dict) -> np.ndarray:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return SampleWeight().rake(
            samp_weight=base,
            margins={k: resp[k].to_numpy(dtype=object) for k in margins},
            control=margins,
            tol=1e-15,
            ctrl_tol=1e-15,
            max_iter=2000,
        )


@pytest.mark.parametrize("start", ["weights", "unweighted"])
def test_rake_matches_samplics(demo, start):
    s = demo
    if start == "unweighted":
        s = sm.Survey.from_frame(
            demo.to_frame().drop(columns="weight"), attributes=["organisation_size"]
        )
    margins = {"region": REGIONS, "organisation_size": SIZES}
    r = s.rake(margins)
    resp = s.respondents
    base = resp["weight"].to_numpy() if "weight" in resp else np.ones(len(resp))
    ref = _samplics_rake(resp, base, margins)
    np.testing.assert_allclose(r.respondents["weight"].to_numpy(), ref, rtol=1e-10)
    info = r.weighting
    assert info.converged and info.max_deviation < 1e-10 and info.method == "rake"
    w = r.respondents["weight"].to_numpy()
    np.testing.assert_allclose(info.design_effect, len(w) * (w**2).sum() / w.sum() ** 2, rtol=1e-12)
    np.testing.assert_allclose(info.n_eff, w.sum() ** 2 / (w**2).sum(), rtol=1e-12)
    for key, totals in margins.items():
        got = r.respondents.groupby(key)["weight"].sum()
        for cat, t in totals.items():
            np.testing.assert_allclose(got[cat], t, rtol=1e-10)
    # the old survey is unchanged; the new one pickles with its weighting
    assert s.weighting is None
    back = pickle.loads(pickle.dumps(r))
    assert back.weighting == info
    np.testing.assert_array_equal(back.respondents["weight"], r.respondents["weight"])
    # weighted statistics use the new weights
    g0, g1 = s.gaps(), r.gaps()
    assert not np.allclose(g0["mean_gap"], g1["mean_gap"])


@pytest.mark.parametrize("keys", [("sector", "region"), ("stakeholder_type", "organisation_size")])
def test_rake_on_every_kind_of_key_matches_samplics(demo, keys):
    resp = demo.respondents
    rng = np.random.default_rng(len(keys[0]))
    margins = {}
    for key in keys:
        cats = list(pd.unique(resp[key]))
        margins[key] = dict(zip(cats, rng.dirichlet(np.ones(len(cats))) * 5_000, strict=True))
    r = demo.rake(margins)
    ref = _samplics_rake(resp, resp["weight"].to_numpy(), margins)
    np.testing.assert_allclose(r.respondents["weight"].to_numpy(), ref, rtol=1e-10)


def test_rake_takes_missing_values_as_a_category_only_when_given_one(demo):
    long = demo.to_frame()
    gone = long["respondent"].isin(demo.respondents["respondent"].iloc[::7])
    long["organisation_size"] = long["organisation_size"].astype(object).where(~gone, None)
    s = sm.Survey.from_frame(long, attributes=["organisation_size"])
    with pytest.raises(sm.ConfigurationError, match="organisation_size = '<missing>'"):
        s.rake({"region": REGIONS, "organisation_size": SIZES})
    # 1,000 in all, as REGIONS and SIZES
    sizes = {**{k: v * 0.9 for k, v in SIZES.items()}, None: 100.0}
    r = s.rake({"region": REGIONS, "organisation_size": sizes})
    got = r.respondents.groupby("organisation_size", dropna=False)["weight"].sum()
    np.testing.assert_allclose(got[np.nan], sizes[None], rtol=1e-10)
    np.testing.assert_allclose(got["micro"], sizes["micro"], rtol=1e-10)
    # a value the margins lack is named
    with pytest.raises(sm.ConfigurationError, match="organisation_size = 'large'"):
        s.rake({"organisation_size": {k: v for k, v in sizes.items() if k != "large"}})
    # an attribute no respondent has: only a category for missing values meets it
    long["org"] = None
    none = sm.Survey.from_frame(long, attributes=["org"])
    with pytest.raises(sm.ConfigurationError, match="org = '<missing>'"):
        none.rake({"org": {"a": 10.0}})
    np.testing.assert_allclose(none.rake({"org": {None: 10.0}}).respondents["weight"].sum(), 10.0)


def test_rake_matches_ipfn_on_the_cell_table(demo):
    margins = {"region": REGIONS, "stakeholder_type": None}
    types = demo.respondents["stakeholder_type"].value_counts()
    margins["stakeholder_type"] = {k: float(v) * 1000 / types.sum() for k, v in types.items()}
    r = demo.rake(margins)
    # IPF over respondents equals IPF over the cells of the cross-table of
    # base weights: compare the raked cell totals with ipfn's
    resp = demo.respondents
    cells = resp.groupby(["region", "stakeholder_type"], as_index=False)["weight"].sum()
    cells = cells.rename(columns={"weight": "total"})
    agg_r = pd.Series(REGIONS).rename_axis("region")
    agg_t = pd.Series(margins["stakeholder_type"]).rename_axis("stakeholder_type")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ipfn uses pandas' deprecated inplace=
        fit = ipfn.ipfn(
            cells.copy(),
            [agg_r, agg_t],
            [["region"], ["stakeholder_type"]],
            weight_col="total",
            convergence_rate=1e-14,
            max_iteration=5000,
        ).iteration()
    got = (
        r.respondents.groupby(["region", "stakeholder_type"], as_index=False)["weight"]
        .sum()
        .merge(fit, on=["region", "stakeholder_type"])
    )
    np.testing.assert_allclose(got["weight"], got["total"], rtol=1e-9)


def test_equal_weights_give_the_unweighted_result(demo):
    # raking to margins proportional to the sample leaves equal weights equal
    s = sm.Survey.from_frame(demo.to_frame().drop(columns="weight"))
    counts = s.respondents["region"].value_counts()
    r = s.rake({"region": {k: 2.0 * v for k, v in counts.items()}})
    w = r.respondents["weight"].to_numpy()
    np.testing.assert_allclose(w, 2.0, rtol=1e-12)
    np.testing.assert_allclose(r.weighting.design_effect, 1.0, rtol=1e-12)
    a, b = s.gaps(by="region"), r.gaps(by="region")
    np.testing.assert_allclose(a["mean_gap"], b["mean_gap"], rtol=1e-12)
    np.testing.assert_allclose(a["mwds"], b["mwds"], rtol=1e-12)


def test_rake_with_bounds_trims_and_reports(demo):
    margins = {"region": REGIONS, "organisation_size": SIZES}
    r = demo.rake(margins, bounds=(0.3, 4.0), max_iter=1000)
    base = demo.respondents["weight"].to_numpy()
    ratio = r.respondents["weight"].to_numpy() / base
    assert ratio.min() >= 0.3 - 1e-12 and ratio.max() <= 4.0 + 1e-12
    assert r.weighting.converged
    with pytest.raises(sm.ConvergenceError, match="bounds"):
        demo.rake(margins, bounds=(0.9, 1.1))


def test_rake_errors_name_the_problem(demo):
    with pytest.raises(sm.ConfigurationError, match="no respondent"):
        # a region of the set that no respondent of a one-region survey has
        one = sm.Survey.from_frame(demo.to_frame().query("region == 'FRI'"))
        one.rake({"region": {"FRI": 10.0, "ITH5": 5.0}})
    with pytest.raises(sm.ConfigurationError, match="have no population total"):
        demo.rake({"region": {"FRI": 10.0}})
    with pytest.raises(sm.ConfigurationError, match="inconsistent"):
        demo.rake({"region": REGIONS, "organisation_size": {k: v * 2 for k, v in SIZES.items()}})
    with pytest.raises(sm.ConfigurationError, match="non-negative"):
        demo.rake({"region": {**REGIONS, "FRI": -1.0}})
    with pytest.raises(sm.UnknownNameError):
        demo.rake({"nope": {"a": 1.0}})
    with pytest.raises(sm.ConfigurationError, match="bounds"):
        demo.rake({"region": REGIONS}, bounds=(2.0, 3.0))
    with pytest.raises(sm.ConfigurationError, match="max_iter"):
        demo.rake({"region": REGIONS}, max_iter=0)


def test_post_stratify_matches_samplics(demo):
    resp = demo.respondents
    cells = resp.groupby(["region", "organisation_size"]).size().rename("total").reset_index()
    rng = np.random.default_rng(0)
    cells["total"] = cells["total"] * rng.uniform(5, 20, len(cells))
    ps = demo.post_stratify(cells)
    domain = (resp["region"] + "|" + resp["organisation_size"]).to_numpy(dtype=object)
    control = dict(
        zip(cells["region"] + "|" + cells["organisation_size"], cells["total"], strict=True)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = SampleWeight().poststratify(
            samp_weight=resp["weight"].to_numpy(), control=control, domain=domain
        )
    np.testing.assert_allclose(ps.respondents["weight"].to_numpy(), ref, rtol=1e-12)
    # one key, as a mapping
    counts = resp["region"].value_counts()
    one = demo.post_stratify({k: float(v) for k, v in counts.items()}, by="region")
    assert one.weighting.method == "post_stratify"
    with pytest.raises(sm.ConfigurationError, match="have no population total"):
        demo.post_stratify(cells.iloc[1:])
    with pytest.raises(sm.ConfigurationError, match="by"):
        demo.post_stratify({"FRI": 1.0})
