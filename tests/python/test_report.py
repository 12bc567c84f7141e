"""The report: files, self-contained escaped HTML, omitted figures explained,
the CLI and ``python -m skillsmap report``."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
import skillsmap as sm
from PIL import Image
from skillsmap.cli import main

FIGURES = [
    "gap_heatmap",
    "radar",
    "borich_bars",
    "ipa",
    "locus_for_focus",
    "skills_network",
    "similarity_clustermap",
    "learning_matches",
]


def _html(report) -> str:
    return Path(report.index).read_text(encoding="utf-8")


def _frame(n=300, seed=0) -> pd.DataFrame:
    return sm.demo_survey(n, seed=seed).to_frame()


def _survey(frame: pd.DataFrame, **kw) -> sm.Survey:
    return sm.Survey.from_frame(frame, importance="importance", weight="weight", **kw)


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return sm.report(sm.demo_survey(1200, seed=0), out, progress=False)


def test_demo_report_has_every_figure_table_and_caption(demo_report):
    rep = demo_report
    assert [f.key for f in rep.figures] == FIGURES
    assert all(f.omitted is None for f in rep.figures)
    html = _html(rep)
    for f in rep.figures:
        assert f.svg.stat().st_size > 1000 and f.svg.read_text().lstrip().startswith("<?xml")
        with Image.open(f.png) as im:
            assert im.info["dpi"][0] >= 150
        assert f'id="{f.key}"' in html
        assert f.caption and f.caption.split(".")[0] in html
    for name in ["gaps", "gaps_by_region", "priorities", "learning_matches", "cogap_edges"]:
        table = pd.read_csv(rep.tables[name])
        assert len(table) > 0
    gaps = pd.read_csv(rep.tables["gaps"])
    assert {"competence", "mwds", "mwds_lo", "mwds_hi"} <= set(gaps.columns)
    assert "Synthetic demonstration data" in html
    assert html.count("data:image/png;base64,") == len(FIGURES)


def test_demo_report_is_self_contained(demo_report):
    html = _html(demo_report)
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    # nothing fetched from elsewhere: every src is embedded, every href local
    assert all(s.startswith("data:") for s in re.findall(r'src="([^"]*)"', html))
    for href in re.findall(r'href="([^"]*)"', html):
        assert href.startswith("#") or not re.match(r"[a-z]+:", href), href
        if not href.startswith("#"):
            assert (Path(demo_report.index).parent / href).exists(), href


def test_user_strings_are_escaped(tmp_path):
    frame = _frame(300, seed=1)
    frame["region"] = (
        frame["region"]
        .map(
            {
                "ES22": "<script>alert('x')</script>",
                "FRI": "Ñoño & Co",
                "FI1D7": 'Lap"land',
            }
        )
        .fillna(frame["region"])
    )
    frame["stakeholder_type"] = frame["stakeholder_type"].astype(str) + " & <b>"
    survey = _survey(frame, regions=None, typology=None, source="<i>upload</i>.csv")
    rep = sm.report(survey, tmp_path, n_boot=100, progress=False, title="Report <for> A&B")
    html = _html(rep)
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "Ñoño &amp; Co" in html
    assert "Report &lt;for&gt; A&amp;B" in html
    assert "&lt;i&gt;upload&lt;/i&gt;.csv" in html
    # a real survey: no synthetic banner
    assert "Synthetic demonstration data" not in html


def test_one_region_survey_says_why_figures_are_missing(tmp_path):
    frame = _frame(400, seed=2)
    survey = _survey(frame[frame["region"] == "FI1D7"])
    rep = sm.report(survey, tmp_path, n_boot=100, progress=False)
    omitted = {f.key: f.omitted for f in rep.figures if f.omitted}
    assert set(omitted) == {"similarity_clustermap", "learning_matches"}
    html = _html(rep)
    assert "Figure omitted: similarity needs at least two regions with data" in html
    assert "Figure omitted: learning matches need at least two regions with data" in html
    assert not (tmp_path / "figures" / "similarity_clustermap.png").exists()
    drawn = [f for f in rep.figures if f.omitted is None]
    assert len(drawn) == 6 and all(f.png.exists() for f in drawn)


def test_empty_stakeholder_type_is_reported(tmp_path):
    frame = _frame(400, seed=3)
    survey = _survey(frame[frame["stakeholder_type"] != "mutual"])
    rep = sm.report(survey, tmp_path, by="stakeholder_type", n_boot=100, progress=False)
    html = _html(rep)
    assert "Stakeholder types without respondents, left out of every figure: Mutual." in html
    assert all(f.omitted is None for f in rep.figures)
    by_type = pd.read_csv(rep.tables["gaps_by_stakeholder_type"])
    assert "mutual" not in set(by_type["stakeholder_type"])


def test_report_refuses_bad_options(tmp_path):
    s = sm.demo_survey(100, seed=0)
    with pytest.raises(sm.ConfigurationError, match="by must be"):
        sm.report(s, tmp_path, by="sector", progress=False)
    with pytest.raises(sm.ConfigurationError, match="dpi"):
        sm.report(s, tmp_path, dpi=72, progress=False)
    with pytest.raises(sm.ConfigurationError, match="Survey"):
        sm.report(s.to_frame(), tmp_path, progress=False)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(sm.ConfigurationError, match="output folder"):
        sm.report(s, blocker / "sub", progress=False)
    with pytest.raises(sm.ConfigurationError, match="output folder"):
        sm.report(s, blocker, progress=False)


def test_a_failed_run_leaves_the_previous_report(tmp_path, monkeypatch):
    s = sm.demo_survey(150, seed=0)
    first = sm.report(s, tmp_path, n_boot=50, progress=False, title="first")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sm.plot, "ipa", boom)
    with pytest.raises(KeyboardInterrupt):
        sm.report(s, tmp_path, n_boot=50, progress=False, title="second")
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert after == before  # no staging folder left, nothing replaced
    assert "first" in _html(first)


def test_cli_report_demo(tmp_path, capsys):
    out = tmp_path / "demo"
    code = main(
        ["report", "--demo", "--n-respondents", "300", "--n-boot", "100", "--out", str(out)]
    )
    assert code == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str((out / "index.html").resolve())
    assert "[8/8] learning_matches" in captured.err  # progress lines
    assert (out / "figures" / "gap_heatmap.svg").exists()


def test_cli_report_file_by_type(tmp_path, capsys):
    path = tmp_path / "survey.csv"
    _frame(300, seed=4).to_csv(path, index=False)
    out = tmp_path / "rep"
    code = main(
        [
            "report",
            str(path),
            "--out",
            str(out),
            "--by",
            "stakeholder_type",
            "--importance",
            "importance",
            "--weight",
            "weight",
            "--n-boot",
            "100",
            "--quiet",
        ]
    )
    assert code == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert (out / "tables" / "gaps_by_stakeholder_type.csv").exists()


def test_cli_report_errors(tmp_path, capsys):
    assert main(["report", "--out", str(tmp_path)]) == 2
    assert "give a SURVEY file or --demo" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("respondent,region\nr1,ES22\n")
    assert main(["report", str(bad), "--out", str(tmp_path / "x"), "--quiet"]) == 1
    assert not (tmp_path / "x").exists()  # nothing half-built


def test_python_m_skillsmap_report(tmp_path):
    out = tmp_path / "m"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "skillsmap",
            "report",
            "--demo",
            "--n-respondents",
            "200",
            "--n-boot",
            "50",
            "--quiet",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("index.html")
    assert (out / "index.html").exists()


def test_framework_strings_are_escaped(tmp_path):
    demo = sm.demo_survey(300, seed=5)
    comp = demo.framework.competences[["id", "label", "area", "area_label"]].copy()
    comp["label"] = "<script>x()</script> & " + comp["label"]
    comp["area_label"] = "<i>" + comp["area_label"] + "</i>"
    fw = sm.Framework.from_frame(
        comp,
        id="evil-fw",
        name="<b>Evil</b> FW & co",
        citation='<script>cite()</script> & "Smith"',
        licence="<a href='x'>CC</a>",
    )
    survey = _survey(demo.to_frame(), framework=fw)
    rep = sm.report(survey, tmp_path, n_boot=50, progress=False)
    html = _html(rep)
    for raw in ["<script", "<b>", "<i>", "<a href='x'>"]:
        assert raw not in html
    assert "&lt;b&gt;Evil&lt;/b&gt; FW &amp; co" in html
    assert "&lt;script&gt;cite()&lt;/script&gt; &amp; &quot;Smith&quot;" in html
    assert "&lt;script&gt;x()&lt;/script&gt; &amp; " in html  # the priorities table


def test_too_few_respondents_for_any_link(tmp_path):
    frame = _frame(300, seed=6)
    few = frame[frame["respondent"].isin(frame["respondent"].unique()[:3])]
    rep = sm.report(_survey(few), tmp_path, n_boot=20, progress=False)
    omitted = {f.key: f.omitted for f in rep.figures if f.omitted}
    assert "skills_network" in omitted and "5 or more respondents" in omitted["skills_network"]
    assert pd.read_csv(rep.tables["cogap_edges"]).empty
