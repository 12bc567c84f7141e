"""The plot helpers: every helper renders headless on the demo survey and on
a tiny one, equal figure logic gives equal pictures, tick labels and point
labels never overlap, synthetic figures say so, bad input is refused."""

from __future__ import annotations

import subprocess
import sys
from itertools import combinations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import skillsmap as sm
from matplotlib.testing.decorators import check_figures_equal


@pytest.fixture(scope="module")
def demo():
    return sm.demo_survey(1200, seed=0)


@pytest.fixture(scope="module")
def tiny():
    # 24 respondents: most region × competence cells fall under min_n
    return sm.demo_survey(24, seed=3)


def _draw_all(survey: sm.Survey) -> dict[str, plt.Axes]:
    """Every helper on one survey (the way the report calls them)."""
    pooled = survey.gaps(ci=0.9, n_boot=100, seed=0)
    prio = survey.priorities()
    prof = survey.profiles("region")
    out = {
        "gap_heatmap": sm.plot.gap_heatmap(prof),
        "gap_heatmap_long": sm.plot.gap_heatmap(survey.gaps("stakeholder_type")),
        "radar": sm.plot.radar(survey.profiles("region", level="area")),
        "borich_bars": sm.plot.borich_bars(pooled),
        "ipa": sm.plot.ipa(prio),
        "locus_for_focus": sm.plot.locus_for_focus(prio),
        "skills_network": sm.plot.skills_network(survey.cogap_network()),
        "skills_network_communities": sm.plot.skills_network(
            survey.cogap_network(), colour_by="community"
        ),
    }
    live = prof.dropna(how="all")
    if len(live) >= 2:
        out["similarity_clustermap"] = sm.plot.similarity_clustermap(
            sm.similarity(live, "pearson", min_overlap=3)
        )
        matches = survey.learning_matches(n_boot=100)
        if len(matches):
            out["learning_matches"] = sm.plot.learning_matches(matches)
            out["learning_matches_table"] = sm.plot.learning_matches(matches, kind="table")
    return out


def _overlaps(a, b, tol=0.5) -> bool:
    return a.x0 < b.x1 - tol and b.x0 < a.x1 - tol and a.y0 < b.y1 - tol and b.y0 < a.y1 - tol


def _tick_label_overlaps(fig) -> list[tuple[str, str]]:
    fig.canvas.draw()
    rend = fig.canvas.get_renderer()
    bad = []
    axes = list(fig.axes)
    for ax in list(axes):
        axes.extend(getattr(ax, "child_axes", []))
    for ax in axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]
            boxes = [(t.get_text(), t.get_window_extent(rend)) for t in labels]
            for (ta, a), (tb, b) in combinations(boxes, 2):
                if _overlaps(a, b):
                    bad.append((ta, tb))
    return bad


def test_every_helper_renders_on_the_demo_and_says_synthetic(demo):
    drawn = _draw_all(demo)
    assert len(drawn) == 11
    for name, ax in drawn.items():
        assert isinstance(ax, plt.Axes), name
        assert sm.plot.SYNTHETIC_NOTE in ax.get_title(), name
        ax.figure.savefig(__import__("io").BytesIO(), format="png", dpi=60)


def test_every_helper_renders_on_a_tiny_survey(tiny):
    drawn = _draw_all(tiny)
    assert {"gap_heatmap", "borich_bars", "ipa", "skills_network"} <= set(drawn)
    # the heatmap hatches the suppressed cells: a hatched background patch
    ax = drawn["gap_heatmap"]
    assert any(p.get_hatch() == "///" for p in ax.patches)
    assert np.ma.getmaskarray(ax.images[0].get_array()).any()


def test_no_overlapping_tick_labels_on_the_demo(demo):
    for name, ax in _draw_all(demo).items():
        assert _tick_label_overlaps(ax.figure) == [], name


@pytest.mark.parametrize("helper", ["ipa", "locus_for_focus"])
def test_point_labels_do_not_pile_up(demo, helper):
    ax = getattr(sm.plot, helper)(demo.priorities())
    fig = ax.figure
    fig.canvas.draw()
    rend = fig.canvas.get_renderer()
    labels = [t for t in ax.texts if isinstance(t, matplotlib.text.Annotation)]
    # most points get a label, and no two labels touch
    assert len(labels) >= 0.75 * 32
    # the text of each annotation (its leader line may cross other labels)
    boxes = [matplotlib.text.Text.get_window_extent(t, rend) for t in labels]
    frame = ax.get_window_extent(rend)
    for a, b in combinations(boxes, 2):
        assert not _overlaps(a, b)
    for a in boxes:
        assert frame.x0 <= a.x0 and a.x1 <= frame.x1 and frame.y0 <= a.y0 and a.y1 <= frame.y1


def test_labels_fit_the_items(demo):
    ax = sm.plot.gap_heatmap(demo.profiles("region"))
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[0] == "Social economy principles and values"
    assert "Lapland" in [t.get_text() for t in ax.get_xticklabels()]
    # the area names sit on a secondary axis, one per area
    (sec,) = ax.child_axes
    assert len([t for t in sec.get_yticklabels() if t.get_text()]) == 6


@check_figures_equal(extensions=["png"])
def test_heatmap_from_profiles_equals_heatmap_from_the_gap_table(fig_test, fig_ref):
    s = sm.demo_survey(300, seed=1)
    sm.plot.gap_heatmap(s.gaps("region"), ax=fig_test.subplots())
    sm.plot.gap_heatmap(s.profiles("region"), ax=fig_ref.subplots())


@check_figures_equal(extensions=["png"])
def test_ipa_of_one_group_equals_ipa_of_that_group_alone(fig_test, fig_ref):
    s = sm.demo_survey(400, seed=2)
    p = s.priorities(by="region")
    sm.plot.ipa(p, group="FI1D7", ax=fig_test.subplots())
    alone = p[p["region"] == "FI1D7"].copy()
    alone.attrs = {"provenance": sm.Provenance.of(p).replace(by=())}
    sm.plot.ipa(alone, ax=fig_ref.subplots(), title=fig_test.axes[0].get_title())


@check_figures_equal(extensions=["png"])
def test_borich_bars_top_k_equals_the_head_of_the_table(fig_test, fig_ref):
    s = sm.demo_survey(300, seed=4)
    g = s.gaps()
    sm.plot.borich_bars(g, top=8, ax=fig_test.subplots())
    head = g.sort_values("mwds", ascending=False, kind="stable").head(8).copy()
    head.attrs = g.attrs
    sm.plot.borich_bars(head, ax=fig_ref.subplots())


@check_figures_equal(extensions=["png"])
def test_clustermap_is_invariant_to_row_order(fig_test, fig_ref):
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.normal(size=(7, 12)), index=[f"e{i}" for i in range(7)])
    sim = sm.similarity(x, "pearson")
    perm = rng.permutation(7)
    shuffled = sim.iloc[perm, perm]
    shuffled.attrs = sim.attrs
    sm.plot.similarity_clustermap(sim, ax=fig_ref.add_subplot(1, 1, 1))
    sm.plot.similarity_clustermap(shuffled, ax=fig_test.add_subplot(1, 1, 1))


def test_clustermap_order_matches_scipy():
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import pdist

    rng = np.random.default_rng(5)
    x = rng.normal(size=(9, 20))
    sim = pd.DataFrame(sm.similarity(x, "pearson"))
    _, order = sm.plot.leaf_order(sim)
    want = leaves_list(linkage(pdist(x, "correlation"), "average"))
    assert list(order) == list(want)


def test_colour_blind_safe_palettes(demo):
    ax = sm.plot.borich_bars(demo.gaps())
    colours = {matplotlib.colors.to_hex(p.get_facecolor()).upper() for p in ax.patches}
    assert colours <= {c.upper() for c in sm.plot.OKABE_ITO}
    heat = sm.plot.gap_heatmap(demo.profiles("region"))
    assert heat.images[0].get_cmap().name.startswith("RdBu")
    levels = sm.plot.gap_heatmap(demo.profiles("region", value="mean_current"))
    assert levels.images[0].get_cmap().name.startswith("cividis")


def test_helpers_refuse_bad_input(demo):
    with pytest.raises(sm.ConfigurationError, match="group="):
        sm.plot.ipa(demo.priorities(by="region"))
    with pytest.raises(sm.ConfigurationError, match="at most 8"):
        sm.plot.radar(demo.profiles("stakeholder_type"))
    with pytest.raises(sm.ConfigurationError, match="polar"):
        sm.plot.radar(demo.profiles("region", level="area"), ax=plt.figure().subplots())
    with pytest.raises(sm.ConfigurationError, match="priorities"):
        sm.plot.ipa(demo.gaps())
    with pytest.raises(sm.ConfigurationError, match="square"):
        sm.plot.similarity_clustermap(demo.profiles("region"))
    with pytest.raises(sm.ConfigurationError, match="CoGapNetwork"):
        sm.plot.skills_network(demo.skills_map())
    with pytest.raises(sm.ConfigurationError, match="kind"):
        sm.plot.learning_matches(demo.learning_matches(n_boot=50), kind="pie")
    with pytest.raises(sm.ConfigurationError, match="no group"):
        sm.plot.borich_bars(demo.gaps("region"), group="XX")
    with pytest.raises(sm.ConfigurationError, match="hold 'mean_gap'"):
        sm.plot.gap_heatmap(demo.profiles("region"), value="mwds")


def test_helpers_never_show(demo, monkeypatch):
    calls = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: calls.append(1))
    _draw_all(sm.demo_survey(200, seed=1))
    assert calls == []


def test_importing_skillsmap_does_not_import_matplotlib():
    code = (
        "import sys, skillsmap, skillsmap.plot; "
        "assert 'matplotlib' not in sys.modules, 'imported'; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def _custom_survey(fid: str = "my-fw", n_resp: int = 90, labels: str = "C") -> sm.Survey:
    """A survey on a custom framework whose competences are listed with
    their areas interleaved (a, b, c, a, b, c, …)."""
    rows = [
        {"id": f"k{i}", "label": f"{labels}{i} $x$", "area": f"a{i % 3}", "area_label": f"A{i % 3}"}
        for i in range(9)
    ]
    fw = sm.Framework.from_frame(pd.DataFrame(rows), id=fid)
    rng = np.random.default_rng(0)
    answers = []
    for r in range(n_resp):
        for c in fw.competences["id"]:
            cur = int(rng.integers(1, 5))
            answers.append(
                {
                    "respondent": f"r{r}",
                    "region": ["ES22", "FRI", "FI1D7"][r % 3],
                    "stakeholder_type": "cooperative",
                    "competence": c,
                    "current": cur,
                    "required": int(rng.integers(cur, 6)),
                }
            )
    return sm.Survey.from_frame(pd.DataFrame(answers), framework=fw)


def test_competences_are_grouped_by_area_even_when_listed_interleaved():
    s = _custom_survey()
    ax = sm.plot.gap_heatmap(s.profiles("region"))
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert rows[:3] == [r"C0 \$x\$", r"C3 \$x\$", r"C6 \$x\$"]  # area a0 first, then a1, a2
    (sec,) = ax.child_axes
    assert [t.get_text() for t in sec.get_yticklabels()] == ["A0", "A1", "A2"]


def test_helpers_label_a_custom_framework_without_being_told():
    s = _custom_survey("se-core", labels="Mine ")  # even one reusing an embedded id
    ax = sm.plot.borich_bars(s.gaps())
    assert all(t.get_text().startswith("Mine ") for t in ax.get_yticklabels())


def test_dollar_signs_in_labels_are_drawn_literally(tmp_path):
    frame = sm.demo_survey(300, seed=1).to_frame()
    frame["region"] = frame["region"].replace({"ES22": r"Budget $\sqrt{x$ area", "FRI": "US$5"})
    s = sm.Survey.from_frame(frame, importance="importance", regions=None)
    ax = sm.plot.gap_heatmap(s.profiles("region"))
    ax.figure.canvas.draw()  # mathtext would fail to parse here
    texts = [t.get_text() for t in ax.get_xticklabels()]
    assert any("Budget" in t for t in texts)
    rep = sm.report(s, tmp_path, n_boot=50, progress=False)
    assert all(f.omitted is None for f in rep.figures)


def test_radar_with_long_names_keeps_its_size():
    frame = sm.demo_survey(600, seed=2).to_frame()
    frame["stakeholder_type"] = frame["stakeholder_type"].astype(str) + " " + "x" * 60
    s = sm.Survey.from_frame(frame, importance="importance", typology=None)
    prof = s.profiles("stakeholder_type", level="area")
    ax = sm.plot.radar(prof, entities=list(prof.index[:8]))
    fig = ax.figure
    fig.canvas.draw()
    box = ax.get_window_extent()
    assert box.width > 2.5 * fig.dpi and box.height > 2.5 * fig.dpi


def test_learning_matches_for_one_competence(demo):
    m = demo.learning_matches(n_boot=50)
    comp = m["competence"].iloc[0]
    ax = sm.plot.learning_matches(m, competence=comp)
    part = m[m["competence"] == comp]
    cells = [t.get_text() for t in ax.texts]
    assert sorted(cells) == sorted(f"{v:.2f}" for v in part["score"])
    full = sm.plot.learning_matches(m)
    # a region never learns from itself: the diagonal is masked
    img = full.images[0].get_array()
    rows = [t.get_text() for t in full.get_yticklabels()]
    cols = [t.get_text() for t in full.get_xticklabels()]
    for i, name in enumerate(rows):
        if name in cols:
            assert np.ma.getmaskarray(img)[i, cols.index(name)]


def test_network_drops_links_of_few_respondents(demo):
    net = demo.cogap_network()
    high = int(net.edges["count"].median())
    ax = sm.plot.skills_network(net, min_count=high, max_edges=10_000)
    kept = int((net.edges["count"] >= high).sum())
    assert len([p for p in ax.patches if p.get_edgecolor()[:3] != (0, 0, 0)]) == kept


def test_more_bad_parameters_are_configuration_errors(demo):
    prof = demo.profiles("region")
    g = demo.gaps("region")
    with pytest.raises(sm.ConfigurationError, match="vmax"):
        sm.plot.gap_heatmap(prof, vmax=0)
    with pytest.raises(sm.ConfigurationError, match="colormap"):
        sm.plot.gap_heatmap(prof, cmap="nope")
    with pytest.raises(sm.ConfigurationError, match="numeric"):
        sm.plot.gap_heatmap(g, value="competence")
    with pytest.raises(sm.ConfigurationError, match="gap table"):
        sm.plot.borich_bars(demo.priorities())
    with pytest.raises(sm.ConfigurationError, match="positive integer"):
        sm.plot.borich_bars(demo.gaps(), top="5")
    with pytest.raises(sm.ConfigurationError, match="DataFrame"):
        sm.plot.skills_network(demo.cogap_network(), gaps=[1, 2])
    with pytest.raises(sm.ConfigurationError, match="square"):
        sm.plot.leaf_order(np.ones((2, 3)))
    ax = sm.plot.radar(demo.profiles("region", level="area"), entities="ES22")
    assert len(ax.get_lines()) >= 1


def test_heatmap_marks_the_cells_dunn_finds():
    from matplotlib.patches import Rectangle

    s = sm.demo_survey(900, seed=1)
    g = s.gaps("region")
    d = s.posthoc(by="region")
    ax = sm.plot.gap_heatmap(g, mark=d)
    outlined = [
        p for p in ax.patches if isinstance(p, Rectangle) and not p.get_fill() and p.zorder == 5
    ]
    sig = d[d["p_adj"] < 0.05]
    want = set(zip(sig["group_a"], sig["competence"], strict=True)) | set(
        zip(sig["group_b"], sig["competence"], strict=True)
    )
    assert len(outlined) == len(want) > 0
    assert "Dunn" in ax.figure.axes[-1].get_xlabel()
    with pytest.raises(sm.ConfigurationError, match="post-hoc"):
        sm.plot.gap_heatmap(g, mark=g)
    with pytest.raises(sm.ConfigurationError, match="alpha"):
        sm.plot.gap_heatmap(g, mark=d, alpha=2)
