"""Embedded and custom frameworks, typologies and region sets."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest
import skillsmap as sm

EMBEDDED = ["se-core", "entrecomp", "digcomp", "greencomp", "lifecomp"]


def test_available():
    assert sm.frameworks.available() == EMBEDDED


@pytest.mark.parametrize(
    ("fw_id", "n_areas", "n_competences"),
    [("entrecomp", 3, 15), ("greencomp", 4, 12), ("digcomp", 5, 21), ("lifecomp", 3, 9)],
)
def test_eu_framework_shapes(fw_id, n_areas, n_competences):
    fw = sm.frameworks.load(fw_id)
    assert fw.id == fw_id
    assert len(fw) == n_competences
    assert fw.competences.shape[0] == n_competences
    assert fw.areas.shape[0] == n_areas
    assert fw.areas["n_competences"].sum() == n_competences
    assert fw.illustrative is False


def test_se_core_shape():
    fw = sm.frameworks.load()
    assert fw.id == "se-core"
    assert len(fw.areas) == 6
    assert 28 <= len(fw) <= 36
    assert fw.illustrative is True
    assert "illustrative" in repr(fw)
    assert "illustrative" in fw._repr_html_()


def test_digcomp_alias():
    assert sm.frameworks.load("digcomp-2.2") == sm.frameworks.load("digcomp")


@pytest.mark.parametrize("fw_id", EMBEDDED)
def test_licence_and_citation(fw_id):
    fw = sm.frameworks.load(fw_id)
    assert "CC BY 4.0" in fw.licence
    assert fw.citation.strip()
    assert fw.citation in fw.attribution and fw.licence in fw.attribution


@pytest.mark.parametrize("fw_id", EMBEDDED)
def test_competence_table(fw_id):
    comps = sm.frameworks.load(fw_id).competences
    assert {"id", "label", "area"} <= set(comps.columns)
    assert comps["id"].is_unique
    assert comps["id"].notna().all() and comps["label"].notna().all()
    areas = sm.frameworks.load(fw_id).areas
    assert set(comps["area"]) == set(areas["id"])


def test_se_core_borrowed_competences_exist_in_their_source():
    comps = sm.frameworks.load("se-core").competences
    borrowed = comps[comps["source_framework"].notna()]
    assert len(borrowed) > 0
    assert set(borrowed["source_framework"]) <= {"entrecomp", "digcomp", "greencomp", "lifecomp"}
    for rec in borrowed.itertuples():
        source = sm.frameworks.load(rec.source_framework).competences
        match = source[source["code"] == rec.source_code]
        assert len(match) == 1, (rec.id, rec.source_framework, rec.source_code)
        assert match["label"].item() == rec.label


def test_unknown_framework():
    with pytest.raises(sm.UnknownNameError) as info:
        sm.frameworks.load("no-such-framework")
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, sm.SkillsMapError)
    assert "no-such-framework" in str(info.value)
    with pytest.raises(KeyError):
        sm.frameworks.load("no-such-framework")


@pytest.fixture
def custom_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["a.1", "a.2", "b.1"],
            "label": ["Alpha one", "Alpha two", "Beta one"],
            "area": ["a", "a", "b"],
            "label_es": ["Alfa uno", "Alfa dos", "Beta uno"],
        }
    )


def test_framework_from_frame(custom_table):
    fw = sm.Framework.from_frame(custom_table, id="mine", name="Mine", version="1")
    assert fw.id == "mine" and fw.name == "Mine" and fw.version == "1"
    assert fw.languages == ["es"]
    assert len(fw) == 3
    assert fw.competences["id"].tolist() == ["a.1", "a.2", "b.1"]
    assert fw.competences["label_es"].tolist() == ["Alfa uno", "Alfa dos", "Beta uno"]
    assert fw.areas["id"].tolist() == ["a", "b"]
    assert fw.areas["n_competences"].tolist() == [2, 1]
    assert fw.illustrative is False


def test_framework_duplicate_ids(custom_table):
    bad = custom_table.copy()
    bad.loc[2, "id"] = "a.1"
    with pytest.raises(sm.DefinitionError, match=r"a\.1"):
        sm.Framework.from_frame(bad, id="dup")


def test_framework_missing_column(custom_table):
    with pytest.raises(sm.DefinitionError, match="area"):
        sm.Framework.from_frame(custom_table.drop(columns="area"), id="x")


def test_framework_unknown_parent(custom_table):
    bad = custom_table.assign(parent=[None, None, "zz"])
    with pytest.raises(sm.DefinitionError, match="zz"):
        sm.Framework.from_frame(bad, id="x")


@pytest.mark.parametrize("fw_id", EMBEDDED)
def test_framework_json_round_trip(fw_id):
    fw = sm.frameworks.load(fw_id)
    back = sm.Framework.from_json(fw.to_json())
    assert back == fw
    assert hash(back) == hash(fw)
    pd.testing.assert_frame_equal(back.competences, fw.competences)


def test_custom_framework_json_round_trip(custom_table, tmp_path):
    fw = sm.Framework.from_frame(custom_table, id="mine", citation="Me (2025).")
    path = tmp_path / "mine.json"
    path.write_text(fw.to_json(), encoding="utf-8")
    assert sm.Framework.from_json(path) == fw
    assert sm.frameworks.load(path) == fw


@pytest.mark.parametrize("fw_id", EMBEDDED)
def test_framework_pickle_round_trip(fw_id):
    fw = sm.frameworks.load(fw_id)
    back = pickle.loads(pickle.dumps(fw))
    assert back == fw
    assert back.licence == fw.licence


def test_survey_with_custom_framework_from_csv(tmp_path, custom_table):
    path = tmp_path / "myskills.csv"
    custom_table.to_csv(path, index=False)
    fw = sm.Framework.from_csv(path)
    assert fw.id == "myskills"
    assert sm.frameworks.load(path) == fw
    df = pd.DataFrame(
        {
            "respondent": ["x", "x", "y"],
            "region": ["ES22", "ES22", "FRI"],
            "stakeholder_type": ["cooperative", "cooperative", "foundation"],
            "competence": ["a.1", "Beta one", "alfa uno"],
            "current": [1, 2, 3],
            "required": [3, 4, 5],
        }
    )
    survey = sm.Survey.from_frame(df, framework=fw)
    assert survey.framework == fw
    assert survey.to_frame()["competence"].tolist() == ["a.1", "b.1", "a.1"]
    by_path = sm.Survey.from_frame(df, framework=str(path)).to_frame()
    pd.testing.assert_frame_equal(by_path, survey.to_frame())
    with pytest.raises(sm.ValidationError) as info:
        sm.Survey.from_frame(
            df.assign(competence=["a.1", "se.impact.measurement", "b.1"]), framework=fw
        )
    assert info.value.issues["row"].tolist() == [1]
    assert '"myskills"' in info.value.issues["reason"].item()


def test_default_typology():
    typ = sm.Typology.default()
    types = typ.types
    assert typ.id == "se-default"
    assert types.columns.tolist() == ["id", "label", "sector", "sector_label"]
    assert len(typ) == len(types) == 11
    assert types["id"].is_unique
    assert {
        "cooperative",
        "mutual",
        "association",
        "foundation",
        "social_enterprise",
        "wise",
        "public_authority",
    } <= set(types["id"])
    assert types.set_index("id").loc["wise", "sector"] == "se_entities"
    assert types["sector"].nunique() == 5


def test_resees_regions():
    reg = sm.Regions.resees()
    table = reg.table
    assert reg.id == "resees"
    assert table.columns.tolist() == ["id", "name", "country", "nuts_level"]
    assert table["id"].tolist() == ["ES22", "ES62", "FRI", "SI032", "FI1D7", "ITH5"]
    assert table["name"].tolist() == [
        "Navarra",
        "Región de Murcia",
        "Nouvelle-Aquitaine",
        "Podravje",
        "Lapland",
        "Emilia-Romagna",
    ]
    assert table["country"].tolist() == ["ES", "ES", "FR", "SI", "FI", "IT"]
    assert str(table["nuts_level"].dtype) == "Int64"


@pytest.mark.parametrize("obj", [sm.Typology.default(), sm.Regions.resees()])
def test_typology_and_regions_round_trips(obj):
    assert type(obj).from_json(obj.to_json()) == obj
    assert pickle.loads(pickle.dumps(obj)) == obj


@pytest.fixture
def custom_regions() -> sm.Regions:
    return sm.Regions.from_frame(
        pd.DataFrame(
            {
                "id": ["X1", "X2"],
                "name": ["Exland", "Whyland"],
                "country": ["XX", "XX"],
                "nuts_level": [2, None],
                "aliases": ["Ex; Exo", ""],
            }
        ),
        id="mine",
    )


@pytest.fixture
def custom_typology() -> sm.Typology:
    return sm.Typology.from_frame(
        pd.DataFrame(
            {
                "sector": ["Civil", "Civil", "State"],
                "stakeholder_type": ["Club", "Union", "Ministry"],
            }
        )
    )


def test_custom_regions_and_typology(custom_regions, custom_typology):
    assert custom_regions.table["id"].tolist() == ["X1", "X2"]
    assert custom_regions.table["nuts_level"].isna().tolist() == [False, True]
    assert custom_typology.types["id"].tolist() == ["Club", "Union", "Ministry"]
    assert custom_typology.types["sector"].tolist() == ["Civil", "Civil", "State"]


def test_survey_with_custom_regions_and_typology(
    valid_long, custom_regions, custom_typology, assert_issue
):
    df = valid_long.copy()
    df["region"] = df["respondent"].map({"r1": "Exo", "r2": "X2", "r3": "exland", "r4": "X1"})
    df["stakeholder_type"] = df["respondent"].map(
        {"r1": "club", "r2": "Union", "r3": "MINISTRY", "r4": "Club"}
    )
    survey = sm.Survey.from_frame(df, regions=custom_regions, typology=custom_typology)
    out = survey.to_frame()
    assert out["region"].tolist()[::3] == ["X1", "X2", "X1", "X1"]
    assert out["stakeholder_type"].tolist()[::3] == ["Club", "Union", "Ministry", "Club"]
    assert survey.regions == custom_regions
    assert survey.typology == custom_typology
    assert survey.respondents["region_name"].tolist() == ["Exland", "Whyland", "Exland", "Exland"]
    # the defaults no longer apply
    with pytest.raises(sm.ValidationError) as info:
        sm.Survey.from_frame(valid_long, regions=custom_regions, typology=custom_typology)
    assert_issue(info.value, 0, "region", "unknown region")
    assert_issue(info.value, 0, "stakeholder_type", "unknown stakeholder type")


def test_regions_and_typology_as_tables(valid_long):
    regions = pd.DataFrame({"id": ["ES22", "FI1D7", "ITH5", "SI032"]})
    typology = pd.DataFrame(
        {
            "sector": ["s"] * 4,
            "stakeholder_type": ["cooperative", "wise", "association", "public_authority"],
        }
    )
    survey = sm.Survey.from_frame(valid_long, regions=regions, typology=typology)
    pd.testing.assert_frame_equal(survey.to_frame(), sm.Survey.from_frame(valid_long).to_frame())
    assert len(survey.regions) == 4


def test_bad_region_and_typology_tables():
    with pytest.raises(sm.DefinitionError):
        sm.Regions.from_frame(pd.DataFrame({"name": ["x"]}))
    with pytest.raises(sm.DefinitionError):
        sm.Typology.from_frame(pd.DataFrame({"sector": ["x"]}))


def test_regions_and_typology_from_csv(tmp_path):
    regions = tmp_path / "my-regions.csv"
    regions.write_text(
        "id,name,country,nuts_level,aliases\nES51,Cataluña,ES,2,Catalonia;Catalunya\n"
    )
    types = tmp_path / "my-types.csv"
    types.write_text("sector,stakeholder_type\nse,cooperative\npublic,agency\n")
    r = sm.Regions.from_csv(regions)
    t = sm.Typology.from_csv(types)
    assert r.id == "my-regions" and r.table["id"].tolist() == ["ES51"]
    assert t.types["id"].tolist() == ["cooperative", "agency"]
    df = pd.DataFrame(
        {
            "respondent": ["a"],
            "region": ["Catalonia"],
            "stakeholder_type": ["agency"],
            "competence": [sm.frameworks.load().competences["id"][0]],
            "current": [2],
            "required": [4],
        }
    )
    s = sm.Survey.from_frame(df, regions=r, typology=t)
    assert s.to_frame()["region"].tolist() == ["ES51"]
