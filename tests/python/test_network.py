"""The co-gap network against networkx (betweenness, eigenvector centrality,
modularity of the partition found) and a direct count."""

import networkx as nx
import numpy as np
import pytest
import skillsmap as sm


@pytest.fixture(scope="module")
def survey():
    return sm.demo_survey(500, seed=4)


def direct_counts(survey, threshold):
    df = survey.to_frame()
    gap = df["required"] - df["current"]
    has = df.assign(g=gap >= threshold)[lambda d: d["g"]]
    sets = has.groupby("respondent")["competence"].apply(set)
    counts = {}
    for comps in sets:
        comps = sorted(comps)
        for a in range(len(comps)):
            for b in range(a + 1, len(comps)):
                counts[(comps[a], comps[b])] = counts.get((comps[a], comps[b]), 0) + 1
    return counts


@pytest.mark.parametrize("threshold", [1.0, 2.0])
def test_counts_match_a_direct_count(survey, threshold):
    net = survey.cogap_network(threshold)
    ref = direct_counts(survey, threshold)
    ours = {
        tuple(sorted((a, b))): c
        for a, b, c in zip(
            net.edges["source"], net.edges["target"], net.edges["count"], strict=True
        )
    }
    assert ours == ref
    ub = net.competences.set_index("competence")["ubiquity"]
    for (a, b), c in list(ref.items())[:50]:
        row = net.edges[
            ((net.edges.source == a) & (net.edges.target == b))
            | ((net.edges.source == b) & (net.edges.target == a))
        ]
        assert row["phi"].item() == pytest.approx(c / max(ub[a], ub[b]), abs=1e-12)


def sparse_network(survey):
    # a high threshold gives a sparse, structured network
    return survey.cogap_network(3.0)


def test_centrality_matches_networkx(survey):
    net = sparse_network(survey)
    g = net.to_networkx()
    for _, _, d in g.edges(data=True):
        d["distance"] = 1.0 / d["count"]
    cen = net.centrality().set_index("competence")
    btw = nx.betweenness_centrality(g, weight="distance", normalized=True)
    eig = nx.eigenvector_centrality(g, weight="count", tol=1e-14, max_iter=100_000)
    for node in g.nodes:
        assert cen.loc[node, "betweenness"] == pytest.approx(btw[node], abs=1e-10)
        assert cen.loc[node, "eigenvector"] == pytest.approx(eig[node], abs=1e-10)
        assert cen.loc[node, "degree"] == g.degree(node)
        assert cen.loc[node, "strength"] == pytest.approx(g.degree(node, weight="count"))


@pytest.mark.parametrize("weight", ["count", "phi"])
def test_modularity_of_the_partition_found_matches_networkx(survey, weight):
    net = sparse_network(survey)
    c = net.communities(seed=3, weight=weight)
    g = net.to_networkx()
    parts = [set(c.competence[c.community == k]) for k in sorted(c.community.unique())]
    q = nx.community.modularity(g, parts, weight=weight)
    assert sm.Provenance.of(c).modularity == pytest.approx(q, abs=1e-10)
    assert c.equals(net.communities(seed=3, weight=weight))


def test_louvain_on_the_karate_club_is_as_good_as_networkx():
    g = nx.karate_club_graph()
    nodes = sorted(g.nodes)
    i = np.array([min(u, v) for u, v in g.edges], dtype=np.uint32)
    j = np.array([max(u, v) for u, v in g.edges], dtype=np.uint32)
    w = np.ones(len(i))
    from skillsmap import _core

    labels, q = _core.louvain(len(nodes), i, j, w, seed=1)
    parts = [set(np.flatnonzero(labels == k)) for k in np.unique(labels)]
    assert q == pytest.approx(nx.community.modularity(g, parts, weight=None), abs=1e-12)
    assert q > 0.38


def test_backbone_keeps_fewer_edges_as_alpha_shrinks(survey):
    sizes = [len(survey.cogap_network(2.5, backbone_alpha=a).edges) for a in (1.0, 0.5, 0.2, 0.05)]
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[0] == len(survey.cogap_network(2.5).edges)


def test_bad_options(survey):
    with pytest.raises(sm.ConfigurationError):
        survey.cogap_network(0.0)
    with pytest.raises(sm.ConfigurationError):
        survey.cogap_network(1.0, backbone_alpha=2.0)
    with pytest.raises(sm.ConfigurationError):
        survey.cogap_network(1.0).centrality(weight="nope")


def test_edge_arrays_of_unequal_length_are_refused():
    from skillsmap import _core

    with pytest.raises(sm.ConfigurationError, match="differ in length"):
        _core.centrality(
            3, np.array([0, 1], np.uint32), np.array([1, 2], np.uint32), np.array([1.0])
        )
