"""Learning matches: learners and mentors per competence, against the gap
table they come from."""

import pandas as pd
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


def reference_matches(g, by, top):
    """The rule of learning matches written out with pandas: per competence,
    the `top` largest positive mean gaps (learners) against the `top`
    highest mean current levels (mentors) of unsuppressed cells, kept when
    the mentor is ahead, scored gap × lead, best first (ties in order)."""
    g = g[~g["suppressed"]]
    rows = []
    for comp, part in g.groupby("competence", sort=False):
        learners = part[part["mean_gap"] > 0].nlargest(top, "mean_gap")
        mentors = part.nlargest(top, "mean_current")
        for _, lr in learners.iterrows():
            for _, mr in mentors.iterrows():
                if mr[by] == lr[by] or mr["mean_current"] <= lr["mean_current"]:
                    continue
                lead = mr["mean_current"] - lr["mean_current"]
                rows.append((comp, lr[by], mr[by], lr["mean_gap"] * lead))
    ref = pd.DataFrame(rows, columns=["competence", "learner", "mentor", "score"])
    ref = ref.sort_values(["competence", "score"], ascending=[True, False], kind="stable")
    return ref.reset_index(drop=True)


@pytest.mark.parametrize(("by", "top"), [("region", 3), ("region", 1), ("stakeholder_type", 2)])
def test_the_core_pairs_are_the_rule(survey, by, top):
    got = survey.learning_matches(by=by, top=top, n_boot=50, seed=0)
    ref = reference_matches(survey.gaps(by), by, top)
    assert len(got) == len(ref) > 0
    pd.testing.assert_frame_equal(got[["competence", "learner", "mentor", "score"]], ref)
    assert got["rank"].tolist() == (ref.groupby("competence").cumcount() + 1).tolist()
