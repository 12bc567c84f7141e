"""Learning matches: learners and mentors per competence, against the gap
table they come from."""

import pytest
import skillsmap as sm


@pytest.fixture(scope="module")
def survey():
    return sm.demo_survey(400, seed=7)


def test_learning_matches(survey):
    lm = survey.learning_matches(n_boot=200, seed=1)
    assert (lm["mentor_current"] > lm["learner_current"]).all()
    assert (lm["learner"] != lm["mentor"]).all()
    assert (lm["learner_gap_lo"] <= lm["learner_gap"]).all()
    assert lm.groupby("competence")["rank"].min().eq(1).all()
    first = lm.iloc[0]
    assert " could learn " in first["sentence"] and " from " in first["sentence"]
    g = survey.gaps(by="region").set_index(["region", "competence"])
    row = g.loc[(first["learner"], first["competence"])]
    assert first["learner_gap"] == pytest.approx(row["mean_gap"])
    assert first["score"] == pytest.approx(
        first["learner_gap"] * (first["mentor_current"] - first["learner_current"])
    )
    by_type = survey.learning_matches(by="stakeholder_type", top=2, n_boot=100)
    assert set(by_type["learner"]) <= set(survey.typology.types["id"])


def test_learning_matches_need_one_grouping(survey):
    with pytest.raises(sm.ConfigurationError):
        survey.learning_matches(by=None)
    with pytest.raises(sm.ConfigurationError):
        survey.learning_matches(by=["region"])
