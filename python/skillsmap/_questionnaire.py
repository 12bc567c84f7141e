"""The survey instrument: :class:`Questionnaire` turns a framework into the
questions of a skills survey and writes them for the tools partners use.

A questionnaire is respondent questions (optional consent, region,
stakeholder type, optional organisation attributes) then one group per
competence area with the chosen ratings of each competence on the scale.
It writes an XLSForm (KoboToolbox, ODK), a LimeSurvey tab-separated survey
structure and a blank CSV template; each file carries the questionnaire's
*spec* (the JSON that rebuilds it: framework, regions, typology, languages,
ratings, scale, attributes), so that the form alone is enough to read an
export back (:mod:`skillsmap._exports`).

Names are fixed by the spec, so a rebuilt questionnaire has the same names,
codes and labels as the one that wrote the form:

- XLSForm: ``region``, ``stakeholder_type``, ``consent``, each attribute by
  its name, and ``<competence>_<cur|req|imp>`` where ``<competence>`` is the
  competence id without the prefix all ids share, in lower case with every
  run of other characters than letters and digits made ``_`` (``se-core``:
  ``impact_measurement_cur``); a framework whose ids do not give valid,
  unique names of at most 32 characters gets ``c01_cur``, ``c02_cur`` …
  Area groups are ``area_<area>`` likewise. Choice names are the numeric
  levels, the region ids and the stakeholder-type ids.
- LimeSurvey (codes: letters and digits, at most 20): ``consent``,
  ``region``, ``stype``, attributes ``at1``, ``at2`` …; per area ``k`` the
  array ``G<k>CR`` (dual scale: current, required), ``G<k>CU`` (current
  alone) and ``G<k>IM`` (importance), with subquestions ``SQ001`` … (the
  competence's position in the framework) and answer codes the numeric
  levels, ``R1`` … (regions), ``T1`` … (stakeholder types), ``O1`` …
  (attribute choices), ``Y``/``N``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import _atomic
from . import _forms_text as T
from ._model import Framework, Regions, Typology
from .errors import ConfigurationError, FormatError

__all__ = ["MissingTranslationWarning", "Questionnaire"]

SCHEMA = "skillsmap.questionnaire/1"
RATINGS = ("current", "required", "importance")
_SUFFIX = {"current": "cur", "required": "req", "importance": "imp"}
#: Question names the questionnaire itself uses; attributes may not take them.
RESERVED = {
    "region",
    "stakeholder_type",
    "consent",
    "respondent",
    "competence",
    "sector",
    "weight",
    "start",
    "end",
    "current",
    "required",
    "importance",
}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_CHOICE = re.compile(r"[A-Za-z0-9_.-]+\Z")
_MAX_LEVELS = 11
#: Excel keeps at most 32,767 characters in a cell; the spec is split below it.
_CHUNK = 30000


class MissingTranslationWarning(UserWarning):
    """Some labels of a questionnaire are not translated into one of its
    languages and are shown in English there.

    Given once per questionnaire, naming what is missing; a form rebuilt
    from its spec gives none.

    See Also
    --------
    Questionnaire : Where it is given.

    Examples
    --------
    >>> import warnings, pandas as pd, skillsmap as sm
    >>> mine = sm.Framework.from_frame(
    ...     pd.DataFrame({"id": ["c1", "c2"], "label": ["Listening", "Budgeting"],
    ...                   "area": ["a1", "a1"]}), id="mine")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = sm.Questionnaire(mine, languages=("en", "es"))
    >>> any(issubclass(w.category, sm.MissingTranslationWarning) for w in caught)
    True
    """


@dataclass(frozen=True)
class Attribute:
    """An optional respondent question kept as a survey attribute."""

    name: str
    type: str  # "select" or "integer"
    label: dict[str, str]
    choices: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def spec(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "label": self.label,
            "choices": [[n, lab] for n, lab in self.choices],
        }


@dataclass(frozen=True)
class Choices:
    """A choice list: names and their label in each language; ``codes`` are
    the LimeSurvey answer codes."""

    name: str
    names: list[str]
    labels: dict[str, list[str]]
    codes: list[str]


def _same(text: str | Mapping[str, str], languages: Sequence[str]) -> dict[str, str]:
    if isinstance(text, str):
        return dict.fromkeys(languages, text)
    return {
        lang: str(text.get(lang) or text.get("en") or next(iter(text.values())))
        for lang in languages
    }


def _slugs(ids: Sequence[str]) -> list[str]:
    """Lower-case snake-case names of ids, without the prefix they all share."""
    prefix = ""
    if len(ids) > 1:
        first = ids[0]
        n = 0
        while n < len(first) and all(len(i) > n and i[n] == first[n] for i in ids):
            n += 1
        shared = first[:n]
        prefix = shared[: shared.rfind(".") + 1]
    out = []
    for i in ids:
        s = re.sub(r"[^0-9A-Za-z]+", "_", i[len(prefix) :]).strip("_").lower()
        if s and s[0].isdigit():
            s = "c" + s
        out.append(s)
    return out


def _check_languages(languages: Any) -> tuple[str, ...]:
    if isinstance(languages, str):
        languages = [x.strip() for x in languages.split(",") if x.strip()]
    try:
        langs = tuple(str(x).strip().lower() for x in languages)
    except TypeError:
        raise ConfigurationError(f"languages must be a list of codes, got {languages!r}") from None
    bad = [x for x in langs if x not in T.LANGUAGES]
    if bad or not langs:
        raise ConfigurationError(
            f"languages must be among {', '.join(T.LANGUAGES)}, got {list(langs)!r}"
        )
    if len(set(langs)) != len(langs):
        raise ConfigurationError(f"languages lists a language twice: {list(langs)!r}")
    return langs


def _check_ratings(ratings: Any) -> tuple[str, ...]:
    if isinstance(ratings, str):
        ratings = [x.strip() for x in ratings.split(",") if x.strip()]
    got = [str(r) for r in ratings]
    bad = [r for r in got if r not in RATINGS]
    if bad or len(set(got)) != len(got):
        raise ConfigurationError(
            f"ratings must be distinct names among {', '.join(RATINGS)}, got {got!r}"
        )
    if "current" not in got or not ({"required", "importance"} & set(got)):
        raise ConfigurationError(
            f"ratings must include 'current' and 'required' or 'importance', got {got!r}"
        )
    return tuple(r for r in RATINGS if r in got)


def _check_scale(scale: Any) -> tuple[int, int]:
    lo_hi = (scale.min, scale.max) if hasattr(scale, "min") and hasattr(scale, "max") else scale
    try:
        lo, hi = lo_hi
        lo_f, hi_f = float(lo), float(hi)
    except (TypeError, ValueError):
        raise ConfigurationError(
            f"scale must be a (min, max) pair of whole numbers, got {scale!r}"
        ) from None
    if (
        isinstance(lo, bool)
        or isinstance(hi, bool)
        or not (lo_f.is_integer() and hi_f.is_integer())
    ):
        raise ConfigurationError(f"scale must be whole numbers (a rating scale), got {scale!r}")
    if not lo_f < hi_f or hi_f - lo_f + 1 > _MAX_LEVELS:
        raise ConfigurationError(
            f"scale must have min < max and at most {_MAX_LEVELS} levels, got {scale!r}"
        )
    return int(lo_f), int(hi_f)


def _as_regions(regions: Any) -> Regions:
    from ._ingest import as_region_set

    if regions is None:
        return Regions.resees()
    if isinstance(regions, Regions):
        return regions
    inner = as_region_set(regions)
    assert inner is not None
    return Regions(inner)


def _as_typology(types: Any) -> Typology:
    from ._ingest import as_typology

    if types is None:
        return Typology.default()
    if isinstance(types, Typology):
        return types
    inner = as_typology(types)
    assert inner is not None
    return Typology(inner)


def _as_attributes(attributes: Any, languages: Sequence[str]) -> list[Attribute]:
    if attributes is None:
        return []
    if isinstance(attributes, str):
        attributes = [attributes]
    items: Iterable[tuple[str, Any]]
    if isinstance(attributes, Mapping):
        items = attributes.items()
    else:
        items = [(str(a), None) for a in attributes]
    out: list[Attribute] = []
    for name, spec in items:
        name = str(name)
        if not _NAME.match(name) or len(name) > 32 or name.lower() in RESERVED:
            raise ConfigurationError(
                f"attributes: {name!r} is not a usable question name (letters, digits and _, "
                f"starting with a letter, at most 32 characters, none of {sorted(RESERVED)})"
            )
        if spec is None and name == "organisation_size":
            out.append(
                Attribute(
                    name,
                    "select",
                    _same(T.ORGANISATION_SIZE, languages),
                    [(k, _same(v, languages)) for k, v in T.ORGANISATION_SIZE_CHOICES.items()],
                )
            )
            continue
        label = _same(name.replace("_", " ").capitalize(), languages)
        if spec == "integer":
            out.append(Attribute(name, "integer", label))
            continue
        if spec is None or isinstance(spec, str):
            raise ConfigurationError(
                f"attributes: give the choices of {name!r} (a list of names, a mapping "
                "name → label) or 'integer'; only 'organisation_size' has built-in choices"
            )
        pairs = spec.items() if isinstance(spec, Mapping) else [(c, c) for c in spec]
        choices = []
        for cname, clabel in pairs:
            cname = str(cname)
            if not _CHOICE.match(cname):
                raise ConfigurationError(
                    f"attributes: choice {cname!r} of {name!r} must be letters, digits, "
                    "'_', '.' or '-' (no spaces)"
                )
            choices.append(
                (cname, _same(clabel if isinstance(clabel, Mapping) else str(clabel), languages))
            )
        if not choices or len({c for c, _ in choices}) != len(choices):
            raise ConfigurationError(f"attributes: {name!r} needs distinct choices, got {spec!r}")
        out.append(Attribute(name, "select", label, choices))
    if len({a.name for a in out}) != len(out):
        raise ConfigurationError("attributes: a name is given twice")
    return out


class Questionnaire:
    """A skills-survey instrument for a framework, in up to six languages.

    Parameters
    ----------
    framework : str, path or Framework
        The competences rated (default ``"se-core"``): an embedded id, a
        framework file or a :class:`Framework`. Competence and area labels
        come from its translations; those it lacks are shown in English,
        with one :class:`MissingTranslationWarning` naming what is missing
        (the EU frameworks are embedded in English only).
    languages : sequence of str or "en,es,…"
        Among ``en, es, fr, sl, fi, it``; the first is the form's default.
    ratings : sequence of str
        Which ratings each competence gets, among ``current``, ``required``
        and ``importance``: ``current`` and at least one of the others.
    scale : (min, max) or Scale
        Whole-number levels, at most 11 (default 1–5); every rating uses
        it. Levels are labelled in every language (``"1 – None"`` …
        ``"5 – Expert"``; importance ``"1 – Not important"`` …
        ``"5 – Essential"``; scales of other sizes label their ends).
    regions : Regions, "resees", DataFrame or path, optional
        The region question's choices (default the six RESEES regions).
        Region names are proper names, shown as they are in every language.
    stakeholder_types : Typology, "se-default", DataFrame or path, optional
        The stakeholder-type question's choices (default the default
        typology, whose types skillsmap translates; a custom typology's
        ``labels`` are used where it has them).
    title : str or mapping language → str, optional
        Form title (default "Social economy skills survey", translated).
    consent : bool
        Ask for consent first (yes/no, required); the other questions are
        shown only after a yes, and exports keep only consenting rows.
    attributes : mapping or sequence, optional
        Respondent attributes asked after the stakeholder type, not
        required, kept as survey attributes (groupings). A name maps to
        its choices: a list of names (labels = names), a mapping name →
        label (a string, or a mapping language → string), or ``"integer"``
        (a whole number ≥ 0, checked by a constraint). ``"organisation_size"``
        alone (``attributes=["organisation_size"]``) is built in: the EU
        size classes micro / small / medium / large, translated. Custom
        question labels are the name, as given, in every language.
    require_ratings : bool
        Make every rating required (default False: a skipped rating is a
        missing answer, never zero).

    Attributes
    ----------
    questions : DataFrame
        One row per question: ``name`` (the XLSForm name), ``kind``
        (``consent``, ``region``, ``stakeholder_type``, ``attribute``,
        ``rating``), ``competence``, ``rating``, ``group``, ``list_name``
        and ``limesurvey`` (the column of a LimeSurvey response export).

    Raises
    ------
    ConfigurationError
        For an unknown language or rating, a scale that is not whole numbers,
        or a bad option.

    See Also
    --------
    read_survey : ``form=`` reads an export back with the questionnaire.
    skillsmap.frameworks.load : The frameworks a questionnaire can ask about.

    Examples
    --------
    >>> import os, tempfile, skillsmap as sm
    >>> q = sm.Questionnaire("se-core", languages=("en", "es"), ratings=("current", "required"))
    >>> q
    Questionnaire('se-core', 32 competences, en,es, current+required, scale 1–5)
    >>> q.questions.query("kind == 'rating'").head(2)[["name", "competence", "rating"]]
                       name           competence    rating
    2  found_principles_cur  se.found.principles   current
    3  found_principles_req  se.found.principles  required
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = q.to_xlsform(os.path.join(tmp, "form.xlsx"))
    ...     sm.Questionnaire.from_form(os.path.join(tmp, "form.xlsx")) == q
    True
    """

    def __init__(
        self,
        framework: str | os.PathLike[str] | Framework = "se-core",
        *,
        languages: Sequence[str] | str = T.LANGUAGES,
        ratings: Sequence[str] | str = RATINGS,
        scale: Any = (1, 5),
        regions: Any = None,
        stakeholder_types: Any = None,
        title: str | Mapping[str, str] | None = None,
        consent: bool = False,
        attributes: Any = None,
        require_ratings: bool = False,
    ) -> None:
        from ._ingest import as_framework

        self.framework: Framework = as_framework(framework)
        self.languages = _check_languages(languages)
        self.ratings = _check_ratings(ratings)
        self.scale = _check_scale(scale)
        self.regions = _as_regions(regions)
        self.typology = _as_typology(stakeholder_types)
        if not isinstance(consent, bool):
            raise ConfigurationError(f"consent must be True or False, got {consent!r}")
        if not isinstance(require_ratings, bool):
            raise ConfigurationError(
                f"require_ratings must be True or False, got {require_ratings!r}"
            )
        self.consent = consent
        self.require_ratings = require_ratings
        if title is not None and (
            not isinstance(title, str | Mapping) or (isinstance(title, Mapping) and not title)
        ):
            raise ConfigurationError(
                f"title must be a string or a mapping language → string, got {title!r}"
            )
        self.title = _same(T.TITLE if title is None else title, self.languages)
        self.attributes = _as_attributes(attributes, self.languages)
        if len(self.framework) == 0:
            raise ConfigurationError("framework has no competences to ask about")
        self._build()

    # -- construction of names and texts ----------------------------------------
    def _build(self) -> None:
        langs = self.languages
        areas = self.framework.areas
        # Competences area by area (stable within an area): the order of the
        # framework's JSON, so that a questionnaire rebuilt from a form's spec
        # numbers them (LimeSurvey SQ codes, positional names) as the original.
        comp = self.framework.competences
        area_pos = {a: i for i, a in enumerate(areas["id"])}
        comp = comp.iloc[sorted(range(len(comp)), key=lambda i: area_pos[comp["area"].iloc[i]])]
        comp = comp.reset_index(drop=True)
        spec = json.loads(self.framework.to_json())
        area_labels = {a["id"]: a.get("labels") or {} for a in spec.get("areas", [])}
        self._comp_ids = comp["id"].tolist()
        self._comp_area = comp["area"].tolist()
        self._area_ids = areas["id"].tolist()
        missing: dict[str, list[str]] = {}

        def text(en: str, labels: Mapping[str, Any], what: str) -> dict[str, str]:
            out = {}
            for lang in langs:
                v = en if lang == "en" else labels.get(lang)
                if v is None or (not isinstance(v, str) and pd.isna(v)) or not str(v).strip():
                    if lang != "en":
                        missing.setdefault(what, []).append(lang)
                    v = en
                out[lang] = str(v)
            return out

        self._comp_label = [
            text(
                str(row["label"]),
                {c[6:]: row[c] for c in comp.columns if c.startswith("label_")},
                "competences",
            )
            for _, row in comp.iterrows()
        ]
        self._area_label = {
            a: text(str(lab), area_labels.get(a, {}), "areas")
            for a, lab in zip(areas["id"], areas["label"], strict=True)
        }
        tspec = json.loads(self.typology.to_json())
        type_labels = {
            t["id"]: t.get("labels") or {}
            for s in tspec.get("sectors", [])
            for t in s.get("types", [])
        }
        is_default = self.typology == Typology.default()
        types = self.typology.types
        self._type_label = {}
        for tid, lab in zip(types["id"], types["label"], strict=True):
            given = dict(type_labels.get(tid, {}))
            if is_default:
                given = {**T.DEFAULT_TYPES.get(tid, {}), **given}
            self._type_label[tid] = text(str(lab), given, "stakeholder types")
        self._warn(missing)

        # names
        slugs = _slugs(self._comp_ids)
        names = {r: [f"{s}_{_SUFFIX[r]}" for s in slugs] for r in self.ratings}
        flat = [n for r in self.ratings for n in names[r]]
        taken = {"region", "stakeholder_type", "consent", *(a.name for a in self.attributes)}
        if (
            any(not _NAME.match(n) or len(n) > 32 for n in flat)
            or len(set(flat)) != len(flat)
            or taken & set(flat)
        ):
            width = len(str(len(slugs)))
            names = {
                r: [f"c{j + 1:0{max(2, width)}d}_{_SUFFIX[r]}" for j in range(len(slugs))]
                for r in self.ratings
            }
        self._rating_name = names
        aslugs = _slugs(self._area_ids) if len(self._area_ids) > 1 else ["all"]
        groups = [f"area_{s}" for s in aslugs]
        if any(not _NAME.match(g) or len(g) > 32 for g in groups) or len(set(groups)) != len(
            groups
        ):
            groups = [f"area_{k + 1}" for k in range(len(self._area_ids))]
        self._group = dict(zip(self._area_ids, groups, strict=True))

        # choice lists
        lo, hi = self.scale
        levels = [str(v) for v in range(lo, hi + 1)]
        self.choices: dict[str, Choices] = {}
        self.choices["level"] = Choices(
            "level",
            levels,
            {g: T.level_labels(lo, hi, g, importance=False) for g in langs},
            levels,
        )
        if "importance" in self.ratings:
            self.choices["importance"] = Choices(
                "importance",
                levels,
                {g: T.level_labels(lo, hi, g, importance=True) for g in langs},
                levels,
            )
        reg = self.regions.table
        rnames = [str(n) for n in reg["name"]]
        self.choices["region"] = Choices(
            "region",
            [str(i) for i in reg["id"]],
            {g: rnames for g in langs},
            [f"R{i + 1}" for i in range(len(reg))],
        )
        tids = [str(t) for t in types["id"]]
        self.choices["stakeholder_type"] = Choices(
            "stakeholder_type",
            tids,
            {g: [self._type_label[t][g] for t in tids] for g in langs},
            [f"T{i + 1}" for i in range(len(tids))],
        )
        if self.consent:
            self.choices["yes_no"] = Choices(
                "yes_no",
                ["yes", "no"],
                {g: [T.YES[g], T.NO[g]] for g in langs},
                ["Y", "N"],
            )
        for a in self.attributes:
            if a.type == "select":
                self.choices[a.name] = Choices(
                    a.name,
                    [c for c, _ in a.choices],
                    {g: [lab[g] for _, lab in a.choices] for g in langs},
                    [f"O{i + 1}" for i in range(len(a.choices))],
                )

        # the questions table
        rows: list[dict[str, Any]] = []

        def add(
            name: str, kind: str, group: str, list_name: str | None, ls: str, **kw: Any
        ) -> None:
            rows.append(
                {
                    "name": name,
                    "kind": kind,
                    "competence": kw.get("competence"),
                    "rating": kw.get("rating"),
                    "group": group,
                    "list_name": list_name,
                    "limesurvey": ls,
                }
            )

        if self.consent:
            add("consent", "consent", "", "yes_no", "consent")
        add("region", "region", "respondent", "region", "region")
        add("stakeholder_type", "stakeholder_type", "respondent", "stakeholder_type", "stype")
        for i, a in enumerate(self.attributes):
            add(
                a.name,
                "attribute",
                "respondent",
                a.name if a.type == "select" else None,
                f"at{i + 1}",
            )
        for k, area in enumerate(self._area_ids):
            for j, cid in enumerate(self._comp_ids):
                if self._comp_area[j] != area:
                    continue
                for r in self.ratings:
                    add(
                        self._rating_name[r][j],
                        "rating",
                        self._group[area],
                        "importance" if r == "importance" else "level",
                        self._ls_column(k, j, r),
                        competence=cid,
                        rating=r,
                    )
        self._questions = pd.DataFrame(
            rows,
            columns=["name", "kind", "competence", "rating", "group", "list_name", "limesurvey"],
        )
        self._index = {r["name"]: (r["kind"], r["competence"], r["rating"]) for r in rows}
        self._comp_pos = {c: j for j, c in enumerate(self._comp_ids)}

    def _ls_column(self, k: int, j: int, rating: str) -> str:
        sq = f"SQ{j + 1:03d}"
        if rating == "importance":
            return f"G{k + 1}IM[{sq}]"
        if "required" in self.ratings:
            return f"G{k + 1}CR[{sq}][{1 if rating == 'current' else 2}]"
        return f"G{k + 1}CU[{sq}]"

    def _warn(self, missing: dict[str, list[str]]) -> None:
        if not missing:
            return
        parts = []
        for what, langs in missing.items():
            langs = list(dict.fromkeys(langs))
            parts.append(f"{what} in {', '.join(langs)}")
        warnings.warn(
            f"Questionnaire: no translation of some {'; '.join(parts)} (framework "
            f"{self.framework.id!r}, typology {self.typology.id!r}); they are shown in English",
            MissingTranslationWarning,
            stacklevel=4,
        )

    # -- content ---------------------------------------------------------------
    @property
    def questions(self) -> pd.DataFrame:
        """One row per question (see the class notes)."""
        return self._questions.copy()

    def label(self, name: str, lang: str) -> str:
        """The label of a question in one language.

        Parameters
        ----------
        name : str
            A question name (the ``name`` column of :attr:`questions`).
        lang : str
            One of the questionnaire's languages.

        Returns
        -------
        str

        Raises
        ------
        KeyError
            For a name or language the questionnaire does not have.

        See Also
        --------
        Questionnaire.group_label : The label of a group.

        Examples
        --------
        >>> import skillsmap as sm
        >>> q = sm.Questionnaire(languages=("en", "es"))
        >>> q.label("region", "es")
        'Región en la que trabaja su organización'
        """
        kind, competence, rating = self._index[name]
        if kind == "rating":
            j = self._comp_pos[competence]
            return f"{self._comp_label[j][lang]} — {T.RATING_PROMPT[rating][lang]}"
        if kind == "region":
            return T.REGION[lang]
        if kind == "stakeholder_type":
            return T.STAKEHOLDER_TYPE[lang]
        if kind == "consent":
            return T.CONSENT[lang]
        return next(a for a in self.attributes if a.name == name).label[lang]

    def group_label(self, group: str, lang: str) -> str:
        """The label of a group of questions in one language.

        Parameters
        ----------
        group : str
            A group (the ``group`` column of :attr:`questions`):
            ``"respondent"`` or an area's group.
        lang : str
            One of the questionnaire's languages.

        Returns
        -------
        str

        Raises
        ------
        KeyError
            For a language the questionnaire does not have.
        StopIteration
            For a group it does not have.

        See Also
        --------
        Questionnaire.label : The label of a question.

        Examples
        --------
        >>> import skillsmap as sm
        >>> q = sm.Questionnaire(languages=("en", "fr"))
        >>> q.group_label("respondent", "en")
        'About you and your organisation'
        """
        if group == "respondent":
            return T.RESPONDENT_GROUP[lang]
        area = next(a for a, g in self._group.items() if g == group)
        return self._area_label[area][lang]

    # -- the spec every written form carries -----------------------------------------
    def spec(self) -> dict[str, Any]:
        """The JSON-able description that rebuilds this questionnaire.

        Returns
        -------
        dict
            ``schema``, ``framework``, ``regions``, ``typology`` (embedded
            ones by id, others in full), ``languages``, ``ratings``,
            ``scale``, ``title``, ``consent``, ``require_ratings`` and
            ``attributes``; every form written carries it.

        See Also
        --------
        Questionnaire.from_spec : The inverse.

        Examples
        --------
        >>> import skillsmap as sm
        >>> spec = sm.Questionnaire(languages=("en",)).spec()
        >>> spec["framework"], spec["scale"]
        ('se-core', [1, 5])
        """
        fw = self.framework
        embedded = fw.id in _available() and fw == Framework(_core_framework(fw.id))
        return {
            "schema": SCHEMA,
            "framework": fw.id if embedded else json.loads(fw.to_json()),
            "regions": "resees"
            if self.regions == Regions.resees()
            else json.loads(self.regions.to_json()),
            "typology": "se-default"
            if self.typology == Typology.default()
            else json.loads(self.typology.to_json()),
            "languages": list(self.languages),
            "ratings": list(self.ratings),
            "scale": list(self.scale),
            "title": self.title,
            "consent": self.consent,
            "require_ratings": self.require_ratings,
            "attributes": [a.spec() for a in self.attributes],
        }

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, source: str = "spec") -> Questionnaire:
        """Rebuild a questionnaire from :meth:`spec`.

        No :class:`MissingTranslationWarning`: it was given when the form
        was designed.

        Parameters
        ----------
        spec : mapping
            What :meth:`spec` returned (e.g. parsed from a form).
        source : str
            What the spec came from, for error messages.

        Returns
        -------
        Questionnaire

        Raises
        ------
        FormatError
            For a spec that is malformed or describes an invalid
            questionnaire.

        See Also
        --------
        Questionnaire.from_form : The same from a written form.

        Examples
        --------
        >>> import skillsmap as sm
        >>> q = sm.Questionnaire(languages=("en", "it"), consent=True)
        >>> sm.Questionnaire.from_spec(q.spec()) == q
        True
        """
        if not isinstance(spec, Mapping) or spec.get("schema") != SCHEMA:
            raise FormatError(f"{source}: not a skillsmap questionnaire ({SCHEMA!r} expected)")
        try:
            fw = spec["framework"]
            framework = fw if isinstance(fw, str) else Framework.from_json(json.dumps(fw))
            regions = spec["regions"]
            regions = (
                regions if isinstance(regions, str) else Regions.from_json(json.dumps(regions))
            )
            typ = spec["typology"]
            typology = typ if isinstance(typ, str) else Typology.from_json(json.dumps(typ))
            attributes = {}
            for a in spec["attributes"]:
                attributes[a["name"]] = (
                    "integer" if a["type"] == "integer" else {n: lab for n, lab in a["choices"]}
                )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MissingTranslationWarning)
                q = cls(
                    framework,
                    languages=spec["languages"],
                    ratings=spec["ratings"],
                    scale=tuple(spec["scale"]),
                    regions=regions,
                    stakeholder_types=typology,
                    title=spec["title"],
                    consent=bool(spec["consent"]),
                    attributes=attributes,
                    require_ratings=bool(spec.get("require_ratings", False)),
                )
            # attribute labels as written (custom ones are not rebuilt from the name)
            q.attributes = [
                Attribute(
                    a["name"],
                    a["type"],
                    dict(a["label"]),
                    [(n, dict(lab)) for n, lab in a["choices"]],
                )
                for a in spec["attributes"]
            ]
        except (KeyError, TypeError, ValueError) as err:
            if isinstance(err, ConfigurationError | FormatError):
                raise FormatError(
                    f"{source}: the questionnaire it describes is invalid: {err}"
                ) from None
            raise FormatError(f"{source}: malformed questionnaire spec ({err!r})") from None
        return q

    @classmethod
    def from_form(cls, path: str | os.PathLike[str]) -> Questionnaire:
        """The questionnaire that wrote a form: an XLSForm (``.xlsx``, its
        hidden ``skillsmap`` sheet) or a LimeSurvey structure (``.txt``, its
        ``skillsmap`` column).

        Parameters
        ----------
        path : str or os.PathLike
            The form file.

        Returns
        -------
        Questionnaire

        Raises
        ------
        FileNotFoundError
            No such file.
        FormatError
            The file is not a form written by skillsmap.

        See Also
        --------
        read_survey : ``form=path`` reads an export with it directly.

        Examples
        --------
        >>> import os, tempfile, skillsmap as sm
        >>> q = sm.Questionnaire(languages=("en",), ratings=("current", "required"))
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = q.to_limesurvey(os.path.join(tmp, "form.txt"))
        ...     sm.Questionnaire.from_form(path) == q
        True
        """
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"no such form file: {p}")
        suffix = p.suffix.lower()
        if suffix in {".xlsx", ".xlsm"}:
            text = _spec_from_xlsform(p)
        elif suffix in {".txt", ".tsv"}:
            text = _spec_from_limesurvey(p)
        else:
            raise FormatError(f"{p}: a form is an XLSForm (.xlsx) or a LimeSurvey structure (.txt)")
        try:
            spec = json.loads(text)
        except ValueError:
            raise FormatError(f"{p}: the skillsmap spec in the form is not valid JSON") from None
        return cls.from_spec(spec, source=str(p))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Questionnaire) and self.spec() == other.spec()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        lo, hi = self.scale
        return (
            f"Questionnaire({self.framework.id!r}, {len(self._comp_ids)} competences, "
            f"{','.join(self.languages)}, {'+'.join(self.ratings)}, scale {lo}–{hi})"
        )

    def _repr_html_(self) -> str:
        import html

        head = f"<p>{html.escape(repr(self))}</p>"
        return head + self._questions.head(40).to_html(index=False)

    # -- writers -----------------------------------------------------------------------
    def _lang_col(self, what: str, lang: str) -> str:
        return f"{what}::{T.LANGUAGE_NAMES[lang]} ({lang})"

    def to_xlsform(self, path: str | os.PathLike[str]) -> Path:
        """Write the questionnaire as an XLSForm workbook (KoboToolbox, ODK).

        Sheets ``survey``, ``choices`` and ``settings``, with a
        ``label::<Language> (<code>)`` column per language; and two hidden
        sheets: ``skillsmap`` (the spec that rebuilds the questionnaire, so
        :func:`read_survey` needs only this file) and ``skillsmap_questions``
        (:attr:`questions`, for people). Written atomically.

        Parameters
        ----------
        path : str or os.PathLike
            The ``.xlsx`` file to write.

        Returns
        -------
        Path
            ``path``.

        Raises
        ------
        OSError
            When the file cannot be written; ``path`` is then unchanged.

        See Also
        --------
        Questionnaire.to_limesurvey : The same for LimeSurvey.
        Questionnaire.from_form : Read the questionnaire back.

        Examples
        --------
        >>> import os, tempfile, skillsmap as sm
        >>> q = sm.Questionnaire(languages=("en", "sl"))
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     q.to_xlsform(os.path.join(tmp, "form.xlsx")).name
        'form.xlsx'
        """
        from openpyxl import Workbook

        langs = self.languages
        lab = [self._lang_col("label", g) for g in langs]
        msg = [self._lang_col("constraint_message", g) for g in langs]
        survey_cols = [
            "type",
            "name",
            *lab,
            "required",
            "relevance",
            "constraint",
            *msg,
            "appearance",
        ]
        rows: list[dict[str, Any]] = [
            {"type": "start", "name": "start"},
            {"type": "end", "name": "end"},
        ]
        relevant = "${consent} = 'yes'" if self.consent else ""
        q = self._questions
        if self.consent:
            rows.append(
                {
                    "type": "select_one yes_no",
                    "name": "consent",
                    **{c: self.label("consent", g) for c, g in zip(lab, langs, strict=True)},
                    "required": "yes",
                }
            )
        current_group = None
        for rec in q.itertuples(index=False):
            if rec.kind == "consent":
                continue
            if rec.group != current_group:
                if current_group is not None:
                    rows.append({"type": "end_group", "name": current_group})
                current_group = rec.group
                rows.append(
                    {
                        "type": "begin_group",
                        "name": rec.group,
                        **{
                            c: self.group_label(rec.group, g)
                            for c, g in zip(lab, langs, strict=True)
                        },
                        "relevance": relevant,
                        "appearance": "field-list",
                    }
                )
            row: dict[str, Any] = {
                "name": rec.name,
                **{c: self.label(rec.name, g) for c, g in zip(lab, langs, strict=True)},
            }
            if rec.kind == "rating":
                row["type"] = f"select_one {rec.list_name}"
                row["required"] = "yes" if self.require_ratings else ""
                row["appearance"] = "likert"
            elif rec.kind in {"region", "stakeholder_type"}:
                row["type"] = f"select_one {rec.list_name}"
                row["required"] = "yes"
            elif not isinstance(rec.list_name, str):  # an integer attribute
                row["type"] = "integer"
                row["constraint"] = ". >= 0"
                row.update({c: T.WHOLE_NUMBER[g] for c, g in zip(msg, langs, strict=True)})
            else:
                row["type"] = f"select_one {rec.list_name}"
            rows.append(row)
        if current_group is not None:
            rows.append({"type": "end_group", "name": current_group})

        choice_cols = ["list_name", "name", *lab]
        choice_rows = []
        for ch in self.choices.values():
            for i, n in enumerate(ch.names):
                choice_rows.append(
                    {
                        "list_name": ch.name,
                        "name": n,
                        **{c: ch.labels[g][i] for c, g in zip(lab, langs, strict=True)},
                    }
                )
        spec_text = json.dumps(self.spec(), ensure_ascii=False, sort_keys=True)
        version = hashlib.sha256(spec_text.encode()).hexdigest()[:10]
        settings = {
            "form_title": self.title[langs[0]],
            "form_id": "skillsmap_" + re.sub(r"[^0-9A-Za-z]+", "_", self.framework.id).strip("_"),
            "version": version,
            "default_language": f"{T.LANGUAGE_NAMES[langs[0]]} ({langs[0]})",
        }

        wb = Workbook()
        ws = wb.active
        ws.title = "survey"
        _table(ws, survey_cols, rows)
        _table(wb.create_sheet("choices"), choice_cols, choice_rows)
        _table(wb.create_sheet("settings"), list(settings), [settings])
        spec_ws = wb.create_sheet("skillsmap")
        spec_ws.append(["spec"])
        for i in range(0, len(spec_text), _CHUNK):
            spec_ws.append([spec_text[i : i + _CHUNK]])
        spec_ws.sheet_state = "hidden"
        qs = wb.create_sheet("skillsmap_questions")
        _table(qs, list(q.columns), q.astype(object).where(q.notna(), None).to_dict("records"))
        qs.sheet_state = "hidden"
        with _atomic.replacing(path, "wb") as fh:
            wb.save(fh)
        return Path(path)

    def to_limesurvey(self, path: str | os.PathLike[str]) -> Path:
        """Write LimeSurvey's tab-separated survey structure (``.txt``).

        One row per survey setting (class ``S``), per language setting
        (``SL``), then a block per language — the base language (the first)
        first, every block with the same rows in the same order: groups
        (``G``), questions (``Q``), subquestions (``SQ``) and answers
        (``A``). Region, stakeholder type and attributes are list questions
        (``L``; an integer attribute a numerical input ``N``); each area's
        current and required levels are one dual-scale array (``1``, scale 0
        current, scale 1 required), importance (or current alone) an array
        (``F``). UTF-8 with a byte-order mark, as LimeSurvey writes it.
        Import it in LimeSurvey with *Create survey → Import*.

        The spec that rebuilds the questionnaire is in the ``skillsmap``
        column of the first group row (LimeSurvey ignores unknown columns
        on group rows), so :func:`read_survey` needs only this file.

        Parameters
        ----------
        path : str or os.PathLike
            The ``.txt`` file to write.

        Returns
        -------
        Path
            ``path``.

        Raises
        ------
        ConfigurationError
            A scale with negative levels (LimeSurvey answer codes are
            letters and digits).
        OSError
            When the file cannot be written.

        See Also
        --------
        Questionnaire.to_xlsform : The same for KoboToolbox and ODK.

        Examples
        --------
        >>> import os, tempfile, skillsmap as sm
        >>> q = sm.Questionnaire(languages=("en", "fi"))
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = q.to_limesurvey(os.path.join(tmp, "form.txt"))
        ...     path.read_text(encoding="utf-8-sig").splitlines()[0].split()[:3]
        ['id', 'related_id', 'class']
        """
        lo = self.scale[0]
        if lo < 0:
            raise ConfigurationError(
                f"scale: LimeSurvey answer codes are letters and digits, so levels must be "
                f"0 or more, got {self.scale}"
            )
        cols = [
            "id",
            "related_id",
            "class",
            "type/scale",
            "name",
            "relevance",
            "text",
            "help",
            "language",
            "validation",
            "mandatory",
            "other",
            "default",
            "same_default",
            "dualscale_headerA",
            "dualscale_headerB",
            "min_num_value",
            "num_value_int_only",
            "skillsmap",
        ]
        langs = self.languages
        out: list[dict[str, Any]] = [
            {"class": "S", "name": "language", "text": langs[0]},
            {"class": "S", "name": "additional_languages", "text": " ".join(langs[1:])},
            {"class": "S", "name": "format", "text": "G"},
        ]
        for g in langs:
            out.append(
                {"class": "SL", "name": "surveyls_title", "text": self.title[g], "language": g}
            )
        spec_text = json.dumps(self.spec(), ensure_ascii=False, sort_keys=True)
        relevant = '(consent == "Y")' if self.consent else "1"
        q = self._questions
        for n_lang, g in enumerate(langs):
            gid = 0
            qid = 0
            sqid = 10000
            groups: list[tuple[str, str, list[Any]]] = []
            if self.consent:
                groups.append(("consent", "1", [q[q["kind"] == "consent"]]))
            resp = q[q["kind"].isin(["region", "stakeholder_type", "attribute"])]
            groups.append(("respondent", relevant, [resp]))
            for area in self._area_ids:
                groups.append((self._group[area], relevant, [q[q["group"] == self._group[area]]]))
            for gname, grel, (members,) in groups:
                gid += 1
                label = T.CONSENT_GROUP[g] if gname == "consent" else self.group_label(gname, g)
                row = {
                    "id": gid,
                    "class": "G",
                    "type/scale": f"G{gid}",
                    "name": label,
                    "relevance": grel,
                    "language": g,
                }
                if n_lang == 0 and gid == 1:
                    row["skillsmap"] = spec_text
                out.append(row)
                if gname not in {"consent", "respondent"}:
                    k = self._area_ids.index(next(a for a, x in self._group.items() if x == gname))
                    for code, ratings in self._ls_arrays(k):
                        qid += 1
                        qtype = "1" if len(ratings) == 2 else "F"
                        qrow = {
                            "id": qid,
                            "class": "Q",
                            "type/scale": qtype,
                            "name": code,
                            "relevance": "1",
                            "text": " / ".join(T.RATING_HEADER[r][g] for r in ratings),
                            "language": g,
                            "mandatory": "Y" if self.require_ratings else "N",
                            "other": "N",
                        }
                        if qtype == "1":
                            qrow["dualscale_headerA"] = T.RATING_HEADER[ratings[0]][g]
                            qrow["dualscale_headerB"] = T.RATING_HEADER[ratings[1]][g]
                        out.append(qrow)
                        for j in range(len(self._comp_ids)):
                            if self._comp_area[j] != self._area_ids[k]:
                                continue
                            sqid += 1
                            out.append(
                                {
                                    "id": sqid,
                                    "class": "SQ",
                                    "type/scale": 0,
                                    "name": f"SQ{j + 1:03d}",
                                    "relevance": "1",
                                    "text": self._comp_label[j][g],
                                    "language": g,
                                }
                            )
                        for scale_id, r in enumerate(ratings):
                            ch = self.choices["importance" if r == "importance" else "level"]
                            for code_a, text in zip(ch.codes, ch.labels[g], strict=True):
                                out.append(
                                    {
                                        "id": qid,
                                        "class": "A",
                                        "type/scale": scale_id,
                                        "name": code_a,
                                        "text": text,
                                        "language": g,
                                    }
                                )
                    continue
                for rec in members.itertuples(index=False):
                    qid += 1
                    is_int = rec.kind == "attribute" and not isinstance(rec.list_name, str)
                    qrow = {
                        "id": qid,
                        "class": "Q",
                        "type/scale": "N" if is_int else "L",
                        "name": rec.limesurvey,
                        "relevance": "1",
                        "text": self.label(rec.name, g),
                        "language": g,
                        "mandatory": "Y" if rec.kind != "attribute" else "N",
                        "other": "N",
                    }
                    if is_int:
                        qrow["min_num_value"] = 0
                        qrow["num_value_int_only"] = 1
                    out.append(qrow)
                    if is_int:
                        continue
                    ch = self.choices[rec.list_name]
                    for code_a, text in zip(ch.codes, ch.labels[g], strict=True):
                        out.append(
                            {
                                "id": qid,
                                "class": "A",
                                "type/scale": 0,
                                "name": code_a,
                                "text": text,
                                "language": g,
                            }
                        )
        buf = io.StringIO()
        w = csv.DictWriter(buf, cols, delimiter="\t", lineterminator="\n", restval="")
        w.writeheader()
        for row in out:
            w.writerow({k: _tsv_cell(v) for k, v in row.items()})
        _atomic.write_text(path, "\ufeff" + buf.getvalue())
        return Path(path)

    def _ls_arrays(self, k: int) -> list[tuple[str, tuple[str, ...]]]:
        """The arrays of area ``k``: (question code, ratings on its scales)."""
        out: list[tuple[str, tuple[str, ...]]] = []
        if "required" in self.ratings:
            out.append((f"G{k + 1}CR", ("current", "required")))
        else:
            out.append((f"G{k + 1}CU", ("current",)))
        if "importance" in self.ratings:
            out.append((f"G{k + 1}IM", ("importance",)))
        return out

    def template_columns(self, layout: str = "long") -> list[str]:
        """The columns of :meth:`to_template`'s file.

        Parameters
        ----------
        layout : {"long", "wide"}
            One row per respondent × competence, or per respondent.

        Returns
        -------
        list of str

        Raises
        ------
        ConfigurationError
            For another layout.

        See Also
        --------
        Questionnaire.to_template : Write the blank file.

        Examples
        --------
        >>> import skillsmap as sm
        >>> sm.Questionnaire(ratings=("current", "required")).template_columns()
        ['respondent', 'region', 'stakeholder_type', 'competence', 'competence_label',
         'current', 'required']
        """
        attrs = [a.name for a in self.attributes]
        if layout == "long":
            return [
                "respondent",
                "region",
                "stakeholder_type",
                *attrs,
                "competence",
                "competence_label",
                *self.ratings,
            ]
        if layout == "wide":
            return [
                "respondent",
                "region",
                "stakeholder_type",
                *attrs,
                *[f"{cid}_{r}" for cid in self._comp_ids for r in self.ratings],
            ]
        raise ConfigurationError(f"layout must be 'long' or 'wide', got {layout!r}")

    def to_template(
        self, path: str | os.PathLike[str], layout: str = "long", *, sep: str = ","
    ) -> Path:
        """Write a blank CSV a partner fills by hand (e.g. in Excel).

        ``layout="long"``: one row per respondent × competence. The file
        holds one example block, respondent ``R001`` with a row per
        competence (its id, and its label in the first language as a
        guide): copy the block once per respondent, give each a new id and
        fill region (id or name), stakeholder type (id or label),
        attributes and the levels. ``layout="wide"``: one row per
        respondent; the header only, a column ``<competence id>_<rating>``
        per competence and rating. Leave a level empty when not answered.
        UTF-8 with a byte-order mark (so Excel reads accents); ``sep``
        ``","`` (default) or ``";"`` (what Excel expects where the decimal
        mark is a comma). Read the filled file with
        ``read_survey(path, form=questionnaire_or_its_form)``.

        Parameters
        ----------
        path : str or os.PathLike
            The CSV file to write.
        layout : {"long", "wide"}
            One row per respondent × competence, or per respondent.
        sep : {",", ";", "\\t"}
            The column separator.

        Returns
        -------
        Path
            ``path``.

        Raises
        ------
        ConfigurationError
            For another layout or separator.

        See Also
        --------
        Questionnaire.template_columns : The columns it holds.
        read_survey : Read the filled file back.

        Examples
        --------
        >>> import os, tempfile, skillsmap as sm
        >>> q = sm.Questionnaire(languages=("en",))
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = q.to_template(os.path.join(tmp, "blank.csv"), sep=";")
        ...     path.read_text(encoding="utf-8-sig").splitlines()[0][:30]
        'respondent;region;stakeholder_'
        """
        if sep not in {",", ";", "\t"}:
            raise ConfigurationError(f"sep must be ',', ';' or a tab, got {sep!r}")
        cols = self.template_columns(layout)
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=sep, lineterminator="\r\n")
        w.writerow(cols)
        if layout == "long":
            first = self.languages[0]
            for j, cid in enumerate(self._comp_ids):
                row = {c: "" for c in cols}
                row.update(
                    respondent="R001", competence=cid, competence_label=self._comp_label[j][first]
                )
                w.writerow([row[c] for c in cols])
        _atomic.write_text(path, "\ufeff" + buf.getvalue())
        return Path(path)


def _tsv_cell(v: Any) -> str:
    # LimeSurvey reads tabs as separators and rows by lines: keep both out
    return re.sub(r"[\t\r\n]+", " ", str(v)) if v is not None else ""


def _table(ws: Any, cols: list[str], rows: list[dict[str, Any]]) -> None:
    ws.append(cols)
    for r in rows:
        ws.append([_cell(r.get(c)) for c in cols])


def _cell(v: Any) -> Any:
    return None if v is None or v == "" else v


def _available() -> list[str]:
    from .frameworks import available

    return available()


def _core_framework(fid: str) -> Any:
    from . import _core

    return _core.Framework.embedded(fid)


def _spec_from_xlsform(p: Path) -> str:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except Exception as err:  # zip, XML or openpyxl errors: not a workbook
        raise FormatError(f"{p}: not a readable .xlsx workbook ({type(err).__name__})") from None
    try:
        if "skillsmap" not in wb.sheetnames:
            raise FormatError(
                f"{p}: no 'skillsmap' sheet; read_survey(form=) needs a form written by "
                "Questionnaire.to_xlsform"
            )
        ws = wb["skillsmap"]
        cells = [r[0] for r in ws.iter_rows(min_row=2, max_col=1, values_only=True)]
    finally:
        wb.close()
    return "".join(str(c) for c in cells if c is not None)


def _spec_from_limesurvey(p: Path) -> str:
    text = p.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text), delimiter="\t")
    if reader.fieldnames is None or "skillsmap" not in reader.fieldnames:
        raise FormatError(
            f"{p}: no 'skillsmap' column; read_survey(form=) needs a structure written by "
            "Questionnaire.to_limesurvey"
        )
    for row in reader:
        if row.get("skillsmap"):
            return row["skillsmap"]
    raise FormatError(f"{p}: the 'skillsmap' column is empty")
