"""Shared fixtures of the skillsmap Python test suite."""

from __future__ import annotations

import sys
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


@pytest.fixture(autouse=True)
def _english_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages (the CLI's, progress lines) follow gettext's environment
    variables; the tests expect English whatever the developer's locale, and
    a test that wants another language sets it."""
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C")


@pytest.fixture(autouse=True)
def _close_figures() -> Any:
    """Every pyplot figure a test opens is closed after it. A test file that
    left figures open would otherwise push the next file run by the same
    xdist worker over matplotlib's 20-figure warning, which the suite
    treats as an error (which file follows which depends on timing)."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


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


# -- gap scoring: the golden survey, random surveys, a demo survey ---------------------------------


class Golden:
    """The golden survey, worked out by hand: 5 respondents × 4 competences
    (area A: C1, C2; area B: C3, C4), importance only, regions North (R1–R3)
    and South (R4, R5)."""

    def __init__(self) -> None:
        self.fw = sm.Framework.from_frame(
            pd.DataFrame(
                {
                    "id": ["C1", "C2", "C3", "C4"],
                    "label": ["First", "Second", "Third", "Fourth"],
                    "area": ["A", "A", "B", "B"],
                }
            ),
            id="golden",
        )
        self.ids = ["C1", "C2", "C3", "C4"]
        self.area_of = {"C1": "A", "C2": "A", "C3": "B", "C4": "B"}
        self.importance = np.array(
            [[5, 4, 3, 5], [5, 5, 4, 4], [4, 4, 3, 5], [5, 3, 4, 4], [4, 4, 2, 5]], dtype=float
        )
        self.current = np.array(
            [[2, 3, 3, 4], [3, 4, 2, 4], [2, 4, 3, 3], [3, 3, 2, 3], [2, 2, 2, 4]], dtype=float
        )

    def long(
        self, current: np.ndarray | None = None, importance: np.ndarray | None = None
    ) -> pd.DataFrame:
        current = self.current if current is None else current
        importance = self.importance if importance is None else importance
        rows = []
        for r in range(importance.shape[0]):
            for j, comp in enumerate(self.ids):
                rows.append(
                    {
                        "respondent": f"R{r + 1}",
                        "region": "North" if r < 3 else "South",
                        "stakeholder_type": "coop",
                        "competence": comp,
                        "current": current[r, j],
                        "importance": importance[r, j],
                    }
                )
        return pd.DataFrame(rows)

    def survey(self, current: np.ndarray | None = None, **options: Any) -> sm.Survey:
        options = {
            "required": None,
            "importance": "importance",
            "framework": self.fw,
            "regions": None,
            "typology": None,
            "scale": (1, 5),
            **options,
        }
        return sm.Survey.from_frame(self.long(current), **options)

    def missing(self) -> np.ndarray:
        cur = self.current.copy()
        cur[2, 1] = np.nan  # respondent 3 did not rate their current level of C2
        return cur


@pytest.fixture(scope="session")
def golden() -> Golden:
    """The golden survey: ``golden.survey()``, ``golden.long()``,
    ``golden.missing()`` (current levels with one missing), ``golden.fw``,
    ``golden.ids``, ``golden.area_of``, ``golden.importance``,
    ``golden.current``."""
    return Golden()


_TYPES = sm.Typology.default().types


def _random_long(
    seed: int,
    *,
    n_resp: int = 70,
    variant: str = "both",
    weights: str | None = "lognormal",
    missing: float = 0.15,
    half_steps: bool = False,
) -> pd.DataFrame:
    """A random long table on se-core with RESEES regions and the default
    typology: missing levels, missing answer rows, an attribute with missing
    values, and optionally weights (some of them zero with ``"zeros"``)."""
    se_ids = sm.frameworks.load("se-core").competences["id"].tolist()
    rng = np.random.default_rng(seed)
    resp = pd.DataFrame(
        {
            "respondent": [f"P{i:03d}" for i in range(n_resp)],
            "region": rng.choice(sm.Regions.resees().table["id"].tolist(), n_resp),
            "stakeholder_type": rng.choice(_TYPES["id"].tolist(), n_resp),
            "org_size": rng.choice(
                np.array(["small", "micro", "large", None], dtype=object), n_resp
            ),
        }
    )
    if weights == "lognormal":
        resp["weight"] = rng.lognormal(0.0, 0.5, n_resp)
    elif weights == "zeros":
        resp["weight"] = np.where(rng.random(n_resp) < 0.1, 0.0, rng.uniform(0.2, 3.0, n_resp))
    rows = resp.loc[resp.index.repeat(len(se_ids))].reset_index(drop=True)
    rows["competence"] = np.tile(se_ids, n_resp)
    m = len(rows)
    step = 0.5 if half_steps else 1.0
    n_levels = round(4 / step) + 1

    def levels(low: float = 1.0) -> np.ndarray:
        lo = round((low - 1) / step)
        v = 1.0 + step * rng.integers(lo, n_levels, m)
        return np.where(rng.random(m) < missing, np.nan, v)

    rows["current"] = levels()
    if variant in {"both", "required"}:
        rows["required"] = levels(2.0)
    if variant in {"both", "importance"}:
        rows["importance"] = levels(2.0)
    # some answer rows are absent altogether
    keep = rng.random(m) >= 0.05
    return rows[keep].sample(frac=1.0, random_state=seed).reset_index(drop=True)


def _random_survey(long: pd.DataFrame) -> sm.Survey:
    return sm.Survey.from_frame(
        long,
        required="required" if "required" in long.columns else None,
        importance="importance" if "importance" in long.columns else None,
        weight="weight" if "weight" in long.columns else None,
        attributes=["org_size"],
    )


@pytest.fixture(scope="session")
def random_long() -> Callable[..., pd.DataFrame]:
    """``random_long(seed, *, n_resp=70, variant="both"|"required"|"importance",
    weights="lognormal"|"zeros"|None, missing=0.15, half_steps=False)``: a
    random long table on se-core (see ``_random_long``)."""
    return _random_long


@pytest.fixture(scope="session")
def random_survey() -> Callable[[pd.DataFrame], sm.Survey]:
    """``random_survey(long)``: the survey of a ``random_long`` table."""
    return _random_survey


@pytest.fixture(scope="module")
def demo300() -> sm.Survey:
    return sm.demo_survey(300, seed=4)


def _outputs_at_threads(script: str, threads: tuple[str, ...] = ("1", "2")) -> list[str]:
    """What ``python -c script`` prints with RAYON_NUM_THREADS at each count."""
    import os
    import subprocess
    import sys

    outs = []
    for n in threads:
        done = subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "RAYON_NUM_THREADS": n},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        outs.append(done.stdout)
    return outs


@pytest.fixture(scope="session")
def at_threads() -> Callable[..., list[str]]:
    """Run a script in child processes at 1 and 2 threads (or the counts
    given) and return what each printed: parallel results must not depend
    on the thread count."""
    return _outputs_at_threads
