"""The public :class:`Survey`: a validated survey's storage and its data
back out as labelled DataFrames.

Survey holds; it neither ingests nor analyses. Building one is
:mod:`skillsmap._ingest`; each analysis is a function of its own module
(:mod:`~skillsmap._gaps`, :mod:`~skillsmap._profiles`,
:mod:`~skillsmap._priorities`, :mod:`~skillsmap._paired`,
:mod:`~skillsmap._matches`, :mod:`~skillsmap._map`,
:mod:`~skillsmap._network`) taking the survey as its first argument, bound
here as a method. Those modules reach the survey through its public
properties and the internal interface documented on the class, nothing else.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from . import (
    _compare,
    _core,
    _gaps,
    _ingest,
    _map,
    _matches,
    _network,
    _paired,
    _priorities,
    _profiles,
    _reliability,
    _weights,
)
from ._frames import _text
from ._model import Framework, Regions, Scale, Typology
from ._output import pandas_inside, returns_table

__all__ = ["Survey"]


class Survey:
    """A validated skills survey: who answered (region, stakeholder type),
    about which competence, at which current, required and importance levels.

    Build one with :meth:`from_frame` (long format, one row per respondent ×
    competence), :meth:`from_wide` (one row per respondent), :func:`read_survey`
    (CSV, Parquet, Excel) or :func:`demo_survey` (synthetic data). Surveys are
    immutable; every value in one has been validated.

    Analyses: :meth:`gaps`, :meth:`profiles`, :meth:`priorities`,
    :meth:`paired_test`, :meth:`learning_matches`, :meth:`skills_map`,
    :meth:`cogap_network`, and the survey statistics :meth:`reliability`,
    :meth:`compare` and :meth:`posthoc`. Weights: :meth:`rake` and
    :meth:`post_stratify`. Their tables carry a :class:`Provenance` in
    ``df.attrs["provenance"]``.

    Notes
    -----
    The analysis modules, the figures and the report use a survey only
    through its public properties and this internal interface:

    ``_inner``
        The validated core survey (``skillsmap._core.Survey``), which the
        core's kernels take.
    ``_item_ids(level)``
        The item id columns of a level (``competence`` and ``area``, or
        ``area``), in framework order.
    ``_key_values(key, labels)``
        The values of a grouping key as the data gave them, for the text
        labels the core returns (attribute values keep their type).
    ``_group_names(key)``
        Display names of the values of a grouping key (region and type
        names; empty for attributes).
    ``_cache(name)``
        A dict kept with the survey for values derived from it alone
        (e.g. respondent group codes): the survey is immutable, so they
        stay valid; they are not pickled.
    ``_with_weights(weights, weighting)``
        The same survey with new respondent weights and the
        :class:`~skillsmap._weights.Weighting` that made them.
    ``_from_rows(frame)``
        A survey with the same framework, scales, regions, typology and
        options from some rows of :meth:`to_frame` (e.g. one region's
        respondents, for its diagnosis).

    See Also
    --------
    read_survey : A survey from a file or a collection tool's export.
    demo_survey : A synthetic survey.
    SkillsMap : The survey as a graph.

    Examples
    --------
    >>> import skillsmap as sm
    >>> s = sm.demo_survey(n_respondents=50, seed=1)
    >>> s
    Survey(50 respondents, 1600 answers, framework='se-core', synthetic)
    >>> s.to_frame().columns.tolist()[:6]
    ['respondent', 'region', 'stakeholder_type', 'competence', 'current', 'required']
    >>> len(s) == s.n_answers == len(s.to_frame())
    True
    """

    def __init__(
        self,
        inner: _core.Survey,
        respondent_index: pd.Index | None = None,
        attribute_values: dict[str, pd.Index] | None = None,
    ) -> None:
        self._inner = inner
        if respondent_index is None:
            respondent_index = pd.Index(inner.respondent_columns()["id"], dtype=object)
        self._respondent_index = respondent_index
        # Original values of attribute levels (the core keeps their text).
        self._attribute_values = attribute_values or {}

    # -- construction: functions of _ingest --------------------------------------
    from_frame = classmethod(_ingest.from_frame)
    from_wide = classmethod(_ingest.from_wide)

    # -- analyses: each a function of its module, taking the survey first ---------
    gaps = returns_table(_gaps.gaps)
    profiles = returns_table(_profiles.profiles)
    priorities = returns_table(_priorities.priorities)
    paired_test = returns_table(_paired.paired_test)
    learning_matches = returns_table(_matches.learning_matches)
    skills_map = pandas_inside(_map.skills_map)
    cogap_network = pandas_inside(_network.cogap_network)
    reliability = returns_table(_reliability.reliability)
    compare = returns_table(_compare.compare)
    posthoc = returns_table(_compare.posthoc)
    rake = pandas_inside(_weights.rake)
    post_stratify = pandas_inside(_weights.post_stratify)

    # -- content ----------------------------------------------------------------
    @property
    def n_respondents(self) -> int:
        """Number of respondents."""
        return self._inner.n_respondents

    @property
    def n_answers(self) -> int:
        """Number of answer rows (respondent × competence)."""
        return self._inner.n_answers

    def __len__(self) -> int:
        """Number of answer rows, as :attr:`n_answers` (the rows of
        :meth:`to_frame`)."""
        return self.n_answers

    @property
    def framework(self) -> Framework:
        """The competence framework."""
        return Framework(self._inner.framework)

    @property
    def scale(self) -> Scale:
        """Scale of current and required levels."""
        return self._inner.scale

    @property
    def importance_scale(self) -> Scale:
        """Scale of importance ratings."""
        return self._inner.importance_scale

    @property
    def regions(self) -> Regions:
        """The region set respondents belong to."""
        return Regions(self._inner.regions)

    @property
    def typology(self) -> Typology:
        """The stakeholder typology."""
        return Typology(self._inner.typology)

    @property
    def synthetic(self) -> bool:
        """True for data made by the synthetic generator."""
        return self._inner.synthetic

    @property
    def source(self) -> str:
        """Provenance text."""
        return self._inner.source

    @property
    def weighting(self) -> _weights.Weighting | None:
        """How the weights were made by :meth:`rake` or
        :meth:`post_stratify` (iterations, convergence, design effect), or
        None."""
        return self.__dict__.get("_weighting")

    @property
    def has_weights(self) -> bool:
        """Whether the survey has respondent weights."""
        return self._inner.has_weights

    @property
    @returns_table
    def respondents(self) -> pd.DataFrame:
        """One row per respondent: ``respondent, region, region_name,
        stakeholder_type, sector``, ``weight`` when present, then attributes."""
        cols = self._inner.respondent_columns()
        reg = self.regions.table
        types = self.typology.types
        df = pd.DataFrame(
            {
                "respondent": self._respondent_index,
                "region": reg["id"].to_numpy(dtype=object)[cols["region"]],
                "region_name": reg["name"].to_numpy(dtype=object)[cols["region"]],
                "stakeholder_type": types["id"].to_numpy(dtype=object)[cols["stakeholder_type"]],
                "sector": types["sector"].to_numpy(dtype=object)[cols["stakeholder_type"]],
            }
        )
        if "weight" in cols:
            df["weight"] = cols["weight"]
        for name, codes, levels in cols["attributes"]:
            values = self._attribute_values.get(name)
            df[name] = _decode(codes, levels if values is None else list(values))
        return df

    @returns_table
    def to_frame(self) -> pd.DataFrame:
        """The long table: one row per answer, in input order, missing levels
        as NaN.

        Columns: ``respondent`` (as given), ``region`` (region id),
        ``stakeholder_type`` (type id), ``competence`` (competence id),
        ``current``, ``required`` and/or ``importance``, ``weight`` when the
        survey has weights, then the respondent attributes.

        Returns
        -------
        pandas.DataFrame
            What :meth:`from_frame` reads back into an equal survey.

        See Also
        --------
        Survey.respondents : One row per respondent.
        Survey.from_frame : The inverse.

        Examples
        --------
        >>> import skillsmap as sm
        >>> s = sm.demo_survey(20, seed=0)
        >>> t = s.to_frame()
        >>> len(t) == s.n_answers, t["current"].isna().any()
        (True, np.True_)
        """
        ans = self._inner.answer_columns()
        resp = self.respondents
        r = ans["respondent"]
        comp_ids = np.asarray(self.framework.competences["id"], dtype=object)
        df = pd.DataFrame(
            {
                "respondent": self._respondent_index.to_numpy()[r],
                "region": resp["region"].to_numpy(dtype=object)[r],
                "stakeholder_type": resp["stakeholder_type"].to_numpy(dtype=object)[r],
                "competence": comp_ids[ans["competence"]],
            }
        )
        for role in ("current", "required", "importance"):
            if role in ans:
                df[role] = ans[role]
        extra = [
            c
            for c in resp.columns
            if c not in {"respondent", "region", "region_name", "stakeholder_type", "sector"}
        ]
        for c in extra:
            df[c] = resp[c].to_numpy()[r]
        return df

    def summary(self, *, lang: str | None = None) -> str:
        """A text summary: respondents per region × type, answers, missing
        answers and the mean gap per competence area.

        Parameters
        ----------
        lang : {None, "en", "es", "fr", "sl", "fi", "it"}, optional
            None (default): the core's English text, unchanged from earlier
            versions, for scripts that read it. A language code: the same
            summary with the words of that language's catalogue, its number
            format (a decimal comma in es, fr, sl, fi and it) and the
            framework's area names and the default typology's type names in
            that language where they exist; region names and the source
            text stay as the data give them. The numbers are those of the
            English text.

        Returns
        -------
        str
            Several lines, for a terminal (``skillsmap summary``).

        Raises
        ------
        ConfigurationError
            If ``lang`` is not one of the supported codes.

        See Also
        --------
        Survey.respondents : The respondents as a table.
        Survey.gaps : The gap statistics in full.

        Examples
        --------
        >>> import skillsmap as sm
        >>> s = sm.demo_survey(50, seed=0)
        >>> print(s.summary().splitlines()[0])
        SYNTHETIC DEMONSTRATION DATA — not real survey responses
        >>> for line in s.summary(lang="fi").splitlines()[-7:-5]:
        ...     print(line)
        Keskimääräinen puute (tavoite − nyky) osaamisalueittain:
          Yhteisötalouden perusteet                       0,97  (n = 230)
        """
        if lang is None:
            return self._inner.summary()
        from ._i18n import Lang
        from ._summary import summary

        return summary(self, Lang(lang))

    # -- the internal interface of the analysis modules (see the class notes) ---
    def _item_ids(self, level: str) -> dict[str, np.ndarray]:
        """Item id columns of a level, cached (the framework is immutable)."""
        cache = self.__dict__.setdefault("_item_cache", {})
        if level not in cache:
            fw = self.framework
            if level == "area":
                cache[level] = {"area": fw.areas["id"].to_numpy(dtype=object)}
            else:
                comp = fw.competences
                cache[level] = {
                    "competence": comp["id"].to_numpy(dtype=object),
                    "area": comp["area"].to_numpy(dtype=object),
                }
        return cache[level]

    def _key_values(self, key: str, labels: list[str]) -> list[Any]:
        """The values of grouping key ``key`` as given, for the core's labels."""
        original = self._attribute_values.get(key)
        if original is None:
            return list(labels)
        text = dict(zip((_text(v) for v in original), original, strict=True))
        return [text.get(v, v) for v in labels]

    def _group_names(self, key: str) -> dict[Any, str]:
        """Display names of the values of a grouping key, cached (the region
        set and typology are immutable)."""
        cache = self.__dict__.setdefault("_names_cache", {})
        if key not in cache:
            cache[key] = self._group_names_uncached(key)
        return dict(cache[key])

    def _group_names_uncached(self, key: str) -> dict[Any, str]:
        if key == "region":
            t = self.regions.table
            return dict(zip(t["id"], t["name"], strict=True))
        if key == "stakeholder_type":
            t = self.typology.types
            return dict(zip(t["id"], t["label"], strict=True))
        if key == "sector":
            t = self.typology.types
            return dict(zip(t["sector"], t["sector_label"], strict=True))
        return {}

    def _cache(self, name: str) -> dict[Any, Any]:
        """The named cache of values derived from this (immutable) survey."""
        caches = self.__dict__.setdefault("_caches", {})
        return caches.setdefault(name, {})

    def _with_weights(self, weights: np.ndarray, weighting: _weights.Weighting) -> Survey:
        """The same survey with new respondent weights (raking,
        post-stratification)."""
        out = Survey(
            self._inner.with_weights(np.ascontiguousarray(weights, dtype=np.float64)),
            self._respondent_index,
            self._attribute_values,
        )
        out.__dict__["_weighting"] = weighting
        return out

    # -- display and pickling ---------------------------------------------------
    def __repr__(self) -> str:
        return repr(self._inner)

    @pandas_inside
    def _repr_html_(self) -> str:
        resp = self.respondents
        table = pd.crosstab(
            resp["region_name"], resp["stakeholder_type"], margins=True, margins_name="total"
        )
        banner = (
            "<p><b>Synthetic demonstration data</b> — not real survey responses.</p>"
            if self.synthetic
            else ""
        )
        return (
            f"{banner}<p>Survey: {self.n_respondents} respondents, {self.n_answers} answers, "
            f"framework <code>{html.escape(self.framework.id)}</code></p>"
            + table.to_html(max_rows=20, max_cols=20)
        )

    @pandas_inside
    def __getstate__(self) -> dict[str, Any]:
        return {
            "frame": self.to_frame(),
            "options": self._options(),
            "weighting": self.weighting,
        }

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """The long table (:meth:`to_frame`) through the Arrow PyCapsule
        stream interface: ``pyarrow.table(survey)``, ``polars.DataFrame(survey)``
        and DuckDB read a survey directly."""
        import pyarrow as pa

        frame = pandas_inside(self.to_frame)()
        return pa.Table.from_pandas(frame, preserve_index=False).__arrow_c_stream__(
            requested_schema
        )

    @pandas_inside
    def __eq__(self, other: object) -> bool:
        """Equal content: the same answers (in order), weights, attributes,
        framework, scales, regions, typology, source and seed."""
        if not isinstance(other, Survey):
            return NotImplemented
        if self is other:
            return True
        mine, theirs = self._options(), other._options()
        same_options = all(_same(mine[k], theirs[k]) for k in mine)
        return same_options and self.to_frame().equals(other.to_frame())

    # immutable, but equality is by content and costs a table: not hashable
    __hash__ = None  # type: ignore[assignment]

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._inner, self._respondent_index, self._attribute_values = _ingest.restore(
            state["frame"], state["options"]
        )
        if state.get("weighting") is not None:
            self.__dict__["_weighting"] = state["weighting"]

    def _from_rows(self, frame: pd.DataFrame) -> Survey:
        sub = Survey.__new__(Survey)
        sub.__setstate__({"frame": frame, "options": self._options(), "weighting": None})
        return sub

    def _options(self) -> dict[str, Any]:
        ans_cols = self._inner.answer_columns()
        resp_cols = self._inner.respondent_columns()
        return {
            "required": "required" if "required" in ans_cols else None,
            "importance": "importance" if "importance" in ans_cols else None,
            "weight": "weight" if "weight" in resp_cols else None,
            "attributes": [a[0] for a in resp_cols["attributes"]],
            "framework": self.framework,
            "scale": self.scale,
            "importance_scale": self.importance_scale,
            "regions": self.regions,
            "typology": self.typology,
            "source": self.source,
            "synthetic": self.synthetic,
            "seed": self._inner.seed,
        }


def _same(a: Any, b: Any) -> bool:
    """Equality of two option values (frameworks, scales, region sets
    compare by content; anything else with ``==``)."""
    if a is b:
        return True
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _decode(codes: np.ndarray, levels: list[str]) -> np.ndarray:
    out = np.empty(len(codes), dtype=object)
    missing = codes == _core.MISSING_CODE
    lv = np.asarray(levels, dtype=object)
    out[~missing] = lv[codes[~missing]] if len(lv) else None
    out[missing] = None
    return out
