"""Interregional learning matches (``Survey.learning_matches``): per
competence, the groups with the largest gaps paired with those that master
it best — who could learn what from whom, with the evidence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

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
    g = g[~g["suppressed"]]
    names = survey._group_names(by)
    labels = survey.framework.competences.set_index("id")["label"]
    rows = []
    for comp, part in g.groupby("competence", sort=False):
        learners = part[part["mean_gap"] > 0].nlargest(top, "mean_gap")
        mentors = part.nlargest(top, "mean_current")
        for _, lr in learners.iterrows():
            for _, mr in mentors.iterrows():
                if mr[by] == lr[by] or mr["mean_current"] <= lr["mean_current"]:
                    continue
                score = lr["mean_gap"] * (mr["mean_current"] - lr["mean_current"])
                rows.append(
                    {
                        "competence": comp,
                        "competence_label": labels.get(comp, comp),
                        "learner": lr[by],
                        "mentor": mr[by],
                        "learner_gap": lr["mean_gap"],
                        "learner_gap_lo": lr["mean_gap_lo"],
                        "learner_gap_hi": lr["mean_gap_hi"],
                        "learner_current": lr["mean_current"],
                        "learner_n": lr["n"],
                        "mentor_current": mr["mean_current"],
                        "mentor_gap": mr["mean_gap"],
                        "mentor_n": mr["n"],
                        "score": score,
                    }
                )
    out = pd.DataFrame(rows, columns=_COLUMNS)
    out = out.sort_values(["competence", "score"], ascending=[True, False], kind="stable")
    out["rank"] = out.groupby("competence").cumcount() + 1
    out["sentence"] = [
        f"{names.get(lr, lr)} could learn {lab} from {names.get(mr, mr)}"
        for lr, lab, mr in zip(out["learner"], out["competence_label"], out["mentor"], strict=True)
    ]
    out = out.reset_index(drop=True)
    return attach(out, prov.replace(kind="learning_matches", top=top))
