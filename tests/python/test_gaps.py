"""Gap scoring: the gap table with Borich MWDS, priority quadrants, the
respondent bootstrap with rank stability and the paired signed-rank test.

Golden values are worked out by hand; everything else is checked against an
independent pandas/numpy implementation of the formulas written here, against
scipy, or through properties that must hold whatever the data.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import skillsmap as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from skillsmap import _core

TOL: dict[str, Any] = {"rtol": 1e-12, "atol": 1e-12}

RESEES = sm.Regions.resees().table["id"].tolist()
_TYPES = sm.Typology.default().types
TYPE_IDS = _TYPES["id"].tolist()
SECTOR_OF = dict(zip(_TYPES["id"], _TYPES["sector"], strict=True))
SE_CORE = sm.frameworks.load("se-core")
SE_IDS = SE_CORE.competences["id"].tolist()
SE_AREA_OF = dict(zip(SE_CORE.competences["id"], SE_CORE.competences["area"], strict=True))
SE_AREAS = SE_CORE.areas["id"].tolist()

FLOAT_STATS = [
    "mean_importance",
    "mean_required",
    "mean_current",
    "mean_gap",
    "mean_positive_gap",
    "relative_gap",
    "attainment",
    "normalised_gap",
    "mwds",
]

# -- the golden survey: 5 respondents × 4 competences, importance only ------------------------

GOLDEN_FW = sm.Framework.from_frame(
    pd.DataFrame(
        {
            "id": ["C1", "C2", "C3", "C4"],
            "label": ["First", "Second", "Third", "Fourth"],
            "area": ["A", "A", "B", "B"],
        }
    ),
    id="golden",
)
GOLDEN_IDS = ["C1", "C2", "C3", "C4"]
GOLDEN_AREA_OF = {"C1": "A", "C2": "A", "C3": "B", "C4": "B"}
GOLDEN_I = np.array(
    [[5, 4, 3, 5], [5, 5, 4, 4], [4, 4, 3, 5], [5, 3, 4, 4], [4, 4, 2, 5]], dtype=float
)
GOLDEN_C = np.array(
    [[2, 3, 3, 4], [3, 4, 2, 4], [2, 4, 3, 3], [3, 3, 2, 3], [2, 2, 2, 4]], dtype=float
)


def golden_long(current: np.ndarray = GOLDEN_C, importance: np.ndarray = GOLDEN_I) -> pd.DataFrame:
    rows = []
    for r in range(importance.shape[0]):
        for j, comp in enumerate(GOLDEN_IDS):
            rows.append(
                {
                    "respondent": f"R{r + 1}",
                    "region": "North" if r < 3 else "South",
                    "stakeholder_type": "coop",
                    "competence": comp,
                    "current": current[r, j],
                    "importance": importance[r, j],
                }
            )
    return pd.DataFrame(rows)


def golden_survey(current: np.ndarray = GOLDEN_C, **options: Any) -> sm.Survey:
    options = {
        "required": None,
        "importance": "importance",
        "framework": GOLDEN_FW,
        "regions": None,
        "typology": None,
        "scale": (1, 5),
        **options,
    }
    return sm.Survey.from_frame(golden_long(current), **options)


def golden_missing() -> np.ndarray:
    cur = GOLDEN_C.copy()
    cur[2, 1] = np.nan  # respondent 3 did not rate their current level of C2
    return cur


# -- hand-built random surveys --------------------------------------------------------------------


SIZES = np.array(["small", "micro", "large", None], dtype=object)


def random_long(
    seed: int,
    *,
    n_resp: int = 70,
    variant: str = "both",
    weights: str | None = "lognormal",
    missing: float = 0.15,
    half_steps: bool = False,
) -> pd.DataFrame:
    """A random long table on se-core with RESEES regions and the default
    typology: missing levels, missing answer rows, an attribute with missing
    values, and optionally weights (some of them zero with ``"zeros"``)."""
    rng = np.random.default_rng(seed)
    resp = pd.DataFrame(
        {
            "respondent": [f"P{i:03d}" for i in range(n_resp)],
            "region": rng.choice(RESEES, n_resp),
            "stakeholder_type": rng.choice(TYPE_IDS, n_resp),
            "org_size": rng.choice(
                np.array(["small", "micro", "large", None], dtype=object), n_resp
            ),
        }
    )
    if weights == "lognormal":
        resp["weight"] = rng.lognormal(0.0, 0.5, n_resp)
    elif weights == "zeros":
        resp["weight"] = np.where(rng.random(n_resp) < 0.1, 0.0, rng.uniform(0.2, 3.0, n_resp))
    rows = resp.loc[resp.index.repeat(len(SE_IDS))].reset_index(drop=True)
    rows["competence"] = np.tile(SE_IDS, n_resp)
    m = len(rows)
    step = 0.5 if half_steps else 1.0
    n_levels = round(4 / step) + 1

    def levels(low: float = 1.0) -> np.ndarray:
        lo = round((low - 1) / step)
        v = 1.0 + step * rng.integers(lo, n_levels, m)
        return np.where(rng.random(m) < missing, np.nan, v)

    rows["current"] = levels()
    if variant in {"both", "required"}:
        rows["required"] = levels(2.0)
    if variant in {"both", "importance"}:
        rows["importance"] = levels(2.0)
    # some answer rows are absent altogether
    keep = rng.random(m) >= 0.05
    return rows[keep].sample(frac=1.0, random_state=seed).reset_index(drop=True)


def random_survey(long: pd.DataFrame) -> sm.Survey:
    return sm.Survey.from_frame(
        long,
        required="required" if "required" in long.columns else None,
        importance="importance" if "importance" in long.columns else None,
        weight="weight" if "weight" in long.columns else None,
        attributes=["org_size"],
    )


# -- the independent reference implementation -------------------------------------------------


def _keys(by: Any) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def reference_gaps(
    long: pd.DataFrame,
    *,
    competences: list[str],
    area_of: dict[str, str],
    areas: list[str],
    span: float,
    by: Any = None,
    level: str = "competence",
    weights: bool = True,
    min_n: int = 5,
    importance_mean: str = "complete",
) -> pd.DataFrame:
    """Every column of Survey.gaps() from the formulas, with pandas groupby
    and numpy weighted sums over a long table of answers."""
    keys = _keys(by)
    d = long.copy()
    if "sector" in keys:
        d["sector"] = d["stakeholder_type"].map(SECTOR_OF)
    d = d.dropna(subset=keys)  # respondents without a group value are left out
    for k in keys:
        d[k] = d[k].map(str)
    has_req = "required" in d.columns
    has_imp = "importance" in d.columns
    target = d["required"] if has_req else d["importance"]
    borich = d["importance"] if has_imp else d["required"]
    cur = d["current"]
    req = d["required"] if has_req else pd.Series(np.nan, index=d.index)
    w = d["weight"] if weights and "weight" in d.columns else pd.Series(1.0, index=d.index)
    gp = target.notna() & cur.notna()
    bp = borich.notna() & cur.notna()
    item = "competence" if level == "competence" else "area"
    obs = pd.DataFrame(
        {
            **{k: d[k] for k in keys},
            "respondent": d["respondent"],
            "item": d["competence"] if level == "competence" else d["competence"].map(area_of),
            "w": w.astype(float),
            "t": target.where(gp),
            "c": cur.where(gp),
            "r": req.where(gp),
            "i": borich.where(bp),
            "ci": cur.where(bp),
            "ia": borich,
        }
    )
    if level == "area":
        # each respondent: mean levels over the area's competences (pairs only)
        obs = (
            obs.groupby([*keys, "respondent", "item"], sort=False)
            .agg(
                w=("w", "first"),
                t=("t", "mean"),
                c=("c", "mean"),
                r=("r", "mean"),
                i=("i", "mean"),
                ci=("ci", "mean"),
                ia=("ia", "mean"),
            )
            .reset_index()
        )
    g = obs["t"].notna().to_numpy()
    b = obs["i"].notna().to_numpy()
    a = obs["ia"].notna().to_numpy()
    wv = obs["w"].to_numpy()
    t, c, r = (obs[x].to_numpy() for x in ("t", "c", "r"))
    i, ci, ia = (obs[x].to_numpy() for x in ("i", "ci", "ia"))

    def wsum(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.where(mask, wv * np.where(mask, values, 0.0), 0.0)

    parts = pd.DataFrame(
        {
            **{k: obs[k] for k in keys},
            "item": obs["item"],
            "n": g.astype(np.int64),
            "wg": np.where(g, wv, 0.0),
            "st": wsum(g, t),
            "sc": wsum(g, c),
            "sr": wsum(g, r),
            "sd": wsum(g, t - c),
            "sdp": wsum(g, np.maximum(t - c, 0.0)),
            "nb": b.astype(np.int64),
            "wb": np.where(b, wv, 0.0),
            "si": wsum(b, i),
            "sdb": wsum(b, i - ci),
            "wia": np.where(a, wv, 0.0),
            "sia": wsum(a, ia),
        }
    )
    items = competences if level == "competence" else areas
    resp = d.drop_duplicates("respondent")
    if keys:
        sizes = resp.groupby(keys).size()
        groups = list(sizes.index)
        if len(keys) == 1:
            groups = [(x,) for x in groups]
        sums = parts.groupby([*keys, "item"]).sum()
        full = pd.MultiIndex.from_tuples(
            [(*grp, it) for grp in groups for it in items], names=[*keys, "item"]
        )
        sizes_of = {(tuple(k) if isinstance(k, tuple) else (k,)): v for k, v in sizes.items()}
        size = np.array([sizes_of[tuple(x[:-1])] for x in full])
    else:
        sums = parts.groupby("item").sum()
        full = pd.Index(items, name="item")
        size = np.full(len(items), len(resp))
    s = sums.reindex(full, fill_value=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        wg = s["wg"].to_numpy(float)
        mean_t = s["st"].to_numpy() / wg
        mean_c = s["sc"].to_numpy() / wg
        mean_gap = s["sd"].to_numpy() / wg
        wb = s["wb"].to_numpy(float)
        if importance_mean == "complete":
            ibar = s["si"].to_numpy() / wb
        else:
            ibar = s["sia"].to_numpy() / s["wia"].to_numpy()
        mwds = np.where(s["nb"].to_numpy() > 0, ibar * s["sdb"].to_numpy() / wb, np.nan)
        out = pd.DataFrame(
            {
                "n": s["n"].to_numpy(),
                "n_missing": size - s["n"].to_numpy(),
                "mean_importance": ibar,
                "mean_required": s["sr"].to_numpy() / wg if has_req else np.nan,
                "mean_current": mean_c,
                "mean_gap": mean_gap,
                "mean_positive_gap": s["sdp"].to_numpy() / wg,
                "relative_gap": mean_gap / mean_t,
                "attainment": mean_c / mean_t,
                "normalised_gap": mean_gap / span,
                "mwds": mwds,
            },
            index=full,
        )
    # too few respondents, or weights summing to zero: nothing to report
    out["suppressed"] = (out["n"] < max(min_n, 1)) | (wg <= 0)
    out.loc[out["suppressed"], FLOAT_STATS] = np.nan
    # Borich statistics need min_n importance-current pairs of their own
    too_few_pairs = (s["nb"].to_numpy() < max(min_n, 1)) | (wb <= 0)
    out.loc[too_few_pairs, ["mean_importance", "mwds"]] = np.nan
    out = out.reset_index().rename(columns={"item": item})
    if level == "competence":
        out.insert(len(keys) + 1, "area", out["competence"].map(area_of))
    return out


def expected_rank(table: pd.DataFrame, keys: list[str]) -> pd.Series:
    """pandas rank(method="min") of the MWDS, descending, within groups."""
    if keys:
        ranks = table.groupby(keys, sort=False)["mwds"].rank(method="min", ascending=False)
    else:
        ranks = table["mwds"].rank(method="min", ascending=False)
    return ranks.astype("Int64")


def assert_matches_reference(got: pd.DataFrame, ref: pd.DataFrame, keys: list[str]) -> None:
    item = "competence" if "competence" in got.columns else "area"
    idx = [*keys, item]
    assert len(got) == len(ref)
    g = got.set_index(idx)
    r = ref.set_index(idx)
    assert set(g.index) == set(r.index)
    r = r.loc[g.index]
    if item == "competence":
        assert g["area"].tolist() == r["area"].tolist()
    np.testing.assert_array_equal(g["n"].to_numpy(), r["n"].to_numpy())
    np.testing.assert_array_equal(g["n_missing"].to_numpy(), r["n_missing"].to_numpy())
    np.testing.assert_array_equal(g["suppressed"].to_numpy(), r["suppressed"].to_numpy())
    for col in FLOAT_STATS:
        if col not in g.columns:
            continue
        np.testing.assert_allclose(
            g[col].to_numpy(dtype=float),
            r[col].to_numpy(dtype=float),
            equal_nan=True,
            err_msg=col,
            **TOL,
        )
    pd.testing.assert_series_equal(
        got["rank"].reset_index(drop=True),
        expected_rank(got, keys).reset_index(drop=True),
        check_names=False,
    )
    # the same cells are ranked in the reference
    ref_rank = expected_rank(ref.set_index(idx).loc[g.index].reset_index(), keys)
    gr = got["rank"].to_numpy(dtype=float, na_value=np.nan)
    rr = ref_rank.to_numpy(dtype=float, na_value=np.nan)
    np.testing.assert_array_equal(np.isnan(gr), np.isnan(rr))


# -- 1. golden values ----------------------------------------------------------------------------


def test_golden_gap_table():
    g = golden_survey().gaps(min_n=1)
    assert g["competence"].tolist() == GOLDEN_IDS
    assert g["area"].tolist() == ["A", "A", "B", "B"]
    assert g["n"].tolist() == [5, 5, 5, 5]
    assert g["n_missing"].tolist() == [0, 0, 0, 0]
    np.testing.assert_allclose(g["mwds"], [10.12, 3.20, 2.56, 4.60], **TOL)
    np.testing.assert_allclose(g["mean_importance"], [4.6, 4.0, 3.2, 4.6], **TOL)
    np.testing.assert_allclose(g["mean_current"], [2.4, 3.2, 2.4, 3.6], **TOL)
    np.testing.assert_allclose(g["mean_gap"], [2.2, 0.8, 0.8, 1.0], **TOL)
    np.testing.assert_allclose(g["mean_positive_gap"], [2.2, 0.8, 0.8, 1.0], **TOL)
    np.testing.assert_allclose(g["relative_gap"], [2.2 / 4.6, 0.2, 0.25, 1.0 / 4.6], **TOL)
    np.testing.assert_allclose(g["attainment"], [2.4 / 4.6, 0.8, 0.75, 3.6 / 4.6], **TOL)
    np.testing.assert_allclose(g["normalised_gap"], [0.55, 0.2, 0.2, 0.25], **TOL)
    assert g["rank"].tolist() == [1, 3, 4, 2]
    assert str(g["rank"].dtype) == "Int64"
    assert not g["suppressed"].any()
    assert "mean_required" not in g.columns
    assert sm.Provenance.of(g).gap_target == "importance"
    assert sm.Provenance.of(g).borich_variable == "importance"
    assert sm.Provenance.of(g).weights is False
    assert sm.Provenance.of(g).synthetic is False


def test_golden_area_level():
    # area A = (C1, C2), B = (C3, C4): each respondent contributes the mean of
    # their two levels, so the means are those of the competences averaged
    g = golden_survey().gaps(level="area", min_n=1)
    assert g["area"].tolist() == ["A", "B"]
    assert "competence" not in g.columns
    np.testing.assert_allclose(g["mean_importance"], [4.3, 3.9], **TOL)
    np.testing.assert_allclose(g["mean_current"], [2.8, 3.0], **TOL)
    np.testing.assert_allclose(g["mwds"], [4.3 * 1.5, 3.9 * 0.9], **TOL)
    assert g["rank"].tolist() == [1, 2]


def test_golden_priorities():
    p = golden_survey().priorities(min_n=1)
    assert p["competence"].tolist() == GOLDEN_IDS
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

    med = golden_survey().priorities(min_n=1, crosshair="median")
    np.testing.assert_allclose(med["ipa_crosshair_performance"], 2.80, **TOL)
    np.testing.assert_allclose(med["ipa_crosshair_importance"], 4.30, **TOL)
    assert med["ipa_quadrant"].tolist() == ipa

    top2 = golden_survey().priorities(min_n=1, top_k=2)
    assert top2["priority"].tolist() == [1, 3, 3, 2]


def test_golden_priorities_scale_crosshair():
    p = golden_survey().priorities(min_n=1, crosshair="scale")
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


def test_scale_crosshair_uses_each_axis_scale():
    long = golden_long(importance=GOLDEN_I + 2)  # importance on 1..7
    s = sm.Survey.from_frame(
        long,
        required=None,
        importance="importance",
        framework=GOLDEN_FW,
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


def test_golden_with_a_missing_current_level():
    s = golden_survey(golden_missing())
    g = s.gaps(min_n=1)
    assert g["n"].tolist() == [5, 4, 5, 5]
    assert g["n_missing"].tolist() == [0, 1, 0, 0]
    np.testing.assert_allclose(g["mwds"], [10.12, 4.00, 2.56, 4.60], **TOL)
    np.testing.assert_allclose(g.loc[1, ["mean_importance", "mean_current"]], [4.0, 3.0], **TOL)
    assert g["rank"].tolist() == [1, 3, 4, 2]
    # Ī over every importance answer of C2, respondent 3's included: (4+5+4+3+4)/5 = 4
    g_all = s.gaps(min_n=1, importance_mean="all")
    np.testing.assert_allclose(g_all.loc[1, "mwds"], 4.0 * 1.0, **TOL)
    assert sm.Provenance.of(g_all).importance_mean == "all"


def test_default_min_n_suppresses_the_small_cell():
    g = golden_survey(golden_missing()).gaps()
    assert sm.Provenance.of(g).min_n == 5
    assert g["suppressed"].tolist() == [False, True, False, False]
    row = g.loc[1]
    assert row["n"] == 4 and row["n_missing"] == 1
    present = [c for c in FLOAT_STATS if c in g.columns]
    assert row[present].isna().all()
    assert g["rank"].isna().tolist() == [False, True, False, False]
    assert g["rank"].dropna().tolist() == [1, 3, 2]
    np.testing.assert_allclose(g["mwds"].dropna(), [10.12, 2.56, 4.60], **TOL)

    p = golden_survey(golden_missing()).priorities()
    assert p.loc[1, ["importance", "mean_current", "mean_gap", "mwds"]].isna().all()
    assert pd.isna(p.loc[1, "lff_quadrant"]) and pd.isna(p.loc[1, "ipa_quadrant"])
    assert pd.isna(p.loc[1, "priority"])
    # crosshairs are over the unsuppressed items only
    np.testing.assert_allclose(p["lff_crosshair_importance"], (4.6 + 3.2 + 4.6) / 3, **TOL)
    np.testing.assert_allclose(p["lff_crosshair_gap"], (2.2 + 0.8 + 1.0) / 3, **TOL)


def test_min_n_zero_still_suppresses_empty_cells():
    cur = GOLDEN_C.copy()
    cur[:, 3] = np.nan
    g = golden_survey(cur).gaps(min_n=0)
    assert g["n"].tolist() == [5, 5, 5, 0]
    assert g["suppressed"].tolist() == [False, False, False, True]
    assert np.isnan(g.loc[3, "mwds"])


def test_golden_by_region():
    g = golden_survey().gaps(by="region", min_n=1)
    assert g["region"].tolist() == ["North"] * 4 + ["South"] * 4
    assert g["n"].tolist() == [3] * 4 + [2] * 4
    north = GOLDEN_I[:3], GOLDEN_C[:3]
    ibar = north[0].mean(axis=0)
    np.testing.assert_allclose(g["mwds"][:4], ibar * (ibar - north[1].mean(axis=0)), **TOL)


# -- 2. the reference implementation on random surveys -----------------------------------------

BYS: list[Any] = [None, "region", ["region", "stakeholder_type"], "sector"]


def _check_against_reference(
    survey: sm.Survey,
    long: pd.DataFrame,
    bys: list[Any],
    *,
    competences: list[str] = SE_IDS,
    area_of: dict[str, str] = SE_AREA_OF,
    areas: list[str] = SE_AREAS,
    min_ns: tuple[int, ...] = (1, 5),
) -> None:
    span = survey.scale.max - survey.scale.min
    for by in bys:
        for level in ("competence", "area"):
            for weights in (True, False):
                for im in ("complete", "all"):
                    for min_n in min_ns:
                        got = survey.gaps(
                            by, level=level, weights=weights, min_n=min_n, importance_mean=im
                        )
                        ref = reference_gaps(
                            long,
                            competences=competences,
                            area_of=area_of,
                            areas=areas,
                            span=span,
                            by=by,
                            level=level,
                            weights=weights,
                            min_n=min_n,
                            importance_mean=im,
                        )
                        assert_matches_reference(got, ref, _keys(by))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reference_on_demo_surveys(seed):
    s = sm.demo_survey(150 + 50 * seed, seed=seed)
    long = s.to_frame()
    _check_against_reference(s, long, [*BYS, "organisation_size"], min_ns=(1, 5) if seed else (5,))


@pytest.mark.parametrize("options", [{"importance": False}, {"weights": False}])
def test_reference_on_demo_variants(options):
    s = sm.demo_survey(120, seed=5, **options)
    _check_against_reference(s, s.to_frame(), [None, "region"], min_ns=(5,))


@pytest.mark.parametrize(
    ("seed", "variant", "weights", "half_steps"),
    [
        (10, "both", "lognormal", False),
        (11, "importance", "lognormal", False),
        (12, "required", "lognormal", True),
        (13, "both", "zeros", True),
        (14, "importance", None, False),
        (15, "required", None, False),
    ],
)
def test_reference_on_random_surveys(seed, variant, weights, half_steps):
    long = random_long(seed, variant=variant, weights=weights, half_steps=half_steps)
    s = random_survey(long)
    assert s.has_weights == (weights is not None)
    _check_against_reference(s, long, [*BYS, "org_size", ["sector", "org_size"]])


def test_reference_on_a_custom_framework_with_sparse_answers():
    long = golden_long(golden_missing())
    long = long.drop(index=[0, 5]).reset_index(drop=True)  # two answer rows absent
    s = sm.Survey.from_frame(
        long,
        required=None,
        importance="importance",
        framework=GOLDEN_FW,
        regions=None,
        typology=None,
    )
    _check_against_reference(
        s,
        long,
        [None, "region"],
        competences=GOLDEN_IDS,
        area_of=GOLDEN_AREA_OF,
        areas=["A", "B"],
    )


def test_group_and_item_order():
    s = sm.demo_survey(200, seed=3)
    g = s.gaps(["region", "stakeholder_type"], min_n=1)
    groups = g[["region", "stakeholder_type"]].drop_duplicates()
    pos = groups.apply(
        lambda row: (RESEES.index(row["region"]), TYPE_IDS.index(row["stakeholder_type"])), axis=1
    ).tolist()
    assert pos == sorted(pos)
    # only the combinations that occur among respondents
    occurring = s.respondents[["region", "stakeholder_type"]].drop_duplicates()
    assert len(groups) == len(occurring)
    for _, grp in g.groupby(["region", "stakeholder_type"], sort=False):
        assert grp["competence"].tolist() == SE_IDS
    a = s.gaps("sector", level="area", min_n=1)
    for _, grp in a.groupby("sector", sort=False):
        assert grp["area"].tolist() == SE_AREAS


def test_attribute_groups_in_order_of_appearance():
    long = random_long(21, n_resp=30)
    s = random_survey(long)
    g = s.gaps("org_size", min_n=1)
    first_seen = long.dropna(subset=["org_size"])["org_size"].drop_duplicates().tolist()
    assert g["org_size"].drop_duplicates().tolist() == first_seen
    # respondents without a value belong to no group
    resp = s.respondents
    assert resp["org_size"].isna().any()
    sizes = resp.dropna(subset=["org_size"]).groupby("org_size").size()
    got = (g["n"] + g["n_missing"]).groupby(g["org_size"]).first()
    assert got.sort_index().tolist() == sizes.sort_index().tolist()


def test_attribute_group_labels_keep_original_values():
    long = golden_long()
    long["size"] = long["respondent"].map({"R1": 1, "R2": 2, "R3": 1, "R4": 3, "R5": 2})
    s = sm.Survey.from_frame(
        long,
        required=None,
        importance="importance",
        framework=GOLDEN_FW,
        regions=None,
        typology=None,
        attributes=["size"],
    )
    assert s.respondents["size"].tolist() == [1, 2, 1, 3, 2]
    g = s.gaps("size", min_n=1)
    assert set(g["size"]) <= set(s.respondents["size"])


# -- 3. properties -------------------------------------------------------------------------------

LEVEL = st.integers(1, 5)


@st.composite
def small_long(draw: Any, *, complete: bool, weighted: bool = False) -> pd.DataFrame:
    n = draw(st.integers(1, 10))
    cells = n * len(GOLDEN_IDS)
    value = LEVEL if complete else st.one_of(st.none(), LEVEL)

    def column() -> list[float]:
        return [
            np.nan if v is None else float(v)
            for v in draw(st.lists(value, min_size=cells, max_size=cells))
        ]

    regions = draw(st.lists(st.sampled_from(["North", "South", "East"]), min_size=n, max_size=n))
    types = draw(st.lists(st.sampled_from(["coop", "mutual"]), min_size=n, max_size=n))
    df = pd.DataFrame(
        {
            "respondent": np.repeat([f"R{i}" for i in range(n)], len(GOLDEN_IDS)),
            "region": np.repeat(regions, len(GOLDEN_IDS)),
            "stakeholder_type": np.repeat(types, len(GOLDEN_IDS)),
            "competence": GOLDEN_IDS * n,
            "current": column(),
            "importance": column(),
        }
    )
    if draw(st.booleans()):
        df["required"] = column()
    if weighted:
        w = draw(
            st.lists(
                st.floats(0.1, 10.0, allow_nan=False, allow_infinity=False),
                min_size=n,
                max_size=n,
            )
        )
        df["weight"] = np.repeat(w, len(GOLDEN_IDS))
    return df


def small_survey(df: pd.DataFrame) -> sm.Survey:
    return sm.Survey.from_frame(
        df,
        required="required" if "required" in df.columns else None,
        importance="importance",
        weight="weight" if "weight" in df.columns else None,
        framework=GOLDEN_FW,
        regions=None,
        typology=None,
    )


PROPERTY = settings(max_examples=30, deadline=None)


@PROPERTY
@given(small_long(complete=True))
def test_mwds_is_ibar_times_mean_discrepancy_on_complete_data(df):
    g = small_survey(df).gaps(min_n=1, weights=False)
    imp = df.pivot(index="respondent", columns="competence", values="importance")[GOLDEN_IDS]
    cur = df.pivot(index="respondent", columns="competence", values="current")[GOLDEN_IDS]
    ibar = imp.mean().to_numpy()
    np.testing.assert_allclose(g["mwds"], ibar * (ibar - cur.mean().to_numpy()), **TOL)
    np.testing.assert_allclose(g["mean_current"], cur.mean().to_numpy(), **TOL)
    target = imp
    if "required" in df.columns:
        target = df.pivot(index="respondent", columns="competence", values="required")[GOLDEN_IDS]
    np.testing.assert_allclose(
        g["mean_gap"], target.mean().to_numpy() - cur.mean().to_numpy(), **TOL
    )
    assert (g["n"] == len(imp)).all() and (g["n_missing"] == 0).all()
    # with complete data "all" and "complete" importance means coincide
    g_all = small_survey(df).gaps(min_n=1, weights=False, importance_mean="all")
    np.testing.assert_allclose(g_all["mwds"], g["mwds"], **TOL)


@PROPERTY
@given(small_long(complete=False))
def test_constant_weights_give_the_unweighted_result(df):
    weighted = small_survey(df.assign(weight=2.5))
    plain = small_survey(df)
    for by in (None, "region"):
        for level in ("competence", "area"):
            a = weighted.gaps(by, level=level, min_n=1)
            b = plain.gaps(by, level=level, min_n=1)
            assert sm.Provenance.of(a).weights is True and sm.Provenance.of(b).weights is False
            assert a.columns.tolist() == b.columns.tolist()
            for col in a.columns:
                if a[col].dtype.kind == "f":
                    np.testing.assert_allclose(a[col], b[col], equal_nan=True, **TOL)
                else:
                    assert a[col].equals(b[col]), col
            pd.testing.assert_frame_equal(weighted.gaps(by, level=level, min_n=1, weights=False), b)


@PROPERTY
@given(small_long(complete=False, weighted=True))
def test_groups_recombine_to_the_pooled_table(df):
    s = small_survey(df)
    pooled = s.gaps(min_n=1, weights=False)
    for by in ("region", ["region", "stakeholder_type"]):
        g = s.gaps(by, min_n=1, weights=False)
        n = g.groupby("competence", sort=False)["n"].sum()
        assert n[GOLDEN_IDS].tolist() == pooled["n"].tolist()
        size = (g["n"] + g["n_missing"]).groupby(g["competence"], sort=False).sum()
        assert (size == s.n_respondents).all()
        weighted_gap = (g["mean_gap"].fillna(0.0) * g["n"]).groupby(g["competence"]).sum()
        expected = (weighted_gap[GOLDEN_IDS] / n[GOLDEN_IDS]).to_numpy()
        np.testing.assert_allclose(pooled["mean_gap"], expected, equal_nan=True, **TOL)
        cur = (g["mean_current"].fillna(0.0) * g["n"]).groupby(g["competence"]).sum()
        np.testing.assert_allclose(
            pooled["mean_current"], (cur[GOLDEN_IDS] / n[GOLDEN_IDS]).to_numpy(), **TOL
        )


@PROPERTY
@given(small_long(complete=False, weighted=True), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(df, rnd):
    order = list(range(len(df)))
    rnd.shuffle(order)
    a_s = small_survey(df)
    b_s = small_survey(df.iloc[order].reset_index(drop=True))
    for by in (None, "region", ["stakeholder_type", "region"]):
        for level in ("competence", "area"):
            keys = _keys(by)
            item = "competence" if level == "competence" else "area"
            a = a_s.gaps(by, level=level, min_n=1)
            b = b_s.gaps(by, level=level, min_n=1)
            # ad-hoc regions and types are numbered in order of appearance
            a = a.sort_values([*keys, item], kind="stable").reset_index(drop=True)
            b = b.sort_values([*keys, item], kind="stable").reset_index(drop=True)
            assert a.columns.tolist() == b.columns.tolist()
            for col in a.columns:
                if a[col].dtype.kind == "f":
                    np.testing.assert_allclose(a[col], b[col], equal_nan=True, err_msg=col, **TOL)
                else:
                    assert a[col].tolist() == b[col].tolist() or col == "rank", col
            ranks_ok = a["rank"].equals(b["rank"])
            near_tie = np.any(np.abs(np.diff(np.sort(a["mwds"].dropna().to_numpy()))) < 1e-9)
            assert ranks_ok or near_tie


# -- 4. the bootstrap -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo300() -> sm.Survey:
    return sm.demo_survey(300, seed=4)


@pytest.fixture(scope="module")
def boot_region(demo300) -> pd.DataFrame:
    return demo300.gaps("region", ci=0.95, n_boot=300, seed=7)


def test_bootstrap_columns_and_provenance(demo300, boot_region):
    b = boot_region
    plain = demo300.gaps("region")
    cols = b.columns.tolist()
    assert cols[cols.index("mean_gap") + 1 : cols.index("mean_gap") + 3] == [
        "mean_gap_lo",
        "mean_gap_hi",
    ]
    assert cols[cols.index("mwds") + 1 : cols.index("mwds") + 3] == ["mwds_lo", "mwds_hi"]
    assert cols[-1] == "p_top_k"
    # the point estimates are those of the plain table
    pd.testing.assert_frame_equal(b[plain.columns], plain, check_like=False)
    assert sm.Provenance.of(b).seed == 7
    assert sm.Provenance.of(b).n_boot == 300
    assert sm.Provenance.of(b).ci == 0.95
    assert sm.Provenance.of(b).top_k == 5
    assert sm.Provenance.of(b).stratify == ()


def test_bootstrap_intervals_surround_the_estimate(boot_region):
    b = boot_region
    ok = ~b["suppressed"]
    assert ok.sum() > 100
    for est in ("mean_gap", "mwds"):
        lo, hi, x = b[f"{est}_lo"][ok], b[f"{est}_hi"][ok], b[est][ok]
        assert (lo <= hi).all()
        assert ((lo <= x) & (x <= hi)).mean() >= 0.97
        assert (hi - lo > 0).all()
    sup = b["suppressed"]
    assert (
        b.loc[sup, ["mean_gap_lo", "mean_gap_hi", "mwds_lo", "mwds_hi", "p_top_k"]]
        .isna()
        .all(axis=None)
    )


def test_rank_stability(demo300, boot_region):
    b = boot_region
    p = b["p_top_k"].dropna()
    assert ((p >= 0) & (p <= 1)).all()
    per_group = b.groupby("region")["p_top_k"].sum()
    unsuppressed = (~b["suppressed"]).groupby(b["region"]).sum()
    cap = np.minimum(unsuppressed, 5)
    # at most k items per replicate unless MWDS tie (continuous weights: no ties)
    assert (per_group <= cap + 1e-9).all()
    assert (per_group >= 0.8 * cap).all()
    # the top-ranked item of each group is in the top 5 in most replicates
    top = b[b["rank"] == 1]
    assert (top["p_top_k"] > 0.5).all()
    pooled = demo300.gaps(ci=0.9, n_boot=200, seed=1, top_k=3)
    assert pooled["p_top_k"].sum() == pytest.approx(3.0, abs=1e-9)
    assert sm.Provenance.of(pooled).top_k == 3


def test_bootstrap_is_reproducible(demo300, boot_region):
    again = demo300.gaps("region", ci=0.95, n_boot=300, seed=7)
    pd.testing.assert_frame_equal(again, boot_region)
    other = demo300.gaps("region", ci=0.95, n_boot=300, seed=8)
    assert not other["mean_gap_lo"].equals(boot_region["mean_gap_lo"])
    assert not other["mwds_hi"].equals(boot_region["mwds_hi"])


def test_random_seed_is_recorded_and_reproduces(demo300):
    a = demo300.gaps(ci=0.9, n_boot=50)
    seed = sm.Provenance.of(a).seed
    assert isinstance(seed, int) and 0 <= seed < 2**64
    pd.testing.assert_frame_equal(demo300.gaps(ci=0.9, n_boot=50, seed=seed), a)


def test_stratified_bootstrap(demo300):
    b = demo300.gaps("region", ci=0.9, n_boot=200, seed=7, stratify="region")
    assert sm.Provenance.of(b).stratify == ("region",)
    plain = demo300.gaps("region", ci=0.9, n_boot=200, seed=7)
    assert not b["mean_gap_lo"].equals(plain["mean_gap_lo"])
    ok = ~b["suppressed"]
    inside = (b["mean_gap_lo"] <= b["mean_gap"]) & (b["mean_gap"] <= b["mean_gap_hi"])
    assert inside[ok].mean() >= 0.97
    lst = demo300.gaps(ci=0.9, n_boot=50, seed=2, stratify=["region", "stakeholder_type"])
    assert sm.Provenance.of(lst).stratify == ("region", "stakeholder_type")


@pytest.mark.parametrize(
    ("variant", "level", "importance_mean"),
    [
        ("both", "competence", "complete"),
        ("both", "area", "all"),
        ("importance", "competence", "all"),
        ("importance", "area", "complete"),
        ("required", "competence", "complete"),
        ("required", "area", "all"),
    ],
)
def test_bootstrap_with_one_respondent_per_stratum_reproduces_the_estimate(
    variant, level, importance_mean
):
    # each stratum holds one respondent, so every replicate is the sample
    # itself: the intervals collapse onto the point estimates and an item is
    # in the top k in every replicate or in none
    long = random_long(30 + len(variant), n_resp=40, variant=variant)
    long["rid"] = long["respondent"]
    s = sm.Survey.from_frame(
        long,
        required="required" if "required" in long.columns else None,
        importance="importance" if "importance" in long.columns else None,
        weight="weight",
        attributes=["rid"],
    )
    for by, weights in ((None, True), ("sector", True), ("sector", False)):
        b = s.gaps(
            by,
            weights=weights,
            level=level,
            importance_mean=importance_mean,
            min_n=3,
            ci=0.9,
            n_boot=20,
            seed=1,
            stratify="rid",
            top_k=4,
        )
        for est in ("mean_gap", "mwds"):
            for end in ("lo", "hi"):
                np.testing.assert_allclose(
                    b[f"{est}_{end}"], b[est], equal_nan=True, err_msg=f"{est}_{end}", **TOL
                )
        expected = (b["rank"] <= 4).astype(float).where(~b["suppressed"])
        np.testing.assert_array_equal(b["p_top_k"].to_numpy(), expected.to_numpy(dtype=float))


def test_bootstrap_summaries_match_its_replicates(demo300):
    # the internal entry point keeps every replicate: intervals must be
    # numpy's linear percentiles of them and p_top_k the share of replicates
    # with rank <= k (pandas rank(method="min"))
    n_boot, ci, k = 120, 0.8, 4
    res = _core.bootstrap(
        demo300._inner,
        ["region"],
        level="competence",
        weights=True,
        min_n=5,
        importance_mean="complete",
        n_boot=n_boot,
        seed=11,
        ci=ci,
        top_k=k,
        keep_replicates=True,
    )
    g = demo300.gaps("region")
    n_cells = len(g)
    mg = np.asarray(res["mean_gap_replicates"]).reshape(n_boot, n_cells)
    mw = np.asarray(res["mwds_replicates"]).reshape(n_boot, n_cells)
    ok = ~g["suppressed"].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        q = np.nanpercentile(mg, [10, 90], axis=0)
        qw = np.nanpercentile(mw, [10, 90], axis=0)
    np.testing.assert_allclose(res["mean_gap_lo"][ok], q[0][ok], **TOL)
    np.testing.assert_allclose(res["mean_gap_hi"][ok], q[1][ok], **TOL)
    np.testing.assert_allclose(res["mwds_lo"][ok], qw[0][ok], **TOL)
    np.testing.assert_allclose(res["mwds_hi"][ok], qw[1][ok], **TOL)
    assert np.isnan(mg[:, ~ok]).all()
    groups = g["region"].to_numpy()
    hits = np.zeros(n_cells)
    for rep in mw:
        ranks = pd.Series(rep).groupby(groups, sort=False).rank(method="min", ascending=False)
        hits += (ranks <= k).to_numpy()
    np.testing.assert_allclose(res["p_top_k"][ok], hits[ok] / n_boot, **TOL)
    # replicates scatter around the estimate
    centre = np.nanmean(mg[:, ok], axis=0)
    spread = np.nanstd(mg[:, ok], axis=0)
    assert np.all(
        np.abs(centre - g["mean_gap"].to_numpy()[ok]) < 4 * spread / np.sqrt(n_boot) + 0.02
    )


def test_bootstrap_width_agrees_with_numpy():
    s = sm.demo_survey(1000, seed=9)
    b = s.gaps(ci=0.95, n_boot=1000, seed=3)
    long = s.to_frame()
    pair = long["required"].notna() & long["current"].notna()
    long = long.assign(
        wg=np.where(pair, long["weight"], 0.0),
        wd=np.where(pair, long["weight"] * (long["required"] - long["current"]), 0.0),
    )
    wg = long.pivot(index="respondent", columns="competence", values="wg")[SE_IDS].to_numpy()
    wd = long.pivot(index="respondent", columns="competence", values="wd")[SE_IDS].to_numpy()
    rng = np.random.default_rng(2024)
    n = wg.shape[0]
    counts = rng.multinomial(n, np.full(n, 1.0 / n), size=1000).astype(float)
    reps = (counts @ wd) / (counts @ wg)
    lo, hi = np.percentile(reps, [2.5, 97.5], axis=0)
    np.testing.assert_allclose(b["mean_gap"], wd.sum(0) / wg.sum(0), **TOL)
    width = (b["mean_gap_hi"] - b["mean_gap_lo"]).to_numpy()
    ratio = width / (hi - lo)
    assert np.all(np.abs(ratio - 1) < 0.25), ratio
    assert abs(np.median(ratio) - 1) < 0.08
    mid = (b["mean_gap_hi"] + b["mean_gap_lo"]).to_numpy() / 2
    assert np.all(np.abs(mid - (hi + lo) / 2) < 0.25 * (hi - lo))


_THREADS_SCRIPT = r"""
import hashlib
import numpy as np
import skillsmap as sm

s = sm.demo_survey(2300, seed=11)  # 73,600 answers: several accumulation chunks
h = hashlib.sha256()
frames = [
    s.gaps("region"),
    s.gaps(["sector", "organisation_size"], level="area", importance_mean="all"),
    s.gaps("region", ci=0.9, n_boot=150, seed=3, progress=False),
    s.gaps(ci=0.9, n_boot=130, seed=5, stratify="region", level="area", progress=False),
]
for df in frames:
    for col in df.columns:
        v = df[col]
        if v.dtype.kind == "f":
            h.update(np.ascontiguousarray(v.to_numpy()).tobytes())
        else:
            h.update(repr(v.astype(object).tolist()).encode())
print(h.hexdigest())
"""


def test_results_identical_whatever_the_thread_count():
    digests = []
    for threads in ("1", "2", "3"):
        env = {**os.environ, "RAYON_NUM_THREADS": threads}
        done = subprocess.run(
            [sys.executable, "-c", _THREADS_SCRIPT],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        digests.append(done.stdout.strip())
    assert len(digests[0]) == 64
    assert digests[0] == digests[1] == digests[2]


# -- 5. progress --------------------------------------------------------------------------------


def test_progress_off_and_on(demo300, capsys):
    quiet = demo300.gaps(ci=0.9, n_boot=40, seed=1, progress=False)
    shown = demo300.gaps(ci=0.9, n_boot=40, seed=1, progress=True)
    pd.testing.assert_frame_equal(quiet, shown)
    assert "mean_gap_lo" in shown.columns
    capsys.readouterr()


def test_progress_bar_counts_every_replicate(demo300, monkeypatch):
    import tqdm.auto

    bars: list[Any] = []

    class Recorder:
        def __init__(self, total: int, **kwargs: Any) -> None:
            self.total = total
            self.kwargs = kwargs
            self.count = 0
            self.closed = False
            bars.append(self)

        def update(self, n: int) -> None:
            self.count += n

        def close(self) -> None:
            self.closed = True

    monkeypatch.setattr(tqdm.auto, "tqdm", Recorder)
    demo300.gaps(ci=0.9, n_boot=77, seed=1, progress=True)
    assert len(bars) == 1
    assert bars[0].total == 77 and bars[0].count == 77 and bars[0].closed
    demo300.gaps(ci=0.9, n_boot=20, seed=1, progress=False)
    demo300.gaps(ci=0.9, n_boot=20, seed=1)  # short run: no bar by default
    assert len(bars) == 1


def test_progress_without_tqdm(demo300, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with pytest.raises(sm.ConfigurationError, match="tqdm"):
        demo300.gaps(ci=0.9, n_boot=10, seed=1, progress=True)
    assert "p_top_k" in demo300.gaps(ci=0.9, n_boot=10, seed=1, progress=False).columns


def test_failing_progress_callback_stops_the_bootstrap(demo300):
    class Stop(Exception):
        pass

    def cb(n: int) -> None:
        raise Stop(n)

    with pytest.raises(Stop):
        _core.bootstrap(
            demo300._inner,
            [],
            level="competence",
            weights=True,
            min_n=5,
            importance_mean="complete",
            n_boot=50,
            seed=1,
            ci=0.9,
            top_k=5,
            progress=cb,
        )


# -- 6. the paired signed-rank test ---------------------------------------------------------------


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
def test_paired_test_golden(correction):
    s = golden_survey(golden_missing())
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
    ]
    assert t["n"].tolist() == [5, 4, 5, 5]
    cur = golden_missing()
    pairs = {}
    for j in range(4):
        ok = ~np.isnan(cur[:, j])
        pairs[j] = (GOLDEN_I[ok, j], cur[ok, j])
    _check_paired(t, pairs, correction)
    assert f"correction={correction}" in sm.Provenance.of(t).test
    assert "importance" in sm.Provenance.of(t).test


def test_continuity_correction_at_the_mean():
    # C1: differences +1, -1, +2, -2 → R+ = R- = 5 = 4·5/4
    imp = np.array([[3, 3, 3, 3], [3, 3, 3, 3], [4, 3, 3, 3], [1, 3, 3, 3]], dtype=float)
    cur = np.array([[2, 1, 2, 3], [4, 2, 1, 2], [2, 2, 2, 1], [3, 1, 2, 2]], dtype=float)
    s = sm.Survey.from_frame(
        golden_long(cur, imp),
        required=None,
        importance="importance",
        framework=GOLDEN_FW,
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


def test_paired_test_at_area_level_and_without_importance():
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


# -- 7. errors ------------------------------------------------------------------------------------


def test_unknown_grouping(demo300):
    with pytest.raises(sm.ConfigurationError) as info:
        demo300.gaps("no_such_attribute")
    assert isinstance(info.value, ValueError)
    msg = str(info.value)
    assert "no_such_attribute" in msg
    for known in ("region", "stakeholder_type", "sector", "organisation_size"):
        assert known in msg
    with pytest.raises(sm.ConfigurationError):
        demo300.priorities(["region", "nope"])
    with pytest.raises(sm.ConfigurationError):
        demo300.paired_test("nope")
    with pytest.raises(sm.ConfigurationError):
        demo300.gaps(ci=0.9, n_boot=10, stratify="nope")
    with pytest.raises(sm.ConfigurationError, match="twice"):
        demo300.gaps(["region", "region"])
    with pytest.raises(TypeError):
        demo300.gaps(["region", 3])


def test_bad_options(demo300):
    with pytest.raises(sm.ConfigurationError, match="level"):
        demo300.gaps(level="skill")
    with pytest.raises(sm.ConfigurationError, match="level"):
        demo300.paired_test(level="skill")
    with pytest.raises(sm.ConfigurationError, match="ci"):
        demo300.gaps(ci=1.5)
    with pytest.raises(sm.ConfigurationError, match="ci"):
        demo300.gaps(ci=0.0)
    with pytest.raises(sm.ConfigurationError, match="min_n"):
        demo300.gaps(min_n=-1)
    with pytest.raises(sm.ConfigurationError, match="min_n"):
        demo300.priorities(min_n=-1)
    with pytest.raises(sm.ConfigurationError, match="n_boot"):
        demo300.gaps(ci=0.9, n_boot=0)
    with pytest.raises(sm.ConfigurationError, match="top_k"):
        demo300.gaps(ci=0.9, n_boot=10, top_k=0)
    with pytest.raises(ValueError, match="crosshair"):
        demo300.priorities(crosshair="bogus")
    with pytest.raises(ValueError, match="importance_mean"):
        demo300.gaps(importance_mean="bogus")


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.gaps(importance_mean="bogus"),
        lambda s: s.priorities(crosshair="bogus"),
        lambda s: s.gaps(ci=0.9, n_boot=5, seed=-1),
    ],
    ids=["importance_mean", "crosshair", "seed"],
)
def test_bad_options_raise_skillsmap_errors(demo300, call):
    with pytest.raises(sm.SkillsMapError):
        call(demo300)


# -- 8. layout of the output ---------------------------------------------------------------------


def test_column_order_and_provenance():
    s = sm.demo_survey(80, seed=2)
    g = s.gaps(["region", "organisation_size"])
    assert g.columns.tolist() == [
        "region",
        "organisation_size",
        "competence",
        "area",
        "n",
        "n_missing",
        "mean_importance",
        "mean_required",
        "mean_current",
        "mean_gap",
        "mean_positive_gap",
        "relative_gap",
        "attainment",
        "normalised_gap",
        "mwds",
        "rank",
        "suppressed",
    ]
    prov = sm.Provenance.of(g)
    assert prov.names()["ITH5"] == "Emilia-Romagna"  # names of every key
    assert prov == sm.Provenance(
        kind="gaps",
        framework=s.framework,
        synthetic=True,
        source=s.source,
        by=("region", "organisation_size"),
        group_names=prov.group_names,
        level="competence",
        weights=True,
        min_n=5,
        importance_mean="complete",
        borich="importance",
        borich_variable="importance",
        gap_target="required",
    )
    assert g.attrs == {"provenance": prov}  # one documented place, nothing else
    by_region = s.gaps("region")
    assert sm.Provenance.of(by_region).names()["FI1D7"] == "Lapland"
    assert g["n"].dtype.kind in "iu" and g["n_missing"].dtype.kind in "iu"
    assert g["suppressed"].dtype == bool
    assert str(g["rank"].dtype) == "Int64"

    area = s.gaps(level="area", weights=False, importance_mean="all", min_n=2)
    assert area.columns.tolist()[:3] == ["area", "n", "n_missing"]
    assert sm.Provenance.of(area).level == "area" and sm.Provenance.of(area).by == ()
    assert sm.Provenance.of(area).weights is False and sm.Provenance.of(area).min_n == 2
    assert sm.Provenance.of(area).importance_mean == "all"

    req_only = sm.demo_survey(80, seed=2, importance=False, weights=False).gaps(weights=True)
    assert "mean_importance" not in req_only.columns
    assert "mean_required" in req_only.columns
    assert sm.Provenance.of(req_only).gap_target == "required"
    assert sm.Provenance.of(req_only).borich_variable == "required"
    assert sm.Provenance.of(req_only).weights is False  # asked for, but the survey has none


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


def test_borich_variant_weighs_by_the_required_level():
    s = sm.demo_survey(400, seed=12)
    df = s.to_frame()
    fw = s.framework
    # the same data with the required level as the only rating: target and
    # Borich variable are both the required level
    only_required = sm.Survey.from_frame(
        df.drop(columns=["importance"]), weight="weight", framework=fw
    )
    ours = s.gaps(by="region", borich="required", min_n=1)
    ref = only_required.gaps(by="region", min_n=1)
    np.testing.assert_allclose(ours["mwds"], ref["mwds"], rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(ours["mean_gap"], ref["mean_gap"], rtol=1e-12, equal_nan=True)
    assert sm.Provenance.of(ours).borich == "required"
    assert sm.Provenance.of(ours).borich_variable == "required"
    default = s.gaps(by="region", min_n=1)
    assert not np.allclose(default["mwds"], ours["mwds"], equal_nan=True)
    boot = s.gaps(borich="required", ci=0.9, n_boot=100, seed=3, min_n=1)
    ref_boot = only_required.gaps(ci=0.9, n_boot=100, seed=3, min_n=1)
    np.testing.assert_allclose(boot["mwds_lo"], ref_boot["mwds_lo"], rtol=1e-12)
    with pytest.raises(sm.ConfigurationError):
        s.gaps(borich="weights")


def test_mean_importance_is_only_reported_when_importance_weighs():
    s = sm.demo_survey(200, seed=2)
    assert "mean_importance" in s.gaps().columns
    assert "mean_importance" not in s.gaps(borich="required").columns


def test_stratifying_on_several_keys_keeps_missing_values_within_their_region():
    s = sm.demo_survey(300, seed=5)
    df = s.to_frame()
    missing = df["respondent"].isin(df["respondent"].unique()[::3])
    df.loc[missing, "organisation_size"] = None
    t = sm.Survey.from_frame(
        df, importance="importance", weight="weight", attributes=["organisation_size"]
    )
    g = t.gaps(by="region", ci=0.9, n_boot=300, seed=2, stratify=["region", "organisation_size"])
    # region sizes are fixed by the strata: every replicate has every region
    assert g["mean_gap_lo"].notna().all()
    inside = ((g["mean_gap_lo"] <= g["mean_gap"]) & (g["mean_gap"] <= g["mean_gap_hi"])).mean()
    assert inside > 0.95
