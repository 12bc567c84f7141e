"""Interregional learning matches (``Survey.learning_matches``): per
competence, the groups with the largest gaps paired with those that master
it best — who could learn what from whom, with the evidence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import _core
from ._checks import count
from ._provenance import attach, read
from .errors import ConfigurationError

if TYPE_CHECKING:
    from ._survey import Survey

__all__ = ["learning_matches"]

_COLUMNS = [
    "competence",
    "competence_label",
    "learner",
    "mentor",
    "learner_gap",
    "learner_gap_lo",
    "learner_gap_hi",
    "learner_current",
    "learner_n",
    "mentor_current",
    "mentor_gap",
    "mentor_n",
    "score",
]


def learning_matches(
    survey: Survey,
    by: str = "region",
    top: int = 3,
    *,
    min_n: int = 5,
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int | None = 0,
    weights: bool = True,
) -> pd.DataFrame:
    """Interregional learning matches: for each competence, who could
    learn it from whom.

    For each competence the ``top`` groups (regions, or types with
    ``by="stakeholder_type"``) with the largest mean gap are learners and
    the ``top`` groups with the highest mean current level are mentors; a
    pair is kept when the mentor's current level is above the learner's.
    Pairs are ranked by

        score = learner mean gap × (mentor mean current − learner mean current)

    (both in scale points): a large gap to close and a mentor clearly
    ahead. Suppressed cells (fewer than ``min_n`` respondents) never
    take part.

    Parameters
    ----------
    by : {"region", "stakeholder_type", "sector"} or str
        The grouping whose members learn from each other (any one
        respondent key).
    top : int
        How many learners and how many mentors per competence.
    min_n : int
        Cells with fewer respondents are suppressed and never take part.
    ci : float
        Confidence level of the learner gap's bootstrap interval.
    n_boot : int
        Bootstrap replicates.
    seed : int, optional
        Seed of the bootstrap.
    weights : bool
        Use the survey weights when it has them.

    Returns
    -------
    pandas.DataFrame
        ``competence``, ``competence_label``, ``learner``, ``mentor``,
        ``learner_gap`` with its bootstrap interval ``learner_gap_lo`` /
        ``learner_gap_hi``, ``learner_current``, ``learner_n``,
        ``mentor_current``, ``mentor_gap``, ``mentor_n``, ``score``,
        ``rank`` (within the competence) and ``sentence`` ("Lapland could
        learn Social impact measurement and reporting from
        Emilia-Romagna"), sorted by competence and rank.

    Raises
    ------
    ConfigurationError
        For a ``by`` that is not one key, ``top < 1`` or a bad bootstrap
        option.

    See Also
    --------
    Survey.gaps : The gap table by group the matches come from.
    skillsmap.plot.learning_matches : Draw the matches.

    Examples
    --------
    >>> import skillsmap as sm
    >>> m = sm.demo_survey(600, seed=0).learning_matches(n_boot=200)
    >>> bool((m["mentor_current"] > m["learner_current"]).all())
    True
    """
    if not isinstance(by, str):
        raise ConfigurationError(
            f"by must name one grouping (e.g. 'region' or 'stakeholder_type'), got {by!r}"
        )
    top = count("top", top, 1)
    g = survey.gaps(by, min_n=min_n, ci=ci, n_boot=n_boot, seed=seed, weights=weights)
    prov = read(g)
    # The pairs come from the core (scoring::learning_matches, the one home
    # of the rule) as indices into the same group-major gap table.
    pairs = _core.learning_matches(survey._inner, [by], weights=weights, min_n=min_n, top=top)
    n_items = len(survey.framework.competences)
    item = np.asarray(pairs["item"], dtype=np.intp)
    learner = np.asarray(pairs["learner"], dtype=np.intp) * n_items + item
    mentor = np.asarray(pairs["mentor"], dtype=np.intp) * n_items + item
    names = survey._group_names(by)
    labels = survey.framework.competences.set_index("id")["label"]

    def at(column: str, rows: np.ndarray) -> np.ndarray:
        return g[column].to_numpy()[rows]

    competence = at("competence", learner)
    rows = {
        "competence": competence,
        "competence_label": [labels.get(c, c) for c in competence],
        "learner": at(by, learner),
        "mentor": at(by, mentor),
        "learner_gap": at("mean_gap", learner),
        "learner_gap_lo": at("mean_gap_lo", learner),
        "learner_gap_hi": at("mean_gap_hi", learner),
        "learner_current": at("mean_current", learner),
        "learner_n": at("n", learner),
        "mentor_current": at("mean_current", mentor),
        "mentor_gap": at("mean_gap", mentor),
        "mentor_n": at("n", mentor),
        "score": pairs["score"],
    }
    out = pd.DataFrame(rows, columns=_COLUMNS)
    out["learner_n"] = out["learner_n"].astype(g["n"].dtype)
    out["mentor_n"] = out["mentor_n"].astype(g["n"].dtype)
    out = out.sort_values(["competence", "score"], ascending=[True, False], kind="stable")
    out["rank"] = out.groupby("competence").cumcount() + 1
    out["sentence"] = [
        f"{names.get(lr, lr)} could learn {lab} from {names.get(mr, mr)}"
        for lr, lab, mr in zip(out["learner"], out["competence_label"], out["mentor"], strict=True)
    ]
    out = out.reset_index(drop=True)
    return attach(out, prov.replace(kind="learning_matches", top=top))
