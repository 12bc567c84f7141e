"""Round trips of the field loop: a known demo survey → the form → the export
a collection tool would write → read_survey(..., form=) → the same gaps."""

from __future__ import annotations

import csv
import importlib.util
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skillsmap as sm

pyxform = pytest.importorskip("pyxform")
from pyxform.xls2xform import convert  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "_field_exports", Path(__file__).with_name("_field_exports.py")
)
assert _spec is not None and _spec.loader is not None
fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fx)

LANGS = ("en", "es", "fr", "sl", "fi", "it")


@pytest.fixture(scope="module")
def demo() -> sm.Survey:
    # what a form carries: no survey weights; organisation size is an attribute
    return sm.demo_survey(36, seed=7, weights=False)


@pytest.fixture(scope="module")
def form(tmp_path_factory) -> tuple[sm.Questionnaire, Path]:
    q = sm.Questionnaire(attributes=["organisation_size"])
    return q, q.to_xlsform(tmp_path_factory.mktemp("form") / "form.xlsx")


def assert_same_survey(back: sm.Survey, ref: sm.Survey) -> None:
    """Same answers, respondents and gaps (provenance aside)."""
    # by competence: a framework through JSON lists competences area by area
    a = back.gaps().sort_values("competence").reset_index(drop=True)
    b = ref.gaps().sort_values("competence").reset_index(drop=True)
    a.attrs, b.attrs = {}, {}
    pd.testing.assert_frame_equal(a, b)
    ra = back.respondents.reset_index(drop=True)
    rb = ref.respondents.reset_index(drop=True)[ra.columns]
    pd.testing.assert_frame_equal(ra, rb, check_dtype=False)
    fa = back.to_frame().sort_values(["respondent", "competence"]).reset_index(drop=True)
    fb = ref.to_frame().sort_values(["respondent", "competence"]).reset_index(drop=True)[fa.columns]
    pd.testing.assert_frame_equal(fa, fb, check_dtype=False)


# -- KoboToolbox / ODK -----------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
def test_kobo_round_trip_in_every_language(tmp_path, demo, lang):
    q = sm.Questionnaire(
        languages=(lang, *(g for g in LANGS if g != lang)), attributes=["organisation_size"]
    )
    path = q.to_xlsform(tmp_path / "form.xlsx")
    found: list[str] = []
    convert(xlsform=str(path), validate=False, warnings=found)
    assert found == []
    # labels of this language, with group paths; then names without them
    for groups, labels in ((True, lang), (False, None)):
        export = fx.kobo_export(demo, q, tmp_path / "export.csv", groups=groups, labels=labels)
        raw = export.read_bytes()
        assert raw.startswith(b'"start";"end";') and b'"\r\n"' in raw
        assert_same_survey(sm.read_survey(export, form=path), demo)


@pytest.mark.parametrize(("groups", "labels"), [(True, None), (False, "sl")])
def test_kobo_xlsx_export(tmp_path, demo, form, groups, labels):
    q, path = form
    export = fx.kobo_export(
        demo, q, tmp_path / "export.xlsx", groups=groups, labels=labels, xlsx=True
    )
    assert_same_survey(sm.read_survey(export, form=path), demo)


def test_question_labels_as_headers(tmp_path, demo, form):
    """Kobo's label export writes labels as headers too; any language works."""
    q, path = form
    export = fx.kobo_export(demo, q, tmp_path / "e.csv", groups=False, labels="it")
    df = pd.read_csv(export, sep=";", dtype=str, keep_default_na=False)
    df = df.rename(columns={n: q.label(n, "it") for n in q.questions["name"]})
    df.to_csv(tmp_path / "labels.csv", sep=";", index=False)
    assert_same_survey(sm.read_survey(tmp_path / "labels.csv", form=path), demo)


def test_metadata_columns_are_never_errors(tmp_path, demo, form):
    q, path = form
    export = fx.kobo_export(demo, q, tmp_path / "e.csv")
    df = pd.read_csv(export, sep=";", dtype=str, keep_default_na=False)
    for col in (
        "_geolocation",
        "_attachments",
        "today",
        "deviceid",
        "meta/rootUuid",
        "_xform_id_string",
    ):
        df[col] = "x"
    df["a comment the partner added"] = "hello"
    df.to_csv(tmp_path / "more.csv", sep=",", index=False)
    back = sm.read_survey(tmp_path / "more.csv", form=path)
    assert_same_survey(back, demo)
    kept = sm.read_survey(
        tmp_path / "more.csv",
        form=path,
        keep=["_submission_time", "DeviceID", "A comment the partner added"],
    )
    assert kept.respondents["A comment the partner added"].eq("hello").all()
    assert kept.respondents["_submission_time"].eq("2026-03-02T09:21:00").all()
    assert kept.respondents["DeviceID"].eq("x").all()
    with pytest.raises(sm.ValidationError, match="keep="):
        sm.read_survey(tmp_path / "more.csv", form=path, keep=["_nope"])


def test_respondent_id_without_uuid(tmp_path, demo, form):
    q, path = form
    export = fx.kobo_export(demo, q, tmp_path / "e.csv", groups=False)
    df = pd.read_csv(export, sep=";", dtype=str, keep_default_na=False)
    df.drop(columns=["_uuid", "_id", "_index"]).to_csv(tmp_path / "noid.csv", index=False)
    back = sm.read_survey(tmp_path / "noid.csv", form=path)
    assert back.respondents["respondent"].tolist() == [f"row{i + 1}" for i in range(len(df))]
    # with groups, meta/instanceID (less its uuid: prefix) is the id
    export = fx.kobo_export(demo, q, tmp_path / "g.csv", groups=True)
    df = pd.read_csv(export, sep=";", dtype=str, keep_default_na=False)
    df.drop(columns=["_uuid"]).to_csv(tmp_path / "inst.csv", index=False)
    back = sm.read_survey(tmp_path / "inst.csv", form=path)
    assert back.respondents["respondent"].tolist() == demo.respondents["respondent"].tolist()


def test_only_approved_submissions(tmp_path, demo, form):
    q, path = form
    n = demo.n_respondents
    pool = [
        "validation_status_approved",
        "validation_status_not_approved",
        "validation_status_on_hold",
        "Approved",
        "Not Approved",
        "On Hold",
        "",
    ]
    rng = np.random.default_rng(3)
    statuses = [pool[i] for i in rng.integers(0, len(pool), n)]
    export = fx.kobo_export(demo, q, tmp_path / "e.csv", statuses=statuses)
    everyone = sm.read_survey(export, form=path)
    assert everyone.n_respondents == n
    approved = sm.read_survey(export, form=path, validation="approved")
    keep = [s in {"validation_status_approved", "Approved"} for s in statuses]
    ids = demo.respondents["respondent"][keep]
    frame = demo.to_frame()
    ref = sm.Survey.from_frame(
        frame[frame["respondent"].isin(ids)],
        importance="importance",
        attributes=["organisation_size"],
    )
    assert_same_survey(approved, ref)
    df = pd.read_csv(export, sep=";", dtype=str).drop(columns=["_validation_status"])
    df.to_csv(tmp_path / "nostatus.csv", index=False)
    with pytest.raises(sm.ValidationError) as err:
        sm.read_survey(tmp_path / "nostatus.csv", form=path, validation="approved")
    assert err.value.issues["column"].tolist() == ["_validation_status"]
    with pytest.raises(sm.ConfigurationError, match="validation"):
        sm.read_survey(export, form=path, validation="yes")


def test_consent_keeps_only_those_who_agreed(tmp_path, demo):
    q = sm.Questionnaire(languages=("fr", "en"), consent=True, attributes=["organisation_size"])
    path = q.to_xlsform(tmp_path / "form.xlsx")
    export = fx.kobo_export(demo, q, tmp_path / "e.csv", labels="fr")
    df = pd.read_csv(export, sep=";", dtype=str, keep_default_na=False)
    assert df["consent"].eq("Oui").all()
    df.loc[[1, 4], "consent"] = "Non"
    df.loc[[1, 4], "respondent/region"] = ""  # nothing else is asked after a no
    df.to_csv(tmp_path / "c.csv", sep=";", index=False)
    back = sm.read_survey(tmp_path / "c.csv", form=path)
    ids = demo.respondents["respondent"].drop(index=[1, 4])
    assert back.respondents["respondent"].tolist() == ids.tolist()


def test_every_problem_is_located_in_the_export(tmp_path, demo, form):
    q, path = form
    export = fx.kobo_export(demo, q, tmp_path / "e.csv", groups=True)
    df = pd.read_csv(export, sep=";", dtype=str, keep_default_na=False)
    cur = "area_impact/impact_measurement_cur"
    df.loc[2, "respondent/region"] = "Atlantis"
    df.loc[5, cur] = "9"
    df.loc[6, cur] = "lots"
    df.loc[7, "respondent/stakeholder_type"] = "Pirates"
    df.loc[8, "respondent/organisation_size"] = "giant"
    df.loc[9, "_uuid"] = df.loc[10, "_uuid"]  # one respondent submitted twice
    df.to_csv(tmp_path / "bad.csv", sep=";", index=False, quoting=csv.QUOTE_ALL)
    with pytest.raises(sm.ValidationError) as err:
        sm.read_survey(tmp_path / "bad.csv", form=path)
    issues = err.value.issues
    got = set(zip(issues["row"], issues["column"], issues["value"], issues["code"], strict=True))
    assert (2, "respondent/region", "Atlantis", "unknown_region") in got
    assert (5, cur, "9", "out_of_scale") in got
    assert (6, cur, "lots", "invalid_value") in got
    assert (7, "respondent/stakeholder_type", "Pirates", "unknown_stakeholder_type") in got
    assert (8, "respondent/organisation_size", "giant", "invalid_value") in got
    dup = issues[issues["code"] == "duplicate_answer"]
    assert dup["row"].tolist() == [10] and dup["column"].tolist() == ["_uuid"]
    assert dup["reason"].iloc[0].endswith("answered twice (first in row 9)")
    # reasons name rows of the export, never of the long table the core saw
    other = issues.loc[issues["code"] == "inconsistent_respondent", "reason"]
    assert len(other) > 0 and other.str.endswith("in row 9").all()


def test_wrong_or_foreign_files(tmp_path, demo, form):
    q, path = form
    other = tmp_path / "other.csv"
    other.write_text("name;age\nAna;3\n", encoding="utf-8")
    with pytest.raises(sm.ValidationError, match="export of this form"):
        sm.read_survey(other, form=path)
    export = fx.kobo_export(demo, q, tmp_path / "e.csv", groups=False)
    df = pd.read_csv(export, sep=";", dtype=str)
    df.drop(columns=["region"]).to_csv(tmp_path / "noregion.csv", index=False)
    with pytest.raises(sm.ValidationError) as err:
        sm.read_survey(tmp_path / "noregion.csv", form=path)
    assert err.value.issues["code"].tolist() == ["missing_column"]
    with pytest.raises(sm.FormatError, match="a form is an XLSForm"):
        sm.read_survey(export, form=export)
    with pytest.raises(sm.ConfigurationError, match="form"):
        sm.read_survey(export, form=3)
    with pytest.raises(sm.ConfigurationError, match="fixes the framework"):
        sm.read_survey(export, form=path, framework="entrecomp")
    with pytest.raises(sm.FormatError, match="directory"):
        sm.read_survey(tmp_path, form=path)
    with pytest.raises(FileNotFoundError):
        sm.read_survey(tmp_path / "none.csv", form=path)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(sm.FormatError, match="empty"):
        sm.read_survey(empty, form=path)
    # an export saved by Excel in Windows-1252 is decoded like any survey
    # file (read_table), so what is left to say is about its columns
    cp = tmp_path / "latin.csv"
    cp.write_bytes("region;x\nRégion de Murcia;1\n".encode("cp1252"))
    with pytest.raises(sm.ValidationError, match="rating question"):
        sm.read_survey(cp, form=path)


def test_survey_remembers_its_form_and_export(tmp_path, demo, form):
    q, path = form
    export = fx.kobo_export(demo, q, tmp_path / "answers.csv")
    back = sm.read_survey(export, form=path)
    import hashlib

    h_form = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    h_export = hashlib.sha256(export.read_bytes()).hexdigest()[:12]
    assert back.source == f"kobo export {export} (sha256 {h_export}); form {path} (sha256 {h_form})"
    assert back.gaps().attrs["provenance"].source == back.source


def test_report_names_form_and_export(tmp_path, demo, form, monkeypatch):
    pytest.importorskip("matplotlib")
    from skillsmap.report import _build

    def cheap(_data):
        import matplotlib.pyplot as plt

        _fig, ax = plt.subplots()
        return ax, "A cheap figure."

    # what the page says of its source does not depend on the figures drawn
    monkeypatch.setattr(_build, "_FIGURES", [("radar", "Radar", cheap)])
    q, path = form
    export = fx.kobo_export(demo, q, tmp_path / "answers.csv")
    back = sm.read_survey(export, form=path)
    rep = sm.report(back, tmp_path / "report", n_boot=50, progress=False)
    page = rep.index.read_text(encoding="utf-8")
    assert f"<dt>Source</dt><dd>kobo export {export} (sha256 " in page
    assert f"<dt>Form</dt><dd>{path} (sha256 " in page


# -- LimeSurvey ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("answers", "em_codes", "sep"), [(None, False, ","), ("es", True, ";"), ("fi", False, ";")]
)
def test_limesurvey_round_trip(tmp_path, demo, answers, em_codes, sep):
    q = sm.Questionnaire(attributes=["organisation_size"])
    structure = q.to_limesurvey(tmp_path / "form.txt")
    export = fx.limesurvey_export(
        demo, q, tmp_path / "results.csv", answers=answers, em_codes=em_codes, sep=sep
    )
    back = sm.read_survey(export, form=structure)
    assert_same_survey(back, demo)
    assert back.source.startswith(f"limesurvey export {export} (sha256 ")


@pytest.mark.parametrize("lang", ["en", "sl"])
def test_limesurvey_full_question_text_headings(tmp_path, demo, lang):
    q = sm.Questionnaire(attributes=["organisation_size"])
    structure = q.to_limesurvey(tmp_path / "form.txt")
    export = fx.limesurvey_export(demo, q, tmp_path / "r.csv", answers=lang, full_headings=lang)
    head = export.read_text(encoding="utf-8-sig").split("\r\n", 1)[0]
    assert "[Current level]" in head if lang == "en" else "[Trenutna raven]" in head
    assert_same_survey(sm.read_survey(export, form=structure), demo)


def test_limesurvey_current_and_importance_only(tmp_path):
    demo = sm.demo_survey(20, seed=2, weights=False)
    frame = demo.to_frame().drop(columns=["required"])
    ref = sm.Survey.from_frame(
        frame, required=None, importance="importance", attributes=["organisation_size"]
    )
    q = sm.Questionnaire(
        languages=("it", "en"), ratings=("current", "importance"), attributes=["organisation_size"]
    )
    structure = q.to_limesurvey(tmp_path / "form.txt")
    assert "G1CU[SQ001]" in q.questions["limesurvey"].tolist()
    export = fx.limesurvey_export(ref, q, tmp_path / "r.csv", answers="it")
    assert_same_survey(sm.read_survey(export, form=structure), ref)


def test_limesurvey_complete_responses(tmp_path, demo):
    q = sm.Questionnaire(languages=("en",), attributes=["organisation_size"])
    structure = q.to_limesurvey(tmp_path / "form.txt")
    export = fx.limesurvey_export(demo, q, tmp_path / "r.csv")
    df = pd.read_csv(export, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    df.loc[[0, 3], "submitdate"] = ""
    df.to_csv(tmp_path / "partial.csv", index=False)
    back = sm.read_survey(tmp_path / "partial.csv", form=structure, validation="complete")
    ids = demo.respondents["respondent"].drop(index=[0, 3])
    assert back.respondents["respondent"].tolist() == ids.tolist()
    assert (
        sm.read_survey(tmp_path / "partial.csv", form=structure).n_respondents == demo.n_respondents
    )


# -- the hand-filled template ----------------------------------------------------------------
def test_long_template_round_trip(tmp_path, demo, form):
    q, path = form
    blank = pd.read_csv(q.to_template(tmp_path / "t.csv"), dtype=str, encoding="utf-8-sig")
    frame = demo.to_frame()
    # filled as a partner would: the block copied per respondent, names as labels
    names = dict(
        zip(sm.Regions.resees().table["id"], sm.Regions.resees().table["name"], strict=True)
    )
    filled = frame.merge(blank[["competence", "competence_label"]], on="competence")
    filled["region"] = filled["region"].map(names)
    filled = filled[q.template_columns("long")]
    buf = io.StringIO()
    # Excel in a decimal-comma locale: ';' and "3,0"
    filled.to_csv(buf, sep=";", index=False, decimal=",", float_format="%.1f")
    blank_rows = "\n" + ";" * (len(filled.columns) - 1) + "\n"
    (tmp_path / "filled.csv").write_text(buf.getvalue() + blank_rows, encoding="utf-8-sig")
    back = sm.read_survey(tmp_path / "filled.csv", form=path)
    assert_same_survey(back, demo)
    assert back.source.startswith(f"template {tmp_path / 'filled.csv'} (sha256 ")


def test_wide_template_round_trip(tmp_path, demo, form):
    q, _ = form
    cols = q.template_columns("wide")
    wide = fx.answers_wide(demo)
    resp = demo.respondents.set_index("respondent")
    rows = []
    for rid in resp.index:
        row = {
            "respondent": rid,
            "region": resp.loc[rid, "region"],
            "stakeholder_type": resp.loc[rid, "stakeholder_type"],
            "organisation_size": resp.loc[rid, "organisation_size"],
        }
        for c in cols[4:]:
            cid, rating = c.rsplit("_", 1)
            row[c] = wide.loc[rid, (rating, cid)]
        rows.append(row)
    pd.DataFrame(rows, columns=cols).to_csv(tmp_path / "wide.csv", index=False)
    assert_same_survey(sm.read_survey(tmp_path / "wide.csv", form=q), demo)


def test_template_problems_are_located(tmp_path, demo, form):
    q, path = form
    frame = demo.to_frame()[
        [*q.template_columns("long")[:4], "competence", "current", "required", "importance"]
    ]
    frame.loc[4, "current"] = 7
    frame.loc[9, "region"] = "Nowhere"
    frame.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(sm.ValidationError) as err:
        sm.read_survey(tmp_path / "bad.csv", form=path)
    got = set(zip(err.value.issues["row"], err.value.issues["column"], strict=True))
    assert (4, "current") in got and (9, "region") in got


def test_cli_reads_an_export_with_its_form(tmp_path, demo, form, capsys):
    from skillsmap.cli import main

    q, path = form
    export = fx.kobo_export(demo, q, tmp_path / "export.csv", labels="es")
    assert main(["validate", str(export), "--form", str(path)]) == 0
    assert f"OK — {demo.n_respondents} respondents" in capsys.readouterr().out
    df = pd.read_csv(export, sep=";", dtype=str, keep_default_na=False)
    df.loc[3, "respondent/region"] = "Atlantis"
    df.to_csv(tmp_path / "bad.csv", sep=";", index=False)
    assert main(["validate", str(tmp_path / "bad.csv"), "--form", str(path)]) == 1
    out = capsys.readouterr().out
    assert "respondent/region" in out and "Atlantis" in out
    assert main(["validate", str(export), "--form", str(path), "--validation", "approved"]) == 1
    assert "no submission left" in capsys.readouterr().out


def test_odk_central_export(tmp_path, demo, form):
    """ODK Central joins groups with '-' and adds its own columns."""
    q, path = form
    export = fx.kobo_export(demo, q, tmp_path / "k.csv", groups=True)
    df = pd.read_csv(export, sep=";", dtype=str, keep_default_na=False)
    df = df[[c for c in df.columns if not c.startswith("_") and c != "meta/instanceID"]]
    df.columns = [c.replace("/", "-") for c in df.columns]
    df.insert(0, "SubmissionDate", "2026-03-02T09:21:00.000Z")
    df["meta-instanceID"] = [f"uuid:{r}" for r in demo.respondents["respondent"]]
    df["KEY"] = df["meta-instanceID"]
    df["SubmitterID"] = "5"
    df["SubmitterName"] = "partner"
    df["ReviewState"] = ["approved" if i % 3 else "hasIssues" for i in range(len(df))]
    df.to_csv(tmp_path / "central.csv", index=False)
    assert_same_survey(sm.read_survey(tmp_path / "central.csv", form=path), demo)
    approved = sm.read_survey(tmp_path / "central.csv", form=path, validation="approved")
    assert approved.n_respondents == sum(1 for i in range(len(df)) if i % 3)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_custom_framework_regions_and_types_round_trip(tmp_path, seed):
    """Nothing embedded: the form carries the framework, regions and typology
    as JSON, and that is enough to read the export back."""
    rng = np.random.default_rng(seed)
    n_comp = int(rng.integers(3, 9))
    fw = sm.Framework.from_frame(
        pd.DataFrame(
            {
                "id": [f"my.c{i}" for i in range(n_comp)],
                "label": [f"Competence {i}" for i in range(n_comp)],
                "label_es": [f"Competencia {i}" for i in range(n_comp)],
                "area": [f"my.a{i % 2}" for i in range(n_comp)],
            }
        ),
        id="mine",
    )
    regions = sm.Regions.from_frame(
        pd.DataFrame({"id": ["N1", "N2", "N3"], "name": ["Norte", "Sur", "Este"]}), id="three"
    )
    types = sm.Typology.from_frame(
        pd.DataFrame({"sector": ["a", "a", "b"], "stakeholder_type": ["coop", "assoc", "city"]}),
        id="tiny",
    )
    demo = sm.demo_survey(
        int(rng.integers(15, 40)),
        seed=seed,
        weights=False,
        framework=fw,
        regions=regions,
        typology=types,
        missing_rate=float(rng.uniform(0, 0.3)),
    )
    with pytest.warns(sm.MissingTranslationWarning, match="stakeholder types in es"):
        q = sm.Questionnaire(
            fw,
            languages=("es", "en"),
            regions=regions,
            stakeholder_types=types,
            attributes=["organisation_size"],
        )
    path = q.to_xlsform(tmp_path / "form.xlsx")
    found: list[str] = []
    convert(xlsform=str(path), validate=False, warnings=found)
    assert found == []
    labels = ["es", "en", None][seed]
    export = fx.kobo_export(demo, q, tmp_path / "e.csv", groups=bool(seed % 2), labels=labels)
    assert_same_survey(sm.read_survey(export, form=path), demo)
    structure = q.to_limesurvey(tmp_path / "form.txt")
    export = fx.limesurvey_export(demo, q, tmp_path / "l.csv", answers=labels)
    assert_same_survey(sm.read_survey(export, form=structure), demo)
