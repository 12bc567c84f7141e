"""Validated ingestion: Survey.from_frame, Survey.from_wide and read_survey."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
import skillsmap as sm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

RESEES = sm.Regions.resees().table["id"].tolist()
TYPES = sm.Typology.default().types["id"].tolist()
SE_CORE = sm.frameworks.load("se-core").competences["id"].tolist()


def fails(df: pd.DataFrame | object, **options: object) -> sm.ValidationError:
    """The ValidationError that Survey.from_frame raises for ``df``."""
    with pytest.raises(sm.ValidationError) as info:
        sm.Survey.from_frame(df, **options)
    return info.value


def roundtrip(df: pd.DataFrame, **options: object) -> pd.DataFrame:
    return sm.Survey.from_frame(df, **options).to_frame()


def assert_same(result: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        result.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False
    )


def with_weight(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["weight"] = out["respondent"].map({"r1": 1.0, "r2": 2.5, "r3": 0.5, "r4": 1.0})
    return out


# -- one bad input at a time --------------------------------------------------------------------


def test_valid_table_ingests(valid_long):
    survey = sm.Survey.from_frame(valid_long)
    assert survey.n_respondents == 4
    assert survey.n_answers == len(survey) == 12
    assert not survey.synthetic
    assert not survey.has_weights
    assert survey.framework.id == "se-core"


def test_missing_column(valid_long, assert_issue):
    err = fails(valid_long.drop(columns="region"))
    issue = assert_issue(err, None, "region", "missing column")
    assert issue["value"] == ""
    assert len(err) == 1
    assert "region" in str(err) and "missing column" in str(err)


def test_missing_renamed_column_is_reported_by_its_name(valid_long, assert_issue):
    err = fails(valid_long, current="level_now")
    assert_issue(err, None, "level_now", "missing column")


def test_unknown_competence(valid_long, assert_issue):
    df = valid_long.copy()
    df.loc[2, "competence"] = "se.no.such.thing"
    err = fails(df)
    issue = assert_issue(err, 2, "competence", "unknown competence")
    assert issue["value"] == "se.no.such.thing"
    assert "se-core" in issue["reason"]
    assert len(err) == 1
    assert "se.no.such.thing" in str(err) and "unknown competence" in str(err)


def test_unknown_region(valid_long, assert_issue):
    df = valid_long.copy()
    df.loc[0:2, "region"] = "Atlantis"
    err = fails(df)
    for row in (0, 1, 2):
        issue = assert_issue(err, row, "region", "unknown region")
        assert issue["value"] == "Atlantis"
    assert len(err) == 3
    assert "Atlantis" in str(err) and "unknown region" in str(err)


def test_unknown_stakeholder_type(valid_long, assert_issue):
    df = valid_long.copy()
    df.loc[3:5, "stakeholder_type"] = "dragon_keeper"
    err = fails(df)
    issue = assert_issue(err, 3, "stakeholder_type", "unknown stakeholder type")
    assert issue["value"] == "dragon_keeper"
    assert sorted(err.issues["row"].tolist()) == [3, 4, 5]
    assert "dragon_keeper" in str(err)


def test_non_numeric_level(valid_long, assert_issue):
    df = valid_long.copy()
    df["current"] = df["current"].astype(object)
    df.loc[4, "current"] = "high"
    err = fails(df)
    issue = assert_issue(err, 4, "current", "not a number")
    assert issue["value"] == "high"
    assert len(err) == 1
    assert "high" in str(err) and "not a number" in str(err)


def test_numeric_text_and_blank_cells_are_accepted(valid_long):
    df = valid_long.copy()
    df["current"] = df["current"].map(lambda v: "" if np.isnan(v) else str(int(v)))
    out = roundtrip(df)
    assert_same(out, valid_long)


@pytest.mark.parametrize(
    ("column", "value"), [("current", 0), ("current", 6), ("required", 0), ("required", 6)]
)
def test_level_outside_the_scale(valid_long, assert_issue, column, value):
    df = valid_long.copy()
    df.loc[5, column] = value
    err = fails(df)
    issue = assert_issue(err, 5, column, "level outside the scale 1–5")
    assert issue["value"] == str(value)
    assert len(err) == 1
    assert "outside the scale" in str(err)


def test_other_scale(valid_long, assert_issue):
    df = valid_long.copy()
    df.loc[5, "current"] = 7
    survey = sm.Survey.from_frame(df, scale=(1, 8))
    assert survey.to_frame().loc[5, "current"] == 7
    assert (survey.scale.min, survey.scale.max) == (1, 8)
    df.loc[6, "required"] = 9
    assert_issue(fails(df, scale=(1, 8)), 6, "required", "level outside the scale 1–8")


def test_non_finite_level(valid_long, assert_issue):
    df = valid_long.copy()
    df.loc[3, "current"] = -np.inf
    issue = assert_issue(fails(df), 3, "current", "not finite")
    assert issue["value"] == "-inf"


def test_duplicate_answer(valid_long, assert_issue):
    df = valid_long.copy()
    df.loc[5, "competence"] = df.loc[4, "competence"]
    err = fails(df)
    issue = assert_issue(err, 5, "competence", "duplicate answer")
    assert '"r2"' in issue["reason"] and "first in row 4" in issue["reason"]
    assert issue["value"] == df.loc[4, "competence"]
    assert len(err) == 1
    assert "duplicate" in str(err)


def test_duplicate_through_label_is_detected(valid_long, assert_issue):
    fw = sm.frameworks.load("se-core").competences.set_index("id")
    df = valid_long.copy()
    df.loc[1, "competence"] = fw.loc[df.loc[0, "competence"], "label"]
    assert_issue(fails(df), 1, "competence", "first in row 0")


def test_respondent_with_conflicting_region(valid_long, assert_issue):
    df = valid_long.copy()
    df.loc[5, "region"] = "ES62"
    err = fails(df)
    issue = assert_issue(err, 5, "region", "different region in row 3")
    assert issue["value"] == "ES62"
    assert '"r2"' in issue["reason"]
    assert len(err) == 1
    assert "different region" in str(err)


def test_respondent_with_conflicting_stakeholder_type(valid_long, assert_issue):
    df = valid_long.copy()
    df.loc[5, "stakeholder_type"] = "mutual"
    err = fails(df)
    issue = assert_issue(err, 5, "stakeholder_type", "different stakeholder type in row 3")
    assert issue["value"] == "mutual"
    assert len(err) == 1
    assert "different stakeholder type" in str(err)


def test_empty_input(valid_long, assert_issue):
    err = fails(valid_long.iloc[:0])
    assert_issue(err, None, "", "empty input")
    assert len(err) == 1
    assert "empty input" in str(err)


@pytest.mark.parametrize(
    ("value", "reason", "shown"),
    [
        (np.inf, "weight is not finite", "inf"),
        (-1.0, "weight is negative", "-1"),
        (np.nan, "missing weight", "NaN"),
    ],
)
def test_bad_weight(valid_long, assert_issue, value, reason, shown):
    df = with_weight(valid_long)
    df.loc[7, "weight"] = value
    err = fails(df, weight="weight")
    issue = assert_issue(err, 7, "weight", reason)
    assert issue["value"] == shown
    assert len(err) == 1
    assert reason in str(err)


def test_zero_weight_is_fine(valid_long):
    df = with_weight(valid_long)
    df.loc[df["respondent"] == "r3", "weight"] = 0.0
    assert_same(roundtrip(df, weight="weight"), df)


def test_conflicting_weight(valid_long, assert_issue):
    df = with_weight(valid_long)
    df.loc[1, "weight"] = 2.0
    err = fails(df, weight="weight")
    issue = assert_issue(err, 1, "weight", "different weight in row 0")
    assert issue["value"] == "2"
    assert len(err) == 1


def test_signed_zero_weights_are_the_same_weight(valid_long):
    df = with_weight(valid_long)
    df.loc[df["respondent"] == "r1", "weight"] = [0.0, -0.0, 0.0]
    sm.Survey.from_frame(df, weight="weight")


def test_non_numeric_weight_is_reported_once(valid_long, assert_issue):
    df = with_weight(valid_long).astype({"weight": object})
    df.loc[4, "weight"] = "heavy"
    err = fails(df, weight="weight")
    issue = assert_issue(err, 4, "weight", "not a number")
    assert issue["value"] == "heavy"
    assert len(err) == 1


@pytest.mark.parametrize("missing", [None, np.nan])
def test_missing_respondent_id(valid_long, assert_issue, missing):
    df = valid_long.copy()
    df.loc[7, "respondent"] = missing
    err = fails(df)
    issue = assert_issue(err, 7, "respondent", "missing respondent id")
    assert issue["value"] == ""
    assert len(err) == 1
    assert "missing respondent id" in str(err)


@pytest.mark.parametrize(
    ("column", "reason"),
    [
        ("region", "missing region"),
        ("stakeholder_type", "missing stakeholder type"),
        ("competence", "missing competence"),
    ],
)
def test_missing_key_value(valid_long, assert_issue, column, reason):
    df = valid_long.copy()
    df.loc[8, column] = None
    err = fails(df)
    assert_issue(err, 8, column, reason)
    assert len(err) == 1


def test_boolean_levels_are_not_numbers(valid_long, assert_issue):
    df = valid_long.copy()
    df["required"] = df["required"] > 2
    err = fails(df)
    assert len(err) == len(df)
    assert_issue(err, 0, "required", "not a number")


def test_every_problem_is_reported_at_once(valid_long, assert_issue):
    df = valid_long.copy()
    df.loc[0, "region"] = "Atlantis"
    df.loc[2, "competence"] = "nope"
    df.loc[6, "required"] = 9
    df.loc[11, "stakeholder_type"] = "mutual"
    err = fails(df)
    assert len(err) == 4
    assert err.issues["row"].tolist() == [0, 2, 6, 11]


# -- options -------------------------------------------------------------------------------------


def test_open_regions_and_types_accept_unknown_names(valid_long):
    df = valid_long.copy()
    df.loc[0:2, "region"] = "Planet Nine"
    df.loc[0:2, "stakeholder_type"] = "alien_cooperative"
    with pytest.raises(sm.ValidationError):
        sm.Survey.from_frame(df)
    survey = sm.Survey.from_frame(df, regions=None, typology=None)
    assert_same(survey.to_frame(), df)
    assert "Planet Nine" in survey.regions.table["id"].tolist()
    assert "alien_cooperative" in survey.typology.types["id"].tolist()
    # only the regions used in the data, nothing else
    assert sorted(survey.regions.table["id"]) == sorted(df["region"].unique())


@pytest.mark.parametrize("column", ["region", "stakeholder_type"])
def test_open_sets_merge_case_variants(valid_long, column):
    df = valid_long.copy()
    df.loc[0:2, column] = "Planet"
    df.loc[3:5, column] = "planet"
    survey = sm.Survey.from_frame(df, regions=None, typology=None)
    assert survey.to_frame()[column].iloc[:6].nunique() == 1


def test_names_aliases_and_labels_match_case_insensitively(valid_long):
    labels = sm.frameworks.load("se-core").competences.set_index("id")["label"]
    df = valid_long.copy()
    df.loc[0:2, "region"] = "navarra"
    df.loc[3:5, "region"] = "Lappi"
    df.loc[3:5, "stakeholder_type"] = "wise"
    df.loc[6:8, "stakeholder_type"] = "ASSOCIATION"
    df.loc[6, "competence"] = labels[valid_long.loc[6, "competence"]].upper()
    df.loc[9, "region"] = " si032 "
    assert df.loc[6, "competence"].isupper()
    out = roundtrip(df)
    assert_same(out, valid_long)


def test_importance_without_required(valid_long):
    df = valid_long.rename(columns={"required": "importance"})
    survey = sm.Survey.from_frame(df, required=None, importance="importance")
    out = survey.to_frame()
    assert out.columns.tolist() == [
        "respondent",
        "region",
        "stakeholder_type",
        "competence",
        "current",
        "importance",
    ]
    assert_same(out, df)


def test_required_and_importance_together(valid_long):
    df = valid_long.copy()
    df["importance"] = 6 - df["required"]
    out = roundtrip(df, importance="importance")
    assert out.columns.tolist()[4:] == ["current", "required", "importance"]
    assert_same(out, df)


def test_importance_scale(valid_long, assert_issue):
    df = valid_long.copy()
    df["importance"] = 8
    out = roundtrip(df, importance="importance", importance_scale=(1, 10))
    assert (out["importance"] == 8).all()
    assert_issue(fails(df, importance="importance"), 0, "importance", "outside the scale")


def test_neither_required_nor_importance(valid_long, assert_issue):
    err = fails(valid_long, required=None, importance=None)
    assert_issue(err, None, "required", "give required= or importance=")
    assert len(err) == 1


def test_renamed_columns(valid_long):
    names = {
        "respondent": "id",
        "region": "where",
        "stakeholder_type": "who",
        "competence": "skill",
        "current": "now",
        "required": "needed",
    }
    out = roundtrip(valid_long.rename(columns=names), **names)
    assert_same(out, valid_long)


def test_renamed_column_is_named_in_issues(valid_long, assert_issue):
    df = valid_long.rename(columns={"current": "level_now"})
    df.loc[3, "level_now"] = 11
    assert_issue(fails(df, current="level_now"), 3, "level_now", "outside the scale")


def test_unknown_framework_id(valid_long):
    with pytest.raises(sm.UnknownNameError):
        sm.Survey.from_frame(valid_long, framework="no-such-framework")


def test_not_a_table():
    with pytest.raises(TypeError, match="DataFrame"):
        sm.Survey.from_frame([1, 2, 3])


# -- nothing half-built ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "row", "value"),
    [
        ("region", 0, "Atlantis"),
        ("current", 4, 0.0),
        ("competence", 5, "se.found.principles"),
        ("respondent", 7, None),
    ],
)
def test_failed_ingest_leaves_input_untouched(valid_long, column, row, value):
    df = with_weight(valid_long)
    df.loc[row, column] = value
    before = df.copy(deep=True)
    with pytest.raises(sm.ValidationError):
        sm.Survey.from_frame(df, weight="weight")
    assert df.equals(before)
    assert df.dtypes.equals(before.dtypes)


def test_successful_ingest_leaves_input_untouched(valid_long):
    before = valid_long.copy(deep=True)
    sm.Survey.from_frame(valid_long).to_frame()
    assert valid_long.equals(before)


# -- round trips ---------------------------------------------------------------------------------


def test_round_trip(valid_long):
    out = roundtrip(valid_long)
    assert out.columns.tolist() == valid_long.columns.tolist()
    assert_same(out, valid_long)
    assert np.isnan(out.loc[1, "current"])


def test_round_trip_keeps_row_order_of_interleaved_respondents(valid_long):
    df = valid_long.iloc[[0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11]].reset_index(drop=True)
    assert_same(roundtrip(df), df)


def test_round_trip_with_weight_and_importance(valid_long):
    df = with_weight(valid_long)
    df.insert(6, "importance", 6 - df["required"])
    out = roundtrip(df, importance="importance", weight="weight")
    assert out.columns.tolist() == [
        "respondent",
        "region",
        "stakeholder_type",
        "competence",
        "current",
        "required",
        "importance",
        "weight",
    ]
    assert_same(out, df)


def test_numeric_respondent_ids_come_back_as_ints(valid_long):
    df = valid_long.copy()
    df["respondent"] = df["respondent"].str[1:].astype("int64") * 100
    out = roundtrip(df)
    assert_same(out, df)
    assert out["respondent"].tolist()[:4] == [100, 100, 100, 200]
    assert all(isinstance(v, (int, np.integer)) for v in out["respondent"])


@pytest.mark.parametrize("dtype", ["int64", "Int64", "uint8", "int64[pyarrow]", "int32"])
def test_integer_ids_of_every_dtype_match_their_text(valid_long, dtype):
    """Integer respondent columns take a vectorised path: the survey must be
    the one their decimal texts give."""
    df = valid_long.copy()
    df["respondent"] = (df["respondent"].str[1:].astype("int64") * 7).astype(dtype)
    as_text = df.assign(respondent=df["respondent"].astype("int64").astype(str))
    a = sm.Survey.from_frame(df).to_frame()
    b = sm.Survey.from_frame(as_text).to_frame()
    assert a["respondent"].astype(str).tolist() == b["respondent"].tolist()
    pd.testing.assert_frame_equal(a.drop(columns="respondent"), b.drop(columns="respondent"))


def test_categorical_keys_give_the_survey_their_text_gives(valid_long):
    """Categoricals (keys read from Parquet as dictionaries) are renumbered
    from their codes: unused categories, missing values and categories that
    differ only in spacing must come out as the text columns give them."""
    df = valid_long.copy()
    df["region"] = df["region"].astype(object)
    df.loc[1, "region"] = " " + df.loc[1, "region"] + " "
    text = df.copy()
    cat = df.copy()
    for col in ("respondent", "region", "stakeholder_type", "competence"):
        values = [*sorted(set(cat[col].dropna())), "never used"]
        cat[col] = pd.Categorical(cat[col], categories=values[::-1])
    a = sm.Survey.from_frame(cat)
    b = sm.Survey.from_frame(text)
    pd.testing.assert_frame_equal(
        a.to_frame().astype(str), b.to_frame().astype(str), check_dtype=False
    )
    assert (
        a.respondents["respondent"].astype(str).tolist()
        == b.respondents["respondent"].astype(str).tolist()
    )
    cat.loc[4, "competence"] = np.nan
    text.loc[4, "competence"] = np.nan
    with pytest.raises(sm.ValidationError) as ea:
        sm.Survey.from_frame(cat)
    with pytest.raises(sm.ValidationError) as eb:
        sm.Survey.from_frame(text)
    pd.testing.assert_frame_equal(ea.value.issues, eb.value.issues)


def test_categorical_keys_in_open_registries_keep_the_order_of_appearance(valid_long):
    """A categorical's codes reach the core as they are (int8, categories
    in their own order): open region and type sets still list what the
    rows use in order of first appearance, as text columns give them."""
    df = valid_long.copy()
    cat = df.copy()
    for col in ("region", "stakeholder_type"):
        values = [*sorted(set(cat[col].dropna())), "never used"]
        cat[col] = pd.Categorical(cat[col], categories=values[::-1])
    assert cat["region"].cat.codes.dtype == np.int8
    open_sets = {"regions": None, "typology": None}
    a = sm.Survey.from_frame(cat, **open_sets)
    b = sm.Survey.from_frame(df, **open_sets)
    first = list(dict.fromkeys(df["region"]))
    assert a.regions.table["id"].tolist() == b.regions.table["id"].tolist() == first
    assert a.typology.types["id"].tolist() == b.typology.types["id"].tolist()
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


def test_missing_nullable_integer_id_is_located(valid_long):
    df = valid_long.copy()
    df["respondent"] = df["respondent"].str[1:].astype("Int64")
    df.loc[5, "respondent"] = pd.NA
    with pytest.raises(sm.ValidationError) as err:
        sm.Survey.from_frame(df)
    issues = err.value.issues
    assert issues["row"].tolist() == [5]
    assert issues["column"].tolist() == ["respondent"]


def test_categorical_respondent_column(valid_long):
    df = valid_long.copy()
    df["respondent"] = df["respondent"].astype("category")
    out = roundtrip(df)
    assert out["respondent"].astype(str).tolist() == valid_long["respondent"].tolist()


def test_survey_respondents_table(valid_long):
    resp = sm.Survey.from_frame(with_weight(valid_long), weight="weight").respondents
    assert resp.columns.tolist() == [
        "respondent",
        "region",
        "region_name",
        "stakeholder_type",
        "sector",
        "weight",
    ]
    assert resp["respondent"].tolist() == ["r1", "r2", "r3", "r4"]
    assert resp["region_name"].tolist() == ["Navarra", "Lapland", "Emilia-Romagna", "Podravje"]
    assert resp["weight"].tolist() == [1.0, 2.5, 0.5, 1.0]


def test_pickle_round_trip_of_ingested_survey(valid_long):
    survey = sm.Survey.from_frame(with_weight(valid_long), weight="weight")
    back = pickle.loads(pickle.dumps(survey))
    assert_same(back.to_frame(), survey.to_frame())
    assert back.synthetic is False


# -- other inputs --------------------------------------------------------------------------------


@pytest.fixture
def weighted(valid_long):
    return with_weight(valid_long)


@pytest.fixture
def expected(weighted):
    return sm.Survey.from_frame(weighted, weight="weight").to_frame()


def test_polars_input(weighted, expected):
    assert_same(roundtrip(pl.from_pandas(weighted), weight="weight"), expected)


def test_pyarrow_table_input(weighted, expected):
    table = pa.Table.from_pandas(weighted, preserve_index=False)
    assert_same(roundtrip(table, weight="weight"), expected)


def test_arrow_pycapsule_input(weighted, expected):
    class StreamOnly:
        """Exposes nothing but the Arrow PyCapsule stream interface."""

        def __init__(self, table: pa.Table) -> None:
            self._table = table

        def __arrow_c_stream__(self, requested_schema=None):
            return self._table.__arrow_c_stream__(requested_schema)

    obj = StreamOnly(pa.Table.from_pandas(weighted, preserve_index=False))
    assert_same(roundtrip(obj, weight="weight"), expected)


def test_dict_of_columns_input(weighted, expected):
    columns = {name: weighted[name].tolist() for name in weighted.columns}
    assert_same(roundtrip(columns, weight="weight"), expected)


def test_polars_input_reports_issues(valid_long, assert_issue):
    df = valid_long.copy()
    df.loc[3, "region"] = "Atlantis"
    assert_issue(fails(pl.from_pandas(df)), 3, "region", "unknown region")


def _write(df: pd.DataFrame, path: Path) -> Path:
    suffix = path.suffix
    if suffix == ".csv":
        df.to_csv(path, index=False)
    elif suffix == ".tsv":
        df.to_csv(path, sep="\t", index=False)
    elif suffix == ".parquet":
        df.to_parquet(path)
    elif suffix == ".xlsx":
        df.to_excel(path, index=False)
    else:  # pragma: no cover
        raise AssertionError(suffix)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet", ".xlsx"])
def test_files(tmp_path, weighted, expected, suffix):
    path = _write(weighted, tmp_path / f"survey{suffix}")
    survey = sm.read_survey(path, weight="weight")
    assert_same(survey.to_frame(), expected)
    assert survey.source == str(path)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_file_issues_name_the_file(tmp_path, valid_long, assert_issue, suffix):
    df = valid_long.copy()
    df.loc[4, "current"] = 9
    path = _write(df, tmp_path / f"bad{suffix}")
    with pytest.raises(sm.ValidationError) as info:
        sm.read_survey(path)
    assert_issue(info.value, 4, "current", "outside the scale")
    assert info.value.source == str(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_file_missing_column(tmp_path, valid_long, assert_issue, suffix):
    path = _write(valid_long.drop(columns="region"), tmp_path / f"survey{suffix}")
    with pytest.raises(sm.ValidationError) as info:
        sm.read_survey(path)
    assert_issue(info.value, None, "region", "missing column")


def test_file_empty(tmp_path, valid_long, assert_issue):
    path = _write(valid_long.iloc[:0], tmp_path / "empty.csv")
    with pytest.raises(sm.ValidationError) as info:
        sm.read_survey(path)
    assert_issue(info.value, None, "", "empty input")


def test_unsupported_suffix(tmp_path, valid_long):
    path = tmp_path / "survey.json"
    path.write_text(valid_long.to_json(), encoding="utf-8")
    with pytest.raises(ValueError, match="unsupported"):
        sm.read_survey(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        sm.read_survey(tmp_path / "nowhere.csv")


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".xlsx"])
def test_zero_padded_ids_stay_strings(tmp_path, valid_long, suffix):
    df = valid_long.copy()
    df["respondent"] = df["respondent"].map({"r1": "007", "r2": "008", "r3": "1", "r4": "0100"})
    path = _write(df, tmp_path / f"ids{suffix}")
    out = sm.read_survey(path).to_frame()
    assert out["respondent"].tolist() == df["respondent"].tolist()


def test_options_pass_through_read_survey(tmp_path, valid_long):
    df = valid_long.rename(columns={"respondent": "id"})
    df.loc[0, "current"] = 7
    path = _write(df, tmp_path / "scale8.csv")
    out = sm.read_survey(path, respondent="id", scale=(1, 8)).to_frame()
    assert out.loc[0, "current"] == 7
    assert out["respondent"].tolist() == valid_long["respondent"].tolist()


# -- the big one ---------------------------------------------------------------------------------

C0, C1, C2, C3 = SE_CORE[:4]
BAD_CSV = f"""\
respondent,region,stakeholder_type,competence,current,required,weight
r1,ES22,cooperative,{C0},3,4,1.0
r1,ES22,cooperative,{C1},high,4,1.0
r1,ES22,cooperative,se.nonsense,2,3,1.0
r2,Atlantis,wise,{C0},2,3,1.5
r2,ES62,wise,{C1},0,3,1.5
r2,ES62,wise,{C2},3,6,1.5
r3,FRI,dragon_keeper,{C0},2,3,1.0
r3,FRI,association,{C1},2,3,1.0
r3,FRI,association,{C1},4,4,1.0
r4,SI032,foundation,{C0},2,3,2.0
r4,ITH5,foundation,{C1},2,3,2.0
r4,SI032,mutual,{C2},2,3,2.0
r5,FI1D7,cooperative,{C0},2,3,inf
r5,FI1D7,cooperative,{C1},2,3,-1
r5,FI1D7,cooperative,{C2},2,3,
r6,ES22,wise,{C0},2,3,1.0
r6,ES22,wise,{C1},2,3,3.0
,ES22,wise,{C0},2,3,1.0
r7,Lapland,WISE,{C0},2,3,1.0
r7,,WISE,{C1},3,3,1.0
r8,ES22,cooperative,{C3},7,2,1.0
"""

BAD_CSV_ISSUES = {
    (1, "current", "not a number"),
    (2, "competence", "unknown competence"),
    (3, "region", "unknown region"),
    (4, "current", "outside the scale"),
    (5, "required", "outside the scale"),
    (6, "stakeholder_type", "unknown stakeholder type"),
    (8, "competence", "duplicate answer"),
    (10, "region", "different region"),
    (11, "stakeholder_type", "different stakeholder type"),
    (12, "weight", "not finite"),
    (13, "weight", "negative"),
    (14, "weight", "missing weight"),
    (16, "weight", "different weight"),
    (17, "respondent", "missing respondent id"),
    (19, "region", "missing region"),
    (20, "current", "outside the scale"),
}


def test_one_error_lists_every_problem_of_a_file(tmp_path, assert_issue):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    with pytest.raises(sm.ValidationError) as info:
        sm.read_survey(path, weight="weight")
    err = info.value
    issues = err.issues
    found = set()
    for row, column, reason in BAD_CSV_ISSUES:
        assert_issue(err, row, column, reason)
        found |= {
            (r, c, reason)
            for r, c, why in zip(issues["row"], issues["column"], issues["reason"], strict=True)
            if r == row and c == column and reason in why
        }
    assert found == BAD_CSV_ISSUES
    assert len(issues) == len(BAD_CSV_ISSUES)  # nothing else, nothing twice
    assert issues["row"].is_monotonic_increasing
    assert issues.loc[issues["row"] == 1, "value"].item() == "high"
    assert issues.loc[issues["row"] == 3, "value"].item() == "Atlantis"
    assert issues.loc[issues["row"] == 12, "value"].item() == "inf"
    # the message shows the first ten and counts the rest
    assert f"{len(BAD_CSV_ISSUES)} problems" in str(err)
    assert f"… and {len(BAD_CSV_ISSUES) - 10} more" in str(err)


# -- wide tables ---------------------------------------------------------------------------------


def to_wide(long: pd.DataFrame) -> pd.DataFrame:
    keys = ["respondent", "region", "stakeholder_type"]
    wide = long[keys].drop_duplicates().reset_index(drop=True)
    for comp in long["competence"].unique():
        part = long[long["competence"] == comp].set_index("respondent")
        for role in ("current", "required"):
            wide[f"{comp}_{role}"] = wide["respondent"].map(part[role])
    return wide


def test_from_wide_equals_long(valid_long):
    wide = to_wide(valid_long)
    assert wide.shape == (4, 3 + 2 * 3)
    survey = sm.Survey.from_wide(wide)
    assert_same(survey.to_frame(), valid_long)
    assert survey.n_respondents == 4


def test_from_wide_reports_wide_rows_and_columns(valid_long, assert_issue):
    wide = to_wide(valid_long)
    wide = wide.astype({"se.found.governance_current": object})
    wide.loc[2, "se.found.governance_current"] = "lots"
    wide.loc[1, "se.found.principles_required"] = 9
    before = wide.copy(deep=True)
    with pytest.raises(sm.ValidationError) as info:
        sm.Survey.from_wide(wide)
    err = info.value
    assert wide.equals(before)
    issue = assert_issue(err, 2, "se.found.governance_current", "not a number")
    assert issue["value"] == "lots"
    issue = assert_issue(err, 1, "se.found.principles_required", "outside the scale")
    assert issue["value"] == "9"
    assert len(err) == 2
    assert "se.found.governance_current" in str(err)


def test_from_wide_measurement_column(se_core_ids, assert_issue):
    wide = pd.DataFrame(
        {
            "respondent": ["a", "b"],
            "region": ["ES22", "FRI"],
            "stakeholder_type": ["cooperative", "mutual"],
            "se.impact.measurement_current": [3, 0],
            "se.impact.measurement_required": [4, 4],
        }
    )
    with pytest.raises(sm.ValidationError) as info:
        sm.Survey.from_wide(wide)
    assert_issue(info.value, 1, "se.impact.measurement_current", "outside the scale")


def test_from_wide_missing_column(valid_long, assert_issue):
    wide = to_wide(valid_long).drop(columns="region")
    with pytest.raises(sm.ValidationError) as info:
        sm.Survey.from_wide(wide)
    assert_issue(info.value, None, "region", "missing column")


def test_from_wide_reports_a_bad_region_cell_once(valid_long, assert_issue):
    wide = to_wide(valid_long)
    wide.loc[1, "region"] = "Atlantis"
    with pytest.raises(sm.ValidationError) as info:
        sm.Survey.from_wide(wide)
    assert_issue(info.value, 1, "region", "unknown region")
    assert len(info.value) == 1


# -- attributes ----------------------------------------------------------------------------------


def test_attributes_are_kept_per_respondent(valid_long):
    df = valid_long.copy()
    df["organisation_size"] = df["respondent"].map(
        {"r1": "small", "r2": "large", "r3": None, "r4": "small"}
    )
    survey = sm.Survey.from_frame(df, attributes=["organisation_size"])
    resp = survey.respondents
    assert resp["organisation_size"].tolist()[:2] == ["small", "large"]
    assert pd.isna(resp["organisation_size"].iloc[2])
    out = survey.to_frame()
    assert out.columns.tolist()[-1] == "organisation_size"
    assert_same(out, df)


def test_conflicting_attribute(valid_long, assert_issue):
    df = valid_long.copy()
    df["organisation_size"] = df["respondent"].map(
        {"r1": "small", "r2": "large", "r3": "micro", "r4": "small"}
    )
    df.loc[4, "organisation_size"] = "medium"
    err = fails(df, attributes=["organisation_size"])
    issue = assert_issue(err, 4, "organisation_size", "different")
    assert issue["value"] == "medium"
    assert '"r2"' in issue["reason"] and "row 3" in issue["reason"]
    assert len(err) == 1


def test_missing_attribute_column(valid_long, assert_issue):
    assert_issue(
        fails(valid_long, attributes=["organisation_size"]),
        None,
        "organisation_size",
        "missing column",
    )


def test_numeric_attribute_round_trip(valid_long):
    df = valid_long.copy()
    df["employees"] = df["respondent"].map({"r1": 5, "r2": 50, "r3": 7, "r4": 5})
    out = roundtrip(df, attributes=["employees"])
    assert out["employees"].tolist() == df["employees"].tolist()


# -- property: any valid table comes back unchanged ---------------------------------------------


@st.composite
def long_tables(draw):
    n_resp = draw(st.integers(min_value=1, max_value=6))
    weighted = draw(st.booleans())
    level = st.one_of(st.integers(min_value=1, max_value=5).map(float), st.just(np.nan))
    rows = []
    for i in range(n_resp):
        region = draw(st.sampled_from(RESEES))
        stype = draw(st.sampled_from(TYPES))
        # zero weights are valid, all of them zero is not: the first is positive
        weight = draw(st.floats(min_value=0 if i else 0.001, max_value=100, allow_nan=False))
        comps = draw(st.lists(st.sampled_from(SE_CORE), min_size=1, max_size=8, unique=True))
        for comp in comps:
            row = {
                "respondent": f"resp-{i}",
                "region": region,
                "stakeholder_type": stype,
                "competence": comp,
                "current": draw(level),
                "required": draw(level),
            }
            if weighted:
                row["weight"] = weight
            rows.append(row)
    order = draw(st.permutations(range(len(rows))))
    return pd.DataFrame([rows[k] for k in order]), weighted


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(long_tables())
def test_any_valid_table_round_trips(table):
    df, weighted = table
    survey = sm.Survey.from_frame(df, weight="weight" if weighted else None)
    assert survey.n_answers == len(df)
    assert survey.n_respondents == df["respondent"].nunique()
    assert survey.has_weights == weighted
    assert_same(survey.to_frame(), df)


def test_open_sets_report_blank_keys_row_by_row(valid_long):
    df = valid_long.copy()
    df["region"] = df["region"].astype(object)
    df.loc[1, "region"] = "   "
    with pytest.raises(sm.ValidationError) as err:
        sm.Survey.from_frame(df, regions=None)
    issues = err.value.issues
    assert issues.loc[issues["column"] == "region", "row"].tolist() == [1]
    assert "missing region" in issues.loc[issues["column"] == "region", "reason"].item()
    df["region"] = None
    with pytest.raises(sm.ValidationError) as err:
        sm.Survey.from_frame(df, regions=None)
    assert (err.value.issues["reason"] == "missing region").sum() == len(df)


def test_unknown_region_lists_the_known_ones(valid_long):
    df = valid_long.copy()
    df["region"] = df["region"].astype(object)
    df.loc[0, "region"] = "Catalonia"
    with pytest.raises(sm.ValidationError, match="regions=None in Python") as err:
        sm.Survey.from_frame(df)
    assert "ES22" in err.value.issues["reason"].iloc[0]


def test_reserved_attribute_names_and_required_hint(valid_long):
    df = valid_long.assign(sector="x")
    with pytest.raises(sm.ValidationError, match="reserved"):
        sm.Survey.from_frame(df, attributes=["sector"])
    only_importance = valid_long.rename(columns={"required": "importance"})
    with pytest.raises(sm.ValidationError, match="required=None"):
        sm.Survey.from_frame(only_importance, importance="importance")
    s = sm.Survey.from_frame(only_importance, importance="importance", required=None)
    assert s.n_answers == len(valid_long)


def test_pickle_keeps_the_generator_seed():
    import pickle

    s = sm.demo_survey(30, seed=17)
    assert pickle.loads(pickle.dumps(s))._inner.seed == 17


_REGIONS = sm.Regions.resees().table
_TYPES = sm.Typology.default().types
_COMPS = sm.frameworks.load("se-core").competences


def _spelling(draw, canonical: str, others: list[str]) -> str:
    """The canonical id or one of its other spellings, in a random case."""
    text = draw(st.sampled_from([canonical, *others]))
    return draw(st.sampled_from([text, text.upper(), text.lower(), f"  {text} "]))


@st.composite
def spelled_tables(draw):
    n_resp = draw(st.integers(min_value=1, max_value=5))
    level = st.one_of(st.integers(min_value=1, max_value=5).map(float), st.just(np.nan))
    rows, canonical = [], []
    for i in range(n_resp):
        r = draw(st.integers(0, len(_REGIONS) - 1))
        t = draw(st.integers(0, len(_TYPES) - 1))
        size = draw(st.sampled_from(["micro", "small", None]))
        comps = draw(st.lists(st.integers(0, len(_COMPS) - 1), min_size=1, max_size=6, unique=True))
        for c in comps:
            region = _spelling(draw, _REGIONS["id"][r], [_REGIONS["name"][r]])
            stype = _spelling(draw, _TYPES["id"][t], [_TYPES["label"][t]])
            comp = _spelling(draw, _COMPS["id"][c], [_COMPS["label"][c]])
            cur, imp = draw(level), draw(level)
            rows.append((f"p{i}", region, stype, comp, cur, imp, size))
            canonical.append(
                (f"p{i}", _REGIONS["id"][r], _TYPES["id"][t], _COMPS["id"][c], cur, imp, size)
            )
    cols = [
        "respondent",
        "region",
        "stakeholder_type",
        "competence",
        "current",
        "importance",
        "organisation_size",
    ]
    return pd.DataFrame(rows, columns=cols), pd.DataFrame(canonical, columns=cols)


@settings(
    max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(spelled_tables())
def test_any_spelling_ingests_to_canonical_ids(tables):
    raw, canonical = tables
    s = sm.Survey.from_frame(
        raw, required=None, importance="importance", attributes=["organisation_size"]
    )
    back = s.to_frame()
    assert back.columns.tolist() == canonical.columns.tolist()
    assert_same(
        back.fillna({"organisation_size": "-"}), canonical.fillna({"organisation_size": "-"})
    )
