"""The public :class:`Survey`: validated ingestion from tables and files, the
demo generator, and the data back out as labelled DataFrames."""

from __future__ import annotations

import html
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import _core
from ._frames import Issue, categorical, numeric, to_pandas
from ._model import Framework, Regions, Scale, Typology, _as_scale
from .errors import ConfigurationError, ValidationError
from .frameworks import load as load_framework

if TYPE_CHECKING:
    from ._map import SkillsMap
    from ._network import CoGapNetwork

__all__ = ["Survey", "demo_survey", "read_survey"]

_MISSING_CODE = 2**32 - 1


def _framework(fw: Any) -> Framework:
    if isinstance(fw, Framework):
        return fw
    return load_framework(fw)


def _regions(regions: Any) -> _core.RegionSet | None:
    if regions is None:
        return None
    if isinstance(regions, Regions):
        return regions._inner
    if isinstance(regions, str) and regions.lower() == "resees":
        return _core.RegionSet.resees()
    if isinstance(regions, str | os.PathLike):
        return Regions.from_json(regions)._inner
    return Regions.from_frame(regions)._inner


def _typology(typology: Any) -> _core.Typology | None:
    if typology is None:
        return None
    if isinstance(typology, Typology):
        return typology._inner
    if isinstance(typology, str) and typology.lower() in {"default", "se-default"}:
        return _core.Typology.default()
    if isinstance(typology, str | os.PathLike):
        return Typology.from_json(typology)._inner
    return Typology.from_frame(typology)._inner


class Survey:
    """A validated skills survey: who answered (region, stakeholder type),
    about which competence, at which current, required and importance levels.

    Build one with :meth:`from_frame` (long format, one row per respondent ×
    competence), :meth:`from_wide` (one row per respondent), :func:`read_survey`
    (CSV, Parquet, Excel) or :func:`demo_survey` (synthetic data). Surveys are
    immutable; every value in one has been validated.

    Examples
    --------
    >>> import skillsmap as sm
    >>> s = sm.demo_survey(n_respondents=50, seed=1)
    >>> s
    Survey(50 respondents, 1600 answers, framework='se-core', synthetic)
    >>> s.to_frame().columns.tolist()[:6]
    ['respondent', 'region', 'stakeholder_type', 'competence', 'current', 'required']
    """

    def __init__(
        self,
        inner: _core.Survey,
        respondent_index: pd.Index | None = None,
        attribute_values: dict[str, pd.Index] | None = None,
    ) -> None:
        self._inner = inner
        ids = inner.respondent_columns()["id"]
        self._respondent_index = (
            respondent_index if respondent_index is not None else pd.Index(ids, dtype=object)
        )
        # Original values of attribute levels (the core keeps their text).
        self._attribute_values = attribute_values or {}

    # -- construction ---------------------------------------------------------
    @classmethod
    def from_frame(
        cls,
        data: Any,
        *,
        respondent: str = "respondent",
        region: str = "region",
        stakeholder_type: str = "stakeholder_type",
        competence: str = "competence",
        current: str = "current",
        required: str | None = "required",
        importance: str | None = None,
        weight: str | None = None,
        attributes: Sequence[str] = (),
        framework: str | os.PathLike[str] | Framework = "se-core",
        scale: Scale | tuple[float, float] = (1, 5),
        importance_scale: Scale | tuple[float, float] | None = None,
        regions: Any = "resees",
        typology: Any = "se-default",
        source: str = "",
    ) -> Survey:
        """Validate a long table (one row per respondent × competence).

        Parameters
        ----------
        data : DataFrame-like
            pandas or polars DataFrame, any object exposing
            ``__arrow_c_stream__`` (pyarrow tables, …), or a dict of columns.
        respondent, region, stakeholder_type, competence : str
            Names of the key columns. Regions, types and competences are
            matched by id, label or alias, ignoring case and extra spaces.
        current : str
            Column of current (self-assessed) levels.
        required, importance : str or None
            Columns of required levels and of importance ratings; at least one
            must be given. Gaps use required where present, else importance.
        weight : str, optional
            Survey weight column (one non-negative value per respondent).
        attributes : sequence of str
            Further respondent columns to keep (e.g. organisation size), one
            value per respondent; usable as groupings later.
        framework : str, path or Framework
            Competence framework the answers refer to (default ``"se-core"``).
        scale : Scale or (min, max)
            Scale of current and required levels (default Likert 1–5).
            Values outside it are errors, never clipped.
        importance_scale : Scale or (min, max), optional
            Scale of importance if it differs from ``scale``.
        regions : "resees", Regions, DataFrame, path or None
            Known regions (default the six RESEES regions). ``None`` accepts
            whatever regions the data contain.
        typology : "se-default", Typology, DataFrame, path or None
            Known stakeholder types; ``None`` accepts whatever the data contain.
        source : str
            Provenance recorded with the survey.

        Returns
        -------
        Survey

        Raises
        ------
        ValidationError
            Listing every problem with its row, column, value and reason:
            missing columns, empty input, missing or unknown respondent,
            region, stakeholder type or competence, non-numeric levels, levels
            outside the scale, duplicate (respondent, competence) answers,
            respondents whose region, type, weight or attribute differs
            between rows, missing, non-finite or negative weights.

        Notes
        -----
        ``row`` in the issues is the 0-based position of the row in the table
        (in a CSV file with a header, the line number is ``row + 2``).
        """
        df = to_pandas(data)
        roles = {
            "respondent": respondent,
            "region": region,
            "stakeholder_type": stakeholder_type,
            "competence": competence,
            "current": current,
        }
        if required is not None:
            roles["required"] = required
        if importance is not None:
            roles["importance"] = importance
        if weight is not None:
            roles["weight"] = weight
        pre: list[Issue] = []
        wanted = list(roles.values()) + list(attributes)
        for col in wanted:
            if col not in df.columns:
                hint = ""
                if col == required and importance is not None:
                    hint = " (pass required=None when the survey has only importance)"
                pre.append((None, col, "", "missing column" + hint))
        for name in attributes:
            if name in {"region", "stakeholder_type", "sector", "respondent", "competence"}:
                pre.append((None, name, "", "attribute name is reserved for a survey key"))
        if required is None and importance is None:
            pre.append((None, "required", "", "missing column: give required= or importance="))
        if len(df) == 0 and not pre:
            pre.append((None, "", "", "empty input: the table has no rows"))
        if pre:
            raise ValidationError(pre, source=source or None)

        fw = _framework(framework)
        resp_codes, resp_labels, resp_uniques = categorical(df[respondent])
        cats = {
            role: categorical(df[roles[role]])[:2]
            for role in ("region", "stakeholder_type", "competence")
        }
        levels = {
            role: numeric(df[roles[role]], roles[role], pre)
            for role in ("current", "required", "importance", "weight")
            if role in roles
        }
        attr_cats = {name: categorical(df[name]) for name in attributes}
        attrs = [(name, codes, labels) for name, (codes, labels, _) in attr_cats.items()]
        try:
            inner = _core.Survey.from_columns(
                (resp_codes, resp_labels),
                cats["region"],
                cats["stakeholder_type"],
                cats["competence"],
                levels["current"],
                required=levels.get("required"),
                importance=levels.get("importance"),
                weight=levels.get("weight"),
                attributes=attrs,
                names=roles,
                framework=fw._inner,
                scale=_as_scale(scale),
                importance_scale=_as_scale(importance_scale),
                regions=_regions(regions),
                typology=_typology(typology),
                source=source,
            )
        except ValidationError as err:
            # A cell already reported as not a number reaches the core as
            # missing; report it once.
            seen = {(row, col) for row, col, _, _ in pre}
            core = [i for i in err._rows if (i[0], i[1]) not in seen]
            raise ValidationError(pre + core, source=source or None) from None
        if pre:
            raise ValidationError(pre, source=source or None)
        return cls(inner, resp_uniques, {n: c[2] for n, c in attr_cats.items()})

    @classmethod
    def from_wide(
        cls,
        data: Any,
        *,
        respondent: str = "respondent",
        region: str = "region",
        stakeholder_type: str = "stakeholder_type",
        current: str = "{competence}_current",
        required: str | None = "{competence}_required",
        importance: str | None = None,
        weight: str | None = None,
        attributes: Sequence[str] = (),
        **options: Any,
    ) -> Survey:
        """Validate a wide export: one row per respondent, one column per
        competence and rating.

        Parameters
        ----------
        data : DataFrame-like
            The export.
        respondent, region, stakeholder_type, weight, attributes
            Respondent columns, as in :meth:`from_frame`.
        current, required, importance : str or None
            Column-name patterns containing ``{competence}``, e.g. the default
            ``"{competence}_current"`` matches ``se.impact.measurement_current``.
            The part matched by ``{competence}`` is looked up in the framework
            by id or label.
        **options
            ``framework``, ``scale``, ``importance_scale``, ``regions``,
            ``typology``, ``source`` as in :meth:`from_frame`.

        Raises
        ------
        ValidationError
            As :meth:`from_frame`; ``row`` and ``column`` refer to the wide
            table (the respondent's row and the rating's column).
        """
        df = to_pandas(data)
        patterns = {"current": current, "required": required, "importance": importance}
        patterns = {k: v for k, v in patterns.items() if v is not None}
        pre: list[Issue] = []
        for role, pat in patterns.items():
            if pat.count("{competence}") != 1:
                pre.append((None, pat, "", f"{role} pattern must contain {{competence}} once"))
        id_cols = [respondent, region, stakeholder_type, *([weight] if weight else []), *attributes]
        for col in id_cols:
            if col not in df.columns:
                pre.append((None, col, "", "missing column"))
        if pre:
            raise ValidationError(pre)
        matched: dict[str, dict[str, str]] = {role: {} for role in patterns}
        for role, pat in patterns.items():
            head, tail = pat.split("{competence}")
            rx = re.compile(re.escape(head) + "(.+)" + re.escape(tail) + r"\Z", re.DOTALL)
            for col in df.columns:
                m = rx.match(str(col))
                if m:
                    matched[role][m.group(1)] = str(col)
        comps = list(dict.fromkeys(c for role in matched.values() for c in role))
        # A column whose competence part is not in the framework is reported
        # once, for the column, and left out of the long table.
        fw = _framework(options.get("framework", "se-core"))
        unknown: list[Issue] = []
        for c in [c for c in comps if fw._inner.resolve(c) is None]:
            for role in patterns:
                if c in matched[role]:
                    unknown.append(
                        (None, matched[role][c], c, f"unknown competence for framework {fw.id!r}")
                    )
            comps.remove(c)
        if not comps and unknown:
            raise ValidationError(unknown)
        if not comps:
            raise ValidationError(
                [(None, current, "", "no column matches the current-level pattern")]
            )
        n, k = len(df), len(comps)
        long = {
            "respondent": np.repeat(df[respondent].to_numpy(), k),
            "region": np.repeat(df[region].to_numpy(), k),
            "stakeholder_type": np.repeat(df[stakeholder_type].to_numpy(), k),
            "competence": np.tile(np.asarray(comps, dtype=object), n),
        }
        col_of: dict[str, list[str]] = {}
        for role in patterns:
            cols = [matched[role].get(c) for c in comps]
            block = np.column_stack(
                [
                    df[c].to_numpy(dtype=object)
                    if c is not None
                    else np.full(n, np.nan, dtype=object)
                    for c in cols
                ]
            )
            long[role] = block.reshape(-1)
            col_of[role] = [
                c if c is not None else pat
                for c, pat in zip(cols, [patterns[role]] * k, strict=True)
            ]
        for col in ([weight] if weight else []) + list(attributes):
            long[col] = np.repeat(df[col].to_numpy(), k)
        frame = pd.DataFrame(long)
        for role in patterns:
            frame[role] = frame[role].infer_objects()
        try:
            survey = cls.from_frame(
                frame,
                required="required" if "required" in patterns else None,
                importance="importance" if "importance" in patterns else None,
                weight=weight,
                attributes=attributes,
                **options,
            )
        except ValidationError as err:
            rows: list[Issue] = list(unknown)
            wide_names = {
                "respondent": respondent,
                "region": region,
                "stakeholder_type": stakeholder_type,
            }
            for row, column, value, reason in err._rows:
                if row is None:
                    rows.append((row, column, value, reason))
                    continue
                wrow, j = divmod(row, k)
                if column in col_of:
                    column = col_of[column][j]
                elif column == "competence":
                    column = " / ".join(col_of[r][j] for r in patterns)
                else:
                    column = wide_names.get(column, column)
                rows.append((wrow, column, value, reason))
            # a respondent-level cell is repeated once per competence
            rows = list(dict.fromkeys(rows))
            raise ValidationError(rows, source=err.source) from None
        if unknown:
            raise ValidationError(unknown)
        return survey

    # -- content ----------------------------------------------------------------
    @property
    def n_respondents(self) -> int:
        """Number of respondents."""
        return self._inner.n_respondents

    @property
    def n_answers(self) -> int:
        """Number of answer rows (respondent × competence)."""
        return self._inner.n_answers

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
    def has_weights(self) -> bool:
        """Whether the survey has respondent weights."""
        return self._inner.has_weights

    @property
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

    def to_frame(self) -> pd.DataFrame:
        """The long table: one row per answer, in input order, missing levels
        as NaN.

        Columns: ``respondent`` (as given), ``region`` (region id),
        ``stakeholder_type`` (type id), ``competence`` (competence id),
        ``current``, ``required`` and/or ``importance``, ``weight`` when the
        survey has weights, then the respondent attributes.
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

    def summary(self) -> str:
        """A text summary: respondents per region × type, answers, missing
        answers and the mean gap per competence area."""
        return self._inner.summary()

    def __len__(self) -> int:
        return self.n_answers

    # -- gap scoring ------------------------------------------------------------
    def gaps(
        self,
        by: str | Sequence[str] | None = None,
        *,
        level: str = "competence",
        weights: bool = True,
        min_n: int = 5,
        ci: float | None = None,
        n_boot: int = 2000,
        seed: int | None = None,
        stratify: str | Sequence[str] | None = None,
        top_k: int = 5,
        importance_mean: str = "complete",
        progress: bool | None = None,
        borich: str = "importance",
    ) -> pd.DataFrame:
        """Gap statistics and Borich needs assessment per group × item.

        Parameters
        ----------
        by : str, list of str or None
            Respondent grouping: ``None`` (all respondents pooled),
            ``"region"``, ``"stakeholder_type"``, ``"sector"``, any respondent
            attribute, or a list of them. Respondents whose attribute value is
            missing are left out of a grouping by that attribute.
        level : {"competence", "area"}
            Item dimension. At area level each respondent contributes the
            mean of their levels over the area's competences (complete pairs).
        weights : bool
            Use the survey weights when the survey has them.
        min_n : int, default 5
            Cells with fewer than ``min_n`` respondents with both target and
            current level are suppressed: statistics NaN, ``suppressed``
            True. ``mean_importance`` and ``mwds`` also need ``min_n``
            respondents with both importance and current level.
        ci : float, optional
            Confidence level (e.g. 0.95) of percentile bootstrap intervals
            over respondents; adds ``mean_gap_lo/hi``, ``mwds_lo/hi`` and
            ``p_top_k``.
        n_boot : int
            Bootstrap replicates.
        seed : int, optional
            Seed of the bootstrap; drawn at random when None and recorded in
            the provenance. Results for a seed are identical whatever the
            number of threads.
        stratify : str or list of str, optional
            Resample within strata of these respondent attributes (e.g.
            ``"region"``), keeping stratum sizes fixed; a missing attribute
            value is a stratum of its own. Without it, respondents are drawn
            from the whole survey, so group sizes vary between replicates.
        top_k : int
            k of ``p_top_k``: the share of replicates in which the item's MWDS
            ranks within the top k of its group.
        importance_mean : {"complete", "all"}
            Whether Ī in the Borich score averages importance over respondents
            who also rated their current level (default) or over every
            importance answer; recorded in the provenance.
        progress : bool, optional
            Show a tqdm progress bar for the bootstrap (default: when tqdm is
            installed and the run is long). Ctrl-C stops the run cleanly.
        borich : {"importance", "required"}
            The Borich variable I when the survey has both: importance
            (Borich's original, the default) or the required level (the
            variant weighting discrepancies by the mean required level).
            Recorded in the provenance.

        Returns
        -------
        pandas.DataFrame
            One row per group × item: the ``by`` columns, ``competence`` and
            ``area`` (or ``area``), ``n`` (respondents with target and current
            level), ``n_missing`` (respondents of the group without them),
            ``mean_importance`` (Ī, when importance is the Borich variable),
            ``mean_required`` (when it has required levels), ``mean_current``,
            ``mean_gap`` (target − current; the target is the required level,
            or importance when the survey has none), ``mean_positive_gap``
            (mean of max(0, gap)), ``relative_gap`` (mean gap / mean target),
            ``attainment`` (mean current / mean target), ``normalised_gap``
            (mean gap / (scale max − min)), ``mwds`` (Borich: Ī · mean of
            I − C, with I the importance, or the required level without
            importance), ``rank`` (by MWDS, descending, within the group; ties
            share the lowest rank) and ``suppressed``. Means are weighted when
            weights are used. ``df.attrs["provenance"]`` (a
            :class:`Provenance`) records the options.

        Examples
        --------
        >>> import skillsmap as sm
        >>> g = sm.demo_survey(300, seed=0).gaps(by="region")
        >>> g[["region", "competence", "n", "mean_gap", "mwds", "rank"]].shape
        (192, 6)
        >>> p = sm.Provenance.of(g)
        >>> p.borich_variable, p.importance_mean
        ('importance', 'complete')
        """
        from ._gaps import gaps

        return gaps(
            self,
            by,
            level=level,
            weights=weights,
            min_n=min_n,
            ci=ci,
            n_boot=n_boot,
            seed=seed,
            stratify=stratify,
            top_k=top_k,
            importance_mean=importance_mean,
            progress=progress,
            borich=borich,
        )

    def profiles(
        self,
        by: str | Sequence[str] = "region",
        value: str = "mean_gap",
        *,
        level: str = "competence",
        weights: bool = True,
        min_n: int = 5,
        importance_mean: str = "complete",
        borich: str = "importance",
    ) -> pd.DataFrame:
        """Entity × item matrix of one gap statistic: the input of
        :func:`skillsmap.similarity` and of heatmaps.

        Parameters
        ----------
        by : str or list of str
            The entities (rows): ``"region"``, ``"stakeholder_type"``,
            ``"sector"``, an attribute, or several (a MultiIndex).
        value : str
            Any numeric column of :meth:`gaps` (``mean_gap``, ``mwds``,
            ``mean_current``, ``relative_gap``, …).
        level, weights, min_n, importance_mean, borich
            As in :meth:`gaps`; suppressed cells are NaN.

        Returns
        -------
        pandas.DataFrame
            Rows the groups (in the order of :meth:`gaps`), columns the
            competences (or areas) in framework order; the provenance (kind
            ``"profiles"``) names the ``value``.

        Examples
        --------
        >>> import skillsmap as sm
        >>> sm.demo_survey(600, seed=0).profiles(by="region").shape
        (6, 32)
        """
        table = self.gaps(
            by,
            level=level,
            weights=weights,
            min_n=min_n,
            importance_mean=importance_mean,
            borich=borich,
        )
        from ._provenance import read

        keys = read(table).by
        if not keys:
            raise ConfigurationError("profiles need a grouping: by=region, stakeholder_type, …")
        numeric = [
            c
            for c in table.columns
            if c not in {*keys, "competence", "area", "suppressed"}
            and pd.api.types.is_numeric_dtype(table[c])
        ]
        if value not in numeric:
            raise ConfigurationError(f"value must be one of {', '.join(numeric)}; got {value!r}")
        from ._gaps import pivot

        return pivot(table, value)

    # -- maps and networks ------------------------------------------------------
    def skills_map(
        self, *, min_n: int = 5, weights: bool = True, importance_mean: str = "complete"
    ) -> SkillsMap:
        """The skills map of this survey: regions, stakeholder types, areas and
        competences, with the gap statistics of :meth:`gaps` on the region →
        competence and type → competence edges.

        Examples
        --------
        >>> import skillsmap as sm
        >>> m = sm.demo_survey(300, seed=1).skills_map()
        >>> m.neighbours("region:ES22", "region_competence")[:1]
        ['competence:se.found.principles']
        """
        from ._gaps import _count
        from ._map import SkillsMap

        return SkillsMap(
            _core.SkillsMap.from_survey(
                self._inner,
                min_n=_count("min_n", min_n, 0),
                weights=weights,
                importance_mean=importance_mean,
            )
        )

    def cogap_network(
        self, threshold: float = 1.0, *, backbone_alpha: float | None = None
    ) -> CoGapNetwork:
        """The co-gap network: competences linked by how many respondents
        report a gap (target − current ≥ ``threshold``) on both; with
        ``backbone_alpha`` (e.g. 0.05) only the disparity-filter backbone.
        See :class:`CoGapNetwork` for communities and centrality."""
        from ._network import CoGapNetwork

        return CoGapNetwork(self, threshold, backbone_alpha)

    def learning_matches(
        self,
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
        from ._gaps import _count

        if not isinstance(by, str):
            raise ConfigurationError(
                f"by must name one grouping (e.g. 'region' or 'stakeholder_type'), got {by!r}"
            )
        top = _count("top", top, 1)
        from ._provenance import attach, read

        g = self.gaps(by, min_n=min_n, ci=ci, n_boot=n_boot, seed=seed, weights=weights)
        prov = read(g)
        g = g[~g["suppressed"]]
        names = self._group_names(by)
        labels = self.framework.competences.set_index("id")["label"]
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
        out = pd.DataFrame(
            rows,
            columns=[
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
            ],
        )
        out = out.sort_values(["competence", "score"], ascending=[True, False], kind="stable")
        out["rank"] = out.groupby("competence").cumcount() + 1
        out["sentence"] = [
            f"{names.get(lr, lr)} could learn {lab} from {names.get(mr, mr)}"
            for lr, lab, mr in zip(
                out["learner"], out["competence_label"], out["mentor"], strict=True
            )
        ]
        out = out.reset_index(drop=True)
        return attach(out, prov.replace(kind="learning_matches", top=top))

    def _group_names(self, by: str) -> dict[Any, str]:
        """Display names of the values of a grouping key."""
        if by == "region":
            t = self.regions.table
            return dict(zip(t["id"], t["name"], strict=True))
        if by == "stakeholder_type":
            t = self.typology.types
            return dict(zip(t["id"], t["label"], strict=True))
        if by == "sector":
            t = self.typology.types
            return dict(zip(t["sector"], t["sector_label"], strict=True))
        return {}

    def priorities(
        self,
        by: str | Sequence[str] | None = None,
        *,
        crosshair: str = "mean",
        top_k: int | None = None,
        level: str = "competence",
        weights: bool = True,
        min_n: int = 5,
        importance_mean: str = "complete",
        borich: str = "importance",
    ) -> pd.DataFrame:
        """Priority quadrants per item: Locus for Focus, IPA and Borich.

        Parameters
        ----------
        by : str, list of str or None
            Respondent grouping, as in :meth:`gaps`; quadrants are computed
            within each group.
        crosshair : {"mean", "median", "scale"}
            Where the crosshair sits: means or medians over the group's items,
            or the scale midpoint (for the gap axis of Locus for Focus, which
            has no midpoint, the mean gap).
        top_k : int, optional
            Size of the Borich top list; defaults to the number of HH items.
        level, weights, min_n, importance_mean, borich
            As in :meth:`gaps`.

        Returns
        -------
        pandas.DataFrame
            The ``by`` columns and the item, ``importance`` (mean
            importance-or-required), ``mean_current``, ``mean_gap``, ``mwds``,
            ``rank``, ``lff_quadrant`` (HH, HL, LH, LL: importance then gap,
            H at or above the crosshair), ``ipa_quadrant`` ("Concentrate
            here": important, low performance; "Keep up the good work";
            "Low priority"; "Possible overkill"), ``priority`` (1 = in the
            Borich top k and in HH, 2 = one of them, 3 = neither), ``top_k``,
            and the crosshair coordinates.

        Examples
        --------
        >>> import skillsmap as sm
        >>> p = sm.demo_survey(300, seed=0).priorities()
        >>> sorted(p["lff_quadrant"].unique())
        ['HH', 'HL', 'LH', 'LL']
        """
        from ._gaps import priorities

        return priorities(
            self,
            by,
            crosshair=crosshair,
            top_k=top_k,
            level=level,
            weights=weights,
            min_n=min_n,
            importance_mean=importance_mean,
            borich=borich,
        )

    def paired_test(
        self,
        by: str | Sequence[str] | None = None,
        *,
        level: str = "competence",
        correction: bool = False,
    ) -> pd.DataFrame:
        """Wilcoxon signed-rank test of importance-or-required vs current
        level, per group × item (unweighted).

        Matches ``scipy.stats.wilcoxon(I, C, zero_method="wilcox",
        correction=correction, method="asymptotic")``: zero differences are
        dropped, ties get average ranks, the statistic is min(R+, R−) and the
        two-sided p-value comes from the tie-corrected normal approximation.

        Returns
        -------
        pandas.DataFrame
            The ``by`` columns, the item, ``n`` (pairs), ``n_nonzero``,
            ``r_plus``, ``r_minus``, ``statistic``, ``z`` and ``p_value``.

        Examples
        --------
        >>> import skillsmap as sm
        >>> t = sm.demo_survey(300, seed=0).paired_test()
        >>> bool((t["p_value"] < 0.05).any())
        True
        """
        from ._gaps import paired_test

        return paired_test(self, by, level=level, correction=correction)

    def __repr__(self) -> str:
        return repr(self._inner)

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

    def __getstate__(self) -> dict[str, Any]:
        return {"frame": self.to_frame(), "options": self._options()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        frame = state["frame"]
        opts = state["options"]
        self._inner = _core.Survey.from_columns(**_columns_for(frame, opts))
        self._respondent_index = categorical(frame["respondent"])[2]
        self._attribute_values = {a: categorical(frame[a])[2] for a in opts["attributes"]}

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


def _columns_for(frame: pd.DataFrame, opts: dict[str, Any]) -> dict[str, Any]:
    """Core constructor arguments for an already valid frame (unpickling)."""

    def cat(col: str) -> tuple[np.ndarray, list[str]]:
        return categorical(frame[col])[:2]

    issues: list[Issue] = []

    def num(col: str | None) -> np.ndarray | None:
        return None if col is None else numeric(frame[col], col, issues)

    return {
        "respondent": cat("respondent"),
        "region": cat("region"),
        "stakeholder_type": cat("stakeholder_type"),
        "competence": cat("competence"),
        "current": num("current"),
        "required": num(opts["required"]),
        "importance": num(opts["importance"]),
        "weight": num(opts["weight"]),
        "attributes": [(a, *cat(a)) for a in opts["attributes"]],
        "framework": opts["framework"]._inner,
        "scale": opts["scale"],
        "importance_scale": opts["importance_scale"],
        "names": {},
        "regions": opts["regions"]._inner,
        "typology": opts["typology"]._inner,
        "source": opts["source"],
        "synthetic": opts["synthetic"],
        "seed": opts.get("seed"),
    }


def _decode(codes: np.ndarray, levels: list[str]) -> np.ndarray:
    out = np.empty(len(codes), dtype=object)
    missing = codes == _MISSING_CODE
    lv = np.asarray(levels, dtype=object)
    out[~missing] = lv[codes[~missing]] if len(lv) else None
    out[missing] = None
    return out


def demo_survey(
    n_respondents: int = 1200,
    seed: int = 0,
    *,
    missing_rate: float = 0.07,
    importance: bool = True,
    weights: bool = True,
    framework: str | os.PathLike[str] | Framework = "se-core",
    regions: Any = "resees",
    typology: Any = "se-default",
) -> Survey:
    """A seeded synthetic RESEES-shaped survey (labelled synthetic).

    The six RESEES regions, the default stakeholder typology and the
    illustrative ``se-core`` framework, with region and stakeholder-type
    effects, correlated competence areas and about 7 % missing answers.
    Identical for a seed whatever the number of threads.

    Parameters
    ----------
    n_respondents : int
        Number of respondents; each answers every competence.
    seed : int
        Random seed.
    missing_rate : float
        Mean share of missing levels, in ``[0, 0.5)``.
    importance, weights : bool
        Whether to generate importance ratings and survey weights.
    framework, regions, typology
        What to generate answers for (defaults: ``se-core``, the six RESEES
        regions, the default typology); any :class:`Framework`,
        :class:`Regions` or :class:`Typology` (or what :meth:`Survey.from_frame`
        accepts for them) makes surveys of other shapes, e.g. for benchmarks.

    Examples
    --------
    >>> import skillsmap as sm
    >>> s = sm.demo_survey(100, seed=3)
    >>> s.synthetic, s.n_respondents, s.n_answers
    (True, 100, 3200)
    """
    if isinstance(n_respondents, bool) or not isinstance(n_respondents, int | np.integer):
        raise TypeError(f"n_respondents must be an int, got {n_respondents!r}")
    if n_respondents < 1:
        raise ConfigurationError(f"n_respondents must be positive, got {n_respondents}")
    if not 0 <= int(seed) < 2**64:
        raise ConfigurationError(f"seed must be in [0, 2**64), got {seed}")
    fw = _framework(framework)
    inner = _core.Survey.generate(
        int(n_respondents),
        int(seed),
        missing_rate=missing_rate,
        importance=importance,
        weights=weights,
        framework=fw._inner,
        regions=_regions(regions),
        typology=_typology(typology),
    )
    return Survey(inner)


def read_survey(
    path: str | os.PathLike[str], *, sheet_name: str | int = 0, **options: Any
) -> Survey:
    """Read and validate a long-format survey file (CSV, TSV, Parquet or Excel).

    Parameters
    ----------
    path : str or path
        ``.csv``, ``.tsv``/``.tab``, ``.parquet``/``.pq``, ``.xlsx``/``.xls``.
    sheet_name : str or int
        Excel sheet (default the first).
    **options
        Column names and validation options, as in :meth:`Survey.from_frame`.

    Raises
    ------
    ValidationError
        Every problem in the file; ``row`` is the 0-based data row (the line
        number in a CSV file is ``row + 2``).
    FileNotFoundError
        If the file does not exist.
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"no such survey file: {p}")
    suffix = p.suffix.lower()
    keys = [options.get(k, k) for k in ("respondent", "region", "stakeholder_type", "competence")]
    keys += list(options.get("attributes", ()))
    if suffix in {".csv", ".tsv", ".tab", ".txt"}:
        sep = "\t" if suffix in {".tsv", ".tab"} else ","
        header = pd.read_csv(p, sep=sep, nrows=0)
        dtypes = {k: str for k in keys if k in header.columns}
        df = pd.read_csv(p, sep=sep, dtype=dtypes, skipinitialspace=True)
    elif suffix in {".parquet", ".pq"}:
        df = pd.read_parquet(p)
    elif suffix in {".xlsx", ".xlsm", ".xls"}:
        df = pd.read_excel(p, sheet_name=sheet_name, dtype={k: str for k in keys})
    else:
        raise ValueError(f"unsupported survey file type {suffix!r}: use CSV, Parquet or Excel")
    options.setdefault("source", str(p))
    return Survey.from_frame(df, **options)
