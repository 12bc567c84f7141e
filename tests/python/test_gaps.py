"""The gap table: gap statistics and Borich MWDS per group × item.

Golden values are worked out by hand (the golden survey of conftest.py);
everything else is checked against an independent pandas/numpy
implementation of the formulas written here, or through properties that
must hold whatever the data. The bootstrap, priorities and the paired test
have their own files.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import skillsmap as sm
from hypothesis import given, settings
from hypothesis import strategies as st

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
            # a respondent of weight zero is not counted (cannot pass min_n)
            "n": (g & (wv > 0)).astype(np.int64),
            "wg": np.where(g, wv, 0.0),
            "wg2": np.where(g, wv * wv, 0.0),
            "st": wsum(g, t),
            "sc": wsum(g, c),
            "sr": wsum(g, r),
            "sd": wsum(g, t - c),
            "sdp": wsum(g, np.maximum(t - c, 0.0)),
            "nb": (b & (wv > 0)).astype(np.int64),
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
                # Kish's effective size (Σw)² / Σw²
                "n_eff": np.where(s["wg2"].to_numpy() > 0, wg * wg / s["wg2"].to_numpy(), 0.0),
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
    # too few respondents (in number or in effect), or weights summing to
    # zero: nothing to report
    floor = max(min_n, 1)
    out["suppressed"] = (out["n"] < floor) | (out["n_eff"] < floor * (1 - 1e-12)) | (wg <= 0)
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
    np.testing.assert_allclose(g["n_eff"].to_numpy(), r["n_eff"].to_numpy(), rtol=1e-12)
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


# -- 1. golden values ------------------------------------------------------------------------------


def test_golden_gap_table(golden):
    g = golden.survey().gaps(min_n=1)
    assert g["competence"].tolist() == golden.ids
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


def test_golden_area_level(golden):
    # area A = (C1, C2), B = (C3, C4): each respondent contributes the mean of
    # their two levels, so the means are those of the competences averaged
    g = golden.survey().gaps(level="area", min_n=1)
    assert g["area"].tolist() == ["A", "B"]
    assert "competence" not in g.columns
    np.testing.assert_allclose(g["mean_importance"], [4.3, 3.9], **TOL)
    np.testing.assert_allclose(g["mean_current"], [2.8, 3.0], **TOL)
    np.testing.assert_allclose(g["mwds"], [4.3 * 1.5, 3.9 * 0.9], **TOL)
    assert g["rank"].tolist() == [1, 2]


def test_golden_with_a_missing_current_level(golden):
    s = golden.survey(golden.missing())
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


def test_default_min_n_suppresses_the_small_cell(golden):
    g = golden.survey(golden.missing()).gaps()
    assert sm.Provenance.of(g).min_n == 5
    assert g["suppressed"].tolist() == [False, True, False, False]
    row = g.loc[1]
    assert row["n"] == 4 and row["n_missing"] == 1
    present = [c for c in FLOAT_STATS if c in g.columns]
    assert row[present].isna().all()
    assert g["rank"].isna().tolist() == [False, True, False, False]
    assert g["rank"].dropna().tolist() == [1, 3, 2]
    np.testing.assert_allclose(g["mwds"].dropna(), [10.12, 2.56, 4.60], **TOL)

    p = golden.survey(golden.missing()).priorities()
    assert p.loc[1, ["importance", "mean_current", "mean_gap", "mwds"]].isna().all()
    assert pd.isna(p.loc[1, "lff_quadrant"]) and pd.isna(p.loc[1, "ipa_quadrant"])
    assert pd.isna(p.loc[1, "priority"])
    # crosshairs are over the unsuppressed items only
    np.testing.assert_allclose(p["lff_crosshair_importance"], (4.6 + 3.2 + 4.6) / 3, **TOL)
    np.testing.assert_allclose(p["lff_crosshair_gap"], (2.2 + 0.8 + 1.0) / 3, **TOL)


def test_min_n_zero_still_suppresses_empty_cells(golden):
    cur = golden.current.copy()
    cur[:, 3] = np.nan
    g = golden.survey(cur).gaps(min_n=0)
    assert g["n"].tolist() == [5, 5, 5, 0]
    assert g["suppressed"].tolist() == [False, False, False, True]
    assert np.isnan(g.loc[3, "mwds"])


def test_golden_by_region(golden):
    g = golden.survey().gaps(by="region", min_n=1)
    assert g["region"].tolist() == ["North"] * 4 + ["South"] * 4
    assert g["n"].tolist() == [3] * 4 + [2] * 4
    north = golden.importance[:3], golden.current[:3]
    ibar = north[0].mean(axis=0)
    np.testing.assert_allclose(g["mwds"][:4], ibar * (ibar - north[1].mean(axis=0)), **TOL)


# -- 2. the reference implementation on random surveys ---------------------------------------------


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
def test_reference_on_random_surveys(
    seed, variant, weights, half_steps, random_long, random_survey
):
    long = random_long(seed, variant=variant, weights=weights, half_steps=half_steps)
    s = random_survey(long)
    assert s.has_weights == (weights is not None)
    _check_against_reference(s, long, [*BYS, "org_size", ["sector", "org_size"]])


def test_reference_on_a_custom_framework_with_sparse_answers(golden):
    long = golden.long(golden.missing())
    long = long.drop(index=[0, 5]).reset_index(drop=True)  # two answer rows absent
    s = sm.Survey.from_frame(
        long,
        required=None,
        importance="importance",
        framework=golden.fw,
        regions=None,
        typology=None,
    )
    _check_against_reference(
        s,
        long,
        [None, "region"],
        competences=golden.ids,
        area_of=golden.area_of,
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


def test_attribute_groups_in_order_of_appearance(random_long, random_survey):
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


def test_attribute_group_labels_keep_original_values(golden):
    long = golden.long()
    long["size"] = long["respondent"].map({"R1": 1, "R2": 2, "R3": 1, "R4": 3, "R5": 2})
    s = sm.Survey.from_frame(
        long,
        required=None,
        importance="importance",
        framework=golden.fw,
        regions=None,
        typology=None,
        attributes=["size"],
    )
    assert s.respondents["size"].tolist() == [1, 2, 1, 3, 2]
    g = s.gaps("size", min_n=1)
    assert set(g["size"]) <= set(s.respondents["size"])


# -- 3. properties ---------------------------------------------------------------------------------


LEVEL = st.integers(1, 5)
IDS = ["C1", "C2", "C3", "C4"]  # the competences of the golden framework


@st.composite
def small_long(draw: Any, *, complete: bool, weighted: bool = False) -> pd.DataFrame:
    n = draw(st.integers(1, 10))
    cells = n * len(IDS)
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
            "respondent": np.repeat([f"R{i}" for i in range(n)], len(IDS)),
            "region": np.repeat(regions, len(IDS)),
            "stakeholder_type": np.repeat(types, len(IDS)),
            "competence": IDS * n,
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
        df["weight"] = np.repeat(w, len(IDS))
    return df


def small_survey(df: pd.DataFrame, framework: sm.Framework) -> sm.Survey:
    return sm.Survey.from_frame(
        df,
        required="required" if "required" in df.columns else None,
        importance="importance",
        weight="weight" if "weight" in df.columns else None,
        framework=framework,
        regions=None,
        typology=None,
    )


PROPERTY = settings(max_examples=30, deadline=None)


@PROPERTY
@given(small_long(complete=True))
def test_mwds_is_ibar_times_mean_discrepancy_on_complete_data(golden, df):
    g = small_survey(df, golden.fw).gaps(min_n=1, weights=False)
    imp = df.pivot(index="respondent", columns="competence", values="importance")[golden.ids]
    cur = df.pivot(index="respondent", columns="competence", values="current")[golden.ids]
    ibar = imp.mean().to_numpy()
    np.testing.assert_allclose(g["mwds"], ibar * (ibar - cur.mean().to_numpy()), **TOL)
    np.testing.assert_allclose(g["mean_current"], cur.mean().to_numpy(), **TOL)
    target = imp
    if "required" in df.columns:
        target = df.pivot(index="respondent", columns="competence", values="required")[golden.ids]
    np.testing.assert_allclose(
        g["mean_gap"], target.mean().to_numpy() - cur.mean().to_numpy(), **TOL
    )
    assert (g["n"] == len(imp)).all() and (g["n_missing"] == 0).all()
    # with complete data "all" and "complete" importance means coincide
    g_all = small_survey(df, golden.fw).gaps(min_n=1, weights=False, importance_mean="all")
    np.testing.assert_allclose(g_all["mwds"], g["mwds"], **TOL)


@PROPERTY
@given(small_long(complete=False))
def test_constant_weights_give_the_unweighted_result(golden, df):
    weighted = small_survey(df.assign(weight=2.5), golden.fw)
    plain = small_survey(df, golden.fw)
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
def test_groups_recombine_to_the_pooled_table(golden, df):
    s = small_survey(df, golden.fw)
    pooled = s.gaps(min_n=1, weights=False)
    for by in ("region", ["region", "stakeholder_type"]):
        g = s.gaps(by, min_n=1, weights=False)
        n = g.groupby("competence", sort=False)["n"].sum()
        assert n[golden.ids].tolist() == pooled["n"].tolist()
        size = (g["n"] + g["n_missing"]).groupby(g["competence"], sort=False).sum()
        assert (size == s.n_respondents).all()
        weighted_gap = (g["mean_gap"].fillna(0.0) * g["n"]).groupby(g["competence"]).sum()
        expected = (weighted_gap[golden.ids] / n[golden.ids]).to_numpy()
        np.testing.assert_allclose(pooled["mean_gap"], expected, equal_nan=True, **TOL)
        cur = (g["mean_current"].fillna(0.0) * g["n"]).groupby(g["competence"]).sum()
        np.testing.assert_allclose(
            pooled["mean_current"], (cur[golden.ids] / n[golden.ids]).to_numpy(), **TOL
        )


@PROPERTY
@given(small_long(complete=False, weighted=True), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(golden, df, rnd):
    order = list(range(len(df)))
    rnd.shuffle(order)
    a_s = small_survey(df, golden.fw)
    b_s = small_survey(df.iloc[order].reset_index(drop=True), golden.fw)
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


# -- 4. errors -------------------------------------------------------------------------------------


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


# -- 5. layout of the output -----------------------------------------------------------------------


def test_column_order_and_provenance():
    s = sm.demo_survey(80, seed=2)
    g = s.gaps(["region", "organisation_size"])
    assert g.columns.tolist() == [
        "region",
        "organisation_size",
        "competence",
        "area",
        "n",
        "n_eff",
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
    assert area.columns.tolist()[:3] == ["area", "n", "n_eff"]
    assert sm.Provenance.of(area).level == "area" and sm.Provenance.of(area).by == ()
    assert sm.Provenance.of(area).weights is False and sm.Provenance.of(area).min_n == 2
    assert sm.Provenance.of(area).importance_mean == "all"

    req_only = sm.demo_survey(80, seed=2, importance=False, weights=False).gaps(weights=True)
    assert "mean_importance" not in req_only.columns
    assert "mean_required" in req_only.columns
    assert sm.Provenance.of(req_only).gap_target == "required"
    assert sm.Provenance.of(req_only).borich_variable == "required"
    assert sm.Provenance.of(req_only).weights is False  # asked for, but the survey has none


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
