"""RCA, proximity and density against the ecomplexity package and a
direct numpy implementation of the formulas."""

import warnings

import numpy as np
import pandas as pd
import pytest
import skillsmap as sm

TOL = 1e-10


def random_matrix(seed, n_c=40, n_p=25, zeros=0.3):
    rng = np.random.default_rng(seed)
    x = rng.gamma(1.0, 10.0, size=(n_c, n_p))
    x[rng.random(x.shape) < zeros] = 0.0
    return pd.DataFrame(
        x, index=[f"c{i}" for i in range(n_c)], columns=[f"p{j}" for j in range(n_p)]
    )


def numpy_reference(x, threshold):
    v = x.to_numpy()
    rca = (v / v.sum(1, keepdims=True)) / (v.sum(0, keepdims=True) / v.sum())
    m = (np.nan_to_num(rca) >= threshold).astype(float)
    k = m.sum(0)
    co = m.T @ m
    phi = co / np.maximum(k[:, None], k[None, :])
    omega = m @ phi.T / phi.sum(1)[None, :]
    return rca, phi, omega


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("threshold", [1.0, 0.8])
def test_against_numpy_formulas(seed, threshold):
    x = random_matrix(seed)
    rca, phi, omega = numpy_reference(x, threshold)
    np.testing.assert_allclose(sm.rca(x).to_numpy(), rca, atol=TOL)
    np.testing.assert_allclose(sm.proximity(x, threshold).to_numpy(), phi, atol=TOL)
    np.testing.assert_allclose(sm.density(x, threshold).to_numpy(), omega, atol=TOL)


@pytest.mark.parametrize("seed", [0, 3])
def test_against_ecomplexity(seed, capsys):
    from ecomplexity import ecomplexity
    from ecomplexity import proximity as ec_proximity

    x = random_matrix(seed, n_c=30, n_p=20, zeros=0.2)
    long = x.stack().rename("val").reset_index()
    long.columns = ["loc", "prod", "val"]
    long["time"] = 2020
    cols = {"time": "time", "loc": "loc", "prod": "prod", "val": "val"}
    with warnings.catch_warnings():
        # the peer itself uses pandas APIs that pandas 3 deprecates
        warnings.simplefilter("ignore")
        ec = ecomplexity(long, cols, verbose=False)
        prox = ec_proximity(long, cols).set_index(["prod_1", "prod_2"])["proximity"]
    ec = ec.set_index(["loc", "prod"])
    ours_rca = sm.rca(x).stack()
    np.testing.assert_allclose(ours_rca.loc[ec.index].to_numpy(), ec["rca"].to_numpy(), atol=TOL)
    ours_density = sm.density(x).stack()
    np.testing.assert_allclose(
        ours_density.loc[ec.index].to_numpy(), ec["density"].to_numpy(), atol=TOL
    )
    ours_prox = sm.proximity(x).stack()
    np.testing.assert_allclose(ours_prox.loc[prox.index].to_numpy(), prox.to_numpy(), atol=TOL)
    capsys.readouterr()  # ecomplexity prints progress


def test_labels_shapes_and_properties():
    x = random_matrix(5)
    phi = sm.proximity(x)
    assert list(phi.index) == list(x.columns) == list(phi.columns)
    np.testing.assert_array_equal(phi.to_numpy(), phi.to_numpy().T)
    assert ((phi.to_numpy() >= 0) & (phi.to_numpy() <= 1)).all()
    om = sm.density(x)
    assert om.shape == x.shape and ((om.to_numpy() >= 0) & (om.to_numpy() <= 1 + 1e-12)).all()
    perm = np.random.default_rng(0).permutation(x.shape[1])
    np.testing.assert_allclose(
        sm.proximity(x.iloc[:, perm]).to_numpy(), phi.to_numpy()[np.ix_(perm, perm)]
    )


def test_bad_values_are_located():
    x = pd.DataFrame([[1.0, 2.0], [3.0, -1.0]])
    with pytest.raises(sm.ValidationError, match="input matrix") as info:
        sm.rca(x)
    issue = info.value.issues.iloc[0]
    assert (issue["row"], issue["column"], issue["code"]) == (1, "1", "negative_value")
    with pytest.raises(sm.ValidationError) as info:
        sm.proximity(np.array([[np.nan, 1.0]]))
    assert info.value.issues["code"].tolist() == ["not_finite"]


def test_zero_totals_give_nan_not_errors():
    x = pd.DataFrame([[0.0, 0.0], [1.0, 0.0]])
    r = sm.rca(x)
    assert np.isnan(r.iloc[0, 0]) and np.isnan(r.iloc[1, 1])
    phi = sm.proximity(x)
    assert np.isnan(phi.iloc[1, 1])


def _interrupt_at_first_report(call):
    """Calls ``call(progress)`` with a Ctrl-C sent from the core's first
    progress report (the work is then under way); the seconds from the
    signal to the KeyboardInterrupt."""
    import _thread
    import time

    sent: list[float] = []

    def on_progress(n, total):
        if not sent:
            sent.append(time.perf_counter())
            _thread.interrupt_main()

    with pytest.raises(KeyboardInterrupt):
        call(on_progress)
    return time.perf_counter() - sent[0]


@pytest.mark.parametrize("kernel", ["proximity", "density"])
def test_proximity_and_density_stop_within_half_a_second_of_ctrl_c(kernel):
    """Ctrl-C stops proximity and density within a row (or entity) of work;
    nothing is returned, and the next call gives the full result."""
    rng = np.random.default_rng(0)
    x = rng.random((4_000, 5_000)) * (rng.random((4_000, 5_000)) < 0.3)
    fn = getattr(sm._core, kernel)
    late = _interrupt_at_first_report(lambda cb: fn(x, threshold=1.0, progress=cb))
    assert late < 0.5, f"KeyboardInterrupt {late:.2f} s after Ctrl-C"
    small = x[:300, :200]
    np.testing.assert_array_equal(
        fn(small, threshold=1.0), getattr(sm, kernel)(small, progress=False)
    )


def test_a_proximity_beyond_memory_is_a_memory_error_before_any_work():
    """An item × item result that cannot be allocated raises MemoryError
    naming its size, before the RCA is computed: 5,000,000 items need
    200 TB, beyond any address space."""
    import time

    x = np.ones((2, 5_000_000))
    t0 = time.perf_counter()
    for fn in (sm._core.proximity, sm._core.density):
        with pytest.raises(MemoryError, match=r"proximity matrix needs \d+ bytes"):
            fn(x, threshold=1.0)
    assert time.perf_counter() - t0 < 5


def test_progress_bar_of_proximity_and_density(capsys):
    pytest.importorskip("tqdm")
    x = np.random.default_rng(3).random((60, 40))
    assert sm.proximity(x, progress=True).shape == (40, 40)
    assert sm.density(x, progress=True).shape == (60, 40)
    err = capsys.readouterr().err
    assert "proximity" in err and "density" in err
