"""Similarity and distance against sklearn, scipy and pandas, and their
properties: symmetry, self-similarity, bounds, permutation equivariance,
top-k equal to the top of the full matrix."""

import numpy as np
import pandas as pd
import pytest
import skillsmap as sm
from scipy.spatial.distance import cdist
from scipy.stats import spearmanr
from sklearn.metrics.pairwise import cosine_similarity, euclidean_distances, manhattan_distances

TOL = 1e-10


@pytest.fixture(params=[0, 1, 2])
def X(request):
    rng = np.random.default_rng(request.param)
    return rng.normal(size=(300 + 37 * request.param, 17))


@pytest.fixture
def Xnan(X):
    rng = np.random.default_rng(9)
    out = X.copy()
    out[rng.random(X.shape) < 0.2] = np.nan
    return out


def test_dense_metrics_match_sklearn_and_scipy(X):
    np.testing.assert_allclose(sm.similarity(X, "cosine"), cosine_similarity(X), atol=TOL)
    np.testing.assert_allclose(sm.distance(X, "euclidean"), euclidean_distances(X), atol=TOL)
    np.testing.assert_allclose(sm.distance(X, "manhattan"), manhattan_distances(X), atol=TOL)
    np.testing.assert_allclose(sm.distance(X, "cosine"), cdist(X, X, "cosine"), atol=TOL)
    np.testing.assert_allclose(sm.distance(X, "pearson"), cdist(X, X, "correlation"), atol=TOL)
    np.testing.assert_allclose(sm.similarity(X, "pearson"), np.corrcoef(X), atol=TOL)
    rho = spearmanr(X, axis=1).statistic
    np.testing.assert_allclose(sm.similarity(X, "spearman"), rho, atol=TOL)
    b = X >= 0.3
    np.testing.assert_allclose(
        sm.distance(X, "jaccard", threshold=0.3), cdist(b, b, "jaccard"), atol=TOL
    )


def test_distance_to_similarity_transforms(X):
    d = sm.distance(X, "euclidean")
    np.testing.assert_allclose(sm.similarity(X, "euclidean"), 1 / (1 + d), atol=TOL)
    d = sm.distance(X, "manhattan")
    np.testing.assert_allclose(sm.similarity(X, "manhattan"), 1 / (1 + d), atol=TOL)


@pytest.mark.parametrize("method", ["pearson", "spearman"])
@pytest.mark.parametrize("min_overlap", [1, 5, 12])
def test_pairwise_complete_matches_pandas_corr(Xnan, method, min_overlap):
    ref = pd.DataFrame(Xnan.T).corr(method=method, min_periods=min_overlap).to_numpy()
    ours = sm.similarity(Xnan, method, min_overlap=min_overlap)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    np.testing.assert_allclose(ours, ref, atol=TOL, equal_nan=True)


def test_pairwise_complete_cosine_and_distances_use_co_answered_columns(Xnan):
    n = Xnan.shape[0]
    rng = np.random.default_rng(3)
    for _ in range(40):
        i, j = rng.integers(0, n, 2)
        both = ~np.isnan(Xnan[i]) & ~np.isnan(Xnan[j])
        a, b = Xnan[i, both], Xnan[j, both]
        cos = a @ b / np.sqrt((a @ a) * (b @ b))
        assert sm.similarity(Xnan, "cosine")[i, j] == pytest.approx(cos, abs=TOL)
        assert sm.distance(Xnan, "euclidean")[i, j] == pytest.approx(
            np.sqrt(((a - b) ** 2).sum()), abs=TOL
        )
        assert sm.distance(Xnan, "manhattan")[i, j] == pytest.approx(np.abs(a - b).sum(), abs=TOL)


def test_min_overlap_and_no_pairwise_mode(Xnan):
    s = sm.similarity(Xnan, "cosine", min_overlap=18)  # more than the columns
    assert np.isnan(s).all()
    strict = sm.similarity(Xnan, "cosine", pairwise_complete=False)
    rows_with_nan = np.isnan(Xnan).any(axis=1)
    assert np.isnan(strict[rows_with_nan]).all()


@pytest.mark.parametrize("metric", ["cosine", "pearson", "spearman", "euclidean", "manhattan"])
def test_symmetry_bounds_self_and_permutation(X, metric):
    s = sm.similarity(X, metric)
    np.testing.assert_array_equal(s, s.T)
    np.testing.assert_allclose(np.diag(s), 1.0)
    lo = -1.0 if metric in {"cosine", "pearson", "spearman"} else 0.0
    assert (s >= lo - 1e-12).all() and (s <= 1 + 1e-12).all()
    perm = np.random.default_rng(1).permutation(X.shape[0])
    np.testing.assert_allclose(sm.similarity(X[perm], metric), s[np.ix_(perm, perm)], atol=TOL)


@pytest.mark.parametrize("metric", ["cosine", "pearson", "euclidean", "manhattan"])
@pytest.mark.parametrize("with_nan", [False, True])
def test_top_k_is_the_top_of_the_full_matrix(X, Xnan, metric, with_nan):
    data = Xnan if with_nan else X
    k = 7
    full = sm.similarity(data, metric)
    t = sm.top_k(data, k=k, metric=metric)
    assert (t["source"] != t["target"]).all()
    for src, grp in t.groupby("source"):
        row = full[src].copy()
        row[src] = -np.inf
        best = np.sort(row[~np.isnan(row)])[::-1][:k]
        np.testing.assert_allclose(grp["similarity"].to_numpy(), best, atol=TOL)
        np.testing.assert_allclose(full[src, grp["target"].to_numpy()], grp["similarity"], atol=TOL)
    assert t["source"].is_monotonic_increasing


def test_dataframes_keep_their_labels():
    prof = sm.demo_survey(600, seed=0).profiles(by="region")
    s = sm.similarity(prof, "pearson")
    assert list(s.index) == list(prof.index) == list(s.columns)
    t = sm.top_k(prof, k=1)
    assert set(t["source"]) == set(prof.index)
    assert sm.similarity(prof, "cosine", dtype="float32").dtypes.unique().tolist() == [
        np.dtype("float32")
    ]


def test_parallel_and_serial_paths_agree(X, at_threads):

    code = (
        "import numpy as np, skillsmap as sm, hashlib;"
        "X = np.random.default_rng(5).normal(size=(700, 30));"
        "X[X > 1.5] = np.nan;"
        "a = sm.similarity(X, 'pearson'); b = sm.similarity(np.nan_to_num(X), 'cosine');"
        "c = sm.distance(X, 'euclidean', min_overlap=3);"
        "d = sm.similarity(np.nan_to_num(X), 'pearson', dtype='float32');"
        "W = np.random.default_rng(6).normal(size=(410, 300));"  # columns in two blocks
        "e = sm.similarity(W, 'cosine'); f = sm.distance(W, 'euclidean');"
        "print(hashlib.sha256(b''.join(v.tobytes() for v in (a, b, c, d, e, f))).hexdigest())"
    )
    outs = at_threads(code)
    assert outs[0] == outs[1] and len(outs[0]) > 60


@pytest.mark.parametrize("metric", ["cosine", "pearson", "euclidean", "spearman"])
def test_float32_with_missing_values_is_the_float64_result_rounded(Xnan, metric):
    """The pairwise-complete path computes in float64 whatever the dtype,
    and rounds each value once as it stores it."""
    wide = sm.similarity(Xnan, metric)
    narrow = sm.similarity(Xnan, metric, dtype="float32")
    assert narrow.dtype == np.float32
    np.testing.assert_array_equal(narrow, wide.astype(np.float32))


def _bound(k):
    """The documented bound of float32 cosine and Pearson: 4·K·2⁻²⁴."""
    return 4 * k * 2.0**-24


def _with_constant_row(n, k, seed):
    rng = np.random.default_rng(seed)
    x = rng.random((n, k)) - 0.3
    x[1::5] += 100.0  # offsets far above the spread (Pearson centres them)
    x[3] = 2.5  # constant: no Pearson correlation
    return x


@pytest.mark.parametrize("k", [1, 7, 50, 500, 3000])
@pytest.mark.parametrize("metric", ["cosine", "pearson", "spearman"])
def test_float32_computes_within_its_bound_of_float64(k, metric):
    """dtype="float32" computes in float32 (errors beyond float64's show at
    K ≥ 7) and stays within 4·K·2⁻²⁴ of float64, NaN where it is NaN;
    distances too (1 − s)."""
    x = _with_constant_row(300 if k < 500 else 120, k, k)
    for fn in (sm.similarity, sm.distance):
        wide = fn(x, metric)
        narrow = fn(x, metric, dtype="float32")
        assert narrow.dtype == np.float32
        assert (np.isnan(narrow) == np.isnan(wide)).all()
        err = np.nan_to_num(np.abs(narrow.astype(np.float64) - wide))
        assert err.max() <= _bound(k), (fn.__name__, err.max(), _bound(k))
        if k >= 7:
            assert err.max() > 1e-12


def test_float32_euclidean_is_within_its_bound_on_squared_distances(X):
    d64 = sm.distance(X, "euclidean")
    d32 = sm.distance(X, "euclidean", dtype="float32").astype(np.float64)
    centred = X - X.mean(axis=0)
    sq = (centred**2).sum(axis=1)
    tol = 16 * (X.shape[1] + 2) * 2.0**-24 * (sq[:, None] + sq[None, :])
    assert (np.abs(d32**2 - d64**2) <= tol).all()


def test_float32_top_k_has_the_neighbours_of_float64_but_for_ties_within_the_bound():
    x = _with_constant_row(600, 64, 2)
    full = sm.similarity(x, "cosine")
    wide = sm.top_k(x, k=10)
    narrow = sm.top_k(x, k=10, dtype="float32")
    assert narrow["similarity"].dtype == np.float32
    assert (wide["source"] == narrow["source"]).all()
    bound = _bound(64)
    err = np.abs(wide["similarity"].to_numpy() - narrow["similarity"].to_numpy())
    assert err.max() <= bound  # the r-th best of each row
    kth = wide.groupby("source")["similarity"].min()
    for src, grp in narrow.groupby("source"):
        mine = set(wide.loc[wide["source"] == src, "target"])
        for t in set(grp["target"]) - mine:
            assert kth[src] - full[src, t] <= 2 * bound, (src, t)


def test_float32_is_the_same_bits_at_any_thread_count_on_every_path(at_threads):
    """Per kernel path (forced in each child process), float32 similarity
    and top_k give the same bits at 1 and 2 threads."""
    for path in sm._core.simd_paths_available():
        code = (
            f"import os; os.environ['SKILLSMAP_SIMD'] = {path!r};"
            "import numpy as np, skillsmap as sm, hashlib;"
            "X = np.random.default_rng(5).normal(size=(500, 70));"
            "a = sm.similarity(X, 'cosine', dtype='float32');"
            "b = sm.distance(X, 'pearson', dtype='float32');"
            "c = sm.distance(X, 'euclidean', dtype='float32');"
            "t = sm.top_k(X, k=7, dtype='float32');"
            "d = t['similarity'].to_numpy(); e = t['target'].to_numpy();"
            "print(sm.simd_path(),"
            " hashlib.sha256(b''.join(v.tobytes() for v in (a, b, c, d, e))).hexdigest())"
        )
        outs = at_threads(code)
        assert outs[0] == outs[1] and outs[0].startswith(path), (path, outs)


def test_bad_arguments():
    X = np.ones((3, 2))
    with pytest.raises(sm.ConfigurationError, match="threshold"):
        sm.similarity(X, "jaccard")
    with pytest.raises(sm.ConfigurationError, match="metric"):
        sm.similarity(X, "hamming")
    with pytest.raises(sm.ConfigurationError):
        sm.similarity(np.ones(3))
    with pytest.raises(sm.ValidationError, match="not finite") as info:
        sm.similarity(np.array([[1.0, np.inf], [1.0, 2.0]]))
    assert info.value.issues[["row", "column", "code"]].values.tolist() == [[0, "1", "not_finite"]]
    with pytest.raises(sm.ConfigurationError):
        sm.top_k(X, k=0)


@pytest.mark.parametrize("metric", ["cosine", "pearson", "euclidean", "spearman", "manhattan"])
def test_pairwise_results_are_exactly_symmetric(Xnan, metric):
    s = sm.similarity(Xnan, metric)
    np.testing.assert_array_equal(s, s.T)


def test_pairwise_pearson_stays_accurate_with_large_means():
    rng = np.random.default_rng(2)
    x = 1000.0 + rng.normal(size=(200, 30))
    x[rng.random(x.shape) < 0.2] = np.nan
    ref = pd.DataFrame(x.T).corr(min_periods=3).to_numpy()
    np.testing.assert_allclose(sm.similarity(x, "pearson", min_overlap=3), ref, atol=1e-10)


def test_constant_rows_have_no_correlation_and_offsets_cost_no_precision():
    x = np.array([[1, 1, 1, 4, 5, np.nan], [2, 1, 1, np.nan, np.nan, 1]], dtype=float)
    assert np.isnan(sm.similarity(x, "pearson")[0, 1])
    assert np.isnan(pd.DataFrame(x.T).corr().iloc[0, 1])
    const = np.array([[0.1] * 7, [1.0, 2, 3, 4, 5, 6, 7]])
    assert np.isnan(sm.similarity(const, "pearson")[0]).all()
    rng = np.random.default_rng(1)
    far = 1e6 + rng.random((300, 6))
    ref = cdist(far, far)
    got = sm.distance(far, "euclidean")
    assert np.max(np.abs(got - ref)) < 1e-8
    far[0, 0] = np.nan
    got = sm.distance(far, "euclidean")
    both = ~np.isnan(far[0]) & ~np.isnan(far[1])
    assert got[0, 1] == pytest.approx(
        np.sqrt(((far[0, both] - far[1, both]) ** 2).sum()), rel=1e-12
    )


def test_top_k_agrees_with_the_full_matrix_on_likert_data_with_gaps():
    rng = np.random.default_rng(3)
    x = rng.integers(1, 6, size=(120, 10)).astype(float)
    x[rng.random(x.shape) < 0.4] = np.nan
    full = sm.similarity(x, "pearson")
    t = sm.top_k(x, k=3, metric="pearson")
    for src, grp in t.groupby("source"):
        row = full[src].copy()
        row[src] = -np.inf
        best = np.sort(row[~np.isnan(row)])[::-1][:3]
        np.testing.assert_allclose(grp["similarity"].to_numpy(), best, atol=1e-10)


_PATH_SCRIPT = """
import sys, numpy as np, skillsmap as sm
from skillsmap.errors import ConfigurationError
try:
    path = sm.simd_path()
except ConfigurationError as e:
    print("error:", e)
    sys.exit(0)
x = np.random.default_rng(5).normal(size=(250, 19))
x[x > 1.5] = np.nan
np.save(sys.argv[1], sm.similarity(x, "pearson"))
print("path:", path)
"""


def _run_with_path(path, out):
    import os
    import subprocess
    import sys

    env = {**os.environ, "SKILLSMAP_SIMD": path}
    proc = subprocess.run(
        [sys.executable, "-c", _PATH_SCRIPT, str(out)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip()


def test_every_kernel_path_is_selectable_and_agrees(tmp_path):
    """SKILLSMAP_SIMD forces each path the CPU has (each in its own process:
    the path is chosen once); they agree with the default path; a path the
    CPU lacks or an unknown name is an error, not a silent fallback."""
    assert sm.simd_path() in sm._core.simd_paths_available()
    x = np.random.default_rng(5).normal(size=(250, 19))
    x[x > 1.5] = np.nan
    want = sm.similarity(x, "pearson")
    for path in ("avx512", "avx2", "portable"):
        said = _run_with_path(path, tmp_path / f"{path}.npy")
        if path in sm._core.simd_paths_available():
            assert said == f"path: {path}"
            got = np.load(tmp_path / f"{path}.npy")
            np.testing.assert_allclose(got, want, atol=1e-12, equal_nan=True)
        else:
            print(f"skipped: this CPU cannot run the {path} kernels")
            assert said.startswith("error:") and "cannot run" in said, said
    said = _run_with_path("sse9", tmp_path / "bad.npy")
    assert said.startswith("error:") and "unknown" in said, said


def _interrupted_after(delay, call):
    """Runs `call` with a Ctrl-C sent `delay` s in; the seconds from the
    signal to the KeyboardInterrupt."""
    import _thread
    import threading
    import time

    timer = threading.Timer(delay, _thread.interrupt_main)
    start = time.perf_counter()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            call()
    finally:
        timer.cancel()
    return time.perf_counter() - start - delay


def test_top_k_stops_on_ctrl_c():
    """Ctrl-C stops a long top_k (the bound is loose for a shared machine;
    the uninterrupted call takes far longer)."""
    x = np.random.default_rng(0).random((80_000, 64))
    late = _interrupted_after(0.3, lambda: sm.top_k(x, k=10, progress=False))
    assert late < 2.0, f"KeyboardInterrupt {late:.2f} s after Ctrl-C"
    # and the next call runs normally
    assert sm.top_k(x[:50], k=2).shape == (100, 3)


@pytest.mark.parametrize("case", ["dense", "pairwise", "top_k"])
def test_kernels_stop_within_a_tile_of_ctrl_c(case):
    """Ctrl-C sent once the tiles are under way (from the first progress
    report) stops the kernel at the next tile: dense and pairwise-complete
    full matrices and top_k. The result is small (64 MB) and the rows long:
    on a loaded machine the first touch of a large output's huge pages can
    stall a tile for seconds, which no check between tiles can cut short."""
    import _thread
    import time

    rng = np.random.default_rng(0)
    x = rng.random((4_000, 1_500))
    if case == "pairwise":
        x[rng.random(x.shape) < 0.1] = np.nan
    sent: list[float] = []

    def on_progress(n, total):
        if not sent:
            sent.append(time.perf_counter())
            _thread.interrupt_main()

    with pytest.raises(KeyboardInterrupt):
        if case == "top_k":
            sm._core.top_k(x, 5, metric="pearson", progress=on_progress)
        else:
            sm._core.similarity_matrix(x, metric="pearson", dtype="float32", progress=on_progress)
    late = time.perf_counter() - sent[0]
    assert late < 1.0, f"KeyboardInterrupt {late:.2f} s after Ctrl-C"


def test_progress_bar_counts_the_tiles(capsys):
    pytest.importorskip("tqdm")
    x = np.random.default_rng(1).random((700, 30))
    t = sm.top_k(x, k=3, progress=True)
    assert t.shape == (2100, 3)
    s = sm.similarity(x, progress=True)
    assert s.shape == (700, 700)
    err = capsys.readouterr().err
    assert "tile" in err
