"""Polars and Arrow out: sm.set_output / output_context, the plot helpers
taking polars tables, and Survey.__arrow_c_stream__."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
import skillsmap as sm


@pytest.fixture(scope="module")
def survey() -> sm.Survey:
    return sm.demo_survey(80, seed=2)


@pytest.fixture(autouse=True)
def _pandas_after():
    yield
    sm.set_output("pandas")


def same(pl_frame: pl.DataFrame, pd_frame: pd.DataFrame) -> None:
    back = pl_frame.to_pandas()
    want = pd_frame.reset_index() if not isinstance(pd_frame.index, pd.RangeIndex) else pd_frame
    assert back.columns.tolist() == [str(c) for c in want.columns]
    for c, w in zip(back.columns, want.columns, strict=True):
        a, b = back[c].to_numpy(), want[w].to_numpy()
        if np.issubdtype(np.asarray(b).dtype, np.number):
            np.testing.assert_array_equal(np.asarray(a, float), np.asarray(b, float))
        else:
            assert [str(x) for x in a] == [str(x) for x in b]


CALLS = {
    "gaps": lambda s: s.gaps(),
    "gaps by region": lambda s: s.gaps(by="region"),
    "profiles": lambda s: s.profiles(by="region"),
    "priorities": lambda s: s.priorities(by="region"),
    "paired_test": lambda s: s.paired_test(),
    "learning_matches": lambda s: s.learning_matches(),
    "respondents": lambda s: s.respondents,
    "to_frame": lambda s: s.to_frame(),
    "similarity": lambda s: sm.similarity(s.profiles(by="region")),
    "top_k": lambda s: sm.top_k(s.profiles(by="region"), 2),
    "rca": lambda s: sm.rca(
        pd.DataFrame(
            np.arange(1.0, 13.0).reshape(3, 4), index=["a", "b", "c"], columns=list("wxyz")
        )
    ),
    "map nodes": lambda s: s.skills_map().nodes,
    "reliability": lambda s: s.reliability(),
    "compare": lambda s: s.compare(),
    "posthoc": lambda s: s.posthoc(competence="se.found.principles"),
    "centrality": lambda s: s.cogap_network(1.0).centrality(),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_polars_output_holds_the_pandas_values(survey, name):
    want = CALLS[name](survey)
    assert isinstance(want, pd.DataFrame)
    sm.set_output("polars")
    got = CALLS[name](survey)
    assert isinstance(got, pl.DataFrame)
    same(got, want)


def test_the_context_restores_and_is_checked(survey):
    with sm.output_context("polars"):
        assert sm.get_output() == "polars"
        assert isinstance(survey.gaps(), pl.DataFrame)
    assert sm.get_output() == "pandas"
    assert isinstance(survey.gaps(), pd.DataFrame)
    with pytest.raises(sm.ConfigurationError, match="output"):
        sm.set_output("arrow")
    with pytest.raises(sm.ConfigurationError, match="output"), sm.output_context("spark"):
        pass


def test_numpy_results_stay_numpy():
    sm.set_output("polars")
    x = np.random.default_rng(0).random((5, 3))
    assert isinstance(sm.similarity(x), np.ndarray)


def test_pickle_and_the_report_work_in_polars_mode(survey, tmp_path):
    sm.set_output("polars")
    assert pickle.loads(pickle.dumps(survey)) == survey
    assert survey._repr_html_().startswith("<p><b>Synthetic")
    small = sm.demo_survey(40, seed=1)
    r = sm.report(small, tmp_path / "r", progress=False, n_boot=50)
    assert r.index.exists()


def test_plot_helpers_take_polars_tables(survey):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def pixels(ax):
        fig = ax.figure
        fig.canvas.draw()
        data = np.asarray(fig.canvas.buffer_rgba()).copy()
        plt.close(fig)
        return data

    profiles = survey.profiles(by="region")
    gaps = survey.gaps()
    sim = sm.similarity(profiles)
    with sm.output_context("polars"):
        p_profiles, p_gaps, p_sim = (
            survey.profiles(by="region"),
            survey.gaps(),
            sm.similarity(profiles),
        )
    assert isinstance(p_sim, pl.DataFrame)
    pairs = [
        (sm.plot.gap_heatmap, profiles, p_profiles),
        (sm.plot.borich_bars, gaps, p_gaps),
        (sm.plot.similarity_clustermap, sim, p_sim),
    ]
    for helper, pandas_table, polars_table in pairs:
        np.testing.assert_array_equal(pixels(helper(pandas_table)), pixels(helper(polars_table)))
    with pytest.raises(sm.ConfigurationError, match="pandas or polars"):
        sm.plot.borich_bars([1, 2, 3])


def test_a_survey_is_an_arrow_stream(survey):
    want = survey.to_frame()
    table = pa.table(survey)
    assert table.num_rows == len(want)
    assert table.column_names == want.columns.tolist()
    frame = pl.DataFrame(survey)
    np.testing.assert_array_equal(frame["current"].to_numpy(), want["current"].to_numpy())
    assert frame["respondent"].to_list() == [str(r) for r in want["respondent"]]
