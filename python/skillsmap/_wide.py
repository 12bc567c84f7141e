"""Respondent × item matrices of one rating, and respondent group codes:
the inputs of the survey statistics (:mod:`~skillsmap._reliability`,
:mod:`~skillsmap._compare`, :mod:`~skillsmap._weights`).

A rating is ``"current"``, ``"required"``, ``"importance"`` or ``"gap"``
(target − current, the target being the required level when the survey
asked for it and importance otherwise, as in :meth:`Survey.gaps`). Missing
answers are NaN.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import _core
from .errors import ConfigurationError, UnknownNameError

if TYPE_CHECKING:
    from ._survey import Survey

RATINGS = ("current", "required", "importance", "gap")


def rating_matrix(survey: Survey, rating: Any, name: str = "rating") -> np.ndarray:
    """The (respondents × competences) matrix of ``rating``, NaN where
    missing, made by the core."""
    return _core.rating_matrix(survey._inner, check_rating(survey, rating, name))


def check_rating(survey: Survey, rating: Any, name: str = "rating") -> str:
    """``rating`` as one of :data:`RATINGS` that the survey has, or a
    :class:`ConfigurationError` naming the argument."""
    if not isinstance(rating, str) or rating not in RATINGS:
        raise ConfigurationError(f"{name} must be one of {', '.join(RATINGS)}, got {rating!r}")
    has = {"required": survey._inner.has_required, "importance": survey._inner.has_importance}
    if not has.get(rating, True):
        raise ConfigurationError(f"{name}={rating!r}: the survey has no {rating} levels")
    return rating


def area_means(survey: Survey, x: np.ndarray) -> np.ndarray:
    """Per respondent, the mean of ``x`` over each area's answered
    competences (NaN where none is answered): respondents × areas."""
    comp_area = survey.framework.competences["area"].to_numpy(dtype=object)
    areas = survey.framework.areas["id"].to_numpy(dtype=object)
    code = pd.Index(areas).get_indexer(comp_area)
    ok = ~np.isnan(x)
    member = np.zeros((x.shape[1], len(areas)))
    member[np.arange(x.shape[1]), code] = 1.0
    total = np.where(ok, x, 0.0) @ member
    count = ok.astype(np.float64) @ member
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.where(count > 0, count, 1.0), np.nan)


def group_codes(survey: Survey, by: Any) -> tuple[np.ndarray, list[Any], str]:
    """:func:`_group_codes`, cached on the survey (it is immutable)."""
    if not isinstance(by, str):
        raise ConfigurationError(f"by must be one grouping key (a column name), got {by!r}")
    cache = survey._cache("group_codes")
    if by not in cache:
        codes, groups, key = _group_codes(survey, by)
        codes.flags.writeable = False
        cache[by] = (codes, groups, key)
    return cache[by]


def _group_codes(survey: Survey, by: str) -> tuple[np.ndarray, list[Any], str]:
    """Codes of the respondents' groups by one key (``-1`` where the key's
    value is missing), the group values in order, and the key.

    Regions and stakeholder types keep the order of their sets; other keys
    (``sector``, attributes) the order of first appearance.
    """
    if not isinstance(by, str):
        raise ConfigurationError(f"by must be one grouping key (a column name), got {by!r}")
    if by in ("region", "stakeholder_type"):
        # positions in the region set / typology, straight from the core
        raw = np.asarray(survey._inner.respondent_columns()[by], dtype=np.int64)
        if by == "region":
            ids = [row[0] for row in survey._inner.regions.rows()]
        else:
            ids = list(survey._inner.typology.type_columns()["id"])
        present = np.flatnonzero(np.bincount(raw, minlength=len(ids)))
        remap = np.full(len(ids), -1, dtype=np.int64)
        remap[present] = np.arange(present.size)
        return remap[raw], [ids[i] for i in present], by
    resp = survey.respondents
    if by in ("respondent", "region_name", "weight") or by not in resp.columns:
        keys = [c for c in resp.columns if c not in ("respondent", "region_name", "weight")]
        raise UnknownNameError(f"by={by!r} is not a grouping key; known: {', '.join(keys)}")
    col = resp[by]
    if by == "region":
        order = list(survey.regions.table["id"])
    elif by == "stakeholder_type":
        order = list(survey.typology.types["id"])
    else:
        order = list(pd.unique(col.dropna()))
    codes = pd.Index(order).get_indexer(col)
    present = np.unique(codes[codes >= 0])
    remap = np.full(len(order) + 1, -1, dtype=np.int64)
    remap[present] = np.arange(present.size)
    codes = remap[codes]  # -1 stays -1 (the last slot)
    return codes.astype(np.int64), [order[i] for i in present], by
