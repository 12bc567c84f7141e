"""The seeded synthetic demonstration survey."""

from __future__ import annotations

import hashlib
import pickle

import pandas as pd
import pytest
import skillsmap as sm

RESEES = ["ES22", "ES62", "FRI", "SI032", "FI1D7", "ITH5"]


@pytest.fixture(scope="module")
def demo() -> sm.Survey:
    return sm.demo_survey()


@pytest.fixture(scope="module")
def demo_frame(demo) -> pd.DataFrame:
    return demo.to_frame()


def _digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(frame.to_csv().encode()).hexdigest()


def test_demo_is_synthetic(demo):
    assert demo.synthetic is True
    assert "synthetic" in demo.source.lower()


def test_demo_shape(demo, demo_frame):
    assert demo.n_respondents == 1200
    assert demo.n_answers == len(demo) == 1200 * 32
    assert len(demo.framework) == 32
    assert demo.framework.id == "se-core"
    assert demo_frame.shape[0] == 1200 * 32
    assert demo_frame["respondent"].nunique() == 1200
    assert demo_frame["competence"].nunique() == 32
    per_pair = demo_frame.groupby(["respondent", "competence"]).size()
    assert (per_pair == 1).all()
    assert len(per_pair) == 1200 * 32


def test_demo_columns(demo_frame):
    assert demo_frame.columns.tolist()[:6] == [
        "respondent",
        "region",
        "stakeholder_type",
        "competence",
        "current",
        "required",
    ]
    assert {"importance", "weight"} <= set(demo_frame.columns)


def test_demo_missingness(demo_frame):
    share = demo_frame["current"].isna().mean()
    assert 0.05 <= share <= 0.10
    levels = demo_frame["current"].dropna()
    assert levels.between(1, 5).all()
    assert (levels == levels.round()).all()


def test_demo_regions_and_types(demo, demo_frame):
    assert set(demo_frame["region"]) == set(RESEES)
    assert set(demo_frame["stakeholder_type"]) <= set(sm.Typology.default().types["id"])
    assert demo.regions == sm.Regions.resees()
    assert demo.typology == sm.Typology.default()
    assert demo.has_weights
    assert (demo.respondents["weight"] > 0).all()


def test_demo_options():
    small = sm.demo_survey(20, seed=3, importance=False, weights=False, missing_rate=0.0)
    frame = small.to_frame()
    assert small.n_respondents == 20
    assert "importance" not in frame.columns and "weight" not in frame.columns
    assert not small.has_weights
    assert frame["current"].notna().all()


@pytest.mark.parametrize(
    "kwargs",
    [{"n_respondents": 0}, {"missing_rate": 0.5}, {"missing_rate": -0.1}],
)
def test_demo_bad_settings(kwargs):
    with pytest.raises(sm.ConfigurationError):
        sm.demo_survey(**kwargs)


def test_demo_negative_size_is_a_configuration_error():
    with pytest.raises(sm.ConfigurationError):
        sm.demo_survey(-1)


def test_same_seed_same_data(demo_frame):
    pd.testing.assert_frame_equal(sm.demo_survey(seed=0).to_frame(), demo_frame)


def test_different_seed_different_data(demo_frame):
    other = sm.demo_survey(seed=1).to_frame()
    assert not other.equals(demo_frame)
    assert _digest(other) != _digest(demo_frame)


def test_demo_round_trips_through_from_frame(demo_frame):
    rebuilt = sm.Survey.from_frame(
        demo_frame,
        importance="importance",
        weight="weight",
        attributes=list(demo_frame.columns[8:]),
    )
    pd.testing.assert_frame_equal(rebuilt.to_frame(), demo_frame)
    assert rebuilt.synthetic is False


_HASH_SCRIPT = (
    "import hashlib, skillsmap as sm; "
    "print(hashlib.sha256(sm.demo_survey(400, seed=7).to_frame().to_csv().encode()).hexdigest())"
)


def test_identical_whatever_the_thread_count(at_threads):
    digests = [o.strip() for o in at_threads(_HASH_SCRIPT)]
    assert len(digests[0]) == 64
    assert digests[0] == digests[1]
    assert digests[0] == _digest(sm.demo_survey(400, seed=7).to_frame())


def test_pickle_round_trip():
    survey = sm.demo_survey(60, seed=2)
    back = pickle.loads(pickle.dumps(survey))
    pd.testing.assert_frame_equal(back.to_frame(), survey.to_frame())
    assert back.synthetic is True


def test_repr_is_one_line(demo):
    text = repr(demo)
    assert "\n" not in text
    assert text == "Survey(1200 respondents, 38400 answers, framework='se-core', synthetic)"


def test_repr_html_says_synthetic(demo):
    page = demo._repr_html_()
    assert "Synthetic" in page
    assert "<table" in page


def test_summary_says_synthetic(demo):
    text = demo.summary()
    assert "SYNTHETIC" in text
    assert "1200 respondents" in text


def test_real_survey_is_not_labelled_synthetic(valid_long):
    survey = sm.Survey.from_frame(valid_long)
    assert "SYNTHETIC" not in survey.summary()
    assert "Synthetic" not in survey._repr_html_()
    assert "synthetic" not in repr(survey)
