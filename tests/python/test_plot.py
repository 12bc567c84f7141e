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


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


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
    alone.attrs = {**p.attrs, "by": []}
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
