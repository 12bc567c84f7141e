"""The respondent bootstrap of the gap table: intervals, rank stability,
strata, reproducibility whatever the thread count, agreement with numpy on
its own replicates, and the progress bar."""

from __future__ import annotations

import sys
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skillsmap as sm
from skillsmap import _core

TOL: dict[str, Any] = {"rtol": 1e-12, "atol": 1e-12}

SE_IDS = sm.frameworks.load("se-core").competences["id"].tolist()


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
    variant, level, importance_mean, random_long
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


def test_results_identical_whatever_the_thread_count(at_threads):
    digests = [o.strip() for o in at_threads(_THREADS_SCRIPT, ("1", "2", "3"))]
    assert len(digests[0]) == 64
    assert digests[0] == digests[1] == digests[2]


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
