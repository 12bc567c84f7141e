"""The co-gap network against networkx (betweenness, eigenvector centrality,
modularity of the partition found) and a direct count; its backbones
against scipy's hypergeometric distribution with statsmodels' adjustment,
and against the formulas of Coscia & Neffke (2017) written out here."""

import networkx as nx
import numpy as np
import pytest
import scipy.stats
import skillsmap as sm
from statsmodels.stats.multitest import multipletests


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


@pytest.mark.parametrize("backbone", ["disparity", "noise_corrected", "hypergeometric"])
def test_backbone_keeps_fewer_edges_as_alpha_shrinks(survey, backbone):
    sizes = [
        len(survey.cogap_network(2.5, backbone=backbone, alpha=a).edges)
        for a in (1.0, 0.5, 0.2, 0.05)
    ]
    assert sizes == sorted(sizes, reverse=True)
    if backbone == "disparity":
        assert sizes[0] == len(survey.cogap_network(2.5).edges)
        # the older spelling
        assert len(survey.cogap_network(2.5, backbone_alpha=0.2).edges) == sizes[2]


def _counts(net):
    ids = net.competences["competence"].tolist()
    pos = {c: i for i, c in enumerate(ids)}
    m = np.zeros((len(ids), len(ids)))
    for a, b, c in zip(net.edges["source"], net.edges["target"], net.edges["count"], strict=True):
        m[pos[a], pos[b]] = m[pos[b], pos[a]] = c
    return ids, m


@pytest.mark.parametrize(("n", "seed", "method"), [(300, 1, "holm"), (900, 2, "fdr_bh")])
def test_hypergeometric_backbone_matches_scipy_and_statsmodels(n, seed, method):
    s = sm.demo_survey(n, seed=seed)
    full = s.cogap_network(1.0)
    ids, m = _counts(full)
    k = full.competences["ubiquity"].to_numpy()
    pairs, p = [], []
    for i in range(len(ids)):
        for j in range(i + 1, len(ids)):
            if k[i] > 0 and k[j] > 0:
                pairs.append((i, j))
                p.append(scipy.stats.hypergeom.sf(m[i, j] - 1, n, k[j], k[i]))
    adj = multipletests(p, method=method)[1]
    want = {
        (ids[i], ids[j]): (q, m[i, j] * n / (k[i] * k[j]))
        for (i, j), q in zip(pairs, adj, strict=True)
        if m[i, j] > 0 and q < 0.05
    }
    bb = s.cogap_network(1.0, backbone="hypergeometric", alpha=0.05, p_adjust=method)
    got = {
        (a, b): (q, sc)
        for a, b, q, sc in zip(
            bb.edges["source"],
            bb.edges["target"],
            bb.edges["p_value"],
            bb.edges["score"],
            strict=True,
        )
    }
    assert got.keys() == want.keys() and len(got) > 0
    for key, (q, lift) in want.items():
        np.testing.assert_allclose(got[key][0], q, rtol=1e-10, atol=1e-300)
        np.testing.assert_allclose(got[key][1], lift, rtol=1e-12)


def _noise_corrected(m):
    """Coscia & Neffke (2017), section IV, on a symmetric count matrix."""
    ni = m.sum(axis=1)
    n = m.sum()
    out = {}
    for i in range(len(m)):
        for j in range(i + 1, len(m)):
            nij = m[i, j]
            if nij == 0:
                continue
            expected = ni[i] * ni[j] / n
            lift = nij / expected
            score = (lift - 1) / (lift + 1)
            mean_prior = ni[i] * ni[j] / n**2
            var_prior = ni[i] * ni[j] * (n - ni[i]) * (n - ni[j]) / (n**2 * (n - 1)) / n**2
            a = mean_prior**2 / var_prior * (1 - mean_prior) - mean_prior
            b = mean_prior / var_prior * (1 - mean_prior**2) - (1 - mean_prior)
            post = (a + nij) / (a + b + n)
            var_n = n * post * (1 - post)
            kappa = n / (ni[i] * ni[j])
            d = 1 / (ni[i] * ni[j]) - n * (ni[i] + ni[j]) / (ni[i] * ni[j]) ** 2
            var_l = var_n * (2 * (kappa + nij * d) / (kappa * nij + 1) ** 2) ** 2
            out[(i, j)] = (score, np.sqrt(var_l))
    return out


@pytest.mark.parametrize(("n", "seed", "alpha"), [(300, 1, 0.05), (1200, 0, 0.01)])
def test_noise_corrected_backbone_matches_the_paper(n, seed, alpha):
    s = sm.demo_survey(n, seed=seed)
    ids, m = _counts(s.cogap_network(1.0))
    delta = scipy.stats.norm.isf(alpha)
    ref = _noise_corrected(m)
    want = {(ids[i], ids[j]): v for (i, j), v in ref.items() if v[0] - delta * v[1] > 0}
    bb = s.cogap_network(1.0, backbone="noise_corrected", alpha=alpha)
    got = dict(
        zip(
            zip(bb.edges["source"], bb.edges["target"], strict=True),
            zip(bb.edges["score"], bb.edges["p_value"], strict=True),
            strict=True,
        )
    )
    assert got.keys() == want.keys() and len(got) > 0
    for key, (score, sd) in want.items():
        np.testing.assert_allclose(got[key][0], score, rtol=1e-10)
        np.testing.assert_allclose(got[key][1], scipy.stats.norm.sf(score / sd), rtol=1e-9)


def test_default_backbone_finds_the_demo_structure():
    # the demo's latent clusters: the noise-corrected backbone is non-empty
    # and its communities are far from random (the disparity filter keeps
    # nothing: its null model ignores the competences' frequencies)
    s = sm.demo_survey(1200, seed=0)
    bb = s.cogap_network(1, alpha=0.05)
    assert bb.backbone == "noise_corrected"
    assert len(bb.edges) >= 20
    q = sm.Provenance.of(bb.communities(seed=0)).modularity
    assert q > 0.3
    assert len(s.cogap_network(1, backbone="disparity", alpha=0.05).edges) == 0


_BACKBONE_SCRIPT = (
    "import skillsmap as sm; s = sm.demo_survey(700, seed=5)\n"
    "for b in ('noise_corrected', 'hypergeometric'):\n"
    "    print(s.cogap_network(1, backbone=b, p_adjust='fdr_bh').edges.to_csv())"
)


def test_backbones_identical_whatever_the_thread_count(at_threads):
    outs = at_threads(_BACKBONE_SCRIPT)
    assert outs[0] == outs[1] and len(outs[0]) > 200


def test_bad_options(survey):
    with pytest.raises(sm.ConfigurationError):
        survey.cogap_network(0.0)
    with pytest.raises(sm.ConfigurationError):
        survey.cogap_network(1.0, backbone_alpha=2.0)
    with pytest.raises(sm.ConfigurationError, match="alpha"):
        survey.cogap_network(1.0, backbone="hypergeometric", alpha=-0.1)
    with pytest.raises(sm.ConfigurationError, match="backbone"):
        survey.cogap_network(1.0, backbone="nope")
    with pytest.raises(sm.ConfigurationError, match="p_adjust"):
        survey.cogap_network(1.0, backbone="hypergeometric", p_adjust="nope")
    with pytest.raises(sm.ConfigurationError, match="older spelling"):
        survey.cogap_network(1.0, backbone="disparity", backbone_alpha=0.1)
    with pytest.raises(sm.ConfigurationError):
        survey.cogap_network(1.0).centrality(weight="nope")


def test_edge_arrays_of_unequal_length_are_refused():
    from skillsmap import _core

    with pytest.raises(sm.ConfigurationError, match="differ in length"):
        _core.centrality(
            3, np.array([0, 1], np.uint32), np.array([1, 2], np.uint32), np.array([1.0])
        )


def _random_graph(n, m, seed):
    """A random graph of about m distinct weighted edges on n nodes, as the
    core's edge arrays."""
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, n, size=(2, m))
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    key = np.unique((lo * n + hi)[lo != hi])
    i, j = (key // n).astype(np.uint32), (key % n).astype(np.uint32)
    return i, j, rng.random(len(i)) + 0.5


@pytest.mark.parametrize("kernel", ["centrality", "louvain"])
def test_centrality_and_louvain_stop_within_half_a_second_of_ctrl_c(kernel):
    """Ctrl-C sent from the first progress report (the work under way)
    stops betweenness within one source and Louvain within a thousand node
    moves; nothing is returned, and the next call runs normally."""
    import _thread
    import time

    n, m = (20_000, 100_000) if kernel == "centrality" else (300_000, 3_000_000)
    i, j, w = _random_graph(n, m, 1)
    sent: list[float] = []

    def on_progress(done, total):
        if not sent:
            sent.append(time.perf_counter())
            _thread.interrupt_main()

    with pytest.raises(KeyboardInterrupt):
        if kernel == "centrality":
            sm._core.centrality(n, i, j, w, progress=on_progress)
        else:
            sm._core.louvain(n, i, j, w, seed=0, progress=on_progress)
    late = time.perf_counter() - sent[0]
    assert late < 0.5, f"KeyboardInterrupt {late:.2f} s after Ctrl-C"
    small = _random_graph(50, 200, 2)
    assert len(sm._core.centrality(50, *small)["betweenness"]) == 50
    assert len(sm._core.louvain(50, *small, seed=0)[0]) == 50


def test_progress_bars_of_centrality_and_communities(survey, capsys):
    pytest.importorskip("tqdm")
    net = sparse_network(survey)
    assert len(net.centrality(progress=True)) == len(net.communities(progress=True))
    err = capsys.readouterr().err
    assert "centrality" in err and "louvain" in err
