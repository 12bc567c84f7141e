"""The SkillsMap: content against the gap engine, queries, subgraphs,
networkx conversion, files and the versioned JSON round trip."""

import errno
import json
import os

import networkx as nx
import pytest
import skillsmap as sm


@pytest.fixture(scope="module")
def survey():
    return sm.demo_survey(400, seed=7)


@pytest.fixture(scope="module")
def smap(survey):
    return survey.skills_map()


def test_nodes_and_edges_follow_the_survey(survey, smap):
    kinds = smap.nodes["kind"].value_counts().to_dict()
    assert kinds["region"] == 6
    assert kinds["area"] == 6 and kinds["competence"] == 32
    assert kinds["stakeholder_type"] == survey.respondents["stakeholder_type"].nunique()
    g = survey.gaps(by="region").set_index(["region", "competence"])
    stats = smap.gap_stats("region:FI1D7").set_index("neighbour")
    for comp in ["se.impact.measurement", "se.found.governance"]:
        row = g.loc[("FI1D7", comp)]
        got = stats.loc[f"competence:{comp}"]
        assert got["n"] == row["n"]
        assert got["mean_gap"] == pytest.approx(row["mean_gap"], abs=1e-12)
        assert got["mwds"] == pytest.approx(row["mwds"], abs=1e-12)


def test_queries_and_subgraphs(smap):
    comps = smap.neighbours("area:se.impact", "area_competence")
    assert len(comps) == 5 and all(c.startswith("competence:se.impact.") for c in comps)
    sub = smap.subgraph(regions=["ES22"])
    kinds = sub.nodes["kind"].value_counts().to_dict()
    assert kinds["region"] == 1
    assert sub.node_count < smap.node_count
    with pytest.raises(sm.UnknownNameError, match="Atlantis"):
        smap.subgraph(regions=["Atlantis"])
    with pytest.raises(sm.ConfigurationError):
        smap.neighbours("region:ES22", "friendship")


def test_networkx_graphml_gexf_and_node_link(smap, tmp_path):
    g = smap.to_networkx()
    assert isinstance(g, nx.DiGraph)
    assert g.number_of_nodes() == smap.node_count and g.number_of_edges() == smap.edge_count
    data = smap.to_node_link()
    assert "edges" in data and "links" not in data
    smap.write_graphml(tmp_path / "m.graphml")
    smap.write_gexf(tmp_path / "m.gexf")
    for h in (nx.read_graphml(tmp_path / "m.graphml"), nx.read_gexf(tmp_path / "m.gexf")):
        assert h.number_of_nodes() == smap.node_count
        assert h.number_of_edges() == smap.edge_count


def test_json_round_trip_and_rejections(smap, tmp_path):
    path = tmp_path / "map.json"
    smap.save(path)
    back = sm.SkillsMap.load(path)
    assert back == smap
    assert back.to_json() == smap.to_json()
    doc = json.loads(path.read_text())
    doc["surprise"] = 1
    with pytest.raises(sm.FormatError, match=r"surprise|unknown field"):
        sm.SkillsMap.from_json(json.dumps(doc))
    doc = json.loads(path.read_text())
    doc["version"] = 99
    with pytest.raises(sm.FormatError, match="version"):
        sm.SkillsMap.from_json(json.dumps(doc))
    with pytest.raises(sm.FormatError, match=r"max_bytes|large|limit"):
        sm.SkillsMap.load(path, max_bytes=100)


def test_relatedness_edges_from_the_cogap_network(survey):
    m = survey.skills_map()
    net = survey.cogap_network(2.5)
    before = m.edge_count
    m.add_relatedness(net.edges, kind="cogap", weight="phi")
    assert m.edge_count == before + len(net.edges)
    assert sm.SkillsMap.from_json(m.to_json()) == m


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_a_failed_save_leaves_the_previous_map(smap, tmp_path, monkeypatch, step):
    path = tmp_path / "map.json"
    smap.save(path)
    good = path.read_bytes()
    other = smap.subgraph(regions=["ES22"])  # a different map, so a mix would show

    def fail(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, step, fail)
    with pytest.raises(OSError, match="No space"):
        other.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == good
    assert sm.SkillsMap.load(path) == smap
    assert [p.name for p in tmp_path.iterdir()] == ["map.json"]  # no temporary file left
