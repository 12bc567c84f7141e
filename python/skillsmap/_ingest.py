"""Building a :class:`~skillsmap.Survey` from data: validated ingestion of
long and wide tables and of survey files, and rebuilding a pickled survey.

Python converts the input (column lookup, factorising keys, numbers out of
text) and locates what it alone can see (missing columns, cells that are
not numbers); the core validates everything else and reports every problem
with its row and column. :func:`from_frame` and :func:`from_wide` are bound
as ``Survey.from_frame`` and ``Survey.from_wide``.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from . import _core
from ._frames import Issue, categorical, numeric, to_pandas
from ._model import Framework, Regions, Scale, Typology, _as_scale
from .errors import ConfigurationError, ValidationError
from .frameworks import load as load_framework

if TYPE_CHECKING:
    from ._survey import Survey

__all__ = ["from_frame", "from_wide", "read_survey"]


class Ingested(NamedTuple):
    """What a :class:`Survey` is made of: the validated core survey, the
    respondent ids as given and the original values of each attribute."""

    inner: _core.Survey
    respondent_index: pd.Index
    attribute_values: dict[str, pd.Index]


def as_framework(fw: Any) -> Framework:
    """A Framework, or the embedded one of an id (or a framework file)."""
    if isinstance(fw, Framework):
        return fw
    return load_framework(fw)


def as_region_set(regions: Any) -> _core.RegionSet | None:
    """The core region set of what ``from_frame`` accepts as ``regions``."""
    if regions is None:
        return None
    if isinstance(regions, Regions):
        return regions._inner
    if isinstance(regions, str) and regions.lower() == "resees":
        return _core.RegionSet.resees()
    if isinstance(regions, str | os.PathLike):
        return Regions.from_json(regions)._inner
    return Regions.from_frame(regions)._inner


def as_typology(typology: Any) -> _core.Typology | None:
    """The core typology of what ``from_frame`` accepts as ``typology``."""
    if typology is None:
        return None
    if isinstance(typology, Typology):
        return typology._inner
    if isinstance(typology, str) and typology.lower() in {"default", "se-default"}:
        return _core.Typology.default()
    if isinstance(typology, str | os.PathLike):
        return Typology.from_json(typology)._inner
    return Typology.from_frame(typology)._inner


def from_frame(
    cls: type[Survey],
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
        Every key (attributes too) is trimmed and put in Unicode NFC first,
        so that names typed with composed and decomposed accents are one;
        a blank key is missing.
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
        between rows, missing, non-finite or negative weights, keys holding
        a control character (NUL, tab, line break…; code
        ``control_character``).

    Notes
    -----
    ``row`` in the issues is the 0-based position of the row in the table
    (in a CSV file with a header, the line number is ``row + 2``).

    See Also
    --------
    Survey.from_wide : One row per respondent, one column per rating.
    read_survey : Read a file (CSV, Parquet, Excel, SPSS, Stata) or a tool's export.
    demo_survey : A synthetic survey to try things on.

    Examples
    --------
    >>> import skillsmap as sm
    >>> df = sm.demo_survey(20, seed=0).to_frame()
    >>> sm.Survey.from_frame(df, importance="importance", weight="weight")
    Survey(20 respondents, 640 answers, framework='se-core')
    """
    inner, resp_uniques, attr_uniques = validated_columns(
        _core.Survey.from_columns,
        data,
        respondent=respondent,
        region=region,
        stakeholder_type=stakeholder_type,
        competence=competence,
        current=current,
        required=required,
        importance=importance,
        weight=weight,
        attributes=attributes,
        framework=framework,
        scale=scale,
        importance_scale=importance_scale,
        regions=regions,
        typology=typology,
        source=source,
    )
    return cls(inner, resp_uniques, attr_uniques)


def validated_columns(
    make: Any,
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
) -> tuple[Any, pd.Index, dict[str, pd.Index]]:
    """The work of :func:`from_frame` up to the core: ``make`` (
    ``_core.Survey.from_columns`` or ``_core.GapPartial.from_columns`` with
    its options bound) is called with the factorised columns, and its
    result returned with the respondent ids as given and each attribute's
    original values. The issues Python finds (missing columns, cells that
    are not numbers) are merged with the core's, as from_frame reports
    them."""
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
    repeated = df.columns[df.columns.duplicated()]
    for col in wanted:
        if col in repeated:
            # which of the columns would be meant is not ours to guess
            pre.append(_repeated_column(df, col))
        elif col not in df.columns:
            hint = ""
            if col == required and importance is not None:
                hint = " (pass required=None when the survey has only importance)"
            pre.append((None, col, "", "missing column" + hint, "missing_column"))
    for name in attributes:
        if name in {"region", "stakeholder_type", "sector", "respondent", "competence"}:
            pre.append(
                (None, name, "", "attribute name is reserved for a survey key", "invalid_value")
            )
    # The core checks this too, but only once the columns exist: said here,
    # it is reported with the missing columns, and with the argument names.
    if required is None and importance is None:
        pre.append(
            (
                None,
                "required",
                "",
                "missing column: give required= or importance=",
                "missing_column",
            )
        )
    if pre:
        raise ValidationError(pre, source=source or None)

    fw = as_framework(framework)
    # keys are trimmed and NFC-normalised; a key holding a control
    # character is an issue here and reaches the core as missing
    resp_codes, resp_labels, resp_uniques = categorical(df[respondent], respondent, pre)
    # their label order does not matter: a categorical's codes go as they are
    cats = {
        role: categorical(df[roles[role]], roles[role], pre, in_order=False)[:2]
        for role in ("region", "stakeholder_type", "competence")
    }
    levels = {
        role: numeric(df[roles[role]], roles[role], pre)
        for role in ("current", "required", "importance", "weight")
        if role in roles
    }
    attr_cats = {name: categorical(df[name], name, pre) for name in attributes}
    attrs = [(name, codes, labels) for name, (codes, labels, _) in attr_cats.items()]
    try:
        inner = make(
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
            regions=as_region_set(regions),
            typology=as_typology(typology),
            source=source,
        )
    except ValidationError as err:
        # A cell already reported as not a number reaches the core as
        # missing; report it once.
        seen = {(row, col) for row, col, *_ in pre}
        core = [i for i in err._rows if (i[0], i[1]) not in seen]
        raise ValidationError(pre + core, source=source or None) from None
    if pre:
        raise ValidationError(pre, source=source or None)
    return inner, resp_uniques, {n: c[2] for n, c in attr_cats.items()}


def _repeated_column(df: pd.DataFrame, col: str) -> Issue:
    """The issue of a column name the table has more than once, with the
    1-based positions of its columns."""
    at = [str(j + 1) for j, c in enumerate(df.columns) if c == col]
    where = ", ".join(at[:-1]) + " and " + at[-1]
    return (
        None,
        col,
        "",
        f"the table has more than one column of this name (columns {where})",
        "duplicate_column",
    )


def from_wide(
    cls: type[Survey],
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

    See Also
    --------
    Survey.from_frame : The long layout, one row per respondent × competence.
    read_survey : ``layout="wide"`` reads a wide file.

    Examples
    --------
    >>> import pandas as pd, skillsmap as sm
    >>> wide = pd.DataFrame({"respondent": ["r1", "r2"], "region": ["ES22", "FI1D7"],
    ...     "stakeholder_type": ["cooperative", "wise"],
    ...     "se.impact.measurement_current": [2, 3],
    ...     "se.impact.measurement_required": [4, 4]})
    >>> sm.Survey.from_wide(wide).n_answers
    2
    """
    df = to_pandas(data)
    patterns = {"current": current, "required": required, "importance": importance}
    patterns = {k: v for k, v in patterns.items() if v is not None}
    pre: list[Issue] = []
    for role, pat in patterns.items():
        if pat.count("{competence}") != 1:
            pre.append(
                (
                    None,
                    pat,
                    "",
                    f"{role} pattern must contain {{competence}} once",
                    "invalid_value",
                )
            )
    source = options.get("source") or None
    id_cols = [respondent, region, stakeholder_type, *([weight] if weight else []), *attributes]
    repeated = set(df.columns[df.columns.duplicated()])
    for col in id_cols:
        if col in repeated:
            pre.append(_repeated_column(df, col))
        elif col not in df.columns:
            pre.append((None, col, "", "missing column", "missing_column"))
    if pre:
        raise ValidationError(pre, source=source)
    matched: dict[str, dict[str, str]] = {role: {} for role in patterns}
    for role, pat in patterns.items():
        head, tail = pat.split("{competence}")
        rx = re.compile(re.escape(head) + "(.+)" + re.escape(tail) + r"\Z", re.DOTALL)
        for col in df.columns:
            m = rx.match(str(col))
            if m:
                # as keys are: trimmed and NFC, so that a decomposed label
                # in a header names the competence its composed form does
                comp = unicodedata.normalize("NFC", m.group(1).strip())
                if col in repeated:
                    pre.append(_repeated_column(df, col))
                elif comp in matched[role]:
                    pre.append(
                        (
                            None,
                            str(col),
                            comp,
                            f"column {matched[role][comp]!r} already holds the {role} "
                            "level of this competence",
                            "duplicate_column",
                        )
                    )
                else:
                    matched[role][comp] = str(col)
    if pre:
        raise ValidationError(list(dict.fromkeys(pre)), source=source)
    comps = list(dict.fromkeys(c for role in matched.values() for c in role))
    # A column whose competence part is not in the framework is reported
    # once, for the column, and left out of the long table.
    fw = as_framework(options.get("framework", "se-core"))
    unknown: list[Issue] = []
    for c in [c for c in comps if fw._inner.resolve(c) is None]:
        for role in patterns:
            if c in matched[role]:
                unknown.append(
                    (
                        None,
                        matched[role][c],
                        c,
                        f"unknown competence for framework {fw.id!r}",
                        "unknown_competence",
                    )
                )
        comps.remove(c)
    if not comps and unknown:
        raise ValidationError(unknown, source=source)
    if not comps:
        raise ValidationError(
            [
                (
                    None,
                    current,
                    "",
                    "no column matches the current-level pattern",
                    "missing_column",
                )
            ],
            source=source,
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
                df[c].to_numpy(dtype=object) if c is not None else np.full(n, np.nan, dtype=object)
                for c in cols
            ]
        )
        long[role] = block.reshape(-1)
        col_of[role] = [
            c if c is not None else pat for c, pat in zip(cols, [patterns[role]] * k, strict=True)
        ]
    for col in ([weight] if weight else []) + list(attributes):
        long[col] = np.repeat(df[col].to_numpy(), k)
    frame = pd.DataFrame(long)
    for role in patterns:
        frame[role] = frame[role].infer_objects()
    try:
        survey = from_frame(
            cls,
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
        for row, column, value, reason, code in err._rows:
            if row is None:
                rows.append((row, column, value, reason, code))
                continue
            wrow, j = divmod(row, k)
            if column in col_of:
                column = col_of[column][j]
            elif column == "competence":
                column = " / ".join(col_of[r][j] for r in patterns)
            else:
                column = wide_names.get(column, column)
            rows.append((wrow, column, value, reason, code))
        # a respondent-level cell is repeated once per competence
        rows = list(dict.fromkeys(rows))
        raise ValidationError(rows, source=err.source) from None
    if unknown:
        raise ValidationError(unknown, source=source)
    return survey


def read_survey(
    path: str | os.PathLike[str],
    *,
    sheet_name: str | int = 0,
    encoding: str | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    layout: str = "long",
    form: Any = None,
    **options: Any,
) -> Survey:
    """Read and validate a survey file as it comes, or, with ``form=``, the
    export of a survey collected with a :class:`Questionnaire`.

    Parameters
    ----------
    path : str or path
        The file, its format known from its suffix:

        - text: ``.csv``, ``.txt``, ``.tsv``/``.tab``, also compressed
          (``.csv.gz``, ``.bz2``, ``.xz``, ``.zip``, ``.zst``);
        - ``.parquet``/``.pq``;
        - workbooks: ``.xlsx``, ``.xlsm``, ``.xlsb``, ``.xls``, ``.ods``
          (``pip install 'skillsmap[excel]'``, python-calamine);
        - SPSS ``.sav``/``.zsav`` and Stata ``.dta``
          (``pip install 'skillsmap[spss]'``, pyreadstat). Value labels are
          applied to the key columns (a region coded 1..6 with labels is
          read as its label); coded ratings stay numbers.
    sheet_name : str or int
        Sheet of a workbook (default the first).
    encoding : str, optional
        Encoding of a text file. By default UTF-8 with or without a
        byte-order mark (UTF-16/32 with one), else Windows-1252 (which also
        reads Latin-1): a CSV saved by Excel on Windows reads as it is.
    sep : str, optional
        Separator of a text file; by default sniffed among ``,`` ``;`` and
        tab from the header and the first lines (quotes respected).
    decimal : {".", ","}, optional
        Decimal mark; by default ``,`` when the separator is ``;``. Only
        level and weight columns become numbers, never ids or keys.
    layout : {"long", "wide"}
        ``"long"``: one row per respondent × competence, as
        :meth:`Survey.from_frame`; ``"wide"``: one row per respondent, as
        :meth:`Survey.from_wide` (whose ``current=``, ``required=`` and
        ``importance=`` column patterns then apply).
    form : path or Questionnaire, optional
        The form the data were collected with: an XLSForm (``.xlsx``) or
        LimeSurvey structure (``.txt``) written by :class:`Questionnaire`,
        or the questionnaire itself. ``path`` is then a KoboToolbox / ODK
        export (CSV with ``;`` or ``,``, or XLSX; headers with or without
        group paths, or labels; values as choice names or labels in any
        form language), a LimeSurvey response export (headings as question
        codes, ExpressionScript codes or full question text; answer codes or
        full answers) or a filled
        :meth:`Questionnaire.to_template`. The form fixes the framework,
        scale, regions and stakeholder types. The tool's metadata columns
        (``_uuid``, ``_submission_time``, ``start``, ``submitdate``, …) are
        left out, or kept as respondent attributes when named in
        ``keep=[...]``; the respondent id is ``_uuid`` (``meta/instanceID``,
        LimeSurvey's ``id``, the template's ``respondent``; else the row
        number). ``validation="approved"`` reads only the submissions
        approved in KoboToolbox's ``_validation_status``;
        ``validation="complete"`` only completed LimeSurvey responses
        (``submitdate`` set). With consent in the form, only the rows that
        consented are read. The survey's :attr:`~Survey.source` names the
        export and the form with their SHA-256 (first 12 digits).
    **options
        Column names and validation options, as in :meth:`Survey.from_frame`
        (or :meth:`Survey.from_wide`); with ``form``: ``validation``,
        ``keep`` and ``source``.

    Returns
    -------
    Survey

    Raises
    ------
    ValidationError
        Every problem in the file; ``row`` is the 0-based data row (in a
        CSV file with a header and no quoted line breaks, line ``row + 2``).
        Keys are trimmed and compared in Unicode NFC, so ``Región`` typed
        on a Mac (decomposed) is ``Región``; a key holding a control
        character (code ``control_character``) or blank (``missing_value``)
        is an issue. A file with a header and no rows is ``empty_input``. With
        ``form``: the row and column header of the export.
    FormatError
        A file that cannot be read, naming it and what is wrong: a
        directory, an empty (0-byte) file, an unsupported suffix, a binary
        file named ``.csv``, a CSV named ``.xlsx``, a damaged workbook, text
        in no encoding it could be read in (the byte offset is given: pass
        ``encoding=``), a line with too many fields; with ``form``, a form
        not written by :class:`Questionnaire`.
    ConfigurationError
        A bad ``encoding``, ``sep``, ``decimal``, ``sheet_name`` or
        ``layout``.
    ImportError
        A format whose optional package is not installed (the message names
        the extra).
    FileNotFoundError
        If the file does not exist.

    See Also
    --------
    Survey.from_frame : The same from a DataFrame already in memory.
    Questionnaire : The instrument whose form reads an export back.
    ValidationError : The located problems of invalid data.

    Examples
    --------
    >>> import os, tempfile, skillsmap as sm
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "answers.csv")
    ...     sm.demo_survey(20, seed=0).to_frame().to_csv(path, index=False)
    ...     sm.read_survey(path, importance="importance", weight="weight").n_respondents
    20

    A CSV as Excel saves it in most of Europe: Windows-1252, ``;``, decimal
    comma, ``\\r\\n``:

    >>> rows = ["respondent;region;stakeholder_type;competence;current;required",
    ...         "r1;Región de Murcia;cooperative;se.impact.measurement;2,5;4"]
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "excel.csv")
    ...     with open(path, "wb") as f:
    ...         _ = f.write("\\r\\n".join(rows).encode("cp1252"))
    ...     sm.read_survey(path).to_frame()[["region", "current"]]
      region  current
    0   ES62      2.5
    """
    from ._files import read_table
    from ._survey import Survey

    if form is not None:
        from ._exports import read_export

        return read_export(path, form, sheet_name=sheet_name, encoding=encoding, sep=sep, **options)
    if layout not in ("long", "wide"):
        raise ConfigurationError(f"layout must be 'long' or 'wide', got {layout!r}")
    p = Path(path)
    roles = ["respondent", "region", "stakeholder_type"]
    if layout == "long":
        roles.append("competence")
    keys = [options.get(k, k) for k in roles]
    keys += list(options.get("attributes", ()))
    df = read_table(
        p,
        encoding=encoding,
        sep=sep,
        decimal=decimal,
        sheet_name=sheet_name,
        text_columns=[k for k in keys if isinstance(k, str)],
    )
    options.setdefault("source", str(p))
    if layout == "wide":
        return from_wide(Survey, df, **options)
    return from_frame(Survey, df, **options)


def restore(frame: pd.DataFrame, options: dict[str, Any]) -> Ingested:
    """Rebuild a pickled survey from its long table and options (see
    ``Survey.__getstate__``); the frame is valid, so only conversion is left."""

    def cat(col: str) -> tuple[np.ndarray, list[str]]:
        return categorical(frame[col])[:2]

    issues: list[Issue] = []

    def num(col: str | None) -> np.ndarray | None:
        return None if col is None else numeric(frame[col], col, issues)

    inner = _core.Survey.from_columns(
        respondent=cat("respondent"),
        region=cat("region"),
        stakeholder_type=cat("stakeholder_type"),
        competence=cat("competence"),
        current=num("current"),
        required=num(options["required"]),
        importance=num(options["importance"]),
        weight=num(options["weight"]),
        attributes=[(a, *cat(a)) for a in options["attributes"]],
        framework=options["framework"]._inner,
        scale=options["scale"],
        importance_scale=options["importance_scale"],
        names={},
        regions=options["regions"]._inner,
        typology=options["typology"]._inner,
        source=options["source"],
        synthetic=options["synthetic"],
        seed=options.get("seed"),
    )
    return Ingested(
        inner,
        categorical(frame["respondent"])[2],
        {a: categorical(frame[a])[2] for a in options["attributes"]},
    )
