"""skillsmap.dask on a real LocalCluster (two worker processes): every
result equals the single-process one whatever the partitioning, survives a
worker dying mid-run, and locates a bad row in the whole table."""

from __future__ import annotations

import itertools
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skillsmap as sm

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")

from skillsmap import dask as smd  # noqa: E402

# the helpers below travel to the workers by value: this module is not
# importable there
cloudpickle.register_pickle_by_value(sys.modules[__name__])

COLUMNS: dict[str, Any] = {"importance": "importance", "weight": "weight"}


@pytest.fixture(scope="module")
def client() -> Any:
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=50,
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def answers() -> pd.DataFrame:
    df = sm.demo_survey(240, seed=11).to_frame()
    df["size"] = np.where(df["respondent"].astype(str).str[-1].isin(list("0123")), 10, 250)
    return df


def _from_pieces(pieces: list[pd.DataFrame], marker: str | None = None) -> Any:
    """A dask DataFrame with exactly these partitions (empty ones too);
    with ``marker``, the worker loading partition 1 dies the first time."""
    meta = pieces[0].iloc[:0]
    parts = [
        # keys are tokens of the content: tests share one scheduler
        dask.delayed(_load, pure=True)(p, marker if i == 1 else None)
        for i, p in enumerate(pieces)
    ]
    return dd.from_delayed(parts, meta=meta, verify_meta=False)


def _load(piece: pd.DataFrame, marker: str | None) -> pd.DataFrame:
    if marker is not None and not os.path.exists(marker):
        Path(marker).touch()
        os._exit(1)  # the worker process dies; the scheduler retries the task
    return piece


def _cut(df: pd.DataFrame, cuts: list[int]) -> list[pd.DataFrame]:
    bounds = [0, *cuts, len(df)]
    return [df.iloc[a:b] for a, b in itertools.pairwise(bounds)]


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    a, b = a.copy(), b.copy()
    a.attrs, b.attrs = {}, {}
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12, atol=1e-12)


def _partitionings(df: pd.DataFrame) -> dict[str, list[pd.DataFrame]]:
    n = len(df)
    scattered = df.sample(frac=1.0, random_state=0)
    return {
        "1": [df],
        "2": _cut(df, [n // 2]),
        "7": _cut(df, [n * k // 7 for k in range(1, 7)]),
        # uneven sizes, a respondent split (demo rows come 32 per
        # respondent: 45 cuts the second one) and empty partitions
        "uneven-split-empty": _cut(df, [45, 45, 46, 3000, n, n]),
        # every respondent's answers scattered over five partitions
        "scattered": _cut(scattered, [n // 5 * k for k in range(1, 5)]),
    }


def test_workers_import_this_skillsmap(client: Any) -> None:
    files = client.run(lambda: __import__("skillsmap").__file__)
    assert set(files.values()) == {sm.__file__}


@pytest.mark.parametrize("name", ["1", "2", "7", "uneven-split-empty", "scattered"])
def test_gaps_equal_single_process_whatever_the_partitioning(
    client: Any, answers: pd.DataFrame, name: str
) -> None:
    pieces = _partitionings(answers)[name]
    whole = pd.concat(pieces)
    survey = sm.Survey.from_frame(whole, attributes=["size"], **COLUMNS)
    ddf = _from_pieces(pieces)
    for by in ("region", ["region", "stakeholder_type"], "size"):
        _same(smd.gaps(ddf, by=by, **COLUMNS), survey.gaps(by=by))
    if name != "scattered":
        return
    # pooled, unweighted, suppression, the other Ī
    _same(smd.gaps(ddf, **COLUMNS), survey.gaps())
    _same(
        smd.gaps(ddf, by="stakeholder_type", weights=False, min_n=12, **COLUMNS),
        survey.gaps(by="stakeholder_type", weights=False, min_n=12),
    )
    _same(
        smd.gaps(ddf, by="region", importance_mean="all", **COLUMNS),
        survey.gaps(by="region", importance_mean="all"),
    )


def test_gaps_at_area_level_and_without_required(client: Any, answers: pd.DataFrame) -> None:
    pieces = _partitionings(answers)["scattered"]
    whole = pd.concat(pieces)
    ddf = _from_pieces(pieces)
    survey = sm.Survey.from_frame(whole, **COLUMNS)
    _same(
        smd.gaps(ddf, by="region", level="area", **COLUMNS), survey.gaps(by="region", level="area")
    )
    only = {"required": None, "importance": "importance"}
    _same(
        smd.gaps(ddf.drop(columns=["required"]), by="region", **only),
        sm.Survey.from_frame(whole.drop(columns=["required"]), **only).gaps(by="region"),
    )


def test_suppression_and_ranks_match(client: Any, answers: pd.DataFrame) -> None:
    # small groups: some cells suppressed, ranks among the rest
    ddf = _from_pieces(_partitionings(answers)["7"])
    g = smd.gaps(ddf, by=["region", "stakeholder_type"], min_n=6, **COLUMNS)
    ref = sm.Survey.from_frame(answers, **COLUMNS).gaps(by=["region", "stakeholder_type"], min_n=6)
    assert g["suppressed"].any() and not g["suppressed"].all()
    assert (g["rank"].fillna(0) == ref["rank"].fillna(0)).all()
    assert (g["n_missing"] == ref["n_missing"]).all()


def test_a_worker_dying_mid_run_gives_the_same_result(
    client: Any, answers: pd.DataFrame, tmp_path: Path
) -> None:
    marker = tmp_path / "died-once"
    pieces = _partitionings(answers)["7"]
    g = smd.gaps(_from_pieces(pieces, marker=str(marker)), by="region", **COLUMNS)
    assert marker.exists()  # the first attempt did die
    _same(g, sm.Survey.from_frame(answers, **COLUMNS).gaps(by="region"))


def test_a_bad_row_is_reported_with_its_row_in_the_whole_table(
    client: Any, answers: pd.DataFrame
) -> None:
    bad = answers.copy()
    bad.loc[bad.index[4000], "current"] = 9.0
    ddf = _from_pieces(_cut(bad, [1000, 2500, 3900, 5000]))
    with pytest.raises(sm.ValidationError) as err:
        smd.gaps(ddf, by="region", **COLUMNS)
    issues = err.value.issues
    assert issues["row"].tolist() == [4000]
    assert issues["column"].tolist() == ["current"]
    # the same issue as the single-process path
    with pytest.raises(sm.ValidationError) as whole:
        sm.Survey.from_frame(bad, **COLUMNS)
    pd.testing.assert_frame_equal(issues, whole.value.issues)


def test_text_cells_and_core_issues_of_a_partition_are_reported_as_from_frame_does(
    client: Any, answers: pd.DataFrame
) -> None:
    # a cell Python finds (text in a number column) and one the core finds
    # (off the scale), in one partition, each reported once
    bad = answers.astype({"current": object})
    bad.loc[bad.index[2600], "current"] = "lots"
    bad.loc[bad.index[3000], "current"] = 9.0
    ddf = _from_pieces(_cut(bad, [1000, 2500, 3900, 5000]))
    with pytest.raises(sm.ValidationError) as err:
        smd.gaps(ddf, by="region", **COLUMNS)
    with pytest.raises(sm.ValidationError) as whole:
        sm.Survey.from_frame(bad, **COLUMNS)
    assert err.value.issues["row"].tolist() == [2600, 3000]
    pd.testing.assert_frame_equal(err.value.issues, whole.value.issues)


def test_only_the_columns_from_frame_reads_reach_the_tasks(
    client: Any, answers: pd.DataFrame, tmp_path: Path
) -> None:
    """Columns the survey does not use are projected away before the
    partitions are read (a Parquet reader then skips them), and a column
    that is not there is still reported missing."""
    extra = answers.assign(notes="free text", score=1.5)
    extra.to_parquet(tmp_path / "a.parquet")
    ddf = dd.read_parquet(str(tmp_path / "a.parquet"))
    cols = smd._columns(dict(COLUMNS), ["region"])
    assert list(smd._project(ddf, cols).columns) == [
        "respondent",
        "region",
        "stakeholder_type",
        "competence",
        "current",
        "required",
        "importance",
        "weight",
    ]
    got = smd.gaps(ddf, by="region", **COLUMNS)
    ref = sm.Survey.from_frame(answers, **COLUMNS).gaps(by="region")
    np.testing.assert_array_equal(got["n"], ref["n"])
    np.testing.assert_allclose(got["mwds"], ref["mwds"], rtol=1e-12, atol=1e-12)
    with pytest.raises(sm.ValidationError) as err:
        smd.gaps(ddf.drop(columns="current"), by="region", **COLUMNS)
    assert err.value.issues["column"].tolist() == ["current"]
    assert err.value.issues["code"].tolist() == ["missing_column"]


def _write_parquet(df: pd.DataFrame, folder: Path, cuts: list[int], row_group: int) -> None:
    """Files holding df cut at ``cuts``, with row groups of ``row_group``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    bounds = [0, *cuts, len(df)]
    for i, (lo, hi) in enumerate(itertools.pairwise(bounds)):
        table = pa.Table.from_pandas(df.iloc[lo:hi], preserve_index=False)
        pq.write_table(table, folder / f"part-{i:02d}.parquet", row_group_size=row_group)


def test_read_parquet_keys_as_categoricals_give_the_same_table(
    client: Any, answers: pd.DataFrame, tmp_path: Path
) -> None:
    _write_parquet(answers, tmp_path / "d", [1000, 1001, 4000], row_group=300)
    ddf = smd.read_parquet(tmp_path / "d", rows_per_partition=700)
    # row groups of 300 joined up to 700 rows, never across files: files of
    # 1000 (600 + 400), 1, 2999 (5 × ≤ 600) and 3680 rows (5 × 600 + 680)
    assert ddf.npartitions == 2 + 1 + 5 + 6
    sizes = ddf.map_partitions(len).compute().tolist()
    assert sizes[:3] == [600, 400, 1] and sizes[-1] == 680 and sum(sizes) == len(answers)
    for key in ("region", "stakeholder_type", "competence"):
        assert isinstance(ddf.dtypes[key], pd.CategoricalDtype)
    got = smd.gaps(ddf, by=["region", "size"], **COLUMNS)
    ref = sm.Survey.from_frame(answers, **COLUMNS, attributes=["size"]).gaps(by=["region", "size"])
    pd.testing.assert_frame_equal(
        got.drop(columns=["mwds", "mean_gap"]), ref.drop(columns=["mwds", "mean_gap"])
    )
    np.testing.assert_allclose(got["mwds"], ref["mwds"], rtol=1e-12, atol=1e-12)
    # rows are numbered in the table the files make, in their order
    bad = answers.copy()
    bad.loc[bad.index[3001], "competence"] = "no such competence"
    _write_parquet(bad, tmp_path / "bad", [1000, 2500], row_group=400)
    issues = smd.validate(smd.read_parquet(tmp_path / "bad"), **COLUMNS)
    with pytest.raises(sm.ValidationError) as whole:
        sm.Survey.from_frame(bad, **COLUMNS)
    pd.testing.assert_frame_equal(issues, whole.value.issues)


def test_read_parquet_options_and_errors(answers: pd.DataFrame, tmp_path: Path) -> None:
    _write_parquet(answers.iloc[:640], tmp_path, [320], row_group=1000)
    files = sorted(tmp_path.glob("*.parquet"))
    # a list keeps its order; a glob is sorted
    assert smd.read_parquet([files[1], files[0]]).npartitions == 2
    assert smd.read_parquet(str(tmp_path / "part-*.parquet")).npartitions == 2
    plain = smd.read_parquet(tmp_path, ["respondent", "region"], keys=[])
    assert list(plain.columns) == ["respondent", "region"]
    assert not isinstance(plain.dtypes["region"], pd.CategoricalDtype)
    first = plain.partitions[0].compute(scheduler="synchronous")
    assert first["region"].tolist() == answers["region"].iloc[:320].tolist()
    with pytest.raises(FileNotFoundError, match="no Parquet file"):
        smd.read_parquet(tmp_path / "nothing.parquet")
    with pytest.raises(FileNotFoundError, match="no Parquet files"):
        smd.read_parquet(tmp_path / "*.csv")
    with pytest.raises(sm.ConfigurationError, match="'colour'"):
        smd.read_parquet(tmp_path, ["respondent", "colour"])
    # a later file without a column of the first
    answers.iloc[640:700].drop(columns="weight").to_parquet(tmp_path / "part-09.parquet")
    ddf = smd.read_parquet(tmp_path)
    with pytest.raises(sm.FormatError, match=r"part-09\.parquet: no column 'weight'"):
        ddf.compute(scheduler="synchronous")


def test_the_examples_of_gap_partial_run() -> None:
    """GapPartial is documented in the Rust binding, which the module
    doctests do not collect: its examples are run here."""
    import doctest

    finder = doctest.DocTestFinder()
    tests = [t for t in finder.find(smd.GapPartial, "GapPartial", module=False) if t.examples]
    assert len(tests) >= 7
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for t in tests:
        runner.run(t)
    assert runner.failures == 0


def test_partials_pickle_and_refuse_to_mix(answers: pd.DataFrame) -> None:
    survey = sm.Survey.from_frame(answers.iloc[:500], **COLUMNS)
    p = smd.GapPartial.from_survey(
        survey._inner,
        ["region"],
        level="competence",
        weights=True,
        borich="importance",
        partition=0,
    )
    q = pickle.loads(pickle.dumps(p))
    opts = {"level": "competence", "weights": True, "min_n": 1, "importance_mean": "complete"}
    a, b = p.finish(borich="importance", **opts), q.finish(borich="importance", **opts)
    assert np.array_equal(a["mwds"], b["mwds"], equal_nan=True)
    assert "GapPartial(" in repr(p)
    other = smd.GapPartial.from_survey(
        survey._inner, [], level="competence", weights=True, borich="importance", partition=0
    )
    with pytest.raises(sm.ConfigurationError):
        p.merge(other)
    with pytest.raises(sm.FormatError):
        smd.GapPartial.from_bytes(p.to_bytes()[:-3])


def test_import_skillsmap_does_not_import_dask() -> None:
    code = "import sys, skillsmap; print('dask' in sys.modules, 'distributed' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def _simulated(seed: int, n: int = 150) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    comps = sm.frameworks.load("se-core").competences["id"].tolist()[:2]
    rows = [
        {
            "respondent": f"r{r}",
            "region": "ES22",
            "stakeholder_type": "cooperative",
            "competence": c,
            # E[required − current] = 3.5 − 2.5 = 1
            "required": float(rng.integers(2, 6)),
            "current": float(rng.integers(1, 5)),
        }
        for r in range(n)
        for c in comps
    ]
    return pd.DataFrame(rows)


def test_poisson_bootstrap_is_reproducible_across_partitionings(answers: pd.DataFrame) -> None:
    with dask.config.set(scheduler="synchronous"):
        runs = [
            smd.gaps(_from_pieces(p), by="region", ci=0.9, n_boot=200, seed=5, **COLUMNS)
            for p in (_partitionings(answers)["1"], _partitionings(answers)["scattered"])
        ]
    _same(runs[0], runs[1])
    cols = ["mean_gap_lo", "mean_gap_hi", "mwds_lo", "mwds_hi", "p_top_k"]
    assert runs[0][cols].notna().all().all()
    lo, hi = runs[0]["mean_gap_lo"], runs[0]["mean_gap_hi"]
    assert (lo <= runs[0]["mean_gap"]).all() and (runs[0]["mean_gap"] <= hi).all()
    assert sm.Provenance.of(runs[0]).seed == 5


def test_poisson_bootstrap_covers_the_true_mean_gap() -> None:
    # 90% intervals of a mean gap whose true value is 1: the share of
    # simulated surveys whose interval covers it is near 0.9
    hits = []
    with dask.config.set(scheduler="synchronous"):
        for s in range(50):
            df = _simulated(s)
            g = smd.gaps(
                dd.from_pandas(df, npartitions=3),
                ci=0.9,
                n_boot=200,
                seed=s,
                min_n=1,
                regions=None,
            )
            g = g[g["n"] > 0]  # the two competences answered
            assert len(g) == 2
            hits.append(((g["mean_gap_lo"] <= 1.0) & (1.0 <= g["mean_gap_hi"])).to_numpy())
    coverage = np.mean(hits)
    assert 0.8 <= coverage <= 0.97, coverage


def _whole_issues(df: pd.DataFrame, **columns: Any) -> pd.DataFrame:
    with pytest.raises(sm.ValidationError) as err:
        sm.Survey.from_frame(df, **columns)
    return err.value.issues


def test_validate_finds_the_issues_of_the_whole_table(client: Any, answers: pd.DataFrame) -> None:
    assert smd.validate(_from_pieces(_partitionings(answers)["scattered"]), **COLUMNS).empty
    bad = answers.copy()
    bad.loc[bad.index[4000], "current"] = 9.0  # a partition's own issue
    # respondent 2 (rows 32–63) is split by the cut at 45: a second region
    # after the cut, and an answer repeated in another partition
    bad.loc[bad.index[50:64], "region"] = "ITH5" if bad.loc[32, "region"] != "ITH5" else "FRI"
    dup = bad.iloc[[40]].copy()
    bad = pd.concat([bad.iloc[:5000], dup, bad.iloc[5000:]], ignore_index=True)
    pieces = _cut(bad, [45, 45, 3000, 5001])
    issues = smd.validate(_from_pieces(pieces), **COLUMNS)
    pd.testing.assert_frame_equal(issues, _whole_issues(bad, **COLUMNS))
    assert set(issues["code"]) == {"out_of_scale", "inconsistent_respondent", "duplicate_answer"}


def test_top_k_over_row_blocks_equals_the_whole_matrix(client: Any) -> None:
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(3)
    x = rng.random((53, 12))
    x[rng.random(x.shape) < 0.1] = np.nan
    for metric in ("cosine", "pearson", "euclidean"):
        got = smd.top_k(da.from_array(x, chunks=(10, 5)), k=4, metric=metric)
        pd.testing.assert_frame_equal(got, sm.top_k(x, k=4, metric=metric), rtol=1e-12)
    frame = pd.DataFrame(x, index=[f"e{i}" for i in range(53)])
    ddf = dd.from_pandas(frame, npartitions=4)  # sorts the index
    got = smd.top_k(ddf, k=3)
    pd.testing.assert_frame_equal(got, sm.top_k(ddf.compute(), k=3), rtol=1e-12)


def test_relatedness_of_counts_summed_across_partitions(client: Any) -> None:
    rng = np.random.default_rng(8)
    ads = pd.DataFrame(
        {
            "occupation": rng.choice([f"o{i}" for i in range(9)], 4000),
            "skill": rng.choice([f"s{i}" for i in range(25)], 4000),
        }
    )
    ddf = dd.from_pandas(ads, npartitions=6)
    m = pd.crosstab(ads["occupation"], ads["skill"]).astype(float)
    m.index.name, m.columns.name = "occupation", "skill"
    opts = {"entity": "occupation", "item": "skill"}
    # labels equal; dask stores them as Arrow strings
    same = {"check_index_type": False, "check_column_type": False}
    pd.testing.assert_frame_equal(smd.entity_item_matrix(ddf, **opts), m, **same)
    pd.testing.assert_frame_equal(smd.rca(ddf, **opts), sm.rca(m), **same)
    pd.testing.assert_frame_equal(smd.proximity(ddf, **opts), sm.proximity(m), **same)
    pd.testing.assert_frame_equal(smd.density(ddf, **opts), sm.density(m), **same)
