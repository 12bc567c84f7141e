"""Profiles: the entity × item matrix of one gap statistic, against the gap
table it is pivoted from."""

import pytest
import skillsmap as sm


def test_profiles():
    s = sm.demo_survey(600, seed=0)
    p = s.profiles(by="region", value="mwds")
    g = s.gaps(by="region")
    assert p.loc["ES22", "se.impact.measurement"] == pytest.approx(
        g.set_index(["region", "competence"]).loc[("ES22", "se.impact.measurement"), "mwds"]
    )
    assert list(p.columns) == list(s.framework.competences["id"])
    two = s.profiles(by=["region", "sector"], level="area")
    assert two.index.names == ["region", "sector"]
    with pytest.raises(sm.ConfigurationError):
        s.profiles(by="region", value="nope")
