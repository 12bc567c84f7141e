"""The exception tree and ValidationError."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest
import skillsmap as sm


def test_exception_tree():
    assert issubclass(sm.ValidationError, sm.SkillsMapError)
    assert issubclass(sm.ValidationError, ValueError)
    assert issubclass(sm.DefinitionError, sm.SkillsMapError)
    assert issubclass(sm.DefinitionError, ValueError)
    assert issubclass(sm.ConfigurationError, sm.SkillsMapError)
    assert issubclass(sm.ConfigurationError, ValueError)
    assert issubclass(sm.UnknownNameError, sm.SkillsMapError)
    assert issubclass(sm.UnknownNameError, KeyError)
    assert issubclass(sm.FormatError, sm.SkillsMapError)
    assert issubclass(sm.FormatError, ValueError)
    assert issubclass(sm.ConvergenceError, sm.SkillsMapError)
    assert issubclass(sm.ConvergenceError, RuntimeError)


def test_unknown_name_error_is_not_quoted():
    assert str(sm.UnknownNameError("unknown framework 'x'")) == "unknown framework 'x'"


@pytest.fixture
def raised(valid_long) -> sm.ValidationError:
    df = valid_long.copy()
    df.loc[0, "region"] = "Atlantis"
    df.loc[6, "required"] = 9
    with pytest.raises(sm.ValidationError) as info:
        sm.Survey.from_frame(df, source="field survey 2025")
    return info.value


def test_pickle_keeps_issues(raised):
    back = pickle.loads(pickle.dumps(raised))
    assert type(back) is sm.ValidationError
    pd.testing.assert_frame_equal(back.issues, raised.issues)
    assert str(back) == str(raised)
    assert back.source == raised.source == "field survey 2025"
    assert len(back) == 2


def test_pickle_of_a_built_error():
    err = sm.ValidationError(
        [(3, "current", "9", "level outside the scale 1–5"), (None, "region", "", "missing column")]
    )
    back = pickle.loads(pickle.dumps(err))
    pd.testing.assert_frame_equal(back.issues, err.issues)
    assert back.source is None


def test_built_issues_take_a_code():
    err = sm.ValidationError(
        [(0, "region", "x", "unknown region", "unknown_region"), (1, "a", "", "b")]
    )
    assert err.issues["code"].tolist() == ["unknown_region", "invalid_value"]
    back = pickle.loads(pickle.dumps(err))
    assert back.issues["code"].tolist() == ["unknown_region", "invalid_value"]


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("region", "", "missing_value"),
        ("stakeholder_type", "alien", "unknown_stakeholder_type"),
        ("competence", "knitting", "unknown_competence"),
        ("current", 7, "out_of_scale"),
        ("current", float("inf"), "not_finite"),
    ],
)
def test_every_core_issue_has_its_code(valid_long, column, value, code):
    df = valid_long.copy()
    df[column] = df[column].astype(object)
    df.loc[2, column] = value
    with pytest.raises(sm.ValidationError) as info:
        sm.Survey.from_frame(df)
    issues = info.value.issues
    assert issues.loc[issues["row"] == 2, "code"].tolist() == [code]


def test_issues_found_in_python_have_codes_too(valid_long):
    df = valid_long.copy()
    df["current"] = df["current"].astype(object)
    df.loc[1, "current"] = "two"
    with pytest.raises(sm.ValidationError) as info:
        sm.Survey.from_frame(df)
    assert info.value.issues[["row", "code"]].values.tolist() == [[1, "invalid_type"]]
    with pytest.raises(sm.ValidationError) as info:
        sm.Survey.from_frame(df.drop(columns="region"))
    assert info.value.issues["code"].tolist() == ["missing_column"]


def test_a_corrupt_map_file_is_a_format_error(tmp_path):
    path = tmp_path / "map.json"
    path.write_text('{"format": "skillsmap.map", "version": 1, "nodes": 3}')
    with pytest.raises(sm.FormatError, match="cannot read skills map JSON"):
        sm.SkillsMap.load(path)
    path.write_text('{"format": "networkx"}')
    with pytest.raises(sm.FormatError, match="not a skills map file"):
        sm.SkillsMap.load(path)


def test_a_bad_option_is_a_configuration_error():
    survey = sm.demo_survey(60, seed=1)
    with pytest.raises(sm.ConfigurationError, match="level must be 'competence' or 'area'"):
        survey.gaps(level="areas")
    with pytest.raises(sm.ConfigurationError, match="no respondent attribute"):
        survey.gaps(by="nope")


def test_issues_are_sorted_table_level_first():
    err = sm.ValidationError(
        [
            (5, "current", "0", "b"),
            (None, "weight", "", "missing column"),
            (2, "region", "x", "a"),
        ]
    )
    assert err.issues["row"].tolist()[1:] == [2, 5]
    assert err.issues["row"].isna().tolist() == [True, False, False]


def test_issues_frame(raised):
    issues = raised.issues
    assert issues.columns.tolist() == ["row", "column", "value", "reason", "code"]
    assert str(issues["row"].dtype) == "Int64"
    assert issues["row"].tolist() == [0, 6]
    # machine-readable codes from the core, besides the English reasons
    assert issues["code"].tolist() == ["unknown_region", "out_of_scale"]
    # a fresh frame each time: editing one does not change the error
    issues.loc[0, "reason"] = "edited"
    assert raised.issues.loc[0, "reason"].startswith("unknown region (known: ES22")


def test_table_level_row_is_na(valid_long):
    with pytest.raises(sm.ValidationError) as info:
        sm.Survey.from_frame(valid_long.drop(columns=["region", "current"]))
    issues = info.value.issues
    assert str(issues["row"].dtype) == "Int64"
    assert issues["row"].isna().all()
    assert sorted(issues["column"]) == ["current", "region"]
    assert "  -  " in str(info.value)


def test_message_lists_the_problems(raised):
    text = str(raised)
    lines = text.splitlines()
    assert lines[0] == "2 problems in the survey data in field survey 2025"
    assert lines[1].split() == ["row", "column", "value", "reason"]
    assert "Atlantis" in lines[2] and "unknown region" in lines[2]
    assert "required" in lines[3] and "9" in lines[3]
    assert len(lines) == 4


def test_message_singular():
    err = sm.ValidationError([(0, "region", "x", "unknown region")])
    assert str(err).splitlines()[0] == "1 problem in the survey data"


def test_message_shows_at_most_ten(valid_long):
    df = valid_long.copy()
    df["current"] = 9  # 12 problems
    with pytest.raises(sm.ValidationError) as info:
        sm.Survey.from_frame(df)
    err = info.value
    assert len(err) == len(err.issues) == 12
    lines = str(err).splitlines()
    assert lines[0].startswith("12 problems")
    shown = [ln for ln in lines if "outside the scale" in ln]
    assert len(shown) == 10
    assert lines[-1].strip() == "… and 2 more (see .issues)"
    assert len(lines) == 1 + 1 + 10 + 1


def test_message_with_many_issues():
    err = sm.ValidationError([(i, "current", str(i), "not a number") for i in range(25)])
    assert "… and 15 more" in str(err)
    assert len(err.issues) == 25


def test_long_values_are_clipped_in_the_message_only():
    long_value = "x" * 80
    err = sm.ValidationError([(0, "competence", long_value, "unknown competence")])
    assert long_value not in str(err)
    assert "…" in str(err)
    assert err.issues["value"].item() == long_value
