"""Priority quadrants: Locus for Focus, importance–performance analysis and
the Borich top list, on the golden survey (by hand) and against a pandas
reference of the quadrant rules."""

from __future__ import annotations

from typing import Any

import numpy as np
import skillsmap as sm

TOL: dict[str, Any] = {"rtol": 1e-12, "atol": 1e-12}


def test_golden_priorities(golden):
    p = golden.survey().priorities(min_n=1)
    assert p["competence"].tolist() == golden.ids
    np.testing.assert_allclose(p["lff_crosshair_importance"], 4.10, **TOL)
    np.testing.assert_allclose(p["lff_crosshair_gap"], 1.20, **TOL)
    assert p["lff_quadrant"].tolist() == ["HH", "LL", "LL", "HL"]
    np.testing.assert_allclose(p["ipa_crosshair_performance"], 2.90, **TOL)
    np.testing.assert_allclose(p["ipa_crosshair_importance"], 4.10, **TOL)
    ipa = ["Concentrate here", "Possible overkill", "Low priority", "Keep up the good work"]
    assert p["ipa_quadrant"].tolist() == ipa
    np.testing.assert_allclose(p["importance"], [4.6, 4.0, 3.2, 4.6], **TOL)
    np.testing.assert_allclose(p["mwds"], [10.12, 3.20, 2.56, 4.60], **TOL)
    # default top_k: the number of HH items (1); C1 is top and HH
    assert p["top_k"].tolist() == [1] * 4
    assert p["priority"].tolist() == [1, 3, 3, 3]
    assert sm.Provenance.of(p).crosshair == "mean"

    med = golden.survey().priorities(min_n=1, crosshair="median")
    np.testing.assert_allclose(med["ipa_crosshair_performance"], 2.80, **TOL)
    np.testing.assert_allclose(med["ipa_crosshair_importance"], 4.30, **TOL)
    assert med["ipa_quadrant"].tolist() == ipa

    top2 = golden.survey().priorities(min_n=1, top_k=2)
    assert top2["priority"].tolist() == [1, 3, 3, 2]


def test_golden_priorities_scale_crosshair(golden):
    p = golden.survey().priorities(min_n=1, crosshair="scale")
    # scale midpoint 3 for levels; the gap axis keeps its mean over items
    np.testing.assert_allclose(p["lff_crosshair_importance"], 3.0, **TOL)
    np.testing.assert_allclose(p["lff_crosshair_gap"], 1.2, **TOL)
    np.testing.assert_allclose(p["ipa_crosshair_performance"], 3.0, **TOL)
    np.testing.assert_allclose(p["ipa_crosshair_importance"], 3.0, **TOL)
    assert p["lff_quadrant"].tolist() == ["HH", "HL", "HL", "HL"]
    assert p["ipa_quadrant"].tolist() == [
        "Concentrate here",
        "Keep up the good work",
        "Concentrate here",
        "Keep up the good work",
    ]


def test_scale_crosshair_uses_each_axis_scale(golden):
    long = golden.long(importance=golden.importance + 2)  # importance on 1..7
    s = sm.Survey.from_frame(
        long,
        required=None,
        importance="importance",
        framework=golden.fw,
        regions=None,
        typology=None,
        scale=(1, 5),
        importance_scale=(1, 7),
    )
    p = s.priorities(min_n=1, crosshair="scale")
    np.testing.assert_allclose(p["lff_crosshair_importance"], 4.0, **TOL)
    np.testing.assert_allclose(p["ipa_crosshair_importance"], 4.0, **TOL)
    # performance = current level, on the 1..5 scale
    np.testing.assert_allclose(p["ipa_crosshair_performance"], 3.0, **TOL)


def test_priorities_layout_and_reference():
    s = sm.demo_survey(250, seed=6)
    p = s.priorities("region")
    g = s.gaps("region")
    assert p.columns.tolist() == [
        "region",
        "competence",
        "importance",
        "mean_current",
        "mean_gap",
        "mwds",
        "rank",
        "lff_quadrant",
        "ipa_quadrant",
        "priority",
        "top_k",
        "lff_crosshair_importance",
        "lff_crosshair_gap",
        "ipa_crosshair_performance",
        "ipa_crosshair_importance",
    ]
    np.testing.assert_allclose(p["importance"], g["mean_importance"], equal_nan=True, **TOL)
    np.testing.assert_allclose(p["mwds"], g["mwds"], equal_nan=True, **TOL)
    for region, grp in p.groupby("region", sort=False):
        ok = grp["importance"].notna()
        lx = grp["importance"][ok].mean()
        ly = grp["mean_gap"][ok].mean()
        ix = grp["mean_current"][ok].mean()
        np.testing.assert_allclose(grp["lff_crosshair_importance"], lx, **TOL)
        np.testing.assert_allclose(grp["lff_crosshair_gap"], ly, **TOL)
        np.testing.assert_allclose(grp["ipa_crosshair_performance"], ix, **TOL)
        np.testing.assert_allclose(grp["ipa_crosshair_importance"], lx, **TOL)
        imp_hi = grp["importance"] >= lx
        gap_hi = grp["mean_gap"] >= ly
        cur_hi = grp["mean_current"] >= ix
        lff = np.where(imp_hi, "H", "L").astype(object) + np.where(gap_hi, "H", "L")
        assert grp["lff_quadrant"][ok].tolist() == list(lff[ok.to_numpy()]), region
        ipa = np.select(
            [imp_hi & ~cur_hi, imp_hi & cur_hi, ~imp_hi & ~cur_hi],
            ["Concentrate here", "Keep up the good work", "Low priority"],
            "Possible overkill",
        )
        assert grp["ipa_quadrant"][ok].tolist() == list(ipa[ok.to_numpy()]), region
        k = int((grp["lff_quadrant"] == "HH").sum())
        assert (grp["top_k"] == k).all()
        top = (grp["rank"] <= k).fillna(False).to_numpy(dtype=bool)
        hh = (grp["lff_quadrant"] == "HH").to_numpy()
        expected = np.where(top & hh, 1, np.where(top | hh, 2, 3))
        assert grp["priority"][ok].tolist() == list(expected[ok.to_numpy()]), region


def test_priorities_without_importance_use_required():
    s = sm.demo_survey(150, seed=8, importance=False)
    p = s.priorities()
    g = s.gaps()
    np.testing.assert_allclose(p["importance"], g["mean_required"], equal_nan=True, **TOL)
    assert sm.Provenance.of(p).borich_variable == "required"
