"""Reading a collection tool's export back with the form it was collected
with: ``read_survey(export, form=…)``.

The form (an XLSForm or LimeSurvey structure written by
:class:`~skillsmap.Questionnaire`, or the questionnaire itself) rebuilds the
questionnaire, and so every name, code and label an export can use:

- KoboToolbox / ODK (CSV with ``;`` or ``,``, or XLSX): headers are question
  names, with or without group paths (``area_found/found_principles_cur``),
  or labels in any form language; values are choice names ("XML values")
  or labels in any form language.
- LimeSurvey (CSV): headers are question codes (``G1CR[SQ001][1]``),
  ExpressionScript codes (``G1CR_SQ001_0``) or the full question text
  (``Current level / Required level [Social impact measurement][Current
  level]``, spaces or underscores); values answer codes or full answers in
  any survey language.
- The blank template (:meth:`Questionnaire.to_template`) filled by hand, long
  or wide.

The tool's own columns (``_uuid``, ``_submission_time``, ``start``,
``submitdate``, …) are never errors: ``keep=`` makes some of them
respondent attributes, the others are left out. Every problem is located by
the export's own row (0-based data row, the line ``row + 2`` of a CSV file)
and column header.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._frames import Issue
from ._questionnaire import Questionnaire
from .errors import ConfigurationError, ValidationError

if TYPE_CHECKING:
    from ._survey import Survey

__all__ = ["METADATA", "read_export"]

#: Columns collection tools add to an export (KoboToolbox, ODK Central,
#: LimeSurvey); any other column whose name starts with ``_`` or whose
#: group path is ``meta`` or ``formhub`` is metadata too.
METADATA = frozenset(
    {
        "start",
        "end",
        "today",
        "deviceid",
        "subscriberid",
        "simserial",
        "phonenumber",
        "username",
        "email",
        "audit",
        "instanceid",
        "instancename",
        "key",
        "submissiondate",
        "submitterid",
        "submittername",
        "attachmentspresent",
        "attachmentsexpected",
        "status",
        "reviewstate",
        "devicedid",
        "edits",
        "formversion",
        # LimeSurvey
        "id",
        "submitdate",
        "lastpage",
        "startlanguage",
        "seed",
        "token",
        "startdate",
        "datestamp",
        "ipaddr",
        "refurl",
        "interviewtime",
    }
)

_ID_COLUMNS = (
    "_uuid",
    "meta/instanceid",
    "meta-instanceid",
    "instanceid",
    "key",
    "respondent",
    "id",
    "_id",
    "_index",
)
_APPROVED = {"validation_status_approved", "approved"}
_VALIDATION = (None, "approved", "complete")


def _key(text: Any) -> str:
    """A header or value as matched: NFC, trimmed, inner spaces collapsed,
    case-folded."""
    s = unicodedata.normalize("NFC", str(text))
    return re.sub(r"\s+", " ", s).strip().casefold()


def _cell(v: Any) -> str | None:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    s = unicodedata.normalize("NFC", str(v)).strip()
    return s or None


def _read_table(
    path: Path, sheet_name: str | int = 0, encoding: str | None = None, sep: str | None = None
) -> pd.DataFrame:
    """An export as text cells (None where empty), read by
    :func:`skillsmap._files.read_table` as every other survey file (encoding,
    separator, workbooks, bad files); names in the header NFC-normalised."""
    from ._files import read_table

    df = read_table(path, encoding=encoding, sep=sep, sheet_name=sheet_name, text_columns=True)
    df.columns = [unicodedata.normalize("NFC", str(c)).strip() for c in df.columns]
    return df.astype(object).where(df.notna(), None)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


class _Form:
    """What an export may contain, for one questionnaire."""

    def __init__(self, q: Questionnaire) -> None:
        self.q = q
        qs = q.questions
        self.questions = qs.set_index("name")
        langs = q.languages
        self.headers: dict[str, str] = {}
        self.ls_headers: dict[str, str] = {}
        for rec in qs.itertuples(index=False):
            names = {rec.name}
            if isinstance(rec.group, str) and rec.group:
                names.add(f"{rec.group}/{rec.name}")
            for g in langs:
                label = q.label(rec.name, g)
                names.add(label)
                if isinstance(rec.group, str) and rec.group:
                    names.add(f"{q.group_label(rec.group, g)}/{label}")
            if rec.kind == "rating":
                names.add(f"{rec.competence}_{rec.rating}")  # the wide template
            for n in names:
                self.headers.setdefault(_key(n), rec.name)
            self.ls_headers[_key(rec.limesurvey)] = rec.name
            self.ls_headers[_key(_em_code(rec.limesurvey))] = rec.name
            for g in langs:
                full = _ls_full_heading(q, rec, g)
                self.ls_headers.setdefault(_key(full), rec.name)
                self.ls_headers.setdefault(_key(full.replace(" ", "_")), rec.name)
        self.lookups: dict[str, dict[str, str]] = {}
        self.ls_lookups: dict[str, dict[str, str]] = {}
        for ch in q.choices.values():
            d: dict[str, str] = {}
            for i, name in enumerate(ch.names):
                d.setdefault(_key(name), name)
                for g in langs:
                    d.setdefault(_key(ch.labels[g][i]), name)
            self.lookups[ch.name] = d
            self.ls_lookups[ch.name] = {
                **d,
                **{_key(c): n for c, n in zip(ch.codes, ch.names, strict=True)},
            }


def _ls_full_heading(q: Questionnaire, rec: Any, lang: str) -> str:
    """LimeSurvey's "full question text" heading of a column: the question,
    then ``[subquestion]`` and ``[scale header]`` of an array."""
    from . import _forms_text as T

    if rec.kind != "rating":
        return q.label(rec.name, lang)
    code = rec.limesurvey.split("[", 1)[0]
    ratings = (
        ("importance",)
        if code.endswith("IM")
        else (("current", "required") if code.endswith("CR") else ("current",))
    )
    text = " / ".join(T.RATING_HEADER[r][lang] for r in ratings)
    sub = q._comp_label[q._comp_pos[rec.competence]][lang]
    scale = f"[{T.RATING_HEADER[rec.rating][lang]}]" if len(ratings) == 2 else ""
    return f"{text} [{sub}]{scale}"


def _em_code(code: str) -> str:
    """The ExpressionScript form of a LimeSurvey column code: ``G1CR[SQ001][1]``
    is ``G1CR_SQ001_0`` (scales count from 0 there, from 1 in brackets)."""
    m = re.fullmatch(r"(\w+)\[(\w+)\](?:\[(\d)\])?", code)
    if not m:
        return code
    base = f"{m.group(1)}_{m.group(2)}"
    return base if m.group(3) is None else f"{base}_{int(m.group(3)) - 1}"


def _is_metadata(header: str) -> bool:
    k = _key(header)
    last = re.split(r"[/-]", k)[-1]
    return (
        k.startswith("_")
        or last.startswith("_")
        or re.split(r"[/-]", k, maxsplit=1)[0] in {"meta", "formhub", "__system"}
        or k in METADATA
        or last in METADATA
    )


def _as_form(form: Any) -> tuple[Questionnaire, str]:
    if isinstance(form, Questionnaire):
        return form, "a Questionnaire object"
    if not isinstance(form, str | os.PathLike):
        raise ConfigurationError(
            f"form must be a form file (.xlsx, .txt) or a Questionnaire, got {type(form).__name__}"
        )
    p = Path(form)
    return Questionnaire.from_form(p), f"form {p} (sha256 {_digest(p)})"


def read_export(
    path: str | os.PathLike[str],
    form: Any,
    *,
    validation: str | None = None,
    keep: Sequence[str] = (),
    sheet_name: str | int = 0,
    source: str | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    **options: Any,
) -> Survey:
    r"""Read a KoboToolbox/ODK or LimeSurvey export, or a filled template,
    with the form it was collected with; see :func:`skillsmap.read_survey`.

    Examples
    --------
    A KoboToolbox export in Spanish labels, with group paths (only one
    competence answered here; the others are missing answers):

    >>> import os, tempfile, skillsmap as sm
    >>> q = sm.Questionnaire(languages=("en", "es"), ratings=("current", "required"))
    >>> header = ["_uuid", "respondent/region", "respondent/stakeholder_type",
    ...           "area_impact/impact_measurement_cur", "area_impact/impact_measurement_req"]
    >>> row = ["a1", "Navarra", "Cooperativa", "2 – Básico", "4 – Avanzado"]
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     form = q.to_xlsform(os.path.join(tmp, "form.xlsx"))
    ...     export = os.path.join(tmp, "export.csv")
    ...     with open(export, "w", encoding="utf-8", newline="") as fh:
    ...         _ = fh.write(";".join(f'"{v}"' for v in header) + "\r\n")
    ...         _ = fh.write(";".join(f'"{v}"' for v in row) + "\r\n")
    ...     s = sm.read_survey(export, form=form)
    >>> answered = s.to_frame().dropna(subset=["current"])
    >>> answered[["respondent", "region", "competence", "current", "required"]]
      respondent region          competence  current  required
    5         a1   ES22  se.impact.measurement      2.0       4.0
    """

    if options:
        raise ConfigurationError(
            f"read_survey(form=...) takes validation=, keep=, sheet_name= and source=; the form "
            f"fixes the framework, scale, regions and columns (got {sorted(options)})"
        )
    if validation not in _VALIDATION:
        raise ConfigurationError(
            f"validation must be None, 'approved' (KoboToolbox) or 'complete' (LimeSurvey), "
            f"got {validation!r}"
        )
    if isinstance(keep, str):
        keep = [keep]
    p = Path(path)
    q, form_desc = _as_form(form)
    df = _read_table(p, sheet_name, encoding, sep)
    f = _Form(q)
    keys = [_key(c) for c in df.columns]

    # -- which column is what ---------------------------------------------------------
    pre: list[Issue] = []
    if "competence" in keys and "current" in keys:
        return _read_long_template(df, q, p, form_desc, source)
    column_of: dict[str, str] = {}  # question name → export header
    meta: dict[str, str] = {}  # key → header
    ls_hits = 0
    for header, k in zip(df.columns, keys, strict=True):
        name = f.headers.get(k)
        if name is None:
            # a group path the form does not know: try the part after each
            # separator ('/' in KoboToolbox, '-' in ODK Central; names have neither)
            parts = re.split(r"[/-]", k) if re.fullmatch(r"[\w/.:-]+", k) else k.split("/")
            for i in range(1, len(parts)):
                name = f.headers.get("/".join(parts[i:]))
                if name is not None:
                    break
        if name is None and k in f.ls_headers:
            name = f.ls_headers[k]
            ls_hits += 1
        if name is None:
            if _is_metadata(header) or k in {"respondent"}:
                meta.setdefault(k, header)
            continue
        if name in column_of:
            pre.append(
                (None, header, "", f"a second column for question {name!r}", "duplicate_column")
            )
            continue
        column_of[name] = header
    flavour = "limesurvey" if ls_hits else "kobo"
    if "respondent" in keys and not ls_hits and "_uuid" not in keys:
        flavour = "template"
    qs = f.questions
    ratings = qs[qs["kind"] == "rating"]
    if not any(n in column_of for n in ratings.index):
        raise ValidationError(
            [
                (
                    None,
                    "(all)",
                    "",
                    "no column of the export is a rating question of the form: is it the export "
                    "of this form?",
                    "missing_column",
                )
            ],
            source=str(p),
        )
    for name in ("region", "stakeholder_type"):
        if name not in column_of:
            pre.append(
                (None, name, "", "missing column (a question of the form)", "missing_column")
            )
    missing_keep = [c for c in keep if _key(c) not in meta and _key(c) not in keys]
    for c in missing_keep:
        pre.append((None, c, "", "keep= names a column the export does not have", "missing_column"))
    if pre:
        raise ValidationError(pre, source=str(p))

    # -- which rows are submissions to read ----------------------------------------------
    rows = np.arange(len(df))
    if validation == "approved":
        # KoboToolbox's _validation_status, or ODK Central's ReviewState
        col = meta.get("_validation_status") or meta.get("reviewstate")
        if col is None:
            raise ValidationError(
                [
                    (
                        None,
                        "_validation_status",
                        "",
                        "validation='approved' needs this column",
                        "missing_column",
                    )
                ],
                source=str(p),
            )
        rows = rows[[_approved(v) for v in df[col].to_numpy()[rows]]]
    elif validation == "complete":
        col = meta.get("submitdate")
        if col is None:
            raise ValidationError(
                [
                    (
                        None,
                        "submitdate",
                        "",
                        "validation='complete' needs this column",
                        "missing_column",
                    )
                ],
                source=str(p),
            )
        rows = rows[[_cell(v) is not None for v in df[col].to_numpy()[rows]]]
    if q.consent and "consent" in column_of:
        look = (f.ls_lookups if flavour == "limesurvey" else f.lookups)["yes_no"]
        vals = df[column_of["consent"]].to_numpy()[rows]
        rows = rows[[look.get(_key(v)) == "yes" if _cell(v) else False for v in vals]]
    if len(rows) == 0:
        raise ValidationError(
            [
                (
                    None,
                    "(all)",
                    "",
                    "no submission left to read (validation or consent)",
                    "empty_input",
                )
            ],
            source=str(p),
        )
    sub = df.iloc[rows]

    # -- respondent ids ---------------------------------------------------------------------
    id_col = next((meta[k] for k in _ID_COLUMNS if k in meta), None)
    if id_col is not None:
        ids = [(_cell(v) or "").removeprefix("uuid:") or None for v in sub[id_col]]
    else:
        ids = [f"row{r + 1}" for r in rows]

    lookups = f.ls_lookups if flavour == "limesurvey" else f.lookups
    lo, hi = q.scale
    issues: list[Issue] = []

    def choice(name: str, list_name: str, code: str) -> np.ndarray:
        header = column_of[name]
        look = lookups[list_name]
        out = np.empty(len(sub), dtype=object)
        for i, v in enumerate(sub[header].to_numpy()):
            c = _cell(v)
            if c is None:
                out[i] = None
                continue
            hit = look.get(_key(c))
            if hit is None:
                issues.append(
                    (int(rows[i]), header, c, f"not a choice of list {list_name!r}", code)
                )
                out[i] = c
            else:
                out[i] = hit
        return out

    def level(name: str, list_name: str) -> np.ndarray:
        header = column_of.get(name)
        out = np.full(len(sub), np.nan)
        if header is None:
            return out
        look = lookups[list_name]
        cache: dict[str, float | str] = {}
        for i, v in enumerate(sub[header].to_numpy()):
            c = _cell(v)
            if c is None:
                continue
            got = cache.get(c)
            if got is None:
                got = _level(c, look, lo, hi)
                cache[c] = got
            if isinstance(got, str):
                code = "out_of_scale" if got.startswith("outside") else "invalid_value"
                issues.append((int(rows[i]), header, c, got, code))
            else:
                out[i] = got
        return out

    region = choice("region", "region", "unknown_region")
    stype = choice("stakeholder_type", "stakeholder_type", "unknown_stakeholder_type")
    attrs: dict[str, np.ndarray] = {}
    for a in q.attributes:
        if a.name not in column_of:
            continue
        if a.type == "select":
            attrs[a.name] = choice(a.name, a.name, "invalid_value")
        else:
            attrs[a.name] = _integers(sub, column_of[a.name], rows, issues)
    by_key = dict(zip(keys, df.columns, strict=True))
    for c in keep:
        header = meta.get(_key(c)) or by_key[_key(c)]
        attrs[c] = np.asarray([_cell(v) for v in sub[header]], dtype=object)

    comp_ids = list(q._comp_ids)
    k = len(comp_ids)
    n = len(sub)
    long: dict[str, Any] = {
        "respondent": np.repeat(np.asarray(ids, dtype=object), k),
        "region": np.repeat(region, k),
        "stakeholder_type": np.repeat(stype, k),
        "competence": np.tile(np.asarray(comp_ids, dtype=object), n),
    }
    rating_cols: dict[str, list[str]] = {}
    for r in q.ratings:
        names = [q._rating_name[r][j] for j in range(k)]
        list_name = "importance" if r == "importance" else "level"
        block = np.column_stack([level(nm, list_name) for nm in names])
        long[r] = block.reshape(-1)
        rating_cols[r] = [column_of.get(nm, nm) for nm in names]
    for name, values in attrs.items():
        long[name] = np.repeat(values, k)
    frame = pd.DataFrame(long)
    desc = source or f"{flavour} export {p} (sha256 {_digest(p)}); {form_desc}"
    try:
        survey = _validate(q, frame, list(attrs), desc)
    except ValidationError as err:
        seen = {(r, c) for r, c, *_ in issues}
        respondent_col = id_col or "(row number)"
        where = {
            "respondent": respondent_col,
            "region": column_of["region"],
            "stakeholder_type": column_of["stakeholder_type"],
            **{a: column_of.get(a, a) for a in attrs},
        }

        def export_row(m: re.Match[str]) -> str:
            # the core counts rows of the long table; say the export's row
            return f"row {int(rows[int(m.group(1)) // k])}"

        once: set[tuple[int, str]] = set()
        for row, column, value, reason, code in err._rows:
            if row is None:
                issues.append((row, column, value, reason, code))
                continue
            i, j = divmod(row, k)
            erow = int(rows[i])
            reason = re.sub(r"\brow (\d+)", export_row, reason)
            if code == "duplicate_answer":
                # one submission twice: one issue for the row, not one per competence
                if (erow, code) in once:
                    continue
                once.add((erow, code))
                column, value = respondent_col, str(ids[i])
                reason = re.sub(
                    r"duplicate answer of (respondent \S+) to this competence",
                    r"\1 answered twice",
                    reason,
                )
            elif column in rating_cols:
                column = rating_cols[column][j]
            else:
                column = where.get(column, column)
            if (erow, column) not in seen:
                issues.append((erow, column, value, reason, code))
        raise ValidationError(list(dict.fromkeys(issues)), source=str(p)) from None
    if issues:
        raise ValidationError(issues, source=str(p))
    return survey


def _approved(value: Any) -> bool:
    c = _cell(value)
    if c is None:
        return False
    k = _key(c)
    if k in _APPROVED:
        return True
    # the API's JSON object, as some exports write it
    m = re.search(r"validation_status_\w+", k)
    return bool(m and m.group(0) == "validation_status_approved")


def _level(text: str, look: dict[str, str], lo: int, hi: int) -> float | str:
    """A level from a choice name, code or label; or the reason it is not one."""
    hit = look.get(_key(text))
    if hit is not None:
        return float(hit)
    try:
        x = float(text.replace(",", "."))
    except ValueError:
        return "not a level of the scale (a number or a label of the form)"
    if not np.isfinite(x) or not x.is_integer():
        return f"not a level of the scale {lo}–{hi}"
    if not lo <= x <= hi:
        return f"outside the scale {lo}–{hi}"
    return x


def _integers(sub: pd.DataFrame, header: str, rows: np.ndarray, issues: list[Issue]) -> np.ndarray:
    out = np.empty(len(sub), dtype=object)
    for i, v in enumerate(sub[header].to_numpy()):
        c = _cell(v)
        if c is None:
            out[i] = None
            continue
        try:
            x = float(c.replace(",", "."))
        except ValueError:
            x = float("nan")
        if not (np.isfinite(x) and x.is_integer() and x >= 0):
            issues.append(
                (int(rows[i]), header, c, "not a whole number of at least 0", "invalid_value")
            )
            out[i] = None
        else:
            out[i] = int(x)
    return out


def _read_long_template(
    df: pd.DataFrame, q: Questionnaire, p: Path, form_desc: str, source: str | None
) -> Survey:
    """A filled long template: from_frame with the questionnaire's settings;
    rows left blank (the example block untouched) are skipped."""

    f = _Form(q)
    by_key = {_key(c): c for c in df.columns}
    ratings = [by_key[r] for r in q.ratings if r in by_key]
    core_cols = [by_key.get(c) for c in ("region", "stakeholder_type")]
    filled = df[[c for c in [*ratings, *core_cols] if c is not None]].notna().any(axis=1)
    rows = np.flatnonzero(filled.to_numpy())
    sub = df.iloc[rows].reset_index(drop=True)
    attrs = [a.name for a in q.attributes if a.name in by_key]
    for a in q.attributes:
        if a.name in by_key and a.type == "select":
            look = f.lookups[a.name]
            col = by_key[a.name]
            sub[col] = [look.get(_key(v), v) if _cell(v) else None for v in sub[col]]
    rename = {
        by_key[c]: c
        for c in ("respondent", "region", "stakeholder_type", "competence", *q.ratings, *attrs)
        if c in by_key
    }
    sub = sub.rename(columns=rename)
    for r in q.ratings:
        if r in sub.columns:
            sub[r] = [np.nan if _cell(v) is None else _number(v) for v in sub[r]]
    desc = source or f"template {p} (sha256 {_digest(p)}); {form_desc}"
    try:
        return _validate(q, sub, list(attrs), desc)
    except ValidationError as err:
        back = {v: k for k, v in rename.items()}
        fixed = [
            (None if r is None else int(rows[r]), back.get(c, c), v, reason, code)
            for r, c, v, reason, code in err._rows
        ]
        raise ValidationError(fixed, source=str(p)) from None


def _validate(q: Any, frame: pd.DataFrame, attributes: list[str], source: str) -> Survey:
    """The long table of an export validated against what its form fixes:
    the ratings asked, framework, scale, regions and stakeholder types."""
    from ._ingest import from_frame
    from ._survey import Survey

    return from_frame(
        Survey,
        frame,
        required="required" if "required" in q.ratings else None,
        importance="importance" if "importance" in q.ratings else None,
        attributes=attributes,
        framework=q.framework,
        scale=q.scale,
        regions=q.regions,
        typology=q.typology,
        source=source,
    )


def _number(v: Any) -> Any:
    s = str(v).strip().replace(",", ".")
    try:
        return float(s)
    except ValueError:
        return v
