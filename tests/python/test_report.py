"""The report: files, self-contained escaped HTML, omitted figures explained,
the CLI and ``python -m skillsmap report``."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
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
from skillsmap.report import _build, _folder

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
    # the page's own tables: priorities, reliability (one row per area),
    # differences between the regions, learning matches
    assert html.count('<table class="data">') == 4
    assert "<th>Cronbach&#x27;s α [CI]</th>" in html


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


# -- the output folder: owned, swapped whole, nothing of the user's touched ----------------------


def _cheap(_data):
    import matplotlib.pyplot as plt

    _fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    return ax, "A cheap figure."


@pytest.fixture
def quick(monkeypatch):
    """Two cheap figures instead of eight: what the folder logic does does not
    depend on what is drawn, and the tests below run many reports."""
    monkeypatch.setattr(_build, "_FIGURES", [("radar", "Radar", _cheap), ("ipa", "IPA", _cheap)])


@pytest.fixture(scope="module")
def small():
    return sm.demo_survey(150, seed=0)


@pytest.fixture(scope="module")
def other():
    """Another survey of the same shape: a rerun with it changes every table."""
    return sm.demo_survey(150, seed=1)


def _run(survey, out, **kw):
    return sm.report(survey, out, n_boot=20, progress=False, **kw)


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) with its content."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _user_files(folder: Path) -> dict[str, bytes]:
    files = {
        "notes.txt": b"my notes",
        "figures/my_plot.png": b"not really a png",
        "tables/survey.csv": b"respondent,region\nr1,ES22\n",
    }
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    return files


def test_the_marker_lists_every_file_the_report_wrote(tmp_path, quick, small):
    rep = _run(small, tmp_path / "rep")
    out = tmp_path / "rep"
    marker = json.loads((out / ".skillsmap-report").read_text(encoding="utf-8"))
    assert marker["format"] == "skillsmap.report" and marker["version"] == 1
    assert "pending" not in marker
    written = {rel: data for rel, data in _files(out).items() if rel != ".skillsmap-report"}
    assert set(marker["files"]) == set(written)
    assert {"index.html", "figures/radar.svg", "tables/gaps.csv"} <= set(written)
    for rel, data in written.items():
        assert marker["files"][rel] == hashlib.sha256(data).hexdigest()
    assert rep.tables["gaps"] == out / "tables" / "gaps.csv"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"]  # no staging folder left


def test_out_dot_among_user_files_is_refused_and_deletes_nothing(
    tmp_path, monkeypatch, capsys, quick, small
):
    _user_files(tmp_path)
    before = _files(tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(sm.ConfigurationError, match=r"not empty and it holds no earlier report"):
        _run(small, ".")
    argv = ["report", "--demo", "--n-respondents", "150", "--n-boot", "20", "--quiet"]
    assert main([*argv, "--out", "."]) == 1
    err = capsys.readouterr().err
    assert "not empty" in err and "--force" in err and "another output folder" in err
    assert _files(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures", "notes.txt", "tables"]


@pytest.mark.parametrize("blank", ["", "  "])
def test_an_empty_out_is_refused_not_the_current_folder(
    tmp_path, monkeypatch, capsys, quick, small, blank
):
    monkeypatch.chdir(tmp_path)  # empty: the current folder would be accepted
    with pytest.raises(sm.ConfigurationError, match="empty path"):
        _run(small, blank)
    with pytest.raises(SystemExit) as info:
        main(["report", "--demo", "--n-respondents", "150", "--quiet", "--out", blank])
    assert info.value.code == 2
    assert "empty path" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_rerun_keeps_the_input_file_kept_in_tables(tmp_path, quick, small):
    out = tmp_path / "rep"
    _run(small, out, title="first")
    survey_csv = out / "tables" / "survey.csv"
    small.to_frame().to_csv(survey_csv, index=False)
    data = survey_csv.read_bytes()
    again = sm.read_survey(survey_csv, importance="importance", weight="weight")
    rep = _run(again, out, title="second")
    assert survey_csv.read_bytes() == data
    assert "second" in _html(rep)
    marker = json.loads((out / ".skillsmap-report").read_text(encoding="utf-8"))
    assert "tables/survey.csv" not in marker["files"]


def test_a_rerun_removes_only_its_own_files_that_it_no_longer_writes(tmp_path, quick, small):
    out = tmp_path / "rep"
    _run(small, out)
    assert (out / "tables" / "similarity_region.csv").exists()
    mine = _user_files(out)
    one_region = _survey(small.to_frame().query("region == 'FI1D7'"))
    _run(one_region, out)
    assert not (out / "tables" / "similarity_region.csv").exists()  # stale: ours, removed
    files = _files(out)
    for rel, data in mine.items():
        assert files[rel] == data
    marker = json.loads(files.pop(".skillsmap-report"))
    assert set(marker["files"]) == set(files) - set(mine)
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [".skillsmap-report"]


@pytest.mark.parametrize("force", [False, True])
def test_a_report_file_changed_since_is_not_replaced(tmp_path, quick, small, force):
    out = tmp_path / "rep"
    _run(small, out)
    with (out / "tables" / "gaps.csv").open("a", encoding="utf-8") as fh:
        fh.write("my own row\n")
    before = _files(out)
    with pytest.raises(sm.ConfigurationError, match=r"tables/gaps\.csv.*even with --force"):
        _run(small, out, force=force)
    assert _files(out) == before


def test_force_writes_beside_foreign_files_and_keeps_them(tmp_path, quick, small):
    mine = _user_files(tmp_path)
    with pytest.raises(sm.ConfigurationError, match="--force"):
        _run(small, tmp_path)
    rep = _run(small, tmp_path, force=True)
    assert rep.index.exists() and (tmp_path / "tables" / "gaps.csv").exists()
    files = _files(tmp_path)
    for rel, data in mine.items():
        assert files[rel] == data
    # now the folder holds a report: a rerun needs no --force and still keeps them
    _run(small, tmp_path, title="again")
    files = _files(tmp_path)
    for rel, data in mine.items():
        assert files[rel] == data
    assert "again" in _html(rep)


def test_force_never_replaces_a_file_where_the_report_writes(tmp_path, quick, small):
    (tmp_path / "index.html").write_text("<p>my homepage</p>")
    with pytest.raises(sm.ConfigurationError, match=r"index\.html"):
        _run(small, tmp_path, force=True)
    assert _files(tmp_path) == {"index.html": b"<p>my homepage</p>"}


def test_a_marker_cannot_name_files_outside_the_folder(tmp_path, quick, small):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "rep"
    out.mkdir()
    forged = {
        "format": "skillsmap.report",
        "version": 1,
        "files": {"../victim.txt": hashlib.sha256(b"precious").hexdigest()},
    }
    (out / ".skillsmap-report").write_text(json.dumps(forged))
    with pytest.raises(sm.ConfigurationError, match="not one skillsmap wrote"):
        _run(small, out)
    with pytest.raises(sm.ConfigurationError, match="skillsmap-report"):
        _run(small, out, force=True)
    assert victim.read_text() == "precious"


_real_replace = os.replace


def _failing_replace(monkeypatch, nth: int, error: BaseException):
    """Make the nth call of os.replace (staging writes and the swap alike) raise."""
    real = os.replace
    calls = {"n": 0}

    def replace(src, dst):
        calls["n"] += 1
        if calls["n"] == nth:
            raise error
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    return calls


@pytest.fixture
def previous(tmp_path, quick, small, monkeypatch):
    """A report with a user file beside it, and how many os.replace calls a
    rerun over it makes."""
    out = tmp_path / "rep"
    _run(small, out, title="previous")
    _user_files(out)
    trial = tmp_path / "trial"
    shutil.copytree(out, trial)
    calls = _failing_replace(monkeypatch, 0, RuntimeError())  # counts, never fails
    _run(small, trial, title="trial")
    monkeypatch.setattr(os, "replace", _real_replace)
    return out, calls["n"]


@pytest.mark.parametrize(
    ("when", "error"),
    [
        (0.0, PermissionError(13, "Permission denied")),  # the first staged file
        (0.5, PermissionError(13, "Permission denied")),  # moving the old files aside
        (0.75, OSError(28, "No space left on device")),  # moving the new files in
        (0.9, KeyboardInterrupt()),
        (1.0, OSError(5, "Input/output error")),  # the final marker
    ],
)
def test_a_rerun_failing_half_way_leaves_the_previous_report(
    previous, other, monkeypatch, when, error
):
    out, n_calls = previous
    before = _files(out)
    nth = max(1, round(when * n_calls))
    _failing_replace(monkeypatch, nth, error)
    with pytest.raises(type(error)):
        _run(other, out, title="next")
    monkeypatch.setattr(os, "replace", _real_replace)
    assert _files(out) == before  # byte for byte, the marker and the user's files too
    assert sorted(p.name for p in out.parent.iterdir()) == ["rep", "trial"]


def test_a_csv_held_open_leaves_the_previous_report(previous, other, monkeypatch):
    # Windows refuses to move a file another program (Excel) holds open
    out, _ = previous
    before = _files(out)
    held = out / "tables" / "gaps.csv"

    def replace(src, dst):
        if Path(src) == held:
            raise PermissionError(13, "The process cannot access the file", str(src))
        return _real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(PermissionError):
        _run(other, out, title="next")
    monkeypatch.setattr(os, "replace", _real_replace)
    assert _files(out) == before


def test_a_failed_rerun_takes_back_the_files_it_added(tmp_path, quick, small, monkeypatch):
    out = tmp_path / "rep"
    _run(_survey(small.to_frame().query("region == 'FI1D7'")), out)
    assert not (out / "tables" / "similarity_region.csv").exists()
    before = _files(out)
    marker = out / ".skillsmap-report"
    commits = {"n": 0}

    def replace(src, dst):
        if Path(dst) == marker:
            commits["n"] += 1
            if commits["n"] == 2:  # the final marker, after every new file is in
                raise OSError(5, "Input/output error")
        return _real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="Input/output"):
        _run(small, out)  # six regions: similarity and learning-match tables too
    monkeypatch.setattr(os, "replace", _real_replace)
    assert _files(out) == before


def test_a_failed_first_run_leaves_no_folder(tmp_path, quick, small, monkeypatch):
    def rename(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(OSError, match="No space"):
        _run(small, tmp_path / "rep")
    assert list(tmp_path.iterdir()) == []


def test_a_run_killed_mid_swap_does_not_lock_the_folder(previous, small, other, monkeypatch):
    # a killed process runs no clean-up: the folder holds old and new files,
    # the new ones only known to the marker as pending
    out, n_calls = previous
    undo = _folder._undo
    monkeypatch.setattr(_folder, "_undo", lambda *args: False)
    _failing_replace(monkeypatch, round(0.9 * n_calls), KeyboardInterrupt())
    with pytest.warns(RuntimeWarning, match="could not be fully restored"):
        with pytest.raises(KeyboardInterrupt):
            _run(other, out, title="killed")
    monkeypatch.setattr(_folder, "_undo", undo)
    monkeypatch.setattr(os, "replace", _real_replace)
    assert "pending" in json.loads((out / ".skillsmap-report").read_text(encoding="utf-8"))
    rep = _run(small, out, title="after")
    assert "after" in _html(rep)
    marker = json.loads((out / ".skillsmap-report").read_text(encoding="utf-8"))
    assert "pending" not in marker
    assert (out / "tables" / "survey.csv").exists()


def test_cli_report_refuses_a_foreign_folder_unless_forced(tmp_path, capsys, quick):
    mine = _user_files(tmp_path)
    argv = ["report", "--demo", "--n-respondents", "150", "--n-boot", "20", "--quiet"]
    assert main([*argv, "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("skillsmap report: ") and "--force" in err
    assert _files(tmp_path) == mine
    assert main([*argv, "--out", str(tmp_path), "--force"]) == 0
    assert capsys.readouterr().out.strip() == str((tmp_path / "index.html").resolve())
    files = _files(tmp_path)
    assert all(files[rel] == data for rel, data in mine.items())
