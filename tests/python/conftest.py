"""Shared fixtures of the skillsmap Python test suite."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skillsmap as sm

ISSUE_COLUMNS = ["row", "column", "value", "reason", "code"]

# (respondent, region id, stakeholder type id) of the small valid survey.
RESPONDENTS = [
    ("r1", "ES22", "cooperative"),
    ("r2", "FI1D7", "wise"),
    ("r3", "ITH5", "association"),
    ("r4", "SI032", "public_authority"),
]


@pytest.fixture(scope="session")
def se_core_ids() -> list[str]:
    """Competence ids of the default framework, in framework order."""
    return sm.frameworks.load("se-core").competences["id"].tolist()


@pytest.fixture
def valid_long(se_core_ids: list[str]) -> pd.DataFrame:
    """A small valid long table with canonical ids: 4 respondents × 3 se-core
    competences, integer levels 1..5 and one missing current level (row 1)."""
    rows = []
    for i, (resp, region, stype) in enumerate(RESPONDENTS):
        for j, comp in enumerate(se_core_ids[:3]):
            rows.append(
                {
                    "respondent": resp,
                    "region": region,
                    "stakeholder_type": stype,
                    "competence": comp,
                    "current": 1 + (i + j) % 5,
                    "required": 1 + (2 * i + j) % 5,
                }
            )
    df = pd.DataFrame(rows)
    df["current"] = df["current"].astype("float64")
    df.loc[1, "current"] = np.nan
    return df


def _assert_issue(err: BaseException, row: int | None, column: str, reason: str) -> dict[str, Any]:
    """Assert that ``err`` is a well-formed ValidationError holding an issue at
    (row, column) whose reason contains ``reason``; return that issue."""
    assert isinstance(err, sm.ValidationError)
    assert isinstance(err, ValueError)
    assert isinstance(err, sm.SkillsMapError)
    issues = err.issues
    assert isinstance(issues, pd.DataFrame)
    assert issues.columns.tolist() == ISSUE_COLUMNS
    at_row = issues["row"].isna() if row is None else issues["row"].eq(row).fillna(False)
    hits = issues[
        at_row & issues["column"].eq(column) & issues["reason"].str.contains(reason, regex=False)
    ]
    assert len(hits) >= 1, (
        f"no issue at row={row!r} column={column!r} with reason containing {reason!r}; "
        f"issues were:\n{issues.to_string()}"
    )
    return hits.iloc[0].to_dict()


@pytest.fixture
def assert_issue() -> Callable[[BaseException, int | None, str, str], dict[str, Any]]:
    """``assert_issue(err, row, column, reason_substring)`` → the matching issue."""
    return _assert_issue
