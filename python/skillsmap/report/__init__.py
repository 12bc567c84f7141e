"""The one-command skills-mapping report: figures, tables and a
self-contained HTML page.

``sm.report(survey, out="report")`` (or ``skillsmap report``) writes
``out/index.html`` — self-contained, every string from the data
HTML-escaped — with every figure as SVG and PNG and every table as CSV
beside it. The report owns its folder and never replaces a file it did not
write (``_folder``).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._i18n import N_
from .._output import pandas_inside
from ..errors import ConfigurationError

if TYPE_CHECKING:
    from .._survey import Survey

__all__ = ["Figure", "Omitted", "Report", "diagnoses", "diagnosis", "report"]

_BY = ("region", "stakeholder_type")


class Omitted(Exception):
    """A figure that cannot be drawn from this survey; the message says why."""


@dataclass
class Figure:
    """One figure of the report: its files and caption, or why it was omitted."""

    key: str
    title: str
    caption: str
    svg: Path | None = None
    png: Path | None = None
    omitted: str | None = None
    seconds: float = 0.0


@dataclass
class Report:
    """What :func:`report` wrote."""

    index: Path
    figures: list[Figure] = field(default_factory=list)
    tables: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0
    #: The regional diagnoses written with the report (region id → page).
    diagnoses: dict[str, Path] = field(default_factory=dict)

    def __fspath__(self) -> str:
        return str(self.index)

    def __repr__(self) -> str:
        drawn = sum(f.omitted is None for f in self.figures)
        regions = f", {len(self.diagnoses)} diagnoses" if self.diagnoses else ""
        return (
            f"Report({str(self.index)!r}, {drawn} of {len(self.figures)} figures, "
            f"{len(self.tables)} tables{regions}, {self.seconds:.1f} s)"
        )


@pandas_inside
def report(
    survey: Survey,
    out: str | Path = "skillsmap-report",
    *,
    force: bool = False,
    by: str = "region",
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
    min_n: int = 5,
    dpi: int = 200,
    title: str | None = None,
    lang: str | None = None,
    progress: bool | str = True,
) -> Report:
    """Write the skills-mapping report of a survey into the folder ``out``.

    Parameters
    ----------
    survey : Survey
    out : str or Path
        Output folder: a new folder (created), an empty one, or one holding
        an earlier report, recognised by the ``.skillsmap-report`` file that
        lists the files it wrote. The new report is built completely beside
        the old one and swapped in by renaming: a failed or interrupted run
        leaves the previous report as it was. Files the report did not write
        (an input kept in ``tables/``, a table edited since) are never moved,
        replaced or deleted.
    force : bool
        Also write into a non-empty folder that holds no earlier report,
        beside the files already there; none of them is touched.
    by : {"region", "stakeholder_type"}
        The entities compared across the figures.
    ci, n_boot, seed
        Bootstrap intervals of the Borich scores and learning matches.
    min_n : int
        Cells with fewer respondents are suppressed (see :meth:`Survey.gaps`).
    dpi : int
        Resolution of the PNG files (at least 150).
    title : str, optional
        Title of the page (default "Skills-mapping report", in ``lang``).
    lang : {"en", "es", "fr", "sl", "fi", "it"}, optional
        Language of the page and figures (default en); numbers follow it.
    progress : bool or str
        Print one line per step to standard error, in the language the
        environment asks for (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``,
        ``LANG``, as gettext reads them; English when none is supported), or
        in the language whose code is given (``"fi"``); False prints nothing.

    Returns
    -------
    Report
        The path of ``index.html`` (``report.index``), the figures (with the
        reason of any omitted one) and the CSV tables.

    Raises
    ------
    ConfigurationError
        For a bad option; an empty ``out`` (it is never the current folder);
        a non-empty folder without an earlier report, unless ``force``; or a
        file the report did not write where it writes one (``index.html``,
        ``figures/…``, ``tables/…``), even with ``force``. Nothing is written.
    OSError
        When a file cannot be written or moved; the previous report is then
        left as it was.

    Examples
    --------
    >>> import tempfile, skillsmap as sm
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     r = sm.report(sm.demo_survey(300, seed=0), tmp, n_boot=200, progress=False)
    ...     r.index.name, all(f.png.exists() for f in r.figures if f.omitted is None)
    ('index.html', True)
    """
    from .._i18n import Lang
    from .._survey import Survey
    from ._build import build

    if not isinstance(survey, Survey):
        raise ConfigurationError(f"report takes a Survey, got {type(survey).__name__}")
    if by not in _BY:
        raise ConfigurationError(f"by must be 'region' or 'stakeholder_type', got {by!r}")
    if dpi < 150:
        raise ConfigurationError(f"dpi must be at least 150, got {dpi}")
    tr = Lang("en" if lang is None else lang)
    log = _printer(progress)
    return build(
        survey,
        out,
        force=force,
        by=by,
        ci=ci,
        n_boot=n_boot,
        seed=seed,
        min_n=min_n,
        dpi=dpi,
        title=title,
        log=log,
        lang=tr,
    )


def _check(survey: Any, dpi: int) -> None:
    from .._survey import Survey

    if not isinstance(survey, Survey):
        raise ConfigurationError(f"expected a Survey, got {type(survey).__name__}")
    if dpi < 150:
        raise ConfigurationError(f"dpi must be at least 150, got {dpi}")


@pandas_inside
def diagnosis(
    survey: Survey,
    region: str,
    out: str | Path = "skillsmap-diagnosis",
    *,
    lang: str | None = None,
    force: bool = False,
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
    min_n: int = 5,
    dpi: int = 200,
    progress: bool | str = True,
) -> Report:
    """Write the diagnosis of one region, with the other regions as context,
    into the folder ``out``, in the region's language.

    The page (``out/index.html``, self-contained, printable on A4) shows who
    answered (respondents by stakeholder type, weights, the suppression
    rule); the region's training priorities (Borich MWDS with bootstrap
    intervals), its Locus for Focus and importance–performance analysis;
    where its gaps differ from those of the other regions pooled (difference
    with Welch's interval, Mann–Whitney test Holm-adjusted over the
    competences, rank-biserial r; a table and a diverging bar figure); its
    gaps by stakeholder type (small cells suppressed); the learning matches
    where it is the learner and where it is the mentor; the reliability of
    its respondents' ratings; and a summary paragraph whose every number
    comes from one of the tables. Each figure is also written as SVG and
    PNG, each table as CSV.

    Parameters
    ----------
    survey : Survey
    region : str
        Region id, name or alias (e.g. ``"FI1D7"`` or ``"Lapland"``).
    out : str or Path
        Output folder, owned as by :func:`report`: new, empty, or holding an
        earlier report; nothing of the user's is replaced, and a failed run
        leaves the previous content as it was.
    lang : {"en", "es", "fr", "sl", "fi", "it"}, optional
        Language of the page and figures; default the region's own (es for
        Navarra and Murcia, fr for Nouvelle-Aquitaine, sl for Podravje, fi
        for Lapland, it for Emilia-Romagna), en for other regions.
    force : bool
        As in :func:`report`.
    ci, n_boot, seed
        Interval level, bootstrap replicates and seed (Borich scores,
        learning matches); ``ci`` is also the level of the Welch intervals.
    min_n : int
        Cells with fewer respondents are suppressed.
    dpi : int
        Resolution of the PNG files (at least 150).
    progress : bool or str
        Print one line per step to standard error, in the language the
        environment asks for (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``,
        ``LANG``, as gettext reads them; English when none is supported), or
        in the language whose code is given (``"fi"``); False prints nothing.

    Returns
    -------
    Report
        ``report.index`` is the page; figures and tables as in :func:`report`.

    Raises
    ------
    UnknownNameError
        ``region`` is not in the survey's region set (the message lists the
        known ids).
    ConfigurationError
        An unsupported ``lang`` (the message lists the supported ones), a bad
        option, or an output folder the report may not write into.

    See Also
    --------
    report, diagnoses, skillsmap.plot.gap_difference

    Examples
    --------
    >>> import tempfile, skillsmap as sm
    >>> s = sm.demo_survey(600, seed=0)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     r = sm.diagnosis(s, "Lapland", tmp, n_boot=100, progress=False)
    ...     text = r.index.read_text(encoding="utf-8")
    >>> '<html lang="fi">' in text, "Alueellinen diagnoosi: Lapland" in text
    (True, True)
    """
    from .._i18n import Lang
    from ._diagnosis import Context, Diagnosis, default_language, region_id, write
    from ._folder import claim, publish, stage

    _check(survey, dpi)
    rid = region_id(survey, region)
    tr = Lang(default_language(rid) if lang is None else lang)
    log = _printer(progress)
    start = time.perf_counter()
    folder = claim(out, force=force)
    ctx = Context(survey, ci=ci, n_boot=n_boot, seed=seed, min_n=min_n, log=log)
    d = Diagnosis(ctx, rid, tr)
    staged = stage(folder)
    try:
        figures, tables = write(
            d, staged, dpi=dpi, seconds_before=time.perf_counter() - start, log=log
        )
        publish(folder, staged)
    finally:
        import shutil

        shutil.rmtree(staged, ignore_errors=True)
    root = Path(os.fsdecode(out))
    rep = Report(index=root / "index.html", seconds=time.perf_counter() - start)
    rep.tables = {k: root / "tables" / p.name for k, p in tables.items()}
    for f in figures:
        if f.svg is not None and f.png is not None:
            f.svg = root / "figures" / f.svg.name
            f.png = root / "figures" / f.png.name
    rep.figures = figures
    log(N_("done in {seconds} s: {page}"), seconds=rep.seconds, page=rep.index)
    return rep


@pandas_inside
def diagnoses(
    survey: Survey,
    out: str | Path = "skillsmap-regions",
    *,
    lang: str | None = None,
    force: bool = False,
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
    min_n: int = 5,
    dpi: int = 200,
    progress: bool | str = True,
) -> Report:
    """Write the interregional report with the diagnosis of every region
    that has respondents, in one run: ``out/index.html`` is the interregional
    page (as :func:`report`) linking ``out/regions/<id>/index.html``.

    The survey-wide statistics (Borich scores of every region with their
    intervals, quadrants, learning matches) are computed once and shared by
    the diagnoses.

    Parameters
    ----------
    survey : Survey
    out : str or Path
        Output folder, owned as by :func:`report`; the whole set is built
        beside the previous one and swapped in at the end.
    lang : {"en", "es", "fr", "sl", "fi", "it"}, optional
        One language for every diagnosis and for the interregional page;
        default each region's own (see :func:`diagnosis`), and then the
        interregional page is in English with each region's link given in
        English and in the region's language.
    force, ci, n_boot, seed, min_n, dpi, progress
        As in :func:`diagnosis`.

    Returns
    -------
    Report
        The interregional page, its figures and tables, and
        ``report.diagnoses`` (region id → page).

    Raises
    ------
    ConfigurationError
        An unsupported ``lang``, a bad option or an output folder the report
        may not write into.

    See Also
    --------
    diagnosis, report

    Examples
    --------
    >>> import tempfile, skillsmap as sm
    >>> with tempfile.TemporaryDirectory() as tmp:  # doctest: +SKIP
    ...     r = sm.diagnoses(sm.demo_survey(600, seed=0), tmp, n_boot=100, progress=False)
    ...     sorted(r.diagnoses)
    ['ES22', 'ES62', 'FI1D7', 'FRI', 'ITH5', 'SI032']
    """
    from .._i18n import Lang, check_lang
    from ._build import build
    from ._diagnosis import default_language

    _check(survey, dpi)
    if lang is not None:
        lang = check_lang(lang)
    present = set(survey.respondents["region"].dropna().astype(str))
    regions = [
        (str(r), lang or default_language(str(r)))
        for r in survey.regions.table["id"]
        if str(r) in present
    ]
    log = _printer(progress)
    return build(
        survey,
        out,
        force=force,
        by="region",
        ci=ci,
        n_boot=n_boot,
        seed=seed,
        min_n=min_n,
        dpi=dpi,
        title=None,
        log=log,
        regions=regions,
        lang=Lang("en" if lang is None else lang),
        bilingual_links=lang is None,
    )


def _printer(progress: bool | str) -> Callable[..., None]:
    """The progress printer of ``progress``: ``log(msgid, **fields)`` prints
    the message from the catalogue of the environment's language (True) or
    of the language code given, with its fields, on standard error; or does
    nothing (False)."""
    from .._i18n import Lang, check_lang, environment_language

    if isinstance(progress, str):
        tr = Lang(check_lang(progress))
    elif progress:
        tr = Lang(environment_language())
    else:
        return lambda _msg, /, **_fields: None
    start = time.perf_counter()

    def log(msg: str, /, **fields: Any) -> None:
        text = tr.gettext(msg)
        if fields:
            # seconds and other measures in the language's number format
            text = text.format(
                **{k: tr.num(v, 1) if isinstance(v, float) else v for k, v in fields.items()}
            )
        elapsed = tr.num(time.perf_counter() - start, 1)
        print(f"[{elapsed:>5} s] {text}", file=sys.stderr, flush=True)

    return log
