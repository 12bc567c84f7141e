"""The one-command skills-mapping report: figures, tables and a
self-contained HTML page.

``sm.report(survey, out="report")`` (or ``skillsmap report``) writes
``out/index.html`` — self-contained, every string from the data
HTML-escaped — with every figure as SVG and PNG and every table as CSV
beside it. The report owns its folder and never replaces a file it did not
write (``_folder``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .._output import pandas_inside
from ..errors import ConfigurationError

if TYPE_CHECKING:
    from .._survey import Survey

__all__ = ["Figure", "Omitted", "Report", "report"]

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

    def __fspath__(self) -> str:
        return str(self.index)

    def __repr__(self) -> str:
        drawn = sum(f.omitted is None for f in self.figures)
        return (
            f"Report({str(self.index)!r}, {drawn} of {len(self.figures)} figures, "
            f"{len(self.tables)} tables, {self.seconds:.1f} s)"
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
    progress: bool = True,
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
        Title of the page (default "Skills-mapping report").
    progress : bool
        Print one line per step to standard error.

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
    from .._survey import Survey
    from ._build import build

    if not isinstance(survey, Survey):
        raise ConfigurationError(f"report takes a Survey, got {type(survey).__name__}")
    if by not in _BY:
        raise ConfigurationError(f"by must be 'region' or 'stakeholder_type', got {by!r}")
    if dpi < 150:
        raise ConfigurationError(f"dpi must be at least 150, got {dpi}")
    log: Callable[[str], None] = _printer() if progress else (lambda _msg: None)
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
    )


def _printer() -> Callable[[str], None]:
    start = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - start:5.1f} s] {msg}", file=sys.stderr, flush=True)

    return log
