"""Side-by-side timings of skillsmap against the peers a researcher would
otherwise use, in one process per case, on the same inputs.

Everything runs in one process: each case builds its inputs once, then for
each implementation makes a warm-up call and `--repeat` timed calls, and
reports the median, the ratio ours / peer (below 1 means skillsmap is
faster) and the peak resident memory one call adds (the kernel's
high-water mark, reset before the call). Run with ``make
bench`` or ``.venv/bin/python benches/peers.py [--case NAME] [--repeat N]``.

Cases
-----
ingest-1m
    1,000,000 answers (31,250 respondents × 32 competences, string keys,
    weights) from a pandas DataFrame: ``sm.Survey.from_frame`` (factorise,
    resolve, validate every row, build) versus the same validation written in
    pandas (label look-ups with ``isin``, range checks, ``duplicated`` on
    (respondent, competence), per-respondent ``nunique`` of region, type and
    weight).
generate-10m
    The synthetic generator at 10,000,000 answers (no peer: the figure shows
    that benchmark inputs at 1000× the demo size are cheap to make).
gaps-1m
    1,000,000 answers (25,000 respondents × 40 competences, 6 regions, 8
    stakeholder types, weights, ~7 % missing) → weighted mean gap and Borich
    MWDS by (region, competence). ``Survey.gaps`` on an ingested survey versus
    polars on a prebuilt polars DataFrame and numpy ``bincount`` on
    pre-coded integer keys.
gaps-1m-pandas
    The same from a pandas DataFrame with string keys, ingestion included
    (``Survey.from_frame(...).gaps(...)``), versus pandas ``groupby``.
bootstrap-mwds
    1,000 bootstrap replicates of MWDS (with percentile intervals) over
    5,000 respondents × 40 competences, importance and current level, 10 %
    missing: ``Survey.gaps(ci=0.95, n_boot=1000)`` versus the straightforward
    numpy loop over replicates and the vectorised numpy form (multinomial
    counts from one ``bincount``, times the stacked data in one matrix
    product). Ours also returns the mean-gap intervals and rank stability.

reliability-5k
    Cronbach's α of a 5,000 × 40 instrument: ``Survey.reliability(level=None)``
    (α, Feldt interval, standardised α and McDonald's ω from a one-factor ML
    fit) versus ``pingouin.cronbach_alpha`` (α and interval) on a prebuilt
    wide DataFrame.
compare-25k
    Kruskal–Wallis of the gap by region for each of 40 competences, 25,000
    respondents, 6 regions: ``Survey.compare`` (H, p, Holm, ε²) versus
    ``scipy.stats.kruskal`` in a loop over ready-made per-group arrays.
rake-100k
    Raking 100,000 respondents (the demo survey, 3.2M answers) to region and
    stakeholder-type margins, tol 1e-10: ``Survey.rake`` (a new survey with
    the weights) versus samplics' ``SampleWeight.rake``.

Similarity cases (cosine-*, pearson-pairwise, rca-proximity,
esco-proximity, topk-60k, topk-200k) are described in BENCHMARKS.md.
``topk-60k`` (against faiss ``IndexFlatIP``), ``topk-200k``,
``cosine-30k-50`` and ``gemm`` (numpy's GEMM rate, the machine's limit) run
only when named with ``--case``. The kernel path is printed first;
``SKILLSMAP_SIMD=avx512|avx2|portable`` forces one, so each path's table
comes from its own run.

Every peer's result is checked against ours before it is timed. numpy runs
with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset, as those settings (made
for old OpenBLAS builds on this machine) slow a current numpy. At
N = 30,000 sklearn's own cosine_similarity crashes with those faster
kernels, so ``cosine-30k-50`` times it (also) in a child process with the
machine's settings ("sklearn, machine defaults").
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

Impl = Callable[[], Any]


def _case_ingest() -> dict[str, Impl]:
    import numpy as np
    import pandas as pd
    import skillsmap as sm

    df = sm.demo_survey(31_250, seed=1).to_frame()
    fw = sm.frameworks.load("se-core")
    comp_names = set(fw.competences["id"]) | set(fw.competences["label"])
    region_names = set(sm.Regions.resees().table["id"]) | set(sm.Regions.resees().table["name"])
    type_names = set(sm.Typology.default().types["id"]) | set(sm.Typology.default().types["label"])

    def ours() -> Any:
        return sm.Survey.from_frame(df, importance="importance", weight="weight")

    def pandas_checks() -> Any:
        problems = []
        problems.append(~df["competence"].isin(comp_names))
        problems.append(~df["region"].isin(region_names))
        problems.append(~df["stakeholder_type"].isin(type_names))
        for col in ("current", "required", "importance"):
            v = pd.to_numeric(df[col], errors="coerce")
            problems.append(v.notna() & ~v.between(1, 5))
        w = df["weight"]
        problems.append(~np.isfinite(w) | (w < 0))
        problems.append(df.duplicated(["respondent", "competence"]))
        per = df.groupby("respondent", sort=False)[
            ["region", "stakeholder_type", "weight"]
        ].nunique()
        bad_resp = per.index[(per > 1).any(axis=1)]
        problems.append(df["respondent"].isin(bad_resp))
        mask = np.logical_or.reduce([p.to_numpy() for p in problems])
        codes_r, _ = pd.factorize(df["respondent"])
        codes_c, _ = pd.factorize(df["competence"])
        return mask.sum(), codes_r, codes_c

    return {"skillsmap": ours, "pandas (same checks)": pandas_checks}


def _case_generate() -> dict[str, Impl]:
    import skillsmap as sm

    return {"skillsmap": lambda: sm.demo_survey(312_500, seed=2)}


def _bench_survey(n_respondents: int, n_items: int, n_types: int, **kw: Any) -> Any:
    import pandas as pd
    import skillsmap as sm

    fw = sm.Framework.from_frame(
        pd.DataFrame(
            {
                "id": [f"c{j:02d}" for j in range(n_items)],
                "area": [f"a{j // 8}" for j in range(n_items)],
            }
        ),
        id=f"bench{n_items}",
    )
    ty = sm.Typology.from_frame(
        pd.DataFrame(
            {"sector": ["s"] * n_types, "stakeholder_type": [f"t{k}" for k in range(n_types)]}
        )
    )
    return sm.demo_survey(n_respondents, seed=11, framework=fw, typology=ty, **kw)


def _gap_inputs() -> tuple[Any, Any]:
    survey = _bench_survey(25_000, 40, 8)
    return survey, survey.to_frame()


def _check(ours: Any, peer: Any, what: str, atol: float = 1e-12) -> None:
    import numpy as np

    if not np.allclose(ours, peer, rtol=1e-9 if atol <= 1e-12 else 0, atol=atol, equal_nan=True):
        raise AssertionError(f"peer result differs from ours: {what}")


def _case_gaps() -> dict[str, Impl]:
    import numpy as np
    import polars as pl

    survey, df = _gap_inputs()
    pdf = pl.from_pandas(
        df[["region", "competence", "current", "required", "importance", "weight"]]
    ).with_columns(pl.col("current", "required", "importance").fill_nan(None))
    regions = list(survey.regions.table["id"])
    comps = list(survey.framework.competences["id"])
    key = (
        df["region"].map({r: i for i, r in enumerate(regions)}).to_numpy() * len(comps)
        + df["competence"].map({c: i for i, c in enumerate(comps)}).to_numpy()
    ).astype(np.int64)
    cur, req, imp = (df[c].to_numpy() for c in ("current", "required", "importance"))
    w = df["weight"].to_numpy()
    size = len(regions) * len(comps)

    def ours() -> Any:
        return survey.gaps(by="region", min_n=0)

    def polars_groupby() -> Any:
        d = pl.col("required") - pl.col("current")
        b = pl.col("importance") - pl.col("current")
        wg = pl.when(d.is_not_null()).then(pl.col("weight"))
        wb = pl.when(b.is_not_null()).then(pl.col("weight"))
        return (
            pdf.group_by("region", "competence")
            .agg(
                mean_gap=(d * pl.col("weight")).sum() / wg.sum(),
                ibar=(pl.when(b.is_not_null()).then(pl.col("importance")) * pl.col("weight")).sum()
                / wb.sum(),
                mb=(b * pl.col("weight")).sum() / wb.sum(),
            )
            .with_columns(mwds=pl.col("ibar") * pl.col("mb"))
            .sort("region", "competence")
        )

    def numpy_bincount() -> Any:
        gm = ~(np.isnan(req) | np.isnan(cur))
        bm = ~(np.isnan(imp) | np.isnan(cur))
        wg = np.where(gm, w, 0.0)
        wb = np.where(bm, w, 0.0)
        sd = np.bincount(key, np.where(gm, w * (req - cur), 0.0), size)
        sw = np.bincount(key, wg, size)
        swb = np.bincount(key, wb, size)
        si = np.bincount(key, np.where(bm, w * imp, 0.0), size)
        sdb = np.bincount(key, np.where(bm, w * (imp - cur), 0.0), size)
        return sd / sw, (si / swb) * (sdb / swb)

    mine = ours().sort_values(["region", "competence"])
    pol = polars_groupby()
    _check(mine["mean_gap"].to_numpy(), pol["mean_gap"].to_numpy(), "polars mean gap")
    _check(mine["mwds"].to_numpy(), pol["mwds"].to_numpy(), "polars mwds")
    # the leanest form: contributions masked in advance, only the sums timed
    gm = ~(np.isnan(req) | np.isnan(cur))
    bm = ~(np.isnan(imp) | np.isnan(cur))
    pre = [
        np.where(gm, w * (req - cur), 0.0),
        np.where(gm, w, 0.0),
        np.where(bm, w, 0.0),
        np.where(bm, w * imp, 0.0),
        np.where(bm, w * (imp - cur), 0.0),
    ]

    def numpy_bincount_premasked() -> Any:
        sd, sw, swb, si, sdb = (np.bincount(key, v, size) for v in pre)
        return sd / sw, (si / swb) * (sdb / swb)

    _check(numpy_bincount_premasked()[1], numpy_bincount()[1], "premasked bincount")
    mg, mw = numpy_bincount()
    o = ours()
    _check(o["mean_gap"].to_numpy(), mg, "bincount mean gap")
    _check(o["mwds"].to_numpy(), mw, "bincount mwds")
    return {
        "skillsmap": ours,
        "polars": polars_groupby,
        "numpy bincount": numpy_bincount,
        "numpy bincount, premasked": numpy_bincount_premasked,
    }


def _case_gaps_pandas() -> dict[str, Impl]:
    import numpy as np
    import pandas as pd
    import skillsmap as sm

    survey, df = _gap_inputs()
    fw = survey.framework
    ty = survey.typology

    def ours() -> Any:
        s = sm.Survey.from_frame(
            df, importance="importance", weight="weight", framework=fw, typology=ty
        )
        return s.gaps(by="region", min_n=0)

    def pandas_groupby() -> Any:
        gm = df["required"].notna() & df["current"].notna()
        bm = df["importance"].notna() & df["current"].notna()
        w = df["weight"]
        parts = pd.DataFrame(
            {
                "region": df["region"],
                "competence": df["competence"],
                "wg": w.where(gm, 0.0),
                "sd": (w * (df["required"] - df["current"])).where(gm, 0.0),
                "wb": w.where(bm, 0.0),
                "si": (w * df["importance"]).where(bm, 0.0),
                "sdb": (w * (df["importance"] - df["current"])).where(bm, 0.0),
            }
        )
        s = parts.groupby(["region", "competence"], sort=True).sum()
        return pd.DataFrame(
            {"mean_gap": s["sd"] / s["wg"], "mwds": (s["si"] / s["wb"]) * (s["sdb"] / s["wb"])}
        )

    mine = ours().sort_values(["region", "competence"])
    ref = pandas_groupby()
    _check(mine["mwds"].to_numpy(), ref["mwds"].to_numpy(), "pandas mwds")
    _check(mine["mean_gap"].to_numpy(), ref["mean_gap"].to_numpy(), "pandas mean gap")
    del np
    return {"skillsmap": ours, "pandas groupby": pandas_groupby}


def _case_bootstrap() -> dict[str, Impl]:
    import numpy as np

    survey = _bench_survey(5_000, 40, 8, missing_rate=0.1, weights=False, importance=True)
    df = survey.to_frame()
    # importance and current only: Borich on importance
    wide_i = df.pivot(index="respondent", columns="competence", values="importance").to_numpy()
    wide_c = df.pivot(index="respondent", columns="competence", values="current").to_numpy()
    from skillsmap import Survey

    s = Survey.from_frame(
        df,
        required=None,
        importance="importance",
        framework=survey.framework,
        typology=survey.typology,
    )
    n_boot = 1000
    R = wide_i.shape[0]
    D = wide_i - wide_c
    Im = np.where(np.isnan(D), np.nan, wide_i)
    M = (~np.isnan(D)).astype(np.float64)
    X1 = np.where(np.isnan(D), 0.0, wide_i)
    X2 = np.where(np.isnan(D), 0.0, D)

    def ours() -> Any:
        return s.gaps(ci=0.95, n_boot=n_boot, seed=3, min_n=0, progress=False)

    def numpy_loop() -> Any:
        rng = np.random.default_rng(3)
        reps = np.empty((n_boot, D.shape[1]))
        for b in range(n_boot):
            idx = rng.integers(0, R, R)
            reps[b] = np.nanmean(Im[idx], axis=0) * np.nanmean(D[idx], axis=0)
        return np.percentile(reps, [2.5, 97.5], axis=0)

    XS = np.hstack([M, X1, X2])  # one matrix product for the three sums
    J = M.shape[1]

    def numpy_vectorised() -> Any:
        rng = np.random.default_rng(3)
        # multinomial counts of each replicate's draws, via one bincount
        idx = rng.integers(0, R, size=(n_boot, R))
        idx += R * np.arange(n_boot)[:, None]
        counts = np.bincount(idx.ravel(), minlength=n_boot * R).reshape(n_boot, R)
        sums = counts.astype(np.float64) @ XS
        w, si, sd = sums[:, :J], sums[:, J : 2 * J], sums[:, 2 * J :]
        reps = (si / w) * (sd / w)
        return np.percentile(reps, [2.5, 97.5], axis=0)

    # Same statistic, different random draws: the intervals must agree closely.
    mine = ours()
    for peer in (numpy_loop(), numpy_vectorised()):
        width = mine["mwds_hi"].to_numpy() - mine["mwds_lo"].to_numpy()
        peer_width = peer[1] - peer[0]
        if not np.allclose(width, peer_width, rtol=0.25):
            raise AssertionError("bootstrap interval widths disagree with numpy")
    return {"skillsmap": ours, "numpy loop": numpy_loop, "numpy vectorised": numpy_vectorised}


def _case_cosine(n: int, k: int) -> Callable[[], dict[str, Impl]]:
    def make() -> dict[str, Impl]:
        import numpy as np
        import skillsmap as sm
        from sklearn.metrics.pairwise import cosine_similarity
        from sklearn.preprocessing import normalize

        x = np.random.default_rng(n + k).random((n, k))
        probe = slice(0, 200)
        _check(sm.similarity(x[probe], "cosine"), cosine_similarity(x[probe]), "cosine")
        # float32 computes in float32, within 4·K·2⁻²⁴ of float64
        narrow = sm.similarity(x[probe], "cosine", dtype="float32")
        _check(
            narrow.astype(np.float64),
            cosine_similarity(x[probe]),
            "cosine float32",
            4 * k * 2.0**-24,
        )
        if n <= 25_000:
            return {
                "skillsmap": lambda: sm.similarity(x, "cosine"),
                "skillsmap float32": lambda: sm.similarity(x, "cosine", dtype="float32"),
                "sklearn cosine_similarity": lambda: cosine_similarity(x),
            }

        # cosine_similarity's X @ X.T (numpy's syrk path) segfaults in
        # OpenBLAS 0.3.31's SkylakeX kernels at N = 30,000 (numpy issue
        # #19685); the known workaround multiplies by a copy of the
        # transpose (a full gemm), same values.
        def gemm_form(a: Any) -> Any:
            an = normalize(a)
            return an @ np.ascontiguousarray(an.T)

        _check(sm.similarity(x[probe], "cosine"), gemm_form(x[probe]), "cosine gemm")
        return {
            "skillsmap": lambda: sm.similarity(x, "cosine"),
            "skillsmap float32": lambda: sm.similarity(x, "cosine", dtype="float32"),
            "sklearn normalize + gemm": lambda: gemm_form(x),
        }

    return make


def _case_pairwise_pearson() -> dict[str, Impl]:
    import numpy as np
    import pandas as pd
    import skillsmap as sm

    rng = np.random.default_rng(7)
    x = rng.normal(size=(2000, 40))
    x[rng.random(x.shape) < 0.2] = np.nan
    frame = pd.DataFrame(x.T)

    def ours() -> Any:
        return sm.similarity(x, "pearson", min_overlap=5)

    def pandas_corr() -> Any:
        return frame.corr(min_periods=5)

    _check(ours(), pandas_corr().to_numpy(), "pairwise-complete pearson")
    return {"skillsmap": ours, "pandas DataFrame.corr": pandas_corr}


def _case_rca_proximity() -> dict[str, Impl]:
    import warnings

    import numpy as np
    import pandas as pd
    import skillsmap as sm
    from ecomplexity import proximity as ec_proximity

    rng = np.random.default_rng(3)
    x = rng.gamma(0.5, 10.0, size=(3000, 1000))
    x[rng.random(x.shape) < 0.5] = 0.0
    frame = pd.DataFrame(x)
    long = frame.stack().rename("val").reset_index()
    long.columns = ["loc", "prod", "val"]
    long["time"] = 2020
    cols = {"time": "time", "loc": "loc", "prod": "prod", "val": "val"}

    def ours() -> Any:
        return sm.rca(frame), sm.proximity(frame)

    def ecomplexity_proximity() -> Any:
        import contextlib
        import io

        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            return ec_proximity(long, cols)

    ref = ecomplexity_proximity().set_index(["prod_1", "prod_2"])["proximity"]
    mine = ours()[1].stack()
    _check(mine.loc[ref.index].to_numpy(), ref.to_numpy(), "proximity vs ecomplexity")
    return {"skillsmap": ours, "ecomplexity.proximity": ecomplexity_proximity}


def _case_esco_proximity() -> dict[str, Impl]:
    import numpy as np
    import skillsmap as sm

    rng = np.random.default_rng(11)
    n_c, n_p = 3000, 13000
    x = np.zeros((n_c, n_p))
    nz = rng.random((n_c, n_p)) < 0.02
    x[nz] = rng.gamma(1.0, 5.0, size=int(nz.sum()))

    def ours() -> Any:
        return sm.proximity(x)

    def numpy_dense() -> Any:
        rca = (x / x.sum(1, keepdims=True)) / (x.sum(0, keepdims=True) / x.sum())
        m = (np.nan_to_num(rca) >= 1.0).astype(np.float64)
        k = m.sum(0)
        co = m.T @ m
        with np.errstate(invalid="ignore", divide="ignore"):
            return co / np.maximum(k[:, None], k[None, :])

    probe = slice(0, 300)
    _check(ours()[probe, probe], numpy_dense()[probe, probe], "ESCO-scale proximity")
    return {"skillsmap": ours, "numpy dense": numpy_dense}


def _case_topk_200k() -> dict[str, Impl]:
    import numpy as np
    import skillsmap as sm

    x = np.random.default_rng(200).random((200_000, 64))
    return {
        "skillsmap": lambda: sm.top_k(x, k=10, metric="cosine", progress=False),
        "skillsmap float32": lambda: sm.top_k(
            x, k=10, metric="cosine", dtype="float32", progress=False
        ),
    }


def _case_topk_60k() -> dict[str, Impl]:
    """Top-10 cosine neighbours of 60,000 rows of 64 values: ours in float64
    and float32 against faiss's exact inner-product index on unit rows
    (float32 only, all threads: the index built and searched in each call,
    asking for k + 1 as a row finds itself)."""
    import faiss
    import numpy as np
    import skillsmap as sm

    n, dim, k = 60_000, 64, 10
    x = np.random.default_rng(60).random((n, dim))
    faiss.omp_set_num_threads(os.cpu_count() or 1)

    def faiss_flat_ip() -> Any:
        xn = x.astype(np.float32)
        faiss.normalize_L2(xn)
        index = faiss.IndexFlatIP(dim)
        index.add(xn)
        return index.search(xn, k + 1)

    ours = sm.top_k(x, k=k, progress=False)
    scores, ids = faiss_flat_ip()
    # every row's neighbours agree with faiss's up to float32 rounding: the
    # k-th score of each row, faiss's k + 1 results without the row itself
    theirs = np.where(ids == np.arange(n)[:, None], -np.inf, scores)
    theirs = -np.sort(-theirs, axis=1)[:, :k]
    mine = ours["similarity"].to_numpy().reshape(n, k)
    # faiss computes in float32: its scores carry errors of about K·2⁻²⁴
    if not np.allclose(mine, theirs, rtol=0, atol=64 * 2.0**-24 * 4):
        raise AssertionError("peer result differs from ours: top-k scores against faiss")
    narrow = sm.top_k(x, k=k, dtype="float32", progress=False)
    mine32 = narrow["similarity"].to_numpy().reshape(n, k)
    if not np.allclose(mine32, mine, rtol=0, atol=4 * dim * 2.0**-24):
        raise AssertionError("float32 top-k scores beyond their bound of float64's")

    def sklearn_brute() -> Any:
        from sklearn.neighbors import NearestNeighbors

        nn = NearestNeighbors(n_neighbors=k + 1, algorithm="brute", metric="cosine", n_jobs=-1)
        return nn.fit(x).kneighbors(x)

    # sklearn takes minutes at this size: checked on the first 3,000 rows,
    # timed by one call
    from sklearn.neighbors import NearestNeighbors

    sub = x[:3000]
    nn = NearestNeighbors(n_neighbors=k + 1, algorithm="brute", metric="cosine")
    dist, _ = nn.fit(sub).kneighbors(sub)
    want = sm.top_k(sub, k=k, progress=False)["similarity"].to_numpy().reshape(-1, k)
    if not np.allclose(1 - np.sort(dist, axis=1)[:, 1:], want, rtol=0, atol=1e-9):
        raise AssertionError("peer result differs from ours: top-k scores against sklearn")
    return {
        "skillsmap": lambda: sm.top_k(x, k=k, progress=False),
        "skillsmap float32": lambda: sm.top_k(x, k=k, dtype="float32", progress=False),
        "faiss IndexFlatIP f32": faiss_flat_ip,
        "sklearn brute cosine" + ONE_CALL: sklearn_brute,
    }


def _case_gemm() -> dict[str, Impl]:
    """numpy's GEMM rate on this machine (4096², float64 and float32): the
    limit the kernels are read against."""
    import numpy as np

    rng = np.random.default_rng(4096)
    a64, b64 = rng.random((4096, 4096)), rng.random((4096, 4096))
    a32, b32 = a64.astype(np.float32), b64.astype(np.float32)
    return {"numpy GEMM float64": lambda: a64 @ b64, "numpy GEMM float32": lambda: a32 @ b32}


# Implementations too long to repeat (named with this suffix): one call,
# timed and measured for memory at once, no warm-up.
ONE_CALL = " (one call)"


# Cases too long to repeat: one call, timed and measured for memory at once.
def _case_reliability() -> dict[str, Impl]:
    import warnings

    import numpy as np
    import pingouin

    survey = _bench_survey(5_000, 40, 8)
    wide = survey.to_frame().pivot(index="respondent", columns="competence", values="current")

    def ours() -> Any:
        return survey.reliability(level=None)

    def pingouin_alpha() -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pingouin.cronbach_alpha(wide, nan_policy="listwise")

    _check(ours()["alpha"].to_numpy(), np.array([pingouin_alpha()[0]]), "reliability alpha")
    return {"skillsmap": ours, "pingouin cronbach_alpha": pingouin_alpha}


def _case_compare() -> dict[str, Impl]:
    import numpy as np
    import scipy.stats

    survey = _bench_survey(25_000, 40, 8)
    df = survey.to_frame()
    df["gap"] = df["required"] - df["current"]
    df = df.dropna(subset=["gap"])
    # the peer gets its per-group arrays ready-made (grouping not timed)
    groups = [
        [g["gap"].to_numpy() for _, g in grp.groupby("region", sort=False)]
        for _, grp in df.groupby("competence", sort=False)
    ]
    order = list(dict.fromkeys(df["competence"]))

    def ours() -> Any:
        return survey.compare(by="region", value="gap", test="kruskal")

    def scipy_loop() -> Any:
        return [scipy.stats.kruskal(*arrays).statistic for arrays in groups]

    got = ours().set_index("competence").loc[order, "statistic"].to_numpy()
    _check(got, np.array(scipy_loop()), "Kruskal-Wallis H")
    return {"skillsmap": ours, "scipy kruskal in a loop": scipy_loop}


def _case_rake() -> dict[str, Impl]:
    import warnings

    import numpy as np
    import skillsmap as sm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # samplics is archived
        from samplics.weighting import SampleWeight

    survey = sm.demo_survey(100_000, seed=5)
    resp = survey.respondents
    rng = np.random.default_rng(0)
    margins = {}
    for key in ("region", "stakeholder_type"):
        cats = sorted(resp[key].unique())
        share = rng.dirichlet(np.ones(len(cats)) * 5)
        margins[key] = dict(zip(cats, share * 250_000, strict=True))
    base = resp["weight"].to_numpy()
    domains = {k: resp[k].to_numpy(dtype=object) for k in margins}

    def ours() -> Any:
        return survey.rake(margins, tol=1e-10)

    def samplics_rake() -> Any:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return SampleWeight().rake(
                samp_weight=base, margins=domains, control=margins, tol=1e-10, ctrl_tol=1e-10
            )

    w = ours().respondents["weight"].to_numpy()
    if not np.allclose(w, samplics_rake(), rtol=1e-8):
        raise AssertionError("peer result differs from ours: raking weights")
    return {"skillsmap": ours, "samplics rake": samplics_rake}


SINGLE_SHOT = {"topk-200k"}
# Cases run only when named with --case: minutes of work, or a 7.2 GB result
# per call (ours and the peer run one after the other, each result freed
# before the next call, so the peak is one result).
OPT_IN = {"topk-200k", "cosine-30k-50", "topk-60k", "gemm"}

CASES: dict[str, tuple[Callable[[], dict[str, Impl]], str]] = {
    "ingest-1m": (_case_ingest, "1M answers from pandas, validated"),
    "generate-10m": (_case_generate, "synthetic survey, 10M answers"),
    "gaps-1m": (_case_gaps, "mean gap + MWDS by region × competence, 1M answers"),
    "gaps-1m-pandas": (_case_gaps_pandas, "the same from a pandas frame, ingestion included"),
    "bootstrap-mwds": (_case_bootstrap, "1000 bootstrap replicates of MWDS, 5000 × 40"),
    "cosine-10k-50": (_case_cosine(10_000, 50), "full cosine matrix, N=10,000, K=50"),
    "cosine-10k-500": (_case_cosine(10_000, 500), "full cosine matrix, N=10,000, K=500"),
    "cosine-30k-50": (_case_cosine(30_000, 50), "full cosine matrix, N=30,000, K=50 (7.2 GB)"),
    "pearson-pairwise": (_case_pairwise_pearson, "pairwise-complete Pearson, 2000 × 40, 20% NaN"),
    "rca-proximity": (_case_rca_proximity, "RCA + proximity, 3000 × 1000"),
    "esco-proximity": (_case_esco_proximity, "proximity at ESCO scale, 3000 × 13000, 2%"),
    "topk-200k": (_case_topk_200k, "top-10 cosine neighbours, N=200,000, K=64"),
    "topk-60k": (_case_topk_60k, "top-10 cosine neighbours, N=60,000, K=64, vs faiss"),
    "gemm": (_case_gemm, "numpy GEMM rate, 4096 × 4096 float64 and float32"),
    "reliability-5k": (_case_reliability, "alpha (+ CI, std alpha, omega), 5000 × 40"),
    "compare-25k": (_case_compare, "Kruskal-Wallis per competence, 40 × 6 regions × 25,000"),
    "rake-100k": (_case_rake, "raking 100,000 respondents to two margins"),
}


def _status_mib(field: str) -> float | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (Linux ≥ 4.0), so that the peak seen
    afterwards belongs to the measured calls and not to the input set-up."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _peak_above_now(run: Callable[[], Any]) -> float:
    """Peak resident memory added while ``run`` executes, in MiB."""
    gc.collect()
    if _reset_peak():
        now = _status_mib("VmRSS") or 0.0
        run()
        return max(0.0, (_status_mib("VmHWM") or now) - now)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    run()
    return max(0.0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before)


def _measure(impls: dict[str, Impl], repeat: int) -> dict[str, dict[str, float]]:
    """Times every implementation in this process, one after the other: a
    warm-up call, then `repeat` timed calls in a row (runs in a row rather
    than interleaved, because OpenBLAS's worker threads keep spinning for a
    while after a call and would slow whatever runs next); then one call's
    peak memory."""
    out = {}
    for name, fn in impls.items():
        if name.endswith(ONE_CALL):
            t0 = time.perf_counter()
            peak = _peak_above_now(fn)
            elapsed = time.perf_counter() - t0
            out[name] = {"median": elapsed, "min": elapsed, "peak_mib": peak}
            continue
        fn()
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        out[name] = {
            "median": statistics.median(times),
            "min": min(times),
            "peak_mib": _peak_above_now(fn),
        }
    return out


_DROPPED = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
_KEPT_PREFIX = "SKILLSMAP_BENCH_MACHINE_"


def _peer_env() -> dict[str, str]:
    """The environment of the benchmark: without the OpenBLAS core-type
    override this machine sets for old OpenBLAS builds, which slows numpy.
    The machine's values are kept aside for peers timed as the machine
    runs them by default (see `_machine_default_peer`)."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED}
    for k in _DROPPED:
        if k in os.environ:
            env[_KEPT_PREFIX + k] = os.environ[k]
    return env


_MACHINE_PEER = """
import statistics, sys, time
import numpy as np
from sklearn.metrics.pairwise import cosine_similarity
n, k, repeat = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
x = np.random.default_rng(n + k).random((n, k))
cosine_similarity(x)
times = []
for _ in range(repeat):
    t0 = time.perf_counter()
    cosine_similarity(x)
    times.append(time.perf_counter() - t0)
print(statistics.median(times))
"""


def _machine_default_peer(n: int, k: int, repeat: int) -> float | None:
    """sklearn's cosine_similarity timed in a child process with this
    machine's own OpenBLAS settings (the ones the benchmark drops): at
    N = 30,000 it crashes with the faster kernels, so this is the
    cosine_similarity a user of this machine gets. Median seconds, or None
    when the machine sets nothing or the child fails."""
    import subprocess

    kept = {
        k_[len(_KEPT_PREFIX) :]: v for k_, v in os.environ.items() if k_.startswith(_KEPT_PREFIX)
    }
    if not kept:
        return None
    env = {**os.environ, **kept}
    proc = subprocess.run(
        [sys.executable, "-c", _MACHINE_PEER, str(n), str(k), str(repeat)],
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        print(f"  (machine-default sklearn failed: exit {proc.returncode})", flush=True)
        return None
    return float(proc.stdout.strip().splitlines()[-1])


def _blas() -> str:
    try:
        import threadpoolctl
    except ImportError:
        return "unknown (threadpoolctl not installed)"
    import numpy  # noqa: F401  (loads BLAS)

    infos = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    return (
        "; ".join(
            f"{i['internal_api']} {i.get('version')} {i.get('architecture')} "
            f"threads={i['num_threads']}"
            for i in infos
        )
        or "unknown"
    )


def _every_path(argv: list[str]) -> int:
    """The benchmark again in a child process per kernel path this CPU
    has (the path is chosen once per process), fastest first."""
    import subprocess

    import skillsmap as sm

    rest = [a for a in argv if a != "--every-path"]
    status = 0
    for path in sm._core.simd_paths_available():
        print(f"=== SKILLSMAP_SIMD={path}", flush=True)
        env = {**os.environ, "SKILLSMAP_SIMD": path}
        status |= subprocess.run([sys.executable, __file__, *rest], env=env).returncode
    return status


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--case", action="append", choices=sorted(CASES), help="case(s) to run")
    ap.add_argument("--repeat", type=int, default=7, help="timed rounds per case")
    ap.add_argument(
        "--every-path",
        action="store_true",
        help="run the cases once per kernel path this CPU has (SKILLSMAP_SIMD set for each)",
    )
    args = ap.parse_args(argv)
    if args.every_path:
        return _every_path(sys.argv[1:] if argv is None else argv)
    if any(k in os.environ for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")):
        # Start again, once, without them: they must be unset before numpy loads.
        os.execve(sys.executable, [sys.executable, __file__, *sys.argv[1:]], _peer_env())
    cases = args.case or [c for c in CASES if c not in OPT_IN]
    print(f"numpy BLAS: {_blas()}")
    import skillsmap as sm

    print(f"skillsmap kernel path: {sm.simd_path()} (SKILLSMAP_SIMD forces one)")
    print(f"one process; {args.repeat} timed calls per implementation (median reported)")
    print(f"{'case':<16} {'implementation':<26} {'median':>10} {'ours/peer':>10} {'peak MiB':>9}")
    for case in cases:
        impls = CASES[case][0]()
        if case in SINGLE_SHOT:
            results = {}
            for name, fn in impls.items():
                t0 = time.perf_counter()
                peak = _peak_above_now(fn)
                elapsed = time.perf_counter() - t0
                results[name] = {"median": elapsed, "min": elapsed, "peak_mib": peak}
        else:
            results = _measure(impls, args.repeat)
        del impls
        gc.collect()
        if case == "gemm":
            for impl, r in results.items():
                rate = 2 * 4096**3 / r["median"] / 1e9
                print(f"{case:<16} {impl:<26} {r['median'] * 1e3:>8.1f}ms {rate:>7.1f} GFLOP/s")
            continue
        ours = results["skillsmap"]["median"]
        ours32 = results.get("skillsmap float32", {}).get("median")
        for impl, r in results.items():
            ratio = "" if impl.startswith("skillsmap") else f"{ours / r['median']:.3f}"
            also = (
                f"  float32: {ours32 / r['median']:.3f}"
                if ours32 is not None and not impl.startswith("skillsmap")
                else ""
            )
            print(
                f"{case:<16} {impl:<26} {r['median'] * 1e3:>8.1f}ms {ratio:>10} "
                f"{r['peak_mib']:>9.0f}{also}",
                flush=True,
            )
        if case == "cosine-30k-50":
            machine = _machine_default_peer(30_000, 50, args.repeat)
            if machine is not None:
                print(
                    f"{case:<16} {'sklearn, machine defaults':<26} {machine * 1e3:>8.1f}ms "
                    f"{ours / machine:>10.3f} {'-':>9}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
