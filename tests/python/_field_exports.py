"""Synthetic exports of collection tools, written in each tool's own format
from a known survey, for the round-trip tests of ``read_survey(form=)``.

KoboToolbox writes CSV with ``;``, every field quoted, ``\\r\\n`` line ends,
``start``/``end`` first and its metadata columns (``__version__``, ``_id``,
``_uuid``, ``_submission_time``, ``_validation_status``, ``_notes``,
``_status``, ``_submitted_by``, ``_tags``, ``_index``) last; headers are
question names, with group paths (``group/name``) or without, and values
choice names ("XML values") or labels of one language. LimeSurvey writes a
UTF-8 CSV with a byte-order mark, every field quoted, ``\\r\\n``, its
response columns (``id``, ``submitdate``, ``lastpage``, ``startlanguage``,
``seed``) first, headers as question codes (``G1CR[SQ001][1]``) and values
as answer codes or full answers.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import skillsmap as sm


def answers_wide(survey: sm.Survey) -> pd.DataFrame:
    """One row per respondent, a column (competence, rating) per answer."""
    long = survey.to_frame()
    ratings = [r for r in ("current", "required", "importance") if r in long.columns]
    wide = long.pivot(index="respondent", columns="competence", values=ratings)
    return wide.loc[survey.respondents["respondent"]]


def _text(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def kobo_export(
    survey: sm.Survey,
    q: sm.Questionnaire,
    path: Path,
    *,
    groups: bool = True,
    labels: str | None = None,
    statuses: list[str] | None = None,
    xlsx: bool = False,
) -> Path:
    """Write ``survey`` as KoboToolbox exports it for form ``q``.

    ``labels``: None writes choice names; a language code writes the choice
    labels of that language. ``statuses``: the ``_validation_status`` of
    each submission (default empty).
    """
    resp = survey.respondents.reset_index(drop=True)
    wide = answers_wide(survey)
    questions = q.questions
    header: list[str] = ["start", "end"]
    cols: list[list[str]] = [
        ["2026-03-02T10:00:00.000+01:00"] * len(resp),
        ["2026-03-02T10:20:00.000+01:00"] * len(resp),
    ]

    def value(list_name: str | None, v: str) -> str:
        if labels is None or list_name is None or v == "":
            return v
        ch = q.choices[list_name]
        return ch.labels[labels][ch.names.index(v)]

    for rec in questions.itertuples(index=False):
        name = f"{rec.group}/{rec.name}" if groups and rec.group else rec.name
        header.append(name)
        if rec.kind == "consent":
            vals = ["yes"] * len(resp)
        elif rec.kind == "rating":
            vals = [_text(v) for v in wide[(rec.rating, rec.competence)]]
        else:
            vals = [_text(v) for v in resp[rec.name]]
        cols.append(
            [value(rec.list_name if isinstance(rec.list_name, str) else None, v) for v in vals]
        )
    n = len(resp)
    meta = {
        "__version__": ["vABCdef"] * n,
        "_id": [str(100 + i) for i in range(n)],
        "_uuid": [str(r) for r in resp["respondent"]],
        "_submission_time": ["2026-03-02T09:21:00"] * n,
        "_validation_status": statuses or [""] * n,
        "_notes": [""] * n,
        "_status": ["submitted_via_web"] * n,
        "_submitted_by": [""] * n,
        "_tags": [""] * n,
        "_index": [str(i + 1) for i in range(n)],
    }
    if groups:
        header.append("meta/instanceID")
        cols.append([f"uuid:{r}" for r in resp["respondent"]])
    for k, v in meta.items():
        header.append(k)
        cols.append(v)
    rows = list(zip(*cols, strict=True))
    if xlsx:
        pd.DataFrame(rows, columns=header).to_excel(path, index=False)
        return path
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")
    return path


def limesurvey_export(
    survey: sm.Survey,
    q: sm.Questionnaire,
    path: Path,
    *,
    answers: str | None = None,
    em_codes: bool = False,
    sep: str = ",",
    full_headings: str | None = None,
) -> Path:
    """Write ``survey`` as LimeSurvey exports the responses of ``q.to_limesurvey``.

    ``answers``: None writes answer codes; a language code writes the full
    answers of that language. ``em_codes``: ExpressionScript headers
    (``G1CR_SQ001_0``) instead of question codes. ``full_headings``: a
    language code writes LimeSurvey's "full question text" headings, as its
    export writer builds them (question, `` [subquestion]``, ``[scale]``).
    """
    from skillsmap import _forms_text as T
    from skillsmap._exports import _em_code

    resp = survey.respondents.reset_index(drop=True)
    wide = answers_wide(survey)
    n = len(resp)
    header = ["id", "submitdate", "lastpage", "startlanguage", "seed"]
    cols: list[list[str]] = [
        [str(r) for r in resp["respondent"]],
        ["2026-03-02 10:20:00"] * n,
        ["7"] * n,
        [q.languages[0]] * n,
        ["123456"] * n,
    ]
    for rec in q.questions.itertuples(index=False):
        if full_headings is not None:
            g = full_headings
            if rec.kind == "rating":
                arrays = dict(
                    q._ls_arrays(int(rec.limesurvey[1 : rec.limesurvey.index("[")][:-2]) - 1)
                )
                ratings = arrays[rec.limesurvey.split("[", 1)[0]]
                text = " / ".join(T.RATING_HEADER[r][g] for r in ratings)
                j = q.framework.competences["id"].tolist().index(rec.competence)
                sub = q.framework.competences["label" if g == "en" else f"label_{g}"].iloc[j]
                scale = f"[{T.RATING_HEADER[rec.rating][g]}]" if len(ratings) == 2 else ""
                header.append(f"{text} [{sub}]{scale}")
            else:
                header.append(q.label(rec.name, g))
        else:
            header.append(_em_code(rec.limesurvey) if em_codes else rec.limesurvey)
        if rec.kind == "consent":
            vals = ["yes"] * n
        elif rec.kind == "rating":
            vals = [_text(v) for v in wide[(rec.rating, rec.competence)]]
        else:
            vals = [_text(v) for v in resp[rec.name]]
        if isinstance(rec.list_name, str):
            ch = q.choices[rec.list_name]
            vals = [
                "" if v == "" else (ch.labels[answers] if answers else ch.codes)[ch.names.index(v)]
                for v in vals
            ]
        cols.append(vals)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(zip(*cols, strict=True))
    buf.write("\r\n")  # LimeSurvey ends its CSV with an empty line
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
    return path
