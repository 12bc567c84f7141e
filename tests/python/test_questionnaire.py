"""The survey instrument: Questionnaire, its XLSForm (checked by pyxform and
ODK Validate, tools nobody here wrote), its LimeSurvey structure (parsed back
by the manual's column rules) and its blank template."""

from __future__ import annotations

import csv
import io
import re
import shutil
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
import skillsmap as sm
from openpyxl import load_workbook
from skillsmap import _forms_text as T

pyxform = pytest.importorskip("pyxform")
from pyxform.xls2xform import convert  # noqa: E402

LANGS = ("en", "es", "fr", "sl", "fi", "it")
XF = "{http://www.w3.org/2002/xforms}"


def _rotated(lang: str) -> tuple[str, ...]:
    """The six languages with ``lang`` first (the form's default)."""
    return (lang, *(g for g in LANGS if g != lang))


def _convert(path: Path, validate: bool = False) -> tuple[ET.Element, list[str]]:
    found: list[str] = []
    result = convert(xlsform=str(path), validate=validate, warnings=found)
    return ET.fromstring(result.xform), found


def _itext(root: ET.Element) -> dict[str, dict[str, str]]:
    """Translations of the XForm: language → {text id: text}."""
    out: dict[str, dict[str, str]] = {}
    for tr in root.iter(f"{XF}translation"):
        texts = {}
        for t in tr.iter(f"{XF}text"):
            v = t.find(f"{XF}value")
            texts[t.get("id")] = "" if v is None else (v.text or "")
        out[tr.get("lang")] = texts
    return out


# -- the questions ---------------------------------------------------------------------
def test_questions_table_documents_every_question():
    q = sm.Questionnaire(attributes=["organisation_size"], consent=True)
    qs = q.questions
    assert list(qs.columns) == [
        "name",
        "kind",
        "competence",
        "rating",
        "group",
        "list_name",
        "limesurvey",
    ]
    fw = sm.frameworks.load("se-core").competences
    ratings = qs[qs["kind"] == "rating"]
    assert len(ratings) == 3 * len(fw)
    # every competence × rating once, in framework order within areas
    pairs = set(zip(ratings["competence"], ratings["rating"], strict=True))
    assert pairs == {(c, r) for c in fw["id"] for r in ("current", "required", "importance")}
    assert qs["name"].is_unique and qs["limesurvey"].is_unique
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,31}", n) for n in qs["name"])
    assert qs["kind"].head(4).tolist() == ["consent", "region", "stakeholder_type", "attribute"]
    # each competence sits in the group of its area
    area_of = dict(zip(fw["id"], fw["area"], strict=True))
    groups = ratings.groupby("competence")["group"].unique()
    assert all(len(g) == 1 for g in groups)
    assert len({area_of[c] for c in ratings["competence"]}) == ratings["group"].nunique()


def test_names_fall_back_to_positions_when_ids_do_not_make_names():
    df = pd.DataFrame(
        {
            "id": ["x.1", "x-1", "y"],  # the first two give the same name
            "label": ["One", "One bis", "Two"],
            "area": ["a", "a", "b"],
        }
    )
    fw = sm.Framework.from_frame(df, id="tiny")
    q = sm.Questionnaire(fw, languages=("en",), ratings=("current", "required"))
    names = q.questions.query("kind == 'rating'")["name"].tolist()
    assert names == ["c01_cur", "c01_req", "c02_cur", "c02_req", "c03_cur", "c03_req"]


@pytest.mark.parametrize(
    ("scale", "expected"),
    [
        ((1, 5), ["1 – None", "2 – Basic", "3 – Intermediate", "4 – Advanced", "5 – Expert"]),
        ((0, 3), ["0 – None", "1 – Basic", "2 – Advanced", "3 – Expert"]),
        ((1, 3), ["1 – None", "2 – Intermediate", "3 – Expert"]),
        ((1, 7), ["1 – None", "2", "3", "4 – Intermediate", "5", "6", "7 – Expert"]),
        ((1, 10), ["1 – None", *[str(i) for i in range(2, 10)], "10 – Expert"]),
    ],
)
def test_level_labels_are_anchored(scale, expected):
    q = sm.Questionnaire(languages=("en", "fi"), scale=scale)
    assert q.choices["level"].labels["en"] == expected
    assert q.choices["level"].names == [str(i) for i in range(scale[0], scale[1] + 1)]
    imp = q.choices["importance"].labels["en"]
    assert imp[0].endswith("Not important") and imp[-1].endswith("Essential")
    fi = q.choices["level"].labels["fi"]
    assert fi[0].endswith(T.LEVEL_ANCHORS["fi"][0]) and fi[-1].endswith(T.LEVEL_ANCHORS["fi"][4])


def test_every_text_is_written_in_every_language():
    tables = [
        T.TITLE,
        T.RESPONDENT_GROUP,
        T.REGION,
        T.STAKEHOLDER_TYPE,
        T.CONSENT,
        T.CONSENT_GROUP,
        T.YES,
        T.NO,
        T.WHOLE_NUMBER,
        T.ORGANISATION_SIZE,
        *T.RATING_PROMPT.values(),
        *T.RATING_HEADER.values(),
        T.LEVEL_ANCHORS,
        T.IMPORTANCE_ANCHORS,
        *T.ORGANISATION_SIZE_CHOICES.values(),
    ]
    for table in tables:
        assert set(table) == set(LANGS)
        assert all(table[g] for g in LANGS)
    types = sm.Typology.default().types["id"]
    assert set(T.DEFAULT_TYPES) == set(types)
    assert all(set(v) == set(LANGS) - {"en"} for v in T.DEFAULT_TYPES.values())


def test_missing_translations_give_one_warning_naming_them():
    # a framework of the user's, labelled in English only (the embedded EU
    # frameworks now carry working translations in all five languages)
    fw = sm.Framework.from_frame(
        pd.DataFrame(
            {
                "id": ["c1", "c2", "c3"],
                "label": ["Listening", "Budgeting", "Mentoring"],
                "area": ["a1", "a1", "a2"],
            }
        ),
        id="mine",
    )
    with pytest.warns(sm.MissingTranslationWarning) as got:
        q = sm.Questionnaire(fw, languages=("en", "es", "fi"))
    assert len(got) == 1
    msg = str(got[0].message)
    assert "competences in es, fi" in msg and "areas in es, fi" in msg and "mine" in msg
    # shown in English where missing
    assert q.label(q.questions.query("kind == 'rating'")["name"].iloc[0], "es").startswith(
        "Listening"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sm.Questionnaire(fw, languages=("en",))
        sm.Questionnaire("se-core")  # se-core carries all five translations
        sm.Questionnaire("entrecomp", languages=("en", "es", "fi"))  # working translations


def test_custom_typology_without_labels_is_named_in_the_warning():
    t = sm.Typology.from_frame(
        pd.DataFrame({"sector": ["s", "s"], "stakeholder_type": ["alpha", "beta"]}), id="mine"
    )
    with pytest.warns(sm.MissingTranslationWarning, match="stakeholder types in fr"):
        sm.Questionnaire(languages=("en", "fr"), stakeholder_types=t)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"languages": ("en", "de")}, "languages"),
        ({"languages": ()}, "languages"),
        ({"languages": ("en", "en")}, "languages"),
        ({"ratings": ("required", "importance")}, "ratings"),
        ({"ratings": ("current",)}, "ratings"),
        ({"ratings": ("current", "wanted")}, "ratings"),
        ({"scale": (1, 2.5)}, "scale"),
        ({"scale": (5, 1)}, "scale"),
        ({"scale": (1, 20)}, "scale"),
        ({"scale": "1-5"}, "scale"),
        ({"consent": "yes"}, "consent"),
        ({"title": {}}, "title"),
        ({"title": 3}, "title"),
        ({"require_ratings": 1}, "require_ratings"),
        ({"attributes": {"region": ["a"]}}, "attributes"),
        ({"attributes": {"size": None}}, "attributes"),
        ({"attributes": {"size": ["a b"]}}, "attributes"),
        ({"attributes": {"2nd": "integer"}}, "attributes"),
    ],
)
def test_bad_options_name_their_argument(kwargs, argument):
    with pytest.raises(sm.ConfigurationError, match=argument):
        sm.Questionnaire(**kwargs)


def test_languages_as_text_and_scale_object():
    q = sm.Questionnaire(languages="es, en", scale=sm.Scale(1, 4))
    assert q.languages == ("es", "en") and q.scale == (1, 4)


# -- XLSForm -----------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
def test_xlsform_converts_with_pyxform_in_every_language(tmp_path, lang):
    q = sm.Questionnaire(languages=_rotated(lang), attributes=["organisation_size"])
    path = q.to_xlsform(tmp_path / "form.xlsx")
    root, found = _convert(path)
    assert found == []
    itext = _itext(root)
    assert set(itext) == {f"{T.LANGUAGE_NAMES[g]} ({g})" for g in LANGS}
    default = next(tr for tr in root.iter(f"{XF}translation") if tr.get("default"))
    assert default.get("lang") == f"{T.LANGUAGE_NAMES[lang]} ({lang})"
    # the framework's own translations reach the form, in every language
    comp = sm.frameworks.load("se-core").competences
    for g in LANGS:
        col = "label" if g == "en" else f"label_{g}"
        texts = "\n".join(itext[f"{T.LANGUAGE_NAMES[g]} ({g})"].values())
        assert all(str(label) in texts for label in comp[col])
        assert all(lab in texts for lab in T.level_labels(1, 5, g, importance=False))


def test_xlsform_structure(tmp_path):
    q = sm.Questionnaire(
        languages=("en", "sl"),
        consent=True,
        attributes={"organisation_size": None, "employees": "integer"},
        require_ratings=True,
    )
    path = q.to_xlsform(tmp_path / "form.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["survey", "choices", "settings", "skillsmap", "skillsmap_questions"]
    assert wb["skillsmap"].sheet_state == "hidden"
    survey = pd.DataFrame(list(wb["survey"].values)[1:], columns=next(wb["survey"].values))
    assert "label::Slovenščina (sl)" in survey.columns
    assert survey["type"].eq("begin_group").sum() == 1 + len(q.framework.areas)
    assert survey["type"].eq("begin_group").sum() == survey["type"].eq("end_group").sum()
    rated = survey[survey["type"].str.startswith("select_one level", na=False)]
    assert rated["required"].eq("yes").all()
    emp = survey[survey["name"] == "employees"].iloc[0]
    assert emp["type"] == "integer" and emp["constraint"] == ". >= 0"
    assert survey.loc[survey["type"] == "begin_group", "relevance"].eq("${consent} = 'yes'").all()
    settings = dict(zip(*list(wb["settings"].values), strict=True))
    assert settings["default_language"] == "English (en)"
    choices = pd.DataFrame(list(wb["choices"].values)[1:], columns=next(wb["choices"].values))
    assert (
        choices.loc[choices["list_name"] == "region", "name"].tolist()
        == sm.Regions.resees().table["id"].tolist()
    )
    qs = pd.DataFrame(
        list(wb["skillsmap_questions"].values)[1:], columns=next(wb["skillsmap_questions"].values)
    )
    assert qs["name"].tolist() == q.questions["name"].tolist()
    _, found = _convert(path)
    assert found == []


def test_xlsform_passes_odk_validate(tmp_path):
    if shutil.which("java") is None:
        pytest.skip("ODK Validate needs Java, which is not installed here")
    q = sm.Questionnaire(
        consent=True, attributes={"organisation_size": None, "employees": "integer"}
    )
    root, found = _convert(q.to_xlsform(tmp_path / "form.xlsx"), validate=True)
    assert found == []
    assert root.find(f".//{XF}instance") is not None


def test_odk_validate_catches_what_it_should(tmp_path):
    """The check above can fail: a broken constraint is refused by ODK Validate."""
    if shutil.which("java") is None:
        pytest.skip("ODK Validate needs Java, which is not installed here")
    from pyxform.validators.odk_validate import ODKValidateError

    path = sm.Questionnaire(languages=("en",), attributes={"employees": "integer"}).to_xlsform(
        tmp_path / "form.xlsx"
    )
    wb = load_workbook(path)
    ws = wb["survey"]
    col = [c.value for c in ws[1]].index("constraint") + 1
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 1).value == "integer":
            ws.cell(r, col).value = ". >= count(/x"
    wb.save(path)
    with pytest.raises(ODKValidateError):
        _convert(path, validate=True)


def test_form_rebuilds_the_questionnaire(tmp_path):
    fw = sm.Framework.from_frame(
        pd.DataFrame(
            {
                "id": ["k.one", "k.two", "k.three"],
                "label": ["One", "Two", "Three"],
                "label_es": ["Uno", "Dos", "Tres"],
                "area": ["k.a", "k.a", "k.b"],
            }
        ),
        id="custom",
    )
    regions = sm.Regions.from_frame(pd.DataFrame({"id": ["N1", "N2"], "name": ["North", "South"]}))
    with pytest.warns(sm.MissingTranslationWarning, match="areas in es"):
        q = sm.Questionnaire(
            fw,
            languages=("es", "en"),
            ratings=("current", "importance"),
            scale=(0, 4),
            regions=regions,
            title={"en": "Skills", "es": "Competencias"},
            attributes={"size": {"s": {"en": "Small", "es": "Pequeña"}, "l": "Large"}},
        )
    for writer, name in ((q.to_xlsform, "f.xlsx"), (q.to_limesurvey, "f.txt")):
        path = writer(tmp_path / name)
        back = sm.Questionnaire.from_form(path)
        assert back == q
        pd.testing.assert_frame_equal(back.questions, q.questions)
        assert back.choices["size"].labels["es"] == ["Pequeña", "Large"]
        assert back.framework == fw and back.regions == regions


def test_from_form_refuses_other_files(tmp_path):
    other = tmp_path / "other.xlsx"
    pd.DataFrame({"type": ["text"], "name": ["x"]}).to_excel(other, index=False)
    with pytest.raises(sm.FormatError, match="skillsmap"):
        sm.Questionnaire.from_form(other)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("type,name\n")
    with pytest.raises(sm.FormatError, match="not a readable"):
        sm.Questionnaire.from_form(fake)
    with pytest.raises(FileNotFoundError):
        sm.Questionnaire.from_form(tmp_path / "none.xlsx")


def test_writes_are_atomic_and_leave_nothing_beside(tmp_path):
    q = sm.Questionnaire(languages=("en",))
    target = tmp_path / "form.xlsx"
    target.write_bytes(b"old")
    q.to_xlsform(target)
    q.to_limesurvey(tmp_path / "form.txt")
    q.to_template(tmp_path / "t.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["form.txt", "form.xlsx", "t.csv"]
    assert target.read_bytes()[:2] == b"PK"


# -- LimeSurvey --------------------------------------------------------------------------
LS_COLUMNS = [
    "id",
    "related_id",
    "class",
    "type/scale",
    "name",
    "relevance",
    "text",
    "help",
    "language",
    "validation",
    "mandatory",
    "other",
    "default",
    "same_default",
]


def _ls_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, as LimeSurvey writes
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter="\t")
    rows = list(reader)
    return list(reader.fieldnames or []), rows


@pytest.mark.parametrize(
    "ratings", [("current", "required", "importance"), ("current", "importance")]
)
def test_limesurvey_structure_follows_the_manual(tmp_path, ratings):
    q = sm.Questionnaire(
        ratings=ratings, consent=True, attributes={"organisation_size": None, "n": "integer"}
    )
    header, rows = _ls_rows(q.to_limesurvey(tmp_path / "form.txt"))
    assert header[: len(LS_COLUMNS)] == LS_COLUMNS
    survey = {r["name"]: r["text"] for r in rows if r["class"] == "S"}
    assert survey["language"] == "en"
    assert survey["additional_languages"].split() == list(LANGS[1:])
    titles = {r["language"]: r["text"] for r in rows if r["class"] == "SL"}
    assert titles == T.TITLE
    body = [r for r in rows if r["class"] not in {"S", "SL"}]
    blocks: dict[str, list[dict[str, str]]] = {}
    for r in body:
        blocks.setdefault(r["language"], []).append(r)
    # the base language first, then a translated copy of exactly the same rows
    assert list(blocks) == list(LANGS)
    shape = [
        (r["class"], r["type/scale"], r["name"] if r["class"] != "G" else "") for r in blocks["en"]
    ]
    for g in LANGS:
        assert [
            (r["class"], r["type/scale"], r["name"] if r["class"] != "G" else "") for r in blocks[g]
        ] == shape
    comp = sm.frameworks.load("se-core").competences
    for g, block in blocks.items():
        assert block[0]["class"] == "G"  # relationships by proximity: a group first
        last_q = None
        for r in block:
            if r["class"] == "Q":
                last_q = r
                assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,19}", r["name"])
                assert r["mandatory"] in {"Y", "N"}
            elif r["class"] in {"SQ", "A"}:
                assert last_q is not None
                if r["class"] == "A":
                    assert r["id"] == last_q["id"]  # an answer carries its question's id
                    assert re.fullmatch(r"[A-Za-z0-9]{1,5}", r["name"])
                    if last_q["type/scale"] == "1":
                        assert r["type/scale"] in {"0", "1"}
                    else:
                        assert r["type/scale"] == "0"
                else:
                    assert re.fullmatch(r"SQ\d{3}", r["name"])
        # subquestions are the competences, in the framework's words
        col = "label" if g == "en" else f"label_{g}"
        sq = [r["text"] for r in block if r["class"] == "SQ"]
        n_arrays = 2 if "importance" in ratings else 1
        expected = []
        for area in comp["area"].unique():
            expected += comp.loc[comp["area"] == area, col].tolist() * n_arrays
        assert sq == expected
    dual = [r for r in blocks["en"] if r["class"] == "Q" and r["type/scale"] == "1"]
    assert bool(dual) == ("required" in ratings)
    for r in dual:
        assert (
            r["dualscale_headerA"] == "Current level" and r["dualscale_headerB"] == "Required level"
        )
    # the spec rides in the skillsmap column of the first group row only
    assert [r["class"] for r in rows if r.get("skillsmap")] == ["G"]


def test_limesurvey_refuses_negative_levels(tmp_path):
    q = sm.Questionnaire(languages=("en",), scale=(-2, 2))
    with pytest.raises(sm.ConfigurationError, match="scale"):
        q.to_limesurvey(tmp_path / "f.txt")


# -- template ----------------------------------------------------------------------------
def test_template_layouts(tmp_path):
    q = sm.Questionnaire(
        languages=("fr", "en"), ratings=("current", "required"), attributes=["organisation_size"]
    )
    long = pd.read_csv(q.to_template(tmp_path / "long.csv"), encoding="utf-8-sig", dtype=str)
    assert list(long.columns) == [
        "respondent",
        "region",
        "stakeholder_type",
        "organisation_size",
        "competence",
        "competence_label",
        "current",
        "required",
    ]
    comp = sm.frameworks.load("se-core").competences
    assert long["competence"].tolist() == comp["id"].tolist()
    assert long["competence_label"].tolist() == comp["label_fr"].tolist()
    assert long["respondent"].eq("R001").all() and long["current"].isna().all()
    wide = pd.read_csv(
        q.to_template(tmp_path / "wide.csv", layout="wide", sep=";"), sep=";", encoding="utf-8-sig"
    )
    assert len(wide) == 0
    assert wide.columns[4:].tolist() == [
        f"{c}_{r}" for c in comp["id"] for r in ("current", "required")
    ]
    with pytest.raises(sm.ConfigurationError, match="layout"):
        q.to_template(tmp_path / "x.csv", layout="tall")


# -- CLI ---------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".xlsx", ".txt", ".csv"])
def test_cli_questionnaire_writes_the_format_of_the_suffix(tmp_path, capsys, suffix):
    from skillsmap.cli import main

    out = tmp_path / f"form{suffix}"
    assert (
        main(["questionnaire", "--framework", "se-core", "--languages", "en,es", "--out", str(out)])
        == 0
    )
    assert capsys.readouterr().out.strip() == str(out.resolve())
    if suffix == ".csv":
        assert pd.read_csv(out, encoding="utf-8-sig")["competence"].iloc[0] == "se.found.principles"
    else:
        assert sm.Questionnaire.from_form(out) == sm.Questionnaire(languages=("en", "es"))


def test_cli_questionnaire_errors(tmp_path, capsys):
    from skillsmap.cli import main

    assert main(["questionnaire", "--languages", "en,de", "--out", str(tmp_path / "f.xlsx")]) == 2
    assert "languages" in capsys.readouterr().err
    assert main(["questionnaire", "--out", str(tmp_path / "f.pdf")]) == 2
    assert ".xlsx" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
