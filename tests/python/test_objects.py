"""Notebook objects: pickle, copy and deep copy give independent objects
equal to the original (joblib, multiprocessing and Dask carry them by
pickle), and a copy never shares mutable Rust state."""

from __future__ import annotations

import copy
import pickle

import pytest
import skillsmap as sm


@pytest.fixture(scope="module")
def survey() -> sm.Survey:
    return sm.demo_survey(60, seed=4)


def objects(survey):
    return {
        "survey": survey,
        "framework": survey.framework,
        "regions": survey.regions,
        "typology": survey.typology,
        "scale": survey.scale,
        "map": survey.skills_map(),
        "network": survey.cogap_network(1.0, backbone="noise_corrected"),
    }


NAMES = ["survey", "framework", "regions", "typology", "scale", "map", "network"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "clone",
    [
        lambda o: pickle.loads(pickle.dumps(o)),
        lambda o: pickle.loads(pickle.dumps(o, protocol=2)),
        copy.copy,
        copy.deepcopy,
    ],
    ids=["pickle", "pickle2", "copy", "deepcopy"],
)
def test_round_trips_are_equal(survey, name, clone):
    obj = objects(survey)[name]
    back = clone(obj)
    assert back == obj
    assert type(back) is type(obj)


def test_equality_is_by_content(survey):
    assert sm.demo_survey(60, seed=4) == survey
    assert sm.demo_survey(60, seed=5) != survey
    assert survey.skills_map() == survey.skills_map()
    assert sm.demo_survey(60, seed=5).skills_map() != survey.skills_map()
    assert survey != "survey"


@pytest.mark.parametrize(
    "clone", [copy.copy, copy.deepcopy, lambda o: pickle.loads(pickle.dumps(o))]
)
def test_a_copied_map_is_independent(survey, clone):
    original = survey.skills_map()
    before = original.edge_count
    other = clone(original)
    edges = survey.cogap_network(1.0).edges.head(3)
    other.add_relatedness(edges, kind="co-gap", weight="phi")
    assert other.edge_count == before + len(edges)
    assert original.edge_count == before
    assert other != original


def test_a_pickled_survey_analyses_the_same(survey):
    back = pickle.loads(pickle.dumps(survey))
    assert back.gaps().equals(survey.gaps())


@pytest.mark.parametrize("backbone", [None, "noise_corrected"])
def test_a_network_pickles_small_without_the_survey(backbone):
    # the demo survey at its default size: 32 competences (39 MB when a
    # network carried its survey)
    net = sm.demo_survey(seed=0).cogap_network(1.0, backbone=backbone)
    data = pickle.dumps(net)
    assert len(data) <= 100_000, len(data)
    back = pickle.loads(data)
    assert back == net
    assert not any(isinstance(v, sm.Survey) for v in vars(back).values())
    assert back.centrality().equals(net.centrality())
    assert back.communities(seed=1).equals(net.communities(seed=1))


def test_an_edited_network_pickles_as_edited(survey):
    net = survey.cogap_network(1.0)
    net.edges = net.edges.iloc[::-1].head(7)
    back = pickle.loads(pickle.dumps(net))
    assert back.edges.equals(net.edges)


def test_a_pickled_network_draws_the_same_figure(survey):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    net = survey.cogap_network(1.0)
    back = pickle.loads(pickle.dumps(net))
    a, b = sm.plot.skills_network(net), sm.plot.skills_network(back)
    assert a.get_title() == b.get_title()
    assert [t.get_text() for t in a.texts] == [t.get_text() for t in b.texts]
    plt.close("all")


def test_network_equality_is_by_content(survey):
    assert survey.cogap_network(1.0) == survey.cogap_network(1.0)
    assert survey.cogap_network(1.0) != survey.cogap_network(2.0)
    assert survey.cogap_network(1.0) != "network"
