"""Hostile inputs, as a new user (or a fuzzer) would try them: each must
raise the exact skillsmap exception, whose message names the culprit, and
never a PanicException, an abort or a silently wrong result.

The inputs that ask for more memory than a machine has run in a child
process under a 4 GiB address-space limit, which must end in MemoryError
and exit cleanly (no signal, no panic)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
import skillsmap as sm


@pytest.fixture(scope="module")
def survey() -> sm.Survey:
    return sm.demo_survey(80, seed=3)


@pytest.fixture(scope="module")
def x() -> np.ndarray:
    return np.random.default_rng(0).random((5, 3))


# -- arguments: (call, exception class, words the message must contain) ---------------------------

ARGUMENTS = [
    ("gaps level", lambda s, x: s.gaps(level="areas"), sm.ConfigurationError, "level"),
    ("gaps level type", lambda s, x: s.gaps(level=3), TypeError, ""),
    ("gaps min_n float", lambda s, x: s.gaps(min_n=1.5), sm.ConfigurationError, "min_n"),
    ("gaps min_n negative", lambda s, x: s.gaps(min_n=-1), sm.ConfigurationError, "min_n"),
    ("gaps min_n bool", lambda s, x: s.gaps(min_n=True), sm.ConfigurationError, "min_n"),
    ("gaps by unknown", lambda s, x: s.gaps(by="nope"), sm.ConfigurationError, "nope"),
    ("gaps by twice", lambda s, x: s.gaps(by=["region", "region"]), sm.ConfigurationError, "twice"),
    ("gaps by number", lambda s, x: s.gaps(by=[1]), TypeError, "by"),
    ("ci text", lambda s, x: s.gaps(ci="95%"), sm.ConfigurationError, "ci"),
    ("ci complex", lambda s, x: s.gaps(ci=0.5j), sm.ConfigurationError, "ci"),
    ("ci one", lambda s, x: s.gaps(ci=1.0, n_boot=10), sm.ConfigurationError, "ci"),
    ("ci nan", lambda s, x: s.gaps(ci=float("nan"), n_boot=10), sm.ConfigurationError, "ci"),
    ("n_boot zero", lambda s, x: s.gaps(ci=0.9, n_boot=0), sm.ConfigurationError, "n_boot"),
    ("n_boot huge", lambda s, x: s.gaps(ci=0.9, n_boot=2**70), sm.ConfigurationError, "n_boot"),
    ("seed float", lambda s, x: s.gaps(ci=0.9, n_boot=5, seed=1.7), sm.ConfigurationError, "seed"),
    (
        "seed negative",
        lambda s, x: s.gaps(ci=0.9, n_boot=5, seed=-1),
        sm.ConfigurationError,
        "seed",
    ),
    ("seed huge", lambda s, x: s.gaps(ci=0.9, n_boot=5, seed=2**64), sm.ConfigurationError, "seed"),
    (
        "importance_mean",
        lambda s, x: s.gaps(importance_mean="most"),
        sm.ConfigurationError,
        "importance_mean",
    ),
    ("borich", lambda s, x: s.gaps(borich="current"), sm.ConfigurationError, "borich"),
    (
        "crosshair",
        lambda s, x: s.priorities(crosshair="centre"),
        sm.ConfigurationError,
        "crosshair",
    ),
    ("priorities top_k", lambda s, x: s.priorities(top_k=0), sm.ConfigurationError, "top_k"),
    ("matches top", lambda s, x: s.learning_matches(top=0), sm.ConfigurationError, "top"),
    (
        "matches by list",
        lambda s, x: s.learning_matches(by=["region"]),
        sm.ConfigurationError,
        "by",
    ),
    (
        "cogap threshold nan",
        lambda s, x: s.cogap_network(threshold=float("nan")),
        sm.ConfigurationError,
        "threshold",
    ),
    (
        "cogap threshold text",
        lambda s, x: s.cogap_network(threshold="1"),
        sm.ConfigurationError,
        "threshold",
    ),
    (
        "cogap alpha",
        lambda s, x: s.cogap_network(backbone_alpha=2.0),
        sm.ConfigurationError,
        "alpha",
    ),
    ("map not an object", lambda s, x: sm.SkillsMap.from_json("[]"), sm.FormatError, "JSON object"),
    (
        "similarity metric",
        lambda s, x: sm.similarity(x, "hamming"),
        sm.ConfigurationError,
        "hamming",
    ),
    ("similarity 1-D", lambda s, x: sm.similarity(np.ones(3)), sm.ConfigurationError, "2-D"),
    (
        "jaccard no threshold",
        lambda s, x: sm.similarity(x, "jaccard"),
        sm.ConfigurationError,
        "threshold",
    ),
    (
        "jaccard nan threshold",
        lambda s, x: sm.similarity(x, "jaccard", threshold=float("nan")),
        sm.ConfigurationError,
        "threshold",
    ),
    (
        "jaccard text threshold",
        lambda s, x: sm.similarity(x, "jaccard", threshold="2"),
        sm.ConfigurationError,
        "threshold",
    ),
    (
        "similarity inf",
        lambda s, x: sm.similarity(np.array([[1.0, np.inf]])),
        sm.ValidationError,
        "not finite",
    ),
    (
        "min_overlap zero",
        lambda s, x: sm.similarity(x, min_overlap=0),
        sm.ConfigurationError,
        "min_overlap",
    ),
    (
        "min_overlap float",
        lambda s, x: sm.similarity(x, min_overlap=1.5),
        sm.ConfigurationError,
        "min_overlap",
    ),
    ("dtype", lambda s, x: sm.similarity(x, dtype="float16"), sm.ConfigurationError, "dtype"),
    ("top_k zero", lambda s, x: sm.top_k(x, k=0), sm.ConfigurationError, "k"),
    ("top_k float", lambda s, x: sm.top_k(x, k=1.5), sm.ConfigurationError, "k"),
    ("top_k beyond 64 bits", lambda s, x: sm.top_k(x, k=2**80), sm.ConfigurationError, "k"),
    ("rca negative", lambda s, x: sm.rca(-x), sm.ValidationError, "non-negative"),
    (
        "proximity text threshold",
        lambda s, x: sm.proximity(x, threshold="1"),
        sm.ConfigurationError,
        "threshold",
    ),
    ("demo zero", lambda s, x: sm.demo_survey(0), sm.ConfigurationError, "n_respondents"),
    ("demo float", lambda s, x: sm.demo_survey(10.0), sm.ConfigurationError, "n_respondents"),
    ("demo seed float", lambda s, x: sm.demo_survey(10, seed=0.5), sm.ConfigurationError, "seed"),
    (
        "demo missing rate",
        lambda s, x: sm.demo_survey(10, missing_rate=0.9),
        sm.ConfigurationError,
        "missing_rate",
    ),
    (
        "demo missing rate text",
        lambda s, x: sm.demo_survey(10, missing_rate="7%"),
        sm.ConfigurationError,
        "missing_rate",
    ),
    (
        "unknown framework",
        lambda s, x: sm.frameworks.load("entrecomp2"),
        sm.UnknownNameError,
        "entrecomp2",
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [pytest.param(c, e, w, id=name) for name, c, e, w in ARGUMENTS],
)
def test_bad_arguments_raise_named_errors(survey, x, call, error, words):
    with pytest.raises(error) as info:
        call(survey, x)
    assert words in str(info.value)
    # a skillsmap error, or a built-in TypeError for a wrong Python type
    assert isinstance(info.value, sm.SkillsMapError | TypeError)


def test_huge_k_means_every_other_row(x):
    nn = sm.top_k(x, k=2**62)
    assert nn.groupby("source").size().tolist() == [4] * 5


# -- data: a table with one hostile cell, and the code of its issue ----------------------------


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "respondent": ["r1", "r1", "r2", "r2"],
            "region": ["ES22", "ES22", "FI1D7", "FI1D7"],
            "stakeholder_type": ["cooperative"] * 2 + ["association"] * 2,
            "competence": ["se.impact.measurement", "se.found.principles"] * 2,
            "current": [2.0, 3.0, 1.0, 4.0],
            "required": [4.0, 4.0, 5.0, 5.0],
        }
    )


CELLS = [
    ("current", True, "invalid_type"),
    ("current", 2 + 1j, "invalid_type"),
    ("current", "three", "invalid_type"),
    ("current", float("inf"), "not_finite"),
    ("current", 0.0, "out_of_scale"),
    ("current", 1e308, "out_of_scale"),
    ("required", -3.0, "out_of_scale"),
    ("region", "Atlantis", "unknown_region"),
    ("region", "", "missing_value"),
    ("stakeholder_type", "pirates", "unknown_stakeholder_type"),
    ("competence", "juggling", "unknown_competence"),
    ("competence", None, "missing_value"),
    ("respondent", None, "missing_value"),
]


@pytest.mark.parametrize(("column", "value", "code"), CELLS)
def test_a_hostile_cell_is_located(table, column, value, code):
    df = table.copy()
    df[column] = df[column].astype(object)
    df.loc[1, column] = value
    with pytest.raises(sm.ValidationError) as info:
        sm.Survey.from_frame(df)
    issues = info.value.issues
    located = issues[issues["row"] == 1]
    assert code in located["code"].tolist(), issues.to_string()
    assert (located["column"] == column).any()


def test_a_repeated_column_is_named(table):
    df = pd.concat([table, table[["current"]]], axis=1)
    with pytest.raises(sm.ValidationError) as info:
        sm.Survey.from_frame(df)
    assert info.value.issues[["column", "code"]].values.tolist() == [
        ["current", "duplicate_column"]
    ]


def test_one_and_text_one_are_one_respondent(table):
    df = table.copy()
    df["respondent"] = pd.Series([1, "1", 2, "2"], dtype=object)
    s = sm.Survey.from_frame(df)
    assert s.n_respondents == 2


def test_a_complex_column_is_refused(table):
    df = table.copy()
    df["current"] = df["current"].astype(complex)
    with pytest.raises(sm.ValidationError) as info:
        sm.Survey.from_frame(df)
    assert set(info.value.issues["code"]) == {"invalid_type"}


def test_zero_weights(table):
    df = table.assign(weight=[0.0, 0.0, 1.0, 1.0])
    g = sm.Survey.from_frame(df, weight="weight").gaps(min_n=2)
    g = g[g["competence"].isin(table["competence"])]
    # the zero-weight respondent is not counted: one respondent per cell
    assert (g["n"] == 1).all() and g["suppressed"].all()
    with pytest.raises(sm.ValidationError) as info:
        sm.Survey.from_frame(table.assign(weight=0.0), weight="weight")
    assert info.value.issues["code"].tolist() == ["all_weights_zero"]


def test_weights_near_overflow_give_the_means_of_ordinary_ones():
    s = sm.demo_survey(40, seed=5)
    df = s.to_frame()
    big = sm.Survey.from_frame(
        df.assign(weight=df["weight"] * 1e307), importance="importance", weight="weight"
    )
    want, got = s.gaps(), big.gaps()
    cols = ["n", "n_eff", "mean_gap", "mwds", "mean_importance"]
    assert np.isfinite(got["mwds"].dropna()).all()
    np.testing.assert_allclose(got[cols].to_numpy(float), want[cols].to_numpy(float), rtol=1e-12)


@pytest.mark.parametrize(
    "metric,scipy_metric", [("euclidean", "euclidean"), ("manhattan", "cityblock")]
)
@pytest.mark.parametrize("magnitude", [1e200, 1e-200])
def test_distances_near_overflow_match_scipy(metric, scipy_metric, magnitude):
    from scipy.spatial.distance import cdist

    unit = np.random.default_rng(1).normal(size=(7, 4))
    x = unit * magnitude
    want = cdist(unit, unit, scipy_metric) * magnitude
    got = np.asarray(sm.distance(x, metric=metric))
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


# -- files --------------------------------------------------------------------------------------


def test_map_files(tmp_path):
    bad = tmp_path / "map.json"
    bad.write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(sm.FormatError, match="UTF-8"):
        sm.SkillsMap.load(bad)
    bad.write_text('{"format": "skillsmap.map", "version": 1, "nodes": [], "edges": "x"}')
    with pytest.raises(sm.FormatError):
        sm.SkillsMap.load(bad)
    with pytest.raises(FileNotFoundError):
        sm.SkillsMap.load(tmp_path / "absent.json")


# -- memory: requests beyond a machine, in a child under a 4 GiB limit --------------------------

HUGE = {
    "similarity of 200,000 rows": "sm.similarity(np.ones((200_000, 2)))",
    "top-k of everything at 200,000 rows": (
        "sm.top_k(np.random.default_rng(0).random((200_000, 2)), k=199_999)"
    ),
    "a demo survey of ten million": "sm.demo_survey(10**7)",
}


@pytest.mark.parametrize("code", list(HUGE.values()), ids=list(HUGE))
def test_requests_beyond_memory_are_memory_errors(code):
    script = textwrap.dedent(
        f"""
        import resource, sys
        import numpy as np
        import skillsmap as sm
        limit = 4 << 30
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        try:
            {code}
        except MemoryError as e:
            print("MemoryError:", e)
            sys.exit(0)
        except BaseException as e:  # a PanicException is a BaseException
            print(type(e).__name__, e)
            sys.exit(3)
        sys.exit(4)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, (done.returncode, done.stdout, done.stderr[-2000:])
    assert done.stdout.startswith("MemoryError")
